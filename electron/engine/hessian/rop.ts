/**
 * Exact Hessian-vector products of an MLP's loss by Pearlmutter's R-operator (Pearlmutter 1994,
 * "Fast exact multiplication by the Hessian"), hand-written in tfjs the way network/mlp.ts
 * hand-writes the backward pass: plain 2-D matMuls only, transposes explicit, so tfjs-wasm runs
 * every product on XNNPACK.
 *
 * R{f} = ∂f(θ + r v)/∂r at r = 0 is the directional derivative along v. Applied to the forward
 * and backward passes (notation of hessian-model.ts, examples as rows, V_l / v_l the parts of v
 * in W_l / b_l, A_l = act'(U_l), E_l = act''(U_l)):
 *
 *   forward         U_l = H_l W_lᵀ + 1b_lᵀ     H_{l+1} = act(U_l) (+ H_l)      Z = U_D
 *   R-forward       R{U_l} = R{H_l} W_lᵀ + [H_l | 1] [V_l | v_l]ᵀ
 *                   R{H_{l+1}} = A_l ⊙ R{U_l} (+ R{H_l})                     R{H_0} = 0
 *   loss (host)     δZ = ∂L/∂Z,  R{δZ} = ∇²_Z L · R{Z}   (per example, float64)
 *   backward        δH_D = δZ W_D      δU_l = δH_{l+1} ⊙ A_l      δH_l = δU_l W_l (+ δH_{l+1})
 *   R-backward      R{δU_l} = R{δH_{l+1}} ⊙ A_l + R{U_l} ⊙ C_l,   C_l = δH_{l+1} ⊙ E_l
 *                   R{δH_l} = R{δU_l} W_l + δU_l V_l (+ R{δH_{l+1}})
 *   result          Hv|_{W_l, b_l} = R{δU_l}ᵀ [H_l | 1] + δU_lᵀ [R{H_l} | 0]  (+ λ V_l)
 *
 * act' and act'' come from the layer's output g where that is exact and cheap: tanh 1 − g²,
 * −2g(1 − g²); sigmoid g(1 − g), g(1 − g)(1 − 2g); from its input u for softplus σ(u),
 * σ(u)(1 − σ(u)) and ReLU 1[u > 0], 0 (the derivative at the kink taken as 0, as PyTorch does);
 * linear 1, 0.
 *
 * The loss's own curvature ∇²_z ℓ for one example (then divided by n, the loss being a mean):
 *   crossEntropy   diag p − ppᵀ                      (p = softmax z)
 *   sumSquared     2I                                (on the device: R{δZ} = (2/n)·R{Z})
 *   softmaxMse     ℓ = Σ_k (p_k − ŷ_k)². With g = 2(p − ŷ), J = diag p − ppᵀ (∂p/∂z, symmetric)
 *                  and d = Jg = ∂ℓ/∂z (d_k = p_k(g_k − pᵀg)):
 *                    ∇²ℓ = J·2I·J + Σ_j g_j ∇²p_j,
 *                    Σ_j g_j ∂²p_j/∂z_k∂z_m = δ_km d_k − d_k p_m − p_k d_m,
 *                  so ∇²ℓ·r = 2J(Jr) + d ⊙ r − d (pᵀr) − p (dᵀr),  Jr = p ⊙ r − p (pᵀr).
 *
 * Everything fixed by θ (H_l, A_l, C_l, δU_l, W_l and W_lᵀ) is computed once when the operator
 * is built and kept on the device (and on the host, for the coordinate directions); an HVP runs
 * only the R-passes. After a backend restart those tensors are gone: build a new operator.
 *
 * Many directions at once (`applyMany`): K directions ride as K·n rows, direction-major (rows
 * k·n … k·n + n − 1 are the n examples under direction k), so that
 * - products with a fixed weight matrix are one (K·n)-row matMul: R{H_l} W_lᵀ, R{δU_l} W_l;
 * - products with the directions are one matMul against the K directions side by side:
 *   [H_l | 1] · [V¹ᵀ … Vᴷᵀ] (n × K·out), then a 3-D transpose to direction-major;
 * - the contractions over the examples take the fresh operand on the LEFT: [R{δU_l}ᵀ per
 *   block] · [H_l | 1] → K·out × (in+1), θ's own order per direction, and [R{H_l}ᵀ per block] ·
 *   δU_l. XNNPACK packs a product's right operand on every call (unless it is the tensor of the
 *   last call): with the fresh K·n-row matrix on the right that packing cost 2–3× the product;
 *   transposing each n × width block costs less (blocks of 64 rows when n is a multiple of 64,
 *   see network/mlp.ts's `transpose`, whose power-of-two strides are otherwise slow);
 * - no 3-D batched matMuls (which wasm does not run on XNNPACK);
 * - the elementwise factors A_l, C_l (n × out) are tiled K times once and reused (same-shape
 *   multiplies run ~1.5× faster on wasm than broadcasting over the K blocks).
 *
 * Coordinate directions c·e_q (the Hessian column by column): a weight W_l0[o, j] (a bias b[o]:
 * j = in, the column of ones) moves only column o of R{U_l0}, by s = c·[H_l0 | 1]_{:, j};
 * R{H_{l0+1}} is that column times A_l0's, and R{U_{l0+1}} its outer product with W_{l0+1}'s
 * column o. These are gathered on the host (R{δZ} itself when l0 + 1 is the output layer, from
 * each unit's curvature, computed once), so the products with V disappear and layer l0's and
 * l0+1's parts of H·v come from K × n products. When the columns of every layer below l0 are
 * asked for too (the whole Hessian), the R-backward stops at layer l0 and the rows of the
 * layers below come from symmetry, H[r, q] = H[q, r].
 *
 * Chunks hold at most `chunk` directions so that what a chunk keeps on the device stays under a
 * memory budget (see `bytesPerDirection`).
 *
 * Measured (tfjs-wasm, one thread, scripts/bench/hessian.mjs, CPU time): one HVP of a 2-64-64-1
 * MLP on 1,024 examples ≈ 2.6 ms (PyTorch's double backprop 1.6 ms); the whole Hessian of an
 * [8, 32, 32, 3] tanh MLP on 512 examples (1,443 parameters) ≈ 0.19–0.22 s (PyTorch's
 * autograd.functional.hessian 0.65 s); tfjs double backprop (autodiff.ts) ≈ 20–40 ms per HVP.
 */
import type * as TfModule from '@tensorflow/tfjs';
import { FieldError } from '../core/errors';
import { transpose, type Tf } from '../network/mlp';
import {
  checkModel,
  hessianLayers,
  parameterCount,
  type HessianActivation,
  type HessianData,
  type HessianLayer,
  type HessianModel,
} from './hessian-model';
import type { Checkpoint, SymmetricOperator } from './types';

type Tensor2D = TfModule.Tensor2D;

/** Default device memory a chunk of directions may use. */
export const DEFAULT_BUDGET_BYTES = 64 * 2 ** 20;

export interface MlpHessianOptions {
  /** Device bytes one chunk of directions may keep (default 64 MiB); sets `chunk`. */
  budgetBytes?: number;
}

export interface LossAndGradient {
  loss: number;
  gradient: Float64Array;
}

