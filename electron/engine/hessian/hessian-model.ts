/**
 * What a Hessian is taken of: an MLP (layer sizes, activation, loss, residual connections, L2)
 * at a flat θ in LossLab's layout, on a set of examples — and the converters that make one from
 * the PyTorch reference file (test/fixtures/hessian.json) and from a network problem of the
 * network lab.
 *
 * The function, with H_0 = X (n × sizes[0], one row per example) and D = sizes.length − 2:
 *
 *   U_l = H_l W_lᵀ + 1 b_lᵀ,   H_{l+1} = act(U_l)  (+ H_l when residual and fanIn = fanOut)
 *   Z   = H_D W_Dᵀ + 1 b_Dᵀ     (n × K logits, no activation after the last layer)
 *   L(θ) = (1/n) Σ_i ℓ(z_i, y_i) + (λ/2) Σ_l ‖W_l‖²       (biases are not penalized)
 *
 * with ℓ one of
 *   crossEntropy   −log softmax(z)_y                       (LossLab's `crossEntropy`)
 *   softmaxMse     Σ_k (softmax(z)_k − [k = y])²           (LossLab's classification `mse`)
 *   sumSquared     Σ_k (z_k − y_k)²                        (the reference file's `mse`; for one
 *                                                           output, LossLab's `regression`,
 *                                                           torch's MSELoss)
 *
 * θ is LossLab's (and torch.nn.Linear's) layout: layer after layer, W_l as [out, in] row-major
 * (row o = the weights into unit o), then b_l [out]. The reference file stores W_l as [in, out]
 * (h ← h·W + b); `referenceOrder` is the permutation between the two.
 */
import type { ModelSpecInput } from '../../common/network';
import { FieldError } from '../core/errors';
import type { SplitName } from '../datasets';
import type { NetworkProblem } from '../network/problem';

export const hessianActivations = ['relu', 'tanh', 'sigmoid', 'softplus', 'linear'] as const;
export type HessianActivation = (typeof hessianActivations)[number];
export const hessianLosses = ['crossEntropy', 'softmaxMse', 'sumSquared'] as const;
export type HessianLoss = (typeof hessianLosses)[number];

export interface HessianModel {
  /** Units per layer, input first: [inputDim, hidden…, outputs]. */
  sizes: number[];
  activation: HessianActivation;
  loss: HessianLoss;
  /** h ← h + act(W h + b) for hidden layers whose fanIn equals their fanOut. */
  residual: boolean;
  /** λ of (λ/2)·Σ‖W‖² (weights only). */
  l2: number;
}

/** The examples: x n × sizes[0] row-major; y class indices (n) or targets (n × K). */
export interface HessianData {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** One affine layer of a HessianModel and where its parameters sit in θ. */
export interface HessianLayer {
  index: number;
  fanIn: number;
  fanOut: number;
  /** W_l (fanOut × fanIn, row-major) starts here… */
  weightOffset: number;
  /** …and b_l (fanOut) here, right after it. */
  biasOffset: number;
  /** False for the output layer (no activation). */
  hidden: boolean;
  residual: boolean;
}

/** The layers of a model, with their offsets in θ. */
export function hessianLayers(model: HessianModel): HessianLayer[] {
  const layers: HessianLayer[] = [];
  let offset = 0;
  const last = model.sizes.length - 2;
  for (let l = 0; l <= last; l++) {
    const fanIn = model.sizes[l];
    const fanOut = model.sizes[l + 1];
    const hidden = l < last;
    layers.push({
      index: l,
      fanIn,
      fanOut,
      weightOffset: offset,
      biasOffset: offset + fanIn * fanOut,
      hidden,
      residual: hidden && model.residual && fanIn === fanOut,
    });
    offset += (fanIn + 1) * fanOut;
  }
  return layers;
}

/** Length of θ. */
export function parameterCount(model: HessianModel): number {
  let p = 0;
  for (let l = 0; l + 1 < model.sizes.length; l++) p += (model.sizes[l] + 1) * model.sizes[l + 1];
  return p;
}

/** Outputs per example of the targets array y: 1 (a class index) or K (targets). */
export function targetWidth(model: HessianModel): number {
  return model.loss === 'sumSquared' ? model.sizes[model.sizes.length - 1] : 1;
}

/** Most units in a layer and most layers: the "absurd input" guard. */
const MAX_UNITS = 4096;
const MAX_LAYERS = 64;

/**
 * Refuses a model that is not one (FieldError naming `sizes`, `activation`, `loss`, `l2`),
 * and data that does not fit it (`data.x`, `data.y`, `theta` when given).
 */
export function checkModel(
  model: HessianModel,
  data?: HessianData,
  theta?: ArrayLike<number>,
): void {
  const { sizes } = model;
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.length > MAX_LAYERS + 1) {
    throw refusal('sizes', `expected 2 to ${MAX_LAYERS + 1} layer sizes`);
  }
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1 || s > MAX_UNITS) {
      throw refusal(`sizes[${i}]`, `expected an integer from 1 to ${MAX_UNITS}, got ${s}`);
    }
  });
  if (!hessianActivations.includes(model.activation)) {
    throw refusal('activation', `expected one of ${hessianActivations.join(', ')}`);
  }
  if (!hessianLosses.includes(model.loss)) {
    throw refusal('loss', `expected one of ${hessianLosses.join(', ')}`);
  }
  const outputs = sizes[sizes.length - 1];
  if (model.loss !== 'sumSquared' && outputs < 2) {
    throw refusal(`sizes[${sizes.length - 1}]`, 'a classification loss needs at least 2 outputs');
  }
  if (!(Number.isFinite(model.l2) && model.l2 >= 0)) {
    throw refusal('l2', 'must be a finite number ≥ 0');
  }
  if (typeof model.residual !== 'boolean') throw refusal('residual', 'must be true or false');
  if (theta !== undefined) {
    const p = parameterCount(model);
    if (theta.length !== p) throw refusal('theta', `expected ${p} parameters, got ${theta.length}`);
    for (let i = 0; i < theta.length; i++) {
      if (!Number.isFinite(theta[i])) throw refusal(`theta[${i}]`, 'must be finite');
    }
  }
  if (data === undefined) return;
  const { n, x, y } = data;
  if (!Number.isInteger(n) || n < 1) throw refusal('data.n', `expected at least 1 example`);
  if (x.length !== n * sizes[0]) {
    throw refusal('data.x', `expected ${n} × ${sizes[0]} inputs, got ${x.length} numbers`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw refusal(`data.x[${i}]`, 'must be finite');
  }
  const width = targetWidth(model);
  if (y.length !== n * width) {
    throw refusal(
      'data.y',
      width === 1 && model.loss !== 'sumSquared'
        ? `expected ${n} class indices, got ${y.length}`
        : `expected ${n} × ${width} targets, got ${y.length} numbers`,
    );
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (model.loss === 'sumSquared') {
      if (!Number.isFinite(v)) throw refusal(`data.y[${i}]`, 'must be finite');
    } else if (!Number.isInteger(v) || v < 0 || v >= outputs) {
      throw refusal(`data.y[${i}]`, `expected a class index from 0 to ${outputs - 1}, got ${v}`);
    }
  }
}

