/**
 * The R-operator's Hessian-vector products (rop.ts) against central differences of the
 * gradient, against double backpropagation (autodiff.ts), against themselves transposed
 * (symmetry), and against PyTorch's autograd.functional.hessian on the reference file — for
 * every activation × loss × residual × L2, on the cpu and wasm backends.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../electron/engine/backend/select';
import { CancelledError, FieldError } from '../../../electron/engine/core/errors';
import { Rng } from '../../../electron/engine/datasets';
import { autodiffHvp } from '../../../electron/engine/hessian/autodiff';
import {
  fromNetwork,
  fromReferenceSpec,
  hessianActivations,
  hessianLosses,
  parameterCount,
  referenceOrder,
  type HessianModel,
} from '../../../electron/engine/hessian/hessian-model';
import { MlpHessian } from '../../../electron/engine/hessian/rop';
import { NetworkProblem, type Tf } from '../../../electron/engine/network';
import {
  dot,
  kinkDistance,
  maxAbs,
  maxAbsDiff,
  randomNet,
  randomUnit,
  symmetricEigenvalues,
} from './helpers';

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

interface ReferenceCase {
  name: string;
  spec: unknown;
  expected: {
    loss: number;
    gradNorm: number;
    eigenvalues: number[];
    trace: number;
    parameters: number;
  };
}
const fixture = JSON.parse(fs.readFileSync('test/fixtures/hessian.json', 'utf8')) as {
  cases: ReferenceCase[];
};

/** The whole Hessian from applyMany on the unit vectors (column j at [j·P, (j+1)·P)). */
function denseByColumns(op: MlpHessian): Float64Array {
  const p = op.size;
  const eye = new Float64Array(p * p);
  for (let i = 0; i < p; i++) eye[i * p + i] = 1;
  const h = new Float64Array(p * p);
  op.applyMany(eye, p, h);
  return h;
}

describe('reference spec conversion', () => {
  it('transposes W into LossLab order; referenceOrder maps θ onto the reference order', () => {
    for (const c of fixture.cases) {
      const { model, theta, x, n } = fromReferenceSpec(c.spec);
      const spec = c.spec as { layers: { W: number[][]; b: number[] }[]; data: { x: number[][] } };
      const flat = spec.layers.flatMap((l) => [...l.W.flat(), ...l.b]);
      const order = referenceOrder(model);
      expect(theta.length).toBe(c.expected.parameters);
      expect(new Set(order).size).toBe(theta.length);
      for (let k = 0; k < theta.length; k++) expect(theta[k]).toBe(flat[order[k]]);
      expect(n).toBe(spec.data.x.length);
      expect(x[model.sizes[0] + 1]).toBe(Math.fround(spec.data.x[1][1]));
    }
  });

  it('refuses a malformed spec naming the field', () => {
    const good = fixture.cases[2].spec as {
      model: object;
      layers: { W: number[][]; b: number[] }[];
      data: { x: number[][]; y: number[] };
    };
    const bad = (patch: (s: typeof good) => void) => {
      const s = structuredClone(good);
      patch(s);
      return () => fromReferenceSpec(s);
    };
    // layers[1].W is 3 × 3; a 3 × 2 matrix in its place.
    expect(bad((s) => (s.layers[1].W = s.layers[1].W.map((r) => r.slice(0, 2))))).toThrow(
      'layers[1].W: expected 3 × 3, got 3 × 2',
    );
    expect(bad((s) => s.layers.pop())).toThrow('layers: expected 3 layers, got 2');
    expect(bad((s) => (s.layers[0].b = [1, 2]))).toThrow('layers[0].b: expected 3 numbers, got 2');
    expect(bad((s) => (s.data.y[4] = 2))).toThrow('data.y[4]: expected a class index from 0 to 1');
    expect(bad((s) => (s.data.x[0][1] = NaN))).toThrow('data.x[0][1]: expected a finite number');
    expect(bad((s) => Object.assign(s.model, { activation: 'gelu' }))).toThrow(
      /^model\.activation: expected one of relu, tanh/,
    );
    expect(bad((s) => Object.assign(s.model, { loss: 'hinge' }))).toThrow(
      'model.loss: expected "mse" or "ce", got "hinge"',
    );
    try {
      bad((s) => (s.layers[1].W = s.layers[1].W.map((r) => r.slice(0, 2))))();
    } catch (err) {
      expect(err).toBeInstanceOf(FieldError);
      expect((err as FieldError).field).toBe('layers[1].W');
    }
  });
});

