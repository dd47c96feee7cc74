/**
 * The critical-points lab's experiments, each a pure async job: (context, spec, report,
 * checkpoint) → result (the lab dispatches by kind in ../experiment-jobs.ts).
 */

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