function refusal(field: string, reason: string): FieldError {
  return new FieldError(field, reason, 'model');
}

// ---------------------------------------------------------------------------------------------
// The PyTorch reference file

/** The reference file's spec (cases[i].spec of test/fixtures/hessian.json). */
export interface ReferenceSpec {
  model: { sizes: number[]; activation: string; loss: 'mse' | 'ce' };
  /** W: in × out (h ← act(h·W + b)), b: out. */
  layers: { W: number[][]; b: number[] }[];
  /** x: n × in; y: n class indices (ce) or n × out targets (mse). */
  data: { x: number[][]; y: number[] | number[][] };
}

export interface ConvertedModel extends HessianData {
  model: HessianModel;
  theta: Float64Array;
}

/**
 * A reference spec as a HessianModel, θ (W transposed into LossLab's out × in), and its data.
 * `ce` is crossEntropy, `mse` sumSquared (torch's mean over examples of the squared error
 * summed over outputs); no residual connections, no L2. Refuses a malformed spec with a
 * FieldError naming the field (`layers[1].W: expected 4 × 1, got 4 × 2`).
 */
export function fromReferenceSpec(spec: unknown): ConvertedModel {
  const s = object(spec, 'spec');
  const m = object(s.model, 'model');
  const sizes = m.sizes;
  if (!Array.isArray(sizes)) throw refusal('model.sizes', 'expected an array of layer sizes');
  const loss = m.loss === 'ce' ? 'crossEntropy' : m.loss === 'mse' ? 'sumSquared' : undefined;
  if (!loss) throw refusal('model.loss', `expected "mse" or "ce", got ${JSON.stringify(m.loss)}`);
  const model: HessianModel = {
    sizes: sizes as number[],
    activation: m.activation as HessianActivation,
    loss,
    residual: false,
    l2: 0,
  };
  try {
    checkModel(model);
  } catch (err) {
    if (err instanceof FieldError && err.field) throw refusal(`model.${err.field}`, err.reason);
    throw err;
  }

  const layers = s.layers;
  const depth = model.sizes.length - 1;
  if (!Array.isArray(layers) || layers.length !== depth) {
    throw refusal('layers', `expected ${depth} layers, got ${describeLength(layers)}`);
  }
  const theta = new Float64Array(parameterCount(model));
  for (const layer of hessianLayers(model)) {
    const at = `layers[${layer.index}]`;
    const entry = object(layers[layer.index], at);
    const w = matrix(entry.W, `${at}.W`, layer.fanIn, layer.fanOut);
    const b = vector(entry.b, `${at}.b`, layer.fanOut);
    // Reference W[j][o] (in × out) → LossLab W[o][j] (out × in).
    for (let o = 0; o < layer.fanOut; o++) {
      for (let j = 0; j < layer.fanIn; j++) {
        theta[layer.weightOffset + o * layer.fanIn + j] = w[j][o];
      }
      theta[layer.biasOffset + o] = b[o];
    }
  }

  const data = object(s.data, 'data');
  if (!Array.isArray(data.x) || data.x.length < 1) {
    throw refusal('data.x', 'expected a non-empty array of examples');
  }
  const n = data.x.length;
  const rows = matrix(data.x, 'data.x', n, model.sizes[0]);
  const x = new Float32Array(n * model.sizes[0]);
  rows.forEach((row, i) => x.set(row, i * model.sizes[0]));
  const outputs = model.sizes[depth];
  let y: Float32Array;
  if (loss === 'crossEntropy') {
    const labels = vector(data.y, 'data.y', n);
    labels.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= outputs) {
        throw refusal(`data.y[${i}]`, `expected a class index from 0 to ${outputs - 1}, got ${v}`);
      }
    });
    y = Float32Array.from(labels);
  } else {
    const targets = matrix(data.y, 'data.y', n, outputs);
    y = new Float32Array(n * outputs);
    targets.forEach((row, i) => y.set(row, i * outputs));
  }
  return { model, theta, x, y, n };
}

