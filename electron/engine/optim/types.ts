import type { Hyper, OptimizerName } from '../../common/schemas';

/**
 * An elementwise update rule. θ, g and every state buffer are flat typed arrays of one length,
 * so the same rule steps one 2-D point, a batch of thousands of starts laid side by side, or a
 * network's whole parameter vector.
 */
export interface UpdateRule<S extends RuleState = RuleState> {
  readonly name: OptimizerName;
  /** Fresh state for a parameter vector of length n. */
  init(n: number, hyper: Hyper): S;
  /**
   * One step in place: θ ← update(θ, g). `lr` is η for this step (after the schedule). With
   * `eff`, also writes what `effectiveStep(state, hyper, lr, eff)` would write right after the
   * step, the very same numbers: the adaptive rules' σ is the denominator the step has just
   * computed, so a run recording η/σ at every step (the explorer's) gets it for a division
   * instead of a second pass and a second call.
   */
  step(
    theta: Float64Array,
    grad: Float64Array,
    state: S,
    hyper: Hyper,
    lr: number,
    eff?: Float64Array,
  ): void;
  /**
   * The step size each coordinate would take per unit of gradient on the next step: η for
   * plain SGD, η/σ for the adaptive rules (the quantity the lecture's Adagrad plots).
   */
  effectiveStep(state: S, hyper: Hyper, lr: number, out: Float64Array): void;
}

/** State every rule keeps: the step count t and named per-coordinate buffers. */
export interface RuleState {
  /** Steps taken so far. */
  t: number;
  /** Buffers by the symbol the UI shows (m, v, σ², buf, …); each the length of θ. */
  readonly buffers: Record<string, Float64Array>;
}
