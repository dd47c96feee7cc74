/**
 * The session file (`.losslab`): a zip holding `manifest.json` and binary typed arrays
 * (`arrays/<name>.bin`, raw little-endian bytes). The manifest says what was recorded —
 * problems, configurations, every hyperparameter change with its step, statuses — and lists
 * every array with its dtype, length and SHA-256; the arrays hold the trajectories, curves,
 * snapshots and landscape grids bit for bit.
 *
 * This module is the format's single definition: the manifest's zod schema (from which its
 * types are inferred), the limits a reader enforces, and the in-memory shape of a session
 * (`SessionData`, the manifest's references resolved to typed arrays). Pure TypeScript, so the
 * renderer may `import type` from it.
 */
import { z } from 'zod';
import {
  MAX_CSV_CATEGORIES,
  MAX_CSV_COLUMNS,
  MAX_CSV_ROWS,
  MAX_MANIFEST_BYTES,
  MAX_RECORDED_CHANGES,
  MAX_RECORDED_EXPERIMENTS,
  MAX_RECORDED_LANDSCAPES,
  MAX_RECORDED_RUNS,
  MAX_RECORDED_STEPS,
  MAX_SESSION_BYTES,
  MAX_SESSION_ENTRIES,
  MAX_VIEW_CHARS,
} from './limits';
import {
  arrayDtypes,
  DTYPE_BYTES,
  type ArrayDtype,
  type SessionTypedArray,
  type TypedArrayOf,
} from './arrays';
import {
  basinColumns,
  networkEpochColumns,
  networkStepColumns,
  trajectoryColumns,
  type RecordedColumns,
  type TrajectoryColumns,
} from './columns';
import { oneLine } from './bounds';
import {
  datasetSpecSchema,
  modelSpecSchema,
  networkRunConfigSchema,
  shardsSchema,
  type DatasetSpec,
  type ModelSpec,
  type NetworkRunConfig,
} from './network';
import { runIdSchema, type RunStatus } from './protocol/base';
import { criticalExperimentSchema, type CriticalExperimentRecord } from './protocol/critical';
import { experimentRecordSchema, type ExperimentRecord } from './protocol/experiments';
import { runConfigSchema, type HyperChange, type RunConfig } from './protocol/explorer';
import {
  domainSchema,
  pointSchema,
  surfaceSpecSchema,
  type Domain,
  type Point,
  type SurfaceSpec,
} from './schemas';
import { basinsSpecSchema, type BasinsSpec } from './spec';
import { exerciseSchema, type Exercise } from './exercise';
import {
  arrayInfoSchema,
  arrayName,
  checkChanges,
  checkUniqueRunIds,
  colorSchema,
  columnRefs,
  finite,
  forkOriginSchema,
  hyperChangeSchema,
  isoDate,
  networkChangeSchema,
  real,
  reasonSchema,
  runStatusSchema,
  stepCount,
  type ForkOrigin,
  type JsonObject,
  type NetworkChangeJson,
} from './session-shapes';

export { arrayDtypes, DTYPE_BYTES };
export type { ArrayDtype, SessionTypedArray, TypedArrayOf };
export {
  ARRAY_NAME,
  arrayEntryName,
  arrayInfoSchema,
  decodeReal,
  encodeReal,
  forkOriginSchema,
  hyperChangeSchema,
  networkChangeSchema,
} from './session-shapes';
export type {
  ArrayInfo,
  ForkOrigin,
  JsonObject,
  JsonValue,
  NetworkChangeJson,
  RealJson,
} from './session-shapes';

/** The manifest's `format`: what tells a LossLab session from any other zip. */
export const SESSION_FORMAT = 'losslab-session';
/** The format version this LossLab writes and reads. A reader refuses any other. */
export const SESSION_VERSION = 1;
/** File name extension, without the dot. */
export const SESSION_EXTENSION = 'losslab';
/** Name of the manifest entry in the zip. */
export const MANIFEST_ENTRY = 'manifest.json';

/** The limits a session reader enforces (declared in limits.ts with every other limit). */
export {
  MAX_MANIFEST_BYTES,
  MAX_RECORDED_CHANGES,
  MAX_RECORDED_STEPS,
  MAX_SESSION_BYTES,
  MAX_SESSION_ENTRIES,
  MAX_VIEW_CHARS,
};

