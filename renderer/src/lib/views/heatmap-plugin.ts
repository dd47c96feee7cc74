/**
 * A heatmap inside a chart's axes (chart.js plugin): a grid of values stretched over the chart
 * area before the datasets are drawn — the contour view's picture, level lines and their
 * labels included — so trajectories and points drawn as datasets lie over it; and a vertical
 * colour bar with its ticks and title right of the area, in room the chart keeps free. The
 * experiments lab's 2-D landscapes and loss surfaces are drawn with it, on screen and in the
 * PNG exports; the SVG export lays its colour bar out with the same numbers.
 *
 * The layer reaches the plugin through a closure, not the chart's options: chart.js resolves
 * options through proxies that call every function they hold (the colour scale is one).
 */
import type { Chart, Plugin } from 'chart.js';
import { paintHeatmap } from './contour-base';
import { CANVAS_FONT } from './look';
import { viridis } from './palette';
import { formatTick, type ValueScale } from './scale';
import { t } from '../i18n';

/** What the plugin draws: values[j · n + i] at (x_i, y_j), j = 0 the lowest y. */
export interface HeatmapLayer {
  values: Float32Array;
  n: number;
  scale: ValueScale;
  /** The colour bar's title. */
  label: string;
}

export interface HeatmapOptions {
  layer?: HeatmapLayer;
  /** Presentation mode's type size. */
  fontScale?: number;
  /** The ticks' and title's colour. */
  textColor?: string;
}

/** The colour bar's place right of the chart area, in CSS pixels at type size 1. */
export const COLOR_BAR = {
  /** From the chart area's right edge to the bar. */
  gap: 10,
  width: 10,
  /** Room kept right of the chart area: gap, bar, tick labels and the title. */
  room: 78,
};

/** The bar's rectangle beside a chart area. */
export function colorBarBox(
  area: { top: number; right: number; bottom: number },
  fontScale = 1,
): { x: number; y: number; w: number; h: number } {
  return {
    x: area.right + COLOR_BAR.gap * fontScale,
    y: area.top,
    w: COLOR_BAR.width * fontScale,
    h: area.bottom - area.top,
  };
}

/** The bar's ticks: five values evenly spaced in colour (t), the lowest at t = 0. */
export function colorBarTicks(scale: ValueScale): { t: number; label: string }[] {
  return [0, 0.25, 0.5, 0.75, 1].map((t) => ({ t, label: formatTick(scale.invert(t)) }));
}

/** The bar's title: the values' name, saying when the colours are logarithmic. */
export const colorBarTitle = (layer: HeatmapLayer) =>
  layer.scale.log ? t('{label} (log colours)', { label: layer.label }) : layer.label;

/** The plugin for a chart whose heatmap `current` gives (none: nothing drawn). */
export function heatmapPlugin(current: () => HeatmapOptions | undefined): Plugin<'line'> {
  return {
    id: 'losslabHeatmap',
    beforeDatasetsDraw: (chart) => paintLayer(chart, current()),
    afterDraw: (chart) => paintColorBar(chart, current()),
  };
}

function paintLayer(chart: Chart, o: HeatmapOptions | undefined): void {
  const layer = o?.layer;
  if (!layer) return;
  const { ctx, chartArea: a } = chart;
  ctx.save();
  ctx.beginPath();
  ctx.rect(a.left, a.top, a.right - a.left, a.bottom - a.top);
  ctx.clip();
  paintHeatmap(
    ctx,
    { x: a.left, y: a.top, w: a.right - a.left, h: a.bottom - a.top },
    layer.values,
    layer.n,
    layer.scale,
    { contours: true },
  );
  ctx.restore();
}

function paintColorBar(chart: Chart, o: HeatmapOptions | undefined): void {
  const layer = o?.layer;
  if (!layer) return;
  const fontScale = o.fontScale ?? 1;
  const { ctx } = chart;
  const bar = colorBarBox(chart.chartArea, fontScale);
  const gradient = ctx.createLinearGradient(0, bar.y + bar.h, 0, bar.y);
  const rgb = [0, 0, 0];
  for (let k = 0; k <= 10; k++) {
    viridis(k / 10, rgb);
    gradient.addColorStop(
      k / 10,
      `rgb(${Math.round(rgb[0] * 255)}, ${Math.round(rgb[1] * 255)}, ${Math.round(rgb[2] * 255)})`,
    );
  }
  ctx.save();
  ctx.fillStyle = gradient;
  ctx.fillRect(bar.x, bar.y, bar.w, bar.h);
  const color = o.textColor ?? '#a8b3cf';
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.font = `${Math.round(10 * fontScale)}px ${CANVAS_FONT}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const tick of colorBarTicks(layer.scale)) {
    const y = bar.y + bar.h * (1 - tick.t);
    ctx.beginPath();
    ctx.moveTo(bar.x + bar.w, y);
    ctx.lineTo(bar.x + bar.w + 3, y);
    ctx.stroke();
    ctx.fillText(tick.label, bar.x + bar.w + 5, y);
  }
  // The title upright along the chart's right edge.
  ctx.translate(chart.width - 4 * fontScale, bar.y + bar.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.font = `${Math.round(11 * fontScale)}px ${CANVAS_FONT}`;
  ctx.fillText(colorBarTitle(layer), 0, 0);
  ctx.restore();
}
