/** Messages between the landscape pool and its worker threads. */
import type { BackendName } from '../../common/protocol';
import type { LandscapeData } from './evaluator';

export type ToWorker =
  /** Load tfjs now, so the first landscape does not wait for it. */
  | { type: 'warm'; job: 0; backend: BackendName }
  | {
      type: 'setup';
      job: number;
      /** The backend the parent runs on, so both sides compute alike. */
      backend: BackendName;
      data: LandscapeData;
      /** Int32 flag, set to 1 to cancel the job; checked between grid points. */
      cancel: SharedArrayBuffer;
    }
  | { type: 'points'; job: number; task: number; points: Float64Array }
  | { type: 'release'; job: number };

export type FromWorker =
  | { type: 'values'; job: number; task: number; values: Float32Array }
  | { type: 'cancelled'; job: number; task: number }
  | { type: 'error'; job: number; task?: number; message: string };
