/**
 * The contour view as an SVG document, built in named steps from what the view shows: the
 * heatmap and basin map (embedded images), level lines with labels, axes, critical points, one
 * group per run, the Hessian at a chosen point (eigenvector arrows, the Taylor model's level
 * lines), notes and the legend. Pure: the caller measures text and encodes the images,
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
import { criticalDrawing, type CriticalDrawing } from '../views/critical-geometry';
import type { CurvatureColors } from '../views/look';
import type { ViewPalette } from '../views/look';
import { contourLevels, formatTick, niceTicks, type ValueScale } from '../views/scale';
import type { CriticalOverlay, GridData, ViewRun } from '../views/view-data';
import type { ExportNote, LegendRun } from './overlay-content';
import { notesSvg, svgLegend } from './svg-legend';
import { backgroundRect, el, esc, idPart, num, svgDocument, type TextWidth } from './svg-markup';
import { t } from '../i18n';

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
  /** The Hessian at a point, as the view draws it, when one is on show. */
  critical?: { overlay: CriticalOverlay; colors: CurvatureColors };
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
  const critical = scene.critical
    ? criticalDrawing(scene.critical.overlay, scene.critical.colors, grid.domain, plot)
    : undefined;
  if (critical) body.push(hessianLevelsSvg(critical));
  body.push(runsSvg(scene.runs, step, scene.lineScale, place));
  if (critical) body.push(hessianArrowsSvg(critical));
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
    step !== undefined
      ? t('LossLab contour view at step {step}', { step })
      : t('LossLab contour view'),
    body,
  );
}

/** An image stretched over the plot, in a group of its own. */
export function plotImage(id: string, plot: PlotRect, href: string, style?: string): string {
  const { x, y, w, h } = plot;
  return el(
    'g',
    { id },
    el('image', { x, y, width: w, height: h, preserveAspectRatio: 'none', style, href }),
  );
}

/** Level lines, one path per level, and their labels placed as on the canvas. */
export function levelLinesSvg(
  scene: Pick<ContourSvgScene, 'plot' | 'scale' | 'textWidth'> & {
    grid: Pick<GridData, 'values' | 'resolution'>;
  },
  /** Before the groups' ids, where a document has more than one. @default none */
  idPrefix = '',
): [string, string] {
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
      id: `${idPrefix}level-lines`,
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
    { id: `${idPrefix}level-labels`, 'font-size': 10, 'text-anchor': 'middle' },
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

/** The Taylor model's level lines (over a halo) and its patch, clipped to the plot. */
function hessianLevelsSvg(drawing: CriticalDrawing): string {
  const segments = (s: number[]) => {
    const d: string[] = [];
    for (let k = 0; k < s.length; k += 4)
      d.push(`M${num(s[k])} ${num(s[k + 1])}L${num(s[k + 2])} ${num(s[k + 3])}`);
    return d.join('');
  };
  const levels = drawing.levels.map((level) =>
    el('g', { class: `taylor-level ${level.side}`, fill: 'none', 'stroke-linecap': 'round' }, [
      el('path', {
        d: segments(level.segments),
        stroke: drawing.colors.halo,
        'stroke-opacity': 0.55,
        'stroke-width': 3.5,
      }),
      el('path', { d: segments(level.segments), stroke: level.color, 'stroke-width': 1.5 }),
    ]),
  );
  const patch = drawing.patch;
  if (patch) {
    const box = { x: patch.x, y: patch.y, width: patch.w, height: patch.h, fill: 'none' };
    levels.push(
      el('g', { class: 'taylor-patch', 'stroke-dasharray': '4 4' }, [
        el('rect', { ...box, stroke: drawing.colors.halo, 'stroke-width': 3 }),
        el('rect', { ...box, stroke: drawing.colors.text, 'stroke-width': 1 }),
      ]),
    );
  }
  return el('g', { id: 'hessian-model', 'clip-path': 'url(#plot-clip)' }, levels);
}

/** The eigenvector arrows and Escape's step (over a halo), θ ringed, and the λ labels. */
function hessianArrowsSvg(drawing: CriticalDrawing): string {
  const arrow = (
    a: CriticalDrawing['arrows'][number],
    color: string,
    width: number,
    head: number,
  ) => {
    const [px, py] = a.from;
    const [qx, qy] = a.to;
    const angle = Math.atan2(qy - py, qx - px);
    const tip = [qx + Math.cos(angle) * (head - 9), qy + Math.sin(angle) * (head - 9)];
    const wing = (turn: number) =>
      `${num(qx - head * Math.cos(angle + turn))} ${num(qy - head * Math.sin(angle + turn))}`;
    return el('g', {}, [
      el('line', {
        x1: px,
        y1: py,
        x2: qx,
        y2: qy,
        stroke: color,
        'stroke-width': width,
        'stroke-linecap': 'round',
        'stroke-dasharray': a.dashed ? '6 4' : undefined,
      }),
      el('path', {
        d: `M${num(tip[0])} ${num(tip[1])}L${wing(-0.42)}L${wing(0.42)}Z`,
        fill: color,
      }),
    ]);
  };
  const [cx, cy] = drawing.at;
  const parts = [
    ...drawing.arrows.map((a) => arrow(a, drawing.colors.halo, 6, 12)),
    ...drawing.arrows.map((a) =>
      el(
        'g',
        { class: a.index < 0 ? 'escape-step' : `eigenvector lambda-${a.index + 1}` },
        arrow(a, a.color, 2.5, 9),
      ),
    ),
    el('circle', {
      cx,
      cy,
      r: 5,
      fill: drawing.colors.halo,
      stroke: drawing.colors.text,
      'stroke-width': 2,
    }),
    ...drawing.labels.map((label) =>
      el(
        'text',
        {
          class: 'lambda',
          x: label.x,
          y: label.y,
          'text-anchor':
            label.align === 'left' ? 'start' : label.align === 'right' ? 'end' : 'middle',
          'dominant-baseline':
            label.baseline === 'top'
              ? 'hanging'
              : label.baseline === 'bottom'
                ? 'text-after-edge'
                : 'central',
          fill: label.color,
          stroke: drawing.colors.halo,
          'stroke-width': 4,
          'paint-order': 'stroke',
          'stroke-linejoin': 'round',
          'font-size': 13,
          'font-weight': 'bold',
        },
        esc(label.text),
      ),
    ),
  ];
  return el('g', { id: 'hessian-arrows', 'clip-path': 'url(#plot-clip)' }, parts);
}
