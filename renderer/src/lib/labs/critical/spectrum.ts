/**
 * The Hessian's spectrum as the spectrum chart draws it.
 *
 * Stems: eigenvalue k (ascending) at x = k, a stem from 0 to λ_k, coloured by what float32 can
 * say of its sign: positive above the flat band, negative below it, flat inside it. The band
 * is ±b with b = τ·max|λ| — the engine's classification uses the same b, so the colours count
 * exactly its `positive`, `negative` and `flat`. A Lanczos spectrum holds only the k smallest
 * and the k largest of the P eigenvalues: they stand at x = 1…k and x = P−k+1…P, so the gap
 * between them shows how much of the spectrum is not drawn.
 *
 * The y axis: λ_max is often 10⁴ times the flat band, so on a linear axis every small
 * eigenvalue — negative ones included, which are the point of the plot — sits on the zero
 * line. The signed logarithm y = sign(λ)·log₁₀(1 + |λ|/b) is linear inside the band (y ≈
 * λ/(b·ln 10) for |λ| ≪ b), logarithmic outside it, and keeps the sign; the band is |y| ≤
 * log₁₀ 2. Ticks are put at round values of λ (0, ±10ᵐ) and labelled with λ, not y.
 */
import type { CriticalAnalysis } from '../../../../../electron/common/protocol';

export type EigenClass = 'negative' | 'flat' | 'positive';

export interface Stem {
  /** 1-based index among all P eigenvalues, ascending. */
  x: number;
  lambda: number;
}

export interface SpectrumStems {
  /** The flat band's half-width b = τ·max|λ|. */
  band: number;
  /** All P eigenvalues, or only 2k of them (Lanczos). */
  complete: boolean;
  parameters: number;
  stems: Record<EigenClass, Stem[]>;
}

/** Which side of the flat band ±b an eigenvalue falls on (the band's edges count as flat). */
export function eigenClass(lambda: number, band: number): EigenClass {
  if (lambda > band) return 'positive';
  if (lambda < -band) return 'negative';
  return 'flat';
}

/**
 * The x of each eigenvalue: 1…m when all are known; else the smaller half at 1…m/2 and the
 * larger at P−m/2+1…P (the k smallest then the k largest, as Lanczos returns them).
 */
export function stemPositions(count: number, parameters: number): number[] {
  if (count >= parameters) return Array.from({ length: count }, (_, i) => i + 1);
  const low = Math.ceil(count / 2);
  return Array.from({ length: count }, (_, i) => (i < low ? i + 1 : parameters - count + i + 1));
}

/** The stems of an analysis, by class. */
export function spectrumStems(
  analysis: Pick<CriticalAnalysis, 'eigenvalues' | 'parameters' | 'classification'>,
): SpectrumStems {
  const { eigenvalues, parameters, classification } = analysis;
  const band = classification.tau * classification.scale;
  const xs = stemPositions(eigenvalues.length, parameters);
  const stems: Record<EigenClass, Stem[]> = { negative: [], flat: [], positive: [] };
  eigenvalues.forEach((lambda, i) => stems[eigenClass(lambda, band)].push({ x: xs[i], lambda }));
  return { band, complete: eigenvalues.length >= parameters, parameters, stems };
}

/**
 * The signed logarithm with linear scale b: sign(λ)·log₁₀(1 + |λ|/b). Odd, monotone, 0 at 0,
 * ±log₁₀ 2 at ±b. A band of 0 (every eigenvalue 0) falls back to the identity.
 */
export function signedLog(lambda: number, band: number): number {
  if (!(band > 0)) return lambda;
  return Math.sign(lambda) * Math.log10(1 + Math.abs(lambda) / band);
}

/** The inverse of {@link signedLog}: sign(y)·b·(10^|y| − 1). */
export function signedLogInverse(y: number, band: number): number {
  if (!(band > 0)) return y;
  return Math.sign(y) * band * (10 ** Math.abs(y) - 1);
}

/**
 * Round values of λ for the ticks of a signed-log axis spanning λ ∈ [lo, hi]: 0 and ±10ᵐ from
 * the band's decade up, kept at least 1/`most` of the axis apart (in its own units) so their
 * labels do not print over each other — 0 first, then the outermost decades inwards (the band's
 * edges, crowded near 0, go first). Returned in increasing order.
 */
export function signedLogTicks(lo: number, hi: number, band: number, most = 7): number[] {
  if (!(band > 0)) return [];
  const first = Math.floor(Math.log10(band));
  const decades = (limit: number) => {
    const out: number[] = [];
    if (!(limit > 0)) return out;
    const last = Math.ceil(Math.log10(limit));
    for (let m = first; m <= last; m++) if (10 ** m <= limit * 1.0001) out.push(10 ** m);
    return out;
  };
  const y = (l: number) => signedLog(l, band);
  const span = Math.max(y(hi), 0) - Math.min(y(lo), 0);
  const gap = span / most;
  const outermostFirst = [...decades(hi), ...decades(-lo).map((v) => -v)].sort(
    (a, b) => Math.abs(b) - Math.abs(a),
  );
  const kept: number[] = [];
  for (const l of [0, ...outermostFirst]) {
    if (kept.every((k) => Math.abs(y(k) - y(l)) >= gap * (1 - 1e-9))) kept.push(l);
  }
  return kept.sort((a, b) => a - b);
}

/** λ as a tick label: "0", "1e-3", "0.01", "100", "−1e4". */
export function tickLabel(lambda: number): string {
  if (lambda === 0) return '0';
  const a = Math.abs(lambda);
  const sign = lambda < 0 ? '−' : '';
  if (a >= 0.01 && a < 1e4) return `${sign}${Number(a.toPrecision(3))}`;
  const m = Math.round(Math.log10(a));
  return Math.abs(a / 10 ** m - 1) < 1e-9 ? `${sign}1e${m}` : `${sign}${a.toExponential(1)}`;
}

/** How many decades below its peak a log axis shows the density (its Gaussian tails go to 1e-300). */
export const DENSITY_DECADES = 6;

/**
 * The SLQ density as a curve: its grid and values. On a log axis, values ≤ 0 and those more
 * than DENSITY_DECADES below the peak are dropped (the curve breaks there instead of dragging
 * the axis down to the tails' 1e-300).
 */
export function densityPoints(
  density: NonNullable<CriticalAnalysis['density']>,
  log: boolean,
): { x: number; y: number }[] {
  let peak = 0;
  for (const v of density.density) if (v > peak) peak = v;
  const floor = peak * 10 ** -DENSITY_DECADES;
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < density.grid.length; i++) {
    const y = density.density[i];
    out.push({ x: density.grid[i], y: log && !(y > 0 && y >= floor) ? NaN : y });
  }
  return out;
}