/**
 * A session file that cannot be read or written; `field` is the manifest path at fault. The
 * message is one line of at most MAX_ERROR_CHARS, whatever a file put into it.
 */
export class SessionError extends Error {
  readonly field?: string;

  constructor(message: string, field?: string) {
    super(oneLine(message));
    this.name = 'SessionError';
    if (field !== undefined) this.field = oneLine(field, 200).replace(/\s/g, '_');
  }
}

// ---------------------------------------------------------------------------------------------
// The explorer: analytic runs and a basin map

export const analyticRunManifestSchema = z
  .strictObject({
    /** The settings the trajectory started from; replaying `changes` on it reproduces it. */
    config: runConfigSchema,
    color: colorSchema.optional(),
    changes: z.array(hyperChangeSchema).max(MAX_RECORDED_CHANGES),
    status: runStatusSchema,
    reason: reasonSchema.optional(),
    /** Optimizer steps taken: the trajectory has steps + 1 points. */
    steps: stepCount,
    forkedFrom: forkOriginSchema.optional(),
    /** The trajectory's arrays (`trajectoryColumns`), steps + 1 entries each. */
    arrays: z.strictObject(columnRefs(trajectoryColumns)),
  })
  .superRefine(checkChanges);
export type AnalyticRunManifest = z.infer<typeof analyticRunManifestSchema>;

export const basinMapManifestSchema = z.strictObject({
  /** What was computed: surface, optimizer (with its schedule), resolution, steps. */
  spec: basinsSpecSchema,
  domain: domainSchema,
  minima: z.array(pointSchema).max(10_000),
  radius: finite().min(0),
  /** The per-start arrays (`basinColumns`), resolution² entries each. */
  arrays: z.strictObject(columnRefs(basinColumns)),
});
export type BasinMapManifest = z.infer<typeof basinMapManifestSchema>;

export const explorerManifestSchema = z
  .strictObject({
    surface: surfaceSpecSchema,
    /** The start the race shares (each run's config has its own, usually this one). */
    start: pointSchema,
    runs: z.array(analyticRunManifestSchema).max(MAX_RECORDED_RUNS),
    basins: basinMapManifestSchema.optional(),
  })
  .superRefine(checkUniqueRunIds);
export type ExplorerManifest = z.infer<typeof explorerManifestSchema>;

// ---------------------------------------------------------------------------------------------
// The network lab: runs and landscapes

export const networkRunManifestSchema = z
  .strictObject({
    /**
     * The settings the run started from; replaying `changes` on it reproduces it. A run
     * recorded without `shards` computed every batch in one pass (shards 1, which is written
     * by leaving it out, so files from before the split read and write back the same).
     */
    config: networkRunConfigSchema.extend({ shards: shardsSchema.optional() }),
    color: colorSchema.optional(),
    changes: z.array(networkChangeSchema).max(MAX_RECORDED_CHANGES),
    status: runStatusSchema,
    reason: reasonSchema.optional(),
    /** Updates taken. */
    steps: stepCount,
    /** Completed epochs. */
    epochs: stepCount,
    /** Length of θ. */
    parameters: z.int().min(1).max(100_000_000),
    /** Steps between the kept snapshots when saved (the requested spacing, doubled as needed). */
    snapshotSpacing: z.int().min(1).max(MAX_RECORDED_STEPS),
    forkedFrom: forkOriginSchema.optional(),
    arrays: z.strictObject({
      /** Per step (`networkStepColumns`, those recorded): `steps` entries each. */
      ...columnRefs(networkStepColumns),
      /** Per epoch (`networkEpochColumns`): `epochs` entries each. */
      ...columnRefs(networkEpochColumns),
      /** u32 step of each kept θ snapshot. */
      snapshotSteps: arrayName,
      /** f32 the snapshots, one θ after another: snapshots × parameters. */
      snapshots: arrayName,
      /** f64 θ when saved. */
      finalTheta: arrayName,
      /**
       * f64 θ₀ of a run that started elsewhere than the model's initial θ (a run escaped from a
       * saddle); absent: the model's θ₀.
       */
      startTheta: arrayName.optional(),
    }),
  })
  .superRefine(checkChanges);
export type NetworkRunManifest = z.infer<typeof networkRunManifestSchema>;

const axisRange = z
  .tuple([finite(), finite()])
  .refine(([a, b]) => a < b, { message: 'must be [min, max] with min < max' });

