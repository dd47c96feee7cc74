/**
 * An independent float64 MLP in plain TypeScript (rows = examples, the textbook way), to check
 * the tfjs network's loss and hand-written gradient against central differences.
 */
import type { ActivationName } from '../../../electron/common/network';
import type { ParamLayout } from '../../../electron/engine/network';
import type { LossKind } from '../../../electron/engine/network/losses';

const act: Record<ActivationName, (u: number) => number> = {
  relu: (u) => Math.max(0, u),
  tanh: Math.tanh,
  sigmoid: (u) => 1 / (1 + Math.exp(-u)),
  linear: (u) => u,
};

/** Mean loss (+ (λ/2)Σ‖W‖²) of θ on examples x (n × inputDim, row-major) with labels/targets y. */
export function referenceLoss(
  layout: ParamLayout,
  activation: ActivationName,
  loss: LossKind,
  l2: number,
  theta: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): number {
  const n = y.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let h = Array.from({ length: layout.inputDim }, (_, f) => x[i * layout.inputDim + f]);
    for (const layer of layout.layers) {
      const out: number[] = [];
      for (let o = 0; o < layer.fanOut; o++) {
        let u = theta[layer.bias.offset + o];
        for (let j = 0; j < layer.fanIn; j++) {
          u += theta[layer.weight.offset + o * layer.fanIn + j] * h[j];
        }
        out.push(layer.activation === 'output' ? u : act[activation](u));
      }
      h = layer.residual ? out.map((v, o) => v + h[o]) : out;
    }
    if (loss === 'regression') {
      total += (h[0] - y[i]) ** 2;
      continue;
    }
    const m = Math.max(...h);
    const s = h.reduce((acc, v) => acc + Math.exp(v - m), 0);
    const p = h.map((v) => Math.exp(v - m) / s);
    if (loss === 'crossEntropy') total += -Math.log(p[y[i]]);
    else total += p.reduce((acc, pk, k) => acc + (pk - (k === y[i] ? 1 : 0)) ** 2, 0);
  }
  let sq = 0;
  for (const t of layout.tensors) {
    if (t.kind === 'weight') for (let k = 0; k < t.size; k++) sq += theta[t.offset + k] ** 2;
  }
  return total / n + 0.5 * l2 * sq;
}
