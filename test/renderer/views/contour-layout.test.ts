/** The contour view's geometry: the plot letterboxed in the view, and domain → pixel. */
import { describe, expect, it } from 'vitest';
import { plotRect, projectTo } from '../../../renderer/src/lib/views/contour-layout';

describe('plotRect', () => {
  it('fills the room less the axes when there is no domain yet', () => {
    expect(plotRect(400, 300, undefined, { top: 0, right: 0 })).toEqual({
      x: 52,
      y: 12,
      w: 336,
      h: 248,
    });
  });

  it('letterboxes a square domain at equal scale, centred, keeping the reserve free', () => {
    const plot = plotRect(
      420,
      300,
      [
        [-2, 2],
        [-2, 2],
      ],
      { top: 10, right: 0 },
    );
    expect(plot.w).toBe(plot.h);
    expect(plot).toEqual({ x: 52 + (356 - 238) / 2, y: 22, w: 238, h: 238 });
  });
});

describe('projectTo', () => {
  it('puts the domain corners on the plot corners, y up', () => {
    const plot = { x: 10, y: 20, w: 100, h: 50 };
    const domain: [[number, number], [number, number]] = [
      [0, 4],
      [-1, 1],
    ];
    expect(projectTo(domain, plot, 0, -1)).toEqual([10, 70]);
    expect(projectTo(domain, plot, 4, 1)).toEqual([110, 20]);
    expect(projectTo(domain, plot, 2, 0)).toEqual([60, 45]);
  });
});
