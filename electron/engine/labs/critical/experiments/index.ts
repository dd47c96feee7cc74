/**
 * The critical-points lab's experiments, each a pure async job: (context, spec, report,
 * checkpoint) → result. `runExperiment` dispatches a spec to its job.
 */
import type { CriticalExperimentResult, CriticalExperimentSpec } from '../../../../common/protocol';
import type { Checkpoint } from '../../../hessian/types';
import type { ExperimentContext, ExperimentReport } from '../context';
import { runEdgeOfStability } from './edge-of-stability';
import { runMinimumRatio } from './minimum-ratio';
import { runSaddleEscape } from './saddle-escape';
import { runSharpness } from './sharpness';

export {
  EOS_DEPTH,
  EOS_LANCZOS_ITERATIONS,
  EOS_WIDTH,
  runEdgeOfStability,
} from './edge-of-stability';
export { MINIMUM_RATIO_LR, runMinimumRatio, trainEndpoint } from './minimum-ratio';
export type { Endpoint } from './minimum-ratio';
export {
  findSaddle,
  originTheta,
  runSaddleEscape,
  SADDLE_GRAD_TOLERANCE,
  SADDLE_WIDTH,
} from './saddle-escape';
export type { Saddle } from './saddle-escape';
export { runSharpness, sampleSteps, SHARPNESS_LANCZOS_ITERATIONS } from './sharpness';
export { networkObjective, trainFullBatch } from './train';
export type { Objective, TrainOptions, TrainResult } from './train';

/** Runs the experiment a spec asks for. */
export function runExperiment(
  ctx: ExperimentContext,
  spec: CriticalExperimentSpec,
  report: ExperimentReport,
  checkpoint: Checkpoint,
): Promise<CriticalExperimentResult> {
  switch (spec.kind) {
    case 'minimum-ratio':
      return runMinimumRatio(ctx, spec, report, checkpoint);
    case 'saddle-escape':
      return runSaddleEscape(ctx, spec, report, checkpoint);
    case 'edge-of-stability':
      return runEdgeOfStability(ctx, spec, report, checkpoint);
    case 'sharpness':
      return runSharpness(ctx, spec, report, checkpoint);
  }
}
