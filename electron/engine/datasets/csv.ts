/**
 * The user's own data: a CSV or TSV file read as it streams in (from disk, or in parts from
 * the page), parsed by papaparse, into a table of numbers — the chosen features, one-hot
 * encoded where asked, and the target as a class index or a value. Nothing is guessed past
 * what the file says: a missing or non-numeric cell is refused with its row and column (never
 * dropped, never NaN), and so is a file past the size limits, as soon as it is known.
 *
 * Rows are counted as a spreadsheet shows them: the header is row 1, and empty lines count
 * (they are skipped, not dropped silently: they carry no example).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import Papa from 'papaparse';
import {
  MAX_CSV_CATEGORIES,
  MAX_CSV_COLUMNS,
  MAX_CSV_ROWS,
  MAX_TABLE_BYTES,
  TABLE_BYTES_PER_VALUE,
} from '../../common/limits';
import type { CsvDatasetSpec, TableTask } from '../../common/network';
import { Column } from '../core/columns';
import { CancelledError, FieldError } from '../core/errors';

/** A file that cannot be read as asked; `field` is the SPEC field to change (or undefined). */
export class CsvError extends FieldError {
  constructor(field: string | undefined, reason: string) {
    super(field, reason, 'dataset');
    this.name = 'CsvError';
  }
}

/** How to read a table: which columns are what (see csvDatasetSchema). */
export type CsvOptions = Pick<
  CsvDatasetSpec,
  'target' | 'features' | 'task' | 'oneHot' | 'delimiter'
>;

/** A table of numbers read from a file, in the file's row order. */
export interface CsvTable {
  /** SHA-256 of the file's bytes, hexadecimal. */
  sha256: string;
  /** The file's size in bytes. */
  bytes: number;
  /** The header's column names. */
  header: string[];
  /** The task: the one asked for, or the one the target column implies. */
  task: TableTask;
  /** The model's inputs in order: a feature's name, or `name=value` for a one-hot input. */
  inputs: string[];
  /** The classes in class-index order (classification only). */
  classNames?: string[];
  /** Examples (data rows). */
  n: number;
  /** Inputs per example. */
  dim: number;
  /** n × dim, row-major. */
  x: Float64Array;
  /** Class index, or the target's value. */
  y: Float64Array;
}

export interface ReadProgress {
  /** Bytes read so far and the file's size. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Classification when no task is given and the target has at most this many integers. */
const INTEGER_CLASSES = 20;

/** A cell as a number, or undefined when it is not one (empty cells are told apart first). */
function numberOf(cell: string): number | undefined {
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/** `"abc"` shortened for a one-line message. */
function quote(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}

/** Values of a one-hot column or a class target: strings to codes, in order of appearance. */
class Categories {
  readonly codes = new Map<string, number>();

  constructor(
    private readonly column: string,
    private readonly what: string,
  ) {}

  code(value: string, row: number): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.codes.size;
      if (code >= MAX_CSV_CATEGORIES) {
        throw new CsvError(
          this.what === 'classes' ? 'task' : 'oneHot',
          `column "${this.column}" has more than ${MAX_CSV_CATEGORIES} distinct values by row ` +
            `${row.toLocaleString('en')}: ${this.what === 'classes' ? 'a target with so many classes is a regression target' : 'too many to encode one input each'}`,
        );
      }
      this.codes.set(value, code);
    }
    return code;
  }

  /** The values in their final order (numbers numerically, else as text) and old → new code. */
  sorted(): { names: string[]; remap: Int32Array } {
    const names = [...this.codes.keys()];
    const numeric = names.every((v) => numberOf(v) !== undefined);
    names.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const remap = new Int32Array(names.length);
    names.forEach((name, i) => (remap[this.codes.get(name)!] = i));
    return { names, remap };
  }
}

/** One used column as it streams in: numbers, or category codes. */
interface Slot {
  index: number;
  name: string;
  values: Column;
  categories?: Categories;
}

/**
 * Turns papaparse's rows into columns of numbers, refusing the first bad cell, a ragged row,
 * and a table past the limits. `total` is the file's size, for the early size estimate.
 */
class TableBuilder {
  /** Rows seen, as a spreadsheet numbers them (the header is row 1). */
  private row = 0;
  private header: string[] | undefined;
  private features: Slot[] = [];
  private target: Slot | undefined;
  /** The target's cells as text while the task is not known (no task given). */
  private targetText: string[] | undefined;
  private n = 0;
  private sizeChecked = false;

  constructor(
    private readonly options: CsvOptions,
    private readonly total: number,
  ) {}

