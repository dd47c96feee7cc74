/**
 * Saddle escape: a critical point with negative eigenvalues, then plain gradient descent from
 * it beside one Escape step (t along the most negative eigenvector) followed by the same
 * gradient descent; the losses per step of both, and the predicted change ½·λ_min·t² beside
 * the actual one.
 *
 * Finding a saddle, exactly. A network with one hidden unit split in two sits at a critical
 * point whenever the narrower network did (Fukumizu & Amari, 2000, "Local minima and plateaus
 * in hierarchical structures of multilayer perceptrons"): give both copies the unit's incoming
 * weights w and bias b, and split its outgoing weights v as a·v and (1 − a)·v. The function is
 * unchanged; ∂L/∂(outgoing) is the narrow network's ∂L/∂v for each copy, and ∂L/∂(incoming) is
 * a (resp. 1 − a) times the narrow network's ∂L/∂w: all zero when the narrow network's
 * gradient is. Along w₁ − w₂ the curvature is a(1 − a)·B for a matrix B of the data (the
 * second derivative of the unit's contribution), so for B ≠ 0 one of a = ½ (a(1 − a) > 0: the
 * "symmetric initialization", two identical units, which gradient descent never separates) or
 * a = −½ (a(1 − a) < 0) gives a negative eigenvalue: a strict saddle of the wider network at
 * the narrow network's minimum.
 *
 * So: a tanh network with ONE hidden unit is trained to a minimum (full-batch Adam, then
 * saddle-free Newton steps θ ← θ − Σ uᵢ (uᵢᵀg) / (|λᵢ| + μ) with μ = 10⁻³·max|λ| on its exact
 * Hessian, which converge quadratically near a minimum and never towards a saddle); its unit
 * is split with a = ½ and a = −½, and the split whose λ_min / max|λ| is the more negative is the
 * saddle, verified: ‖∇L‖ < SADDLE_GRAD_TOLERANCE and λ_min < −τ·max|λ| (τ = DEFAULT_TAU). If
 * neither split is a saddle, another seed is tried (SADDLE_ATTEMPTS in all) before the
 * experiment is refused, naming `experiment`.
 *
 * The loss is the squared loss on one-hot targets (the mean squared error for regression),
 * on the lab's training split: its outputs are linear, so a one-unit network has a minimum at
 * finite θ, to which Newton converges to float32's noise (‖∇L‖ ~ 10⁻⁷). Under cross-entropy or
 * the softmax's squared error the narrow network's loss keeps decreasing as its logits grow
 * (PyTorch, float64, on the moons: ‖∇L‖ stalls near 3·10⁻⁴ after 3,000 Adam steps and 30
 * Newton steps, and the loss is still falling), so there is no critical point to split.
 *
 * Training from the saddle: gradient descent with η = 1/λ_max at the saddle (half the largest
 * stable step), `steps` updates, from θ* (plain) and from θ* + t·d (escaped), d the unit
 * eigenvector of λ_min with its sign chosen so gᵀd ≤ 0. Plain gradient descent at a saddle only
 * leaves along its unstable direction by float noise, amplified by (1 + η|λ_min|) per step:
 * it sits on the plateau; the escaped run starts t along that direction and descends.
 */
import {
  DEFAULT_TAU,
  type CriticalExperimentResult,
  type CriticalExperimentSpec,
} from '../../../../common/protocol';
import { FieldError } from '../../../core/errors';
import { classify } from '../../../hessian/classify';
import type { Checkpoint } from '../../../hessian/types';
import type { NetworkProblem } from '../../../network';
import type { ExperimentContext, ExperimentReport } from '../context';
import { exactSpectrum, HessianObjective, squaredData, squaredModel } from './hessian';
import { Progress } from './progress';
import { trainFullBatch } from './train';

type Spec = Extract<CriticalExperimentSpec, { kind: 'saddle-escape' }>;
type Result = Extract<CriticalExperimentResult, { kind: 'saddle-escape' }>;

/** The saddle found has ‖∇L‖ below this. */
export const SADDLE_GRAD_TOLERANCE = 1e-5;
/** Seeds tried for the one-unit network before the experiment is refused. */
export const SADDLE_ATTEMPTS = 3;
/** Full-batch Adam steps (η = 0.02) bringing the one-unit network near its minimum. */
const NARROW_ADAM_STEPS = 2000;
const NARROW_ADAM_LR = 0.02;
/** Adam stops early below this ‖∇L‖; Newton takes it from there. */
const NARROW_ADAM_TOLERANCE = 1e-3;
/** Saddle-free Newton steps at most. */
const NEWTON_STEPS = 30;
/** The splits of the outgoing weights tried: (a, 1 − a). */
const SPLITS = [0.5, -0.5];

