/**
 * The Hessian analysis (electron/engine/hessian/report.ts) against PyTorch's: every case of
 * `test/fixtures/hessian.json` (torch.autograd.functional.hessian in float64, then
 * torch.linalg.eigvalsh, on four small MLPs: tanh, ReLU and softplus, MSE and cross-entropy, 17
 * to 793 parameters), on the wasm and the cpu backend. Every eigenvalue within 1e-4·max|λ|, the
 * loss and ‖∇L‖ within a relative 1e-5, the trace, and the counts that classify the point
 * (minimum ratio, flat, index) exactly. Lanczos's 5 smallest and 5 largest eigenvalues of the
 * 793-parameter Hessian match the exact spectrum's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../electron/engine/backend/select';
import { makeCheckpoint } from '../../../electron/engine/hessian/checkpoint';
import { denseHessianReport } from '../../../electron/engine/hessian/dense';
import { MlpHessian } from '../../../electron/engine/hessian/rop';
import { fromReferenceSpec } from '../../../electron/engine/hessian/hessian-model';
import {
  analyzeNetwork,
  type AnalysisOptions,
  type NetworkAnalysis,
} from '../../../electron/engine/hessian/report';
import type { Tf } from '../../../electron/engine/network';

interface ReferenceCase {
  name: string;
  spec: Parameters<typeof fromReferenceSpec>[0];
  expected: {
    loss: number;
    gradNorm: number;
    eigenvalues: number[];
    minimumRatio: number;
    flat: number;
    tau: number;
    parameters: number;
    trace: number;
  };
}

const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/hessian.json'), 'utf8'),
) as { source: string; cases: ReferenceCase[] };

const exact: AnalysisOptions = {
  method: 'exact',
  k: 10,
  iterations: 100,
  traceProbes: 50,
  tau: 1e-4,
  seed: 0,
};

let tf: Tf;
let backend: string;
beforeAll(async () => {
  const loaded = await loadBackend();
  tf = loaded.tf;
  backend = loaded.report.backend;
});
afterAll(async () => {
  await tf.setBackend(backend);
});

async function analyze(c: ReferenceCase, options: AnalysisOptions): Promise<NetworkAnalysis> {
  const { model, theta, x, y, n } = fromReferenceSpec(c.spec);
  return analyzeNetwork(tf, model, theta, { x, y, n }, options, makeCheckpoint({}));
}

const scaleOf = (values: ArrayLike<number>) =>
  Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Largest |got_i − want_i| over max|want|. */
function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d / scaleOf(want);
}

const relative = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

it('reads the reference file: four cases from 17 to 793 parameters', () => {
  expect(reference.source).toMatch(/^torch\.autograd\.functional\.hessian .*float64$/);
  expect(reference.cases.map((c) => c.expected.parameters)).toEqual([17, 25, 29, 793]);
});

for (const name of ['wasm', 'cpu']) {
  describe(`the exact Hessian on ${name}, against torch.autograd.functional.hessian`, () => {
    beforeAll(async () => {
      await tf.setBackend(name);
    });

    for (const c of reference.cases) {
      it(`${c.name} (${c.expected.parameters} parameters)`, async () => {
        const e = c.expected;
        const before = tf.memory().numTensors;
        const a = await analyze(c, { ...exact, tau: e.tau });
        expect(tf.memory().numTensors).toBe(before);

        expect(a.method).toBe('exact');
        expect(a.traceMethod).toBe('exact');
        expect(a.parameters).toBe(e.parameters);
        expect(a.eigenvalues).toHaveLength(e.parameters);
        for (let i = 1; i < a.eigenvalues.length; i++) {
          expect(a.eigenvalues[i]).toBeGreaterThanOrEqual(a.eigenvalues[i - 1]);
        }
        expect(worst(a.eigenvalues, e.eigenvalues)).toBeLessThan(1e-4);
        const scale = scaleOf(e.eigenvalues);
        // Σλ = tr H: each of the P diagonal entries carries float32 noise of about 1e-7·max|λ|.
        expect(Math.abs(a.trace - e.trace)).toBeLessThan(1e-4 * scale);
        expect(relative(a.loss, e.loss)).toBeLessThan(1e-5);
        expect(relative(a.gradNorm, e.gradNorm)).toBeLessThan(1e-5);

        // The counts, from the reference eigenvalues with the same τ.
        const threshold = e.tau * scale;
        const negative = e.eigenvalues.filter((v) => v < -threshold).length;
        const positive = e.eigenvalues.filter((v) => v > threshold).length;
        expect(a.classification.tau).toBe(e.tau);
        expect(a.classification.flat).toBe(e.flat);
        expect(a.classification.positive).toBe(positive);
        expect(a.classification.negative).toBe(negative);
        expect(a.classification.minimumRatio).toBeCloseTo(e.minimumRatio, 12);
        expect(a.classification.index).toBeCloseTo(negative / e.parameters, 12);
        // Both signs: the curvature of a saddle (no gradTolerance: the gradient is not judged).
        expect(a.classification.kind).toBe('saddle');
        expect(a.classification.lambdaMax).toBeCloseTo(e.eigenvalues[e.parameters - 1], 3);
        expect(a.classification.lambdaMin).toBeCloseTo(e.eigenvalues[0], 3);
        // Built whole by the operator (each block once, symmetric by construction): no
        // asymmetry to measure. Column by column, the products' asymmetry is float32 noise, and
        // the two Hessians agree to it.
        expect(a.symmetryError).toBeUndefined();
        const { model, theta, x, y, n } = fromReferenceSpec(c.spec);
        const op = new MlpHessian(tf, model, theta, { x, y, n });
        try {
          const whole = await op.dense();
          const columns = await denseHessianReport(op, makeCheckpoint({}), op.chunk);
          expect(columns.symmetryError).toBeLessThan(1e-5);
          expect(worst(whole, columns.matrix) * scaleOf(columns.matrix)).toBeLessThan(1e-5 * scale);
        } finally {
          op.dispose();
        }
      });
    }
  });
}

describe('Lanczos on the 793-parameter Hessian', () => {
  const big = reference.cases.find((c) => c.expected.parameters === 793)!;

  it('finds the 5 smallest and the 5 largest eigenvalues of the exact spectrum', async () => {
    const e = big.expected.eigenvalues;
    const a = await analyze(big, { ...exact, method: 'lanczos', k: 5 });
    expect(a.method).toBe('lanczos');
    expect(a.eigenvalues).toHaveLength(10);
    const want = [...e.slice(0, 5), ...e.slice(-5)];
    expect(worst(a.eigenvalues, want)).toBeLessThan(1e-4);
    expect(a.lanczos!.iterations).toBeLessThanOrEqual(100);
    // Hutchinson's estimate of the trace, within four of its standard errors.
    expect(a.traceMethod).toBe('hutchinson');
    expect(a.traceError).toBeGreaterThan(0);
    expect(Math.abs(a.trace - big.expected.trace)).toBeLessThan(4 * a.traceError!);
    // Counted over the 10 eigenvalues found: the extremes of a saddle.
    expect(a.classification.count).toBe(10);
    expect(a.classification.negative).toBe(5);
    expect(a.classification.positive).toBe(5);
  });
});
