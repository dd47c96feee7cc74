/**
 * The critical-points lab on a 2-parameter surface: everything in closed form from the
 * surface's exact gradient and Hessian [Lxx, Lxy, Lyy] (the 2 × 2 symmetric eigenproblem
 * solved by eigen2), so a click on the explorer answers at once.
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
import { classify } from '../../hessian/classify';
import { eigen2 } from '../../hessian/eigen';
import { describeTarget, type SurfacePoint } from './targets';

/** ∇L, L, the Hessian's entries and its eigen-decomposition at a surface point. */
function local(point: SurfacePoint) {
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
  return { x, y, g, h, loss, eigen: eigen2(h), gradNorm: Math.hypot(g[0], g[1]) };
}

/** The Hessian at a surface point, in closed form. */
export function analyzeSurface(point: SurfacePoint, tau: number): CriticalAnalysis {
  const t0 = performance.now();
  const { g, h, loss, eigen, gradNorm } = local(point);
  const eigenvalues = Float64Array.from(eigen.values);
  const [v0, v1] = eigen.vectors;
  return {
    target: describeTarget(point),
    parameters: 2,
    loss,
    gradNorm,
    method: 'closed-form',
    eigenvalues,
    eigenvectors: Float64Array.of(v0[0], v0[1], v1[0], v1[1]),
    vectorIndices: [0, 1],
    trace: h[0] + h[2],
    traceMethod: 'exact',
    classification: { ...classify(eigenvalues, gradNorm, { tau }) },
    surface: { gradient: [g[0], g[1]], hessian: [h[0], h[1], h[2]] },
    ms: performance.now() - t0,
  };
}

/**
 * One Escape step of length t from a surface point along the eigenvector of the smaller
 * eigenvalue; refused where it is not below −τ·max|λ| (no direction goes down to second order).
 */
export function escapeSurface(
  point: SurfacePoint,
  t: number,
  tau: number,
): EscapeResult & { point: [number, number] } {
  const { x, y, g, loss, eigen } = local(point);
  const [lambda, lambdaMax] = eigen.values;
  const scale = Math.max(Math.abs(lambda), Math.abs(lambdaMax));
  if (!(lambda < -tau * scale)) {
    throw new FieldError(
      'target',
      `no direction of negative curvature at (${x}, ${y}): the smaller eigenvalue ${lambda.toPrecision(4)} is not below −τ·max|λ| = ${(-tau * scale).toPrecision(4)}`,
    );
  }
  let [dx, dy] = eigen.vectors[0];
  let gd = g[0] * dx + g[1] * dy;
  if (gd > 0) {
    dx = -dx;
    dy = -dy;
    gd = -gd;
  }
  const to: [number, number] = [x + t * dx, y + t * dy];
  const lossAfter = point.surface.value(to[0], to[1]);
  if (!Number.isFinite(lossAfter) || !Number.isFinite(to[0] + to[1])) {
    throw new FieldError('t', `the loss is not finite at the escaped point (${to[0]}, ${to[1]})`);
  }
  const predicted = 0.5 * lambda * t * t;
  return {
    target: describeTarget(point),
    lambda,
    t,
    predicted,
    predictedSecondOrder: t * gd + predicted,
    actual: lossAfter - loss,
    lossBefore: loss,
    lossAfter,
    point: to,
    direction: [dx, dy],
  };
}

/** L along the top eigenvector and a random unit direction through a surface point. */
export function surfaceLine(
  point: SurfacePoint,
  request: { points: number; radius: number; seed: number },
): CriticalLine {
  const { x, y, loss, eigen } = local(point);
  const [tx, ty] = eigen.vectors[1];
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
    lambdaMax: eigen.values[1],
    loss,
  };
  for (let i = 0; i < points; i++) {
    const s = (radius * (2 * i - (points - 1))) / (points - 1);
    line.t[i] = s;
    line.top[i] = point.surface.value(x + s * tx, y + s * ty);
    line.random[i] = point.surface.value(x + s * rx, y + s * ry);
  }
  return line;
}
