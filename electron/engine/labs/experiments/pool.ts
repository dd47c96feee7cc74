/**
 * The experiments lab's worker threads (the bundle dist/engine/experiments-worker.js): one
 * training per worker at a time, as many workers as the machine has cores (the engine's own
 * thread mostly waits while an experiment runs). A worker lives on between trainings (its tfjs
 * stays loaded) and is unref'd while idle; Cancel ends the workers that are training (a fresh
 * worker is cheaper than waiting for an epoch to end).
 */
import os from 'node:os';
import type { BackendName } from '../../../common/protocol';
import { CancelledError, FieldError } from '../../core/errors';
import { locateWorker, WorkerError, WorkerPool } from '../../core/worker-pool';
import type { TrainingOutcome, TrainingTask } from './training';
import type { FromExperimentsWorker, ToExperimentsWorker } from './worker-messages';

export const EXPERIMENTS_WORKER_FILE = 'experiments-worker.js';

export class ExperimentsPool {
  private readonly pool: WorkerPool<ToExperimentsWorker, FromExperimentsWorker>;
  private nextJob = 1;
  /** Exits of workers ended by a Cancel and not yet out of the pool (each still busy). */
  private readonly ending = new Set<Promise<void>>();

  /**
   * @param workerFile the experiments worker bundle.
   * @param size most worker threads; @default the machine's cores.
   */
  constructor(workerFile: string, size = Math.max(1, os.availableParallelism())) {
    this.pool = new WorkerPool(workerFile, { kind: 'experiments', size });
  }

  get size(): number {
    return this.pool.size;
  }

  /** Why the pool takes no work, if it does not. */
  get refusal(): string | undefined {
    return this.pool.refusal;
  }

  /** Whether a training would find a worker now. */
  get available(): boolean {
    return this.pool.refusal === undefined && this.pool.idle() !== undefined;
  }

  /**
   * Trains on an idle worker (waiting, when every worker is busy, for one that a Cancel is
   * ending). Rejects with CancelledError when `signal` aborts (ending the worker), with the
   * worker's refusal as a FieldError, or with WorkerError when no worker could do it (the
   * caller may then train in its own thread).
   */
  train(
    task: TrainingTask,
    backend: BackendName,
    signal: AbortSignal,
    onEpoch: (done: number) => void,
  ): Promise<TrainingOutcome> {
    const refusal = this.pool.refusal;
    if (refusal) return Promise.reject(new WorkerError(refusal));
    if (signal.aborted) return Promise.reject(new CancelledError());
    const slot = this.pool.idle();
    if (!slot) {
      // A worker ended by a Cancel a moment ago frees its place when its exit is heard: wait
      // for that rather than report the pool busy (the caller would train in its own thread).
      if (this.ending.size > 0) {
        return Promise.race(this.ending).then(() => this.train(task, backend, signal, onEpoch));
      }
      return Promise.reject(new WorkerError('every experiments worker is busy'));
    }
    const job = this.nextJob++;
    return new Promise<TrainingOutcome>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, outcome?: TrainingOutcome) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        this.pool.release(slot);
        if (err) reject(err);
        else resolve(outcome!);
      };
      const onAbort = () => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        slot.onMessage = undefined;
        slot.onFailure = undefined;
        // Ended on purpose: its exit says nothing of the bundle, even if it never spoke (a
        // Cancel while it loads tfjs), so it must not mark the pool broken (WorkerPool.lose).
        slot.alive = true;
        // It stays busy (no job is given to it) until its exit takes it out of the pool.
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        this.ending.add(exited);
        void exited.then(() => this.ending.delete(exited));
        void slot.worker.terminate();
        reject(new CancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pool.hold(
        slot,
        (message) => {
          if (message.job !== job) return;
          if (message.type === 'epoch') onEpoch(message.done);
          else if (message.type === 'result') finish(undefined, message.outcome);
          else if (message.field !== undefined)
            finish(new FieldError(message.field, message.message));
          else finish(new Error(message.message));
        },
        (reason) => finish(new WorkerError(reason)),
      );
      slot.post({ type: 'train', job, backend, task });
    });
  }

  /** Starts the workers and has them load tfjs now (idle, unref'd). */
  warm(backend: BackendName): void {
    if (this.pool.refusal) return;
    for (let i = this.pool.threads; i < this.pool.size; i++) {
      this.pool.spawn().post({ type: 'warm', backend });
    }
  }

  close(): Promise<void> {
    return this.pool.close('the experiments pool was closed');
  }
}

let shared: ExperimentsPool | undefined;

/** The process's experiments pool, started on first use; undefined without a bundle. */
export function experimentsPool(): ExperimentsPool | undefined {
  if (shared) return shared;
  const file = locateWorker(EXPERIMENTS_WORKER_FILE);
  if (!file) return undefined;
  shared = new ExperimentsPool(file);
  return shared;
}

/** Stops the shared pool (tests, shutdown). */
export async function closeExperimentsPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
