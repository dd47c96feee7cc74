/**
 * One of an experiment's figures as a chart: a CurveChart (same look, PNG and SVG export through
 * the chart registry) drawing the engine's Figure as it is — every point (an experiment has a
 * few hundred at most, no downsampling), lines or points, dashed series, error bars as short
 * vertical segments with caps, log axes, integer or named ticks, and the figure's vertical
 * marks with their labels. A heatmap figure draws its grid inside the axes (level lines, a
 * colour bar right of the plot) with its series over it; its log switch is the colours'.
 */
import type { ChartDataset, Plugin } from 'chart.js';
import type { Figure } from '../../../../../electron/common/protocol';
import { CurveChart, drawOffscreen } from '../../views/curve-chart';
import {
  chartOptions,
  markerPlugin,
  type ChartLook,
  type MarkerOptions,
} from '../../views/curve-options';
import { COLOR_BAR, heatmapPlugin, type HeatmapOptions } from '../../views/heatmap-plugin';
import { formatTick, thinLogTicks } from '../../views/scale';
import {
  dataTicks,
  distinctLabels,
  figureDatasets,
  heatmapLayer,
  integerTick,
  namedAxis,
  type FigureDataset,
  type NamedAxis,
} from './figure-data';

type Point = { x: number; y: number };

/** The dataset properties a figure is drawn with (also what an export copies). */
const KEYS = [
  'label',
  'borderColor',
  'backgroundColor',
  'borderDash',
  'borderWidth',
  'showLine',
  'pointRadius',
  'pointBorderWidth',
  'pointStyle',
  'spanGaps',
  'order',
] as const;

type AxisOptions = {
  type: string;
  min?: number;
  max?: number;
  suggestedMax?: number;
  offset?: boolean;
  grace?: string;
  ticks: {
    callback?: (value: number | string, index?: number) => string;
    precision?: number;
    maxTicksLimit?: number;
    autoSkip?: boolean;
    maxRotation?: number;
    includeBounds?: boolean;
  };
  title: { text: string };
  afterBuildTicks?: (axis: { ticks: { value: number }[]; min: number; max: number }) => void;
};

export class FigureChart extends CurveChart {
  private figure: Figure;
  private yLog: boolean;
  private readonly named: NamedAxis | undefined;
  /** The heatmap the live chart draws (set by configure), and the plugin drawing it. */
  private readonly heat: { options?: HeatmapOptions };
  private readonly plugin: Plugin<'line'>;

  /** Axis titles are fixed when made: a figure with other titles gets a chart of its own. */
  constructor(canvas: HTMLCanvasElement, figure: Figure) {
    const named = namedAxis(figure.x.label, figure.x.ticks);
    const heat: { options?: HeatmapOptions } = {};
    const plugin = heatmapPlugin(() => heat.options);
    super(canvas, figure.y.label, () => undefined, named?.title ?? figure.x.label, [plugin]);
    this.heat = heat;
    this.plugin = plugin;
    this.named = named;
    this.figure = figure;
    this.yLog = FigureChart.logOf(figure);
    this.chart.options.spanGaps = false;
    this.chart.options.interaction = { mode: 'nearest', intersect: true };
    this.chart.options.plugins!.tooltip = {
      enabled: true,
      filter: (item) => item.dataset.label !== '',
      callbacks: {
        label: (item) => `${item.dataset.label}: ${formatTick(item.parsed.y ?? NaN)}`,
      },
    };
    this.draw();
  }

  /** Points drawn now, over every named series (what the page says it draws). */
  get pointCount(): number {
    return this.chart.data.datasets
      .filter((d) => d.label !== '')
      .reduce((n, d) => n + d.data.filter((p) => Number.isFinite((p as Point).y)).length, 0);
  }

  /** The heatmap drawn inside the axes, if the figure is one (for the SVG export). */
  override get heatmap(): HeatmapOptions | undefined {
    return this.heat.options;
  }

  /** Whether a figure starts on a log scale: its y axis's, or a heatmap's colours'. */
  static logOf(figure: Figure): boolean {
    return (figure.kind === 'heatmap' ? figure.grid?.log : figure.y.log) ?? false;
  }

  /** Shows a figure (a longer partial one, or another with the same axes). */
  show(figure: Figure): void {
    this.figure = figure;
    this.draw();
  }

  /** Colours of the theme, and presentation mode's sizes (lines and points too). */
  override setLook(look: ChartLook): void {
    super.setLook(look);
    this.draw();
  }

  /** Whether the y axis (a heatmap's colours) is logarithmic. */
  override get logScale(): boolean {
    return this.yLog;
  }

  override setLogScale(log: boolean): void {
    if (log === this.yLog) return;
    this.yLog = log;
    this.draw();
  }

