/**
 * The CLI's SPEC files (`losslab trajectory|basins SPEC.json`; README, "The CLI"). Omitted hyperparameters take torch.optim's
 * defaults; they are filled in by the engine, which knows each rule's defaults.
 */
import { z } from 'zod';
import { optimizerSpecSchema, pointSchema, surfaceSpecSchema } from './schemas';
import {
  MAX_BASINS_RESOLUTION,
  MAX_BASINS_STEPS,
  MAX_TRAJECTORY_SPEC_RUNS,
  MAX_TRAJECTORY_STEPS,
} from './limits';

export { MAX_BASINS_RESOLUTION, MAX_BASINS_STEPS, MAX_TRAJECTORY_STEPS };

export const trajectorySpecSchema = z.strictObject({
  surface: surfaceSpecSchema,
  start: pointSchema,
  steps: z.int().min(0).max(MAX_TRAJECTORY_STEPS),
  runs: z.array(optimizerSpecSchema).min(1).max(MAX_TRAJECTORY_SPEC_RUNS),
});
export type TrajectorySpec = z.infer<typeof trajectorySpecSchema>;

export interface TrajectoryOutput {
  runs: {
    optimizer: string;
    status: 'ok' | 'diverged';
    /** [x, y, loss] per point, the start first; a diverged run ends at its last finite point. */
    points: [number, number, number][];
  }[];
}

/** Default radius around a known minimum, as a fraction of the domain's longer side. */
export const DEFAULT_BASINS_TOLERANCE = 0.01;

/**
 * A basin map (`losslab basins`, and the engine's `basins.compute`): one optimizer run from
 * every point of a resolution × resolution grid over the surface's domain.
 */
export const basinsSpecSchema = z.strictObject({
  surface: surfaceSpecSchema,
  optimizer: optimizerSpecSchema,
  resolution: z.int().min(2).max(MAX_BASINS_RESOLUTION),
  steps: z.int().min(1).max(MAX_BASINS_STEPS),
  /**
   * A start has reached a known minimum when it ends within tolerance × (the domain's longer
   * side) of it. @default 0.01 (DEFAULT_BASINS_TOLERANCE)
   */
  tolerance: z.number().gt(0).max(0.5).optional(),
});
export type BasinsSpec = z.infer<typeof basinsSpecSchema>;

/** What `losslab basins` prints. Per-start arrays are row-major, y the slow axis. */
export interface BasinsOutput {
  surface: string;
  resolution: number;
  domain: [[number, number], [number, number]];
  minima: [number, number][];
  /** Distance from a minimum within which a start counts as having reached it. */
  radius: number;
  /** Per start: index into `minima`, −1 ended elsewhere, −2 diverged. */
  labels: number[];
  /** Per start: steps to reach its minimum; for −1 the steps taken; for −2 the failing step. */
  steps: number[];
  counts: BasinCounts;
}

/** How many starts ended where: per known minimum (same order as `minima`), none, diverged. */
export interface BasinCounts {
  minima: number[];
  none: number;
  diverged: number;
}
