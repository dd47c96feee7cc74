/**
 * Datasets for the network lab: seeded, split into train / validation / test as the user
 * chooses, optionally with a test set from a shifted distribution (train/test mismatch), and
 * standardized with the *training* split's statistics only — the validation and test sets
 * must not leak into what the model sees during training.
 */
import { FieldError } from '../core/errors';
import {
  datasetSpecSchema,
  type CsvDatasetSpec,
  type DatasetSpec,
  type DatasetSpecInput,
  type GivenDatasetSpec,
  type Mismatch,
} from '../../common/network';
import { keptTable, loadTable, type CsvTable, type ReadProgress } from './csv';
import { DIGITS_PIXELS, loadDigits, shiftImage } from './digits';
import { Rng, streams } from './random';
import {
  classCount,
  classificationPoints,
  regressionPoints,
  type ClassificationSpec,
  type RawPoints,
  type RegressionSpec,
} from './synthetic';

export { Rng, streams } from './random';
export { DIGITS_PIXELS, DIGITS_SIDE, loadDigits, locateDigits } from './digits';
export {
  CsvError,
  keepTable,
  readCsv,
  readCsvFile,
  type CsvOptions,
  type CsvTable,
  type ReadProgress,
} from './csv';

export type Task = 'classification' | 'regression';
export type SplitName = 'train' | 'validation' | 'test';

/** One split, row-major: example i's inputs are x[i·dim … i·dim + dim). */
export interface DataSplit {
  name: SplitName;
  n: number;
  /** Standardized inputs (with the training split's mean and standard deviation). */
  x: Float32Array;
  /** The inputs as generated: coordinates, or pixel counts 0–16 for the digits. */
  raw: Float32Array;
  /** Class index (as a number) for classification, target value for regression. */
  y: Float32Array;
}

/** What a dataset built from given arrays (see customDataset) says about itself. */
export interface CustomDatasetSpec {
  kind: 'custom';
  name: string;
}

export interface Dataset {
  spec: DatasetSpec | CustomDatasetSpec;
  task: Task;
  inputDim: number;
  /** Classes (classification) or 0 (regression). */
  classes: number;
  /** Units of the model's output layer: the classes, or 1. */
  outputDim: number;
  train: DataSplit;
  validation: DataSplit;
  test: DataSplit;
  /** Per-input mean and standard deviation of the training split (σ = 1 where it is 0). */
  mean: Float64Array;
  std: Float64Array;
  /** How the test set was shifted, in words, when it was. */
  mismatch?: string;
  /** A table's inputs by name (a feature, or `name=value` for a one-hot input). */
  inputs?: string[];
  /** A table's classes by name, in class-index order. */
  classNames?: string[];
  /** A table's rows in their own order, before the split: what a session saves of it. */
  table?: { x: Float64Array; y: Float64Array };
}

/** A dataset SPEC that cannot be honoured; `field` names the offending field. */
export class DatasetError extends FieldError {
  constructor(field: string, reason: string) {
    super(field, reason, 'dataset');
  }
}

const TWO_D = new Set(['spirals', 'circles', 'xor', 'moons', 'blobs']);

/** Builds a dataset; the same SPEC (seed included) gives the same numbers, bit for bit. */
export function buildDataset(input: DatasetSpecInput | DatasetSpec): Dataset {
  const spec = datasetSpecSchema.parse(input);
  if (spec.kind === 'csv') {
    const table = keptTable(spec);
    if (!table) {
      throw new DatasetError(
        spec.sha256 === undefined ? 'path' : 'sha256',
        'a CSV file is read before its dataset is built (loadDataset)',
      );
    }
    return csvDataset(spec, table);
  }
  if (spec.kind === 'given') return givenDataset(spec);
  if (spec.kind === 'digits') return buildDigits(spec);
  if (spec.kind === 'sine' || spec.kind === 'polynomial') return buildRegression(spec);
  return buildClassification(spec);
}

/**
 * Builds any dataset, reading a CSV file first (streamed, with progress; kept to be found by
 * its SHA-256 afterwards). The dataset's spec is then the file's, with its SHA-256 and task.
 */
