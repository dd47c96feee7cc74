/**
 * The explorer's own vocabulary, shared by its store and its lessons (a lesson names the runs
 * it races and the view it wants without depending on the store that plays it).
 */
import type { OptimizerSpec, SurfaceSpec } from '../../../../../electron/common/schemas';

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

/** A run to create: its optimizer, and the label and surface it is given, if any. */
export interface NewRun {
  optimizer: OptimizerSpec;
  label?: string;
  /** The run's own surface, when it differs from the race's (a lesson comparing two losses). */
  surface?: SurfaceSpec;
}
