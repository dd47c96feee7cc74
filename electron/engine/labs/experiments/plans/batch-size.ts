/**
 * Batch size, measured on this machine and backend (the lecture's chapter):
 *
 * (a) time per update and time per epoch against batch size. On parallel hardware a larger
 *     batch costs little more per update until the hardware is full, so an epoch (n / B
 *     updates) takes far less time with large batches. Each size trains one epoch (at most
 *     `timedUpdates` × 4 updates of it, enough for a median); time per epoch is the median
 *     update time × ⌈n / B⌉. "Parallelism stops helping" at the first size whose doubling
 *     costs ≥ 1.8× the time per update.
 * (b) validation accuracy (loss, for regression) against batch size at equal epochs — small
 *     batches take more updates per epoch and usually end better — and at equal wall time:
 *     each size gets the updates that fit in the time the full batch takes for `epochs` epochs
 *     (by the timings of (a), so the budget is this machine's).
 * (d) sharp and flat minima (Keskar et al., ICLR 2017): the sharpness of each equal-epochs
 *     minimum — the Hessian's largest eigenvalue by power iteration (20 Hessian-vector
 *     products, PyHessian's way) — and its generalization gap (test − training loss) against
 *     batch size, and the loss along the line (1 − α) θ_small + α θ_large between the smallest
 *     batch's minimum and the full batch's, α from −0.5 to 1.5: the large batch's minimum sits
 *     in a narrower valley.
 *
 * The trainings run on the pool's workers side by side; each worker has a core of its own, so
 * the timings are one core's (the note says how many ran at once).
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  Figure,
  FigureSeries,
  TrainingRecord,
} from '../../../../common/protocol';
import { FieldError } from '../../../core/errors';
import { fromNetwork } from '../../../hessian/hessian-model';
import { powerIteration } from '../../../hessian/lanczos';
import { MlpHessian } from '../../../hessian/rop';
import {
  cell,
  fmt,
  linspace,
  lossAlongLine,
  positiveSpan,
  resultFrame,
  task,
  withProblem,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'batch-size' }>;

/** Powers of two from 1 below n, then n (the full batch). */
export function batchSizes(n: number, given?: number[]): number[] {
  if (given) return [...new Set(given.map((b) => Math.min(b, n)))].sort((a, b) => a - b);
  const sizes: number[] = [];
  for (let b = 1; b < n; b *= 2) sizes.push(b);
  sizes.push(n);
  return sizes;
}

