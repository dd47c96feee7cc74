/**
 * The experiments lab's messages: guided experiments of many trainings each — the lecture's
 * recipe (diagnose: model bias, optimization, overfitting, mismatch), model bias against
 * optimization by depth, the complexity sweep, N-fold cross-validation, mismatch, and batch
 * size — on the network lab's data and model (or a dataset and model of the experiment's own,
 * as the CLI gives them).
 *
 * Every experiment is a job: `experiments.progress` carries its id, the trainings done and a
 * partial result as trainings finish; `job.cancel` stops it (its request is then answered by
 * an error starting "cancelled"; what finished is kept in the last partial result).
 *
 * Results have one shape whatever the experiment: figures (series of points, drawn as charts),
 * a table (exported as CSV), the trainings with their per-epoch curves, and for the
 * experiments that decide something, a verdict with its evidence.
 */
import { z } from 'zod';
import {
  batchSizeSchema,
  datasetSpecSchema,
  modelSpecSchema,
  type DatasetSpec,
  type ModelSpec,
} from '../network';
import { optimizerSpecSchema, type OptimizerSpec } from '../schemas';
import { requestIdSchema } from './base';

const seed = () =>
  z
    .int()
    .min(0)
    .max(2 ** 32 - 1);
const epochs = (fallback: number) => z.int().min(1).max(10_000).default(fallback);

/** Most trainings one experiment may run. */
export const MAX_EXPERIMENT_TRAININGS = 400;

/** The model fields an experiment may vary (a patch of the base model). */
export const modelPatchSchema = z.strictObject({
  depth: z.int().min(1).max(20).optional(),
  width: z.int().min(1).max(1024).optional(),
  activation: modelSpecSchema.shape.activation.unwrap().optional(),
  residual: z.boolean().optional(),
  l2: z.number().min(0).max(100).optional(),
  dropout: z.number().min(0).max(0.95).optional(),
  loss: modelSpecSchema.shape.loss,
});
export type ModelPatch = z.output<typeof modelPatchSchema>;

/**
 * How every training of an experiment trains unless the experiment varies it. `dataset` and
 * `model` absent: the network lab's current ones (the CLI's default dataset is the moons).
 */
const trainingFields = {
  dataset: datasetSpecSchema.optional(),
  model: modelSpecSchema.optional(),
  /** @default Adam, η = 0.01 */
  optimizer: optimizerSpecSchema.default({ optimizer: 'adam', lr: 0.01 }),
  /** @default 32 */
  batchSize: batchSizeSchema.default(32),
  /** Seed of the batch order and dropout; weight seeds come from the model. @default 0 */
  seed: seed().default(0),
};

/** Thresholds of the lecture's flowchart (see the diagnose experiment). */
const verdictThresholds = z.strictObject({
  /** Training loss ≥ this share of the constant predictor's: "large". @default 0.2 */
  largeTrainLoss: z.number().gt(0).max(1).default(0.2),
  /** A reference beats the model when its training loss is below (1 − this) × the model's. */
  optimizationMargin: z.number().min(0).max(1).default(0.1),
  /** Validation loss ≥ (1 + this) × training loss (and above the large-loss level): overfit. */
  overfitGap: z.number().min(0).max(100).default(0.5),
  /** Test loss ≥ (1 + this) × validation loss: mismatch. */
  mismatchGap: z.number().min(0).max(100).default(0.5),
});
export type VerdictThresholds = z.output<typeof verdictThresholds>;

