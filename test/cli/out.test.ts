/**
 * `--out FILE.losslab`, `--vectors` and `model.theta`: what the CLI computed is saved as a
 * session the app opens — its runs replay bit for bit from the saved settings, its landscape is
 * the printed grid — and a saved θ is a run's starting point.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LandscapeOutput } from '../../electron/engine/landscape/landscape-spec';
import { loadBackend } from '../../electron/engine/backend/select';
import type { TrainOutput } from '../../electron/engine/network/train-spec';
import {
  compareNetworkRun,
  readSession,
  replayNetworkRun,
  restoreNetwork,
} from '../../electron/engine/recording';
import { parseArgs } from '../../electron/cli/index';
import { runCli } from './harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-out-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const moons = {
  dataset: { kind: 'moons', n: 200 },
  model: { width: 8, activation: 'tanh' },
  steps: 40,
  batchSize: 32,
  snapshotEvery: 5,
  runs: [
    { optimizer: 'adam', lr: 0.02 },
    { optimizer: 'sgd', lr: 0.1, momentum: 0.9, label: 'momentum' },
  ],
};

const read = (file: string) => readSession(new Uint8Array(fs.readFileSync(file)));

describe('losslab train --out', () => {
  it('saves the runs as a network session that replays bit for bit; --vectors prints θ', async () => {
    const file = path.join(dir, 'train.losslab');
    const r = await runCli(['train', '-', '--out', file, '--vectors'], JSON.stringify(moons));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as TrainOutput;
    const session = read(file);
    expect(session.view).toEqual({ mode: 'network' });
    expect(session.app.name).toBe('LossLab');
    const network = session.network!;
    expect(network.dataset).toMatchObject({ kind: 'moons', n: 200 });
    expect(network.model).toMatchObject({ width: 8, activation: 'tanh' });
    expect(network.runs).toHaveLength(2);
    network.runs.forEach((run, i) => {
      expect(run.steps).toBe(40);
      // The saved curves are the printed ones, the saved final θ the printed one.
      expect(Array.from(run.loss)).toEqual(out.runs[i].curves.loss);
      expect(Array.from(run.finalTheta)).toEqual(out.runs[i].theta);
      // --vectors: the snapshots every 5 steps, as the session keeps them.
      expect(out.runs[i].snapshots!.step).toEqual(Array.from(run.snapshotSteps));
      expect(out.runs[i].snapshots!.theta.flat()).toEqual(Array.from(run.snapshots));
    });
    expect(out.runs[1].snapshots!.step).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    // The app rebuilds the problem from the session and replays each run to the same bits.
    const { tf } = await loadBackend();
    const restored = restoreNetwork(tf, network);
    try {
      for (const run of network.runs) {
        const replay = replayNetworkRun(restored.problem, run.config, run.changes, run.steps);
        expect(compareNetworkRun(replay, run)).toBeUndefined();
      }
    } finally {
      restored.problem.dispose();
    }
  });

  it('model.theta: a run started from a saved θ goes on where the first stopped', async () => {
    // Plain gradient descent on the full batch has no state beside θ: 20 steps, then 20 more
    // from the printed θ, are the 40 steps of one run, bit for bit.
    const spec = {
      ...moons,
      batchSize: 'full',
      runs: [{ optimizer: 'sgd', lr: 0.5 }],
    };
    const whole = JSON.parse(
      (await runCli(['train', '-', '--vectors'], JSON.stringify(spec))).out,
    ) as TrainOutput;
    const first = JSON.parse(
      (await runCli(['train', '-', '--vectors'], JSON.stringify({ ...spec, steps: 20 }))).out,
    ) as TrainOutput;
    const file = path.join(dir, 'resumed.losslab');
    const r = await runCli(
      ['train', '-', '--vectors', `--out=${file}`],
      JSON.stringify({ ...spec, steps: 20, model: { ...spec.model, theta: first.runs[0].theta } }),
    );
    expect(r.err).toBe('');
    const second = JSON.parse(r.out) as TrainOutput;
    expect(second.runs[0].curves.loss).toEqual(whole.runs[0].curves.loss.slice(20));
    expect(second.runs[0].theta).toEqual(whole.runs[0].theta);
    // Saved with the θ it started from, so the app replays it from there.
    const run = read(file).network!.runs[0];
    expect(Array.from(run.startTheta!)).toEqual(first.runs[0].theta);
    expect(read(file).network!.model).not.toHaveProperty('theta');
  });

  it('refuses a θ of the wrong length, naming model.theta', async () => {
    const r = await runCli(
      ['train', '-'],
      JSON.stringify({ ...moons, model: { ...moons.model, theta: [1, 2, 3] } }),
    );
    expect(r.code).toBe(2);
    // 2 → 8 → 8 → 2: (2·8 + 8) + (8·8 + 8) + (8·2 + 2) = 114 parameters.
    expect(r.err).toMatch(
      /^losslab train: spec\.model\.theta: has 3 entries; this model's θ has 114\n$/,
    );
  });
});

describe('losslab landscape --out', () => {
  it('saves the landscape it printed, with the plane and the projected runs', async () => {
    const file = path.join(dir, 'landscape.losslab');
    const spec = { ...moons, landscape: { resolution: 11, threads: 0 } };
    const r = await runCli(['landscape', '-', '--out', file, '--vectors'], JSON.stringify(spec));
    expect(r.err).toBe('');
    const out = JSON.parse(r.out) as LandscapeOutput;
    const landscape = read(file).network!.landscapes[0];
    expect(landscape.resolution).toBe(11);
    expect(landscape.range).toEqual([
      [-1, 1],
      [-1, 1],
    ]);
    expect(landscape.centerOf).toEqual({ runId: 'run-0', at: 'final' });
    // values[j·r + i] is the printed values[j][i], to float32 (the session's dtype).
    const printed = out.grid.values.flat().map((v) => Math.fround(v!));
    expect(Array.from(landscape.values)).toEqual(printed);
    expect(Array.from(landscape.center)).toEqual(out.directions.center);
    expect(Array.from(landscape.directions.d1)).toEqual(out.directions.d1);
    expect(Array.from(landscape.directions.d2)).toEqual(out.directions.d2);
    expect(landscape.directions).toMatchObject({ kind: 'random', seed: 0 });
    expect(landscape.projections.map((p) => p.runId)).toEqual(['run-0', 'run-1']);
    expect(Array.from(landscape.projections[1].alpha)).toEqual(out.runs[1].trajectory.alpha);
    // θ* is run 0's final θ: its projection ends at the origin.
    const a = landscape.projections[0].alpha;
    expect(Math.abs(a[a.length - 1])).toBeLessThan(1e-6);
  });
});

describe('losslab hessian --out and experiment --out', () => {
  it('hessian saves the network it analysed; an explicit network is refused', async () => {
    const file = path.join(dir, 'hessian.losslab');
    const r = await runCli(
      ['hessian', '-', '--out', file],
      JSON.stringify({ ...moons, snapshotEvery: undefined, runs: moons.runs.slice(0, 1) }),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const run = read(file).network!.runs[0];
    expect(Array.from(run.snapshotSteps)).toEqual([0, 10, 20, 30, 40]);
    const explicit = await runCli(
      ['hessian', '-', '--out', file],
      JSON.stringify({
        model: { sizes: [1, 1], activation: 'linear', loss: 'mse' },
        layers: [{ W: [[1]], b: [0] }],
        data: { x: [[1]], y: [[1]] },
      }),
    );
    expect(explicit.code).toBe(2);
    expect(explicit.err).toMatch(/^losslab hessian: --out: an explicit network/);
  });

  it('experiment saves its one finished experiment for the experiments lab', async () => {
    const file = path.join(dir, 'experiment.losslab');
    const spec = {
      kind: 'batch-size',
      dataset: { kind: 'moons', n: 60 },
      model: { depth: 1, width: 4 },
      sizes: [8, 32],
      epochs: 2,
    };
    const r = await runCli(['experiment', '-', '--out', file], JSON.stringify(spec));
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    const session = read(file);
    expect(session.view).toEqual({ mode: 'experiments' });
    const [record] = session.experiments!.experiments;
    expect(record.spec).toMatchObject({ kind: 'batch-size', epochs: 2 });
    expect(record.result).toEqual(out);
  });
});

describe('the flags', () => {
  it('are checked before any work, each refusal one line', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '-', '--out', path.join(dir, 'x.json')], /--out: .* does not end in \.losslab/],
      [
        ['train', '-', '--out', path.join(dir, 'none', 'x.losslab')],
        /--out: the folder .* does not exist/,
      ],
      [['train', '-', '--out', dir + '/sub.losslab', '--out', 'y.losslab'], /--out is given twice/],
      [['train', '-', '--out'], /--out needs a file name/],
      [['train', '-', '--fast'], /unknown option --fast \(options: --out, --vectors\)/],
      [['trajectory', '-', '--out', 'x.losslab'], /--out is not an option of this command/],
      [['hessian', '-', '--vectors'], /--vectors is not an option of this command/],
    ];
    fs.mkdirSync(path.join(dir, 'sub.losslab'));
    for (const [args, message] of cases) {
      const r = await runCli(args, JSON.stringify(moons));
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim()).not.toContain('\n');
      expect(r.out).toBe('');
    }
    const intoDir = await runCli(['train', '-', '--out', path.join(dir, 'sub.losslab')], '{}');
    expect(intoDir.err).toMatch(/--out: .*sub\.losslab is a directory/);
    expect(parseArgs(['-', '--vectors'], ['vectors'])).toEqual({
      specs: ['-'],
      options: { vectors: true },
    });
  });
});

describe('--out with your own data', () => {
  it('a CSV dataset is saved with its table, and the session replays without the file', async () => {
    const csv = path.join(dir, 'rows.csv');
    const lines = ['a,b,label'];
    for (let i = 0; i < 60; i++) {
      const [a, b] = [Math.sin(i), Math.cos(3 * i)];
      lines.push(`${a.toFixed(4)},${b.toFixed(4)},${a * b > 0 ? 'yes' : 'no'}`);
    }
    fs.writeFileSync(csv, lines.join('\n'));
    const file = path.join(dir, 'csv.losslab');
    const spec = {
      dataset: { kind: 'csv', path: csv, target: 'label' },
      model: { width: 6 },
      steps: 15,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.05 }],
    };
    const r = await runCli(['train', '-', '--out', file], JSON.stringify(spec));
    expect(r.err).toBe('');
    fs.rmSync(csv);
    const network = read(file).network!;
    expect(network.dataset).toMatchObject({ kind: 'csv', target: 'label' });
    const { tf } = await loadBackend();
    const restored = restoreNetwork(tf, network);
    try {
      const run = network.runs[0];
      const replay = replayNetworkRun(restored.problem, run.config, run.changes, run.steps);
      expect(compareNetworkRun(replay, run)).toBeUndefined();
    } finally {
      restored.problem.dispose();
    }
  });
});
