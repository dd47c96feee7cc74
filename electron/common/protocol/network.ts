/**
 * The network lab's messages: one dataset and model, several training runs from the same θ₀,
 * evaluations, views of the data, loss landscapes and lines between two θs.
 */
import { z } from 'zod';
import type { Domain, Hyper, OptimizerName, Schedule } from '../schemas';
import {
  csvReadFields,
  datasetSpecSchema,
  landscapeGridSchema,
  modelSpecSchema,
  networkRunConfigSchema,
  networkRunUpdateSchema,
  type DatasetSpec,
  type ModelSpec,
} from '../network';
import type { NetworkEpochColumns, NetworkStepColumns } from '../columns';
import {
  MAX_LANDSCAPE_FILE_BYTES,
  MAX_MODEL_FILES,
  MAX_MODEL_JSON_BYTES,
  MAX_MODEL_WEIGHT_BYTES,
  MAX_PROJECTED_RUNS,
  MAX_UPLOAD_PART_BYTES,
} from '../limits';
import { requestIdSchema, runIdSchema, type RunStatus } from './base';

const runId = runIdSchema;
const requestId = requestIdSchema;

/** How a CSV/TSV file is read: its columns' roles (the fields of a csv dataset SPEC). */
export const csvReadSchema = z.strictObject(csvReadFields);
export type CsvRead = z.output<typeof csvReadSchema>;
export type CsvReadInput = z.input<typeof csvReadSchema>;

/** What the engine made of an imported file. */
export interface CsvImported {
  /** SHA-256 of the file's bytes: what a csv dataset SPEC names the data by. */
  sha256: string;
  bytes: number;
  rows: number;
  task: 'classification' | 'regression';
  inputs: string[];
  classNames?: string[];
}

