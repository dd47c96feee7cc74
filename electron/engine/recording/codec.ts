/**
 * SessionData ⇄ `.losslab` bytes: the manifest's array references are named after where they
 * belong (`explorer/runs/0/points`, `network/landscapes/1/values`, …) and resolved back with
 * their roles checked: a run's points must be f64 and 3 (steps + 1) long, and so on.
 */
import type { RunStatus } from '../../common/protocol';
import {
  decodeReal,
  encodeReal,
  SESSION_FORMAT,
  SESSION_VERSION,
  SessionError,
  type AnalyticRunManifest,
  type AnalyticRunRecording,
  type ArrayDtype,
  type BasinMapRecording,
  type ExplorerManifest,
  type ForkOrigin,
  type LandscapeManifest,
  type LandscapeRecording,
  type NetworkManifest,
  type NetworkRunManifest,
  type NetworkRunRecording,
  type SessionData,
  type SessionManifest,
  type SessionTypedArray,
  type TypedArrayOf,
} from '../../common/session';
import {
  dtypeOf,
  packArchive,
  packArchiveAsync,
  unpackArchive,
  validateManifest,
  type ArchiveLimits,
  type SessionArchive,
} from './container';

/** What every run carries beside its arrays, the same in the manifest and in memory. */
interface RunHeader<Config, Change> {
  config: Config;
  color?: string;
  changes: Change[];
  status: RunStatus;
  reason?: string;
  steps: number;
  forkedFrom?: ForkOrigin;
}

