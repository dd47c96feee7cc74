/**
 * analyzeNetwork's contract beyond the numbers (reference.test.ts has those): its stages in
 * order, eigenvectors that satisfy H v = λ v for the operator itself, a Cancel that stops it
 * with no tensor left behind, and the refusals made before any work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../electron/engine/core/errors';
import { loadBackend } from '../../../electron/engine/backend/select';
import { makeCheckpoint } from '../../../electron/engine/hessian/checkpoint';
import { fromReferenceSpec } from '../../../electron/engine/hessian/hessian-model';
import {
  analyzeNetwork,
  checkAnalysis,
  HessianError,
  type AnalysisOptions,
  type AnalysisPhase,
} from '../../../electron/engine/hessian/report';
import { MlpHessian } from '../../../electron/engine/hessian/rop';
import type { Tf } from '../../../electron/engine/network';

const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/hessian.json'), 'utf8'),
) as { cases: { name: string; spec: unknown }[] };
const spec = (name: string) => reference.cases.find((c) => c.name === name)!.spec;

const options: AnalysisOptions = {
  method: 'exact',
  k: 3,
  iterations: 40,
  traceProbes: 10,
  tau: 1e-4,
  seed: 0,
};

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

describe('analyzeNetwork', () => {
  it('reports its stages in order, exact and Lanczos, with the density last', async () => {
    const { model, theta, x, y, n } = fromReferenceSpec(spec('relu-2-6-1-mse'));
    const density = { probes: 2, iterations: 10, bins: 32 };
    for (const [method, want] of [
      ['exact', ['hessian', 'eigen', 'density']],
      ['lanczos', ['lanczos', 'trace', 'density']],
    ] as const) {
      const phases: AnalysisPhase[] = [];
      const progress: [number, number][] = [];
      await analyzeNetwork(
        tf,
        model,
        theta,
        { x, y, n },
        { ...options, method, density, onPhase: (p) => phases.push(p) },
        (done, total) => {
          progress.push([done, total]);
        },
      );
      expect(phases).toEqual(want);
      expect(progress.length).toBeGreaterThan(0);
    }
  });

  it('gives eigenvectors with H v = λ v for the Hessian-vector product itself', async () => {
    const { model, theta, x, y, n } = fromReferenceSpec(spec('softplus-2-3-3-2-ce'));
    const a = await analyzeNetwork(
      tf,
      model,
      theta,
      { x, y, n },
      { ...options, vectors: true },
      makeCheckpoint({}),
    );
    const p = a.parameters;
    expect(a.vectorIndices).toEqual([0, p - 2, p - 1]);
    const op = new MlpHessian(tf, model, theta, { x, y, n });
    try {
      const hv = new Float64Array(p);
      for (const [j, index] of a.vectorIndices.entries()) {
        const v = a.eigenvectors!.subarray(j * p, (j + 1) * p);
        op.apply(Float64Array.from(v), hv);
        let residual = 0;
        for (let i = 0; i < p; i++)
          residual = Math.max(residual, Math.abs(hv[i] - a.eigenvalues[index] * v[i]));
        expect(residual).toBeLessThan(1e-5 * a.classification.scale);
      }
    } finally {
      op.dispose();
    }
  });

  it('stops at a Cancel from its checkpoint, with every tensor freed', async () => {
    const { model, theta, x, y, n } = fromReferenceSpec(spec('tanh-6-24-24-1-mse'));
    const before = tf.memory().numTensors;
    for (const method of ['exact', 'lanczos'] as const) {
      let calls = 0;
      const cancelling = () => {
        if (++calls === 3) throw new CancelledError();
      };
      await expect(
        analyzeNetwork(tf, model, theta, { x, y, n }, { ...options, method }, cancelling),
      ).rejects.toBeInstanceOf(CancelledError);
      expect(calls).toBe(3);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('checkAnalysis: refused before any work, naming the field', () => {
  const refusal = (parameters: number, o: Partial<AnalysisOptions>) => {
    try {
      checkAnalysis(parameters, { ...options, ...o });
    } catch (err) {
      expect(err).toBeInstanceOf(HessianError);
      return `${(err as HessianError).field}: ${(err as HessianError).message}`;
    }
    return undefined;
  };

  it('sizes an exact Hessian: P² float64 numbers twice, thrice with eigenvectors', () => {
    // 8·P²·2 ≤ 2³⁰ up to P = 8,192.
    expect(refusal(8192, { method: 'exact' })).toBeUndefined();
    expect(refusal(8193, { method: 'exact' })).toMatch(
      /^method: an exact Hessian of 8,193 parameters needs 1\.1 GB .*use "lanczos"$/,
    );
    expect(refusal(8192, { method: 'exact', vectors: true })).toMatch(/^method: .*thrice/);
    // auto is exact up to 2,000 parameters, Lanczos above.
    expect(refusal(9000, { method: 'auto' })).toBeUndefined();
  });

  it('sizes Lanczos: 2k eigenvalues, at least 2k iterations, a Krylov basis within the bound', () => {
    expect(refusal(5, { method: 'lanczos', k: 3 })).toMatch(/^k: 2k = 6 eigenvalues/);
    expect(refusal(100, { method: 'lanczos', k: 3, iterations: 5 })).toMatch(
      /^iterations: 5 Lanczos iterations cannot give 2k = 6/,
    );
    // Iterations past P are P: a Krylov space of H has at most P dimensions.
    expect(refusal(8, { method: 'lanczos', k: 4, iterations: 1000 })).toBeUndefined();
    expect(refusal(10_000_000, { method: 'lanczos', k: 3, iterations: 100 })).toMatch(
      /^iterations: a Krylov basis of 100 vectors of 10,000,000 parameters needs 8\.3 GB/,
    );
    expect(
      refusal(10_000_000, {
        method: 'lanczos',
        k: 1,
        iterations: 2,
        density: { probes: 1, iterations: 300, bins: 100 },
      }),
    ).toMatch(/^density\.iterations: /);
  });
});
