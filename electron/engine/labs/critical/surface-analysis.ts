/**
 * The critical-points lab on a 2-parameter surface: everything in closed form from the
 * surface's exact gradient and Hessian [Lxx, Lxy, Lyy] (hessian/analytic.ts: the 2 × 2
 * symmetric eigenproblem solved by eigen2), so a click on the explorer answers at once.
 *
 * Escape: the second-order (Taylor) model at p is L(p + t·d) ≈ L(p) + t·∇Lᵀd + ½·λ·t² for a
 * unit eigenvector d of eigenvalue λ; along the eigenvector of the smaller eigenvalue, signed
 * so that ∇Lᵀd ≤ 0, a saddle's loss falls by about ½·|λ|·t². The line: L along the unit
 * eigenvector of the larger eigenvalue beside a random unit direction (filter normalization
 * has no meaning for two coordinates).
 */
import type { CriticalAnalysis, CriticalLine, EscapeResult } from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import { Rng, streams } from '../../datasets/random';
import { analyzeSurfacePoint, escapeStep, type SurfacePointAnalysis } from '../../hessian/analytic';
import { describeTarget, type SurfacePoint } from './targets';

/** The closed-form analysis at a surface point, refused (naming `target`) where not finite. */
function local(point: SurfacePoint, tau: number): SurfacePointAnalysis {
  const [x, y] = point.point;
  const g = new Float64Array(2);
  const h = new Float64Array(3);
  const loss = point.surface.valueAndGrad(x, y, g, 0);
  point.surface.hessian(x, y, h);
  const where = `at (${x}, ${y})`;
  if (!Number.isFinite(loss) || !Number.isFinite(g[0]) || !Number.isFinite(g[1])) {
    throw new FieldError('target', `the loss or its gradient is not finite ${where}`);
  }
  if (!h.every(Number.isFinite)) {
    throw new FieldError('target', `the Hessian is not finite ${where}`);
  }
  return analyzeSurfacePoint(point.surface, x, y, { tau });
}

/** The Hessian at a surface point, in closed form. */
export function analyzeSurface(point: SurfacePoint, tau: number): CriticalAnalysis {
  const t0 = performance.now();
  const a = local(point, tau);
  const [v0, v1] = a.eigen.vectors;
  return {
    target: describeTarget(point),
    parameters: 2,
    loss: a.loss,
    gradNorm: a.gradNorm,
    method: 'closed-form',
    eigenvalues: Float64Array.from(a.eigen.values),
    eigenvectors: Float64Array.of(v0[0], v0[1], v1[0], v1[1]),
    vectorIndices: [0, 1],
    trace: a.hessian[0] + a.hessian[2],
    traceMethod: 'exact',
    classification: { ...a.classification },
    surface: { gradient: [...a.gradient], hessian: [...a.hessian] },
    ms: performance.now() - t0,
  };
}

/**
 * One Escape step of length t from a surface point along the eigenvector of the smaller
 * eigenvalue (escapeStep); refused where it is not below −τ·max|λ| (no direction goes down to
 * second order).
 */
export function escapeSurface(
  point: SurfacePoint,
  t: number,
  tau: number,
): EscapeResult & { point: [number, number] } {
  const a = local(point, tau);
  const step = escapeStep(a, t, point.surface);
  const [lambda] = a.eigen.values;
  if (!step) {
    const threshold = -tau * a.classification.scale;
    throw new FieldError(
      'target',
      `no direction of negative curvature at (${a.x}, ${a.y}): the smaller eigenvalue ${lambda.toPrecision(4)} is not below −τ·max|λ| = ${threshold.toPrecision(4)}`,
    );
  }
  const [x, y] = step.to;
  if (!Number.isFinite(x + y) || !Number.isFinite(step.actual)) {
    throw new FieldError('t', `the loss is not finite at the escaped point (${x}, ${y})`);
  }
  return {
    target: describeTarget(point),
    lambda,
    t,
    predicted: step.predicted,
    predictedSecondOrder: step.secondOrder,
    actual: step.actual,
    lossBefore: a.loss,
    lossAfter: a.loss + step.actual,
    point: step.to,
    direction: step.direction,
  };
}

/** L along the top eigenvector and a random unit direction through a surface point. */
export function surfaceLine(
  point: SurfacePoint,
  request: { points: number; radius: number; seed: number },
): CriticalLine {
  const a = local(point, 0);
  const { x, y } = a;
  const [tx, ty] = a.eigen.vectors[1];
  const rng = new Rng(request.seed, streams.directions);
  let [rx, ry] = [rng.normal(), rng.normal()];
  const norm = Math.hypot(rx, ry) || 1;
  [rx, ry] = [rx / norm, ry / norm];
  const { points, radius } = request;
  const line: CriticalLine = {
    target: describeTarget(point),
    t: new Float64Array(points),
    top: new Float64Array(points),
    random: new Float64Array(points),
    lambdaMax: a.eigen.values[1],
    loss: a.loss,
  };
  for (let i = 0; i < points; i++) {
    // Symmetric about 0: s_i = r·(2i − (n − 1))/(n − 1).
    const s = (radius * (2 * i - (points - 1))) / (points - 1);
    line.t[i] = s;
    line.top[i] = point.surface.value(x + s * tx, y + s * ty);
    line.random[i] = point.surface.value(x + s * rx, y + s * ry);
  }
  return line;
}
