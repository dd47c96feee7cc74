/**
 * The Hessian of an imported model that runs through its own graph (network/layers/), as a
 * symmetric operator: H·v by central differences of exact (autodiff) gradients, see
 * LayersNet.hessianVector for the step and the error bound. tfjs's own second-order gradients
 * are not used: through tanh, sigmoid and exp they are wrong on this stack (tfjs issue 3252).
 * A dense Hessian built from these products is symmetric only to their error, and is
 * symmetrized like any other (see dense.ts).
 */
import type { SplitName } from '../datasets';
import { disposeBatch, type NetworkProblem } from '../network/problem';
import type { DeviceBatch } from '../network/mlp';
import type { SymmetricOperator } from './types';

/** A LossOperator (report.ts) of an imported model's graph. */
export class ImportedHessian implements SymmetricOperator {
  readonly size: number;
  private readonly batch: DeviceBatch;
  private readonly theta: Float64Array;
  private readonly value: { loss: number; gradient: Float64Array };

  /**
   * @param problem a problem whose model is an imported graph (`problem.imported.net`)
   * @param theta where the Hessian is taken (copied)
   */
  constructor(
    private readonly problem: NetworkProblem,
    theta: ArrayLike<number>,
    split: SplitName = 'train',
    private readonly step = 1e-2,
  ) {
    if (!problem.imported?.net) throw new Error('ImportedHessian needs an imported model graph');
    this.size = problem.layout.size;
    this.theta = Float64Array.from(theta);
    const n = problem.split(split).n;
    this.batch = problem.gather(
      split,
      Int32Array.from({ length: n }, (_, i) => i),
      0,
      n,
      false,
    );
    const gradient = new Float64Array(this.size);
    const { loss } = problem.imported.net.lossAndGrad(
      this.theta,
      this.batch,
      gradient,
      problem.lossKind,
    );
    this.value = { loss, gradient };
  }

  /** L(θ) on the split. */
  loss(): number {
    return this.value.loss;
  }

  /** ∇L(θ) on the split (do not modify). */
  gradient(): Float64Array {
    return this.value.gradient;
  }

  apply(v: Float64Array, out: Float64Array): void {
    this.problem.imported!.net!.hessianVector(
      this.theta,
      v,
      this.batch,
      this.problem.lossKind,
      out,
      this.step,
    );
  }

  dispose(): void {
    disposeBatch(this.batch);
  }
}
