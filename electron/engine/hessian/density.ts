/**
 * The Hessian's eigenvalue density by stochastic Lanczos quadrature (SLQ; Lin, Saad & Yang
 * 2016; Ghorbani, Krishnan & Xiao 2019), with PyHessian's conventions (`hessian.density` and
 * `density_plot.density_generate`, github.com/amirgholami/PyHessian).
 *
 * The spectral density φ(t) = (1/n) Σ_i δ(t − λ_i), smoothed by a Gaussian g_σ, is
 *
 *     φ_σ(t) = (1/n) tr g_σ(t I − H) = E_v[ vᵀ g_σ(t I − H) v ]     (v uniform on the sphere;
 *                                                                    a normalized Rademacher v)
 *
 * and for a unit v, m Lanczos steps from v give the Gauss quadrature
 * vᵀ f(H) v ≈ Σ_i w_i f(θ_i): nodes θ_i the eigenvalues of T_m, weights w_i = s_{1,i}² the
 * squared first components of its unit eigenvectors (Golub & Meurant). It is exact for every
 * polynomial f of degree < 2m, so the density's moments up to 2m − 1 are unbiased, and with
 * m = n the nodes are H's eigenvalues.
 *
 * PyHessian's choices, kept here:
 * - per probe, a Rademacher vector normalized to unit length, and m steps of Lanczos with full
 *   reorthogonalization (a random orthogonal vector after a breakdown);
 * - the grid: `bins` points (default 10 000) evenly from (mean over probes of the smallest
 *   node) − 0.01 to (mean of the largest node) + 0.01;
 * - the Gaussian's variance σ² = 1e-5 · max(1, grid width) (PyHessian calls the variance
 *   "sigma"); here `sigma` is the standard deviation, and an explicit one replaces it;
 * - density = mean over probes of Σ_i w_i N(t; θ_i, σ²), then divided by its Riemann sum
 *   Σ_j φ(t_j) Δt so that it integrates to 1 on the grid.
 * Each Gaussian is summed only within 40σ of its node: beyond that e^(−800) is 0 in float64,
 * so the result equals the full sum.
 */
import { FieldError } from '../core/errors';
import { Rng } from '../datasets/random';
import { tridiagonalEigen } from './eigen';
import { hessianStreams, krylov, rademacherVector } from './lanczos';
import type { Checkpoint, SpectralDensity, SymmetricOperator } from './types';

export interface SlqOptions {
  /** Random probe vectors (Lanczos runs). */
  probes: number;
  /** Lanczos steps per probe (at most n). */
  iterations: number;
  /** Grid points (default 10 000, PyHessian's). */
  bins?: number;
  /** Gaussian standard deviation; default √(1e-5 · max(1, grid width)), PyHessian's. */
  sigma?: number;
  seed?: number;
}

/** PyHessian's margin around the nodes, and its variance per unit of grid width. */
const OVERHEAD = 0.01;
const SIGMA_SQUARED = 1e-5;
const DEFAULT_BINS = 10_000;

export async function slqDensity(
  op: SymmetricOperator,
  options: SlqOptions,
  checkpoint: Checkpoint,
): Promise<SpectralDensity> {
  const n = op.size;
  const { probes, iterations } = options;
  if (!Number.isInteger(probes) || probes < 1)
    throw new FieldError('probes', 'must be a whole number ≥ 1');
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new FieldError('iterations', 'must be a whole number ≥ 1');
  }
  const bins = options.bins ?? DEFAULT_BINS;
  if (!Number.isInteger(bins) || bins < 2)
    throw new FieldError('bins', 'must be a whole number ≥ 2');
  if (options.sigma !== undefined && !(options.sigma > 0 && Number.isFinite(options.sigma))) {
    throw new FieldError('sigma', 'must be positive');
  }
  if (n === 0) throw new FieldError('hessian', 'has no parameters');
  const m = Math.min(iterations, n);
  const rng = new Rng(options.seed ?? 0, hessianStreams.slq);
  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  const total = probes * m;
  for (let p = 0; p < probes; p++) {
    const v = rademacherVector(n, rng);
    const scale = 1 / Math.sqrt(n);
    for (let i = 0; i < n; i++) v[i] *= scale;
    const run = await krylov(op, v, m, rng, checkpoint, { offset: p * m, total });
    const s = run.steps;
    const t = tridiagonalEigen(run.alpha.subarray(0, s), run.beta, { rows: [0] });
    nodes.push(t.values);
    weights.push(t.rows[0].map((x) => x * x));
  }
  return {
    ...densityOnGrid(nodes, weights, bins, options.sigma),
    probes,
    iterations: m,
    nodes,
    weights,
  };
}

