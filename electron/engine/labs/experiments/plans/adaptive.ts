/**
 * Adaptive methods and generalization (Wilson, Roelofs, Stern, Srebro & Recht, "The Marginal
 * Value of Adaptive Gradient Methods in Machine Learning", NeurIPS 2017, §3.3), their example
 * exactly: n examples with label y_i = +1 with probability p > ½ (else −1) and 3 + 5n features,
 *
 *   x_i1 = y_i,   x_i2 = x_i3 = 1,   x_ij = 1 for j = 4 + 5(i − 1) … 4 + 5(i − 1) + 2(1 − y_i),
 *
 * (one feature of its own for a positive example, five for a negative one), 0 elsewhere; a
 * linear model w (no bias) fitted by least squares L(w) = (1/2n) Σ (wᵀx_i − y_i)², full batch,
 * with the engine's own optimizers (the explorer's, torch's formulas) in float64. Every
 * optimizer here drives the training loss to 0, but to different w:
 * - SGD (from 0, its iterates stay in the row space of X) converges to the minimum-norm
 *   solution, which puts most of its weight on x_1 = y: a new point is classified by its label
 *   feature, test error 0;
 * - AdaGrad, RMSProp and Adam take steps whose size is nearly the same in every coordinate,
 *   converging to w ∝ sign(Xᵀy)-like solutions with as much weight on the shared features
 *   x_2, x_3 (always 1) as on x_1: a new point, whose own features are new (weight 0), gets
 *   w_1 y + w_2 + w_3 > 0 whatever its label — the majority class, test error 1 − p.
 * The test set is `testPoints` fresh examples; their own features are ones no training example
 * had, so only x_1, x_2, x_3 meet a weight.
 */
import type { ExperimentResult, ExperimentSpec, FigureSeries } from '../../../../common/protocol';
import { rules, torchDefaults } from '../../../optim';
import { Rng } from '../../../datasets';
import { cell, fmt, type ExperimentServices } from './common';

type Spec = Extract<ExperimentSpec, { kind: 'adaptive' }>;

/** Random stream of the labels (apart from the datasets' own). */
const WILSON_STREAM = 31;
/** Curve points recorded per optimizer. */
const SAMPLES = 100;

/** Wilson et al.'s data: labels, and each example's features as index lists (all ones). */
export function wilsonData(
  n: number,
  p: number,
  seed: number,
): { y: Int8Array; features: number[][] } {
  const rng = new Rng(seed, WILSON_STREAM);
  const y = new Int8Array(n);
  const features: number[][] = [];
  for (let i = 0; i < n; i++) {
    y[i] = rng.uniform() < p ? 1 : -1;
    const own = 3 + 5 * i;
    const count = 1 + 2 * (1 - y[i]);
    features.push([1, 2, ...Array.from({ length: count }, (_, k) => own + k)]);
  }
  return { y, features };
}

