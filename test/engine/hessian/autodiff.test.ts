/**
 * Double backpropagation (autodiff.ts) and the ops it needs (activations.ts): derivatives of
 * every order against closed forms, and why the custom ops exist — tfjs 4.22's own tanh,
 * sigmoid and exp lose the second derivative (tfjs issue 3252), measured here on each backend.
 */
import fs from 'node:fs';
import type * as TfModule from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../electron/engine/backend/select';
import { Rng } from '../../../electron/engine/datasets';
import { hessianOps } from '../../../electron/engine/hessian/activations';
import { autodiffGradient, autodiffHvp } from '../../../electron/engine/hessian/autodiff';
import {
  fromReferenceSpec,
  type HessianModel,
} from '../../../electron/engine/hessian/hessian-model';
import { MlpHessian } from '../../../electron/engine/hessian/rop';
import type { Tf } from '../../../electron/engine/network';
import { maxAbs, maxAbsDiff, randomNet, randomUnit } from './helpers';

type Tensor = TfModule.Tensor;

let tf: Tf;
let initialBackend: string;
beforeAll(async () => {
  const loaded = await loadBackend();
  tf = loaded.tf;
  initialBackend = loaded.report.backend;
});
afterAll(async () => {
  await tf.setBackend(initialBackend);
});

