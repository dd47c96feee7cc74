/**
 * The network lab's messages: one dataset and model, several training runs from the same θ₀,
 * evaluations, views of the data, loss landscapes and lines between two θs.
 */
import { z } from 'zod';
import type { Domain, Hyper, OptimizerName, Schedule } from '../schemas';
import {
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
  MAX_MODEL_FILES,
  MAX_MODEL_JSON_BYTES,
  MAX_MODEL_WEIGHT_BYTES,
  MAX_PROJECTED_RUNS,
} from '../limits';
import { requestIdSchema, runIdSchema, type RunStatus } from './base';

const runId = runIdSchema;
const requestId = requestIdSchema;

/** The network lab's requests. */
export const networkRequests = [
  // ---- The network lab: one dataset and model, several training runs from the same θ₀.
  z.strictObject({
    type: z.literal('net.setup'),
    id: requestId,
    dataset: datasetSpecSchema,
    model: modelSpecSchema,
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
  | { type: 'net.resume.progress'; id: number; runId: string; done: number; total: number };

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
  /** The architecture the run trains: its own, or the lab's. */
  model: ModelSpec;
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
