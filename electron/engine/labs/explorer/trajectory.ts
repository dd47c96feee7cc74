import type { TrajectoryOutput, TrajectorySpec } from '../../../common/spec';
import { AnalyticRun } from './analytic-run';

/** One run of a trajectory SPEC, stepped to the end. */
export interface TrajectoryRun {
  optimizer: string;
  status: 'ok' | 'diverged';
  /**
   * x, y, loss per point, the start first; a diverged run ends at its last finite point. A view
   * into the run's own storage: valid until the next run is taken from the iterator.
   */
  points: Float64Array;
}

/**
 * Every optimizer of a trajectory SPEC from its start, one run at a time: each run is stepped
 * only when the iterator reaches it, and let go when the iterator moves on, so a SPEC of 64 runs
 * × 1,000,000 steps holds one run's points (not 64) at any moment. Every run is built here, up
 * front, so a bad start or hyperparameter throws before the first run is stepped (and before a
 * caller has printed anything).
 */
export function trajectoryRuns(spec: TrajectorySpec): IterableIterator<TrajectoryRun> {
  const runs: (AnalyticRun | undefined)[] = spec.runs.map(
    (optimizer, i) =>
      new AnalyticRun({ runId: `run-${i}`, surface: spec.surface, start: spec.start, optimizer }),
  );
  return (function* () {
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i]!;
      runs[i] = undefined;
      run.advance(spec.steps);
      yield {
        optimizer: spec.runs[i].optimizer,
        status: run.status === 'diverged' ? 'diverged' : 'ok',
        points: run.points.view(),
      };
    }
  })();
}

/** Runs every optimizer of a trajectory SPEC from its start, all in memory (small SPECs). */
export function runTrajectory(spec: TrajectorySpec): TrajectoryOutput {
  return {
    runs: Array.from(trajectoryRuns(spec), ({ optimizer, status, points: flat }) => {
      const points: [number, number, number][] = [];
      for (let k = 0; k < flat.length; k += 3) points.push([flat[k], flat[k + 1], flat[k + 2]]);
      return { optimizer, status, points };
    }),
  };
}
