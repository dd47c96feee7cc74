/**
 * The hand-written backward pass against central differences of an independent float64 MLP,
 * for every activation, both classification losses, regression, residual layers and L2 — on
 * wasm and on cpu.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivationName, ClassificationLoss } from '../../../electron/common/network';
import { loadBackend } from '../../../electron/engine/backend/select';
import { Rng } from '../../../electron/engine/datasets';
import { NetworkProblem, type Tf } from '../../../electron/engine/network';
import { transpose } from '../../../electron/engine/network/mlp';
import { referenceLoss } from './reference';

let tf: Tf;
let backend: string;
beforeAll(async () => {
  const loaded = await loadBackend();
  tf = loaded.tf;
  backend = loaded.report.backend;
});
afterAll(async () => {
  await tf.setBackend(backend);
});

interface Case {
  name: string;
  dataset: Parameters<typeof makeProblem>[0];
  activation: ActivationName;
  loss?: ClassificationLoss;
  residual?: boolean;
  l2?: number;
  depth?: number;
  width?: number;
}

function makeProblem(dataset: object, c: Case): NetworkProblem {
  return new NetworkProblem(tf, dataset as never, {
    depth: c.depth ?? 2,
    width: c.width ?? 5,
    activation: c.activation,
    residual: c.residual ?? false,
    l2: c.l2 ?? 0,
    seed: 3,
    ...(c.loss ? { loss: c.loss } : {}),
  });
}

const blobs = { kind: 'blobs', n: 24, classes: 3, spread: 0.8, seed: 1 };
const cases: Case[] = [
  { name: 'tanh, cross-entropy', dataset: blobs, activation: 'tanh' },
  { name: 'relu, cross-entropy, L2', dataset: blobs, activation: 'relu', l2: 0.1 },
  { name: 'sigmoid, softmax + MSE', dataset: blobs, activation: 'sigmoid', loss: 'mse' },
  { name: 'linear, cross-entropy', dataset: blobs, activation: 'linear' },
  {
    name: 'tanh, residual, 3 layers',
    dataset: blobs,
    activation: 'tanh',
    residual: true,
    depth: 3,
  },
  {
    // 128 examples: the blocked transpose path (rows a multiple of 64).
    name: 'relu, 128 examples, wide first layer',
    dataset: { kind: 'moons', n: 128, seed: 5, split: { train: 1, validation: 0, test: 0 } },
    activation: 'relu',
    width: 9,
  },
  {
    name: 'relu, regression (sine)',
    dataset: { kind: 'sine', n: 20, seed: 2 },
    activation: 'relu',
    l2: 0.01,
  },
  {
    name: 'tanh, residual first layer (input width = width)',
    dataset: { kind: 'digits', n: 30 },
    activation: 'tanh',
    residual: true,
    depth: 2,
    width: 64,
  },
];

for (const name of ['wasm', 'cpu']) {
  describe(`∇L(θ) on ${name}`, () => {
    beforeAll(async () => {
      await tf.setBackend(name);
    });

    it('the blocked transpose is the transpose', () => {
      for (const [r, c] of [
        [128, 5],
        [256, 256],
        [1024, 65],
        [64, 3],
        [1, 7],
        [130, 1],
        [192, 1],
      ]) {
        tf.tidy(() => {
          const x = tf.tensor2d(
            Float32Array.from({ length: r * c }, (_, i) => i),
            [r, c],
          );
          const got = transpose(tf, x);
          expect(got.shape).toEqual([c, r]);
          expect(Array.from(got.dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()));
        });
      }
    });

    for (const c of cases) {
      it(`${c.name}: equals central differences of a float64 reference`, () => {
        const problem = makeProblem(c.dataset, c);
        const { layout, lossKind, mlp } = problem;
        // Move θ off the initialization so ReLU kinks and zero biases are not special.
        const rng = new Rng(11);
        const theta = Float64Array.from(problem.initialTheta, (v) => v + 0.1 * rng.normal());
        const split = problem.split('train');
        const batch = problem.deviceSplit('train');
        const grad = new Float64Array(layout.size);
        const before = tf.memory().numTensors;
        const value = mlp.lossAndGrad(theta, batch, grad);
        expect(tf.memory().numTensors).toBe(before);
        expect(value.finite).toBe(true);

        const f = (t: Float64Array) =>
          referenceLoss(layout, c.activation, lossKind, c.l2 ?? 0, t, split.x, split.y);
        // The loss: float32 forward vs float64 reference.
        expect(value.loss).toBeCloseTo(f(theta), 5);
        const eps = 1e-6;
        const probe = Float64Array.from(theta);
        let worst = 0;
        const scale = Math.max(...grad.map(Math.abs));
        // Every coordinate for small nets; a spread-out sample for the 64-wide one.
        const stride = layout.size > 400 ? 37 : 1;
        for (let i = 0; i < layout.size; i += stride) {
          probe[i] = theta[i] + eps;
          const up = f(probe);
          probe[i] = theta[i] - eps;
          const down = f(probe);
          probe[i] = theta[i];
          const fd = (up - down) / (2 * eps);
          worst = Math.max(worst, Math.abs(grad[i] - fd) / (1e-3 * scale + Math.abs(fd)));
        }
        // float32 forward/backward: relative error ~1e-5 of the gradient's scale.
        expect(worst).toBeLessThan(2e-3);
        problem.dispose();
      });
    }
  });
}
