import type { Hyper } from '../../common/schemas';
import type { RuleState, UpdateRule } from './types';

export interface AdamState extends RuleState {
  /** m: running average of g. */
  m: Float64Array;
  /** v: running average of g². */
  v: Float64Array;
  /** max v seen (only read with `amsgrad`). */
  vMax: Float64Array;
  buffers: { m: Float64Array; v: Float64Array; v̂max: Float64Array };
  /**
   * The bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ of the last step, and the t, β₁, β₂ they were
   * computed for: Math.pow is the dearest operation of a 2-parameter step, and effectiveStep
   * right after a step needs the very same values.
   */
  bias: { t: number; b1: number; b2: number; c1: number; c2: number };
}

/**
 * 1 − β₁ᵗ and 1 − β₂ᵗ for the state's t, computed as torch does (with pow) once per t.
 *
 * Once 1 − βᵗ has rounded to exactly 1 (βᵗ ≤ 2⁻⁵⁴: after ~350 steps for β = 0.9), it stays 1
 * for every later t with the same β, so pow is skipped from then on and every value is the one
 * pow would have given. Why: βᵗ only shrinks as t grows, by a factor β ≤ 0.99999 (the schema's
 * bound) per step, while pow is accurate to an ulp or so — far too little for a later βᵗ to
 * come out above 2⁻⁵⁴ again. A 2-D Adam step is otherwise a few nanoseconds beside its two pows.
 */
function biasCorrections(s: AdamState, b1: number, b2: number): AdamState['bias'] {
  const bias = s.bias;
  const t = s.t;
  if (bias.t !== t || bias.b1 !== b1 || bias.b2 !== b2) {
    const later = t > bias.t;
    bias.c1 = later && bias.b1 === b1 && bias.c1 === 1 ? 1 : 1 - b1 ** t;
    bias.c2 = later && bias.b2 === b2 && bias.c2 === 1 ? 1 : 1 - b2 ** t;
    bias.t = t;
    bias.b1 = b1;
    bias.b2 = b2;
  }
  return bias;
}

/**
 * Adam and AdamW as torch.optim.Adam / AdamW:
 *
 *   g ← ∇L(θ) + λθ                   (Adam: L2 folded into the gradient)
 *   θ ← θ (1 − ηλ)                   (AdamW: decoupled decay, before the step)
 *   m ← β₁ m + (1 − β₁) g
 *   v ← β₂ v + (1 − β₂) g²,   v̂ ← max(v̂, v) with amsgrad
 *   θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 */
function makeAdam(decoupled: boolean): UpdateRule<AdamState> {
  return {
    name: decoupled ? 'adamw' : 'adam',
    init(n) {
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      const vMax = new Float64Array(n);
      return {
        t: 0,
        m,
        v,
        vMax,
        buffers: { m, v, v̂max: vMax },
        bias: { t: -1, b1: NaN, b2: NaN, c1: NaN, c2: NaN },
      };
    },
    step(theta, grad, s, h: Hyper, lr, eff) {
      const [b1, b2] = h.betas;
      const { eps, weightDecay: wd, amsgrad } = h;
      const { m, v, vMax } = s;
      s.t++;
      const bias = biasCorrections(s, b1, b2);
      const stepSize = lr / bias.c1;
      const bc2Sqrt = Math.sqrt(bias.c2);
      const decay = decoupled ? 1 - lr * wd : 1;
      const oneMinusB1 = 1 - b1;
      for (let i = 0; i < theta.length; i++) {
        let g = grad[i];
        if (decoupled) theta[i] *= decay;
        else if (wd !== 0) g += wd * theta[i];
        m[i] += (g - m[i]) * oneMinusB1;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        let vHat = v[i];
        if (amsgrad) {
          if (vHat > vMax[i]) vMax[i] = vHat;
          vHat = vMax[i];
        }
        const denominator = Math.sqrt(vHat) / bc2Sqrt + eps;
        theta[i] -= (stepSize * m[i]) / denominator;
        if (eff !== undefined) eff[i] = stepSize / denominator;
      }
    },
    effectiveStep(s, h, lr, out) {
      if (s.t === 0) {
        out.fill(lr / h.eps);
        return;
      }
      const bias = biasCorrections(s, h.betas[0], h.betas[1]);
      const stepSize = lr / bias.c1;
      const bc2Sqrt = Math.sqrt(bias.c2);
      for (let i = 0; i < out.length; i++) {
        const vHat = h.amsgrad ? s.vMax[i] : s.v[i];
        out[i] = stepSize / (Math.sqrt(vHat) / bc2Sqrt + h.eps);
      }
    },
  };
}

export const adam = makeAdam(false);
export const adamw = makeAdam(true);
