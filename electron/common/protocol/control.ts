/**
 * The engine as a whole: the handshake, the generic replies (ok, error), playback and stepping
 * of both labs' runs, and the frames that carry their new points.
 */
import { z } from 'zod';
import { pointSchema } from '../schemas';
import {
  requestIdSchema,
  runIdSchema,
  scopeSchema,
  type BackendName,
  type SelfCheck,
} from './base';
import type { RunFrame, SurfaceInfo } from './explorer';
import type { NetworkRunFrame } from './network';

const runId = runIdSchema;
const requestId = requestIdSchema;

/** Requests about the engine as a whole (zod schemas: the engine validates each one). */
export const controlRequests = [
  z.strictObject({
    type: z.literal('hello'),
    id: requestId,
    protocol: z.int(),
    /**
     * Answer at once, before tfjs is loaded: the explorer's analytic surfaces never need it,
     * and loading it takes most of an engine's start. The backend then follows in a `backend`
     * message (or is in the hello, if already known). Omitted: the hello waits for it.
     */
    lazyBackend: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('run.reset'),
    id: requestId,
    runId: runId.optional(),
    start: pointSchema.optional(),
    scope: scopeSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('playback'),
    id: requestId,
    playing: z.boolean(),
    stepsPerFrame: z.int().min(1).max(100_000).optional(),
    /** Which runs play: the surfaces' (analytic), the networks', or both (omitted). */
    scope: scopeSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('step'),
    id: requestId,
    steps: z.int().min(1).max(1_000_000).default(1),
    runId: runId.optional(),
    scope: scopeSchema.optional(),
  }),
  z.strictObject({ type: z.literal('frame.ack'), seq: z.int().min(0) }),
  // Cancels the long job started by request `id` (a step, basin map, landscape, resume or
  // session open); the job then answers its request with an error starting "cancelled".
  z.strictObject({ type: z.literal('job.cancel'), id: requestId }),
] as const;

/** The tfjs backend an engine computes its networks on, once it is loaded. */
export interface BackendInfo {
  backend: BackendName;
  /** Why faster backends were passed over, e.g. "tfjs-node not installed". */
  backendNotes: string[];
  tfjsVersion: string;
  selfCheck: SelfCheck;
  /** Where the wasm binaries were loaded from (wasm backend only). */
  wasmDir?: string;
}

/** A hello answered before tfjs was loaded (`lazyBackend`): no backend yet. */
export interface NoBackendYet {
  backend?: undefined;
}

/** Engine messages about the engine as a whole. */
export type ControlMessage =
  | ({
      type: 'hello';
      id: number;
      protocol: number;
      surfaces: SurfaceInfo[];
    } & (BackendInfo | NoBackendYet))
  /**
   * The backend, once loaded, after a hello that did not wait for it; or why tfjs could not
   * start (the explorer goes on; every request that needs tfjs is refused with that reason).
   */
  | ({ type: 'backend' } & (BackendInfo | { backend?: undefined; error: string }))
  | { type: 'ok'; id: number }
  | {
      type: 'error';
      /** The request this answers, when the message carried a usable id. */
      id?: number;
      /** Dotted path of the offending field, e.g. `run.optimizer.lr`. */
      field?: string;
      message: string;
    }
  | { type: 'playback'; playing: boolean; stepsPerFrame: number }
  | {
      type: 'frame';
      seq: number;
      runs: RunFrame[];
      /** The network lab's runs' new curve points. */
      net?: NetworkRunFrame[];
    }
  /** How far a long `step` request has come, in run-steps (runs × steps), a few times a second. */
  | { type: 'step.progress'; id: number; done: number; total: number };