/** The tensors fixed by θ, kept on the device for every HVP. */
interface DeviceCache {
  /** X, n × sizes[0]. */
  x: Tensor2D;
  /** W_l (out × in) and W_lᵀ (in × out). */
  w: Tensor2D[];
  wt: Tensor2D[];
  /** [H_l | 1], n × (in+1). */
  hOnes: Tensor2D[];
  /** δU_l (n × out; δZ for the output layer). */
  du: Tensor2D[];
  /** act'(U_l) (hidden layers; undefined for linear). */
  a: (Tensor2D | undefined)[];
  /** δH_{l+1} ⊙ act''(U_l) (hidden layers; undefined where act'' = 0). */
  c: (Tensor2D | undefined)[];
}

/** What the host keeps: the same quantities for the coordinate directions and R{δZ}. */
interface HostCache {
  /** H_l, n × in. */
  h: Float32Array[];
  /** δU_l, n × out. */
  du: Float32Array[];
  a: (Float32Array | undefined)[];
  c: (Float32Array | undefined)[];
  /** softmax(z_i), n × K (classification losses). */
  p: Float64Array;
  /** ∂ℓ_i/∂z_i, n × K (softmaxMse's curvature needs it). */
  d: Float64Array;
}

/** The factors A_l, C_l repeated K times (K·n × out), or plain (k = 1: n × out). */
interface Tiles {
  k: number;
  a: (Tensor2D | undefined)[];
  c: (Tensor2D | undefined)[];
}

/** A coordinate direction c·e_index, the output column `col`'s. */
interface Coordinate {
  col: number;
  index: number;
  scale: number;
}

/** A chunk's results: per layer, the two parts of R{∂L/∂[W_l | b_l]} (see scatter). */
interface ChunkResult {
  /** R{δU_l}ᵀ [H_l | 1] per direction: K·out × (in+1). */
  t1: (Float32Array | undefined)[];
  /** R{H_l}ᵀ δU_l per direction: K·in × out, or undefined where R{H_l} = 0. */
  t2: (Float32Array | undefined)[];
}

/** A chunk of K directions in its R-passes: per layer R{U_l}, R{H_l} (K·n × width). */
interface Pass extends ChunkResult {
  k: number;
  tiles: Tiles;
  ru: (Tensor2D | undefined)[];
  rh: (Tensor2D | undefined)[];
}

export class MlpHessian implements SymmetricOperator {
  readonly size: number;
  readonly layers: readonly HessianLayer[];
  /** Most directions one chunk of `applyMany` carries (from the memory budget). */
  readonly chunk: number;
  private readonly depth: number;
  private readonly classes: number;
  private readonly n: number;
  private readonly theta: Float64Array;
  /** θ in float32, as the device has it. */
  private readonly theta32: Float32Array;
  private readonly y: Float32Array;
  private readonly lossValue: number;
  private readonly grad: Float64Array;
  private readonly dev: DeviceCache;
  private readonly host: HostCache;
  /** The layer of each parameter. */
  private readonly layerOf: Uint16Array;
  private tiles: Tiles | undefined;
  /** (∇²ℓ_i/n)·W_D[:, o] for each unit o of the last hidden layer (see unitCurvature). */
  private unitCurvatures: Float32Array | undefined;
  private disposed = false;

  constructor(
    readonly tf: Tf,
    readonly model: HessianModel,
    theta: Float64Array,
    data: HessianData,
    options: MlpHessianOptions = {},
  ) {
    checkModel(model, data, theta);
    this.layers = hessianLayers(model);
    this.size = parameterCount(model);
    this.depth = this.layers.length - 1;
    this.classes = model.sizes[model.sizes.length - 1];
    this.n = data.n;
    this.theta = Float64Array.from(theta);
    this.theta32 = Float32Array.from(theta);
    this.y = Float32Array.from(data.y);
    this.layerOf = new Uint16Array(this.size);
    for (const l of this.layers) {
      this.layerOf.fill(l.index, l.weightOffset, l.biasOffset + l.fanOut);
    }
    const budget = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
    if (!(budget > 0)) throw new FieldError('budgetBytes', 'must be positive', 'model');
    this.chunk = Math.max(1, Math.floor(budget / this.bytesPerDirection()));

    const built = this.build(data.x);
    this.dev = built.dev;
    this.host = built.host;
    this.lossValue = built.loss;
    this.grad = built.grad;
  }

  /**
   * Device bytes one direction of a chunk keeps at most, in float32: R{U_l} and R{H_l} of every
   * layer (kept from the R-forward pass to the R-backward pass), about four layer-wide
   * temporaries at a time, the tiled A_l and C_l, and the chunk's results and direction uploads
   * ((in+1)·out per layer, twice: the size of θ). Each is n rows × its width per direction.
   */
  bytesPerDirection(): number {
    let widths = 0;
    let widest = 0;
    let tiles = 0;
    for (const l of this.layers) {
      widths += l.fanIn + l.fanOut;
      widest = Math.max(widest, l.fanIn + 1, l.fanOut);
      if (l.hidden) tiles += 2 * l.fanOut;
    }
    return 4 * (this.n * (widths + 4 * widest + tiles) + 3 * this.size);
  }

  /** L(θ) (mean loss + (λ/2)Σ‖W‖²), from the float32 logits in float64. */
  loss(): number {
    return this.lossValue;
  }

  /** ∇L(θ) (float32 backward pass, λW added in float64). */
  gradient(): Float64Array {
    return Float64Array.from(this.grad);
  }

  /** H·v into `out`. */
  apply(v: Float64Array, out: Float64Array): void {
    this.applyMany(v, 1, out);
  }

  /**
   * H·V for `count` directions (vector j at [j·size, (j+1)·size) of v and of out), in chunks of
   * at most `chunk` directions. Coordinate directions c·e_q (one nonzero entry) run without the
   * products with V, grouped by layer; where every coordinate of the layers below a group's is
   * asked for too (building the whole Hessian, or its trailing layers), the group's R-backward
   * stops at its own layer and the rows of the layers below are H[r, q] = H[q, r], read from
   * the columns of those layers (computed first). Other directions run batched.
   */
  applyMany(v: Float64Array, count: number, out: Float64Array): void {
    this.checkAlive();
    const p = this.size;
    if (!Number.isInteger(count) || count < 0) throw new FieldError('count', 'must be ≥ 0');
    if (v.length < count * p) throw new FieldError('v', `expected ${count} × ${p} numbers`);
    if (out.length < count * p) throw new FieldError('out', `expected ${count} × ${p} numbers`);
    const dense: number[] = [];
    const coordinates: Coordinate[] = [];
    const copies: { col: number; of: Coordinate; scale: number }[] = [];
    const first = new Map<number, Coordinate>();
    for (let col = 0; col < count; col++) {
      const base = col * p;
      let nonzero = 0;
      let at = -1;
      for (let i = 0; i < p && nonzero < 2; i++) {
        if (v[base + i] !== 0) {
          nonzero++;
          at = i;
        }
      }
      if (nonzero === 0) {
        out.fill(0, base, base + p);
      } else if (nonzero === 1) {
        const c = { col, index: at, scale: v[base + at] };
        const seen = first.get(at);
        if (seen) copies.push({ col, of: seen, scale: c.scale / seen.scale });
        else {
          first.set(at, c);
          coordinates.push(c);
        }
      } else {
        dense.push(col);
      }
    }
    for (let from = 0; from < dense.length; from += this.chunk) {
      const cols = dense.slice(from, from + this.chunk);
      this.scatter(this.runDense(v, cols), cols, out, 0);
    }
    for (const _ of this.coordinateColumns(coordinates, out)) {
      // Synchronous: no checkpoint between chunks (see `dense`).
    }
    for (const { col, of, scale } of copies) {
      for (let i = 0; i < p; i++) out[col * p + i] = scale * out[of.col * p + i];
    }
    const l2 = this.model.l2;
    if (l2 !== 0) {
      for (let col = 0; col < count; col++) {
        for (const l of this.layers) {
          const from = col * p + l.weightOffset;
          for (let i = from; i < from + l.fanIn * l.fanOut; i++) out[i] += l2 * v[i];
        }
      }
    }
  }

