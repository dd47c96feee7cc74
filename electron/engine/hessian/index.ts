/** The Hessian engine: linear algebra on symmetric operators, and the 2-parameter analysis. */
export { analyzeSurfacePoint, escapeStep, taylorQuadric } from './analytic';
export type { EscapeStep, SurfacePointAnalysis } from './analytic';
export { makeCheckpoint } from './checkpoint';
export type { CheckpointOptions } from './checkpoint';
export { classify, DEFAULT_TAU } from './classify';
export type { ClassifyOptions } from './classify';
export { asymmetry, denseHessian, denseHessianReport, symmetrize } from './dense';
export type { DenseHessian } from './dense';
export { densityMoments, densityOnGrid, slqDensity, slqTrace } from './density';
export type { SlqOptions } from './density';
export {
  EIGEN_PROGRESS_TOTAL,
  eigen2,
  eigenHelperPasses,
  prepareEigenHelper,
  symmetricEigen,
  symmetricEigenAsync,
  tridiagonalEigen,
} from './eigen';
export type { Eigen2, EigenOptions, TridiagonalSpectrum } from './eigen';
export { lanczos, powerIteration } from './lanczos';
export type { LanczosOptions, LanczosResult, PowerIterationOptions } from './lanczos';
export { hutchinsonTrace } from './trace';
export type { HutchinsonOptions, HutchinsonTrace } from './trace';
export type {
  Checkpoint,
  Classification,
  PointKind,
  SpectralDensity,
  Spectrum,
  SymmetricOperator,
} from './types';
