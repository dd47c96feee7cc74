import type { Hyper } from '../../common/schemas';
import type { RuleState, UpdateRule } from './types';

export interface AdagradState extends RuleState {
  /** Σ g² over all steps so far (plus the initial accumulator value). */
  sumSq: Float64Array;
  buffers: { 'Σg²': Float64Array };
}

/**
 * Adagrad. `pytorch` (torch.optim.Adagrad):
 *
 *   g ← ∇L(θ) + λθ,   η_t = η / (1 + (t − 1)·lr_decay)
 *   Σ ← Σ + g²
 *   θ ← θ − η_t g / (√Σ + ε)
 *
 * `lecture`: σ is the root *mean* square of every gradient so far,
 *
 *   σ_t = √( (1/(t+1)) Σ_{i≤t} g_i² )
 *   θ ← θ − η g / (σ_t + ε)
 *
 * With the mean, σ shrinks whenever the gradient has been small for a while, so η/σ can grow
 * without bound along a flat direction — the lecture's Adagrad "explosion".
 */
export const adagrad: UpdateRule<AdagradState> = {
  name: 'adagrad',
  init(n, h) {
    const sumSq = new Float64Array(n).fill(h.variant === 'lecture' ? 0 : h.initialAccumulatorValue);
    return { t: 0, sumSq, buffers: { 'Σg²': sumSq } };
  },
  step(theta, grad, s, h: Hyper, lr, eff) {
    const { weightDecay: wd, eps } = h;
    const sumSq = s.sumSq;
    s.t++;
    if (h.variant === 'lecture') {
      const count = s.t;
      for (let i = 0; i < theta.length; i++) {
        let g = grad[i];
        if (wd !== 0) g += wd * theta[i];
        sumSq[i] += g * g;
        const sigma = Math.sqrt(sumSq[i] / count);
        theta[i] -= (lr * g) / (sigma + eps);
        if (eff !== undefined) eff[i] = lr / (sigma + eps);
      }
      return;
    }
    const clr = lr / (1 + (s.t - 1) * h.lrDecay);
    // effectiveStep's η for the step after this one (η_t decays with t).
    const nextClr = eff === undefined ? 0 : lr / (1 + s.t * h.lrDecay);
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (wd !== 0) g += wd * theta[i];
      sumSq[i] += g * g;
      const sigma = Math.sqrt(sumSq[i]) + eps;
      theta[i] -= (clr * g) / sigma;
      if (eff !== undefined) eff[i] = nextClr / sigma;
    }
  },
  effectiveStep(s, h, lr, out) {
    if (h.variant === 'lecture') {
      // Before the first step σ is undefined; report η/ε's finite stand-in, η.
      for (let i = 0; i < out.length; i++) {
        out[i] = s.t === 0 ? lr : lr / (Math.sqrt(s.sumSq[i] / s.t) + h.eps);
      }
      return;
    }
    const clr = lr / (1 + s.t * h.lrDecay);
    for (let i = 0; i < out.length; i++) out[i] = clr / (Math.sqrt(s.sumSq[i]) + h.eps);
  },
};
