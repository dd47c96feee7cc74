/**
 * Learning-rate schedules against their closed forms and against torch.optim.lr_scheduler's
 * *recursive* get_lr (what torch actually runs when stepped once per optimizer step), written
 * out independently here. t is torch's last_epoch: 0 for the first optimizer step.
 */
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../electron/common/schemas';
import { scheduleSchema } from '../../../electron/common/schemas';
import { scheduledLr } from '../../../electron/engine/optim/schedules';

const STEPS = 600;

function close(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    rel * Math.max(1e-300, Math.abs(expected)),
  );
}

/** The rates torch's scheduler gives for steps 0 … n − 1, from its recursive get_lr. */
function torchRecursive(
  base: number,
  n: number,
  next: (lastEpoch: number, groupLr: number) => number,
  initial = base,
): number[] {
  const rates = [initial];
  for (let t = 1; t < n; t++) rates.push(next(t, rates[t - 1]));
  return rates;
}

/** StepLR.get_lr. */
const torchStepLr = (base: number, stepSize: number, gamma: number, n: number) =>
  torchRecursive(base, n, (t, lr) => (t === 0 || t % stepSize !== 0 ? lr : lr * gamma));

/** ExponentialLR.get_lr. */
const torchExponentialLr = (base: number, gamma: number, n: number) =>
  torchRecursive(base, n, (_t, lr) => lr * gamma);

/** CosineAnnealingLR.get_lr, including its special case at the bottom of each period. */
const torchCosineLr = (base: number, tMax: number, etaMin: number, n: number) =>
  torchRecursive(base, n, (t, lr) => {
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    }
    return (
      ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) *
        (lr - etaMin) +
      etaMin
    );
  });

/** LinearLR.get_lr. */
const torchLinearLr = (base: number, s: number, e: number, total: number, n: number) =>
  torchRecursive(
    base,
    n,
    (t, lr) => (t > total ? lr : lr * (1 + (e - s) / (total * s + (t - 1) * (e - s)))),
    base * s,
  );

function ours(schedule: Schedule, base: number, n = STEPS): number[] {
  const parsed = scheduleSchema.parse(schedule);
  return Array.from({ length: n }, (_, t) => scheduledLr(parsed, base, t));
}

describe('constant', () => {
  it('is η at every step', () => {
    for (const lr of ours({ kind: 'constant' }, 0.37)) expect(lr).toBe(0.37);
  });
});

describe('step (StepLR)', () => {
  for (const [stepSize, gamma] of [
    [30, 0.1],
    [1, 0.5],
    [7, 0.9],
    [100, 2],
  ]) {
    it(`stepSize ${stepSize}, γ ${gamma}: η γ^⌊t/stepSize⌋, and torch's recursion`, () => {
      const got = ours({ kind: 'step', stepSize, gamma }, 0.05);
      const torch = torchStepLr(0.05, stepSize, gamma, STEPS);
      got.forEach((lr, t) => {
        close(lr, 0.05 * gamma ** Math.floor(t / stepSize), 1e-14);
        close(lr, torch[t], 1e-12);
      });
    });
  }

  it('defaults γ to torch’s 0.1', () => {
    expect(ours({ kind: 'step', stepSize: 10 } as Schedule, 1, 25)[20]).toBeCloseTo(0.01, 15);
  });
});

describe('exponential (ExponentialLR)', () => {
  for (const gamma of [0.99, 0.9, 1, 1.001]) {
    it(`γ ${gamma}: η γ^t, and torch's recursion`, () => {
      const got = ours({ kind: 'exponential', gamma }, 0.1);
      const torch = torchExponentialLr(0.1, gamma, STEPS);
      got.forEach((lr, t) => {
        close(lr, 0.1 * gamma ** t, 1e-14);
        close(lr, torch[t], 1e-11);
      });
    });
  }
});

describe('cosine (CosineAnnealingLR)', () => {
  for (const [tMax, etaMin] of [
    [100, 0],
    [50, 0.001],
    [250, 0.01],
    [7, 0],
  ]) {
    it(`T_max ${tMax}, η_min ${etaMin}: closed form and torch's recursion, past T_max too`, () => {
      const base = 0.1;
      const got = ours({ kind: 'cosine', tMax, etaMin }, base);
      const torch = torchCosineLr(base, tMax, etaMin, STEPS);
      got.forEach((lr, t) => {
        const closed = etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
        expect(Math.abs(lr - closed)).toBeLessThanOrEqual(1e-15);
        // The recursion accumulates rounding: compare on the schedule's own scale.
        expect(Math.abs(lr - torch[t]), `t = ${t}`).toBeLessThanOrEqual(1e-11 * base);
      });
      expect(got[0]).toBe(base);
      expect(got[tMax]).toBeCloseTo(etaMin, 15);
      // torch's schedule is periodic: back at η after 2 T_max.
      expect(got[2 * tMax]).toBeCloseTo(base, 14);
    });
  }
});

