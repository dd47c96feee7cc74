/**
 * How loss values map to [0, 1] for colour and height: linearly between the grid's min and
 * max, or logarithmically in (L − min) for surfaces spanning orders of magnitude.
 */
export interface ValueScale {
  log: boolean;
  min: number;
  max: number;
  /** t ∈ [0, 1] for a loss (clamped; non-finite → 1). */
  (value: number): number;
  /** The loss at t (inverse), for legends. */
  invert(t: number): number;
}

/** The log scale's offset δ in log(L − min + δ): a ten-thousandth of the range (never 0). */
function logDelta(span: number): number {
  return span * 1e-4 + 1e-12;
}

export function valueScale(min: number, max: number, log: boolean): ValueScale {
  const span = max - min;
  const delta = logDelta(span);
  const lo = Math.log(delta);
  const hi = Math.log(span + delta);
  const f = ((value: number) => {
    if (!Number.isFinite(value)) return 1;
    if (span <= 0) return 0;
    const t = log
      ? (Math.log(Math.max(value - min, 0) + delta) - lo) / (hi - lo)
      : (value - min) / span;
    return t < 0 ? 0 : t > 1 ? 1 : t;
  }) as ValueScale;
  f.log = log;
  f.min = min;
  f.max = max;
  f.invert = (t: number) => (log ? min + Math.exp(lo + t * (hi - lo)) - delta : min + t * span);
  return f;
}

/**
 * Where `value` sits on a scale without the clamp to [0, 1] (a model that dips below the
 * surface's range, or rises above it): the same formula as the scale itself. NaN where the
 * scale has no place for it: not finite, or (log scale) below the minimum by more than the
 * scale's δ, where log(L − min + δ) does not exist.
 */
export function unclampedScale(scale: ValueScale, value: number): number {
  const { min, max } = scale;
  const span = max - min;
  if (!Number.isFinite(value) || !(span > 0)) return NaN;
  if (!scale.log) return (value - min) / span;
  const delta = logDelta(span);
  const above = value - min;
  if (above < -delta) return NaN;
  const lo = Math.log(delta);
  return (Math.log(Math.max(above, 0) + delta) - lo) / (Math.log(span + delta) - lo);
}

/** Contour levels: evenly spaced in the scale's t, so log surfaces get geometric levels. */
export function contourLevels(scale: ValueScale, count: number): number[] {
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) levels.push(scale.invert(k / (count + 1)));
  return levels;
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10ⁿ steps). */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/**
 * The ticks of a log axis whose labels stay apart: at most about `labels` of them, each at least
 * 1/`labels` of the axis' decades from the others. Round values go first (10ⁿ, then 2 and 5 ×
 * 10ⁿ, then other one-digit values, then the rest: chart.js adds the axis' ends, such as 0.58 next to 0.6, which made labels
 * print over each other on a narrow range). Returned in increasing order.
 */
export function thinLogTicks(values: number[], min: number, max: number, labels = 5): number[] {
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return values;
  const gap = (hi - lo) / labels;
  const rank = (v: number): number => {
    const mantissa = Number((v / 10 ** Math.floor(Math.log10(v))).toPrecision(6));
    if (mantissa === 1) return 0;
    if (mantissa === 2 || mantissa === 5) return 1;
    return Number.isInteger(mantissa) ? 2 : 3;
  };
  const candidates = values.filter((v) => v > 0 && Number.isFinite(v));
  const kept: number[] = [];
  for (const r of [0, 1, 2, 3]) {
    for (const v of candidates) {
      if (rank(v) !== r) continue;
      const at = Math.log10(v);
      // A hair of tolerance: 0.1 and 0.2 on a range of 5 × log10(2) decades both stay.
      if (kept.every((k) => Math.abs(Math.log10(k) - at) >= gap * (1 - 1e-9))) kept.push(v);
    }
  }
  return kept.sort((a, b) => a - b);
}

/** A compact label for a loss value or coordinate. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e4 || abs < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/**
 * What a log axis plots when some values are ≤ 0: L − L₀ with L₀ a little below the least value,
 * so every curve keeps its shape (and its place relative to the others) instead of vanishing.
 * Undefined when every value is positive (nothing to shift). `min` is the least value of all
 * series, `max` the greatest of those the axis is scaled to (a diverged run's is left out).
 */
export function logOffset(min: number, max: number): number | undefined {
  if (!(min <= 0) || !Number.isFinite(min)) return undefined;
  // Three decades below the range: the lowest point sits at the axis floor, not at −∞.
  const span = Number.isFinite(max) ? max - min : 0;
  const gap = span > 0 ? span * 1e-3 : Math.max(Math.abs(min) * 1e-3, 1e-6);
  return min - gap;
}
