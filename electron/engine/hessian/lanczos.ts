/**
 * Extreme eigenvalues of a Hessian from Hessian-vector products only: Lanczos with full
 * reorthogonalization, and power iteration (PyHessian's λ_max).
 *
 * ## Lanczos
 *
 * From a unit v₁, the three-term recurrence
 *
 *     w = H v_j − β_{j−1} v_{j−1},   α_j = v_jᵀ w,   w ← w − α_j v_j,   β_j = ‖w‖,   v_{j+1} = w / β_j
 *
 * builds an orthonormal basis V_m of the Krylov space span{v₁, H v₁, …, H^{m−1} v₁} in which H
 * is the tridiagonal T_m = tridiag(β, α, β): H V_m = V_m T_m + β_m v_{m+1} e_mᵀ. The eigenvalues
 * θ_i of T_m (Ritz values) approach H's extreme eigenvalues first (Kaniel–Paige), and with
 * T_m s_i = θ_i s_i the Ritz vector y_i = V_m s_i has the residual
 *
 *     ‖H y_i − θ_i y_i‖ = |β_m| |s_{m,i}|,
 *
 * known without another product. In floating point the v_j lose orthogonality as soon as a Ritz
 * value converges (Paige), and the lost directions come back as spurious copies of it; so each
 * new w is orthogonalized against all previous v_j by classical Gram–Schmidt, repeated when a
 * pass cancelled more than 1 − 1/√2 of w's norm ("twice is enough": Kahan and Parlett; Giraud
 * et al. 2005 — one repetition gives orthogonality to working precision, and without heavy
 * cancellation one pass already does; see `orthogonalize`). That costs O(m n) per step and m
 * stored vectors, fine for the few hundred steps asked of it; the passes stream the basis four
 * vectors per sweep over w in WebAssembly SIMD (core/kernels/vector.wat), since they are bound by
 * memory traffic.
 *
 * The iteration stops when the k smallest and k largest Ritz pairs have residuals below
 * tol · max|θ| (default 1e-8), or after `iterations` steps. If β_j vanishes the Krylov space is
 * an invariant subspace: the iteration restarts from a random vector orthogonal to the basis
 * (with β_j = 0, T splits into blocks), so eigenvalues the start vector missed — and repeated
 * eigenvalues, which a single Krylov space holds only once — are still found.
 *
 * ## Power iteration (PyHessian's `eigenvalues`)
 *
 * v ← H v / ‖H v‖ from a random unit v, with the Rayleigh quotient vᵀ H v as the estimate,
 * until it changes by less than tol relative (|λ_k − λ_{k−1}| / (|λ_{k−1}| + 1e-6) < tol,
 * PyHessian's test): the eigenvalue largest in magnitude, at a rate |λ₂/λ₁| per product.
 */
import { FieldError } from '../core/errors';
import { VectorBlock } from '../core/kernels/vector';
import { Rng } from '../datasets/random';
import { tridiagonalEigen } from './eigen';
import type { Checkpoint, Spectrum, SymmetricOperator } from './types';

/** Random streams of the Hessian engine (separate from the datasets' and networks'). */
export const hessianStreams = { lanczos: 101, power: 102, hutchinson: 103, slq: 104 } as const;

export interface LanczosOptions {
  /** How many of the smallest and of the largest eigenvalues are wanted. */
  k: number;
  /** Most Lanczos steps (Hessian-vector products); default min(n, max(100, 4k)). */
  iterations?: number;
  /** Start vector (warm start); default a Gaussian vector from `seed`. */
  start?: Float64Array;
  seed?: number;
  /** Also return the Ritz vectors. */
  vectors?: boolean;
  /** Residual tolerance relative to max |θ| (default 1e-8). */
  tol?: number;
}