/**
 * The index map between LossLab's θ and the reference's flattening (per layer W as in × out
 * row-major, then b): LossLab entry k is reference entry `order[k]`, so `ref[order[k]] = θ[k]`
 * (a reference gradient or eigenvector v_ref becomes v[k] = v_ref[order[k]]). Each layer keeps
 * its block [offset, offset + (in+1)·out) in both; within it, W[o][j] at o·in + j is the
 * reference's W[j][o] at j·out + o, and the biases are in the same place.
 */
export function referenceOrder(model: HessianModel): Int32Array {
  const order = new Int32Array(parameterCount(model));
  for (const layer of hessianLayers(model)) {
    const { fanIn, fanOut, weightOffset: w, biasOffset: b } = layer;
    for (let o = 0; o < fanOut; o++) {
      for (let j = 0; j < fanIn; j++) order[w + o * fanIn + j] = w + j * fanOut + o;
      order[b + o] = b + o;
    }
  }
  return order;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw refusal(field, 'expected an object');
  }
  return v as Record<string, unknown>;
}

function describeLength(v: unknown): string {
  return Array.isArray(v) ? String(v.length) : typeof v;
}

function vector(v: unknown, field: string, length: number): number[] {
  if (!Array.isArray(v)) throw refusal(field, `expected ${length} numbers, got ${typeof v}`);
  if (v.length !== length) throw refusal(field, `expected ${length} numbers, got ${v.length}`);
  v.forEach((e, i) => {
    if (typeof e !== 'number' || !Number.isFinite(e)) {
      throw refusal(`${field}[${i}]`, 'expected a finite number');
    }
  });
  return v as number[];
}

function matrix(v: unknown, field: string, rows: number, cols: number): number[][] {
  if (!Array.isArray(v) || v.length !== rows || !v.every((r) => Array.isArray(r))) {
    throw refusal(field, `expected ${rows} × ${cols}, got ${shapeOf(v)}`);
  }
  v.forEach((row: unknown[], i) => {
    if (row.length !== cols) {
      const got = i === 0 ? `${rows} × ${row.length}` : `row ${i} of ${row.length}`;
      throw refusal(field, `expected ${rows} × ${cols}, got ${got}`);
    }
    row.forEach((e, j) => {
      if (typeof e !== 'number' || !Number.isFinite(e)) {
        throw refusal(`${field}[${i}][${j}]`, 'expected a finite number');
      }
    });
  });
  return v as number[][];
}

function shapeOf(v: unknown): string {
  if (!Array.isArray(v)) return typeof v;
  if (v.length === 0) return '0 rows';
  return Array.isArray(v[0]) ? `${v.length} × ${v[0].length}` : `${v.length} numbers`;
}

// ---------------------------------------------------------------------------------------------
// LossLab's own networks

/**
 * The HessianModel of a network problem (of `model`'s architecture on the problem's data when
 * given, see NetworkProblem.architecture) and one split of its data, standardized as the network
 * trains on it. Dropout is left out (Hessians are taken in evaluation mode); θ is the caller's
 * (a run's θ at some step: the layouts are the same).
 */
export function fromNetwork(
  problem: NetworkProblem,
  model?: ModelSpecInput,
  split: SplitName = 'train',
): HessianData & { model: HessianModel } {
  const p = model === undefined ? problem : problem.architecture(model);
  if (p.imported?.net) {
    throw refusal(
      'model',
      `${p.imported.label} runs through its own graph: this analysis takes LossLab's MLPs (its spectrum is in the critical-points lab)`,
    );
  }
  const { layout, lossKind } = p;
  const sizes = [layout.inputDim, ...layout.layers.map((l) => l.fanOut)];
  const loss: HessianLoss =
    lossKind === 'crossEntropy' ? 'crossEntropy' : lossKind === 'mse' ? 'softmaxMse' : 'sumSquared';
  const data = p.split(split);
  if (data.n === 0) throw refusal('split', `the ${split} split has no examples`);
  return {
    model: {
      sizes,
      activation: p.model.activation,
      loss,
      residual: p.model.residual,
      l2: p.model.l2,
    },
    x: data.x,
    y: data.y,
    n: data.n,
  };
}
