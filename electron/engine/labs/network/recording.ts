/**
 * Network runs and landscapes in and out of sessions. A run is saved as the settings it
 * started from, its changes with their steps, its curves, θ snapshots and final θ. Restoring
 * shows the curves exactly as recorded at once; continuing needs the batch order, dropout
 * stream and optimizer state behind them, which only retraining recovers — training being
 * deterministic for a seed on one tfjs backend. So:
 *
 * - restoreNetworkRun retrains just the first few steps to check the recording is
 *   reproducible here (cheap), and returns a run that shows the recording but cannot step;
 * - resumeNetworkRun retrains the whole run (in chunks, with progress and cancel), checks it
 *   against the recording bit for bit, and returns a run that can go on.
 *
 * Retraining is checked rather than trusted because a session from another backend (tfjs-node
 * vs wasm reduce in a different order) gives other float32 gradients from the first step.
 */
import {
  SessionError,
  type ForkOrigin,
  type LandscapeCenter,
  type LandscapeRecording,
  type NetworkChangeRecording,
  type NetworkRecording,
  type NetworkRunRecording,
  type NetworkSource,
} from '../../../common/session';
import { oneLine } from '../../../common/bounds';
import type { RunStatus } from '../../../common/protocol';
import type { Directions, LandscapeGrid, ProjectedTrajectory } from '../../landscape';
import {
  gradientHelper,
  NetworkProblem,
  NetworkRun,
  type NetworkChange,
  type Tf,
} from '../../network';
import { keepTable, loadTable } from '../../datasets/csv';
import { liveRun, runExtras, type LiveRun } from '../lab';
import { firstDifference } from '../same-bits';
import { compareNetworkRun, replayNetworkRun, replayPlan, settingsAfter } from './replay';

/** A live network run as the session records it (copies of everything). */
export function recordNetworkRun(
  run: NetworkRun,
  extra: { color?: string; forkedFrom?: ForkOrigin } = {},
): NetworkRunRecording {
  const steps = run.curvesSince(0);
  const epochs = run.epochsSince(0);
  const snapshots = run.snapshots.list();
  const size = run.theta.length;
  const thetas = new Float32Array(snapshots.length * size);
  snapshots.forEach((s, i) => thetas.set(s.theta, i * size));
  return {
    config: run.initialConfig(),
    ...(extra.color !== undefined ? { color: extra.color } : {}),
    changes: run.changes.map(toRecordedChange),
    status: run.status,
    ...(run.reason !== undefined ? { reason: run.reason } : {}),
    steps: run.step,
    epochs: run.epoch,
    parameters: size,
    snapshotSpacing: run.snapshots.spacing,
    ...(extra.forkedFrom ? { forkedFrom: { ...extra.forkedFrom } } : {}),
    loss: steps.loss,
    accuracy: steps.accuracy,
    gradNorm: steps.gradNorm,
    lr: steps.lr,
    updateMs: steps.updateMs,
    epochStep: epochs.step,
    trainLoss: epochs.trainLoss,
    trainAccuracy: epochs.trainAccuracy,
    validationLoss: epochs.validationLoss,
    validationAccuracy: epochs.validationAccuracy,
    epochMs: epochs.epochMs,
    snapshotSteps: Uint32Array.from(snapshots, (s) => s.step),
    snapshots: thetas,
    finalTheta: run.theta.slice(),
    ...(run.startTheta ? { startTheta: run.startTheta.slice() } : {}),
  };
}

function toRecordedChange(c: NetworkChange): NetworkChangeRecording {
  return {
    step: c.step,
    ...(c.patch ? { patch: { ...c.patch } } : {}),
    ...(c.schedule ? { schedule: c.schedule } : {}),
    ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
  };
}

/**
 * The problem a session's network runs trained on, rebuilt from its dataset and model specs.
 * Runs recorded elsewhere on a model LossLab cannot build have none: see restoreRecordedRuns.
 */
