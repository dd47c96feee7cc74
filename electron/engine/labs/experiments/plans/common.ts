/**
 * What every experiment is written with: the base it starts from (the dataset SPEC and model,
 * the data's constant-predictor loss), the service that trains a list of tasks (and counts
 * progress), and builders for the parts of a result (tasks, figures, tables).
 *
 * An experiment is an async function of its spec and these services: it says up front how many
 * trainings and epochs it will run (`plan`), trains them in one or more phases, and reports a
 * partial result after each finished training. The numbers are the trainings'; what an
 * experiment adds is the comparison the lecture makes, in figures, a table and words.
 */
import type {
  EvaluationRecord,
  ExperimentKind,
  ExperimentResult,
  Figure,
  FigureGrid,
  FigureSeries,
  TrainingRecord,
} from '../../../../common/protocol';
import type { BatchSize, DatasetSpec, ModelSpec } from '../../../../common/network';
import type { OptimizerSpec } from '../../../../common/schemas';
import type { Dataset } from '../../../datasets';
import { computeLandscape } from '../../../landscape';
import { NetworkProblem, type Tf } from '../../../network';
import { taskDataset, type TrainingOutcome, type TrainingTask } from '../training';

/** The data and model an experiment starts from. */
export interface Base {
  dataset: DatasetSpec;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: BatchSize;
  seed: number;
  /** The dataset built (in the engine's thread: its splits' sizes, its training labels). */
  data: Dataset;
  /**
   * The training loss of the best constant prediction (the class frequencies, or the mean
   * target): the scale against which a loss is "large".
   */
  constantLoss: number;
  backend: string;
}

export interface ExperimentServices {
  base: Base;
  /** tfjs in this thread, for analyses of trained θs (losses along lines, sharpness). */
  tf: Tf;
  /** Declares the work to come: trainings and their epochs in all phases (the progress bar). */
  plan(trainings: number, epochs: number): void;
  /** Trains `tasks` (in parallel where it can); `onOutcome` hears each as it finishes. */
  train(
    tasks: TrainingTask[],
    onOutcome?: (index: number, outcome: TrainingOutcome) => void,
  ): Promise<TrainingOutcome[]>;
  /**
   * Counts `units` epochs (or steps) of work done outside `train` (an experiment computing in
   * this thread), and with `finished` one more training done; yields, and throws when
   * cancelled.
   */
  advance(units: number, finished?: boolean): Promise<void>;
  /** A partial result to draw while the experiment runs. */
  partial(result: ExperimentResult): void;
  /** Aborted on Cancel (for work outside `train` and `advance`: a landscape's grid). */
  readonly signal: AbortSignal;
  /** Worker threads the trainings ran on so far (0: the engine's thread). */
  readonly threads: number;
}

/** A task of the base's settings, with what the experiment varies. */
export function task(
  base: Base,
  fields: Pick<TrainingTask, 'id' | 'label' | 'group' | 'epochs'> & Partial<TrainingTask>,
): TrainingTask {
  return {
    dataset: base.dataset,
    model: base.model,
    optimizer: base.optimizer,
    batchSize: base.batchSize,
    seed: base.seed,
    ...fields,
  };
}

/**
 * The loss of the best constant output on the training split: cross-entropy → the entropy of
 * the class frequencies; softmax + squared error → 1 − Σ p_c²; regression → the variance of
 * the targets. L2 aside (a constant output has W = 0).
 */
