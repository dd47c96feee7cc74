import { describe, expect, it } from 'vitest';
import { levelLines, marchingSquares } from '../../../renderer/src/lib/views/contours';

/** x² + y² on an n × n grid over [−1, 1]², NaN at one cell's corner. */
function bowl(n: number): Float32Array {
  const values = new Float32Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const x = (2 * i) / (n - 1) - 1;
      const y = (2 * j) / (n - 1) - 1;
      values[j * n + i] = x * x + y * y;
    }
  return values;
}

describe('marchingSquares: level lines as segments', () => {
  it('finds the crossing points of one cell by linear interpolation', () => {
    // Corners v00 = 0, v10 = 1, v01 = 1, v11 = 2; level 0.5 cuts the left and bottom edges.
    const lines = marchingSquares(new Float32Array([0, 1, 1, 2]), 2, [0.5, 1.5]);
    expect(Array.from(lines.segments)).toEqual([0, 0.5, 0.5, 0, 1, 0.5, 0.5, 1]);
    expect(Array.from(lines.level)).toEqual([0, 1]);
  });

  it('gives circles on a bowl, level by level, each point at its level', () => {
    const n = 41;
    const values = bowl(n);
    const levels = [0.1, 0.4, 0.9];
    const lines = marchingSquares(values, n, levels);
    const seg = lines.segments;
    expect(seg.length).toBe(4 * lines.level.length);
    // Level by level: the level indices never go down.
    for (let s = 1; s < lines.level.length; s++)
      expect(lines.level[s]).toBeGreaterThanOrEqual(lines.level[s - 1]);
    for (let k = 0; k < seg.length; k += 2) {
      const x = (2 * seg[k]) / (n - 1) - 1;
      const y = (2 * seg[k + 1]) / (n - 1) - 1;
      expect(Math.abs(x * x + y * y - levels[lines.level[k >> 2]])).toBeLessThan(0.01);
    }
  });

  it('skips cells with a NaN corner and levels outside the values', () => {
    const values = new Float32Array([0, 1, Number.NaN, 2]);
    expect(marchingSquares(values, 2, [0.5]).segments.length).toBe(0);
    expect(marchingSquares(bowl(9), 9, [-1, 5, Number.NaN]).segments.length).toBe(0);
  });

  it('gives each level of an unsorted list, with repeats and NaN, the segments it has alone', () => {
    const n = 17;
    const values = bowl(n);
    const levels = [0.9, 0.1, Number.NaN, 0.4, 0.1, 1.5];
    const lines = marchingSquares(values, n, levels);
    levels.forEach((c, li) => {
      const alone = marchingSquares(values, n, [c]).segments;
      const mine: number[] = [];
      for (let s = 0; s < lines.level.length; s++)
        if (lines.level[s] === li) mine.push(...lines.segments.subarray(4 * s, 4 * s + 4));
      expect(mine).toEqual(Array.from(alone));
      if (!Number.isNaN(c)) expect(mine.length).toBeGreaterThan(0);
    });
  });
});

describe('levelLines: computed once per grid and levels', () => {
  it('shares the segments of the same grid and levels, and only those', () => {
    const values = bowl(17);
    const a = levelLines(values, 17, [0.2, 0.5]);
    expect(levelLines(values, 17, [0.2, 0.5])).toBe(a);
    expect(Array.from(a.segments)).toEqual(
      Array.from(marchingSquares(values, 17, [0.2, 0.5]).segments),
    );
    const other = levelLines(values, 17, [0.3]);
    expect(other).not.toBe(a);
    expect(levelLines(bowl(17), 17, [0.2, 0.5])).not.toBe(a);
    // Both level sets are kept (linear and log heights, toggled).
    expect(levelLines(values, 17, [0.2, 0.5])).toBe(a);
  });
});
