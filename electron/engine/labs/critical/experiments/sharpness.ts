/**
 * Sharpness during training: along a network run's recorded θs, at `samples` steps spread
 * evenly from step 0 to its last step (each the nearest step whose θ the run keeps, when the
 * context says which it keeps), the top eigenvalue λ_max of the Hessian of the lab's
 * loss on the training split (Lanczos), its trace (Hutchinson's estimator), and the loss.
 *
 * λ_max is the top Ritz value of SHARPNESS_LANCZOS_ITERATIONS Lanczos steps, started from the
 * previous sample's top eigenvector (the first from a seeded random vector). The trace uses the
 * same `traceProbes` Rademacher probes (one seed) at every sample: common random numbers, so
 * the curve's wiggles are the Hessian's, not the probes'.
 *
 * The Hessian is that of the lab's current model (ctx.problem): a run of another architecture
 * (its own `model`) is refused, naming `experiment.runId`, as its θ does not fit.
 */
import type { CriticalExperimentResult, CriticalExperimentSpec } from '../../../../common/protocol';
import { FieldError } from '../../../core/errors';
import type { Checkpoint } from '../../../hessian/types';
import type { ExperimentContext, ExperimentReport } from '../context';
import { networkHessian, topEigenpair, traceEstimate } from './hessian';
import { Progress } from './progress';

type Spec = Extract<CriticalExperimentSpec, { kind: 'sharpness' }>;
type Result = Extract<CriticalExperimentResult, { kind: 'sharpness' }>;

/** Lanczos iterations (Hessian-vector products) per sample. */
export const SHARPNESS_LANCZOS_ITERATIONS = 30;
/** Seed of the first Lanczos vector and of the trace's probes. */
const SEED = 0;

/**
 * `samples` steps spread evenly over 0 … last, each moved to the nearest of `kept` (the steps
 * whose θ the run keeps) when given; ascending, without repeats (so fewer when the run has
 * fewer steps or kept θs).
 */
export function sampleSteps(last: number, samples: number, kept?: readonly number[]): number[] {
  const steps = new Set<number>();
  for (let j = 0; j < samples; j++) {
    const target = Math.round((j * last) / (samples - 1));
    if (!kept || kept.length === 0) {
      steps.add(target);
      continue;
    }
    let best = kept[0];
    for (const k of kept) if (Math.abs(k - target) < Math.abs(best - target)) best = k;
    steps.add(best);
  }
  return [...steps].sort((a, b) => a - b);
}

export async function runSharpness(
  ctx: ExperimentContext,
  spec: Spec,
  report: ExperimentReport,
  checkpoint: Checkpoint,
): Promise<Result> {
  const problem = ctx.problem;
  const parameters = problem.layout.size;
  const steps = sampleSteps(ctx.runSteps(spec.runId), spec.samples, ctx.keptSteps?.(spec.runId));
  const iterations = Math.min(SHARPNESS_LANCZOS_ITERATIONS, parameters);
  const perSample = iterations + spec.traceProbes;
  const progress = new Progress(steps.length * perSample, report, checkpoint);
  const lambdaMax: number[] = [];
  const trace: number[] = [];
  const loss: number[] = [];
  const result = (): Result => {
    const done = lambdaMax.length;
    return {
      kind: 'sharpness',
      runId: spec.runId,
      steps: Float64Array.from(steps.slice(0, done)),
      lambdaMax: Float64Array.from(lambdaMax),
      trace: Float64Array.from(trace),
      loss: Float64Array.from(loss),
    };
  };
  let start: Float64Array | undefined;
  for (let j = 0; j < steps.length; j++) {
    const theta = ctx.thetaAt(spec.runId, steps[j]);
    if (theta.length !== parameters) {
      throw new FieldError(
        'experiment.runId',
        `run ${spec.runId} has ${theta.length.toLocaleString('en')} parameters, the lab's ` +
          `model ${parameters.toLocaleString('en')}: its sharpness needs the lab's architecture`,
      );
    }
    const op = networkHessian(ctx.tf, problem, theta);
    try {
      const top = await topEigenpair(
        op,
        { iterations, seed: SEED, ...(start ? { start } : {}) },
        progress.sub(iterations),
      );
      start = top.vector;
      await progress.reach(j * perSample + iterations);
      const t = await traceEstimate(
        op,
        { probes: spec.traceProbes, seed: SEED },
        progress.sub(spec.traceProbes),
      );
      lambdaMax.push(top.value);
      trace.push(t);
      loss.push(op.loss());
    } finally {
      op.dispose();
    }
    await progress.reach((j + 1) * perSample);
    progress.partial(result());
  }
  return result();
}