export async function loadDataset(
  input: DatasetSpecInput | DatasetSpec,
  progress: ReadProgress = {},
): Promise<Dataset> {
  const spec = datasetSpecSchema.parse(input);
  if (spec.kind !== 'csv') return buildDataset(spec);
  return csvDataset(spec, await loadTable(spec, progress));
}

/** A CSV file's table as a dataset: shuffled with the spec's seed, split, standardized. */
function csvDataset(spec: CsvDatasetSpec, table: CsvTable): Dataset {
  const name = spec.name ?? (spec.path ? spec.path.split(/[\\/]/).pop() : undefined);
  const resolved: CsvDatasetSpec = {
    ...spec,
    sha256: table.sha256,
    task: table.task,
    ...(name ? { name } : {}),
  };
  return tableDataset(resolved, table);
}

/** A table given in the SPEC: classes are y's distinct values in increasing order. */
function givenDataset(spec: GivenDatasetSpec): Dataset {
  const n = spec.x.length;
  const dim = spec.x[0].length;
  const x = new Float64Array(n * dim);
  spec.x.forEach((row, i) => x.set(row, i * dim));
  const y = Float64Array.from(spec.y);
  let classNames: string[] | undefined;
  if (spec.task === 'classification') {
    const values = [...new Set(spec.y)].sort((a, b) => a - b);
    if (values.length < 2) throw new DatasetError('y', 'holds one class only: nothing to classify');
    if (values.length > 100) {
      throw new DatasetError('y', `holds ${values.length} distinct values; at most 100 classes`);
    }
    const index = new Map(values.map((v, i) => [v, i]));
    for (let i = 0; i < n; i++) y[i] = index.get(y[i])!;
    classNames = values.map(String);
  }
  const inputs = Array.from({ length: dim }, (_, d) => `x${d + 1}`);
  return tableDataset(spec, { task: spec.task, inputs, classNames, n, dim, x, y });
}

/** Rows of a table (CSV or given), shuffled by the spec's seed, split and standardized. */
function tableDataset(
  spec: CsvDatasetSpec | GivenDatasetSpec,
  table: Pick<CsvTable, 'task' | 'inputs' | 'classNames' | 'n' | 'dim' | 'x' | 'y'>,
): Dataset {
  const { n, dim, x, y } = table;
  const order = new Rng(spec.seed, streams.split).permutation(n);
  const parts = cut({ x, y, n, dim }, order, splitCounts(spec, n));
  const classes = table.task === 'classification' ? (table.classNames?.length ?? 0) : 0;
  return {
    ...assemble(spec, table.task, classes, parts, undefined),
    inputs: table.inputs,
    ...(table.classNames ? { classNames: table.classNames } : {}),
    table: { x, y },
  };
}

interface Counts {
  train: number;
  validation: number;
  test: number;
}

function splitCounts(spec: DatasetSpec, n: number): Counts {
  const train = Math.round(n * spec.split.train);
  const validation = Math.min(n - train, Math.round(n * spec.split.validation));
  if (train < 1) throw new DatasetError('split.train', `leaves no training point out of ${n}`);
  return { train, validation, test: n - train - validation };
}

function buildClassification(spec: ClassificationSpec): Dataset {
  const classes = classCount(spec);
  const points = classificationPoints(spec, spec.n, new Rng(spec.seed, streams.points));
  addLabelNoise(points.y, classes, spec.labelNoise, new Rng(spec.seed, streams.labelNoise));
  const order = new Rng(spec.seed, streams.split).permutation(spec.n);
  const counts = splitCounts(spec, spec.n);
  const parts = cut(points, order, counts);
  const mismatch = resolveMismatch(spec, spec.mismatch);
  if (mismatch?.kind === 'rotate') {
    const a = (mismatch.degrees * Math.PI) / 180;
    const [c, s] = [Math.cos(a), Math.sin(a)];
    const x = parts.test.x;
    for (let i = 0; i < x.length; i += 2) {
      const [px, py] = [x[i], x[i + 1]];
      x[i] = c * px - s * py;
      x[i + 1] = s * px + c * py;
    }
  } else if (mismatch?.kind === 'offset') {
    const x = parts.test.x;
    for (let i = 0; i < x.length; i += 2) {
      x[i] += mismatch.by[0];
      x[i + 1] += mismatch.by[1];
    }
  }
  return assemble(spec, 'classification', classes, parts, describe(mismatch));
}