export async function runAdaptive(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const started = performance.now();
  const { n, p, steps } = spec;
  const d = 3 + 5 * n;
  const { y, features } = wilsonData(n, p, spec.seed);
  // Test labels: the features they meet are x_1 = y, x_2 = x_3 = 1.
  const testRng = new Rng(spec.seed + 1, WILSON_STREAM);
  let positives = 0;
  for (let i = 0; i < spec.testPoints; i++) if (testRng.uniform() < p) positives++;
  const negatives = spec.testPoints - positives;
  const testError = (w: Float64Array) =>
    ((w[0] + w[1] + w[2] > 0 ? 0 : positives) + (-w[0] + w[1] + w[2] < 0 ? 0 : negatives)) /
    spec.testPoints;

  services.plan(spec.optimizers.length, spec.optimizers.length * steps);
  const every = Math.max(1, Math.floor(steps / SAMPLES));
  const rows: { name: string; loss: number; error: number; w: Float64Array; norm: number }[] = [];
  const lossSeries: FigureSeries[] = [];
  const errorSeries: FigureSeries[] = [];
  const build = (): ExperimentResult => {
    const sgd = rows.find((r) => r.name.startsWith('sgd'));
    const adaptive = rows.filter((r) => !r.name.startsWith('sgd'));
    const notes = [
      `${n} examples (${[...y].filter((v) => v > 0).length} positive), ${d} features; least squares, full batch, ${steps} steps from w = 0.`,
    ];
    if (sgd && adaptive.length) {
      notes.push(
        `SGD reaches training loss ${fmt(sgd.loss)} and test error ${fmt(sgd.error)} (w₁ = ${fmt(sgd.w[0])}, w₂ + w₃ = ${fmt(sgd.w[1] + sgd.w[2])}); ${adaptive.map((r) => `${r.name} ${fmt(r.loss)} and ${fmt(r.error)}`).join(', ')}: a training loss as small, but every new point called positive: test error ≈ the negatives' share, 1 − p = ${fmt(1 - p)}.`,
      );
    }
    return {
      kind: 'adaptive',
      title: 'Adaptive methods and generalization (Wilson et al. 2017)',
      dataset: {
        kind: 'wilson',
        task: 'classification',
        train: n,
        validation: 0,
        test: spec.testPoints,
      },
      planned: spec.optimizers.length,
      backend: 'float64',
      threads: 0,
      figures: [
        {
          id: 'loss',
          title: 'Training loss per step',
          kind: 'line',
          x: { label: 'step' },
          y: { label: 'training loss', log: true },
          series: lossSeries,
        },
        {
          id: 'test-error',
          title: 'Test error per step',
          kind: 'line',
          x: { label: 'step' },
          y: { label: 'test error' },
          series: errorSeries,
        },
      ],
      table: {
        columns: [
          'optimizer',
          'training loss',
          'test error',
          '‖w‖',
          'w₁ (label)',
          'w₂ + w₃ (shared)',
        ],
        rows: rows.map((r) => [
          r.name,
          cell(r.loss),
          cell(r.error),
          cell(r.norm),
          cell(r.w[0]),
          cell(r.w[1] + r.w[2]),
        ]),
      },
      trainings: [],
      notes,
      ms: performance.now() - started,
    };
  };

  const grad = new Float64Array(d);
  for (const [k, opt] of spec.optimizers.entries()) {
    const { optimizer, schedule: _schedule, ...given } = opt;
    const hyper = { ...torchDefaults[optimizer], ...given };
    const lr = hyper.lr;
    const rule = rules[optimizer];
    const w = new Float64Array(d);
    const state = rule.init(d, hyper);
    const x: number[] = [];
    const lossY: (number | null)[] = [];
    const errorY: number[] = [];
    let loss = 0;
    for (let s = 0; s <= steps; s++) {
      grad.fill(0);
      loss = 0;
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (const j of features[i]) z += w[j];
        z += w[0] * y[i]; // x_i1 = y_i
        const r = z - y[i];
        loss += (0.5 * r * r) / n;
        grad[0] += (r * y[i]) / n;
        for (const j of features[i]) grad[j] += r / n;
      }
      if (s % every === 0 || s === steps) {
        x.push(s);
        lossY.push(Number.isFinite(loss) && loss > 0 ? loss : null);
        errorY.push(testError(w));
      }
      if (s === steps || !Number.isFinite(loss)) break;
      rule.step(w, grad, state, hyper, lr);
      if ((s + 1) % 200 === 0) await services.advance(200);
    }
    let norm = 0;
    for (const v of w) norm += v * v;
    const name = `${optimizer} (η ${lr})`;
    rows.push({ name, loss, error: testError(w), w, norm: Math.sqrt(norm) });
    await services.advance(steps % 200, true);
    lossSeries.push({ label: name, x, y: lossY, group: k });
    errorSeries.push({ label: name, x, y: errorY, group: k });
    services.partial(build());
  }
  return build();
}