export interface LanczosResult extends Spectrum {
  /** Lanczos steps taken (Hessian-vector products). */
  iterations: number;
  /** T's diagonal, one per step. */
  alpha: Float64Array;
  /** T's couplings: beta[j] joins steps j and j + 1 (0 where the iteration restarted); the last is β_m of the residuals. */
  beta: Float64Array;
  /** ‖H y_i − θ_i y_i‖ = |β_m s_{m,i}| for each returned value. */
  residuals: Float64Array;
  /** Whether every returned value met the tolerance (or the whole space was spanned). */
  converged: boolean;
}

export function dot(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
  }
  if (i < n) s0 += a[i] * b[i];
  return s0 + s1;
}

/** y ← y + t x. */
export function axpy(t: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += t * x[i];
}

export function gaussianVector(n: number, rng: Rng): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** A vector of independent ±1 (Rademacher), 32 signs per draw. */
export function rademacherVector(n: number, rng: Rng): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i += 32) {
    const bits = rng.nextUint32();
    for (let b = 0; b < 32 && i + b < n; b++) v[i + b] = (bits >>> b) & 1 ? 1 : -1;
  }
  return v;
}

/**
 * Vector `w` of the block ← w − V Vᵀ w by classical Gram–Schmidt against the block's first w
 * vectors (V), repeated when needed ("twice is enough": Kahan and Parlett, The Symmetric
 * Eigenvalue Problem §6.9; Giraud et al. 2005). One pass leaves |Vᵀw'| ≈ ε ‖w‖ (V orthonormal
 * to working precision), i.e. ε ‖w‖/‖w'‖ relative to the result: to working precision unless
 * the pass cancelled much of w. So the pass is repeated only when ‖w'‖ < ‖w‖/√2 (Kahan's
 * criterion; `always` repeats it regardless), and a second pass leaves orthogonality to working
 * precision. In Lanczos, w has already had its components along v_j and v_{j−1} removed, so
 * only rounding and lost orthogonality remain for the pass to remove and the second pass is
 * rarely needed: the full reorthogonalization, which streams the whole basis twice per pass
 * (VectorBlock's SIMD kernels), then costs one pass per step instead of two. Returns ‖w‖ after.
 */
function orthogonalize(block: VectorBlock, w: number, always = false): number {
  let before = Math.sqrt(block.dot(w, w));
  for (let pass = 0; pass < 2; pass++) {
    block.project(w, w);
    block.subtract(w, w);
    const after = Math.sqrt(block.dot(w, w));
    if (!always && !(after < Math.SQRT1_2 * before)) return after;
    before = after;
  }
  return before;
}

/** The Krylov basis and the tridiagonal T of a Lanczos run. */
export interface KrylovRun {
  alpha: Float64Array;
  beta: Float64Array;
  /** v_1 … v_s: views into one VectorBlock (valid while the run is kept). */
  basis: Float64Array[];
  steps: number;
  /** Steps at which the iteration restarted (β = 0 before them). */
  restarts: number;
}

/**
 * Up to `steps` Lanczos steps with full reorthogonalization from the unit vector `start`;
 * `stop(steps, run)` is asked after each step whether to end early. On a breakdown
 * (β_j ≤ 1e-12 ‖T‖) the next vector is a random one, orthogonalized, with β_j = 0; the run
 * ends when no direction is left. Calls checkpoint(offset + steps, total) after each step.
 */
