/**
 * Which known minimum a point is within `radius` of — asked once per start per step, so it must
 * cost a few nanoseconds: a coarse grid over the minima's bounding box (± radius) says, per
 * cell, which balls can reach into it. Most points sit in a cell no ball reaches and are
 * answered by one table load; the exact distance test then decides for the rest.
 */
import type { Point } from '../../../common/schemas';

/** A cell no ball reaches. */
export const CELL_EMPTY = -1;
/** A cell several balls reach: test them all. */
export const CELL_SEVERAL = -2;

/** Most cells per axis: small enough to stay in cache, fine enough to leave most cells empty. */
const MAX_CELLS = 256;

export interface BallIndex {
  /** Lower corner of the gridded box and reciprocal cell sizes. */
  x0: number;
  y0: number;
  invW: number;
  invH: number;
  nx: number;
  ny: number;
  /** Per cell (row-major, y slow): the one minimum whose ball reaches it, or CELL_*. */
  cells: Int16Array;
}

/** Indexes the balls of `radius` around `minima`. */
export function buildBallIndex(minima: readonly Point[], radius: number): BallIndex {
  if (minima.length === 0) {
    return { x0: 0, y0: 0, invW: 0, invH: 0, nx: 0, ny: 0, cells: new Int16Array(0) };
  }
  let xLo = Infinity;
  let xHi = -Infinity;
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const [x, y] of minima) {
    xLo = Math.min(xLo, x - radius);
    xHi = Math.max(xHi, x + radius);
    yLo = Math.min(yLo, y - radius);
    yHi = Math.max(yHi, y + radius);
  }
  const nx = Math.max(1, Math.min(MAX_CELLS, Math.ceil((xHi - xLo) / radius)));
  const ny = Math.max(1, Math.min(MAX_CELLS, Math.ceil((yHi - yLo) / radius)));
  const w = (xHi - xLo) / nx;
  const h = (yHi - yLo) / ny;
  const cells = new Int16Array(nx * ny).fill(CELL_EMPTY);
  // Generous on purpose: a cell that lists a ball it does not quite reach costs one exact test;
  // a cell that misses one would give a wrong label. So widen each cell by a rounding margin.
  const margin = 1e-9 * (Math.abs(xLo) + Math.abs(xHi) + Math.abs(yLo) + Math.abs(yHi) + radius);
  for (let j = 0; j < ny; j++) {
    const cy0 = yLo + j * h - margin;
    const cy1 = yLo + (j + 1) * h + margin;
    for (let i = 0; i < nx; i++) {
      const cx0 = xLo + i * w - margin;
      const cx1 = xLo + (i + 1) * w + margin;
      minima.forEach(([mx, my], k) => {
        const dx = Math.max(cx0 - mx, 0, mx - cx1);
        const dy = Math.max(cy0 - my, 0, my - cy1);
        if (Math.hypot(dx, dy) > radius + margin) return;
        const c = j * nx + i;
        cells[c] = cells[c] === CELL_EMPTY ? k : CELL_SEVERAL;
      });
    }
  }
  return { x0: xLo, y0: yLo, invW: 1 / w, invH: 1 / h, nx, ny, cells };
}
