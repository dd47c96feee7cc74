/**
 * Wilson et al.'s example (NeurIPS 2017, §3.3) exactly: the data are as the paper builds them,
 * every optimizer fits the training set (loss < 1e-20), SGD reaches the minimum-norm solution
 * w = Xᵀ(XXᵀ)⁻¹y (checked against the closed form, solved here in float64) and test error 0,
 * while AdaGrad, RMSProp and Adam put as much weight on the two always-on features as on the
 * label feature and call every new point positive: test error = the share of negatives drawn.
 */
import { describe, expect, it } from 'vitest';
import { experimentSpecSchema } from '../../../../electron/common/protocol';
import {
  experimentBase,
  runExperimentJob,
} from '../../../../electron/engine/labs/experiments/experiment-job';
import { wilsonData } from '../../../../electron/engine/labs/experiments/plans';
import type { Tf } from '../../../../electron/engine/network';

/** Solves the symmetric positive definite system A x = b (Cholesky). */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j];
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * z[k];
    z[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

describe("Wilson et al.'s example", () => {
  it('builds the paper’s features: one of its own for a positive example, five for a negative', () => {
    const { y, features } = wilsonData(6, 0.6, 1);
    features.forEach((f, i) => {
      expect(f.slice(0, 2)).toEqual([1, 2]);
      expect(f.slice(2)).toEqual(Array.from({ length: y[i] > 0 ? 1 : 5 }, (_, k) => 3 + 5 * i + k));
    });
  });

  it('SGD finds the minimum-norm solution (test error 0); AdaGrad, RMSProp and Adam do not', async () => {
    const spec = experimentSpecSchema.parse({
      kind: 'adaptive',
      n: 40,
      steps: 6000,
      testPoints: 2000,
    });
    const base = experimentBase(spec, undefined, 'cpu');
    const r = await runExperimentJob({} as Tf, spec, base, undefined, {
      signal: new AbortController().signal,
      checkpoint: () => undefined,
      onProgress: () => undefined,
    });
    const rows = new Map(r.table.rows.map((row) => [String(row[0]).split(' ')[0], row]));
    for (const row of rows.values()) expect(row[1] as number).toBeLessThan(1e-20);
    expect(rows.get('sgd')![2]).toBe(0);
    for (const name of ['adagrad', 'rmsprop', 'adam']) {
      const error = rows.get(name)![2] as number;
      // Every new point called positive: the error is the negatives' share of the test draw.
      expect(error).toBeGreaterThan(0.3);
      expect(error).toBeLessThan(0.5);
    }
    // The minimum-norm solution w = Xᵀ(XXᵀ)⁻¹y: (XXᵀ)_ik = y_i y_k + 2 + [i = k]·(own features).
    const { y, features } = wilsonData(40, 0.6, 1);
    const n = 40;
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++)
        g[i * n + k] = y[i] * y[k] + 2 + (i === k ? features[i].length - 2 : 0);
    }
    const alpha = solve(g, Float64Array.from(y), n);
    const w1 = alpha.reduce((s, a, i) => s + a * y[i], 0);
    const w2 = alpha.reduce((s, a) => s + a, 0);
    const sgd = rows.get('sgd')!;
    expect(sgd[4] as number).toBeCloseTo(w1, 5);
    expect(sgd[5] as number).toBeCloseTo(2 * w2, 5);
  });
});
