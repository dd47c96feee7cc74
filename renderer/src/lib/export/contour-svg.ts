/**
 * The contour view as an SVG document, built in named steps from what the view shows: the
 * heatmap and basin map (embedded images), level lines with labels, axes, critical points, one
 * group per run, notes and the legend. Pure: the caller measures text and encodes the images,
 * so unit tests in plain Node check the markup.
 */
import type { Point } from '../../../../electron/common/schemas';
import {
  CONTOUR_LEVELS,
  levelLabels,
  MARKER_COLORS,
  projectTo,
  type PlotRect,
} from '../views/contour-layout';
import { marchingSquares } from '../views/contours';
import type { ViewPalette } from '../views/look';
import { contourLevels, formatTick, niceTicks, type ValueScale } from '../views/scale';
import type { GridData, ViewRun } from '../views/view-data';
import type { ExportNote, LegendRun } from './overlay-content';
import { notesSvg, svgLegend } from './svg-legend';
import { backgroundRect, el, esc, idPart, num, svgDocument, type TextWidth } from './svg-markup';

/** Everything the contour SVG shows, gathered from the view by the caller. */
export interface ContourSvgScene {
  /** The document's size in CSS pixels. */
  width: number;
  height: number;
  /** The plot rectangle, laid out as on screen (legend room kept free). */
  plot: PlotRect;
  grid: GridData;
  scale: ValueScale;
  /** The heatmap as an image URL (data: URL of a PNG). */
  heatmapHref: string;
  /** The basin map as an image URL, when one is on show. */
  basinHref?: string;
  /** Whether level lines are drawn. */
  contours: boolean;
  runs: ViewRun[];
  /** Draw trajectories up to this step; all of them when undefined. */
  step: number | undefined;
  /** Line width multiplier (presentation mode draws thicker). */
  lineScale: number;
  notes: ExportNote[];
  /** The legend's runs; no legend when undefined. */
  legend?: LegendRun[];
  /** The background colour; transparent when undefined. */
  background?: string;
  palette: ViewPalette;
  textWidth: TextWidth;
}

/** The contour view as an SVG document. */
export function contourSvgDocument(scene: ContourSvgScene): string {
  const { width, height, plot, grid, step } = scene;
  const { x, y, w, h } = plot;
  const place = (p: Point) => projectTo(grid.domain, plot, p[0], p[1]);
  const body: string[] = [];
  if (scene.background !== undefined) body.push(backgroundRect(width, height, scene.background));
  body.push(
    el('defs', {}, [
      el(
        'clipPath',
        { id: 'plot-clip' },
        el('rect', { x: x - 8, y: y - 8, width: w + 16, height: h + 16 }),
      ),
    ]),
    plotImage('heatmap', plot, scene.heatmapHref),
  );
  if (scene.basinHref !== undefined) {
    body.push(plotImage('basins', plot, scene.basinHref, 'image-rendering: pixelated'));
  }
  if (scene.contours) body.push(...levelLinesSvg(scene));
  body.push(axesSvg(scene));
  body.push(criticalPointsSvg(grid, place));
  body.push(runsSvg(scene.runs, step, scene.lineScale, place));
  const [[x0, x1], [y0, y1]] = grid.domain;
  const notes = scene.notes.filter(
    (n) => n.at[0] >= x0 && n.at[0] <= x1 && n.at[1] >= y0 && n.at[1] <= y1,
  );
  if (notes.length > 0) body.push(notesSvg(notes, place, scene.palette, scene.textWidth));
  if (scene.legend) {
    body.push(
      svgLegend(
        scene.scale,
        scene.legend,
        { x: width - 8, y: plot.y, corner: 'right' },
        scene.textWidth,
      ),
    );
  }
  return svgDocument(
    width,
    height,
    `LossLab contour view${step !== undefined ? ` at step ${step}` : ''}`,
    body,
  );
}