  rows(rows: string[][], bytesSoFar: number): void {
    for (const fields of rows) {
      this.row++;
      if (fields.length === 1 && fields[0].trim() === '') continue;
      if (!this.header) this.setHeader(fields);
      else this.add(fields);
    }
    if (this.header && !this.sizeChecked && this.n >= 1000) this.estimate(bytesSoFar);
  }

  private setHeader(fields: string[]): void {
    const header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
    if (header.length > MAX_CSV_COLUMNS) {
      throw new CsvError(
        undefined,
        `the header names ${header.length.toLocaleString('en')} columns; at most ${MAX_CSV_COLUMNS.toLocaleString('en')}`,
      );
    }
    const seen = new Map<string, number>();
    header.forEach((name, i) => {
      if (name === '') {
        throw new CsvError(
          undefined,
          `column ${i + 1} has no name in the header (row ${this.row})`,
        );
      }
      const before = seen.get(name);
      if (before !== undefined) {
        throw new CsvError(
          undefined,
          `the header names "${name}" twice (columns ${before + 1} and ${i + 1})`,
        );
      }
      seen.set(name, i);
    });
    const { target, oneHot } = this.options;
    const column = (name: string, field: string): number => {
      const i = seen.get(name);
      if (i === undefined) {
        throw new CsvError(
          field,
          `there is no column "${name}" (the header has ${header.map((h) => `"${h}"`).join(', ')})`.slice(
            0,
            300,
          ),
        );
      }
      return i;
    };
    const targetIndex = column(target, 'target');
    const features = this.options.features ?? header.filter((h) => h !== target);
    if (features.length === 0)
      throw new CsvError('features', 'the file has no column besides the target');
    const used = new Set<string>();
    features.forEach((name, k) => {
      if (name === target) throw new CsvError(`features.${k}`, `"${name}" is the target`);
      if (used.has(name)) throw new CsvError(`features.${k}`, `"${name}" is listed twice`);
      used.add(name);
    });
    oneHot.forEach((name, k) => {
      if (!used.has(name)) {
        throw new CsvError(`oneHot.${k}`, `"${name}" is not one of the features`);
      }
    });
    const encode = new Set(oneHot);
    this.features = features.map((name, k) => ({
      index: column(name, `features.${k}`),
      name,
      values: new Column(1024),
      ...(encode.has(name) ? { categories: new Categories(name, 'values') } : {}),
    }));
    const task = this.options.task;
    this.target = {
      index: targetIndex,
      name: target,
      values: new Column(1024),
      ...(task === 'classification' ? { categories: new Categories(target, 'classes') } : {}),
    };
    if (task === undefined) this.targetText = [];
    this.header = header;
  }

  private add(fields: string[]): void {
    const header = this.header!;
    if (fields.length !== header.length) {
      throw new CsvError(
        undefined,
        `row ${this.row.toLocaleString('en')} has ${fields.length} fields; the header has ${header.length}`,
      );
    }
    if (this.n >= MAX_CSV_ROWS) {
      throw new CsvError(
        undefined,
        `the file has more than ${MAX_CSV_ROWS.toLocaleString('en')} data rows ` +
          `(row ${this.row.toLocaleString('en')} of ${formatSize(this.total)}); at most ${MAX_CSV_ROWS.toLocaleString('en')}`,
      );
    }
    for (const slot of this.features) {
      const cell = fields[slot.index].trim();
      if (slot.categories) {
        if (cell === '') this.refuse(slot, 'is empty');
        slot.values.push(slot.categories.code(cell, this.row));
        continue;
      }
      const v = cell === '' ? undefined : numberOf(cell);
      if (v === undefined) {
        this.refuse(
          slot,
          cell === ''
            ? 'is empty'
            : `holds ${quote(cell)}, not a number (list the column in oneHot to encode its values)`,
        );
      }
      slot.values.push(v);
    }
    const t = this.target!;
    const cell = fields[t.index].trim();
    if (cell === '') this.refuse(t, 'is empty');
    if (t.categories) {
      t.values.push(t.categories.code(cell, this.row));
    } else if (this.targetText) {
      this.targetText.push(cell);
    } else {
      const v = numberOf(cell);
      if (v === undefined) {
        this.refuse(t, `holds ${quote(cell)}, not a number (a regression target is a number)`);
      }
      t.values.push(v);
    }
    this.n++;
  }

  private refuse(slot: Slot, what: string): never {
    throw new CsvError(
      undefined,
      `row ${this.row.toLocaleString('en')}, column ${slot.index + 1} ("${slot.name}"): the cell ${what}`,
    );
  }

