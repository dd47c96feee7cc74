/**
 * Each column set, declared once: the explorer's trajectory, a network run's per-step and
 * per-epoch curves, and a basin map's per-start results. A column has a name, a width (numbers
 * per entry), an element type, the name of its array in a session file and the values it may
 * hold there. The frame types (protocol), the session manifest's array references and the
 * recording's arrays (session), the codec that writes and checks them, the transfer list of a
 * frame and the client's buffers all derive from these declarations: a new column is one line
 * here.
 *
 * The order of a set is the order its arrays are written to and checked in a session file:
 * changing it changes the files' bytes.
 */
import type { ArrayDtype, TypedArrayOf } from './arrays';

/**
 * What a recorded column's values may be; a session reader refuses a file holding others.
 * `any`: whatever the schedule or optimizer gave (NaN and ±∞ included). `finite`. `nonNegative`:
 * ≥ 0, ∞ included, never NaN. `notNaN`: any number but NaN. `fractionOrNaN`: in [0, 1], or NaN
 * where there is none. `epochSteps`: the whole steps ending each epoch, increasing, from 1 up to
 * the run's steps. `basinLabels`: −2, −1 or the index of one of the map's minima. `basinSteps`:
 * at most the map's steps.
 */
export type ColumnValues =
  | 'any'
  | 'finite'
  | 'nonNegative'
  | 'notNaN'
  | 'fractionOrNaN'
  | 'epochSteps'
  | 'basinLabels'
  | 'basinSteps';

/** One column of a set. */
export interface ColumnSpec {
  /** Numbers per entry: 3 for (x, y, loss), 2 for a 2-D vector, 1 for a scalar. */
  readonly width: number;
  /** Its element type, in frames and in session files. */
  readonly dtype: ArrayDtype;
  /** Its array's last name in a session file (`explorer/runs/0/<file>`); absent: not recorded. */
  readonly file?: string;
  /** Its name in the session (manifest and recording) when that differs from its name here. */
  readonly recordedAs?: string;
  /** What its recorded values may be. */
  readonly values: ColumnValues;
}

/** A column set: columns by name, in file order. */
export type ColumnSet = Readonly<Record<string, ColumnSpec>>;

/** A set's typed arrays by column name: what a frame carries and a client buffer holds. */
export type ColumnArrays<S extends ColumnSet> = {
  -readonly [K in keyof S]: TypedArrayOf[S[K]['dtype']];
};

/** A column's name in the session. */
type RecordedName<S extends ColumnSet, K extends keyof S> = S[K] extends {
  recordedAs: infer R extends string;
}
  ? R
  : K;

/** The typed arrays a session records of a set, by their name there. */
export type RecordedColumns<S extends ColumnSet> = {
  -readonly [
    K in keyof S as S[K] extends { file: string } ? RecordedName<S, K> : never
  ]: TypedArrayOf[S[K]['dtype']];
};

/** A recorded column: its name in the set, its name in the session, and its declaration. */
export interface RecordedColumn {
  name: string;
  key: string;
  column: ColumnSpec & { file: string };
}

/** A set's column names, in order. */
export function columnNames<S extends ColumnSet>(set: S): (keyof S & string)[] {
  return Object.keys(set);
}

/** The columns a session records of a set, in file order. */
export function recordedColumns(set: ColumnSet): RecordedColumn[] {
  const out: RecordedColumn[] = [];
  for (const [name, column] of Object.entries(set)) {
    if (column.file === undefined) continue;
    out.push({ name, key: column.recordedAs ?? name, column: { ...column, file: column.file } });
  }
  return out;
}

/** One value per column of a set, computed from each column's name and declaration. */
export function mapColumns<S extends ColumnSet, V>(
  set: S,
  f: (name: keyof S & string, column: ColumnSpec) => V,
): Record<keyof S & string, V> {
  const out = {} as Record<keyof S & string, V>;
  for (const name of columnNames(set)) out[name] = f(name, set[name]);
  return out;
}

/** The buffers of a set's arrays, to transfer (not copy) them with the frame that holds them. */
export function columnBuffers<S extends ColumnSet>(set: S, arrays: ColumnArrays<S>): ArrayBuffer[] {
  return columnNames(set).map((name) => arrays[name].buffer as ArrayBuffer);
}

// ---------------------------------------------------------------------------------------------
// The explorer

/**
 * An analytic run's trajectory, one entry per point; point k is θ after k steps. `gradNorm`
 * and `grad` describe the point, `lr` and `effStep` the step leaving it. A session records
 * steps + 1 points; only finite points are kept (a diverging step is not), though ‖∇L‖ of a
 * finite gradient may still overflow to ∞.
 */
