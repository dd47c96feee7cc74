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

/** 1 − β₁ᵗ and 1 − β₂ᵗ for the state's t, computed as torch does (with pow) once per t. */
function biasCorrections(s: AdamState, b1: number, b2: number): AdamState['bias'] {
  const bias = s.bias;
  if (bias.t !== s.t || bias.b1 !== b1 || bias.b2 !== b2) {
    bias.t = s.t;
    bias.b1 = b1;
    bias.b2 = b2;
    bias.c1 = 1 - b1 ** s.t;
    bias.c2 = 1 - b2 ** s.t;
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
    step(theta, grad, s, h: Hyper, lr) {
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
        theta[i] -= (stepSize * m[i]) / (Math.sqrt(vHat) / bc2Sqrt + eps);
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
