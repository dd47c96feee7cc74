/**
 * The engine protocol: every message between a client (the renderer, a test, the CLI) and the
 * engine. Client messages are zod schemas because the engine validates each one at its
 * boundary; engine messages are plain types because the engine is trusted by its clients.
 *
 * Bulk numbers travel as typed arrays, never as JSON arrays. Over a worker_thread they are
 * transferred; over Electron's MessagePortMain they are structured-cloned; over the browser-mode
 * WebSocket they are binary CBOR frames.
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
} from './schemas';
import {
  datasetSpecSchema,
  landscapeGridSchema,
  modelSpecSchema,
  networkRunConfigSchema,
  networkRunUpdateSchema,
  type DatasetSpec,
  type ModelSpec,
} from './network';
import { basinsSpecSchema, type BasinCounts } from './spec';
import { MAX_SESSION_BYTES } from './limits';
import type {
  BasinColumns,
  NetworkEpochColumns,
  NetworkStepColumns,
  TrajectoryColumns,
} from './columns';
import type { ForkOrigin, JsonObject } from './session';

/** Bumped whenever a message changes shape. The engine refuses a hello with another version. */
export const PROTOCOL_VERSION = 1;

export const backendNames = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

const runId = z.string().min(1).max(64);
const fileBytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, {
  message: "must be the file's bytes (a Uint8Array)",
});

