/**
 * The 2-parameter analysis on every preset: each listed minimum and saddle gets its kind, the
 * Taylor quadric is exact on quadratic surfaces and touches L to second order elsewhere, and
 * the escape step from a saddle lowers the loss as its curvature predicts, to third order.
 */
import { describe, expect, it } from 'vitest';
import { FieldError } from '../../../electron/engine/core/errors';
import {
  analyzeSurfacePoint,
  escapeStep,
  taylorQuadric,
} from '../../../electron/engine/hessian/analytic';
import { presetByName, presets } from '../../../electron/engine/problems/presets';
import type { Surface } from '../../../electron/engine/problems/surface';

function preset(name: string): Surface {
  const s = presetByName.get(name);
  if (!s) throw new Error(`no preset ${name}`);
  return s;
}

/**
 * Presets whose listed point has a singular Hessian, as their docs say: the monkey saddle's
 * is 0 at the origin, so the second-order test cannot call it a saddle.
 */
const degenerateSaddles = new Set(['monkey-saddle']);

describe.each(presets.map((s) => [s.info.name, s] as const))('%s', (name, s) => {
  it('classifies every listed minimum as a minimum and every saddle as a saddle', () => {
    for (const [x, y] of s.info.minima) {
      const a = analyzeSurfacePoint(s, x, y, { gradTolerance: 1e-8 });
      expect(a.classification.kind, `minimum (${x}, ${y})`).toBe('minimum');
      expect(a.classification.minimumRatio).toBe(1);
      expect(escapeStep(a, 0.1, s)).toBeUndefined();
    }
    for (const [x, y] of s.info.saddles) {
      const a = analyzeSurfacePoint(s, x, y, { gradTolerance: 1e-8 });
      const kind = degenerateSaddles.has(name) ? 'degenerate' : 'saddle';
      expect(a.classification.kind, `saddle (${x}, ${y})`).toBe(kind);
      if (kind === 'saddle')
        expect([a.classification.minimumRatio, a.classification.index]).toEqual([0.5, 0.5]);
    }
  });

  it("reports the surface's own loss, gradient and Hessian, and an eigen-decomposition of it", () => {
    const [x, y] = s.info.start;
    const a = analyzeSurfacePoint(s, x, y);
    const g = new Float64Array(2);
    expect(a.loss).toBe(s.valueAndGrad(x, y, g, 0));
    expect(a.gradient).toEqual([g[0], g[1]]);
    expect(a.gradNorm).toBe(Math.hypot(g[0], g[1]));
    const h = new Float64Array(3);
    s.hessian(x, y, h);
    expect(a.hessian).toEqual([...h]);
    const [l0, l1] = a.eigen.values;
    expect(l0 + l1).toBeCloseTo(h[0] + h[2], 10);
    expect(l0 * l1).toBeCloseTo(h[0] * h[2] - h[1] * h[1], 8);
    expect(taylorQuadric(a, x, y)).toBe(a.loss);
  });
});

describe('the degenerate and non-smooth points', () => {
  it('calls the monkey saddle degenerate: its Hessian is 0, every eigenvalue flat', () => {
    const a = analyzeSurfacePoint(preset('monkey-saddle'), 0, 0);
    expect(a.eigen.values).toEqual([0, 0]);
    expect(a.classification).toMatchObject({ kind: 'degenerate', flat: 2, minimumRatio: 0 });
  });

  it("calls Ackley's tip a minimum: infinite curvature in every direction", () => {
    const a = analyzeSurfacePoint(preset('ackley'), 0, 0);
    expect(a.eigen.values).toEqual([Infinity, Infinity]);
    expect(a.classification.kind).toBe('minimum');
  });
});

describe('taylorQuadric', () => {
  it('is exact on the quadratic presets, anywhere', () => {
    for (const name of ['bowl', 'saddle']) {
      const s = preset(name);
      const a = analyzeSurfacePoint(s, 0.7, -1.3);
      for (const [x, y] of [
        [2, 3],
        [-1.5, 0.25],
        [0.7, -1.3],
      ]) {
        expect(taylorQuadric(a, x, y)).toBeCloseTo(s.value(x, y), 12);
      }
    }
  });

  it('agrees with L to third order: the error falls 8× when the step halves', () => {
    const s = preset('himmelblau');
    const a = analyzeSurfacePoint(s, 1, 1);
    const error = (t: number) =>
      s.value(1 + 0.6 * t, 1 - 0.8 * t) - taylorQuadric(a, 1 + 0.6 * t, 1 - 0.8 * t);
    const ratio = error(1e-2) / error(5e-3);
    expect(ratio).toBeGreaterThan(7.9);
    expect(ratio).toBeLessThan(8.1);
  });
});

describe('escapeStep', () => {
  it('from the saddle between two valleys: L falls by ½λ_min t², wrong by exactly t⁴/4', () => {
    // L = ½x² + ¼(y² − 1)²: at the origin H = diag(1, −1), and L(0, t) − L(0, 0) = −½t² + ¼t⁴.
    const s = preset('saddle-valley');
    const a = analyzeSurfacePoint(s, 0, 0);
    expect(a.classification.kind).toBe('saddle');
    for (const t of [0.2, 0.1, 0.05]) {
      const step = escapeStep(a, t, s)!;
      expect(step.direction).toEqual([0, 1]);
      expect(step.to).toEqual([0, t]);
      expect(step.predicted).toBe(-0.5 * t * t);
      expect(step.secondOrder).toBe(step.predicted);
      expect(step.actual - step.predicted).toBeCloseTo(t ** 4 / 4, 15);
    }
  });

  it('from the textbook saddle x² − y²: exactly as predicted', () => {
    const s = preset('saddle');
    const a = analyzeSurfacePoint(s, 0, 0);
    const step = escapeStep(a, 0.3, s)!;
    expect(step.predicted).toBeCloseTo(-0.09, 15);
    expect(Math.abs(step.actual - step.predicted)).toBeLessThan(1e-16);
  });

  it('from an asymmetric saddle the error is O(t³): 8× smaller at half the step', () => {
    const s = preset('himmelblau');
    const [x, y] = s.info.saddles[0];
    const a = analyzeSurfacePoint(s, x, y);
    const error = (t: number) => {
      const step = escapeStep(a, t, s)!;
      expect(step.actual).toBeLessThan(0);
      return step.actual - step.secondOrder;
    };
    const ratio = error(1e-3) / error(5e-4);
    expect(ratio).toBeGreaterThan(7.8);
    expect(ratio).toBeLessThan(8.2);
  });

  it('goes downhill where the gradient does not vanish, and reports its first-order term', () => {
    const s = preset('saddle-valley');
    const a = analyzeSurfacePoint(s, 0.5, 0.1);
    const step = escapeStep(a, 0.05, s)!;
    const slope = a.gradient[0] * step.direction[0] + a.gradient[1] * step.direction[1];
    expect(slope).toBeLessThan(0);
    expect(step.secondOrder).toBeCloseTo(0.05 * slope + step.predicted, 15);
    expect(Math.abs(step.actual - step.secondOrder)).toBeLessThan(0.5 * 0.05 ** 3);
  });

  it('refuses a step that is not positive', () => {
    const s = preset('saddle');
    const a = analyzeSurfacePoint(s, 0, 0);
    expect(() => escapeStep(a, 0, s)).toThrow(FieldError);
    expect(() => escapeStep(a, NaN, s)).toThrow(FieldError);
  });
});
