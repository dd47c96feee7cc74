/**
 * The contour view's geometry and what it draws, free of the DOM so that the canvas, the SVG
 * export and unit tests share it: the plot rectangle letterboxed in the view, domain ↔ pixel
 * projection, where level labels go, and the overlay's inputs.
 */
import type { RunInspection } from '../../../../electron/common/protocol';
import type { Domain } from '../../../../electron/common/schemas';
import type { ContourLines } from './contours';
import type { CurvatureColors } from './look';
import { formatTick } from './scale';
import type { CriticalOverlay, TrajectoryView } from './view-data';

export interface ContourRun {
  runId: string;
  color: string;
  trajectory: TrajectoryView;
  /** False for a run on another surface than the one shown (it cannot be picked). */
  onSurface?: boolean;
}

export interface BasinOverlay {
  resolution: number;
  /** Per start: index of the minimum reached, −1 none, −2 diverged; row-major, y slow. */
  labels: Int16Array;
  colors: string[];
}

export interface OverlayState {
  runs: ContourRun[];
  hoverStep: number | undefined;
  inspections: Record<string, RunInspection>;
  stepMode: boolean;
  /** Line width multiplier (presentation mode draws thicker). */
  lineScale: number;
  /** Replay: draw each trajectory up to this step (its current point there). */
  scrubStep?: number;
  /** The Hessian at a point: eigenvector arrows and the Taylor model's level lines. */
  critical?: { overlay: CriticalOverlay; colors: CurvatureColors };
}

/** The plot rectangle in CSS pixels. */
export interface PlotRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where and how large to draw the view (exports): as if it were `width` × `height` CSS pixels,
 * each `pixelScale` device pixels wide, starting at (`originX`, `originY`) device pixels.
 */
export interface ContourFrame {
  width: number;
  height: number;
  pixelScale: number;
  /** @default 0 */
  originX?: number;
  /** @default 0 */
  originY?: number;
}

/** Room for the axes around the plot, in CSS pixels. */
const MARGIN = { left: 52, right: 12, top: 12, bottom: 40 };
export const CONTOUR_LEVELS = 14;

/**
 * Room kept free of the plot, in CSS pixels, beyond the axes' own margins: the colour bar's
 * column on the right, a band of controls at the top. Overlays sit there, never on the data.
 */
export interface PlotReserve {
  top: number;
  right: number;
}

/** Where a step-mode label box and its run's arrows were drawn (CSS pixels), for tests. */
export interface StepLabelLayout {
  box: PlotRect;
  arrows: [number, number, number, number][];
}

/** Colours of the critical points: achromatic, so no run's colour can be mistaken for one. */
export const MARKER_COLORS = { minimum: '#ffffff', saddle: '#0f1320', outline: '#0f1320' };

/** A level line's label: its text, centre and box width in CSS pixels. */
export interface LevelLabel {
  text: string;
  x: number;
  y: number;
  width: number;
}

/**
 * Where the level labels go (canvas and SVG alike): every other level once, at a segment well
 * inside the plot, away from the labels already placed, preferring a diagonal sweep so labels
 * spread across the view. `measure` gives a text's width at 10 px.
 */
export function levelLabels(
  lines: ContourLines,
  levels: number[],
  n: number,
  plot: PlotRect,
  measure: (text: string) => number,
): LevelLabel[] {
  const { x, y, w, h } = plot;
  const seg = lines.segments;
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const labels: LevelLabel[] = [];
  for (let li = 1; li < levels.length; li += 2) {
    const text = formatTick(levels[li]);
    const tw = measure(text) + 4;
    const target = 0.2 + (0.6 * li) / levels.length;
    let best = -1;
    let bestScore = Infinity;
    for (let k = 0, s = 0; k < seg.length; k += 4, s++) {
      if (lines.level[s] !== li) continue;
      const u = seg[k] / (n - 1);
      const v = seg[k + 1] / (n - 1);
      if (u < 0.06 || u > 0.94 || v < 0.06 || v > 0.94) continue;
      const lx = x + u * w;
      const ly = y + h - v * h;
      const overlaps = placed.some(
        (r) => lx + tw / 2 > r.x0 && lx - tw / 2 < r.x1 && ly + 8 > r.y0 && ly - 8 < r.y1,
      );
      if (overlaps) continue;
      const score = Math.abs(u - target) + Math.abs(v - target);
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    if (best < 0) continue;
    const lx = x + (seg[best] / (n - 1)) * w;
    const ly = y + h - (seg[best + 1] / (n - 1)) * h;
    placed.push({ x0: lx - tw / 2, y0: ly - 6, x1: lx + tw / 2, y1: ly + 6 });
    labels.push({ text, x: lx, y: ly, width: tw });
  }
  return labels;
}

/**
 * The plot rectangle for a view of `width` × `height` CSS pixels keeping `reserve` free: the
 * domain letterboxed at equal scale on both axes (the whole room when there is no domain yet).
 */
export function plotRect(
  width: number,
  height: number,
  domain: Domain | undefined,
  reserve: PlotReserve,
): PlotRect {
  const left = MARGIN.left;
  const top = MARGIN.top + reserve.top;
  const availW = Math.max(1, width - left - MARGIN.right - reserve.right);
  const availH = Math.max(1, height - top - MARGIN.bottom);
  if (!domain) return { x: left, y: top, w: availW, h: availH };
  const [[x0, x1], [y0, y1]] = domain;
  const aspect = (x1 - x0) / (y1 - y0);
  let w = availW;
  let h = w / aspect;
  if (h > availH) {
    h = availH;
    w = h * aspect;
  }
  return { x: left + (availW - w) / 2, y: top + (availH - h) / 2, w, h };
}

/** Position of domain coordinates in a plot rectangle (may lie outside it). */
export function projectTo(
  domain: Domain,
  plot: PlotRect,
  px: number,
  py: number,
): [number, number] {
  const [[x0, x1], [y0, y1]] = domain;
  const { x, y, w, h } = plot;
  return [x + ((px - x0) / (x1 - x0)) * w, y + (1 - (py - y0) / (y1 - y0)) * h];
}
