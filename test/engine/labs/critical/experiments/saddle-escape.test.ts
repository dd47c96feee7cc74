/**
 * The saddle-escape experiment on the moons (70 training points): the point found is critical
 * (‖∇L‖ under the tolerance, for the engine and for an independent float64 gradient) with a
 * negative eigenvalue (the float64 Hessian's λ_min agrees); splitting a unit keeps the function
 * (closed form: the loss is unchanged for any split); the escaped run ends lower than the plain
 * one, which stays on the saddle's plateau; for a small t the actual change is ½λt² to O(t³);
 * Cancel leaves no tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CriticalExperimentSpec } from '../../../../../electron/common/protocol';
import { DEFAULT_TAU } from '../../../../../electron/common/protocol';
import { loadBackend } from '../../../../../electron/engine/backend/select';
import { CancelledError } from '../../../../../electron/engine/core/errors';
import {
  findSaddle,
  runSaddleEscape,
  SADDLE_GRAD_TOLERANCE,
  splitUnit,
} from '../../../../../electron/engine/labs/critical/experiments';
import { squaredData } from '../../../../../electron/engine/labs/critical/experiments/hessian';
import { Progress } from '../../../../../electron/engine/labs/critical/experiments/progress';
import { NetworkProblem, type Tf } from '../../../../../electron/engine/network';
import { Rng } from '../../../../../electron/engine/datasets';
import { cancelAfter, contextOf, noCheckpoint, recorder } from './helpers';
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
const wide: RefModel = { sizes: [2, 2, 2], activation: 'tanh', loss: 'sumSquared', l2: 0 };
const narrow: RefModel = { ...wide, sizes: [2, 1, 2] };

describe('runSaddleEscape', () => {
  it('finds a strict saddle, and one Escape step beats plain training from it', async () => {
    const { report, calls } = recorder();
    const result = await runSaddleEscape(contextOf(tf, problem), spec, report, noCheckpoint);
    const { saddle } = result;
    expect(saddle.gradNorm).toBeLessThan(SADDLE_GRAD_TOLERANCE);
    expect(saddle.lambdaMin).toBeLessThan(-DEFAULT_TAU * saddle.lambdaMax);
    expect(saddle.index).toBeGreaterThan(0);
    expect(calls.at(-1)).toMatchObject({ done: calls.at(-1)!.total });

    expect(Array.from(result.steps)).toEqual(Array.from({ length: spec.steps + 1 }, (_, s) => s));
    expect(result.plain).toHaveLength(spec.steps + 1);
    expect(result.escaped).toHaveLength(spec.steps + 1);
    expect(result.plain[0]).toBe(saddle.loss);
    expect(result.actual).toBe(result.escaped[0] - result.plain[0]);
    expect(result.predicted).toBeCloseTo(0.5 * saddle.lambdaMin * spec.t ** 2, 12);
    expect(result.t).toBe(spec.t);

    // Plain gradient descent stays on the saddle's plateau; the escaped run descends below it.
    const last = spec.steps;
    expect(Math.abs(result.plain[last] - saddle.loss)).toBeLessThan(1e-4 * saddle.loss);
    expect(result.escaped[last]).toBeLessThan(result.plain[last] - 0.1 * saddle.loss);
    expect(result.escaped.every(Number.isFinite)).toBe(true);
  });

  it('the saddle is critical with λ_min < 0 for an independent float64 Hessian', async () => {
    const progress = new Progress(1e9, () => {}, noCheckpoint);
    const found = await findSaddle(contextOf(tf, problem), problem, spec.seed, progress);
    const { x, y } = squaredData(problem);
    const grad = new Float64Array(found.theta.length);
    const loss = refLossGrad(wide, found.theta, x, y, grad);
    expect(Math.abs(loss - found.loss)).toBeLessThan(1e-6 * loss);
    expect(Math.hypot(...grad)).toBeLessThan(SADDLE_GRAD_TOLERANCE);
    const { values } = jacobiEigen(refHessian(wide, found.theta, x, y), found.theta.length);
    expect(values[0]).toBeLessThan(0);
    expect(Math.abs(values[0] - found.values[0])).toBeLessThan(1e-4 * values.at(-1)!);
    expect(Math.abs(values.at(-1)! - found.values.at(-1)!)).toBeLessThan(1e-4 * values.at(-1)!);
    // The unit eigenvector of λ_min: its Rayleigh quotient on the float64 Hessian is λ_min.
    const H = refHessian(wide, found.theta, x, y);
    const d = found.direction;
    const p = d.length;
    let q = 0;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) q += d[i] * H[i * p + j] * d[j];
    expect(Math.abs(q - values[0])).toBeLessThan(1e-3 * Math.abs(values[0]));
  });

  it('splitting a unit keeps the function: the loss is the narrow one for every split', () => {
    const { x, y } = squaredData(problem);
    const rng = new Rng(3);
    const theta = Float64Array.from({ length: 7 }, () => rng.normal());
    const base = refLossGrad(narrow, theta, x, y);
    for (const a of [0.5, -0.5, 0.25, 2]) {
      const split = splitUnit(theta, 2, 2, a);
      expect(refLossGrad(wide, split, x, y)).toBeCloseTo(base, 12);
    }
  });

  it('for a small t the loss changes by ½λt², up to a term of order t³', async () => {
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
    // Here the cubic term is large (≈ 5.7 % of ½λt² at t = 0.05, in float64 too): it shrinks
    // in proportion to t.
    const coarse = await relativeError(0.04);
    const fine = await relativeError(0.01);
    expect(fine).toBeLessThan(0.03);
    expect(coarse / fine).toBeGreaterThan(2.5);
    expect(coarse / fine).toBeLessThan(6);
  });

  it('stops with CancelledError when the checkpoint throws, leaving no tensors', async () => {
    const ctx = contextOf(tf, problem);
    await runSaddleEscape(ctx, { ...spec, steps: 1 }, () => {}, noCheckpoint);
    const before = tf.memory().numTensors;
    // In the narrow network's training, and in the training from the saddle (the search takes
    // ~220 checkpoints here, each training 301).
    for (const calls of [10, 700]) {
      const run = runSaddleEscape(ctx, spec, () => {}, cancelAfter(calls));
      await expect(run).rejects.toBeInstanceOf(CancelledError);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