/** The network lab's requests. */
export const networkRequests = [
  // ---- The network lab: one dataset and model, several training runs from the same θ₀.
  z.strictObject({
    type: z.literal('net.setup'),
    id: requestId,
    dataset: datasetSpecSchema,
    model: modelSpecSchema,
  }),
  // A CSV/TSV file of the user's, in parts read as they arrive (never held whole): the part at
  // offset 0 starts the import with how to read it (a new import replaces an unfinished one);
  // each part is answered by ok once read, the last by net.data.imported. job.cancel with the
  // upload's number drops it. net.setup then names the data by its SHA-256.
  z.strictObject({
    type: z.literal('net.data.part'),
    id: requestId,
    upload: requestId,
    /** The file's name, for labels and messages. */
    name: z.string().min(1).max(260),
    /** The file's size in bytes. */
    total: z
      .int()
      .min(1)
      .max(2 ** 40),
    offset: z
      .int()
      .min(0)
      .max(2 ** 40),
    bytes: z
      .custom<Uint8Array>((v) => v instanceof Uint8Array, {
        message: "must be the file's bytes (a Uint8Array)",
      })
      .refine((b) => b.length >= 1 && b.length <= MAX_UPLOAD_PART_BYTES, {
        message: `must hold 1 to ${MAX_UPLOAD_PART_BYTES} bytes`,
      }),
    /** How to read the file: required with the part at offset 0. */
    read: csvReadSchema.optional(),
  }),
  // A TensorFlow.js Layers model of the user's (model.json and its weight files, as bytes the
  // page read from the files the user picked) on a dataset: like net.setup, answered by
  // net.problem, whose `imported` says how the model runs.
  z.strictObject({
    type: z.literal('net.model.open'),
    id: requestId,
    dataset: datasetSpecSchema,
    files: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(255),
          bytes: z.custom<Uint8Array>(
            (v) =>
              v instanceof Uint8Array &&
              v.byteLength <= MAX_MODEL_JSON_BYTES + MAX_MODEL_WEIGHT_BYTES,
            { message: "must be the file's bytes (a Uint8Array)" },
          ),
        }),
      )
      .min(1)
      .max(MAX_MODEL_FILES + 1),
  }),
  z.strictObject({ type: z.literal('net.run.create'), id: requestId, run: networkRunConfigSchema }),
  z.strictObject({
    type: z.literal('net.run.update'),
    id: requestId,
    runId,
    change: networkRunUpdateSchema,
  }),
  z.strictObject({ type: z.literal('net.run.remove'), id: requestId, runId }),
  z.strictObject({
    type: z.literal('net.evaluate'),
    id: requestId,
    runId,
    split: z.enum(['train', 'validation', 'test']),
  }),
  // What the data view shows for a run now: decision surface, fitted curve or mistakes (of the
  // validation split unless the test set is asked for: it is not looked at while training).
  z.strictObject({
    type: z.literal('net.view'),
    id: requestId,
    runId,
    resolution: z.int().min(8).max(256).default(64),
    split: z.enum(['train', 'validation', 'test']).default('validation'),
  }),
  // How fast the network runs train while playing: as fast as the engine can ('max'), or a
  // slow motion of so many updates per second per run. Frames still go out once per displayed
  // frame, whatever the rate.
  z.strictObject({
    type: z.literal('net.speed'),
    id: requestId,
    rate: z.union([z.literal('max'), z.number().min(0.1).max(10_000)]),
  }),
  // The loss over θ* + αd₁ + βd₂: replied to by net.landscape.progress, then the result.
  z.strictObject({
    type: z.literal('net.landscape'),
    id: requestId,
    center: z.strictObject({ runId, at: z.enum(['initial', 'current']) }),
    directions: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('random'),
        seed: z
          .int()
          .min(0)
          .max(2 ** 32 - 1)
          .default(0),
      }),
      z.strictObject({ kind: z.literal('pca'), runId }),
      z.strictObject({ kind: z.literal('saved'), name: z.string().min(1).max(64) }),
      // The top two eigenvectors of the Hessian at the centre (Lanczos), reported with their
      // eigenvalues: the plane of the sharpest curvature.
      z.strictObject({ kind: z.literal('hessian') }),
    ]),
    /** Runs whose recorded trajectories are projected onto the plane. */
    project: z.array(runId).max(MAX_PROJECTED_RUNS).default([]),
    grid: landscapeGridSchema,
    /** Widen the grid's range to hold every projected trajectory (with a margin). */
    fit: z.boolean().default(false),
  }),
  z.strictObject({ type: z.literal('net.landscape.cancel'), id: requestId }),
  // Retrains a run restored from a session (its recording checked bit for bit) so it can go on.
  z.strictObject({ type: z.literal('net.run.resume'), id: requestId, runId }),
  // Keeps the directions of a landscape under a name, to share them across runs and later.
  z.strictObject({
    type: z.literal('net.directions.save'),
    id: requestId,
    landscapeId: requestId,
    name: z.string().min(1).max(64),
  }),
  // Loss-landscape files of Li et al.'s code (HDF5): a surface file, and optionally its
  // projected-trajectory file, read by the engine (h5wasm) and replied to with what they hold.
  z.strictObject({
    type: z.literal('net.landscape.file'),
    id: requestId,
    files: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(260),
          bytes: z
            .custom<Uint8Array>((v) => v instanceof Uint8Array, {
              message: "must be the file's bytes (a Uint8Array)",
            })
            .refine((b) => b.length >= 1 && b.length <= MAX_LANDSCAPE_FILE_BYTES, {
              message: `must hold 1 to ${MAX_LANDSCAPE_FILE_BYTES} bytes`,
            }),
        }),
      )
      .min(1)
      .max(2),
  }),
  // L along the segment between two θs: (1 − t)·from + t·to.
  z.strictObject({
    type: z.literal('net.line'),
    id: requestId,
    from: z.strictObject({ runId, at: z.enum(['initial', 'current']) }),
    to: z.strictObject({ runId, at: z.enum(['initial', 'current']) }),
    points: z.int().min(2).max(1001).default(101),
    range: z
      .tuple([z.number().min(-10).max(10), z.number().min(-10).max(10)])
      .default([-0.25, 1.25]),
    split: z.enum(['train', 'validation']).default('train'),
  }),
] as const;

