/** torch.optim.SGD: plain, momentum with dampening, Nesterov, weight decay, in closed form. */
import { describe, expect, it } from 'vitest';
import { Optimizer, patchHyper, resolveHyper } from '../../../electron/engine/optim';
import { constant, drive, near } from './drive';

describe('sgd', () => {
  it('plain: θ ← θ − η g; on L = ½cθ², θ_t = (1 − ηc)^t θ₀', () => {
    const hyper = resolveHyper({ optimizer: 'sgd', lr: 0.1 });
    const o = new Optimizer('sgd', hyper, 1);
    const theta = Float64Array.of(2);
    for (let t = 1; t <= 200; t++) {
      o.step(theta, Float64Array.of(3 * theta[0]), 0.1);
      near(theta[0], 2 * 0.7 ** t, `step ${t}`);
    }
  });

  it('momentum with dampening under a constant g: b_t = μ^(t−1) g + (1 − τ) g (1 − μ^(t−1))/(1 − μ)', () => {
    const [mu, tau, lr, g] = [0.9, 0.3, 0.01, 2];
    const { thetas } = drive(
      { optimizer: 'sgd', lr, momentum: mu, dampening: tau },
      [0],
      constant([g], 300),
    );
    let theta = 0;
    thetas.forEach((th, k) => {
      const t = k + 1;
      const b = mu ** (t - 1) * g + ((1 - tau) * g * (1 - mu ** (t - 1))) / (1 - mu);
      theta -= lr * b;
      near(th[0], theta, `step ${t}`, 1e-11);
    });
    // Without dampening the buffer tends to g / (1 − μ): ten times the plain step.
    const { thetas: free } = drive({ optimizer: 'sgd', lr, momentum: mu }, [0], constant([g], 400));
    near(free[399][0] - free[398][0], (-lr * g) / (1 - mu), 'terminal velocity', 1e-9);
  });

  it('Nesterov: the step is g + μ b', () => {
    const [mu, lr, g] = [0.8, 0.05, -1.5];
    const { thetas } = drive(
      { optimizer: 'sgd', lr, momentum: mu, nesterov: true },
      [1],
      constant([g], 50),
    );
    let [theta, b] = [1, 0];
    thetas.forEach((th, k) => {
      b = k === 0 ? g : mu * b + g;
      theta -= lr * (g + mu * b);
      near(th[0], theta, `step ${k + 1}`);
    });
  });

  it('weight decay folds λθ into g: with no loss gradient θ_t = (1 − ηλ)^t θ₀', () => {
    const { thetas } = drive(
      { optimizer: 'sgd', lr: 0.1, weightDecay: 0.5 },
      [4, -2],
      constant([0, 0], 100),
    );
    thetas.forEach((th, k) => {
      near(th[0], 4 * 0.95 ** (k + 1), `step ${k + 1}`);
      near(th[1], -2 * 0.95 ** (k + 1), `step ${k + 1}`);
    });
  });

  it('momentum switched on mid-run starts its buffer at g, as torch creates it then', () => {
    const h0 = resolveHyper({ optimizer: 'sgd', lr: 0.1 });
    const o = new Optimizer('sgd', h0, 1);
    const theta = Float64Array.of(0);
    for (let t = 0; t < 4; t++) o.step(theta, Float64Array.of(1), 0.1);
    o.hyper = patchHyper('sgd', h0, { momentum: 0.9, dampening: 0.5 });
    o.step(theta, Float64Array.of(1), 0.1);
    // b ← g (not (1 − τ) g as if b had been 0 all along).
    expect(o.state.buffers.b[0]).toBe(1);
    near(theta[0], -0.5, 'θ');
    o.step(theta, Float64Array.of(1), 0.1);
    expect(o.state.buffers.b[0]).toBeCloseTo(0.9 + 0.5, 15);
  });

  it('momentum switched off keeps the buffer; switched back on, it resumes from it', () => {
    const h = resolveHyper({ optimizer: 'sgd', lr: 0.1, momentum: 0.5 });
    const o = new Optimizer('sgd', h, 1);
    const theta = Float64Array.of(0);
    o.step(theta, Float64Array.of(2), 0.1); // b = 2
    o.hyper = patchHyper('sgd', h, { momentum: 0 });
    o.step(theta, Float64Array.of(7), 0.1); // plain step, b untouched
    expect(o.state.buffers.b[0]).toBe(2);
    o.hyper = h;
    o.step(theta, Float64Array.of(1), 0.1); // b = 0.5·2 + 1
    expect(o.state.buffers.b[0]).toBe(2);
    near(theta[0], -0.2 - 0.7 - 0.2, 'θ');
  });

  it('reports its step count and momentum buffer', () => {
    const { optimizer } = drive(
      { optimizer: 'sgd', lr: 0.1, momentum: 0.9 },
      [0, 0],
      constant([1, -1], 3),
    );
    expect(optimizer.state.t).toBe(3);
    expect(Array.from(optimizer.state.buffers.b)).toEqual(
      [1 + 0.9 + 0.81, -(1 + 0.9 + 0.81)].map((v) => expect.closeTo(v, 14)),
    );
  });
});