/** A critical point of the two-unit network with its exact spectrum. */
export interface Saddle {
  theta: Float64Array;
  loss: number;
  gradient: Float64Array;
  gradNorm: number;
  /** Ascending. */
  values: Float64Array;
  /** Unit eigenvector of values[0]. */
  direction: Float64Array;
  /** The split of the outgoing weights (a, 1 − a). */
  split: number;
  seed: number;
}

/**
 * The one-unit network's minimum from a Glorot θ₀ of `seed`: Adam, then saddle-free Newton
 * until ‖∇L‖ < tolerance or no step lowers it. Returns θ and its ‖∇L‖.
 */
async function narrowMinimum(
  narrow: HessianObjective,
  theta: Float64Array,
  tolerance: number,
  progress: Progress,
): Promise<number> {
  const adam = await trainFullBatch(
    narrow,
    theta,
    {
      rule: 'adam',
      lr: NARROW_ADAM_LR,
      steps: NARROW_ADAM_STEPS,
      gradTolerance: NARROW_ADAM_TOLERANCE,
    },
    () => progress.advance(),
  );
  if (adam.diverged) return NaN;
  const p = theta.length;
  const grad = new Float64Array(p);
  const trial = new Float64Array(p);
  let gradNorm = narrow.evaluate(theta, grad).gradNorm;
  for (let it = 0; it < NEWTON_STEPS && gradNorm >= tolerance; it++) {
    const op = narrow.hessianAt(theta);
    const { values, vectors } = await exactSpectrum(op, progress.sub(p), true);
    let scale = 0;
    for (const v of values) scale = Math.max(scale, Math.abs(v));
    const mu = 1e-3 * scale;
    // step = Σᵢ uᵢ (uᵢᵀg) / (|λᵢ| + μ)
    const step = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const u = vectors!.subarray(j * p, (j + 1) * p);
      let c = 0;
      for (let i = 0; i < p; i++) c += u[i] * grad[i];
      c /= Math.abs(values[j]) + mu;
      for (let i = 0; i < p; i++) step[i] += c * u[i];
    }
    // The longest of 1, ½, ¼, … that lowers ‖∇L‖ (near float32's noise floor none may).
    let accepted = false;
    for (let s = 1; s >= 1 / 64 && !accepted; s /= 2) {
      for (let i = 0; i < p; i++) trial[i] = theta[i] - s * step[i];
      const next = narrow.evaluate(trial, grad).gradNorm;
      if (next < gradNorm) {
        theta.set(trial);
        gradNorm = next;
        accepted = true;
      }
    }
    // Leave `current` and `grad` at θ.
    if (!accepted) {
      narrow.evaluate(theta, grad);
      break;
    }
  }
  return gradNorm;
}

/**
 * θ of the two-unit network that computes the same function as the one-unit θ: the unit's
 * incoming weights and bias copied, its outgoing weights split as a·v and (1 − a)·v.
 */
export function splitUnit(
  narrow: Float64Array,
  inputs: number,
  outputs: number,
  a: number,
): Float64Array {
  const d = inputs;
  const k = outputs;
  // One unit: W1 (1 × d), b1 (1), W2 (k × 1), b2 (k). Two units: W1 (2 × d), b1 (2), W2 (k × 2), b2 (k).
  const wide = new Float64Array(2 * d + 2 + 2 * k + k);
  const w = narrow.subarray(0, d);
  const b = narrow[d];
  const v = narrow.subarray(d + 1, d + 1 + k);
  const bias = narrow.subarray(d + 1 + k, d + 1 + 2 * k);
  wide.set(w, 0);
  wide.set(w, d);
  wide[2 * d] = b;
  wide[2 * d + 1] = b;
  const w2 = 2 * d + 2;
  for (let o = 0; o < k; o++) {
    wide[w2 + 2 * o] = a * v[o];
    wide[w2 + 2 * o + 1] = (1 - a) * v[o];
  }
  wide.set(bias, w2 + 2 * k);
  return wide;
}

/**
 * A strict saddle of the two-unit tanh network on the problem's training split (see the file's
 * comment), or a FieldError naming `experiment` when SADDLE_ATTEMPTS seeds gave none.
 */
