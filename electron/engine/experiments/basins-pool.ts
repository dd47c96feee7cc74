/**
 * A small pool of basins worker threads (the bundle dist/engine/basins-worker.js). Bands of
 * basin-map rows queue for free workers; workers live on between computations, so the second
 * map pays no thread start-up, and are unref'd while idle, so they never keep a process alive.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { hereDir } from '../backend/node-require';
import type { BasinsOutcome } from './basins-batch';
import {
  BasinsCancelledError,
  type BandJob,
  type BandReply,
  type BandRequest,
} from './basins-band';

/** A worker died or could not start: the band may be recomputed elsewhere. */
export class BasinsWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BasinsWorkerError';
  }
}

export interface BandRunOptions {
  signal?: AbortSignal;
  /** Steps every start of the band has taken so far. */
  onProgress?(step: number): void;
}

interface Task {
  id: number;
  job: BandJob;
  flag: Int32Array;
  options: BandRunOptions;
  settled: boolean;
  /** Removes the abort listener from the caller's signal. */
  detach(): void;
  resolve(outcome: BasinsOutcome): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  /** The worker has said something, so its script loaded. */
  alive: boolean;
}

const WORKER_FILE = 'basins-worker.js';

/**
 * The built worker bundle next to the running bundle (dist/engine/ for the engine hosts,
 * dist/cli/ → dist/engine/ for the CLI), or undefined when running from source (vitest), where
 * there is none and basin maps are computed in-thread. In a packaged app an unpacked copy is
 * preferred: a worker cannot always load its script from inside app.asar.
 */
export function locateBasinsWorker(from: string = hereDir): string | undefined {
  const candidates = [path.join(from, WORKER_FILE), path.join(from, '..', 'engine', WORKER_FILE)];
  for (const file of candidates) {
    const unpacked = file.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    if (unpacked !== file && fs.existsSync(unpacked)) return unpacked;
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export class BasinsPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextTask = 1;
  private closed = false;
  /** A worker died before saying anything: the bundle cannot run here, so stop trying. */
  private broken: string | undefined;

  /**
   * @param workerFile the basins worker bundle.
   * @param size most worker threads at once; @default the machine's available parallelism.
   */
  constructor(
    readonly workerFile: string,
    readonly size: number = os.availableParallelism(),
  ) {
    if (!(size >= 1)) throw new RangeError('a pool needs at least one worker');
  }

  /** Computes one band on a worker. Rejects with BasinsCancelledError or BasinsWorkerError. */
  run(job: BandJob, options: BandRunOptions = {}): Promise<BasinsOutcome> {
    if (this.closed) return Promise.reject(new BasinsWorkerError('the pool is closed'));
    if (this.broken) return Promise.reject(new BasinsWorkerError(this.broken));
    if (options.signal?.aborted) return Promise.reject(new BasinsCancelledError());
    return new Promise<BasinsOutcome>((resolve, reject) => {
      const task: Task = {
        id: this.nextTask++,
        job,
        flag: new Int32Array(new SharedArrayBuffer(4)),
        options,
        settled: false,
        detach: () => undefined,
        resolve,
        reject,
      };
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this.cancel(task);
        signal.addEventListener('abort', onAbort, { once: true });
        task.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops every worker; running and queued bands reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) this.settle(task, new BasinsWorkerError('closed'));
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        if (slot.task) this.settle(slot.task, new BasinsWorkerError('the pool was closed'));
        return slot.worker.terminate();
      }),
    );
  }

  /** Worker threads started so far (and still alive). */
  get threads(): number {
    return this.slots.length;
  }

  private cancel(task: Task): void {
    // A running band sees the flag within one chunk of steps (milliseconds); the caller need
    // not wait for it, so the promise settles now and the worker frees itself when it replies.
    Atomics.store(task.flag, 0, 1);
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(task, new BasinsCancelledError());
  }

  private settle(task: Task, result: BasinsOutcome | Error): void {
    if (task.settled) return;
    task.settled = true;
    task.detach();
    if (result instanceof Error) task.reject(result);
    else task.resolve(result);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      const request: BandRequest = {
        type: 'band',
        task: task.id,
        job: task.job,
        cancel: task.flag.buffer as SharedArrayBuffer,
      };
      slot.worker.postMessage(request);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerFile);
    const slot: Slot = { worker, task: undefined, alive: false };
    worker.on('message', (reply: BandReply) => this.receive(slot, reply));
    worker.on('error', (err) => this.lose(slot, `a basins worker failed: ${err.message}`));
    worker.on('exit', (code) => this.lose(slot, `a basins worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private receive(slot: Slot, reply: BandReply): void {
    slot.alive = true;
    const task = slot.task;
    if (reply.type === 'ready' || !task || reply.task !== task.id) return;
    if (reply.type === 'progress') {
      if (!task.settled) task.options.onProgress?.(reply.step);
      return;
    }
    slot.task = undefined;
    slot.worker.unref();
    if (reply.type === 'done') this.settle(task, reply.outcome);
    else if (reply.type === 'cancelled') this.settle(task, new BasinsCancelledError());
    else this.settle(task, new Error(reply.message));
    this.dispatch();
  }

  /** A worker is gone: its band fails (the caller may recompute it), and it leaves the pool. */
  private lose(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    void slot.worker.terminate();
    if (!slot.alive && !this.closed) this.broken = reason;
    if (slot.task) this.settle(slot.task, new BasinsWorkerError(reason));
    slot.task = undefined;
    if (this.broken) {
      for (const task of this.queue.splice(0)) this.settle(task, new BasinsWorkerError(reason));
    } else if (!this.closed) {
      this.dispatch();
    }
  }
}

let shared: BasinsPool | null | undefined;

/** The process-wide pool, or undefined when there is no worker bundle (running from source). */
export function sharedBasinsPool(): BasinsPool | undefined {
  if (shared === undefined) {
    const file = locateBasinsWorker();
    shared = file ? new BasinsPool(file) : null;
  }
  return shared ?? undefined;
}
