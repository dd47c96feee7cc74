/**
 * Replay and fork: a saved session re-run from its configurations reproduces every trajectory
 * bit for bit (mid-run changes, schedules, a reset, a divergence); restored runs continue
 * exactly as the originals would; a recording that replay does not reproduce is kept as it is
 * and cannot step; a fork at step k has the original's θ and optimizer state at k and then
 * follows its new settings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../../../electron/common/schemas';
import type { AnalyticRunRecording, SessionData } from '../../../electron/common/session';
import { AnalyticRun } from '../../../electron/engine/labs/explorer/analytic-run';
import {
  forkRun,
  readSession,
  recordAnalyticRun,
  replayRecording,
  replayRun,
  restoreAnalyticRun,
  restoreExplorer,
  writeSession,
} from '../../../electron/engine/recording';
import { resolveHyper } from '../../../electron/engine/optim';
import type { raceRuns } from './fixtures';
import { bytesOf, raceSession, start } from './fixtures';

let opened: SessionData;
let live: ReturnType<typeof raceRuns>;

beforeAll(async () => {
  const race = await raceSession();
  live = race.runs;
  opened = readSession(writeSession(race.data));
});

/** The run's series, bit for bit equal to the recording's. */
function expectSameSeries(run: AnalyticRun, recording: AnalyticRunRecording): void {
  const pairs: [string, Float64Array, Float64Array][] = [
    ['points', run.points.view(), recording.points],
    ['gradNorm', run.gradNorm.view(), recording.gradNorm],
    ['lr', run.lr.view(), recording.lr],
    ['grad', run.grads.view(), recording.grad],
    ['effStep', run.effSteps.view(), recording.effStep],
  ];
  for (const [name, a, b] of pairs) {
    expect(a.length, `${recording.config.runId} ${name} length`).toBe(b.length);
    expect(Buffer.compare(bytesOf(a), bytesOf(b)), `${recording.config.runId} ${name}`).toBe(0);
  }
}

describe('replay', () => {
  it('a saved session re-run from its configurations reproduces every trajectory bit for bit', () => {
    const runs = opened.explorer!.runs;
    expect(runs.length).toBe(6);
    for (const recording of runs) {
      const replay = replayRun(recording.config, recording.changes, recording.steps, {
        ended: recording.status,
      });
      expect(replay.step, recording.config.runId).toBe(recording.steps);
      expect(replay.status).toBe(recording.status);
      expect(replay.reason).toBe(recording.reason);
      expectSameSeries(replay, recording);
      expect(replay.state().changes).toEqual(recording.changes);
      expect(replayRecording(recording).difference).toBeUndefined();
    }
    // The diverged run's last change came after it diverged: applied before, it would have
    // changed the failing step (and its learning rate in the reason).
    const diverged = runs[4];
    expect(diverged.changes.at(-1)).toEqual({ step: diverged.steps, patch: { lr: 0.001 } });
    const wrongOrder = replayRun(diverged.config, diverged.changes, diverged.steps, {
      ended: 'diverged',
      changesBeforeEnd: 1,
    });
    expect(wrongOrder.reason).toBe(
      'the loss is 1.67e+15: |L| passed 10¹² × |L₀| + 10¹² = 1.35e+13 after step 8 (learning rate 0.001)',
    );
    expect(diverged.reason).toBe(
      'the loss is 1.08e+22: |L| passed 10¹² × |L₀| + 10¹² = 1.35e+13 after step 8 (learning rate 0.05)',
    );
  });

  it('records the settings a reset run started from, not its first ones', () => {
    const adagrad = opened.explorer!.runs.find((r) => r.config.runId === 'adagrad')!;
    expect(adagrad.config.start).toEqual([1, -1]);
    expect(adagrad.config.optimizer).toMatchObject({
      lr: 0.3,
      lrDecay: 0.01,
      schedule: { kind: 'exponential', gamma: 0.99 },
    });
    expect(adagrad.changes).toEqual([
      { step: 25, patch: { initialAccumulatorValue: 0.1, eps: 1e-8 } },
    ]);
  });

  it('restored runs hold the recording and go on exactly as the originals do', () => {
    const restored = restoreExplorer(opened.explorer!);
    for (const [i, { run, resumable, note }] of restored.runs.entries()) {
      expect(resumable, note).toBe(true);
      const original = live[i].run;
      expect(restored.runs[i].color).toBe(live[i].color);
      expectSameSeries(run, opened.explorer!.runs[i]);
      expect(run.state()).toEqual(original.state());
      expect(run.inspect()).toEqual(original.inspect());
      original.advance(75);
      run.advance(75);
      expect(run.step).toBe(original.step);
      expectSameSeries(run, recordAnalyticRun(original));
      expect(run.inspect()).toEqual(original.inspect());
    }
  });

  it('a recording that replay does not reproduce is kept as it is and cannot step', () => {
    const recording = structuredClone(opened.explorer!.runs[0]);
    // One ulp off at one point: a recording made by some other arithmetic.
    const k = 3 * 60;
    recording.points[k] = recording.points[k] + Math.abs(recording.points[k]) * 2 ** -52;
    const { run, resumable, note } = restoreAnalyticRun(recording);
    expect(resumable).toBe(false);
    expect(note).toBe(
      're-running its configuration does not reproduce the recording: its points differ from step 60',
    );
    expectSameSeries(run, recording);
    expect(run.status).toBe('finished');
    expect(run.reason).toMatch(/^recorded; it cannot continue here/);
    expect(run.state().changes).toEqual(recording.changes);
    expect(run.state().hyper).toMatchObject({ lr: 0.02, betas: [0.8, 0.99], amsgrad: true });
    expect(run.inspect().theta).toEqual(
      Float64Array.from(recording.points.subarray(3 * recording.steps, 3 * recording.steps + 2)),
    );
    expect(run.advance(10)).toBe(0);
    // A recorded divergence stays a divergence.
    const diverged = structuredClone(opened.explorer!.runs[4]);
    diverged.grad[2] += 1;
    const kept = restoreAnalyticRun(diverged);
    expect(kept.resumable).toBe(false);
    expect(kept.run.status).toBe('diverged');
    expect(kept.run.reason).toBe(diverged.reason);
  });
});

