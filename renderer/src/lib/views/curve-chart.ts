/**
 * A live curve chart (chart.js): no animation, no parsing; each series is min–max downsampled
 * incrementally (only new steps are read), so a chart draws a few hundred points per run
 * however long it has run. Hyperparameter changes show as dashed markers; replay shows its step
 * as a dashed cursor; hovering reports the step under the pointer. Exports draw the chart again
 * offscreen at any scale ({@link CurveChart.renderImage}).
 */
import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Plugin,
} from 'chart.js';
import { MinMaxSeries } from './downsample';
import type { HeatmapOptions } from './heatmap-plugin';
import { formatTick, logOffset } from './scale';
import { CANVAS_FONT } from './look';
import { chartLook } from './theme.svelte';
import {
  applyLook,
  chartOptions,
  markerPlugin,
  type ChartLook,
  type Marker,
  type MarkerOptions,
} from './curve-options';
import { t } from '../i18n';

export type { ChartLook, Marker } from './curve-options';

/**
 * A chart of `datasets` with `options` drawn once on an offscreen canvas of `size`
 * (synchronously: the options must turn animation off), and copied out: destroy() clears the
 * working canvas. How every chart of the app draws itself again for an export.
 */
export function drawOffscreen(
  size: { width: number; height: number },
  datasets: readonly object[],
  options: ReturnType<typeof chartOptions>,
  plugins: Plugin<'line'>[] = [],
): HTMLCanvasElement {
  const work = document.createElement('canvas');
  work.width = size.width;
  work.height = size.height;
  const chart = new Chart(work, {
    type: 'line',
    data: { datasets: datasets as ChartDataset<'line'>[] },
    plugins,
    options,
  });
  const out = document.createElement('canvas');
  out.width = work.width;
  out.height = work.height;
  out.getContext('2d')!.drawImage(work, 0, 0);
  chart.destroy();
  return out;
}

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
);
Chart.defaults.font.family = CANVAS_FONT;

/** Something that grows point by point; a new generation means it was rewritten. */
export interface SeriesSource {
  readonly count: number;
  readonly generation: number;
}

/** One line of a chart: `count` values of a source, read through `value`. */
export interface Series {
  id: string;
  label: string;
  color: string;
  dashed?: boolean;
  source: SeriesSource;
  /** The value at index i (NaN: none). */
  value: (i: number) => number;
  /** x of index i. @default i (the step) */
  x?: (i: number) => number;
  /**
   * A diverged run's series: the y axis is scaled to the others, and this one leaves the chart
   * at its top (as TensorBoard's "ignore outliers"). @default false
   */
  outlier?: boolean;
}

/** One series as a table row: see {@link CurveChart.summary}. */
export interface SeriesSummary {
  id: string;
  label: string;
  color: string;
  /** The last step (the series has steps + 1 values). */
  steps: number;
  /** The value at the last step (NaN: none). */
  last: number;
  /** Least and greatest finite value (NaN: none). */
  min: number;
  max: number;
}

type Point = { x: number; y: number };
/** A series' chart.js dataset, with the downsampled copy of its values it is drawn from. */
type Dataset = ChartDataset<'line', Point[]> & {
  seriesId: string;
  written: number;
  generation: number;
  samples: MinMaxSeries;
};

export class CurveChart {
  readonly chart: Chart<'line', Point[]>;
  private cursorFrame = 0;
  private look: ChartLook = chartLook();
  /**
   * On a log axis, plot L − L₀ when some value is ≤ 0 (see {@link logOffset}) instead of leaving
   * those curves out; the axis title says so. For losses, which may be negative. @default false
   */
  shiftNonPositive = false;
  private offset: number | undefined;
  /** The series last drawn (their x mappings and which are outliers). */
  private series: Series[] = [];