/** The experiments. */
export const experimentSpecSchema = z.discriminatedUnion('kind', [
  // The lecture's flowchart: the model and two references (a shallower and narrower net, a
  // linear one) trained alike; their training, validation and test losses decide the branch.
  z.strictObject({
    kind: z.literal('diagnose'),
    ...trainingFields,
    epochs: epochs(200),
    thresholds: verdictThresholds.prefault({}),
  }),
  // Plain MLPs of the given depths, then the same with residual connections, one budget:
  // training loss per epoch per depth (the lecture's 20- vs 56-layer figure at MLP scale).
  z.strictObject({
    kind: z.literal('depth'),
    ...trainingFields,
    depths: z.array(z.int().min(1).max(20)).min(1).max(8).default([1, 2, 4, 8, 16]),
    width: z.int().min(1).max(256).default(16),
    residual: z.boolean().default(true),
    epochs: epochs(100),
  }),
  // One model setting varied over values; training and validation loss at each (the U-curve),
  // the value of least validation loss chosen.
  z.strictObject({
    kind: z.literal('complexity'),
    ...trainingFields,
    // degree: polynomial regression of each degree fitted exactly (regression sets of 1 input).
    parameter: z.enum(['width', 'depth', 'epochs', 'l2', 'degree']).default('width'),
    values: z.array(z.number().min(0).max(100_000)).min(2).max(16).default([1, 2, 4, 8, 32, 128]),
    epochs: epochs(200),
  }),
  // N-fold cross-validation of candidate models: N trainings each on N splits of the training
  // and validation data together; the candidate of least mean validation loss chosen, then
  // trained on all of it and scored on the held-out test set.
  z.strictObject({
    kind: z.literal('cross-validation'),
    ...trainingFields,
    folds: z.int().min(2).max(10).default(5),
    candidates: z
      .array(modelPatchSchema)
      .min(1)
      .max(12)
      .default([{ width: 2 }, { width: 8 }, { width: 32 }, { width: 128 }]),
    stratified: z.boolean().default(true),
    epochs: epochs(100),
  }),
  // The model trained once; its validation loss (the training distribution) against its test
  // loss on test sets shifted by each size s ∈ [0, 1] (2-D sets: rotated by s × 90°;
  // regression: inputs drawn from the training range moved by s × its width; digits: images
  // shifted right by round(s × 4) pixels).
  z.strictObject({
    kind: z.literal('mismatch'),
    ...trainingFields,
    sizes: z
      .array(z.number().min(0).max(1))
      .min(1)
      .max(16)
      .default([0, 0.1, 0.2, 0.35, 0.5, 0.75, 1]),
    epochs: epochs(200),
    thresholds: verdictThresholds.prefault({}),
  }),
  // Batch sizes (powers of two from 1 to the training set): (a) measured time per update and
  // per epoch on this machine; (b) final accuracy / loss at equal epochs and at equal time.
  z.strictObject({
    kind: z.literal('batch-size'),
    ...trainingFields,
    /** Absent: 1, 2, 4, … up to the training set. */
    sizes: z.array(z.int().min(1).max(1_000_000)).min(1).max(24).optional(),
    /** Updates timed per batch size, ×4 at most (after 8 untimed ones on a throwaway run). */
    timedUpdates: z.int().min(3).max(1000).default(20),
    epochs: epochs(20),
  }),
  // Noisy small batches against the full batch from one θ₀: at equal epochs and with the full
  // batch given as many updates as the small one took; their losses per update and their
  // trajectories on one shared plane (through θ₀ and two of the endpoints).
  z.strictObject({
    kind: z.literal('noise'),
    ...trainingFields,
    // Plain SGD: the noise of its mini-batch gradients is the point.
    optimizer: optimizerSpecSchema.default({ optimizer: 'sgd', lr: 0.5 }),
    batchSize: z.int().min(1).max(1_000_000).default(4),
    epochs: epochs(60),
    /** Most updates the full batch is given to match the small batch's count. */
    maxUpdates: z.int().min(1).max(100_000).default(20_000),
  }),
  // The linear scaling rule with warm-up (Goyal et al. 2017): the batch × factor with η as it
  // was, with η × factor, and with η × factor reached by a linear warm-up, beside the base batch.
  z.strictObject({
    kind: z.literal('scaling'),
    ...trainingFields,
    // SGD with momentum, as Goyal et al. (the rule is about SGD's step).
    optimizer: optimizerSpecSchema.default({ optimizer: 'sgd', lr: 0.05, momentum: 0.9 }),
    batchSize: z.int().min(1).max(1_000_000).default(8),
    factor: z.int().min(2).max(1024).default(8),
    warmupEpochs: z.int().min(1).max(1000).default(5),
    epochs: epochs(40),
  }),
  // Cross-entropy against the squared error on the same network, data and initialization:
  // both trainings' curves, and both losses over the margin between the right logit and the
  // strongest wrong one, with the network's own examples on them (classification only).
  z.strictObject({
    kind: z.literal('losses'),
    ...trainingFields,
    // Plain SGD by default: Adam's per-coordinate normalization hides how flat a loss is.
    optimizer: optimizerSpecSchema.default({ optimizer: 'sgd', lr: 0.5 }),
    epochs: epochs(100),
  }),
  // Adaptive methods and generalization (Wilson et al., NeurIPS 2017, §3.3): their linearly
  // separable least-squares problem with more features than examples, where SGD converges to
  // the minimum-norm solution (test error 0) and AdaGrad, RMSProp and Adam to one that
  // predicts the majority class for every new point. No dataset or model of the lab's.
  z.strictObject({
    kind: z.literal('adaptive'),
    /** Training examples (features: 3 + 5n). */
    n: z.int().min(4).max(400).default(50),
    /** Share of positive labels (> ½: the majority class the adaptive methods predict). */
    p: z.number().gt(0.5).lt(1).default(0.6),
    steps: z.int().min(1).max(100_000).default(5000),
    optimizers: z
      .array(optimizerSpecSchema)
      .min(1)
      .max(8)
      .default([
        { optimizer: 'sgd', lr: 0.05 },
        { optimizer: 'adagrad', lr: 0.05 },
        { optimizer: 'rmsprop', lr: 0.001 },
        { optimizer: 'adam', lr: 0.001 },
      ]),
    testPoints: z.int().min(10).max(100_000).default(1000),
    seed: seed().default(1),
  }),
]);
export type ExperimentSpec = z.output<typeof experimentSpecSchema>;
export type ExperimentSpecInput = z.input<typeof experimentSpecSchema>;
export type ExperimentKind = ExperimentSpec['kind'];

