/**
 * The engine's one growable column store: what a run records as it goes (an analytic run's
 * trajectory, a network run's per-step and per-epoch curves) is a set of float64 columns that
 * grow a row at a time and are read back as views (no copy) or as slices (copies to post).
 */

/** A growable Float64Array: append in amortized O(1), read as a view without copying. */
export class Column {
  private data: Float64Array;
  private size = 0;

  /** @param capacity values held before the first reallocation. */
  constructor(capacity = 256) {
    this.data = new Float64Array(capacity);
  }

  /** Values held. */
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

  /** Writes value i; i may lie past the end within room made by `reserve` (a value to come). */
  set(i: number, value: number): void {
    this.data[i] = value;
  }

  /** A copy of [begin, end): safe to transfer or post. */
  slice(begin = 0, end = this.size): Float64Array {
    return this.data.slice(begin, end);
  }

  /**
   * The backing array itself, for a writer that fills values in place past the end (within room
   * made by `reserve`) and then `resize`s over them: a hot loop recording a value per step
   * writes an element instead of calling `push`, which checks the capacity and updates the
   * length on every value. Valid until the column next grows.
   */
  get buffer(): Float64Array {
    return this.data;
  }

  /**
   * Sets the length to `length` values, which must fit the capacity: values written in place
   * through `buffer` become part of the column (or, shorter, values are dropped as by
   * `truncate`).
   */
  resize(length: number): void {
    if (!(length >= 0 && length <= this.data.length)) {
      throw new RangeError(`length ${length} is outside the column's room (0–${this.data.length})`);
    }
    this.size = length;
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

  /** Replaces every value with a copy of `values`. */
  assign(values: ArrayLike<number>): void {
    this.size = 0;
    this.reserve(values.length);
    for (let i = 0; i < values.length; i++) this.data[i] = values[i];
    this.size = values.length;
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

/**
 * Named columns that grow together, a row at a time: row r of a column of width w is its
 * values [w·r, w·(r+1)). The row count is the first column's; every writer keeps the columns
 * in step (a writer may fill a row's values in any order, e.g. a value that becomes known one
 * step later, through `Column.set`). The columns are those of a column set's declaration
 * (common/columns.ts): only their widths matter here.
 */
export class ColumnStore<K extends string> {
  /** The columns, in the order they were declared (slices keep that order). */
  readonly columns: Readonly<Record<K, Column>>;
  /** Values per row of each column. */
  readonly widths: Readonly<Record<K, number>>;
  private readonly keys: readonly K[];

  /**
   * @param set each column's width (values per row), in order.
   * @param capacity rows held before the first reallocation.
   */
  constructor(set: Readonly<Record<K, { readonly width: number }>>, capacity = 1024) {
    this.keys = Object.keys(set) as K[];
    const columns = {} as Record<K, Column>;
    const widths = {} as Record<K, number>;
    for (const key of this.keys) {
      widths[key] = set[key].width;
      columns[key] = new Column(widths[key] * capacity);
    }
    this.columns = columns;
    this.widths = widths;
  }

  /** Rows held (those of the first column). */
  get rows(): number {
    const first = this.keys[0];
    return this.columns[first].length / this.widths[first];
  }

  /** Makes room for `rows` more rows in every column. */
  reserve(rows: number): void {
    for (const key of this.keys) this.columns[key].reserve(this.widths[key] * rows);
  }

  /**
   * Sets every column to `rows` rows, within the room `reserve` made: the rows a writer filled
   * in place through each column's `buffer` become part of the store.
   */
  resize(rows: number): void {
    for (const key of this.keys) this.columns[key].resize(this.widths[key] * rows);
  }

  /** Keeps the first `rows` rows of every column. */
  truncate(rows: number): void {
    for (const key of this.keys) this.columns[key].truncate(this.widths[key] * rows);
  }

  clear(): void {
    for (const key of this.keys) this.columns[key].clear();
  }

  /** Copies of rows [from, to) of every column, by name: safe to transfer or post. */
  slice(from = 0, to = this.rows): Record<K, Float64Array> {
    const out = {} as Record<K, Float64Array>;
    for (const key of this.keys) {
      const w = this.widths[key];
      out[key] = this.columns[key].slice(w * from, w * to);
    }
    return out;
  }

  /** Replaces every column with a copy of its values in `values` (a recording, say). */
  assign(values: Readonly<Record<K, ArrayLike<number>>>): void {
    for (const key of this.keys) this.columns[key].assign(values[key]);
  }
}