  /** Bytes the table will take, projected from the rows read so far; refused when too many. */
  private estimate(bytesSoFar: number): void {
    this.sizeChecked = true;
    const rows = Math.max(this.n, Math.round((this.n * this.total) / Math.max(1, bytesSoFar)));
    checkTableSize(Math.min(rows, MAX_CSV_ROWS + 1), this.features.length, 'about ');
  }

  finish(sha256: string, bytes: number): CsvTable {
    if (!this.header) throw new CsvError(undefined, 'the file is empty: no header row');
    if (this.n === 0) throw new CsvError(undefined, 'the file has a header but no data rows');
    const target = this.target!;
    let task = this.options.task;
    if (this.targetText) {
      task = impliedTask(this.targetText);
      if (task === 'classification') {
        target.categories = new Categories(target.name, 'classes');
        this.targetText.forEach((cell, i) =>
          target.values.push(target.categories!.code(cell, i + 2)),
        );
      } else {
        for (const cell of this.targetText) target.values.push(Number(cell));
      }
      this.targetText = undefined;
    }
    // One-hot inputs widen the table: check its final size before building it.
    const inputs: string[] = [];
    const encodings = this.features.map((slot) => {
      if (!slot.categories) {
        inputs.push(slot.name);
        return undefined;
      }
      const sorted = slot.categories.sorted();
      for (const v of sorted.names) inputs.push(`${slot.name}=${v}`);
      return sorted;
    });
    if (inputs.length > MAX_CSV_COLUMNS) {
      throw new CsvError(
        'oneHot',
        `one-hot encoding gives ${inputs.length.toLocaleString('en')} inputs; at most ${MAX_CSV_COLUMNS.toLocaleString('en')}`,
      );
    }
    const { n } = this;
    const dim = inputs.length;
    checkTableSize(n, dim, '');
    const x = new Float64Array(n * dim);
    let offset = 0;
    this.features.forEach((slot, k) => {
      const values = slot.values.view();
      const enc = encodings[k];
      if (enc) {
        for (let i = 0; i < n; i++) x[i * dim + offset + enc.remap[values[i]]] = 1;
        offset += enc.names.length;
      } else {
        for (let i = 0; i < n; i++) x[i * dim + offset] = values[i];
        offset += 1;
      }
    });
    const y = Float64Array.from(target.values.view());
    let classNames: string[] | undefined;
    if (target.categories) {
      const { names, remap } = target.categories.sorted();
      for (let i = 0; i < n; i++) y[i] = remap[y[i]];
      classNames = names;
      if (names.length < 2) {
        throw new CsvError(
          'target',
          `column "${target.name}" has one value only ("${names[0]}"): nothing to classify`,
        );
      }
    }
    return {
      sha256,
      bytes,
      header: this.header,
      task: task!,
      inputs,
      ...(classNames ? { classNames } : {}),
      n,
      dim,
      x,
      y,
    };
  }
}

/** Classification when a target cell is not a number or all are few integers; else regression. */
function impliedTask(cells: readonly string[]): TableTask {
  const distinct = new Set<string>();
  for (const cell of cells) {
    const v = numberOf(cell);
    if (v === undefined) return 'classification';
    if (!Number.isInteger(v)) return 'regression';
    distinct.add(cell);
  }
  return distinct.size <= INTEGER_CLASSES ? 'classification' : 'regression';
}

/** "48 MB": a file's size for messages. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toPrecision(3)} ${units[i]}`;
}

/** Refuses a table of `rows` × `inputs` values whose reading would pass MAX_TABLE_BYTES. */
export function checkTableSize(rows: number, inputs: number, about: string): void {
  const bytes = rows * inputs * TABLE_BYTES_PER_VALUE;
  if (bytes <= MAX_TABLE_BYTES) return;
  throw new CsvError(
    'features',
    `${about}${rows.toLocaleString('en')} rows × ${inputs.toLocaleString('en')} inputs need ${about}` +
      `${formatSize(bytes)} to read; at most ${formatSize(MAX_TABLE_BYTES)} ` +
      `(${Math.floor(MAX_TABLE_BYTES / TABLE_BYTES_PER_VALUE).toLocaleString('en')} values): use fewer rows or features`,
  );
}

/**
 * Reads a table from a stream of the file's bytes (`total` of them). The bytes are hashed,
 * decoded as UTF-8 (a byte-order mark dropped; bytes that are not UTF-8 refused) and parsed as
 * they arrive, so the file's text is never held whole.
 */
