/** A growable Float64Array: append in amortized O(1), read as a view without copying. */
export class Series {
  private data: Float64Array;
  private size = 0;

  constructor(capacity = 256) {
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) this.grow(this.size + 1);
    this.data[this.size++] = value;
  }

  push2(a: number, b: number): void {
    if (this.size + 2 > this.data.length) this.grow(this.size + 2);
    const d = this.data;
    d[this.size] = a;
    d[this.size + 1] = b;
    this.size += 2;
  }

  push3(a: number, b: number, c: number): void {
    if (this.size + 3 > this.data.length) this.grow(this.size + 3);
    const d = this.data;
    d[this.size] = a;
    d[this.size + 1] = b;
    d[this.size + 2] = c;
    this.size += 3;
  }

  at(i: number): number {
    return this.data[i];
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  /** A copy of [begin, end): safe to transfer or post. */
  slice(begin = 0, end = this.size): Float64Array {
    return this.data.slice(begin, end);
  }

  /** A view of the live values; valid until the next push. */
  view(): Float64Array {
    return this.data.subarray(0, this.size);
  }

  truncate(length: number): void {
    this.size = Math.min(this.size, length);
  }

  /** Makes room for `extra` more values at once (one allocation instead of repeated doubling). */
  reserve(extra: number): void {
    if (this.size + extra > this.data.length) this.grow(this.size + extra);
  }

  clear(): void {
    this.size = 0;
  }

  private grow(min: number): void {
    const next = new Float64Array(Math.max(min, this.data.length * 2));
    next.set(this.data.subarray(0, this.size));
    this.data = next;
  }
}
