/**
 * The edge of stability (Cohen, Kaur, Li, Kolter & Talwalkar, ICLR 2021, "Gradient descent on
 * neural networks typically occurs at the edge of stability"): full-batch gradient descent
 * θ ← θ − η∇L on a small tanh MLP under the squared loss, for each η, with the loss at every
 * step and the sharpness λ_max(∇²L) every `every` steps.
 *
 * On a quadratic, gradient descent is stable exactly when η·λ_max < 2. Cohen et al. observe
 * that on neural networks λ_max first rises while training (progressive sharpening) until it
 * reaches 2/η, and then hovers there, just above it, while the loss keeps decreasing over long
 * horizons, non-monotonically: the classical stability analysis says the step is too long, and
 * training works anyway.
 *
 * The network: two hidden tanh layers of EOS_WIDTH units (2 × 32; Cohen et al.'s smallest
 * architectures are of this kind), Glorot θ₀ from spec.seed, shared by every η; the loss is
 * Σ_k (z_k − y_k)² averaged over the lab's training split, y one-hot for classification and the
 * target for regression (Cohen et al. use the squared loss so the Hessian is not dominated by
 * the softmax saturating). The sharpness is the top Ritz value of EOS_LANCZOS_ITERATIONS Lanczos
 * steps started from the previous sample's top eigenvector (the eigenvector moves little in
 * `every` steps, so few iterations suffice; the first sample of each η starts from a seeded
 * random vector).
 *
 * Where 2/η lies depends on the data and on η·steps (progressive sharpening takes "time" η·t):
 * on the lab's default two spirals (280 training points; wasm, seed 0) this network starts at
 * λ_max ≈ 12; over 2,000 steps (looking every 100) η = 0.2 (2/η = 10) drops to the edge at
 * once and hovers at 9.6–11.4, η = 0.1 (2/η = 20) sharpens to it by step 700 and hovers at
 * 19.3–22.2, η = 0.05
 * sharpens to 28 without reaching 40, and η = 0.01, 0.02, 0.04 stay far below 2/η (12–23
 * against 50–200). The sine regression set behaves alike (η = 0.1: 19.2–20.7 after step 300).
 * The loss still falls at the edge, non-monotonically.
 *
 * A diverged η (the loss not finite, or above 10⁶ × its initial value) is marked `diverged`
 * and its series ends at its last finite step: a result, not a failure.
 */
import type { CriticalExperimentResult, CriticalExperimentSpec } from '../../../../common/protocol';
import type { Checkpoint } from '../../../hessian/types';
import type { ExperimentContext, ExperimentReport } from '../context';
import { HessianObjective, squaredData, squaredModel, topEigenpair } from './hessian';
import { Progress } from './progress';
import { trainFullBatch } from './train';

type Spec = Extract<CriticalExperimentSpec, { kind: 'edge-of-stability' }>;
type Result = Extract<CriticalExperimentResult, { kind: 'edge-of-stability' }>;
type Series = Result['series'][number];

/** Hidden layers of the network, and units in each. */
export const EOS_DEPTH = 2;
export const EOS_WIDTH = 32;
/** Lanczos iterations (Hessian-vector products) per sharpness sample. */
export const EOS_LANCZOS_ITERATIONS = 20;
/** A loss above this many times the initial one is divergence. */
export const EOS_DIVERGENCE = 1e6;

export async function runEdgeOfStability(
  ctx: ExperimentContext,
  spec: Spec,
  report: ExperimentReport,
  checkpoint: Checkpoint,
): Promise<Result> {
  const problem = ctx.problem;
  const { model, layout, init } = squaredModel(problem, EOS_DEPTH, EOS_WIDTH);
  const parameters = layout.size;
  const theta0 = init(spec.seed);
  const data = squaredData(problem);
  const iterations = Math.min(EOS_LANCZOS_ITERATIONS, parameters);
  const samples = Math.floor(spec.steps / spec.every) + 1;
  // Units per η: steps + 1 evaluations, and the Lanczos iterations of its samples.
  const perRate = spec.steps + 1 + samples * iterations;
  const progress = new Progress(spec.lrs.length * perRate, report, checkpoint);
  const series: Series[] = [];
  const result = (): Result => ({ kind: 'edge-of-stability', series: [...series], parameters });

  for (let r = 0; r < spec.lrs.length; r++) {
    const lr = spec.lrs[r];
    const theta = Float64Array.from(theta0);
    const steps: number[] = [];
    const loss: number[] = [];
    const sharpnessSteps: number[] = [];
    const sharpness: number[] = [];
    let start: Float64Array | undefined;
    const objective = new HessianObjective(ctx.tf, model, data);
    let diverged: boolean;
    try {
      const run = await trainFullBatch(
        objective,
        theta,
        {
          rule: 'gd',
          lr,
          steps: spec.steps,
          divergence: EOS_DIVERGENCE,
          onStep: async (s, value) => {
            steps.push(s);
            loss.push(value);
            if (s % spec.every !== 0) return;
            const at = progress.units;
            const top = await topEigenpair(
              objective.hessianAt(theta),
              { iterations, seed: spec.seed, ...(start ? { start } : {}) },
              progress.sub(iterations),
            );
            await progress.reach(at + iterations);
            start = top.vector;
            sharpnessSteps.push(s);
            sharpness.push(top.value);
          },
        },
        () => progress.advance(),
      );
      diverged = run.diverged;
    } finally {
      objective.release();
    }
    await progress.reach((r + 1) * perRate);
    series.push({
      lr,
      threshold: 2 / lr,
      steps: Float64Array.from(steps),
      loss: Float64Array.from(loss),
      sharpnessSteps: Float64Array.from(sharpnessSteps),
      sharpness: Float64Array.from(sharpness),
      ...(diverged ? { diverged: true } : {}),
    });
    progress.partial(result());
  }
  return result();
}