/** An image stretched over the plot, in a group of its own. */
function plotImage(id: string, plot: PlotRect, href: string, style?: string): string {
  const { x, y, w, h } = plot;
  return el(
    'g',
    { id },
    el('image', { x, y, width: w, height: h, preserveAspectRatio: 'none', style, href }),
  );
}

/** Level lines, one path per level, and their labels placed as on the canvas. */
function levelLinesSvg(scene: ContourSvgScene): [string, string] {
  const { grid, plot } = scene;
  const { x, y, w, h } = plot;
  const n = grid.resolution;
  const levels = contourLevels(scene.scale, CONTOUR_LEVELS);
  const lines = marchingSquares(grid.values, n, levels);
  const seg = lines.segments;
  const ds = levels.map(() => [] as string[]);
  const gx = (i: number) => num(x + (i / (n - 1)) * w);
  const gy = (j: number) => num(y + h - (j / (n - 1)) * h);
  for (let k = 0, s = 0; k < seg.length; k += 4, s++) {
    ds[lines.level[s]].push(`M${gx(seg[k])} ${gy(seg[k + 1])}L${gx(seg[k + 2])} ${gy(seg[k + 3])}`);
  }
  const paths = el(
    'g',
    {
      id: 'level-lines',
      fill: 'none',
      stroke: '#ffffff',
      'stroke-opacity': 0.38,
      'stroke-width': 1,
    },
    levels.map((level, li) =>
      ds[li].length
        ? el('path', { class: 'level-line', 'data-level': String(level), d: ds[li].join('') })
        : '',
    ),
  );
  const labels = levelLabels(lines, levels, n, plot, (text) => scene.textWidth(text, 10));
  const boxes = el(
    'g',
    { id: 'level-labels', 'font-size': 10, 'text-anchor': 'middle' },
    labels.map((l) =>
      el('g', {}, [
        el('rect', {
          x: l.x - l.width / 2,
          y: l.y - 6,
          width: l.width,
          height: 12,
          fill: '#0f1320',
          'fill-opacity': 0.75,
        }),
        el('text', { x: l.x, y: l.y + 3.5, fill: '#e6eaf3' }, esc(l.text)),
      ]),
    ),
  );
  return [paths, boxes];
}

/** The plot's frame, ticks with their numbers (the same as the canvas) and the axis names. */
function axesSvg(scene: ContourSvgScene): string {
  const { grid, plot, palette } = scene;
  const { x, y, w, h } = plot;
  const [[x0, x1], [y0, y1]] = grid.domain;
  const axes: string[] = [
    el('rect', { x, y, width: w, height: h, fill: 'none', stroke: palette.axis }),
  ];
  for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(w / 70)))) {
    const [px] = projectTo(grid.domain, plot, t, y0);
    axes.push(
      el('line', { x1: px, x2: px, y1: y + h, y2: y + h + 4, stroke: palette.axis }),
      el('text', { x: px, y: y + h + 16, 'text-anchor': 'middle' }, esc(formatTick(t))),
    );
  }
  for (const t of niceTicks(y0, y1, Math.max(2, Math.floor(h / 50)))) {
    const [, py] = projectTo(grid.domain, plot, x0, t);
    axes.push(
      el('line', { x1: x - 4, x2: x, y1: py, y2: py, stroke: palette.axis }),
      el('text', { x: x - 6, y: py + 4, 'text-anchor': 'end' }, esc(formatTick(t))),
    );
  }
  axes.push(
    el(
      'text',
      {
        x: x + w / 2,
        y: y + h + 34,
        'text-anchor': 'middle',
        'font-style': 'italic',
        'font-size': 12,
      },
      esc(grid.info.axes?.[0] ?? 'x'),
    ),
    el(
      'text',
      {
        transform: `translate(14 ${num(y + h / 2)}) rotate(-90)`,
        'text-anchor': 'middle',
        'font-style': 'italic',
        'font-size': 12,
      },
      esc(grid.info.axes?.[1] ?? 'y'),
    ),
  );
  return el('g', { id: 'axes', fill: palette.muted, 'font-size': 11 }, axes);
}

