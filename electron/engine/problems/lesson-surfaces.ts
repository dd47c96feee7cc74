/**
 * Surfaces built for the lectures' lessons: the elongated bowl, the saddle, a plateau ending in a
 * cliff, a ravine a fixed learning rate bounces across, a shallow minimum beside a deep one
 * (momentum), a flat and a sharp minimum, a saddle between two valleys, and the softmax error surfaces over two logits under
 * cross-entropy and MSE. Each is written with its exact gradient and Hessian, in forms that stay
 * finite far outside the domain (runs wander).
 */
import { definePreset } from './define-preset';

/** The lecture's elongated convex valley: L = ½ (x² + 25 y²), curvatures 1 and 25. */
export const bowl = definePreset(
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
export const saddle = definePreset(
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

/** σ(u) = 1 / (1 + e^−u), without overflow for any finite u. */
function logistic(u: number): number {
  if (u >= 0) return 1 / (1 + Math.exp(-u));
  const e = Math.exp(u);
  return e / (1 + e);
}

/** Steepness k of the cliff and weight c of the gentle bowl under the plateau. */
const CLIFF_K = 10;
const PLATEAU_C = 0.01;

/**
 * Plateau then cliff: L = σ(−kx) + c((x − 1)² + y²), k = 10, c = 0.01. For x < 0 the logistic
 * step is ≈ 1 and only the faint bowl slopes (|∇L| ≲ 0.1); around x = 0 the loss drops by 1 over
 * a width of ~0.3 (|∇L| up to k/4 = 2.5); the minimum lies just past the foot of the cliff.
 */
export const plateauCliff = definePreset(
  'plateau-cliff',
  {
    title: 'Plateau and cliff',
    description:
      'A long, almost flat plateau ends in a sudden cliff: tiny gradients for ages, then a huge one.',
    domain: [
      [-4, 2.5],
      [-2, 2],
    ],
    minima: [[1.0188068259495502, 0]],
    saddles: [],
    start: [-3.5, 1.5],
    logScale: false,
  },
  {
    value(x, y) {
      const dx = x - 1;
      return logistic(-CLIFF_K * x) + PLATEAU_C * (dx * dx + y * y);
    },
    valueAndGrad(x, y, g, o) {
      const s = logistic(-CLIFF_K * x);
      const dx = x - 1;
      // s(1 − s) with 1 − s = σ(kx) computed directly, so the tails do not round to 0 − 0.
      g[o] = -CLIFF_K * s * logistic(CLIFF_K * x) + 2 * PLATEAU_C * dx;
      g[o + 1] = 2 * PLATEAU_C * y;
      return s + PLATEAU_C * (dx * dx + y * y);
    },
    hessian(x, _y, h) {
      const s = logistic(-CLIFF_K * x);
      const t = logistic(CLIFF_K * x);
      h[0] = CLIFF_K * CLIFF_K * s * t * (t - s) + 2 * PLATEAU_C;
      h[1] = 0;
      h[2] = 2 * PLATEAU_C;
    },
  },
);

/** Wall slope A, bottom half-width w and along-ravine curvature ε of the ravine. */
const RAVINE_A = 4;
const RAVINE_W = 0.05;
const RAVINE_EPS = 0.02;

/** log cosh u, finite for every finite u. */
function logCosh(u: number): number {
  const a = Math.abs(u);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/**
 * A narrow ravine: L = A w log cosh(y / w) + ½ ε x², A = 4, w = 0.05, ε = 0.02.
 *
 * Across the ravine the walls are straight (|∂L/∂y| → A) with a rounded bottom of curvature
 * A/w = 80. For plain gradient descent with η > 2w/A = 0.025 the bottom is unstable, and since the
 * walls stop steepening, y settles into a 2-cycle y* ↔ −y* with 2y* = ηA tanh(y* / w): θ bounces
 * from wall to wall with |∇L| ≈ A, the loss stuck near A (y* − w ln 2), while x creeps along at
 * the rate ηε. Adam and RMSProp divide the wall gradient by its own size, so they settle across
 * the ravine and walk down it.
 */
export const ravine = definePreset(
  'ravine',
  {
    title: 'Ravine',
    description:
      'Steep walls around a gentle floor: a fixed learning rate bounces wall to wall, the gradient large, the loss stuck.',
    domain: [
      [-6, 6],
      [-1.5, 1.5],
    ],
    minima: [[0, 0]],
    saddles: [],
    start: [-5, 0.4],
    logScale: false,
  },
  {
    value: (x, y) => RAVINE_A * RAVINE_W * logCosh(y / RAVINE_W) + 0.5 * RAVINE_EPS * x * x,
    valueAndGrad(x, y, g, o) {
      g[o] = RAVINE_EPS * x;
      g[o + 1] = RAVINE_A * Math.tanh(y / RAVINE_W);
      return RAVINE_A * RAVINE_W * logCosh(y / RAVINE_W) + 0.5 * RAVINE_EPS * x * x;
    },
    hessian(_x, y, h) {
      // sech² u = 4e^(−2|u|) / (1 + e^(−2|u|))², exact in the tails where 1 − tanh² u is 0.
      const e = Math.exp((-2 * Math.abs(y)) / RAVINE_W);
      h[0] = RAVINE_EPS;
      h[1] = 0;
      h[2] = ((RAVINE_A / RAVINE_W) * 4 * e) / ((1 + e) * (1 + e));
    },
  },
);

/**
 * A shallow minimum beside a deep one: L = ½ (x⁴/4 + x³/3 − 2x² − 4x) + 14/3 + ½ y², so that
 * ∂L/∂x = ½ (x + 2)(x + 1)(x − 2). Shallow minimum (−2, 0) with L = 16/3, saddle (−1, 0) with
 * L = 45/8, deep minimum (2, 0) with L = 0.
 *
 * From the suggested start (−3.5, 1) plain gradient descent (η up to 0.1 at least) stops in the
 * shallow minimum; with momentum 0.9 (η from 0.01) the heavy ball rolls over the low pass into
 * the deep one.
 */
export const twoMinima = definePreset(
  'two-minima',
  {
    title: 'Shallow and deep minimum',
    description:
      'A shallow minimum guards the way to a deep one: gradient descent stops in it, momentum rolls on.',
    domain: [
      [-4, 3.5],
      [-2, 2],
    ],
    minima: [
      [-2, 0],
      [2, 0],
    ],
    saddles: [[-1, 0]],
    start: [-3.5, 1],
    logScale: false,
  },
  {
    value(x, y) {
      const x2 = x * x;
      return 0.5 * (x2 * x2 * 0.25 + (x2 * x) / 3 - 2 * x2 - 4 * x) + 14 / 3 + 0.5 * y * y;
    },
    valueAndGrad(x, y, g, o) {
      const x2 = x * x;
      g[o] = 0.5 * (x + 2) * (x + 1) * (x - 2);
      g[o + 1] = y;
      return 0.5 * (x2 * x2 * 0.25 + (x2 * x) / 3 - 2 * x2 - 4 * x) + 14 / 3 + 0.5 * y * y;
    },
    hessian(x, _y, h) {
      h[0] = 0.5 * (3 * x * x + 2 * x - 4);
      h[1] = 0;
      h[2] = 1;
    },
  },
);

/** Centres of the flat and the sharp well, and the sharp well's width (the flat one's is 1). */
const FLAT_X = -1.5;
const SHARP_X = 1.5;
const SHARP_Y = 0.5;
/** 1 / (2 s²) for the sharp well's width s = 0.25. */
const SHARP_K = 8;

/**
 * A flat and a sharp minimum, both exactly at L = 0: L = (1 − e^−q₁)(1 − e^−q₂) with
 * q₁ = ½ ((x + 1.5)² + y²) and q₂ = 8 ((x − 1.5)² + (y − 0.5)²). The Hessian is ≈ I at the flat
 * minimum and ≈ 15.8 I at the sharp one, so gradient descent can settle in the sharp one only for
 * η < 2/15.8 ≈ 0.13; between them, one saddle.
 */
export const flatSharp = definePreset(
  'flat-sharp',
  {
    title: 'Flat and sharp minimum',
    description:
      'Two minima of equal loss, one wide and flat, one narrow and sharp: the Hessian tells them apart.',
    domain: [
      [-4, 3],
      [-2.5, 2.5],
    ],
    minima: [
      [FLAT_X, 0],
      [SHARP_X, SHARP_Y],
    ],
    saddles: [[0.7822525063684678, 0.380375417728078]],
    start: [1.2, 1.2],
    logScale: false,
  },
  {
    value(x, y) {
      const ax = x - FLAT_X;
      const bx = x - SHARP_X;
      const by = y - SHARP_Y;
      // 1 − e^−q as −expm1(−q): exact near each minimum, where it is what L is made of.
      const u = -Math.expm1(-0.5 * (ax * ax + y * y));
      const v = -Math.expm1(-SHARP_K * (bx * bx + by * by));
      return u * v;
    },
    valueAndGrad(x, y, g, o) {
      const ax = x - FLAT_X;
      const bx = x - SHARP_X;
      const by = y - SHARP_Y;
      const q1 = 0.5 * (ax * ax + y * y);
      const q2 = SHARP_K * (bx * bx + by * by);
      const e1 = Math.exp(-q1);
      const e2 = Math.exp(-q2);
      const u = -Math.expm1(-q1);
      const v = -Math.expm1(-q2);
      // ∇L = v ∇u + u ∇v, ∇u = e^−q₁ ∇q₁, ∇v = e^−q₂ ∇q₂.
      const k2 = 2 * SHARP_K * e2 * u;
      g[o] = v * e1 * ax + k2 * bx;
      g[o + 1] = v * e1 * y + k2 * by;
      return u * v;
    },
    hessian(x, y, h) {
      const ax = x - FLAT_X;
      const bx = x - SHARP_X;
      const by = y - SHARP_Y;
      const q1 = 0.5 * (ax * ax + y * y);
      const q2 = SHARP_K * (bx * bx + by * by);
      const e1 = Math.exp(-q1);
      const e2 = Math.exp(-q2);
      const u = -Math.expm1(-q1);
      const v = -Math.expm1(-q2);
      // ∇u = e₁ (ax, y); Hu = e₁ (I − ∇q₁∇q₁ᵀ). ∇v = e₂ 2k (bx, by); Hv = e₂ (2k I − 4k² b bᵀ).
      const k = SHARP_K;
      const ux = e1 * ax;
      const uy = e1 * y;
      const vx = 2 * k * e2 * bx;
      const vy = 2 * k * e2 * by;
      // H = v Hu + u Hv + ∇u∇vᵀ + ∇v∇uᵀ.
      h[0] = v * e1 * (1 - ax * ax) + u * e2 * (2 * k - 4 * k * k * bx * bx) + 2 * ux * vx;
      h[1] = -v * e1 * ax * y - u * e2 * 4 * k * k * bx * by + ux * vy + vx * uy;
      h[2] = v * e1 * (1 - y * y) + u * e2 * (2 * k - 4 * k * k * by * by) + 2 * uy * vy;
    },
  },
);

/**
 * A saddle between two valleys: L = ½x² + ¼(y² − 1)², so ∇L = (x, y³ − y). Minima (0, ±1) with
 * L = 0 and Hessian diag(1, 2); a saddle at the origin with L = ¼ and Hessian diag(1, −1).
 *
 * From (1.8, 10⁻⁴), just off the ridge y = 0, gradient descent (η = 0.05) slides to the saddle
 * and crawls there while |y| grows ×(1 + η) a step; momentum 0.9 builds speed along y and
 * reaches a minimum about four times sooner. It was the lesson's typed expression; as a preset
 * it declares its minima and saddle, which the views mark (★, ✕).
 */
export const saddleValley = definePreset(
  'saddle-valley',
  {
    title: 'Saddle between two valleys',
    description:
      'L = ½x² + ¼(y² − 1)²: a saddle at the origin between minima at (0, ±1), where the gradient nearly vanishes.',
    domain: [
      [-2, 2],
      [-1.6, 1.6],
    ],
    minima: [
      [0, -1],
      [0, 1],
    ],
    saddles: [[0, 0]],
    start: [1.8, 0.0001],
    logScale: false,
  },
  {
    value(x, y) {
      const v = y * y - 1;
      return 0.5 * x * x + 0.25 * v * v;
    },
    valueAndGrad(x, y, g, o) {
      const v = y * y - 1;
      g[o] = x;
      g[o + 1] = y * v;
      return 0.5 * x * x + 0.25 * v * v;
    },
    hessian(_x, y, h) {
      h[0] = 1;
      h[1] = 0;
      h[2] = 3 * y * y - 1;
    },
  },
);

/**
 * softmax(z₁, z₂, 0) without overflow: p₁, p₂, p₃, and log Σ e^(zᵢ − z₁) (the cross-entropy for
 * class 1) computed with log1p when z₁ is the largest logit, so it keeps its digits near 0.
 */
function softmax3(z1: number, z2: number, p: Float64Array): number {
  const m = Math.max(z1, z2, 0);
  const e1 = Math.exp(z1 - m);
  const e2 = Math.exp(z2 - m);
  const e3 = Math.exp(-m);
  const sum = e1 + e2 + e3;
  p[0] = e1 / sum;
  p[1] = e2 / sum;
  p[2] = e3 / sum;
  return m === z1 ? Math.log1p(e2 + e3) : m - z1 + Math.log(sum);
}

/** Scratch for softmax3: every surface call is synchronous, so one buffer serves them all. */
const probs = new Float64Array(3);

const LOGITS_DOMAIN: [[number, number], [number, number]] = [
  [-10, 10],
  [-10, 10],
];
const LOGITS_START: [number, number] = [-6, 6];

/**
 * Cross-entropy over the logits (z₁, z₂, z₃ = 0) with target class 1: L = −log p₁ =
 * log(e^z₁ + e^z₂ + 1) − z₁. Convex, no minimum (L → 0 as z₁ → ∞), and ∇L = (p₁ − 1, p₂) keeps a
 * size of about √2 wherever class 2 wins by far.
 */
export const softmaxCe = definePreset(
  'softmax-ce',
  {
    title: 'Softmax + cross-entropy',
    description:
      'Cross-entropy over two logits (third fixed at 0), target class 1: steep wherever the answer is wrong.',
    domain: LOGITS_DOMAIN,
    minima: [],
    saddles: [],
    start: LOGITS_START,
    logScale: false,
    axes: ['z₁', 'z₂'],
  },
  {
    value: (x, y) => softmax3(x, y, probs),
    valueAndGrad(x, y, g, o) {
      const loss = softmax3(x, y, probs);
      // p₁ − 1 = −(p₂ + p₃), which keeps its digits when p₁ ≈ 1.
      g[o] = -(probs[1] + probs[2]);
      g[o + 1] = probs[1];
      return loss;
    },
    hessian(x, y, h) {
      softmax3(x, y, probs);
      const [p1, p2, p3] = probs;
      h[0] = p1 * (p2 + p3);
      h[1] = -p1 * p2;
      h[2] = p2 * (p1 + p3);
    },
  },
);

/**
 * Squared error between softmax(z₁, z₂, 0) and the one-hot target (1, 0, 0):
 * L = (p₁ − 1)² + p₂² + p₃². With rᵢ = pᵢ − tᵢ and s = Σ rᵢ pᵢ, ∂L/∂zⱼ = 2 pⱼ (rⱼ − s). Where
 * class 2 wins by far, every pⱼ(rⱼ − s) is tiny: the loss is near its maximum 2 and the surface is
 * flat, so gradient descent barely moves — the lecture's case for cross-entropy.
 */
export const softmaxMse = definePreset(
  'softmax-mse',
  {
    title: 'Softmax + MSE',
    description:
      'Squared error on the same softmax: a flat high plateau where the answer is badly wrong, so gradients vanish.',
    domain: LOGITS_DOMAIN,
    minima: [],
    saddles: [],
    start: LOGITS_START,
    logScale: false,
    axes: ['z₁', 'z₂'],
  },
  {
    value(x, y) {
      softmax3(x, y, probs);
      const r1 = probs[1] + probs[2];
      return r1 * r1 + probs[1] * probs[1] + probs[2] * probs[2];
    },
    valueAndGrad(x, y, g, o) {
      softmax3(x, y, probs);
      const [p1, p2, p3] = probs;
      const r1 = -(p2 + p3);
      const s = r1 * p1 + p2 * p2 + p3 * p3;
      g[o] = 2 * p1 * (r1 - s);
      g[o + 1] = 2 * p2 * (p2 - s);
      return r1 * r1 + p2 * p2 + p3 * p3;
    },
    hessian(x, y, h) {
      softmax3(x, y, probs);
      const [p1, p2, p3] = probs;
      const r1 = -(p2 + p3);
      const s = r1 * p1 + p2 * p2 + p3 * p3;
      // J = ∂p/∂z: J_ik = p_i (δ_ik − p_k), for i ∈ {1, 2, 3}, k ∈ {1, 2}.
      const j11 = p1 * (p2 + p3);
      const j12 = -p1 * p2;
      const j21 = -p2 * p1;
      const j22 = p2 * (p1 + p3);
      const j31 = -p3 * p1;
      const j32 = -p3 * p2;
      // ∂s/∂z_k = Σ_i J_ik (p_i + r_i).
      const ds1 = j11 * (p1 + r1) + j21 * 2 * p2 + j31 * 2 * p3;
      const ds2 = j12 * (p1 + r1) + j22 * 2 * p2 + j32 * 2 * p3;
      // H_jk = 2 J_jk (r_j − s) + 2 p_j (J_jk − ∂s/∂z_k).
      h[0] = 2 * j11 * (r1 - s) + 2 * p1 * (j11 - ds1);
      h[1] = 2 * j12 * (r1 - s) + 2 * p1 * (j12 - ds2);
      h[2] = 2 * j22 * (p2 - s) + 2 * p2 * (j22 - ds2);
    },
  },
);
