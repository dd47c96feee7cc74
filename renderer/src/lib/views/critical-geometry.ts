/**
 * The Hessian's picture at a point θ of a 2-parameter surface, free of the DOM and of three.js
 * so that the contour canvas, the 3-D scene, the SVG export and unit tests share it.
 *
 * The second-order Taylor model of L around θ is
 *
 *   q(θ') = L(θ) + gᵀd + ½ dᵀHd,   d = θ' − θ,  g = ∇L(θ),  H = ∇²L(θ).
 *
 * H is symmetric, so H = λ₁v₁v₁ᵀ + λ₂v₂v₂ᵀ with orthonormal eigenvectors v₁, v₂. Along
 * d = t·vᵢ the quadratic term is ½λᵢt²: λᵢ > 0 curves the model up both ways, λᵢ < 0 down both
 * ways (a descent direction the gradient cannot see where g = 0). So each eigenvector is drawn
 * as a pair of arrows θ → θ ± ℓᵢvᵢ with ℓᵢ ∝ |λᵢ| (the larger one a fixed share of the view,
 * {@link ARROW_SHARE}) coloured by the sign of λᵢ, and the model itself over a square patch of
 * the arrows' reach: a quadric mesh in 3-D, its level lines on the contour view, where the
 * levels q = L(θ) ± M·(k/3)² (M the largest |q − L(θ)| on the patch, k = 1, 2) are rings at
 * equal steps of |d| along each eigenvector (q − L(θ) grows as |d|² at a critical point).
 */
import type { Domain, Point } from '../../../../electron/common/schemas';
import { projectTo, type PlotRect } from './contour-layout';
import { marchingSquares } from './contours';
import type { CurvatureColors } from './look';
import type { CriticalOverlay, TrajectoryView } from './view-data';
import { t } from '../i18n';

/** The larger eigenvalue's arrow is this share of the domain's shorter side. */
export const ARROW_SHARE = 0.15;
/** Level rings of the model on each side of L(θ): q − L(θ) = ±M·(k/RINGS)², k = 1 … RINGS − 1. */
const RINGS = 3;

export type CurvatureSign = 'positive' | 'negative' | 'flat';

/** One eigenvector's arrows: θ − ℓv ← θ → θ + ℓv. */
export interface CurvatureArrow {
  /** 0 for λ₁ (the smaller), 1 for λ₂. */
  index: 0 | 1;
  lambda: number;
  sign: CurvatureSign;
  /** The unit eigenvector. */
  vector: Point;
  /** ℓ, in the surface's units: |λ| × the scale's `perLambda`. */
  length: number;
  /** θ + ℓv and θ − ℓv. */
  tips: [Point, Point];
}

/** How long the arrows are drawn. */
export interface ArrowScale {
  /** Surface units of arrow per unit of |λ|. */
  perLambda: number;
  /** The longest arrow, in surface units ({@link ARROW_SHARE} of the domain's shorter side). */
  reach: number;
}

/** The sign of an eigenvalue, with `flat` = τ·max|λ| the band float32 cannot sign. */
export function curvatureSign(lambda: number, flat: number): CurvatureSign {
  if (lambda > flat) return 'positive';
  if (lambda < -flat) return 'negative';
  return 'flat';
}

/** The arrows' scale on a domain: the larger |λ| gets {@link ARROW_SHARE} of its shorter side. */
export function arrowScale(
  overlay: Pick<CriticalOverlay, 'eigenvalues'>,
  domain: Domain,
): ArrowScale {
  const [[x0, x1], [y0, y1]] = domain;
  const reach = ARROW_SHARE * Math.min(x1 - x0, y1 - y0);
  const top = Math.max(Math.abs(overlay.eigenvalues[0]), Math.abs(overlay.eigenvalues[1]));
  return { reach, perLambda: top > 0 && Number.isFinite(top) ? reach / top : 0 };
}

/** Both eigenvectors' arrows, λ₁'s first. */
export function curvatureArrows(overlay: CriticalOverlay, domain: Domain): CurvatureArrow[] {
  const { perLambda } = arrowScale(overlay, domain);
  const [px, py] = overlay.point;
  return ([0, 1] as const).map((index) => {
    const lambda = overlay.eigenvalues[index];
    const vector = overlay.vectors[index];
    const length = Math.abs(lambda) * perLambda;
    return {
      index,
      lambda,
      sign: curvatureSign(lambda, overlay.flat),
      vector,
      length,
      tips: [
        [px + length * vector[0], py + length * vector[1]],
        [px - length * vector[0], py - length * vector[1]],
      ],
    };
  });
}

