/** Messages between the critical-points lab's pool and its worker threads. */
import type { BackendName } from '../../../common/protocol';
import type { HessianData, HessianModel } from '../../hessian/hessian-model';
import type { AnalysisOptions, AnalysisPhase, NetworkAnalysis } from '../../hessian/report';

/** An analysis as a worker takes it: plain data, structured-cloned. */
export interface AnalysisJob {
  /** The parent's backend (a worker never takes tfjs-node, which loads once per process). */
  backend: BackendName;
  model: HessianModel;
  data: HessianData;
  theta: Float64Array;
  options: Omit<AnalysisOptions, 'onPhase'>;
}

export type ToCriticalWorker =
  /** Load tfjs now, so the first analysis does not wait for it. */
  | { type: 'warm'; backend: BackendName }
  | ({ type: 'analyze'; job: number } & AnalysisJob)
  | { type: 'cancel'; job: number };

export type FromCriticalWorker =
  | { type: 'progress'; job: number; phase: AnalysisPhase; done: number; total: number }
  | { type: 'result'; job: number; analysis: NetworkAnalysis }
  /** A refusal keeps its field; `cancelled`: the job stopped because it was cancelled. */
  | { type: 'error'; job: number; message: string; field?: string; cancelled?: boolean };
