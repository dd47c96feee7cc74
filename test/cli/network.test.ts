/**
 * `losslab train` and `losslab landscape`, through their command objects (registration in the
 * command table is the lead's): outputs, determinism, and one-line SPEC errors naming the field.
 */
import { describe, expect, it } from 'vitest';
import { landscape } from '../../electron/cli/commands/landscape';
import { train } from '../../electron/cli/commands/train';
import { SpecError } from '../../electron/cli/spec';
import type { TrainOutput } from '../../electron/engine/network/train-spec';
import type { LandscapeOutput } from '../../electron/engine/landscape/landscape-spec';

const xor = {
  dataset: { kind: 'xor', n: 120 },
  model: { activation: 'relu', width: 12 },
  steps: 200,
  batchSize: 'full',
  runs: [
    { optimizer: 'adam', lr: 0.02 },
    { optimizer: 'sgd', lr: 1e6, label: 'too fast' },
  ],
};

async function specError(command: typeof train, spec: unknown): Promise<string> {
  try {
    await command.run(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a SpecError');
}

describe('losslab train', () => {
  it('prints per-step and per-epoch curves for each run; a diverging run ends early', async () => {
    const out = (await train.run(xor)) as TrainOutput;
    expect(out.dataset).toMatchObject({
      kind: 'xor',
      task: 'classification',
      classes: 2,
      train: 84,
    });
    expect(out.model.parameters).toBe(2 * 12 + 12 + 12 * 12 + 12 + 12 * 2 + 2);
    expect(out.model.layers.map((l) => l.name)).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    const [adam, sgd] = out.runs;
    expect(adam.status).toBe('ok');
    expect(adam.steps).toBe(200);
    expect(adam.epochs).toBe(200);
    expect(adam.curves.step).toHaveLength(200);
    expect(adam.curves.loss[199]).toBeLessThan(adam.curves.loss[0]);
    expect(adam.final.train.accuracy).toBeGreaterThan(0.9);
    expect(adam.final.test).toBeDefined();
    expect(sgd.status).toBe('diverged');
    expect(sgd.label).toBe('too fast');
    expect(sgd.steps).toBeLessThan(200);
    // What a diverged run recorded is finite: its curves end at its last finite step.
    expect(sgd.reason).toMatch(/step/);
    for (const run of out.runs) {
      for (const v of [...run.curves.loss, ...run.curves.gradNorm])
        expect(Number.isFinite(v)).toBe(true);
    }
    // Deterministic, wall time aside.
    const again = (await train.run(xor)) as TrainOutput;
    expect(again.runs[0].curves).toEqual(adam.curves);
  });

  it('trains for epochs with mini-batches, thins the curves, and leaves accuracy out for regression', async () => {
    const out = (await train.run({
      dataset: { kind: 'sine', n: 100 },
      epochs: 3,
      batchSize: 16,
      curveEvery: 5,
      runs: [{ optimizer: 'rmsprop', lr: 0.01 }],
    })) as TrainOutput;
    const run = out.runs[0];
    expect(run.epochs).toBe(3);
    expect(run.steps).toBe(3 * Math.ceil(70 / 16));
    expect(run.curves.step).toEqual([0, 5, 10, 14]);
    expect(run.curves.accuracy).toBeUndefined();
    expect(run.epochCurves.step).toEqual([5, 10, 15]);
    expect(run.final.train.accuracy).toBeUndefined();
  });

  const bad: [string, unknown, RegExp][] = [
    ['no dataset', { steps: 1, runs: [{ optimizer: 'sgd' }] }, /^spec\.dataset: /],
    ['an unknown dataset', { ...xor, dataset: { kind: 'mnist' } }, /^spec\.dataset\.kind: /],
    ['steps and epochs', { ...xor, epochs: 2 }, /^spec\.steps: give exactly one/],
    ['a 30-layer net', { ...xor, model: { depth: 30 } }, /^spec\.model\.depth: /],
    [
      'a string learning rate',
      { ...xor, runs: [{ optimizer: 'adam', lr: '1' }] },
      /^spec\.runs\.0\.lr: /,
    ],
    [
      'a bad split',
      { ...xor, dataset: { kind: 'xor', split: { train: 0.9, validation: 0.9, test: 0 } } },
      /^spec\.dataset\.split: /,
    ],
    [
      'cross-entropy for regression',
      { ...xor, dataset: { kind: 'sine' }, model: { loss: 'crossEntropy' } },
      /^spec\.model\.loss: /,
    ],
    [
      'a rotated sine',
      { ...xor, dataset: { kind: 'sine', mismatch: { kind: 'rotate', degrees: 3 } } },
      /^spec\.dataset\.mismatch\.kind: /,
    ],
    [
      'lecture Adam',
      { ...xor, runs: [{ optimizer: 'adam', variant: 'lecture' }] },
      /^spec\.runs: variant: /,
    ],
  ];
  for (const [name, spec, pattern] of bad) {
    it(`refuses ${name} with one line naming the field`, async () => {
      expect(await specError(train, spec)).toMatch(pattern);
    });
  }
});

describe('losslab landscape', () => {
  const moons = {
    dataset: { kind: 'moons', n: 120 },
    model: { width: 10 },
    steps: 100,
    batchSize: 16,
    snapshotEvery: 5,
    runs: [
      { optimizer: 'adam', lr: 0.01 },
      { optimizer: 'sgd', lr: 0.1, momentum: 0.9 },
    ],
    landscape: { resolution: 9, coarse: 3, threads: 0, line: { points: 5, range: [0, 1] } },
  };

  it('prints the grid around the final θ with both trajectories on one plane', async () => {
    const out = (await landscape.run(moons)) as LandscapeOutput;
    expect(out.center).toEqual({ run: 0, at: 'final' });
    expect(out.directions.kind).toBe('random');
    expect(out.grid.values).toHaveLength(9);
    expect(out.grid.values[0]).toHaveLength(9);
    expect(out.grid.alphas[4]).toBe(0);
    // The centre of the grid is the loss at θ*.
    expect(out.grid.values[4][4]).toBeCloseTo(out.grid.centerLoss!, 5);
    expect(out.runs).toHaveLength(2);
    const [a, b] = out.runs.map((r) => r.trajectory);
    expect(a.step[a.step.length - 1]).toBe(100);
    // Run 0 ends at the centre; run 1 ends elsewhere, off the plane.
    expect(Math.abs(a.alpha[a.alpha.length - 1])).toBeLessThan(1e-6);
    expect(b.distance[b.distance.length - 1]).toBeGreaterThan(0);
    expect(out.runs[0].line!.values).toHaveLength(5);
    expect(out.grid.values.flat().every((v) => v !== null && Number.isFinite(v))).toBe(true);
  });

  it('PCA directions report their explained variance; a given θ needs no runs', async () => {
    const pca = (await landscape.run({
      ...moons,
      landscape: { resolution: 5, threads: 0, directions: { kind: 'pca' } },
    })) as LandscapeOutput;
    const [e1, e2] = pca.directions.explainedVariance!;
    expect(e1 + e2).toBeLessThanOrEqual(1);
    expect(pca.directions.norms[0]).toBeCloseTo(1, 10);
    const size = pca.model.parameters;
    const given = (await landscape.run({
      dataset: moons.dataset,
      model: moons.model,
      landscape: { resolution: 3, threads: 0, theta: Array(size).fill(0.1) },
    })) as LandscapeOutput;
    expect(given.center).toBe('given');
    expect(given.runs).toEqual([]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['neither runs nor θ', { dataset: { kind: 'xor' }, landscape: {} }, /^spec\.runs: /],
    [
      'a missing centre run',
      { ...moons, landscape: { center: { run: 5 } } },
      /^spec\.landscape\.center\.run: /,
    ],
    [
      'a 1-point grid',
      { ...moons, landscape: { resolution: 1 } },
      /^spec\.landscape\.resolution: /,
    ],
    [
      'a θ of the wrong size',
      { dataset: { kind: 'xor' }, landscape: { theta: [1, 2, 3] } },
      /^spec\.landscape\.theta: /,
    ],
    [
      'given directions of the wrong size',
      { ...moons, landscape: { directions: { kind: 'given', d1: [1], d2: [2] } } },
      /^spec\.landscape\.directions\.d1: /,
    ],
    [
      'an empty validation split',
      {
        ...moons,
        dataset: { kind: 'moons', split: { train: 1, validation: 0, test: 0 } },
        landscape: { split: 'validation', resolution: 3 },
      },
      /^spec\.landscape\.split: /,
    ],
  ];
  for (const [name, spec, pattern] of bad) {
    it(`refuses ${name} with one line naming the field`, async () => {
      expect(await specError(landscape, spec)).toMatch(pattern);
    });
  }
});