/** q(θ') − L(θ) = gᵀd + ½dᵀHd at θ' = (x, y). */
export function taylorChange(overlay: CriticalOverlay, x: number, y: number): number {
  const dx = x - overlay.point[0];
  const dy = y - overlay.point[1];
  const [gx, gy] = overlay.gradient;
  const [hxx, hxy, hyy] = overlay.hessian;
  return gx * dx + gy * dy + 0.5 * (hxx * dx * dx + 2 * hxy * dx * dy + hyy * dy * dy);
}

/** The Taylor model q(θ') = L(θ) + gᵀd + ½dᵀHd at θ' = (x, y). */
export function taylorModel(overlay: CriticalOverlay, x: number, y: number): number {
  return overlay.loss + taylorChange(overlay, x, y);
}

/** The model sampled on an n × n grid over the patch (row-major, y slow). */
export interface QuadricPatch {
  n: number;
  /** The patch: [[x0, x1], [y0, y1]], the square of the arrows' reach around θ within the domain. */
  box: Domain;
  /** q at (x0 + i·(x1 − x0)/(n − 1), y0 + j·(y1 − y0)/(n − 1)), at [j·n + i]. */
  values: Float64Array;
}

/**
 * The model over the square [θ − r, θ + r]², r = `extent` × the arrows' reach (by default the
 * patch covers what the arrows span), cut to the domain; undefined when θ lies so far outside
 * that nothing is left.
 */
export function quadricPatch(
  overlay: CriticalOverlay,
  domain: Domain,
  n = 33,
  extent = 1,
): QuadricPatch | undefined {
  const reach = extent * arrowScale(overlay, domain).reach;
  const [[dx0, dx1], [dy0, dy1]] = domain;
  const [px, py] = overlay.point;
  const x0 = Math.max(dx0, px - reach);
  const x1 = Math.min(dx1, px + reach);
  const y0 = Math.max(dy0, py - reach);
  const y1 = Math.min(dy1, py + reach);
  if (!(x1 > x0 && y1 > y0)) return undefined;
  const values = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const y = y0 + ((y1 - y0) * j) / (n - 1);
    for (let i = 0; i < n; i++) {
      const x = x0 + ((x1 - x0) * i) / (n - 1);
      values[j * n + i] = taylorModel(overlay, x, y);
    }
  }
  return {
    n,
    box: [
      [x0, x1],
      [y0, y1],
    ],
    values,
  };
}

/** A level line of the model: its value, its side of L(θ), its segments in surface units. */
export interface QuadricLevel {
  level: number;
  /** Above L(θ) (where the model rises) or below it. */
  side: 'above' | 'below';
  /** x₀, y₀, x₁, y₁ per segment. */
  segments: number[];
}

/**
 * The model's level lines over its patch: q = L(θ) ± M·(k/3)², k = 1, 2, with M the largest
 * |q − L(θ)| on the patch. Levels the patch never reaches (below L(θ) at a minimum) have no
 * segments and are left out.
 */
export function quadricLevels(overlay: CriticalOverlay, domain: Domain, n = 49): QuadricLevel[] {
  const patch = quadricPatch(overlay, domain, n);
  if (!patch) return [];
  let top = 0;
  for (const v of patch.values) top = Math.max(top, Math.abs(v - overlay.loss));
  if (!(top > 0) || !Number.isFinite(top)) return [];
  const offsets: number[] = [];
  for (let k = 1; k < RINGS; k++) offsets.push(top * (k / RINGS) ** 2);
  const levels = [...offsets.map((o) => overlay.loss - o), ...offsets.map((o) => overlay.loss + o)];
  const lines = marchingSquares(Float32Array.from(patch.values), n, levels);
  const [[x0, x1], [y0, y1]] = patch.box;
  const sx = (x1 - x0) / (n - 1);
  const sy = (y1 - y0) / (n - 1);
  const out: QuadricLevel[] = levels.map((level) => ({
    level,
    side: level > overlay.loss ? 'above' : 'below',
    segments: [],
  }));
  const seg = lines.segments;
  for (let k = 0, s = 0; k < seg.length; k += 4, s++) {
    out[lines.level[s]].segments.push(
      x0 + seg[k] * sx,
      y0 + seg[k + 1] * sy,
      x0 + seg[k + 2] * sx,
      y0 + seg[k + 3] * sy,
    );
  }
  return out.filter((l) => l.segments.length > 0);
}

