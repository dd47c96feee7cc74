/**
 * The MLP's forward and backward passes in tfjs, for a flat θ.
 *
 * Examples are rows (H_l is n × width), and a layer is the lecture's σ(Wx + b) for every row:
 *
 *   U_l = H_l W_lᵀ + 1 b_lᵀ,   G_l = act(U_l),   H_{l+1} = G_l ⊙ M_l  (+ H_l if residual),
 *   Z = H_D W_Dᵀ + 1 b_Dᵀ      (logits, n × K; the loss is taken on the host, see losses.ts)
 *
 * with M_l the dropout mask. The backward pass is written out by hand:
 *
 *   δZ = ∂L/∂Z (host)
 *   δU_l = (δH_{l+1} ⊙ M_l) ⊙ act'(G_l)     act' from the output: ReLU 1[G > 0], tanh 1 − G²,
 *                                            sigmoid G(1 − G), linear 1
 *   ∂L/∂[W_l | b_l] = δU_lᵀ [H_l | 1]       (the ones column gives the bias gradient Σ_i δu_i)
 *   δH_l = δU_l W_l  (+ δH_{l+1} if residual)
 *
 * Why by hand, and why this layout (measured on tfjs-wasm 4.22 against PyTorch on one thread: a
 * matMul gradient that avoids the transpose flags trains a 2-64-64-1 MLP 2.6× and a 64-256-256-10
 * one 5.1× faster):
 * - The wasm backend runs a matMul on XNNPACK only when no operand is transposed, and autodiff's
 *   matMul gradient uses the transpose flags (a 10× slower scalar loop). Every product here is
 *   plain; where a transposed operand is needed it is transposed explicitly (see `transpose`).
 * - XNNPACK packs the right-hand operand of a product on every call unless it is the same
 *   tensor as last time. With examples as rows, the forward product and δU_l W_l pack only the
 *   small weight matrices (W_l straight from θ, which is torch's layout, and W_lᵀ transposed on
 *   the device); the one product that contracts over the examples (the weight gradient) must
 *   pack an n-row operand, the narrower one where that clearly pays (`GradientForm`).
 * - θ goes to float32 in one native conversion per step, and the gradient comes back as one
 *   array per layer, copied into θ's order in the same pass that takes its norm.
 * - The bias rides in the fused matMul (with ReLU or sigmoid fused too) in the forward pass,
 *   and in the ones column in the backward pass: no separate bias ops or reductions.
 * - tanh(u) is computed as 2σ(2u) − 1: wasm's tanh kernel is 7× slower than its sigmoid.
 * - The logits come back to the host for the loss: a few thousand numbers, cheaper than the
 *   half dozen tfjs ops of a softmax cross-entropy, and the loss is then exact in float64.
 *
 * This gives first derivatives only. Hessian-vector products would need a second autodiff
 * pass (with customGrad activations: tfjs issue 3252 makes tanh/sigmoid/exp's own second
 * derivatives wrong) or central differences of this gradient.
 */
import type * as TfModule from '@tensorflow/tfjs';
import type { ActivationName } from '../../common/network';
import type { Rng } from '../datasets/random';
import type { ParamLayout } from './layout';
import { lossFromLogits, type LossKind, type LossValue } from './losses';

export type Tf = typeof TfModule;
type Tensor2D = TfModule.Tensor2D;

/**
 * How a layer's weight gradient is formed:
 * `rows`: δU_lᵀ · [H_l | 1] → out × (in+1), θ's own order (packs [H_l | 1]);
 * `columns`: [H_l | 1]ᵀ · δU_l → (in+1) × out (packs δU_l; for a fan-out under half the fan-in,
 * like an output layer of a few classes).
 */
export type GradientForm = 'rows' | 'columns';

/** A batch on the device; inputs are standardized. */
export interface DeviceBatch {
  n: number;
  /** X: n × inputDim, one row per example. */
  x: Tensor2D;
  /** [X | 1] (n × (inputDim+1)): the first layer's gradient operand in the `rows` form. */
  xOnes?: Tensor2D;
  /** [X | 1]ᵀ ((inputDim+1) × n): the same in the `columns` form. */
  xOnesT?: Tensor2D;
  /** Class indices or targets, on the host where the loss is computed. */
  y: Float32Array;
}

export interface MlpOptions {
  activation: ActivationName;
  loss: LossKind;
  /** λ of (λ/2)·Σ‖W‖². */
  l2: number;
  /** Dropout probability p (training only). */
  dropout: number;
}

