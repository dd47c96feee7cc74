/**
 * `critical.experiment`: the lab's experiments (experiments/), each a pure job function of a
 * context, its spec, a progress callback and a checkpoint. Here: the context the lab builds
 * from the network lab's problem and runs, and the dispatch by kind.
 */
import type { CriticalExperimentResult, CriticalExperimentSpec } from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import type { Checkpoint } from '../../hessian/types';
import type { NetworkProblem, Tf } from '../../network';
import type { ExperimentContext, ExperimentReport } from './context';
import { runEdgeOfStability, runMinimumRatio, runSaddleEscape, runSharpness } from './experiments';
import type { CriticalSources } from './targets';

/** The context of one experiment: tfjs, the network lab's problem, its runs' kept θs. */
export function experimentContext(
  tf: Tf,
  problem: NetworkProblem,
  sources: CriticalSources,
): ExperimentContext {
  const { network } = sources;
  const run = (runId: string) => {
    const found = network.get(runId);
    if (!found) throw new FieldError('experiment.runId', `no network run "${runId}"`);
    return found;
  };
  const keptSteps = (runId: string) => {
    run(runId);
    return network.keptSteps?.(runId) ?? [];
  };
  return {
    tf,
    backend: tf.getBackend(),
    problem,
    runSteps: (runId) => run(runId).step,
    keptSteps,
    thetaAt: (runId, step) => {
      const { step: steps } = run(runId);
      const theta = step <= steps ? network.keptTheta?.(runId, step) : undefined;
      if (theta) return theta;
      const kept = keptSteps(runId);
      throw new FieldError(
        'experiment.runId',
        `θ of network run "${runId}" at step ${step} is not at hand (it has taken ${steps} steps; θ is kept at ${describeSteps(kept)})`,
      );
    },
  };
}

/** A list of steps in a few words. */
function describeSteps(steps: number[]): string {
  if (steps.length <= 8) return `steps ${steps.join(', ')}`;
  return `${steps.length} steps: ${steps.slice(0, 4).join(', ')}, …, ${steps.slice(-2).join(', ')}`;
}

/** Runs the experiment `spec` asks for. */
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