/**
 * Escape's unit direction as the engine chooses it (hessian/analytic.ts): ±v₁, the sign so
 * that gᵀd ≤ 0, and where gᵀv₁ = 0 (a critical point) the one whose larger component is
 * positive.
 */
export function escapeDirection(overlay: Pick<CriticalOverlay, 'gradient' | 'vectors'>): Point {
  const [vx, vy] = overlay.vectors[0];
  const slope = overlay.gradient[0] * vx + overlay.gradient[1] * vy;
  const larger = Math.abs(vx) >= Math.abs(vy) ? vx : vy;
  const flip = slope > 0 || (slope === 0 && larger < 0);
  return flip ? [-vx, -vy] : [vx, vy];
}

/** A number for a label: 3 significant digits, exponent form outside [10⁻³, 10⁴). */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const short = Number(v.toPrecision(3));
  const text = abs >= 1e-3 && abs < 1e4 ? String(short) : short.toExponential();
  return text.replace(/-/g, '−');
}

/** λ₁ = …, λ₂ = …: the arrows' labels. */
export function lambdaLabel(arrow: Pick<CurvatureArrow, 'index' | 'lambda'>): string {
  return `λ${arrow.index === 0 ? '₁' : '₂'} = ${formatValue(arrow.lambda)}`;
}

/** The picture in words, for screen readers: where, the eigenvalues, what is drawn. */
export function describeCritical(overlay: CriticalOverlay): string {
  const [l1, l2] = overlay.eigenvalues;
  const at = `(${formatValue(overlay.point[0])}, ${formatValue(overlay.point[1])})`;
  return t(
    overlay.quadric
      ? 'The Hessian at {at}: eigenvalues λ₁ = {l1} and λ₂ = {l2}, drawn as arrows along their eigenvectors, and the second-order Taylor model around it.'
      : 'The Hessian at {at}: eigenvalues λ₁ = {l1} and λ₂ = {l2}, drawn as arrows along their eigenvectors.',
    { at, l1: formatValue(l1), l2: formatValue(l2) },
  );
}

/** A run as the picking sees it. */
export interface PickableRun {
  runId: string;
  trajectory: TrajectoryView;
  /** False for a run on another surface than the one shown. @default true */
  onSurface?: boolean;
}

/**
 * The point of a trajectory under a pixel of the contour plot, within `radius` CSS pixels:
 * the nearest point drawn (each trajectory up to `step`, all of it when undefined), and of the
 * points as near as it (within a pixel and a half: a stalled run piles hundreds of steps on one
 * pixel) the latest step, which is where the run sits.
 */
export function pickTrajectoryPoint(
  runs: PickableRun[],
  domain: Domain,
  plot: PlotRect,
  px: number,
  py: number,
  step: number | undefined,
  radius = 7,
): { runId: string; step: number } | undefined {
  const TIE = 1.5;
  let best: { runId: string; step: number; distance: number } | undefined;
  for (const run of runs) {
    if (run.onSurface === false) continue;
    const t = run.trajectory;
    const count = step === undefined ? t.count : Math.min(t.count, step + 1);
    const distances = new Float64Array(count);
    let nearest = Infinity;
    for (let i = 0; i < count; i++) {
      const [qx, qy] = projectTo(domain, plot, t.x(i), t.y(i));
      distances[i] = Math.hypot(qx - px, qy - py);
      nearest = Math.min(nearest, distances[i]);
    }
    if (!(nearest <= radius) || (best && nearest >= best.distance)) continue;
    let latest = 0;
    for (let i = 0; i < count; i++) if (distances[i] <= nearest + TIE) latest = i;
    best = { runId: run.runId, step: latest, distance: nearest };
  }
  return best ? { runId: best.runId, step: best.step } : undefined;
}

/** An arrow of the contour view's picture, in CSS pixels. */
export interface DrawnArrow {
  from: [number, number];
  to: [number, number];
  color: string;
  /** λ₁'s (0) or λ₂'s (1); -1 for Escape's step. */
  index: -1 | 0 | 1;
  dashed: boolean;
}