export interface StepValue extends LossValue {
  /** ‖∇L(θ)‖ on the batch. */
  gradNorm: number;
  /** False when the loss or the gradient is not finite: the run has diverged. */
  finite: boolean;
}

/** The staged θ's tensors of one pass (see Mlp.stagedWeights). */
export interface StagedWeights {
  /** W_l, out × in. */
  weights: Tensor2D[];
  /** W_lᵀ and b_l, multiplied by the pre-activation scale for hidden layers. */
  affine: { wt: Tensor2D; b: TfModule.Tensor1D }[];
}

/** Frees the tensors of stagedWeights. */
export function disposeStaged(staged: StagedWeights): void {
  for (const w of staged.weights) w.dispose();
  for (const { wt, b } of staged.affine) {
    wt.dispose();
    b.dispose();
  }
}

/** A part of a batch's loss and gradient (see Mlp.partialGradient). */
export interface PartialGradient extends LossValue {
  /** Each layer's gradient in its form; undefined when the loss was not finite. */
  parts: Float32Array[] | undefined;
}

export class Mlp {
  /** θ in float32, what the tensors of one evaluation are made from. */
  private readonly theta32: Float32Array;
  /** Pre-activation scale: tanh(u) = 2σ(2u) − 1 needs 2u. */
  readonly scale: number;
  /** Weight-gradient form of each layer. */
  readonly gradientForms: GradientForm[];

  constructor(
    readonly tf: Tf,
    readonly layout: ParamLayout,
    readonly options: MlpOptions,
  ) {
    this.theta32 = new Float32Array(layout.size);
    this.scale = options.activation === 'tanh' ? 2 : 1;
    // Both forms pack an n-row matrix; `rows` also leaves the gradient in θ's own layout (a
    // sequential copy into θ), so `columns` is only worth it for a clearly narrower δU_l, as
    // for an output layer of a few classes.
    this.gradientForms = layout.layers.map((l) =>
      2 * l.fanOut < l.fanIn + 1 ? 'columns' : 'rows',
    );
  }

  get depth(): number {
    return this.layout.layers.length - 1;
  }

  /** θ in float32 for the next evaluation (a native conversion, no per-entry JS). */
  stage(theta: Float64Array | Float32Array): void {
    this.theta32.set(theta);
  }

  /** The staged θ in float32 (see `stage`; do not modify). */
  get staged(): Float32Array {
    return this.theta32;
  }

  /**
   * The staged θ's tensors one pass uses: each W_l, and W_lᵀ and b_l as the forward product
   * takes them. Parts of one batch computed here share them (one upload and transpose a
   * step, not one a part); the caller disposes them (see disposeStaged).
   */
  stagedWeights(): StagedWeights {
    const tf = this.tf;
    return tf.tidy(() => {
      const weights = this.layout.layers.map((_, l) => this.weights(l));
      const affine = weights.map((w, l) => this.scaled(l, transpose(tf, w), this.bias(l)));
      return { weights, affine };
    });
  }

  /** W_l (out × in) of the staged θ. */
  weights(l: number): Tensor2D {
    const { weight } = this.layout.layers[l];
    const w = this.theta32.subarray(weight.offset, weight.offset + weight.size);
    return this.tf.tensor2d(w, [weight.shape[0], weight.shape[1]]);
  }

  /** b_l of the staged θ. */
  bias(l: number): TfModule.Tensor1D {
    const { bias } = this.layout.layers[l];
    return this.tf.tensor1d(this.theta32.subarray(bias.offset, bias.offset + bias.size));
  }

  /**
   * Layer l of the staged θ in evaluation mode: act(H W_lᵀ + b_l) for a hidden layer (before
   * dropout and the residual sum), H W_lᵀ + b_l for the output layer.
   */
  layer(l: number, h: Tensor2D, w: Tensor2D = this.weights(l)): Tensor2D {
    return this.affine(l, h, transpose(this.tf, w), this.bias(l));
  }

  /** Layer l from its W_lᵀ (in × out) and b_l, as `layer` (tanh's factor 2 applied here). */
  affine(l: number, h: Tensor2D, wt: Tensor2D, b: TfModule.Tensor1D): Tensor2D {
    const scaled = this.scaled(l, wt, b);
    return this.scaledAffine(l, h, scaled.wt, scaled.b);
  }

