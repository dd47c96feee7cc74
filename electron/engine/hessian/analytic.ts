/**
 * The critical-points lab on a 2-parameter surface, where every preset and typed expression
 * has an exact Hessian: the point's loss, gradient, Hessian and its eigen-decomposition (closed
 * form), what kind of point it is, the second-order Taylor model there, and the step that
 * escapes a saddle.
 *
 * The Taylor model at θ is the quadric
 *
 *     q(θ + d) = L(θ) + gᵀd + ½ dᵀ H d,
 *
 * exact for quadratic surfaces and wrong by O(‖d‖³) elsewhere. At a saddle the gradient
 * vanishes and along the unit eigenvector u of λ_min < 0 the model falls as ½ λ_min t²: the
 * escape step θ + t u (u's sign chosen so that gᵀu ≤ 0, i.e. not uphill) lowers the loss by
 *
 *     predicted = ½ λ_min t²           (the pure curvature term)
 *     secondOrder = t gᵀu + ½ λ_min t² (the full model, which also counts a residual gradient)
 *
 * and the actual change L(θ + t u) − L(θ) differs from secondOrder by O(t³) — by O(t⁴) where
 * the surface is symmetric about the saddle, as ½x² + ¼(y² − 1)² is.
 */
import { FieldError } from '../core/errors';
import type { Surface } from '../problems/surface';
import { classify, type ClassifyOptions } from './classify';
import { eigen2, type Eigen2 } from './eigen';
import type { Classification } from './types';

export interface SurfacePointAnalysis {
  x: number;
  y: number;
  loss: number;
  gradient: [number, number];
  gradNorm: number;
  /** [∂²L/∂x², ∂²L/∂x∂y, ∂²L/∂y²]. */
  hessian: [number, number, number];
  eigen: Eigen2;
  classification: Classification;
}

/** Loss, gradient, Hessian, eigen-decomposition and kind of the point (x, y) of a surface. */
export function analyzeSurfacePoint(
  surface: Surface,
  x: number,
  y: number,
  options: ClassifyOptions = {},
): SurfacePointAnalysis {
  if (!Number.isFinite(x)) throw new FieldError('x', 'must be a finite number');
  if (!Number.isFinite(y)) throw new FieldError('y', 'must be a finite number');
  const g = new Float64Array(2);
  const loss = surface.valueAndGrad(x, y, g, 0);
  const h = new Float64Array(3);
  surface.hessian(x, y, h);
  const eigen = eigen2(h);
  const gradNorm = Math.hypot(g[0], g[1]);
  return {
    x,
    y,
    loss,
    gradient: [g[0], g[1]],
    gradNorm,
    hessian: [h[0], h[1], h[2]],
    eigen,
    classification: classify(eigen.values, gradNorm, options),
  };
}

/** The second-order Taylor model of the analysed point, evaluated at (x, y). */
export function taylorQuadric(a: SurfacePointAnalysis, x: number, y: number): number {
  const dx = x - a.x;
  const dy = y - a.y;
  const [hxx, hxy, hyy] = a.hessian;
  return (
    a.loss +
    a.gradient[0] * dx +
    a.gradient[1] * dy +
    0.5 * (hxx * dx * dx + 2 * hxy * dx * dy + hyy * dy * dy)
  );
}

export interface EscapeStep {
  /** θ + t u. */
  to: [number, number];
  /** u: the unit eigenvector of λ_min, not uphill (gᵀu ≤ 0). */
  direction: [number, number];
  /** ½ λ_min t². */
  predicted: number;
  /** t gᵀu + ½ λ_min t²: the Taylor model's change. */
  secondOrder: number;
  /** L(θ + t u) − L(θ). */
  actual: number;
}

/**
 * The step of length t along the most negative curvature of the analysed point of `surface`
 * (the surface measures the actual change), or undefined when there is none (λ_min is not
 * below −τ·max|λ|: the classification counts no negative eigenvalue).
 * When gᵀu = 0 (a critical point) the sign makes u's larger component positive.
 */
export function escapeStep(
  a: SurfacePointAnalysis,
  t: number,
  surface: Surface,
): EscapeStep | undefined {
  if (!(t > 0 && Number.isFinite(t))) throw new FieldError('t', 'must be a positive number');
  if (a.classification.negative === 0) return undefined;
  const lambda = a.eigen.values[0];
  let [ux, uy] = a.eigen.vectors[0];
  const slope = a.gradient[0] * ux + a.gradient[1] * uy;
  const flip = slope > 0 || (slope === 0 && (Math.abs(ux) >= Math.abs(uy) ? ux : uy) < 0);
  if (flip) {
    ux = -ux;
    uy = -uy;
  }
  const to: [number, number] = [a.x + t * ux, a.y + t * uy];
  const predicted = 0.5 * lambda * t * t;
  return {
    to,
    direction: [ux, uy],
    predicted,
    secondOrder: t * (a.gradient[0] * ux + a.gradient[1] * uy) + predicted,
    actual: surface.value(to[0], to[1]) - a.loss,
  };
}
