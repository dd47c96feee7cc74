/**
 * An MLP's parameters as ONE flat vector θ, with a table saying where each tensor lives. The
 * optimizers, landscapes and Hessians all work on θ as a plain Float64Array; only the network
 * code knows that θ[offset … offset + out·in) is a weight matrix.
 *
 * Layout, layer after layer as torch.nn.Linear keeps them (so a PyTorch model's
 * `parameters_to_vector` is the same vector): W_l, shape [out, in], row i holding the weights
 * into output neuron i (Li et al.'s "filter"); then b_l, shape [out].
 */
import type { ActivationName, ModelSpec } from '../../common/network';
import { Rng, streams } from '../datasets/random';

export interface ParamTensor {
  /** `W1`, `b1`, … `W3`, `b3`: 1-based like the lecture; the last pair is the output layer. */
  name: string;
  kind: 'weight' | 'bias';
  /** 0-based affine layer: 0 … depth − 1 hidden, depth the output layer. */
  layer: number;
  offset: number;
  /** [out, in] for a weight, [out] for a bias. */
  shape: number[];
  size: number;
}

export interface LayerInfo {
  index: number;
  fanIn: number;
  fanOut: number;
  weight: ParamTensor;
  bias: ParamTensor;
  /** The hidden activation, or `output` for the last layer (softmax / identity). */
  activation: ActivationName | 'output';
  /** h ← h + act(W h + b): only for hidden layers with fanIn = fanOut when asked for. */
  residual: boolean;
}

export interface ParamLayout {
  inputDim: number;
  outputDim: number;
  tensors: ParamTensor[];
  layers: LayerInfo[];
  /** Length of θ. */
  size: number;
  /**
   * What one example's pass costs, for a network that is not an MLP of `layers` (an imported
   * model, see layers/layers-net.ts, whose `layers` is empty): budget.ts uses it instead.
   */
  cost?: { flopsPerExample: number; floatsPerExample: number };
}

export function buildLayout(
  inputDim: number,
  outputDim: number,
  spec: Pick<ModelSpec, 'depth' | 'width' | 'activation' | 'residual'>,
): ParamLayout {
  const tensors: ParamTensor[] = [];
  const layers: LayerInfo[] = [];
  let offset = 0;
  const widths = [inputDim, ...Array<number>(spec.depth).fill(spec.width), outputDim];
  for (let l = 0; l <= spec.depth; l++) {
    const [fanIn, fanOut] = [widths[l], widths[l + 1]];
    const weight: ParamTensor = {
      name: `W${l + 1}`,
      kind: 'weight',
      layer: l,
      offset,
      shape: [fanOut, fanIn],
      size: fanOut * fanIn,
    };
    offset += weight.size;
    const bias: ParamTensor = {
      name: `b${l + 1}`,
      kind: 'bias',
      layer: l,
      offset,
      shape: [fanOut],
      size: fanOut,
    };
    offset += bias.size;
    tensors.push(weight, bias);
    const hidden = l < spec.depth;
    layers.push({
      index: l,
      fanIn,
      fanOut,
      weight,
      bias,
      activation: hidden ? spec.activation : 'output',
      residual: hidden && spec.residual && fanIn === fanOut,
    });
  }
  return { inputDim, outputDim, tensors, layers, size: offset };
}

/**
 * θ₀ from the model seed alone, so every run of a comparison starts from the same point.
 * Weights ~ N(0, s²) with He's s = √(2 / fan_in) for ReLU layers and Glorot's
 * s = √(2 / (fan_in + fan_out)) otherwise (and for the output layer); biases 0.
 *
 * A residual branch's weights are scaled by 1/√R (R residual layers): each block then adds
 * variance ~ Var(h)/R instead of Var(h), so a 20-block ReLU stack starts with activations
 * ~e times the input's rather than 2²⁰ times.
 */
export function initialTheta(
  layout: ParamLayout,
  spec: Pick<ModelSpec, 'activation' | 'init' | 'seed'>,
): Float64Array {
  const theta = new Float64Array(layout.size);
  const rng = new Rng(spec.seed, streams.weights);
  const residualLayers = layout.layers.filter((l) => l.residual).length;
  for (const layer of layout.layers) {
    const hidden = layer.activation !== 'output';
    const he =
      hidden && (spec.init === 'he' || (spec.init === 'auto' && spec.activation === 'relu'));
    let s = he ? Math.sqrt(2 / layer.fanIn) : Math.sqrt(2 / (layer.fanIn + layer.fanOut));
    if (layer.residual) s /= Math.sqrt(residualLayers);
    const { offset, size } = layer.weight;
    for (let i = 0; i < size; i++) theta[offset + i] = s * rng.normal();
  }
  return theta;
}

/** True for the entries of θ that are weights (not biases): what the L2 penalty covers. */
export function weightMask(layout: ParamLayout): Uint8Array {
  const mask = new Uint8Array(layout.size);
  for (const t of layout.tensors)
    if (t.kind === 'weight') mask.fill(1, t.offset, t.offset + t.size);
  return mask;
}
