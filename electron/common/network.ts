/**
 * The network lab's shapes: datasets, models, training runs, loss landscapes, and the CLI SPECs
 * of `losslab train` and `losslab landscape`. One zod schema each, from which the types are
 * inferred; bounds are the "absurd input" guard, so a 10⁹-point dataset or a 10⁶-wide layer is
 * refused with a message naming the field before anything is allocated.
 */
import { z } from 'zod';
import { optimizerSpecSchema, scheduleSchema, hyperPatchSchema } from './schemas';
import {
  MAX_CSV_COLUMNS,
  MAX_DATASET_POINTS,
  MAX_GIVEN_ROWS,
  MAX_GIVEN_VALUES,
  MAX_TRAINING_SPEC_RUNS,
  MAX_TRAIN_STEPS,
} from './limits';

const finite = () => z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const seed = () =>
  z
    .int()
    .min(0)
    .max(2 ** 32 - 1);

export { MAX_DATASET_POINTS, MAX_TRAIN_STEPS };

// ---------------------------------------------------------------------------------------------
// Datasets

/** Fractions of the points in each split; they must add up to 1. */
export const splitSchema = z
  .strictObject({
    train: finite().gt(0).max(1),
    validation: finite().min(0).max(1),
    test: finite().min(0).max(1),
  })
  .refine((s) => Math.abs(s.train + s.validation + s.test - 1) < 1e-9, {
    message: 'train + validation + test must be 1',
  });
export type SplitFractions = z.infer<typeof splitSchema>;

/**
 * How the test set differs from the training distribution (train/test mismatch):
 * `rotate` turns 2-D inputs about the origin, `offset` translates them, `shift` moves a
 * regression set's input range, `pixels` shifts the digit images. `true` picks the dataset's
 * default (30° rotation, half a range, one pixel to the right).
 */
export const mismatchSchema = z.union([
  z.boolean(),
  z.strictObject({ kind: z.literal('rotate'), degrees: finite().min(-360).max(360) }),
  z.strictObject({
    kind: z.literal('offset'),
    by: z.tuple([finite().min(-100).max(100), finite().min(-100).max(100)]),
  }),
  z.strictObject({ kind: z.literal('shift'), by: finite().min(-1e3).max(1e3) }),
  z.strictObject({
    kind: z.literal('pixels'),
    by: z.tuple([z.int().min(-7).max(7), z.int().min(-7).max(7)]),
  }),
]);
export type Mismatch = z.infer<typeof mismatchSchema>;

const common = {
  /** Seed of the points, their labels' noise and the split. @default 0 */
  seed: seed().default(0),
  split: splitSchema.default({ train: 0.7, validation: 0.15, test: 0.15 }),
  mismatch: mismatchSchema.default(false),
};
const points = (fallback: number) => z.int().min(4).max(MAX_DATASET_POINTS).default(fallback);
const noise = (fallback: number) => finite().min(0).max(10).default(fallback);
/** Share of labels replaced by another class, drawn uniformly. */
const labelNoise = () => finite().min(0).max(1).default(0);
const range = z
  .tuple([finite().min(-1e3).max(1e3), finite().min(-1e3).max(1e3)])
  .refine(([a, b]) => a < b, { message: 'must be [min, max] with min < max' });

/** What a table's rows are for: classes to tell apart, or a number to fit. */
export const tableTasks = ['classification', 'regression'] as const;
export type TableTask = (typeof tableTasks)[number];

/** Where a table's split and seed go; a table has no synthetic test-set shift. */
const tableCommon = {
  seed: common.seed,
  split: common.split,
  mismatch: z.literal(false).default(false),
};

const columnName = () => z.string().min(1).max(200);

/** How a CSV/TSV file is read: which column is the target, which are features, and how. */
export const csvReadFields = {
  target: columnName(),
  features: z.array(columnName()).min(1).max(MAX_CSV_COLUMNS).optional(),
  task: z.enum(tableTasks).optional(),
  /** @default [] */
  oneHot: z.array(columnName()).max(MAX_CSV_COLUMNS).default([]),
  /** @default guessed from the first rows (comma, tab, semicolon or bar) */
  delimiter: z.enum([',', '\t', ';', '|']).optional(),
};

