/**
 * A scatter chart that the exports take as they take the curves: a CurveChart (same look,
 * axes, PNG and SVG export through the chart registry) whose datasets are points, not lines —
 * each point drawn as it is (no downsampling: an experiment has at most a few hundred), dots
 * for filled groups, rings for hollow ones, and optional reference lines (dashed, e.g. the
 * minimum ratio 1). The x axis may be logarithmic (training losses span decades).
 */
import type { ChartDataset } from 'chart.js';
import { CurveChart, drawOffscreen } from '../../views/curve-chart';
import { chartOptions, type MarkerOptions } from '../../views/curve-options';
import { formatTick, thinLogTicks } from '../../views/scale';

type Point = { x: number; y: number };

export interface PointGroup {
  id: string;
  label: string;
  color: string;
  /** Rings instead of dots. */
  hollow?: boolean;
  points: Point[];
}

export interface ReferenceLine {
  id: string;
  label: string;
  color: string;
  points: Point[];
}

/** The dataset properties a point group is drawn with (also what an export copies). */
const POINT_KEYS = [
  'label',
  'borderColor',
  'backgroundColor',
  'borderDash',
  'borderWidth',
  'showLine',
  'pointRadius',
  'pointBorderWidth',
] as const;

export class PointsChart extends CurveChart {
  private groups: PointGroup[] = [];
  private lines: ReferenceLine[] = [];
  private xLog = false;
  private yRange: { min?: number; max?: number } = {};

  constructor(canvas: HTMLCanvasElement, yTitle: string, xTitle: string) {
    super(canvas, yTitle, () => undefined, xTitle);
    this.chart.options.spanGaps = false;
    this.chart.options.plugins!.tooltip = { enabled: false };
  }

  /** Points drawn now, over every group. */
  get pointCount(): number {
    return this.groups.reduce((n, g) => n + g.points.length, 0);
  }

  /** Fixed bounds of the y axis (a share: [0, 1]). */
  setYRange(range: { min?: number; max?: number }): void {
    this.yRange = range;
    this.draw();
  }

  setXLogScale(log: boolean): void {
    this.xLog = log;
    this.draw();
  }

  /** The x axis is logarithmic. */
  get xLogScale(): boolean {
    return this.xLog;
  }

  /** The y axis here is always linear: the base's log switch would redraw lines it has not got. */
  override setLogScale(_log: boolean): void {}

  /** Shows the groups (and reference lines), replacing what was drawn. */
  show(groups: PointGroup[], lines: ReferenceLine[] = []): void {
    this.groups = groups;
    this.lines = lines;
    this.draw();
  }

  private datasets(): ChartDataset<'line', Point[]>[] {
    const keep = (p: Point) =>
      Number.isFinite(p.y) && Number.isFinite(p.x) && (!this.xLog || p.x > 0);
    const scale = this.currentLook.lineScale;
    return [
      ...this.lines.map((l) => ({
        label: l.label,
        data: l.points.filter(keep),
        borderColor: l.color,
        backgroundColor: l.color,
        borderDash: [6, 4],
        borderWidth: 1.5 * scale,
        pointRadius: 0,
      })),
      ...this.groups.map((g) => ({
        label: g.label,
        data: g.points.filter(keep),
        borderColor: g.color,
        backgroundColor: g.hollow ? 'rgba(0, 0, 0, 0)' : g.color,
        showLine: false,
        pointRadius: 4 * scale,
        pointBorderWidth: 1.5 * scale,
      })),
    ];
  }

  /** Axis types and bounds on a chart's options (the live chart's and an export's). */
  private configure(options: ReturnType<typeof chartOptions>): void {
    const x = options.scales!.x as {
      type: string;
      min?: number;
      suggestedMax?: number;
      ticks: { callback?: (value: number | string) => string };
      afterBuildTicks?: (axis: { ticks: { value: number }[]; min: number; max: number }) => void;
    };
    x.type = this.xLog ? 'logarithmic' : 'linear';
    x.ticks.callback = (value) => formatTick(Number(value));
    delete x.min;
    delete x.suggestedMax;
    x.afterBuildTicks = (axis) => {
      if (!this.xLog) return;
      const values = axis.ticks.map((t) => t.value);
      axis.ticks = thinLogTicks(values, axis.min, axis.max).map((value) => ({ value }));
    };
    const y = options.scales!.y as { min?: number; max?: number };
    y.min = this.yRange.min;
    y.max = this.yRange.max;
  }

  private draw(): void {
    this.configure(this.chart.options as ReturnType<typeof chartOptions>);
    this.chart.data.datasets = this.datasets();
    this.chart.update('none');
  }

  /** As the base's: the chart drawn again offscreen, points and rings included. */
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
    (options.plugins as { losslabMarkers: MarkerOptions }).losslabMarkers.markers = [];
    const datasets = this.chart.data.datasets.map((d) => {
      const copy: Record<string, unknown> = { data: d.data.slice() };
      for (const key of POINT_KEYS) {
        const value = (d as unknown as Record<string, unknown>)[key];
        if (value !== undefined) copy[key] = value;
      }
      return copy as unknown as ChartDataset<'line', Point[]>;
    });
    return drawOffscreen(size, datasets, options);
  }
}