/** Where a landscape's centre θ* came from, when it was a run's θ. */
export const landscapeCenterSchema = z.strictObject({
  runId: runIdSchema,
  /** The run's initial θ, its θ when the landscape was computed, or its final θ. */
  at: z.enum(['initial', 'current', 'final']),
  /** The run's step at that θ. */
  step: stepCount.optional(),
});
export type LandscapeCenter = z.infer<typeof landscapeCenterSchema>;

export const landscapeManifestSchema = z.strictObject({
  id: z.string().min(1).max(64),
  label: z.string().max(200).optional(),
  resolution: z.int().min(2).max(4096),
  /** α and β ranges; the axes are lo + (hi − lo) i / (resolution − 1). */
  range: z.tuple([axisRange, axisRange]),
  split: z.enum(['train', 'validation']),
  min: real,
  max: real,
  centerLoss: real,
  centerOf: landscapeCenterSchema.optional(),
  directions: z.strictObject({
    /** `saved`: directions the user kept under `name` from an earlier landscape. */
    /** `hessian`: the top two eigenvectors of the Hessian at the centre. */
    kind: z.enum(['random', 'pca', 'given', 'saved', 'hessian']),
    seed: z.int().min(0).optional(),
    name: z.string().min(1).max(120).optional(),
    explainedVariance: z.tuple([finite(), finite()]).optional(),
    points: z.int().min(0).optional(),
    /** Hessian: the eigenvalues of d₁ and d₂. */
    eigenvalues: z.tuple([finite(), finite()]).optional(),
  }),
  arrays: z.strictObject({
    /** f32 L(α_i, β_j) at [j · resolution + i]; NaN where not finite. */
    values: arrayName,
    /** f64 θ*, d₁, d₂. */
    center: arrayName,
    d1: arrayName,
    d2: arrayName,
  }),
  /** Runs' recorded θ_t projected onto the plane. */
  projections: z
    .array(
      z.strictObject({
        runId: runIdSchema,
        /** f64 per projected point: its step, α, β, distance from the plane, and L if known. */
        arrays: z.strictObject({
          steps: arrayName,
          alpha: arrayName,
          beta: arrayName,
          distance: arrayName,
          loss: arrayName.optional(),
        }),
      }),
    )
    .max(MAX_RECORDED_RUNS),
});
export type LandscapeManifest = z.infer<typeof landscapeManifestSchema>;

/** At most this many tensors in a recorded-elsewhere model's θ layout. */
export const MAX_SOURCE_TENSORS = 100_000;

/**
 * Runs recorded elsewhere than LossLab (by the Python companion, `python/losslab_torch.py`,
 * from a PyTorch training loop): LossLab shows their curves and θ snapshots as they are and
 * never retrains them, since neither their batches nor (for most models) their network can be
 * rebuilt here. `tensors` is θ's layout, so a reader checks every run's `parameters` against
 * the model's own shapes: θ is the model's parameters one tensor after another, each row-major
 * (torch's `parameters_to_vector`), which for an MLP of `nn.Linear` layers is LossLab's own
 * layout (W [out, in] then b [out] per layer).
 */
export const networkSourceSchema = z.strictObject({
  /** What recorded the runs, for the reader: `PyTorch 1.13.1 (losslab_torch 1)`. */
  recordedBy: z.string().min(1).max(200),
  /** The model as its framework prints it (torch's `repr(model)`): shown, never parsed. */
  description: z.string().max(100_000).optional(),
  /** θ's tensors in θ order, each with its name there and its shape. */
  tensors: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(500),
        shape: z.array(z.int().min(0).max(100_000_000)).max(16),
      }),
    )
    .min(1)
    .max(MAX_SOURCE_TENSORS),
  /**
   * The optimizer as its framework named it (`torch.optim.AdamW`), and the settings LossLab's
   * optimizer spec (each run's `config.optimizer`, the nearest LossLab rule) has no place for,
   * by their names there.
   */
  optimizer: z
    .strictObject({
      name: z.string().min(1).max(200),
      unmapped: z.record(z.string().max(200), z.json()).optional(),
    })
    .optional(),
});
export type NetworkSource = z.infer<typeof networkSourceSchema>;

