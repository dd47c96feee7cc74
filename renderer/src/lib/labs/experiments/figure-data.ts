/**
 * What an experiment's figure draws, whatever the experiment: the engine's Figure (series of x
 * and y, error bars, dashes, colour groups, marks, log axes) as chart.js datasets, the axis's
 * named positions ("candidate (0: width 2; 1: width 8)" has its names on the ticks), and the
 * legend under the chart. Plain data, free of chart.js and Svelte, so the unit tests read it.
 */
import type { Figure, FigureGrid, FigureSeries } from '../../../../../electron/common/protocol';
import type { HeatmapLayer } from '../../views/heatmap-plugin';
import { runColors } from '../../views/palette';
import { valueScale } from '../../views/scale';
import { t } from '../../i18n';

type Point = { x: number; y: number };

/** A chart.js line dataset as the figure chart draws it (and its exports copy). */
export interface FigureDataset {
  label: string;
  data: Point[];
  borderColor: string;
  backgroundColor: string;
  borderDash: number[];
  borderWidth: number;
  showLine: boolean;
  pointRadius: number;
  pointBorderWidth: number;
  pointStyle: 'circle' | 'rectRot' | 'line';
  spanGaps: boolean;
  /**
   * chart.js draws datasets of a higher order first (under the others); of one order, the
   * first in the list last (on top). Error bars and edges are order 1: under their series.
   */
  order: number;
  /** Error bars are not named in legends. */
  errorBars?: true;
}

/**
 * Whether a line figure's series is a cloud of points rather than a curve: its x's are not in
 * order and it jumps about from point to point (examples placed on a curve), where a path that
 * doubles back (a trajectory on a plane) moves a little at a time. A line through a cloud would
 * zig-zag across the chart.
 */
export function isCloud(series: FigureSeries): boolean {
  const { x } = series;
  if (!x.some((v, i) => i > 0 && v < x[i - 1])) return false;
  const y = series.y.map((v) => v ?? NaN);
  const span = (a: number[]) => {
    const finite = a.filter(Number.isFinite);
    return finite.length ? Math.max(...finite) - Math.min(...finite) || 1 : 1;
  };
  const [sx, sy] = [span(x), span(y)];
  let sum = 0;
  let n = 0;
  for (let i = 1; i < x.length; i++) {
    const d = Math.hypot((x[i] - x[i - 1]) / sx, (y[i] - y[i - 1]) / sy);
    if (Number.isFinite(d)) {
      sum += d;
      n++;
    }
  }
  // A path's steps are a small part of its extent; a cloud's, a large one.
  return n > 0 && sum / n > 0.15;
}

/** The colour of a series: its group's, else its own place's. */
export function seriesColor(series: FigureSeries, index: number): string {
  return runColors[(series.group ?? index) % runColors.length];
}

const HOLLOW = 'rgba(0, 0, 0, 0)';

/** The dark edge under a series drawn over a heatmap: bright colours stay legible on yellow. */
const HALO = 'rgba(15, 19, 32, 0.85)';

/**
 * A heatmap figure's grid as the chart's layer: its values (null as NaN, drawn slate), and the
 * colour scale over its range (the figure's shared one if it has one), log when `log`.
 */
export function heatmapLayer(grid: FigureGrid, log: boolean): HeatmapLayer {
  const values = Float32Array.from(grid.z, (v) => v ?? NaN);
  let [min, max] = grid.range ?? [Infinity, -Infinity];
  if (!grid.range) {
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!(min <= max)) [min, max] = [0, 1];
  return { values, n: grid.x.length, scale: valueScale(min, max, log), label: grid.label };
}

/** How far apart (in x) the series of a scatter over integer positions are drawn. */
const DODGE = 0.07;

/**
 * The datasets of a figure. On a log axis, values ≤ 0 are left out (and error bars stop at
 * the point). A scatter over integer positions (candidates, splits) draws its series side by
 * side around each position, so equal values do not hide each other. `lineScale` is
 * presentation mode's.
 */
