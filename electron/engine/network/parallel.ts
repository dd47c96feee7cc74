/**
 * Data-parallel gradients: a batch of 128 examples or more is split in two halves, each half's
 * loss terms and gradient computed apart and summed in float64 in a fixed order (first half,
 * then second). The split is the run's (`shards` in its config), never the machine's: with a
 * helper thread the second half runs there while this thread computes the first, and without
 * one (no worker bundle, tfjs-node, a helper still loading tfjs, or one that failed) both
 * halves run here, one after the other, giving the same bits — so a run is deterministic
 * whatever the number of threads, and a helper that dies costs time, never a result.
 *
 * Why threads and not tfjs's own: tfjs-backend-wasm is single-threaded in Node (its threaded
 * build needs a browser's workers), and at the lab's sizes the matrix products are most of a
 * step (three 256 × 256 × 256 products of the digits net take ~1 ms each on one core). Measured
 * on a 2-core machine (2026-12-07): two halves at the same time each run 1.3–1.5× slower than
 * alone (shared caches and memory bandwidth), so a digits step went from 6.0 to 5.0 ms, not 3.
 *
 * The helper is a worker thread with its own tfjs on the same backend (`gradient-worker.ts`).
 * A step must stay synchronous (a run is stepped in a loop), so the two threads meet through
 * shared memory and Atomics, not messages: θ in float32, the half's example indices and dropout
 * masks, and the half's gradient come back in shared buffers. Data and models go over a
 * message port once (read synchronously by the helper when a step needs them).
 */
import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from 'node:worker_threads';
import { locateWorker } from '../core/worker-pool';
import type { ModelSpec } from '../../common/network';
import type { Dataset } from '../datasets';
import type { PartialGradient } from './mlp';

/** Batches of this many examples or more are split when their run's `shards` is 2. */
export const SPLIT_FROM = 128;

/** Examples in the first half of a split batch of n: rows [0, h) and [h, n). */
export function firstHalf(n: number): number {
  return Math.ceil(n / 2);
}

/** The helper thread's bundle (see scripts/build-node.mjs). */
export const GRADIENT_WORKER_FILE = 'gradient-worker.js';

/** Largest training split (floats of X) the helper is given a copy of: 64 M (256 MB). */
const MAX_SHARED_FLOATS = 64 * 1024 * 1024;

/**
 * How long a step waits for the helper's half before computing it here and giving the helper
 * up (it died, or hangs): far longer than any half a step's budget allows.
 */
const HELPER_TIMEOUT_MS = 10_000;

// The control block, Int32 slots: what the two threads say to each other.
export const CTRL = {
  /** See STATE. */
  state: 0,
  /** 1 once the helper's tfjs is loaded. */
  ready: 1,
  /** The model (see ToHelper 'model') the half is computed with. */
  model: 2,
  /** 0: training rows [from, from + count) in order; 1: rows indices[0 … count). */
  mode: 3,
  from: 4,
  count: 5,
  /** The whole batch's size (the loss and gradient are its mean's terms). */
  total: 6,
  /** 1: the half's dropout masks are in `masks`. */
  masked: 7,
  /** 1: the half's loss was finite and its gradient is in `out`. */
  finite: 8,
  size: 16,
} as const;
/**
 * The control block's states: a half is offered (`work`), taken by the helper (`busy`) or
 * taken back by the engine thread (back to `idle`) — whoever takes it computes it — then
 * `done` or `failed`; `quit` ends the helper.
 */
export const STATE = { idle: 0, work: 1, busy: 2, done: 3, failed: 4, quit: 5 } as const;

/** What goes to the helper over its port (before the step that needs it). */
export type ToHelper =
  | {
      type: 'data';
      id: number;
      dataset: Pick<Dataset, 'task' | 'inputDim' | 'classes' | 'outputDim'> & {
        x: Float32Array;
        y: Float32Array;
        n: number;
      };
    }
  | { type: 'model'; id: number; data: number; model: ModelSpec }
  | {
      type: 'buffers';
      theta: SharedArrayBuffer;
      indices: SharedArrayBuffer;
      masks: SharedArrayBuffer;
      out: SharedArrayBuffer;
      result: SharedArrayBuffer;
    }
  | { type: 'forget'; data: number };

/** What the helper reports over its port (read when a step fails). */
export type FromHelper = { type: 'error'; message: string };