export const experimentKinds = [
  'diagnose',
  'depth',
  'complexity',
  'cross-validation',
  'mismatch',
  'batch-size',
  'noise',
  'scaling',
  'losses',
  'adaptive',
] as const satisfies readonly ExperimentKind[];

/** The experiments lab's requests. */
export const experimentsRequests = [
  // Runs an experiment. Answered by experiments.result, after experiments.progress.
  z.strictObject({
    type: z.literal('experiments.run'),
    id: requestIdSchema,
    experiment: experimentSpecSchema,
  }),
  // Forgets a finished experiment (by its id). Answered by ok.
  z.strictObject({
    type: z.literal('experiments.remove'),
    id: requestIdSchema,
    experimentId: z.string().min(1).max(64),
  }),
] as const;

// ---------------------------------------------------------------------------------------------
// Results

/** One training of an experiment: what it trained and how it went, epoch by epoch. */
export interface TrainingRecord {
  /** Unique in the experiment ("depth-8-residual", "fold-3/width-32"). */
  id: string;
  label: string;
  /** The group it belongs to in the figures (a depth, a candidate, a batch size). */
  group: string;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: number | 'full';
  status: 'ok' | 'diverged' | 'finished';
  reason?: string;
  steps: number;
  /** Per epoch (after it): steps so far, mean training loss over its batches, validation. */
  curves: {
    step: number[];
    trainLoss: (number | null)[];
    validationLoss: (number | null)[];
    trainAccuracy?: (number | null)[];
    validationAccuracy?: (number | null)[];
  };
  /** At the end, on the whole of each split (null: the split is empty or θ diverged). */
  final: {
    train: EvaluationRecord;
    validation: EvaluationRecord;
    test: EvaluationRecord;
  };
  /** Median wall time of one update, ms, and of one epoch's updates. */
  msPerUpdate: number;
  msPerEpoch: number;
  parameters: number;
}

export interface EvaluationRecord {
  loss: number | null;
  accuracy?: number | null;
}

/**
 * A chart: series of (x, y) points, drawn as lines or points; or (kind 'heatmap') a grid of
 * values in colour, with level lines and a colour bar, the series drawn over it (trajectories,
 * points).
 */
export interface Figure {
  id: string;
  title: string;
  x: { label: string; log?: boolean; ticks?: 'integer' };
  y: { label: string; log?: boolean };
  kind: 'line' | 'scatter' | 'heatmap';
  series: FigureSeries[];
  /** Vertical marks (the chosen value, a threshold). */
  marks?: { x: number; label: string }[];
  /** The heatmap's values (kind 'heatmap' only, which needs it). */
  grid?: FigureGrid;
}

/** Values on a square grid, for a heatmap: a loss over a plane (Li et al.), over two logits. */
export interface FigureGrid {
  /** Axis values, evenly spaced and increasing: the columns' x and the rows' y (as many). */
  x: number[];
  y: number[];
  /** The value at (x_i, y_j) in z[j · n + i]; null where it is not finite. */
  z: (number | null)[];
  /** What the values are (the colour bar's title). */
  label: string;
  /** Colours spread over log(z − min): for values over orders of magnitude. */
  log?: boolean;
  /** The colour scale's range (figures drawn to compare share one); default z's own. */
  range?: [number, number];
}

