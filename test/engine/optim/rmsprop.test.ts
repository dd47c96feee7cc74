/**
 * torch.optim.RMSprop (plain, centered, with momentum) and the lecture's RMSProp (σ₀ = |g₀|),
 * against their equations.
 */
import { describe, it } from 'vitest';
import { constant, drive, near } from './drive';

describe('rmsprop (pytorch)', () => {
  it('constant g: v_t = (1 − αᵗ) g², θ_t = θ₀ − Σ_k η g/(√v_k + ε)', () => {
    const [lr, alpha, g, eps] = [0.01, 0.99, 0.7, 1e-8];
    const { thetas } = drive({ optimizer: 'rmsprop', lr, alpha }, [0], constant([g], 500));
    let theta = 0;
    thetas.forEach((th, i) => {
      const v = (1 - alpha ** (i + 1)) * g * g;
      theta -= (lr * g) / (Math.sqrt(v) + eps);
      near(th[0], theta, `step ${i + 1}`, 1e-10);
    });
    // The first step is η/√(1 − α) = 10η: v₀ = 0 is not bias-corrected.
    near(thetas[0][0], -lr / Math.sqrt(1 - alpha), 'first step', 1e-7);
  });

  it('centered: σ = √(v − ḡ²) + ε; a first step of η g/(|g|√(α(1 − α)) + ε)', () => {
    const [lr, alpha, g] = [0.01, 0.9, -3];
    const { thetas } = drive(
      { optimizer: 'rmsprop', lr, alpha, centered: true },
      [0],
      [[g], [2 * g]],
    );
    near(thetas[0][0], (-lr * g) / (Math.abs(g) * Math.sqrt(alpha * (1 - alpha)) + 1e-8), 'step 1');
    const v = alpha * (1 - alpha) * g * g + (1 - alpha) * 4 * g * g;
    const m = alpha * (1 - alpha) * g + (1 - alpha) * 2 * g;
    near(thetas[1][0], thetas[0][0] - (lr * 2 * g) / (Math.sqrt(v - m * m) + 1e-8), 'step 2');
  });

  it('momentum: b ← μ b + g/σ, θ ← θ − η b', () => {
    const [lr, alpha, mu] = [0.01, 0.99, 0.9];
    const grads = [[1], [-2], [0.5]];
    const { thetas } = drive({ optimizer: 'rmsprop', lr, alpha, momentum: mu }, [0], grads);
    let [v, b, theta] = [0, 0, 0];
    grads.forEach(([g], k) => {
      v = alpha * v + (1 - alpha) * g * g;
      b = mu * b + g / (Math.sqrt(v) + 1e-8);
      theta -= lr * b;
      near(thetas[k][0], theta, `step ${k + 1}`);
    });
  });

  it('weight decay adds λθ to g before everything else', () => {
    const { thetas } = drive({ optimizer: 'rmsprop', lr: 0.01, weightDecay: 0.5 }, [2], [[0]]);
    // g = λθ = 1: the same first step as g = 1 without decay.
    const plain = drive({ optimizer: 'rmsprop', lr: 0.01 }, [2], [[1]]).thetas;
    near(thetas[0][0], plain[0][0], 'θ₁');
  });
});

describe('rmsprop (lecture): σ₀ = |g₀|, σ_t = √(α σ_{t−1}² + (1 − α) g_t²)', () => {
  it('by hand: g = 3 then 4 with α = 0.5 gives σ = 3 then √12.5', () => {
    const { thetas } = drive(
      { optimizer: 'rmsprop', lr: 0.2, alpha: 0.5, variant: 'lecture' },
      [0],
      [[3], [4]],
    );
    near(thetas[0][0], (-0.2 * 3) / (3 + 1e-10), 'step 1');
    near(thetas[1][0], thetas[0][0] - (0.2 * 4) / (Math.sqrt(12.5) + 1e-10), 'step 2');
  });

  it('a constant gradient keeps σ = |g|: every step is η g/(|g| + ε), from the first', () => {
    const { thetas } = drive(
      { optimizer: 'rmsprop', lr: 0.05, variant: 'lecture' },
      [1],
      constant([4], 200),
    );
    thetas.forEach((th, k) =>
      near(th[0], 1 - (k + 1) * ((0.05 * 4) / (4 + 1e-10)), `step ${k + 1}`, 1e-11),
    );
  });

  it('reacts to a jump in the gradient at once, as the lecture says (σ weighs g_t by 1 − α)', () => {
    const alpha = 0.5;
    const grads = [...constant([0.01], 20), [10]];
    const { thetas } = drive(
      { optimizer: 'rmsprop', lr: 0.1, alpha, variant: 'lecture' },
      [0],
      grads,
    );
    const sigma = Math.sqrt(alpha * 0.01 ** 2 + (1 - alpha) * 100);
    const jump = thetas[20][0] - thetas[19][0];
    near(jump, (-0.1 * 10) / (sigma + 1e-10), 'step after the jump');
    // ≈ η/√(1 − α): the step stays bounded although g grew 1000×.
    near(jump, -0.1 / Math.sqrt(1 - alpha), 'bounded', 1e-5);
  });
});
