/**
 * SVG of the contour view and of the curves: real vector paths (level lines, one path per
 * trajectory and per curve, markers, axes with ticks and labels, a legend) laid out as the view
 * is on screen, so they scale in a slide or a paper. The contour view's heatmap is the one
 * raster part, embedded as a PNG image.
 */
import { heatmapTile } from '../views/heatmap';
import { contourLevels, formatTick, niceTicks, type ValueScale } from '../views/scale';
import {
  CONTOUR_LEVELS,
  levelLabels,
  MARKER_COLORS,
  type ContourCanvas,
} from '../views/contour-canvas';
import { marchingSquares } from '../views/contours';
import { viewTheme } from '../views/theme.svelte';
import type { Point } from '../../../../electron/common/schemas';
import { legendRuns, viridisColor, type LegendRun } from './legend';
import type { ExportNote } from './notes';
import { curvesLayout, pickCharts } from './png';
import type { ChartTarget, ViewTarget } from './targets.svelte';
import { backgroundColor } from './tasks';

/** The theme's colours for text, axes and grid outside the legend box. */
const pal = () => viewTheme.palette;

const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

export interface ContourSvgOptions {
  /** Draw trajectories up to this step. @default the replay step on show, or all of them */
  step?: number;
  /** Leave the background transparent. @default false */
  transparent?: boolean;
  /** A legend with the colour scale and runs. @default true */
  legend?: boolean;
  /** Presentation notes pinned to the landscape. @default none */
  notes?: ExportNote[];
}

export interface CurvesSvgOptions {
  /** One chart's id ('loss', 'lr', …) or 'all' of them side by side. @default 'all' */
  chart?: string;
  /** Leave the background transparent. @default false */
  transparent?: boolean;
  /** A legend of the series. @default true */
  legend?: boolean;
}

let measurer: CanvasRenderingContext2D | undefined;

/**
 * Width of a text at a font size, measured with a canvas in the SVG's font stack. The viewer
 * may pick another font, so layouts leave a little room.
 */
function textWidth(text: string, size: number): number {
  measurer ??= document.createElement('canvas').getContext('2d')!;
  measurer.font = `${size}px ${FONT}`;
  return measurer.measureText(text).width;
}

/** Escapes text for XML content and attribute values. */
function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** An element as a string; `undefined` attributes are left out. */
function el(
  name: string,
  attrs: Record<string, string | number | undefined>,
  children: string | string[] = '',
): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(typeof v === 'number' ? num(v) : (v as string))}"`)
    .join('');
  const body = Array.isArray(children) ? children.join('') : children;
  return body ? `<${name}${a}>${body}</${name}>` : `<${name}${a}/>`;
}

/** A coordinate, short: two decimals, no trailing zeros. */
function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A fragment of an id: letters, digits, '-' and '_' only. */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    el(
      'svg',
      {
        xmlns: SVG_NS,
        width: Math.round(width),
        height: Math.round(height),
        viewBox: `0 0 ${num(width)} ${num(height)}`,
        'font-family': FONT,
      },
      [el('title', {}, esc(title)), ...body],
    ) +
    '\n'
  );
}

/** The legend's box in CSS pixels (0 × 0 when it has nothing to show). */
function svgLegendSize(
  scale: ValueScale | undefined,
  runs: LegendRun[],
): { width: number; height: number } {
  if (!scale && runs.length === 0) return { width: 0, height: 0 };
  const innerW = Math.max(
    scale ? 140 : 0,
    ...runs.map((r) =>
      Math.min(240, 1.1 * textWidth(r.diverged ? `${r.label} — diverged` : r.label, 11) + 16),
    ),
  );
  const barBlock = scale ? 7 + 2 * 13 + 4 : 0;
  return { width: innerW + 14, height: barBlock + runs.length * 15 + 14 };
}