/** The network lab's engine messages. */
export type NetworkMessage =
  | { type: 'net.problem'; id: number; problem: NetworkProblemInfo }
  | { type: 'net.data.imported'; id: number; upload: number; table: CsvImported }
  | { type: 'net.run.state'; run: NetworkRunState }
  | { type: 'net.run.removed'; runId: string }
  | {
      type: 'net.evaluation';
      id: number;
      runId: string;
      split: 'train' | 'validation' | 'test';
      loss: number;
      accuracy: number;
      n: number;
      /** The run's step (updates taken) whose θ was evaluated. */
      step: number;
    }
  | { type: 'net.view.data'; id: number; runId: string; view: NetworkView }
  | {
      type: 'net.landscape.progress';
      id: number;
      /** `directions`: Lanczos for the Hessian's eigenvectors (no values yet). */
      phase: 'directions' | 'coarse' | 'full';
      done: number;
      total: number;
      /** The grid so far (NaN where not computed yet), sent a few times a second. */
      values?: Float32Array;
    }
  | { type: 'net.landscape.result'; id: number; landscape: NetworkLandscape }
  | {
      type: 'net.line.result';
      id: number;
      t: Float64Array;
      values: Float64Array;
      loss: 'train' | 'validation';
    }
  | { type: 'net.resume.progress'; id: number; runId: string; done: number; total: number }
  | { type: 'net.landscape.file.result'; id: number; file: LandscapeFileData };

/**
 * What a loss-landscape file of Li et al.'s code holds (its `.h5` surface file, and the
 * projected-trajectory file `…_proj_cos.h5` when given too).
 */
export interface LandscapeFileData {
  /** The files' names, surface file first. */
  names: string[];
  /** 2: a surface over (x, y); 1: a curve over x. */
  dims: 1 | 2;
  /** `xcoordinates`, and `ycoordinates` of a 2-D file. */
  x: Float64Array;
  y?: Float64Array;
  /**
   * Each of `train_loss`, `test_loss`, `train_acc`, `test_acc` the file holds, as stored: the
   * value at (x_i, y_j) at [j · x.length + i] (y the slow axis, as the file's meshgrid runs);
   * NaN where not finite or not computed (the code fills its grid with −1 before computing).
   */
  surfaces: { name: string; values: Float64Array }[];
  /** 2-D: the surface resampled onto a square grid (bilinear) when x and y differ in length. */
  square?: { resolution: number; surfaces: { name: string; values: Float32Array }[] };
  /** The projected trajectory (`proj_xcoord`, `proj_ycoord`), one point per saved model. */
  trajectory?: { x: Float64Array; y: Float64Array };
}

/**
 * Per-step curves (`networkStepColumns`) of a network run from step `fromStep` on (update t is
 * entry t − fromStep).
 */
export interface NetworkStepCurves extends NetworkStepColumns {
  fromStep: number;
}

/** Per-epoch curves (`networkEpochColumns`) from epoch `fromEpoch` on. */
export interface NetworkEpochCurves extends NetworkEpochColumns {
  fromEpoch: number;
}

export interface NetworkRunFrame {
  runId: string;
  status: RunStatus;
  steps: NetworkStepCurves;
  epochs: NetworkEpochCurves;
}

export interface NetworkRunState {
  runId: string;
  status: RunStatus;
  step: number;
  epoch: number;
  optimizer: OptimizerName;
  hyper: Hyper;
  schedule: Schedule;
  lr: number;
  batchSize: number | 'full';
  seed: number;
  changes: {
    step: number;
    patch?: Partial<Hyper>;
    schedule?: Schedule;
    batchSize?: number | 'full';
  }[];
  parameters: number;
  /**
   * The architecture the run trains: its own, or the lab's. Absent for a run recorded
   * elsewhere on a model LossLab cannot build (its session's `network.source`).
   */
  model?: ModelSpec;
  reason?: string;
  label?: string;
}