  constructor(
    canvas: HTMLCanvasElement,
    public yTitle: string,
    onHover: (step: number | undefined) => void,
    public xTitle = t('step'),
    /** Plugins drawing more than lines (a heatmap under them), beside the markers'. */
    plugins: Plugin<'line'>[] = [],
  ) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [markerPlugin, ...plugins],
      options: chartOptions(yTitle, xTitle, chartLook(), onHover),
    });
    canvas.addEventListener('pointerleave', () => onHover(undefined));
    // Ticks drawn before the bundled font arrived used a fallback: draw them again once it has.
    void document.fonts?.ready.then(() => this.chart.ctx && this.chart.draw());
  }

  private get markerOptions(): MarkerOptions {
    return (this.chart.options.plugins as { losslabMarkers: MarkerOptions }).losslabMarkers;
  }

  /**
   * Replay: a dashed vertical cursor at `step`, or none when undefined. Redraws at most once
   * per animation frame, without re-reading the data.
   */
  setCursor(step: number | undefined): void {
    if (this.markerOptions.cursor === step) return;
    this.markerOptions.cursor = step;
    if (this.cursorFrame) return;
    this.cursorFrame = requestAnimationFrame(() => {
      this.cursorFrame = 0;
      this.chart.draw();
    });
  }

  /** The hyperparameter-change markers on show. */
  get markers(): Marker[] {
    return this.markerOptions.markers;
  }

  /** The replay cursor's step, if any. */
  get cursor(): number | undefined {
    return this.markerOptions.cursor;
  }

  /** A heatmap drawn inside the axes (a subclass's), for the SVG export. */
  get heatmap(): HeatmapOptions | undefined {
    return undefined;
  }

  /** Whether the y axis is logarithmic. */
  get logScale(): boolean {
    return this.chart.options.scales?.y?.type === 'logarithmic';
  }

  /**
   * Draws the chart again offscreen, as it is on screen (same CSS size, data, markers and
   * cursor) at `pixelScale` device pixels per CSS pixel, so text and lines stay sharp at 2× or
   * 4×. A temporary chart.js instance does the drawing; the live chart is not touched. Returns a
   * canvas of round(width × pixelScale) × round(height × pixelScale), transparent background.
   */
  renderImage(
    pixelScale: number,
    size: { width: number; height: number } = {
      width: this.chart.width,
      height: this.chart.height,
    },
  ): HTMLCanvasElement {
    const options = chartOptions(this.yTitle, this.xTitle, this.look);
    options.responsive = false;
    options.devicePixelRatio = pixelScale;
    options.events = [];
    if (this.logScale && options.scales?.y) options.scales.y.type = 'logarithmic';
    const live = this.chart.options.scales!.y! as { max?: number; title: { text: string } };
    const copy = options.scales!.y! as { max?: number; title: { text: string } };
    copy.max = live.max;
    copy.title.text = live.title.text;
    (options.plugins as { losslabMarkers: MarkerOptions }).losslabMarkers = {
      markers: this.markerOptions.markers,
      cursor: this.markerOptions.cursor,
      cursorColor: this.look.palette.cursor,
    };
    const datasets = (this.chart.data.datasets as Dataset[]).map((d) => ({
      label: d.label,
      data: d.data.slice(),
      borderColor: d.borderColor,
      backgroundColor: d.backgroundColor,
      borderDash: d.borderDash,
    }));
    return drawOffscreen(size, datasets, options, [markerPlugin]);
  }

  /** Colours of the theme, and presentation mode's sizes. */
  setLook(look: ChartLook): void {
    this.look = look;
    applyLook(this.chart.options, look);
    this.chart.update('none');
  }

  /** The look the chart is drawn with. */
  get currentLook(): ChartLook {
    return this.look;
  }

  /** New axis titles (the language changed): drawn at once. */
  retitle(yTitle: string, xTitle: string): void {
    if (yTitle === this.yTitle && xTitle === this.xTitle) return;
    this.yTitle = yTitle;
    this.xTitle = xTitle;
    const scales = this.chart.options.scales as Record<'x' | 'y', { title: { text: string } }>;
    scales.x.title.text = xTitle;
    scales.y.title.text = yTitle;
    this.redraw();
  }

  setLogScale(log: boolean): void {
    const y = this.chart.options.scales?.y;
    if (!y || (y.type === 'logarithmic') === log) return;
    y.type = log ? 'logarithmic' : 'linear';
    this.redraw();
  }

  /** Appends each series' new points; a rewritten trajectory is redrawn from scratch. */
  update(series: Series[], markers: Marker[]): void {
    const datasets = this.chart.data.datasets as Dataset[];
    const byId = new Map(datasets.map((d) => [d.seriesId, d]));
    const next: Dataset[] = [];
    for (const s of series) {
      let dataset = byId.get(s.id);
      if (!dataset) {
        dataset = {
          seriesId: s.id,
          written: 0,
          generation: -1,
          samples: new MinMaxSeries(64),
          label: s.label,
          data: [],
          borderColor: s.color,
          backgroundColor: s.color,
          borderDash: s.dashed ? [6, 4] : [],
          indexAxis: 'x',
        } as Dataset;
      }
      dataset.label = s.label;
      const t = s.source;
      // A rewritten series (reset, rewind): resample from the start.
      if (t.count < dataset.written || dataset.generation !== t.generation) {
        dataset.samples.reset();
      }
      dataset.generation = t.generation;
      const value = s.value;
      // The samples hold the values as they are (min–max keeps the extremes on either scale);
      // what a log axis cannot show is decided when the points are drawn, below.
      dataset.samples.extend(t.count, (i) => {
        const y = value(i);
        return Number.isFinite(y) ? y : NaN;
      });
      dataset.written = t.count;
      next.push(dataset);
    }
    this.chart.data.datasets = next;
    this.series = series;
    this.markerOptions.markers = markers;
    this.redraw();
  }

  /** The chart's points from the samples, for the scale on show; then draws. */
  private redraw(): void {
    const datasets = this.chart.data.datasets as Dataset[];
    const series = this.series;
    const log = this.logScale;
    const samples = datasets.map((d) => d.samples.points());
    let min = Infinity;
    let max = -Infinity;
    samples.forEach((points, k) => {
      for (const { y } of points) {
        if (!Number.isFinite(y)) continue;
        min = Math.min(min, y);
        if (!series[k]?.outlier) max = Math.max(max, y);
      }
    });
    this.offset = log && this.shiftNonPositive ? logOffset(min, max) : undefined;
    const shift = this.offset ?? 0;
    datasets.forEach((dataset, k) => {
      const xOf = series[k]?.x;
      dataset.data = samples[k].map((p) => ({
        x: xOf ? xOf(p.x) : p.x,
        // A log axis leaves out only what it cannot show: values ≤ 0 it was not asked to shift.
        y: log && !(p.y - shift > 0) ? NaN : p.y - shift,
      }));
    });
    this.clipOutliers(series, datasets, log);
    this.chart.update('none');
  }

  /**
   * L₀ when the log axis plots L − L₀ because some value is ≤ 0 (the axis title names it);
   * undefined when the values are drawn as they are.
   */
  get logShift(): number | undefined {
    return this.offset;
  }

  /**
   * What the chart shows, series by series, for a screen reader's table: the steps so far, the
   * last value and the least and greatest (from the samples, which keep every extreme).
   */
  summary(): SeriesSummary[] {
    const datasets = this.chart.data.datasets as Dataset[];
    return this.series.map((s, k) => {
      let min = Infinity;
      let max = -Infinity;
      for (const { y } of datasets[k]?.samples.points() ?? []) {
        if (!Number.isFinite(y)) continue;
        min = Math.min(min, y);
        max = Math.max(max, y);
      }
      const count = s.source.count;
      return {
        id: s.id,
        label: s.label,
        color: s.color,
        steps: Math.max(0, count - 1),
        last: count > 0 ? s.value(count - 1) : NaN,
        min: min <= max ? min : NaN,
        max: min <= max ? max : NaN,
      };
    });
  }

  /** The y axis title on show: the metric, what a shift subtracts, whether it is clipped. */
  get axisTitle(): string {
    return (this.chart.options.scales!.y! as { title: { text: string } }).title.text;
  }

  /** Whether the y axis is cut above the other runs' values (a diverged run leaves the top). */
  get clipped(): boolean {
    return this.chart.options.scales?.y?.max !== undefined;
  }

  /**
   * Scales y to the series that are not outliers when an outlier climbs far above them, so a
   * diverging run does not flatten every other curve to the axis.
   */
  private clipOutliers(series: Series[], datasets: Dataset[], log: boolean): void {
    const y = this.chart.options.scales!.y! as { max?: number; title: { text: string } };
    let inlier = -Infinity;
    let outlier = -Infinity;
    datasets.forEach((d, k) => {
      let top = -Infinity;
      for (const p of d.data) if (Number.isFinite(p.y) && p.y > top) top = p.y;
      if (series[k]?.outlier) outlier = Math.max(outlier, top);
      else inlier = Math.max(inlier, top);
    });
    const limit = log ? inlier * 10 : inlier + 0.1 * Math.abs(inlier) || 1;
    const clip = Number.isFinite(inlier) && (log ? inlier > 0 : true) && outlier > limit;
    y.max = clip ? limit : undefined;
    const shifted =
      this.offset === undefined
        ? this.yTitle
        : `${this.yTitle} ${this.offset < 0 ? '+' : '−'} ${formatTick(Math.abs(this.offset))}`;
    y.title.text = clip ? t('{title} (clipped ↑)', { title: shifted }) : shifted;
  }

  dispose(): void {
    cancelAnimationFrame(this.cursorFrame);
    this.chart.destroy();
  }
}
