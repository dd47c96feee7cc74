/**
 * SessionData ⇄ `.losslab` bytes: the manifest's array references are named after where they
 * belong (`explorer/runs/0/points`, `network/landscapes/1/values`, …) and resolved back with
 * their roles checked: a run's points must be f64 and 3 (steps + 1) long, and so on.
 */
import {
  encodeReal,
  SESSION_FORMAT,
  SESSION_VERSION,
  SessionError,
  type AnalyticRunManifest,
  type ExplorerManifest,
  type LandscapeManifest,
  type NetworkManifest,
  type NetworkRunManifest,
  type SessionData,
  type SessionManifest,
  type SessionTypedArray,
} from '../../common/session';
import {
  dtypeOf,
  packArchive,
  packArchiveAsync,
  unpackArchiveSteps,
  validateManifest,
  type ArchiveLimits,
} from './container';
import {
  basinColumns,
  networkEpochColumns,
  networkStepColumns,
  recordedColumns,
  trajectoryColumns,
  type ColumnSet,
  type RecordedColumns,
} from '../../common/columns';
import {
  arrayBytes,
  decodeSession,
  decodeSessionSteps,
  directionsHeader,
  runHeader,
} from './decode';
import { jsonSafe } from '../../common/protocol';
import { encodeCritical } from './critical-part';
import { runSliced, runSync, type Progress, type SliceOptions, type Steps } from './slices';

export { decodeSession };

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
  const { manifest, arrays } = await runSliced(
    encodeSessionSteps(data, options),
    'saving the session',
  );
  return packArchiveAsync(manifest, arrays, options.sliceBytes);
}

/**
 * The session in a `.losslab` file's bytes. Throws a SessionError saying what is wrong when
 * the bytes are not a session this LossLab can read; has no side effects either way.
 */
export function readSession(bytes: Uint8Array, limits?: ArchiveLimits): SessionData {
  return runSync(readSessionSteps(bytes, limits));
}

/** Options of readSessionAsync. */
export interface ReadOptions extends SliceOptions {
  /** Limits on the zip (tests lower them). @default MAX_SESSION_BYTES, MAX_SESSION_ENTRIES */
  limits?: ArchiveLimits;
}

/**
 * readSession without freezing the engine: the same checks, with the inflating, hashing and
 * checking done in slices of about `sliceMs` (default 10 ms) and a turn of the event loop
 * between them. `onProgress(done, total)` counts bytes (the arrays are counted twice: once
 * inflated, once checked). When `signal` aborts, it rejects with a SessionError whose message
 * starts with "cancelled". Only the manifest's JSON parse and schema check (at most
 * MAX_MANIFEST_BYTES) run in one piece.
 */
export function readSessionAsync(
  bytes: Uint8Array,
  options: ReadOptions = {},
): Promise<SessionData> {
  return runSliced(readSessionSteps(bytes, options.limits), 'opening the session', options);
}

/** readSession as steps that pause (see slices.ts): unzip and check, then decode and check. */
function* readSessionSteps(bytes: Uint8Array, limits?: ArchiveLimits): Steps<SessionData> {
  const progress: Progress = { done: 0, total: 0 };
  // Decoding goes over the arrays once more: count them twice.
  const archive = yield* unpackArchiveSteps(bytes, limits, progress, arrayBytes);
  return yield* decodeSessionSteps(archive, progress);
}

/** The manifest (without its array table) and the arrays a session is written as. */
export function encodeSession(
  data: SessionData,
  options: WriteOptions = {},
): { manifest: Omit<SessionManifest, 'arrays'>; arrays: Map<string, SessionTypedArray> } {
  return runSync(encodeSessionSteps(data, options));
}

