/**
 * What the experiments ask of the Hessian engine, in one place: the Hessian of a network's loss
 * on the training split as an operator (the R-operator's MlpHessian), its exact spectrum (P
 * Hessian-vector products into a dense matrix, then the symmetric eigensolver), its top
 * eigenpair (Lanczos, warm-started from a previous eigenvector), and its trace (Hutchinson).
 *
 * Two models are differentiated here:
 * - the network lab's own (`networkHessian`): its architecture, activation, loss and L2, so a
 *   spectrum describes exactly what the lab trains;
 * - a tanh MLP under the squared loss (`squaredModel`): Σ_k (z_k − y_k)² per example, y one-hot
 *   for classification and the target for regression, averaged over the examples (the MSE
 *   of Cohen et al., 2021), for the experiments that need a loss of their own whatever the
 *   lab's model is. Its outputs are linear: its curvature in the outputs is the constant 2I,
 *   where a softmax's saturates as the logits grow.
 */
import type { NetworkProblem, Tf } from '../../../network';
import { buildLayout, initialTheta, type ParamLayout } from '../../../network';
import { denseHessian } from '../../../hessian/dense';
import { symmetricEigen } from '../../../hessian/eigen';
import {
  fromNetwork,
  parameterCount,
  type HessianData,
  type HessianModel,
} from '../../../hessian/hessian-model';
import { lanczos } from '../../../hessian/lanczos';
import { MlpHessian } from '../../../hessian/rop';
import { hutchinsonTrace } from '../../../hessian/trace';
import type { Checkpoint, SymmetricOperator } from '../../../hessian/types';
import type { Objective } from './train';

export { MlpHessian };
export type { HessianData, HessianModel };

/**
 * The training split for the squared loss: standardized inputs, and targets n × K (one-hot
 * rows for classification, the regression targets as they are for K = 1).
 */
export function squaredData(problem: NetworkProblem): HessianData {
  const { x, y, n } = problem.dataset.train;
  const k = problem.dataset.outputDim;
  if (problem.task === 'regression') return { x, y, n };
  const targets = new Float32Array(n * k);
  for (let i = 0; i < n; i++) targets[i * k + y[i]] = 1;
  return { x, y: targets, n };
}

/** The Hessian of the network lab's loss (its model, its L2) on the training split at θ. */
export function networkHessian(tf: Tf, problem: NetworkProblem, theta: Float64Array): MlpHessian {
  const { model, ...data } = fromNetwork(problem);
  return new MlpHessian(tf, model, theta, data);
}

/**
 * A tanh MLP of `depth` hidden layers of `width` units under the squared loss, for the
 * problem's inputs and outputs. Its θ layout is the network lab's (torch's Linear order), which
 * `layout` describes; `init(seed)` draws a Glorot θ₀ as the network lab would.
 */
export function squaredModel(
  problem: NetworkProblem,
  depth: number,
  width: number,
): { model: HessianModel; layout: ParamLayout; init(seed: number): Float64Array } {
  const { inputDim, outputDim } = problem.dataset;
  const layout = buildLayout(inputDim, outputDim, {
    depth,
    width,
    activation: 'tanh',
    residual: false,
  });
  return {
    model: {
      sizes: [inputDim, ...Array<number>(depth).fill(width), outputDim],
      activation: 'tanh',
      loss: 'sumSquared',
      residual: false,
      l2: 0,
    },
    layout,
    init: (seed) => initialTheta(layout, { activation: 'tanh', init: 'glorot', seed }),
  };
}

/**
 * The loss of a Hessian model on a data set as a training objective. Evaluations go through
 * one operator's `lossAndGradientAt` (a plain forward and backward pass); `hessianAt(θ)` builds
 * the operator at θ (its forward and backward passes kept on the device for Hessian-vector
 * products) and keeps it until the next call. `release` (in a finally) frees both.
 */
export class HessianObjective implements Objective {
  readonly size: number;
  /** The operator evaluations go through (built at the first θ evaluated). */
  private base: MlpHessian | undefined;
  /** The Hessian asked for last. */
  private current: MlpHessian | undefined;

  constructor(
    private readonly tf: Tf,
    private readonly model: HessianModel,
    private readonly data: HessianData,
  ) {
    this.size = parameterCount(model);
  }

  /** The Hessian at θ (valid until the next call or release). */
  hessianAt(theta: Float64Array): MlpHessian {
    this.current?.dispose();
    this.current = undefined;
    this.current = new MlpHessian(this.tf, this.model, theta, this.data);
    return this.current;
  }

  evaluate(theta: Float64Array, grad: Float64Array): { loss: number; gradNorm: number } {
    this.base ??= new MlpHessian(this.tf, this.model, theta, this.data);
    const { loss, gradient } = this.base.lossAndGradientAt(theta);
    grad.set(gradient);
    let sq = 0;
    for (let i = 0; i < grad.length; i++) sq += grad[i] * grad[i];
    return { loss, gradNorm: Math.sqrt(sq) };
  }

  release(): void {
    this.current?.dispose();
    this.base?.dispose();
    this.current = undefined;
    this.base = undefined;
  }
}

/** All n eigenvalues, ascending (and unit eigenvectors, column j at [j·n, (j+1)·n)). */
export async function exactSpectrum(
  op: SymmetricOperator,
  checkpoint: Checkpoint,
  vectors = false,
): Promise<{ values: Float64Array; vectors?: Float64Array }> {
  const matrix = await denseHessian(op, checkpoint);
  const spectrum = symmetricEigen(matrix, op.size, { vectors });
  return { values: spectrum.values, ...(spectrum.vectors ? { vectors: spectrum.vectors } : {}) };
}

/**
 * λ_max and its unit eigenvector by `iterations` steps of Lanczos (k = 1), started from
 * `start` (the previous sample's eigenvector: few iterations then suffice) or a seeded random
 * vector. Lanczos rather than power iteration: at the edge of stability λ₁ and λ₂ are often
 * close, and power iteration converges like (λ₂/λ₁)^t while Lanczos's top Ritz value
 * converges like a Chebyshev polynomial of the gap, far faster.
 */
export async function topEigenpair(
  op: SymmetricOperator,
  options: { iterations: number; start?: Float64Array; seed: number },
  checkpoint: Checkpoint,
): Promise<{ value: number; vector: Float64Array }> {
  const spectrum = await lanczos(
    op,
    {
      k: 1,
      iterations: Math.min(options.iterations, op.size),
      ...(options.start ? { start: options.start } : {}),
      seed: options.seed,
      vectors: true,
    },
    checkpoint,
  );
  const last = spectrum.values.length - 1;
  const n = op.size;
  return {
    value: spectrum.values[last],
    vector: spectrum.vectors!.slice(last * n, (last + 1) * n),
  };
}

/** Hutchinson's estimate of tr H from `probes` Rademacher probes. */
export async function traceEstimate(
  op: SymmetricOperator,
  options: { probes: number; seed: number },
  checkpoint: Checkpoint,
): Promise<number> {
  const result = await hutchinsonTrace(op, options, checkpoint);
  return result.trace;
}