/** The legend: colour bar and runs, as SVG, its top corner at (x, y). */
function svgLegend(
  scale: ValueScale | undefined,
  runs: (LegendRun & { dashed?: boolean })[],
  at: { x: number; y: number; corner: 'left' | 'right' },
): string {
  if (!scale && runs.length === 0) return '';
  const PAD = 7;
  const BAR_W = 140;
  const ROW = 15;
  const { width: w, height: h } = svgLegendSize(scale, runs);
  const left = at.corner === 'left' ? at.x : at.x - w;
  const parts: string[] = [
    el('rect', {
      class: 'legend-box',
      x: left,
      y: at.y,
      width: w,
      height: h,
      rx: 6,
      fill: '#0f1320',
      'fill-opacity': 0.78,
      stroke: '#2a3147',
    }),
  ];
  let y = at.y + PAD;
  if (scale) {
    const stops = Array.from({ length: 11 }, (_, k) =>
      el('stop', { offset: `${k * 10}%`, 'stop-color': viridisColor(k / 10) }),
    );
    parts.push(
      el('defs', {}, el('linearGradient', { id: 'colormap', x1: 0, x2: 1, y1: 0, y2: 0 }, stops)),
      el('rect', {
        class: 'colormap',
        x: left + PAD,
        y,
        width: BAR_W,
        height: 7,
        fill: 'url(#colormap)',
      }),
    );
    y += 9;
    const tick = (x: number, anchor: string, text: string) =>
      el(
        'text',
        { x, y: y + 9, 'text-anchor': anchor, 'font-size': 11, fill: '#a8b3cf' },
        esc(text),
      );
    parts.push(
      tick(left + PAD, 'start', formatTick(scale.min)),
      tick(left + PAD + BAR_W / 2, 'middle', formatTick(scale.invert(0.5))),
      tick(left + PAD + BAR_W, 'end', formatTick(scale.max)),
    );
    y += 13;
    parts.push(
      el(
        'text',
        { x: left + PAD, y: y + 9, 'font-size': 11, fill: '#a8b3cf' },
        scale.log ? 'loss (log)' : 'loss',
      ),
    );
    y += 17;
  }
  runs.forEach((run, k) => {
    const cy = y + k * ROW + ROW / 2 - 1;
    parts.push(
      run.dashed === undefined
        ? el('circle', { cx: left + PAD + 4, cy, r: 4, fill: run.color })
        : el('line', {
            x1: left + PAD,
            x2: left + PAD + 10,
            y1: cy,
            y2: cy,
            stroke: run.color,
            'stroke-width': 2,
            'stroke-dasharray': run.dashed ? '6 4' : undefined,
          }),
      el(
        'text',
        {
          x: left + PAD + 14,
          y: cy + 4,
          'font-size': 11,
          fill: run.diverged ? '#f87171' : '#e6eaf3',
        },
        esc(run.diverged ? `${run.label} — diverged` : run.label),
      ),
    );
  });
  return el('g', { id: 'legend' }, parts);
}

/**
 * Presentation notes as SVG: each a text box with an arrow to its point, as on screen and in
 * the raster exports (notes.ts).
 */
function notesSvg(notes: ExportNote[], place: (at: Point) => [number, number]): string {
  const p = pal();
  const parts = notes.map((note) => {
    const [ax, ay] = place(note.at);
    const bx = ax + note.offset[0];
    const by = ay + note.offset[1];
    const w = 1.1 * textWidth(note.text, 15) + 18;
    const dx = ax - bx;
    const dy = ay - by;
    const length = Math.hypot(dx, dy) || 1;
    const [ux, uy] = [dx / length, dy / length];
    const [tx, ty] = [ax - ux * 6, ay - uy * 6];
    return el('g', { class: 'note' }, [
      length > 8
        ? el('line', {
            x1: bx,
            y1: by,
            x2: tx - ux * 8,
            y2: ty - uy * 8,
            stroke: p.text,
            'stroke-width': 2.5,
          })
        : '',
      length > 8
        ? el('path', {
            d: `M${num(tx)} ${num(ty)}L${num(tx - ux * 10 - uy * 5)} ${num(ty - uy * 10 + ux * 5)}L${num(tx - ux * 10 + uy * 5)} ${num(ty - uy * 10 - ux * 5)}Z`,
            fill: p.text,
          })
        : '',
      el('circle', { cx: ax, cy: ay, r: 4, fill: p.accent, stroke: p.panel }),
      el('rect', {
        x: bx - w / 2,
        y: by - 14,
        width: w,
        height: 28,
        rx: 8,
        fill: p.panel,
        stroke: p.text,
        'stroke-width': 2,
      }),
      el(
        'text',
        { x: bx, y: by + 5, 'text-anchor': 'middle', 'font-size': 15, fill: p.text },
        esc(note.text),
      ),
    ]);
  });
  return el('g', { id: 'notes' }, parts);
}

