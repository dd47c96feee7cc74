/**
 * The explorer's messages: analytic runs on 2-parameter surfaces (create, update, inspect,
 * remove), surface samples, schedule previews and basin maps.
 */
import { z } from 'zod';
import {
  hyperPatchSchema,
  hyperSchema,
  optimizerSpecSchema,
  pointSchema,
  scheduleSchema,
  surfaceSpecSchema,
  type Domain,
  type Hyper,
  type OptimizerName,
  type Point,
  type Schedule,
  type SurfaceSpec,
} from '../schemas';
import { basinsSpecSchema, type BasinCounts } from '../spec';
import type { BasinColumns, TrajectoryColumns } from '../columns';
import { requestIdSchema, runIdSchema, type RunStatus } from './base';

const runId = runIdSchema;
const requestId = requestIdSchema;

/** How a run is set up; everything needed to replay it from scratch. */
export const runConfigSchema = z.strictObject({
  runId,
  surface: surfaceSpecSchema,
  start: pointSchema,
  optimizer: optimizerSpecSchema,
  label: z.string().max(120).optional(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/** The explorer's requests. */
export const explorerRequests = [
  z.strictObject({ type: z.literal('run.create'), id: requestId, run: runConfigSchema }),
  z.strictObject({
    type: z.literal('run.update'),
    id: requestId,
    runId,
    hyper: hyperPatchSchema,
    schedule: scheduleSchema.optional(),
  }),
  z.strictObject({ type: z.literal('run.remove'), id: requestId, runId }),
  z.strictObject({
    type: z.literal('surface.sample'),
    id: requestId,
    surface: surfaceSpecSchema,
    resolution: z.int().min(2).max(1024),
  }),
  z.strictObject({ type: z.literal('run.inspect'), id: requestId, runId }),
  z.strictObject({
    type: z.literal('schedule.preview'),
    id: requestId,
    schedule: scheduleSchema,
    lr: hyperSchema.shape.lr,
    steps: z.int().min(1).max(100_000),
  }),
  // A basin map: replied to by basins.progress messages, then one basins.result or an error.
  z.strictObject({ type: z.literal('basins.compute'), id: requestId, ...basinsSpecSchema.shape }),
  // Cancels the basins.compute with this id; it then replies with an error saying "cancelled".
  z.strictObject({ type: z.literal('basins.cancel'), id: requestId }),
] as const;

/** What the engine says about a run whenever its configuration or status changes. */
export interface RunState {
  runId: string;
  /** The surface this run descends (races usually share one). */
  surface: SurfaceSpec;
  status: RunStatus;
  /** Optimizer steps taken so far. */
  step: number;
  optimizer: OptimizerName;
  hyper: Hyper;
  schedule: Schedule;
  /** Learning rate the next step will use (base η times the schedule). */
  lr: number;
  start: Point;
  /** Every hyperparameter change, with the step before which it took effect. */
  changes: HyperChange[];
  /** Why the run stopped (diverged or finished), when it did. */
  reason?: string;
  label?: string;
}

export interface HyperChange {
  step: number;
  patch: Partial<Hyper>;
  schedule?: Schedule;
}

/**
 * New trajectory points of one run since its previous frame: the `trajectoryColumns` for
 * steps `fromStep`, `fromStep + 1`, … (the previously newest point is restated, its step's η/σ
 * now known).
 */
export interface RunFrame extends TrajectoryColumns {
  runId: string;
  fromStep: number;
  status: RunStatus;
}

/** A run's optimizer looked at between two steps (step mode). */
export interface RunInspection {
  runId: string;
  step: number;
  /** θ now. */
  theta: Float64Array;
  /** ∇L(θ) now. */
  grad: Float64Array;
  /** The step just taken, θ_t − θ_{t−1} (zeros before the first step). */
  lastStep: Float64Array;
  /** Per-coordinate step size per unit gradient the last step used (η, or η/σ). */
  effectiveStep: Float64Array;
  /** The optimizer's buffers by their symbol (b for momentum, m, v, Σg², …). */
  buffers: Record<string, Float64Array>;
  /** t as the optimizer counts it. */
  t: number;
}

export interface SurfaceInfo {
  name: string;
  title: string;
  description: string;
  domain: Domain;
  minima: Point[];
  saddles: Point[];
  /** Suggested start for a race. */
  start: Point;
  /** Display hint: loss spans orders of magnitude, so show log-scaled height. */
  logScale: boolean;
  /** Axis names when they are not x and y (e.g. the logits z₁, z₂). */
  axes?: [string, string];
}

/** How far a basins.compute has come, in point-steps (starts × steps); at most one a frame. */
export interface BasinsProgressMessage {
  type: 'basins.progress';
  /** The basins.compute request. */
  id: number;
  done: number;
  total: number;
}

/**
 * A finished basin map, the reply to basins.compute, its per-start arrays the `basinColumns`.
 */
export interface BasinsResultMessage extends BasinColumns {
  type: 'basins.result';
  id: number;
  /** Name of the preset, or the expression as given. */
  surface: string;
  resolution: number;
  domain: Domain;
  /** The surface's known minima; labels index into this list. */
  minima: Point[];
  /** Distance from a minimum within which a start counts as having reached it. */
  radius: number;
  counts: BasinCounts;
  elapsedMs: number;
  /** Bands of rows computed on worker threads (0: in the engine's own thread). */
  workers: number;
}

/** The explorer's engine messages. */
export type ExplorerMessage =
  | { type: 'run.state'; run: RunState }
  | { type: 'run.inspection'; id: number; inspection: RunInspection }
  | { type: 'schedule.values'; id: number; values: Float64Array }
  | { type: 'run.removed'; runId: string }
  | {
      type: 'surface.grid';
      id: number;
      /** Name of the preset, or the expression as given. */
      surface: string;
      resolution: number;
      domain: Domain;
      /** Loss at (x_i, y_j), row-major with y as the slow axis: values[j * resolution + i]. */
      values: Float32Array;
      min: number;
      max: number;
      info: SurfaceInfo;
    }
  | BasinsProgressMessage
  | BasinsResultMessage;
