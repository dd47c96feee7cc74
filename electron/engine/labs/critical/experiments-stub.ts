/**
 * STAND-IN until the experiments land (electron/engine/labs/critical/experiments/, written
 * beside this lab): the four job functions with the signatures the lab dispatches to. The lead
 * replaces this file's import in experiment-jobs.ts with './experiments' and deletes it.
 */
import type { ExperimentJob } from './context';

const notBuilt = (kind: string) => () =>
  Promise.reject(new Error(`the ${kind} experiment is not built yet`));

export const runMinimumRatio: ExperimentJob<'minimum-ratio'> = notBuilt('minimum-ratio');
export const runSaddleEscape: ExperimentJob<'saddle-escape'> = notBuilt('saddle-escape');
export const runEdgeOfStability: ExperimentJob<'edge-of-stability'> = notBuilt('edge-of-stability');
export const runSharpness: ExperimentJob<'sharpness'> = notBuilt('sharpness');
