/**
 * An experiment's result as the page shows it and as it is exported: one table (its columns and
 * rows, the same for the HTML table and the CSV), the JSON form (typed arrays as arrays, no
 * NaN), and what its charts draw. Everything here is what the engine reported, unrounded; the
 * page rounds only when it prints.
 */
import type {
  CriticalExperimentKind,
  CriticalExperimentResult,
  CriticalExperimentSpec,
  MinimumRatioPoint,
  PointKind,
} from '../../../../../electron/common/protocol';
import { formatValue as fmt } from '../jobs';
import { formatNumber, msg, plural, t } from '../../i18n';

/** A table: named columns and one row per item. */
export interface Table {
  columns: string[];
  rows: (number | string | boolean)[][];
}

/** What each experiment is called on the page and in files. */
export const EXPERIMENT_TITLES: Record<CriticalExperimentKind, string> = {
  'minimum-ratio': msg('Minimum ratio at "convergence"'),
  'saddle-escape': msg('Escaping a saddle'),
  'edge-of-stability': msg('Edge of stability'),
  sharpness: msg('Sharpness during training'),
};

const last = (a: ArrayLike<number>) => (a.length > 0 ? a[a.length - 1] : NaN);

/** Mean of the values at or after the middle step (NaN: none). */
export function secondHalfMean(steps: ArrayLike<number>, values: ArrayLike<number>): number {
  if (steps.length === 0) return NaN;
  const middle = (steps[0] + steps[steps.length - 1]) / 2;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < steps.length; i++) {
    if (steps[i] >= middle && Number.isFinite(values[i])) {
      sum += values[i];
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** The experiment's table. */
export function experimentTable(result: CriticalExperimentResult): Table {
  switch (result.kind) {
    case 'minimum-ratio':
      return {
        columns: [
          'seed',
          'steps',
          'loss',
          'grad_norm',
          'minimum_ratio',
          'index',
          'flat',
          'kind',
          'converged',
        ],
        rows: result.points.map((p) => [
          p.seed,
          p.steps,
          p.loss,
          p.gradNorm,
          p.minimumRatio,
          p.index,
          p.flat,
          p.kind,
          p.converged,
        ]),
      };
    case 'saddle-escape':
      return {
        columns: ['step', 'loss_plain', 'loss_escaped'],
        rows: Array.from(result.steps, (s, i) => [s, result.plain[i], result.escaped[i]]),
      };
    case 'edge-of-stability':
      return {
        columns: ['lr', 'threshold_2_over_lr', 'step', 'loss', 'lambda_max'],
        rows: result.series.flatMap((s) => {
          // λ_max is measured every few steps: each row carries it where there is one.
          const at = new Map<number, number>();
          s.sharpnessSteps.forEach((step, k) => at.set(step, s.sharpness[k]));
          return Array.from(s.steps, (step, i) => [
            s.lr,
            s.threshold,
            step,
            s.loss[i],
            at.get(step) ?? NaN,
          ]);
        }),
      };
    case 'sharpness':
      return {
        columns: ['step', 'lambda_max', 'trace', 'loss'],
        rows: Array.from(result.steps, (s, i) => [
          s,
          result.lambdaMax[i],
          result.trace[i],
          result.loss[i],
        ]),
      };
  }
}

function csvField(value: number | string | boolean): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The experiment's table as CSV: a header row, then one row per item; no value is NaN ("" instead). */
export function experimentCsv(result: CriticalExperimentResult): string {
  const { columns, rows } = experimentTable(result);
  return [columns.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

/** JSON has no typed arrays, NaN or Infinity: arrays of numbers, null where not finite. */
export function plainJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => plainJson(v));
  }
  if (Array.isArray(value)) return value.map(plainJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainJson(v)]));
  }
  return value;
}

/** One experiment in a JSON export: its settings and its result. */
export interface ExperimentRunExport {
  kind: CriticalExperimentKind;
  title: string;
  spec: unknown;
  result: unknown;
}

/** The experiments as a JSON file holds them (each run of an experiment: settings and result). */
export interface ExperimentsExport {
  format: 'losslab-critical-experiments';
  version: 1;
  /** The network lab's dataset and model they ran on, as the page said. */
  problem: string | null;
  runs: ExperimentRunExport[];
}

export function experimentsJson(
  experiments: readonly { spec: CriticalExperimentSpec; result: CriticalExperimentResult }[],
  problem?: string,
): ExperimentsExport {
  return {
    format: 'losslab-critical-experiments',
    version: 1,
    problem: problem ?? null,
    runs: experiments.map(({ spec, result }) => ({
      kind: result.kind,
      title: EXPERIMENT_TITLES[result.kind],
      spec: plainJson(spec),
      result: plainJson(result),
    })),
  };
}

/** The minimum-ratio scatter's groups: one per kind of point, in a fixed order and colour. */
export const POINT_KIND_COLORS: Record<PointKind, string> = {
  minimum: '#5eead4',
  saddle: '#fb923c',
  degenerate: '#a78bfa',
  maximum: '#f87171',
  'not critical': '#94a3b8',
};

/** The kinds' names, for legends. */
export const POINT_KIND_NAMES: Record<PointKind, string> = {
  minimum: msg('minimum'),
  saddle: msg('saddle'),
  degenerate: msg('degenerate'),
  maximum: msg('maximum'),
  'not critical': msg('not critical'),
};

export interface ScatterGroup {
  id: string;
  label: string;
  color: string;
  /** Drawn as rings instead of dots (the step budget ended before ‖∇L‖ fell under the tolerance). */
  hollow: boolean;
  points: { x: number; y: number }[];
}