  /** W_lᵀ and b_l times the pre-activation scale for a hidden layer (as they are otherwise). */
  private scaled(
    l: number,
    wt: Tensor2D,
    b: TfModule.Tensor1D,
  ): { wt: Tensor2D; b: TfModule.Tensor1D } {
    if (this.layout.layers[l].activation === 'output' || this.scale === 1) return { wt, b };
    return {
      wt: this.tf.mul<Tensor2D>(wt, this.scale),
      b: this.tf.mul<TfModule.Tensor1D>(b, this.scale),
    };
  }

  /** Layer l from W_lᵀ and b_l already scaled (see stagedWeights). */
  private scaledAffine(l: number, h: Tensor2D, wt: Tensor2D, b: TfModule.Tensor1D): Tensor2D {
    if (this.layout.layers[l].activation === 'output') {
      return this.tf.fused.matMul({ a: h, b: wt, bias: b }) as Tensor2D;
    }
    return this.activate(h, wt, b);
  }

  /**
   * act(a · w + bias) with w and bias already multiplied by `scale`: one fused kernel for
   * ReLU, sigmoid and linear; σ, then 2σ − 1, for tanh.
   */
  activate(a: Tensor2D, w: Tensor2D, bias?: TfModule.Tensor1D): Tensor2D {
    const tf = this.tf;
    const args = { a, b: w, ...(bias ? { bias } : {}) };
    switch (this.options.activation) {
      case 'relu':
        return tf.fused.matMul({ ...args, activation: 'relu' }) as Tensor2D;
      case 'sigmoid':
        return tf.fused.matMul({ ...args, activation: 'sigmoid' }) as Tensor2D;
      case 'linear':
        return tf.fused.matMul(args) as Tensor2D;
      case 'tanh': {
        const s = tf.fused.matMul({ ...args, activation: 'sigmoid' });
        return tf.sub(tf.mul(s, 2), 1);
      }
    }
  }

  /** δU = δG ⊙ act'(G), with act' written in terms of the layer's output G. */
  private activationGrad(dg: Tensor2D, g: Tensor2D): Tensor2D {
    const tf = this.tf;
    switch (this.options.activation) {
      case 'relu':
        return tf.mul(dg, tf.step(g));
      case 'tanh':
        return tf.mul(dg, tf.sub(1, tf.square(g)));
      case 'sigmoid':
        return tf.mul(dg, tf.mul(g, tf.sub(1, g)));
      case 'linear':
        return dg;
    }
  }

  /**
   * The network from hidden layer `from` on, in evaluation mode, given H_from (and for a
   * residual layer H_from is also what it adds). Returns the logits Z (n × K). `layer`
   * computes one layer (by default from the staged θ).
   */
  forwardFrom(
    from: number,
    h: Tensor2D,
    layer: (l: number, h: Tensor2D) => Tensor2D = (l, x) => this.layer(l, x),
  ): Tensor2D {
    const tf = this.tf;
    for (let l = from; l < this.depth; l++) {
      const g = layer(l, h);
      h = this.layout.layers[l].residual ? tf.add(g, h) : g;
    }
    return layer(this.depth, h);
  }

  /** Logits of a batch at θ (evaluation mode: no dropout). Undefined if θ is not finite. */
  logits(theta: Float64Array, x: Tensor2D): Float32Array {
    this.stage(theta);
    // Read inside, return nothing: tidy walks whatever it returns, element by element for an
    // array of numbers.
    let z: Float32Array = new Float32Array(0);
    this.tf.tidy(() => {
      z = this.forwardFrom(0, x).dataSync() as Float32Array;
    });
    return z;
  }

  /** Loss (with the L2 penalty) and correct count at θ, evaluation mode. */
  evaluate(theta: Float64Array, batch: DeviceBatch): LossValue {
    const z = this.logits(theta, batch.x);
    const value = lossFromLogits(this.options.loss, z, batch.y, this.layout.outputDim, batch.n);
    return { loss: value.loss + this.penalty(theta), correct: value.correct };
  }

  /** (λ/2)·Σ‖W‖² over the weight matrices (not the biases). */
  penalty(theta: Float64Array): number {
    const l2 = this.options.l2;
    if (l2 === 0) return 0;
    let s = 0;
    for (const t of this.layout.tensors) {
      if (t.kind !== 'weight') continue;
      for (let i = t.offset; i < t.offset + t.size; i++) s += theta[i] * theta[i];
    }
    return 0.5 * l2 * s;
  }

