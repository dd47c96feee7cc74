/**
 * The engine's one pool of worker threads, with its lifecycle: slots start on demand up to a
 * size, live on between jobs (unref'd while idle, so they never keep a process alive), leave
 * the pool when they die, and a worker that dies before saying anything breaks the pool (its
 * bundle cannot run here, so the pool stops trying). What a job sends and how its work is
 * handed out is the user's: the basin maps and the loss landscapes each drive it their way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { hereDir } from './node-require';

/**
 * A worker died, failed or could not start, or its pool is closed: the work it had may be done
 * elsewhere (in the calling thread).
 */
export class WorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerError';
  }
}

/**
 * A worker bundle shipped next to the running bundle (dist/engine/ for the engine hosts,
 * dist/cli/ → dist/engine/ for the CLI), or undefined when running from source (vitest), where
 * there is none and the work is done in-thread. In a packaged app an unpacked copy is
 * preferred: a worker cannot always load its script from inside app.asar.
 */
export function locateWorker(file: string, from: string = hereDir): string | undefined {
  const candidates = [path.join(from, file), path.join(from, '..', 'engine', file)];
  for (const candidate of candidates) {
    const unpacked = candidate.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    if (unpacked !== candidate && fs.existsSync(unpacked)) return unpacked;
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** One worker thread of a pool, and whoever is using it. */
export interface WorkerSlot<In, Out> {
  readonly worker: Worker;
  /** Held by a job (see WorkerPool.hold); an idle slot is unref'd. */
  busy: boolean;
  /** The worker has said something, so its script loaded. */
  alive: boolean;
  /** The holder's handler of what the worker says. */
  onMessage?: (message: Out) => void;
  /** The holder's handler of the worker's loss (died, failed, or the pool closed). */
  onFailure?: (reason: string) => void;
  /** Posts a message to the worker. */
  post(message: In): void;
}

export interface WorkerPoolOptions {
  /** What the workers are, in failure messages: "a <kind> worker failed: …". */
  kind: string;
  /** Most worker threads at once; @default the machine's available parallelism. */
  size?: number;
  /** Called after a slot was lost and its holder told (a user may hand out queued work). */
  onLost?(reason: string): void;
}

/**
 * Worker threads over one bundle, `In` the messages they take and `Out` those they send. A
 * user holds a slot for a piece of work (`hold`), listens through the slot's handlers, and
 * releases it when done.
 */
export class WorkerPool<In, Out> {
  private readonly live: WorkerSlot<In, Out>[] = [];
  private closed = false;
  /** A worker died before saying anything: the bundle cannot run here, so stop trying. */
  private brokenBy: string | undefined;
  readonly size: number;
  readonly kind: string;
  private readonly onLost: ((reason: string) => void) | undefined;

  /** @param workerFile the worker bundle. */
  constructor(
    readonly workerFile: string,
    options: WorkerPoolOptions,
  ) {
    this.size = options.size ?? os.availableParallelism();
    this.kind = options.kind;
    this.onLost = options.onLost;
    if (!(this.size >= 1)) throw new RangeError('a pool needs at least one worker');
  }

  /** Worker threads started so far (and still alive). */
  get threads(): number {
    return this.live.length;
  }

  /** The slots, in the order they started. */
  get slots(): readonly WorkerSlot<In, Out>[] {
    return this.live;
  }

  /** Why the pool takes no work (closed, or broken), or undefined if it does. */
  get refusal(): string | undefined {
    return this.closed ? 'the pool is closed' : this.brokenBy;
  }

  /** Why the pool broke, if it did. */
  get broken(): string | undefined {
    return this.brokenBy;
  }

  /** An idle slot, started if there is room, or undefined when every one is busy. */
  idle(): WorkerSlot<In, Out> | undefined {
    const free = this.live.find((s) => !s.busy);
    if (free) return free;
    return this.live.length < this.size ? this.spawn() : undefined;
  }

  /** Marks a slot busy for a holder, who keeps the process alive while it works. */
  hold(
    slot: WorkerSlot<In, Out>,
    onMessage: (message: Out) => void,
    onFailure: (reason: string) => void,
  ): void {
    slot.busy = true;
    slot.onMessage = onMessage;
    slot.onFailure = onFailure;
    slot.worker.ref();
  }

  /** The holder is done with a slot: it is idle again (and no longer keeps a process alive). */
  release(slot: WorkerSlot<In, Out>): void {
    slot.busy = false;
    slot.onMessage = undefined;
    slot.onFailure = undefined;
    slot.worker.unref();
  }

  /** Starts one more worker thread (idle, unref'd). */
  spawn(): WorkerSlot<In, Out> {
    const worker = new Worker(this.workerFile);
    worker.unref();
    const slot: WorkerSlot<In, Out> = {
      worker,
      busy: false,
      alive: false,
      post: (message) => worker.postMessage(message),
    };
    worker.on('message', (message: Out) => {
      slot.alive = true;
      slot.onMessage?.(message);
    });
    worker.on('error', (err) => this.lose(slot, `a ${this.kind} worker failed: ${err.message}`));
    worker.on('exit', (code) => this.lose(slot, `a ${this.kind} worker exited with code ${code}`));
    this.live.push(slot);
    return slot;
  }

  /** Stops every worker; each holder hears `reason`. */
  async close(reason: string): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.live.splice(0).map((slot) => {
        slot.onFailure?.(reason);
        return slot.worker.terminate();
      }),
    );
  }

  /** A worker is gone: it leaves the pool, and its holder hears why. */
  private lose(slot: WorkerSlot<In, Out>, reason: string): void {
    const index = this.live.indexOf(slot);
    if (index < 0) return;
    this.live.splice(index, 1);
    void slot.worker.terminate();
    if (!slot.alive && !this.closed) this.brokenBy = reason;
    slot.onFailure?.(reason);
    this.onLost?.(reason);
  }
}
