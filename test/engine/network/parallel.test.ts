/**
 * Data-parallel gradients (electron/engine/network/parallel.ts): a batch of 128 examples or more
 * computed as two halves. The split gradient equals the one-pass gradient to float32 rounding
 * (and is not the same computation: it differs somewhere in the last bits), and a run is the
 * same bit for bit whether its second halves ran on the helper thread (the worker bundled from
 * source as scripts/build-node.mjs does) or in this thread — for mini-batches with dropout, for
 * full batches, and when the helper is stopped halfway. Fails if the halves are summed in an
 * order that depends on where they ran, if the helper computes on other data or another θ, or
 * if it never computes a half.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkRunConfigSchema } from '../../../electron/common/network';
import { networkRunManifestSchema } from '../../../electron/common/session';
import { loadBackend } from '../../../electron/engine/backend/select';
import {
  GradientHelper,
  lossFromLogits,
  NetworkProblem,
  NetworkRun,
  type Tf,
} from '../../../electron/engine/network';
import { firstHalf, SPLIT_FROM } from '../../../electron/engine/network/parallel';
import { bundleWorker } from '../../helpers/bundle-worker';

const root = path.resolve(__dirname, '../../..');
const out = path.join(root, 'node_modules/.cache/losslab-test', `gradient-${process.pid}`);
const file = path.join(out, 'gradient-worker.js');
const helpers: GradientHelper[] = [];
let tf: Tf;
let backend: string;

beforeAll(async () => {
  const loaded = await loadBackend();
  tf = loaded.tf;
  backend = loaded.report.backend;
  await bundleWorker('electron/engine/network/gradient-worker.ts', file);
}, 60_000);
afterAll(() => {
  for (const helper of helpers) helper.close();
  fs.rmSync(out, { recursive: true, force: true });
});

/** A helper over the bundle, loaded (its tfjs ready) before it is returned. */
async function readyHelper(): Promise<GradientHelper> {
  const helper = new GradientHelper(file, backend);
  helpers.push(helper);
  const t0 = performance.now();
  while (!helper.available) {
    if (helper.failed) throw new Error(helper.failed);
    if (performance.now() - t0 > 30_000) throw new Error('the helper did not load tfjs');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return helper;
}

/** 600 digits, all for training; a 64-48-48-10 ReLU net (dropout on request). */
function digits(dropout = 0): NetworkProblem {
  return new NetworkProblem(
    tf,
    { kind: 'digits', n: 600, split: { train: 1, validation: 0, test: 0 } },
    { depth: 2, width: 48, activation: 'relu', dropout, seed: 1 },
  );
}

const adam = { optimizer: 'adam' as const, lr: 3e-3 };

/** What a run's numbers are: its curves and θ, compared bit for bit. */
function numbers(run: NetworkRun) {
  return {
    loss: Array.from(run.loss.view()),
    gradNorm: Array.from(run.gradNorm.view()),
    accuracy: Array.from(run.accuracy.view()),
    theta: Array.from(run.theta),
  };
}

describe('data-parallel gradients', () => {
  it('splits batches of 128 examples or more into halves [0, ⌈n/2⌉) and the rest', () => {
    expect(SPLIT_FROM).toBe(128);
    expect(firstHalf(256)).toBe(128);
    expect(firstHalf(129)).toBe(65);
    // New runs split; a run recorded before the split existed did not, and its manifest says
    // nothing (reading it gives shards 1: test/engine/recording/compat.test.ts).
    expect(networkRunConfigSchema.parse({ runId: 'r', optimizer: adam }).shards).toBe(2);
    const recorded = networkRunManifestSchema.shape.config.parse({ runId: 'r', optimizer: adam });
    expect(recorded.shards).toBeUndefined();
  });

  it("parts' losses sum to the whole batch's mean loss (each divided by the whole's size)", () => {
    const n = 6;
    const classes = 3;
    const z = Float32Array.from({ length: n * classes }, (_, i) => Math.sin(i * 1.7) * 3);
    const y = Float32Array.from([0, 2, 1, 1, 0, 2]);
    const whole = new Float32Array(n * classes);
    const all = lossFromLogits('crossEntropy', z, y, classes, n, whole);
    const d1 = new Float32Array(2 * classes);
    const d2 = new Float32Array(4 * classes);
    const a = lossFromLogits('crossEntropy', z.subarray(0, 6), y.subarray(0, 2), classes, 2, d1, n);
    const b = lossFromLogits('crossEntropy', z.subarray(6), y.subarray(2), classes, 4, d2, n);
    expect(a.loss + b.loss).toBeCloseTo(all.loss, 14);
    expect(a.correct + b.correct).toBe(all.correct);
    expect([...d1, ...d2]).toEqual([...whole]);
  });

  it('the split gradient equals the one-pass gradient to float32 rounding, and is not it', () => {
    const problem = digits();
    const one = new NetworkRun(problem, {
      runId: 'one',
      optimizer: adam,
      batchSize: 256,
      shards: 1,
    });
    const two = new NetworkRun(problem, {
      runId: 'two',
      optimizer: adam,
      batchSize: 256,
      shards: 2,
    });
    one.advance(1);
    two.advance(1);
    // The same batch (same seed), the same θ₀: the loss agrees to float64 summation order.
    expect(two.loss.at(0)).toBeCloseTo(one.loss.at(0)!, 12);
    const g1 = one.lastGradient;
    const g2 = two.lastGradient;
    let scale = 0;
    let worst = 0;
    let differing = 0;
    for (let i = 0; i < g1.length; i++) {
      scale = Math.max(scale, Math.abs(g1[i]));
      worst = Math.max(worst, Math.abs(g1[i] - g2[i]));
      if (g1[i] !== g2[i]) differing++;
    }
    expect(scale).toBeGreaterThan(1e-3);
    // float32 sums over 128 and 256 examples: a few ulps of the largest entry.
    expect(worst / scale).toBeLessThan(2e-6);
    expect(differing).toBeGreaterThan(0);
    problem.dispose();
  });

  it('a run is the same bit for bit whether its second halves ran on the helper or here', async () => {
    const helper = await readyHelper();
    for (const [dropout, batchSize] of [
      [0.2, 256],
      [0, 'full'],
    ] as const) {
      const here = digits(dropout);
      const there = digits(dropout);
      there.helper = helper;
      const config = { runId: 'r', optimizer: adam, batchSize, seed: 4 };
      const a = new NetworkRun(here, config);
      const b = new NetworkRun(there, config);
      const before = helper.counts.computed;
      // 60 updates: several epochs of 256-example batches (the last of each epoch 88, one pass).
      a.advance(60);
      b.advance(60);
      expect(b.status).toBe('ok');
      expect(numbers(b)).toEqual(numbers(a));
      expect(helper.counts.computed - before).toBeGreaterThan(0);
      here.dispose();
      there.dispose();
    }
    expect(helper.failed).toBeUndefined();
  }, 60_000);

  it('a run goes on with the same numbers when its helper stops halfway', async () => {
    const helper = await readyHelper();
    const here = digits();
    const there = digits();
    there.helper = helper;
    const config = { runId: 'r', optimizer: adam, batchSize: 256, seed: 2 };
    const a = new NetworkRun(here, config);
    const b = new NetworkRun(there, config);
    a.advance(40);
    b.advance(20);
    helper.close('stopped by the test');
    expect(helper.available).toBe(false);
    b.advance(20);
    expect(numbers(b)).toEqual(numbers(a));
    expect(helper.failed).toBe('stopped by the test');
    here.dispose();
    there.dispose();
  }, 60_000);
});
