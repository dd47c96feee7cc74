/**
 * Full-batch training for the critical-points lab's experiments. The literature these
 * experiments reproduce trains on the whole training set (no mini-batches, no dropout), so the
 * loss being minimized is exactly the loss whose Hessian is taken:
 *
 *   gd:    θ ← θ − η ∇L(θ)
 *   adam:  torch.optim.Adam (the engine's own rule, β = (0.9, 0.999), ε = 1e-8)
 *
 * An `Objective` is "L(θ) and ∇L(θ) on the training split": the network lab's own Mlp (its
 * hand-written backward pass, the lab's loss), or a Hessian model's R-operator for losses the
 * network lab does not train (the squared loss on one-hot targets of the saddle and
 * edge-of-stability experiments), which then also holds the Hessian at the point just
 * evaluated, for whoever wants a spectrum there.
 *
 * The loop evaluates θ_s, hands (s, L(θ_s), ‖∇L(θ_s)‖) to `onStep`, and stops before
 * updating when the gradient is under the tolerance (converged), the loss is not finite or
 * has grown past `divergence` × L(θ_0) (diverged), or `steps` updates were taken. The numbers
 * it returns are those of the θ it leaves behind, so a caller never reports a loss of a θ it
 * does not have.
 */
import type { Hyper } from '../../../../common/schemas';
import { rules, torchDefaults } from '../../../optim';
import type { AdamState } from '../../../optim/adam';
import { FieldError } from '../../../core/errors';
import type { NetworkProblem } from '../../../network';

/** L(θ) and ∇L(θ) on a training set, for θ of length `size`. */
export interface Objective {
  readonly size: number;
  /** Writes ∇L(θ) into `grad`; the loss is NaN or ±∞ (and ‖∇L‖ NaN) where θ diverged. */
  evaluate(theta: Float64Array, grad: Float64Array): { loss: number; gradNorm: number };
}

/**
 * The network lab's loss (its model's loss, L2 included) of `problem`'s architecture on the
 * whole training split, through its Mlp: what a network run with batch size `full` minimizes,
 * in evaluation mode (no dropout).
 */
export function networkObjective(problem: NetworkProblem): Objective {
  if (problem.imported?.net) {
    // Its endpoints are drawn from LossLab's own initialization of an MLP.
    throw new FieldError(
      undefined,
      `${problem.imported.label} runs through its own graph: this experiment trains LossLab's MLPs from their own initial weights`,
    );
  }
  return {
    size: problem.layout.size,
    evaluate(theta, grad) {
      const value = problem.mlp.lossAndGrad(theta, problem.deviceSplit('train'), grad);
      return { loss: value.loss, gradNorm: value.finite ? value.gradNorm : NaN };
    },
  };
}

export interface TrainOptions {
  rule: 'gd' | 'adam';
  lr: number;
  /** At most this many updates. */
  steps: number;
  /** Stop (converged) at the first θ whose ‖∇L‖ is below this. */
  gradTolerance?: number;
  /** Stop (diverged) at the first θ whose loss exceeds this many times L(θ_0). @default 1e6 */
  divergence?: number;
  /** Called at every θ_s evaluated, before it is updated (s = 0 is the start). */
  onStep?: (step: number, loss: number, gradNorm: number) => void | Promise<void>;
}

export interface TrainResult {
  /** Updates taken: θ is θ_steps. */
  steps: number;
  /** L and ‖∇L‖ at θ_steps (the loss is NaN / ∞ when it diverged). */
  loss: number;
  gradNorm: number;
  converged: boolean;
  diverged: boolean;
}

/** Trains θ in place; `tick(s)` is called after update s (1-based) and may throw to stop. */
export async function trainFullBatch(
  objective: Objective,
  theta: Float64Array,
  options: TrainOptions,
  tick: (step: number) => void | Promise<void>,
): Promise<TrainResult> {
  const n = objective.size;
  if (theta.length !== n) throw new Error(`θ has ${theta.length} entries, the model ${n}`);
  const grad = new Float64Array(n);
  const hyper: Hyper = { ...torchDefaults.adam, lr: options.lr };
  const adam = options.rule === 'adam' ? rules.adam.init(n, hyper) : undefined;
  const bound = options.divergence ?? 1e6;
  let initial = NaN;
  for (let s = 0; ; s++) {
    const { loss, gradNorm } = objective.evaluate(theta, grad);
    if (s === 0) initial = loss;
    const diverged =
      !Number.isFinite(loss) || !Number.isFinite(gradNorm) || (s > 0 && loss > bound * initial);
    if (!diverged) await options.onStep?.(s, loss, gradNorm);
    const converged =
      !diverged && options.gradTolerance !== undefined && gradNorm < options.gradTolerance;
    if (diverged || converged || s >= options.steps) {
      return { steps: s, loss, gradNorm, converged, diverged };
    }
    if (adam) rules.adam.step(theta, grad, adam as AdamState, hyper, options.lr);
    else for (let i = 0; i < n; i++) theta[i] -= options.lr * grad[i];
    await tick(s + 1);
  }
}
