/**
 * The linear scaling rule with warm-up (Goyal et al., "Accurate, Large Minibatch SGD: Training
 * ImageNet in 1 Hour", 2017): with a batch k times larger an epoch has k times fewer updates,
 * each averaging k times more examples; multiplying η by k keeps the distance an epoch travels
 * about the same (k small steps ≈ one k-times-longer step while the gradient changes little).
 * Early in training the gradient changes fast and the long steps overshoot, so η rises from
 * its base value to k·η linearly over the first epochs (gradual warm-up). Four trainings from
 * one θ₀, the same number of epochs:
 *
 *   batch B, η                      the reference
 *   batch kB, η                     larger batch, η unchanged: fewer, equally long steps — slower
 *   batch kB, kη                    the rule without warm-up
 *   batch kB, η → kη over w epochs  the rule with warm-up (torch's LinearLR per update)
 */
import type { ExperimentResult, ExperimentSpec, TrainingRecord } from '../../../../common/protocol';
import type { OptimizerSpec } from '../../../../common/schemas';
import {
  curvesFigure,
  finite,
  fmt,
  resultFrame,
  task,
  trainingColumns,
  trainingRow,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'scaling' }>;

export async function runScaling(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const started = performance.now();
  const n = base.data.train.n;
  const k = spec.factor;
  const small = Math.min(spec.batchSize, n);
  const large = Math.min(small * k, n);
  const lr = spec.optimizer.lr ?? 0.05;
  const updates = Math.ceil(n / large);
  const { schedule: _schedule, ...optimizer } = spec.optimizer;
  const variants: { id: string; label: string; batch: number; optimizer: OptimizerSpec }[] = [
    { id: 'base', label: `batch ${small}, η ${lr}`, batch: small, optimizer: { ...optimizer, lr } },
    {
      id: 'same-lr',
      label: `batch ${large}, η ${lr}`,
      batch: large,
      optimizer: { ...optimizer, lr },
    },
    {
      id: 'scaled',
      label: `batch ${large}, η ${fmt(k * lr)} (scaled)`,
      batch: large,
      optimizer: { ...optimizer, lr: k * lr },
    },
    {
      id: 'warmup',
      label: `batch ${large}, η ${fmt(k * lr)} after ${spec.warmupEpochs} warm-up epochs`,
      batch: large,
      optimizer: {
        ...optimizer,
        lr: k * lr,
        schedule: {
          kind: 'linear',
          startFactor: 1 / k,
          endFactor: 1,
          totalIters: spec.warmupEpochs * updates,
        },
      },
    },
  ];
  const tasks = variants.map((v) =>
    task(base, {
      id: v.id,
      label: v.label,
      group: v.id,
      batchSize: v.batch,
      optimizer: v.optimizer,
      epochs: spec.epochs,
    }),
  );
  services.plan(tasks.length, tasks.length * spec.epochs);
  const done: (TrainingRecord | undefined)[] = new Array(tasks.length);
  const classification = base.data.task === 'classification';

  const build = (): ExperimentResult => {
    const records = done.filter((r): r is TrainingRecord => r !== undefined);
    const measure = classification ? 'validation accuracy' : 'validation loss';
    const notes: string[] = [];
    const [ref, same, scaled, warm] = done;
    const score = (r: TrainingRecord | undefined) =>
      r ? (classification ? r.final.validation.accuracy : r.final.validation.loss) : undefined;
    if (ref && same && scaled && warm) {
      notes.push(
        `${measure} after ${spec.epochs} epochs: ${[ref, same, scaled, warm].map((r) => `${r.label}: ${fmt(score(r))}${r.status === 'diverged' ? ' (diverged)' : ''}`).join('; ')}.`,
      );
    }
    if (large < small * k) {
      notes.push(
        `The training split has ${n} points: the large batch is the whole of it (${large}).`,
      );
    }
    return {
      ...resultFrame(
        'scaling',
        'Batch size: the linear scaling rule with warm-up',
        base,
        tasks.length,
        services.threads,
      ),
      figures: [
        {
          id: 'validation',
          title: `${classification ? 'Validation accuracy' : 'Validation loss'} per epoch`,
          kind: 'line',
          x: { label: 'epoch', ticks: 'integer' },
          y: { label: measure, log: !classification },
          series: records.map((r, i) => ({
            label: r.label,
            x: r.curves.step.map((_, e) => e + 1),
            y: classification
              ? (r.curves.validationAccuracy ?? []).map(finite)
              : r.curves.validationLoss.map(finite),
            group: i,
          })),
          marks: [{ x: spec.warmupEpochs, label: 'warm-up ends' }],
        },
        curvesFigure('curves', 'Training loss per epoch', records),
      ],
      table: { columns: trainingColumns, rows: records.map(trainingRow) },
      trainings: records,
      notes,
      ms: performance.now() - started,
    };
  };
  await services.train(tasks, (i, outcome) => {
    done[i] = outcome.record;
    services.partial(build());
  });
  return build();
}