/** The second half of a batch, as the helper is told it. */
export interface HalfBatch {
  /** Rows [from, from + count) of the training split, or `order[from …]` when given. */
  from: number;
  count: number;
  order?: Int32Array;
  /** The whole batch's size. */
  total: number;
  /** The half's rows of each hidden layer's dropout mask. */
  masks?: readonly Float32Array[];
}

/** The network a half is computed for: its data, model and float32 θ. */
export interface HalfModel {
  dataset: Dataset;
  model: ModelSpec;
  /** Weight-gradient layout: each layer's part, nOut × (nIn + 1) floats, one after another. */
  partSizes: readonly number[];
}

/** A second thread computing halves of batches (see the module comment). */
export class GradientHelper {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL.size));
  private result: Float64Array<ArrayBufferLike> = new Float64Array(new SharedArrayBuffer(16));
  private theta: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private indices: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private masks: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private out: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private nextId = 1;
  private readonly dataIds = new WeakMap<Dataset, number>();
  private readonly modelIds = new Map<string, number>();
  /** Why the helper is no longer used, once it is not. */
  private failure: string | undefined;
  /** A half has been handed over and not yet collected. */
  private pending = false;
  private computed = 0;
  private takenBack = 0;

  constructor(file: string, backend: string) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = new Worker(file, {
      workerData: { port: channel.port2, ctrl: this.ctrl.buffer, backend },
      transferList: [channel.port2],
    });
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', (err) => this.fail(`the gradient helper failed: ${err.message}`));
    this.worker.on('exit', (code) => this.fail(`the gradient helper exited with code ${code}`));
  }

  /** Whether a half may be handed over now (loaded, alive, not busy). */
  get available(): boolean {
    return !this.failure && !this.pending && Atomics.load(this.ctrl, CTRL.ready) === 1;
  }

  /** Why the helper stopped being used, if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  /**
   * Hands the helper a half to compute with θ (float32, staged by the caller); false when it
   * cannot take it now (the caller computes the half itself).
   */
  start(net: HalfModel, theta32: Float32Array, half: HalfBatch): boolean {
    if (!this.available) return false;
    const data = net.dataset.train;
    if (data.n * net.dataset.inputDim > MAX_SHARED_FLOATS) return false;
    const modelId = this.modelId(net);
    const maskFloats = half.masks?.reduce((sum, m) => sum + m.length, 0) ?? 0;
    this.reserve(theta32.length, half.order ? half.count : 0, maskFloats, theta32.length);
    this.theta.set(theta32);
    const c = this.ctrl;
    c[CTRL.model] = modelId;
    c[CTRL.count] = half.count;
    c[CTRL.total] = half.total;
    if (half.order) {
      this.indices.set(half.order.subarray(half.from, half.from + half.count));
      c[CTRL.mode] = 1;
      c[CTRL.from] = 0;
    } else {
      c[CTRL.mode] = 0;
      c[CTRL.from] = half.from;
    }
    c[CTRL.masked] = half.masks ? 1 : 0;
    if (half.masks) {
      let offset = 0;
      for (const m of half.masks) {
        this.masks.set(m, offset);
        offset += m.length;
      }
    }
    c[CTRL.finite] = 0;
    this.pending = true;
    Atomics.store(c, CTRL.state, STATE.work);
    Atomics.notify(c, CTRL.state);
    return true;
  }

  /**
   * The half handed over by `start`: taken back if the helper has not begun it (a helper
   * waiting for a core costs no time: the caller computes the half as it would alone), else
   * waited for. Undefined when taken back, or when the helper failed or timed out (it is then
   * given up); the caller computes the half itself. The parts are views of shared memory,
   * valid until the next `start`.
   */
  finish(net: HalfModel): PartialGradient | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    const c = this.ctrl;
    if (Atomics.compareExchange(c, CTRL.state, STATE.work, STATE.idle) === STATE.work) {
      this.takenBack++;
      return undefined;
    }
    const deadline = performance.now() + HELPER_TIMEOUT_MS;
    while (Atomics.load(c, CTRL.state) === STATE.busy) {
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(c, CTRL.state, STATE.busy, left) === 'timed-out') {
        this.fail(`the gradient helper did not answer within ${HELPER_TIMEOUT_MS / 1000} s`);
        return undefined;
      }
    }
    const state = Atomics.load(c, CTRL.state);
    Atomics.store(c, CTRL.state, STATE.idle);
    if (state !== STATE.done) {
      const report = receive(this.port);
      this.fail(`the gradient helper failed: ${report?.message ?? 'no reason given'}`);
      return undefined;
    }
    this.computed++;
    const loss = this.result[0];
    const correct = this.result[1];
    if (c[CTRL.finite] !== 1) return { loss, correct, parts: undefined };
    const parts: Float32Array[] = [];
    let offset = 0;
    for (const size of net.partSizes) {
      parts.push(this.out.subarray(offset, offset + size));
      offset += size;
    }
    return { loss, correct, parts };
  }

  /** Halves the helper computed, and halves offered to it but taken back, so far. */
  get counts(): { computed: number; takenBack: number } {
    return { computed: this.computed, takenBack: this.takenBack };
  }

  /** The helper forgets a dataset's copy (its problem was disposed). */
  forget(dataset: Dataset): void {
    const id = this.dataIds.get(dataset);
    if (id === undefined || this.failure) return;
    this.dataIds.delete(dataset);
    for (const key of [...this.modelIds.keys()]) {
      if (key.startsWith(`${id} `)) this.modelIds.delete(key);
    }
    this.send({ type: 'forget', data: id });
  }

  /** Stops the helper; later steps compute both halves here. */
  close(reason = 'closed'): void {
    this.fail(reason);
  }

  private fail(reason: string): void {
    if (this.failure) return;
    this.failure = reason;
    Atomics.store(this.ctrl, CTRL.state, STATE.quit);
    Atomics.notify(this.ctrl, CTRL.state);
    void this.worker.terminate();
    this.port.close();
  }

  /** The id the helper knows a network by, its data and model sent on first use. */
  private modelId(net: HalfModel): number {
    let dataId = this.dataIds.get(net.dataset);
    if (dataId === undefined) {
      dataId = this.nextId++;
      this.dataIds.set(net.dataset, dataId);
      const { task, inputDim, classes, outputDim, train } = net.dataset;
      this.send({
        type: 'data',
        id: dataId,
        dataset: { task, inputDim, classes, outputDim, x: train.x, y: train.y, n: train.n },
      });
    }
    const key = `${dataId} ${JSON.stringify(net.model)}`;
    let id = this.modelIds.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.modelIds.set(key, id);
      this.send({ type: 'model', id, data: dataId, model: net.model });
    }
    return id;
  }

  /** Shared buffers at least this large (new ones are sent to the helper). */
  private reserve(theta: number, indices: number, masks: number, out: number): void {
    if (
      this.theta.length >= theta &&
      this.indices.length >= indices &&
      this.masks.length >= masks &&
      this.out.length >= out
    ) {
      return;
    }
    const grow = (have: number, need: number) => Math.max(have, need, 1);
    this.theta = new Float32Array(new SharedArrayBuffer(4 * grow(this.theta.length, theta)));
    this.indices = new Int32Array(new SharedArrayBuffer(4 * grow(this.indices.length, indices)));
    this.masks = new Float32Array(new SharedArrayBuffer(4 * grow(this.masks.length, masks)));
    this.out = new Float32Array(new SharedArrayBuffer(4 * grow(this.out.length, out)));
    this.result = new Float64Array(new SharedArrayBuffer(16));
    this.send({
      type: 'buffers',
      theta: this.theta.buffer as SharedArrayBuffer,
      indices: this.indices.buffer as SharedArrayBuffer,
      masks: this.masks.buffer as SharedArrayBuffer,
      out: this.out.buffer as SharedArrayBuffer,
      result: this.result.buffer as SharedArrayBuffer,
    });
  }

  private send(message: ToHelper): void {
    this.port.postMessage(message);
  }
}

/** A message the helper posted, if one is waiting (read without waiting for the event loop). */
function receive(port: MessagePort): FromHelper | undefined {
  return receiveMessageOnPort(port)?.message as FromHelper | undefined;
}

let shared: GradientHelper | undefined;

/**
 * This thread's helper for a backend, started on first use; undefined where there is none:
 * no helper bundle (running from source), tfjs-node (multi-threaded already, and a helper
 * could not load it), or a helper that failed before.
 */
export function gradientHelper(backend: string): GradientHelper | undefined {
  if (backend !== 'wasm' && backend !== 'cpu') return undefined;
  if (shared) return shared.failed ? undefined : shared;
  const file = locateWorker(GRADIENT_WORKER_FILE);
  if (!file) return undefined;
  shared = new GradientHelper(file, backend);
  return shared;
}