export const trajectoryColumns = {
  /** (x, y, loss) per point. */
  points: { width: 3, dtype: 'f64', file: 'points', values: 'finite' },
  /** ‖∇L‖ at each point. */
  gradNorm: { width: 1, dtype: 'f64', file: 'grad-norm', values: 'nonNegative' },
  /** η of the step leaving each point (base η times the schedule). */
  lr: { width: 1, dtype: 'f64', file: 'lr', values: 'any' },
  /** ∇L at each point, (∂L/∂x, ∂L/∂y) pairs. */
  grad: { width: 2, dtype: 'f64', file: 'grad', values: 'finite' },
  /**
   * The step size per unit gradient each coordinate took leaving each point (η, or η/σ with σ
   * including that point's gradient); NaN for a point whose step is still to come.
   */
  effStep: { width: 2, dtype: 'f64', file: 'eff-step', values: 'any' },
} as const satisfies ColumnSet;
/** An analytic run's trajectory arrays (a frame's, a recording's, a client's). */
export type TrajectoryColumns = ColumnArrays<typeof trajectoryColumns>;
export type TrajectoryColumn = keyof typeof trajectoryColumns;

/**
 * A basin map's results, one entry per start, row-major with y the slow axis
 * ([j * resolution + i]), on the grid of surface.sample at the same resolution.
 */
export const basinColumns = {
  /** k ≥ 0 reached minima[k], −1 ended elsewhere, −2 diverged. */
  labels: { width: 1, dtype: 'i16', file: 'labels', values: 'basinLabels' },
  /**
   * Steps until the start stayed within `radius` of its minimum; for −1 the steps taken; for −2
   * the step whose result was not finite.
   */
  steps: { width: 1, dtype: 'u32', file: 'steps', values: 'basinSteps' },
  /** (x, y) after the last step; a diverged start's last finite point. */
  finals: { width: 2, dtype: 'f64', file: 'finals', values: 'finite' },
} as const satisfies ColumnSet;
/** A basin map's per-start arrays. */
export type BasinColumns = ColumnArrays<typeof basinColumns>;

// ---------------------------------------------------------------------------------------------
// The network lab

/**
 * A network run's curves, one entry per update (step t is entry t − 1 of a recording). A step
 * is recorded only when its loss, gradient and θ are finite.
 */
export const networkStepColumns = {
  /** The batch's loss. */
  loss: { width: 1, dtype: 'f64', file: 'loss', values: 'finite' },
  /** The batch's accuracy; NaN for regression. */
  accuracy: { width: 1, dtype: 'f64', file: 'accuracy', values: 'fractionOrNaN' },
  /** ‖∇L‖ of the update. */
  gradNorm: { width: 1, dtype: 'f64', file: 'grad-norm', values: 'nonNegative' },
  /** η of the update (whatever the schedule gave). */
  lr: { width: 1, dtype: 'f64', file: 'lr', values: 'any' },
  /** Wall-clock milliseconds of the update. */
  updateMs: { width: 1, dtype: 'f64', file: 'update-ms', values: 'finite' },
  /** Examples in the update's batch (their running sum is the examples seen); not recorded. */
  examples: { width: 1, dtype: 'f64', values: 'any' },
} as const satisfies ColumnSet;
/** A network run's per-step curve arrays. */
export type NetworkStepColumns = ColumnArrays<typeof networkStepColumns>;

/**
 * A network run's curves, one entry per completed epoch. Validation values are NaN for an
 * epoch not validated (and its loss may be anything θ gives there).
 */
export const networkEpochColumns = {
  /** The step at the epoch's end. */
  step: {
    width: 1,
    dtype: 'f64',
    file: 'epoch-step',
    recordedAs: 'epochStep',
    values: 'epochSteps',
  },
  /** Mean loss over the training set (a mean of finite losses may still overflow to ∞). */
  trainLoss: { width: 1, dtype: 'f64', file: 'train-loss', values: 'notNaN' },
  trainAccuracy: { width: 1, dtype: 'f64', file: 'train-accuracy', values: 'fractionOrNaN' },
  validationLoss: { width: 1, dtype: 'f64', file: 'validation-loss', values: 'any' },
  validationAccuracy: {
    width: 1,
    dtype: 'f64',
    file: 'validation-accuracy',
    values: 'fractionOrNaN',
  },
  /** Wall-clock milliseconds of the epoch. */
  epochMs: { width: 1, dtype: 'f64', file: 'epoch-ms', values: 'finite' },
} as const satisfies ColumnSet;
/** A network run's per-epoch curve arrays. */
export type NetworkEpochColumns = ColumnArrays<typeof networkEpochColumns>;
