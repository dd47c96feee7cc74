import { describe, expect, it } from 'vitest';
import { MinMaxSeries } from '../../../renderer/src/lib/views/downsample';

const wave = (i: number) => Math.sin(i / 37) * Math.exp(-i / 5000) + (i % 997 === 0 ? 5 : 0);

describe('MinMaxSeries', () => {
  it('keeps at most ~4 × limit points however long the series', () => {
    const s = new MinMaxSeries(64);
    for (let n = 1; n <= 100_000; n += 1 + (n >> 3)) s.extend(n, wave);
    expect(s.points().length).toBeLessThanOrEqual(4 * 64 + 2);
  });

  it('growing step by step gives the same points as one call', () => {
    const a = new MinMaxSeries(32);
    const b = new MinMaxSeries(32);
    for (let n = 1; n <= 5_000; n += 7) a.extend(n, wave);
    a.extend(5_000, wave);
    b.extend(5_000, wave);
    // Merges happen at different moments but the bucket grid is the same power of two.
    expect(a.width).toBe(b.width);
    expect(a.points()).toEqual(b.points());
  });

  it('keeps every spike: the global max and min survive, at their steps', () => {
    const s = new MinMaxSeries(16);
    s.extend(20_000, wave);
    const pts = s.points();
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < 20_000; i++) {
      max = Math.max(max, wave(i));
      min = Math.min(min, wave(i));
    }
    const top = pts.reduce((p, q) => (q.y > p.y ? q : p));
    const bottom = pts.reduce((p, q) => (q.y < p.y ? q : p));
    expect(top.y).toBe(max);
    expect(wave(top.x)).toBe(max);
    expect(bottom.y).toBe(min);
    // Points are in step order.
    for (let k = 1; k < pts.length; k++) expect(pts[k].x).toBeGreaterThanOrEqual(pts[k - 1].x);
  });

  it('recomputes the newest bucket, so a restated last value is taken', () => {
    const values = [3, 1, 4, 1, 5];
    const s = new MinMaxSeries();
    s.extend(5, (i) => values[i]);
    values[4] = -9;
    s.extend(5, (i) => values[i]);
    expect(s.points().at(-1)).toEqual({ x: 4, y: -9 });
  });

  it('leaves gaps (NaN) where a bucket has no finite value', () => {
    const s = new MinMaxSeries();
    s.extend(3, (i) => (i === 1 ? NaN : i));
    expect(s.points().map((p) => p.y)).toEqual([0, 0, NaN, NaN, 2, 2]);
  });
});