function buildRegression(spec: RegressionSpec): Dataset {
  const points = regressionPoints(spec, spec.n, spec.range, new Rng(spec.seed, streams.points));
  const order = new Rng(spec.seed, streams.split).permutation(spec.n);
  const counts = splitCounts(spec, spec.n);
  const parts = cut(points, order, counts);
  const mismatch = resolveMismatch(spec, spec.mismatch);
  if (mismatch?.kind === 'shift') {
    // Fresh test inputs from the shifted range, targets from the same f: extrapolation.
    const [lo, hi] = spec.range;
    parts.test = regressionPoints(
      spec,
      counts.test,
      [lo + mismatch.by, hi + mismatch.by],
      new Rng(spec.seed, streams.mismatch),
    );
  }
  return assemble(spec, 'regression', 0, parts, describe(mismatch));
}

function buildDigits(spec: Extract<DatasetSpec, { kind: 'digits' }>): Dataset {
  const digits = loadDigits();
  const order = new Rng(spec.seed, streams.split).permutation(digits.count);
  const n = spec.n ?? digits.count;
  const all: RawPoints = {
    x: new Float64Array(n * DIGITS_PIXELS),
    y: new Float64Array(n),
    n,
    dim: DIGITS_PIXELS,
  };
  for (let i = 0; i < n; i++) {
    const src = order[i];
    all.x.set(
      digits.pixels.subarray(src * DIGITS_PIXELS, (src + 1) * DIGITS_PIXELS),
      i * DIGITS_PIXELS,
    );
    all.y[i] = digits.labels[src];
  }
  addLabelNoise(all.y, 10, spec.labelNoise, new Rng(spec.seed, streams.labelNoise));
  const counts = splitCounts(spec, n);
  const identity = new Int32Array(n).map((_, i) => i);
  const parts = cut(all, identity, counts);
  const mismatch = resolveMismatch(spec, spec.mismatch);
  if (mismatch?.kind === 'pixels') {
    const [dx, dy] = mismatch.by;
    const x = parts.test.x;
    const moved = new Float64Array(DIGITS_PIXELS);
    for (let i = 0; i < parts.test.n; i++) {
      const image = x.subarray(i * DIGITS_PIXELS, (i + 1) * DIGITS_PIXELS);
      image.set(shiftImage(image, dx, dy, moved));
    }
  }
  return assemble(spec, 'classification', 10, parts, describe(mismatch));
}

/** Replaces a share p of the labels by another class, drawn uniformly. */
function addLabelNoise(y: Float64Array, classes: number, p: number, rng: Rng): void {
  if (p <= 0) return;
  for (let i = 0; i < y.length; i++) {
    if (rng.uniform() < p) y[i] = (y[i] + 1 + rng.int(classes - 1)) % classes;
  }
}

interface Parts {
  train: RawPoints;
  validation: RawPoints;
  test: RawPoints;
}

/** Splits points along `order`: the first counts.train go to train, then validation, test. */
function cut(points: RawPoints, order: Int32Array, counts: Counts): Parts {
  const take = (from: number, n: number): RawPoints => {
    const { dim } = points;
    const x = new Float64Array(n * dim);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const src = order[from + i];
      for (let d = 0; d < dim; d++) x[i * dim + d] = points.x[src * dim + d];
      y[i] = points.y[src];
    }
    return { x, y, n, dim };
  };
  return {
    train: take(0, counts.train),
    validation: take(counts.train, counts.validation),
    test: take(counts.train + counts.validation, counts.test),
  };
}

type ResolvedMismatch = Exclude<Mismatch, boolean>;

function resolveMismatch(spec: DatasetSpec, mismatch: Mismatch): ResolvedMismatch | undefined {
  if (mismatch === false) return undefined;
  const regression = spec.kind === 'sine' || spec.kind === 'polynomial';
  if (mismatch === true) {
    if (TWO_D.has(spec.kind)) return { kind: 'rotate', degrees: 30 };
    if (regression) return { kind: 'shift', by: (spec.range[1] - spec.range[0]) / 2 };
    return { kind: 'pixels', by: [1, 0] };
  }
  const allowed = TWO_D.has(spec.kind) ? ['rotate', 'offset'] : regression ? ['shift'] : ['pixels'];
  if (!allowed.includes(mismatch.kind)) {
    throw new DatasetError(
      'mismatch.kind',
      `"${mismatch.kind}" does not apply to ${spec.kind} (use ${allowed.join(' or ')})`,
    );
  }
  return mismatch;
}

