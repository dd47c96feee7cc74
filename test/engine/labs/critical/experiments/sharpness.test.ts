/**
 * The sharpness experiment along a network run's kept θs (2-6-2 tanh on 28 moons points):
 * λ_max at each sample is the top eigenvalue of an independent float64 Hessian, the trace is
 * within Hutchinson's own standard error of the exact trace, the loss is the run's; samples are
 * the kept steps nearest to an even spread; another architecture's run is refused naming
 * `experiment.runId`; Cancel leaves no tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CriticalExperimentSpec } from '../../../../../electron/common/protocol';
import { loadBackend } from '../../../../../electron/engine/backend/select';
import { FieldError } from '../../../../../electron/engine/core/errors';
import type { ExperimentContext } from '../../../../../electron/engine/labs/critical/context';
import {
  runSharpness,
  sampleSteps,
} from '../../../../../electron/engine/labs/critical/experiments';
import { NetworkProblem, NetworkRun, type Tf } from '../../../../../electron/engine/network';
import { contextOf, expectCancelsCleanly, noCheckpoint, recorder, refModelOf } from './helpers';
import { jacobiEigen, refHessian } from './reference';

type Spec = Extract<CriticalExperimentSpec, { kind: 'sharpness' }>;

let tf: Tf;
let problem: NetworkProblem;
let ctx: ExperimentContext;
/** θ of run `a` at its kept steps (every 16th, and its last). */
const kept = new Map<number, Float64Array>();
beforeAll(async () => {
  tf = (await loadBackend()).tf;
  problem = new NetworkProblem(
    tf,
    { kind: 'moons', n: 40, seed: 0 },
    { depth: 1, width: 6, activation: 'tanh' },
  );
  const run = new NetworkRun(problem, {
    runId: 'a',
    optimizer: { optimizer: 'sgd', lr: 0.5 },
    batchSize: 'full',
    snapshotEvery: 16,
  });
  run.advance(200);
  for (const { step, theta } of run.snapshots.list()) kept.set(step, Float64Array.from(theta));
  kept.set(run.step, Float64Array.from(run.theta));
  ctx = {
    ...contextOf(tf, problem, { a: kept }),
    keptSteps: () => [...kept.keys()].sort((x, y) => x - y),
  };
});
afterAll(() => problem.dispose());

const spec: Spec = { kind: 'sharpness', runId: 'a', samples: 5, traceProbes: 50 };

describe('sampleSteps', () => {
  it('spreads samples evenly, each moved to the nearest kept step, without repeats', () => {
    expect(sampleSteps(200, 5)).toEqual([0, 50, 100, 150, 200]);
    const steps = [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 200];
    expect(sampleSteps(200, 5, steps)).toEqual([0, 48, 96, 144, 200]);
    expect(sampleSteps(3, 10)).toEqual([0, 1, 2, 3]);
    expect(sampleSteps(200, 40, [0, 100, 200])).toEqual([0, 100, 200]);
  });
});

describe('runSharpness', () => {
  it('λ_max is the exact spectrum’s max, the trace within its error, the loss the run’s', async () => {
    const { report, calls } = recorder();
    const result = await runSharpness(ctx, spec, report, noCheckpoint);
    expect(result.runId).toBe('a');
    expect(Array.from(result.steps)).toEqual([0, 48, 96, 144, 200]);
    expect(
      calls.filter((c) => c.partial).map((c) => (c.partial as typeof result).steps.length),
    ).toEqual([1, 2, 3, 4, 5]);
    const split = problem.dataset.train;
    const ref = refModelOf(problem);
    const p = problem.layout.size;
    for (let j = 0; j < result.steps.length; j++) {
      const theta = kept.get(result.steps[j])!;
      const H = refHessian(ref, theta, split.x, split.y);
      const { values } = jacobiEigen(H, p);
      const top = values[p - 1];
      expect(Math.abs(result.lambdaMax[j] - top)).toBeLessThan(1e-4 * top);
      // Hutchinson with Rademacher probes: variance 2·Σ_{i≠j} H_ij² per probe.
      let exact = 0;
      let off = 0;
      for (let a = 0; a < p; a++) {
        exact += H[a * p + a];
        for (let b = 0; b < p; b++) if (a !== b) off += H[a * p + b] ** 2;
      }
      const se = Math.sqrt((2 * off) / spec.traceProbes);
      expect(Math.abs(result.trace[j] - exact)).toBeLessThan(4 * se);
      expect(result.loss[j]).toBeCloseTo(problem.evaluate(theta, 'train').loss, 6);
    }
  });

  it('refuses a run of another architecture, naming experiment.runId', async () => {
    const other = contextOf(tf, problem, { b: new Map([[0, new Float64Array(10)]]) });
    const run = runSharpness(other, { ...spec, runId: 'b' }, () => {}, noCheckpoint);
    await expect(run).rejects.toBeInstanceOf(FieldError);
    await expect(run).rejects.toMatchObject({ field: 'experiment.runId' });
  });

  it('stops with CancelledError when the checkpoint throws, leaving no tensors', async () => {
    await expectCancelsCleanly(tf, (checkpoint) => runSharpness(ctx, spec, () => {}, checkpoint));
  });
});
