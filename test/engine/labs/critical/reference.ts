/**
 * A float64 reference for the critical-points lab's network tests, independent of the engine's
 * Hessian code: a tanh MLP with softmax cross-entropy (LossLab's layout, no L2), its loss and
 * gradient by hand-written backpropagation in float64, and its Hessian by central differences
 * of that gradient, H e_j ≈ (∇L(θ + h e_j) − ∇L(θ − h e_j)) / 2h, symmetrized.
 *
 * Error of the differences: truncation ≈ h²/6 · |∂³∇L| (≈ 1e-10 for h = 1e-5 and the O(1)
 * third derivatives of a small tanh network) plus rounding ≈ ε·|∇L| / h ≈ 1e-11: the reference
 * is good to about 1e-9, far below the float32 noise of the engine's Hessian-vector products.
 */
import type { ParamLayout } from '../../../../electron/engine/network';

export interface Reference {
  layout: ParamLayout;
  /** Standardized inputs, n × inputDim. */
  x: ArrayLike<number>;
  /** Class indices. */
  y: ArrayLike<number>;
  n: number;
}

/** L(θ) (mean cross-entropy) and, into `grad`, ∇L(θ). Hidden layers tanh, no residual, no L2. */
export function lossAndGrad(ref: Reference, theta: ArrayLike<number>, grad?: Float64Array): number {
  const { layout, x, y, n } = ref;
  const layers = layout.layers;
  const depth = layers.length - 1;
  grad?.fill(0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    // Forward: h[0] = x_i; h[l+1] = tanh(W_l h[l] + b_l); z = W_D h[D] + b_D.
    const h: Float64Array[] = [
      Float64Array.from({ length: layout.inputDim }, (_, k) => x[i * layout.inputDim + k]),
    ];
    for (let l = 0; l <= depth; l++) {
      const { fanIn, fanOut, weight, bias } = layers[l];
      const out = new Float64Array(fanOut);
      for (let o = 0; o < fanOut; o++) {
        let u = theta[bias.offset + o];
        for (let k = 0; k < fanIn; k++) u += theta[weight.offset + o * fanIn + k] * h[l][k];
        out[o] = l < depth ? Math.tanh(u) : u;
      }
      h.push(out);
    }
    const z = h[depth + 1];
    const m = Math.max(...z);
    let sum = 0;
    for (const v of z) sum += Math.exp(v - m);
    const label = y[i];
    total += Math.log(sum) + m - z[label];
    if (!grad) continue;
    // Backward: δz = (softmax − onehot)/n; δu_l = δh_{l+1} ⊙ (1 − h_{l+1}²).
    let delta = Float64Array.from(z, (v, k) => (Math.exp(v - m) / sum - (k === label ? 1 : 0)) / n);
    for (let l = depth; l >= 0; l--) {
      const { fanIn, fanOut, weight, bias } = layers[l];
      const below = new Float64Array(fanIn);
      for (let o = 0; o < fanOut; o++) {
        grad[bias.offset + o] += delta[o];
        for (let k = 0; k < fanIn; k++) {
          grad[weight.offset + o * fanIn + k] += delta[o] * h[l][k];
          below[k] += delta[o] * theta[weight.offset + o * fanIn + k];
        }
      }
      if (l > 0) delta = Float64Array.from(below, (d, k) => d * (1 - h[l][k] * h[l][k]));
    }
  }
  return total / n;
}

/** The dense Hessian (P × P, row-major) by central differences of the gradient. */
export function hessianByDifferences(ref: Reference, theta: Float64Array, h = 1e-5): Float64Array {
  const p = theta.length;
  const out = new Float64Array(p * p);
  const plus = new Float64Array(p);
  const minus = new Float64Array(p);
  const at = Float64Array.from(theta);
  for (let j = 0; j < p; j++) {
    at[j] = theta[j] + h;
    lossAndGrad(ref, at, plus);
    at[j] = theta[j] - h;
    lossAndGrad(ref, at, minus);
    at[j] = theta[j];
    for (let i = 0; i < p; i++) out[i * p + j] = (plus[i] - minus[i]) / (2 * h);
  }
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const v = 0.5 * (out[i * p + j] + out[j * p + i]);
      out[i * p + j] = v;
      out[j * p + i] = v;
    }
  }
  return out;
}

/** H v for a dense row-major H. */
export function multiply(h: Float64Array, v: ArrayLike<number>): Float64Array {
  const p = v.length;
  const out = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += h[i * p + j] * v[j];
    out[i] = s;
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
