import type { SurfaceInfo } from '../../common/protocol';
import type { Point } from '../../common/schemas';
import type { Surface } from './surface';

/** A preset's description: everything in SurfaceInfo except the name it is filed under. */
export type PresetInfo = Omit<SurfaceInfo, 'name'>;

/** A preset's exact L, ∇L and Hessian, as plain scalar code. */
export type PresetBody = Omit<Surface, 'info'>;

/** Builds a preset surface from its name, description and exact derivatives. */
export function definePreset(name: string, info: PresetInfo, body: PresetBody): Surface {
  return { info: { name, ...info }, ...body };
}

/**
 * Newton's method on ∇L = 0 from `guess`: the critical point nearest the guess, to the last bit
 * when the Hessian there is not singular. Used for critical points with no closed form (the
 * lattices of Rastrigin and Ackley); the tests check every result's gradient and Hessian.
 */
export function newtonCriticalPoint(body: PresetBody, guess: Point, iterations = 60): Point {
  const g = new Float64Array(2);
  const h = new Float64Array(3);
  let [x, y] = guess;
  for (let k = 0; k < iterations; k++) {
    body.valueAndGrad(x, y, g, 0);
    body.hessian(x, y, h);
    const det = h[0] * h[2] - h[1] * h[1];
    if (det === 0 || !Number.isFinite(det)) break;
    const dx = (h[2] * g[0] - h[1] * g[1]) / det;
    const dy = (h[0] * g[1] - h[1] * g[0]) / det;
    x -= dx;
    y -= dy;
    // Converged once a step no longer moves θ by more than rounding.
    if (Math.abs(dx) <= 1e-16 * (1 + Math.abs(x)) && Math.abs(dy) <= 1e-16 * (1 + Math.abs(y))) {
      break;
    }
  }
  return [x, y];
}
