/**
 * The minimum ratio at "convergence" (the lecture's figure): K networks of the lab's model,
 * differing only in their weight seed (spec.seed + i), are trained on the lab's training split
 * until ‖∇L‖ < gradTolerance or maxSteps updates; at each endpoint the exact Hessian's
 * eigenvalues are classified with τ (positive above τ·max|λ|, negative below −τ·max|λ|, flat
 * between) and the point is plotted as (minimum ratio = positive / count, training loss).
 * The lecture's reading: what training calls "converged" is rarely a minimum; the points sit at
 * high ratios below 1, with negative and flat eigenvalues left.
 *
 * Training: full batch, Adam (η = 0.01, torch's betas), not plain gradient descent. The
 * experiment needs small gradients, and GD's steps shrink with the gradient: on the moons with
 * the lab's default 2×32 ReLU network and cross-entropy, GD at η = 0.5 takes 1,400–2,000 steps
 * to ‖∇L‖ < 10⁻³ where Adam takes 250–350 (PyTorch, float64, 6 seeds; the endpoints' ratios
 * agree, 0.10–0.12). Adam's step is normalized per coordinate, so it keeps moving where the
 * gradient is small, which is exactly the regime this experiment is about. Dropout is off (the
 * Hessian is that of the loss without dropout); the model's L2 term is in both.
 *
 * Exact spectra only: the minimum ratio counts the signs of *all* eigenvalues, which Lanczos's
 * extremes do not give, so a model over MAX_EXACT_PARAMETERS parameters is refused (naming
 * `experiment` and the count) rather than estimated. Each endpoint costs P Hessian-vector
 * products and one dense P × P eigendecomposition.
 *
 * Progress: maxSteps + P units per network (its training, then its Hessian); a network that
 * converges early skips the rest of its training units. A partial result (the points so far)
 * is reported after each network.
 */
import {
  MAX_EXACT_PARAMETERS,
  type CriticalExperimentResult,
  type CriticalExperimentSpec,
  type MinimumRatioPoint,
} from '../../../../common/protocol';
import { architectureKey } from '../../../../common/network';
import { FieldError } from '../../../core/errors';
import { classify } from '../../../hessian/classify';
import type { Checkpoint } from '../../../hessian/types';
import { initialTheta, type NetworkProblem } from '../../../network';
import type { ExperimentContext, ExperimentReport } from '../context';
import { exactSpectrum, networkHessian } from './hessian';
import { Progress } from './progress';
import { networkObjective, trainFullBatch } from './train';

type Spec = Extract<CriticalExperimentSpec, { kind: 'minimum-ratio' }>;
type Result = Extract<CriticalExperimentResult, { kind: 'minimum-ratio' }>;

/** Adam's learning rate for the minimum-ratio networks. */
export const MINIMUM_RATIO_LR = 0.01;

export interface Endpoint {
  seed: number;
  theta: Float64Array;
  /** Updates taken. */
  steps: number;
  /** L(θ) and ‖∇L(θ)‖ at the endpoint, on the whole training split. */
  loss: number;
  gradNorm: number;
  converged: boolean;
}

/**
 * One network of the experiment: the lab's model from the weight seed `seed`, trained with
 * full-batch Adam until ‖∇L‖ < gradTolerance or maxSteps updates. `tick` runs after each
 * update (it may throw CancelledError).
 */
export async function trainEndpoint(
  problem: NetworkProblem,
  seed: number,
  options: { gradTolerance: number; maxSteps: number },
  tick: (step: number) => void | Promise<void>,
): Promise<Endpoint> {
  const theta = initialTheta(problem.layout, { ...problem.model, seed });
  const run = await trainFullBatch(
    networkObjective(problem),
    theta,
    {
      rule: 'adam',
      lr: MINIMUM_RATIO_LR,
      steps: options.maxSteps,
      gradTolerance: options.gradTolerance,
    },
    tick,
  );
  if (run.diverged) {
    throw new FieldError(
      'experiment',
      `the network of seed ${seed} diverged at step ${run.steps} (its loss became ${run.loss})`,
    );
  }
  return {
    seed,
    theta,
    steps: run.steps,
    loss: run.loss,
    gradNorm: run.gradNorm,
    converged: run.converged,
  };
}

export async function runMinimumRatio(
  ctx: ExperimentContext,
  spec: Spec,
  report: ExperimentReport,
  checkpoint: Checkpoint,
): Promise<Result> {
  const problem =
    spec.network === 'lab'
      ? ctx.problem
      : ctx.problem.architecture({ ...ctx.problem.model, ...spec.network, residual: false });
  const parameters = problem.layout.size;
  if (parameters > MAX_EXACT_PARAMETERS) {
    throw new FieldError(
      'experiment',
      `the minimum ratio needs every eigenvalue of an exact Hessian, and the lab's model has ` +
        `${parameters.toLocaleString('en')} parameters (at most ` +
        `${MAX_EXACT_PARAMETERS.toLocaleString('en')}) — use a smaller network`,
    );
  }
  const perNetwork = spec.maxSteps + parameters;
  const progress = new Progress(spec.count * perNetwork, report, checkpoint);
  const points: MinimumRatioPoint[] = [];
  const result = (): Result => ({
    kind: 'minimum-ratio',
    architecture: architectureKey(problem.model, problem.dataset.task === 'regression'),
    points: [...points],
    tau: spec.tau,
    gradTolerance: spec.gradTolerance,
    parameters,
  });
  for (let i = 0; i < spec.count; i++) {
    const start = i * perNetwork;
    const seed = (spec.seed + i) % 2 ** 32;
    const end = await trainEndpoint(problem, seed, spec, () => progress.advance());
    await progress.reach(start + spec.maxSteps);
    const op = networkHessian(ctx.tf, problem, end.theta);
    let values: Float64Array;
    try {
      values = (await exactSpectrum(op, progress.sub(parameters))).values;
    } finally {
      op.dispose();
    }
    await progress.reach(start + perNetwork);
    const c = classify(values, end.gradNorm, {
      tau: spec.tau,
      gradTolerance: spec.gradTolerance,
    });
    points.push({
      seed,
      steps: end.steps,
      loss: end.loss,
      gradNorm: end.gradNorm,
      minimumRatio: c.minimumRatio,
      flat: c.flat,
      index: c.index,
      kind: c.kind,
      converged: end.converged,
    });
    progress.partial(result());
  }
  return result();
}
