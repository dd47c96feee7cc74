/**
 * NetworkRun: determinism, learning XOR and two spirals, divergence of one run among others,
 * live changes, epochs and curves, reset, snapshots, and flat tensor memory over 5,000 steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../electron/engine/backend/select';
import { rules } from '../../../electron/engine/optim';
import {
  NetworkProblem,
  NetworkRun,
  SnapshotStore,
  type Tf,
} from '../../../electron/engine/network';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

/** Steps (in chunks) until the training accuracy reaches `target`; returns the step or -1. */
function trainUntil(run: NetworkRun, target: number, maxSteps: number, chunk = 50): number {
  while (run.step < maxSteps && run.status === 'ok') {
    run.advance(chunk);
    if (run.evaluate('train').accuracy >= target) return run.step;
  }
  return -1;
}

describe('NetworkRun', () => {
  it('is deterministic for a seed, bit for bit (mini-batches, dropout, L2)', () => {
    const make = () => {
      const problem = new NetworkProblem(
        tf,
        { kind: 'moons', n: 150, seed: 2 },
        { depth: 2, width: 16, dropout: 0.2, l2: 1e-3, seed: 5 },
      );
      const run = new NetworkRun(problem, {
        runId: 'a',
        optimizer: { optimizer: 'adam', lr: 0.01 },
        batchSize: 20,
        seed: 9,
      });
      run.advance(120);
      return { problem, run };
    };
    const a = make();
    const b = make();
    expect(Array.from(b.run.theta)).toEqual(Array.from(a.run.theta));
    expect(Array.from(b.run.loss.view())).toEqual(Array.from(a.run.loss.view()));
    expect(Array.from(b.run.epochs.validationLoss.view())).toEqual(
      Array.from(a.run.epochs.validationLoss.view()),
    );
    // Another run seed: another batch order and dropout, same start.
    const c = new NetworkRun(a.problem, {
      runId: 'c',
      optimizer: { optimizer: 'adam', lr: 0.01 },
      batchSize: 20,
      seed: 10,
    });
    expect(Array.from(c.theta)).toEqual(Array.from(a.problem.initialTheta));
    c.advance(120);
    expect(Array.from(c.theta)).not.toEqual(Array.from(a.run.theta));
    a.problem.dispose();
    b.problem.dispose();
  });

  it('a 2-layer tanh MLP reaches 100% training accuracy on XOR with Adam', () => {
    const problem = new NetworkProblem(
      tf,
      { kind: 'xor', n: 200 },
      { depth: 2, width: 16, activation: 'tanh' },
    );
    const run = new NetworkRun(problem, {
      runId: 'adam',
      optimizer: { optimizer: 'adam', lr: 0.01 },
      batchSize: 'full',
    });
    const reached = trainUntil(run, 1, 2000);
    expect(reached, 'steps to 100% on XOR').toBeGreaterThan(0);
    problem.dispose();
  });

  it('a 2-layer tanh MLP reaches ≥ 95% training accuracy on two spirals with Adam', () => {
    const problem = new NetworkProblem(
      tf,
      { kind: 'spirals' },
      { depth: 2, width: 32, activation: 'tanh' },
    );
    const run = new NetworkRun(problem, {
      runId: 'adam',
      optimizer: { optimizer: 'adam', lr: 0.01 },
      batchSize: 'full',
    });
    const reached = trainUntil(run, 0.95, 3000, 100);
    expect(reached, 'steps to 95% on spirals').toBeGreaterThan(0);
    problem.dispose();
  });

  it('a diverging run is marked diverged, and the others on the same problem continue', () => {
    const problem = new NetworkProblem(tf, { kind: 'sine', n: 100 }, { width: 16 });
    const wild = new NetworkRun(problem, {
      runId: 'wild',
      optimizer: { optimizer: 'sgd', lr: 1e5 },
      batchSize: 'full',
    });
    const calm = new NetworkRun(problem, {
      runId: 'calm',
      optimizer: { optimizer: 'sgd', lr: 0.05 },
      batchSize: 'full',
    });
    for (let k = 0; k < 20; k++) {
      wild.advance(10);
      calm.advance(10);
    }
    expect(wild.status).toBe('diverged');
    expect(wild.reason).toMatch(/non-finite|became/);
    expect(wild.advance(5)).toBe(0);
    // What it recorded is finite, and its θ is the last finite one.
    expect(wild.loss.view().every(Number.isFinite)).toBe(true);
    expect(wild.theta.every(Number.isFinite)).toBe(true);
    expect(calm.status).toBe('ok');
    expect(calm.step).toBe(200);
    expect(calm.loss.at(199)).toBeLessThan(calm.loss.at(0));
    expect(calm.state().status).toBe('ok');
    problem.dispose();
  });

  it('keeps tf.memory().numTensors flat over 5,000 training steps', () => {
    const problem = new NetworkProblem(tf, { kind: 'circles', n: 200 }, { width: 8, dropout: 0.1 });
    const run = new NetworkRun(problem, {
      runId: 'm',
      optimizer: { optimizer: 'rmsprop', lr: 0.01 },
      batchSize: 32,
    });
    run.advance(10);
    const before = tf.memory().numTensors;
    run.advance(5000);
    expect(run.step).toBe(5010);
    expect(tf.memory().numTensors).toBe(before);
    problem.dispose();
  });

  it('steps with the engine’s own update rules: one SGD step is θ − η∇L', () => {
    const problem = new NetworkProblem(tf, { kind: 'blobs', n: 60 }, { width: 6 });
    const run = new NetworkRun(problem, {
      runId: 's',
      optimizer: { optimizer: 'sgd', lr: 0.1 },
      batchSize: 'full',
    });
    const grad = new Float64Array(problem.layout.size);
    problem.mlp.lossAndGrad(problem.initialTheta, problem.deviceSplit('train'), grad);
    run.advance(1);
    const expected = Float64Array.from(problem.initialTheta);
    rules.sgd.step(expected, grad, rules.sgd.init(expected.length, run.hyper), run.hyper, 0.1);
    expect(Array.from(run.theta)).toEqual(Array.from(expected));
    expect(run.gradNorm.at(0)).toBeCloseTo(Math.hypot(...grad), 10);
    problem.dispose();
  });

  it('records live changes with their step, applies schedules, and resets', () => {
    const problem = new NetworkProblem(tf, { kind: 'moons', n: 100 }, { width: 8 });
    const run = new NetworkRun(problem, {
      runId: 'r',
      optimizer: {
        optimizer: 'sgd',
        lr: 0.1,
        momentum: 0.9,
        schedule: { kind: 'step', stepSize: 5, gamma: 0.5 },
      },
      batchSize: 10,
    });
    run.advance(7);
    expect(Array.from(run.lr.view())).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]);
    run.update({ hyper: { lr: 0.2, momentum: 0.5 }, batchSize: 25 });
    expect(run.hyper.momentum).toBe(0.5);
    run.advance(3);
    expect(run.lr.at(7)).toBeCloseTo(0.1, 12); // 0.2 · 0.5¹ at step 7
    expect(run.changes).toEqual([{ step: 7, patch: { lr: 0.2, momentum: 0.5 }, batchSize: 25 }]);
    expect(() => run.update({ hyper: { nesterov: true, momentum: 0 } })).toThrow(/nesterov/i);
    run.reset();
    expect(run.step).toBe(0);
    expect(run.changes).toEqual([]);
    expect(run.hyper.lr).toBe(0.2); // the settings as they are now
    expect(run.batchSize).toBe(25);
    expect(Array.from(run.theta)).toEqual(Array.from(problem.initialTheta));
    expect(run.snapshots.stepList()).toEqual([0]);
    problem.dispose();
  });

  it('counts epochs with mini-batches (the last one partial) and validates each', () => {
    const problem = new NetworkProblem(
      tf,
      { kind: 'blobs', n: 100, split: { train: 0.5, validation: 0.3, test: 0.2 } },
      { width: 8 },
    );
    const run = new NetworkRun(problem, {
      runId: 'e',
      optimizer: { optimizer: 'adam', lr: 0.01 },
      batchSize: 16,
    });
    // 50 training points: batches of 16, 16, 16, 2 per epoch.
    run.advance(8);
    expect(run.epoch).toBe(2);
    const epochs = run.epochsSince(0);
    expect(Array.from(epochs.step)).toEqual([4, 8]);
    expect(epochs.validationLoss.every(Number.isFinite)).toBe(true);
    const direct = problem.evaluate(run.theta, 'validation');
    expect(epochs.validationLoss[1]).toBe(direct.loss);
    expect(epochs.validationAccuracy[1]).toBe(direct.accuracy);
    // The epoch's training loss is the batch-size-weighted mean of its batch losses.
    const l = run.loss.view();
    expect(epochs.trainLoss[0]).toBeCloseTo((16 * (l[0] + l[1] + l[2]) + 2 * l[3]) / 50, 12);
    expect(run.updateMs.view().every((ms) => ms > 0)).toBe(true);
    expect(epochs.epochMs[0]).toBeCloseTo(
      run.updateMs
        .view()
        .slice(0, 4)
        .reduce((s, v) => s + v, 0),
      9,
    );
    const test = run.evaluate('test');
    expect(test.n).toBe(20);
    expect(test.accuracy).toBeGreaterThanOrEqual(0);
    problem.dispose();
  });

  it('hands out curves since a step, and frames of what is new', () => {
    const problem = new NetworkProblem(tf, { kind: 'sine', n: 60 }, { width: 8 });
    const run = new NetworkRun(problem, {
      runId: 'f',
      optimizer: { optimizer: 'adam', lr: 0.01 },
      batchSize: 'full',
    });
    expect(run.takeFrame()).toBeUndefined();
    run.advance(5);
    const first = run.takeFrame()!;
    expect(first.steps.fromStep).toBe(0);
    expect(first.steps.loss).toHaveLength(5);
    expect(first.epochs.step).toHaveLength(5); // full batch: every step is an epoch
    expect(first.steps.accuracy.every(Number.isNaN)).toBe(true); // regression
    run.advance(3);
    const second = run.takeFrame()!;
    expect(second.steps.fromStep).toBe(5);
    expect(Array.from(second.steps.loss)).toEqual(Array.from(run.curvesSince(5).loss));
    expect(run.takeFrame()).toBeUndefined();
    run.rewindFrames();
    expect(run.takeFrame()!.steps.loss).toHaveLength(8);
    expect(run.state()).toMatchObject({ runId: 'f', step: 8, epoch: 8, batchSize: 'full' });
    problem.dispose();
  });

  it('lists the misclassified examples (the digits’ grid of mistakes)', () => {
    const problem = new NetworkProblem(tf, { kind: 'digits', n: 300 }, { width: 32 });
    const theta = problem.initialTheta;
    const wrong = problem.misclassified(theta, 'test', 1000);
    const accuracy = problem.evaluate(theta, 'test').accuracy;
    const n = problem.split('test').n;
    expect(wrong.length).toBe(Math.round((1 - accuracy) * n));
    for (const w of wrong) {
      expect(w.predicted).not.toBe(w.label);
      expect(problem.split('test').y[w.index]).toBe(w.label);
    }
    expect(problem.misclassified(theta, 'test', 3).length).toBeLessThanOrEqual(3);
    problem.dispose();
  });

  it('predicts class probabilities at raw inputs (the decision surface)', () => {
    const problem = new NetworkProblem(tf, { kind: 'blobs', classes: 3, n: 90 }, { width: 8 });
    const p = problem.predict(problem.initialTheta, [0, 0, 1, 0, -0.5, 0.8]);
    expect(p).toHaveLength(9);
    for (let i = 0; i < 3; i++) expect(p[3 * i] + p[3 * i + 1] + p[3 * i + 2]).toBeCloseTo(1, 5);
    problem.dispose();
  });
});

describe('SnapshotStore', () => {
  it('keeps every k-th θ, thinning to even spacing when full', () => {
    const store = new SnapshotStore(1, 2, 8);
    for (let step = 0; step <= 20; step++) store.offer(step, Float64Array.from([step, -step]));
    expect(store.length).toBeLessThanOrEqual(9);
    const steps = store.stepList();
    expect(steps[0]).toBe(0);
    const gaps = new Set(steps.slice(1).map((s, i) => s - steps[i]));
    expect(gaps.size).toBe(1);
    expect(store.spacing).toBe(4);
    expect(Array.from(store.list()[2].theta)).toEqual([8, -8]);
  });
});
