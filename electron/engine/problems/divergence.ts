/**
 * When a run on a surface has diverged, one rule for a single run (AnalyticRun) and for every
 * start of a basin map (BasinsBatch), so the two agree bit for bit. Kept apart from both so the
 * basins worker loads nothing more than it needs.
 */

/** How many times its start's loss (in size) a run's loss may grow before it has diverged. */
export const DIVERGENCE_FACTOR = 1e12;

/**
 * The largest |loss| a run from a start of loss `startLoss` may reach before it counts as
 * diverged: 10¹² × |L₀| + 10¹². A loss that far from where it began has exploded, whatever
 * floating point can still hold, and no chart can show it beside the others; the absolute term
 * keeps the bound sane for starts whose loss is 0 or nearly so, and |·| makes a loss falling
 * without bound (a surface unbounded below) diverge like one rising.
 */
export function lossBound(startLoss: number): number {
  return DIVERGENCE_FACTOR * Math.abs(startLoss) + DIVERGENCE_FACTOR;
}
