/**
 * Placing a box where it covers nothing that matters: step mode's number boxes, clear of the
 * arrows, the runs' points and each other. Pure geometry in CSS pixels, shared by the views and
 * their tests.
 */

/** A rectangle: top left corner and size. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether segment (x0, y0)–(x1, y1) meets rectangle r (grown by `pad`). */
export function segmentHitsRect(
  [x0, y0, x1, y1]: [number, number, number, number],
  r: Rect,
  pad = 0,
): boolean {
  const left = r.x - pad;
  const right = r.x + r.w + pad;
  const top = r.y - pad;
  const bottom = r.y + r.h + pad;
  // Liang–Barsky clipping: the segment meets the box if some part of it survives.
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const edges: [number, number][] = [
    [-dx, x0 - left],
    [dx, right - x0],
    [-dy, y0 - top],
    [dy, bottom - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

export const rectsMeet = (a: Rect, b: Rect, pad = 0) =>
  a.x < b.x + b.w + pad && b.x < a.x + a.w + pad && a.y < b.y + b.h + pad && b.y < a.y + a.h + pad;

/**
 * A w × h box near `at`, inside the plot, meeting no segment, no point and no placed box: the
 * first free spot on rings of growing distance around the point (eight directions each), else
 * the one that meets the fewest.
 */
export function placeLabel(
  at: [number, number],
  w: number,
  h: number,
  plot: Rect,
  segments: [number, number, number, number][],
  points: [number, number][],
  placed: Rect[],
): Rect {
  let best: Rect | undefined;
  let bestHits = Infinity;
  for (const distance of [16, 40, 70, 110, 160]) {
    for (let k = 0; k < 8; k++) {
      const a = (k * Math.PI) / 4 + Math.PI / 4;
      const cx = at[0] + Math.cos(a) * (distance + w / 2);
      const cy = at[1] + Math.sin(a) * (distance + h / 2);
      const box = {
        x: Math.min(plot.x + plot.w - w, Math.max(plot.x, cx - w / 2)),
        y: Math.min(plot.y + plot.h - h, Math.max(plot.y, cy - h / 2)),
        w,
        h,
      };
      let hits = 0;
      for (const s of segments) if (segmentHitsRect(s, box, 3)) hits++;
      for (const p of points) if (rectsMeet(box, { x: p[0], y: p[1], w: 0, h: 0 }, 8)) hits++;
      for (const other of placed) if (rectsMeet(box, other, 2)) hits += 2;
      if (hits === 0) return box;
      if (hits < bestHits) {
        bestHits = hits;
        best = box;
      }
    }
  }
  return best!;
}
