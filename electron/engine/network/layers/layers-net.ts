/**
 * A TensorFlow.js Layers model as a function of one flat θ, run through tfjs with the model's
 * own graph (Conv2D, pooling, Flatten… on whichever backend the engine has: wasm or cpu here,
 * tfjs-node elsewhere), so LossLab's optimizers, landscapes and Hessians treat it as they treat
 * their own MLPs.
 *
 * θ is every trainable weight, layer after layer, each layer's weights in the order Keras lists
 * them (kernel, then bias), each in PyTorch's layout — what `parameters_to_vector` gives for the
 * same network written in torch:
 *
 *   Dense kernel   Keras [in, out]          → θ [out, in]          (row o: the weights into unit o)
 *   Conv2D kernel  Keras [kh, kw, in, out]  → θ [out, in, kh, kw]  (block o: filter o)
 *   bias           [out]                    → θ [out]
 *
 * so a unit's or a filter's weights are contiguous: the layout's shape of such a tensor is
 * [out, the rest], which is what Li et al.'s filter normalization (landscape/directions.ts)
 * rescales row by row.
 *
 * The output layer's softmax is taken off (the model is rebuilt with a linear output): the loss
 * is computed from the logits on the host in float64 (losses.ts), as for the MLPs, and its
 * ∂L/∂z goes back through the graph as a vector–Jacobian product, so one forward and one
 * backward pass give L and ∇L. Dropout layers run in evaluation mode (the identity): LossLab
 * trains the model's weights, not its dropout.
 */
import type * as TfModule from '@tensorflow/tfjs';
import type { ModelSpec } from '../../../common/network';
import type { ParamLayout, ParamTensor } from '../layout';
import { lossFromLogits, type LossKind, type LossValue } from '../losses';
import type { DeviceBatch, StepValue, Tf } from '../mlp';
import { ensureGradientKernels } from './kernels';
import type { ModelFile } from './load';
import { ModelFileError } from './topology';

type Json = Record<string, unknown>;

/** One trainable weight of the model and where it sits in θ. */
export interface LayersParam {
  /** The weight's name in the file ("conv2d_1/kernel"). */
  name: string;
  /** Its shape in the file (Keras's layout). */
  kerasShape: number[];
  /** Its shape in θ (PyTorch's layout). */
  torchShape: number[];
  offset: number;
  size: number;
}

/** Per-example cost of the model's forward pass, for the lab's budgets (see budget.ts). */
export interface LayersCost {
  flopsPerExample: number;
  floatsPerExample: number;
}

/** The topology with the output layer's softmax made linear, for tfjs to build the logits model. */
function withLinearOutput(topology: unknown, outputLayer: number): unknown {
  const copy = JSON.parse(JSON.stringify(topology)) as Json;
  const model = (copy.model_config ?? copy) as Json;
  const config = model.config as Json | unknown[];
  const layers = (Array.isArray(config) ? config : (config as Json).layers) as Json[];
  const layer = layers[outputLayer].config as Json;
  if (layer.activation === 'softmax') layer.activation = 'linear';
  return copy;
}

/** θ's entries (PyTorch layout) from a weight's values in Keras layout, and back. */
export function kerasToTorch(
  src: ArrayLike<number>,
  shape: readonly number[],
  dst: Float64Array | Float32Array,
  at: number,
): void {
  if (shape.length === 2) {
    const [I, O] = shape;
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) dst[at + o * I + i] = src[i * O + o];
  } else if (shape.length === 4) {
    const [H, W, C, O] = shape;
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++)
          for (let o = 0; o < O; o++)
            dst[at + ((o * C + c) * H + h) * W + w] = src[((h * W + w) * C + c) * O + o];
  } else {
    for (let i = 0; i < src.length; i++) dst[at + i] = src[i];
  }
}