  /**
   * L(θ) on a batch and ∇L(θ) written into `grad` (the L2 penalty included in both). With
   * `dropout` (an Rng), hidden units are zeroed with probability p and the others scaled by
   * 1/(1 − p) (inverted dropout), so evaluation needs no rescaling.
   */
  lossAndGrad(
    theta: Float64Array,
    batch: DeviceBatch,
    grad: Float64Array,
    dropout?: Rng,
  ): StepValue {
    this.stage(theta);
    const masks = dropout ? this.dropoutMasks(batch.n, dropout) : undefined;
    const part = this.partialGradient(batch, batch.n, masks);
    return this.combine(theta, grad, [part]);
  }

  /**
   * ∇L(θ) of the staged θ (see `stage`) from a part of a batch of `total` examples: the loss
   * terms of `batch`'s examples divided by `total`, and their gradient, each layer in its form
   * (see GradientForm), read back into `out` (one float32 array of θ's length, the layers one
   * after another) or into new arrays. `masks` are the part's rows of each hidden layer's
   * dropout mask (see `dropoutMasks`). The parts of a batch summed are the batch's gradient.
   * `staged`: the staged θ's tensors, when several parts share them (see `stagedWeights`).
   */
  partialGradient(
    batch: DeviceBatch,
    total: number,
    masks?: readonly Float32Array[],
    out?: Float32Array,
    staged?: StagedWeights,
  ): PartialGradient {
    const tf = this.tf;
    const { layers, outputDim: classes } = this.layout;
    const depth = this.depth;
    const n = batch.n;
    const delta = new Float32Array(n * classes);
    let value: LossValue = { loss: NaN, correct: 0 };

    const parts = tf.tidy(() => {
      const inputs: Tensor2D[] = [batch.x];
      const outputs: Tensor2D[] = [];
      const maskTensors: (Tensor2D | undefined)[] = [];
      const { weights, affine } = staged ?? this.stagedWeights();
      const layer = (l: number, x: Tensor2D) => this.scaledAffine(l, x, affine[l].wt, affine[l].b);
      let h = batch.x;
      for (let l = 0; l < depth; l++) {
        const g = layer(l, h);
        outputs.push(g);
        const mask = masks ? tf.tensor2d(masks[l], [n, layers[l].fanOut]) : undefined;
        maskTensors.push(mask);
        let next = mask ? tf.mul<Tensor2D>(g, mask) : g;
        if (layers[l].residual) next = tf.add<Tensor2D>(next, h);
        h = next;
        inputs.push(h);
      }
      const z = layer(depth, h);
      value = lossFromLogits(
        this.options.loss,
        z.dataSync() as Float32Array,
        batch.y,
        classes,
        n,
        delta,
        total,
      );
      if (!Number.isFinite(value.loss)) return undefined;

      const grads: Tensor2D[] = new Array(depth + 1);
      let du: Tensor2D = tf.tensor2d(delta, [n, classes]);
      let dh: Tensor2D | undefined;
      for (let l = depth; l >= 0; l--) {
        if (l < depth) {
          const mask = maskTensors[l];
          du = this.activationGrad(mask ? tf.mul<Tensor2D>(dh!, mask) : dh!, outputs[l]);
        }
        grads[l] = this.weightGradient(l, inputs[l], du, batch);
        if (l > 0) {
          let prev: Tensor2D = tf.matMul(du, weights[l]);
          if (layers[l].residual) prev = tf.add<Tensor2D>(prev, dh!);
          dh = prev;
        }
      }
      return grads;
    });
    if (!parts) return { ...value, parts: undefined };
    let offset = 0;
    const values = parts.map((t) => {
      const v = t.dataSync() as Float32Array;
      t.dispose();
      if (!out) return v;
      out.set(v, offset);
      offset += v.length;
      return out.subarray(offset - v.length, offset);
    });
    return { ...value, parts: values };
  }

  /**
   * The gradient of a batch from its parts (see partialGradient), summed in float64 in the
   * order given, into θ's layout in `grad`, with the L2 penalty and its gradient λW; the loss
   * is the parts' losses summed. A part without a gradient (its loss was not finite) makes
   * the whole not finite.
   */
  combine(theta: Float64Array, grad: Float64Array, parts: readonly PartialGradient[]): StepValue {
    let loss = 0;
    let correct = 0;
    for (const part of parts) {
      loss += part.loss;
      correct += part.correct;
    }
    if (parts.some((part) => !part.parts)) {
      return { loss, correct, gradNorm: NaN, finite: false };
    }
    const [first, second] = parts;
    if (parts.length > 2) throw new RangeError('a batch is split in at most two parts');
    const { penalty, norm } = this.scatter(first.parts!, theta, grad, second?.parts);
    loss += penalty;
    return {
      loss,
      correct,
      gradNorm: norm,
      finite: Number.isFinite(loss) && Number.isFinite(norm),
    };
  }

