/**
 * Goals evaluated on crafted runs: each metric kind true and false, `any` and `end`, within a
 * step count, the run selector and its quantifier, and the edges — no run of that optimizer, a
 * run with fewer steps than `within`, a run that stopped, NaN values.
 */
import { describe, expect, it } from 'vitest';
import type { Goal, GoalMetric, GoalOptimizer } from '../../../electron/common/exercise';
import {
  describeGoal,
  evaluateGoal,
  evaluateRun,
  type GoalRun,
  type Series,
} from '../../../renderer/src/lib/exercise/goals';

const series = (steps: number[], values: number[]): Series => ({
  count: values.length,
  step: (i) => steps[i],
  value: (i) => values[i],
});

/** An explorer run through the given points (point k after k steps). */
function surfaceRun(
  runId: string,
  optimizer: GoalOptimizer,
  points: [number, number, number][],
  going = true,
): GoalRun {
  const steps = points.map((_, i) => i);
  return {
    runId,
    name: runId,
    lab: 'explorer',
    optimizer,
    steps: points.length - 1,
    going,
    series(metric, point) {
      if (metric === 'loss')
        return series(
          steps,
          points.map((p) => p[2]),
        );
      if (metric === 'distance' && point)
        return series(
          steps,
          points.map((p) => Math.hypot(p[0] - point[0], p[1] - point[1])),
        );
      return undefined;
    },
  };
}

/** A network run: `steps` updates, epochs ending at `epochSteps` with their validation loss. */
function netRun(options: {
  runId?: string;
  optimizer?: GoalOptimizer;
  steps: number;
  epochSteps: number[];
  validationLoss: number[];
  test?: { step: number; accuracy: number };
  going?: boolean;
}): GoalRun {
  return {
    runId: options.runId ?? 'net-1',
    name: options.runId ?? 'net-1',
    lab: 'network',
    optimizer: options.optimizer ?? 'adam',
    steps: options.steps,
    going: options.going ?? true,
    series(metric: GoalMetric) {
      if (metric === 'validationLoss') return series(options.epochSteps, options.validationLoss);
      if (metric === 'testAccuracy')
        return options.test ? series([options.test.step], [options.test.accuracy]) : undefined;
      return undefined;
    },
  };
}

const deep: [number, number] = [-1.06, 0];
const endsInDeep: Goal = {
  lab: 'explorer',
  metric: 'distance',
  point: { at: deep, name: 'the deep minimum' },
  runs: { optimizer: 'momentum', quantifier: 'any' },
  compare: '<=',
  threshold: 0.1,
  at: 'end',
};
const valLoss: Goal = {
  lab: 'network',
  metric: 'validationLoss',
  runs: { quantifier: 'any' },
  compare: '<=',
  threshold: 0.2,
  at: 'any',
  within: 500,
};
const testAcc: Goal = {
  lab: 'network',
  metric: 'testAccuracy',
  runs: { quantifier: 'any' },
  compare: '>=',
  threshold: 0.95,
  at: 'any',
};