  /**
   * The whole Hessian, size × size (column j at [j·size, (j+1)·size); exactly symmetric: the
   * diagonal blocks, computed whole, are replaced by the mean of the block and its transpose).
   * The same computation as `applyMany` on the identity without the identity's size² inputs;
   * calls `checkpoint` after each chunk.
   */
  async dense(checkpoint?: Checkpoint): Promise<Float64Array> {
    this.checkAlive();
    const p = this.size;
    const h = new Float64Array(p * p);
    const all: Coordinate[] = [];
    for (let q = 0; q < p; q++) all.push({ col: q, index: q, scale: 1 });
    const total = this.layers.reduce(
      (s, l) => s + Math.ceil(((l.fanIn + 1) * l.fanOut) / this.chunk),
      0,
    );
    let done = 0;
    for (const _ of this.coordinateColumns(all, h)) await checkpoint?.(++done, total);
    for (const layer of this.layers) {
      symmetrizeBlock(h, p, layer.weightOffset, layer.biasOffset + layer.fanOut);
    }
    const l2 = this.model.l2;
    if (l2 !== 0) {
      for (const l of this.layers) {
        for (let i = l.weightOffset; i < l.biasOffset; i++) h[i * p + i] += l2;
      }
    }
    return h;
  }

  /**
   * Columns H·(c e_q) of coordinate directions (distinct q) into their columns of `out`, layer
   * by layer from the input side, without the L2 term. A layer whose lower layers are all
   * present runs its R-backward only down to itself and takes the rows below by symmetry.
   * Yields after each chunk.
   */
  private *coordinateColumns(coordinates: Coordinate[], out: Float64Array): Generator<void> {
    const p = this.size;
    const byLayer: Coordinate[][] = this.layers.map(() => []);
    // The output column of each coordinate, and its scale (for the rows taken by symmetry).
    const colOf = new Int32Array(p).fill(-1);
    const scaleOf = new Float64Array(p);
    for (const c of coordinates) {
      byLayer[this.layerOf[c.index]].push(c);
      colOf[c.index] = c.col;
      scaleOf[c.index] = c.scale;
    }
    let whole = true; // every coordinate of the layers below is present
    for (const layer of this.layers) {
      const group = byLayer[layer.index];
      const stop = whole ? layer.index : 0;
      for (let from = 0; from < group.length; from += this.chunk) {
        const part = group.slice(from, from + this.chunk);
        const result = this.runCoordinate(
          layer.index,
          part.map((c) => c.index),
          part.map((c) => c.scale),
          stop,
        );
        this.scatter(
          result,
          part.map((c) => c.col),
          out,
          stop,
        );
        yield;
      }
      if (stop > 0) {
        // Rows r of the layers below: c_q·H[r, q] = c_q·H[q, r] = (c_q / c_r)·(column of r)[q].
        const cols = Int32Array.from(group, (c) => c.col);
        const rows = Int32Array.from(group, (c) => c.index);
        const scales = Float64Array.from(group, (c) => c.scale);
        copyTransposed(out, p, cols, rows, scales, layer.weightOffset, colOf, scaleOf);
      }
      whole &&= group.length === (layer.fanIn + 1) * layer.fanOut;
    }
  }

  /** L at another θ (same model and data; evaluation mode). */
  lossAt(theta: Float64Array): number {
    this.checkAlive();
    return this.evaluateAt(theta, false).loss;
  }

  /** L and ∇L at another θ (same model and data). */
  lossAndGradientAt(theta: Float64Array): LossAndGradient {
    this.checkAlive();
    const { loss, gradient } = this.evaluateAt(theta, true);
    return { loss, gradient: gradient! };
  }