/** Most bytes of one session.upload part: well inside a 64 MiB WebSocket frame. */
export const MAX_UPLOAD_PART_BYTES = 16 * 2 ** 20;
const requestId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** How a run is set up; everything needed to replay it from scratch. */
export const runConfigSchema = z.strictObject({
  runId,
  surface: surfaceSpecSchema,
  start: pointSchema,
  optimizer: optimizerSpecSchema,
  label: z.string().max(120).optional(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/**
 * What the client adds to a session: its own view state (opaque to the engine, saved as it
 * is), the title, the explorer's common surface and start, and the colour of each run.
 */
export const sessionContextSchema = z.strictObject({
  title: z.string().max(500).optional(),
  view: z.record(z.string(), z.json()).default({}),
  explorer: z.strictObject({ surface: surfaceSpecSchema, start: pointSchema }).optional(),
  colors: z.record(runId, z.string().min(1).max(64)).default({}),
  /** Include the last finished basin map (when it is on screen). */
  basins: z.boolean().default(false),
  /** Include the network lab's last finished landscape (when it is on screen). */
  landscape: z.boolean().default(false),
  /**
   * Which labs the session holds (what it is about); a lab left out is not saved at all.
   * @default both
   */
  labs: z.strictObject({ explorer: z.boolean(), network: z.boolean() }).optional(),
});
export type SessionContext = z.input<typeof sessionContextSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), id: requestId, protocol: z.int() }),
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
    type: z.literal('run.reset'),
    id: requestId,
    runId: runId.optional(),
    start: pointSchema.optional(),
    scope: z.enum(['analytic', 'network']).optional(),
  }),
  z.strictObject({
    type: z.literal('playback'),
    id: requestId,
    playing: z.boolean(),
    stepsPerFrame: z.int().min(1).max(100_000).optional(),
    /** Which runs play: the surfaces' (analytic), the networks', or both (omitted). */
    scope: z.enum(['analytic', 'network']).optional(),
  }),
  z.strictObject({
    type: z.literal('step'),
    id: requestId,
    steps: z.int().min(1).max(1_000_000).default(1),
    runId: runId.optional(),
    scope: z.enum(['analytic', 'network']).optional(),
  }),
  z.strictObject({
    type: z.literal('surface.sample'),
    id: requestId,
    surface: surfaceSpecSchema,
    resolution: z.int().min(2).max(1024),
  }),
  z.strictObject({ type: z.literal('frame.ack'), seq: z.int().min(0) }),
  // Cancels the long job started by request `id` (a step, basin map, landscape, resume or
  // session open); the job then answers its request with an error starting "cancelled".
  z.strictObject({ type: z.literal('job.cancel'), id: requestId }),
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
  // ---- The network lab: one dataset and model, several training runs from the same θ₀.
  z.strictObject({
    type: z.literal('net.setup'),
    id: requestId,
    dataset: datasetSpecSchema,
    model: modelSpecSchema,
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
    ]),
    /** Runs whose recorded trajectories are projected onto the plane. */
    project: z.array(runId).max(16).default([]),
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
  // ---- Sessions: save, open, record (with autosave), recover after a crash, fork.
  // The whole session as a .losslab file's bytes: replied to by session.file.
  z.strictObject({ type: z.literal('session.save'), id: requestId, context: sessionContextSchema }),
  // Replaces every run with a session's (all or nothing): replied to by session.opened; the
  // runs' states and trajectories follow the client's `sync`.
  // Give the file's `bytes`, or the number of an `upload` sent before in session.upload parts.
  z.strictObject({
    type: z.literal('session.open'),
    id: requestId,
    bytes: fileBytes.optional(),
    upload: requestId.optional(),
    /** The file's name, for messages. */
    name: z.string().max(1000).optional(),
  }),
  // One part of a session file too large for one message (a WebSocket frame holds 64 MiB):
  // parts go in order, from offset 0, each answered by ok; then session.open with `upload`.
  z.strictObject({
    type: z.literal('session.upload'),
    id: requestId,
    /** Names this upload (any number the client picks; a new upload replaces an unfinished one). */
    upload: requestId,
    /** The file's size in bytes. */
    total: z.int().min(1).max(MAX_SESSION_BYTES),
    /** Where this part starts: the bytes received so far. */
    offset: z.int().min(0).max(MAX_SESSION_BYTES),
    bytes: fileBytes.refine((b) => b.length >= 1 && b.length <= MAX_UPLOAD_PART_BYTES, {
      message: `must hold 1 to ${MAX_UPLOAD_PART_BYTES} bytes`,
    }),
  }),
  // An autosave left by a crash: look (session.recoverable), open it, or throw it away.
  z.strictObject({
    type: z.literal('session.recover'),
    id: requestId,
    action: z.enum(['check', 'open', 'discard']),
  }),
  // Starts (or stops) recording: the session is autosaved every few seconds while it changes.
  z.strictObject({ type: z.literal('record.start'), id: requestId, context: sessionContextSchema }),
  z.strictObject({ type: z.literal('record.stop'), id: requestId }),
  // The client's latest context, for the autosave.
  z.strictObject({
    type: z.literal('session.context'),
    id: requestId,
    context: sessionContextSchema,
  }),
  // Every run's state and its whole trajectory again (after session.open, or to resync).
  z.strictObject({ type: z.literal('sync'), id: requestId }),
  // "Re-run from here": a new run continuing `runId` from after `step` steps with new settings.
  z.strictObject({
    type: z.literal('run.fork'),
    id: requestId,
    runId,
    step: z.int().min(0),
    newRunId: runId,
    optimizer: optimizerSpecSchema,
    label: z.string().max(120).optional(),
  }),
]);
export type ClientMessage = z.input<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
/** A client message after validation (defaults filled in). */
export type ValidClientMessage = z.output<typeof clientMessageSchema>;

/**
 * `ok`: can step. `diverged`: the loss, a coordinate or the gradient stopped being finite; the
 * trajectory ends at its last finite point. `finished`: the run reached its step limit.
 */
export type RunStatus = 'ok' | 'diverged' | 'finished';

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

export interface SelfCheck {
  ok: boolean;
  ms: number;
  detail: string;
}

