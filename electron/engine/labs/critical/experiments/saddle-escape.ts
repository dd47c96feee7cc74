/**
 * Saddle escape: a critical point with negative eigenvalues, then plain gradient descent from
 * it beside one Escape step (t along the most negative eigenvector) followed by the same
 * gradient descent; the losses per step of both, and the predicted change ½·λ_min·t² beside
 * the actual one.
 *
 * The saddle: the network whose weights are all zero. Take one hidden layer of SADDLE_WIDTH
 * tanh units, z = W₂ tanh(W₁x + b₁) + b₂, under the squared loss L = (1/n) Σ_i ‖z_i − y_i‖²
 * (y one-hot for classification, the target for regression), at
 *
 *   θ* :  W₁ = 0, b₁ = 0, W₂ = 0, b₂ = ȳ (the mean target)
 *
 * — where gradient descent from the all-zero (perfectly symmetric) initialization goes: there
 * only b₂ has a gradient, 2(b₂ − ȳ). Every hidden unit outputs tanh(0) = 0 and has outgoing
 * weight 0, so ∂L/∂W₂ = δᵀ·tanh(0) and ∂L/∂(W₁, b₁) = (δW₂ ⊙ tanh′)ᵀ[X | 1] vanish exactly, and
 * ∂L/∂b₂ = 0 at b₂ = ȳ: θ* is a critical point, and gradient descent started there never leaves
 * it (the products are exact zeros in floating point too). Its Hessian, in closed form: per
 * hidden unit j, ∂²L/∂W₂[k, j] ∂W₁[j, f] = C[k, f] with C = (2/n) Σ_i (ȳ − y_i) x_iᵀ (the
 * correlation of the residual with the inputs; tanh′(0) = 1), every other entry 0 except
 * ∂²L/∂b₂² = 2I. So its eigenvalues are ±σ_r(C) (each once per hidden unit), 0 and 2: a strict
 * saddle whenever the targets correlate with the inputs at all, escaping along "one unit that
 * reads the inputs in C's top right singular direction and writes the top left one" —
 * the saddle at the origin of Saxe, McClelland & Ganguli (ICLR 2014), where small
 * initializations begin their plateaus. A deeper network's origin is a higher-order saddle (its
 * Hessian is 0 there), and a ReLU's derivative at 0 is taken as 0, hence one tanh layer.
 *
 * The experiment still computes what it claims rather than trusting the closed form: ‖∇L(θ*)‖
 * and the exact spectrum (dense Hessian from Hessian-vector products) are measured, and θ* is
 * refused (FieldError naming `experiment`) unless ‖∇L‖ < SADDLE_GRAD_TOLERANCE and
 * λ_min < −τ·max|λ| (τ = DEFAULT_TAU): data whose targets do not correlate with the inputs (C = 0)
 * make the origin a degenerate critical point, not a strict saddle.
 *
 * λ_min is repeated (once per hidden unit), so "the" eigenvector is any unit vector of its
 * eigenspace; the escape direction d is the projection onto that eigenspace of a random vector
 * from spec.seed (normalized, its sign chosen so gᵀd ≤ 0). It spreads the escape over the units
 * with seeded weights, and does not depend on which basis of the eigenspace the eigensolver
 * happened to return.
 *
 * Training from the saddle: gradient descent with η = 1/λ_max at the saddle (half the largest
 * stable step), `steps` updates, from θ* (plain: its loss stays flat) and from θ* + t·d
 * (escaped). The loss change of the Escape step is ½λ_min t² up to a term in t⁴ (the loss is
 * even in t to third order at the origin: tanh is odd).
 */
import {
  DEFAULT_TAU,
  type CriticalExperimentResult,
  type CriticalExperimentSpec,
} from '../../../../common/protocol';
import { FieldError } from '../../../core/errors';
import { Rng } from '../../../datasets/random';
import { classify } from '../../../hessian/classify';
import type { Checkpoint } from '../../../hessian/types';
import type { NetworkProblem } from '../../../network';
import type { ExperimentContext, ExperimentReport } from '../context';
import { exactSpectrum, HessianObjective, squaredData, squaredModel } from './hessian';
import { Progress } from './progress';
import { trainFullBatch } from './train';

type Spec = Extract<CriticalExperimentSpec, { kind: 'saddle-escape' }>;
type Result = Extract<CriticalExperimentResult, { kind: 'saddle-escape' }>;

/** Hidden tanh units of the saddle's network. */
export const SADDLE_WIDTH = 8;
/** The saddle found has ‖∇L‖ below this. */
export const SADDLE_GRAD_TOLERANCE = 1e-5;
/** Eigenvalues within this share of max|λ| of λ_min count as λ_min (float32 splits repeats). */
const REPEATED = 1e-4;
/** Stream of the random vector projected onto λ_min's eigenspace. */
const ESCAPE_STREAM = 11;

/** The saddle: θ*, its loss and gradient, its exact spectrum and the escape direction. */
export interface Saddle {
  theta: Float64Array;
  loss: number;
  gradient: Float64Array;
  gradNorm: number;
  /** Ascending. */
  values: Float64Array;
  /** Unit vector in λ_min's eigenspace with gᵀd ≤ 0. */
  direction: Float64Array;
}