export function figureDatasets(
  figure: Figure,
  options: { xLog: boolean; yLog: boolean; lineScale?: number },
): FigureDataset[] {
  const scale = options.lineScale ?? 1;
  const scatter = figure.kind === 'scatter';
  const heatmap = figure.kind === 'heatmap';
  const n = figure.series.length;
  const dodge = (k: number) =>
    scatter && figure.x.ticks === 'integer' && !options.xLog && n > 1
      ? (k - (n - 1) / 2) * Math.min(DODGE, 0.6 / n)
      : 0;
  // Points on lines only where they are few and the lines few: else they hide the lines.
  const dotted = n <= 6;
  const fits = (x: number, y: number) =>
    Number.isFinite(x) &&
    Number.isFinite(y) &&
    (!options.xLog || x > 0) &&
    (!options.yLog || y > 0);
  const bars: FigureDataset[] = [];
  const halos: FigureDataset[] = [];
  const lines = figure.series.map((s, k): FigureDataset => {
    const color = seriesColor(s, k);
    const shift = dodge(k);
    const data = s.x.map((x, i) => {
      const y = s.y[i] ?? NaN;
      return { x: x + shift, y: fits(x, y) ? y : NaN };
    });
    if (s.error) {
      const segments: Point[] = [];
      s.x.forEach((x, i) => {
        const y = s.y[i];
        const e = s.error?.[i];
        if (y === null || y === undefined || e === undefined || !fits(x, y)) return;
        if (!(Number.isFinite(e) && e > 0)) return;
        const low = y - e;
        const at = x + shift;
        segments.push(
          { x: at, y: options.yLog && !(low > 0) ? y : low },
          { x: at, y: y + e },
          { x: at, y: NaN },
        );
      });
      bars.push({
        label: '',
        data: segments,
        borderColor: color,
        backgroundColor: color,
        borderDash: [],
        borderWidth: 1.5 * scale,
        showLine: true,
        pointRadius: 5 * scale,
        pointBorderWidth: 1.5 * scale,
        pointStyle: 'line',
        spanGaps: false,
        order: 1,
        errorBars: true,
      });
    }
    const few = dotted && s.x.length <= 24 && !heatmap;
    const cloud = s.points === true || (!scatter && isCloud(s));
    const line: FigureDataset = {
      label: s.label,
      data,
      borderColor: color,
      backgroundColor: scatter && s.dashed ? HOLLOW : color,
      borderDash: s.dashed && !scatter ? [6, 4] : [],
      borderWidth: 2 * scale,
      showLine: !scatter && !cloud,
      pointRadius: (scatter ? (s.error ? 5 : 4) : cloud ? 3 : few ? 2.5 : 0) * scale,
      pointBorderWidth: 1.5 * scale,
      pointStyle: scatter && s.error ? 'rectRot' : 'circle',
      spanGaps: false,
      order: 0,
    };
    if (heatmap) {
      // Over a heatmap each series has a dark edge (a wider copy under it, not named).
      halos.push({
        ...line,
        label: '',
        data: data.slice(),
        borderColor: HALO,
        backgroundColor: HALO,
        borderDash: [],
        borderWidth: line.borderWidth + 2.5 * scale,
        pointRadius: line.pointRadius > 0 ? line.pointRadius + 1.2 * scale : 0,
        pointBorderWidth: line.pointBorderWidth + 1.2 * scale,
        order: 1,
      });
    }
    return line;
  });
  // Error bars and edges under the series they belong to.
  return [...bars, ...halos, ...lines];
}

/** An axis whose integer positions have names: "split (0 training, 1 validation, 2 test)". */
export interface NamedAxis {
  /** The title without the names: "split". */
  title: string;
  /** The name of each position. */
  names: Map<number, string>;
}

/**
 * The names an integer axis's title gives its positions, in parentheses after the title:
 * "candidate (0: width 2; 1: width 8)" or "split (0 training, 1 validation, 2 test)".
 * Undefined when the title names none (or names them otherwise).
 */
export function namedAxis(label: string, ticks: 'integer' | undefined): NamedAxis | undefined {
  if (ticks !== 'integer') return undefined;
  const m = /^(.*?)\s*\((.*)\)\s*$/.exec(label);
  if (!m) return undefined;
  const entries = m[2].split(/\s*[;,]\s*/).filter(Boolean);
  const names = new Map<number, string>();
  for (const entry of entries) {
    const e = /^(-?\d+)\s*:?\s+(.+)$/.exec(entry) ?? /^(-?\d+):(.+)$/.exec(entry);
    if (!e) return undefined;
    names.set(Number(e[1]), e[2].trim());
  }
  return names.size >= 2 ? { title: m[1], names } : undefined;
}

/** A tick on an integer axis: whole numbers only, grouped by thousands. */
export function integerTick(v: number): string {
  if (!Number.isInteger(v)) return '';
  return Math.abs(v) >= 1e6 ? v.toExponential(0).replace('e+', 'e') : v.toLocaleString('en');
}

/**
 * The ticks of a log axis with integer positions (batch sizes, widths): the positions the
 * series have, at most `most`, none closer to the next than a 25th of the axis (the whole
 * set's 140 beside 128 would print over it: the last position is kept, its neighbour goes).
 * Undefined when the series have no positive position.
 */
