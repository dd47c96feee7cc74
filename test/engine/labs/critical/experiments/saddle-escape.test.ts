/**
 * The saddle-escape experiment on the moons (70 training points): the all-zero network is a
 * critical point whose spectrum is the closed form (−σ₁(C) once per hidden unit, C the
 * residual–input correlation), checked against an independent float64 Hessian too; plain
 * gradient descent from it never moves while the escaped run descends; for a small t the loss
 * changes by ½λt² up to a term in t⁴; data without any input–target correlation is refused
 * naming `experiment`; Cancel leaves no tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CriticalExperimentSpec } from '../../../../../electron/common/protocol';
import { DEFAULT_TAU } from '../../../../../electron/common/protocol';
import { loadBackend } from '../../../../../electron/engine/backend/select';
import { FieldError } from '../../../../../electron/engine/core/errors';
import { customDataset } from '../../../../../electron/engine/datasets';
import {
  findSaddle,
  originTheta,
  runSaddleEscape,
  SADDLE_GRAD_TOLERANCE,
  SADDLE_WIDTH,
} from '../../../../../electron/engine/labs/critical/experiments';
import { squaredData } from '../../../../../electron/engine/labs/critical/experiments/hessian';
import { NetworkProblem, type Tf } from '../../../../../electron/engine/network';
import { contextOf, expectCancelsCleanly, noCheckpoint, recorder } from './helpers';
import { jacobiEigen, refHessian, refLossGrad, type RefModel } from './reference';

type Spec = Extract<CriticalExperimentSpec, { kind: 'saddle-escape' }>;

let tf: Tf;
let problem: NetworkProblem;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
  problem = new NetworkProblem(tf, { kind: 'moons', n: 100, seed: 0 }, { depth: 1, width: 4 });
});
afterAll(() => problem.dispose());

const spec: Spec = { kind: 'saddle-escape', steps: 300, t: 0.5, seed: 1 };
const model: RefModel = {
  sizes: [2, SADDLE_WIDTH, 2],
  activation: 'tanh',
  loss: 'sumSquared',
  l2: 0,
};

describe('runSaddleEscape', () => {
  it('plain descent stays on the saddle, one Escape step and the same descent leave it', async () => {
    const { report, calls } = recorder();
    const result = await runSaddleEscape(contextOf(tf, problem), spec, report, noCheckpoint);
    const { saddle } = result;
    expect(saddle.gradNorm).toBeLessThan(SADDLE_GRAD_TOLERANCE);
    expect(saddle.lambdaMin).toBeLessThan(-DEFAULT_TAU * saddle.lambdaMax);
    // One negative eigenvalue per hidden unit (C has rank 1 for two classes), of 42.
    expect(saddle.index).toBeCloseTo(SADDLE_WIDTH / 42, 12);
    expect(calls.at(-1)).toMatchObject({ done: calls.at(-1)!.total });

    expect(Array.from(result.steps)).toEqual(Array.from({ length: spec.steps + 1 }, (_, s) => s));
    expect(result.plain).toHaveLength(spec.steps + 1);
    expect(result.escaped).toHaveLength(spec.steps + 1);
    expect(result.plain[0]).toBe(saddle.loss);
    expect(result.actual).toBe(result.escaped[0] - result.plain[0]);
    expect(result.predicted).toBeCloseTo(0.5 * saddle.lambdaMin * spec.t ** 2, 12);
    expect(result.t).toBe(spec.t);

    // Plain gradient descent never leaves the saddle (its only gradient is b₂'s rounding);
    // the escaped run ends far below it (here at the one-unit fit, ≈ 0.15 of 0.50).
    for (const loss of result.plain) expect(Math.abs(loss - saddle.loss)).toBeLessThan(1e-9);
    expect(result.escaped.every(Number.isFinite)).toBe(true);
    expect(result.escaped[spec.steps]).toBeLessThan(0.5 * result.plain[spec.steps]);
  });

  it('the saddle is the closed form, and critical for an independent float64 Hessian', async () => {
    const found = await findSaddle(contextOf(tf, problem), problem, spec.seed, noCheckpoint);
    const { x, y, n } = squaredData(problem);
    // θ*: zero weights, b₂ = ȳ; L = (1/n) Σ ‖y − ȳ‖².
    const { theta } = originTheta(problem, SADDLE_WIDTH);
    expect(Array.from(found.theta)).toEqual(Array.from(theta));
    const mean = [0, 0];
    for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) mean[c] += y[2 * i + c] / n;
    let variance = 0;
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 2; c++) variance += (y[2 * i + c] - mean[c]) ** 2 / n;
    expect(found.loss).toBeCloseTo(variance, 6);
    // C = (2/n) Σ (ȳ − yᵢ) xᵢᵀ (2 × 2); λ_min = −σ₁(C), once per hidden unit; λ_max = 2.
    const C = [0, 0, 0, 0];
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 2; k++)
        for (let f = 0; f < 2; f++)
          C[2 * k + f] += (2 / n) * (mean[k] - y[2 * i + k]) * x[2 * i + f];
    const ctc = Float64Array.from([
      C[0] * C[0] + C[2] * C[2],
      C[0] * C[1] + C[2] * C[3],
      C[0] * C[1] + C[2] * C[3],
      C[1] * C[1] + C[3] * C[3],
    ]);
    const sigma = Math.sqrt(jacobiEigen(ctc, 2).values[1]);
    const values = found.values;
    expect(Math.abs(values[0] + sigma)).toBeLessThan(1e-5 * sigma);
    expect(values.filter((v) => Math.abs(v + sigma) < 1e-4 * sigma)).toHaveLength(SADDLE_WIDTH);
    expect(values.at(-1)).toBeCloseTo(2, 5);
    // The float64 reference: gradient ~0, the same λ_min, and d is its eigenvector.
    const grad = new Float64Array(theta.length);
    refLossGrad(model, theta, x, y, grad);
    expect(Math.hypot(...grad)).toBeLessThan(1e-12);
    const H = refHessian(model, theta, x, y);
    const p = theta.length;
    expect(jacobiEigen(H, p).values[0]).toBeCloseTo(-sigma, 6);
    const d = found.direction;
    expect(Math.hypot(...d)).toBeCloseTo(1, 12);
    let q = 0;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) q += d[i] * H[i * p + j] * d[j];
    expect(Math.abs(q + sigma)).toBeLessThan(1e-4 * sigma);
  });

  it('for a small t the loss changes by ½λt², up to a term of order t⁴', async () => {
    const relativeError = async (t: number) => {
      const r = await runSaddleEscape(
        contextOf(tf, problem),
        { ...spec, steps: 1, t },
        () => {},
        noCheckpoint,
      );
      expect(r.predicted).toBeLessThan(0);
      return Math.abs(r.actual - r.predicted) / Math.abs(r.predicted);
    };
    const coarse = await relativeError(0.1);
    const fine = await relativeError(0.05);
    expect(fine).toBeLessThan(0.005);
    // Halving t divides the relative error by about 4.
    expect(coarse / fine).toBeGreaterThan(3);
    expect(coarse / fine).toBeLessThan(5);
  });

  it('refuses data whose targets do not correlate with the inputs, naming experiment', async () => {
    // Every input twice, once per class: C = 0, the origin is flat, not a strict saddle.
    const points = [1, 0, -1, 0, 0, 1, 0, -1];
    const flat = new NetworkProblem(
      tf,
      customDataset({
        name: 'flat',
        task: 'classification',
        inputDim: 2,
        classes: 2,
        train: { x: [...points, ...points], y: [0, 0, 0, 0, 1, 1, 1, 1] },
      }),
      { depth: 1, width: 2 },
    );
    const run = runSaddleEscape(contextOf(tf, flat), spec, () => {}, noCheckpoint);
    await expect(run).rejects.toBeInstanceOf(FieldError);
    await expect(run).rejects.toMatchObject({ field: 'experiment' });
    await expect(run).rejects.toThrow(/not a strict saddle/);
    flat.dispose();
  });

  it('stops with CancelledError when the checkpoint throws, leaving no tensors', async () => {
    const ctx = contextOf(tf, problem);
    await expectCancelsCleanly(tf, (checkpoint) =>
      runSaddleEscape(ctx, { ...spec, steps: 100 }, () => {}, checkpoint),
    );
  });
});