/** Entries of a tensor of this shape (1 for a scalar). */
function tensorSize(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The length of θ a source's tensors make. */
export function sourceParameters(source: Pick<NetworkSource, 'tensors'>): number {
  return source.tensors.reduce((n, t) => n + tensorSize(t.shape), 0);
}

/**
 * A LossLab network names the dataset and model it rebuilds; runs recorded elsewhere may not
 * (a model LossLab cannot build), and then every run's θ must be as long as the source's
 * tensors make it.
 */
function checkNetworkSource(
  value: {
    dataset?: unknown;
    model?: unknown;
    source?: NetworkSource;
    runs: { parameters: number }[];
  },
  ctx: z.RefinementCtx,
): void {
  if (!value.source) {
    for (const key of ['dataset', 'model'] as const) {
      if (value[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `is required for runs recorded by LossLab (only a network with a source may leave it out)`,
          path: [key],
        });
      }
    }
    return;
  }
  const size = sourceParameters(value.source);
  value.runs.forEach((run, i) => {
    if (run.parameters !== size) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${run.parameters}; the source's tensors make θ of ${size}`,
        path: ['runs', i, 'parameters'],
      });
    }
  });
}

/**
 * A CSV file's table as read (`dataset` is its csv spec, with the file's SHA-256): the data
 * itself, so the session opens without the file. Its arrays carry their own SHA-256 in the
 * manifest's array table, like every array. Absent when the spec keeps a reference (`path`
 * and `sha256`): the file is read again and must have that SHA-256.
 */
export const tableManifestSchema = z.strictObject({
  /** The model's inputs by name (a feature, or `name=value` for a one-hot input). */
  inputs: z.array(z.string().max(500)).min(1).max(MAX_CSV_COLUMNS),
  /** The classes in class-index order (classification). */
  classNames: z.array(z.string().max(500)).min(2).max(MAX_CSV_CATEGORIES).optional(),
  rows: z.int().min(1).max(MAX_CSV_ROWS),
  /** `x`: rows × inputs (f64, row-major); `y`: a class index or target per row (f64). */
  arrays: z.strictObject({ x: arrayName, y: arrayName }),
});
export type TableManifest = z.infer<typeof tableManifestSchema>;

export const networkManifestSchema = z
  .strictObject({
    /** The dataset the runs trained on; absent only for runs recorded elsewhere (`source`). */
    dataset: datasetSpecSchema.optional(),
    /** A CSV dataset's data itself (see tableManifestSchema). */
    table: tableManifestSchema.optional(),
    /** The model LossLab rebuilds; absent only for runs recorded elsewhere (`source`). */
    model: modelSpecSchema.optional(),
    /** Present: the runs were recorded elsewhere and are shown, never retrained. */
    source: networkSourceSchema.optional(),
    runs: z.array(networkRunManifestSchema).max(MAX_RECORDED_RUNS),
    landscapes: z.array(landscapeManifestSchema).max(MAX_RECORDED_LANDSCAPES),
  })
  .superRefine(checkUniqueRunIds)
  .superRefine(checkNetworkSource);
export type NetworkManifest = z.infer<typeof networkManifestSchema>;

// ---------------------------------------------------------------------------------------------
// The critical-points lab: its finished experiments

const pointKindSchema = z.enum(['minimum', 'saddle', 'maximum', 'degenerate', 'not critical']);
const count = z.int().min(0).max(MAX_RECORDED_STEPS);

/**
 * An experiment's result as the manifest keeps it: numbers that may be NaN or ±∞ (a diverged
 * training) as `real`, series as f64 arrays of the file (each list of series of one length).
 */
export const criticalResultManifestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('minimum-ratio'),
    architecture: z.string().max(200),
    points: z
      .array(
        z.strictObject({
          seed: z.int().min(0),
          steps: count,
          loss: real,
          gradNorm: real,
          minimumRatio: real,
          flat: count,
          index: real,
          kind: pointKindSchema,
          converged: z.boolean(),
        }),
      )
      .max(10_000),
    tau: real,
    gradTolerance: real,
    parameters: count,
  }),
  z.strictObject({
    kind: z.literal('saddle-escape'),
    saddle: z.strictObject({
      loss: real,
      gradNorm: real,
      lambdaMin: real,
      lambdaMax: real,
      index: real,
    }),
    predicted: real,
    actual: real,
    t: real,
    /** f64, one entry per recorded step each. */
    arrays: z.strictObject({ steps: arrayName, plain: arrayName, escaped: arrayName }),
  }),
  z.strictObject({
    kind: z.literal('edge-of-stability'),
    series: z
      .array(
        z.strictObject({
          lr: real,
          threshold: real,
          diverged: z.boolean().optional(),
          /** f64: steps and loss of one length, sharpnessSteps and sharpness of another. */
          arrays: z.strictObject({
            steps: arrayName,
            loss: arrayName,
            sharpnessSteps: arrayName,
            sharpness: arrayName,
          }),
        }),
      )
      .max(64),
    parameters: count,
  }),
  z.strictObject({
    kind: z.literal('sharpness'),
    runId: runIdSchema,
    /** f64, one entry per sampled step each. */
    arrays: z.strictObject({
      steps: arrayName,
      lambdaMax: arrayName,
      trace: arrayName,
      loss: arrayName,
    }),
  }),
]);
export type CriticalResultManifest = z.infer<typeof criticalResultManifestSchema>;

