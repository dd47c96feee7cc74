/**
 * Network sessions on the wasm backend: curves, θ snapshots, final θ and a landscape grid
 * with its directions and projections round-trip bit for bit; a restored run shows the
 * recording at once and cannot step; resuming retrains it, checks it against the recording,
 * and then continues exactly as the original; a recording retraining does not reproduce is
 * kept as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkLandscape } from '../../../electron/common/protocol';
import type { SessionData } from '../../../electron/common/session';
import { loadBackend } from '../../../electron/engine/backend/select';
import {
  computeLandscape,
  projectTrajectory,
  randomDirections,
} from '../../../electron/engine/landscape';
import { NetworkProblem, NetworkRun, type Tf } from '../../../electron/engine/network';
import {
  readSession,
  restoreNetwork,
  restoreNetworkRun,
  resumeNetworkRun,
  sessionFromRuns,
  writeSession,
  type LiveLandscape,
} from '../../../electron/engine/recording';
import { bytesOf, sameArrays } from './fixtures';

let tf: Tf;
let problem: NetworkProblem;
let runs: NetworkRun[];
let data: SessionData;
let opened: SessionData;
const disposeLater: NetworkProblem[] = [];

beforeAll(async () => {
  tf = (await loadBackend({ force: 'wasm' })).tf;
  problem = new NetworkProblem(
    tf,
    { kind: 'moons', n: 80, seed: 3 },
    { depth: 2, width: 6, dropout: 0.1, l2: 1e-3, seed: 5 },
  );
  const adam = new NetworkRun(problem, {
    runId: 'adam',
    optimizer: { optimizer: 'adam', lr: 0.02 },
    batchSize: 16,
    seed: 4,
    snapshotEvery: 5,
    label: 'Adam',
  });
  adam.advance(23);
  adam.update({ hyper: { lr: 0.01 }, batchSize: 7 });
  adam.advance(20);
  adam.update({ schedule: { kind: 'exponential', gamma: 0.98 } });
  adam.advance(12);
  const sgd = new NetworkRun(problem, {
    runId: 'sgd',
    optimizer: {
      optimizer: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      schedule: { kind: 'step', stepSize: 10, gamma: 0.5 },
    },
    batchSize: 'full',
    snapshotEvery: 3,
  });
  sgd.advance(30);
  // Far too large a step: diverges, then a change is made to the diverged run.
  const wild = new NetworkRun(problem, {
    runId: 'wild',
    optimizer: { optimizer: 'sgd', lr: 1e6 },
    batchSize: 'full',
  });
  wild.advance(40);
  wild.update({ hyper: { lr: 0.01 } });
  // A run of its own architecture on the same data: deeper, narrower, ReLU, residual.
  const deep = new NetworkRun(problem, {
    runId: 'deep',
    optimizer: { optimizer: 'adam', lr: 0.01 },
    model: { depth: 4, width: 5, activation: 'relu', residual: true, seed: 9 },
    batchSize: 12,
    snapshotEvery: 4,
  });
  deep.advance(9);
  deep.update({ batchSize: 'full' });
  deep.advance(3);
  deep.update({ batchSize: 20 });
  deep.advance(10);
  runs = [adam, sgd, wild];
  const center = adam.theta.slice();
  const directions = randomDirections(problem.layout, center, 7);
  const grid = await computeLandscape(problem, center, directions, {
    resolution: 7,
    coarse: 0,
    threads: 0,
    range: [
      [-0.5, 1],
      [-1, 1],
    ],
  });
  data = sessionFromRuns({
    createdAt: '2025-03-04T05:06:07.089Z',
    network: {
      problem,
      runs: [{ run: adam, color: '#e4572e' }, sgd, wild, deep],
      landscapes: [
        {
          grid,
          directions,
          center,
          centerOf: { runId: 'adam', at: 'current', step: 55 },
          projections: runs.map((r) =>
            projectTrajectory(r, center, directions, { lossOn: 'train' }),
          ),
        },
      ],
    },
    view: { curves: { log: true } },
  });
  runs.push(deep);
  opened = readSession(writeSession(data));
});

// The engine's own landscape message fits what a session takes (checked by tsc).
export type ProtocolLandscapeFits = [
  NetworkLandscape extends LiveLandscape['grid'] ? true : never,
  NetworkLandscape['center'] extends NonNullable<LiveLandscape['centerOf']> ? true : never,
  NetworkLandscape['projections'][number] extends NonNullable<LiveLandscape['projections']>[number]
    ? true
    : never,
];
const fits: ProtocolLandscapeFits = [true, true, true];
void fits;

afterAll(() => {
  problem.dispose();
  for (const p of disposeLater) p.dispose();
});

describe('network sessions', () => {
  it('round-trip curves, snapshots, final θ and a landscape bit for bit', () => {
    expect(sameArrays(data, opened)).toEqual([]);
    expect(opened).toEqual({ ...data, savedAt: opened.savedAt });
    const [adam, sgd] = opened.network!.runs;
    expect(adam.config).toMatchObject({ runId: 'adam', batchSize: 16, seed: 4, snapshotEvery: 5 });
    expect(adam.changes).toEqual([
      { step: 23, patch: { lr: 0.01 }, batchSize: 7 },
      { step: 43, schedule: { kind: 'exponential', gamma: 0.98 } },
    ]);
    expect(Array.from(adam.snapshotSteps)).toEqual(runs[0].snapshots.list().map((s) => s.step));
    expect(adam.snapshots.length).toBe(adam.snapshotSteps.length * adam.parameters);
    expect(adam.epochs).toBeGreaterThan(5);
    expect(sgd.steps).toBe(30);
    expect(sgd.epochs).toBe(30);
    const wild = opened.network!.runs[2];
    expect(wild.status).toBe('diverged');
    expect(wild.steps).toBeLessThan(40);
    expect(wild.changes).toEqual([{ step: wild.steps, patch: { lr: 0.01 } }]);
    const landscape = opened.network!.landscapes[0];
    expect(landscape.range).toEqual([
      [-0.5, 1],
      [-1, 1],
    ]);
    expect(landscape.values.length).toBe(49);
    expect(landscape.directions).toMatchObject({ kind: 'random', seed: 7 });
    expect(landscape.projections.map((p) => p.runId)).toEqual(['adam', 'sgd', 'wild']);
    expect(landscape.projections[0].loss).toBeInstanceOf(Float64Array);
    expect(opened.network!.dataset).toMatchObject({ kind: 'moons', n: 80, seed: 3 });
    // Runs of the lab's model carry none; a run of its own carries its whole model.
    expect(opened.network!.runs.map((r) => r.config.model?.depth)).toEqual([
      undefined,
      undefined,
      undefined,
      4,
    ]);
    const deep = opened.network!.runs[3];
    expect(deep.config.model).toMatchObject({ width: 5, activation: 'relu', residual: true });
    // 2 → 5 → 5 → 5 → 5 → 2.
    expect(deep.parameters).toBe(2 * 5 + 5 + 3 * (5 * 5 + 5) + 5 * 2 + 2);
    expect(deep.parameters).not.toBe(opened.network!.runs[0].parameters);
  });

  it('a restored run shows the recording at once, verified on its first steps, and cannot step', () => {
    const restored = restoreNetwork(tf, opened.network!, { verifySteps: 10 });
    disposeLater.push(restored.problem);
    for (const [i, r] of restored.runs.entries()) {
      expect(r.resumable, r.note).toBe(true);
      const recording = opened.network!.runs[i];
      expect(r.verifiedSteps).toBe(Math.min(10, recording.steps));
      const curves = r.run.curvesSince(0);
      for (const key of ['loss', 'accuracy', 'gradNorm', 'lr', 'updateMs'] as const) {
        expect(Buffer.compare(bytesOf(curves[key]), bytesOf(recording[key])), key).toBe(0);
      }
      expect(Buffer.compare(bytesOf(r.run.theta), bytesOf(recording.finalTheta))).toBe(0);
      expect(r.run.snapshots.list().map((s) => s.step)).toEqual(
        Array.from(recording.snapshotSteps),
      );
      const stopped = recording.status !== 'ok';
      expect(r.run.state()).toMatchObject({
        // A run still going when saved waits for a resume; a diverged one stays diverged.
        status: stopped ? recording.status : 'finished',
        reason: stopped
          ? recording.reason
          : 'recorded; resume it (retraining its steps) to continue',
        step: recording.steps,
        epoch: recording.epochs,
        changes: recording.changes,
      });
      expect(r.run.advance(5)).toBe(0);
      // Batch sizes are not saved: they follow from the settings, as the original drew them.
      expect(Array.from(r.run.examples.view())).toEqual(Array.from(runs[i].examples.view()));
    }
    expect(restored.runs[3].run.state().model).toMatchObject({ depth: 4, width: 5 });
    expect(restored.runs[3].run.theta.length).toBe(opened.network!.runs[3].parameters);
    expect(restored.runs[0].run.state()).toMatchObject({ batchSize: 7, hyper: { lr: 0.01 } });
    expect(restored.runs[0].color).toBe('#e4572e');
  });

  it('resuming retrains the run bit for bit, then it continues as the original does', async () => {
    const fresh = new NetworkProblem(tf, opened.network!.dataset!, opened.network!.model!);
    disposeLater.push(fresh);
    for (const [i, recording] of opened.network!.runs.entries()) {
      const progress: number[] = [];
      const resumed = await resumeNetworkRun(fresh, recording, {
        chunk: 8,
        onProgress: (done) => progress.push(done),
      });
      expect(resumed.resumable, resumed.note).toBe(true);
      expect(progress.at(-1)).toBe(recording.steps);
      expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(recording.steps / 8));
      const run = resumed.run;
      // The curves are the recording, wall times included.
      expect(Buffer.compare(bytesOf(run.updateMs.view()), bytesOf(recording.updateMs))).toBe(0);
      expect(run.state()).toEqual(runs[i].state());
      const original = runs[i];
      original.advance(15);
      run.advance(15);
      expect(Buffer.compare(bytesOf(run.theta), bytesOf(original.theta))).toBe(0);
      expect(Buffer.compare(bytesOf(run.loss.view()), bytesOf(original.loss.view()))).toBe(0);
    }
  });

  it('a recording that retraining does not reproduce is kept and cannot continue', async () => {
    const recording = structuredClone(opened.network!.runs[0]);
    recording.loss[3] *= 1 + 2 ** -40;
    const restored = restoreNetworkRun(problem, recording);
    expect(restored.resumable).toBe(false);
    expect(restored.note).toBe(
      'retraining does not reproduce the recording: its loss differs from step 3',
    );
    expect(restored.run.curvesSince(0).loss[3]).toBe(recording.loss[3]);
    const resumed = await resumeNetworkRun(problem, recording);
    expect(resumed.resumable).toBe(false);
    expect(resumed.run.status).toBe('finished');
    expect(resumed.run.reason).toMatch(/cannot continue here \(retraining does not reproduce/);
    // A recording from another model does not fit this one.
    const other = structuredClone(recording);
    other.parameters += 1;
    expect(() => restoreNetworkRun(problem, other)).toThrow(/has \d+ parameters; this model has/);
  });
});
