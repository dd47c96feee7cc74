import { describe, expect, it } from 'vitest';
import {
  placeLabel,
  rectsMeet,
  segmentHitsRect,
  type Rect,
} from '../../../renderer/src/lib/views/placement';

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