/** A label of the contour view's picture: its text, colour and where its anchor is. */
export interface DrawnLabel {
  text: string;
  color: string;
  x: number;
  y: number;
  align: 'left' | 'center' | 'right';
  baseline: 'top' | 'middle' | 'bottom';
}

/** The contour view's picture of the Hessian at θ, in CSS pixels (canvas and SVG draw it alike). */
export interface CriticalDrawing {
  at: [number, number];
  arrows: DrawnArrow[];
  labels: DrawnLabel[];
  /** The model's level lines, each as segments x₀, y₀, x₁, y₁ in pixels. */
  levels: { color: string; side: 'above' | 'below'; segments: number[] }[];
  /** The model's patch (a dashed square), when the model is shown. */
  patch?: PlotRect;
  colors: CurvatureColors;
}

/** Arrows shorter than this many pixels are left out (their label stays): a flat direction. */
const MIN_ARROW_PX = 3;

/** The picture of `overlay` in a plot of the contour view (or its SVG). */
export function criticalDrawing(
  overlay: CriticalOverlay,
  colors: CurvatureColors,
  domain: Domain,
  plot: PlotRect,
): CriticalDrawing {
  const place = (p: Point) => projectTo(domain, plot, p[0], p[1]);
  const at = place(overlay.point);
  const colorOf = (sign: CurvatureSign) => colors[sign];
  const arrows: DrawnArrow[] = [];
  const labels: DrawnLabel[] = [];
  for (const arrow of curvatureArrows(overlay, domain)) {
    const tips = arrow.tips.map(place);
    const color = colorOf(arrow.sign);
    const pixels = Math.hypot(tips[0][0] - at[0], tips[0][1] - at[1]);
    if (pixels >= MIN_ARROW_PX) {
      for (const tip of tips)
        arrows.push({ from: at, to: tip, color, index: arrow.index, dashed: false });
    }
    // The label beyond the tip that leaves it inside the plot (the + tip when both do).
    const [vx, vy] = arrow.vector;
    const screen: [number, number] = [vx, -vy];
    const norm = Math.hypot(screen[0], screen[1]) || 1;
    const reach = Math.max(pixels + 10, 16);
    const candidates = [1, -1].map((side) => {
      const ux = (side * screen[0]) / norm;
      const uy = (side * screen[1]) / norm;
      return { ux, uy, x: at[0] + reach * ux, y: at[1] + reach * uy };
    });
    const inside = (c: { x: number; y: number }) =>
      c.x > plot.x + 30 &&
      c.x < plot.x + plot.w - 30 &&
      c.y > plot.y + 8 &&
      c.y < plot.y + plot.h - 8;
    const c = candidates.find(inside) ?? candidates[0];
    labels.push({
      text: lambdaLabel(arrow),
      color,
      x: c.x,
      y: c.y,
      align: c.ux > 0.35 ? 'left' : c.ux < -0.35 ? 'right' : 'center',
      baseline: c.uy > 0.35 ? 'top' : c.uy < -0.35 ? 'bottom' : 'middle',
    });
  }
  const levels: CriticalDrawing['levels'] = [];
  let patch: PlotRect | undefined;
  if (overlay.quadric) {
    for (const level of quadricLevels(overlay, domain)) {
      const segments: number[] = [];
      const s = level.segments;
      for (let k = 0; k < s.length; k += 4) {
        const [ax, ay] = place([s[k], s[k + 1]]);
        const [bx, by] = place([s[k + 2], s[k + 3]]);
        segments.push(ax, ay, bx, by);
      }
      levels.push({
        color: level.side === 'above' ? colors.positive : colors.negative,
        side: level.side,
        segments,
      });
    }
    const box = quadricPatch(overlay, domain, 2)?.box;
    if (box) {
      const [ax, ay] = place([box[0][0], box[1][1]]);
      const [bx, by] = place([box[0][1], box[1][0]]);
      patch = { x: ax, y: ay, w: bx - ax, h: by - ay };
    }
  }
  if (overlay.escape) {
    arrows.push({
      from: at,
      to: place(overlay.escape.to),
      color: colors.negative,
      index: -1,
      dashed: !overlay.escape.taken,
    });
  }
  return { at, arrows, labels, levels, patch, colors };
}
