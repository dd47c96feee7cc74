/**
 * The landscape of an imported model that runs through its own graph (network/layers/): the
 * same L(θ* + α d₁ + β d₂) as LandscapeEvaluator computes for an MLP, one point after another
 * through the model's forward pass, in the engine's thread (the landscape workers build MLPs).
 */
import type * as TfModule from '@tensorflow/tfjs';
import { lossFromLogits } from '../network/losses';
import type { NetworkProblem } from '../network/problem';
import type { LandscapeData } from './evaluator';

/** Evaluates points (α, β) of `data`'s plane for an imported model's problem. */
export class ImportedEvaluator {
  private readonly x: TfModule.Tensor2D;
  private readonly theta: Float64Array;

  constructor(
    private readonly problem: NetworkProblem,
    private readonly data: LandscapeData,
  ) {
    const n = data.y.length;
    this.x = problem.tf.tensor2d(data.x, [n, data.inputDim]);
    this.theta = new Float64Array(data.center.length);
  }

  /** L at each (α, β) of `points` (pairs, flattened); NaN where it is not finite. */
  evaluate(points: Float64Array): Float32Array {
    const net = this.problem.imported!.net!;
    const { center, d1, d2, y, outputDim } = this.data;
    const out = new Float32Array(points.length / 2);
    for (let k = 0; k < out.length; k++) {
      const [a, b] = [points[2 * k], points[2 * k + 1]];
      for (let i = 0; i < center.length; i++) this.theta[i] = center[i] + a * d1[i] + b * d2[i];
      const z = net.logits(this.theta, this.x);
      const { loss } = lossFromLogits(this.problem.lossKind, z, y, outputDim, y.length);
      out[k] = Number.isFinite(loss) ? loss : NaN;
    }
    return out;
  }

  dispose(): void {
    this.x.dispose();
  }
}
