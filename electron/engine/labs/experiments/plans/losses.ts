/**
 * Cross-entropy against the squared error (the lecture's classification chapter): the same
 * network, data and initial θ trained twice, with softmax + cross-entropy and with softmax +
 * squared error on one-hot targets. Their accuracies per epoch side by side, and the reason:
 * both losses over the margin m = z_y − max_{c≠y} z_c of an example (for two logits the
 * softmax depends on nothing else, so this is the lecture's surface over a pair of logits,
 * seen along its only direction of change):
 *
 *   cross-entropy   ℓ(m) = log(1 + e^{−m}),        |ℓ′(m)| = σ(−m)      → 1 where m ≪ 0,
 *   squared error   ℓ(m) = 2 σ(−m)²,               |ℓ′(m)| = 4 σ(−m)² σ(m)  → 0 where m ≪ 0:
 *
 * a badly wrong example (large loss) has a steep cross-entropy but a flat squared error, so the
 * squared error's training can stall where cross-entropy's moves on. The network's own
 * training examples are placed on both curves at their margins before and after training.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  FigureSeries,
  TrainingRecord,
} from '../../../../common/protocol';
import { FieldError } from '../../../core/errors';
import {
  curvesFigure,
  finite,
  fmt,
  linspace,
  resultFrame,
  task,
  trainingColumns,
  trainingRow,
  withProblem,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'losses' }>;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log(1 + e^{−m}) without overflow. */
const crossEntropy = (m: number) =>
  m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
const squared = (m: number) => 2 * sigmoid(-m) ** 2;
const crossEntropySlope = (m: number) => sigmoid(-m);
const squaredSlope = (m: number) => 4 * sigmoid(-m) ** 2 * sigmoid(m);

/** Each example's margin z_y − max_{c≠y} z_c from logits (n × k) and labels. */
export function margins(z: Float32Array, y: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    let other = -Infinity;
    for (let c = 0; c < k; c++) if (c !== label) other = Math.max(other, z[i * k + c]);
    out.push(z[i * k + label] - other);
  }
  return out;
}

/** At most this many examples are placed on the curves. */
const PLACED = 200;

export async function runLosses(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  if (base.data.task !== 'classification') {
    throw new FieldError(
      'experiment.dataset',
      'cross-entropy and squared error compare on a classification set',
    );
  }
  const started = performance.now();
  const tasks = (['crossEntropy', 'mse'] as const).map((loss) =>
    task(base, {
      id: loss,
      label: loss === 'crossEntropy' ? 'cross-entropy' : 'squared error',
      group: loss,
      model: { ...base.model, loss },
      epochs: spec.epochs,
    }),
  );
  services.plan(2, 2 * spec.epochs);
  const done: (TrainingRecord | undefined)[] = [undefined, undefined];
  let placed: { before: number[] } | undefined;

  const build = (): ExperimentResult => {
    const records = done.filter((r): r is TrainingRecord => r !== undefined);
    const m = linspace(-8, 8, 161);
    const accuracy: FigureSeries[] = records.flatMap((r, i) => [
      {
        label: `${r.label} — training accuracy`,
        x: r.curves.step.map((_, e) => e + 1),
        y: (r.curves.trainAccuracy ?? []).map(finite),
        group: i,
      },
      {
        label: `${r.label} — validation accuracy`,
        x: r.curves.step.map((_, e) => e + 1),
        y: r.curves.validationAccuracy ?? [],
        group: i,
        dashed: true,
      },
    ]);
    const surface: FigureSeries[] = [
      { label: 'cross-entropy', x: m, y: m.map(crossEntropy), group: 0 },
      { label: 'squared error', x: m, y: m.map(squared), group: 1 },
    ];
    const slopes: FigureSeries[] = [
      { label: 'cross-entropy', x: m, y: m.map(crossEntropySlope), group: 0 },
      { label: 'squared error', x: m, y: m.map(squaredSlope), group: 1 },
    ];
    if (placed) {
      const at = (xs: number[]) => xs.filter((v) => v >= -8 && v <= 8);
      const before = at(placed.before);
      surface.push(
        {
          label: 'examples at θ₀ (cross-entropy)',
          x: before,
          y: before.map(crossEntropy),
          group: 2,
        },
        { label: 'examples at θ₀ (squared error)', x: before, y: before.map(squared), group: 3 },
      );
    }
    const notes: string[] = [];
    const [ce, mse] = done;
    if (ce && mse) {
      notes.push(
        `After ${spec.epochs} epochs from the same θ₀: training accuracy ${fmt(ce.final.train.accuracy)} with cross-entropy, ${fmt(mse.final.train.accuracy)} with the squared error; validation ${fmt(ce.final.validation.accuracy)} and ${fmt(mse.final.validation.accuracy)}.`,
      );
    }
    if (placed) {
      const wrong = placed.before.filter((v) => v < -4).length;
      notes.push(
        `At θ₀, ${wrong} of ${placed.before.length} examples have margin below −4, where the squared error's slope is under ${fmt(squaredSlope(-4))} and cross-entropy's over ${fmt(crossEntropySlope(-4))}.`,
      );
    }
    return {
      ...resultFrame('losses', 'Cross-entropy against squared error', base, 2, services.threads),
      figures: [
        {
          id: 'accuracy',
          title: 'Accuracy per epoch, same network and θ₀',
          kind: 'line',
          x: { label: 'epoch', ticks: 'integer' },
          y: { label: 'accuracy' },
          series: accuracy,
        },
        curvesFigure('curves', 'Training loss per epoch (each its own loss)', records),
        {
          id: 'surface',
          title: 'Loss over the margin z_y − max z_other (two logits), the examples at θ₀ on it',
          kind: 'line',
          x: { label: 'margin z_y − max_{c≠y} z_c' },
          y: { label: 'loss' },
          series: surface,
        },
        {
          id: 'slope',
          title: 'How steep each loss is over the margin: |∂ℓ/∂m|',
          kind: 'line',
          x: { label: 'margin z_y − max_{c≠y} z_c' },
          y: { label: '|∂ℓ/∂m|' },
          series: slopes,
        },
      ],
      table: { columns: trainingColumns, rows: records.map(trainingRow) },
      trainings: records,
      notes,
      ms: performance.now() - started,
    };
  };

  // The examples' margins at θ₀ (the same for both: the loss does not change the initial θ).
  await withProblem(services.tf, tasks[0], (problem) => {
    const split = problem.deviceSplit('train');
    const z = problem.mlp.logits(problem.initialTheta, split.x);
    const y = problem.dataset.train.y;
    const all = margins(z, y, problem.dataset.outputDim);
    const step = Math.max(1, Math.ceil(all.length / PLACED));
    placed = { before: all.filter((_, i) => i % step === 0) };
  });
  await services.train(tasks, (i, outcome) => {
    done[i] = outcome.record;
    services.partial(build());
  });
  return build();
}