export async function findSaddle(
  ctx: ExperimentContext,
  problem: NetworkProblem,
  seed: number,
  progress: Progress,
): Promise<Saddle> {
  const data = squaredData(problem);
  const { inputDim, outputDim } = problem.dataset;
  const one = squaredModel(problem, [1]);
  const two = squaredModel(problem, [2]);
  const tried: string[] = [];
  for (let attempt = 0; attempt < SADDLE_ATTEMPTS; attempt++) {
    const s = (seed + attempt) % 2 ** 32;
    const narrowTheta = one.init(s);
    const narrow = new HessianObjective(ctx.tf, one.model, data);
    let narrowNorm: number;
    try {
      narrowNorm = await narrowMinimum(narrow, narrowTheta, SADDLE_GRAD_TOLERANCE / 4, progress);
    } finally {
      narrow.release();
    }
    if (!(narrowNorm < SADDLE_GRAD_TOLERANCE)) {
      tried.push(`seed ${s}: the one-unit network stopped at ‖∇L‖ = ${narrowNorm.toPrecision(2)}`);
      continue;
    }
    let best: Saddle | undefined;
    let bestScore = Infinity;
    for (const a of SPLITS) {
      const theta = splitUnit(narrowTheta, inputDim, outputDim, a);
      const wide = new HessianObjective(ctx.tf, two.model, data);
      try {
        const gradient = new Float64Array(theta.length);
        const { loss, gradNorm } = wide.evaluate(theta, gradient);
        const { values, vectors } = await exactSpectrum(
          wide.hessianAt(theta),
          progress.sub(theta.length),
          true,
        );
        let scale = 0;
        for (const v of values) scale = Math.max(scale, Math.abs(v));
        const score = values[0] / scale;
        if (gradNorm < SADDLE_GRAD_TOLERANCE && score < bestScore) {
          bestScore = score;
          const p = theta.length;
          best = {
            theta,
            loss,
            gradient,
            gradNorm,
            values,
            direction: vectors!.slice(0, p),
            split: a,
            seed: s,
          };
        }
      } finally {
        wide.release();
      }
    }
    if (best && bestScore < -DEFAULT_TAU) return best;
    tried.push(
      best
        ? `seed ${s}: λ_min/max|λ| = ${bestScore.toPrecision(2)}, not below −τ = −${DEFAULT_TAU}`
        : `seed ${s}: no split kept ‖∇L‖ under ${SADDLE_GRAD_TOLERANCE}`,
    );
  }
  throw new FieldError(
    'experiment',
    `no saddle found on this training set (${tried.join('; ')}) — try another seed`,
  );
}

export async function runSaddleEscape(
  ctx: ExperimentContext,
  spec: Spec,
  report: ExperimentReport,
  checkpoint: Checkpoint,
): Promise<Result> {
  const problem = ctx.problem;
  const two = squaredModel(problem, [2]);
  const p1 = squaredModel(problem, [1]).layout.size;
  const p2 = two.layout.size;
  // Units: the narrow network's Adam steps and Newton Hessians, the two splits' Hessians, then
  // both trainings (steps + 1 evaluations each).
  const searchUnits = NARROW_ADAM_STEPS + NEWTON_STEPS * p1 + SPLITS.length * p2;
  const progress = new Progress(searchUnits + 2 * (spec.steps + 1), report, checkpoint);
  const saddle = await findSaddle(ctx, problem, spec.seed, progress);
  await progress.reach(searchUnits);

  const values = saddle.values;
  const lambdaMin = values[0];
  const lambdaMax = values[values.length - 1];
  const c = classify(values, saddle.gradNorm, { tau: DEFAULT_TAU });

  // Escape: d with gᵀd ≤ 0, θ* + t·d.
  const d = saddle.direction;
  let gd = 0;
  for (let i = 0; i < d.length; i++) gd += saddle.gradient[i] * d[i];
  if (gd > 0) for (let i = 0; i < d.length; i++) d[i] = -d[i];
  const escapedTheta = Float64Array.from(saddle.theta, (v, i) => v + spec.t * d[i]);

  const lr = 1 / lambdaMax;
  const train = async (theta: Float64Array): Promise<Float64Array> => {
    const losses = new Float64Array(spec.steps + 1).fill(NaN);
    const objective = new HessianObjective(ctx.tf, two.model, squaredData(problem));
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
  await progress.reach(searchUnits + spec.steps + 1);
  const escaped = await train(escapedTheta);
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