  /** Frees the device caches; the operator cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const d = this.dev;
    for (const t of [d.x, ...d.w, ...d.wt, ...d.hOnes, ...d.du, ...d.a, ...d.c]) t?.dispose();
    this.disposeTiles();
  }

  // -------------------------------------------------------------------------------------------
  // Building: the forward and backward passes at θ, kept.

  private build(x: Float32Array): {
    dev: DeviceCache;
    host: HostCache;
    loss: number;
    grad: Float64Array;
  } {
    const tf = this.tf;
    const { n, depth, classes, layers } = this;
    const theta32 = this.theta32;
    const kept: TfModule.Tensor[] = [];
    const keep = <T extends TfModule.Tensor>(t: T): T => {
      kept.push(tf.keep(t));
      return t;
    };
    const host: HostCache = {
      h: [],
      du: [],
      a: [],
      c: [],
      p: new Float64Array(classes * n),
      d: new Float64Array(classes * n),
    };
    let loss = NaN;
    const grad = new Float64Array(this.size);
    try {
      let dev!: DeviceCache;
      tf.tidy(() => {
        const xT = keep(tf.tensor2d(x, [n, this.model.sizes[0]]));
        dev = {
          x: xT,
          w: [],
          wt: [],
          hOnes: [],
          du: [],
          a: [],
          c: [],
        };
        const e: (Tensor2D | undefined)[] = [];
        let h: Tensor2D = xT;
        for (const l of layers) {
          const w = keep(
            tf.tensor2d(theta32.subarray(l.weightOffset, l.biasOffset), [l.fanOut, l.fanIn]),
          );
          const b = tf.tensor1d(theta32.subarray(l.biasOffset, l.biasOffset + l.fanOut));
          dev.w.push(w);
          dev.wt.push(keep(tf.transpose(w)));
          host.h.push(h.dataSync() as Float32Array);
          dev.hOnes.push(keep(withOnes(tf, h)));
          const u = tf.fused.matMul({ a: h, b: dev.wt[l.index], bias: b }) as Tensor2D;
          if (!l.hidden) {
            h = u;
            break;
          }
          const g = activation(tf, this.model.activation, u);
          const d = derivatives(tf, this.model.activation, u, g);
          dev.a.push(d.a && keep(d.a));
          host.a.push(d.a?.dataSync() as Float32Array | undefined);
          e.push(d.e);
          h = l.residual ? tf.add(g, h) : g;
        }
        const z = h.dataSync() as Float32Array;
        const delta = new Float64Array(n * classes);
        loss = hostLoss(this.model.loss, z, this.y, n, classes, delta, host.p, host.d);
        let dh: Tensor2D | undefined;
        for (let l = depth; l >= 0; l--) {
          const layer = layers[l];
          let du: Tensor2D;
          if (l === depth) {
            du = tf.tensor2d(Float32Array.from(delta), [n, classes]);
          } else {
            const a = dev.a[l];
            du = a ? tf.mul<Tensor2D>(dh!, a) : dh!;
            const el = e[l];
            const c = el ? keep(tf.mul<Tensor2D>(dh!, el)) : undefined;
            dev.c[l] = c;
            host.c[l] = c?.dataSync() as Float32Array | undefined;
          }
          keep(du);
          dev.du[l] = du;
          host.du[l] = du.dataSync() as Float32Array;
          const g = tf.matMul<Tensor2D>(transpose(tf, du), dev.hOnes[l]).dataSync() as Float32Array;
          scatterGradient(layer, g, grad);
          if (l > 0) {
            const prev = tf.matMul<Tensor2D>(du, dev.w[l]);
            dh = layer.residual ? tf.add<Tensor2D>(prev, dh!) : prev;
          }
        }
      });
      loss += addPenalty(this.layers, this.model.l2, this.theta, grad);
      if (!Number.isFinite(loss)) {
        throw new FieldError('theta', 'the loss is not finite at this θ', 'model');
      }
      return { dev, host, loss, grad };
    } catch (err) {
      for (const t of kept) t.dispose();
      throw err;
    }
  }

  /** L (and ∇L) at θ without keeping anything. */
  private evaluateAt(theta: Float64Array, wantGradient: boolean): LossAndGradient {
    const tf = this.tf;
    const { n, depth, classes, layers } = this;
    if (theta.length !== this.size) {
      throw new FieldError('theta', `expected ${this.size} parameters, got ${theta.length}`);
    }
    const theta32 = Float32Array.from(theta);
    const grad = wantGradient ? new Float64Array(this.size) : undefined;
    let loss = NaN;
    tf.tidy(() => {
      const ws: Tensor2D[] = [];
      const hs: Tensor2D[] = [];
      const as: (Tensor2D | undefined)[] = [];
      let h = this.dev.x;
      for (const l of layers) {
        const w = tf.tensor2d(theta32.subarray(l.weightOffset, l.biasOffset), [l.fanOut, l.fanIn]);
        const b = tf.tensor1d(theta32.subarray(l.biasOffset, l.biasOffset + l.fanOut));
        ws.push(w);
        hs.push(h);
        const u = tf.fused.matMul({ a: h, b: transpose(tf, w), bias: b }) as Tensor2D;
        if (!l.hidden) {
          h = u;
          break;
        }
        const g = activation(tf, this.model.activation, u);
        if (grad) as.push(derivatives(tf, this.model.activation, u, g, false).a);
        h = l.residual ? tf.add(g, h) : g;
      }
      const delta = grad ? new Float64Array(n * classes) : undefined;
      loss = hostLoss(this.model.loss, h.dataSync() as Float32Array, this.y, n, classes, delta);
      if (!grad || !delta || !Number.isFinite(loss)) return;
      let dh: Tensor2D | undefined;
      for (let l = depth; l >= 0; l--) {
        const layer = layers[l];
        let du: Tensor2D;
        if (l === depth) du = tf.tensor2d(Float32Array.from(delta), [n, classes]);
        else du = as[l] ? tf.mul<Tensor2D>(dh!, as[l]!) : dh!;
        const g = tf
          .matMul<Tensor2D>(transpose(tf, du), withOnes(tf, hs[l]))
          .dataSync() as Float32Array;
        scatterGradient(layer, g, grad);
        if (l > 0) {
          const prev = tf.matMul<Tensor2D>(du, ws[l]);
          dh = layer.residual ? tf.add<Tensor2D>(prev, dh!) : prev;
        }
      }
    });
    loss += addPenalty(layers, this.model.l2, theta, grad);
    if (grad && !Number.isFinite(loss)) grad.fill(NaN);
    return { loss, gradient: grad ?? new Float64Array(0) };
  }

  // -------------------------------------------------------------------------------------------
  // The R-passes for a chunk of directions.

  /** Dense directions (columns `cols` of v): every layer's part of H·v. */
  private runDense(v: Float64Array, cols: number[]): ChunkResult {
    const pass = this.newPass(cols.length);
    this.tf.tidy(() => {
      const terms = this.denseTerms(this.tf, v, cols);
      pass.tiles = this.tilesFor(pass.k);
      this.forwardLayers(pass, terms.first, terms.forwardTerm);
      const rdz = this.curvature(pass.ru[this.depth]!, pass.k);
      this.backwardLayers(pass, rdz, this.depth, 0, terms.backwardTerm);
    });
    return pass;
  }