export function dataTicks(figure: Figure, most = 12): number[] | undefined {
  const xs = [...new Set(figure.series.flatMap((s) => s.x).filter((x) => x > 0))].sort(
    (a, b) => a - b,
  );
  if (xs.length === 0) return undefined;
  const every = Math.ceil(xs.length / most);
  const picked = xs.filter((_, i) => i % every === 0 || i === xs.length - 1);
  const span = Math.log(xs[xs.length - 1] / xs[0]);
  const gap = span / 25;
  const kept: number[] = [];
  for (const x of picked) {
    while (kept.length > 0 && Math.log(x / kept[kept.length - 1]) < gap) kept.pop();
    kept.push(x);
  }
  return kept;
}

/** One entry of a figure's legend. */
export interface LegendEntry {
  label: string;
  color: string;
  /** How the entry's mark is drawn. */
  mark: 'line' | 'dash' | 'dot' | 'ring' | 'diamond';
}

/** Most series a legend names one by one; more are named by group and line style. */
const LEGEND_MOST = 8;

/** The longest start all strings share, cut back to a whole word or phrase. */
function commonStart(labels: string[]): string {
  if (labels.length === 0) return '';
  let start = labels[0];
  for (const l of labels) while (!l.startsWith(start)) start = start.slice(0, -1);
  if (labels.every((l) => l === start)) return start;
  // "width 2, fold " → "width 2"
  const cut = start.search(/[,—–:(]\s*[^,—–:(]*$/);
  return (cut > 0 ? start.slice(0, cut) : start).trim();
}

/** The longest end all strings share, from a separator on: " — validation". */
function commonEnd(labels: string[]): string {
  const reversed = labels.map((l) => [...l].reverse().join(''));
  let end = reversed[0] ?? '';
  for (const l of reversed) while (!l.startsWith(end)) end = end.slice(0, -1);
  const text = [...end].reverse().join('');
  const at = text.search(/[—–]/);
  return at >= 0 ? text.slice(at + 1).trim() : '';
}

/**
 * What a figure's colours, dashes and marks mean. Up to eight series, one entry each; more
 * (every fold of every candidate), one per colour group and one per line style.
 */
export function legendEntries(figure: Figure): LegendEntry[] {
  const scatter = figure.kind === 'scatter';
  const markOf = (s: FigureSeries): LegendEntry['mark'] =>
    scatter
      ? s.error
        ? 'diamond'
        : s.dashed
          ? 'ring'
          : 'dot'
      : s.points || isCloud(s)
        ? 'dot'
        : s.dashed
          ? 'dash'
          : 'line';
  const named = (s: FigureSeries) =>
    s.error && !/±/.test(s.label) ? `${s.label} ± s.d.` : s.label;
  if (figure.series.length <= LEGEND_MOST) {
    return figure.series.map((s, k) => ({
      label: named(s),
      color: seriesColor(s, k),
      mark: markOf(s),
    }));
  }
  const groups = new Map<string, { color: string; labels: string[] }>();
  figure.series.forEach((s, k) => {
    const color = seriesColor(s, k);
    const g = groups.get(color) ?? { color, labels: [] };
    g.labels.push(s.label);
    groups.set(color, g);
  });
  const entries: LegendEntry[] = [...groups.values()].map((g) => ({
    label: commonStart(g.labels) || g.labels[0],
    color: g.color,
    mark: scatter ? 'dot' : 'line',
  }));
  if (!scatter) {
    const solid = commonEnd(figure.series.filter((s) => !s.dashed).map((s) => s.label));
    const dashed = commonEnd(figure.series.filter((s) => s.dashed).map((s) => s.label));
    if (solid && dashed) {
      entries.push(
        { label: t('solid: {what}', { what: solid }), color: 'var(--muted)', mark: 'line' },
        { label: t('dashed: {what}', { what: dashed }), color: 'var(--muted)', mark: 'dash' },
      );
    }
  }
  return entries;
}

/**
 * Tick labels for `values`: 3 significant digits, or as many more (up to 8) as it takes for no
 * two different values to print alike; 0 as "0", very large or small values in exponent form.
 */
export function distinctLabels(values: readonly number[]): string[] {
  const label = (v: number, digits: number) => {
    if (v === 0) return '0';
    const abs = Math.abs(v);
    if (abs >= 1e4 || abs < 1e-3)
      return v.toExponential(Math.max(0, digits - 3)).replace('e+', 'e');
    return String(Number(v.toPrecision(digits)));
  };
  for (let digits = 3; digits <= 8; digits++) {
    const labels = values.map((v) => label(v, digits));
    const clash = labels.some(
      (l, i) => labels.indexOf(l) !== i && values[labels.indexOf(l)] !== values[i],
    );
    if (!clash) return labels;
  }
  return values.map((v) => label(v, 8));
}
