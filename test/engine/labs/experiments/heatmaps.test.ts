/**
 * The experiments' heatmaps: the noisy-batches experiment's landscape under its trajectories,
 * and the cross-entropy and squared-error surfaces over a pair of logits with the network's
 * examples on them. (The depth experiment's two landscapes are checked in depth.test.ts.)
 *
 * Measured on wasm (seed 0, 200 moons): the small batch's and the long full-batch run's ends
 * span the plane, and the grid, interpolated there, gives their final training losses to 0.2 %
 * and 2.4 % (0.02360 against 0.02356; 0.004920 against 0.004805). The mean margin
 * z_y − max z_other of the placed examples is −0.13 at θ₀ and 5.0 (cross-entropy) or 3.4
 * (squared error) after 20 epochs. The test fails if the plane is not the paths' plane, if the
 * grid is centred elsewhere than θ₀ or evaluates another loss, if a surface's formula or its
 * orientation (z₁ the example's own class, along x) is wrong, or if the examples are placed
 * at the wrong logits.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  experimentResultSchema,
  type ExperimentResult,
  type Figure,
} from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import type { Tf } from '../../../../electron/engine/network';
import { run } from './helpers';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

/** The grid's values between its points, bilinearly. */
function interpolate(f: Figure, x: number, y: number): number {
  const g = f.grid!;
  const n = g.x.length;
  const fx = ((x - g.x[0]) / (g.x[n - 1] - g.x[0])) * (n - 1);
  const fy = ((y - g.y[0]) / (g.y[n - 1] - g.y[0])) * (n - 1);
  const i = Math.min(n - 2, Math.floor(fx));
  const j = Math.min(n - 2, Math.floor(fy));
  const [u, v] = [fx - i, fy - j];
  const z = (a: number, b: number) => g.z[b * n + a]!;
  return (
    (1 - u) * (1 - v) * z(i, j) +
    u * (1 - v) * z(i + 1, j) +
    (1 - u) * v * z(i, j + 1) +
    u * v * z(i + 1, j + 1)
  );
}

function figure(result: ExperimentResult, id: string): Figure {
  const found = result.figures.find((f) => f.id === id);
  if (!found) throw new Error(`no figure ${id}`);
  return found;
}

