/**
 * torch.optim.Adagrad (accumulated Σg², lr_decay, initial_accumulator_value) and the lecture's
 * Adagrad (σ = root *mean* square of every gradient so far), each against its equations.
 */
import { describe, expect, it } from 'vitest';
import { Optimizer, resolveHyper } from '../../../electron/engine/optim';
import { constant, drive, near } from './drive';

function effective(o: Optimizer): number[] {
  const out = new Float64Array(o.size);
  o.rule.effectiveStep(o.state, o.hyper, o.hyper.lr, out);
  return Array.from(out);
}

describe('adagrad (pytorch)', () => {
  it('constant g with lr_decay d and accumulator a₀: θ_t = θ₀ − Σ_k η/(1 + (k − 1)d) · g/(√(a₀ + k g²) + ε)', () => {
    const [lr, d, a0, g, eps] = [0.5, 0.02, 0.3, 1.7, 1e-10];
    const { thetas } = drive(
      { optimizer: 'adagrad', lr, lrDecay: d, initialAccumulatorValue: a0 },
      [1],
      constant([g], 400),
    );
    let theta = 1;
    thetas.forEach((th, i) => {
      const k = i + 1;
      theta -= ((lr / (1 + (k - 1) * d)) * g) / (Math.sqrt(a0 + k * g * g) + eps);
      near(th[0], theta, `step ${k}`);
    });
  });

  it('the first step is ≈ η·sign(g) whatever the gradient’s size', () => {
    for (const g of [1e-6, 0.3, 1e4]) {
      const { thetas } = drive({ optimizer: 'adagrad', lr: 0.1 }, [0], [[g]]);
      near(thetas[0][0], (-0.1 * g) / (g + 1e-10), `g = ${g}`);
      expect(thetas[0][0]).toBeCloseTo(-0.1, 4);
    }
  });

  it('η/σ only shrinks: the sum of squares never forgets', () => {
    const o = new Optimizer('adagrad', resolveHyper({ optimizer: 'adagrad', lr: 0.1 }), 1);
    const theta = Float64Array.of(0);
    let previous = Infinity;
    for (let t = 0; t < 200; t++) {
      o.step(theta, Float64Array.of(t < 20 ? 1 : 1e-4), 0.1);
      const [e] = effective(o);
      expect(e).toBeLessThanOrEqual(previous);
      previous = e;
    }
    expect(o.state.buffers['Σg²'][0]).toBeCloseTo(20 + 180 * 1e-8, 12);
  });
});

describe('adagrad (lecture): σ_t = √(mean of g₀², …, g_t²), θ ← θ − η g/(σ + ε)', () => {
  it('by hand: g = 3 then 4 gives σ = 3 then √12.5', () => {
    const { thetas } = drive(
      { optimizer: 'adagrad', lr: 0.2, variant: 'lecture' },
      [0],
      [[3], [4]],
    );
    near(thetas[0][0], (-0.2 * 3) / (3 + 1e-10), 'step 1');
    near(thetas[1][0], thetas[0][0] - (0.2 * 4) / (Math.sqrt(12.5) + 1e-10), 'step 2');
  });

  it('a constant gradient gives σ = |g| and a constant step η g/(|g| + ε) (a sum would shrink it)', () => {
    const { thetas } = drive(
      { optimizer: 'adagrad', lr: 0.1, variant: 'lecture' },
      [0],
      constant([-2], 300),
    );
    thetas.forEach((th, k) =>
      near(th[0], (k + 1) * ((0.1 * 2) / (2 + 1e-10)), `step ${k + 1}`, 1e-11),
    );
  });

  it('ignores initial_accumulator_value and lr_decay, which are torch’s', () => {
    const a = drive(
      { optimizer: 'adagrad', lr: 0.1, variant: 'lecture' },
      [0, 1],
      constant([1, -3], 20),
    );
    const b = drive(
      {
        optimizer: 'adagrad',
        lr: 0.1,
        variant: 'lecture',
        initialAccumulatorValue: 5,
        lrDecay: 0.5,
      },
      [0, 1],
      constant([1, -3], 20),
    );
    expect(b.thetas).toEqual(a.thetas);
  });

  it('explodes along a direction whose gradient has gone small, as the lecture shows', () => {
    const grads = [...constant([1], 10), ...constant([1e-3], 990)];
    const lecture = drive(
      { optimizer: 'adagrad', lr: 0.1, variant: 'lecture' },
      [0],
      grads,
    ).optimizer;
    const torch = drive({ optimizer: 'adagrad', lr: 0.1 }, [0], grads).optimizer;
    // σ = √((10 + 990·10⁻⁶) / 1000) ≈ 0.1 against √(10 + 990·10⁻⁶) ≈ 3.16.
    near(effective(lecture)[0], 0.1 / Math.sqrt((10 + 990e-6) / 1000), 'lecture η/σ', 1e-9);
    expect(effective(lecture)[0]).toBeGreaterThan(30 * effective(torch)[0]);
  });
});