function* encodeSessionSteps(
  data: SessionData,
  options: WriteOptions,
): Steps<{ manifest: Omit<SessionManifest, 'arrays'>; arrays: Map<string, SessionTypedArray> }> {
  const arrays = new Map<string, SessionTypedArray>();
  const put = (name: string, array: SessionTypedArray): string => {
    arrays.set(name, array);
    return name;
  };
  /** A set's recorded arrays, each put under `<at>/<file>`: the manifest's references. */
  const putColumns = <S extends ColumnSet>(
    set: S,
    at: string,
    from: RecordedColumns<S>,
  ): Record<keyof RecordedColumns<S>, string> => {
    const refs: Record<string, string> = {};
    const arrays = from as Record<string, SessionTypedArray>;
    for (const { key, column } of recordedColumns(set)) {
      refs[key] = put(`${at}/${column.file}`, arrays[key]);
    }
    return refs as Record<keyof RecordedColumns<S>, string>;
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
        return { ...runHeader(run), arrays: putColumns(trajectoryColumns, at, run) };
      }),
    };
    if (e.basins) {
      const b = e.basins;
      explorer.basins = {
        spec: b.spec,
        domain: b.domain,
        minima: b.minima,
        radius: b.radius,
        arrays: putColumns(basinColumns, 'explorer/basins', b),
      };
    }
  }

  let network: NetworkManifest | undefined;
  if (data.network) {
    const n = data.network;
    network = {
      ...(n.dataset ? { dataset: n.dataset } : {}),
      ...(n.table
        ? {
            table: {
              inputs: n.table.inputs,
              ...(n.table.classNames ? { classNames: n.table.classNames } : {}),
              rows: n.table.y.length,
              arrays: {
                x: put('network/table/x', n.table.x),
                y: put('network/table/y', n.table.y),
              },
            },
          }
        : {}),
      ...(n.model ? { model: n.model } : {}),
      ...(n.source ? { source: n.source } : {}),
      runs: n.runs.map((run, i): NetworkRunManifest => {
        const at = `network/runs/${i}`;
        // Shards 1 is written by leaving it out (see networkRunManifestSchema).
        const { shards, ...config } = run.config;
        return {
          ...runHeader({ ...run, config: shards === 1 ? config : run.config }),
          epochs: run.epochs,
          parameters: run.parameters,
          snapshotSpacing: run.snapshotSpacing,
          arrays: {
            ...putColumns(networkStepColumns, at, run),
            ...putColumns(networkEpochColumns, at, run),
            snapshotSteps: put(`${at}/snapshot-steps`, run.snapshotSteps),
            snapshots: put(`${at}/snapshots`, run.snapshots),
            finalTheta: put(`${at}/final-theta`, run.finalTheta),
            ...(run.startTheta ? { startTheta: put(`${at}/start-theta`, run.startTheta) } : {}),
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
            ...directionsHeader(d),
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

  const critical = data.critical
    ? encodeCritical(data.critical, (name, array) => put(name, array))
    : undefined;

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
    ...(critical ? { critical } : {}),
    ...(data.experiments
      ? { experiments: { experiments: jsonSafe(data.experiments.experiments) } }
      : {}),
    ...(data.exercise ? { exercise: data.exercise } : {}),
    view: data.view,
  };
  return { manifest: yield* checkWritable(manifest, arrays), arrays };
}

/**
 * Refuses to write what a reader would refuse: the manifest against the schema (with a
 * placeholder table) and every array against its role. Returns the manifest as the schema
 * outputs it, so its keys are in one canonical order and a session rewritten after reading is
 * the same bytes.
 */
function* checkWritable(
  manifest: Omit<SessionManifest, 'arrays'>,
  arrays: Map<string, SessionTypedArray>,
): Steps<Omit<SessionManifest, 'arrays'>> {
  const table: SessionManifest['arrays'] = {};
  for (const [name, array] of arrays) {
    table[name] = { dtype: dtypeOf(array), length: array.length, sha256: '0'.repeat(64) };
  }
  try {
    const checked = validateManifest({ ...manifest, arrays: table });
    yield* decodeSessionSteps(
      { manifest: checked, arrays },
      { done: 0, total: arrayBytes(checked) },
    );
    const { arrays: _table, ...canonical } = checked;
    return canonical;
  } catch (err) {
    if (err instanceof SessionError) {
      throw new SessionError(`cannot save this session: ${err.message}`, err.field);
    }
    throw err;
  }
}