describe('fork ("re-run from here")', () => {
  it('starts from the original state at step k, then follows the new settings', () => {
    const k = 70;
    const spec: OptimizerSpec = {
      optimizer: 'adam',
      lr: 0.005,
      betas: [0.5, 0.9],
      schedule: { kind: 'exponential', gamma: 0.995 },
    };
    // The original, live, looked at when it reached step k.
    const original = new AnalyticRun({
      runId: 'adam',
      surface: 'rosenbrock',
      start,
      optimizer: { optimizer: 'adam', lr: 0.05 },
    });
    original.advance(40);
    original.update({ lr: 0.02 });
    original.advance(k - 40);
    const atK = original.inspect();
    // An independent path to the expected fork: the original changed at k by hand.
    const byHand = new AnalyticRun({
      runId: 'adam',
      surface: 'rosenbrock',
      start,
      optimizer: { optimizer: 'adam', lr: 0.05 },
    });
    byHand.advance(40);
    byHand.update({ lr: 0.02 });
    byHand.advance(k - 40);
    byHand.update(resolveHyper(spec), spec.schedule);
    byHand.advance(50);
    original.advance(100);
    original.update({ eps: 1e-6 });
    original.advance(30);

    const recording = readSession(
      writeSession({
        createdAt: new Date().toISOString(),
        app: { name: 'LossLab', version: 'test' },
        explorer: { surface: 'rosenbrock', start, runs: [recordAnalyticRun(original)] },
        view: {},
      }),
    ).explorer!.runs[0];

    const fork = forkRun(recording, k, spec, { runId: 'adam-fork' });
    expect(fork.continued, fork.note).toBe(true);
    expect(fork.forkedFrom).toEqual({ runId: 'adam', step: k });
    const state = fork.run.inspect();
    expect(state.step).toBe(k);
    expect(state.theta).toEqual(atK.theta);
    expect(state.grad).toEqual(atK.grad);
    expect(state.buffers).toEqual(atK.buffers);
    expect(state.t).toBe(atK.t);
    expect(fork.run.hyper).toEqual(resolveHyper(spec));
    expect(fork.run.currentLr).toBe(0.005 * 0.995 ** k);

    fork.run.advance(50);
    const expected = recordAnalyticRun(byHand);
    expectSameSeries(fork.run, { ...expected, config: { ...expected.config, runId: 'adam-fork' } });
    // It did leave the original's path.
    expect(fork.run.points.at(3 * (k + 10))).not.toBe(recording.points[3 * (k + 10)]);
    // And a fork is a run like any other: its own config and changes replay it.
    const again = recordAnalyticRun(fork.run);
    expect(again.changes.map((c) => c.step)).toEqual([40, k]);
    expectSameSeries(replayRun(again.config, again.changes, again.steps), again);
  });

  it('with another update rule starts afresh at the recorded θ_k', () => {
    const recording = opened.explorer!.runs[1];
    const k = 100;
    const fork = forkRun(recording, k, { optimizer: 'rmsprop', lr: 0.001 });
    expect(fork.continued).toBe(false);
    expect(fork.note).toMatch(/rmsprop cannot take over sgd's state/);
    const state = fork.run.inspect();
    expect(state.step).toBe(0);
    expect(Array.from(state.theta)).toEqual(
      Array.from(recording.points.subarray(3 * k, 3 * k + 2)),
    );
    expect(state.t).toBe(0);
    expect(() => forkRun(recording, recording.steps + 1, { optimizer: 'sgd' })).toThrow(
      /cannot fork at step 151: the run has steps 0 to 150/,
    );
  });
});
