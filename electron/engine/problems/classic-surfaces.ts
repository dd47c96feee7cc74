/**
 * The classic optimization test functions, each with its exact gradient and Hessian written out
 * by hand and every minimum and saddle point inside its domain. Values with no closed form were
 * found by Newton's method in 50-digit arithmetic and rounded to the nearest double; the tests
 * check that ∇L vanishes there and that the Hessian has the right signs.
 */
import type { Point } from '../../common/schemas';
import { definePreset, newtonCriticalPoint, type PresetBody } from './define-preset';

const TWO_PI = 2 * Math.PI;

/** Rosenbrock's banana valley: L = (1 − x)² + 100 (y − x²)². */
export const rosenbrock = definePreset(
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

/**
 * The monkey saddle: L = x³ − 3xy². ∇L and the Hessian both vanish at the origin, so the
 * second-order test cannot classify it: three valleys (at 60°, 180°, 300°) meet three ridges.
 */
export const monkeySaddle = definePreset(
  'monkey-saddle',
  {
    title: 'Monkey saddle',
    description:
      'Three valleys meet at a flat point where even the Hessian is zero: a degenerate saddle.',
    domain: [
      [-2, 2],
      [-2, 2],
    ],
    minima: [],
    saddles: [[0, 0]],
    start: [1.5, 0.1],
    logScale: false,
  },
  {
    value: (x, y) => x * x * x - 3 * x * y * y,
    valueAndGrad(x, y, g, o) {
      g[o] = 3 * (x * x - y * y);
      g[o + 1] = -6 * x * y;
      return x * x * x - 3 * x * y * y;
    },
    hessian(x, y, h) {
      h[0] = 6 * x;
      h[1] = -6 * y;
      h[2] = -6 * x;
    },
  },
);

/**
 * Himmelblau: L = (x² + y − 11)² + (x + y² − 7)². Four minima, all with L = 0; (3, 2) is exact,
 * the other three are roots of a quartic. Four saddles and one maximum (−0.2708, −0.9230).
 */
export const himmelblau = definePreset(
  'himmelblau',
  {
    title: 'Himmelblau',
    description:
      'Four equally deep minima: which one an optimizer reaches depends on where it starts.',
    domain: [
      [-5, 5],
      [-5, 5],
    ],
    minima: [
      [3, 2],
      [-2.805118086952745, 3.131312518250573],
      [-3.779310253377747, -3.2831859912861696],
      [3.5844283403304917, -1.8481265269644036],
    ],
    saddles: [
      [3.385154183607021, 0.07385187983774928],
      [0.08667750455539636, 2.884254701174776],
      [-3.0730257507643897, -0.08135304428796751],
      [-0.12796134673068008, -1.9537149802445763],
    ],
    start: [0, 0],
    logScale: true,
  },
  {
    value(x, y) {
      const a = x * x + y - 11;
      const b = x + y * y - 7;
      return a * a + b * b;
    },
    valueAndGrad(x, y, g, o) {
      const a = x * x + y - 11;
      const b = x + y * y - 7;
      g[o] = 4 * x * a + 2 * b;
      g[o + 1] = 2 * a + 4 * y * b;
      return a * a + b * b;
    },
    hessian(x, y, h) {
      h[0] = 12 * x * x + 4 * y - 42;
      h[1] = 4 * (x + y);
      h[2] = 4 * x + 12 * y * y - 26;
    },
  },
);

/**
 * Beale: L = Σᵢ (cᵢ − x + x yⁱ)², c = (1.5, 2.25, 2.625). One minimum, (3, 0.5), in a flat
 * curved trough; saddles at (0, 1) and (0.1005…, −2.6445…); the walls rise as x² y⁶.
 */
export const beale = definePreset(
  'beale',
  {
    title: 'Beale',
    description:
      'A flat, bent trough to the minimum at (3, 0.5) between walls that rise like x²y⁶.',
    domain: [
      [-4.5, 4.5],
      [-4.5, 4.5],
    ],
    minima: [[3, 0.5]],
    saddles: [
      [0, 1],
      [0.10053793732415836, -2.644513585023125],
    ],
    start: [1, 1.5],
    logScale: true,
  },
  {
    value(x, y) {
      const y2 = y * y;
      const t1 = 1.5 - x + x * y;
      const t2 = 2.25 - x + x * y2;
      const t3 = 2.625 - x + x * y2 * y;
      return t1 * t1 + t2 * t2 + t3 * t3;
    },
    valueAndGrad(x, y, g, o) {
      const y2 = y * y;
      const y3 = y2 * y;
      const t1 = 1.5 - x + x * y;
      const t2 = 2.25 - x + x * y2;
      const t3 = 2.625 - x + x * y3;
      g[o] = 2 * (t1 * (y - 1) + t2 * (y2 - 1) + t3 * (y3 - 1));
      g[o + 1] = 2 * x * (t1 + 2 * y * t2 + 3 * y2 * t3);
      return t1 * t1 + t2 * t2 + t3 * t3;
    },
    hessian(x, y, h) {
      const y2 = y * y;
      const y3 = y2 * y;
      const t1 = 1.5 - x + x * y;
      const t2 = 2.25 - x + x * y2;
      const t3 = 2.625 - x + x * y3;
      const a1 = y - 1;
      const a2 = y2 - 1;
      const a3 = y3 - 1;
      h[0] = 2 * (a1 * a1 + a2 * a2 + a3 * a3);
      // ∂/∂y of 2 Σ tᵢ aᵢ, with ∂tᵢ/∂y = i x yⁱ⁻¹ and ∂aᵢ/∂y = i yⁱ⁻¹.
      h[1] = 2 * (x * a1 + t1 + 2 * y * (x * a2 + t2) + 3 * y2 * (x * a3 + t3));
      h[2] = 2 * x * (x + 2 * t2 + 4 * x * y2 + 6 * y * t3 + 9 * x * y2 * y2);
    },
  },
);

/**
 * Six-hump camel: L = (4 − 2.1x² + x⁴/3) x² + xy + (−4 + 4y²) y². Symmetric under
 * (x, y) → (−x, −y): two global minima (L = −1.0316284534898774), four local ones, seven saddles
 * (one at the origin) and two maxima.
 */
export const sixHumpCamel = definePreset(
  'six-hump-camel',
  {
    title: 'Six-hump camel',
    description:
      'Six minima, two of them global, separated by low passes: a test of where you start.',
    domain: [
      [-2, 2],
      [-1, 1],
    ],
    minima: [
      [0.08984201310031806, -0.7126564030207396],
      [-0.08984201310031806, 0.7126564030207396],
      [1.703606714969981, -0.7960835686726251],
      [-1.703606714969981, 0.7960835686726251],
      [1.6071047529201972, 0.5686514548841314],
      [-1.6071047529201972, -0.5686514548841314],
    ],
    saddles: [
      [0, 0],
      [1.1092053368047865, -0.7682680925095399],
      [-1.1092053368047865, 0.7682680925095399],
      [1.2960702671671092, 0.6050843880386585],
      [-1.2960702671671092, -0.6050843880386585],
      [1.6380679841897785, 0.22867406904439408],
      [-1.6380679841897785, -0.22867406904439408],
    ],
    start: [1.9, 0.9],
    logScale: false,
  },
  {
    value(x, y) {
      const x2 = x * x;
      const y2 = y * y;
      return (4 - 2.1 * x2 + (x2 * x2) / 3) * x2 + x * y + (-4 + 4 * y2) * y2;
    },
    valueAndGrad(x, y, g, o) {
      const x2 = x * x;
      const y2 = y * y;
      g[o] = x * (8 - 8.4 * x2 + 2 * x2 * x2) + y;
      g[o + 1] = x + y * (16 * y2 - 8);
      return (4 - 2.1 * x2 + (x2 * x2) / 3) * x2 + x * y + (-4 + 4 * y2) * y2;
    },
    hessian(x, y, h) {
      const x2 = x * x;
      h[0] = 8 - 25.2 * x2 + 10 * x2 * x2;
      h[1] = 1;
      h[2] = 48 * y * y - 8;
    },
  },
);

/**
 * The roots of Styblinski–Tang's 1-D derivative 2s³ − 16s + 2.5: its global minimum, its
 * maximum and its other minimum. The 2-D minima, saddles and maximum are their pairs.
 */
const ST_LOW = -2.903534027771177;
const ST_PEAK = 0.1567312567803401;
const ST_HIGH = 2.746802770990837;

/**
 * Styblinski–Tang: L = ½ Σ (s⁴ − 16s² + 5s) over s ∈ {x, y}. Separable: four minima (global at
 * (−2.9035, −2.9035), L = 2 × −39.16616570377142), four saddles and one maximum.
 */
export const styblinskiTang = definePreset(
  'styblinski-tang',
  {
    title: 'Styblinski–Tang',
    description: 'Four minima of four depths in a square: the nearest basin is rarely the deepest.',
    domain: [
      [-5, 5],
      [-5, 5],
    ],
    minima: [
      [ST_LOW, ST_LOW],
      [ST_LOW, ST_HIGH],
      [ST_HIGH, ST_LOW],
      [ST_HIGH, ST_HIGH],
    ],
    saddles: [
      [ST_LOW, ST_PEAK],
      [ST_PEAK, ST_LOW],
      [ST_HIGH, ST_PEAK],
      [ST_PEAK, ST_HIGH],
    ],
    start: [0, 4.5],
    logScale: false,
  },
  {
    value(x, y) {
      const x2 = x * x;
      const y2 = y * y;
      return 0.5 * (x2 * x2 - 16 * x2 + 5 * x + y2 * y2 - 16 * y2 + 5 * y);
    },
    valueAndGrad(x, y, g, o) {
      const x2 = x * x;
      const y2 = y * y;
      g[o] = x * (2 * x2 - 16) + 2.5;
      g[o + 1] = y * (2 * y2 - 16) + 2.5;
      return 0.5 * (x2 * x2 - 16 * x2 + 5 * x + y2 * y2 - 16 * y2 + 5 * y);
    },
    hessian(x, y, h) {
      h[0] = 6 * x * x - 16;
      h[1] = 0;
      h[2] = 6 * y * y - 16;
    },
  },
);

const rastriginBody: PresetBody = {
  value: (x, y) => 20 + x * x + y * y - 10 * (Math.cos(TWO_PI * x) + Math.cos(TWO_PI * y)),
  valueAndGrad(x, y, g, o) {
    g[o] = 2 * x + 20 * Math.PI * Math.sin(TWO_PI * x);
    g[o + 1] = 2 * y + 20 * Math.PI * Math.sin(TWO_PI * y);
    return 20 + x * x + y * y - 10 * (Math.cos(TWO_PI * x) + Math.cos(TWO_PI * y));
  },
  hessian(x, y, h) {
    const c = 40 * Math.PI * Math.PI;
    h[0] = 2 + c * Math.cos(TWO_PI * x);
    h[1] = 0;
    h[2] = 2 + c * Math.cos(TWO_PI * y);
  },
};

/**
 * Rastrigin's critical points along one axis: minima near each integer k ∈ [−5, 5] (pulled a
 * little towards 0 by the bowl) and maxima near each half-integer in between. The 2-D minima,
 * saddles and maxima are their pairs; Newton on the 2-D surface converges to them because the
 * Hessian is diagonal.
 */
const rastriginMinima1d: number[] = [];
const rastriginMaxima1d: number[] = [];
for (let k = -5; k <= 5; k++) {
  rastriginMinima1d.push(k === 0 ? 0 : newtonCriticalPoint(rastriginBody, [k, 0])[0]);
  if (k < 5) rastriginMaxima1d.push(newtonCriticalPoint(rastriginBody, [k + 0.5, 0])[0]);
}

/**
 * Rastrigin: L = 20 + x² + y² − 10 (cos 2πx + cos 2πy). A bowl covered in ripples: 121 minima
 * on [−5.12, 5.12]², the global one at the origin with L = 0, and 220 saddles between them.
 */
export const rastrigin = definePreset(
  'rastrigin',
  {
    title: 'Rastrigin',
    description:
      'A bowl covered in ripples: 121 local minima, one global at the origin; the step size decides which traps you.',
    domain: [
      [-5.12, 5.12],
      [-5.12, 5.12],
    ],
    minima: rastriginMinima1d.flatMap((x) => rastriginMinima1d.map((y): Point => [x, y])),
    saddles: [
      ...rastriginMinima1d.flatMap((x) => rastriginMaxima1d.map((y): Point => [x, y])),
      ...rastriginMaxima1d.flatMap((x) => rastriginMinima1d.map((y): Point => [x, y])),
    ],
    start: [-3.3, 2.7],
    logScale: false,
  },
  rastriginBody,
);

/**
 * Ackley: L = −20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20.
 * (r = √(½(x² + y²)) is taken with hypot, so that it does not underflow to 0 off the tip.)
 *
 * The global minimum at the origin is the tip of a cone: L is not differentiable there. The
 * gradient reported at exactly (0, 0) is the subgradient 0, and the Hessian, whose tangential
 * curvature grows like 1/r towards the tip, is reported as +∞ on its diagonal.
 */
const ackleyBody: PresetBody = {
  value(x, y) {
    const r = Math.SQRT1_2 * Math.hypot(x, y);
    const e = 0.5 * (Math.cos(TWO_PI * x) + Math.cos(TWO_PI * y));
    return -20 * Math.exp(-0.2 * r) - Math.exp(e) + Math.E + 20;
  },
  valueAndGrad(x, y, g, o) {
    const r = Math.SQRT1_2 * Math.hypot(x, y);
    const e = Math.exp(0.5 * (Math.cos(TWO_PI * x) + Math.cos(TWO_PI * y)));
    const cone = Math.exp(-0.2 * r);
    // ∂/∂x of −20 e^(−0.2r) is 2 e^(−0.2r) x / r; at the tip, the subgradient 0.
    const c = r === 0 ? 0 : (2 * cone) / r;
    g[o] = c * x + Math.PI * e * Math.sin(TWO_PI * x);
    g[o + 1] = c * y + Math.PI * e * Math.sin(TWO_PI * y);
    return -20 * cone - e + Math.E + 20;
  },
  hessian(x, y, h) {
    const r = Math.SQRT1_2 * Math.hypot(x, y);
    const e = Math.exp(0.5 * (Math.cos(TWO_PI * x) + Math.cos(TWO_PI * y)));
    const sx = Math.sin(TWO_PI * x);
    const sy = Math.sin(TWO_PI * y);
    const pi2 = Math.PI * Math.PI;
    // The ripples: −e^E with E = ½(cos 2πx + cos 2πy).
    const rxx = pi2 * e * (2 * Math.cos(TWO_PI * x) - sx * sx);
    const ryy = pi2 * e * (2 * Math.cos(TWO_PI * y) - sy * sy);
    const rxy = -pi2 * e * sx * sy;
    if (r === 0) {
      h[0] = Infinity;
      h[1] = rxy;
      h[2] = Infinity;
      return;
    }
    // The cone, −20 e^(−0.2r), as a radial function: tangential curvature c = 2e^(−0.2r)/r,
    // plus d = r·c′(r) = −2e^(−0.2r)(1 + 0.2r)/r along the ray. Written with the bounded
    // direction (x/r, y/r) so that tiny r does not overflow.
    const cone = Math.exp(-0.2 * r);
    const c = (2 * cone) / r;
    const d = (-2 * cone * (1 + 0.2 * r)) / r;
    const ux = x / r;
    const uy = y / r;
    h[0] = c + 0.5 * ux * ux * d + rxx;
    h[1] = 0.5 * ux * uy * d + rxy;
    h[2] = c + 0.5 * uy * uy * d + ryy;
  },
};

/**
 * Ackley's minima sit near every integer point (k, l) and its saddles near every midpoint
 * between two lattice neighbours, shifted towards the origin by the cone. No closed form:
 * Newton from the lattice point finds each one.
 */
const ackleyMinima: Point[] = [];
const ackleySaddles: Point[] = [];
for (let k = -5; k <= 5; k++) {
  for (let l = -5; l <= 5; l++) {
    ackleyMinima.push(k === 0 && l === 0 ? [0, 0] : newtonCriticalPoint(ackleyBody, [k, l]));
    if (k < 5) ackleySaddles.push(newtonCriticalPoint(ackleyBody, [k + 0.5, l]));
    if (l < 5) ackleySaddles.push(newtonCriticalPoint(ackleyBody, [k, l + 0.5]));
  }
}

export const ackley = definePreset(
  'ackley',
  {
    title: 'Ackley',
    description:
      'A nearly flat egg-crate around a sharp cone: 121 minima, the global one a non-smooth tip at the origin.',
    domain: [
      [-5, 5],
      [-5, 5],
    ],
    minima: ackleyMinima,
    saddles: ackleySaddles,
    start: [-4.1, 3.3],
    logScale: false,
  },
  ackleyBody,
);
