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
 * Each cell's lowest and highest corner are found once: a level crosses a cell only between
 * them, so most (level, cell) pairs cost two comparisons. Before, every pair made five closures
 * and two arrays, and the start-up's two 14-level passes over the first surface took about a
 * second of the page's main thread (SwiftShader machine under load, issue 14).
 */
export function marchingSquares(values: Float32Array, n: number, levels: number[]): ContourLines {
  const m = Math.max(0, n - 1);
  // NaN cells get lo = +∞, hi = −∞: no level is ever between them.
  const lo = new Float64Array(m * m);
  const hi = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < m; i++) {
      const v00 = values[j * n + i];
      const v10 = values[j * n + i + 1];
      const v01 = values[(j + 1) * n + i];
      const v11 = values[(j + 1) * n + i + 1];
      const c = j * m + i;
      if (Number.isNaN(v00 + v10 + v01 + v11)) {
        lo[c] = Infinity;
        hi[c] = -Infinity;
      } else {
        lo[c] = Math.min(v00, v10, v01, v11);
        hi[c] = Math.max(v00, v10, v01, v11);
      }
    }
  }

  let segs = new Float32Array(4096);
  let which = new Uint16Array(1024);
  let count = 0;
  const add = (x0: number, y0: number, x1: number, y1: number, li: number) => {
    if (count === which.length) {
      const moreSegs = new Float32Array(segs.length * 2);
      moreSegs.set(segs);
      segs = moreSegs;
      const moreWhich = new Uint16Array(which.length * 2);
      moreWhich.set(which);
      which = moreWhich;
    }
    const k = 4 * count;
    segs[k] = x0;
    segs[k + 1] = y0;
    segs[k + 2] = x1;
    segs[k + 3] = y1;
    which[count++] = li;
  };

  for (let li = 0; li < levels.length; li++) {
    const c = levels[li];
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < m; i++) {
        // All corners ≤ c (code 0) or all > c (code 15): no line here.
        if (hi[j * m + i] <= c || lo[j * m + i] > c) continue;
        const v00 = values[j * n + i];
        const v10 = values[j * n + i + 1];
        const v01 = values[(j + 1) * n + i];
        const v11 = values[(j + 1) * n + i + 1];
        const code = (v00 > c ? 1 : 0) | (v10 > c ? 2 : 0) | (v11 > c ? 4 : 0) | (v01 > c ? 8 : 0);
        if (code === 0 || code === 15) continue;
        // Edge crossing points: bottom (v00–v10), right (v10–v11), top (v01–v11), left (v00–v01).
        switch (code) {
          case 1:
          case 14: // left → bottom
            add(i, j + (c - v00) / (v01 - v00), i + (c - v00) / (v10 - v00), j, li);
            break;
          case 2:
          case 13: // bottom → right
            add(i + (c - v00) / (v10 - v00), j, i + 1, j + (c - v10) / (v11 - v10), li);
            break;
          case 3:
          case 12: // left → right
            add(i, j + (c - v00) / (v01 - v00), i + 1, j + (c - v10) / (v11 - v10), li);
            break;
          case 4:
          case 11: // right → top
            add(i + 1, j + (c - v10) / (v11 - v10), i + (c - v01) / (v11 - v01), j + 1, li);
            break;
          case 6:
          case 9: // bottom → top
            add(i + (c - v00) / (v10 - v00), j, i + (c - v01) / (v11 - v01), j + 1, li);
            break;
          case 7:
          case 8: // left → top
            add(i, j + (c - v00) / (v01 - v00), i + (c - v01) / (v11 - v01), j + 1, li);
            break;
          case 5:
          case 10: {
            // A saddle cell: the centre's value decides which corners connect.
            const centreAbove = (v00 + v10 + v01 + v11) / 4 > c;
            const left = j + (c - v00) / (v01 - v00);
            const bottom = i + (c - v00) / (v10 - v00);
            const right = j + (c - v10) / (v11 - v10);
            const top = i + (c - v01) / (v11 - v01);
            if ((code === 5) === centreAbove) {
              add(i, left, top, j + 1, li);
              add(bottom, j, i + 1, right, li);
            } else {
              add(i, left, bottom, j, li);
              add(i + 1, right, top, j + 1, li);
            }
            break;
          }
        }
      }
    }
  }
  return { levels, segments: segs.slice(0, 4 * count), level: which.slice(0, count) };
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
