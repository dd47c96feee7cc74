/**
 * torch.optim.Adam and AdamW: bias correction, amsgrad, and the two weight-decay semantics
 * (Adam's L2 folded into g, AdamW's decoupled θ ← θ(1 − ηλ)), against their equations.
 */
import { describe, expect, it } from 'vitest';
import { Optimizer, resolveHyper } from '../../../electron/engine/optim';
import type { AdamState } from '../../../electron/engine/optim/adam';
import { constant, drive, near } from './drive';

describe('adam', () => {
  it('constant g: bias correction makes every step exactly η g/(|g| + ε)', () => {
    for (const g of [1e-3, 0.5, 40]) {
      const { thetas } = drive({ optimizer: 'adam', lr: 0.01 }, [0], constant([g], 300));
      thetas.forEach((th, k) =>
        near(th[0], (-(k + 1) * 0.01 * g) / (g + 1e-8), `g ${g} step ${k + 1}`, 1e-9),
      );
    }
  });

  it('step 2 by hand: m, v bias-corrected with β₁², β₂²', () => {
    const [b1, b2, lr] = [0.8, 0.95, 0.1];
    const { thetas } = drive({ optimizer: 'adam', lr, betas: [b1, b2] }, [0], [[2], [-1]]);
    const m = b1 * (1 - b1) * 2 + (1 - b1) * -1;
    const v = b2 * (1 - b2) * 4 + (1 - b2) * 1;
    const step2 = ((lr / (1 - b1 ** 2)) * m) / (Math.sqrt(v) / Math.sqrt(1 - b2 ** 2) + 1e-8);
    near(thetas[1][0], thetas[0][0] - step2, 'θ₂');
  });

  it('amsgrad divides by the largest v so far: smaller steps once the gradient shrinks', () => {
    const grads = [[10], [0.1], [0.1], [0.1]];
    const plain = drive({ optimizer: 'adam', lr: 0.01 }, [0], grads);
    const ams = drive({ optimizer: 'adam', lr: 0.01, amsgrad: true }, [0], grads);
    const { m, v, v̂max: vMax } = ams.optimizer.state.buffers;
    expect(vMax[0]).toBeGreaterThan(v[0]);
    // v₁ = 0.001·100 = 0.1 is the largest: v̂ stays at it.
    near(vMax[0], 0.1, 'v̂max');
    near(
      ams.thetas[3][0] - ams.thetas[2][0],
      -((0.01 / (1 - 0.9 ** 4)) * m[0]) / (Math.sqrt(0.1) / Math.sqrt(1 - 0.999 ** 4) + 1e-8),
      'step 4',
    );
    expect(Math.abs(ams.thetas[3][0] - ams.thetas[2][0])).toBeLessThan(
      Math.abs(plain.thetas[3][0] - plain.thetas[2][0]),
    );
    // Before v shrinks the two agree.
    expect(ams.thetas[0]).toEqual(plain.thetas[0]);
  });
});

describe('weight decay: Adam (L2) against AdamW (decoupled)', () => {
  it('AdamW with no loss gradient shrinks θ by exactly (1 − ηλ) per step', () => {
    const { thetas, optimizer } = drive(
      { optimizer: 'adamw', lr: 0.1, weightDecay: 0.2 },
      [3, -1],
      constant([0, 0], 100),
    );
    thetas.forEach((th, k) => {
      near(th[0], 3 * 0.98 ** (k + 1), `step ${k + 1}`);
      near(th[1], -(0.98 ** (k + 1)), `step ${k + 1}`);
    });
    // The decay never enters m or v.
    expect(Array.from(optimizer.state.buffers.m)).toEqual([0, 0]);
    expect(Array.from(optimizer.state.buffers.v)).toEqual([0, 0]);
  });

  it('Adam folds λθ into g, so the decay is normalised away: a first step of ≈ η, not ηλθ', () => {
    const { thetas } = drive({ optimizer: 'adam', lr: 0.1, weightDecay: 0.2 }, [3], [[0]]);
    near(thetas[0][0], 3 - (0.1 * 0.6) / (0.6 + 1e-8), 'θ₁');
    const w = drive({ optimizer: 'adamw', lr: 0.1, weightDecay: 0.2 }, [3], [[0]]).thetas;
    near(w[0][0], 3 * (1 - 0.02), 'AdamW θ₁');
  });

  it('AdamW’s m and v are Adam’s without decay, bit for bit; Adam’s L2 changes them', () => {
    const grads = Array.from({ length: 50 }, (_, k) => [Math.sin(k), Math.cos(3 * k)]);
    const w = drive({ optimizer: 'adamw', lr: 0.05, weightDecay: 0.3 }, [1, 2], grads).optimizer;
    const none = drive({ optimizer: 'adam', lr: 0.05 }, [1, 2], grads).optimizer;
    const l2 = drive({ optimizer: 'adam', lr: 0.05, weightDecay: 0.3 }, [1, 2], grads).optimizer;
    expect(Array.from(w.state.buffers.m)).toEqual(Array.from(none.state.buffers.m));
    expect(Array.from(w.state.buffers.v)).toEqual(Array.from(none.state.buffers.v));
    expect(Array.from(l2.state.buffers.v)).not.toEqual(Array.from(none.state.buffers.v));
  });

  it('AdamW defaults to λ = 0.01; Adam to 0', () => {
    const w = drive({ optimizer: 'adamw', lr: 0.1 }, [1], [[0]]).thetas;
    near(w[0][0], 1 - 0.1 * 0.01, 'AdamW');
    const a = drive({ optimizer: 'adam', lr: 0.1 }, [1], [[0]]).thetas;
    expect(a[0][0]).toBe(1);
  });
});

describe('bias correction', () => {
  it('is 1 − βᵗ from pow at every step, also once pow is skipped (1 − βᵗ = 1)', () => {
    // β₁ = 0.9 rounds 1 − β₁ᵗ to 1 from t ≈ 350 on, 0.5 from t = 54, 0 from t = 1; β₂ = 0.9
    // too within the run. A change of β mid-run (and back) must not keep a stale 1.
    for (const betas of [
      [0.9, 0.999],
      [0.5, 0.9],
      [0, 0.99],
      [0.99, 0.9],
    ] as [number, number][]) {
      const hyper = resolveHyper({ optimizer: 'adam', lr: 1e-3, betas });
      const o = new Optimizer('adam', hyper, 2);
      const theta = Float64Array.of(1, -1);
      for (let t = 1; t <= 3000; t++) {
        if (t === 1500) o.hyper = { ...hyper, betas: [0.3, 0.95] };
        if (t === 1600) o.hyper = hyper;
        o.step(theta, Float64Array.of(0.3, -0.2), o.hyper.lr);
        const [b1, b2] = o.hyper.betas;
        const { c1, c2 } = (o.state as AdamState).bias;
        if (c1 !== 1 - b1 ** t || c2 !== 1 - b2 ** t) {
          throw new Error(
            `β ${betas}, t ${t}: ${c1}, ${c2}; pow gives ${1 - b1 ** t}, ${1 - b2 ** t}`,
          );
        }
      }
    }
  });
});
