/**
 * Trajectories and curves as data: JSON (one object per run, arrays per quantity) and CSV (one
 * row per step per run). Everything here is what the engine reported, unrounded.
 */
import type { TrajectoryColumn } from '../../../../electron/common/columns';
import type { RunState } from '../../../../electron/common/protocol';
import type { Point, SurfaceSpec } from '../../../../electron/common/schemas';
import type { TrajectoryView } from '../views/view-data';

export interface ExportRun {
  runId: string;
  color: string;
  trajectory: TrajectoryView;
  state: RunState | undefined;
}

export interface TrajectoryExport {
  format: 'losslab-trajectories';
  version: 1;
  surface: SurfaceSpec;
  start: Point;
  runs: ({
    runId: string;
    label: string;
    color: string;
    optimizer: string;
    hyper: RunState['hyper'] | null;
    schedule: RunState['schedule'] | null;
    status: string;
    reason: string | null;
    changes: RunState['changes'];
  } & TrajectoryExportColumns)[];
}

/**
 * A run's trajectory columns in an export, a row per point (a scalar column's rows bare),
 * non-finite values as null. It has every column of the trajectory's declaration, so a column
 * declared there is not exported until it is given its shape here.
 */
export interface TrajectoryExportColumns extends Record<TrajectoryColumn, unknown> {
  /** [x, y, loss] per point; point k is θ after k steps. */
  points: [number, number, number][];
  gradNorm: (number | null)[];
  lr: (number | null)[];
  grad: [number | null, number | null][];
  /** η/σ per coordinate used by the step leaving each point (null where none was taken yet). */
  effStep: [number | null, number | null][];
}

/** JSON has no NaN or Infinity: such values become null. */
export const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function trajectoriesJson(
  surface: SurfaceSpec,
  start: Point,
  runs: ExportRun[],
  labelOf: (run: ExportRun) => string,
): TrajectoryExport {
  return {
    format: 'losslab-trajectories',
    version: 1,
    surface,
    start,
    runs: runs.map((run) => {
      const t = run.trajectory;
      const n = t.count;
      const points: [number, number, number][] = [];
      const gradNorm: (number | null)[] = [];
      const lr: (number | null)[] = [];
      const grad: [number | null, number | null][] = [];
      const effStep: [number | null, number | null][] = [];
      for (let i = 0; i < n; i++) {
        points.push([t.x(i), t.y(i), t.loss(i)]);
        gradNorm.push(finite(t.gradNorm[i]));
        lr.push(finite(t.lr[i]));
        grad.push([finite(t.grad[2 * i]), finite(t.grad[2 * i + 1])]);
        effStep.push([finite(t.effStep[2 * i]), finite(t.effStep[2 * i + 1])]);
      }
      return {
        runId: run.runId,
        label: labelOf(run),
        color: run.color,
        optimizer: run.state?.optimizer ?? 'unknown',
        hyper: run.state?.hyper ?? null,
        schedule: run.state?.schedule ?? null,
        status: run.state?.status ?? 'ok',
        reason: run.state?.reason ?? null,
        changes: run.state?.changes ?? [],
        points,
        gradNorm,
        lr,
        grad,
        effStep,
      };
    }),
  };
}

export const CSV_COLUMNS = [
  'run',
  'label',
  'optimizer',
  'step',
  'x',
  'y',
  'loss',
  'grad_norm',
  'lr',
  'grad_x',
  'grad_y',
  'eff_step_x',
  'eff_step_y',
] as const;

export function csvField(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One row per step per run, with a header row. */
export function trajectoriesCsv(runs: ExportRun[], labelOf: (run: ExportRun) => string): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const run of runs) {
    const t = run.trajectory;
    const label = labelOf(run);
    const optimizer = run.state?.optimizer ?? '';
    for (let i = 0; i < t.count; i++) {
      lines.push(
        [
          run.runId,
          label,
          optimizer,
          i,
          t.x(i),
          t.y(i),
          t.loss(i),
          t.gradNorm[i],
          t.lr[i],
          t.grad[2 * i],
          t.grad[2 * i + 1],
          t.effStep[2 * i],
          t.effStep[2 * i + 1],
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** A file name stem for exports: losslab-<surface>-<date>. */
export function exportStem(surface: SurfaceSpec): string {
  const name = typeof surface === 'string' ? surface : 'expression';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return `losslab-${name}-${stamp}`;
}