export async function krylov(
  op: SymmetricOperator,
  start: Float64Array,
  steps: number,
  rng: Rng,
  checkpoint: Checkpoint,
  progress: { offset: number; total: number },
  stop?: (steps: number, run: KrylovRun) => boolean,
): Promise<KrylovRun> {
  const n = op.size;
  const m = Math.min(steps, n);
  // The basis (at most m vectors) and the step's w in one block, slot j + 1 for w at step j.
  let block: VectorBlock;
  try {
    block = new VectorBlock(n, m + 1);
  } catch (err) {
    if (err instanceof RangeError) throw new FieldError('iterations', err.message);
    throw err;
  }
  block.set(0, start);
  const run: KrylovRun = {
    alpha: new Float64Array(m),
    beta: new Float64Array(m),
    basis: [block.vector(0)],
    steps: 0,
    restarts: 0,
  };
  const { alpha, beta, basis } = run;
  let norm = 0;
  for (let j = 0; j < m; j++) {
    const at = j + 1;
    const w = block.vector(at);
    block.clear(at);
    op.apply(basis[j], w);
    if (j > 0) block.axpy(-beta[j - 1], j - 1, at);
    const a = block.dot(j, at);
    block.axpy(-a, j, at);
    const b = orthogonalize(block, at);
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      throw new FieldError('hessian', `a Hessian-vector product is not finite (step ${j + 1})`);
    }
    alpha[j] = a;
    beta[j] = b;
    run.steps = j + 1;
    norm = Math.max(norm, Math.abs(a) + b + (j > 0 ? beta[j - 1] : 0));
    await checkpoint(progress.offset + j + 1, progress.total);
    if (j + 1 === m) break;
    if (b > 1e-12 * norm) {
      if (stop?.(j + 1, run)) break;
      block.scale(1 / b, at);
      basis.push(w);
      continue;
    }
    // An invariant subspace: go on from a random direction outside it.
    beta[j] = 0;
    block.set(at, gaussianVector(n, rng));
    const before = Math.sqrt(block.dot(at, at));
    const after = orthogonalize(block, at, true);
    if (!(after > 1e-8 * before)) break;
    block.scale(1 / after, at);
    basis.push(w);
    run.restarts++;
  }
  return run;
}

/** v / ‖v‖, or FieldError(field) for a zero or non-finite v or a wrong length. */
export function unitStart(v: Float64Array, n: number, field: string): Float64Array {
  if (v.length !== n) throw new FieldError(field, `has ${v.length} entries, the Hessian ${n}`);
  const norm = Math.sqrt(dot(v, v));
  if (!(norm > 0) || !Number.isFinite(norm))
    throw new FieldError(field, 'must be a non-zero finite vector');
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = v[i] / norm;
  return u;
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new FieldError(field, 'must be a whole number ≥ 1');
  return value;
}

/**
 * The k smallest and k largest eigenvalues (ascending: the k smallest, then the k largest; all
 * of them, once each, when 2k ≥ n) by Lanczos with full reorthogonalization, with residual
 * norms, and Ritz vectors on request.
 */
