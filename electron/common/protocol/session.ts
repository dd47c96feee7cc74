/**
 * Sessions' messages: save, open (whole or uploaded in parts), record with autosave, recover
 * after a crash, resynchronize, and fork a run ("re-run from here").
 */
import { z } from 'zod';
import {
  optimizerSpecSchema,
  pointSchema,
  surfaceSpecSchema,
  type Point,
  type SurfaceSpec,
} from '../schemas';
import { MAX_SESSION_BYTES, MAX_UPLOAD_PART_BYTES } from '../limits';
import { exerciseSchema, type Exercise } from '../exercise';
import type { ForkOrigin, JsonObject } from '../session';
import { requestIdSchema, runIdSchema, type RunStatus } from './base';
import type { BasinsResultMessage } from './explorer';
import type { NetworkLandscape, NetworkProblemInfo } from './network';

const runId = runIdSchema;
const requestId = requestIdSchema;
const fileBytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, {
  message: "must be the file's bytes (a Uint8Array)",
});

export { MAX_UPLOAD_PART_BYTES };

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
  /** A lecturer's exercise, saved with the session (see common/exercise.ts). */
  exercise: exerciseSchema.optional(),
});
export type SessionContext = z.input<typeof sessionContextSchema>;

/** Sessions' requests. */
export const sessionRequests = [
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
] as const;

/** Sessions' engine messages. */
export type SessionMessage =
  /** How far opening a session (session.open or session.recover) has come, in bytes read. */
  | { type: 'session.progress'; id: number; done: number; total: number }
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

/** What the network lab tells the page of runs recorded elsewhere. */
export interface RecordedSourceInfo {
  recordedBy: string;
  description?: string;
  /** The framework's optimizer class (`torch.optim.AdamW`). */
  optimizer?: string;
  parameters: number;
  tensors: number;
  /** Why the lab cannot train, evaluate or draw their data: one line. */
  reason: string;
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
  /** The session is an exercise: the student's task, hints, controls and goals. */
  exercise?: Exercise;
  explorer?: {
    surface: SurfaceSpec;
    start: Point;
    runs: RestoredRunInfo[];
    basins?: Omit<BasinsResultMessage, 'type' | 'id'>;
  };
  network?: {
    /** Absent when the runs were recorded elsewhere on a model LossLab cannot build. */
    problem?: NetworkProblemInfo;
    /**
     * Runs recorded elsewhere (the session's `network.source`): what recorded them, the model
     * as its framework printed it, and θ's length and tensors. They are shown, never trained.
     */
    recorded?: RecordedSourceInfo;
    runs: RestoredRunInfo[];
    landscapes: NetworkLandscape[];
  };
  /** How many finished experiments came with it: the experiments lab's and the critical-points lab's. */
  finished?: { experiments: number; critical: number };
}