/** The contour view as an SVG document, laid out as on screen. */
export function contourSvg(
  target: ViewTarget<ContourCanvas>,
  options: ContourSvgOptions = {},
): string {
  const view = target.view;
  const grid = view.gridData;
  const scale = view.valueScale;
  if (!grid || !scale) throw new Error('the contour view has no surface yet');
  const { width, height } = view.size;
  // The legend takes a column of its own right of the plot (on screen it is an upright bar).
  const legend = options.legend ?? true;
  const legendRunList = legendRuns(target.source.viewRuns);
  const legendSize = legend ? svgLegendSize(scale, legendRunList) : { width: 0, height: 0 };
  const plot = view.plotFor(width, height, {
    top: 0,
    right: legendSize.width > 0 ? legendSize.width + 8 : 0,
  });
  const { x, y, w, h } = plot;
  const [[x0, x1], [y0, y1]] = grid.domain;
  const n = grid.resolution;
  const sx = (px: number) => x + ((px - x0) / (x1 - x0)) * w;
  const sy = (py: number) => y + (1 - (py - y0) / (y1 - y0)) * h;
  const step = options.step ?? target.source.scrubStep;
  const body: string[] = [];

  if (!options.transparent) {
    body.push(el('rect', { class: 'background', width, height, fill: backgroundColor() }));
  }
  body.push(
    el('defs', {}, [
      el(
        'clipPath',
        { id: 'plot-clip' },
        el('rect', { x: x - 8, y: y - 8, width: w + 16, height: h + 16 }),
      ),
    ]),
    el(
      'g',
      { id: 'heatmap' },
      el('image', {
        x,
        y,
        width: w,
        height: h,
        preserveAspectRatio: 'none',
        href: heatmapTile(grid.values, n, scale).toDataURL('image/png'),
      }),
    ),
  );
  if (view.basinOverlay) {
    body.push(
      el(
        'g',
        { id: 'basins' },
        el('image', {
          x,
          y,
          width: w,
          height: h,
          preserveAspectRatio: 'none',
          style: 'image-rendering: pixelated',
          href: view.basinTile().toDataURL('image/png'),
        }),
      ),
    );
  }

  if (view.contoursShown) {
    const levels = contourLevels(scale, CONTOUR_LEVELS);
    const lines = marchingSquares(grid.values, n, levels);
    const seg = lines.segments;
    const ds = levels.map(() => [] as string[]);
    const gx = (i: number) => num(x + (i / (n - 1)) * w);
    const gy = (j: number) => num(y + h - (j / (n - 1)) * h);
    for (let k = 0, s = 0; k < seg.length; k += 4, s++) {
      ds[lines.level[s]].push(
        `M${gx(seg[k])} ${gy(seg[k + 1])}L${gx(seg[k + 2])} ${gy(seg[k + 3])}`,
      );
    }
    body.push(
      el(
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
      ),
    );
    // The same label placement as the canvas.
    const labels = levelLabels(lines, levels, n, plot, (text) => textWidth(text, 10));
    body.push(
      el(
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
      ),
    );
  }

  // Axes: the same ticks as the canvas.
  const axes: string[] = [
    el('rect', { x, y, width: w, height: h, fill: 'none', stroke: pal().axis }),
  ];
  for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(w / 70)))) {
    const px = sx(t);
    axes.push(
      el('line', { x1: px, x2: px, y1: y + h, y2: y + h + 4, stroke: pal().axis }),
      el('text', { x: px, y: y + h + 16, 'text-anchor': 'middle' }, esc(formatTick(t))),
    );
  }
  for (const t of niceTicks(y0, y1, Math.max(2, Math.floor(h / 50)))) {
    const py = sy(t);
    axes.push(
      el('line', { x1: x - 4, x2: x, y1: py, y2: py, stroke: pal().axis }),
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
  body.push(el('g', { id: 'axes', fill: pal().muted, 'font-size': 11 }, axes));

  // Critical points: minima as stars, saddles as crosses.
  const points: string[] = [];
  for (const [mx, my] of grid.info.minima) {
    const [px, py] = [sx(mx), sy(my)];
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
  for (const [qx, qy] of grid.info.saddles) {
    const [px, py] = [sx(qx), sy(qy)];
    const d = `M${num(px - 6)} ${num(py - 6)}L${num(px + 6)} ${num(py + 6)}M${num(px + 6)} ${num(py - 6)}L${num(px - 6)} ${num(py + 6)}`;
    points.push(
      el('g', { class: 'saddle', fill: 'none' }, [
        el('path', { d, stroke: '#ffffff', 'stroke-width': 5 }),
        el('path', { d, stroke: MARKER_COLORS.saddle, 'stroke-width': 2.5 }),
      ]),
    );
  }
  body.push(el('g', { id: 'critical-points', 'clip-path': 'url(#plot-clip)' }, points));

  // One group per run: its trajectory as one path, its start (hollow) and current point.
  const lineScale = view.overlayState?.lineScale ?? 1;
  const runs = target.source.viewRuns.map((run) => {
    const t = run.trajectory;
    const count = step === undefined ? t.count : Math.min(t.count, step + 1);
    const id = idPart(run.runId);
    if (count <= 0) return '';
    const d: string[] = [];
    let lastX = NaN;
    let lastY = NaN;
    for (let i = 0; i < count; i++) {
      const px = sx(t.x(i));
      const py = sy(t.y(i));
      // Vertices closer than a quarter pixel add bytes, not shape.
      if (i > 0 && i < count - 1 && Math.abs(px - lastX) < 0.25 && Math.abs(py - lastY) < 0.25)
        continue;
      d.push(`${i === 0 ? 'M' : 'L'}${num(px)} ${num(py)}`);
      lastX = px;
      lastY = py;
    }
    if (count === 1) d.push(`L${num(lastX)} ${num(lastY)}`);
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
          cx: sx(t.x(0)),
          cy: sy(t.y(0)),
          r: 4 * lineScale,
          fill: 'none',
          stroke: run.color,
          'stroke-width': 1.5 * lineScale,
        }),
        el('circle', {
          class: 'current',
          cx: sx(t.x(count - 1)),
          cy: sy(t.y(count - 1)),
          r: 5 * lineScale,
          fill: run.color,
          stroke: '#0f1320',
          'stroke-width': 1.5,
        }),
      ],
    );
  });
  body.push(el('g', { id: 'trajectories', 'clip-path': 'url(#plot-clip)' }, runs));

  const notes = (options.notes ?? []).filter(
    (n) => n.at[0] >= x0 && n.at[0] <= x1 && n.at[1] >= y0 && n.at[1] <= y1,
  );
  if (notes.length > 0) body.push(notesSvg(notes, (p) => [sx(p[0]), sy(p[1])]));

  if (legend) {
    body.push(svgLegend(scale, legendRunList, { x: width - 8, y: plot.y, corner: 'right' }));
  }
  return svgDocument(
    width,
    height,
    `LossLab contour view${step !== undefined ? ` at step ${step}` : ''}`,
    body,
  );
}