const points = [-2.1, -0.7, 0, 0.3, 1.2, 3];
const sig = (x: number) => 1 / (1 + Math.exp(-x));
/** f, f', f'', f''' in closed form. */
const closedForms: Record<string, ((x: number) => number)[]> = {
  tanh: [
    Math.tanh,
    (x) => 1 - Math.tanh(x) ** 2,
    (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2),
    (x) => -2 * (1 - Math.tanh(x) ** 2) * (1 - 3 * Math.tanh(x) ** 2),
  ],
  sigmoid: [
    sig,
    (x) => sig(x) * (1 - sig(x)),
    (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
    (x) => sig(x) * (1 - sig(x)) * (1 - 6 * sig(x) + 6 * sig(x) ** 2),
  ],
  softplus: [
    (x) => Math.log1p(Math.exp(x)),
    sig,
    (x) => sig(x) * (1 - sig(x)),
    (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
  ],
  exp: [Math.exp, Math.exp, Math.exp, Math.exp],
};

/** The d-th derivative of an elementwise f at each point, by d nested tf.grads. */
function derivative(f: (x: Tensor) => Tensor, d: number, x: number[]): number[] {
  let g = f;
  for (let i = 0; i < d; i++) {
    const inner = g;
    g = (t: Tensor) => tf.grad((s: Tensor) => tf.sum(inner(s)))(t);
  }
  return tf.tidy(() => Array.from(g(tf.tensor1d(x)).dataSync()));
}

for (const backend of ['cpu', 'wasm']) {
  describe(`double backpropagation on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });

    for (const name of ['tanh', 'sigmoid', 'softplus', 'exp'] as const) {
      it(`the custom ${name} has the right derivatives of orders 0 to 3`, () => {
        const op = hessianOps(tf)[name];
        const before = tf.memory().numTensors;
        for (let d = 0; d <= 3; d++) {
          const got = derivative((x) => op(x), d, points);
          const want = points.map(closedForms[name][d]);
          const scale = Math.max(1, maxAbs(want));
          expect(maxAbsDiff(got, want)).toBeLessThan(1e-6 * scale);
        }
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it("the custom log-sum-exp's gradient is the softmax, its Hessian diag p − ppᵀ", () => {
      const { logSumExp } = hessianOps(tf);
      const rows = [
        [0.5, -1, 2],
        [3, 3, -0.25],
      ];
      const v = [0.3, -0.8, 1.1, 2, 0.5, -1];
      const [value, grad, hv] = tf.tidy(() => {
        const x = tf.tensor2d(rows);
        const direction = tf.tensor2d(v, [2, 3]);
        const g = (t: Tensor) =>
          tf.grad((s: Tensor) => tf.sum(logSumExp(s as TfModule.Tensor2D)))(t);
        const h = tf.grad((t: Tensor) => tf.sum(tf.mul(g(t), direction)))(x);
        return [logSumExp(x).dataSync(), g(x).dataSync(), h.dataSync()].map((a) => Array.from(a));
      });
      rows.forEach((row, i) => {
        const m = Math.max(...row);
        const sum = row.reduce((s, z) => s + Math.exp(z - m), 0);
        const p = row.map((z) => Math.exp(z - m) / sum);
        expect(value[i]).toBeCloseTo(m + Math.log(sum), 6);
        const pv = p.reduce((s, pk, k) => s + pk * v[i * 3 + k], 0);
        p.forEach((pk, k) => {
          expect(grad[i * 3 + k]).toBeCloseTo(pk, 6);
          expect(hv[i * 3 + k]).toBeCloseTo(pk * (v[i * 3 + k] - pv), 6);
        });
      });
    });

    it("tfjs's own tanh, sigmoid and exp lose their second derivative (issue 3252)", () => {
      // The saved output their gradients use is a copy off the tape, so d/dx of the gradient
      // misses f'' entirely: with x² added (a path the tape can follow) the second derivative
      // comes out as 2 — only x²'s. Wrong on both backends tested here.
      const stock: Record<string, (x: Tensor) => Tensor> = {
        tanh: (x) => tf.tanh(x),
        sigmoid: (x) => tf.sigmoid(x),
        exp: (x) => tf.exp(x),
      };
      for (const [name, f] of Object.entries(stock)) {
        const got = derivative((x) => tf.add(f(x), tf.square(x)), 2, points);
        const want = points.map((x) => closedForms[name][2](x) + 2);
        expect(
          maxAbsDiff(
            got,
            points.map(() => 2),
          ),
        ).toBeLessThan(1e-6);
        expect(maxAbsDiff(got, want)).toBeGreaterThan(0.05);
        const fixed = hessianOps(tf)[name as 'tanh'];
        const right = derivative((x) => tf.add(fixed(x), tf.square(x)), 2, points);
        expect(maxAbsDiff(right, want)).toBeLessThan(1e-5 * Math.max(1, maxAbs(want)));
      }
    });

    it('on a network, stock ops give wrong Hessian-vector products, the custom ones right', () => {
      for (const activation of ['tanh', 'sigmoid', 'softplus', 'relu'] as const) {
        for (const loss of ['crossEntropy', 'softmaxMse', 'sumSquared'] as const) {
          const model: HessianModel = {
            sizes: [3, 6, 5, 3],
            activation,
            loss,
            residual: true,
            l2: 0,
          };
          const { theta, data } = randomNet(model, 16, 21);
          const op = new MlpHessian(tf, model, theta, data);
          const v = randomUnit(op.size, new Rng(8));
          const hv = new Float64Array(op.size);
          op.apply(v, hv);
          const scale = maxAbs(hv);
          const custom = autodiffHvp(tf, model, theta, data, v);
          expect(maxAbsDiff(custom, hv)).toBeLessThan(1e-5 * scale);
          const stock = autodiffHvp(tf, model, theta, data, v, { ops: 'stock' });
          const error = maxAbsDiff(stock, hv) / scale;
          // tanh and sigmoid lose act''; the softmax losses lose exp'' (2.5 % off for sigmoid
          // with the sum of squares, 44 % to 320 % for the others here). Stock softplus has a
          // right second derivative (its gradient is σ of the input) and ReLU has none, so
          // with the sum of squares those two are right.
          if (loss === 'sumSquared' && (activation === 'softplus' || activation === 'relu')) {
            expect(error).toBeLessThan(1e-5);
          } else {
            expect(error).toBeGreaterThan(0.01);
          }
          op.dispose();
        }
      }
    });

    it('agrees with the R-operator on the PyTorch reference cases, and leaves no tensors', () => {
      const fixture = JSON.parse(fs.readFileSync('test/fixtures/hessian.json', 'utf8')) as {
        cases: { spec: unknown; expected: { loss: number; gradNorm: number } }[];
      };
      for (const c of fixture.cases) {
        const { model, theta, x, y, n } = fromReferenceSpec(c.spec);
        const data = { x, y, n };
        const op = new MlpHessian(tf, model, theta, data);
        const before = tf.memory().numTensors;
        const { loss, gradient } = autodiffGradient(tf, model, theta, data);
        // The loss summed in float32 on the device: ~1e-6 relative.
        expect(Math.abs(loss - c.expected.loss)).toBeLessThan(2e-6 * c.expected.loss);
        expect(maxAbsDiff(gradient, op.gradient())).toBeLessThan(1e-5 * maxAbs(gradient));
        const v = randomUnit(op.size, new Rng(2));
        const hv = new Float64Array(op.size);
        op.apply(v, hv);
        const ad = autodiffHvp(tf, model, theta, data, v);
        expect(maxAbsDiff(ad, hv)).toBeLessThan(1e-5 * maxAbs(hv));
        expect(tf.memory().numTensors).toBe(before);
        op.dispose();
      }
    });
  });
}
