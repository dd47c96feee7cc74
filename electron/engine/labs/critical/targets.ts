/**
 * Where a critical-points request takes its Hessian: a point of a surface, or a step of a run
 * of either lab, read through the other labs' probes (LabRuns.probe), which the engine hands
 * this lab when it builds it — the labs never import each other.
 */
import type { CriticalTarget, CriticalTargetSpec } from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import type { Checkpoint } from '../../hessian/types';
import type { NetworkProblem } from '../../network';
import { resolveSurface } from '../../problems';
import type { LabRuns, NetworkProbe, SurfaceProbe } from '../lab';

/** What the engine hands the lab of the other labs. */
export interface CriticalSources {
  /** The explorer's runs: probes, and `reset` to start every run again from an escaped point. */
  readonly explorer: LabRuns;
  /** The network lab's runs: probes, and `branch` to start a run from an escaped θ. */
  readonly network: LabRuns;
  /** The network lab's problem (data + model), once it is set up. */
  networkProblem(): NetworkProblem | undefined;
}

/** A surface point (of the explorer's surface, or of a run's step). */
export type SurfacePoint = Omit<SurfaceProbe, 'runId' | 'label'> & {
  runId?: string;
  label?: string;
};

/** A resolved target: a point of a surface, or a network θ. */
export type Resolved = SurfacePoint | NetworkProbe;

/**
 * The point a target names. Refusals name `target.surface`, `target.runId` or `target.step`.
 * Reading a network step whose θ was not kept retrains the run up to it (see the network
 * lab's probe), calling `checkpoint`.
 */
export async function resolveTarget(
  sources: CriticalSources,
  target: CriticalTargetSpec,
  checkpoint?: Checkpoint,
): Promise<Resolved> {
  if (target.kind === 'surface') {
    const point: [number, number] = [target.point[0], target.point[1]];
    if (target.surface !== undefined) {
      try {
        return { lab: 'explorer', surface: resolveSurface(target.surface), point, step: 0 };
      } catch (err) {
        if (err instanceof FieldError) throw new FieldError('target.surface', err.message);
        throw err;
      }
    }
    const first = sources.explorer.all()[Symbol.iterator]().next().value;
    if (!first || !sources.explorer.probe) {
      throw new FieldError(
        'target.surface',
        'no surface: give target.surface, or create a surface run first',
      );
    }
    const probe = await sources.explorer.probe(first.runId, 0);
    if (probe.lab !== 'explorer') throw new Error('the explorer gave a network probe');
    return { lab: 'explorer', surface: probe.surface, point, step: 0 };
  }
  const runs = runsOf(sources, target.runId, target.lab);
  if (!runs.probe) throw new FieldError('target.runId', `run "${target.runId}" cannot be read`);
  return runs.probe(target.runId, target.step, checkpoint);
}

/** Which lab's run `runId` is: `lab`'s when given, else the network lab's, else the explorer's. */
export function runsOf(
  sources: CriticalSources,
  runId: string,
  lab?: 'explorer' | 'network',
): LabRuns {
  if (lab === 'explorer' || (lab === undefined && !sources.network.get(runId))) {
    if (sources.explorer.get(runId)) return sources.explorer;
    if (lab === 'explorer') throw new FieldError('target.runId', `no surface run "${runId}"`);
    throw new FieldError('target.runId', `no run "${runId}"`);
  }
  if (!sources.network.get(runId)) {
    throw new FieldError('target.runId', `no network run "${runId}"`);
  }
  return sources.network;
}

/** The target as a result describes it. */
export function describeTarget(point: Resolved): CriticalTarget {
  return {
    lab: point.lab,
    ...(point.runId !== undefined ? { runId: point.runId } : {}),
    step: point.step,
    ...(point.lab === 'explorer' ? { point: [point.point[0], point.point[1]] } : {}),
  };
}