export function torchToKeras(
  src: ArrayLike<number>,
  at: number,
  shape: readonly number[],
  dst: Float32Array,
): void {
  if (shape.length === 2) {
    const [I, O] = shape;
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) dst[i * O + o] = src[at + o * I + i];
  } else if (shape.length === 4) {
    const [H, W, C, O] = shape;
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++)
          for (let o = 0; o < O; o++)
            dst[((h * W + w) * C + c) * O + o] = src[at + ((o * C + c) * H + h) * W + w];
  } else {
    for (let i = 0; i < dst.length; i++) dst[i] = src[at + i];
  }
}

export class LayersNet {
  readonly layout: ParamLayout;
  readonly params: LayersParam[];
  /** θ as the file holds it. Do not modify. */
  readonly theta: Float64Array;
  readonly cost: LayersCost;
  /** The model's trainable variables, in θ's order. */
  private readonly variables: TfModule.Variable[];
  /** Each weight in Keras layout, float32, staged from θ. */
  private readonly staged: Float32Array[];
  private disposed = false;

  private constructor(
    readonly tf: Tf,
    readonly file: ModelFile,
    readonly model: TfModule.LayersModel,
  ) {
    const weights = model.trainableWeights;
    this.variables = weights.map((w) => w.read() as TfModule.Variable);
    const tensors: ParamTensor[] = [];
    const params: LayersParam[] = [];
    let offset = 0;
    for (const w of weights) {
      const kerasShape = [...w.shape] as number[];
      const size = kerasShape.reduce((a, b) => a * b, 1);
      const torchShape =
        kerasShape.length === 2
          ? [kerasShape[1], kerasShape[0]]
          : kerasShape.length === 4
            ? [kerasShape[3], kerasShape[2], kerasShape[0], kerasShape[1]]
            : kerasShape;
      const isBias = kerasShape.length === 1;
      params.push({ name: w.originalName ?? w.name, kerasShape, torchShape, offset, size });
      tensors.push({
        name: w.originalName ?? w.name,
        kind: isBias ? 'bias' : 'weight',
        layer: params.length - 1,
        offset,
        // [out, the rest]: one row per unit or filter (see filterNormalize).
        shape: isBias ? [size] : [torchShape[0], size / torchShape[0]],
        size,
      });
      offset += size;
    }
    this.params = params;
    this.staged = params.map((p) => new Float32Array(p.size));
    this.theta = new Float64Array(offset);
    weights.forEach((w, k) => {
      const values = w.read().dataSync();
      kerasToTorch(values, params[k].kerasShape, this.theta, params[k].offset);
    });
    const { inputSize, outputUnits } = file.topology;
    this.cost = costOf(model);
    this.layout = {
      inputDim: inputSize,
      outputDim: outputUnits,
      tensors,
      layers: [],
      size: offset,
      cost: this.cost,
    };
  }

