import type { Hyper } from '../../common/schemas';
import type { RuleState, UpdateRule } from './types';

export interface SgdState extends RuleState {
  /** Momentum buffer b (torch's `momentum_buffer`). */
  buf: Float64Array;
  /**
   * Whether b exists yet. torch creates it (b ← g) on the first step taken with μ ≠ 0, which is
   * not the first step when momentum is switched on mid-run.
   */
  hasBuf: boolean;
  buffers: { b: Float64Array };
}

/**
 * SGD, with momentum, dampening and Nesterov exactly as torch.optim.SGD:
 *
 *   g ← ∇L(θ) + λθ
 *   b ← g                          on the first step with μ ≠ 0
 *   b ← μ b + (1 − τ) g            after it
 *   g ← g + μ b   (Nesterov)   or   g ← b
 *   θ ← θ − η g
 */
export const sgd: UpdateRule<SgdState> = {
  name: 'sgd',
  init(n) {
    const buf = new Float64Array(n);
    return { t: 0, buf, hasBuf: false, buffers: { b: buf } };
  },
  step(theta, grad, s, h: Hyper, lr, eff) {
    const { momentum: mu, dampening, nesterov, weightDecay: wd } = h;
    const first = !s.hasBuf;
    const buf = s.buf;
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (wd !== 0) g += wd * theta[i];
      if (mu !== 0) {
        const b = first ? g : mu * buf[i] + (1 - dampening) * g;
        buf[i] = b;
        g = nesterov ? g + mu * b : b;
      }
      theta[i] -= lr * g;
      if (eff !== undefined) eff[i] = lr;
    }
    if (mu !== 0) s.hasBuf = true;
    s.t++;
  },
  effectiveStep(_s, _h, lr, out) {
    out.fill(lr);
  },
};
