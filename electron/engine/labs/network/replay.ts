/**
 * Retraining a recorded network run and checking it against the recording bit for bit: what
 * restoring (its first steps) and resuming (all of it) a network run from a session rely on.
 */
import type { BatchSize, NetworkRunConfig } from '../../../common/network';
import type { RunStatus } from '../../../common/protocol';
import type { Hyper, Schedule } from '../../../common/schemas';
import type { NetworkChangeRecording, NetworkRunRecording } from '../../../common/session';
import { NetworkRun, type NetworkProblem } from '../../network';
import { patchHyper, resolveHyper } from '../../optim';
import { constantSchedule } from '../../optim/schedules';
import { firstDifference } from '../same-bits';

/**
 * Retrains a recorded run on `problem` from its configuration, applying each change at its
 * step, for `steps` updates (or until it diverges). `ended` is how the recorded run ended: one
 * that diverged was stopped by an attempt at the step after its last, which the replay makes
 * too (changes recorded at that last step are applied after it). `startTheta`: the run's own
 * θ₀ (a run escaped from a saddle), else the problem's. Synchronous; see resumeNetworkRun for
 * the chunked, cancellable form.
 */
export function replayNetworkRun(
  problem: NetworkProblem,
  config: NetworkRunConfig,
  changes: readonly NetworkChangeRecording[],
  steps: number,
  ended: RunStatus = 'ok',
  startTheta?: Float64Array,
): NetworkRun {
  const run = new NetworkRun(problem, config, startTheta ? { startTheta } : {});
  const plan = replayPlan(run, changes, steps, ended);
  while (plan.next(Infinity)) {
    /* all in one go */
  }
  return run;
}

/** Steps a run towards `steps`, applying each change at its step, `chunk` updates per call. */
export function replayPlan(
  run: NetworkRun,
  changes: readonly NetworkChangeRecording[],
  steps: number,
  ended: RunStatus,
): { next(chunk: number): boolean } {
  let c = 0;
  let attempted = ended === 'ok';
  // Changes at the step the run is at, including after it diverged (as the original had them).
  const applyDue = () => {
    while (c < changes.length && changes[c].step === run.step) {
      const { patch, schedule, batchSize } = changes[c++];
      run.update({
        ...(patch ? { hyper: patch } : {}),
        ...(schedule ? { schedule } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
      });
    }
  };
  return {
    /** Takes up to `chunk` updates; false once the run is done (or stopped). */
    next(chunk: number): boolean {
      let budget = chunk;
      for (;;) {
        const atEnd = run.step >= steps;
        if (!atEnd || attempted) applyDue();
        if (run.status !== 'ok') return false;
        if (atEnd) {
          if (!attempted) {
            attempted = true;
            run.advance(1);
            applyDue();
          }
          return false;
        }
        if (budget <= 0) return true;
        const stop = c < changes.length ? Math.min(changes[c].step, steps) : steps;
        const want = Math.min(budget, stop - run.step);
        run.advance(want);
        budget -= want;
      }
    },
  };
}

/**
 * How a retrained run differs from a recording, or undefined when it reproduces it bit for
 * bit: the per-step loss, accuracy, ‖∇L‖ and η, and (for a whole run) the status, epochs,
 * final θ and snapshots. Wall times are measurements, not state, and are not compared. With
 * `upTo`, only the first `upTo` steps are compared.
 */
export function compareNetworkRun(
  run: NetworkRun,
  recording: NetworkRunRecording,
  upTo?: number,
): string | undefined {
  const steps = upTo ?? recording.steps;
  if (run.step < steps) return `it stops after ${run.step} steps, the recording after ${steps}`;
  const curves: [string, Float64Array, Float64Array][] = [
    ['loss', run.loss.view(), recording.loss],
    ['accuracy', run.accuracy.view(), recording.accuracy],
    ['gradient norm', run.gradNorm.view(), recording.gradNorm],
    ['learning rate', run.lr.view(), recording.lr],
  ];
  for (const [name, live, recorded] of curves) {
    const i = firstDifference(live, recorded, steps);
    if (i >= 0) return `its ${name} differs from step ${i}`;
  }
  if (upTo !== undefined) return undefined;
  if (run.step !== recording.steps) {
    return `it stops after ${run.step} steps, the recording after ${recording.steps}`;
  }
  if (run.status !== recording.status)
    return `it ends ${run.status}, the recording ${recording.status}`;
  if ((run.reason ?? '') !== (recording.reason ?? '')) {
    return `it stops because ${run.reason ?? '(no reason)'}; the recording because ${recording.reason ?? '(no reason)'}`;
  }
  const ep = run.epochs;
  const epochs: [string, Float64Array, Float64Array][] = [
    ['epoch ends', ep.step.view(), recording.epochStep],
    ['epoch training loss', ep.trainLoss.view(), recording.trainLoss],
    ['epoch training accuracy', ep.trainAccuracy.view(), recording.trainAccuracy],
    ['validation loss', ep.validationLoss.view(), recording.validationLoss],
    ['validation accuracy', ep.validationAccuracy.view(), recording.validationAccuracy],
  ];
  for (const [name, live, recorded] of epochs) {
    const i = firstDifference(live, recorded);
    if (i >= 0) return `its ${name} differ from epoch ${i}`;
  }
  if (firstDifference(run.theta, recording.finalTheta) >= 0) return 'its final θ differs';
  const snapshots = run.snapshots.list();
  const size = recording.parameters;
  if (snapshots.length !== recording.snapshotSteps.length) return 'its θ snapshots differ';
  for (let k = 0; k < snapshots.length; k++) {
    const recorded = recording.snapshots.subarray(k * size, (k + 1) * size);
    if (
      snapshots[k].step !== recording.snapshotSteps[k] ||
      firstDifference(snapshots[k].theta, recorded) >= 0
    ) {
      return `its θ snapshot at step ${recording.snapshotSteps[k]} differs`;
    }
  }
  return undefined;
}

/** The settings in effect after a recording's changes. */
export function settingsAfter(recording: NetworkRunRecording): {
  hyper: Hyper;
  schedule: Schedule;
  batchSize: BatchSize;
} {
  const { optimizer } = recording.config;
  let hyper = resolveHyper(optimizer);
  let schedule = optimizer.schedule ?? constantSchedule;
  let batchSize = recording.config.batchSize;
  for (const c of recording.changes) {
    if (c.patch) hyper = patchHyper(optimizer.optimizer, hyper, c.patch);
    if (c.schedule) schedule = c.schedule;
    if (c.batchSize !== undefined) batchSize = c.batchSize;
  }
  return { hyper, schedule, batchSize };
}
