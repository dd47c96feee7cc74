/**
 * Matrices with known spectra for the Hessian engine's tests: random symmetric and orthogonal
 * matrices (seeded), Q diag(λ) Qᵀ, dense operators, and an independent eigenvalue reference
 * (cyclic Jacobi, which shares no code or method with the Householder–QL solver).
 */
import { Rng } from '../../../electron/engine/datasets/random';
import type { SymmetricOperator } from '../../../electron/engine/hessian/types';

/** A symmetric n × n matrix with independent N(0, 1) entries on and below the diagonal. */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed, 7001);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** A random orthogonal n × n matrix: Gram–Schmidt (twice) on Gaussian columns. */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed, 7002);
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const u of cols) {
        let d = 0;
        for (let i = 0; i < n; i++) d += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    cols.push(v);
  }
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) q[i * n + j] = cols[j][i];
  return q;
}

/** Q diag(λ) Qᵀ (n × n, row-major), exactly symmetric. */
export function fromSpectrum(values: ArrayLike<number>, q: Float64Array): Float64Array {
  const n = values.length;
  const a = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) row[k] = q[i * n + k] * values[k];
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += row[k] * q[j * n + k];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

/** y = A x. */
export function matVec(
  a: Float64Array,
  n: number,
  x: ArrayLike<number>,
  y: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** A's Frobenius norm. */
export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * The dense matrix as an operator, counting products; with `batched` it also has applyMany.
 */
export function denseOperator(
  a: Float64Array,
  n: number,
  batched = false,
): SymmetricOperator & { products: number } {
  const op = {
    size: n,
    products: 0,
    apply(v: Float64Array, out: Float64Array) {
      op.products++;
      matVec(a, n, v, out);
    },
  };
  if (!batched) return op;
  return Object.assign(op, {
    applyMany(v: Float64Array, count: number, out: Float64Array) {
      for (let j = 0; j < count; j++) {
        op.products++;
        matVec(a, n, v.subarray(j * n, (j + 1) * n), out.subarray(j * n, (j + 1) * n));
      }
    },
  });
}

/** The operator of a diagonal matrix (H v = d ⊙ v). */
export function diagonalOperator(d: ArrayLike<number>): SymmetricOperator {
  return {
    size: d.length,
    apply(v, out) {
      for (let i = 0; i < d.length; i++) out[i] = d[i] * v[i];
    },
  };
}

/**
 * Eigenvalues (ascending) by the cyclic Jacobi method (Rutishauser's rotations), swept until
 * the off-diagonal part is below 1e-15 of the norm: a slow, independent reference.
 */
export function jacobiEigenvalues(input: Float64Array, n: number): Float64Array {
  const a = input.slice(0, n * n);
  const norm = frobenius(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) off += a[i * n + j] ** 2;
    if (Math.sqrt(2 * off) <= 1e-15 * norm) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  return d.sort();
}

/** max_i |a_i − b_i|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
