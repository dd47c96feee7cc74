/**
 * Min–max downsampling of a growing series, kept incrementally: steps fall into buckets of a
 * power-of-two width, each drawn as its lowest and highest value (in step order), so spikes
 * survive. When the buckets exceed twice `limit`, neighbours merge and the width doubles. A chart
 * then draws at most ~4 × limit points per series, however long the run.
 */
export interface XY {
  x: number;
  y: number;
}

export class MinMaxSeries {
  /** Steps per bucket. */
  width = 1;
  /** Two points per bucket: its minimum and maximum, in step order. */
  private pts: XY[] = [];
  private buckets = 0;

  constructor(private readonly limit = 256) {}

  reset(): void {
    this.width = 1;
    this.pts = [];
    this.buckets = 0;
  }

  /** The points to draw (a fresh array). */
  points(): XY[] {
    return this.pts.slice();
  }

  /**
   * Brings the buckets up to `count` steps, reading values with `value(i)` (NaN: no value).
   * The last bucket is always recomputed: its newest step may have been restated.
   */
  extend(count: number, value: (i: number) => number): void {
    if (this.buckets > 0) {
      this.buckets--;
      this.pts.length = 2 * this.buckets;
    }
    const w = this.width;
    for (let k = this.buckets; k * w < count; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      let iLo = -1;
      let iHi = -1;
      const end = Math.min(count, (k + 1) * w);
      for (let i = k * w; i < end; i++) {
        const y = value(i);
        if (!(y === y)) continue; // NaN
        if (y < lo) {
          lo = y;
          iLo = i;
        }
        if (y > hi) {
          hi = y;
          iHi = i;
        }
      }
      if (iLo < 0) {
        this.pts.push({ x: k * w, y: NaN }, { x: end - 1, y: NaN });
      } else if (iLo <= iHi) {
        this.pts.push({ x: iLo, y: lo }, { x: iHi, y: hi });
      } else {
        this.pts.push({ x: iHi, y: hi }, { x: iLo, y: lo });
      }
      this.buckets++;
    }
    if (this.buckets > 2 * this.limit) this.merge();
  }

  /** Halves the buckets: each pair becomes one, of twice the width. */
  private merge(): void {
    const merged: XY[] = [];
    const pts = this.pts;
    for (let b = 0; b < this.buckets; b += 2) {
      const group = pts.slice(2 * b, 2 * Math.min(this.buckets, b + 2));
      const finite = group.filter((p) => p.y === p.y);
      if (finite.length === 0) {
        merged.push(group[0], group[group.length - 1]);
        continue;
      }
      let min = finite[0];
      let max = finite[0];
      for (const p of finite) {
        if (p.y < min.y) min = p;
        if (p.y > max.y) max = p;
      }
      if (min.x <= max.x) merged.push(min, max);
      else merged.push(max, min);
    }
    this.pts = merged;
    this.buckets = merged.length / 2;
    this.width *= 2;
    if (this.buckets > 2 * this.limit) this.merge();
  }
}
