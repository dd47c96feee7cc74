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
 * squared error's training can stall where cross-entropy's moves on. The lecture draws the
 * two losses as surfaces over a pair of logits (z₁, z₂) of an example of class 1: here as two
 * heatmaps, each with the network's own training examples at their (z_y, max_{c≠y} z_c) at θ₀
 * and after training with that loss; and along the margin, with the examples at θ₀ on both
 * curves.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  Figure,
  FigureGrid,
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

/** Each example's (z_y, max_{c≠y} z_c): where it sits over the lecture's pair of logits. */
export function logitPairs(
  z: Float32Array,
  y: ArrayLike<number>,
  k: number,
): { own: number[]; other: number[] } {
  const own: number[] = [];
  const other: number[] = [];
  for (let i = 0; i < y.length; i++) {
    let best = -Infinity;
    for (let c = 0; c < k; c++) if (c !== y[i]) best = Math.max(best, z[i * k + c]);
    own.push(z[i * k + y[i]]);
    other.push(best);
  }
  return { own, other };
}

/** At most this many examples are placed on the curves. */
const PLACED = 200;

/** Every k-th example's logit pair, k chosen so that at most PLACED are kept. */
function placedPairs(
  z: Float32Array,
  y: ArrayLike<number>,
  k: number,
): { own: number[]; other: number[] } {
  const pairs = logitPairs(z, y, k);
  const step = Math.max(1, Math.ceil(pairs.own.length / PLACED));
  const keep = <T>(_: T, i: number) => i % step === 0;
  return { own: pairs.own.filter(keep), other: pairs.other.filter(keep) };
}

/** The pair of logits' range, each way (the lecture's figure spans −10 … 10). */
const LOGIT_RANGE = 10;
/** Grid points along each side of the two surfaces. */
const SURFACE_SIDE = 81;

/** A loss of the margin over (z₁, z₂) ∈ [−R, R]², the example's class being the first. */
function logitSurface(loss: (m: number) => number, label: string): FigureGrid {
  const axis = linspace(-LOGIT_RANGE, LOGIT_RANGE, SURFACE_SIDE);
  const z: number[] = [];
  for (const z2 of axis) for (const z1 of axis) z.push(loss(z1 - z2));
  return { x: axis, y: [...axis], z, label };
}

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
      keepTheta: true,
    }),
  );
  services.plan(2, 2 * spec.epochs);
  const done: (TrainingRecord | undefined)[] = [undefined, undefined];
  let placed: { before: number[] } | undefined;
  /** Examples' (z_y, max other) at θ₀ and after each training (by the task's index). */
  let pairsBefore: { own: number[]; other: number[] } | undefined;
  const pairsAfter: ({ own: number[]; other: number[] } | undefined)[] = [undefined, undefined];
  const surfaces = [
    logitSurface(crossEntropy, 'cross-entropy'),
    logitSurface(squared, 'squared error'),
  ];

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
        ...surfaces.map((grid, i) => surfaceFigure(i, grid, pairsBefore, pairsAfter[i])),
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
    pairsBefore = placedPairs(z, y, problem.dataset.outputDim);
    // Each placed example's margin z_y − max_{c≠y} z_c.
    placed = { before: pairsBefore.own.map((v, k) => v - pairsBefore!.other[k]) };
  });
  const outcomes = await services.train(tasks, (i, outcome) => {
    done[i] = outcome.record;
    services.partial(build());
  });
  // Where the examples ended after each training (its own loss's surface).
  for (const [i, outcome] of outcomes.entries()) {
    const theta = outcome.theta;
    if (!theta || outcome.record.status === 'diverged') continue;
    await withProblem(services.tf, tasks[i], (problem) => {
      const z = problem.mlp.logits(theta, problem.deviceSplit('train').x);
      pairsAfter[i] = placedPairs(z, problem.dataset.train.y, problem.dataset.outputDim);
    });
  }
  return build();
}

/**
 * One loss as the lecture's surface over a pair of logits, with the network's examples on it
 * at θ₀ and after training with that loss (those within the drawn square).
 */
function surfaceFigure(
  index: number,
  grid: FigureGrid,
  before: { own: number[]; other: number[] } | undefined,
  after: { own: number[]; other: number[] } | undefined,
): Figure {
  const inside = (pairs: { own: number[]; other: number[] }) => {
    const x: number[] = [];
    const y: number[] = [];
    pairs.own.forEach((v, i) => {
      const w = pairs.other[i];
      if (Math.abs(v) <= LOGIT_RANGE && Math.abs(w) <= LOGIT_RANGE) {
        x.push(v);
        y.push(w);
      }
    });
    return { x, y };
  };
  const series: FigureSeries[] = [];
  if (before) series.push({ label: 'examples at θ₀', ...inside(before), points: true, group: 2 });
  if (after) {
    series.push({ label: 'after training', ...inside(after), points: true, group: 3 });
  }
  return {
    id: index === 0 ? 'surface-ce' : 'surface-mse',
    title: `${index === 0 ? 'Cross-entropy' : 'Squared error'} over a pair of logits of an example of class 1, the training examples on it`,
    kind: 'heatmap',
    x: { label: 'z₁ (the example’s class: z_y)' },
    y: { label: 'z₂ (the other class: max_{c≠y} z_c)' },
    series,
    grid,
  };
}