  /**
   * Coordinate directions c_k·e_{q_k}, all in layer `l0`, down to layer `stop`. A weight
   * W[o, j] (a bias b[o]: j = in, [H | 1]'s column of ones) moves only column o of R{U_l0}, by
   * s = c·[H_l0 | 1]_{:, j}: R{H_{l0+1}} is that column times A_l0, and R{U_{l0+1}} the outer
   * product with W_{l0+1}'s column o — all gathered on the host, and R{Z} itself when l0 + 1
   * is the output layer. Their parts of H·v follow from n × K products instead of the
   * K·n-row ones: δU_{l0+1}ᵀ R{H_{l0+1}} is column o's Σ_i s_i δU_{l0+1, i}, and R{U_l0} ⊙ C_l0
   * adds (s ⊙ C_{:, o})ᵀ [H_l0 | 1] to row o of layer l0's part.
   */
  private runCoordinate(
    l0: number,
    indices: number[],
    scales: number[],
    stop: number,
  ): ChunkResult {
    const tf = this.tf;
    const { n, depth, layers, classes } = this;
    const k = indices.length;
    const layer = layers[l0];
    const { fanIn, fanOut, weightOffset: wo, biasOffset: bo } = layer;
    const o = new Int32Array(k);
    const j = new Int32Array(k);
    indices.forEach((index, dir) => {
      o[dir] = index >= bo ? index - bo : Math.floor((index - wo) / fanIn);
      j[dir] = index >= bo ? fanIn : (index - wo) % fanIn;
    });
    // s = R{U_l0}'s column o_k (K × n): c_k·[H_l0 | 1]_{:, j_k}.
    // s = R{U_l0}'s column o_k (K × n): c_k·[H_l0 | 1]_{:, j_k}; sg = s ⊙ A_l0's column o_k
    // (R{H_l0+1}'s), sc = s ⊙ C_l0's column o_k (for layer l0's own part).
    const s = new Float32Array(k * n);
    const a0 = l0 < depth ? this.host.a[l0] : undefined;
    const c0 = l0 < depth ? this.host.c[l0] : undefined;
    const sg = a0 ? new Float32Array(k * n) : s;
    const sc = c0 ? new Float32Array(k * n) : undefined;
    const h0 = this.host.h[l0];
    for (let dir = 0; dir < k; dir++) {
      const jj = j[dir];
      const oo = o[dir];
      const c = scales[dir];
      for (let i = 0, at = dir * n; i < n; i++, at++) {
        const v = jj < fanIn ? c * h0[i * fanIn + jj] : c;
        s[at] = v;
        if (a0) sg[at] = v * a0[i * fanOut + oo];
        if (sc) sc[at] = v * c0![i * fanOut + oo];
      }
    }
    const pass = this.newPass(k);
    tf.tidy(() => {
      pass.tiles = this.tilesFor(k);
      let rdz: Tensor2D;
      if (l0 === depth) {
        const rz = new Float32Array(k * n * classes);
        for (let dir = 0; dir < k; dir++) {
          for (let i = 0; i < n; i++) rz[(dir * n + i) * classes + o[dir]] = s[dir * n + i];
        }
        rdz = tf.tensor2d(this.curvatureHost(rz, k), [k * n, classes]);
      } else {
        const next = layers[l0 + 1];
        // δU_{l0+1}ᵀ R{H_{l0+1}}: Σ_i s_g[k, i] δU_{l0+1}[i, :] into row (k, o_k) of its part.
        const sgT = tf.tensor2d(sg, [k, n]);
        if (!next.residual) {
          const sums = download(tf.matMul(sgT, this.dev.du[l0 + 1]));
          const t2 = new Float32Array(k * next.fanIn * next.fanOut);
          for (let dir = 0; dir < k; dir++) {
            t2.set(
              sums.subarray(dir * next.fanOut, (dir + 1) * next.fanOut),
              (dir * next.fanIn + o[dir]) * next.fanOut,
            );
          }
          pass.t2[l0 + 1] = t2;
        }
        if (l0 + 1 === depth) {
          // R{Z} = s_g[k, i]·W_D[:, o_k], so R{δZ} = s_g[k, i]·(∇²ℓ_i/n)·W_D[:, o_k]: the
          // curvature of each unit's column, computed once (see unitCurvature).
          const g = this.unitCurvature();
          const r = new Float32Array(k * n * classes);
          for (let dir = 0; dir < k; dir++) {
            for (let i = 0, at = dir * n; i < n; i++, at++) {
              const v = sg[at];
              const from = (o[dir] * n + i) * classes;
              for (let q = 0; q < classes; q++) r[at * classes + q] = v * g[from + q];
            }
          }
          rdz = tf.tensor2d(r, [k * n, classes]);
        } else {
          // R{U_{l0+1}} = s_g ⊗ W_{l0+1}'s column o_k.
          const wcols = new Float32Array(k * next.fanOut);
          for (let dir = 0; dir < k; dir++) {
            for (let q = 0; q < next.fanOut; q++) {
              wcols[dir * next.fanOut + q] =
                this.theta32[next.weightOffset + q * next.fanIn + o[dir]];
            }
          }
          pass.ru[l0 + 1] = outerBlocks(tf, sgT, wcols, next.fanOut);
          if (next.residual) pass.rh[l0 + 1] = place(tf, sg, o, k, n, next.fanIn);
          this.forwardLayers(pass, l0 + 1);
          rdz = this.curvature(pass.ru[depth]!, k);
        }
      }
      // R-backward from the output down to layer l0 + 1, then layer l0 by hand.
      const rdh =
        l0 < depth ? this.backwardLayers(pass, rdz, depth, l0 + 1, undefined, true)! : rdz;
      const a = l0 < depth ? pass.tiles.a[l0] : undefined;
      const rdu = a ? scaleBlocks(tf, rdh, a, k) : rdh;
      const t1 = contractExamples(tf, rdu, this.dev.hOnes[l0], k, n);
      if (sc) {
        const rows = download(tf.matMul(tf.tensor2d(sc, [k, n]), this.dev.hOnes[l0]));
        for (let dir = 0; dir < k; dir++) {
          const at = (dir * fanOut + o[dir]) * (fanIn + 1);
          for (let q = 0; q <= fanIn; q++) t1[at + q] += rows[dir * (fanIn + 1) + q];
        }
      }
      pass.t1[l0] = t1;
      if (stop === l0) return;
      // R{δH_l0} = R{δU_l0} W_l0 + δU_l0 V_l0 (+ R{δH_{l0+1}}): the dense part's product, the
      // column part's outer product with W_l0's row o_k, and c·δU_l0's column o_k in column j_k.
      let next = tf.matMul<Tensor2D>(rdu, this.dev.w[l0]);
      if (sc) {
        const wrows = new Float32Array(k * fanIn);
        for (let dir = 0; dir < k; dir++) {
          wrows.set(
            this.theta32.subarray(wo + o[dir] * fanIn, wo + (o[dir] + 1) * fanIn),
            dir * fanIn,
          );
        }
        next = addDispose(tf, next, outerBlocks(tf, tf.tensor2d(sc, [k, n]), wrows, fanIn));
      }
      if (j.some((jj) => jj < fanIn)) {
        const du = this.host.du[l0];
        const sd = new Float32Array(k * n);
        for (let dir = 0; dir < k; dir++) {
          if (j[dir] >= fanIn) continue;
          for (let i = 0; i < n; i++) sd[dir * n + i] = scales[dir] * du[i * fanOut + o[dir]];
        }
        next = addDispose(tf, next, place(tf, sd, j, k, n, fanIn));
      }
      if (layer.residual) next = addDispose(tf, next, rdh, false);
      this.backwardLayers(pass, next, l0 - 1, stop);
    });
    return pass;
  }

  /**
   * (∇²ℓ_i/n)·W_D[:, o] for every example i and unit o feeding the output layer (in_D × n ×
   * classes, unit-major): R{δZ} of any direction whose R{H_D} is a single column o, scaled.
   */
  private unitCurvature(): Float32Array {
    if (this.unitCurvatures) return this.unitCurvatures;
    const { n, classes } = this;
    const { fanIn, weightOffset } = this.layers[this.depth];
    const r = new Float32Array(fanIn * n * classes);
    for (let o = 0; o < fanIn; o++) {
      for (let i = 0; i < n; i++) {
        for (let q = 0; q < classes; q++) {
          r[(o * n + i) * classes + q] = this.theta32[weightOffset + q * fanIn + o];
        }
      }
    }
    this.unitCurvatures = this.curvatureHost(r, fanIn);
    return this.unitCurvatures;
  }

  private newPass(k: number): Pass {
    const none = () => this.layers.map((): undefined => undefined);
    return { k, tiles: { k: 1, a: [], c: [] }, ru: none(), rh: none(), t1: none(), t2: none() };
  }

  /**
   * The R-forward pass from layer `from` to the output: R{U_l} = R{H_l} W_lᵀ (+ `direct(l)`,
   * unless the pass already holds R{U_l}), R{H_{l+1}} = A_l ⊙ R{U_l} (+ R{H_l}). Keeps R{U_l}
   * where C_l needs it, and every R{H_l}.
   */
  private forwardLayers(
    pass: Pass,
    from: number,
    direct?: (l: number) => Tensor2D | undefined,
  ): void {
    const tf = this.tf;
    const { k, tiles, ru, rh } = pass;
    for (let l = from; l <= this.depth; l++) {
      const layer = this.layers[l];
      const h = rh[l];
      let u = ru[l];
      if (!u) {
        if (h) u = tf.matMul<Tensor2D>(h, this.dev.wt[l]);
        const d = direct?.(l);
        if (d) u = u ? addDispose(tf, u, d) : d;
        ru[l] = u;
      }
      if (!layer.hidden || !u) continue;
      const a = tiles.a[l];
      let g = a ? scaleBlocks(tf, u, a, k) : u;
      if (g !== u && !tiles.c[l]) {
        u.dispose();
        ru[l] = undefined;
      }
      if (layer.residual && h) g = g === u ? tf.add<Tensor2D>(g, h) : addDispose(tf, g, h, false);
      rh[l + 1] = g;
    }
  }

