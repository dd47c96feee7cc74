/**
 * Test helpers for the Hessian engine: small random networks, an independent float64 forward
 * pass with its directional derivative (to keep central differences off ReLU kinks), and the
 * eigenvalues of a dense symmetric matrix (Householder tridiagonalization + implicit QL, the
 * textbook tred2/tqli without vectors).
 */
import { Rng } from '../../../electron/engine/datasets';
import {
  hessianLayers,
  parameterCount,
  type HessianData,
  type HessianModel,
} from '../../../electron/engine/hessian/hessian-model';

/** θ ~ N(0, 1/fanIn) weights and N(0, 0.3²) biases; n examples x ~ N(0, 1), targets to match. */
export function randomNet(
  model: HessianModel,
  n: number,
  seed: number,
): { theta: Float64Array; data: HessianData } {
  const rng = new Rng(seed);
  const theta = new Float64Array(parameterCount(model));
  for (const l of hessianLayers(model)) {
    for (let i = l.weightOffset; i < l.biasOffset; i++)
      theta[i] = rng.normal() / Math.sqrt(l.fanIn);
    for (let i = l.biasOffset; i < l.biasOffset + l.fanOut; i++) theta[i] = 0.3 * rng.normal();
  }
  const k = model.sizes[model.sizes.length - 1];
  const x = Float32Array.from({ length: n * model.sizes[0] }, () => rng.normal());
  const y =
    model.loss === 'sumSquared'
      ? Float32Array.from({ length: n * k }, () => rng.normal())
      : Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * k));
  return { theta, data: { x, y, n } };
}

/** A random unit vector. */
export function randomUnit(size: number, rng: Rng): Float64Array {
  const v = Float64Array.from({ length: size }, () => rng.normal());
  const norm = Math.hypot(...v);
  return v.map((e) => e / norm);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * The hidden pre-activations u and their directional derivatives du along v, in float64, for
 * every example and hidden unit: how far θ may move along v before a ReLU unit changes side
 * (|u| / |du|).
 */
export function kinkDistance(
  model: HessianModel,
  theta: Float64Array,
  x: Float32Array,
  n: number,
  v: Float64Array,
): number {
  const layers = hessianLayers(model);
  let nearest = Infinity;
  for (let i = 0; i < n; i++) {
    let h = Array.from(x.subarray(i * model.sizes[0], (i + 1) * model.sizes[0]), Number);
    let dh = h.map(() => 0);
    for (const l of layers) {
      if (!l.hidden) break;
      const g: number[] = [];
      const dg: number[] = [];
      for (let o = 0; o < l.fanOut; o++) {
        let u = theta[l.biasOffset + o];
        let du = v[l.biasOffset + o];
        for (let j = 0; j < l.fanIn; j++) {
          const w = l.weightOffset + o * l.fanIn + j;
          u += theta[w] * h[j];
          du += v[w] * h[j] + theta[w] * dh[j];
        }
        if (du !== 0) nearest = Math.min(nearest, Math.abs(u) / Math.abs(du));
        const on = u > 0 ? 1 : 0;
        g.push(on * u);
        dg.push(on * du);
      }
      h = l.residual ? g.map((e, o) => e + h[o]) : g;
      dh = l.residual ? dg.map((e, o) => e + dh[o]) : dg;
    }
  }
  return nearest;
}

/** Eigenvalues (ascending) of a symmetric n × n matrix (row-major; it is not modified). */
export function symmetricEigenvalues(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Householder reduction to tridiagonal form (tred2 without the transformation matrix).
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k]);
      if (scale === 0) {
        e[i] = a[i * n + l];
      } else {
        for (let k = 0; k <= l; k++) {
          a[i * n + k] /= scale;
          h += a[i * n + k] * a[i * n + k];
        }
        let f = a[i * n + l];
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[i * n + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          let g2 = 0;
          for (let k = 0; k <= j; k++) g2 += a[j * n + k] * a[i * n + k];
          for (let k = j + 1; k <= l; k++) g2 += a[k * n + j] * a[i * n + k];
          e[j] = g2 / h;
          f += e[j] * a[i * n + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = a[i * n + j];
          const gj = (e[j] -= hh * fj);
          for (let k = 0; k <= j; k++) a[j * n + k] -= fj * e[k] + gj * a[i * n + k];
        }
      }
    } else {
      e[i] = a[i * n + l];
    }
    d[i] = h;
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  // Implicit QL on the tridiagonal matrix (tqli without vectors).
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error('symmetricEigenvalues: no convergence');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort();
}