/**
 * A CSV or TSV file of the user's: a header row naming the columns, then one row per example.
 * `target` is the column to predict; `features` the inputs (every other column when omitted);
 * `oneHot` the features to encode one input per distinct value. Without `task`, a target with
 * a cell that is not a number, or with at most 20 distinct integers, is classification, any
 * other regression. The file is found by `path` (the CLI, a session holding a reference) or,
 * for data uploaded by the page, by its `sha256`; given both, the file must still have that
 * SHA-256. `keep` says what a session saves: the data itself, or this reference.
 */
export const csvDatasetSchema = z
  .strictObject({
    kind: z.literal('csv'),
    path: z.string().min(1).max(4096).optional(),
    /** The SHA-256 of the file's bytes, 64 hexadecimal digits. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hexadecimal digits' })
      .optional(),
    /** The file's name, for labels and messages. @default the path's last part */
    name: z.string().min(1).max(260).optional(),
    ...csvReadFields,
    /** @default 'data' */
    keep: z.enum(['data', 'reference']).default('data'),
    ...tableCommon,
  })
  .refine((s) => s.path !== undefined || s.sha256 !== undefined, {
    message: "give the file's path (or the sha256 of data uploaded before)",
    path: ['path'],
  });
export type CsvDatasetSpec = z.output<typeof csvDatasetSchema>;

/**
 * A table given in the SPEC itself: `x` one row of inputs per example, `y` its class (any
 * numbers; the classes are its distinct values in increasing order) or its target.
 */
export const givenDatasetSchema = z
  .strictObject({
    kind: z.literal('given'),
    x: z.array(z.array(finite()).min(1).max(MAX_CSV_COLUMNS)).min(4).max(MAX_GIVEN_ROWS),
    y: z.array(finite()).min(4).max(MAX_GIVEN_ROWS),
    task: z.enum(tableTasks),
    name: z.string().min(1).max(260).optional(),
    ...tableCommon,
  })
  .superRefine((s, ctx) => {
    const dim = s.x[0].length;
    if (dim * s.x.length > MAX_GIVEN_VALUES) {
      ctx.addIssue({
        code: 'custom',
        message: `holds ${(dim * s.x.length).toLocaleString('en')} numbers; at most ${MAX_GIVEN_VALUES.toLocaleString('en')} (give a CSV file instead)`,
        path: ['x'],
      });
      return;
    }
    const bad = s.x.findIndex((row) => row.length !== dim);
    if (bad >= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `has ${s.x[bad].length} values; row 0 has ${dim}`,
        path: ['x', bad],
      });
    }
    if (s.y.length !== s.x.length) {
      ctx.addIssue({
        code: 'custom',
        message: `has ${s.y.length} values for ${s.x.length} rows of x`,
        path: ['y'],
      });
    }
  });
export type GivenDatasetSpec = z.output<typeof givenDatasetSchema>;

export const datasetSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('spirals'),
    n: points(400),
    noise: noise(0.05),
    /** Turns each arm makes. @default 1.75 */
    turns: finite().min(0.25).max(5).default(1.75),
    labelNoise: labelNoise(),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('circles'),
    n: points(400),
    noise: noise(0.05),
    /** Radius of the inner circle relative to the outer one. @default 0.5 */
    factor: finite().gt(0).lt(1).default(0.5),
    labelNoise: labelNoise(),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('xor'),
    n: points(400),
    noise: noise(0),
    /** Gap kept free on both sides of each axis (the inputs span [-1, 1]). @default 0.1 */
    margin: finite().min(0).max(0.9).default(0.1),
    labelNoise: labelNoise(),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('moons'),
    n: points(400),
    noise: noise(0.1),
    labelNoise: labelNoise(),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('blobs'),
    n: points(400),
    /** Number of blobs, one class each, centred on the unit circle. @default 3 */
    classes: z.int().min(2).max(10).default(3),
    /** Standard deviation of each blob: larger means more overlap. @default 0.3 */
    spread: finite().gt(0).max(10).default(0.3),
    labelNoise: labelNoise(),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('sine'),
    n: points(200),
    noise: noise(0.1),
    /** Input range of the training distribution. @default [-3.14159…, 3.14159…] */
    range: range.default([-Math.PI, Math.PI]),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('polynomial'),
    n: points(200),
    noise: noise(0.1),
    /** c₀, c₁, … of y = c₀ + c₁x + c₂x² + …. @default [0, -1, 0, 1] */
    coefficients: z.array(finite().min(-1e3).max(1e3)).min(1).max(10).default([0, -1, 0, 1]),
    range: range.default([-1.5, 1.5]),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('digits'),
    /** Use only the first n of the 1,797 images (after a seeded shuffle). @default all */
    n: z.int().min(10).max(1797).optional(),
    labelNoise: labelNoise(),
    ...common,
  }),
  csvDatasetSchema,
  givenDatasetSchema,
]);
export type DatasetSpec = z.output<typeof datasetSpecSchema>;
export type DatasetSpecInput = z.input<typeof datasetSpecSchema>;
export type DatasetKind = DatasetSpec['kind'];

