/**
 * `.losslab` manifest and arrays ⇄ SessionData, reading side: every array reference resolved
 * and checked against its role — the dtype and length its column needs, then (in slices) the
 * values it may hold — so a file is refused with one line naming the array at fault.
 */
import type { RunStatus } from '../../common/protocol';
import {
  decodeReal,
  DTYPE_BYTES,
  SessionError,
  type AnalyticRunRecording,
  type ArrayDtype,
  type BasinMapRecording,
  type ForkOrigin,
  type LandscapeRecording,
  type NetworkRunRecording,
  type SessionData,
  type SessionManifest,
  type SessionTypedArray,
  type TypedArrayOf,
} from '../../common/session';
import {
  basinColumns,
  networkEpochColumns,
  networkStepColumns,
  recordedColumns,
  trajectoryColumns,
  type ColumnSet,
  type ColumnValues,
  type RecordedColumns,
} from '../../common/columns';
import type { SessionArchive } from './container';
import { decodeCritical } from './critical-part';
import { runSync, type Progress, type Steps } from './slices';

/** What every run carries beside its arrays, the same in the manifest and in memory. */
export interface RunHeader<Config, Change> {
  config: Config;
  color?: string;
  changes: Change[];
  status: RunStatus;
  reason?: string;
  steps: number;
  forkedFrom?: ForkOrigin;
}

/** A run's header copied across (manifest ⇄ recording), its optional fields only when set. */
export function runHeader<Config, Change>(
  run: RunHeader<Config, Change>,
): RunHeader<Config, Change> {
  return {
    config: run.config,
    ...(run.color !== undefined ? { color: run.color } : {}),
    changes: run.changes,
    status: run.status,
    ...(run.reason !== undefined ? { reason: run.reason } : {}),
    steps: run.steps,
    ...(run.forkedFrom ? { forkedFrom: run.forkedFrom } : {}),
  };
}

/**
 * A landscape's directions apart from their arrays, as the manifest keeps them and a recording
 * holds them: the same fields in the same order both ways (the order is part of the file).
 */
export function directionsHeader<
  D extends {
    kind: unknown;
    seed?: unknown;
    name?: unknown;
    explainedVariance?: unknown;
    points?: unknown;
    eigenvalues?: unknown;
  },
>(d: D): Pick<D, 'kind' | 'seed' | 'name' | 'explainedVariance' | 'points' | 'eigenvalues'> {
  return {
    kind: d.kind,
    ...(d.seed !== undefined ? { seed: d.seed } : {}),
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.explainedVariance ? { explainedVariance: d.explainedVariance } : {}),
    ...(d.points !== undefined ? { points: d.points } : {}),
    ...(d.eigenvalues ? { eigenvalues: d.eigenvalues } : {}),
  };
}

/** Bytes of every array a manifest lists. */
export function arrayBytes(manifest: SessionManifest): number {
  let total = 0;
  for (const info of Object.values(manifest.arrays)) total += info.length * DTYPE_BYTES[info.dtype];
  return total;
}

/**
 * What an array's values must be, beyond its dtype and length: `bad(array, i)` is true for a
 * value the writer never produces there, and `must` says what it must be instead.
 */
interface ValueRule {
  bad(array: ArrayLike<number>, i: number): boolean;
  must: string;
}

const finite: ValueRule = { bad: (a, i) => !Number.isFinite(a[i]), must: 'must be finite' };
const notNaN: ValueRule = { bad: (a, i) => Number.isNaN(a[i]), must: 'must be a number' };
const nonNegative: ValueRule = {
  bad: (a, i) => !(a[i] >= 0),
  must: 'must be a number ≥ 0',
};
/** A fraction, or NaN where there is none (regression; an epoch not validated). */
const fractionOrNaN: ValueRule = {
  bad: (a, i) => a[i] < 0 || a[i] > 1,
  must: 'must be between 0 and 1, or NaN',
};

/** The rules of the values a column declares that need no context (the others are given). */
const VALUE_RULES: Partial<Record<ColumnValues, ValueRule>> = {
  finite,
  nonNegative,
  notNaN,
  fractionOrNaN,
};

/** Whole steps in strictly increasing order, from `first` up to `last` (when given). */
function increasingSteps(what: string, first: number, last = Infinity): ValueRule {
  return {
    bad: (a, i) => {
      const v = a[i];
      return !(Number.isInteger(v) && v >= first && v <= last && (i === 0 || a[i - 1] < v));
    },
    must: `must be ${what}: whole numbers in increasing order, from ${first}${last < Infinity ? ` to ${last}` : ' on'}`,
  };
}

/** Elements checked between two pauses. */
const SCAN_CHUNK = 2 ** 16;