describe('distance to a named minimum (explorer)', () => {
  const intoDeep = surfaceRun('run-1', 'momentum', [
    [1.5, 1, 3],
    [0.2, 0.5, 1],
    [-1.02, 0.03, -0.3],
  ]);
  const intoShallow = surfaceRun('run-2', 'momentum', [
    [1.5, 1, 3],
    [0.96, 0, -0.1],
  ]);
  const sgdIntoDeep = surfaceRun('run-3', 'sgd', [
    [1.5, 1, 3],
    [-1.06, 0, -0.35],
  ]);

  it('is met when a momentum run ends within r of the minimum', () => {
    const result = evaluateGoal(endsInDeep, [intoDeep]);
    expect(result.state).toBe('met');
    expect(result.runs[0].value).toBeCloseTo(Math.hypot(0.04, 0.03), 12);
    expect(result.runs[0].step).toBe(2);
    expect(result.detail).toBe('run-1: distance 0.05 at step 2');
  });

  it('is not met while the run ends elsewhere (pending while it goes on, failed once stopped)', () => {
    expect(evaluateGoal(endsInDeep, [intoShallow]).state).toBe('pending');
    const stopped = { ...intoShallow, going: false };
    expect(evaluateGoal(endsInDeep, [stopped]).state).toBe('failed');
  });

  it('counts only runs of the selected optimizer; none is no-run', () => {
    // SGD reached the deep minimum, but the goal is about momentum.
    expect(evaluateGoal(endsInDeep, [sgdIntoDeep, intoShallow]).state).toBe('pending');
    const none = evaluateGoal(endsInDeep, [sgdIntoDeep]);
    expect(none.state).toBe('no-run');
    expect(none.met).toBe(false);
    expect(none.detail).toBe('no Momentum run in the explorer');
    // Without an optimizer every explorer run counts (network runs never do).
    const anyRun = { ...endsInDeep, runs: { quantifier: 'any' as const } };
    expect(
      evaluateGoal(anyRun, [sgdIntoDeep, netRun({ steps: 0, epochSteps: [], validationLoss: [] })])
        .state,
    ).toBe('met');
  });

  it('"ends" is the last point: passing through the minimum is not ending in it', () => {
    const through = surfaceRun(
      'run-4',
      'momentum',
      [
        [1.5, 1, 3],
        [-1.05, 0, -0.35],
        [0.9, 0.1, -0.1],
      ],
      false,
    );
    expect(evaluateGoal(endsInDeep, [through]).state).toBe('failed');
    expect(evaluateGoal({ ...endsInDeep, at: 'any' }, [through]).state).toBe('met');
  });

  it('a loss goal compares the loss at each point, strictly or not', () => {
    const lossGoal: Goal = {
      lab: 'explorer',
      metric: 'loss',
      runs: { quantifier: 'any' },
      compare: '<=',
      threshold: -0.3,
      at: 'any',
    };
    expect(evaluateGoal(lossGoal, [intoDeep]).state).toBe('met');
    expect(evaluateGoal({ ...lossGoal, compare: '<' }, [intoDeep]).state).toBe('pending');
    expect(evaluateGoal({ ...lossGoal, compare: '<', threshold: -0.29 }, [intoDeep]).state).toBe(
      'met',
    );
  });
});

describe('validation loss ≤ 0.2 within 500 steps (network)', () => {
  it('is met by a value at a step ≤ 500, the limit included', () => {
    const run = netRun({
      steps: 600,
      epochSteps: [100, 200, 300, 400, 500, 600],
      validationLoss: [0.5, 0.3, 0.25, 0.21, 0.2, 0.1],
    });
    const result = evaluateGoal(valLoss, [run]);
    expect(result.state).toBe('met');
    expect(result.runs[0]).toEqual({ runId: 'net-1', state: 'met', value: 0.2, step: 500 });
  });

  it('fails when the loss got there only after step 500', () => {
    const run = netRun({
      steps: 600,
      epochSteps: [100, 200, 300, 400, 500, 600],
      validationLoss: [0.5, 0.3, 0.25, 0.21, 0.201, 0.1],
    });
    const result = evaluateGoal(valLoss, [run]);
    expect(result.state).toBe('failed');
    // The best before the limit is reported.
    expect(result.runs[0]).toMatchObject({ value: 0.201, step: 500 });
  });

  it('with fewer steps than "within" it is pending while the run goes on, failed once it stopped', () => {
    const early = { steps: 450, epochSteps: [150, 300, 450], validationLoss: [0.5, 0.3, 0.25] };
    const pending = evaluateGoal(valLoss, [netRun(early)]);
    expect(pending.state).toBe('pending');
    expect(pending.detail).toBe('net-1: validation loss 0.25 at step 450 (step 450 of 500)');
    expect(evaluateGoal(valLoss, [netRun({ ...early, going: false })]).state).toBe('failed');
  });

  it('skips NaN (an epoch not validated), which never meets a comparison', () => {
    const run = netRun({
      steps: 500,
      epochSteps: [250, 500],
      validationLoss: [NaN, 0.4],
    });
    expect(evaluateGoal(valLoss, [run]).state).toBe('failed');
    expect(evaluateGoal({ ...valLoss, compare: '>=', threshold: 0 }, [run]).runs[0]).toMatchObject({
      state: 'met',
      step: 500,
    });
    const ends: Goal = { ...valLoss, at: 'end', compare: '>=', threshold: 0.3 };
    const lastNaN = netRun({ steps: 500, epochSteps: [250, 500], validationLoss: [0.4, NaN] });
    // The end's value is the last validated one (0.4 at step 250), not the NaN.
    expect(evaluateRun(ends, lastNaN)).toEqual({
      runId: 'net-1',
      state: 'met',
      value: 0.4,
      step: 250,
    });
  });

  it('"ends ... at step N" waits for step N, then takes the value there', () => {
    const ends: Goal = { ...valLoss, at: 'end' };
    const half = netRun({ steps: 300, epochSteps: [300], validationLoss: [0.1] });
    expect(evaluateGoal(ends, [half]).state).toBe('pending');
    const later = netRun({
      steps: 700,
      epochSteps: [300, 500, 700],
      validationLoss: [0.1, 0.3, 0.05],
    });
    // At step 500 it was 0.3: failed, whatever came after.
    expect(evaluateGoal(ends, [later]).state).toBe('failed');
    const good = netRun({
      steps: 700,
      epochSteps: [300, 500, 700],
      validationLoss: [0.3, 0.15, 1],
    });
    expect(evaluateGoal(ends, [good]).state).toBe('met');
  });

  it('"all" needs every selected run; "any" one', () => {
    const met = netRun({ runId: 'net-1', steps: 500, epochSteps: [500], validationLoss: [0.1] });
    const pending = netRun({
      runId: 'net-2',
      steps: 100,
      epochSteps: [100],
      validationLoss: [0.9],
    });
    const failed = netRun({ runId: 'net-3', steps: 500, epochSteps: [500], validationLoss: [0.9] });
    const all: Goal = { ...valLoss, runs: { quantifier: 'all' } };
    expect(evaluateGoal(valLoss, [met, failed]).state).toBe('met');
    expect(evaluateGoal(valLoss, [pending, failed]).state).toBe('pending');
    expect(evaluateGoal(valLoss, [failed]).state).toBe('failed');
    expect(evaluateGoal(all, [met, met]).state).toBe('met');
    expect(evaluateGoal(all, [met, pending]).state).toBe('pending');
    const mixed = evaluateGoal(all, [met, pending, failed]);
    expect(mixed.state).toBe('failed');
    // The detail names the run that decided it: the one that failed.
    expect(mixed.detail).toMatch(/^net-2|^net-3/);
    expect(mixed.runs.map((r) => r.state)).toEqual(['met', 'pending', 'failed']);
  });
});