export async function lanczos(
  op: SymmetricOperator,
  options: LanczosOptions,
  checkpoint: Checkpoint,
): Promise<LanczosResult> {
  const n = op.size;
  const k = positiveInt(options.k, 'k');
  const tol = options.tol ?? 1e-8;
  if (!(tol >= 0)) throw new FieldError('tol', 'must be ≥ 0');
  const all = 2 * k >= n;
  const m = all
    ? n
    : Math.min(n, positiveInt(options.iterations ?? Math.max(100, 4 * k), 'iterations'));
  const rng = new Rng(options.seed ?? 0, hessianStreams.lanczos);
  const empty = new Float64Array(0);
  if (n === 0) {
    return {
      values: empty,
      size: 0,
      method: 'lanczos',
      iterations: 0,
      alpha: empty,
      beta: empty,
      residuals: empty,
      converged: true,
      ...(options.vectors ? { vectors: empty } : {}),
    };
  }
  const start = options.start
    ? unitStart(options.start, n, 'start')
    : unitStart(gaussianVector(n, rng), n, 'start');

  /** Indices of the wanted Ritz values among s ascending ones. */
  const wanted = (s: number): number[] =>
    2 * k >= s
      ? [...Array(s).keys()]
      : [...Array(k).keys(), ...Array.from({ length: k }, (_, i) => s - k + i)];
  const converged = (s: number, run: KrylovRun): boolean => {
    if (s < Math.min(2 * k, m)) return false;
    const t = tridiagonalEigen(run.alpha.subarray(0, s), run.beta, { rows: [s - 1] });
    const scale = Math.max(Math.abs(t.values[0]), Math.abs(t.values[s - 1]));
    const b = Math.abs(run.beta[s - 1]);
    return wanted(s).every((i) => b * Math.abs(t.rows[0][i]) <= tol * scale);
  };

  const run = await krylov(op, start, m, rng, checkpoint, { offset: 0, total: m }, converged);
  const s = run.steps;
  const alpha = run.alpha.slice(0, s);
  const beta = run.beta.slice(0, s);
  const t = tridiagonalEigen(alpha, beta, options.vectors ? { vectors: true } : { rows: [s - 1] });
  const last = Math.abs(beta[s - 1]);
  const index = wanted(s);
  const values = new Float64Array(index.length);
  const residuals = new Float64Array(index.length);
  const scale = Math.max(Math.abs(t.values[0]), Math.abs(t.values[s - 1]));
  index.forEach((i, j) => {
    values[j] = t.values[i];
    const sLast = t.vectors ? t.vectors[i * s + s - 1] : t.rows[0][i];
    residuals[j] = last * Math.abs(sLast);
  });
  const spanned = run.basis.length >= n && s >= n;
  const result: LanczosResult = {
    values,
    size: n,
    method: 'lanczos',
    iterations: s,
    alpha,
    beta,
    residuals,
    converged: spanned || residuals.every((r) => r <= tol * scale),
  };
  if (options.vectors && t.vectors) {
    const vectors = new Float64Array(index.length * n);
    index.forEach((i, j) => {
      const y = vectors.subarray(j * n, (j + 1) * n);
      for (let l = 0; l < s; l++) axpy(t.vectors![i * s + l], run.basis[l], y);
      // Unit length to rounding already; normalize so callers can rely on it exactly, with
      // the largest component positive (as symmetricEigen's vectors).
      let big = 0;
      for (let r = 0; r < n; r++) if (Math.abs(y[r]) > Math.abs(big)) big = y[r];
      const norm = Math.sqrt(dot(y, y)) * Math.sign(big);
      if (norm !== 0) for (let r = 0; r < n; r++) y[r] /= norm;
    });
    result.vectors = vectors;
  }
  return result;
}

export interface PowerIterationOptions {
  /** Most Hessian-vector products (default 20). */
  iterations?: number;
  /** Stop when the estimate changes by less than this, relative (default 1e-3, PyHessian's). */
  tol?: number;
  seed?: number;
  /** Start vector (warm start); default a Gaussian vector from `seed`. */
  start?: Float64Array;
}

/**
 * PyHessian's λ_max: power iteration with the Rayleigh quotient, for the eigenvalue largest in
 * magnitude (its sign included), and its unit vector.
 */
export async function powerIteration(
  op: SymmetricOperator,
  options: PowerIterationOptions,
  checkpoint: Checkpoint,
): Promise<{ value: number; vector: Float64Array; iterations: number }> {
  const n = op.size;
  const maxIterations = positiveInt(options.iterations ?? 20, 'iterations');
  const tol = options.tol ?? 1e-3;
  if (!(tol >= 0)) throw new FieldError('tol', 'must be ≥ 0');
  const rng = new Rng(options.seed ?? 0, hessianStreams.power);
  let v = options.start
    ? unitStart(options.start, n, 'start')
    : unitStart(gaussianVector(n, rng), n, 'start');
  let value: number | undefined;
  let iterations = 0;
  const hv = new Float64Array(n);
  while (iterations < maxIterations) {
    op.apply(v, hv);
    iterations++;
    const estimate = dot(hv, v);
    const norm = Math.sqrt(dot(hv, hv));
    if (!Number.isFinite(estimate) || !Number.isFinite(norm)) {
      throw new FieldError(
        'hessian',
        `a Hessian-vector product is not finite (step ${iterations})`,
      );
    }
    await checkpoint(iterations, maxIterations);
    if (norm === 0) {
      // H v = 0: v is an eigenvector of 0, and nothing better can follow from it.
      value = 0;
      break;
    }
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = hv[i] / norm;
    v = next;
    const previous = value;
    value = estimate;
    if (previous !== undefined && Math.abs(previous - estimate) / (Math.abs(previous) + 1e-6) < tol)
      break;
  }
  return { value: value ?? 0, vector: v, iterations };
}
