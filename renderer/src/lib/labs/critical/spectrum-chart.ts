/**
 * The Hessian's spectrum on a chart.js canvas: a stem plot of the eigenvalues (exact, or the
 * extremes Lanczos found) with the flat band ±τ·max|λ| shaded, or the spectral density by
 * stochastic Lanczos quadrature. The stems' y axis is the signed logarithm of spectrum.ts by
 * default (so negative eigenvalues a thousand times smaller than λ_max still show), or linear;
 * the density's y axis is linear or logarithmic (its tails span many decades).
 *
 * Stems are drawn as one line dataset per class with a gap (NaN) after each stem, and a dot at
 * each tip; the band by a plugin, under the data.
 */
import {
  Chart,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Plugin,
} from 'chart.js';
import type { CriticalAnalysis } from '../../../../../electron/common/protocol';
import { chartOptions, type ChartLook } from '../../views/curve-options';
import { chartLook } from '../../views/theme.svelte';
import {
  densityPoints,
  signedLog,
  signedLogInverse,
  signedLogTicks,
  spectrumStems,
  tickLabel,
  type EigenClass,
} from './spectrum';
import { t } from '../../i18n';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

export type SpectrumView = 'stems' | 'density';

/** The colour of each class of eigenvalue (and of its count in the panel). */
export const EIGEN_COLORS: Record<EigenClass, string> = {
  positive: '#5eead4',
  negative: '#fb923c',
  flat: '#94a3b8',
};

type Point = { x: number; y: number };

/** The band the plugin shades: y from −b to b in the axis's own units. */
type BandOptions = { band: number | undefined; color: string };

const bandPlugin: Plugin<'line'> = {
  id: 'losslabFlatBand',
  beforeDatasetsDraw(chart) {
    const options = (chart.options.plugins as { losslabFlatBand?: BandOptions }).losslabFlatBand;
    const b = options?.band;
    if (b === undefined || !(b > 0)) return;
    const { ctx, chartArea, scales } = chart;
    const top = Math.max(chartArea.top, scales.y.getPixelForValue(b));
    const bottom = Math.min(chartArea.bottom, scales.y.getPixelForValue(-b));
    if (!(bottom > top)) return;
    ctx.save();
    ctx.fillStyle = options!.color;
    ctx.fillRect(chartArea.left, top, chartArea.right - chartArea.left, bottom - top);
    ctx.restore();
  },
};

export class SpectrumChart {
  readonly chart: Chart<'line', Point[]>;
  private look: ChartLook = chartLook();
  private analysis: CriticalAnalysis | undefined;
  private view: SpectrumView = 'stems';
  /** Stems: signed-log axis (else linear). Density: log axis (else linear). */
  private logY = true;
  /** What is drawn: stems per class, density points; for tests and the page's figures. */
  drawn = { stems: 0, density: 0 };

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [bandPlugin],
      options: this.options(),
    });
  }

  private options(): ReturnType<typeof chartOptions> {
    const stems = this.view === 'stems';
    const options = chartOptions(
      stems ? (this.logY ? t('λ (signed log)') : 'λ') : t('density'),
      stems ? t('eigenvalue index (ascending)') : 'λ',
      this.look,
    );
    options.spanGaps = false;
    options.plugins!.tooltip = { enabled: false };
    (options.plugins as { losslabFlatBand?: BandOptions }).losslabFlatBand = {
      band: undefined,
      color: 'rgba(148, 163, 184, 0.22)',
    };
    const x = options.scales!.x as { ticks: { callback?: (v: number | string) => string } };
    x.ticks.callback = (v) => tickLabel(Number(v));
    if (stems && this.logY) {
      const y = options.scales!.y as {
        ticks: { callback?: (v: number | string) => string };
        afterBuildTicks?: (axis: { ticks: { value: number }[]; min: number; max: number }) => void;
      };
      y.ticks.callback = (v) => tickLabel(signedLogInverse(Number(v), this.band));
      y.afterBuildTicks = (axis) => {
        const lo = signedLogInverse(axis.min, this.band);
        const hi = signedLogInverse(axis.max, this.band);
        axis.ticks = signedLogTicks(lo, hi, this.band).map((l) => ({
          value: signedLog(l, this.band),
        }));
      };
    } else if (!stems && this.logY) {
      (options.scales!.y as { type: string }).type = 'logarithmic';
    }
    return options;
  }

  /** The flat band's half-width b = τ·max|λ| of the analysis on show. */
  private get band(): number {
    const c = this.analysis?.classification;
    return c ? c.tau * c.scale : 0;
  }

  setLook(look: ChartLook): void {
    this.look = look;
    this.rebuild();
  }

  /** What to draw: stems of the eigenvalues or the density, and the y scale. */
  show(analysis: CriticalAnalysis | undefined, view: SpectrumView, logY: boolean): void {
    this.analysis = analysis;
    this.view = analysis?.density || view === 'stems' ? view : 'stems';
    this.logY = logY;
    this.rebuild();
  }

  private rebuild(): void {
    const options = this.options();
    const band = (options.plugins as { losslabFlatBand: BandOptions }).losslabFlatBand;
    const x = options.scales!.x as { min?: number; max?: number };
    this.chart.data.datasets = this.datasets(band, x);
    this.chart.options = options;
    this.chart.update('none');
  }

  /** The datasets on show; sets the band to shade and the x range of the stems. */
  private datasets(
    band: BandOptions,
    x: { min?: number; max?: number },
  ): ChartDataset<'line', Point[]>[] {
    const a = this.analysis;
    this.drawn = { stems: 0, density: 0 };
    if (!a) return [];
    if (this.view === 'density' && a.density) {
      const points = densityPoints(a.density, this.logY);
      this.drawn.density = points.filter((p) => Number.isFinite(p.y)).length;
      return [
        {
          label: 'spectral density (SLQ)',
          data: points,
          borderColor: EIGEN_COLORS.positive,
          backgroundColor: EIGEN_COLORS.positive,
          pointRadius: 0,
          borderWidth: 2 * this.look.lineScale,
        },
      ];
    }
    const { stems } = spectrumStems(a);
    const b = this.band;
    const y = (l: number) => (this.logY ? signedLog(l, b) : l);
    band.band = this.logY ? signedLog(b, b) : b;
    const out: ChartDataset<'line', Point[]>[] = [];
    for (const cls of ['flat', 'negative', 'positive'] as EigenClass[]) {
      const list = stems[cls];
      this.drawn.stems += list.length;
      const lines: Point[] = [];
      for (const s of list)
        lines.push({ x: s.x, y: 0 }, { x: s.x, y: y(s.lambda) }, { x: s.x, y: NaN });
      const color = EIGEN_COLORS[cls];
      out.push(
        {
          label: `${cls} eigenvalues`,
          data: lines,
          borderColor: color,
          backgroundColor: color,
          pointRadius: 0,
          borderWidth: 1.25 * this.look.lineScale,
        },
        {
          label: `${cls} eigenvalues (tips)`,
          data: list.map((s) => ({ x: s.x, y: y(s.lambda) })),
          borderColor: color,
          backgroundColor: color,
          showLine: false,
          // Thousands of stems: the tips would hide each other; a few hundred show as dots.
          pointRadius: list.length > 400 ? 0 : 2.5,
        },
      );
    }
    x.min = 0;
    x.max = a.parameters + 1;
    return out;
  }

  dispose(): void {
    this.chart.destroy();
  }
}