export type EngineMessage =
  | {
      type: 'hello';
      id: number;
      protocol: number;
      backend: BackendName;
      /** Why faster backends were passed over, e.g. "tfjs-node not installed". */
      backendNotes: string[];
      tfjsVersion: string;
      selfCheck: SelfCheck;
      surfaces: SurfaceInfo[];
      /** Where the wasm binaries were loaded from (wasm backend only). */
      wasmDir?: string;
    }
  | { type: 'ok'; id: number }
  | {
      type: 'error';
      /** The request this answers, when the message carried a usable id. */
      id?: number;
      /** Dotted path of the offending field, e.g. `run.optimizer.lr`. */
      field?: string;
      message: string;
    }
  | { type: 'run.state'; run: RunState }
  | { type: 'run.inspection'; id: number; inspection: RunInspection }
  | { type: 'schedule.values'; id: number; values: Float64Array }
  | { type: 'run.removed'; runId: string }
  | { type: 'playback'; playing: boolean; stepsPerFrame: number }
  | {
      type: 'frame';
      seq: number;
      runs: RunFrame[];
      /** The network lab's runs' new curve points. */
      net?: NetworkRunFrame[];
    }
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
      phase: 'coarse' | 'full';
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
  | BasinsResultMessage
  /** How far a long `step` request has come, in run-steps (runs × steps), a few times a second. */
  | { type: 'step.progress'; id: number; done: number; total: number }
  /** How far opening a session (session.open or session.recover) has come, in bytes read. */
  | { type: 'session.progress'; id: number; done: number; total: number }
  | { type: 'net.resume.progress'; id: number; runId: string; done: number; total: number }
  | { type: 'session.file'; id: number; bytes: Uint8Array; runs: number }
  | { type: 'session.opened'; id: number; session: SessionSummary }
  | { type: 'session.recoverable'; id: number; found?: RecoverableInfo }
  | { type: 'record.state'; recording: RecordingState }
  | {
      type: 'run.forked';
      id: number;
      runId: string;
      forkedFrom: ForkOrigin;
      /** The optimizer's state carried on (same update rule, exact replay); false: fresh state at θ_k. */
      continued: boolean;
      note?: string;
    };

/** Whether a recording is in progress, and how its autosave is doing. */
export interface RecordingState {
  recording: boolean;
  /** ISO 8601: when the recording began. */
  startedAt?: string;
  /** The autosave file. */
  path?: string;
  /** ISO 8601: the last autosave written. */
  savedAt?: string;
  /** The last autosave failure, if the latest write failed. */
  error?: string;
}

/** An autosave a crash left behind. */
export interface RecoverableInfo {
  /** When it was last written, ISO 8601. */
  savedAt: string;
  /** When the recording began. */
  createdAt: string;
  /** Milliseconds since it was written. */
  ageMs: number;
  title?: string;
  bytes: number;
  runs: {
    kind: 'analytic' | 'network';
    runId: string;
    label?: string;
    steps: number;
    status: RunStatus;
  }[];
}

/** A restored run: whether it can go on, and what the client keeps about it. */
export interface RestoredRunInfo {
  runId: string;
  color?: string;
  forkedFrom?: ForkOrigin;
  /** Replay reproduced the recording bit for bit (network: its first steps) */
  resumable: boolean;
  note?: string;
}

/** What session.open restored, for the client to rebuild its own state around. */
export interface SessionSummary {
  title?: string;
  createdAt: string;
  savedAt?: string;
  app: { name: string; version: string };
  /** It came from an autosave (a recovered recording). */
  autosave?: boolean;
  view: JsonObject;
  explorer?: {
    surface: SurfaceSpec;
    start: Point;
    runs: RestoredRunInfo[];
    basins?: Omit<BasinsResultMessage, 'type' | 'id'>;
  };
  network?: {
    problem: NetworkProblemInfo;
    runs: RestoredRunInfo[];
    landscapes: NetworkLandscape[];
  };
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

export type EngineMessageType = EngineMessage['type'];
export type EngineMessageOf<T extends EngineMessageType> = Extract<EngineMessage, { type: T }>;

/** Messages a host adds around the engine (not from the engine itself). */
export type HostMessage = {
  type: 'engine.gone';
  /** Electron's child-process-gone reason, or the worker's exit description. */
  reason: string;
  exitCode?: number;
};

export type EngineOrHostMessage = EngineMessage | HostMessage;

/** Requests a client makes of the host rather than the engine. */
export type HostRequest = { type: 'engine.restart' };

/** What a host gives the engine: a port it can post to and hear from. */
export interface EnginePort {
  post(message: EngineMessage, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
}

// ------------------------------------------------------------------------------------------
// The network lab's engine messages

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
    kind: 'random' | 'pca' | 'saved';
    seed?: number;
    name?: string;
    /** PCA: share of the trajectory's variance along d₁ and d₂. */
    explained?: [number, number];
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
