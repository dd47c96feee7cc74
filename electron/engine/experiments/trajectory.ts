import type { TrajectoryOutput, TrajectorySpec } from '../../common/spec';
import { AnalyticRun } from './analytic-run';

/** Runs every optimizer of a trajectory SPEC from its start; the CLI's `trajectory`. */
export function runTrajectory(spec: TrajectorySpec): TrajectoryOutput {
  return {
    runs: spec.runs.map((optimizer, i) => {
      const run = new AnalyticRun({
        runId: `run-${i}`,
        surface: spec.surface,
        start: spec.start,
        optimizer,
      });
      run.advance(spec.steps);
      const flat = run.points.view();
      const points: [number, number, number][] = [];
      for (let k = 0; k < flat.length; k += 3) points.push([flat[k], flat[k + 1], flat[k + 2]]);
      return {
        optimizer: optimizer.optimizer,
        status: run.status === 'diverged' ? 'diverged' : 'ok',
        points,
      };
    }),
  };
}