describe('linear (LinearLR, the usual warm-up)', () => {
  for (const [s, e, total] of [
    [1 / 3, 1, 5],
    [0.01, 1, 100],
    [1, 0.1, 300],
    [0.5, 0.5, 10],
    [0.25, 0, 40],
  ]) {
    it(`start ${s}, end ${e}, ${total} iterations: closed form and torch's recursion`, () => {
      const base = 0.2;
      const got = ours({ kind: 'linear', startFactor: s, endFactor: e, totalIters: total }, base);
      const torch = torchLinearLr(base, s, e, total, STEPS);
      got.forEach((lr, t) => {
        close(lr, base * (s + ((e - s) * Math.min(t, total)) / total), 1e-14);
        // torch's recursion divides by a factor that reaches 0 when e = 0 at t = total.
        if (torch[t] !== 0 || lr > 1e-15) close(lr, torch[t], 1e-11);
      });
      expect(got[0]).toBeCloseTo(base * s, 15);
      expect(got[total]).toBeCloseTo(base * e, 15);
      expect(got[STEPS - 1]).toBeCloseTo(base * e, 15);
    });
  }

  it('defaults to torch’s startFactor 1/3, endFactor 1, totalIters 5', () => {
    const got = ours({ kind: 'linear' } as Schedule, 0.3, 8);
    expect(got[0]).toBeCloseTo(0.1, 15);
    expect(got[5]).toBeCloseTo(0.3, 15);
    expect(got[7]).toBeCloseTo(0.3, 15);
  });
});

describe('warmupDecay (LossLab): linear warm-up, then cosine or inverse square root', () => {
  it('warm-up η(t + 1)/W, then cosine from η to η_min at totalSteps, then η_min', () => {
    const [W, total, etaMin, base] = [20, 220, 0.001, 0.1];
    const got = ours(
      { kind: 'warmupDecay', warmupSteps: W, decay: 'cosine', totalSteps: total, etaMin },
      base,
    );
    got.forEach((lr, t) => {
      let want: number;
      if (t < W) want = (base * (t + 1)) / W;
      else if (t >= total) want = etaMin;
      else
        want = etaMin + ((base - etaMin) / 2) * (1 + Math.cos((Math.PI * (t - W)) / (total - W)));
      close(lr, want, 1e-13);
    });
    // It rises monotonically to η, then falls monotonically to η_min.
    for (let t = 1; t < W; t++) expect(got[t]).toBeGreaterThan(got[t - 1]);
    for (let t = W + 1; t <= total; t++) expect(got[t]).toBeLessThan(got[t - 1]);
    expect(got[W - 1]).toBeCloseTo(base, 15);
    expect(got[W]).toBeCloseTo(base, 15);
  });

  it('warm-up, then η √(W / (t + 1)) as in the Transformer', () => {
    const [W, base] = [40, 0.01];
    const got = ours({ kind: 'warmupDecay', warmupSteps: W, decay: 'invSqrt' } as Schedule, base);
    got.forEach((lr, t) => {
      close(lr, t < W ? (base * (t + 1)) / W : base * Math.sqrt(W / (t + 1)), 1e-14);
    });
    // Continuous at the switch: the peak is η, reached at t = W − 1.
    expect(got[W - 1]).toBeCloseTo(base, 16);
    expect(Math.max(...got)).toBeCloseTo(base, 16);
  });

  it('defaults to cosine decay over 1000 steps to η_min = 0', () => {
    const got = ours({ kind: 'warmupDecay', warmupSteps: 10 } as Schedule, 1, 1200);
    expect(got[9]).toBe(1);
    expect(got[1000]).toBeCloseTo(0, 15);
    expect(got[1100]).toBe(0);
    expect(got[505]).toBeCloseTo(0.5, 12);
  });
});

describe('invSqrt (LossLab)', () => {
  it('η / √(t + 1)', () => {
    ours({ kind: 'invSqrt' }, 0.3).forEach((lr, t) => close(lr, 0.3 / Math.sqrt(t + 1), 1e-15));
  });
});