export interface FigureSeries {
  label: string;
  x: number[];
  y: (number | null)[];
  /** ± this around y (a standard deviation). */
  error?: number[];
  /** Drawn dashed (a reference, a second measure). */
  dashed?: boolean;
  /** A colour index shared by related series (plain and residual of one depth). */
  group?: number;
  /** Drawn as points without a line, whatever the figure's kind. */
  points?: boolean;
}

/** The result as a table (CSV): one row per training or per value. */
export interface ResultTable {
  columns: string[];
  rows: (string | number | null)[][];
}

/** The branches of the lecture's flowchart. */
export type VerdictBranch = 'model bias' | 'optimization' | 'overfitting' | 'mismatch' | 'fine';

export interface Verdict {
  branch: VerdictBranch;
  /** The flowchart's questions in order, each with its answer and the numbers behind it. */
  steps: { question: string; answer: boolean; evidence: string }[];
  /** What the lecture recommends on this branch. */
  advice: string;
}

export interface ExperimentResult {
  kind: ExperimentKind;
  title: string;
  /** The dataset and model the trainings started from (no model: a plain linear one). */
  dataset: {
    kind: string;
    task: 'classification' | 'regression';
    train: number;
    validation: number;
    test: number;
  };
  model?: ModelSpec;
  figures: Figure[];
  table: ResultTable;
  trainings: TrainingRecord[];
  /** Trainings planned in all (fewer in `trainings` while running or when cancelled). */
  planned: number;
  verdict?: Verdict;
  /** What the experiment picked (cross-validation, complexity): its label and its numbers. */
  chosen?: {
    label: string;
    value?: number;
    testLoss?: number | null;
    testAccuracy?: number | null;
  };
  /** Short findings in words (e.g. where parallelism stops helping). */
  notes: string[];
  /** The tfjs backend the trainings ran on, and in how many worker threads. */
  backend: string;
  threads: number;
  /** Cores busy on average while it ran: the engine process's CPU time over the wall time. */
  cores?: number;
  ms: number;
}

/**
 * A finished experiment as the lab keeps it (and a session saves it): its spec, its result and
 * when it finished (ISO 8601); `id` is the lab's own ("experiment-3").
 */
export interface ExperimentRecord {
  id: string;
  spec: ExperimentSpec;
  result: ExperimentResult;
  finishedAt: string;
}

export type ExperimentsMessage =
  | {
      type: 'experiments.progress';
      id: number;
      /** Trainings finished, and planned. */
      done: number;
      total: number;
      /** Fraction of the whole work done (trainings in progress counted by their epochs). */
      fraction: number;
      /** Estimated time left, ms (absent until a training has finished). */
      etaMs?: number;
      partial?: ExperimentResult;
    }
  | { type: 'experiments.result'; id: number; result: ExperimentResult; experimentId: string }
  /**
   * Every experiment the lab holds, oldest first: sent on `sync` and after a removal (a new one
   * comes in its `experiments.result`, which the client adds to its list).
   */
  | { type: 'experiments.list'; experiments: ExperimentRecord[] };

export type { DatasetSpec };

// ---------------------------------------------------------------------------------------------
// The same shapes as zod schemas, for a result read back from a session file (bounded: a
// damaged or hostile file is refused with the field it got wrong, never trusted).

const text = (max = 500) => z.string().max(max);
const value = z.number().nullable();
const values = (max = 100_000) => z.array(value).max(max);
const evaluationSchema = z.strictObject({ loss: value, accuracy: value.optional() });

export const trainingRecordSchema = z.strictObject({
  id: text(120),
  label: text(),
  group: text(),
  model: modelSpecSchema,
  optimizer: optimizerSpecSchema,
  batchSize: batchSizeSchema,
  status: z.enum(['ok', 'diverged', 'finished']),
  reason: text(1000).optional(),
  steps: z.int().min(0),
  curves: z.strictObject({
    step: z.array(z.int().min(0)).max(100_000),
    trainLoss: values(),
    validationLoss: values(),
    trainAccuracy: values().optional(),
    validationAccuracy: values().optional(),
  }),
  final: z.strictObject({
    train: evaluationSchema,
    validation: evaluationSchema,
    test: evaluationSchema,
  }),
  msPerUpdate: z.number().min(0),
  msPerEpoch: z.number().min(0),
  parameters: z.int().min(0),
});