// ---------------------------------------------------------------------------------------------
// Models

export const activationNames = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type ActivationName = (typeof activationNames)[number];

/** `crossEntropy`: softmax + cross-entropy. `mse`: softmax + squared error on one-hot targets. */
export const classificationLosses = ['crossEntropy', 'mse'] as const;
export type ClassificationLoss = (typeof classificationLosses)[number];

export const modelSpecSchema = z.strictObject({
  /** Hidden layers. @default 2 */
  depth: z.int().min(1).max(20).default(2),
  /** Units in each hidden layer. @default 32 */
  width: z.int().min(1).max(1024).default(32),
  /** @default 'relu' */
  activation: z.enum(activationNames).default('relu'),
  /** h ← h + act(W h + b) wherever a layer's input and output widths are equal. @default false */
  residual: z.boolean().default(false),
  /** Classification loss; regression always uses the mean squared error. @default 'crossEntropy' */
  loss: z.enum(classificationLosses).optional(),
  /** λ of the L2 penalty (λ/2)·Σ‖W‖² over weight matrices, added to the loss. @default 0 */
  l2: finite().min(0).max(100).default(0),
  /** Probability of zeroing a hidden unit while training (inverted dropout). @default 0 */
  dropout: finite().min(0).max(0.95).default(0),
  /** Seed of the initial weights: runs with the same seed start from the same θ. @default 0 */
  seed: seed().default(0),
  /** `auto`: He for ReLU, Glorot otherwise. @default 'auto' */
  init: z.enum(['auto', 'he', 'glorot']).default('auto'),
});
export type ModelSpec = z.output<typeof modelSpecSchema>;
export type ModelSpecInput = z.input<typeof modelSpecSchema>;

/**
 * What makes two models the same function of θ: layers, activation, residual connections,
 * loss and L2 penalty. Models alike in these have the same θ layout and the same loss
 * landscape, whatever their weight seed, initialization or dropout (dropout is off when the
 * loss is evaluated), so their runs can be projected onto each other's landscapes.
 */
export function architectureKey(model: ModelSpec, regression = false): string {
  const loss = regression ? 'mse-regression' : (model.loss ?? 'crossEntropy');
  return `${model.depth}x${model.width} ${model.activation}${model.residual ? ' residual' : ''} ${loss} l2=${model.l2}`;
}

// ---------------------------------------------------------------------------------------------
// Training runs

export const batchSizeSchema = z.union([z.int().min(1).max(MAX_DATASET_POINTS), z.literal('full')]);
export type BatchSize = z.infer<typeof batchSizeSchema>;

/**
 * One optimizer training a network on the lab's shared data: the lab's model, or its own
 * `model` (runs of one lab may differ in depth, width, activation, residual connections, loss,
 * L2, dropout and weight seed, so a 2-layer and a 20-layer net train side by side).
 */
/** Parts a batch's gradient is computed in (see networkRunConfigSchema). */
export const shardsSchema = z.union([z.literal(1), z.literal(2)]);

