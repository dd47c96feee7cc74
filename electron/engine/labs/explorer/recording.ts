/**
 * Analytic runs in and out of sessions. A run is saved as the settings it started from, every
 * hyperparameter change with its step, and its recorded series. It is restored as recorded,
 * bit for bit; to let it go on stepping, it is re-run from its settings with each change
 * applied at its step, which — the engine being deterministic — must reproduce the recording
 * exactly. When it does not (a recording made by another LossLab, say), the recording is kept
 * and the run cannot continue.
 */
import type { HyperChange, RunConfig, RunStatus } from '../../../common/protocol';
import type { Hyper, OptimizerSpec, Schedule } from '../../../common/schemas';
import type { Point, SurfaceSpec } from '../../../common/schemas';
import {
  SessionError,
  type AnalyticRunRecording,
  type ExplorerRecording,
  type ForkOrigin,
} from '../../../common/session';
import { liveRun, runExtras, type LiveRun } from '../lab';
import { firstDifference } from '../same-bits';
import { AnalyticRun, MAX_RUN_STEPS } from './analytic-run';
import { patchHyper, resolveHyper } from '../../optim';
import { constantSchedule } from '../../optim/schedules';

/** A live run as the session records it (copies of its series). */
export function recordAnalyticRun(
  run: AnalyticRun,
  extra: { color?: string; forkedFrom?: ForkOrigin } = {},
): AnalyticRunRecording {
  return {
    config: run.initialConfig(),
    ...(extra.color !== undefined ? { color: extra.color } : {}),
    changes: run.changes.map((c) => ({ ...c })),
    status: run.status,
    ...(run.reason !== undefined ? { reason: run.reason } : {}),
    steps: run.step,
    ...(extra.forkedFrom ? { forkedFrom: { ...extra.forkedFrom } } : {}),
    ...run.trajectory.slice(),
  };
}

/** Options of replayRun. */
export interface ReplayOptions {
  /**
   * How the recorded run ended. A run that diverged (or hit the step limit) was stopped by an
   * attempt at the step after its last; the replay makes that attempt too. @default 'ok'
   */
  ended?: RunStatus;
  /**
   * Of the changes recorded at a stopped run's last step, how many came before that attempt;
   * the rest came after it (a change made to a run that had diverged). @default 0
   */
  changesBeforeEnd?: number;
}

/**
 * Re-runs a recorded run from its configuration: a fresh AnalyticRun, stepped to each
 * change's step, the change applied there, and on to `steps` (or until it diverges or reaches
 * the step limit, as the original did). A change after the step where the run stopped is not
 * applied. Throws what the engine throws for a configuration it refuses.
 */
export function replayRun(
  config: RunConfig,
  changes: readonly HyperChange[],
  steps: number,
  options: ReplayOptions = {},
): AnalyticRun {
  const run = new AnalyticRun(config);
  const target = Math.min(steps, MAX_RUN_STEPS);
  let before = options.changesBeforeEnd ?? 0;
  let attempted = (options.ended ?? 'ok') === 'ok';
  const attempt = () => {
    if (!attempted && run.status === 'ok') run.advance(1);
    attempted = true;
  };
  for (const change of changes) {
    if (change.step > target) break;
    run.advance(change.step - run.step);
    if (run.step !== change.step) break;
    if (change.step === target && before-- <= 0) attempt();
    run.update(change.patch, change.schedule);
  }
  if (target > run.step) run.advance(target - run.step);
  if (run.step === target) attempt();
  return run;
}

/**
 * Re-runs a recording from its configuration (see replayRun) and compares the two. For a run
 * that stopped with changes at its last step, whether each came before or after the stop is
 * not recorded: every split is tried, the first that reproduces the recording wins.
 */
export function replayRecording(recording: AnalyticRunRecording): {
  run: AnalyticRun;
  /** How the replay differs from the recording; undefined when it reproduces it bit for bit. */
  difference?: string;
} {
  const { config, changes, steps, status } = recording;
  const atEnd = changes.filter((c) => c.step === steps).length;
  let first: { run: AnalyticRun; difference?: string } | undefined;
  for (let split = 0; split <= (status === 'ok' ? 0 : atEnd); split++) {
    const run = replayRun(config, changes, steps, { ended: status, changesBeforeEnd: split });
    const difference = compareWithRecording(run, recording);
    if (difference === undefined) return { run };
    first ??= { run, difference };
  }
  return first!;
}

/**
 * How a run differs from a recording, or undefined when it reproduces it bit for bit: the
 * same steps, status, reason and every series. With `upTo`, only points 0 … upTo are compared
 * (the run may have gone further).
 */
