/**
 * The complexity sweep: one setting of the model varied over values — width, depth, epochs of
 * training or the L2 strength — with training and validation loss at each. As the model grows
 * more flexible the training loss keeps falling while the validation loss falls, then rises
 * (overfitting): the U-curve, whose minimum is the complexity to choose. The chosen value is
 * the one of least validation loss (its test loss beside it).
 *
 * `epochs` needs one training only: the longest, read at each value's epoch.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  FigureSeries,
  TrainingRecord,
} from '../../../../common/protocol';
import type { ModelSpec } from '../../../../common/network';
import { FieldError } from '../../../core/errors';
import { cell, fmt, positiveSpan, resultFrame, task, type ExperimentServices } from './common';

type Spec = Extract<ExperimentSpec, { kind: 'complexity' }>;

interface Point {
  value: number;
  train: number | null;
  validation: number | null;
  test: number | null;
  record: TrainingRecord;
}

/** The values as the setting takes them (whole numbers ≥ 1 for width, depth and epochs). */
function checkValues(spec: Spec): number[] {
  const values = [...new Set(spec.values)].sort((a, b) => a - b);
  if (spec.parameter !== 'l2') {
    const bad = values.find((v) => !Number.isInteger(v) || v < 1);
    if (bad !== undefined) {
      throw new FieldError(
        'experiment.values',
        `${spec.parameter} must be whole numbers ≥ 1 (got ${bad})`,
      );
    }
    if (spec.parameter === 'depth' && values[values.length - 1] > 20) {
      throw new FieldError('experiment.values', 'depth is at most 20');
    }
    if (spec.parameter === 'width' && values[values.length - 1] > 1024) {
      throw new FieldError('experiment.values', 'width is at most 1,024');
    }
    if (spec.parameter === 'epochs' && values[values.length - 1] > 10_000) {
      throw new FieldError('experiment.values', 'epochs are at most 10,000');
    }
  } else if (values[values.length - 1] > 100) {
    throw new FieldError('experiment.values', 'L2 strength is at most 100');
  }
  return values;
}

export async function runComplexity(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const values = checkValues(spec);
  const byEpochs = spec.parameter === 'epochs';
  const modelAt = (v: number): ModelSpec =>
    byEpochs ? base.model : { ...base.model, [spec.parameter]: v };
  const tasks = byEpochs
    ? [
        task(base, {
          id: 'epochs',
          label: `${values[values.length - 1]} epochs`,
          group: 'epochs',
          epochs: values[values.length - 1],
        }),
      ]
    : values.map((v) =>
        task(base, {
          id: `${spec.parameter}-${v}`,
          label: `${spec.parameter} ${v}`,
          group: String(v),
          model: modelAt(v),
          epochs: spec.epochs,
        }),
      );
  services.plan(
    tasks.length,
    tasks.reduce((s, t) => s + t.epochs, 0),
  );
  const done: (TrainingRecord | undefined)[] = new Array(tasks.length);
  const started = performance.now();

  const points = (): Point[] => {
    if (byEpochs) {
      const r = done[0];
      if (!r) return [];
      return values
        .filter((v) => v <= r.curves.trainLoss.length)
        .map((v) => ({
          value: v,
          train: r.curves.trainLoss[v - 1],
          validation: r.curves.validationLoss[v - 1],
          test: v === values[values.length - 1] ? r.final.test.loss : null,
          record: r,
        }));
    }
    return done.flatMap((r, i) =>
      r
        ? [
            {
              value: values[i],
              train: r.final.train.loss,
              validation: r.final.validation.loss,
              test: r.final.test.loss,
              record: r,
            },
          ]
        : [],
    );
  };

  const build = (): ExperimentResult => {
    const ps = points();
    const scored = ps.filter((p) => p.validation !== null);
    const chosen = scored.length
      ? scored.reduce((a, b) => (b.validation! < a.validation! ? b : a))
      : undefined;
    const series: FigureSeries[] = [
      { label: 'training loss', x: ps.map((p) => p.value), y: ps.map((p) => p.train) },
      {
        label: 'validation loss',
        x: ps.map((p) => p.value),
        y: ps.map((p) => p.validation),
        dashed: true,
      },
    ];
    const span = values[values.length - 1] / Math.max(values[0], 1e-12);
    const notes: string[] = [];
    if (chosen) {
      const last = ps[ps.length - 1];
      notes.push(
        `Least validation loss at ${spec.parameter} = ${chosen.value} (${fmt(chosen.validation)}; training ${fmt(chosen.train)}).`,
      );
      if (last && last !== chosen && last.validation !== null && last.train !== null) {
        notes.push(
          `At ${spec.parameter} = ${last.value} the training loss is ${fmt(last.train)} and the validation loss ${fmt(last.validation)}${last.validation > chosen.validation! ? ': past the U-curve’s minimum, more complexity overfits' : ''}.`,
        );
      }
    }
    const records = done.filter((r): r is TrainingRecord => r !== undefined);
    return {
      ...resultFrame(
        'complexity',
        `Complexity sweep: ${spec.parameter}`,
        base,
        tasks.length,
        services.threads,
      ),
      figures: [
        {
          id: 'u-curve',
          title: `Training and validation loss against ${spec.parameter}`,
          kind: 'line',
          x: {
            label: spec.parameter === 'l2' ? 'L2 strength λ' : spec.parameter,
            log: values[0] > 0 && span >= 16,
            ...(spec.parameter === 'l2' ? {} : { ticks: 'integer' as const }),
          },
          y: { label: 'loss', log: positiveSpan(series) > 30 },
          series,
          ...(chosen ? { marks: [{ x: chosen.value, label: `chosen: ${chosen.value}` }] } : {}),
        },
      ],
      table: {
        columns: [spec.parameter, 'train loss', 'validation loss', 'test loss', 'parameters'],
        rows: ps.map((p) => [
          p.value,
          cell(p.train),
          cell(p.validation),
          cell(p.test),
          p.record.parameters,
        ]),
      },
      trainings: records,
      ...(chosen
        ? {
            chosen: {
              label: `${spec.parameter} = ${chosen.value}`,
              value: chosen.value,
              testLoss: chosen.test ?? (byEpochs ? null : chosen.record.final.test.loss),
              testAccuracy: byEpochs ? null : (chosen.record.final.test.accuracy ?? null),
            },
          }
        : {}),
      notes,
      ms: performance.now() - started,
    };
  };
  await services.train(tasks, (index, outcome) => {
    done[index] = outcome.record;
    services.partial(build());
  });
  return build();
}