  /** Axis types, ticks and bounds on a chart's options (the live chart's and an export's). */
  private configure(options: ReturnType<typeof chartOptions>): void {
    const f = this.figure;
    const x = options.scales!.x as unknown as AxisOptions;
    const y = options.scales!.y as unknown as AxisOptions;
    const xLog = f.x.log ?? false;
    x.type = xLog ? 'logarithmic' : 'linear';
    delete x.min;
    delete x.max;
    delete x.suggestedMax;
    x.ticks.maxRotation = 0;
    const named = this.named;
    const grid = f.kind === 'heatmap' ? f.grid : undefined;
    const fontScale = this.currentLook.fontScale;
    this.heat.options = grid
      ? {
          layer: heatmapLayer(grid, this.yLog),
          fontScale,
          textColor: this.currentLook.palette.muted,
        }
      : undefined;
    options.layout = { padding: { right: grid ? COLOR_BAR.room * fontScale : 0 } };
    if (grid) {
      // The grid fills the plot: the axes span its first to its last value, nothing more.
      for (const [axis, values] of [
        [x, grid.x],
        [y, grid.y],
      ] as const) {
        axis.type = 'linear';
        axis.min = values[0];
        axis.max = values[values.length - 1];
        delete axis.grace;
        axis.ticks.callback = (value) => formatTick(Number(value));
        // Round ticks only: the grid's ends are not numbers to print beside them.
        axis.ticks.includeBounds = false;
        axis.afterBuildTicks = () => undefined;
      }
      (options.plugins as { losslabMarkers: MarkerOptions }).losslabMarkers.markers = [];
      return;
    }
    if (named) {
      // Named positions: one tick each, the points clear of the plot's edges.
      const positions = [...named.names.keys()].sort((a, b) => a - b);
      x.min = positions[0] - 0.5;
      x.max = positions[positions.length - 1] + 0.5;
      x.ticks.autoSkip = false;
      x.afterBuildTicks = (axis) => {
        axis.ticks = positions.map((value) => ({ value }));
      };
      x.ticks.callback = (value) => named.names.get(Number(value)) ?? '';
    } else if (f.x.ticks === 'integer') {
      x.ticks.precision = 0;
      x.ticks.callback = (value) => integerTick(Number(value));
      const ticks = xLog ? dataTicks(f) : undefined;
      x.afterBuildTicks = (axis) => {
        if (ticks) axis.ticks = ticks.map((value) => ({ value }));
      };
      if (ticks) x.ticks.autoSkip = false;
    } else {
      x.ticks.callback = (value) => formatTick(Number(value));
      x.afterBuildTicks = (axis) => {
        if (!xLog) return;
        const values = axis.ticks.map((t) => t.value);
        axis.ticks = thinLogTicks(values, axis.min, axis.max).map((value) => ({ value }));
      };
    }
    y.type = this.yLog ? 'logarithmic' : 'linear';
    // Labels with as many digits as it takes to tell the ticks apart (a sharpness that moves in
    // its fourth digit would otherwise read 0.5, 0.5, 0.5).
    let labels: string[] = [];
    y.afterBuildTicks = (axis) => {
      labels = distinctLabels(axis.ticks.map((t) => t.value));
    };
    y.ticks.callback = (value, index) => labels[index ?? -1] ?? formatTick(Number(value));
    // A little room above the highest point: a plateau is not the frame.
    if (this.yLog) delete y.grace;
    else y.grace = '5%';
    const color = this.currentLook.palette.text;
    (options.plugins as { losslabMarkers: MarkerOptions }).losslabMarkers.markers = (
      f.marks ?? []
    ).map((m) => ({ step: m.x, color, label: m.label }));
  }

  private datasets(): FigureDataset[] {
    return figureDatasets(this.figure, {
      xLog: this.figure.x.log ?? false,
      yLog: this.yLog,
      lineScale: this.currentLook.lineScale,
    });
  }

  private draw(): void {
    this.configure(this.chart.options as ReturnType<typeof chartOptions>);
    this.chart.data.datasets = this.datasets() as unknown as ChartDataset<'line', Point[]>[];
    this.chart.update('none');
  }

  /** As the base's: the chart drawn again offscreen, as on screen. */
  override renderImage(
    pixelScale: number,
    size: { width: number; height: number } = {
      width: this.chart.width,
      height: this.chart.height,
    },
  ): HTMLCanvasElement {
    const options = chartOptions(this.yTitle, this.xTitle, this.currentLook);
    this.configure(options);
    options.responsive = false;
    options.devicePixelRatio = pixelScale;
    options.events = [];
    options.spanGaps = false;
    const datasets = this.chart.data.datasets.map((d) => {
      const copy: Record<string, unknown> = { data: d.data.slice() };
      for (const key of KEYS) {
        const value = (d as unknown as Record<string, unknown>)[key];
        if (value !== undefined) copy[key] = value;
      }
      return copy as unknown as ChartDataset<'line', Point[]>;
    });
    return drawOffscreen(size, datasets, options, [markerPlugin, this.plugin]);
  }
}