export function compareWithRecording(
  run: AnalyticRun,
  recording: AnalyticRunRecording,
  upTo?: number,
): string | undefined {
  if (upTo === undefined) {
    if (run.step !== recording.steps) {
      return `it stops after ${run.step} steps, the recording after ${recording.steps}`;
    }
    if (run.status !== recording.status) {
      return `it ends ${run.status}, the recording ${recording.status}`;
    }
    if ((run.reason ?? '') !== (recording.reason ?? '')) {
      return `it stops because ${run.reason ?? '(no reason)'}; the recording because ${recording.reason ?? '(no reason)'}`;
    }
  } else if (run.step < upTo) {
    return `it stops after ${run.step} steps, before step ${upTo}`;
  }
  const points = (upTo ?? recording.steps) + 1;
  // Per point: θ and loss, ‖∇L‖, ∇L. Per step leaving a point: η and η/σ — when comparing a
  // prefix, the last point's step is not taken (or a change there restated its η) yet.
  const series: [string, ArrayLike<number>, Float64Array, number, boolean][] = [
    ['points', run.points.view(), recording.points, 3, true],
    ['gradient norms', run.gradNorm.view(), recording.gradNorm, 1, true],
    ['gradients', run.grads.view(), recording.grad, 2, true],
    ['learning rates', run.lr.view(), recording.lr, 1, false],
    ['effective steps', run.effSteps.view(), recording.effStep, 2, false],
  ];
  for (const [name, live, recorded, width, perPoint] of series) {
    const count = width * (upTo === undefined || perPoint ? points : points - 1);
    const i = firstDifference(live, recorded, count);
    if (i >= 0) return `its ${name} differ from step ${Math.floor(i / width)}`;
  }
  return undefined;
}

/** The hyperparameters and schedule in effect after a recording's changes. */
export function settingsAfter(
  config: RunConfig,
  changes: readonly HyperChange[],
): { hyper: Hyper; schedule: Schedule } {
  let hyper = resolveHyper(config.optimizer);
  let schedule = config.optimizer.schedule ?? constantSchedule;
  for (const change of changes) {
    hyper = patchHyper(config.optimizer.optimizer, hyper, change.patch);
    if (change.schedule) schedule = change.schedule;
  }
  return { hyper, schedule };
}

/** A run restored from a session. */
export interface RestoredAnalyticRun {
  /** Holds the recorded trajectory, changes and status, bit for bit. */
  run: AnalyticRun;
  /**
   * Replaying the configuration reproduced the recording exactly, so the run holds the
   * optimizer's true state and can go on stepping. When false, a run recorded as still
   * running is `finished`, its reason saying it cannot continue.
   */
  resumable: boolean;
  /** Why it is not resumable. */
  note?: string;
  color?: string;
  forkedFrom?: ForkOrigin;
}

/**
 * An AnalyticRun holding a recording: the replay of its configuration when that reproduces
 * the recording bit for bit (so it can continue), else a run showing the recording as it is.
 * Throws a SessionError when the recorded configuration itself is refused (an unknown surface).
 */
export function restoreAnalyticRun(recording: AnalyticRunRecording): RestoredAnalyticRun {
  const extra = {
    ...(recording.color !== undefined ? { color: recording.color } : {}),
    ...(recording.forkedFrom ? { forkedFrom: recording.forkedFrom } : {}),
  };
  let note: string;
  try {
    const { run: replay, difference } = replayRecording(recording);
    if (difference === undefined) return { run: replay, resumable: true, ...extra };
    note = `re-running its configuration does not reproduce the recording: ${difference}`;
  } catch (err) {
    note = `re-running its configuration failed: ${(err as Error).message}`;
  }
  let run: AnalyticRun;
  try {
    run = new AnalyticRun(recording.config);
  } catch (err) {
    throw new SessionError(
      `run "${recording.config.runId}" cannot be restored: ${(err as Error).message}`,
      'config',
    );
  }
  let settings: { hyper: Hyper; schedule: Schedule };
  try {
    settings = settingsAfter(recording.config, recording.changes);
  } catch {
    settings = { hyper: run.hyper, schedule: run.state().schedule };
  }
  run.adoptRecording({
    ...recording,
    settings,
    notResumable: `recorded; it cannot continue here (${note})`,
  });
  return { run, resumable: false, note, ...extra };
}

/** Options of forkRun. */
export interface ForkOptions {
  /** @default `<runId>-from-<step>` */
  runId?: string;
  /** @default `<label or runId> from step <step>` */
  label?: string;
}