/** At most this many values along a heatmap's side (201² values). */
export const MAX_GRID_SIDE = 201;

const gridSchema = z
  .strictObject({
    x: z.array(z.number()).min(2).max(MAX_GRID_SIDE),
    y: z.array(z.number()).min(2).max(MAX_GRID_SIDE),
    z: values(MAX_GRID_SIDE ** 2),
    label: text(),
    log: z.boolean().optional(),
    range: z.tuple([z.number(), z.number()]).optional(),
  })
  .superRefine((grid, ctx) => {
    const { x, y, z: v } = grid;
    const bad = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (y.length !== x.length) bad('y', `as many values as x (${x.length}), not ${y.length}`);
    else if (v.length !== x.length * y.length) {
      bad('z', `${x.length}² = ${x.length * y.length} values, not ${v.length}`);
    }
    for (const [name, axis] of [['x', x] as const, ['y', y] as const]) {
      if (axis.some((a, i) => i > 0 && !(a > axis[i - 1]))) bad(name, 'increasing values');
    }
  });

const figureSchema = z
  .strictObject({
    id: text(64),
    title: text(),
    x: z.strictObject({
      label: text(),
      log: z.boolean().optional(),
      ticks: z.literal('integer').optional(),
    }),
    y: z.strictObject({ label: text(), log: z.boolean().optional() }),
    kind: z.enum(['line', 'scatter', 'heatmap']),
    series: z
      .array(
        z.strictObject({
          label: text(),
          x: z.array(z.number()).max(100_000),
          y: values(),
          error: z.array(z.number()).max(100_000).optional(),
          dashed: z.boolean().optional(),
          group: z.int().min(0).max(1000).optional(),
          points: z.boolean().optional(),
        }),
      )
      .max(1000),
    marks: z
      .array(z.strictObject({ x: z.number(), label: text() }))
      .max(100)
      .optional(),
    grid: gridSchema.optional(),
  })
  .superRefine((figure, ctx) => {
    // A heatmap draws its grid: one without, or a grid on a chart of lines, is a damaged file.
    if ((figure.kind === 'heatmap') !== (figure.grid !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['grid'],
        message: 'a heatmap figure has a grid, and only a heatmap figure',
      });
    }
  });

export const experimentResultSchema = z.strictObject({
  kind: z.enum(experimentKinds),
  title: text(),
  dataset: z.strictObject({
    kind: text(64),
    task: z.enum(['classification', 'regression']),
    train: z.int().min(0),
    validation: z.int().min(0),
    test: z.int().min(0),
  }),
  model: modelSpecSchema.optional(),
  figures: z.array(figureSchema).max(32),
  table: z.strictObject({
    columns: z.array(text(200)).max(64),
    rows: z.array(z.array(z.union([text(1000), z.number(), z.null()])).max(64)).max(20_000),
  }),
  trainings: z.array(trainingRecordSchema).max(MAX_EXPERIMENT_TRAININGS),
  planned: z.int().min(0).max(MAX_EXPERIMENT_TRAININGS),
  verdict: z
    .strictObject({
      branch: z.enum(['model bias', 'optimization', 'overfitting', 'mismatch', 'fine']),
      steps: z
        .array(z.strictObject({ question: text(), answer: z.boolean(), evidence: text(2000) }))
        .max(16),
      advice: text(2000),
    })
    .optional(),
  chosen: z
    .strictObject({
      label: text(),
      value: z.number().optional(),
      testLoss: value.optional(),
      testAccuracy: value.optional(),
    })
    .optional(),
  notes: z.array(text(2000)).max(64),
  backend: text(64),
  threads: z.int().min(0).max(1024),
  cores: z.number().min(0).max(1024).optional(),
  ms: z.number().min(0),
});

export const experimentRecordSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    spec: experimentSpecSchema,
    result: experimentResultSchema,
    finishedAt: z.iso.datetime(),
  })
  .refine((e) => e.spec.kind === e.result.kind, {
    message: "the result is not of the spec's kind",
    path: ['result', 'kind'],
  });

/**
 * A result as plain JSON can hold it: every number that is not finite (a diverged training's
 * loss) becomes null, so what a session saves reads back the same.
 */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? null : v,
    ),
  ) as T;
}
