/**
 * An experiment's result as the page prints it and as it is exported: the table as CSV (the
 * engine's columns and rows, unrounded), the whole result as JSON (with the SPEC it ran with),
 * a table cell and a line about what it ran on. Plain data, free of Svelte.
 */
import type {
  ExperimentRecord,
  ExperimentResult,
  ExperimentSpecInput,
  ResultTable,
} from '../../../../../electron/common/protocol';
import { formatMs, formatValue } from '../jobs';
import { plural, t } from '../../i18n';

function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A result's table as CSV: a header row, then one row per training or value ("" for none). */
export function tableCsv(table: ResultTable): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** One experiment in a JSON export: what it ran with and everything it found. */
export interface ExperimentRunExport {
  id: string | null;
  finishedAt: string | null;
  /** Cut short by Cancel, or still running when exported. */
  partial: boolean;
  spec: ExperimentSpecInput | ExperimentRecord['spec'] | null;
  result: ExperimentResult;
}

/** An experiments JSON file (as the exports' other data files, a list of runs: here one). */
export interface ExperimentsExport {
  format: 'losslab-experiments';
  version: 1;
  runs: ExperimentRunExport[];
}

export function experimentJson(
  result: ExperimentResult,
  about: {
    id?: string;
    finishedAt?: string;
    partial: boolean;
    spec?: ExperimentSpecInput | ExperimentRecord['spec'];
  },
): ExperimentsExport {
  return {
    format: 'losslab-experiments',
    version: 1,
    runs: [
      {
        id: about.id ?? null,
        finishedAt: about.finishedAt ?? null,
        partial: about.partial,
        spec: about.spec ?? null,
        result,
      },
    ],
  };
}

/** A table cell: counts whole, other numbers to four digits, "–" for none. */
export function cell(v: string | number | null): string {
  if (v === null) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toLocaleString('en');
  const a = Math.abs(v);
  return Number.isFinite(v) && a >= 1e-3 && a < 1e4
    ? String(Number(v.toPrecision(4)))
    : formatValue(v);
}

/**
 * What a result ran on, in a line: "moons (classification): 42 train / 9 validation / 9 test ·
 * model 3×128 relu · 3 trainings · 2 threads (wasm) · 4.1 s" (a partial one: "1 of 3 trainings").
 */
export function resultMeta(result: ExperimentResult, partial = false): string {
  const d = result.dataset;
  const m = result.model;
  return [
    t('{kind} ({task}): {train} train / {validation} validation / {test} test', {
      kind: d.kind,
      task: d.task === 'classification' ? t('classification') : t('regression'),
      train: d.train,
      validation: d.validation,
      test: d.test,
    }),
    m
      ? t('model {depth}×{width} {activation}', {
          depth: m.depth,
          width: m.width,
          activation: m.activation,
        }) + (m.residual ? t(' residual') : '')
      : t('linear model'),
    // Some experiments keep no training records (their runs are the table's rows).
    partial
      ? t('{done} of {total} trainings', { done: result.trainings.length, total: result.planned })
      : plural(result.planned, '{n} training', '{n} trainings'),
    // A partial result may not say how many threads yet.
    result.threads > 0
      ? plural(result.threads, '{n} thread ({backend})', '{n} threads ({backend})', {
          backend: result.backend,
        })
      : result.backend,
    ...(result.cores !== undefined
      ? [t('{cores} cores busy', { cores: result.cores.toFixed(1) })]
      : []),
    formatMs(result.ms),
  ].join(' · ');
}

/** The chosen candidate or value in words: "width 8 — test loss 0.312, test accuracy 91.1 %". */
export function chosenText(chosen: NonNullable<ExperimentResult['chosen']>): string {
  const parts: string[] = [];
  if (chosen.testLoss !== undefined && chosen.testLoss !== null)
    parts.push(t('test loss {loss}', { loss: formatValue(chosen.testLoss) }));
  if (chosen.testAccuracy !== undefined && chosen.testAccuracy !== null)
    parts.push(t('test accuracy {percent} %', { percent: (chosen.testAccuracy * 100).toFixed(1) }));
  return parts.length ? `${chosen.label} — ${parts.join(', ')}` : chosen.label;
}

/** Now, as the engine stamps a finished experiment (ISO 8601). */
export const isoNow = (): string => new Date().toISOString();

/** A file name stem for an experiment's exports: "losslab-diagnose-moons-2026-12-07T12-00-00". */
export function resultStem(result: ExperimentResult, finishedAt?: string): string {
  const stamp = (finishedAt ?? isoNow()).replace(/[:.]/g, '-').slice(0, 19);
  return `losslab-${result.kind}-${result.dataset.kind}-${stamp}`;
}
