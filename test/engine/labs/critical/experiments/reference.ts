/**
 * An independent float64 MLP in plain TypeScript for the experiments' tests: loss and gradient
 * by textbook backpropagation (one example at a time), the Hessian by central differences of
 * that exact gradient, and a cyclic Jacobi eigensolver. Nothing here shares code with the
 * engine's tfjs network, its R-operator or its eigensolvers, so a spectrum computed here is an
 * independent check of theirs (to float32's precision, which is what the engine computes in).
 */

export type RefActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';
/**
 * Mean over the examples of: −log softmax(z)_y; Σ_k (softmax(z)_k − [k = y])²; Σ_k (z_k − y_k)²
 * with y n × K targets (for K = 1, the network lab's regression loss).
 */
export type RefLoss = 'crossEntropy' | 'softmaxMse' | 'sumSquared';

export interface RefModel {
  /** Layer widths, input first, output last. */
  sizes: number[];
  activation: RefActivation;
  loss: RefLoss;
  l2: number;
}

const act: Record<RefActivation, [(u: number) => number, (u: number, g: number) => number]> = {
  relu: [(u) => Math.max(0, u), (u) => (u > 0 ? 1 : 0)],
  tanh: [Math.tanh, (_u, g) => 1 - g * g],
  sigmoid: [(u) => 1 / (1 + Math.exp(-u)), (_u, g) => g * (1 - g)],
  linear: [(u) => u, () => 1],
};

/** Number of parameters (torch's Linear layout: W then b, layer after layer). */
export function refSize(sizes: number[]): number {
  let p = 0;
  for (let l = 0; l + 1 < sizes.length; l++) p += sizes[l + 1] * (sizes[l] + 1);
  return p;
}

/**
 * Mean loss (+ (λ/2)Σ‖W‖²) of θ on x (n × sizes[0], row-major) with labels / targets y;
 * ∇ written into `grad` when given.
 */
export function refLossGrad(
  m: RefModel,
  theta: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  grad?: Float64Array,
): number {
  const { sizes } = m;
  const depth = sizes.length - 1;
  const n = x.length / sizes[0];
  const offsets: number[] = [];
  let o = 0;
  for (let l = 0; l < depth; l++) {
    offsets.push(o);
    o += sizes[l + 1] * (sizes[l] + 1);
  }
  grad?.fill(0);
  let total = 0;
  const [f, df] = act[m.activation];
  for (let i = 0; i < n; i++) {
    const hs: number[][] = [Array.from({ length: sizes[0] }, (_, j) => x[i * sizes[0] + j])];
    const us: number[][] = [];
    for (let l = 0; l < depth; l++) {
      const [nIn, nOut] = [sizes[l], sizes[l + 1]];
      const w = offsets[l];
      const b = w + nOut * nIn;
      const u: number[] = [];
      for (let r = 0; r < nOut; r++) {
        let s = theta[b + r];
        for (let c = 0; c < nIn; c++) s += theta[w + r * nIn + c] * hs[l][c];
        u.push(s);
      }
      us.push(u);
      hs.push(l < depth - 1 ? u.map(f) : u);
    }
    const z = hs[depth];
    const k = z.length;
    const dz = new Array<number>(k).fill(0);
    if (m.loss === 'sumSquared') {
      for (let c = 0; c < k; c++) {
        const d = z[c] - y[i * k + c];
        total += d * d;
        dz[c] = 2 * d;
      }
    } else {
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / s);
      if (m.loss === 'crossEntropy') {
        total += -Math.log(p[y[i]]);
        for (let c = 0; c < k; c++) dz[c] = p[c] - (c === y[i] ? 1 : 0);
      } else {
        const g = p.map((pc, c) => 2 * (pc - (c === y[i] ? 1 : 0)));
        const pg = p.reduce((a, pc, c) => a + pc * g[c], 0);
        for (let c = 0; c < k; c++) {
          const d = p[c] - (c === y[i] ? 1 : 0);
          total += d * d;
          dz[c] = p[c] * (g[c] - pg);
        }
      }
    }
    if (!grad) continue;
    let delta = dz.map((v) => v / n);
    for (let l = depth - 1; l >= 0; l--) {
      const [nIn, nOut] = [sizes[l], sizes[l + 1]];
      const w = offsets[l];
      const b = w + nOut * nIn;
      for (let r = 0; r < nOut; r++) {
        grad[b + r] += delta[r];
        for (let c = 0; c < nIn; c++) grad[w + r * nIn + c] += delta[r] * hs[l][c];
      }
      if (l > 0) {
        const prev = new Array<number>(nIn).fill(0);
        for (let c = 0; c < nIn; c++) {
          let s = 0;
          for (let r = 0; r < nOut; r++) s += theta[w + r * nIn + c] * delta[r];
          prev[c] = s * df(us[l - 1][c], hs[l][c]);
        }
        delta = prev;
      }
    }
  }
  let sq = 0;
  for (let l = 0; l < depth; l++) {
    const w = offsets[l];
    for (let j = w; j < w + sizes[l + 1] * sizes[l]; j++) {
      sq += theta[j] * theta[j];
      if (grad) grad[j] += m.l2 * theta[j];
    }
  }
  return total / n + 0.5 * m.l2 * sq;
}

/** The Hessian (P × P, row-major, symmetrized) by central differences of the exact gradient. */
export function refHessian(
  m: RefModel,
  theta: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  h = 1e-5,
): Float64Array {
  const p = theta.length;
  const H = new Float64Array(p * p);
  const t = Float64Array.from(theta);
  const gp = new Float64Array(p);
  const gm = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const keep = t[j];
    t[j] = keep + h;
    refLossGrad(m, t, x, y, gp);
    t[j] = keep - h;
    refLossGrad(m, t, x, y, gm);
    t[j] = keep;
    for (let i = 0; i < p; i++) H[i * p + j] = (gp[i] - gm[i]) / (2 * h);
  }
  for (let i = 0; i < p; i++)
    for (let j = i + 1; j < p; j++) {
      const s = 0.5 * (H[i * p + j] + H[j * p + i]);
      H[i * p + j] = s;
      H[j * p + i] = s;
    }
  return H;
}

/**
 * Eigenvalues (ascending) and unit eigenvectors (column j at [j·n, (j+1)·n)) of a symmetric
 * matrix by cyclic Jacobi rotations: slow (O(n³) per sweep) but simple and accurate.
 */
export function jacobiEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, j) => {
    for (let k = 0; k < n; k++) vectors[j * n + k] = v[k * n + src];
  });
  return { values, vectors };
}
