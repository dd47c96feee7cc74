/**
 * Losses on the host, in float64, from the logits z the network computed (float32, one row per
 * example: z[i·K + k] is class k's logit for example i). A batch's logits are a few
 * thousand numbers, so reading them back and doing the softmax here costs less than the half
 * dozen small tfjs ops it replaces, and the loss is exact for the logits it is given.
 *
 * Every loss is a mean over the batch, and `delta` receives ∂L/∂z for the backward pass.
 */

export type LossKind = 'crossEntropy' | 'mse' | 'regression';

export interface LossValue {
  /** Mean loss over the batch (without the L2 penalty). */
  loss: number;
  /** Examples whose largest logit is their class (0 for regression). */
  correct: number;
}

/**
 * @param z logits, n × K, one row per example
 * @param y class indices (classification) or targets (regression), length n
 * @param delta if given, receives ∂L/∂z (n × K)
 * @param total the batch's size when these n examples are a part of it: the loss and ∂L/∂z are
 *   the part's terms of the whole batch's mean (divided by `total`, not n)
 */
export function lossFromLogits(
  kind: LossKind,
  z: Float32Array,
  y: Float32Array,
  classes: number,
  n: number,
  delta?: Float32Array,
  total = n,
): LossValue {
  if (kind === 'regression') return meanSquared(z, y, n, delta, total);
  let lossSum = 0;
  let correct = 0;
  const p = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const label = y[i];
    // Softmax with the largest logit subtracted: p_k = e^(z_k − m) / Σ_j e^(z_j − m).
    let m = -Infinity;
    let argmax = 0;
    for (let k = 0; k < classes; k++) {
      const v = z[i * classes + k];
      if (v > m) {
        m = v;
        argmax = k;
      }
    }
    if (argmax === label) correct++;
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      p[k] = Math.exp(z[i * classes + k] - m);
      sum += p[k];
    }
    for (let k = 0; k < classes; k++) p[k] /= sum;
    if (kind === 'crossEntropy') {
      // e = −log p_y = log Σ e^(z_j − m) − (z_y − m);   ∂e/∂z_k = p_k − [k = y].
      lossSum += Math.log(sum) - (z[i * classes + label] - m);
      if (delta)
        for (let k = 0; k < classes; k++)
          delta[i * classes + k] = (p[k] - (k === label ? 1 : 0)) / total;
    } else {
      // e = Σ_k (p_k − ŷ_k)² with ŷ one-hot. Through the softmax's Jacobian
      // ∂p_j/∂z_k = p_j([j = k] − p_k):  ∂e/∂z_k = p_k (g_k − Σ_j p_j g_j),  g_j = 2(p_j − ŷ_j).
      let e = 0;
      let pg = 0;
      for (let k = 0; k < classes; k++) {
        const d = p[k] - (k === label ? 1 : 0);
        e += d * d;
        pg += p[k] * 2 * d;
      }
      lossSum += e;
      if (delta) {
        for (let k = 0; k < classes; k++) {
          const g = 2 * (p[k] - (k === label ? 1 : 0));
          delta[i * classes + k] = (p[k] * (g - pg)) / total;
        }
      }
    }
  }
  return { loss: lossSum / total, correct };
}

/** L = (1/n) Σ (ŷ − y)²,  ∂L/∂ŷ = 2(ŷ − y)/n (torch's MSELoss). */
function meanSquared(
  z: Float32Array,
  y: Float32Array,
  n: number,
  delta: Float32Array | undefined,
  total: number,
): LossValue {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = z[i] - y[i];
    sum += d * d;
    if (delta) delta[i] = (2 * d) / total;
  }
  return { loss: sum / total, correct: 0 };
}
