/**
 * Runs an experiment's trainings: independent, so spread over the pool's worker threads (one
 * training per worker, the next one handed out as soon as a worker is free), or one after the
 * other in this thread where there is no worker bundle (running from source) or the pool broke.
 * A training is deterministic (seeded data, weights and batches), so where it ran never
 * changes its numbers, only its timings.
 *
 * Progress counts epochs: each training's share of the whole is its epochs, and a finished
 * training calls `onDone` at once (the experiment draws its partial result), in whatever order
 * they finish; the outcomes come back in the tasks' order. Cancel (the checkpoint throws, or
 * the signal aborts) ends the trainings under way — their workers are ended — and keeps those
 * that finished.
 */
import type { BackendName } from '../../../common/protocol';
import { CancelledError } from '../../core/errors';
import { WorkerError } from '../../core/worker-pool';
import type { Checkpoint } from '../../hessian/types';
import type { Tf } from '../../network';
import type { ExperimentsPool } from './pool';
import { runTraining, type TrainingOutcome, type TrainingTask } from './training';

export interface RunnerHooks {
  signal: AbortSignal;
  /** Called between epochs of trainings in this thread (yields; throws when cancelled). */
  checkpoint: Checkpoint;
  /** Trainings finished, planned, and the share of all epochs done. */
  onProgress(done: number, total: number, fraction: number): void;
  /** Training `index` finished. */
  onDone(index: number, outcome: TrainingOutcome): void;
}

export interface RunnerReport {
  outcomes: TrainingOutcome[];
  /** Worker threads used (0: this thread). */
  threads: number;
}

/** Trains every task; rejects with CancelledError when cancelled (after onDone of each done). */
export async function runTrainings(
  tf: Tf,
  tasks: readonly TrainingTask[],
  hooks: RunnerHooks,
  pool: ExperimentsPool | undefined,
): Promise<RunnerReport> {
  const outcomes: (TrainingOutcome | undefined)[] = new Array(tasks.length);
  const totalEpochs = tasks.reduce((s, t) => s + t.epochs, 0) || 1;
  const epochsDone = new Float64Array(tasks.length);
  let finished = 0;
  const report = () => {
    let sum = 0;
    for (const e of epochsDone) sum += e;
    hooks.onProgress(finished, tasks.length, Math.min(1, sum / totalEpochs));
  };
  const done = (index: number, outcome: TrainingOutcome) => {
    outcomes[index] = outcome;
    epochsDone[index] = tasks[index].epochs;
    finished++;
    hooks.onDone(index, outcome);
    report();
  };
  const backend = tf.getBackend() as BackendName;
  let threads = 0;

  if (pool && pool.refusal === undefined) {
    threads = pool.size;
    // Ends every lane's training when the job is cancelled or one lane fails.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    if (hooks.signal.aborted) onAbort();
    let next = 0;
    let lost = false;
    const lane = async (): Promise<void> => {
      while (next < tasks.length && !lost) {
        if (stop.signal.aborted) throw new CancelledError();
        const index = next++;
        try {
          const outcome = await pool.train(tasks[index], backend, stop.signal, (epochs) => {
            epochsDone[index] = epochs;
            report();
          });
          done(index, outcome);
        } catch (err) {
          // No worker could take it: it is trained in this thread below, with what is left.
          if (err instanceof WorkerError) lost = true;
          else {
            stop.abort();
            throw err;
          }
        }
      }
    };
    try {
      const lanes = Array.from({ length: Math.min(pool.size, tasks.length) }, lane);
      const settled = await Promise.allSettled(lanes);
      // The first real failure wins over the cancellations it caused in the other lanes.
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
      const real = failures.find((f) => !(f instanceof CancelledError));
      if (real !== undefined) throw real;
      if (failures.length > 0 || hooks.signal.aborted) throw new CancelledError();
    } finally {
      hooks.signal.removeEventListener('abort', onAbort);
    }
    if (!lost) return { outcomes: outcomes as TrainingOutcome[], threads };
    threads = 0;
  }
  // In this thread: what no worker took, in order.
  for (let index = 0; index < tasks.length; index++) {
    if (outcomes[index]) continue;
    const outcome = await runTraining(tf, tasks[index], async (epochs) => {
      epochsDone[index] = epochs;
      report();
      await hooks.checkpoint(epochs, tasks[index].epochs);
    });
    done(index, outcome);
  }
  return { outcomes: outcomes as TrainingOutcome[], threads };
}
