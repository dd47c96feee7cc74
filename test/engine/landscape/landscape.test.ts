/**
 * Loss landscapes of networks: the precomputed-first-layer evaluation against plain per-point
 * evaluation, the centre, filter normalization, projection, PCA, progress and cancellation,
 * and the worker pool (from a bundle built here) against the in-thread grid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../electron/engine/backend/select';
import { CancelledError } from '../../../electron/engine/core/errors';
import { Rng } from '../../../electron/engine/datasets';
import {
  computeLandscape,
  computeLine,
  filterNormalize,
  givenDirections,
  LandscapeEvaluator,
  LandscapePool,
  landscapeData,
  pcaDirections,
  projectOntoPlane,
  projectTrajectory,
  randomDirections,
  symmetricEigen,
} from '../../../electron/engine/landscape';
import { NetworkProblem, NetworkRun, type Tf } from '../../../electron/engine/network';
import { bundleWorker } from '../../helpers/bundle-worker';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

const root = path.resolve(__dirname, '../../..');

function perturbed(problem: NetworkProblem, seed: number, scale = 0.2): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from(problem.initialTheta, (v) => v + scale * rng.normal());
}

function pointOf(center: Float64Array, d1: Float64Array, d2: Float64Array, a: number, b: number) {
  return Float64Array.from(center, (v, i) => v + a * d1[i] + b * d2[i]);
}

describe('landscape evaluation', () => {
  const models = [
    { activation: 'relu', depth: 2, width: 16 },
    { activation: 'tanh', depth: 3, width: 8, residual: true, l2: 0.01 },
    { activation: 'sigmoid', depth: 1, width: 12, loss: 'mse' },
  ] as const;

  for (const [model, precompute] of models.flatMap(
    (m) =>
      [
        [m, true],
        [m, false],
      ] as const,
  )) {
    it(`${model.activation}, first layer ${precompute ? 'precomputed' : 'computed'}: at (0, 0) it is the loss at θ*, and every grid value equals plain evaluation`, async () => {
      const problem = new NetworkProblem(
        tf,
        { kind: 'moons', n: 120, seed: 4 },
        { ...model, seed: 1 },
      );
      const center = perturbed(problem, 2);
      const dirs = randomDirections(problem.layout, center, 5);
      const grid = await computeLandscape(problem, center, dirs, {
        resolution: 7,
        coarse: 3,
        range: [
          [-1.5, 1],
          [-0.5, 2],
        ],
        threads: 0,
        precompute,
      });
      const train = problem.deviceSplit('train');
      const direct = problem.mlp.evaluate(center, train).loss;
      expect(grid.centerLoss).toBe(direct);
      const evaluator = new LandscapeEvaluator(tf, {
        ...landscapeData(problem, center, dirs, 'train'),
        precompute,
      });
      expect(evaluator.precomputed).toBe(precompute);
      expect(Math.abs(evaluator.at(0, 0) - direct)).toBeLessThan(1e-6 * (1 + direct));
      evaluator.dispose();
      for (let j = 0; j < 7; j++) {
        for (let i = 0; i < 7; i++) {
          const theta = pointOf(center, dirs.d1, dirs.d2, grid.alphas[i], grid.betas[j]);
          const naive = problem.mlp.evaluate(theta, train).loss;
          const got = grid.values[j * 7 + i];
          expect(Math.abs(got - naive), `(${i}, ${j})`).toBeLessThan(2e-6 * (1 + Math.abs(naive)));
        }
      }
      expect(grid.min).toBe(Math.min(...grid.values));
      expect(grid.max).toBe(Math.max(...grid.values));
      problem.dispose();
    });
  }

  it('a residual first layer (input width = width) and the validation split', async () => {
    const problem = new NetworkProblem(
      tf,
      { kind: 'digits', n: 200 },
      { depth: 2, width: 64, activation: 'relu', residual: true },
    );
    const center = perturbed(problem, 3, 0.05);
    const dirs = randomDirections(problem.layout, center, 1);
    const grid = await computeLandscape(problem, center, dirs, {
      resolution: 3,
      coarse: 0,
      split: 'validation',
      threads: 0,
    });
    const val = problem.deviceSplit('validation');
    for (let k = 0; k < 9; k++) {
      const theta = pointOf(center, dirs.d1, dirs.d2, grid.alphas[k % 3], grid.betas[(k / 3) | 0]);
      const naive = problem.mlp.evaluate(theta, val).loss;
      expect(Math.abs(grid.values[k] - naive)).toBeLessThan(2e-6 * (1 + naive));
    }
    expect(grid.values[4]).toBeCloseTo(grid.centerLoss, 5);
    problem.dispose();
  });

  it('reports the coarse grid first, then progress to the full grid', async () => {
    const problem = new NetworkProblem(tf, { kind: 'xor', n: 60 }, { width: 8 });
    const dirs = randomDirections(problem.layout, problem.initialTheta, 0);
    const phases: string[] = [];
    let coarse: Float32Array | undefined;
    const grid = await computeLandscape(problem, problem.initialTheta, dirs, {
      resolution: 11,
      coarse: 6,
      threads: 0,
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.coarse) coarse = p.coarse.values;
      },
    });
    expect(phases.slice(0, 5).every((p) => p === 'coarse')).toBe(true);
    expect(phases[phases.length - 1]).toBe('full');
    // The coarse grid is every other point of the 11 × 11 grid, computed once.
    expect(coarse).toHaveLength(36);
    for (let n = 0; n < 6; n++) {
      for (let m = 0; m < 6; m++) expect(coarse![n * 6 + m]).toBe(grid.values[2 * n * 11 + 2 * m]);
    }
    expect(grid.values.every(Number.isFinite)).toBe(true);
    problem.dispose();
  });

  it('cancels between rows, and frees its tensors', async () => {
    const problem = new NetworkProblem(tf, { kind: 'circles', n: 80 }, { width: 8 });
    problem.deviceSplit('train');
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let rows = 0;
    const pending = computeLandscape(
      problem,
      problem.initialTheta,
      randomDirections(problem.layout, problem.initialTheta),
      {
        resolution: 21,
        threads: 0,
        signal: controller.signal,
        onProgress: () => {
          if (++rows === 3) controller.abort();
        },
      },
    );
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(rows).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    problem.dispose();
  });

  it('keeps tf.memory().numTensors flat over 10 landscapes and lines', async () => {
    const problem = new NetworkProblem(
      tf,
      { kind: 'spirals', n: 100 },
      { width: 16, activation: 'tanh' },
    );
    const dirs = randomDirections(problem.layout, problem.initialTheta, 2);
    await computeLandscape(problem, problem.initialTheta, dirs, { resolution: 5, threads: 0 });
    const before = tf.memory().numTensors;
    for (let k = 0; k < 10; k++) {
      await computeLandscape(problem, problem.initialTheta, dirs, { resolution: 9, threads: 0 });
      computeLine(problem, problem.initialTheta, dirs.d1, { points: 11 });
    }
    expect(tf.memory().numTensors).toBe(before);
    problem.dispose();
  });

  it('the 1-D line runs through both of its end points', () => {
    const problem = new NetworkProblem(tf, { kind: 'blobs', n: 90 }, { width: 10 });
    const a = problem.initialTheta;
    const b = perturbed(problem, 9, 0.5);
    const line = computeLine(problem, a, b, { points: 5, range: [0, 1] });
    expect(Array.from(line.t)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const train = problem.deviceSplit('train');
    expect(line.values[0]).toBeCloseTo(problem.mlp.evaluate(a, train).loss, 5);
    expect(line.values[4]).toBeCloseTo(problem.mlp.evaluate(b, train).loss, 5);
    problem.dispose();
  });
});

describe('directions', () => {
  it('filter normalization matches each neuron’s norm to the weights’ and zeroes biases', () => {
    const problem = new NetworkProblem(tf, { kind: 'moons', n: 40 }, { depth: 3, width: 7 });
    const theta = perturbed(problem, 1, 0.3);
    const { d1, d2 } = randomDirections(problem.layout, theta, 7);
    expect(d1).not.toEqual(d2);
    for (const d of [d1, d2]) {
      for (const t of problem.layout.tensors) {
        if (t.kind === 'bias') {
          expect(Array.from(d.subarray(t.offset, t.offset + t.size)).every((v) => v === 0)).toBe(
            true,
          );
          continue;
        }
        const [rows, cols] = t.shape;
        for (let i = 0; i < rows; i++) {
          const row = (v: Float64Array) =>
            Math.hypot(...v.subarray(t.offset + i * cols, t.offset + (i + 1) * cols));
          expect(row(d)).toBeCloseTo(row(theta), 12);
        }
      }
    }
    // Not merely rescaled as a whole: each row got its own factor.
    const w = problem.layout.tensors[0];
    const ratios = [0, 1, 2].map((i) => d1[w.offset + i * 2] / theta[w.offset + i * 2]);
    expect(new Set(ratios.map((r) => r.toFixed(6))).size).toBeGreaterThan(1);
    problem.dispose();
  });

  it('filter normalization of a hand case', () => {
    const problem = new NetworkProblem(tf, { kind: 'xor', n: 8 }, { depth: 1, width: 1 });
    // θ = [W1 (1×2), b1 (1), W2 (2×1), b2 (2)]
    const theta = Float64Array.from([3, 4, 9, 1, -2, 5, 6]);
    const d = Float64Array.from([1, 0, 7, 0, 2, 1, 1]);
    filterNormalize(problem.layout, theta, d);
    expect(Array.from(d)).toEqual([5, 0, 0, 0, 2, 0, 0]);
    problem.dispose();
  });

  it('projection recovers the coordinates of a point on the plane, at distance 0', () => {
    const rng = new Rng(3);
    const n = 500;
    const center = Float64Array.from({ length: n }, () => rng.normal());
    const d1 = Float64Array.from({ length: n }, () => rng.normal());
    // Deliberately far from orthogonal to d1.
    const d2 = Float64Array.from(d1, (v) => 0.8 * v + 0.3 * rng.normal());
    const on = pointOf(center, d1, d2, 0.7, -1.3);
    const off = Float64Array.from(on);
    // Add a component orthogonal to both: e ⟂ d1, d2 by Gram–Schmidt.
    const e = Float64Array.from({ length: n }, () => rng.normal());
    const basis = [Float64Array.from(d1), Float64Array.from(d2)];
    const u1 = basis[0].map((v) => v / Math.hypot(...basis[0]));
    const proj = u1.reduce((s, v, i) => s + v * basis[1][i], 0);
    const u2raw = basis[1].map((v, i) => v - proj * u1[i]);
    const u2 = u2raw.map((v) => v / Math.hypot(...u2raw));
    for (const u of [u1, u2]) {
      const c = u.reduce((s, v, i) => s + v * e[i], 0);
      for (let i = 0; i < n; i++) e[i] -= c * u[i];
    }
    const scale = 2.5 / Math.hypot(...e);
    for (let i = 0; i < n; i++) off[i] += scale * e[i];
    const p = projectOntoPlane(center, d1, d2, [on, off, center]);
    expect(p.alpha[0]).toBeCloseTo(0.7, 10);
    expect(p.beta[0]).toBeCloseTo(-1.3, 10);
    expect(p.distance[0]).toBeLessThan(1e-12);
    expect(p.alpha[1]).toBeCloseTo(0.7, 10);
    expect(p.beta[1]).toBeCloseTo(-1.3, 10);
    expect(p.distance[1]).toBeCloseTo(2.5, 10);
    expect([p.alpha[2], p.beta[2], p.distance[2]]).toEqual([0, 0, 0]);
  });

  it('given directions must match θ and span a plane', () => {
    const layout = { size: 3 } as never;
    expect(() => givenDirections(layout, [1, 2], [1, 2, 3])).toThrow(/d1/);
    expect(() => givenDirections(layout, [1, 2, 3], [2, 4, 6])).toThrow(/parallel/);
    expect(givenDirections(layout, [1, 0, 0], [0, 1, 0]).kind).toBe('given');
  });

  it('Jacobi eigenvalues of a known symmetric matrix', () => {
    // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 5, 3, 1.
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(values).map((v) => +v.toFixed(12))).toEqual([5, 3, 1]);
    expect(Math.abs(vectors[2 * 3 + 0])).toBeCloseTo(1, 12); // column 0 = e₃
    expect(Math.abs(vectors[0 * 3 + 1])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('PCA of a hand case: the principal axes and their variance shares', () => {
    // Points (relative to the final one, which is the origin) along x with spread 4 and along y
    // with spread 1, mean-free: variance ratio 16 : 1 on x : y, nothing along z.
    const final = new Float64Array(3);
    const snaps = [
      [-4, 0, 0],
      [4, 0, 0],
      [0, -1, 0],
      [0, 1, 0],
    ].map((p) => Float64Array.from(p));
    const dirs = pcaDirections(snaps, final);
    const [e1, e2] = dirs.explainedVariance!;
    expect(e1).toBeCloseTo(32 / 34, 12);
    expect(e2).toBeCloseTo(2 / 34, 12);
    expect(e1 + e2).toBeLessThanOrEqual(1 + 1e-12);
    expect(Math.abs(dirs.d1[0])).toBeCloseTo(1, 12);
    expect(Math.abs(dirs.d2[1])).toBeCloseTo(1, 12);
    // Signed so that the first point has a non-positive coordinate.
    expect(dirs.d1[0] * -4).toBeLessThanOrEqual(0);
  });

  it('PCA of a real trajectory: unit directions, variance shares ≤ 1, the path projected', () => {
    const problem = new NetworkProblem(tf, { kind: 'moons', n: 100 }, { width: 12 });
    const run = new NetworkRun(problem, {
      runId: 'sgd',
      optimizer: { optimizer: 'sgd', lr: 0.2, momentum: 0.9 },
      batchSize: 16,
      snapshotEvery: 5,
    });
    run.advance(200);
    const snaps = run.snapshots.list().map((s) => s.theta);
    const dirs = pcaDirections(snaps, run.theta);
    const [e1, e2] = dirs.explainedVariance!;
    expect(e1).toBeGreaterThanOrEqual(e2);
    expect(e1 + e2).toBeLessThanOrEqual(1);
    expect(e1 + e2).toBeGreaterThan(0.5);
    expect(Math.hypot(...dirs.d1)).toBeCloseTo(1, 10);
    expect(Math.hypot(...dirs.d2)).toBeCloseTo(1, 10);
    const path = projectTrajectory(run, run.theta, dirs, { lossOn: 'train' });
    expect(path.steps[0]).toBe(0);
    expect(path.steps[path.steps.length - 1]).toBe(200);
    // The final point is the centre (up to the float32 snapshot); the start lies at α ≤ 0.
    expect(path.alpha[path.alpha.length - 1]).toBeCloseTo(0, 6);
    expect(path.distance[path.distance.length - 1]).toBeCloseTo(0, 5);
    expect(path.alpha[0]).toBeLessThanOrEqual(0);
    expect(path.loss![path.loss!.length - 1]).toBeCloseTo(run.evaluate('train').loss, 10);
    problem.dispose();
  });
});

describe('the worker pool', () => {
  const dir = path.join(root, 'node_modules/.cache/losslab-test-landscape');
  const file = path.join(dir, 'landscape-worker.js');
  let pool: LandscapePool;
  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    await bundleWorker('electron/engine/landscape/worker.ts', file);
    pool = new LandscapePool(file, 2);
    // Workers start and load tfjs before the first landscape asks for them.
    pool.warm(tf.getBackend() as 'wasm');
    expect(pool.threads).toBe(2);
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('two workers compute the same grid as this thread, bit for bit', async () => {
    const problem = new NetworkProblem(
      tf,
      { kind: 'spirals', n: 200 },
      { width: 24, activation: 'tanh' },
    );
    const center = perturbed(problem, 4);
    const dirs = randomDirections(problem.layout, center, 3);
    const options = { resolution: 13, coarse: 4 };
    const here = await computeLandscape(problem, center, dirs, { ...options, threads: 0 });
    let progress = 0;
    const there = await computeLandscape(problem, center, dirs, {
      ...options,
      threads: 2,
      pool,
      onProgress: () => progress++,
    });
    expect(there.threads).toBe(2);
    expect(progress).toBe(4 + 13);
    expect(Array.from(there.values)).toEqual(Array.from(here.values));
    // Workers live on: a second landscape reuses them.
    const again = await computeLandscape(problem, center, dirs, { ...options, threads: 2, pool });
    expect(pool.threads).toBe(2);
    expect(Array.from(again.values)).toEqual(Array.from(here.values));
    problem.dispose();
  });

  it('cancels in the workers', async () => {
    const problem = new NetworkProblem(tf, { kind: 'spirals', n: 300 }, { width: 32 });
    const dirs = randomDirections(problem.layout, problem.initialTheta, 3);
    const controller = new AbortController();
    let rows = 0;
    const pending = computeLandscape(problem, problem.initialTheta, dirs, {
      resolution: 41,
      threads: 2,
      pool,
      signal: controller.signal,
      onProgress: () => {
        if (++rows === 2) controller.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    // The pool is free again at once.
    const grid = await computeLandscape(problem, problem.initialTheta, dirs, {
      resolution: 5,
      threads: 2,
      pool,
    });
    expect(grid.values.every(Number.isFinite)).toBe(true);
    problem.dispose();
  });
});
