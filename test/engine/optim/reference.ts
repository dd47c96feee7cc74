/**
 * Independent reference implementations for the optimizer tests: torch.optim's update rules
 * transcribed statement by statement from torch 2.x (`_single_tensor_sgd`, `_single_tensor_adam`,
 * …) over plain number arrays, and the lecture's Adagrad and RMSProp straight from their
 * equations. Deliberately written differently from electron/engine/optim (arrays of numbers,
 * torch's op order, whole-history sums) so that the two cannot share a mistake.
 *
 * Each reference takes the hyperparameters afresh at every step, as torch reads
 * `param_groups` at every `step()`, which is how a mid-run change behaves.
 */
import type { Hyper, OptimizerName } from '../../../electron/common/schemas';

/** One step in place: θ ← update(θ, g) with these hyperparameters and this η. */
export type ReferenceStep = (theta: number[], grad: number[], h: Hyper, lr: number) => void;

/** torch's Tensor.lerp_(end, weight), which switches formula at weight 0.5. */
function lerp(start: number, end: number, weight: number): number {
  return weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight);
}

/** torch.optim.SGD: the momentum buffer is created (as a copy of g) on first use. */
export function referenceSgd(): ReferenceStep {
  let buf: number[] | undefined;
  return (theta, grad, h, lr) => {
    let d = grad.map((g, i) => (h.weightDecay !== 0 ? g + h.weightDecay * theta[i] : g));
    if (h.momentum !== 0) {
      if (buf === undefined) {
        buf = d.slice();
      } else {
        const b = buf;
        buf = b.map((v, i) => v * h.momentum + d[i] * (1 - h.dampening));
      }
      const b = buf;
      d = h.nesterov ? d.map((g, i) => g + h.momentum * b[i]) : b.slice();
    }
    theta.forEach((t, i) => (theta[i] = t - lr * d[i]));
  };
}

/** torch.optim.Adagrad. The accumulator starts at initial_accumulator_value. */
export function referenceAdagrad(n: number, initial: number): ReferenceStep {
  const stateSum = new Array<number>(n).fill(initial);
  let step = 0;
  return (theta, grad, h, lr) => {
    step += 1;
    const d = grad.map((g, i) => (h.weightDecay !== 0 ? g + h.weightDecay * theta[i] : g));
    const clr = lr / (1 + (step - 1) * h.lrDecay);
    for (let i = 0; i < n; i++) {
      stateSum[i] += d[i] * d[i];
      const std = Math.sqrt(stateSum[i]) + h.eps;
      theta[i] += (-clr * d[i]) / std;
    }
  };
}

/** The lecture's Adagrad: σ_t = √(mean of g₀², …, g_t²), θ ← θ − η g_t / (σ_t + ε). */
export function referenceAdagradLecture(n: number): ReferenceStep {
  const history: number[][] = [];
  return (theta, grad, h, lr) => {
    const g = grad.map((v, i) => (h.weightDecay !== 0 ? v + h.weightDecay * theta[i] : v));
    history.push(g);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (const past of history) sum += past[i] ** 2;
      const sigma = Math.sqrt(sum / history.length);
      theta[i] -= (lr * g[i]) / (sigma + h.eps);
    }
  };
}

/** torch.optim.RMSprop, with `centered` and momentum. */
export function referenceRmsprop(n: number): ReferenceStep {
  const squareAvg = new Array<number>(n).fill(0);
  const gradAvg = new Array<number>(n).fill(0);
  const buf = new Array<number>(n).fill(0);
  return (theta, grad, h, lr) => {
    const d = grad.map((g, i) => (h.weightDecay !== 0 ? g + h.weightDecay * theta[i] : g));
    for (let i = 0; i < n; i++) {
      squareAvg[i] = squareAvg[i] * h.alpha + d[i] * d[i] * (1 - h.alpha);
      let avg: number;
      if (h.centered) {
        gradAvg[i] = lerp(gradAvg[i], d[i], 1 - h.alpha);
        avg = Math.sqrt(squareAvg[i] - gradAvg[i] * gradAvg[i]);
      } else {
        avg = Math.sqrt(squareAvg[i]);
      }
      avg += h.eps;
      if (h.momentum > 0) {
        buf[i] = buf[i] * h.momentum + d[i] / avg;
        theta[i] += -lr * buf[i];
      } else {
        theta[i] += (-lr * d[i]) / avg;
      }
    }
  };
}

/** The lecture's RMSProp: σ₀ = |g₀|, σ_t = √(α σ_{t−1}² + (1 − α) g_t²), θ ← θ − η g/(σ + ε). */
export function referenceRmspropLecture(n: number): ReferenceStep {
  let sigma: number[] | undefined;
  return (theta, grad, h, lr) => {
    const g = grad.map((v, i) => (h.weightDecay !== 0 ? v + h.weightDecay * theta[i] : v));
    const prev = sigma;
    sigma = prev
      ? g.map((v, i) => Math.sqrt(h.alpha * prev[i] ** 2 + (1 - h.alpha) * v * v))
      : g.map(Math.abs);
    for (let i = 0; i < n; i++) theta[i] -= (lr * g[i]) / (sigma[i] + h.eps);
  };
}

/** torch.optim.Adam (decoupled = false) and AdamW (decoupled = true), with amsgrad. */
export function referenceAdam(n: number, decoupled: boolean): ReferenceStep {
  const expAvg = new Array<number>(n).fill(0);
  const expAvgSq = new Array<number>(n).fill(0);
  const maxExpAvgSq = new Array<number>(n).fill(0);
  let step = 0;
  return (theta, grad, h, lr) => {
    step += 1;
    const [beta1, beta2] = h.betas;
    let d = grad.slice();
    if (h.weightDecay !== 0) {
      if (decoupled) theta.forEach((t, i) => (theta[i] = t * (1 - lr * h.weightDecay)));
      else d = d.map((g, i) => g + h.weightDecay * theta[i]);
    }
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    for (let i = 0; i < n; i++) {
      expAvg[i] = lerp(expAvg[i], d[i], 1 - beta1);
      expAvgSq[i] = expAvgSq[i] * beta2 + d[i] * d[i] * (1 - beta2);
      let denom: number;
      if (h.amsgrad) {
        maxExpAvgSq[i] = Math.max(maxExpAvgSq[i], expAvgSq[i]);
        denom = Math.sqrt(maxExpAvgSq[i]) / biasCorrection2Sqrt + h.eps;
      } else {
        denom = Math.sqrt(expAvgSq[i]) / biasCorrection2Sqrt + h.eps;
      }
      theta[i] += (-stepSize * expAvg[i]) / denom;
    }
  };
}

/** The reference for a rule and variant, fresh. */
export function referenceFor(optimizer: OptimizerName, h: Hyper, n: number): ReferenceStep {
  switch (optimizer) {
    case 'sgd':
      return referenceSgd();
    case 'adagrad':
      return h.variant === 'lecture'
        ? referenceAdagradLecture(n)
        : referenceAdagrad(n, h.initialAccumulatorValue);
    case 'rmsprop':
      return h.variant === 'lecture' ? referenceRmspropLecture(n) : referenceRmsprop(n);
    case 'adam':
      return referenceAdam(n, false);
    case 'adamw':
      return referenceAdam(n, true);
  }
}