  /** Builds the model from a file read by readModel (with a linear output: the logits). */
  static async build(tf: Tf, file: ModelFile): Promise<LayersNet> {
    ensureGradientKernels(tf);
    const last = [...file.topology.layers].reverse().find((l) => l.activation !== undefined);
    const artifacts = {
      ...file.artifacts,
      modelTopology: withLinearOutput(file.artifacts.modelTopology, last!.index) as Json,
    };
    let model: TfModule.LayersModel;
    try {
      model = await tf.loadLayersModel(tf.io.fromMemory(artifacts), { strict: true });
    } catch (err) {
      throw new ModelFileError(
        'model.json',
        `tfjs could not build the model: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      model.dispose();
      throw new ModelFileError('model.json', 'LossLab opens models of one input and one output');
    }
    if (model.nonTrainableWeights.length > 0) {
      const w = model.nonTrainableWeights[0];
      model.dispose();
      throw new ModelFileError(
        'model.json',
        `the weight '${w.originalName ?? w.name}' is frozen (not trainable): LossLab trains every weight of a model`,
      );
    }
    return new LayersNet(tf, file, model);
  }

  /** The shape one example has for the model (the file's input shape). */
  get inputShape(): number[] {
    return this.file.topology.inputShape;
  }

  /** θ into the model's variables (float32, Keras layout). */
  stage(theta: ArrayLike<number>): void {
    this.checkAlive();
    this.params.forEach((p, k) => {
      torchToKeras(theta, p.offset, p.kerasShape, this.staged[k]);
      const t = this.tf.tensor(this.staged[k], p.kerasShape);
      this.variables[k].assign(t);
      t.dispose();
    });
  }

  /** The logits at θ for inputs x (n × inputDim rows, standardized), evaluation mode. */
  logits(theta: ArrayLike<number>, x: TfModule.Tensor2D): Float32Array {
    this.stage(theta);
    let z: Float32Array = new Float32Array(0);
    this.tf.tidy(() => {
      z = (
        this.model.apply(this.shaped(x), { training: false }) as TfModule.Tensor
      ).dataSync() as Float32Array;
    });
    return z;
  }

  private shaped(x: TfModule.Tensor2D): TfModule.Tensor {
    return this.tf.reshape(x, [x.shape[0], ...this.inputShape]);
  }

  /** Loss and correct count at θ on a batch (evaluation mode). */
  evaluate(theta: ArrayLike<number>, batch: DeviceBatch, loss: LossKind): LossValue {
    const z = this.logits(theta, batch.x);
    return lossFromLogits(loss, z, batch.y, this.layout.outputDim, batch.n);
  }

  /**
   * L(θ) and ∇L(θ) into `grad` (θ's layout) on a batch: the logits forward, the loss and
   * δ = ∂L/∂z on the host, then ∇L = Jᵀδ as the gradient of Σ z ⊙ δ (δ held constant).
   */
  lossAndGrad(
    theta: ArrayLike<number>,
    batch: DeviceBatch,
    grad: Float64Array,
    loss: LossKind,
  ): StepValue {
    this.stage(theta);
    const tf = this.tf;
    const classes = this.layout.outputDim;
    const delta = new Float32Array(batch.n * classes);
    let value: LossValue = { loss: NaN, correct: 0 };
    let finite = false;
    tf.tidy(() => {
      const x = this.shaped(batch.x);
      const { grads } = tf.variableGrads(() => {
        const z = this.model.apply(x, { training: false }) as TfModule.Tensor2D;
        value = lossFromLogits(
          loss,
          z.dataSync() as Float32Array,
          batch.y,
          classes,
          batch.n,
          delta,
        );
        return tf.sum(tf.mul(z, tf.tensor2d(delta, [batch.n, classes])));
      }, this.variables);
      if (!Number.isFinite(value.loss)) return;
      finite = true;
      this.variables.forEach((v, k) => {
        kerasToTorch(
          grads[v.name].dataSync(),
          this.params[k].kerasShape,
          grad,
          this.params[k].offset,
        );
      });
    });
    if (!finite) return { ...value, gradNorm: NaN, finite: false };
    let gg = 0;
    for (let i = 0; i < grad.length; i++) gg += grad[i] * grad[i];
    const norm = Math.sqrt(gg);
    return { ...value, gradNorm: norm, finite: Number.isFinite(norm) };
  }

  /**
   * H v by central differences of exact gradients: (∇L(θ + εv̂) − ∇L(θ − εv̂)) / (2ε) · ‖v‖,
   * with v̂ = v/‖v‖ and ε = `step` · max(1, ‖θ‖/√P) (P parameters: a typical entry's size).
   *
   * Error: the difference quotient is exact for a quadratic; otherwise it is off by
   * (ε²/6)·‖∇³L[v̂, v̂, v̂]‖ (the third derivative along v̂), plus the gradients' float32
   * rounding, at most about 2·u·‖∇L‖_∞·(pass depth)/(2ε) per entry (u = 6e-8). With the default
   * ε = 1e-2 (relative) these balance for losses whose curvature changes over a scale of ~1 in
   * θ: the product is good to about 1e-4 of ‖H‖ (measured against the exact R-operator on the
   * MLP mapping, see the tests). ReLU's kinks make the Hessian itself a limit: a kink within ε
   * shows up as a jump, as it would in any finite-difference method.
   */
  hessianVector(
    theta: ArrayLike<number>,
    v: ArrayLike<number>,
    batch: DeviceBatch,
    loss: LossKind,
    out: Float64Array,
    step = 1e-2,
  ): void {
    const p = this.layout.size;
    let vv = 0;
    let tt = 0;
    for (let i = 0; i < p; i++) {
      vv += v[i] * v[i];
      tt += theta[i] * theta[i];
    }
    const vn = Math.sqrt(vv);
    if (vn === 0) {
      out.fill(0);
      return;
    }
    const eps = step * Math.max(1, Math.sqrt(tt / p));
    const plus = new Float64Array(p);
    const minus = new Float64Array(p);
    const at = new Float64Array(p);
    for (let i = 0; i < p; i++) at[i] = theta[i] + (eps * v[i]) / vn;
    this.lossAndGrad(at, batch, plus, loss);
    for (let i = 0; i < p; i++) at[i] = theta[i] - (eps * v[i]) / vn;
    this.lossAndGrad(at, batch, minus, loss);
    for (let i = 0; i < p; i++) out[i] = ((plus[i] - minus[i]) / (2 * eps)) * vn;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this model was disposed');
  }
}

/** Multiply-adds ×2 and floats kept per example, layer by layer, from the built model. */
function costOf(model: TfModule.LayersModel): LayersCost {
  let flops = 0;
  let floats = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape as (number | null)[];
    const outSize = out.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
    floats += outSize;
    const params = layer.countParams();
    const cls = layer.getClassName();
    if (cls === 'Dense') {
      flops += 2 * params * (outSize / (layer.getConfig() as { units: number }).units);
    } else if (cls === 'Conv2D') {
      const filters = (layer.getConfig() as { filters: number }).filters;
      // Each output position of each filter: kh·kw·in multiply-adds (+ the bias).
      flops += 2 * (outSize / filters) * params;
    } else {
      flops += outSize * 4;
    }
  }
  return { flopsPerExample: flops, floatsPerExample: floats };
}

/**
 * A Dense-only chain with one hidden activation and equal hidden widths is exactly one of
 * LossLab's MLPs: its model SPEC (depth, width, activation; dropout when every hidden layer is
 * followed by a Dropout of one rate) and θ, in the MLP's own layout (the same as LayersNet's).
 * Undefined otherwise.
 */
export function mlpOf(
  file: ModelFile,
): Pick<ModelSpec, 'depth' | 'width' | 'activation' | 'dropout'> | undefined {
  const layers = file.topology.layers.filter((l) => l.className !== 'InputLayer');
  const dense = layers.filter((l) => l.className === 'Dense');
  if (dense.length < 2) return undefined;
  if (layers.some((l) => l.className !== 'Dense' && l.className !== 'Dropout')) return undefined;
  if (dense.some((l) => l.config.use_bias === false)) return undefined;
  if (file.topology.inputShape.length !== 1) return undefined;
  const hidden = dense.slice(0, -1);
  const activation = hidden[0].activation ?? 'linear';
  if (!['relu', 'tanh', 'sigmoid', 'linear'].includes(activation)) return undefined;
  if (hidden.some((l) => (l.activation ?? 'linear') !== activation || l.units !== hidden[0].units))
    return undefined;
  // Dropout: none, or one rate after every hidden layer (LossLab's MLP drops each hidden layer's output).
  const drops = layers.filter((l) => l.className === 'Dropout');
  let dropout = 0;
  if (drops.length > 0) {
    const rate = drops[0].rate ?? 0;
    const afterEach = hidden.every((h) => {
      const next = layers[layers.indexOf(h) + 1];
      return next?.className === 'Dropout' && next.rate === rate;
    });
    if (!afterEach || drops.length !== hidden.length || rate > 0.95) return undefined;
    dropout = rate;
  }
  return {
    depth: hidden.length,
    width: hidden[0].units!,
    activation: activation as ModelSpec['activation'],
    dropout,
  };
}