for (const backend of ['cpu', 'wasm']) {
  describe(`Hessian-vector products on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });

    for (const activation of hessianActivations) {
      for (const loss of hessianLosses) {
        for (const residual of [false, true]) {
          for (const l2 of [0, 0.05]) {
            const name = `${activation}, ${loss}${residual ? ', residual' : ''}${l2 ? ', L2' : ''}`;
            it(`${name}: equals central differences, double backprop, and is symmetric`, () => {
              // [4, 4, 4, 3]: both hidden layers (the first too) are residual when asked.
              const model: HessianModel = { sizes: [4, 4, 4, 3], activation, loss, residual, l2 };
              const { theta, data } = randomNet(model, 12, 7);
              const op = new MlpHessian(tf, model, theta, data);
              const rng = new Rng(3);
              const v = randomUnit(op.size, rng);
              const u = randomUnit(op.size, rng);
              const hv = new Float64Array(op.size);
              const hu = new Float64Array(op.size);
              op.apply(v, hv);
              op.apply(u, hu);
              const scale = Math.max(maxAbs(hv), maxAbs(op.gradient()), 1e-3);

              // Central differences of float32 gradients along the unit v: error ≈ ε²/6·|∂³L|
              // (truncation) + δ/ε (δ ≈ 1e-7·|∇L| the float32 gradient's rounding); ε = 1e-2
              // balances them at a few 1e-5 of the scale (3.4e-5 the worst seen here). ReLU's
              // gradient jumps where a unit changes side: stay at half the distance to the
              // nearest kink along v (float64 forward pass).
              let eps = 1e-2;
              if (activation === 'relu') {
                eps = Math.min(eps, 0.5 * kinkDistance(model, theta, data.x, data.n, v));
              }
              const at = (s: number) =>
                op.lossAndGradientAt(theta.map((t, i) => t + s * eps * v[i])).gradient;
              const up = at(1);
              const down = at(-1);
              const fd = up.map((g, i) => (g - down[i]) / (2 * eps));
              const fdTolerance = 5e-4 * scale + 2e-6 / eps;
              expect(maxAbsDiff(hv, fd)).toBeLessThan(fdTolerance);

              // Double backprop in float32 computes the same sums in another order (≤ 7e-7 of
              // the scale seen here).
              const ad = autodiffHvp(tf, model, theta, data, v);
              expect(maxAbsDiff(hv, ad)).toBeLessThan(1e-5 * scale);

              // uᵀHv = vᵀHu: two float32 products of unit vectors (≤ 2e-7 seen).
              expect(Math.abs(dot(u, hv) - dot(v, hu))).toBeLessThan(2e-6 * scale);
              op.dispose();
            });
          }
        }
      }
    }

    for (const c of fixture.cases) {
      it(`${c.name}: loss, gradient and spectrum of PyTorch's Hessian`, () => {
        const { model, theta, x, y, n } = fromReferenceSpec(c.spec);
        const op = new MlpHessian(tf, model, theta, { x, y, n });
        const p = op.size;
        expect(p).toBe(c.expected.parameters);
        // float32 forward, float64 loss: ~1e-7 relative.
        expect(Math.abs(op.loss() - c.expected.loss)).toBeLessThan(1e-6 * c.expected.loss);
        const gradNorm = Math.hypot(...op.gradient());
        expect(Math.abs(gradNorm - c.expected.gradNorm)).toBeLessThan(1e-6 * c.expected.gradNorm);

        const h = denseByColumns(op);
        const lambda = c.expected.eigenvalues;
        const top = Math.max(...lambda.map(Math.abs));
        // Each entry of a float32 Hessian is off by ~1e-7·max|λ| (a few float32 roundings of
        // sums of n products); the trace adds P of them with random signs: ~√P·1e-7·max|λ|
        // (8e-8·√P·max|λ| the worst seen), allowed 1e-6·√P·max|λ|.
        let trace = 0;
        let frobenius = 0;
        for (let i = 0; i < p; i++) {
          trace += h[i * p + i];
          for (let j = 0; j < p; j++) frobenius += h[i * p + j] ** 2;
        }
        expect(Math.abs(trace - c.expected.trace)).toBeLessThan(1e-6 * top * Math.sqrt(p));
        // ‖H + E‖² − ‖H‖² ≈ 2⟨H, E⟩, |⟨H, E⟩| ≤ ‖H‖·‖E‖ with ‖E‖/‖H‖ ~ 1e-7 (1.3e-7 seen).
        const sumSquares = lambda.reduce((s, l) => s + l * l, 0);
        expect(Math.abs(frobenius - sumSquares)).toBeLessThan(2e-6 * sumSquares);
        // Every eigenvalue moves by at most ‖E‖₂ (Weyl), ~1e-7·max|λ| (1.3e-7 seen): all
        // within 1e-5·max|λ| of PyTorch's (float64).
        const symmetric = h.map((e, k) => 0.5 * (e + h[(k % p) * p + Math.floor(k / p)]));
        const mine = symmetricEigenvalues(symmetric, p);
        const theirs = Float64Array.from(lambda).sort();
        expect(maxAbsDiff(mine, theirs)).toBeLessThan(1e-5 * top);
        op.dispose();
      });
    }

    it('applyMany equals one apply per column (dense, coordinate, zero, repeated; chunked)', () => {
      for (const model of [
        { sizes: [3, 5, 5, 4], activation: 'tanh', loss: 'softmaxMse', residual: true, l2: 0.1 },
        { sizes: [2, 6, 4, 1], activation: 'relu', loss: 'sumSquared', residual: false, l2: 0 },
      ] as HessianModel[]) {
        const { theta, data } = randomNet(model, 20, 11);
        // A small budget: chunks of a few directions, full ones (tiled) and remainders.
        const op = new MlpHessian(tf, model, theta, data, { budgetBytes: 24 * 1024 });
        expect(op.chunk).toBeGreaterThan(1);
        expect(op.chunk).toBeLessThan(8);
        const p = op.size;
        const rng = new Rng(5);
        const columns: Float64Array[] = [];
        for (let i = 0; i < 9; i++) columns.push(randomUnit(p, rng));
        columns.push(new Float64Array(p));
        // Coordinates of the middle layer only (the R-backward runs to the first layer)…
        const middle = (model.sizes[0] + 1) * model.sizes[1];
        for (let q = middle; q < middle + 7; q++) {
          const e = new Float64Array(p);
          e[q] = q % 2 ? 2.5 : -0.75;
          columns.push(e);
        }
        // …a repeated coordinate, and a weight and a bias of the last layer.
        columns.push(columns[columns.length - 1].map((e) => 3 * e));
        for (const q of [p - 5, p - 1]) {
          const e = new Float64Array(p);
          e[q] = 1;
          columns.push(e);
        }
        const k = columns.length;
        const v = new Float64Array(k * p);
        columns.forEach((c, j) => v.set(c, j * p));
        const many = new Float64Array(k * p);
        op.applyMany(v, k, many);
        // The first full chunk uploaded the tiled factors, kept for the next ones.
        const before = tf.memory().numTensors;
        op.applyMany(v, k, many);
        const one = new Float64Array(p);
        const scale = maxAbs(many);
        for (let j = 0; j < k; j++) {
          op.apply(columns[j], one);
          expect(maxAbsDiff(many.subarray(j * p, (j + 1) * p), one)).toBeLessThan(1e-5 * scale);
        }
        expect(tf.memory().numTensors).toBe(before);

        // The whole Hessian by columns (symmetry for the rows below each layer) is H·e_j.
        const h = denseByColumns(op);
        for (let j = 0; j < p; j += 3) {
          const e = new Float64Array(p);
          e[j] = 1;
          op.apply(e, one);
          expect(maxAbsDiff(h.subarray(j * p, (j + 1) * p), one)).toBeLessThan(1e-5 * scale);
        }
        op.dispose();
      }
    });

    it('dense() is the Hessian by columns, exactly symmetric, and cancels cleanly', async () => {
      const model: HessianModel = {
        sizes: [3, 6, 6, 3],
        activation: 'softplus',
        loss: 'crossEntropy',
        residual: true,
        l2: 0.02,
      };
      const { theta, data } = randomNet(model, 30, 4);
      const op = new MlpHessian(tf, model, theta, data, { budgetBytes: 16 * 1024 });
      const p = op.size;
      const calls: [number, number][] = [];
      const h = await op.dense((done, total) => {
        calls.push([done, total]);
      });
      const byColumns = denseByColumns(op);
      expect(maxAbsDiff(h, byColumns)).toBeLessThan(1e-5 * maxAbs(h));
      for (let i = 0; i < p; i++)
        for (let j = 0; j < i; j++) expect(h[i * p + j]).toBe(h[j * p + i]);
      expect(calls.length).toBe(calls[0][1]);
      expect(calls.map((c) => c[0])).toEqual(calls.map((_, i) => i + 1));

      const before = tf.memory().numTensors;
      let seen = 0;
      await expect(
        op.dense(() => {
          if (++seen === 2) throw new CancelledError();
        }),
      ).rejects.toBeInstanceOf(CancelledError);
      expect(tf.memory().numTensors).toBe(before);
      op.dispose();
    });

    it('keeps the tensor count flat over 100 products and 100 operators', () => {
      const model: HessianModel = {
        sizes: [2, 8, 8, 3],
        activation: 'sigmoid',
        loss: 'crossEntropy',
        residual: true,
        l2: 0.01,
      };
      const { theta, data } = randomNet(model, 16, 9);
      const v = randomUnit(parameterCount(model), new Rng(1));
      const out = new Float64Array(v.length);
      const before = tf.memory().numTensors;
      const op = new MlpHessian(tf, model, theta, data, { budgetBytes: 64 * 1024 });
      const vs = new Float64Array(3 * op.chunk * v.length).map(
        (_, i) => v[i % v.length] * (1 + (i % 7)),
      );
      const many = new Float64Array(vs.length);
      // A full chunk uploads the tiled factors once (kept until dispose).
      op.applyMany(vs, 3 * op.chunk, many);
      const kept = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) op.apply(v, out);
      for (let i = 0; i < 10; i++) op.applyMany(vs, 3 * op.chunk, many);
      op.lossAndGradientAt(theta);
      op.lossAt(theta);
      expect(tf.memory().numTensors).toBe(kept);
      op.dispose();
      expect(tf.memory().numTensors).toBe(before);
      for (let i = 0; i < 100; i++) new MlpHessian(tf, model, theta, data).dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('lossAt and lossAndGradientAt are the loss and gradient of an operator at that θ', () => {
      const model: HessianModel = {
        sizes: [3, 5, 2],
        activation: 'tanh',
        loss: 'softmaxMse',
        residual: false,
        l2: 0.1,
      };
      const { theta, data } = randomNet(model, 10, 2);
      const op = new MlpHessian(tf, model, theta, data);
      const other = theta.map((t, i) => t + 0.3 * Math.sin(i));
      const there = new MlpHessian(tf, model, other, data);
      expect(op.lossAt(other)).toBe(there.loss());
      const value = op.lossAndGradientAt(other);
      expect(value.loss).toBe(there.loss());
      expect(Array.from(value.gradient)).toEqual(Array.from(there.gradient()));
      expect(op.lossAt(theta)).toBe(op.loss());
      op.dispose();
      there.dispose();
    });

    it('refuses inputs that do not fit the model, naming the field', () => {
      const model: HessianModel = {
        sizes: [2, 3, 2],
        activation: 'relu',
        loss: 'crossEntropy',
        residual: false,
        l2: 0,
      };
      const { theta, data } = randomNet(model, 4, 1);
      const make =
        (t: Float64Array, d = data) =>
        () =>
          new MlpHessian(tf, model, t, d);
      expect(make(theta.subarray(1))).toThrow('theta: expected 17 parameters, got 16');
      expect(make(theta, { ...data, y: Float32Array.from([0, 1, 2, 0]) })).toThrow(
        'data.y[2]: expected a class index from 0 to 1, got 2',
      );
      expect(make(theta, { ...data, x: data.x.subarray(1) })).toThrow(
        'data.x: expected 4 × 2 inputs, got 7 numbers',
      );
      const nan = Float64Array.from(theta);
      nan[3] = NaN;
      expect(make(nan)).toThrow('theta[3]: must be finite');
      const before = tf.memory().numTensors;
      const op = new MlpHessian(tf, model, theta, data);
      expect(() => op.apply(new Float64Array(3), new Float64Array(17))).toThrow(FieldError);
      op.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(() => op.apply(theta, new Float64Array(17))).toThrow('disposed');
    });

    it("a network problem's Hessian model has the network's loss and gradient", () => {
      const cases = [
        { dataset: { kind: 'blobs', n: 40, classes: 3, seed: 2 }, model: { activation: 'tanh' } },
        {
          dataset: { kind: 'moons', n: 40, seed: 3 },
          model: { activation: 'sigmoid', loss: 'mse', residual: true, l2: 0.05, width: 6 },
        },
        {
          dataset: { kind: 'sine', n: 30, seed: 1 },
          model: { activation: 'relu', dropout: 0.5, l2: 0.01 },
        },
      ];
      for (const c of cases) {
        const problem = new NetworkProblem(
          tf,
          c.dataset as never,
          {
            depth: 2,
            width: 5,
            seed: 4,
            ...c.model,
          } as never,
        );
        const converted = fromNetwork(problem);
        const theta = problem.initialTheta.map((t, i) => t + 0.05 * Math.cos(i));
        const op = new MlpHessian(tf, converted.model, theta, converted);
        const grad = new Float64Array(theta.length);
        const value = problem.mlp.lossAndGrad(theta, problem.deviceSplit('train'), grad);
        expect(op.size).toBe(problem.layout.size);
        expect(Math.abs(op.loss() - problem.evaluate(theta, 'train').loss)).toBeLessThan(
          1e-6 * value.loss,
        );
        expect(maxAbsDiff(op.gradient(), grad)).toBeLessThan(1e-5 * maxAbs(grad));
        op.dispose();
        problem.dispose();
      }
    });
  });
}
