/**
 * One training of an experiment, as plain data a worker thread can take (`TrainingTask`) and
 * what comes back (`TrainingRecord`): a network of the given model trained on the given data
 * with the network lab's own optimizers and batches (NetworkRun), its curves per epoch, its
 * losses on every split at the end, and the wall time of its updates.
 *
 * The data is a dataset SPEC (rebuilt where the training runs: the same SPEC gives the same
 * numbers, bit for bit), optionally cut into cross-validation folds (`folds`: the SPEC's
 * training and validation points together, in `count` folds; fold `index` validates and the
 * rest train) and with further test sets to score the final θ on (`extraTests`: the same data
 * with its test set shifted, for the mismatch experiment).
 */
import type { EvaluationRecord, ModelPatch, TrainingRecord } from '../../../common/protocol';
import type { BatchSize, DatasetSpec, ModelSpec } from '../../../common/network';
import type { OptimizerSpec } from '../../../common/schemas';
import { buildDataset, customDataset, Rng, type Dataset, type DataSplit } from '../../datasets';
import { NetworkProblem, NetworkRun, type Evaluation, type Tf } from '../../network';

/** Random stream of the folds (apart from the datasets' own). */
const FOLD_STREAM = 21;

export interface FoldSpec {
  count: number;
  /** The fold that validates; −1: none (every fold trains: the refit after choosing). */
  index: number;
  /** Each fold gets each class in proportion (classification). */
  stratified: boolean;
  seed: number;
}

export interface TrainingTask {
  id: string;
  label: string;
  group: string;
  dataset: DatasetSpec;
  folds?: FoldSpec;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: BatchSize;
  seed: number;
  epochs: number;
  /** At most this many updates (the batch-size timing stops a long epoch early). */
  maxSteps?: number;
  /** Datasets whose test split the final θ is scored on too (same inputs and outputs). */
  extraTests?: DatasetSpec[];
  /** Return the final θ (for analyses after training: sharpness, lines, landscapes). */
  keepTheta?: boolean;
  /** Return θ every this many steps (thinned evenly past 1,000 snapshots): the trajectory. */
  snapshotEvery?: number;
  /**
   * Updates of a throwaway run first, so the timed ones meet compiled kernels and warm caches
   * (the first updates of a thread are several times slower).
   */
  warmup?: number;
}

export interface TrainingOutcome {
  record: TrainingRecord;
  /** Loss and accuracy on each of task.extraTests' test splits. */
  extraTests: EvaluationRecord[];
  /** The final θ, when the task asked for it. */
  theta?: Float64Array;
  /** θ at steps along the way (float32), when the task asked for them. */
  trajectory?: { steps: number[]; thetas: Float32Array[] };
}