/** θ* of a one-hidden-layer network: every weight 0, the output biases the mean target. */
export function originTheta(
  problem: NetworkProblem,
  width: number,
): { theta: Float64Array; parameters: number } {
  const { layout } = squaredModel(problem, 1, width);
  const { y, n } = squaredData(problem);
  const k = problem.dataset.outputDim;
  const theta = new Float64Array(layout.size);
  const b2 = layout.layers[1].bias.offset;
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) theta[b2 + c] += y[i * k + c] / n;
  return { theta, parameters: layout.size };
}

/**
 * The origin saddle of the problem's data (see the file's comment), measured and verified, with
 * the escape direction drawn from `seed`; a FieldError naming `experiment` when it is not a
 * strict saddle. `checkpoint` sees the dense Hessian's products.
 */
export async function findSaddle(
  ctx: ExperimentContext,
  problem: NetworkProblem,
  seed: number,
  checkpoint: Checkpoint,
): Promise<Saddle> {
  const { model } = squaredModel(problem, 1, SADDLE_WIDTH);
  const { theta } = originTheta(problem, SADDLE_WIDTH);
  const p = theta.length;
  const objective = new HessianObjective(ctx.tf, model, squaredData(problem));
  let values: Float64Array;
  let vectors: Float64Array;
  let loss: number;
  let gradNorm: number;
  const gradient = new Float64Array(p);
  try {
    ({ loss, gradNorm } = objective.evaluate(theta, gradient));
    const spectrum = await exactSpectrum(objective.hessianAt(theta), checkpoint, true);
    values = spectrum.values;
    vectors = spectrum.vectors!;
  } finally {
    objective.release();
  }
  let scale = 0;
  for (const v of values) scale = Math.max(scale, Math.abs(v));
  const lambdaMin = values[0];
  if (!(gradNorm < SADDLE_GRAD_TOLERANCE) || !(lambdaMin < -DEFAULT_TAU * scale)) {
    throw new FieldError(
      'experiment',
      `the all-zero network is not a strict saddle on this training set (‖∇L‖ = ` +
        `${gradNorm.toPrecision(2)}, λ_min = ${lambdaMin.toPrecision(3)}, max|λ| = ` +
        `${scale.toPrecision(3)}): its targets do not correlate with its inputs`,
    );
  }
  // d: a seeded random vector projected onto λ_min's eigenspace, normalized, gᵀd ≤ 0.
  const rng = new Rng(seed, ESCAPE_STREAM);
  const r = Float64Array.from({ length: p }, () => rng.normal());
  const direction = new Float64Array(p);
  for (let j = 0; j < p && values[j] - lambdaMin <= REPEATED * scale; j++) {
    const u = vectors.subarray(j * p, (j + 1) * p);
    let c = 0;
    for (let i = 0; i < p; i++) c += u[i] * r[i];
    for (let i = 0; i < p; i++) direction[i] += c * u[i];
  }
  let norm = 0;
  let gd = 0;
  for (let i = 0; i < p; i++) {
    norm += direction[i] * direction[i];
    gd += gradient[i] * direction[i];
  }
  const s = (gd > 0 ? -1 : 1) / Math.sqrt(norm);
  for (let i = 0; i < p; i++) direction[i] *= s;
  return { theta, loss, gradient, gradNorm, values, direction };
}

export async function runSaddleEscape(
  ctx: ExperimentContext,
  spec: Spec,
  report: ExperimentReport,
  checkpoint: Checkpoint,
): Promise<Result> {
  const problem = ctx.problem;
  const { model, layout } = squaredModel(problem, 1, SADDLE_WIDTH);
  const p = layout.size;
  // Units: the saddle's P Hessian-vector products, then both trainings (steps + 1 each).
  const progress = new Progress(p + 2 * (spec.steps + 1), report, checkpoint);
  const saddle = await findSaddle(ctx, problem, spec.seed, progress.sub(p));
  await progress.reach(p);

  const values = saddle.values;
  const lambdaMin = values[0];
  const lambdaMax = values[values.length - 1];
  const c = classify(values, saddle.gradNorm, {
    tau: DEFAULT_TAU,
    gradTolerance: SADDLE_GRAD_TOLERANCE,
  });

  const lr = 1 / lambdaMax;
  const train = async (theta: Float64Array): Promise<Float64Array> => {
    const losses = new Float64Array(spec.steps + 1).fill(NaN);
    const objective = new HessianObjective(ctx.tf, model, squaredData(problem));
    try {
      await trainFullBatch(
        objective,
        theta,
        {
          rule: 'gd',
          lr,
          steps: spec.steps,
          onStep: (s, loss) => {
            losses[s] = loss;
          },
        },
        () => progress.advance(),
      );
    } finally {
      objective.release();
    }
    return losses;
  };
  const plain = await train(Float64Array.from(saddle.theta));
  await progress.reach(p + spec.steps + 1);
  const escaped = await train(
    Float64Array.from(saddle.theta, (v, i) => v + spec.t * saddle.direction[i]),
  );
  await progress.reach(progress.total);

  const steps = new Float64Array(spec.steps + 1);
  for (let s = 0; s <= spec.steps; s++) steps[s] = s;
  return {
    kind: 'saddle-escape',
    saddle: {
      loss: saddle.loss,
      gradNorm: saddle.gradNorm,
      lambdaMin,
      lambdaMax,
      index: c.index,
    },
    steps,
    plain,
    escaped,
    predicted: 0.5 * lambdaMin * spec.t * spec.t,
    actual: escaped[0] - plain[0],
    t: spec.t,
  };
}