/** A split's points for drawing (raw, unstandardized inputs). */
export interface NetworkSplitData {
  n: number;
  /** n × inputDim, row-major. Omitted for the digits (64 inputs). */
  x?: Float32Array;
  /** Class index or regression target per point. */
  y: Float32Array;
}

export interface NetworkProblemInfo {
  dataset: DatasetSpec;
  model: ModelSpec;
  task: 'classification' | 'regression';
  inputDim: number;
  classes: number;
  parameters: number;
  layers: { name: string; shape: number[] }[];
  /** How the test set was shifted, when it was. */
  mismatch?: string;
  /** A table's inputs by name (a CSV file's features; one-hot inputs as `name=value`). */
  inputs?: string[];
  /** A table's classes by name, in class-index order. */
  classNames?: string[];
  /**
   * The model file the model came from (net.model.open): its name, a one-line summary of its
   * layers, and how it runs — `mlp`, as LossLab's own MLP (the same θ), or `graph`, through
   * the model's own graph in tfjs.
   */
  imported?: { label: string; summary: string; runs: 'mlp' | 'graph' };
  train: NetworkSplitData;
  validation: NetworkSplitData;
  test: NetworkSplitData;
  /** Bounding box of the raw inputs (2-D sets: [[x0, x1], [y0, y1]]; 1-D: [[x0, x1], [y0, y1]] of x and y). */
  bounds: Domain;
}

export type NetworkView =
  | {
      kind: 'decision';
      resolution: number;
      bounds: Domain;
      classes: number;
      /** Class probabilities at each grid point, (resolution² × classes), y slow. */
      probabilities: Float32Array;
    }
  | { kind: 'curve'; x: Float32Array; y: Float32Array }
  | {
      /** A table of many inputs: the run's predictions for the first `n` of a split's rows. */
      kind: 'table';
      split: 'train' | 'validation' | 'test';
      n: number;
      /** Rows in the split. */
      total: number;
      /** Classification: counts of (true class, predicted class), k × k, true class slow. */
      confusion?: Int32Array;
      /** Regression: each row's target and the run's prediction. */
      actual?: Float32Array;
      predicted?: Float32Array;
    }
  | {
      kind: 'mistakes';
      split: 'train' | 'validation' | 'test';
      /** 64 pixels (0–16) per misclassified image. */
      pixels: Float32Array;
      labels: Int32Array;
      predicted: Int32Array;
      /** Misclassified of all in the split. */
      wrong: number;
      total: number;
    };

export interface NetworkLandscape {
  resolution: number;
  range: [[number, number], [number, number]];
  split: 'train' | 'validation';
  /** L at (α_i, β_j) in values[j · resolution + i]. */
  values: Float32Array;
  min: number;
  max: number;
  centerLoss: number;
  ms: number;
  threads: number;
  center: { runId: string; at: 'initial' | 'current'; step: number };
  directions: {
    kind: 'random' | 'pca' | 'saved' | 'hessian';
    seed?: number;
    name?: string;
    /** PCA: share of the trajectory's variance along d₁ and d₂. */
    explained?: [number, number];
    /** Hessian: the eigenvalues of d₁ and d₂ (the largest, then the second largest). */
    eigenvalues?: [number, number];
  };
  /**
   * Runs asked to be projected whose architecture differs from the centre run's: their θ lives
   * in another space (or the loss over it is another function), so they are not projected.
   */
  otherArchitecture?: string[];
  /** Each projected run's recorded θ_t on the plane, with its distance from it and L(θ_t). */
  projections: {
    runId: string;
    steps: Float64Array;
    alpha: Float64Array;
    beta: Float64Array;
    distance: Float64Array;
    loss: Float64Array;
  }[];
}