export function problemFromRecording(
  tf: Tf,
  network: Pick<NetworkRecording, 'dataset' | 'model' | 'source'>,
): NetworkProblem {
  if (!network.dataset || !network.model) {
    throw new SessionError(
      `its runs were recorded by ${network.source?.recordedBy ?? 'another program'} on a model LossLab cannot build`,
      network.dataset ? 'network.model' : 'network.dataset',
    );
  }
  const problem = new NetworkProblem(tf, network.dataset, network.model);
  problem.helper = gradientHelper(tf.getBackend());
  return problem;
}

/**
 * Makes a session's CSV data available to build its dataset: the table it holds (checked
 * against its spec), or the file its spec refers to, which must still have the spec's SHA-256.
 */
export async function loadRecordedTable(
  network: Pick<NetworkRecording, 'dataset' | 'table'>,
): Promise<void> {
  const spec = network.dataset;
  const { table } = network;
  if (spec?.kind !== 'csv') {
    if (table) throw new SessionError('only a CSV dataset holds a table', 'network.table');
    return;
  }
  if (spec.sha256 === undefined || spec.task === undefined) {
    throw new SessionError(
      "a CSV dataset's spec names its file's SHA-256 and task",
      'network.dataset',
    );
  }
  if (table) {
    const n = table.y.length;
    const classes = table.classNames?.length ?? 0;
    if ((spec.task === 'classification') !== classes > 0) {
      throw new SessionError(
        `a ${spec.task} table ${classes > 0 ? 'names classes' : 'names no classes'}`,
        'network.table.classNames',
      );
    }
    const bad =
      classes > 0 ? table.y.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes) : -1;
    if (bad >= 0) {
      throw new SessionError(
        `row ${bad} has class ${table.y[bad]}, not one of the ${classes}`,
        'network.table.arrays.y',
      );
    }
    const { sha256, task } = spec;
    const { inputs, classNames, x, y } = table;
    const dim = inputs.length;
    keepTable(
      {
        sha256,
        bytes: 0,
        header: [],
        task,
        inputs,
        ...(classNames ? { classNames } : {}),
        n,
        dim,
        x,
        y,
      },
      spec,
    );
    return;
  }
  try {
    await loadTable(spec);
  } catch (err) {
    throw new SessionError(
      `the session's data cannot be read: ${(err as Error).message}`,
      'network.dataset.path',
    );
  }
}

/** A network run restored from a session. */
export interface RestoredNetworkRun {
  /** Holds the recorded curves, snapshots, final θ, changes and status. */
  run: NetworkRun;
  /**
   * restoreNetworkRun: retraining the first steps here reproduced them bit for bit, so
   * resumeNetworkRun is expected to succeed. resumeNetworkRun: the whole run was reproduced
   * and `run` can go on stepping.
   */
  resumable: boolean;
  /** Steps retrained and found identical to the recording. */
  verifiedSteps: number;
  /** Why it is not resumable. */
  note?: string;
  color?: string;
  forkedFrom?: ForkOrigin;
}

/** Options of restoreNetworkRun. */
export interface RestoreNetworkOptions {
  /** Steps to retrain to check the recording is reproducible here. @default 20 */
  verifySteps?: number;
}

/**
 * A NetworkRun showing a recording as it is, without retraining it: a run recorded as still
 * running is `finished` with a reason saying it continues after a resume. The first
 * `verifySteps` steps are retrained on `problem` (which must be the session's, see
 * problemFromRecording) to tell whether resumeNetworkRun will reproduce the rest.
 */
