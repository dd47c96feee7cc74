/**
 * The minimum-ratio experiment: K = 4 small tanh networks on 28 training points. Each point's
 * ratio is positive / count of an exact spectrum (the engine's, recomputed at the endpoint, and
 * an independent float64 one by central differences of a textbook backpropagation), its
 * `converged` flag agrees with its gradient norm, its loss is the endpoint's; partial results
 * come after each network; an over-large model is refused naming `experiment`; Cancel leaves no
 * tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { architectureKey } from '../../../../../electron/common/network';
import type { CriticalExperimentSpec } from '../../../../../electron/common/protocol';
import { loadBackend } from '../../../../../electron/engine/backend/select';
import { FieldError } from '../../../../../electron/engine/core/errors';
import {
  runMinimumRatio,
  trainEndpoint,
} from '../../../../../electron/engine/labs/critical/experiments';
import {
  exactSpectrum,
  networkHessian,
} from '../../../../../electron/engine/labs/critical/experiments/hessian';
import { NetworkProblem, type Tf } from '../../../../../electron/engine/network';
import { contextOf, expectCancelsCleanly, noCheckpoint, recorder, refModelOf } from './helpers';
import { jacobiEigen, refHessian, refLossGrad } from './reference';

type Spec = Extract<CriticalExperimentSpec, { kind: 'minimum-ratio' }>;

let tf: Tf;
let problem: NetworkProblem;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
  // 28 training points, 2-6-2 tanh, cross-entropy: P = 32.
  problem = new NetworkProblem(
    tf,
    { kind: 'moons', n: 40, seed: 0 },
    { depth: 1, width: 6, activation: 'tanh' },
  );
});
afterAll(() => problem.dispose());

// maxSteps 1700 leaves some of the four short of the tolerance (on wasm: seeds 1 and 3).
const spec: Spec = {
  kind: 'minimum-ratio',
  network: 'lab',
  count: 4,
  gradTolerance: 1e-3,
  maxSteps: 1700,
  tau: 1e-4,
  seed: 1,
};

describe('runMinimumRatio', () => {
  it('classifies each endpoint by an exact spectrum, with flags and losses of the endpoint', async () => {
    const { report, calls } = recorder();
    const result = await runMinimumRatio(contextOf(tf, problem), spec, report, noCheckpoint);
    const p = problem.layout.size;
    expect(result).toMatchObject({ kind: 'minimum-ratio', tau: 1e-4, gradTolerance: 1e-3 });
    expect(result.parameters).toBe(p);
    expect(result.architecture).toBe(architectureKey(problem.model));
    expect(result.points.map((q) => q.seed)).toEqual([1, 2, 3, 4]);

    // A partial result after each network, with the points so far.
    const partials = calls.filter((c) => c.partial);
    expect(partials.map((c) => (c.partial as typeof result).points.length)).toEqual([1, 2, 3, 4]);
    expect(calls.every((c, i) => i === 0 || c.done >= calls[i - 1].done)).toBe(true);

    const split = problem.dataset.train;
    const ref = refModelOf(problem);
    for (const point of result.points) {
      // Training is deterministic: the same seed gives the same endpoint.
      const end = await trainEndpoint(problem, point.seed, spec, () => {});
      expect(end.steps).toBe(point.steps);
      expect(end.gradNorm).toBe(point.gradNorm);

      // converged ⇔ ‖∇L‖ < tolerance; otherwise the step budget ran out.
      expect(point.converged).toBe(point.gradNorm < spec.gradTolerance);
      if (!point.converged) expect(point.steps).toBe(spec.maxSteps);
      else expect(point.steps).toBeLessThan(spec.maxSteps);

      // The loss is the endpoint's: the network's evaluation, and the float64 reference.
      expect(point.loss).toBe(problem.evaluate(end.theta, 'train').loss);
      const refGrad = new Float64Array(p);
      const refLoss = refLossGrad(ref, end.theta, split.x, split.y, refGrad);
      expect(Math.abs(point.loss - refLoss)).toBeLessThan(1e-6 + 1e-5 * refLoss);
      expect(Math.abs(point.gradNorm - Math.hypot(...refGrad))).toBeLessThan(1e-5);

      // The engine's exact spectrum at the endpoint, counted by hand.
      const op = networkHessian(tf, problem, end.theta);
      const { values } = await exactSpectrum(op, noCheckpoint);
      op.dispose();
      const scale = Math.max(...values.map(Math.abs));
      const cut = spec.tau * scale;
      const positive = values.filter((v) => v > cut).length;
      const negative = values.filter((v) => v < -cut).length;
      expect(point.minimumRatio).toBe(positive / p);
      expect(point.index).toBe(negative / p);
      expect(point.flat).toBe(p - positive - negative);

      // An independent float64 spectrum: the same count, up to eigenvalues so close to ±τ·max|λ|
      // (within a factor 1.5 of it) that float32 may put them on either side.
      const exact = jacobiEigen(refHessian(ref, end.theta, split.x, split.y), p).values;
      const refScale = Math.max(...exact.map(Math.abs));
      expect(Math.abs(refScale - scale)).toBeLessThan(1e-4 * refScale);
      const refCut = spec.tau * refScale;
      const refPositive = exact.filter((v) => v > refCut).length;
      const borderline = exact.filter((v) => v > refCut / 1.5 && v < refCut * 1.5).length;
      expect(Math.abs(point.minimumRatio * p - refPositive)).toBeLessThanOrEqual(borderline);
    }
    // The lecture's picture: the "converged" networks are not minima.
    expect(result.points.every((q) => q.minimumRatio < 1)).toBe(true);
  });

  it('refuses a model too large for an exact spectrum, naming experiment and its size', async () => {
    const big = problem.architecture({ depth: 2, width: 64, activation: 'tanh' });
    const run = runMinimumRatio(contextOf(tf, big), spec, () => {}, noCheckpoint);
    await expect(run).rejects.toBeInstanceOf(FieldError);
    await expect(run).rejects.toMatchObject({ field: 'experiment' });
    await expect(run).rejects.toThrow(/4,482 parameters/);
  });

  it("trains a network of its own on the lab's data unless told to use the lab's model", async () => {
    const own = {
      ...spec,
      count: 2,
      maxSteps: 50,
      network: { depth: 1, width: 3, activation: 'tanh' },
    } as const;
    const result = await runMinimumRatio(contextOf(tf, problem), own, () => {}, noCheckpoint);
    const { inputDim, outputDim } = problem.layout;
    // One hidden layer of 3 units: (in + 1)·3 + (3 + 1)·out parameters.
    expect(result.parameters).toBe((inputDim + 1) * 3 + 4 * outputDim);
    expect(result.architecture).toMatch(/^1x3 tanh /);
    expect(result.points).toHaveLength(2);
  });

  it('stops with CancelledError when the checkpoint throws, leaving no tensors', async () => {
    const ctx = contextOf(tf, problem);
    await expectCancelsCleanly(tf, (checkpoint) =>
      runMinimumRatio(ctx, { ...spec, count: 2, maxSteps: 3 }, () => {}, checkpoint),
    );
  });
});
