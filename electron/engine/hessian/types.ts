/**
 * The Hessian engine's shared shapes: a symmetric linear operator (the Hessian of a loss at a
 * point, applied to vectors), the checkpoint that every long computation calls between
 * Hessian-vector products (progress, Cancel, a turn of the event loop), and the results.
 *
 * Everything here is float64 on the host. Hessian-vector products may be computed in float32
 * (tfjs) and come back as float64; the algorithms (eigensolver, Lanczos, Hutchinson, SLQ) are
 * plain TypeScript so they are exact, visible and the same on every backend.
 */

/** A symmetric n × n operator: `apply(v, out)` writes H·v into `out` (both length n). */
export interface SymmetricOperator {
  readonly size: number;
  apply(v: Float64Array, out: Float64Array): void;
  /**
   * Optional: H·V for `count` vectors at once (V and OUT column blocks, vector j at
   * [j·size, (j+1)·size)). Operators that batch directions (the network R-operator) implement
   * it; callers fall back to `apply` per vector.
   */
  applyMany?(v: Float64Array, count: number, out: Float64Array): void;
}

/**
 * Called between units of work with how many are done of how many: reports progress, lets
 * the event loop run now and then (so a Cancel can arrive), and throws CancelledError to stop.
 */
export type Checkpoint = (done: number, total: number) => void | Promise<void>;

/** A spectrum: eigenvalues ascending, and (when asked for) unit eigenvectors in the same order. */
export interface Spectrum {
  /** Ascending. All n for an exact spectrum; the k smallest then the k largest for Lanczos. */
  values: Float64Array;
  /** Column j (values[j]'s eigenvector) at [j·n, (j+1)·n); absent when not asked for. */
  vectors?: Float64Array;
  /** n, the operator's size. */
  size: number;
  method: 'exact' | 'lanczos';
}

/** The spectral density by stochastic Lanczos quadrature (PyHessian's ESD). */
export interface SpectralDensity {
  /** Grid of eigenvalue positions, ascending. */
  grid: Float64Array;
  /** Density at each grid point (integrates to 1 over the grid). */
  density: Float64Array;
  probes: number;
  iterations: number;
  /** Gaussian broadening σ used (absolute, in eigenvalue units). */
  sigma: number;
  /** Per probe, the Ritz values (nodes) and weights of its quadrature. */
  nodes: Float64Array[];
  weights: Float64Array[];
}

/**
 * What a point is, by its gradient and its Hessian's eigenvalues: the protocol's shape (the
 * engine's classification is what the client is sent).
 */
export type { PointClassification as Classification, PointKind } from '../../common/protocol';