  /**
   * The R-backward pass from layer `from` down to layer `to`, R{δH_{from+1}} given (R{δZ} for
   * the output layer): each layer's parts of H·v to the host, and R{δH_l} = R{δU_l} W_l
   * (+ `direct(l)`) (+ R{δH_{l+1}}) on the way down. Returns R{δH_to} when `next`.
   */
  private backwardLayers(
    pass: Pass,
    rdh: Tensor2D,
    from: number,
    to: number,
    direct?: (l: number) => Tensor2D | undefined,
    next = false,
  ): Tensor2D | undefined {
    const tf = this.tf;
    const { n } = this;
    const { k, tiles, ru, rh } = pass;
    for (let l = from; l >= to; l--) {
      const layer = this.layers[l];
      let rdu = rdh;
      if (l < this.depth) {
        const a = tiles.a[l];
        const c = tiles.c[l];
        const u = ru[l];
        if (a) rdu = scaleBlocks(tf, rdh, a, k);
        if (c && u) rdu = addDispose(tf, rdu, scaleBlocks(tf, u, c, k));
      }
      pass.t1[l] = contractExamples(tf, rdu, this.dev.hOnes[l], k, n);
      const h = rh[l];
      if (h) pass.t2[l] = contractExamples(tf, h, this.dev.du[l], k, n);
      if (l === to && !next) return undefined;
      let below = tf.matMul<Tensor2D>(rdu, this.dev.w[l]);
      const d = direct?.(l);
      if (d) below = addDispose(tf, below, d);
      if (layer.residual) below = addDispose(tf, below, rdh, false);
      if (rdu !== rdh) rdu.dispose();
      rdh.dispose();
      rdh = below;
    }
    return rdh;
  }

  /**
   * R{δZ} = ∇²_Z L · R{Z} (K·n × classes, direction-major) for R{Z} on the device: (2/n)·R{Z}
   * there for the summed squared error, else on the host (`curvatureHost`).
   */
  private curvature(rz: Tensor2D, k: number): Tensor2D {
    const tf = this.tf;
    if (this.model.loss === 'sumSquared') return tf.mul<Tensor2D>(rz, 2 / this.n);
    const r = this.curvatureHost(rz.dataSync() as Float32Array, k);
    return tf.tensor2d(r, [k * this.n, this.classes]);
  }

  /** ∇²_z ℓ_i · r / n for every example i and direction (K·n × classes), in float64. */
  private curvatureHost(r: Float32Array, k: number): Float32Array {
    const { n, classes } = this;
    const out = new Float32Array(r.length);
    if (this.model.loss === 'sumSquared') {
      for (let i = 0; i < r.length; i++) out[i] = (2 * r[i]) / n;
      return out;
    }
    const { p, d } = this.host;
    if (this.model.loss === 'crossEntropy') {
      // (diag p − ppᵀ) r / n
      for (let dir = 0; dir < k; dir++) {
        for (let i = 0, pi = 0, base = dir * n * classes; i < n; i++, pi += classes) {
          let pr = 0;
          for (let c = 0; c < classes; c++) pr += p[pi + c] * r[base + c];
          for (let c = 0; c < classes; c++, base++) out[base] = (p[pi + c] * (r[base] - pr)) / n;
        }
      }
      return out;
    }
    const jr = new Float64Array(classes);
    for (let dir = 0; dir < k; dir++) {
      for (let i = 0; i < n; i++) {
        const pi = i * classes;
        const base = (dir * n + i) * classes;
        let pr = 0;
        for (let c = 0; c < classes; c++) pr += p[pi + c] * r[base + c];
        // softmaxMse: 2J(Jr) + d ⊙ r − d (pᵀr) − p (dᵀr), J = diag p − ppᵀ, d = ∂ℓ_i/∂z_i.
        let pjr = 0;
        let dr = 0;
        for (let c = 0; c < classes; c++) {
          jr[c] = p[pi + c] * (r[base + c] - pr);
          pjr += p[pi + c] * jr[c];
          dr += d[pi + c] * r[base + c];
        }
        for (let c = 0; c < classes; c++) {
          const jjr = p[pi + c] * (jr[c] - pjr);
          out[base + c] = (2 * jjr + d[pi + c] * (r[base + c] - pr) - p[pi + c] * dr) / n;
        }
      }
    }
    return out;
  }

  /**
   * Dense directions' direct terms: [H_l | 1] [V_l | v_l]ᵀ for R{U_l} and δU_l V_l for R{δH_l},
   * each for the K directions side by side (one matMul), then direction-major.
   */
  private denseTerms(
    tf: Tf,
    v: Float64Array,
    cols: number[],
  ): {
    first: number;
    forwardTerm: (l: number) => Tensor2D | undefined;
    backwardTerm: (l: number) => Tensor2D | undefined;
  } {
    const p = this.size;
    const k = cols.length;
    const { layers } = this;
    // Which layers the chunk's directions touch (weights; weights or biases).
    const touchesWeights = layers.map(() => false);
    const touches = layers.map(() => false);
    for (const layer of layers) {
      const { weightOffset: wo, biasOffset: bo, fanOut } = layer;
      for (const col of cols) {
        const base = col * p;
        for (let i = wo; i < bo && !touchesWeights[layer.index]; i++) {
          if (v[base + i] !== 0) touchesWeights[layer.index] = true;
        }
        touches[layer.index] ||= touchesWeights[layer.index];
        for (let i = bo; i < bo + fanOut && !touches[layer.index]; i++) {
          if (v[base + i] !== 0) touches[layer.index] = true;
        }
      }
    }
    const first = touches.indexOf(true);
    return {
      first: first < 0 ? layers.length : first,
      forwardTerm: (l) => {
        if (!touches[l]) return undefined;
        const { fanIn, fanOut, weightOffset: wo, biasOffset: bo } = layers[l];
        // [V¹ᵀ … Vᴷᵀ; v¹ᵀ … vᴷᵀ]: (in+1) × K·out, entry (j, k·out + o) = V^k[o, j].
        const m = new Float32Array((fanIn + 1) * k * fanOut);
        const stride = k * fanOut;
        // Rows of m in turn (contiguous stores, strided loads: cheaper than strided stores).
        cols.forEach((col, dir) => {
          const base = col * p;
          const at = dir * fanOut;
          for (let j = 0; j < fanIn; j++) {
            const row = j * stride + at;
            for (let o = 0, from = base + wo + j; o < fanOut; o++, from += fanIn)
              m[row + o] = v[from];
          }
          const row = fanIn * stride + at;
          for (let o = 0; o < fanOut; o++) m[row + o] = v[base + bo + o];
        });
        const term = tf.matMul<Tensor2D>(this.dev.hOnes[l], tf.tensor2d(m, [fanIn + 1, stride]));
        return directionMajor(tf, term, k, this.n);
      },
      backwardTerm: (l) => {
        if (!touchesWeights[l]) return undefined;
        const { fanIn, fanOut, weightOffset: wo } = layers[l];
        // [V¹ … Vᴷ]: out × K·in, entry (o, k·in + j) = V^k[o, j].
        const m = new Float32Array(fanOut * k * fanIn);
        const stride = k * fanIn;
        cols.forEach((col, dir) => {
          const base = col * p + wo;
          if (k === 1) m.set(v.subarray(base, base + fanOut * fanIn));
          else {
            for (let o = 0; o < fanOut; o++) {
              const from = base + o * fanIn;
              m.set(v.subarray(from, from + fanIn), o * stride + dir * fanIn);
            }
          }
        });
        const term = tf.matMul<Tensor2D>(this.dev.du[l], tf.tensor2d(m, [fanOut, stride]));
        return directionMajor(tf, term, k, this.n);
      },
    };
  }

