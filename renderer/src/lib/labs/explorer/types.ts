/**
 * The explorer's own vocabulary, shared by its store, its components and its lessons (a lesson
 * names the runs it races and the view it wants without depending on the store that plays it).
 */
import type { EngineMessageOf, RunState } from '../../../../../electron/common/protocol';
import type { MAX_RACE_RUNS as RaceRunsLimit } from '../../../../../electron/common/limits';
import type { OptimizerSpec, Point, SurfaceSpec } from '../../../../../electron/common/schemas';
import type { Trajectory } from '../../state/trajectory';
import type { StoreRun } from '../run-store.svelte';

/** Surface grid resolution for the views. */
export const GRID_RESOLUTION = 256;
/** Most runs in one race: one per run colour (common/limits.ts; the type keeps them equal). */
export const MAX_RACE_RUNS: typeof RaceRunsLimit = 8;

export type SurfaceGrid = EngineMessageOf<'surface.grid'>;
export type BasinsResult = EngineMessageOf<'basins.result'>;

/** A run of the race: its trajectory so far and the engine's latest word on it. */
export interface Run extends StoreRun<RunState> {
  readonly trajectory: Trajectory;
}

/** How the explorer's views draw the surface and the curves. */
export interface ViewSettings {
  /** Log-scaled height and colours (for surfaces spanning orders of magnitude). */
  logHeight: boolean;
  wireframe: boolean;
  contours: boolean;
  /** Loss curve on a log axis. */
  lossLog: boolean;
  /** Arrows for ∇L, momentum and the step taken, at each run's current point. */
  stepMode: boolean;
}

/** A run to create: its optimizer, and the label, surface and start it is given, if any. */
export interface NewRun {
  optimizer: OptimizerSpec;
  label?: string;
  /** The run's own surface, when it differs from the race's (a lesson comparing two losses). */
  surface?: SurfaceSpec;
  /**
   * The run's own start, when it differs from the race's (a lesson with one run on a saddle's
   * ridge and one beside it). A new common start (a click, Escape) moves it with the others.
   */
  start?: Point;
}

/** Whether two surface specs name the same surface. */
export function sameSurface(a: SurfaceSpec, b: SurfaceSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The optimizer spec that recreates a run as it is now. */
export function optimizerSpecOf(state: RunState): OptimizerSpec {
  return { optimizer: state.optimizer, ...state.hyper, schedule: state.schedule };
}