describe('test accuracy ≥ 95 %', () => {
  it('is met by a test evaluation at or above 0.95 and not below', () => {
    const at = (accuracy: number, going = true) =>
      netRun({
        steps: 800,
        epochSteps: [],
        validationLoss: [],
        test: { step: 800, accuracy },
        going,
      });
    expect(evaluateGoal(testAcc, [at(0.95)]).state).toBe('met');
    expect(evaluateGoal(testAcc, [at(0.96)]).detail).toBe('net-1: test accuracy 96 % at step 800');
    expect(evaluateGoal(testAcc, [at(0.9499)]).state).toBe('pending');
    expect(evaluateGoal(testAcc, [at(0.9499, false)]).state).toBe('failed');
  });

  it('without a test evaluation yet it is pending, with no value', () => {
    const result = evaluateGoal(testAcc, [
      netRun({ steps: 100, epochSteps: [], validationLoss: [] }),
    ]);
    expect(result.state).toBe('pending');
    expect(result.detail).toBe('net-1: no value yet');
  });

  it('within 500 steps: an evaluation at step 800 does not count', () => {
    const run = netRun({
      steps: 800,
      epochSteps: [],
      validationLoss: [],
      test: { step: 800, accuracy: 0.99 },
    });
    expect(evaluateGoal({ ...testAcc, within: 500 }, [run]).state).toBe('failed');
  });
});

describe('describeGoal', () => {
  it('says a goal in words', () => {
    expect(describeGoal(valLoss)).toBe('any run: validation loss ≤ 0.2 within 500 steps');
    expect(describeGoal(testAcc)).toBe('any run: test accuracy ≥ 95 %');
    expect(describeGoal(endsInDeep)).toBe('any Momentum run ends within 0.1 of the deep minimum');
    expect(
      describeGoal({ ...valLoss, at: 'end', runs: { optimizer: 'adam', quantifier: 'all' } }),
    ).toBe('every Adam run: validation loss ≤ 0.2 at step 500');
  });
});
