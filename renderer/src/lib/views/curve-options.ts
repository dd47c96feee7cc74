/**
 * What every curve chart shares: the marker plugin (hyperparameter changes and the replay
 * cursor as dashed lines), a look (theme colours, presentation sizes) and the chart.js options.
 */
import type { ChartOptions, Plugin } from 'chart.js';
import { formatTick, thinLogTicks } from './scale';
import { CANVAS_FONT, PALETTES, type ViewPalette } from './look';

/** A dashed vertical line at a step (a hyperparameter change, an experiment's chosen value). */
export interface Marker {
  step: number;
  color: string;
  /** Written beside the line's top ("chosen: 16"). @default none */
  label?: string;
}

/** What the marker plugin draws, kept in the chart's plugin options. */
export type MarkerOptions = {
  markers: Marker[];
  cursor: number | undefined;
  cursorColor: string;
  /** Presentation mode's type size, for the markers' labels. @default 1 */
  fontScale?: number;
};

/** Draws the markers and the replay cursor as dashed lines over the plot. */
export const markerPlugin: Plugin<'line'> = {
  id: 'losslabMarkers',
  afterDatasetsDraw(chart) {
    const options = (chart.options.plugins as { losslabMarkers?: MarkerOptions }).losslabMarkers;
    const markers = options?.markers ?? [];
    const cursor = options?.cursor;
    if (!markers.length && cursor === undefined) return;
    const { ctx, chartArea, scales } = chart;
    const line = (x: number) => {
      if (x < chartArea.left || x > chartArea.right) return;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
    };
    ctx.save();
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5;
    for (const m of markers) {
      ctx.strokeStyle = m.color;
      const x = scales.x.getPixelForValue(m.step);
      line(x);
      if (m.label && x >= chartArea.left && x <= chartArea.right) {
        // Right of the line, or left of it when the line is in the plot's right third.
        const left = x > chartArea.left + (2 / 3) * (chartArea.right - chartArea.left);
        ctx.fillStyle = m.color;
        ctx.font = `${Math.round(11 * (options?.fontScale ?? 1))}px ${CANVAS_FONT}`;
        ctx.textBaseline = 'top';
        ctx.textAlign = left ? 'right' : 'left';
        ctx.fillText(m.label, x + (left ? -4 : 4), chartArea.top + 3);
      }
    }
    if (cursor !== undefined) {
      ctx.setLineDash([6, 4]);
      ctx.strokeStyle = options?.cursorColor ?? PALETTES.dark.cursor;
      line(scales.x.getPixelForValue(cursor));
    }
    ctx.restore();
  },
};

/** How a chart looks: the theme's colours, and presentation mode's larger type and lines. */
export interface ChartLook {
  palette: ViewPalette;
  fontScale: number;
  lineScale: number;
}

/** The scale and element options a look sets (applied on creation and on a theme change). */
export function applyLook(options: ChartOptions<'line'>, look: ChartLook): void {
  const { palette, fontScale, lineScale } = look;
  const font = { size: Math.round(12 * fontScale) };
  for (const axis of [options.scales?.x, options.scales?.y]) {
    if (!axis) continue;
    const a = axis as {
      title: { color: string; font: object };
      ticks: { color: string; font: object };
      grid: { color: string };
      border?: { color: string };
    };
    a.title.color = palette.muted;
    a.title.font = font;
    a.ticks.color = palette.muted;
    a.ticks.font = font;
    a.grid.color = palette.grid;
    a.border = { color: palette.axis };
  }
  options.elements!.line!.borderWidth = 2 * lineScale;
  const markers = (options.plugins as { losslabMarkers: MarkerOptions }).losslabMarkers;
  markers.cursorColor = palette.cursor;
  markers.fontScale = fontScale;
}

/** The options every curve chart shares; `onHover` only for the live one. */
export function chartOptions(
  yTitle: string,
  xTitle: string,
  look: ChartLook,
  onHover?: (step: number | undefined) => void,
): ChartOptions<'line'> {
  const options: ChartOptions<'line'> = {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    spanGaps: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    elements: { point: { radius: 0, hoverRadius: 3 }, line: { borderWidth: 2 } },
    scales: {
      x: {
        type: 'linear',
        // Steps start at 0, and a chart with one step so far spans 0…10, not chart.js's −1…1.
        ...(xTitle === 'step' ? { min: 0, suggestedMax: 10 } : {}),
        title: { display: true, text: xTitle, color: '#a8b3cf' },
        ticks: { color: '#a8b3cf', maxTicksLimit: 6 },
        grid: { color: '#2a3147' },
      },
      y: {
        type: 'linear',
        title: { display: true, text: yTitle, color: '#a8b3cf' },
        ticks: {
          color: '#a8b3cf',
          maxTicksLimit: 5,
          callback: (value) => formatTick(Number(value)),
        },
        // chart.js's log ticks ignore maxTicksLimit and crowd a narrow range.
        afterBuildTicks: (axis) => {
          if (axis.type !== 'logarithmic') return;
          const values = axis.ticks.map((t) => t.value);
          axis.ticks = thinLogTicks(values, axis.min, axis.max).map((value) => ({ value }));
        },
        grid: { color: '#2a3147' },
      },
    },
    plugins: {
      legend: { display: false },
      // Series arrive already min–max downsampled (downsample.ts), a few hundred points each.
      decimation: { enabled: false },
      tooltip: { enabled: onHover !== undefined },
      ...({
        losslabMarkers: {
          markers: [],
          cursor: undefined,
          cursorColor: look.palette.cursor,
        } satisfies MarkerOptions,
      } as object),
    },
    onHover: onHover
      ? (event, _elements, chart) => {
          const x = event.x;
          if (x === null || x < chart.chartArea.left || x > chart.chartArea.right) {
            onHover(undefined);
            return;
          }
          onHover(Math.max(0, Math.round(chart.scales.x.getValueForPixel(x) ?? 0)));
        }
      : undefined,
  };
  applyLook(options, look);
  return options;
}