/** A run forked from a recording ("re-run from here"). */
export interface ForkedRun {
  run: AnalyticRun;
  forkedFrom: ForkOrigin;
  /**
   * True: the fork shares the recording's history up to the fork step (its points 0 … k and
   * changes) and the optimizer's state there, then a change at step k applies the new
   * settings — so the fork replays from its own config and changes like any run. False (a
   * different update rule, or a recording that replay does not reproduce): the fork starts
   * afresh at the recorded θ_k, as its step 0.
   */
  continued: boolean;
  /** Why the fork could not continue the recording's state, when it could not. */
  note?: string;
}

/**
 * A new run from the recorded state at step `atStep`: θ and the optimizer's internal state
 * (momentum buffer, σ, m, v, t) as they were there — rebuilt by replaying the recording, which
 * is checked to reproduce it up to that step — with the new optimizer settings from then on.
 * Omitted hyperparameters take torch's defaults, as in any OptimizerSpec; a schedule keeps
 * counting from the run's step (η_t for t ≥ k), as for any change made mid-run.
 */
export function forkRun(
  recording: AnalyticRunRecording,
  atStep: number,
  optimizer: OptimizerSpec,
  options: ForkOptions = {},
): ForkedRun {
  const { config } = recording;
  if (!Number.isInteger(atStep) || atStep < 0 || atStep > recording.steps) {
    throw new SessionError(
      `cannot fork at step ${atStep}: the run has steps 0 to ${recording.steps}`,
      'step',
    );
  }
  const forkedFrom = { runId: config.runId, step: atStep };
  const runId = options.runId ?? `${config.runId}-from-${atStep}`.slice(0, 64);
  const label = (options.label ?? `${config.label ?? config.runId} from step ${atStep}`).slice(
    0,
    120,
  );
  const hyper = resolveHyper(optimizer);
  const schedule = optimizer.schedule ?? constantSchedule;
  let note: string | undefined;
  if (optimizer.optimizer === config.optimizer.optimizer) {
    const before = recording.changes.filter((c) => c.step < atStep);
    const run = replayRun({ ...config, runId, label }, before, atStep);
    const difference = compareWithRecording(run, recording, atStep);
    if (difference === undefined) {
      run.update(hyper, schedule);
      return { run, forkedFrom, continued: true };
    }
    note = `replaying the recording does not reproduce it (${difference}); the fork starts with fresh optimizer state`;
  } else {
    note = `${optimizer.optimizer} cannot take over ${config.optimizer.optimizer}'s state; the fork starts with fresh optimizer state`;
  }
  const p = recording.points;
  const run = new AnalyticRun({
    runId,
    label,
    surface: config.surface,
    start: [p[3 * atStep], p[3 * atStep + 1]],
    optimizer: { ...optimizer, schedule },
  });
  return { run, forkedFrom, continued: false, note };
}

/** The explorer of a session, rebuilt as engine runs. */
export interface RestoredExplorer {
  surface: SurfaceSpec;
  start: Point;
  runs: RestoredAnalyticRun[];
  basins?: ExplorerRecording['basins'];
}

/**
 * AnalyticRuns holding a session's recorded trajectories bit for bit, each resumable when
 * replaying its configuration reproduces it (see restoreAnalyticRun). All or nothing: a run
 * that cannot be rebuilt throws a SessionError naming it, and no run is returned.
 */
export function restoreExplorer(explorer: ExplorerRecording): RestoredExplorer {
  const runs = explorer.runs.map((recording, i) => {
    try {
      return restoreAnalyticRun(recording);
    } catch (err) {
      if (err instanceof SessionError) {
        throw new SessionError(err.message, `explorer.runs.${i}.${err.field ?? 'config'}`);
      }
      throw err;
    }
  });
  return {
    surface: explorer.surface,
    start: explorer.start,
    runs,
    ...(explorer.basins ? { basins: explorer.basins } : {}),
  };
}

/** An explorer as it is now: its surface and start, and its runs (with colour and origin). */
export interface LiveExplorer {
  surface: SurfaceSpec;
  start: Point;
  runs: readonly (AnalyticRun | LiveRun<AnalyticRun>)[];
}

/**
 * The explorer part of a session: each run's starting settings, changes, status and series
 * (copied, so the runs may go on while the session is written).
 */
export function recordExplorer(explorer: LiveExplorer): ExplorerRecording {
  return {
    surface: explorer.surface,
    start: [explorer.start[0], explorer.start[1]],
    runs: explorer.runs.map((entry) => {
      const r = liveRun(entry);
      return recordAnalyticRun(r.run, runExtras(r));
    }),
  };
}