export const networkRunConfigSchema = z.strictObject({
  runId: z.string().min(1).max(64),
  optimizer: optimizerSpecSchema,
  /**
   * This run's architecture, a whole model SPEC (omitted fields take the model's defaults, not
   * the lab's). @default the lab's model
   */
  model: modelSpecSchema.optional(),
  /** Examples per update, or the whole training set. @default 32 */
  batchSize: batchSizeSchema.default(32),
  /** Seed of the batch order and the dropout masks (not of the weights). @default 0 */
  seed: seed().default(0),
  /** Keep θ every k steps for PCA directions and trajectory projection. @default 10 */
  snapshotEvery: z.int().min(1).max(1_000_000).default(10),
  /** Validate every k epochs. @default 1 */
  validateEvery: z.int().min(1).max(1_000_000).default(1),
  /**
   * How a batch of 128 examples or more is computed: 2, as two halves whose gradients are
   * summed in a fixed order (the second half on another core when the engine has one free);
   * 1, in one pass (what runs recorded before the split existed used, see the session
   * manifest). The two differ only by float32 rounding; a run keeps its own. @default 2
   */
  shards: shardsSchema.default(2),
  label: z.string().max(120).optional(),
});
export type NetworkRunConfig = z.output<typeof networkRunConfigSchema>;
export type NetworkRunConfigInput = z.input<typeof networkRunConfigSchema>;

/** A live change: hyperparameters, schedule and/or batch size, from the next step on. */
export const networkRunUpdateSchema = z.strictObject({
  hyper: hyperPatchSchema.optional(),
  schedule: scheduleSchema.optional(),
  batchSize: batchSizeSchema.optional(),
});
export type NetworkRunUpdate = z.infer<typeof networkRunUpdateSchema>;

// ---------------------------------------------------------------------------------------------
// Landscapes

/**
 * The plane's two directions: filter-normalized Gaussian ones (Li et al. 2018), the top two
 * principal components of a recorded trajectory, or two given vectors of θ's length.
 */
export const directionsSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('random'), seed: seed().default(0) }),
  z.strictObject({ kind: z.literal('pca') }),
  z.strictObject({
    kind: z.literal('given'),
    d1: z.array(finite()).min(1).max(10_000_000),
    d2: z.array(finite()).min(1).max(10_000_000),
  }),
]);
export type DirectionsSpec = z.output<typeof directionsSpecSchema>;

const axisRange = z
  .tuple([finite().min(-1e4).max(1e4), finite().min(-1e4).max(1e4)])
  .refine(([a, b]) => a < b, { message: 'must be [min, max] with min < max' });

export const landscapeGridSchema = z.strictObject({
  /** Grid points per axis. @default 51 */
  resolution: z.int().min(2).max(401).default(51),
  /** α and β ranges. @default [[-1, 1], [-1, 1]] */
  range: z.tuple([axisRange, axisRange]).default([
    [-1, 1],
    [-1, 1],
  ]),
  /** Resolution of the quick first pass (0: none). @default 11 */
  coarse: z.int().min(0).max(101).default(11),
  /** Data the loss is measured on. @default 'train' */
  split: z.enum(['train', 'validation']).default('train'),
});
export type LandscapeGridSpec = z.output<typeof landscapeGridSchema>;

// ---------------------------------------------------------------------------------------------
// CLI SPECs

const runEntrySchema = optimizerSpecSchema.extend({
  /** Overrides the SPEC's batch size for this run. */
  batchSize: batchSizeSchema.optional(),
  /** Overrides the SPEC's run seed (batch order, dropout). */
  seed: seed().optional(),
  label: z.string().max(120).optional(),
});
export type TrainRunEntry = z.output<typeof runEntrySchema>;

/** A SPEC's model: a model spec, and optionally the θ₀ every run starts from. */
export const specModelSchema = modelSpecSchema.extend({
  /**
   * θ₀ of every run instead of the seeded initialization, in the layout `losslab train` prints
   * as `model.layers` (each tensor row-major, in order): a saved θ to go on from.
   */
  theta: z.array(finite()).min(1).max(10_000_000).optional(),
});
export type SpecModel = z.output<typeof specModelSchema>;

/**
 * A TensorFlow.js Layers model of the user's: `path` is its model.json, the weight files its
 * manifest lists sit beside it (see the README's "Your own model").
 */
export const tfjsModelSpecSchema = z.strictObject({
  kind: z.literal('tfjs'),
  path: z.string().min(1).max(4096),
});
export type TfjsModelSpec = z.output<typeof tfjsModelSpecSchema>;

