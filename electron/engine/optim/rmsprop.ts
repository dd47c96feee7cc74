import type { Hyper } from '../../common/schemas';
import type { RuleState, UpdateRule } from './types';

export interface RmspropState extends RuleState {
  /** v: running average of g² (σ² in the lecture's notation). */
  sqAvg: Float64Array;
  /** Running average of g (only read when `centered`). */
  gradAvg: Float64Array;
  /** Momentum buffer b (only read when momentum > 0). */
  buf: Float64Array;
  buffers: { v: Float64Array; ḡ: Float64Array; b: Float64Array };
}

/**
 * RMSProp. `pytorch` (torch.optim.RMSprop):
 *
 *   g ← ∇L(θ) + λθ
 *   v ← α v + (1 − α) g²                       (v₀ = 0)
 *   σ ← √(v − ḡ²) + ε with ḡ ← α ḡ + (1 − α) g  (centered)   or   σ ← √v + ε
 *   b ← μ b + g/σ,  θ ← θ − η b                (momentum)   or   θ ← θ − η g/σ
 *
 * `lecture`: σ₀ = |g₀|, σ_t = √(α σ_{t−1}² + (1 − α) g_t²), θ ← θ − η g/(σ + ε).
 */
export const rmsprop: UpdateRule<RmspropState> = {
  name: 'rmsprop',
  init(n) {
    const sqAvg = new Float64Array(n);
    const gradAvg = new Float64Array(n);
    const buf = new Float64Array(n);
    return { t: 0, sqAvg, gradAvg, buf, buffers: { v: sqAvg, ḡ: gradAvg, b: buf } };
  },
  step(theta, grad, s, h: Hyper, lr, eff) {
    const { alpha, eps, weightDecay: wd, momentum: mu, centered } = h;
    const { sqAvg, gradAvg, buf } = s;
    const lectureFirst = h.variant === 'lecture' && s.t === 0;
    const lecture = h.variant === 'lecture';
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (wd !== 0) g += wd * theta[i];
      sqAvg[i] = lectureFirst ? g * g : alpha * sqAvg[i] + (1 - alpha) * g * g;
      if (lecture) {
        const sigma = Math.sqrt(sqAvg[i]) + eps;
        theta[i] -= (lr * g) / sigma;
        if (eff !== undefined) eff[i] = lr / sigma;
        continue;
      }
      let sigma: number;
      if (centered) {
        gradAvg[i] = alpha * gradAvg[i] + (1 - alpha) * g;
        sigma = Math.sqrt(sqAvg[i] - gradAvg[i] * gradAvg[i]) + eps;
        // Exactly effectiveStep's expression (which squares ḡ with **).
        if (eff !== undefined) eff[i] = lr / (Math.sqrt(sqAvg[i] - gradAvg[i] ** 2) + eps);
      } else {
        sigma = Math.sqrt(sqAvg[i]) + eps;
        if (eff !== undefined) eff[i] = lr / sigma;
      }
      if (mu > 0) {
        buf[i] = mu * buf[i] + g / sigma;
        theta[i] -= lr * buf[i];
      } else {
        theta[i] -= (lr * g) / sigma;
      }
    }
    s.t++;
  },
  effectiveStep(s, h, lr, out) {
    for (let i = 0; i < out.length; i++) {
      if (s.t === 0) {
        out[i] = h.variant === 'lecture' ? lr : lr / h.eps;
        continue;
      }
      const v = h.centered && h.variant !== 'lecture' ? s.sqAvg[i] - s.gradAvg[i] ** 2 : s.sqAvg[i];
      out[i] = lr / (Math.sqrt(v) + h.eps);
    }
  },
};
