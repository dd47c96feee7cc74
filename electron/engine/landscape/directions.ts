/**
 * The two directions d₁, d₂ spanning a landscape's plane θ* + α d₁ + β d₂, and the projection
 * of trajectories onto that plane.
 */
import { FieldError } from '../core/errors';
import { Rng, streams } from '../datasets/random';
import type { ParamLayout } from '../network/layout';

export interface Directions {
  kind: 'random' | 'pca' | 'given' | 'hessian';
  d1: Float64Array;
  d2: Float64Array;
  /** Seed of random directions. */
  seed?: number;
  /** PCA: share of the trajectory's variance along d₁ and d₂ (their sum is at most 1). */
  explainedVariance?: [number, number];
  /** PCA: how many trajectory points the components were computed from. */
  points?: number;
  /** Hessian: the eigenvalues of d₁ and d₂ (unit eigenvectors of the two largest). */
  eigenvalues?: [number, number];
}

/** A landscape SPEC that cannot be honoured; `field` names the offending field. */
export class LandscapeError extends FieldError {
  constructor(field: string, reason: string) {
    super(field, reason, 'landscape');
  }
}

/**
 * Filter normalization (Li et al. 2018, §4): for every weight matrix W (out × in), each row of
 * the direction — the weights into one output neuron, its "filter" — is rescaled to the norm
 * of the same row of W:  d_i ← d_i · ‖W_i‖ / ‖d_i‖.  Bias entries are set to 0 (the paper's
 * `ignore biasbn`). In place on `d`; a zero row of d stays zero.
 */
export function filterNormalize(layout: ParamLayout, theta: Float64Array, d: Float64Array): void {
  for (const t of layout.tensors) {
    if (t.kind === 'bias') {
      d.fill(0, t.offset, t.offset + t.size);
      continue;
    }
    const [rows, cols] = t.shape;
    for (let i = 0; i < rows; i++) {
      const start = t.offset + i * cols;
      let wNorm = 0;
      let dNorm = 0;
      for (let j = start; j < start + cols; j++) {
        wNorm += theta[j] * theta[j];
        dNorm += d[j] * d[j];
      }
      const s = dNorm > 0 ? Math.sqrt(wNorm / dNorm) : 0;
      for (let j = start; j < start + cols; j++) d[j] *= s;
    }
  }
}

/** Two Gaussian directions, filter-normalized to θ (the landscape's centre). */
export function randomDirections(layout: ParamLayout, theta: Float64Array, seed = 0): Directions {
  const rng = new Rng(seed, streams.directions);
  const draw = () => {
    const d = new Float64Array(layout.size);
    for (let i = 0; i < d.length; i++) d[i] = rng.normal();
    filterNormalize(layout, theta, d);
    return d;
  };
  const d1 = draw();
  return { kind: 'random', d1, d2: draw(), seed };
}

/** Two directions the user gives (for example saved from an earlier landscape). */
export function givenDirections(
  layout: ParamLayout,
  d1: ArrayLike<number>,
  d2: ArrayLike<number>,
): Directions {
  for (const [name, d] of [
    ['d1', d1],
    ['d2', d2],
  ] as const) {
    if (d.length !== layout.size) {
      throw new LandscapeError(
        `directions.${name}`,
        `has ${d.length} entries; θ has ${layout.size}`,
      );
    }
  }
  const a = Float64Array.from(d1);
  const b = Float64Array.from(d2);
  const [aa, bb, ab] = [dot(a, a), dot(b, b), dot(a, b)];
  if (!(aa > 0) || !(bb > 0) || ab * ab >= aa * bb * (1 - 1e-12)) {
    throw new LandscapeError(
      'directions.d2',
      'the two directions must be non-zero and not parallel',
    );
  }
  return { kind: 'given', d1: a, d2: b };
}

/** Most trajectory points PCA uses for a θ of `size` entries (its cost is T²·size). */
export function pcaPointLimit(size: number): number {
  return Math.max(16, Math.min(256, Math.floor(Math.sqrt(1e9 / size))));
}

/**
 * The top two principal directions of a trajectory around its final point, as Li et al. do
 * it: the rows θ_t − θ_final go to a PCA (scikit-learn's, which centres them), whose two
 * leading unit components become d₁ and d₂, with the explained-variance ratio of each.
 *
 * Computed through the T × T Gram matrix of the centred rows (T ≤ pcaPointLimit, evenly
 * subsampled from the snapshots, the last always kept), whose eigenvectors u give the
 * components Cᵀu/√λ. Each direction is signed so that the trajectory's first point has a
 * non-positive coordinate: the path runs towards +α, +β into the final point.
 */
