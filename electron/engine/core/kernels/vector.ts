/**
 * A block of float64 vectors in one WebAssembly memory, and the SIMD passes over them
 * (vector.wat): dot products, axpy, scaling, and the two passes of classical Gram–Schmidt
 * against many vectors at once (h ← Vᵀw, w ← w − Vh), four vectors per sweep over w.
 *
 * The Lanczos iteration's full reorthogonalization streams its whole Krylov basis twice per
 * step; in plain JavaScript that ran at about one element per nanosecond (V8 does not
 * vectorize), here at the speed of memory: one pass against 100 vectors of 85,002 numbers in
 * 3.4 ms instead of 19–21 ms (2026-12-07; scripts/bench/hessian.mjs reports the Lanczos time
 * outside the Hessian-vector products).
 *
 * Vectors are stored at an even stride (n, or n + 1 for odd n) so the kernels need no scalar
 * tail; the padding entry starts at zero and every kernel keeps it there. `vector(j)` is a view
 * of the first n entries: write through it (an operator's output can go straight into the
 * block), and do not keep it past the block's life. The memory is sized once, at construction
 * (a view never goes stale: the memory does not grow).
 */
import { WASM_BASE64 } from './vector-wasm';

/**
 * The part of the WebAssembly JS API used here (the engine's TypeScript lib has no DOM types,
 * and Node's types declare only part of the namespace).
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  dot(a: number, b: number, n: number): number;
  axpy(t: number, x: number, y: number, n: number): void;
  scale(t: number, x: number, n: number): void;
  project(basis: number, count: number, n: number, w: number, h: number): void;
  subtract(basis: number, count: number, n: number, h: number, w: number): void;
}

const PAGE = 65_536;
/** The most a 32-bit WebAssembly memory can hold. */
export const MAX_VECTOR_BLOCK_BYTES = 2 ** 32 - PAGE;

let compiled: object | undefined;

/** The module, compiled once per thread (synchronously: it is under a kilobyte). */
function vectorModule(): object {
  if (!compiled) {
    const text = atob(WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    compiled = new wasm.Module(bytes);
  }
  return compiled;
}

/** Bytes a block of `capacity` vectors of length n takes (with its projection scratch). */
export function vectorBlockBytes(n: number, capacity: number): number {
  const stride = n + (n & 1);
  return 8 * (capacity * stride + capacity + (capacity & 1));
}

export class VectorBlock {
  /** Entries per vector. */
  readonly n: number;
  readonly capacity: number;
  private readonly stride: number;
  private readonly kernels: Exports;
  private readonly values: Float64Array;
  /** Byte offset of the projection scratch (capacity numbers). */
  private readonly scratchAt: number;

  constructor(n: number, capacity: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`vector length ${n} is not ≥ 1`);
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`vector count ${capacity} is not ≥ 1`);
    }
    const bytes = vectorBlockBytes(n, capacity);
    if (bytes > MAX_VECTOR_BLOCK_BYTES) {
      throw new RangeError(
        `${capacity} vectors of ${n} numbers need ${(bytes / 2 ** 30).toFixed(1)} GiB; at most 4 GiB`,
      );
    }
    this.n = n;
    this.capacity = capacity;
    this.stride = n + (n & 1);
    const instance = new wasm.Instance(vectorModule());
    this.kernels = instance.exports as unknown as Exports;
    const pages = Math.ceil(bytes / PAGE);
    const have = this.kernels.memory.buffer.byteLength / PAGE;
    if (pages > have) this.kernels.memory.grow(pages - have);
    this.values = new Float64Array(this.kernels.memory.buffer);
    this.scratchAt = 8 * capacity * this.stride;
  }

  /** Vector j (entries 0 … n − 1), a view into the block. */
  vector(j: number): Float64Array {
    this.check(j);
    const from = j * this.stride;
    return this.values.subarray(from, from + this.n);
  }

  /** Vector j ← v. */
  set(j: number, v: Float64Array): void {
    this.vector(j).set(v.subarray(0, this.n));
  }

  /** Vector j ← 0. */
  clear(j: number): void {
    this.check(j);
    // subarray().fill: V8's fill(value, start, end) on a long array runs ~50× slower.
    this.values.subarray(j * this.stride, (j + 1) * this.stride).fill(0);
  }

  /** v_i · v_j. */
  dot(i: number, j: number): number {
    return this.kernels.dot(this.at(i), this.at(j), this.stride);
  }

  /** v_j ← v_j + t v_i. */
  axpy(t: number, i: number, j: number): void {
    this.kernels.axpy(t, this.at(i), this.at(j), this.stride);
  }

  /** v_j ← t v_j. */
  scale(t: number, j: number): void {
    this.kernels.scale(t, this.at(j), this.stride);
  }

  /**
   * h[i] ← v_i · v_w for i < count (the first `count` vectors against vector w, which is not
   * one of them). Returns h, a view of the block's scratch, valid until the next call.
   */
  project(count: number, w: number): Float64Array {
    this.checkCount(count, w);
    const whole = count & ~3;
    const h = this.values.subarray(this.scratchAt / 8, this.scratchAt / 8 + count);
    this.kernels.project(0, whole, this.stride, this.at(w), this.scratchAt);
    for (let i = whole; i < count; i++) h[i] = this.dot(i, w);
    return h;
  }

  /** v_w ← v_w − Σ_{i<count} h[i] v_i, h as `project` left it. */
  subtract(count: number, w: number): void {
    this.checkCount(count, w);
    const whole = count & ~3;
    this.kernels.subtract(0, whole, this.stride, this.scratchAt, this.at(w));
    const h = this.values.subarray(this.scratchAt / 8, this.scratchAt / 8 + count);
    for (let i = whole; i < count; i++) this.axpy(-h[i], i, w);
  }

  private at(j: number): number {
    this.check(j);
    return 8 * j * this.stride;
  }

  private check(j: number): void {
    if (!(Number.isInteger(j) && j >= 0 && j < this.capacity)) {
      throw new RangeError(`vector ${j} is outside the block (0 … ${this.capacity - 1})`);
    }
  }

  private checkCount(count: number, w: number): void {
    if (!(Number.isInteger(count) && count >= 0 && count <= w)) {
      throw new RangeError(`cannot project vector ${w} on the first ${count}`);
    }
    this.check(w);
  }
}
