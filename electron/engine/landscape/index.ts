/**
 * Loss landscapes of networks (Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss
 * Landscape of Neural Nets", NeurIPS 2018): L(θ* + α d₁ + β d₂) over a grid, with
 * filter-normalized random, PCA or given directions, trajectories projected onto the plane,
 * and the 1-D plot between two points.
 */
export {
  LandscapeError,
  filterNormalize,
  givenDirections,
  pcaDirections,
  pcaPointLimit,
  projectOntoPlane,
  randomDirections,
  symmetricEigen,
} from './directions';
export type { Directions, PlaneProjection } from './directions';
export { LandscapeEvaluator } from './evaluator';
export type { LandscapeData } from './evaluator';
export { axis, computeLandscape, computeLine, computeLineInSlices, landscapeData } from './grid';
export type { LandscapeGrid, LandscapeLine, LandscapeOptions, LandscapeProgress } from './grid';
export {
  closeLandscapePool,
  landscapeCancelled,
  LandscapePool,
  landscapePool,
  locateLandscapeWorker,
} from './pool';
export { projectTrajectory } from './trajectory';
export type { ProjectedTrajectory } from './trajectory';
