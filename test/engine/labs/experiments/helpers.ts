/** What the experiments lab's tests share: running a spec as a job, and recording its progress. */
import {
  experimentSpecSchema,
  type ExperimentResult,
  type ExperimentSpecInput,
  type TrainingRecord,
} from '../../../../electron/common/protocol';
import type { Checkpoint } from '../../../../electron/engine/hessian/types';
import {
  experimentBase,
  runExperimentJob,
  type ExperimentProgress,
} from '../../../../electron/engine/labs/experiments/experiment-job';
import type { ExperimentsPool } from '../../../../electron/engine/labs/experiments/pool';
import type { Tf } from '../../../../electron/engine/network';

export interface RunOptions {
  pool?: ExperimentsPool;
  signal?: AbortSignal;
  checkpoint?: Checkpoint;
  /** Hears each progress report after it is recorded. */
  onProgress?: (progress: ExperimentProgress) => void;
}

/**
 * Runs the experiment `input` (the SPEC as the CLI takes it) with its own dataset and model;
 * `progress` keeps every report, so a rejected run still shows what it delivered.
 */
export function runSpec(
  tf: Tf,
  input: ExperimentSpecInput,
  options: RunOptions = {},
): { done: Promise<ExperimentResult>; progress: ExperimentProgress[] } {
  const spec = experimentSpecSchema.parse(input);
  const base = experimentBase(spec, undefined, tf.getBackend());
  const progress: ExperimentProgress[] = [];
  const done = runExperimentJob(tf, spec, base, options.pool, {
    signal: options.signal ?? new AbortController().signal,
    checkpoint: options.checkpoint ?? (() => undefined),
    onProgress: (p) => {
      progress.push(p);
      options.onProgress?.(p);
    },
  });
  return { done, progress };
}

/** Runs the experiment to its end. */
export function run(
  tf: Tf,
  input: ExperimentSpecInput,
  options: RunOptions = {},
): Promise<ExperimentResult> {
  return runSpec(tf, input, options).done;
}

/** A training of the result, by id. */
export function training(result: ExperimentResult, id: string): TrainingRecord {
  const found = result.trainings.find((t) => t.id === id);
  if (!found)
    throw new Error(`no training ${id} in ${result.trainings.map((t) => t.id).join(', ')}`);
  return found;
}

/** A record's numbers without its wall times (which depend on where and when it ran). */
export function numbers(
  record: TrainingRecord,
): Omit<TrainingRecord, 'msPerUpdate' | 'msPerEpoch'> {
  const { msPerUpdate: _update, msPerEpoch: _epoch, ...rest } = record;
  return rest;
}
