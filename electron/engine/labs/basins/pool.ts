/**
 * A small pool of basins worker threads (the bundle dist/engine/basins-worker.js). Bands of
 * basin-map rows queue for free workers; workers live on between computations, so the second
 * map pays no thread start-up, and are unref'd while idle, so they never keep a process alive.
 */
import { CancelledError } from '../../core/errors';
import { locateWorker, WorkerError, WorkerPool, type WorkerSlot } from '../../core/worker-pool';
import type { BasinsOutcome } from './batch';
import { type BandJob, type BandReply, type BandRequest } from './band';

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

type Slot = WorkerSlot<BandRequest, BandReply>;

/** The basins worker bundle next to the running bundle, or undefined (see locateWorker). */
export function locateBasinsWorker(from?: string): string | undefined {
  return locateWorker('basins-worker.js', from);
}

export class BasinsPool {
  private readonly pool: WorkerPool<BandRequest, BandReply>;
  private readonly queue: Task[] = [];
  private nextTask = 1;

  /**
   * @param workerFile the basins worker bundle.
   * @param size most worker threads at once; @default the machine's available parallelism.
   */
  constructor(workerFile: string, size?: number) {
    this.pool = new WorkerPool(workerFile, {
      kind: 'basins',
      size,
      // A lost worker's band failed (the caller may recompute it); the queue goes on elsewhere,
      // unless the bundle cannot run here at all.
      onLost: (reason) => {
        if (this.pool.broken) {
          for (const task of this.queue.splice(0)) this.settle(task, new WorkerError(reason));
        } else {
          this.dispatch();
        }
      },
    });
  }

  get workerFile(): string {
    return this.pool.workerFile;
  }

  /** Most worker threads at once. */
  get size(): number {
    return this.pool.size;
  }

  /** Computes one band on a worker. Rejects with CancelledError or WorkerError. */
  run(job: BandJob, options: BandRunOptions = {}): Promise<BasinsOutcome> {
    const refusal = this.pool.refusal;
    if (refusal) return Promise.reject(new WorkerError(refusal));
    if (options.signal?.aborted) return Promise.reject(new CancelledError());
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
    const queued = this.queue.splice(0);
    for (const task of queued) this.settle(task, new WorkerError('closed'));
    await this.pool.close('the pool was closed');
  }

  /** Worker threads started so far (and still alive). */
  get threads(): number {
    return this.pool.threads;
  }

  private cancel(task: Task): void {
    // A running band sees the flag within one chunk of steps (milliseconds); the caller need
    // not wait for it, so the promise settles now and the worker frees itself when it replies.
    Atomics.store(task.flag, 0, 1);
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.settle(task, new CancelledError());
  }

  private settle(task: Task, result: BasinsOutcome | Error): void {
    if (task.settled) return;
    task.settled = true;
    task.detach();
    if (result instanceof Error) task.reject(result);
    else task.resolve(result);
  }

  private dispatch(): void {
    if (this.pool.refusal) return;
    while (this.queue.length > 0) {
      const slot = this.pool.idle();
      if (!slot) return;
      const task = this.queue.shift() as Task;
      this.pool.hold(
        slot,
        (reply) => this.receive(slot, task, reply),
        (reason) => this.settle(task, new WorkerError(reason)),
      );
      slot.post({
        type: 'band',
        task: task.id,
        job: task.job,
        cancel: task.flag.buffer as SharedArrayBuffer,
      });
    }
  }

  private receive(slot: Slot, task: Task, reply: BandReply): void {
    if (reply.type === 'ready' || reply.task !== task.id) return;
    if (reply.type === 'progress') {
      if (!task.settled) task.options.onProgress?.(reply.step);
      return;
    }
    this.pool.release(slot);
    if (reply.type === 'done') this.settle(task, reply.outcome);
    else if (reply.type === 'cancelled') this.settle(task, new CancelledError());
    else this.settle(task, new Error(reply.message));
    this.dispatch();
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
