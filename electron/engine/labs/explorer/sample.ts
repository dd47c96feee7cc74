import { FieldError } from '../../core/errors';
import type { Domain } from '../../../common/schemas';
import type { SurfaceInfo } from '../../../common/protocol';
import type { Surface } from '../../problems';

export interface SurfaceGrid {
  info: SurfaceInfo;
  resolution: number;
  domain: Domain;
  /** L at (x_i, y_j), values[j * resolution + i]; NaN where L is not finite. */
  values: Float32Array;
  /** Range of the finite values. */
  min: number;
  max: number;
}

/** L on a resolution × resolution grid spanning the surface's domain, corners included. */
export function sampleSurface(surface: Surface, resolution: number): SurfaceGrid {
  const { domain } = surface.info;
  const [[x0, x1], [y0, y1]] = domain;
  const values = new Float32Array(resolution * resolution);
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < resolution; j++) {
    const y = y0 + ((y1 - y0) * j) / (resolution - 1);
    for (let i = 0; i < resolution; i++) {
      const x = x0 + ((x1 - x0) * i) / (resolution - 1);
      const v = surface.value(x, y);
      if (Number.isFinite(v)) {
        values[j * resolution + i] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      } else {
        values[j * resolution + i] = NaN;
      }
    }
  }
  if (min > max) {
    throw new FieldError('surface', `${surface.info.title} is not finite anywhere on its domain`);
  }
  return { info: surface.info, resolution, domain, values, min, max };
}
