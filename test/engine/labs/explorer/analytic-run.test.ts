/**
 * AnalyticRun's recording: each step's point, ∇L, ‖∇L‖, η and η/σ are written in place into
 * room made once per advance. How the steps are chunked must not change a bit of what is
 * recorded, nor where a run stops (divergence, the step limit).
 */
import { describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../../../../electron/common/schemas';
import { trajectoryColumns } from '../../../../electron/common/columns';
import { AnalyticRun, MAX_RUN_STEPS } from '../../../../electron/engine/labs/explorer/analytic-run';

const names = Object.keys(trajectoryColumns) as (keyof typeof trajectoryColumns)[];

/** Every recorded column of a run, as bytes. */
function recorded(run: AnalyticRun): Record<string, Buffer> {
  const slice = run.trajectory.slice();
  return Object.fromEntries(names.map((k) => [k, Buffer.from(slice[k].buffer)]));
}

function sameRecording(a: AnalyticRun, b: AnalyticRun, what: string): void {
  expect(a.step, what).toBe(b.step);
  expect([a.status, a.reason], what).toEqual([b.status, b.reason]);
  const [ra, rb] = [recorded(a), recorded(b)];
  for (const k of names) expect(ra[k].equals(rb[k]), `${what}: ${k}`).toBe(true);
  expect({ ...a.inspect(), runId: '' }, what).toEqual({ ...b.inspect(), runId: '' });
}

const specs: OptimizerSpec[] = [
  { optimizer: 'sgd', lr: 2e-4, momentum: 0.9, nesterov: true },
  { optimizer: 'adagrad', lr: 0.1, lrDecay: 0.01 },
  { optimizer: 'rmsprop', lr: 1e-3, centered: true },
  { optimizer: 'rmsprop', lr: 1e-3, variant: 'lecture' },
  { optimizer: 'adam', lr: 1e-2, amsgrad: true },
  { optimizer: 'adamw', lr: 1e-2, schedule: { kind: 'cosine', tMax: 500, etaMin: 1e-4 } },
];

describe('AnalyticRun records every point', () => {
  for (const optimizer of specs) {
    it(`the same bits in one advance, in single steps or in chunks: ${JSON.stringify(optimizer)}`, () => {
      const make = () =>
        new AnalyticRun({ runId: 'r', surface: 'rosenbrock', start: [-1.5, 2], optimizer });
      const whole = make();
      expect(whole.advance(1000)).toBe(1000);
      const single = make();
      for (let i = 0; i < 1000; i++) expect(single.advance(1)).toBe(1);
      const chunks = make();
      for (const n of [0, 1, 63, 64, 65, 300, 7, 500]) chunks.advance(n);
      sameRecording(single, whole, 'single steps');
      sameRecording(chunks, whole, 'chunks');
      expect(whole.points.length).toBe(3 * 1001);
      expect(whole.gradNorm.length).toBe(1001);
      // η/σ is known for every point but the newest (its step is not taken yet).
      const eff = whole.effSteps.view();
      expect(eff.subarray(0, 2000).every(Number.isFinite)).toBe(true);
      expect(Number.isNaN(eff[2000]) && Number.isNaN(eff[2001])).toBe(true);
      // ‖∇L‖ is the norm of the recorded gradient, η the schedule's for the step leaving it.
      const g = whole.grads.view();
      for (const k of [0, 1, 500, 1000]) {
        expect(whole.gradNorm.at(k)).toBe(Math.sqrt(g[2 * k] ** 2 + g[2 * k + 1] ** 2));
      }
      expect(whole.lr.at(1000)).toBe(whole.currentLr);
    });
  }

  it('a diverging run ends at its last finite point, with that point’s η/σ recorded', () => {
    const make = () =>
      new AnalyticRun({
        runId: 'd',
        surface: 'rosenbrock',
        start: [-1.5, 2],
        optimizer: { optimizer: 'sgd', lr: 0.01 },
      });
    const run = make();
    const taken = run.advance(100);
    expect(run.status).toBe('diverged');
    expect(run.reason).toMatch(new RegExp(`after step ${taken + 1} \\(learning rate 0.01\\)`));
    expect(run.step).toBe(taken);
    expect(run.points.length).toBe(3 * (taken + 1));
    expect(Array.from(run.effSteps.view().subarray(-2))).toEqual([0.01, 0.01]);
    expect(run.advance(5)).toBe(0);
    const single = make();
    while (single.status === 'ok') single.advance(1);
    sameRecording(single, run, 'single steps');
  });

  it(`stops at the limit of ${MAX_RUN_STEPS.toLocaleString('en')} steps, however asked`, () => {
    const run = new AnalyticRun({
      runId: 'l',
      surface: 'bowl',
      start: [1, 1],
      optimizer: { optimizer: 'sgd', lr: 1e-7 },
    });
    expect(run.advance(MAX_RUN_STEPS - 10)).toBe(MAX_RUN_STEPS - 10);
    expect(run.status).toBe('ok');
    expect(run.advance(10)).toBe(10);
    expect(run.status).toBe('ok');
    expect(run.advance(1)).toBe(0);
    expect(run.status).toBe('finished');
    expect(run.reason).toBe('reached the limit of 2,000,000 steps');
    expect(run.gradNorm.length).toBe(MAX_RUN_STEPS + 1);
    const past = new AnalyticRun({
      runId: 'p',
      surface: 'bowl',
      start: [1, 1],
      optimizer: { optimizer: 'sgd', lr: 1e-7 },
    });
    expect(past.advance(MAX_RUN_STEPS + 5)).toBe(MAX_RUN_STEPS);
    expect(past.status).toBe('finished');
    sameRecording(past, run, 'one advance past the limit');
  });
});
