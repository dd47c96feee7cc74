/**
 * Live loss-vs-step curves with chart.js: no animation, no parsing, decimation on; new points
 * are appended to each dataset, never rebuilt.
 */
import {
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { Trajectory } from '../state/trajectory';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Decimation,
  Legend,
  Tooltip,
);

export interface ChartRun {
  runId: string;
  label: string;
  color: string;
  trajectory: Trajectory;
}

type Point = { x: number; y: number };
/**
 * `source` is our own array: with decimation on, chart.js swaps `data` for a decimated copy,
 * so appending must go to the original and be handed back before each update.
 */
type Dataset = ChartDataset<'line', Point[]> & { runId: string; written: number; source: Point[] };

export class LossChart {
  readonly chart: Chart<'line', Point[]>;

  constructor(canvas: HTMLCanvasElement, title: string) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0 }, line: { borderWidth: 2 } },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: 'step' },
            ticks: { color: '#a8b3cf' },
            grid: { color: '#2a3147' },
          },
          y: {
            type: 'linear',
            title: { display: true, text: title },
            ticks: { color: '#a8b3cf' },
            grid: { color: '#2a3147' },
          },
        },
        plugins: {
          legend: { labels: { color: '#d8deeb', boxWidth: 12 } },
          decimation: { enabled: true, algorithm: 'lttb', samples: 800, threshold: 1600 },
          tooltip: { enabled: true },
        },
      },
    });
  }

  setLogScale(log: boolean): void {
    const y = this.chart.options.scales?.y;
    if (y) y.type = log ? 'logarithmic' : 'linear';
    this.chart.update('none');
  }

  /** Appends each run's new points; a shorter trajectory (reset) is redrawn from scratch. */
  update(runs: ChartRun[], value: (t: Trajectory, i: number) => number): void {
    const datasets = this.chart.data.datasets as Dataset[];
    const byId = new Map(datasets.map((d) => [d.runId, d]));
    const next: Dataset[] = [];
    for (const run of runs) {
      let dataset = byId.get(run.runId);
      if (!dataset) {
        dataset = {
          runId: run.runId,
          written: 0,
          source: [],
          label: run.label,
          data: [],
          borderColor: run.color,
          backgroundColor: run.color,
          indexAxis: 'x',
        } as Dataset;
      }
      dataset.label = run.label;
      const t = run.trajectory;
      const source = dataset.source;
      if (t.count < dataset.written) dataset.written = 0;
      // The last point may have been restated (a new learning rate for the next step).
      const from = Math.max(0, dataset.written - 1);
      source.length = from;
      for (let i = from; i < t.count; i++) {
        const y = value(t, i);
        source.push({ x: i, y: Number.isFinite(y) ? y : NaN });
      }
      dataset.written = t.count;
      dataset.data = source;
      next.push(dataset);
    }
    this.chart.data.datasets = next;
    this.chart.update('none');
  }

  dispose(): void {
    this.chart.destroy();
  }
}
