/**
 * SVG of the contour view and of the curves: real vector paths (level lines, one path per
 * trajectory and per curve, markers, axes with ticks and labels, a legend) laid out as the view
 * is on screen, so they scale in a slide or a paper. The contour view's heatmap is the one
 * raster part, embedded as a PNG image. This module gathers what the views show; the markup is
 * built by contour-svg.ts and svg-markup.ts.
 */
import type { ContourCanvas } from '../views/contour-canvas';
import { heatmapTile } from '../views/heatmap';
import { viewTheme } from '../views/theme.svelte';
import {
  colorBarBox,
  colorBarTicks,
  colorBarTitle,
  type HeatmapOptions,
} from '../views/heatmap-plugin';
import { contourSvgDocument, levelLinesSvg, plotImage } from './contour-svg';
import { legendRuns, viridisColor, type ExportNote } from './overlay-content';
import { curvesLayout, pickCharts } from './png';
import { svgLegendSize } from './svg-legend';
import {
  backgroundRect,
  el,
  ellipsize,
  esc,
  idPart,
  num,
  SVG_FONT,
  svgDocument,
} from './svg-markup';
import type { ChartTarget, ViewTarget } from '../views/targets.svelte';
import { backgroundColor } from './tasks';
import { t } from '../i18n';

/** The theme's colours for text, axes and grid outside the legend box. */
const pal = () => viewTheme.palette;

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
  measurer.font = `${size}px ${SVG_FONT}`;
  return measurer.measureText(text).width;
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
  const legendSize = legend
    ? svgLegendSize(scale, legendRunList, textWidth)
    : { width: 0, height: 0 };
  const plot = view.plotFor(width, height, {
    top: 0,
    right: legendSize.width > 0 ? legendSize.width + 8 : 0,
  });
  return contourSvgDocument({
    width,
    height,
    plot,
    grid,
    scale,
    heatmapHref: heatmapTile(grid.values, grid.resolution, scale).toDataURL('image/png'),
    basinHref: view.basinOverlay ? view.basinTile().toDataURL('image/png') : undefined,
    contours: view.contoursShown,
    runs: target.source.viewRuns,
    step: options.step ?? target.source.scrubStep,
    lineScale: view.overlayState?.lineScale ?? 1,
    notes: options.notes ?? [],
    legend: legend ? legendRunList : undefined,
    background: options.transparent ? undefined : backgroundColor(),
    palette: pal(),
    textWidth,
    ...(view.overlayState?.critical ? { critical: view.overlayState.critical } : {}),
  });
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
    body.push(backgroundRect(width, height, backgroundColor()));
  }
  for (const box of layout.boxes) body.push(chartSvg(box.target, box.x, box.y));

  if (legendRows) {
    // The first chart's series name the runs (and, for η/σ, which line is x and which y).
    const datasets = picked[0].chart.chart.data.datasets;
    let lx = 8;
    const ly = layout.height + 4;
    // Unnamed datasets (error bars) belong to a named one.
    const entries = datasets
      .filter((d) => d.label !== '')
      .map((d) => {
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
  const title =
    picked.length === 1
      ? t('LossLab curves: {title}', { title: picked[0].title })
      : t('LossLab curves');
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
      esc(ellipsize(target.title, chart.width - 8, (t) => textWidth(t, 12))),
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
  const heat = curve.heatmap;
  parts.push(
    el('g', { class: 'grid', stroke: pal().grid, 'stroke-width': 1 }, grid),
    heat?.layer ? heatmapSvg(heat, area, chart.width, id) : '',
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

  // In chart.js's painting order (what is painted last lies on top): a higher `order` first,
  // then of one order the last dataset first.
  const painted = chart.data.datasets
    .map((d, index) => ({ d, index, order: (d as { order?: number }).order ?? 0 }))
    .sort((a, b) => b.order - a.order || b.index - a.index)
    .map(({ d }) => d);
  const series = painted.map((d) => {
    const seriesId = (d as { seriesId?: string }).seriesId ?? d.label ?? '';
    // A scatter (points without a line): a circle per point, a ring when its fill is clear.
    if (d.showLine === false) {
      const r = typeof d.pointRadius === 'number' ? d.pointRadius : 3;
      const fill = String(d.backgroundColor ?? d.borderColor);
      const hollow =
        /^rgba\([^)]*,\s*0\)$/.test(fill.replace(/\s+/g, ' ')) || fill === 'transparent';
      const dots = d.data.flatMap((p) =>
        Number.isFinite(p.x) && Number.isFinite(p.y)
          ? [el('circle', { cx: xs.getPixelForValue(p.x), cy: ys.getPixelForValue(p.y), r })]
          : [],
      );
      return el(
        'g',
        {
          class: 'points',
          id: `series-${id}-${idPart(seriesId)}`,
          'data-label': d.label ?? '',
          fill: hollow ? 'none' : fill,
          stroke: String(d.borderColor),
          'stroke-width': 1.5,
        },
        dots,
      );
    }
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
      'stroke-width': typeof d.borderWidth === 'number' ? d.borderWidth : 2,
      'stroke-linejoin': 'round',
      'stroke-dasharray': dashed ? '6 4' : undefined,
    });
  });
  const vertical = (step: number, color: string, cls: string, dash: string, label?: string) => {
    const px = xs.getPixelForValue(step);
    if (px < area.left || px > area.right) return '';
    const line = el('line', {
      class: cls,
      x1: px,
      x2: px,
      y1: area.top,
      y2: area.bottom,
      stroke: color,
      'stroke-width': 1.5,
      'stroke-dasharray': dash,
    });
    if (!label) return line;
    // As on screen: right of the line, or left of it in the plot's right third.
    const left = px > area.left + (2 / 3) * (area.right - area.left);
    return (
      line +
      el(
        'text',
        {
          class: `${cls}-label`,
          x: px + (left ? -4 : 4),
          y: area.top + 13,
          'text-anchor': left ? 'end' : 'start',
          'font-size': 11,
          fill: color,
        },
        esc(label),
      )
    );
  };
  const marks = curve.markers.map((m) =>
    vertical(m.step, m.color, 'change-marker', '4 3', m.label),
  );
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

/**
 * A heatmap chart's grid as the canvas draws it: the heatmap (the one raster part, a PNG) over
 * the chart area, its level lines and their labels, and the colour bar right of the area with
 * its ticks and title, in the plugin's layout.
 */
function heatmapSvg(
  options: HeatmapOptions,
  area: { left: number; top: number; right: number; bottom: number },
  chartWidth: number,
  id: string,
): string {
  const layer = options.layer!;
  const fontScale = options.fontScale ?? 1;
  const color = options.textColor ?? pal().muted;
  const plot = { x: area.left, y: area.top, w: area.right - area.left, h: area.bottom - area.top };
  const [lines, levelLabels] = levelLinesSvg(
    { plot, scale: layer.scale, textWidth, grid: { values: layer.values, resolution: layer.n } },
    `${id}-`,
  );
  const bar = colorBarBox(area, fontScale);
  const gradient = `colorbar-${id}`;
  const stops = Array.from({ length: 11 }, (_, k) =>
    el('stop', { offset: `${k * 10}%`, 'stop-color': viridisColor(k / 10) }),
  );
  const ticks = colorBarTicks(layer.scale).map((tick) => {
    const y = bar.y + bar.h * (1 - tick.t);
    return (
      el('line', { x1: bar.x + bar.w, x2: bar.x + bar.w + 3, y1: y, y2: y, stroke: color }) +
      el('text', { x: bar.x + bar.w + 5, y: y + 3.5 * fontScale }, esc(tick.label))
    );
  });
  const titleX = chartWidth - 4 * fontScale;
  const titleY = bar.y + bar.h / 2;
  return el('g', { class: 'heatmap', id: `heatmap-${id}` }, [
    el('g', { 'clip-path': `url(#clip-${id})` }, [
      plotImage(
        `heatmap-image-${id}`,
        plot,
        heatmapTile(layer.values, layer.n, layer.scale).toDataURL('image/png'),
      ),
      lines,
      levelLabels,
    ]),
    el('defs', {}, el('linearGradient', { id: gradient, x1: 0, x2: 0, y1: 1, y2: 0 }, stops)),
    el('rect', {
      class: 'colorbar',
      x: bar.x,
      y: bar.y,
      width: bar.w,
      height: bar.h,
      fill: `url(#${gradient})`,
    }),
    el('g', { class: 'colorbar-ticks', 'font-size': 10 * fontScale, fill: color }, ticks),
    el(
      'text',
      {
        class: 'colorbar-title',
        transform: `translate(${num(titleX)} ${num(titleY)}) rotate(-90)`,
        'text-anchor': 'middle',
        'font-size': 11 * fontScale,
        fill: color,
      },
      esc(colorBarTitle(layer)),
    ),
  ]);
}
