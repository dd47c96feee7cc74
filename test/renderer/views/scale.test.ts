import { describe, expect, it } from 'vitest';
import { logOffset, thinLogTicks } from '../../../renderer/src/lib/views/scale';

describe('logOffset: what a log axis subtracts when some values are ≤ 0', () => {
  it('is undefined when every value is positive', () => {
    expect(logOffset(1e-9, 5)).toBeUndefined();
  });

  it('sits three decades of the range below the least value', () => {
    // sin·cos: losses from −1.2 to 0.8, a range of 2.
    const l0 = logOffset(-1.2, 0.8)!;
    expect(l0).toBeCloseTo(-1.202, 12);
    // Every value then plots above zero, the least at 10⁻³ of the range.
    expect(-1.2 - l0).toBeCloseTo(0.002, 12);
    expect(0.8 - l0).toBeGreaterThan(0);
  });

  it('shifts a single value (or a flat series) by a hair, never by nothing', () => {
    expect(logOffset(0, 0)).toBe(-1e-6);
    expect(logOffset(-4, -4)).toBeCloseTo(-4.004, 12);
    expect(logOffset(-4, Number.NEGATIVE_INFINITY)).toBeCloseTo(-4.004, 12);
  });

  it('ignores what it cannot use', () => {
    expect(logOffset(Number.NaN, 3)).toBeUndefined();
    expect(logOffset(Number.NEGATIVE_INFINITY, 3)).toBeUndefined();
  });
});

describe('thinLogTicks: a log axis whose labels stay apart', () => {
  it('drops an end tick crowding a round one on a narrow range (0.58 beside 0.6)', () => {
    // chart.js's ticks for a loss between 0.58 and 1: the ends and 0.6 … 0.9 in steps of 0.1.
    const ticks = thinLogTicks([0.58, 0.6, 0.7, 0.8, 0.9, 1], 0.58, 1);
    expect(ticks).toEqual([0.6, 0.7, 0.8, 1]);
    // Each kept pair is at least a fifth of the axis' decades apart.
    const gap = Math.log10(1 / 0.58) / 5;
    ticks.slice(1).forEach((t, i) => {
      expect(Math.log10(t / ticks[i])).toBeGreaterThanOrEqual(gap * (1 - 1e-9));
    });
  });

  it('keeps decades first over many decades, then 2 and 5 where they fit', () => {
    const values = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1];
    expect(thinLogTicks(values, 1e-4, 1)).toEqual([1e-4, 1e-3, 1e-2, 0.1, 1]);
    expect(thinLogTicks([0.05, 0.1, 0.2, 0.5, 1], 0.05, 1)).toEqual([0.05, 0.1, 0.2, 0.5, 1]);
  });

  it('leaves ticks alone when the range is empty or not positive', () => {
    expect(thinLogTicks([1], 1, 1)).toEqual([1]);
    expect(thinLogTicks([0, 1], 0, 1)).toEqual([0, 1]);
  });
});
