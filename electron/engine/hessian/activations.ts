/**
 * Activations (and the softmax's exp and log-sum-exp) whose derivatives of every order are
 * right under tfjs autodiff, for Hessians by double backpropagation.
 *
 * Why: tfjs 4.22 saves a kernel's output for its gradient as a *copy* that is not on the tape
 * (Engine.saveTensorsForBackwardMode clones it), so a gradient written in terms of the output —
 * tanh's dy·(1 − y²), sigmoid's dy·y(1 − y), exp's dy·y — is a constant to the next
 * differentiation: d²/dx² tanh(x) comes out 0 instead of −2 tanh(x)(1 − tanh²x) (tfjs issue
 * 3252; a network's Hessian-vector products through tanh were 46–181 % off). Inputs saved for a
 * gradient are on the tape, so matMul, add, mul, square, log, relu … differentiate twice
 * correctly.
 *
 * Each op here is a tf.customGrad whose gradient is written from its INPUT x with ops that are
 * themselves right — including the custom op itself, so every order works (tanh'' is computed
 * through tanh's custom gradient again). x reaches the gradient through `save`: a saved copy of
 * an input is on the tape (its Identity node comes after x's), one of an output is not.
 *
 *   tanh(x)      gradient dy ⊙ (1 − tanh(x)²)
 *   sigmoid(x)   gradient dy ⊙ σ(x)(1 − σ(x))
 *   softplus(x)  gradient dy ⊙ σ(x)
 *   exp(x)       gradient dy ⊙ exp(x)
 *   logSumExp(x) over the last axis of a 2-D x: gradient dy[:, None] ⊙ softmax(x), softmax(x) =
 *                exp(x − logSumExp(x)) with the custom exp and logSumExp.
 *
 * The ops are built once per tfjs instance (`hessianOps(tf)`).
 */
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../network/mlp';

type Tensor = TfModule.Tensor;
type Tensor2D = TfModule.Tensor2D;

export interface HessianOps {
  tanh<T extends Tensor>(x: T): T;
  sigmoid<T extends Tensor>(x: T): T;
  softplus<T extends Tensor>(x: T): T;
  exp<T extends Tensor>(x: T): T;
  /** log Σ_j e^{x_ij} over the last axis of an n × K matrix: n values. */
  logSumExp(x: Tensor2D): TfModule.Tensor1D;
}

const built = new WeakMap<Tf, HessianOps>();

/** The twice- (any-times-) differentiable ops for this tfjs instance. */
export function hessianOps(tf: Tf): HessianOps {
  let ops = built.get(tf);
  if (ops) return ops;
  /** An elementwise op f with f' = derivative(x) written with differentiable ops. */
  const unary = (
    forward: (x: Tensor) => Tensor,
    derivative: (x: Tensor) => Tensor,
  ): (<T extends Tensor>(x: T) => T) => {
    const op = tf.customGrad((...args) => {
      const [x, save] = args as [Tensor, TfModule.GradSaveFunc];
      save([x]);
      return {
        value: forward(x),
        gradFunc: (dy: Tensor, [saved]: Tensor[]): Tensor => tf.mul(dy, derivative(saved)),
      };
    });
    return <T extends Tensor>(x: T) => op(x) as T;
  };
  const tanh = unary(
    (x) => tf.tanh(x),
    (x) => tf.sub(1, tf.square(tanh(x))),
  );
  const sigmoid = unary(
    (x) => tf.sigmoid(x),
    (x) => {
      const s = sigmoid(x);
      return tf.mul(s, tf.sub(1, s));
    },
  );
  const softplus = unary(
    (x) => tf.softplus(x),
    (x) => sigmoid(x),
  );
  const exp = unary(
    (x) => tf.exp(x),
    (x) => exp(x),
  );
  const lse = tf.customGrad((...args) => {
    const [x, save] = args as [Tensor2D, TfModule.GradSaveFunc];
    const [n] = x.shape;
    save([x]);
    return {
      value: tf.logSumExp(x, -1),
      gradFunc: (dy: Tensor, [saved]: Tensor[]): Tensor => {
        const s = saved as Tensor2D;
        const softmax: Tensor = exp(tf.sub(s, tf.reshape(logSumExp(s), [n, 1])));
        return tf.mul(tf.reshape(dy, [n, 1]), softmax);
      },
    };
  });
  const logSumExp = (x: Tensor2D): TfModule.Tensor1D => lse(x) as TfModule.Tensor1D;
  ops = { tanh, sigmoid, softplus, exp, logSumExp };
  built.set(tf, ops);
  return ops;
}