const trainFields = {
  dataset: datasetSpecSchema,
  /** LossLab's MLP (with an optional θ₀), or a TensorFlow.js Layers model file. */
  model: z.union([tfjsModelSpecSchema, specModelSchema]).default(specModelSchema.parse({})),
  /** Optimizer steps per run (give `steps` or `epochs`). */
  steps: z.int().min(0).max(MAX_TRAIN_STEPS).optional(),
  /** Passes over the training set per run. */
  epochs: z.int().min(0).max(100_000).optional(),
  /** @default 32 */
  batchSize: batchSizeSchema.default(32),
  /** Seed of the batch order and dropout, for runs that give none. @default 0 */
  seed: seed().default(0),
  runs: z.array(runEntrySchema).min(1).max(MAX_TRAINING_SPEC_RUNS),
  /** Keep every k-th step's curve point in the output. @default 1 */
  curveEvery: z.int().min(1).max(MAX_TRAIN_STEPS).default(1),
  /** Keep θ every k steps (the landscape projects these). @default 10 */
  snapshotEvery: z.int().min(1).max(MAX_TRAIN_STEPS).default(10),
  /** Evaluate each run on the test split at the end. @default true */
  test: z.boolean().default(true),
};

/** Exactly one of steps and epochs when there are runs to train. */
function checkLength(
  s: { steps?: number; epochs?: number; runs: unknown[] },
  ctx: z.RefinementCtx,
): void {
  if (s.runs.length > 0 && (s.steps === undefined) === (s.epochs === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'give exactly one of steps and epochs',
      path: ['steps'],
    });
  }
}

export const trainSpecSchema = z.strictObject(trainFields).superRefine(checkLength);
export type TrainSpec = z.output<typeof trainSpecSchema>;
export type TrainSpecInput = z.input<typeof trainSpecSchema>;

export const landscapeOptionsSchema = z.strictObject({
  ...landscapeGridSchema.shape,
  /** @default { kind: 'random', seed: 0 } */
  directions: directionsSpecSchema.default({ kind: 'random', seed: 0 }),
  /** The plane's centre θ*: a run's initial or final θ. @default the final θ of run 0 */
  center: z
    .strictObject({
      run: z
        .int()
        .min(0)
        .max(MAX_TRAINING_SPEC_RUNS - 1)
        .default(0),
      at: z.enum(['initial', 'final']).default('final'),
    })
    .default({ run: 0, at: 'final' }),
  /** A given θ* (a saved parameter vector) instead of a run's. */
  theta: z.array(finite()).min(1).max(10_000_000).optional(),
  /** Also L along the segment from θ₀ to each run's final θ. */
  line: z
    .strictObject({
      /** @default 101 */
      points: z.int().min(2).max(10_001).default(101),
      /** t of (1 − t)·θ₀ + t·θ_final. @default [-0.25, 1.25] */
      range: axisRange.default([-0.25, 1.25]),
    })
    .optional(),
  /** Worker threads sharing the grid (0: this thread). @default all cores */
  threads: z.int().min(0).max(64).optional(),
});
export type LandscapeOptionsSpec = z.output<typeof landscapeOptionsSchema>;

export const landscapeSpecSchema = z
  .strictObject({
    ...trainFields,
    /** Runs to train first (none when `landscape.theta` is given). */
    runs: z.array(runEntrySchema).max(MAX_TRAINING_SPEC_RUNS).default([]),
    landscape: landscapeOptionsSchema.default(landscapeOptionsSchema.parse({})),
  })
  .superRefine((s, ctx) => {
    checkLength(s, ctx);
    const { theta, center, directions } = s.landscape;
    if (s.runs.length === 0 && theta === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give runs to train, or landscape.theta to centre on',
        path: ['runs'],
      });
    } else if (theta === undefined && center.run >= s.runs.length) {
      ctx.addIssue({
        code: 'custom',
        message: `there is no run ${center.run} (${s.runs.length} given)`,
        path: ['landscape', 'center', 'run'],
      });
    }
    if (directions.kind === 'pca' && center.run >= s.runs.length) {
      ctx.addIssue({
        code: 'custom',
        message: 'PCA directions need the trajectory of a run',
        path: ['landscape', 'directions'],
      });
    }
  });
export type LandscapeSpec = z.output<typeof landscapeSpecSchema>;
export type LandscapeSpecInput = z.input<typeof landscapeSpecSchema>;
