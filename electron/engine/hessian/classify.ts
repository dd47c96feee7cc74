/**
 * What a point of a loss is, from its gradient norm and its Hessian's eigenvalues: the
 * second-order test, with a tolerance, because a Hessian computed in float32 cannot tell a
 * tiny eigenvalue's sign.
 *
 * With scale = max |λ|, an eigenvalue counts as
 *
 *     positive  if λ >  τ · scale,     negative  if λ < −τ · scale,     flat  otherwise
 *
 * (τ = 1e-4 by default: float32 products are good to ~1e-7 relative, and a network's Hessian
 * has many eigenvalues that are zero in exact arithmetic — symmetries, dead units). Then
 *
 * - minimumRatio = positive / count: the lecture's "minimum ratio" (1 at a strict minimum);
 * - index = negative / count: the share of directions that descend (a saddle's index);
 * - kind: 'minimum' when every eigenvalue is positive, 'maximum' when every one is negative,
 *   'saddle' when there are both, and 'degenerate' otherwise (some flat with one sign only, or
 *   all flat): the second-order test cannot decide, the higher derivatives do (the monkey
 *   saddle's Hessian is 0). With `gradTolerance` given, a point whose gradient norm exceeds it
 *   is 'not critical' whatever the curvature; without it the gradient is recorded but not
 *   judged, and the kind describes the curvature alone (a trajectory's point need not be
 *   critical for its curvature to be worth naming).
 *
 * An infinite eigenvalue (the tip of Ackley's cone, where the curvature is +∞) counts with its
 * sign; the threshold τ · scale then uses the largest finite |λ| so the finite ones are still
 * told apart.
 */
import { FieldError } from '../core/errors';
import type { Classification, PointKind } from './types';

export interface ClassifyOptions {
  /** Relative threshold below which an eigenvalue is flat (default 1e-4). */
  tau?: number;
  /** Gradient norm above which the point is 'not critical'; undefined: not judged. */
  gradTolerance?: number;
}

export const DEFAULT_TAU = 1e-4;

export function classify(
  values: ArrayLike<number>,
  gradNorm: number,
  options: ClassifyOptions = {},
): Classification {
  const tau = options.tau ?? DEFAULT_TAU;
  if (!(tau >= 0 && Number.isFinite(tau)))
    throw new FieldError('tau', 'must be a finite number ≥ 0');
  const { gradTolerance } = options;
  if (gradTolerance !== undefined && !(gradTolerance >= 0)) {
    throw new FieldError('gradTolerance', 'must be ≥ 0');
  }
  const count = values.length;
  if (count === 0) throw new FieldError('eigenvalues', 'must not be empty');
  let scale = 0;
  let finiteScale = 0;
  let lambdaMin = Infinity;
  let lambdaMax = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new FieldError('eigenvalues', `entry ${i} is NaN`);
    const a = Math.abs(v);
    scale = Math.max(scale, a);
    if (Number.isFinite(v)) finiteScale = Math.max(finiteScale, a);
    lambdaMin = Math.min(lambdaMin, v);
    lambdaMax = Math.max(lambdaMax, v);
  }
  const threshold = tau * finiteScale;
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v > threshold) positive++;
    else if (v < -threshold) negative++;
  }
  const flat = count - positive - negative;
  let kind: PointKind;
  if (gradTolerance !== undefined && !(gradNorm <= gradTolerance)) kind = 'not critical';
  else if (negative === 0 && flat === 0) kind = 'minimum';
  else if (positive === 0 && flat === 0) kind = 'maximum';
  else if (positive > 0 && negative > 0) kind = 'saddle';
  else kind = 'degenerate';
  return {
    kind,
    gradNorm,
    count,
    positive,
    negative,
    flat,
    minimumRatio: positive / count,
    index: negative / count,
    tau,
    scale,
    lambdaMax,
    lambdaMin,
  };
}
