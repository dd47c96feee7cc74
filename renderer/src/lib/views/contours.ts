/**
 * Marching squares: the level lines of a grid of loss values, as line segments in grid
 * coordinates (i along x, j along y). Shared by the contour view and the 3-D view's lines.
 */
export interface ContourLines {
  levels: number[];
  /** (i0, j0, i1, j1) per segment, fractional grid coordinates. */
  segments: Float32Array;
  /** Index into `levels` of each segment. */
  level: Uint16Array;
}

/**
 * values[j * n + i] on an n × n grid; NaN cells are skipped. Segments come level by level, each
 * level's cell by cell (j slow), as the labels' placement expects.
 *
 * One pass over the cells finds every level: a level crosses a cell only between its lowest
 * and highest corner, so each cell looks up the few levels there by bisection (in the levels
 * sorted by value, whatever order they are given in) and adds its segments to theirs. Before,
 * every (level, cell) pair made five closures and two arrays, and the start-up's two 14-level
 * passes over the first surface took about a second of the page's main thread (SwiftShader
 * machine under load, issue 14).
 */
export function marchingSquares(values: Float32Array, n: number, levels: number[]): ContourLines {
  const perLevel: number[][] = levels.map(() => []);
  // The levels by value (a NaN level crosses no cell): each cell's levels are a run of these.
  const order = levels
    .map((_, li) => li)
    .filter((li) => !Number.isNaN(levels[li]))
    .sort((x, y) => levels[x] - levels[y] || x - y);
  const sorted = order.map((li) => levels[li]);
  for (let j = 0; j < n - 1; j++) {
    for (let i = 0; i < n - 1; i++) {
      const v00 = values[j * n + i];
      const v10 = values[j * n + i + 1];
      const v01 = values[(j + 1) * n + i];
      const v11 = values[(j + 1) * n + i + 1];
      if (Number.isNaN(v00 + v10 + v01 + v11)) continue;
      const lo = Math.min(v00, v10, v01, v11);
      const hi = Math.max(v00, v10, v01, v11);
      // The first level ≥ lo; the cell's levels are those from there below hi.
      let a = 0;
      let b = sorted.length;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (sorted[mid] < lo) a = mid + 1;
        else b = mid;
      }
      for (let k = a; k < sorted.length && sorted[k] < hi; k++)
        cellSegments(perLevel[order[k]], i, j, v00, v10, v01, v11, sorted[k]);
    }
  }
  let total = 0;
  for (const segs of perLevel) total += segs.length;
  const segments = new Float32Array(total);
  const level = new Uint16Array(total / 4);
  let at = 0;
  perLevel.forEach((segs, li) => {
    segments.set(segs, at);
    level.fill(li, at / 4, (at + segs.length) / 4);
    at += segs.length;
  });
  return { levels, segments, level };
}

/**
 * The segments level `c` makes in cell (i, j) with corners v00 (i, j), v10 (i + 1, j), v01
 * (i, j + 1) and v11 (i + 1, j + 1), appended to `out` as (i0, j0, i1, j1).
 */
function cellSegments(
  out: number[],
  i: number,
  j: number,
  v00: number,
  v10: number,
  v01: number,
  v11: number,
  c: number,
): void {
  const code = (v00 > c ? 1 : 0) | (v10 > c ? 2 : 0) | (v11 > c ? 4 : 0) | (v01 > c ? 8 : 0);
  if (code === 0 || code === 15) return;
  // Edge crossing points: bottom (v00–v10), right (v10–v11), top (v01–v11), left (v00–v01).
  switch (code) {
    case 1:
    case 14: // left → bottom
      out.push(i, j + (c - v00) / (v01 - v00), i + (c - v00) / (v10 - v00), j);
      break;
    case 2:
    case 13: // bottom → right
      out.push(i + (c - v00) / (v10 - v00), j, i + 1, j + (c - v10) / (v11 - v10));
      break;
    case 3:
    case 12: // left → right
      out.push(i, j + (c - v00) / (v01 - v00), i + 1, j + (c - v10) / (v11 - v10));
      break;
    case 4:
    case 11: // right → top
      out.push(i + 1, j + (c - v10) / (v11 - v10), i + (c - v01) / (v11 - v01), j + 1);
      break;
    case 6:
    case 9: // bottom → top
      out.push(i + (c - v00) / (v10 - v00), j, i + (c - v01) / (v11 - v01), j + 1);
      break;
    case 7:
    case 8: // left → top
      out.push(i, j + (c - v00) / (v01 - v00), i + (c - v01) / (v11 - v01), j + 1);
      break;
    case 5:
    case 10: {
      // A saddle cell: the centre's value decides which corners connect.
      const centreAbove = (v00 + v10 + v01 + v11) / 4 > c;
      const left = j + (c - v00) / (v01 - v00);
      const bottom = i + (c - v00) / (v10 - v00);
      const right = j + (c - v10) / (v11 - v10);
      const top = i + (c - v01) / (v11 - v01);
      if ((code === 5) === centreAbove) out.push(i, left, top, j + 1, bottom, j, i + 1, right);
      else out.push(i, left, bottom, j, i + 1, right, top, j + 1);
      break;
    }
  }
}

/** Level lines computed per grid of values: a few level sets each (linear and log scales). */
const computed = new WeakMap<Float32Array, ContourLines[]>();

/**
 * {@link marchingSquares} of a grid the views show, computed once per grid and levels: the
 * contour view (every time it repaints its base: new size, reserve, theme, fonts) and the 3-D
 * view's level lines share it. `values` must not change afterwards (the views' grids never
 * do); the result is shared, to read only.
 */
export function levelLines(values: Float32Array, n: number, levels: number[]): ContourLines {
  const known = computed.get(values) ?? [];
  const same = (a: number[]) => a.length === levels.length && a.every((v, k) => v === levels[k]);
  const hit = known.find((lines) => same(lines.levels));
  if (hit) return hit;
  const lines = marchingSquares(values, n, levels);
  // The last few level sets (linear and log heights, a toggle back and forth) are kept.
  computed.set(values, [lines, ...known.slice(0, 2)]);
  return lines;
}