/** The curves (one chart or all of them side by side) as an SVG document, as on screen. */
export function curvesSvg(charts: ChartTarget[], options: CurvesSvgOptions = {}): string {
  const picked = pickCharts(charts, options.chart);
  const layout = curvesLayout(picked);
  const legendRows = (options.legend ?? true) ? 1 : 0;
  const width = layout.width;
  const height = layout.height + legendRows * 20;
  const body: string[] = [];
  if (!options.transparent) {
    body.push(el('rect', { class: 'background', width, height, fill: backgroundColor() }));
  }
  for (const box of layout.boxes) body.push(chartSvg(box.target, box.x, box.y));

  if (legendRows) {
    // The first chart's series name the runs (and, for η/σ, which line is x and which y).
    const datasets = picked[0].chart.chart.data.datasets;
    let lx = 8;
    const ly = layout.height + 4;
    const entries = datasets.map((d) => {
      const color = String(d.borderColor);
      const dashed = Array.isArray(d.borderDash) && d.borderDash.length > 0;
      const label = d.label ?? '';
      const entry = el('g', { class: 'legend-entry' }, [
        el('line', {
          x1: lx,
          x2: lx + 18,
          y1: ly + 6,
          y2: ly + 6,
          stroke: color,
          'stroke-width': 2,
          'stroke-dasharray': dashed ? '6 4' : undefined,
        }),
        el('text', { x: lx + 24, y: ly + 10, 'font-size': 11, fill: pal().text }, esc(label)),
      ]);
      lx += 24 + 1.1 * textWidth(label, 11) + 18;
      return entry;
    });
    body.push(el('g', { id: 'legend' }, entries));
  }
  const title = picked.length === 1 ? `LossLab curves: ${picked[0].title}` : 'LossLab curves';
  return svgDocument(width, height, title, body);
}

