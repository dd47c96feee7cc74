import type { Schedule } from '../../common/schemas';

/**
 * η_t: the learning rate used by step t (t = 0 for the first step), for a base rate η.
 * Stepped once per optimizer step, these equal torch.optim.lr_scheduler's closed forms:
 *
 *   step         η γ^⌊t / stepSize⌋                               (StepLR)
 *   exponential  η γ^t                                             (ExponentialLR)
 *   cosine       η_min + (η − η_min)(1 + cos(π t / T_max)) / 2     (CosineAnnealingLR)
 *   linear       η (s + (e − s) · min(t, N) / N)                   (LinearLR, the usual warm-up)
 *   warmupDecay  η (t + 1) / W for t < W, then cosine to η_min at `totalSteps`,
 *                or η √(W / (t + 1)) (inverse square root, as in the Transformer)
 *   invSqrt      η / √(t + 1)
 */
export function scheduledLr(schedule: Schedule, lr: number, t: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * schedule.gamma ** Math.floor(t / schedule.stepSize);
    case 'exponential':
      return lr * schedule.gamma ** t;
    case 'cosine':
      return cosine(lr, schedule.etaMin, t, schedule.tMax);
    case 'linear': {
      const { startFactor: s, endFactor: e, totalIters: n } = schedule;
      return lr * (s + ((e - s) * Math.min(t, n)) / n);
    }
    case 'warmupDecay': {
      const w = schedule.warmupSteps;
      if (t < w) return (lr * (t + 1)) / w;
      if (schedule.decay === 'invSqrt') return lr * Math.sqrt(w / (t + 1));
      const span = Math.max(1, schedule.totalSteps - w);
      return cosine(lr, schedule.etaMin, Math.min(t - w, span), span);
    }
    case 'invSqrt':
      return lr / Math.sqrt(t + 1);
  }
}

function cosine(lr: number, etaMin: number, t: number, tMax: number): number {
  return etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
}

export const constantSchedule: Schedule = { kind: 'constant' };
