/** Runs' recorded trajectories on a landscape's plane. */
import type { SplitName } from '../datasets';
import type { NetworkRun } from '../network/run';
import { projectOntoPlane, type Directions, type PlaneProjection } from './directions';

export interface ProjectedTrajectory extends PlaneProjection {
  runId: string;
  /** Step of each recorded point. */
  steps: Float64Array;
  /** L(θ_t) on the landscape's split at each point, when asked for. */
  loss?: Float64Array;
}

/**
 * A run's recorded θ_t (its snapshots, and its current θ last) projected onto the plane
 * center + α d₁ + β d₂ — typically one plane shared by several runs, so their paths compare.
 */
export function projectTrajectory(
  run: NetworkRun,
  center: Float64Array,
  directions: Pick<Directions, 'd1' | 'd2'>,
  options: { lossOn?: SplitName } = {},
): ProjectedTrajectory {
  const list = run.snapshots.list();
  const points: ArrayLike<number>[] = list.map((s) => s.theta);
  const steps = list.map((s) => s.step);
  if (steps[steps.length - 1] !== run.step) {
    points.push(run.theta);
    steps.push(run.step);
  }
  const projection = projectOntoPlane(center, directions.d1, directions.d2, points);
  const out: ProjectedTrajectory = {
    runId: run.runId,
    steps: Float64Array.from(steps),
    ...projection,
  };
  if (options.lossOn) {
    const split = options.lossOn;
    out.loss = Float64Array.from(
      points,
      (p) => run.problem.evaluate(Float64Array.from(p), split).loss,
    );
  }
  return out;
}