  /** ∂L/∂[W_l | b_l] in the layer's gradient form (see GradientForm). */
  private weightGradient(l: number, h: Tensor2D, du: Tensor2D, batch: DeviceBatch): Tensor2D {
    const tf = this.tf;
    const ones = (x: Tensor2D) =>
      tf.pad(
        x,
        [
          [0, 0],
          [0, 1],
        ],
        1,
      );
    if (this.gradientForms[l] === 'rows') {
      const hOnes = l === 0 ? batch.xOnes : undefined;
      return tf.matMul(transpose(tf, du), hOnes ?? ones(h));
    }
    const hOnesT = l === 0 ? batch.xOnesT : undefined;
    return tf.matMul(hOnesT ?? transpose(tf, ones(h)), du);
  }

  /**
   * The flat gradient (each layer in its form) into the θ layout of `grad`, plus the L2 term
   * λW: `parts`, plus `more` when given (a second part of the batch, added in float64).
   * Returns the penalty (λ/2)·Σ‖W‖² and ‖∇L‖, computed in the same pass.
   */
  private scatter(
    parts: Float32Array[],
    theta: Float64Array,
    grad: Float64Array,
    more?: Float32Array[],
  ): { penalty: number; norm: number } {
    const l2 = this.options.l2;
    let sq = 0;
    let gg = 0;
    for (let l = 0; l < this.layout.layers.length; l++) {
      const { fanIn: nIn, fanOut: nOut, weight, bias } = this.layout.layers[l];
      const g = parts[l];
      const h = more?.[l];
      if (g.length !== nOut * (nIn + 1) || (h && h.length !== g.length)) {
        throw new Error('gradient layout mismatch');
      }
      const wOff = weight.offset;
      const bOff = bias.offset;
      // g: out × (in+1) in the `rows` form (row i = [∂L/∂W_i | ∂L/∂b_i], θ's own order),
      // (in+1) × out in the `columns` form (column i).
      const rows = this.gradientForms[l] === 'rows';
      const across = rows ? 1 : nOut;
      for (let i = 0; i < nOut; i++) {
        const src = rows ? i * (nIn + 1) : i;
        const dst = wOff + i * nIn;
        for (let j = 0; j < nIn; j++) {
          const w = theta[dst + j];
          const k = src + j * across;
          const v = (h ? g[k] + h[k] : g[k]) + l2 * w;
          grad[dst + j] = v;
          gg += v * v;
          sq += w * w;
        }
        const k = src + nIn * across;
        const v = h ? g[k] + h[k] : g[k];
        grad[bOff + i] = v;
        gg += v * v;
      }
    }
    return { penalty: 0.5 * l2 * sq, norm: Math.sqrt(gg) };
  }

  /**
   * Inverted dropout masks of a batch of n examples, one per hidden layer (n × units, one row
   * per example): 0 with probability p, else 1/(1 − p), drawn layer after layer, row by row.
   */
  dropoutMasks(n: number, rng: Rng): Float32Array[] {
    const p = this.options.dropout;
    const keep = 1 / (1 - p);
    return this.layout.layers.slice(0, this.depth).map((layer) => {
      const m = new Float32Array(n * layer.fanOut);
      for (let i = 0; i < m.length; i++) m[i] = rng.uniform() < p ? 0 : keep;
      return m;
    });
  }
}

/**
 * xᵀ. tfjs-wasm's 2-D transpose of a tall matrix whose row count is a multiple of a large power
 * of two (1024 × 64, 256 × 256: every batch size people pick) writes with a stride that maps
 * every store to the same cache set, and runs 3–6× slower than for other shapes. Transposing
 * blocks of 64 rows as a 3-D permutation ([r/64, 64, c] → [c, r/64, 64]) writes contiguous runs
 * of 64 and avoids it; the result is the same matrix.
 */
export function transpose(tf: Tf, x: Tensor2D): Tensor2D {
  const [r, c] = x.shape;
  if (r % 64 !== 0 || r <= 64 || c === 1) return tf.transpose(x);
  return tf.reshape(tf.transpose(tf.reshape(x, [r / 64, 64, c]), [2, 0, 1]), [c, r]);
}
