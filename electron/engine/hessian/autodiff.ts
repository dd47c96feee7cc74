/**
 * Hessian-vector products by double backpropagation: H v = ∇_θ (∇_θ L(θ) · v), with tf.grad
 * twice over a loss written in ordinary tfjs ops — the generic path (any tfjs-expressible
 * model could go through it) and the independent cross-check of the hand-written R-operator
 * (rop.ts).
 *
 * The loss is the function of hessian-model.ts, built from tfjs's own matMul, add, mul, slice,
 * reshape (whose gradients differentiate twice correctly) and the custom activations of
 * activations.ts (tanh, sigmoid, softplus, and exp / log-sum-exp for the softmax losses), whose
 * gradients are written so that they differentiate again: tfjs's stock tanh, sigmoid and exp get
 * their second derivatives wrong (tfjs issue 3252, see activations.ts). `ops: 'stock'` builds
 * the same loss on the stock ops, only to show that.
 *
 * Slower than the R-operator (the matMul gradients use tfjs's transpose flags, which wasm runs
 * off XNNPACK, and the first backward pass is rebuilt for every product); fine for a check.
 */
import type * as TfModule from '@tensorflow/tfjs';
import { FieldError } from '../core/errors';
import type { Tf } from '../network/mlp';
import { hessianOps } from './activations';
import {
  checkModel,
  hessianLayers,
  parameterCount,
  type HessianData,
  type HessianModel,
} from './hessian-model';

type Tensor = TfModule.Tensor;
type Tensor1D = TfModule.Tensor1D;
type Tensor2D = TfModule.Tensor2D;

export interface AutodiffOptions {
  /** `custom` (default): activations.ts's ops; `stock`: tfjs's tanh/sigmoid/exp (wrong H). */
  ops?: 'custom' | 'stock';
}

/**
 * L as a tfjs function of a flat θ (LossLab's layout, a 1-D tensor) on examples already on the
 * device: x (n × sizes[0]) and the targets t (n × K: one-hot classes or target values).
 */
export function networkLoss(
  tf: Tf,
  model: HessianModel,
  x: Tensor2D,
  t: Tensor2D,
  options: AutodiffOptions = {},
): (theta: Tensor1D) => TfModule.Scalar {
  const layers = hessianLayers(model);
  const custom = hessianOps(tf);
  const stock = options.ops === 'stock';
  const act = (u: Tensor2D): Tensor2D => {
    switch (model.activation) {
      case 'relu':
        return tf.relu(u);
      case 'tanh':
        return stock ? tf.tanh(u) : custom.tanh(u);
      case 'sigmoid':
        return stock ? tf.sigmoid(u) : custom.sigmoid(u);
      case 'softplus':
        return stock ? tf.softplus(u) : custom.softplus(u);
      case 'linear':
        return u;
    }
  };
  // tf.logSumExp's own gradient goes through max's (Equal has no gradient): log Σ exp instead.
  const logSumExp = (z: Tensor2D) => (stock ? tf.log(tf.sum(tf.exp(z), 1)) : custom.logSumExp(z));
  const exp = <T extends Tensor>(z: T) => (stock ? tf.exp(z) : custom.exp(z));
  const n = x.shape[0];
  return (theta) => {
    let h = x;
    let penalty: TfModule.Scalar = tf.scalar(0);
    let z: Tensor2D | undefined;
    for (const l of layers) {
      const w = tf.reshape(tf.slice(theta, l.weightOffset, l.fanIn * l.fanOut), [
        l.fanOut,
        l.fanIn,
      ]) as Tensor2D;
      const b = tf.slice(theta, l.biasOffset, l.fanOut);
      if (model.l2 !== 0) penalty = tf.add(penalty, tf.sum(tf.square(w)));
      const u = tf.add(tf.matMul(h, w, false, true), b) as Tensor2D;
      if (!l.hidden) {
        z = u;
        break;
      }
      const g = act(u);
      h = l.residual ? tf.add(g, h) : g;
    }
    let total: TfModule.Scalar;
    switch (model.loss) {
      case 'crossEntropy':
        total = tf.sum(tf.sub(logSumExp(z!), tf.sum(tf.mul(z!, t), 1)));
        break;
      case 'softmaxMse': {
        const p = exp(tf.sub(z!, tf.reshape(logSumExp(z!), [n, 1])));
        total = tf.sum(tf.square(tf.sub(p, t)));
        break;
      }
      case 'sumSquared':
        total = tf.sum(tf.square(tf.sub(z!, t)));
        break;
    }
    return tf.add(tf.div(total, n), tf.mul(penalty, model.l2 / 2));
  };
}

/** The targets as the loss takes them: one-hot rows for the class losses, y itself else. */
function targets(tf: Tf, model: HessianModel, data: HessianData): Tensor2D {
  const k = model.sizes[model.sizes.length - 1];
  if (model.loss === 'sumSquared') return tf.tensor2d(data.y, [data.n, k]);
  const onehot = new Float32Array(data.n * k);
  for (let i = 0; i < data.n; i++) onehot[i * k + data.y[i]] = 1;
  return tf.tensor2d(onehot, [data.n, k]);
}

/** H v = ∇_θ(∇_θ L · v) at θ, by tf.grad twice (float32; returned as float64). */
export function autodiffHvp(
  tf: Tf,
  model: HessianModel,
  theta: Float64Array,
  data: HessianData,
  v: Float64Array,
  options: AutodiffOptions = {},
): Float64Array {
  checkModel(model, data, theta);
  const p = parameterCount(model);
  if (v.length !== p) throw new FieldError('v', `expected ${p} numbers, got ${v.length}`, 'model');
  let out = new Float64Array(0);
  tf.tidy(() => {
    const x = tf.tensor2d(data.x, [data.n, model.sizes[0]]);
    const loss = networkLoss(tf, model, x, targets(tf, model, data), options);
    const direction = tf.tensor1d(Float32Array.from(v));
    const gradient = tf.grad((t: Tensor) => loss(t as Tensor1D));
    const hv = tf.grad((t: Tensor) => tf.sum(tf.mul(gradient(t), direction)))(
      tf.tensor1d(Float32Array.from(theta)),
    );
    out = Float64Array.from(hv.dataSync());
  });
  return out;
}

/** L and ∇L by one tf.grad (float32), for checks. */
export function autodiffGradient(
  tf: Tf,
  model: HessianModel,
  theta: Float64Array,
  data: HessianData,
  options: AutodiffOptions = {},
): { loss: number; gradient: Float64Array } {
  checkModel(model, data, theta);
  let result = { loss: NaN, gradient: new Float64Array(0) };
  tf.tidy(() => {
    const x = tf.tensor2d(data.x, [data.n, model.sizes[0]]);
    const loss = networkLoss(tf, model, x, targets(tf, model, data), options);
    const { value, grad } = tf.valueAndGrad((t: Tensor) => loss(t as Tensor1D))(
      tf.tensor1d(Float32Array.from(theta)),
    );
    result = { loss: value.dataSync()[0], gradient: Float64Array.from(grad.dataSync()) };
  });
  return result;
}
