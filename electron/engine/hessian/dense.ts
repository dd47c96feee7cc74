/**
 * The dense Hessian from Hessian-vector products: column j is H e_j, so n products give the
 * whole matrix (torch.autograd.functional.hessian does the same, one backward pass per
 * column, or all at once with `vectorize`). Operators that batch directions (applyMany) get
 * `batch` unit vectors at a time, and the columns are written straight into the result.
 *
 * A Hessian computed in float32 is symmetric only to rounding: H_ij and H_ji come from
 * different products. The asymmetry, max |H − Hᵀ| / max |H|, measures that noise (about 1e-7
 * in float32, 1e-16 in float64) and is reported before the matrix is replaced by its
 * symmetric part (H + Hᵀ)/2, the nearest symmetric matrix in the Frobenius norm, which the
 * eigensolver assumes.
 */
import { FieldError } from '../core/errors';
import type { Checkpoint, SymmetricOperator } from './types';

export interface DenseHessian {
  /** n × n, row-major, symmetric. */
  matrix: Float64Array;
  /** max |H − Hᵀ| / max |H| of the products before symmetrizing (0 for the zero matrix). */
  symmetryError: number;
}

/** The n × n Hessian (row-major, symmetrized) from n Hessian-vector products. */
export async function denseHessian(
  op: SymmetricOperator,
  checkpoint: Checkpoint,
  batch = 32,
): Promise<Float64Array> {
  return (await denseHessianReport(op, checkpoint, batch)).matrix;
}

/** denseHessian, with the products' asymmetry measured before symmetrizing. */
export async function denseHessianReport(
  op: SymmetricOperator,
  checkpoint: Checkpoint,
  batch = 32,
): Promise<DenseHessian> {
  const n = op.size;
  if (!Number.isInteger(batch) || batch < 1)
    throw new FieldError('batch', 'must be a whole number ≥ 1');
  const matrix = new Float64Array(n * n);
  await checkpoint(0, n);
  const step = op.applyMany ? Math.min(batch, Math.max(n, 1)) : 1;
  const units = new Float64Array(step * n);
  for (let start = 0; start < n; start += step) {
    const count = Math.min(step, n - start);
    // H e_j lands in row j: the transpose of column j, the same matrix once symmetrized.
    const out = matrix.subarray(start * n, (start + count) * n);
    if (op.applyMany) {
      const v = units.subarray(0, count * n);
      v.fill(0);
      for (let j = 0; j < count; j++) v[j * n + start + j] = 1;
      op.applyMany(v, count, out);
    } else {
      units.fill(0, 0, n);
      units[start] = 1;
      op.apply(units.subarray(0, n), out);
    }
    await checkpoint(start + count, n);
  }
  const symmetryError = asymmetry(matrix, n);
  symmetrize(matrix, n);
  return { matrix, symmetryError };
}

/** Tile edge for the transposed walks: two 32 × 32 tiles of float64 fit in L1. */
const TILE = 32;

/** max |H_ij − H_ji| / max |H_ij| (0 for the zero matrix; NaN if an entry is not finite). */
export function asymmetry(h: Float64Array, n: number): number {
  let diff = 0;
  let max = 0;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    for (let j0 = 0; j0 <= i0; j0 += TILE) {
      const i1 = Math.min(i0 + TILE, n);
      const j1 = Math.min(j0 + TILE, n);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < Math.min(j1, i + 1); j++) {
          const a = h[i * n + j];
          const b = h[j * n + i];
          const d = Math.abs(a - b);
          if (!(d <= diff)) diff = d;
          const m = Math.max(Math.abs(a), Math.abs(b));
          if (!(m <= max)) max = m;
        }
      }
    }
  }
  if (Number.isNaN(diff) || Number.isNaN(max)) return NaN;
  return max === 0 ? 0 : diff / max;
}

/** H ← (H + Hᵀ)/2 in place (halves first: no overflow). */
export function symmetrize(h: Float64Array, n: number): void {
  for (let i0 = 0; i0 < n; i0 += TILE) {
    for (let j0 = 0; j0 <= i0; j0 += TILE) {
      const i1 = Math.min(i0 + TILE, n);
      const j1 = Math.min(j0 + TILE, n);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < Math.min(j1, i); j++) {
          const m = 0.5 * h[i * n + j] + 0.5 * h[j * n + i];
          h[i * n + j] = m;
          h[j * n + i] = m;
        }
      }
    }
  }
}