export function restoreNetworkRun(
  problem: NetworkProblem,
  recording: NetworkRunRecording,
  options: RestoreNetworkOptions = {},
): RestoredNetworkRun {
  const architecture = checkFits(problem, recording);
  const verify = Math.min(options.verifySteps ?? 20, recording.steps);
  let note: string | undefined;
  try {
    const first = recording.snapshotSteps[0] === 0 ? recording.snapshots : undefined;
    const theta0 = Float32Array.from(recording.startTheta ?? architecture.initialTheta);
    if (first && firstDifference(theta0, first, recording.parameters) >= 0) {
      note = recording.startTheta
        ? 'the recorded start θ differs from the first recorded snapshot'
        : 'the initial θ rebuilt from the model spec differs from the recorded one';
    } else {
      const probe = replayNetworkRun(
        problem,
        recording.config,
        recording.changes,
        verify,
        'ok',
        recording.startTheta,
      );
      const difference = compareNetworkRun(probe, recording, verify);
      if (difference) note = `retraining does not reproduce the recording: ${difference}`;
    }
  } catch (err) {
    note = `retraining failed: ${(err as Error).message}`;
  }
  const run = adopt(problem, recording, note);
  return {
    run,
    resumable: note === undefined,
    verifiedSteps: note === undefined ? verify : 0,
    ...(note ? { note } : {}),
    ...extraOf(recording),
  };
}