export const criticalExperimentManifestSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    spec: criticalExperimentSchema,
    finishedAt: isoDate,
    result: criticalResultManifestSchema,
  })
  .refine((e) => e.spec.kind === e.result.kind, {
    message: "the result is not of the spec's kind",
    path: ['result', 'kind'],
  });

/** A lab's experiments each have an id of their own (a repeat is refused by its index). */
function uniqueExperimentIds(value: { experiments: { id: string }[] }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  value.experiments.forEach((e, i) => {
    if (seen.has(e.id)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${e.id}" is the id of an earlier experiment too`,
        path: ['experiments', i, 'id'],
      });
    }
    seen.add(e.id);
  });
}

export const criticalManifestSchema = z
  .strictObject({
    experiments: z.array(criticalExperimentManifestSchema).max(MAX_RECORDED_EXPERIMENTS),
  })
  .superRefine(uniqueExperimentIds);
export type CriticalManifest = z.infer<typeof criticalManifestSchema>;

// ---------------------------------------------------------------------------------------------
// The experiments lab: its finished experiments, as JSON in the manifest (numbers per epoch
// and per training, small next to a network's θ snapshots)

export const experimentsManifestSchema = z
  .strictObject({
    experiments: z.array(experimentRecordSchema).max(MAX_RECORDED_EXPERIMENTS),
  })
  .superRefine(uniqueExperimentIds);
export type ExperimentsManifest = z.infer<typeof experimentsManifestSchema>;

// ---------------------------------------------------------------------------------------------
// The manifest

/** The client's own state (camera, toggles, theme, titles, annotations): opaque here. */
export const viewSchema = z
  .record(z.string(), z.json())
  .refine((view) => JSON.stringify(view).length <= MAX_VIEW_CHARS, {
    message: `must be at most ${MAX_VIEW_CHARS} characters as JSON`,
  });

export const sessionManifestSchema = z.strictObject({
  format: z.literal(SESSION_FORMAT),
  version: z.literal(SESSION_VERSION),
  /** When the session (or the recording) began, ISO 8601. */
  createdAt: isoDate,
  /** When this file was written. */
  savedAt: isoDate,
  app: z.strictObject({ name: z.string().max(64), version: z.string().max(64) }),
  title: z.string().max(500).optional(),
  /** Written by the autosaver while recording (not by the user's Save). */
  autosave: z.boolean().optional(),
  explorer: explorerManifestSchema.optional(),
  network: networkManifestSchema.optional(),
  critical: criticalManifestSchema.optional(),
  experiments: experimentsManifestSchema.optional(),
  /** A lecturer's exercise on this session (see exercise.ts); absent in an ordinary session. */
  exercise: exerciseSchema.optional(),
  view: viewSchema,
  /** Every array in the zip: its dtype, length and checksum. */
  arrays: z.record(arrayName, arrayInfoSchema),
});
export type SessionManifest = z.infer<typeof sessionManifestSchema>;

// ---------------------------------------------------------------------------------------------
// A session in memory: the manifest with its array references resolved

/** One analytic run as recorded. Arrays hold one entry (or pair, or triplet) per point. */
export interface AnalyticRunRecording extends TrajectoryColumns {
  /** The settings the trajectory started from. */
  config: RunConfig;
  color?: string;
  /** Every hyperparameter change, with the step before which it took effect. */
  changes: HyperChange[];
  status: RunStatus;
  reason?: string;
  /** Steps taken: steps + 1 points. */
  steps: number;
  forkedFrom?: ForkOrigin;
}