/** A number for a message: its value, or its bit pattern's meaning (NaN, Infinity). */
function valueText(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * A session from its manifest and arrays, every reference resolved and checked: it must name
 * an array the file has, of the dtype and length its role needs, holding only values its
 * role can have. The manifest must have been validated (unpackArchive does).
 */
export function decodeSession(archive: SessionArchive): SessionData {
  return runSync(decodeSessionSteps(archive, { done: 0, total: arrayBytes(archive.manifest) }));
}

/** decodeSession as steps that pause while the arrays' values are checked. */
export function* decodeSessionSteps(
  archive: SessionArchive,
  progress: Progress,
): Steps<SessionData> {
  const { manifest } = archive;
  const scans: { array: SessionTypedArray; name: string; field: string; rule: ValueRule }[] = [];
  const take = <D extends ArrayDtype>(
    name: string,
    dtype: D,
    length: number | undefined,
    field: string,
    what: string,
    rule?: ValueRule,
  ): TypedArrayOf[D] => {
    const info = manifest.arrays[name];
    const array = archive.arrays.get(name);
    if (!info || !array) {
      throw new SessionError(
        `the session file is damaged: ${field} refers to array "${name}", which the file does not have`,
        field,
      );
    }
    if (info.dtype !== dtype) {
      throw new SessionError(
        `the session file is damaged: array "${name}" (${field}) is ${info.dtype}; ${what} must be ${dtype}`,
        field,
      );
    }
    if (length !== undefined && array.length !== length) {
      throw new SessionError(
        `the session file is damaged: array "${name}" (${field}) has ${array.length} values; ${what} needs ${length}`,
        field,
      );
    }
    if (rule) scans.push({ array, name, field, rule });
    else progress.done += array.byteLength;
    return array as TypedArrayOf[D];
  };

  /**
   * A set's recorded arrays, `count` entries each, from the manifest's references `refs` (at
   * `field`); `rules` gives what each column's values may be beyond its declaration's dtype.
   */
  const takeColumns = <S extends ColumnSet>(
    set: S,
    refs: Record<keyof RecordedColumns<S>, string>,
    count: number,
    field: string,
    what: string,
    rules: Partial<Record<ColumnValues, ValueRule>> = {},
  ): RecordedColumns<S> => {
    const out: Record<string, SessionTypedArray> = {};
    const names = refs as Record<string, string>;
    for (const { key, column } of recordedColumns(set)) {
      const rule = rules[column.values] ?? VALUE_RULES[column.values];
      if (!rule && column.values !== 'any') {
        throw new Error(`no rule given for the values of ${field}.${key} (${column.values})`);
      }
      out[key] = take(
        names[key],
        column.dtype,
        column.width * count,
        `${field}.${key}`,
        what,
        rule,
      );
    }
    return out as RecordedColumns<S>;
  };

  const data: SessionData = {
    createdAt: manifest.createdAt,
    savedAt: manifest.savedAt,
    app: manifest.app,
    view: manifest.view as SessionData['view'],
  };
  if (manifest.title !== undefined) data.title = manifest.title;
  if (manifest.autosave) data.autosave = true;
  if (manifest.exercise) data.exercise = manifest.exercise;

  if (manifest.explorer) {
    const e = manifest.explorer;
    const runs = e.runs.map((run, i): AnalyticRunRecording => {
      const f = `explorer.runs.${i}.arrays`;
      const what = `a run of ${run.steps} steps`;
      return {
        ...runHeader(run),
        ...takeColumns(trajectoryColumns, run.arrays, run.steps + 1, f, what),
      };
    });
    data.explorer = { surface: e.surface, start: e.start, runs };
    if (e.basins) {
      const b = e.basins;
      const starts = b.spec.resolution ** 2;
      const what = `a ${b.spec.resolution} × ${b.spec.resolution} basin map`;
      const f = 'explorer.basins.arrays';
      const minima = b.minima.length;
      const label: ValueRule = {
        bad: (a, i) => a[i] < -2 || a[i] >= minima,
        must: `must be −2 (diverged), −1 (no minimum) or the index of one of the ${minima} minima`,
      };
      const steps: ValueRule = {
        bad: (a, i) => a[i] > b.spec.steps,
        must: `must be at most the map's ${b.spec.steps} steps`,
      };
      const basins: BasinMapRecording = {
        spec: b.spec,
        domain: b.domain,
        minima: b.minima,
        radius: b.radius,
        ...takeColumns(basinColumns, b.arrays, starts, f, what, {
          basinLabels: label,
          basinSteps: steps,
        }),
      };
      data.explorer.basins = basins;
    }
  }

  if (manifest.network) {
    const n = manifest.network;
    const runs = n.runs.map((run, i): NetworkRunRecording => {
      const f = `network.runs.${i}.arrays`;
      const a = run.arrays;
      const steps = `a run of ${run.steps} steps`;
      const epochs = `a run of ${run.epochs} epochs`;
      const snapshotSteps = take(
        a.snapshotSteps,
        'u32',
        undefined,
        `${f}.snapshotSteps`,
        '',
        increasingSteps('θ snapshot steps', 0, run.steps),
      );
      const count = snapshotSteps.length;
      return {
        // A run recorded without `shards` computed every batch in one pass.
        ...runHeader({ ...run, config: { ...run.config, shards: run.config.shards ?? 1 } }),
        epochs: run.epochs,
        parameters: run.parameters,
        snapshotSpacing: run.snapshotSpacing,
        ...takeColumns(networkStepColumns, a, run.steps, f, steps),
        ...takeColumns(networkEpochColumns, a, run.epochs, f, epochs, {
          epochSteps: increasingSteps('the steps ending each epoch', 1, run.steps),
        }),
        snapshotSteps,
        // θ is always finite; in float32 a huge entry may become ±∞, never NaN.
        snapshots: take(
          a.snapshots,
          'f32',
          count * run.parameters,
          `${f}.snapshots`,
          `${count} snapshots of ${run.parameters} parameters`,
          notNaN,
        ),
        finalTheta: take(
          a.finalTheta,
          'f64',
          run.parameters,
          `${f}.finalTheta`,
          `θ of ${run.parameters} parameters`,
          finite,
        ),
        ...(a.startTheta !== undefined
          ? {
              startTheta: take(
                a.startTheta,
                'f64',
                run.parameters,
                `${f}.startTheta`,
                `θ of ${run.parameters} parameters`,
                finite,
              ),
            }
          : {}),
      };
    });
    const landscapes = n.landscapes.map((l, i): LandscapeRecording => {
      const f = `network.landscapes.${i}`;
      const cells = l.resolution ** 2;
      const grid = `a ${l.resolution} × ${l.resolution} grid`;
      const center = take(l.arrays.center, 'f64', undefined, `${f}.arrays.center`, '', finite);
      const size = center.length;
      const theta = `θ of ${size} parameters`;
      const d = l.directions;
      return {
        id: l.id,
        ...(l.label !== undefined ? { label: l.label } : {}),
        resolution: l.resolution,
        range: l.range,
        split: l.split,
        min: decodeReal(l.min),
        max: decodeReal(l.max),
        centerLoss: decodeReal(l.centerLoss),
        ...(l.centerOf ? { centerOf: l.centerOf } : {}),
        directions: {
          ...directionsHeader(d),
          d1: take(l.arrays.d1, 'f64', size, `${f}.arrays.d1`, theta, finite),
          d2: take(l.arrays.d2, 'f64', size, `${f}.arrays.d2`, theta, finite),
        },
        // NaN where the loss is not finite (or, in float32, ±∞ past its range).
        values: take(l.arrays.values, 'f32', cells, `${f}.arrays.values`, grid),
        center,
        projections: l.projections.map((p, j) => {
          const pf = `${f}.projections.${j}.arrays`;
          const steps = take(
            p.arrays.steps,
            'f64',
            undefined,
            `${pf}.steps`,
            '',
            increasingSteps('steps', 0),
          );
          const what = `a projection of ${steps.length} points`;
          return {
            runId: p.runId,
            steps,
            alpha: take(p.arrays.alpha, 'f64', steps.length, `${pf}.alpha`, what),
            beta: take(p.arrays.beta, 'f64', steps.length, `${pf}.beta`, what),
            distance: take(p.arrays.distance, 'f64', steps.length, `${pf}.distance`, what),
            ...(p.arrays.loss
              ? { loss: take(p.arrays.loss, 'f64', steps.length, `${pf}.loss`, what) }
              : {}),
          };
        }),
      };
    });
    const t = n.table;
    data.network = {
      ...(n.dataset ? { dataset: n.dataset } : {}),
      ...(t
        ? {
            table: {
              inputs: t.inputs,
              ...(t.classNames ? { classNames: t.classNames } : {}),
              x: take(
                t.arrays.x,
                'f64',
                t.rows * t.inputs.length,
                'network.table.arrays.x',
                `${t.rows} rows of ${t.inputs.length} inputs`,
                finite,
              ),
              y: take(
                t.arrays.y,
                'f64',
                t.rows,
                'network.table.arrays.y',
                `${t.rows} rows`,
                finite,
              ),
            },
          }
        : {}),
      ...(n.model ? { model: n.model } : {}),
      ...(n.source ? { source: n.source } : {}),
      runs,
      landscapes,
    };
  }

  if (manifest.critical) {
    // Any f64 value: a diverged training's series holds NaN and ±∞.
    data.critical = decodeCritical(manifest.critical, (name, length, field, what) =>
      take(name, 'f64', length, field, what),
    );
  }

  if (manifest.experiments) {
    // Plain JSON, checked whole by the manifest's schema.
    data.experiments = { experiments: manifest.experiments.experiments };
  }

  // Every role is resolved: now each array's values, in slices.
  for (const { array, name, field, rule } of scans) {
    for (let from = 0; from < array.length; from += SCAN_CHUNK) {
      const to = Math.min(array.length, from + SCAN_CHUNK);
      for (let i = from; i < to; i++) {
        if (rule.bad(array, i)) {
          throw new SessionError(
            `the session file is damaged: array "${name}" (${field}) holds ${valueText(array[i])} at index ${i}; its values ${rule.must}`,
            field,
          );
        }
      }
      progress.done += (to - from) * array.BYTES_PER_ELEMENT;
      yield progress;
    }
  }
  return data;
}
