import type { SurfaceInfo } from '../../common/protocol';
import type { Surface } from './surface';

type Info = Omit<SurfaceInfo, 'name'>;

function preset(name: string, info: Info, body: Omit<Surface, 'info'>): Surface {
  return { info: { name, ...info }, ...body };
}

/** Rosenbrock's banana valley: L = (1 − x)² + 100 (y − x²)². */
const rosenbrock = preset(
  'rosenbrock',
  {
    title: 'Rosenbrock',
    description:
      'A curved, nearly flat valley: easy to find, slow to follow to the minimum at (1, 1).',
    domain: [
      [-2, 2],
      [-1, 3],
    ],
    minima: [[1, 1]],
    saddles: [],
    start: [-1.5, 2],
    logScale: true,
  },
  {
    value: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    valueAndGrad(x, y, g, o) {
      const a = 1 - x;
      const b = y - x * x;
      g[o] = -2 * a - 400 * x * b;
      g[o + 1] = 200 * b;
      return a * a + 100 * b * b;
    },
    hessian(x, y, h) {
      h[0] = 2 - 400 * (y - 3 * x * x);
      h[1] = -400 * x;
      h[2] = 200;
    },
  },
);

/** The lecture's elongated convex valley: L = ½ (x² + 25 y²), curvatures 1 and 25. */
const bowl = preset(
  'bowl',
  {
    title: 'Elongated bowl',
    description: 'Convex, 25× steeper across than along: one fixed learning rate cannot suit both.',
    domain: [
      [-4, 4],
      [-4, 4],
    ],
    minima: [[0, 0]],
    saddles: [],
    start: [-3, 1],
    logScale: false,
  },
  {
    value: (x, y) => 0.5 * (x * x + 25 * y * y),
    valueAndGrad(x, y, g, o) {
      g[o] = x;
      g[o + 1] = 25 * y;
      return 0.5 * (x * x + 25 * y * y);
    },
    hessian(_x, _y, h) {
      h[0] = 1;
      h[1] = 0;
      h[2] = 25;
    },
  },
);

/** The textbook saddle: L = x² − y², Hessian eigenvalues 2 and −2 at the origin. */
const saddle = preset(
  'saddle',
  {
    title: 'Saddle',
    description:
      'Gradient zero at the origin, yet not a minimum: the Hessian has a negative eigenvalue.',
    domain: [
      [-2, 2],
      [-2, 2],
    ],
    minima: [],
    saddles: [[0, 0]],
    start: [1.5, 0.01],
    logScale: false,
  },
  {
    value: (x, y) => x * x - y * y,
    valueAndGrad(x, y, g, o) {
      g[o] = 2 * x;
      g[o + 1] = -2 * y;
      return x * x - y * y;
    },
    hessian(_x, _y, h) {
      h[0] = 2;
      h[1] = 0;
      h[2] = -2;
    },
  },
);

/** Every preset surface, in gallery order. */
export const presets: readonly Surface[] = [rosenbrock, bowl, saddle];

export const presetByName: ReadonlyMap<string, Surface> = new Map(
  presets.map((s) => [s.info.name, s]),
);