/** A basin map as recorded; arrays are per start, row-major with y the slow axis. */
export interface BasinMapRecording extends RecordedColumns<typeof basinColumns> {
  spec: BasinsSpec;
  domain: Domain;
  minima: Point[];
  radius: number;
}

export interface ExplorerRecording {
  surface: SurfaceSpec;
  start: Point;
  runs: AnalyticRunRecording[];
  basins?: BasinMapRecording;
}

/** A network run's live change (hyperparameters, schedule, batch size) with its step. */
export type NetworkChangeRecording = NetworkChangeJson;

/** One network run as recorded. Step curves have `steps` entries, epoch curves `epochs`. */
export interface NetworkRunRecording
  extends RecordedColumns<typeof networkStepColumns>, RecordedColumns<typeof networkEpochColumns> {
  config: NetworkRunConfig;
  color?: string;
  changes: NetworkChangeRecording[];
  status: RunStatus;
  reason?: string;
  steps: number;
  epochs: number;
  parameters: number;
  snapshotSpacing: number;
  forkedFrom?: ForkOrigin;
  snapshotSteps: Uint32Array;
  /** snapshotSteps.length × parameters, one θ after another. */
  snapshots: Float32Array;
  finalTheta: Float64Array;
  /** θ₀ of a run started elsewhere than the model's initial θ (absent: the model's). */
  startTheta?: Float64Array;
}

export interface LandscapeProjectionRecording {
  runId: string;
  steps: Float64Array;
  alpha: Float64Array;
  beta: Float64Array;
  distance: Float64Array;
  loss?: Float64Array;
}

/** A network's loss landscape L(θ* + α d₁ + β d₂) as recorded. */
export interface LandscapeRecording {
  id: string;
  label?: string;
  resolution: number;
  range: [[number, number], [number, number]];
  split: 'train' | 'validation';
  min: number;
  max: number;
  centerLoss: number;
  centerOf?: LandscapeCenter;
  directions: {
    kind: 'random' | 'pca' | 'given' | 'saved' | 'hessian';
    seed?: number;
    name?: string;
    explainedVariance?: [number, number];
    points?: number;
    eigenvalues?: [number, number];
    d1: Float64Array;
    d2: Float64Array;
  };
  /** L at (α_i, β_j) in values[j · resolution + i]. */
  values: Float32Array;
  center: Float64Array;
  projections: LandscapeProjectionRecording[];
}

/** A CSV file's table as a session holds it (see tableManifestSchema). */
export interface TableRecording {
  inputs: string[];
  classNames?: string[];
  /** rows × inputs, row-major. */
  x: Float64Array;
  /** A class index or target per row. */
  y: Float64Array;
}

export interface NetworkRecording {
  /** Absent only with `source`: runs recorded elsewhere on data LossLab does not have. */
  dataset?: DatasetSpec;
  /** A CSV dataset's data itself, when its spec keeps the data rather than a reference. */
  table?: TableRecording;
  /** Absent only with `source`: runs of a model LossLab cannot build. */
  model?: ModelSpec;
  /** The runs were recorded elsewhere (see networkSourceSchema): shown, never retrained. */
  source?: NetworkSource;
  runs: NetworkRunRecording[];
  landscapes: LandscapeRecording[];
}

/** The critical-points lab's part: its finished experiments, oldest first. */
export interface CriticalRecording {
  experiments: CriticalExperimentRecord[];
}

/** The experiments lab's part: its finished experiments, oldest first. */
export interface ExperimentsRecording {
  experiments: ExperimentRecord[];
}

/** A whole session in memory: what writeSession saves and readSession gives back. */
export interface SessionData {
  /** When the session (or the recording) began, ISO 8601. */
  createdAt: string;
  /** When the file was written: set by readSession; writeSession stamps its own (WriteOptions). */
  savedAt?: string;
  app: { name: string; version: string };
  title?: string;
  autosave?: boolean;
  explorer?: ExplorerRecording;
  network?: NetworkRecording;
  /** The critical-points lab's finished experiments. */
  critical?: CriticalRecording;
  /** The experiments lab's finished experiments. */
  experiments?: ExperimentsRecording;
  /** A lecturer's exercise: task, hints, locked and hidden controls, goals. */
  exercise?: Exercise;
  /** The client's own state, saved and restored as it is. */
  view: JsonObject;
}
