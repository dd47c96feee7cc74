/**
 * Worker threads that share a landscape's grid: each loads its own tfjs once and lives on
 * between landscapes (unref'd while idle, so it never keeps a process alive). A job sends the
 * landscape's data to the workers it uses, then hands out tasks (a row of grid points) to
 * whichever worker is free; results come back as they finish.
 */
import os from 'node:os';
import type { BackendName } from '../../common/protocol';
import { CancelledError } from '../core/errors';
import { locateWorker, WorkerError, WorkerPool, type WorkerSlot } from '../core/worker-pool';
import type { LandscapeData } from './evaluator';
import type { FromWorker, ToWorker } from './protocol';

export const LANDSCAPE_WORKER_FILE = 'landscape-worker.js';

/** Why a cancelled landscape job rejects (its AbortSignal aborted). */
export function landscapeCancelled(): CancelledError {
  return new CancelledError('the landscape was cancelled');
}

/** The landscape worker bundle next to the running bundle, or undefined (see locateWorker). */
export function locateLandscapeWorker(from?: string): string | undefined {
  return locateWorker(LANDSCAPE_WORKER_FILE, from);
}

export interface PoolJob {
  backend: BackendName;
  data: LandscapeData;
  /** Each task: (α, β) pairs. */
  tasks: Float64Array[];
  signal?: AbortSignal;
  /** Called as each task's values arrive (in completion order). */
  onTask(task: number, values: Float32Array): void;
}

type Slot = WorkerSlot<ToWorker, FromWorker>;

export class LandscapePool {
  private readonly pool: WorkerPool<ToWorker, FromWorker>;
  /** The jobs each worker has the data of. */
  private readonly jobsOf = new WeakMap<Slot, Set<number>>();
  private nextJob = 1;

  /**
   * @param workerFile the landscape worker bundle.
   * @param size most worker threads; @default the machine's available parallelism.
   */
  constructor(workerFile: string, size?: number) {
    this.pool = new WorkerPool(workerFile, { kind: 'landscape', size });
  }

  get workerFile(): string {
    return this.pool.workerFile;
  }

  /** Most worker threads. */
  get size(): number {
    return this.pool.size;
  }

  /** Worker threads running. */
  get threads(): number {
    return this.pool.threads;
  }

  /**
   * Evaluates every task of a job on up to `size` workers. Resolves when all are done; rejects
   * with CancelledError or WorkerError (tasks already reported stay valid).
   */
  run(job: PoolJob): Promise<void> {
    const refusal = this.pool.refusal;
    if (refusal) return Promise.reject(new WorkerError(refusal));
    if (job.signal?.aborted) return Promise.reject(landscapeCancelled());
    const id = this.nextJob++;
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const pending = job.tasks.map((_, i) => i);
    let remaining = job.tasks.length;
    const used = new Set<Slot>();

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        Atomics.store(flag, 0, 1);
        job.signal?.removeEventListener('abort', onAbort);
        for (const slot of used) {
          if (this.jobs(slot).delete(id)) slot.post({ type: 'release', job: id });
          this.pool.release(slot);
        }
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(landscapeCancelled());
      job.signal?.addEventListener('abort', onAbort, { once: true });

      const feed = (slot: Slot) => {
        const task = pending.shift();
        if (task === undefined) {
          // Idle, though still listening until the job ends.
          slot.busy = false;
          slot.worker.unref();
          return;
        }
        slot.busy = true;
        slot.worker.ref();
        const jobs = this.jobs(slot);
        if (!jobs.has(id)) {
          jobs.add(id);
          slot.post({ type: 'setup', job: id, backend: job.backend, data: job.data, cancel });
        }
        slot.post({ type: 'points', job: id, task, points: job.tasks[task] });
      };

      const listen = (slot: Slot) => {
        used.add(slot);
        this.pool.hold(
          slot,
          (message) => {
            if (message.job !== id || settled) return;
            if (message.type === 'values') {
              job.onTask(message.task, message.values);
              if (--remaining === 0) finish();
              else feed(slot);
            } else if (message.type === 'cancelled') {
              finish(landscapeCancelled());
            } else {
              finish(new WorkerError(`a landscape worker failed: ${message.message}`));
            }
          },
          (reason) => finish(new WorkerError(reason)),
        );
        feed(slot);
      };

      if (remaining === 0) {
        finish();
        return;
      }
      const wanted = Math.min(this.size, job.tasks.length);
      while (this.pool.threads < wanted) this.pool.spawn();
      for (const slot of this.pool.slots) {
        if (!slot.busy && used.size < wanted) listen(slot);
      }
      if (used.size === 0) finish(new WorkerError('every landscape worker is busy'));
    });
  }

  /**
   * Starts the workers and has them load tfjs now (they stay idle and unref'd), so that the
   * first landscape does not pay for it. Call it when a network problem is set up.
   */
  warm(backend: BackendName): void {
    if (this.pool.refusal) return;
    while (this.pool.threads < this.size) this.pool.spawn();
    for (const slot of this.pool.slots) slot.post({ type: 'warm', job: 0, backend });
  }

  /** Stops every worker. */
  close(): Promise<void> {
    return this.pool.close('the landscape pool was closed');
  }

  private jobs(slot: Slot): Set<number> {
    let jobs = this.jobsOf.get(slot);
    if (!jobs) this.jobsOf.set(slot, (jobs = new Set()));
    return jobs;
  }
}

let shared: LandscapePool | undefined;

/**
 * The process's landscape pool, started on first use; undefined where there is no worker
 * bundle (running from source) or only one thread is wanted.
 */
export function landscapePool(threads = os.availableParallelism()): LandscapePool | undefined {
  if (threads < 1) return undefined;
  if (shared && shared.size === threads) return shared;
  const file = locateLandscapeWorker();
  if (!file) return undefined;
  void shared?.close();
  shared = new LandscapePool(file, threads);
  return shared;
}

/** Stops the shared pool (tests, shutdown). */
export async function closeLandscapePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