  /**
   * A chunk's results into the columns `cols` of `out` (column c at [c·size, (c+1)·size)),
   * rows of the layers ≥ `stop`: for direction k, W_l[o, j] = t1[k·out + o, j] + t2[k·in + j, o]
   * and b_l[o] = t1[k·out + o, in].
   */
  private scatter(result: ChunkResult, cols: number[], out: Float64Array, stop: number): void {
    const p = this.size;
    for (const layer of this.layers) {
      if (layer.index < stop) continue;
      const { fanIn, fanOut, weightOffset: wo, biasOffset: bo } = layer;
      const t1 = result.t1[layer.index]!;
      const t2 = result.t2[layer.index];
      // One pass over out's rows (t2 read down its columns: strided loads, contiguous stores).
      cols.forEach((col, dir) => {
        const base = col * p;
        const r2 = dir * fanIn * fanOut;
        for (let o = 0; o < fanOut; o++) {
          const w = base + wo + o * fanIn;
          const r1 = (dir * fanOut + o) * (fanIn + 1);
          if (t2) {
            for (let jj = 0, at = r2 + o; jj < fanIn; jj++, at += fanOut) {
              out[w + jj] = t1[r1 + jj] + t2[at];
            }
          } else {
            for (let jj = 0; jj < fanIn; jj++) out[w + jj] = t1[r1 + jj];
          }
          out[base + bo + o] = t1[r1 + fanIn];
        }
      });
    }
  }

  /**
   * A_l and C_l for a chunk of K directions: repeated K times (K·n × out, same-shape
   * multiplies) for full chunks — built on the host and uploaded once (tfjs-wasm's Tile is
   * slow), kept until dispose — and the plain n × out ones otherwise (see `scaleBlocks`).
   */
  private tilesFor(k: number): Tiles {
    if (k !== this.chunk || k === 1) return { k: 1, a: this.dev.a, c: this.dev.c };
    if (this.tiles?.k === k) return this.tiles;
    const tf = this.tf;
    const { n, layers } = this;
    this.disposeTiles();
    const tile = (m: Float32Array | undefined, width: number) => {
      if (!m) return undefined;
      const t = new Float32Array(k * m.length);
      for (let dir = 0; dir < k; dir++) t.set(m, dir * m.length);
      return tf.keep(tf.tensor2d(t, [k * n, width]));
    };
    this.tiles = {
      k,
      a: layers.map((l) => tile(this.host.a[l.index], l.fanOut)),
      c: layers.map((l) => tile(this.host.c[l.index], l.fanOut)),
    };
    return this.tiles;
  }

