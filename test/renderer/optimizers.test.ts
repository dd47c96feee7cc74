/**
 * The run panel's settings helpers: the settings in force at a step, rebuilt from a run's start
 * and its changes, agree with the engine's own at every step; generated labels name the
 * settings, schedule included.
 */
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../electron/common/protocol';
import { AnalyticRun } from '../../electron/engine/labs/explorer/analytic-run';
import {
  runLabel,
  settingsAt,
  settingsKey,
  type RunSettings,
} from '../../renderer/src/lib/state/optimizers';

describe('settingsAt', () => {
  it('gives, at every step, the settings the engine stepped with', () => {
    const run = new AnalyticRun({
      runId: 'r',
      surface: 'rosenbrock',
      start: [-1.5, 2],
      optimizer: { optimizer: 'sgd', lr: 1e-4, momentum: 0.5 },
    });
    const origin: RunSettings = { hyper: run.state().hyper, schedule: run.state().schedule };
    // What the engine holds after each step's changes: the settings of the step leaving it.
    const truth: RunSettings[] = [];
    const plan: Record<number, () => void> = {
      0: () => run.update({ lr: 2e-4 }),
      10: () => {
        run.update({ lr: 3e-4 });
        run.update({ momentum: 0.9 });
      },
      15: () => run.update({}, { kind: 'exponential', gamma: 0.99 }),
      22: () => run.update({ nesterov: true, dampening: 0 }),
      30: () => run.update({ lr: 1e-5 }, { kind: 'invSqrt' }),
    };
    for (let k = 0; k <= 40; k++) {
      plan[k]?.();
      truth.push({ hyper: run.state().hyper, schedule: run.state().schedule });
      run.advance(1);
    }
    const { changes } = run.state();
    expect(changes.map((c) => c.step)).toEqual([0, 10, 10, 15, 22, 30]);
    for (let k = 0; k <= 40; k++) {
      const at = settingsAt(origin, changes, k);
      expect(settingsKey({ optimizer: 'sgd', ...at }), `step ${k}`).toBe(
        settingsKey({ optimizer: 'sgd', ...truth[k] }),
      );
    }
    // Before the first change: the start's own settings.
    expect(settingsAt(origin, changes, -1).hyper.lr).toBe(1e-4);
  });
});

describe('settingsKey', () => {
  it('is equal exactly when the settings are, whatever the key order', () => {
    const state = new AnalyticRun({
      runId: 'r',
      surface: 'bowl',
      start: [1, 1],
      optimizer: { optimizer: 'adam', lr: 0.01 },
    }).state();
    const reordered = {
      optimizer: state.optimizer,
      hyper: Object.fromEntries(Object.entries(state.hyper).reverse()) as RunState['hyper'],
      schedule: state.schedule,
    };
    expect(settingsKey(reordered)).toBe(settingsKey(state));
    expect(settingsKey({ ...state, hyper: { ...state.hyper, lr: 0.02 } })).not.toBe(
      settingsKey(state),
    );
    expect(settingsKey({ ...state, schedule: { kind: 'invSqrt' } })).not.toBe(settingsKey(state));
    expect(settingsKey({ ...state, optimizer: 'adamw' })).not.toBe(settingsKey(state));
  });
});

describe('runLabel', () => {
  const sgd = new AnalyticRun({
    runId: 'r',
    surface: 'bowl',
    start: [1, 1],
    optimizer: { optimizer: 'sgd', lr: 0.002 },
  }).state();

  it('names a run by its optimizer, η and a schedule that is not constant', () => {
    expect(runLabel(sgd)).toBe('SGD η=0.002');
    expect(runLabel({ ...sgd, hyper: { ...sgd.hyper, momentum: 0.9 } })).toBe('Momentum η=0.002');
    expect(
      runLabel({
        ...sgd,
        schedule: { kind: 'linear', startFactor: 0.01, endFactor: 1, totalIters: 200 },
      }),
    ).toBe('SGD η=0.002, linear warm-up');
    expect(runLabel({ ...sgd, schedule: { kind: 'invSqrt' } })).toBe('SGD η=0.002, η/√(t+1)');
  });

  it('uses the label a run carries', () => {
    expect(runLabel({ ...sgd, label: 'GD, small η = 0.002' })).toBe('GD, small η = 0.002');
  });
});
