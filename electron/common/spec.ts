/**
 * The CLI's SPEC files (see DESIGN.md, "CLI"). Omitted hyperparameters take torch.optim's
 * defaults; they are filled in by the engine, which knows each rule's defaults.
 */
import { z } from 'zod';
import { optimizerSpecSchema, pointSchema, surfaceSpecSchema } from './schemas';

/** Most steps a CLI trajectory may ask for: 10 million points is already 300 MB of JSON. */
export const MAX_TRAJECTORY_STEPS = 1_000_000;

export const trajectorySpecSchema = z.strictObject({
  surface: surfaceSpecSchema,
  start: pointSchema,
  steps: z.int().min(0).max(MAX_TRAJECTORY_STEPS),
  runs: z.array(optimizerSpecSchema).min(1).max(64),
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
