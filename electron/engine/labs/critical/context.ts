/**
 * What the critical-points lab's experiments are given: tfjs and its backend, the network
 * lab's current problem (data + model), and read access to the network runs' recorded θs.
 * The experiments are pure job functions (electron/engine/labs/critical/experiments/) that
 * take this context, their spec, a progress callback and a Checkpoint; the lab builds the
 * context per request from what the engine handed it (the network lab's probe), so the
 * experiments never see another lab.
 */
import type { CriticalExperimentResult, CriticalExperimentSpec } from '../../../common/protocol';
import type { Checkpoint } from '../../hessian/types';
import type { NetworkProblem, Tf } from '../../network';

export interface ExperimentContext {
  tf: Tf;
  backend: string;
  problem: NetworkProblem /* the network lab's current data + model */;
  thetaAt(
    runId: string,
    step: number,
  ): Float64Array /* a network run's θ at a recorded step, throws FieldError */;
  runSteps(runId: string): number;
  /**
   * The steps of network run `runId` whose θ thetaAt gives (its kept snapshots and its current
   * step, ascending); thetaAt refuses any other (retraining to it would block the engine).
   */
  keptSteps?(runId: string): number[];
}

/** Progress of an experiment: units done of total, with the partial result when there is one. */
export type ExperimentReport = (
  done: number,
  total: number,
  partial?: CriticalExperimentResult,
) => void;

/** An experiment of kind K: its spec in, its result out, reporting and checkpointing between units. */
export type ExperimentJob<K extends CriticalExperimentSpec['kind']> = (
  ctx: ExperimentContext,
  spec: Extract<CriticalExperimentSpec, { kind: K }>,
  report: ExperimentReport,
  checkpoint: Checkpoint,
) => Promise<Extract<CriticalExperimentResult, { kind: K }>>;
