import { describe, expect, it } from 'vitest';
import { runColors } from '../../renderer/src/lib/state/palette';
import {
  placeLabel,
  rectsMeet,
  segmentHitsRect,
  type Rect,
} from '../../renderer/src/lib/views/placement';
import { logOffset } from '../../renderer/src/lib/views/scale';

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

describe('segmentHitsRect', () => {
  const box: Rect = { x: 10, y: 10, w: 20, h: 10 };
  it('finds a segment crossing, inside, or touching the box', () => {
    expect(segmentHitsRect([0, 15, 40, 15], box)).toBe(true); // across
    expect(segmentHitsRect([12, 12, 14, 14], box)).toBe(true); // inside
    expect(segmentHitsRect([0, 0, 10, 10], box)).toBe(true); // to the corner
  });
  it('misses a segment passing by, unless the box is grown to it', () => {
    expect(segmentHitsRect([0, 0, 40, 5], box)).toBe(false);
    expect(segmentHitsRect([0, 8, 40, 8], box)).toBe(false);
    expect(segmentHitsRect([0, 8, 40, 8], box, 3)).toBe(true);
    expect(segmentHitsRect([35, 0, 35, 40], box)).toBe(false);
  });
});

describe('placeLabel', () => {
  const plot: Rect = { x: 0, y: 0, w: 400, h: 300 };

  it('puts boxes for runs at one point clear of each other, of the arrows and of the points', () => {
    const at: [number, number] = [200, 150];
    // Arrows fanning out from the point, as step mode draws them.
    const arrows: [number, number, number, number][] = [
      [200, 150, 260, 190],
      [200, 150, 140, 200],
      [200, 150, 230, 90],
      [180, 160, 200, 150],
    ];
    const placed: Rect[] = [];
    for (let k = 0; k < 3; k++) {
      const box = placeLabel(at, 130, 72, plot, arrows, [at], placed);
      for (const a of arrows) expect(segmentHitsRect(a, box)).toBe(false);
      for (const other of placed) expect(rectsMeet(box, other)).toBe(false);
      expect(rectsMeet(box, { x: at[0], y: at[1], w: 0, h: 0 })).toBe(false);
      expect(box.x).toBeGreaterThanOrEqual(plot.x);
      expect(box.y).toBeGreaterThanOrEqual(plot.y);
      expect(box.x + box.w).toBeLessThanOrEqual(plot.x + plot.w);
      expect(box.y + box.h).toBeLessThanOrEqual(plot.y + plot.h);
      placed.push(box);
    }
  });

  it('keeps a box inside the plot near a corner', () => {
    const box = placeLabel([395, 295], 120, 60, plot, [], [[395, 295]], []);
    expect(box.x + box.w).toBeLessThanOrEqual(400);
    expect(box.y + box.h).toBeLessThanOrEqual(300);
  });
});

describe('run colours', () => {
  const hsl = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const l = (max + min) / 2;
    const s = max === min ? 0 : (max - min) / (1 - Math.abs(2 * l - 1));
    return { s, l };
  };

  it('are eight, distinct, and none white, grey or black (those mark minima and saddles)', () => {
    expect(runColors).toHaveLength(8);
    expect(new Set(runColors).size).toBe(8);
    for (const color of runColors) expect(hsl(color).s, color).toBeGreaterThan(0.5);
  });
});
