/**
 * A network run's θ at one of its steps, for the critical-points lab (LabRuns.probe): the
 * current θ as it is (float64); a kept snapshot (float32, widened); or, for a step whose θ was
 * not kept, θ retrained from the run's start with its recorded settings and changes — training
 * is deterministic for a seed on one backend, so the replay is checked against the run's own
 * loss curve bit for bit before its θ is trusted. Replay costs `step` updates: it runs in
 * chunks, calling the checkpoint between them (progress, Cancel, a turn of the event loop).
 */
import { FieldError } from '../../core/errors';
import type { Checkpoint } from '../../hessian/types';
import { NetworkRun } from '../../network';
import type { NetworkProbe } from '../lab';
import { firstDifference } from '../same-bits';
import { replayPlan } from './replay';

/** Updates retrained between two checkpoints. */
const REPLAY_CHUNK = 4;

/** θ of `run` after `step` updates (absent: now), as a probe of the run. */
export async function probeNetworkRun(
  run: NetworkRun,
  step: number | undefined,
  checkpoint?: Checkpoint,
): Promise<NetworkProbe> {
  const at = step ?? run.step;
  const probe = (theta: Float64Array): NetworkProbe => ({
    lab: 'network',
    runId: run.runId,
    problem: run.problem,
    theta,
    step: at,
    label: run.label ?? run.runId,
  });
  if (at > run.step) {
    throw new FieldError(
      'target.step',
      `network run "${run.runId}" has taken ${run.step} steps; ${describeKept(run)}`,
    );
  }
  return probe(keptTheta(run, at) ?? (await replayTheta(run, at, checkpoint)));
}

/** θ after `step` updates when it is at hand: the current θ, or a kept snapshot (widened). */
export function keptTheta(run: NetworkRun, step: number): Float64Array | undefined {
  if (step === run.step) return run.theta.slice();
  const kept = run.snapshots.list().find((s) => s.step === step);
  return kept ? Float64Array.from(kept.theta) : undefined;
}

/** The steps whose θ is at hand (keptTheta), ascending. */
export function keptSteps(run: NetworkRun): number[] {
  const steps = run.snapshots.stepList().filter((s) => s < run.step);
  steps.push(run.step);
  return steps;
}

/** θ after `step` updates, retrained from the run's start and checked against its curve. */
async function replayTheta(
  run: NetworkRun,
  step: number,
  checkpoint?: Checkpoint,
): Promise<Float64Array> {
  const replay = new NetworkRun(
    run.problem,
    run.initialConfig(),
    run.startTheta ? { startTheta: run.startTheta } : {},
  );
  const plan = replayPlan(replay, run.changes, step, 'ok');
  await checkpoint?.(0, step);
  while (plan.next(REPLAY_CHUNK)) await checkpoint?.(replay.step, step);
  const reproduced =
    replay.step === step && firstDifference(replay.loss.view(), run.loss.view(), step) < 0;
  if (!reproduced) {
    throw new FieldError(
      'target.step',
      `θ of network run "${run.runId}" at step ${step} was not kept and retraining does not reproduce the run here; ${describeKept(run)}`,
    );
  }
  return replay.theta.slice();
}

/** Which of a run's θs are at hand, in a few words. */
function describeKept(run: NetworkRun): string {
  const steps = run.snapshots.stepList().filter((s) => s < run.step);
  const spacing = run.snapshots.spacing;
  const regular = steps.every((s, i) => s === i * spacing);
  let list: string;
  if (steps.length === 0) list = '';
  else if (regular && steps.length > 3) {
    list = `steps 0, ${spacing}, …, ${steps.at(-1)} (every ${spacing}) and `;
  } else {
    list = `steps ${steps.slice(0, 12).join(', ')}${steps.length > 12 ? ', …' : ''} and `;
  }
  return `its θ is at hand at ${list}step ${run.step}`;
}