/** Minima as stars, saddles as crosses, clipped to the plot. */
function criticalPointsSvg(grid: GridData, place: (p: Point) => [number, number]): string {
  const points: string[] = [];
  for (const minimum of grid.info.minima) {
    const [px, py] = place(minimum);
    const d = Array.from({ length: 10 }, (_, k) => {
      const r = k % 2 === 0 ? 7 : 3;
      const a = -Math.PI / 2 + (k * Math.PI) / 5;
      return `${k === 0 ? 'M' : 'L'}${num(px + r * Math.cos(a))} ${num(py + r * Math.sin(a))}`;
    }).join('');
    points.push(
      el('path', {
        class: 'minimum',
        d: `${d}Z`,
        fill: '#ffffff',
        stroke: '#0f1320',
        'stroke-width': 1.5,
      }),
    );
  }
  for (const saddle of grid.info.saddles) {
    const [px, py] = place(saddle);
    const d = `M${num(px - 6)} ${num(py - 6)}L${num(px + 6)} ${num(py + 6)}M${num(px + 6)} ${num(py - 6)}L${num(px - 6)} ${num(py + 6)}`;
    points.push(
      el('g', { class: 'saddle', fill: 'none' }, [
        el('path', { d, stroke: '#ffffff', 'stroke-width': 5 }),
        el('path', { d, stroke: MARKER_COLORS.saddle, 'stroke-width': 2.5 }),
      ]),
    );
  }
  return el('g', { id: 'critical-points', 'clip-path': 'url(#plot-clip)' }, points);
}

/**
 * One group per run, clipped to the plot: its trajectory up to `step` as one path, its start
 * (hollow) and its current point.
 */
function runsSvg(
  runs: ViewRun[],
  step: number | undefined,
  lineScale: number,
  place: (p: Point) => [number, number],
): string {
  const groups = runs.map((run) => {
    const t = run.trajectory;
    const count = step === undefined ? t.count : Math.min(t.count, step + 1);
    const id = idPart(run.runId);
    if (count <= 0) return '';
    const d: string[] = [];
    let lastX = NaN;
    let lastY = NaN;
    for (let i = 0; i < count; i++) {
      const [px, py] = place([t.x(i), t.y(i)]);
      // Vertices closer than a quarter pixel add bytes, not shape.
      if (i > 0 && i < count - 1 && Math.abs(px - lastX) < 0.25 && Math.abs(py - lastY) < 0.25)
        continue;
      d.push(`${i === 0 ? 'M' : 'L'}${num(px)} ${num(py)}`);
      lastX = px;
      lastY = py;
    }
    if (count === 1) d.push(`L${num(lastX)} ${num(lastY)}`);
    const [startX, startY] = place([t.x(0), t.y(0)]);
    const [currentX, currentY] = place([t.x(count - 1), t.y(count - 1)]);
    return el(
      'g',
      { class: 'run', id: `run-${id}`, 'data-run': run.runId, 'data-label': run.label },
      [
        el('title', {}, esc(run.label)),
        el('path', {
          class: 'trajectory',
          id: `trajectory-${id}`,
          'data-run': run.runId,
          'data-points': String(count),
          d: d.join(''),
          fill: 'none',
          stroke: run.color,
          'stroke-width': 2 * lineScale,
          'stroke-linejoin': 'round',
          'stroke-linecap': 'round',
        }),
        el('circle', {
          class: 'start',
          cx: startX,
          cy: startY,
          r: 4 * lineScale,
          fill: 'none',
          stroke: run.color,
          'stroke-width': 1.5 * lineScale,
        }),
        el('circle', {
          class: 'current',
          cx: currentX,
          cy: currentY,
          r: 5 * lineScale,
          fill: run.color,
          stroke: '#0f1320',
          'stroke-width': 1.5,
        }),
      ],
    );
  });
  return el('g', { id: 'trajectories', 'clip-path': 'url(#plot-clip)' }, groups);
}
