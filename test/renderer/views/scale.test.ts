import { describe, expect, it } from 'vitest';
import { logOffset } from '../../../renderer/src/lib/views/scale';

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