  private disposeTiles(): void {
    if (!this.tiles) return;
    for (const t of [...this.tiles.a, ...this.tiles.c]) t?.dispose();
    this.tiles = undefined;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this Hessian operator was disposed');
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** [h | 1]. */
function withOnes(tf: Tf, h: Tensor2D): Tensor2D {
  return tf.pad(
    h,
    [
      [0, 0],
      [0, 1],
    ],
    1,
  );
}

/** Square tiles for the copies across columns of a column-major matrix (cache, TLB). */
const TILE = 32;

/**
 * For each column cols[a] (the coordinate rows[a], scale scales[a]) and each row r < below:
 * out[cols[a], r] = (scales[a] / scaleOf[r])·out[colOf[r], rows[a]] — a transposed copy,
 * tile by tile.
 */
function copyTransposed(
  out: Float64Array,
  p: number,
  cols: Int32Array,
  rows: Int32Array,
  scales: Float64Array,
  below: number,
  colOf: Int32Array,
  scaleOf: Float64Array,
): void {
  for (let a0 = 0; a0 < cols.length; a0 += TILE) {
    const a1 = Math.min(cols.length, a0 + TILE);
    for (let r0 = 0; r0 < below; r0 += TILE) {
      const r1 = Math.min(below, r0 + TILE);
      for (let a = a0; a < a1; a++) {
        const to = cols[a] * p;
        const q = rows[a];
        const c = scales[a];
        for (let r = r0; r < r1; r++) out[to + r] = (c / scaleOf[r]) * out[colOf[r] * p + q];
      }
    }
  }
}

/** Block [from, to)² of a p × p matrix replaced by the mean of it and its transpose. */
function symmetrizeBlock(h: Float64Array, p: number, from: number, to: number): void {
  for (let c0 = from; c0 < to; c0 += TILE) {
    for (let r0 = from; r0 <= c0; r0 += TILE) {
      for (let col = c0; col < Math.min(to, c0 + TILE); col++) {
        for (let row = r0; row < Math.min(col, r0 + TILE); row++) {
          const m = 0.5 * (h[col * p + row] + h[row * p + col]);
          h[col * p + row] = m;
          h[row * p + col] = m;
        }
      }
    }
  }
}

/**
 * K·n × width, zero but for column at_k of block k, which is values[k, :] (K × n; at_k ≥ width:
 * an all-zero block): a broadcast multiply by a one-hot.
 */
function place(
  tf: Tf,
  values: Float32Array,
  at: Int32Array,
  k: number,
  n: number,
  width: number,
): Tensor2D {
  const onehot = new Float32Array(k * width);
  for (let dir = 0; dir < k; dir++) if (at[dir] < width) onehot[dir * width + at[dir]] = 1;
  return outerBlocks(tf, tf.tensor2d(values, [k, n]), onehot, width);
}

/**
 * K·n × width with row (k, i) = s[k, i]·rows[k, :]: block k is the outer product of s's row k
 * (K × n, a tensor, freed) and row k of `rows` (K × width, host) — a broadcast multiply.
 */
function outerBlocks(tf: Tf, s: Tensor2D, rows: Float32Array, width: number): Tensor2D {
  const [k, n] = s.shape;
  const outer = tf.tidy(() => {
    const product = tf.mul(tf.reshape(s, [k, n, 1]), tf.tensor3d(rows, [k, 1, width]));
    return tf.reshape(product, [k * n, width]) as Tensor2D;
  });
  s.dispose();
  return outer;
}

/**
 * Each block's transpose times m, to the host: x is K·n × w (K blocks of n examples), m is
 * n × c; the result is K·w × c (block k's xᵀm in rows k·w …). The transposed copy is freed
 * right after the product (it is as large as x).
 */
function contractExamples(tf: Tf, x: Tensor2D, m: Tensor2D, k: number, n: number): Float32Array {
  const xt = transposeBlocks(tf, x, k, n);
  const values = download(tf.matMul(xt, m));
  if (xt !== x) xt.dispose();
  return values;
}

/** Reads a tensor to the host and frees it. */
function download(t: TfModule.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/**
 * K·n × w (K blocks of n rows) → K·w × n: each block transposed, in place of the block. For n
 * a multiple of 64 as [K, n/64, 64, w] → [K, w, n/64, 64]: the plain transpose writes rows
 * n floats apart, which for the power-of-two example counts people pick maps every store to
 * the same cache set (3–10× slower on wasm; network/mlp.ts's `transpose` has the 2-D case).
 */
function transposeBlocks(tf: Tf, x: Tensor2D, k: number, n: number): Tensor2D {
  const w = x.shape[1];
  if (w === 1) return tf.reshape(x, [k, n]) as Tensor2D;
  return tf.tidy(() => {
    if (k === 1) return transpose(tf, x);
    const t =
      n % 64 === 0 && n > 64
        ? tf.transpose(tf.reshape(x, [k, n / 64, 64, w]), [0, 3, 1, 2])
        : tf.transpose(tf.reshape(x, [k, n, w]), [0, 2, 1]);
    return tf.reshape(t, [k * w, n]) as Tensor2D;
  });
}

/** n × K·w (direction k in columns k·w … k·w + w − 1) → K·n × w, direction-major. */
function directionMajor(tf: Tf, x: Tensor2D, k: number, n: number): Tensor2D {
  if (k === 1) return x;
  const w = x.shape[1] / k;
  const t = tf.tidy(
    () => tf.reshape(tf.transpose(tf.reshape(x, [n, k, w]), [1, 0, 2]), [k * n, w]) as Tensor2D,
  );
  x.dispose();
  return t;
}

/**
 * x ⊙ f block by block: x is K·n × w; f is K·n × w (tiled: a same-shape multiply) or n × w
 * (broadcast over the K blocks, the outer axis: ~1.5× slower on wasm, no tiles to keep).
 */
function scaleBlocks(tf: Tf, x: Tensor2D, f: Tensor2D, k: number): Tensor2D {
  if (f.shape[0] === x.shape[0]) return tf.mul<Tensor2D>(x, f);
  const [rows, w] = x.shape;
  return tf.tidy(() => {
    const scaled = tf.mul(tf.reshape(x, [k, rows / k, w]), tf.reshape(f, [1, rows / k, w]));
    return tf.reshape(scaled, [rows, w]) as Tensor2D;
  });
}

/** a + b, disposing a (and b unless `both` is false). */
function addDispose(tf: Tf, a: Tensor2D, b: Tensor2D, both = true): Tensor2D {
  const s = tf.add<Tensor2D>(a, b);
  a.dispose();
  if (both) b.dispose();
  return s;
}

function activation(tf: Tf, name: HessianActivation, u: Tensor2D): Tensor2D {
  switch (name) {
    case 'relu':
      return tf.relu(u);
    case 'tanh':
      return tf.tanh(u);
    case 'sigmoid':
      return tf.sigmoid(u);
    case 'softplus':
      return tf.softplus(u);
    case 'linear':
      return u;
  }
}

/**
 * act'(U) and act''(U) from the input u and the output g (undefined: 1, resp. 0). `second`
 * false skips act''.
 */
function derivatives(
  tf: Tf,
  name: HessianActivation,
  u: Tensor2D,
  g: Tensor2D,
  second = true,
): { a?: Tensor2D; e?: Tensor2D } {
  switch (name) {
    case 'relu':
      return { a: tf.step(u) };
    case 'tanh': {
      const a = tf.sub<Tensor2D>(1, tf.square(g));
      return { a, e: second ? tf.mul<Tensor2D>(-2, tf.mul(g, a)) : undefined };
    }
    case 'sigmoid': {
      const a = tf.mul<Tensor2D>(g, tf.sub(1, g));
      return { a, e: second ? tf.mul<Tensor2D>(a, tf.sub(1, tf.mul(2, g))) : undefined };
    }
    case 'softplus': {
      const s = tf.sigmoid<Tensor2D>(u);
      return { a: s, e: second ? tf.mul<Tensor2D>(s, tf.sub(1, s)) : undefined };
    }
    case 'linear':
      return {};
  }
}

/**
 * Mean loss of float32 logits z (n × K) in float64; `delta` receives ∂L/∂z (with the 1/n), `p`
 * the softmax and `d` the per-example ∂ℓ/∂z (without the 1/n) for the classification losses.
 */
function hostLoss(
  loss: HessianModel['loss'],
  z: Float32Array,
  y: Float32Array,
  n: number,
  classes: number,
  delta?: Float64Array,
  p: Float64Array = new Float64Array(classes * n),
  d: Float64Array = new Float64Array(classes * n),
): number {
  let total = 0;
  if (loss === 'sumSquared') {
    for (let i = 0; i < n * classes; i++) {
      const r = z[i] - y[i];
      total += r * r;
      if (delta) delta[i] = (2 * r) / n;
    }
    return total / n;
  }
  for (let i = 0; i < n; i++) {
    const base = i * classes;
    const label = y[i];
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, z[base + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(z[base + c] - m);
    for (let c = 0; c < classes; c++) p[base + c] = Math.exp(z[base + c] - m) / sum;
    if (loss === 'crossEntropy') {
      total += Math.log(sum) - (z[base + label] - m);
      for (let c = 0; c < classes; c++) d[base + c] = p[base + c] - (c === label ? 1 : 0);
    } else {
      // ℓ = Σ (p − ŷ)²; ∂ℓ/∂z_c = p_c (g_c − pᵀg), g = 2(p − ŷ).
      let pg = 0;
      for (let c = 0; c < classes; c++) {
        const r = p[base + c] - (c === label ? 1 : 0);
        total += r * r;
        pg += p[base + c] * 2 * r;
      }
      for (let c = 0; c < classes; c++) {
        d[base + c] = p[base + c] * (2 * (p[base + c] - (c === label ? 1 : 0)) - pg);
      }
    }
    if (delta) for (let c = 0; c < classes; c++) delta[base + c] = d[base + c] / n;
  }
  return total / n;
}

/** A layer's gradient δUᵀ [H | 1] (out × (in+1): row o = [∂L/∂W_o | ∂L/∂b_o]) into θ. */
function scatterGradient(layer: HessianLayer, g: Float32Array, grad: Float64Array): void {
  const { fanIn, fanOut, weightOffset: wo, biasOffset: bo } = layer;
  for (let o = 0; o < fanOut; o++) {
    for (let j = 0; j < fanIn; j++) grad[wo + o * fanIn + j] = g[o * (fanIn + 1) + j];
    grad[bo + o] = g[o * (fanIn + 1) + fanIn];
  }
}

/** Adds λW to the gradient (when given) and returns (λ/2)·Σ‖W‖². */
function addPenalty(
  layers: readonly HessianLayer[],
  l2: number,
  theta: Float64Array,
  grad: Float64Array | undefined,
): number {
  if (l2 === 0) return 0;
  let s = 0;
  for (const l of layers) {
    for (let i = l.weightOffset; i < l.biasOffset; i++) {
      s += theta[i] * theta[i];
      if (grad) grad[i] += l2 * theta[i];
    }
  }
  return 0.5 * l2 * s;
}
