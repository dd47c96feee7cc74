/**
 * Worker threads that share a landscape's grid: each loads its own tfjs once and lives on
 * between landscapes (unref'd while idle, so it never keeps a process alive). A job sends the
 * landscape's data to the workers it uses, then hands out tasks (a row of grid points) to
 * whichever worker is free; results come back as they finish.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../../common/protocol';
import { hereDir } from '../backend/node-require';
import type { LandscapeData } from './evaluator';
import type { FromWorker, ToWorker } from './protocol';

export const LANDSCAPE_WORKER_FILE = 'landscape-worker.js';

/** The job was cancelled (AbortSignal). */
export class LandscapeCancelledError extends Error {
  constructor() {
    super('the landscape was cancelled');
    this.name = 'LandscapeCancelledError';
  }
}

/** A worker failed or could not start: the remaining points can be computed in-thread. */
export class LandscapeWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LandscapeWorkerError';
  }
}

/**
 * The built worker bundle next to the running bundle (dist/engine/, or dist/cli/ →
 * dist/engine/), or undefined when running from source (vitest), where landscapes are computed
 * in-thread. In a packaged app an unpacked copy is preferred: a worker cannot always load its
 * script from inside app.asar.
 */
export function locateLandscapeWorker(from: string = hereDir): string | undefined {
  const candidates = [
    path.join(from, LANDSCAPE_WORKER_FILE),
    path.join(from, '..', 'engine', LANDSCAPE_WORKER_FILE),
  ];
  for (const file of candidates) {
    const unpacked = file.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    if (unpacked !== file && fs.existsSync(unpacked)) return unpacked;
    if (fs.existsSync(file)) return file;
  }
  return undefined;
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

interface Slot {
  worker: Worker;
  busy: boolean;
  /** Jobs this worker has the data of. */
  jobs: Set<number>;
  /** The worker has answered once, so its script runs. */
  alive: boolean;
  onMessage?: (message: FromWorker) => void;
  onFailure?: (reason: string) => void;
}

export class LandscapePool {
  private readonly slots: Slot[] = [];
  private nextJob = 1;
  private closed = false;
  /** A worker died before answering: the bundle cannot run here, so stop trying. */
  private broken: string | undefined;

  /**
   * @param workerFile the landscape worker bundle.
   * @param size most worker threads; @default the machine's available parallelism.
   */
  constructor(
    readonly workerFile: string,
    readonly size: number = os.availableParallelism(),
  ) {
    if (!(size >= 1)) throw new RangeError('a pool needs at least one worker');
  }

  /** Worker threads running. */
  get threads(): number {
    return this.slots.length;
  }

  /**
   * Evaluates every task of a job on up to `size` workers. Resolves when all are done; rejects
   * with LandscapeCancelledError or LandscapeWorkerError (tasks already reported stay valid).
   */
  run(job: PoolJob): Promise<void> {
    if (this.closed) return Promise.reject(new LandscapeWorkerError('the pool is closed'));
    if (this.broken) return Promise.reject(new LandscapeWorkerError(this.broken));
    if (job.signal?.aborted) return Promise.reject(new LandscapeCancelledError());
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
          slot.onMessage = undefined;
          slot.onFailure = undefined;
          if (slot.jobs.delete(id)) this.post(slot, { type: 'release', job: id });
          slot.busy = false;
          slot.worker.unref();
        }
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new LandscapeCancelledError());
      job.signal?.addEventListener('abort', onAbort, { once: true });

      const feed = (slot: Slot) => {
        const task = pending.shift();
        if (task === undefined) {
          slot.busy = false;
          slot.worker.unref();
          return;
        }
        slot.busy = true;
        slot.worker.ref();
        if (!slot.jobs.has(id)) {
          slot.jobs.add(id);
          this.post(slot, { type: 'setup', job: id, backend: job.backend, data: job.data, cancel });
        }
        this.post(slot, { type: 'points', job: id, task, points: job.tasks[task] });
      };

      const listen = (slot: Slot) => {
        used.add(slot);
        slot.onMessage = (message) => {
          if (message.job !== id || settled) return;
          if (message.type === 'values') {
            job.onTask(message.task, message.values);
            if (--remaining === 0) finish();
            else feed(slot);
          } else if (message.type === 'cancelled') {
            finish(new LandscapeCancelledError());
          } else {
            finish(new LandscapeWorkerError(`a landscape worker failed: ${message.message}`));
          }
        };
        slot.onFailure = (reason) => finish(new LandscapeWorkerError(reason));
        feed(slot);
      };

      if (remaining === 0) {
        finish();
        return;
      }
      const wanted = Math.min(this.size, job.tasks.length);
      while (this.slots.length < wanted) this.spawn();
      for (const slot of this.slots) {
        if (!slot.busy && used.size < wanted) listen(slot);
      }
      if (used.size === 0) finish(new LandscapeWorkerError('every landscape worker is busy'));
    });
  }

  /**
   * Starts the workers and has them load tfjs now (they stay idle and unref'd), so that the
   * first landscape does not pay for it. Call it when a network problem is set up.
   */
  warm(backend: BackendName): void {
    if (this.closed || this.broken) return;
    while (this.slots.length < this.size) this.spawn();
    for (const slot of this.slots) this.post(slot, { type: 'warm', job: 0, backend });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        slot.onFailure?.('the landscape pool was closed');
        return slot.worker.terminate();
      }),
    );
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerFile);
    worker.unref();
    const slot: Slot = { worker, busy: false, jobs: new Set(), alive: false };
    worker.on('message', (message: FromWorker) => {
      slot.alive = true;
      slot.onMessage?.(message);
    });
    worker.on('error', (err) => this.lose(slot, `a landscape worker failed: ${err.message}`));
    worker.on('exit', (code) => this.lose(slot, `a landscape worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private lose(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    void slot.worker.terminate();
    if (!slot.alive && !this.closed) this.broken = reason;
    slot.onFailure?.(reason);
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