describe('noisy small batches: the landscape under the paths', () => {
  let result: ExperimentResult;
  beforeAll(async () => {
    result = await run(tf, {
      kind: 'noise',
      dataset: { kind: 'moons', n: 200 },
      epochs: 6,
      maxUpdates: 300,
    });
  }, 300_000);

  it('is a 41 × 41 heatmap of the training loss around every path', () => {
    const f = figure(result, 'paths');
    expect(f.kind).toBe('heatmap');
    const g = f.grid!;
    expect([g.x.length, g.y.length, g.z.length]).toEqual([41, 41, 41 * 41]);
    expect(g.label).toBe('training loss');
    expect(g.z.every((v) => v !== null && v > 0)).toBe(true);
    for (const s of f.series) {
      for (const [k, x] of s.x.entries()) {
        expect(x).toBeGreaterThan(g.x[0]);
        expect(x).toBeLessThan(g.x[40]);
        expect(s.y[k]).toBeGreaterThan(g.y[0]);
        expect(s.y[k]).toBeLessThan(g.y[40]);
      }
    }
    // The losses span two orders of magnitude: log colours.
    expect(g.log).toBe(true);
    expect(() => experimentResultSchema.parse(result)).not.toThrow();
  });

  it("gives, where the plane's two spanning runs end, their own final training loss", () => {
    const f = figure(result, 'paths');
    // The small batch's end and the long full-batch run's end span the plane (the 6-epoch
    // full batch's end is only projected onto it).
    for (const k of [0, 2]) {
      const s = f.series[k];
      const at = interpolate(f, s.x.at(-1)!, s.y.at(-1)!);
      const loss = result.trainings[k].final.train.loss!;
      expect(Math.abs(at - loss) / loss).toBeLessThan(0.05);
    }
    // Every path starts at θ₀, the plane's origin.
    expect(f.series.map((s) => [s.x[0], s.y[0]])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('cross-entropy and squared error over a pair of logits', () => {
  let result: ExperimentResult;
  beforeAll(async () => {
    result = await run(tf, { kind: 'losses', dataset: { kind: 'moons', n: 200 }, epochs: 20 });
  }, 300_000);

  it('are the closed forms over (z₁, z₂) ∈ [−10, 10]², z₁ the example’s class', () => {
    const ce = figure(result, 'surface-ce').grid!;
    const mse = figure(result, 'surface-mse').grid!;
    const n = 81;
    const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
    for (const [i, j] of [
      [0, 0],
      [80, 0],
      [0, 80],
      [40, 40],
      [13, 67],
      [70, 5],
    ]) {
      const m = ce.x[i] - ce.y[j];
      expect(ce.z[j * n + i]).toBeCloseTo(Math.log1p(Math.exp(-m)), 9);
      expect(mse.z[j * n + i]).toBeCloseTo(2 * sigmoid(-m) ** 2, 9);
    }
    // The lecture's picture: where the example is badly wrong (z₁ = −10, z₂ = 10) the
    // cross-entropy is 20 and steep; the squared error is flat at its ceiling 2.
    expect(ce.z[80 * n]).toBeCloseTo(20, 6);
    expect(mse.z[80 * n]).toBeCloseTo(2, 6);
    expect(mse.z[80 * n]! - mse.z[79 * n + 1]!).toBeLessThan(1e-6);
    expect(ce.z[80 * n]! - ce.z[79 * n + 1]!).toBeGreaterThan(0.4);
  });

  it("places the network's examples at θ₀ and after training, right of the diagonal after", () => {
    const mean = (s: { x: number[]; y: (number | null)[] }) =>
      s.x.reduce((a, x, i) => a + x - s.y[i]!, 0) / s.x.length;
    for (const id of ['surface-ce', 'surface-mse']) {
      const [before, after] = figure(result, id).series;
      expect(before.label).toBe('examples at θ₀');
      expect(after.label).toBe('after training');
      expect(before.points && after.points).toBe(true);
      // 140 training examples, all within the square at θ₀.
      expect(before.x).toHaveLength(140);
      // Measured −0.13 at θ₀; 5.0 and 3.4 after: the margins grew.
      expect(Math.abs(mean(before))).toBeLessThan(0.5);
      expect(mean(after)).toBeGreaterThan(2);
    }
    // The same θ₀ for both losses: the same examples in the same places.
    expect(figure(result, 'surface-ce').series[0]).toEqual(figure(result, 'surface-mse').series[0]);
  });
});

describe("a session's heatmap, read back", () => {
  let result: ExperimentResult;
  beforeAll(async () => {
    result = await run(tf, { kind: 'losses', dataset: { kind: 'moons', n: 60 }, epochs: 2 });
  }, 300_000);

  /** The path and message of the first problem with `change` made to the CE surface. */
  function refusal(change: (f: Figure) => void): string {
    const damaged = structuredClone(result);
    change(damaged.figures.find((f) => f.id === 'surface-ce')!);
    const parsed = experimentResultSchema.safeParse(damaged);
    if (parsed.success) return 'accepted';
    const issue = parsed.error.issues[0];
    return `${issue.path.join('.')}: ${issue.message}`;
  }

  it('is accepted whole, and refused naming the field when damaged', () => {
    expect(refusal(() => undefined)).toBe('accepted');
    const at = `figures.${result.figures.findIndex((f) => f.id === 'surface-ce')}`;
    expect(refusal((f) => f.grid!.z.pop())).toBe(`${at}.grid.z: 81² = 6561 values, not 6560`);
    expect(refusal((f) => f.grid!.y.pop())).toBe(`${at}.grid.y: as many values as x (81), not 80`);
    expect(refusal((f) => (f.grid!.x[3] = f.grid!.x[2]))).toBe(`${at}.grid.x: increasing values`);
    expect(refusal((f) => delete f.grid)).toBe(
      `${at}.grid: a heatmap figure has a grid, and only a heatmap figure`,
    );
    expect(refusal((f) => (f.kind = 'line'))).toBe(
      `${at}.grid: a heatmap figure has a grid, and only a heatmap figure`,
    );
    expect(refusal((f) => (f.grid!.x = new Array(300).fill(0).map((_, i) => i)))).toMatch(
      new RegExp(`^${at}\\.grid\\.x: `),
    );
  });
});