/**
 * The lecture's figure: each network's training loss (x) against its minimum ratio (y), by
 * kind, rings for the networks that hit the step budget before ‖∇L‖ fell under the tolerance.
 * Every point is in exactly one group.
 */
export function minimumRatioGroups(points: readonly MinimumRatioPoint[]): ScatterGroup[] {
  const groups: ScatterGroup[] = [];
  for (const kind of Object.keys(POINT_KIND_COLORS) as PointKind[]) {
    for (const converged of [true, false]) {
      const members = points.filter((p) => p.kind === kind && p.converged === converged);
      if (members.length === 0) continue;
      groups.push({
        id: `${kind}-${converged ? 'converged' : 'budget'}`,
        label: converged
          ? t(POINT_KIND_NAMES[kind])
          : t('{kind} (step budget ended)', { kind: t(POINT_KIND_NAMES[kind]) }),
        color: POINT_KIND_COLORS[kind],
        hollow: !converged,
        points: members.map((p) => ({ x: p.loss, y: p.minimumRatio })),
      });
    }
  }
  return groups;
}

/** A one-line summary of a result, for the page's status and the table's caption. */
export function resultSummary(result: CriticalExperimentResult): string {
  switch (result.kind) {
    case 'minimum-ratio': {
      const n = result.points.length;
      const between = result.points.filter((p) => p.minimumRatio > 0.5 && p.minimumRatio < 1);
      const negative = result.points.filter((p) => p.index > 0).length;
      return t(
        '{n} networks ({architecture}, {parameters} parameters): {between} with a minimum ratio in (0.5, 1), {negative} with negative eigenvalues',
        {
          n,
          architecture: result.architecture,
          parameters: formatNumber(result.parameters),
          between: between.length,
          negative,
        },
      );
    }
    case 'saddle-escape':
      return t(
        'from a saddle at loss {loss} (λ_min {lambdaMin}): predicted ΔL {predicted}, actual {actual}; after {steps} steps plain {plain}, escaped {escaped}',
        {
          loss: fmt(result.saddle.loss),
          lambdaMin: fmt(result.saddle.lambdaMin),
          predicted: fmt(result.predicted),
          actual: fmt(result.actual),
          steps: fmt(last(result.steps)),
          plain: fmt(last(result.plain)),
          escaped: fmt(last(result.escaped)),
        },
      );
    case 'edge-of-stability':
      return result.series
        .map((s) =>
          t(
            s.diverged
              ? 'η {lr}: λ_max {sharpness} in the second half (2/η = {threshold}), diverged'
              : 'η {lr}: λ_max {sharpness} in the second half (2/η = {threshold})',
            {
              lr: s.lr,
              sharpness: fmt(secondHalfMean(s.sharpnessSteps, s.sharpness)),
              threshold: fmt(s.threshold),
            },
          ),
        )
        .join(' · ');
    case 'sharpness':
      return plural(
        result.steps.length,
        'at {n} step of run {run}: λ_max {first} → {last}, trace {traceFirst} → {traceLast}',
        'at {n} steps of run {run}: λ_max {first} → {last}, trace {traceFirst} → {traceLast}',
        {
          run: result.runId,
          first: fmt(result.lambdaMax[0]),
          last: fmt(last(result.lambdaMax)),
          traceFirst: fmt(result.trace[0]),
          traceLast: fmt(last(result.trace)),
        },
      );
  }
}

/** Whether a series goes up somewhere on its way (by more than a relative `slack`). */
export function rises(values: ArrayLike<number>, slack = 1e-3): boolean {
  for (let i = 1; i < values.length; i++) {
    if (Number.isFinite(values[i]) && values[i] > values[i - 1] * (1 + slack)) return true;
  }
  return false;
}

function maxOf(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m === -Infinity ? NaN : m;
}

/**
 * The table the page shows: the whole table where it is a few hundred rows at most (the
 * networks of the minimum-ratio experiment, the sharpness samples), a summary where the CSV
 * holds thousands (a row per η of the edge of stability; the saddle's figures).
 */
export function pageTable(result: CriticalExperimentResult): Table {
  switch (result.kind) {
    case 'minimum-ratio':
    case 'sharpness':
      return experimentTable(result);
    case 'saddle-escape': {
      const n = result.steps.length;
      const steps = n > 0 ? result.steps[n - 1] : NaN;
      return {
        columns: ['quantity', 'value'],
        rows: [
          ['saddle: loss', result.saddle.loss],
          ['saddle: ‖∇L‖', result.saddle.gradNorm],
          ['saddle: λ_min', result.saddle.lambdaMin],
          ['saddle: λ_max', result.saddle.lambdaMax],
          ['saddle: index', result.saddle.index],
          ['Escape: t', result.t],
          ['Escape: predicted ½λt²', result.predicted],
          ['Escape: actual ΔL', result.actual],
          [`plain: loss after ${steps} steps`, last(result.plain)],
          [`escaped: loss after ${steps} steps`, last(result.escaped)],
        ],
      };
    }
    case 'edge-of-stability':
      return {
        columns: [
          'η',
          '2/η',
          'λ_max, second half',
          'λ_max, most',
          'loss, first',
          'loss, last',
          'loss rises on the way',
          'diverged',
        ],
        rows: result.series.map((s) => [
          s.lr,
          s.threshold,
          secondHalfMean(s.sharpnessSteps, s.sharpness),
          maxOf(s.sharpness),
          s.loss[0] ?? NaN,
          last(s.loss),
          rises(s.loss),
          s.diverged ?? false,
        ]),
      };
  }
}
