/** What the experiments' tests share: a context around a problem, and recorders. */
import type { CriticalExperimentResult } from '../../../../../electron/common/protocol';
import { expect } from 'vitest';
import { CancelledError } from '../../../../../electron/engine/core/errors';
import type { Checkpoint } from '../../../../../electron/engine/hessian/types';
import type {
  ExperimentContext,
  ExperimentReport,
} from '../../../../../electron/engine/labs/critical/context';
import type { NetworkProblem, Tf } from '../../../../../electron/engine/network';
import type { RefActivation, RefModel } from './reference';

/** A context around a problem, with recorded θs of runs (run id → θ by step). */
export function contextOf(
  tf: Tf,
  problem: NetworkProblem,
  runs: Record<string, Map<number, Float64Array>> = {},
): ExperimentContext {
  return {
    tf,
    backend: tf.getBackend(),
    problem,
    thetaAt(runId, step) {
      const theta = runs[runId]?.get(step);
      if (!theta) throw new Error(`no θ of ${runId} at step ${step}`);
      return Float64Array.from(theta);
    },
    runSteps(runId) {
      return Math.max(...(runs[runId]?.keys() ?? [0]));
    },
  };
}

/** A report that keeps every call. */
export function recorder(): {
  report: ExperimentReport;
  calls: { done: number; total: number; partial?: CriticalExperimentResult }[];
} {
  const calls: { done: number; total: number; partial?: CriticalExperimentResult }[] = [];
  return { report: (done, total, partial) => calls.push({ done, total, partial }), calls };
}

/** A checkpoint that lets `calls` calls through, then throws CancelledError. */
export function cancelAfter(calls: number): Checkpoint {
  let n = 0;
  return () => {
    if (++n > calls) throw new CancelledError();
  };
}

export const noCheckpoint: Checkpoint = () => {};

/** How many times a job calls its checkpoint when it runs to the end. */
export async function checkpointCalls(
  job: (checkpoint: Checkpoint) => Promise<unknown>,
): Promise<number> {
  let calls = 0;
  await job(() => {
    calls++;
  });
  return calls;
}

/**
 * Runs a job cancelled at each of its checkpoints (at most 30 of them; else at 8 spread from
 * the first to the last, so every phase is hit whatever the sub-computations' granularity), and
 * expects each run to reject with CancelledError and leave tf.memory().numTensors where it was.
 */
export async function expectCancelsCleanly(
  tf: Tf,
  job: (checkpoint: Checkpoint) => Promise<unknown>,
): Promise<void> {
  // A run to the end first: whatever stays with the problem (its uploaded split) is there.
  const total = await checkpointCalls(job);
  const before = tf.memory().numTensors;
  const at =
    total <= 30
      ? Array.from({ length: total }, (_, i) => i)
      : Array.from({ length: 8 }, (_, i) => Math.round((i * (total - 1)) / 7));
  for (const calls of at) {
    await expect(job(cancelAfter(calls))).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
  }
}
/** The reference model of a network problem's loss (train split). */
export function refModelOf(problem: NetworkProblem): RefModel {
  const { layout, model, lossKind } = problem;
  return {
    sizes: [layout.inputDim, ...layout.layers.map((l) => l.fanOut)],
    activation: model.activation as RefActivation,
    loss:
      lossKind === 'crossEntropy'
        ? 'crossEntropy'
        : lossKind === 'mse'
          ? 'softmaxMse'
          : 'sumSquared',
    l2: model.l2,
  };
}