export function pcaDirections(
  snapshots: readonly ArrayLike<number>[],
  final: Float64Array,
  maxPoints = pcaPointLimit(final.length),
): Directions {
  if (snapshots.length < 3) {
    throw new LandscapeError('directions', 'PCA needs a trajectory of at least 3 recorded points');
  }
  const pick = evenly(snapshots.length, Math.min(maxPoints, snapshots.length));
  const size = final.length;
  const t = pick.length;
  // Rows c_t = (θ_t − θ_final) − mean.
  const rows = pick.map((k) => {
    const s = snapshots[k];
    const r = new Float64Array(size);
    for (let i = 0; i < size; i++) r[i] = s[i] - final[i];
    return r;
  });
  const mean = new Float64Array(size);
  for (const r of rows) for (let i = 0; i < size; i++) mean[i] += r[i] / t;
  for (const r of rows) for (let i = 0; i < size; i++) r[i] -= mean[i];
  const gram = new Float64Array(t * t);
  for (let a = 0; a < t; a++) {
    for (let b = a; b < t; b++) {
      const v = dot(rows[a], rows[b]);
      gram[a * t + b] = v;
      gram[b * t + a] = v;
    }
  }
  let trace = 0;
  for (let a = 0; a < t; a++) trace += gram[a * t + a];
  if (!(trace > 0)) {
    throw new LandscapeError('directions', 'the trajectory does not move: PCA has no direction');
  }
  const { values, vectors } = symmetricEigen(gram, t);
  const first = snapshots[pick[0]];
  const component = (k: number): Float64Array => {
    const d = new Float64Array(size);
    const lambda = Math.max(values[k], 0);
    if (lambda === 0) return d;
    for (let a = 0; a < t; a++) {
      const u = vectors[a * t + k];
      if (u === 0) continue;
      const r = rows[a];
      for (let i = 0; i < size; i++) d[i] += u * r[i];
    }
    const norm = Math.sqrt(dot(d, d));
    let along = 0;
    for (let i = 0; i < size; i++) {
      d[i] /= norm;
      along += d[i] * (first[i] - final[i]);
    }
    if (along > 0) for (let i = 0; i < size; i++) d[i] = -d[i];
    return d;
  };
  const d1 = component(0);
  const d2 = component(1);
  if (!d2.some((v) => v !== 0)) {
    throw new LandscapeError(
      'directions',
      'the trajectory lies on a line: PCA finds one direction',
    );
  }
  return {
    kind: 'pca',
    d1,
    d2,
    explainedVariance: [Math.max(values[0], 0) / trace, Math.max(values[1], 0) / trace],
    points: t,
  };
}

/** k indices spread evenly over 0 … n − 1, first and last included. */
function evenly(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Eigenvalues (descending) and eigenvectors (columns of `vectors`, n × n row-major) of a
 * symmetric matrix, by cyclic Jacobi rotations: slow for large n, exact to rounding, and
 * plenty for the few hundred trajectory points PCA sees.
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p] ** 2;
      for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation that zeroes a_pq: tan 2φ = 2 a_pq / (a_qq − a_pp).
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
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, col) => {
    for (let k = 0; k < n; k++) vectors[k * n + col] = v[k * n + src];
  });
  return { values, vectors };
}

/** Coordinates of trajectory points in a plane, and how far each lies from it. */
export interface PlaneProjection {
  alpha: Float64Array;
  beta: Float64Array;
  /** ‖p − (α d₁ + β d₂)‖ with p = θ_t − θ*: 0 for a point on the plane. */
  distance: Float64Array;
}

/**
 * Projects points θ_t onto the plane θ* + α d₁ + β d₂ by least squares: d₁ and d₂ need not be
 * orthogonal (random filter-normalized ones are only nearly so), so (α, β) solve the 2 × 2
 * normal equations
 *
 *   [d₁·d₁  d₁·d₂] [α]   [d₁·p]
 *   [d₁·d₂  d₂·d₂] [β] = [d₂·p],     p = θ_t − θ*,
 *
 * and the distance is the norm of the residual p − α d₁ − β d₂, summed term by term (not as
 * ‖p‖² − …, which cancels catastrophically for points on the plane).
 */
export function projectOntoPlane(
  center: Float64Array,
  d1: Float64Array,
  d2: Float64Array,
  points: readonly ArrayLike<number>[],
): PlaneProjection {
  const [g11, g12, g22] = [dot(d1, d1), dot(d1, d2), dot(d2, d2)];
  const det = g11 * g22 - g12 * g12;
  if (!(det > 0)) throw new LandscapeError('directions', 'd₁ and d₂ do not span a plane');
  const count = points.length;
  const out: PlaneProjection = {
    alpha: new Float64Array(count),
    beta: new Float64Array(count),
    distance: new Float64Array(count),
  };
  const size = center.length;
  points.forEach((theta, k) => {
    let r1 = 0;
    let r2 = 0;
    for (let i = 0; i < size; i++) {
      const p = theta[i] - center[i];
      r1 += d1[i] * p;
      r2 += d2[i] * p;
    }
    const a = (g22 * r1 - g12 * r2) / det;
    const b = (g11 * r2 - g12 * r1) / det;
    let res = 0;
    for (let i = 0; i < size; i++) {
      const e = theta[i] - center[i] - a * d1[i] - b * d2[i];
      res += e * e;
    }
    out.alpha[k] = a;
    out.beta[k] = b;
    out.distance[k] = Math.sqrt(res);
  });
  return out;
}