/** The model with a patch applied. */
export function patched(model: ModelSpec, patch: ModelPatch): ModelSpec {
  const out = { ...model };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/**
 * Fold assignment of n points: a seeded permutation dealt round-robin into `count` folds, or
 * with `stratified` (labels given), each class's points dealt in turn, so every fold holds
 * each class in proportion (±1). Every point is in exactly one fold.
 */
export function foldOf(n: number, folds: FoldSpec, labels?: ArrayLike<number>): Int32Array {
  const rng = new Rng(folds.seed, FOLD_STREAM);
  const order = rng.permutation(n);
  const fold = new Int32Array(n);
  if (!folds.stratified || !labels) {
    order.forEach((point, i) => (fold[point] = i % folds.count));
    return fold;
  }
  // Class by class in order of first appearance in the permutation, continuing the deal where
  // the previous class left off, so small classes do not all land in fold 0.
  const byClass = new Map<number, number[]>();
  for (const point of order) {
    const c = labels[point];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(point);
  }
  let next = 0;
  for (const list of byClass.values()) {
    for (const point of list) fold[point] = next++ % folds.count;
  }
  return fold;
}

/** The dataset of a fold: the other folds train, fold `index` validates; the test set kept. */
export function foldDataset(base: Dataset, folds: FoldSpec): Dataset {
  const dim = base.inputDim;
  const pool = [base.train, base.validation];
  const n = pool.reduce((s, p) => s + p.n, 0);
  const x = new Float64Array(n * dim);
  const y = new Float64Array(n);
  let at = 0;
  for (const part of pool) {
    x.set(part.raw, at * dim);
    y.set(part.y, at);
    at += part.n;
  }
  const fold = foldOf(n, folds, base.task === 'classification' ? y : undefined);
  const pick = (inFold: boolean) => {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if ((fold[i] === folds.index) === inFold) rows.push(i);
    const px = new Float64Array(rows.length * dim);
    const py = new Float64Array(rows.length);
    rows.forEach((r, j) => {
      px.set(x.subarray(r * dim, (r + 1) * dim), j * dim);
      py[j] = y[r];
    });
    return { x: px, y: py };
  };
  return customDataset({
    name: `${base.spec.kind} fold ${folds.index + 1}/${folds.count}`,
    task: base.task,
    inputDim: dim,
    classes: base.classes,
    train: pick(false),
    validation: pick(true),
    test: { x: base.test.raw, y: base.test.y },
  });
}

/** The dataset a task trains on. */
export function taskDataset(task: Pick<TrainingTask, 'dataset' | 'folds'>): Dataset {
  const base = buildDataset(task.dataset);
  return task.folds ? foldDataset(base, task.folds) : base;
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

function evaluation(e: Evaluation, classification: boolean): EvaluationRecord {
  return {
    loss: e.n > 0 ? num(e.loss) : null,
    ...(classification ? { accuracy: e.n > 0 ? num(e.accuracy) : null } : {}),
  };
}

function median(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Trains the task's network. `onEpoch(done)` is called after each epoch (done of task.epochs)
 * and may throw (a cancelled job) to stop it; the problem's tensors are freed either way.
 */
export async function runTraining(
  tf: Tf,
  task: TrainingTask,
  onEpoch: (done: number) => void | Promise<void> = () => undefined,
): Promise<TrainingOutcome> {
  const dataset = taskDataset(task);
  const problem = new NetworkProblem(tf, dataset, task.model);
  try {
    if (task.warmup) {
      const spare = new NetworkRun(problem, {
        runId: `${task.id}-warmup`,
        optimizer: task.optimizer,
        batchSize: task.batchSize,
        seed: task.seed,
        snapshotEvery: 1_000_000,
      });
      spare.advance(task.warmup);
    }
    const run = new NetworkRun(problem, {
      runId: task.id,
      optimizer: task.optimizer,
      batchSize: task.batchSize,
      seed: task.seed,
      // No θ snapshots unless the task wants its trajectory: most experiments read curves.
      snapshotEvery: task.snapshotEvery ?? 1_000_000,
    });
    const maxSteps = task.maxSteps ?? Infinity;
    while (run.epoch < task.epochs && run.status === 'ok' && run.step < maxSteps) {
      const before = run.epoch;
      // One epoch's updates (or what is left of the step budget).
      while (run.epoch === before && run.status === 'ok' && run.step < maxSteps) run.advance(1);
      await onEpoch(Math.min(task.epochs, run.epoch));
    }
    return describe(task, run, problem);
  } finally {
    problem.dispose();
  }
}

function describe(task: TrainingTask, run: NetworkRun, problem: NetworkProblem): TrainingOutcome {
  const classification = problem.task === 'classification';
  const ep = run.epochsSince(0);
  const updates = run.updateMs.view();
  const epochMs = ep.epochMs;
  const split = (name: 'train' | 'validation' | 'test') =>
    evaluation(run.evaluate(name), classification);
  const extraTests = (task.extraTests ?? []).map((spec) => {
    const shifted = buildDataset(spec);
    return evaluation(evaluateOn(problem, run.theta, shifted.test), classification);
  });
  const record: TrainingRecord = {
    id: task.id,
    label: task.label,
    group: task.group,
    model: task.model,
    optimizer: task.optimizer,
    batchSize: task.batchSize,
    status: run.status === 'ok' ? 'ok' : run.status,
    ...(run.reason ? { reason: run.reason } : {}),
    steps: run.step,
    curves: {
      step: Array.from(ep.step),
      trainLoss: Array.from(ep.trainLoss),
      validationLoss: Array.from(ep.validationLoss, num),
      ...(classification
        ? {
            trainAccuracy: Array.from(ep.trainAccuracy),
            validationAccuracy: Array.from(ep.validationAccuracy, num),
          }
        : {}),
    },
    final: { train: split('train'), validation: split('validation'), test: split('test') },
    msPerUpdate: median(updates),
    msPerEpoch: epochMs.length > 0 ? median(epochMs) : median(updates) * updates.length,
    parameters: problem.layout.size,
  };
  const kept = task.snapshotEvery ? run.snapshots.list() : [];
  const last = kept.length > 0 && kept[kept.length - 1].step === run.step;
  return {
    record,
    extraTests,
    ...(task.keepTheta ? { theta: Float64Array.from(run.theta) } : {}),
    ...(task.snapshotEvery
      ? {
          trajectory: {
            steps: [...kept.map((k) => k.step), ...(last ? [] : [run.step])],
            thetas: [
              ...kept.map((k) => Float32Array.from(k.theta)),
              ...(last ? [] : [Float32Array.from(run.theta)]),
            ],
          },
        }
      : {}),
  };
}

/**
 * θ's loss and accuracy on a split of another dataset of the same shape, standardized with the
 * training statistics of the problem's own dataset (as its own test set is).
 */
function evaluateOn(problem: NetworkProblem, theta: Float64Array, split: DataSplit): Evaluation {
  const own = problem.dataset;
  const dim = own.inputDim;
  const x = new Float64Array(split.n * dim);
  for (let i = 0; i < split.n * dim; i++) x[i] = split.raw[i];
  const moved = customDataset({
    name: 'shifted test',
    task: own.task,
    inputDim: dim,
    classes: own.classes,
    // Only its test split is used; its training split (the problem's own raw training points)
    // sets the same standardization as the problem's.
    train: { x: own.train.raw, y: own.train.y },
    test: { x, y: split.y },
  });
  const other = new NetworkProblem(problem.tf, moved, problem.model);
  try {
    return other.evaluate(theta, 'test');
  } finally {
    other.dispose();
  }
}