export function constantLoss(data: Dataset, model: ModelSpec): number {
  const { y, n } = data.train;
  if (n === 0) return NaN;
  if (data.task === 'regression') {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (y[i] - mean) ** 2;
    return v / n;
  }
  const counts = new Float64Array(data.classes);
  for (let i = 0; i < n; i++) counts[y[i]]++;
  if ((model.loss ?? 'crossEntropy') === 'mse') {
    let s = 0;
    for (const c of counts) s += (c / n) ** 2;
    return 1 - s;
  }
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** The result's fixed parts for an experiment of `kind`. */
export function resultFrame(
  kind: ExperimentKind,
  title: string,
  base: Base,
  planned: number,
  threads: number,
): Omit<ExperimentResult, 'figures' | 'table' | 'trainings' | 'notes' | 'ms'> {
  const d = base.data;
  return {
    kind,
    title,
    dataset: {
      kind: base.dataset.kind,
      task: d.task,
      train: d.train.n,
      validation: d.validation.n,
      test: d.test.n,
    },
    model: base.model,
    planned,
    backend: base.backend,
    threads,
  };
}

/** Per-epoch curves of trainings as one figure (one series each; validation dashed). */
export function curvesFigure(
  id: string,
  title: string,
  records: readonly TrainingRecord[],
  options: {
    validation?: boolean;
    /** The colour group of each record (related series share one). */
    group?: (record: TrainingRecord, index: number) => number;
    dashed?: (record: TrainingRecord) => boolean;
  } = {},
): Figure {
  const series: FigureSeries[] = [];
  records.forEach((r, i) => {
    const x = r.curves.step.map((_, e) => e + 1);
    const group = options.group?.(r, i) ?? i;
    series.push({
      label: `${r.label} — training`,
      x,
      y: r.curves.trainLoss.map(finite),
      group,
      ...(options.dashed?.(r) ? { dashed: true } : {}),
    });
    if (options.validation && r.curves.validationLoss.some((v) => v !== null)) {
      series.push({
        label: `${r.label} — validation`,
        x,
        y: r.curves.validationLoss,
        group,
        dashed: true,
      });
    }
  });
  return {
    id,
    title,
    kind: 'line',
    x: { label: 'epoch', ticks: 'integer' },
    y: { label: 'loss', log: positiveSpan(series) > 30 },
    series,
  };
}

/** max / min of the positive y values of the series (1 when there are none). */
export function positiveSpan(series: readonly FigureSeries[]): number {
  let lo = Infinity;
  let hi = 0;
  for (const s of series) {
    for (const v of s.y) {
      if (v !== null && v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  return hi > 0 && lo < Infinity ? hi / lo : 1;
}

export const finite = (v: number | null): number | null =>
  v !== null && Number.isFinite(v) ? v : null;

/** A loss or accuracy for a table: rounded to 6 significant digits, or null. */
export function cell(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toPrecision(6));
}

/** The columns every per-training table has, and a record's cells for them. */
export const trainingColumns = [
  'training',
  'parameters',
  'steps',
  'status',
  'train loss',
  'validation loss',
  'test loss',
  'train accuracy',
  'validation accuracy',
  'test accuracy',
  'ms per update',
];

export function trainingRow(r: TrainingRecord): (string | number | null)[] {
  const e = (x: EvaluationRecord) => [cell(x.loss), cell(x.accuracy)];
  const [trl, tra] = e(r.final.train);
  const [val, vaa] = e(r.final.validation);
  const [tel, tea] = e(r.final.test);
  return [
    r.label,
    r.parameters,
    r.steps,
    r.status,
    trl,
    val,
    tel,
    tra,
    vaa,
    tea,
    cell(r.msPerUpdate),
  ];
}

/** Mean and (sample) standard deviation of the finite values; NaN for none. */
export function meanSd(values: readonly (number | null)[]): { mean: number; sd: number } {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { mean: NaN, sd: NaN };
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd =
    xs.length > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** A number in a sentence: 3 significant digits. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/**
 * The problem of a task (its data, folds included, and its model) in this thread, for
 * analyses of the θ its training returned; `use` runs with it, and its tensors are freed after.
 */
export async function withProblem<T>(
  tf: Tf,
  t: TrainingTask,
  use: (problem: NetworkProblem) => T | Promise<T>,
): Promise<T> {
  const problem = new NetworkProblem(tf, taskDataset(t), t.model);
  try {
    return await use(problem);
  } finally {
    problem.dispose();
  }
}

/** L((1 − α) a + α b) on each split, for α in `alphas` (Keskar et al.'s line). */
export function lossAlongLine(
  problem: NetworkProblem,
  a: Float64Array,
  b: Float64Array,
  alphas: readonly number[],
): { train: (number | null)[]; test: (number | null)[] } {
  const theta = new Float64Array(a.length);
  const train: (number | null)[] = [];
  const test: (number | null)[] = [];
  for (const alpha of alphas) {
    for (let i = 0; i < a.length; i++) theta[i] = (1 - alpha) * a[i] + alpha * b[i];
    train.push(finite(problem.evaluate(theta, 'train').loss));
    test.push(problem.dataset.test.n > 0 ? finite(problem.evaluate(theta, 'test').loss) : null);
  }
  return { train, test };
}

/** n evenly spaced numbers from lo to hi. */
export function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/**
 * The training loss over the plane θ + α d₁ + β d₂, α over `range[0]` and β over `range[1]`,
 * as a heatmap's grid: computed by the network lab's landscape code (on its worker threads
 * where they exist, in this thread otherwise), cancelled with the experiment.
 */
export async function planeGrid(
  problem: NetworkProblem,
  center: Float64Array,
  directions: { d1: Float64Array; d2: Float64Array },
  options: {
    range: [[number, number], [number, number]];
    resolution: number;
    signal: AbortSignal;
  },
): Promise<FigureGrid> {
  const grid = await computeLandscape(problem, center, directions, {
    resolution: options.resolution,
    range: options.range,
    coarse: 0,
    split: 'train',
    signal: options.signal,
  });
  return {
    x: Array.from(grid.alphas),
    y: Array.from(grid.betas),
    z: Array.from(grid.values, (v) => (Number.isFinite(v) ? v : null)),
    label: 'training loss',
    log: gridSpan([grid.values]) > 30,
  };
}

/**
 * One colour scale for heatmaps drawn to compare (Li et al.'s plain and residual nets): the
 * range of all their values, in log colours when it spans orders of magnitude.
 */
export function shareScale(grids: readonly FigureGrid[]): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of grids) {
    for (const v of g.z) {
      if (v === null) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!(lo <= hi)) return;
  const log = gridSpan(grids.map((g) => g.z)) > 30;
  for (const g of grids) {
    g.range = [lo, hi];
    g.log = log;
  }
}

/** max / min of the positive values (1 when there are none). */
function gridSpan(lists: readonly ArrayLike<number | null>[]): number {
  return positiveSpan(lists.map((y) => ({ label: '', x: [], y: Array.from(y) })));
}
