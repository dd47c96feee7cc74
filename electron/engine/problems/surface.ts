import type { SurfaceInfo } from '../../common/protocol';

/**
 * An analytic loss surface L(x, y) with its exact gradient and Hessian. Written as plain
 * scalar code: 2-parameter problems are pure per-operation overhead, so a step must cost a few
 * nanoseconds, not a tensor op.
 */
export interface Surface {
  readonly info: SurfaceInfo;
  /** L(x, y). */
  value(x: number, y: number): number;
  /** Writes ∂L/∂x, ∂L/∂y into g[o], g[o + 1] and returns L(x, y). */
  valueAndGrad(x: number, y: number, g: Float64Array, o: number): number;
  /** Writes the Hessian's entries [∂²L/∂x², ∂²L/∂x∂y, ∂²L/∂y²] into h. */
  hessian(x: number, y: number, h: Float64Array): void;
}