function describe(m: ResolvedMismatch | undefined): string | undefined {
  if (!m) return undefined;
  switch (m.kind) {
    case 'rotate':
      return `test inputs rotated by ${m.degrees}° about the origin`;
    case 'offset':
      return `test inputs moved by (${m.by[0]}, ${m.by[1]})`;
    case 'shift':
      return `test inputs drawn from the training range shifted by ${m.by}`;
    case 'pixels':
      return `test images shifted by ${m.by[0]} pixel(s) right and ${m.by[1]} down`;
  }
}

function assemble(
  spec: DatasetSpec | CustomDatasetSpec,
  task: Task,
  classes: number,
  parts: Parts,
  mismatch: string | undefined,
): Dataset {
  const dim = parts.train.dim;
  const { mean, std } = trainingStatistics(parts.train);
  const split = (name: SplitName, p: RawPoints): DataSplit => {
    const x = new Float32Array(p.n * dim);
    for (let i = 0; i < p.n; i++) {
      for (let d = 0; d < dim; d++) x[i * dim + d] = (p.x[i * dim + d] - mean[d]) / std[d];
    }
    return { name, n: p.n, x, raw: Float32Array.from(p.x), y: Float32Array.from(p.y) };
  };
  return {
    spec,
    task,
    inputDim: dim,
    classes,
    outputDim: task === 'classification' ? classes : 1,
    train: split('train', parts.train),
    validation: split('validation', parts.validation),
    test: split('test', parts.test),
    mean,
    std,
    ...(mismatch ? { mismatch } : {}),
  };
}

/** Mean and (population) standard deviation of each input over the training split. */
function trainingStatistics(train: RawPoints): { mean: Float64Array; std: Float64Array } {
  const { dim, n, x } = train;
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) std[d] += (x[i * dim + d] - mean[d]) ** 2;
  }
  // A constant input (a digit's always-blank corner) is centred but not scaled, as
  // scikit-learn's StandardScaler does.
  for (let d = 0; d < dim; d++) std[d] = Math.sqrt(std[d] / n) || 1;
  return { mean, std };
}

export interface CustomSplit {
  /** Inputs, n × inputDim row-major, before standardization. */
  x: ArrayLike<number>;
  /** Class indices or targets. */
  y: ArrayLike<number>;
}

/**
 * A dataset from given arrays (a user's table, a benchmark's fixed data), standardized with its
 * training split's statistics like every other.
 */
export function customDataset(options: {
  name: string;
  task: Task;
  inputDim: number;
  /** Classes for classification (labels 0 … classes − 1); ignored for regression. */
  classes?: number;
  train: CustomSplit;
  validation?: CustomSplit;
  test?: CustomSplit;
}): Dataset {
  const dim = options.inputDim;
  const raw = (s: CustomSplit | undefined): RawPoints => {
    const n = s ? s.y.length : 0;
    if (s && s.x.length !== n * dim) {
      throw new DatasetError('x', `has ${s.x.length} values, expected ${n} × ${dim}`);
    }
    return { x: Float64Array.from(s?.x ?? []), y: Float64Array.from(s?.y ?? []), n, dim };
  };
  const classes = options.task === 'classification' ? (options.classes ?? 2) : 0;
  const parts = {
    train: raw(options.train),
    validation: raw(options.validation),
    test: raw(options.test),
  };
  if (parts.train.n === 0) throw new DatasetError('train', 'is empty');
  return assemble({ kind: 'custom', name: options.name }, options.task, classes, parts, undefined);
}

/** Standardizes raw inputs (n × inputDim, row-major) with the dataset's training statistics. */
export function standardize(dataset: Dataset, raw: ArrayLike<number>): Float32Array {
  const dim = dataset.inputDim;
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const d = i % dim;
    out[i] = (raw[i] - dataset.mean[d]) / dataset.std[d];
  }
  return out;
}