/** One chart at (left, top): grid, ticks, axis titles, markers, cursor and one path per series. */
function chartSvg(target: ChartTarget, left: number, top: number): string {
  const curve = target.chart;
  const chart = curve.chart;
  const area = chart.chartArea;
  const xs = chart.scales.x;
  const ys = chart.scales.y;
  const id = idPart(target.id);
  const parts: string[] = [
    el(
      'text',
      { class: 'chart-title', x: 0, y: -6, 'font-size': 12, fill: pal().muted },
      esc(target.title),
    ),
    el(
      'defs',
      {},
      el(
        'clipPath',
        { id: `clip-${id}` },
        el('rect', {
          x: area.left,
          y: area.top,
          width: area.right - area.left,
          height: area.bottom - area.top,
        }),
      ),
    ),
  ];
  const grid: string[] = [];
  const labels: string[] = [];
  for (const tick of xs.ticks) {
    const px = xs.getPixelForValue(tick.value);
    if (px < area.left - 0.5 || px > area.right + 0.5) continue;
    grid.push(el('line', { x1: px, x2: px, y1: area.top, y2: area.bottom }));
    labels.push(
      el(
        'text',
        { x: px, y: area.bottom + 16, 'text-anchor': 'middle' },
        esc(String(tick.label ?? '')),
      ),
    );
  }
  for (const tick of ys.ticks) {
    const py = ys.getPixelForValue(tick.value);
    if (py < area.top - 0.5 || py > area.bottom + 0.5) continue;
    grid.push(el('line', { x1: area.left, x2: area.right, y1: py, y2: py }));
    labels.push(
      el(
        'text',
        { x: area.left - 8, y: py + 4, 'text-anchor': 'end' },
        esc(String(tick.label ?? '')),
      ),
    );
  }
  parts.push(
    el('g', { class: 'grid', stroke: pal().grid, 'stroke-width': 1 }, grid),
    el('g', { class: 'ticks', 'font-size': 11, fill: pal().muted }, labels),
    el(
      'text',
      {
        class: 'axis-title',
        x: (area.left + area.right) / 2,
        y: chart.height - 4,
        'text-anchor': 'middle',
        'font-size': 12,
        fill: pal().muted,
      },
      esc(curve.xTitle),
    ),
    el(
      'text',
      {
        class: 'axis-title',
        transform: `translate(12 ${num((area.top + area.bottom) / 2)}) rotate(-90)`,
        'text-anchor': 'middle',
        'font-size': 12,
        fill: pal().muted,
      },
      esc(curve.axisTitle),
    ),
  );

  const series = chart.data.datasets.map((d) => {
    const seriesId = (d as { seriesId?: string }).seriesId ?? d.label ?? '';
    const path: string[] = [];
    let pen = false;
    for (const p of d.data) {
      if (!Number.isFinite(p.y)) {
        pen = false;
        continue;
      }
      const px = xs.getPixelForValue(p.x);
      const py = ys.getPixelForValue(p.y);
      path.push(`${pen ? 'L' : 'M'}${num(px)} ${num(py)}`);
      pen = true;
    }
    const dashed = Array.isArray(d.borderDash) && d.borderDash.length > 0;
    return el('path', {
      class: 'series',
      id: `series-${id}-${idPart(seriesId)}`,
      'data-label': d.label ?? '',
      d: path.join('') || 'M0 0',
      fill: 'none',
      stroke: String(d.borderColor),
      'stroke-width': 2,
      'stroke-linejoin': 'round',
      'stroke-dasharray': dashed ? '6 4' : undefined,
    });
  });
  const vertical = (step: number, color: string, cls: string, dash: string) => {
    const px = xs.getPixelForValue(step);
    if (px < area.left || px > area.right) return '';
    return el('line', {
      class: cls,
      x1: px,
      x2: px,
      y1: area.top,
      y2: area.bottom,
      stroke: color,
      'stroke-width': 1.5,
      'stroke-dasharray': dash,
    });
  };
  const marks = curve.markers.map((m) => vertical(m.step, m.color, 'change-marker', '4 3'));
  if (curve.cursor !== undefined) marks.push(vertical(curve.cursor, pal().cursor, 'cursor', '6 4'));
  parts.push(
    el('g', { class: 'series-group', 'clip-path': `url(#clip-${id})` }, [...series, ...marks]),
  );
  return el(
    'g',
    { class: 'chart', id: `chart-${id}`, transform: `translate(${num(left)} ${num(top)})` },
    parts,
  );
}
