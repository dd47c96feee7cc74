/**
 * A live curve chart (chart.js): no animation, no parsing; each series is min–max downsampled
 * incrementally (only new steps are read), so a chart draws a few hundred points per run
 * however long it has run. Hyperparameter changes show as dashed markers;
 * hovering reports the step under the pointer.
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
import { formatTick } from './scale';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
);

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
}

export interface Marker {
  step: number;
  color: string;
}

type Point = { x: number; y: number };
/** A series' chart.js dataset, with the downsampled copy of its values it is drawn from. */
type Dataset = ChartDataset<'line', Point[]> & {
  seriesId: string;
  written: number;
  generation: number;
  log: boolean;
  samples: MinMaxSeries;
};

const markerPlugin: Plugin<'line'> = {
  id: 'losslabMarkers',
  afterDatasetsDraw(chart) {
    const markers = (chart.options.plugins as { losslabMarkers?: { markers: Marker[] } })
      .losslabMarkers?.markers;
    if (!markers?.length) return;
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5;
    for (const m of markers) {
      const x = scales.x.getPixelForValue(m.step);
      if (x < chartArea.left || x > chartArea.right) continue;
      ctx.strokeStyle = m.color;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
    }
    ctx.restore();
  },
};

export class CurveChart {
  readonly chart: Chart<'line', Point[]>;

  constructor(
    canvas: HTMLCanvasElement,
    yTitle: string,
    onHover: (step: number | undefined) => void,
    xTitle = 'step',
  ) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [markerPlugin],
      options: {
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
            grid: { color: '#2a3147' },
          },
        },
        plugins: {
          legend: { display: false },
          // Series arrive already min–max downsampled (downsample.ts), a few hundred points each.
          decimation: { enabled: false },
          tooltip: { enabled: true },
          ...({ losslabMarkers: { markers: [] } } as object),
        },
        onHover: (event, _elements, chart) => {
          const x = event.x;
          if (x === null || x < chart.chartArea.left || x > chart.chartArea.right) {
            onHover(undefined);
            return;
          }
          onHover(Math.max(0, Math.round(chart.scales.x.getValueForPixel(x) ?? 0)));
        },
      },
    });
    canvas.addEventListener('pointerleave', () => onHover(undefined));
  }

  setLogScale(log: boolean): void {
    const y = this.chart.options.scales?.y;
    if (!y || (y.type === 'logarithmic') === log) return;
    y.type = log ? 'logarithmic' : 'linear';
    this.chart.update('none');
  }

  /** Appends each series' new points; a rewritten trajectory is redrawn from scratch. */
  update(series: Series[], markers: Marker[]): void {
    const datasets = this.chart.data.datasets as Dataset[];
    const byId = new Map(datasets.map((d) => [d.seriesId, d]));
    const log = this.chart.options.scales?.y?.type === 'logarithmic';
    const next: Dataset[] = [];
    for (const s of series) {
      let dataset = byId.get(s.id);
      if (!dataset) {
        dataset = {
          seriesId: s.id,
          written: 0,
          generation: -1,
          log,
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
      // A rewritten series (reset, rewind) or a switch of scale: resample from the start.
      if (t.count < dataset.written || dataset.generation !== t.generation || dataset.log !== log) {
        dataset.samples.reset();
      }
      dataset.generation = t.generation;
      dataset.log = log;
      const value = s.value;
      dataset.samples.extend(t.count, (i) => {
        const y = value(i);
        return Number.isFinite(y) && !(log && y <= 0) ? y : NaN;
      });
      dataset.written = t.count;
      const xOf = s.x;
      dataset.data = xOf
        ? dataset.samples.points().map((p) => ({ x: xOf(p.x), y: p.y }))
        : dataset.samples.points();
      next.push(dataset);
    }
    this.chart.data.datasets = next;
    (
      this.chart.options.plugins as { losslabMarkers: { markers: Marker[] } }
    ).losslabMarkers.markers = markers;
    this.chart.update('none');
  }

  dispose(): void {
    this.chart.destroy();
  }
}