/** A run's header copied across (manifest ⇄ recording), its optional fields only when set. */
function runHeader<Config, Change>(run: RunHeader<Config, Change>): RunHeader<Config, Change> {
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

/** Options of writeSession. */
export interface WriteOptions {
  /** The file's `savedAt`. @default now */
  savedAt?: Date;
}

/**
 * A session as the bytes of a `.losslab` file. The session is checked exactly as a reader
 * checks it first, so this never writes a file LossLab would refuse to open.
 */
export function writeSession(data: SessionData, options: WriteOptions = {}): Uint8Array {
  const { manifest, arrays } = encodeSession(data, options);
  return packArchive(manifest, arrays);
}

/**
 * writeSession in slices, yielding to the event loop between them (for the autosaver: a large
 * session must not stall the engine's playback while it is written). The session's arrays
 * must not change meanwhile: sessionFromRuns gives copies.
 */
export async function writeSessionAsync(
  data: SessionData,
  options: WriteOptions & {
    /** Bytes hashed or zipped between two yields. @default 4 MiB */
    sliceBytes?: number;
  } = {},
): Promise<Uint8Array> {
  const { manifest, arrays } = encodeSession(data, options);
  return packArchiveAsync(manifest, arrays, options.sliceBytes);
}

/**
 * The session in a `.losslab` file's bytes. Throws a SessionError saying what is wrong when
 * the bytes are not a session this LossLab can read; has no side effects either way.
 */
export function readSession(bytes: Uint8Array, limits?: ArchiveLimits): SessionData {
  return decodeSession(unpackArchive(bytes, limits));
}

/** The manifest (without its array table) and the arrays a session is written as. */
export function encodeSession(
  data: SessionData,
  options: WriteOptions = {},
): { manifest: Omit<SessionManifest, 'arrays'>; arrays: Map<string, SessionTypedArray> } {
  const arrays = new Map<string, SessionTypedArray>();
  const put = (name: string, array: SessionTypedArray): string => {
    arrays.set(name, array);
    return name;
  };
  const savedAt = (options.savedAt ?? new Date()).toISOString();

  let explorer: ExplorerManifest | undefined;
  if (data.explorer) {
    const e = data.explorer;
    explorer = {
      surface: e.surface,
      start: e.start,
      runs: e.runs.map((run, i): AnalyticRunManifest => {
        const at = `explorer/runs/${i}`;
        return {
          ...runHeader(run),
          arrays: {
            points: put(`${at}/points`, run.points),
            gradNorm: put(`${at}/grad-norm`, run.gradNorm),
            lr: put(`${at}/lr`, run.lr),
            grad: put(`${at}/grad`, run.grad),
            effStep: put(`${at}/eff-step`, run.effStep),
          },
        };
      }),
    };
    if (e.basins) {
      const b = e.basins;
      explorer.basins = {
        spec: b.spec,
        domain: b.domain,
        minima: b.minima,
        radius: b.radius,
        arrays: {
          labels: put('explorer/basins/labels', b.labels),
          steps: put('explorer/basins/steps', b.steps),
          finals: put('explorer/basins/finals', b.finals),
        },
      };
    }
  }

  let network: NetworkManifest | undefined;
  if (data.network) {
    const n = data.network;
    network = {
      dataset: n.dataset,
      model: n.model,
      runs: n.runs.map((run, i): NetworkRunManifest => {
        const at = `network/runs/${i}`;
        return {
          ...runHeader(run),
          epochs: run.epochs,
          parameters: run.parameters,
          snapshotSpacing: run.snapshotSpacing,
          arrays: {
            loss: put(`${at}/loss`, run.loss),
            accuracy: put(`${at}/accuracy`, run.accuracy),
            gradNorm: put(`${at}/grad-norm`, run.gradNorm),
            lr: put(`${at}/lr`, run.lr),
            updateMs: put(`${at}/update-ms`, run.updateMs),
            epochStep: put(`${at}/epoch-step`, run.epochStep),
            trainLoss: put(`${at}/train-loss`, run.trainLoss),
            trainAccuracy: put(`${at}/train-accuracy`, run.trainAccuracy),
            validationLoss: put(`${at}/validation-loss`, run.validationLoss),
            validationAccuracy: put(`${at}/validation-accuracy`, run.validationAccuracy),
            epochMs: put(`${at}/epoch-ms`, run.epochMs),
            snapshotSteps: put(`${at}/snapshot-steps`, run.snapshotSteps),
            snapshots: put(`${at}/snapshots`, run.snapshots),
            finalTheta: put(`${at}/final-theta`, run.finalTheta),
          },
        };
      }),
      landscapes: n.landscapes.map((l, i): LandscapeManifest => {
        const at = `network/landscapes/${i}`;
        const d = l.directions;
        return {
          id: l.id,
          ...(l.label !== undefined ? { label: l.label } : {}),
          resolution: l.resolution,
          range: l.range,
          split: l.split,
          min: encodeReal(l.min),
          max: encodeReal(l.max),
          centerLoss: encodeReal(l.centerLoss),
          ...(l.centerOf ? { centerOf: l.centerOf } : {}),
          directions: {
            kind: d.kind,
            ...(d.seed !== undefined ? { seed: d.seed } : {}),
            ...(d.name !== undefined ? { name: d.name } : {}),
            ...(d.explainedVariance ? { explainedVariance: d.explainedVariance } : {}),
            ...(d.points !== undefined ? { points: d.points } : {}),
          },
          arrays: {
            values: put(`${at}/values`, l.values),
            center: put(`${at}/center`, l.center),
            d1: put(`${at}/d1`, d.d1),
            d2: put(`${at}/d2`, d.d2),
          },
          projections: l.projections.map((p, j) => {
            const pa = `${at}/projections/${j}`;
            return {
              runId: p.runId,
              arrays: {
                steps: put(`${pa}/steps`, p.steps),
                alpha: put(`${pa}/alpha`, p.alpha),
                beta: put(`${pa}/beta`, p.beta),
                distance: put(`${pa}/distance`, p.distance),
                ...(p.loss ? { loss: put(`${pa}/loss`, p.loss) } : {}),
              },
            };
          }),
        };
      }),
    };
  }

  const manifest: Omit<SessionManifest, 'arrays'> = {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    createdAt: data.createdAt,
    savedAt,
    app: data.app,
    ...(data.title !== undefined ? { title: data.title } : {}),
    ...(data.autosave ? { autosave: true } : {}),
    ...(explorer ? { explorer } : {}),
    ...(network ? { network } : {}),
    view: data.view,
  };
  return { manifest: checkWritable(manifest, arrays), arrays };
}

/**
 * Refuses to write what a reader would refuse: the manifest against the schema (with a
 * placeholder table) and every array against its role. Returns the manifest as the schema
 * outputs it, so its keys are in one canonical order and a session rewritten after reading is
 * the same bytes.
 */
function checkWritable(
  manifest: Omit<SessionManifest, 'arrays'>,
  arrays: Map<string, SessionTypedArray>,
): Omit<SessionManifest, 'arrays'> {
  const table: SessionManifest['arrays'] = {};
  for (const [name, array] of arrays) {
    table[name] = { dtype: dtypeOf(array), length: array.length, sha256: '0'.repeat(64) };
  }
  try {
    const checked = validateManifest({ ...manifest, arrays: table });
    decodeSession({ manifest: checked, arrays });
    const { arrays: _table, ...canonical } = checked;
    return canonical;
  } catch (err) {
    if (err instanceof SessionError) {
      throw new SessionError(`cannot save this session: ${err.message}`, err.field);
    }
    throw err;
  }
}

/**
 * A session from its manifest and arrays, every reference resolved and checked: it must name
 * an array the file has, of the dtype and length its role needs. The manifest must have been
 * validated (unpackArchive does).
 */
export function decodeSession(archive: SessionArchive): SessionData {
  const { manifest } = archive;
  const take = <D extends ArrayDtype>(
    name: string,
    dtype: D,
    length: number | undefined,
    field: string,
    what: string,
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
    return array as TypedArrayOf[D];
  };

  const data: SessionData = {
    createdAt: manifest.createdAt,
    savedAt: manifest.savedAt,
    app: manifest.app,
    view: manifest.view as SessionData['view'],
  };
  if (manifest.title !== undefined) data.title = manifest.title;
  if (manifest.autosave) data.autosave = true;

  if (manifest.explorer) {
    const e = manifest.explorer;
    const runs = e.runs.map((run, i): AnalyticRunRecording => {
      const f = `explorer.runs.${i}.arrays`;
      const points = run.steps + 1;
      const what = `a run of ${run.steps} steps`;
      return {
        ...runHeader(run),
        points: take(run.arrays.points, 'f64', 3 * points, `${f}.points`, what),
        gradNorm: take(run.arrays.gradNorm, 'f64', points, `${f}.gradNorm`, what),
        lr: take(run.arrays.lr, 'f64', points, `${f}.lr`, what),
        grad: take(run.arrays.grad, 'f64', 2 * points, `${f}.grad`, what),
        effStep: take(run.arrays.effStep, 'f64', 2 * points, `${f}.effStep`, what),
      };
    });
    data.explorer = { surface: e.surface, start: e.start, runs };
    if (e.basins) {
      const b = e.basins;
      const starts = b.spec.resolution ** 2;
      const what = `a ${b.spec.resolution} × ${b.spec.resolution} basin map`;
      const f = 'explorer.basins.arrays';
      const basins: BasinMapRecording = {
        spec: b.spec,
        domain: b.domain,
        minima: b.minima,
        radius: b.radius,
        labels: take(b.arrays.labels, 'i16', starts, `${f}.labels`, what),
        steps: take(b.arrays.steps, 'u32', starts, `${f}.steps`, what),
        finals: take(b.arrays.finals, 'f64', 2 * starts, `${f}.finals`, what),
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
      const snapshotSteps = take(a.snapshotSteps, 'u32', undefined, `${f}.snapshotSteps`, '');
      const count = snapshotSteps.length;
      return {
        ...runHeader(run),
        epochs: run.epochs,
        parameters: run.parameters,
        snapshotSpacing: run.snapshotSpacing,
        loss: take(a.loss, 'f64', run.steps, `${f}.loss`, steps),
        accuracy: take(a.accuracy, 'f64', run.steps, `${f}.accuracy`, steps),
        gradNorm: take(a.gradNorm, 'f64', run.steps, `${f}.gradNorm`, steps),
        lr: take(a.lr, 'f64', run.steps, `${f}.lr`, steps),
        updateMs: take(a.updateMs, 'f64', run.steps, `${f}.updateMs`, steps),
        epochStep: take(a.epochStep, 'f64', run.epochs, `${f}.epochStep`, epochs),
        trainLoss: take(a.trainLoss, 'f64', run.epochs, `${f}.trainLoss`, epochs),
        trainAccuracy: take(a.trainAccuracy, 'f64', run.epochs, `${f}.trainAccuracy`, epochs),
        validationLoss: take(a.validationLoss, 'f64', run.epochs, `${f}.validationLoss`, epochs),
        validationAccuracy: take(
          a.validationAccuracy,
          'f64',
          run.epochs,
          `${f}.validationAccuracy`,
          epochs,
        ),
        epochMs: take(a.epochMs, 'f64', run.epochs, `${f}.epochMs`, epochs),
        snapshotSteps,
        snapshots: take(
          a.snapshots,
          'f32',
          count * run.parameters,
          `${f}.snapshots`,
          `${count} snapshots of ${run.parameters} parameters`,
        ),
        finalTheta: take(
          a.finalTheta,
          'f64',
          run.parameters,
          `${f}.finalTheta`,
          `θ of ${run.parameters} parameters`,
        ),
      };
    });
    const landscapes = n.landscapes.map((l, i): LandscapeRecording => {
      const f = `network.landscapes.${i}`;
      const cells = l.resolution ** 2;
      const grid = `a ${l.resolution} × ${l.resolution} grid`;
      const center = take(l.arrays.center, 'f64', undefined, `${f}.arrays.center`, '');
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
          kind: d.kind,
          ...(d.seed !== undefined ? { seed: d.seed } : {}),
          ...(d.name !== undefined ? { name: d.name } : {}),
          ...(d.explainedVariance ? { explainedVariance: d.explainedVariance } : {}),
          ...(d.points !== undefined ? { points: d.points } : {}),
          d1: take(l.arrays.d1, 'f64', size, `${f}.arrays.d1`, theta),
          d2: take(l.arrays.d2, 'f64', size, `${f}.arrays.d2`, theta),
        },
        values: take(l.arrays.values, 'f32', cells, `${f}.arrays.values`, grid),
        center,
        projections: l.projections.map((p, j) => {
          const pf = `${f}.projections.${j}.arrays`;
          const steps = take(p.arrays.steps, 'f64', undefined, `${pf}.steps`, '');
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
    data.network = { dataset: n.dataset, model: n.model, runs, landscapes };
  }
  return data;
}