export async function runBatchSize(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const n = base.data.train.n;
  if (n < 2) throw new FieldError('experiment', 'the training split has fewer than 2 points');
  const sizes = batchSizes(n, spec.sizes);
  const updatesPerEpoch = (b: number) => Math.ceil(n / b);
  const timing = sizes.map((b) =>
    task(base, {
      id: `time-${b}`,
      label: `batch ${b}, timing`,
      group: String(b),
      batchSize: b,
      epochs: 1,
      maxSteps: Math.min(updatesPerEpoch(b), spec.timedUpdates * 4),
      warmup: 8,
    }),
  );
  const equalEpochs = sizes.map((b) =>
    task(base, {
      id: `epochs-${b}`,
      label: `batch ${b}, ${spec.epochs} epochs`,
      group: String(b),
      batchSize: b,
      epochs: spec.epochs,
      keepTheta: true,
    }),
  );
  const timingEpochs = timing.length;
  services.plan(sizes.length * 3, timingEpochs + 2 * sizes.length * spec.epochs);
  const started = performance.now();
  const timed: (TrainingRecord | undefined)[] = new Array(sizes.length);
  const atEpochs: (TrainingRecord | undefined)[] = new Array(sizes.length);
  const atTime: (TrainingRecord | undefined)[] = new Array(sizes.length);
  let budgetMs: number | undefined = undefined;
  /** λ_max at each equal-epochs minimum, and Keskar et al.'s line between two of them. */
  const sharpness: (number | null)[] = sizes.map(() => null);
  let line: { alphas: number[]; train: (number | null)[]; test: (number | null)[] } | undefined;
  const classification = base.data.task === 'classification';
  const score = (r: TrainingRecord | undefined) =>
    r ? (classification ? (r.final.validation.accuracy ?? null) : r.final.validation.loss) : null;

  const analysisFigures = (): Figure[] => {
    const figures: Figure[] = [];
    if (sharpness.some((v) => v !== null)) {
      const gap = atEpochs.map((r) =>
        r && r.final.test.loss !== null && r.final.train.loss !== null
          ? r.final.test.loss - r.final.train.loss
          : null,
      );
      figures.push(
        {
          id: 'sharpness',
          title: 'Sharpness of the minimum (λ_max of the Hessian) against batch size',
          kind: 'line',
          x: { label: 'batch size', log: true, ticks: 'integer' },
          y: {
            label: 'λ_max',
            log: positiveSpan([{ label: '', x: [], y: sharpness }]) > 10,
          },
          series: [{ label: `λ_max after ${spec.epochs} epochs`, x: sizes, y: sharpness }],
        },
        {
          id: 'gap',
          title: 'Generalization gap (test − training loss) against batch size',
          kind: 'line',
          x: { label: 'batch size', log: true, ticks: 'integer' },
          y: { label: 'test − training loss' },
          series: [{ label: `after ${spec.epochs} epochs`, x: sizes, y: gap }],
        },
      );
    }
    if (line) {
      figures.push({
        id: 'line',
        title: `Loss along the line from the batch-${sizes[0]} minimum (α = 0) to the batch-${sizes[sizes.length - 1]} one (α = 1)`,
        kind: 'line',
        x: { label: 'α' },
        y: { label: 'loss', log: positiveSpan([{ label: '', x: [], y: line.train }]) > 30 },
        series: [
          { label: 'training loss', x: line.alphas, y: line.train },
          { label: 'test loss', x: line.alphas, y: line.test, dashed: true },
        ],
        marks: [
          { x: 0, label: `batch ${sizes[0]}` },
          { x: 1, label: `batch ${sizes[sizes.length - 1]}` },
        ],
      });
    }
    return figures;
  };

  const build = (): ExperimentResult => {
    const perUpdate = timed.map((r) => r?.msPerUpdate ?? null);
    const perEpoch = timed.map((r, i) => (r ? r.msPerUpdate * updatesPerEpoch(sizes[i]) : null));
    let threshold: number | undefined;
    for (let i = 0; i + 1 < sizes.length; i++) {
      const [a, b] = [perUpdate[i], perUpdate[i + 1]];
      if (a !== null && b !== null && sizes[i + 1] === 2 * sizes[i] && b >= 1.8 * a) {
        threshold = sizes[i];
        break;
      }
    }
    const timeSeries: FigureSeries[] = [{ label: 'time per update, ms', x: sizes, y: perUpdate }];
    const epochSeries: FigureSeries[] = [{ label: 'time per epoch, ms', x: sizes, y: perEpoch }];
    const measure = classification ? 'validation accuracy' : 'validation loss';
    const records = [...timed, ...atEpochs, ...atTime].filter(
      (r): r is TrainingRecord => r !== undefined,
    );
    const notes: string[] = [];
    const first = perUpdate[0];
    const at64 = sizes.indexOf(64);
    if (first !== null && at64 >= 0 && perUpdate[at64] !== null) {
      notes.push(
        `From batch 1 to 64 the time per update grows ${fmt(perUpdate[at64]! / first)}× while an epoch's updates fall ${fmt(updatesPerEpoch(1) / updatesPerEpoch(64))}×.`,
      );
    }
    if (threshold !== undefined) {
      notes.push(
        `Parallelism stops helping near batch ${threshold}: doubling it from there costs ≥ 1.8× the time per update.`,
      );
    }
    if (budgetMs !== undefined) {
      notes.push(
        `Equal time: every size got the updates that fit in ${fmt(budgetMs)} ms, the full batch's time for ${spec.epochs} epochs here.`,
      );
    }
    notes.push(
      `Timings on the ${base.backend} backend, ${services.threads > 0 ? `${services.threads} trainings at a time on worker threads, each with a core` : "one training at a time in the engine's thread"}.`,
    );
    return {
      ...resultFrame(
        'batch-size',
        'Batch size: time, noise and accuracy',
        base,
        sizes.length * 3,
        services.threads,
      ),
      figures: [
        {
          id: 'time-per-update',
          title: 'Time per update against batch size',
          kind: 'line',
          x: { label: 'batch size', log: true, ticks: 'integer' },
          y: { label: 'ms per update', log: true },
          series: timeSeries,
          ...(threshold !== undefined
            ? { marks: [{ x: threshold, label: 'parallelism stops helping' }] }
            : {}),
        },
        {
          id: 'time-per-epoch',
          title: 'Time per epoch against batch size',
          kind: 'line',
          x: { label: 'batch size', log: true, ticks: 'integer' },
          y: { label: 'ms per epoch', log: true },
          series: epochSeries,
        },
        {
          id: 'accuracy',
          title: `${classification ? 'Validation accuracy' : 'Validation loss'} against batch size`,
          kind: 'line',
          x: { label: 'batch size', log: true, ticks: 'integer' },
          y: { label: measure, log: !classification },
          series: [
            { label: `equal epochs (${spec.epochs})`, x: sizes, y: atEpochs.map(score) },
            { label: 'equal time', x: sizes, y: atTime.map(score), dashed: true },
          ],
        },
        ...analysisFigures(),
      ],
      table: {
        columns: [
          'batch size',
          'updates per epoch',
          'ms per update',
          'ms per epoch',
          `${measure}, equal epochs`,
          `${measure}, equal time`,
          'updates in equal time',
          'λ_max (equal epochs)',
          'test − training loss',
        ],
        rows: sizes.map((b, i) => [
          b,
          updatesPerEpoch(b),
          cell(perUpdate[i]),
          cell(perEpoch[i]),
          cell(score(atEpochs[i])),
          cell(score(atTime[i])),
          atTime[i]?.steps ?? null,
          cell(sharpness[i]),
          cell(
            atEpochs[i] &&
              atEpochs[i]!.final.test.loss !== null &&
              atEpochs[i]!.final.train.loss !== null
              ? atEpochs[i]!.final.test.loss! - atEpochs[i]!.final.train.loss!
              : null,
          ),
        ]),
      },
      trainings: records,
      ...(threshold !== undefined
        ? { chosen: { label: `batch ${threshold}`, value: threshold } }
        : {}),
      notes,
      ms: performance.now() - started,
    };
  };

  await services.train(timing, (i, outcome) => {
    timed[i] = outcome.record;
    services.partial(build());
  });
  const thetas: (Float64Array | undefined)[] = new Array(sizes.length);
  await services.train(equalEpochs, (i, outcome) => {
    atEpochs[i] = outcome.record;
    thetas[i] = outcome.theta;
    services.partial(build());
  });
  // Sharpness at each minimum (PyHessian's power iteration, 20 Hessian-vector products on the
  // training split) and Keskar et al.'s line between the smallest and the largest batch's.
  await withProblem(services.tf, equalEpochs[0], async (problem) => {
    const data = fromNetwork(problem, undefined, 'train');
    for (let i = 0; i < sizes.length; i++) {
      const theta = thetas[i];
      if (!theta || atEpochs[i]?.status !== 'ok') continue;
      const op = new MlpHessian(services.tf, data.model, theta, data);
      try {
        const top = await powerIteration(op, { iterations: 20, seed: 0 }, () => undefined);
        sharpness[i] = Number.isFinite(top.value) ? Math.abs(top.value) : null;
      } finally {
        op.dispose();
      }
      await services.advance(0);
    }
    const [a, b] = [thetas[0], thetas[sizes.length - 1]];
    if (a && b) {
      const alphas = linspace(-0.5, 1.5, 41);
      line = { alphas, ...lossAlongLine(problem, a, b, alphas) };
    }
  });
  services.partial(build());

  // Equal time: the full batch's time for `epochs` epochs, shared out by each size's update time.
  const full = timed[sizes.length - 1]!;
  budgetMs = full.msPerUpdate * updatesPerEpoch(sizes[sizes.length - 1]) * spec.epochs;
  const equalTime = sizes.map((b, i) => {
    const steps = Math.max(1, Math.round(budgetMs! / Math.max(timed[i]!.msPerUpdate, 1e-6)));
    return task(base, {
      id: `time-budget-${b}`,
      label: `batch ${b}, ${steps} updates (equal time)`,
      group: String(b),
      batchSize: b,
      epochs: Math.ceil(steps / updatesPerEpoch(b)),
      maxSteps: steps,
    });
  });
  // The plan counted `epochs` per equal-time training; the real count replaces it.
  services.plan(
    sizes.length * 3,
    timingEpochs + sizes.length * spec.epochs + equalTime.reduce((s, t) => s + t.epochs, 0),
  );
  await services.train(equalTime, (i, outcome) => {
    atTime[i] = outcome.record;
    services.partial(build());
  });
  return build();
}