export async function readCsv(
  chunks: AsyncIterable<Uint8Array>,
  total: number,
  options: CsvOptions,
  progress: ReadProgress = {},
): Promise<CsvTable> {
  const { onProgress, signal } = progress;
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const builder = new TableBuilder(options, total);
  let done = 0;
  async function* text(): AsyncGenerator<string> {
    for await (const chunk of chunks) {
      if (signal?.aborted) throw new CancelledError('the import was cancelled');
      hash.update(chunk);
      let decoded: string;
      try {
        decoded = decoder.decode(chunk, { stream: true });
      } catch {
        throw new CsvError(
          undefined,
          `the file is not UTF-8 text (near byte ${done.toLocaleString('en')})`,
        );
      }
      done += chunk.length;
      onProgress?.(done, total);
      if (decoded) yield decoded;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  }
  const stream = Readable.from(text(), { objectMode: false });
  let failure: unknown;
  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(stream as unknown as NodeJS.ReadableStream, {
      header: false,
      dynamicTyping: false,
      skipEmptyLines: false,
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      chunk(results, parser) {
        if (failure) return;
        try {
          builder.rows(results.data, done);
        } catch (err) {
          failure = err;
          parser.abort();
          stream.destroy();
        }
      },
      complete: () => resolve(),
      error: (err: Error) => reject(err),
    });
  }).catch((err: unknown) => {
    failure ??= err;
  });
  if (failure) throw failure;
  if (signal?.aborted) throw new CancelledError('the import was cancelled');
  return builder.finish(hash.digest('hex'), done);
}

/** A file on disk read as `readCsv` reads a stream; `field` of refusals about the file: path. */
export async function readCsvFile(
  path: string,
  options: CsvOptions,
  progress: ReadProgress = {},
): Promise<CsvTable> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    throw new CsvError('path', `cannot read "${basename(path)}": no such file`);
  }
  return readCsv(createReadStream(path, { highWaterMark: 1 << 20 }), size, options, progress);
}

/** SHA-256 of a file's bytes, read as a stream. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Tables read before, by the file's SHA-256 and how it was read

/** Tables kept for `net.setup` and sessions to find by SHA-256: the last few read. */
const KEPT_TABLES = 4;
const tables = new Map<string, CsvTable>();

/** What a table is found by: the file's SHA-256 and the options it was read with. */
function tableKey(sha256: string, options: CsvOptions): string {
  const { target, features, task, oneHot, delimiter } = options;
  return JSON.stringify([
    sha256,
    target,
    features ?? null,
    task ?? null,
    oneHot,
    delimiter ?? null,
  ]);
}

/** Keeps a table read from a file (or restored from a session) to be found by its SHA-256. */
export function keepTable(table: CsvTable, options: CsvOptions): void {
  // Found both as asked and as resolved (with the task the target implied).
  for (const task of new Set([options.task, table.task])) {
    const key = tableKey(table.sha256, { ...options, task });
    tables.delete(key);
    tables.set(key, table);
  }
  while (tables.size > KEPT_TABLES) tables.delete(tables.keys().next().value!);
}

/** The table a spec names by its SHA-256, if it was read here before. */
export function keptTable(spec: CsvDatasetSpec): CsvTable | undefined {
  return spec.sha256 === undefined ? undefined : tables.get(tableKey(spec.sha256, spec));
}

/**
 * The table a CSV spec stands for: the file at its path — which, when the spec gives a SHA-256
 * too, must still have it (a session holding a reference) — or, without a path, the one kept
 * by its SHA-256 (data the page uploaded).
 */
export async function loadTable(
  spec: CsvDatasetSpec,
  progress: ReadProgress = {},
): Promise<CsvTable> {
  if (spec.path === undefined) {
    const kept = keptTable(spec);
    if (kept) return kept;
    throw new CsvError(
      'sha256',
      `no data with SHA-256 ${spec.sha256!.slice(0, 12)}… was imported here: import the file again`,
    );
  }
  if (spec.sha256 !== undefined) {
    // Checked before the file is parsed, so no message quotes a file that is not the one named.
    let sha256: string;
    try {
      sha256 = await fileSha256(spec.path);
    } catch {
      throw new CsvError('path', `cannot read "${basename(spec.path)}": no such file`);
    }
    if (sha256 !== spec.sha256) {
      throw new CsvError(
        'path',
        `"${basename(spec.path)}" changed since it was saved: its SHA-256 is now ` +
          `${sha256.slice(0, 12)}…, the session's ${spec.sha256.slice(0, 12)}…`,
      );
    }
  }
  const table = await readCsvFile(spec.path, spec, progress);
  keepTable(table, spec);
  return table;
}

/** Forgets every kept table (what a fresh engine process would know: tests use it). */
export function forgetTables(): void {
  tables.clear();
}