/** Options of resumeNetworkRun. */
export interface ResumeNetworkOptions {
  /** Updates between two yields to the event loop. @default 50 */
  chunk?: number;
  /** Aborting rejects with an Error named AbortError between two chunks. */
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/**
 * Retrains a recorded run in full, checking it reproduces the recording bit for bit; then it
 * holds the recording (its wall times too) and the true state behind it, and can go on
 * stepping. When it does not reproduce it, the result is restoreNetworkRun's view-only run.
 */
export async function resumeNetworkRun(
  problem: NetworkProblem,
  recording: NetworkRunRecording,
  options: ResumeNetworkOptions = {},
): Promise<RestoredNetworkRun> {
  checkFits(problem, recording);
  const chunk = Math.max(1, options.chunk ?? 50);
  let note: string;
  try {
    const run = new NetworkRun(problem, recording.config, startOf(recording));
    const plan = replayPlan(run, recording.changes, recording.steps, recording.status);
    for (;;) {
      if (options.signal?.aborted) {
        const error = new Error('resuming the run was cancelled');
        error.name = 'AbortError';
        throw error;
      }
      const more = plan.next(chunk);
      options.onProgress?.(run.step, recording.steps);
      if (!more) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const difference = compareNetworkRun(run, recording);
    if (difference === undefined) {
      // Wall times are the recording's: the curves are exactly what was saved.
      recording.updateMs.forEach((v, i) => run.updateMs.set(i, v));
      recording.epochMs.forEach((v, i) => run.epochs.epochMs.set(i, v));
      return {
        run,
        resumable: true,
        verifiedSteps: recording.steps,
        ...extraOf(recording),
      };
    }
    note = `retraining does not reproduce the recording: ${difference}`;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    note = `retraining failed: ${(err as Error).message}`;
  }
  return {
    run: adopt(problem, recording, note),
    resumable: false,
    verifiedSteps: 0,
    note,
    ...extraOf(recording),
  };
}

/** A recorded run's own start θ, as NetworkRun's options take it. */
function startOf(recording: NetworkRunRecording): { startTheta?: Float64Array } {
  return recording.startTheta ? { startTheta: recording.startTheta } : {};
}

function extraOf(recording: NetworkRunRecording): { color?: string; forkedFrom?: ForkOrigin } {
  return {
    ...(recording.color !== undefined ? { color: recording.color } : {}),
    ...(recording.forkedFrom ? { forkedFrom: recording.forkedFrom } : {}),
  };
}

/**
 * The problem of the run's architecture (its own `config.model`, else the session's model),
 * checked to have the recorded θ's length.
 */
function checkFits(problem: NetworkProblem, recording: NetworkRunRecording): NetworkProblem {
  let architecture: NetworkProblem;
  try {
    architecture = problem.architecture(recording.config.model);
  } catch (err) {
    throw new SessionError(
      `run "${recording.config.runId}": its model cannot be built: ${(err as Error).message}`,
      'config.model',
    );
  }
  if (architecture.layout.size !== recording.parameters) {
    throw new SessionError(
      `run "${recording.config.runId}" has ${recording.parameters} parameters; this model has ${architecture.layout.size}`,
      'parameters',
    );
  }
  return architecture;
}

/**
 * Why a run recorded elsewhere (see networkSourceSchema) is shown and never retrained: its
 * batches, and the optimizer state behind them, exist only where it was trained.
 */
export function recordedElsewhereReason(source: NetworkSource): string {
  return oneLine(
    `recorded by ${source.recordedBy}: LossLab shows it as recorded and cannot retrain or continue it`,
  );
}

/**
 * A run recorded elsewhere, on a problem LossLab can build (a torch MLP of a LossLab model, on
 * a LossLab dataset): a NetworkRun showing the recording, never retrained (nothing here
 * reproduces another framework's batches and float rounding). A run recorded as going on is
 * `finished`, with a reason naming what recorded it.
 */
export function showRecordedRun(
  problem: NetworkProblem,
  recording: NetworkRunRecording,
  source: NetworkSource,
): RestoredNetworkRun {
  const { layout } = checkFits(problem, recording);
  // θ is laid out as the source's tensors: they must be the model's, shape for shape.
  const at = layout.tensors.findIndex(
    (t, i) => t.shape.join('×') !== source.tensors[i]?.shape.join('×'),
  );
  if (at >= 0 || source.tensors.length !== layout.tensors.length) {
    const i = at >= 0 ? at : layout.tensors.length;
    throw new SessionError(
      `run "${recording.config.runId}": θ's tensor ${i} is ${shapeText(source.tensors[i]?.shape)} in the recording, ${shapeText(layout.tensors[i]?.shape)} in the model`,
      `network.source.tensors.${i}`,
    );
  }
  const note = recordedElsewhereReason(source);
  return {
    run: adopt(problem, recording, note, note),
    resumable: false,
    verifiedSteps: 0,
    note,
    ...extraOf(recording),
  };
}

function shapeText(shape: readonly number[] | undefined): string {
  return shape ? `[${shape.join(', ')}]` : 'missing';
}

/**
 * A run recorded elsewhere on a model LossLab cannot build, as the engine holds it: its
 * recording (curves, θ snapshots, final θ) exactly as read, its θ snapshots one view per
 * snapshot, and its status — `finished`, with a reason naming what recorded it, unless it
 * diverged there.
 */
export interface RecordedNetworkRun {
  runId: string;
  label?: string;
  status: RunStatus;
  reason: string;
  recording: NetworkRunRecording;
  /** θ at each kept step (views of recording.snapshots), the step's order. */
  snapshots: { step: number; theta: Float32Array }[];
  color?: string;
  forkedFrom?: ForkOrigin;
}

/**
 * The runs of a session recorded elsewhere, shown as recorded without a problem (see
 * RecordedNetworkRun); nothing is retrained, so nothing needs tfjs. Their layout was checked
 * by the reader (every run's θ is as long as the source's tensors make it).
 */
export function restoreRecordedRuns(network: NetworkRecording): RecordedNetworkRun[] {
  const source = network.source;
  if (!source) {
    throw new SessionError("the session's network runs were recorded by LossLab", 'network.source');
  }
  const reason = recordedElsewhereReason(source);
  return network.runs.map((recording) => {
    const size = recording.parameters;
    const diverged = recording.status === 'diverged';
    return {
      runId: recording.config.runId,
      ...(recording.config.label !== undefined ? { label: recording.config.label } : {}),
      status: diverged ? 'diverged' : 'finished',
      reason: recording.reason ?? reason,
      recording,
      snapshots: Array.from(recording.snapshotSteps, (step, k) => ({
        step,
        theta: recording.snapshots.subarray(k * size, (k + 1) * size),
      })),
      ...extraOf(recording),
    };
  });
}

/**
 * A run showing the recording, unable to step until resumed (`elsewhere`: never, it was
 * recorded elsewhere, and this is its reason).
 */
function adopt(
  problem: NetworkProblem,
  recording: NetworkRunRecording,
  note: string | undefined,
  elsewhere?: string,
): NetworkRun {
  const run = new NetworkRun(problem, recording.config, startOf(recording));
  let settings;
  try {
    settings = settingsAfter(recording);
  } catch {
    settings = { hyper: run.hyper, schedule: run.state().schedule, batchSize: run.batchSize };
  }
  const size = recording.parameters;
  run.adoptRecording({
    steps: {
      loss: recording.loss,
      accuracy: recording.accuracy,
      gradNorm: recording.gradNorm,
      lr: recording.lr,
      updateMs: recording.updateMs,
    },
    epochs: {
      step: recording.epochStep,
      trainLoss: recording.trainLoss,
      trainAccuracy: recording.trainAccuracy,
      validationLoss: recording.validationLoss,
      validationAccuracy: recording.validationAccuracy,
      epochMs: recording.epochMs,
    },
    snapshots: Array.from(recording.snapshotSteps, (step, k) => ({
      step,
      theta: recording.snapshots.subarray(k * size, (k + 1) * size),
    })),
    finalTheta: recording.finalTheta,
    changes: recording.changes,
    status: recording.status,
    ...(recording.reason !== undefined ? { reason: recording.reason } : {}),
    settings,
    notResumable:
      elsewhere ??
      (note
        ? `recorded; it cannot continue here (${note})`
        : 'recorded; resume it (retraining its steps) to continue'),
  });
  return run;
}

/**
 * What sessionFromRuns needs of a computed landscape: its grid (computeLandscape's
 * LandscapeGrid, or the protocol's NetworkLandscape), the directions behind it and θ*.
 */
export interface LiveLandscape {
  /** @default `landscape-<index>` */
  id?: string;
  label?: string;
  grid: Pick<LandscapeGrid, 'resolution' | 'values' | 'min' | 'max' | 'centerLoss'> & {
    split: string;
  } & ({ range: [[number, number], [number, number]] } | Pick<LandscapeGrid, 'alphas' | 'betas'>);
  directions: Pick<
    Directions,
    'd1' | 'd2' | 'seed' | 'explainedVariance' | 'points' | 'eigenvalues'
  > & {
    kind: LandscapeRecording['directions']['kind'];
    name?: string;
  };
  /** θ* the plane is centred on. */
  center: Float64Array;
  centerOf?: LandscapeCenter;
  /** Runs' θ_t on the plane (projectTrajectory's, or the protocol's projections). */
  projections?: readonly Pick<
    ProjectedTrajectory,
    'runId' | 'steps' | 'alpha' | 'beta' | 'distance' | 'loss'
  >[];
}

/** A landscape as the session records it (copies). */
export function recordLandscape(landscape: LiveLandscape, index: number): LandscapeRecording {
  const { grid, directions: d } = landscape;
  const r = grid.resolution;
  if (grid.split !== 'train' && grid.split !== 'validation') {
    throw new SessionError(
      `a landscape measured on the ${grid.split} split cannot be saved`,
      `network.landscapes.${index}.split`,
    );
  }
  const range: LandscapeRecording['range'] =
    'range' in grid
      ? [
          [grid.range[0][0], grid.range[0][1]],
          [grid.range[1][0], grid.range[1][1]],
        ]
      : [
          [grid.alphas[0], grid.alphas[r - 1]],
          [grid.betas[0], grid.betas[r - 1]],
        ];
  return {
    id: landscape.id ?? `landscape-${index}`,
    ...(landscape.label !== undefined ? { label: landscape.label } : {}),
    resolution: r,
    range,
    split: grid.split,
    min: grid.min,
    max: grid.max,
    centerLoss: grid.centerLoss,
    ...(landscape.centerOf ? { centerOf: { ...landscape.centerOf } } : {}),
    directions: {
      kind: d.kind,
      ...(d.seed !== undefined ? { seed: d.seed } : {}),
      ...(d.name !== undefined ? { name: d.name } : {}),
      ...(d.explainedVariance ? { explainedVariance: [...d.explainedVariance] } : {}),
      ...(d.points !== undefined ? { points: d.points } : {}),
      ...(d.eigenvalues ? { eigenvalues: [...d.eigenvalues] } : {}),
      d1: d.d1.slice(),
      d2: d.d2.slice(),
    },
    values: grid.values.slice(),
    center: landscape.center.slice(),
    projections: (landscape.projections ?? []).map((p) => ({
      runId: p.runId,
      steps: p.steps.slice(),
      alpha: p.alpha.slice(),
      beta: p.beta.slice(),
      distance: p.distance.slice(),
      ...(p.loss ? { loss: p.loss.slice() } : {}),
    })),
  };
}

/** The network lab of a session, rebuilt: its problem (built anew), runs and landscapes. */
export interface RestoredNetwork {
  problem: NetworkProblem;
  runs: RestoredNetworkRun[];
  landscapes: LandscapeRecording[];
}

/**
 * The session's problem (dataset and model rebuilt from their specs) with NetworkRuns showing
 * the recorded curves (see restoreNetworkRun; resumeNetworkRun makes one steppable). Runs
 * recorded elsewhere (`source`) are shown as recorded, never retrained (showRecordedRun); when
 * their model is not one LossLab builds there is no problem, and this throws (their curves and
 * θ snapshots are restoreRecordedRuns'). On any failure the problem is disposed and a
 * SessionError thrown.
 */
export function restoreNetwork(
  tf: Tf,
  network: NetworkRecording,
  options: RestoreNetworkOptions = {},
): RestoredNetwork {
  let problem: NetworkProblem;
  try {
    problem = problemFromRecording(tf, network);
  } catch (err) {
    throw new SessionError(
      `the session's network cannot be rebuilt: ${(err as Error).message}`,
      'network.model',
    );
  }
  try {
    const { source } = network;
    const runs = network.runs.map((recording) =>
      source
        ? showRecordedRun(problem, recording, source)
        : restoreNetworkRun(problem, recording, options),
    );
    return { problem, runs, landscapes: network.landscapes };
  } catch (err) {
    problem.dispose();
    if (err instanceof SessionError) throw err;
    throw new SessionError(
      `the session's network runs cannot be rebuilt: ${(err as Error).message}`,
    );
  }
}

/** A network lab as it is now: its problem, runs (with colour and origin) and landscapes. */
export interface LiveNetwork {
  problem: NetworkProblem;
  runs: readonly (NetworkRun | LiveRun<NetworkRun>)[];
  landscapes?: readonly LiveLandscape[];
  /**
   * The session it came from recorded its runs elsewhere: saved again with them, so they stay
   * shown as recorded (new runs of the lab are then saved as such too).
   */
  source?: NetworkSource;
}

/**
 * The network part of a session: the dataset and model specs, each run's settings, changes,
 * curves and θs (copied), and the landscapes. A dataset built from given arrays has no spec to
 * save, so it cannot be.
 */
export function recordNetwork({
  problem,
  runs,
  landscapes = [],
  source,
}: LiveNetwork): NetworkRecording {
  const spec = problem.dataset.spec;
  if (spec.kind === 'custom') {
    throw new SessionError(
      `cannot save this session: its dataset "${spec.name}" was built from given arrays, not a spec`,
      'network.dataset',
    );
  }
  const { table, inputs, classNames } = problem.dataset;
  if (spec.kind === 'csv' && spec.keep === 'reference' && spec.path === undefined) {
    throw new SessionError(
      'cannot keep a reference to data the page uploaded (it has no path here): keep the data itself',
      'network.dataset.keep',
    );
  }
  const keepData = spec.kind === 'csv' && spec.keep === 'data' && table && inputs;
  return {
    dataset: spec,
    ...(keepData ? { table: { inputs, ...(classNames ? { classNames } : {}), ...table } } : {}),
    model: problem.model,
    ...(source ? { source } : {}),
    runs: runs.map((entry) => {
      const r = liveRun(entry);
      return recordNetworkRun(r.run, runExtras(r));
    }),
    landscapes: landscapes.map((l, i) => recordLandscape(l, i)),
  };
}
