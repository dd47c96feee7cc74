/** Messages between the experiments lab's pool and its worker threads. */
import type { BackendName } from '../../../common/protocol';
import type { TrainingOutcome, TrainingTask } from './training';

export type ToExperimentsWorker =
  /** Load tfjs now, so the first training does not wait for it. */
  | { type: 'warm'; backend: BackendName }
  | { type: 'train'; job: number; backend: BackendName; task: TrainingTask };

export type FromExperimentsWorker =
  | { type: 'epoch'; job: number; done: number }
  | { type: 'result'; job: number; outcome: TrainingOutcome }
  /** A refusal keeps its field. */
  | { type: 'error'; job: number; message: string; field?: string };