/** PyHessian's density_generate on (nodes, weights) per probe; see the file's top. */
export function densityOnGrid(
  nodes: readonly Float64Array[],
  weights: readonly Float64Array[],
  bins = DEFAULT_BINS,
  sigma?: number,
): { grid: Float64Array; density: Float64Array; sigma: number } {
  const runs = nodes.length;
  let lo = 0;
  let hi = 0;
  for (const theta of nodes) {
    lo += Math.min(...theta) / runs;
    hi += Math.max(...theta) / runs;
  }
  lo -= OVERHEAD;
  hi += OVERHEAD;
  const grid = new Float64Array(bins);
  const step = (hi - lo) / (bins - 1);
  for (let j = 0; j < bins; j++) grid[j] = lo + j * step;
  const sd = sigma ?? Math.sqrt(SIGMA_SQUARED * Math.max(1, hi - lo));
  const density = new Float64Array(bins);
  const norm = 1 / (Math.sqrt(2 * Math.PI) * sd);
  const reach = 40 * sd;
  for (let p = 0; p < runs; p++) {
    const theta = nodes[p];
    const w = weights[p];
    for (let i = 0; i < theta.length; i++) {
      const first = Math.max(0, Math.ceil((theta[i] - reach - lo) / step));
      const last = Math.min(bins - 1, Math.floor((theta[i] + reach - lo) / step));
      const c = (w[i] * norm) / runs;
      for (let j = first; j <= last; j++) {
        const z = (grid[j] - theta[i]) / sd;
        density[j] += c * Math.exp(-0.5 * z * z);
      }
    }
  }
  let sum = 0;
  for (const x of density) sum += x;
  const area = sum * step;
  if (area > 0) for (let j = 0; j < bins; j++) density[j] /= area;
  return { grid, density, sigma: sd };
}

/**
 * The trace from the quadrature: n vᵀ H v = n Σ_i w_i θ_i per probe (exact for each probe,
 * as f(t) = t is a polynomial of degree 1), averaged over the probes.
 */
export function slqTrace(
  nodes: readonly Float64Array[],
  weights: readonly Float64Array[],
  n: number,
): number {
  let sum = 0;
  nodes.forEach((theta, p) => {
    let s = 0;
    for (let i = 0; i < theta.length; i++) s += weights[p][i] * theta[i];
    sum += s;
  });
  return (n * sum) / nodes.length;
}

/**
 * Moments ∫ t^k φ(t) dt, k = 0..count, of a density on its grid (Riemann sums, as the
 * normalization): [1, mean, E t², …]. n × mean estimates the trace, n × E t² ‖H‖_F².
 */
export function densityMoments(
  density: Pick<SpectralDensity, 'grid' | 'density'>,
  count = 4,
): Float64Array {
  const { grid, density: phi } = density;
  const step = grid.length > 1 ? grid[1] - grid[0] : 0;
  const moments = new Float64Array(count + 1);
  for (let j = 0; j < grid.length; j++) {
    let power = phi[j] * step;
    for (let k = 0; k <= count; k++) {
      moments[k] += power;
      power *= grid[j];
    }
  }
  return moments;
}
