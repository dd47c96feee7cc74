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
import type { DataSplit, Dataset } from '../../../datasets';
import { cell, fmt, positiveSpan, resultFrame, task, type ExperimentServices } from './common';

type Spec = Extract<ExperimentSpec, { kind: 'complexity' }>;

interface Point {
  value: number;
  train: number | null;
  validation: number | null;
  test: number | null;
  parameters: number;
  testAccuracy: number | null;
}

/** The values as the setting takes them (whole numbers ≥ 1 for width, depth and epochs). */
function checkValues(spec: Spec): number[] {
  const values = [...new Set(spec.values)].sort((a, b) => a - b);
  if (spec.parameter !== 'l2') {
    const least = spec.parameter === 'degree' ? 0 : 1;
    const bad = values.find((v) => !Number.isInteger(v) || v < least);
    if (bad !== undefined) {
      throw new FieldError(
        'experiment.values',
        `${spec.parameter} must be whole numbers ≥ ${least} (got ${bad})`,
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
  if (spec.parameter === 'degree' && values[values.length - 1] > MAX_DEGREE) {
    throw new FieldError('experiment.values', `the polynomial degree is at most ${MAX_DEGREE}`);
  }
  return values;
}

/** Highest polynomial degree fitted (beyond it float64 least squares loses its digits). */
export const MAX_DEGREE = 20;

/**
 * Polynomial regression of each degree d, exactly: least squares of y on 1, x, x², …, x^d over
 * the training split (x standardized with the training statistics, as the networks see it),
 * solved by Householder QR in float64, then the mean squared error on every split. The
 * classic U-curve of model complexity with nothing of an optimizer in it.
 */
export function polynomialFits(data: Dataset, degrees: readonly number[]): Point[] {
  if (data.task !== 'regression' || data.inputDim !== 1) {
    throw new FieldError(
      'experiment.parameter',
      'the polynomial degree needs a regression set of one input (sine, polynomial)',
    );
  }
  return degrees.map((d) => {
    const w = leastSquares(data.train.x, data.train.y, d);
    const mse = (split: DataSplit) => {
      if (split.n === 0) return null;
      let s = 0;
      for (let i = 0; i < split.n; i++) {
        let p = 0;
        for (let k = d; k >= 0; k--) p = p * split.x[i] + w[k];
        s += (p - split.y[i]) ** 2;
      }
      return s / split.n;
    };
    return {
      value: d,
      train: mse(data.train),
      validation: mse(data.validation),
      test: mse(data.test),
      parameters: d + 1,
      testAccuracy: null,
    };
  });
}

/** The least-squares polynomial coefficients w₀ … w_d of y on x (Householder QR). */
function leastSquares(x: ArrayLike<number>, y: ArrayLike<number>, d: number): Float64Array {
  const n = x.length;
  const m = d + 1;
  if (n < m) {
    throw new FieldError(
      'experiment.values',
      `degree ${d} needs at least ${m} training points (${n} given)`,
    );
  }
  // A (n × m, column-major) and b; reduced in place to R and Qᵀb.
  const a = new Float64Array(n * m);
  const b = Float64Array.from(y);
  for (let i = 0; i < n; i++) {
    let p = 1;
    for (let k = 0; k < m; k++, p *= x[i]) a[k * n + i] = p;
  }
  for (let k = 0; k < m; k++) {
    const col = k * n;
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[col + i] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[col + k] > 0 ? -norm : norm;
    const v0 = a[col + k] - alpha;
    a[col + k] = v0;
    // v = (v0, a[k+1..n)); H = I − 2vvᵀ/vᵀv.
    let vv = v0 * v0;
    for (let i = k + 1; i < n; i++) vv += a[col + i] ** 2;
    const apply = (target: Float64Array, offset: number) => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += a[col + i] * target[offset + i];
      const f = (2 * dot) / vv;
      for (let i = k; i < n; i++) target[offset + i] -= f * a[col + i];
    };
    for (let j = k + 1; j < m; j++) apply(a, j * n);
    apply(b, 0);
    a[col + k] = alpha;
  }
  const w = new Float64Array(m);
  for (let k = m - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < m; j++) s -= a[j * n + k] * w[j];
    w[k] = s / a[k * n + k];
  }
  return w;
}

export async function runComplexity(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const values = checkValues(spec);
  const byEpochs = spec.parameter === 'epochs';
  const byDegree = spec.parameter === 'degree';
  const exact = byDegree ? polynomialFits(base.data, values) : [];
  const modelAt = (v: number): ModelSpec =>
    byEpochs ? base.model : { ...base.model, [spec.parameter]: v };
  const tasks = byDegree
    ? []
    : byEpochs
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
    if (byDegree) return exact;
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
          parameters: r.parameters,
          testAccuracy: null,
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
              parameters: r.parameters,
              testAccuracy: r.final.test.accuracy ?? null,
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
          p.parameters,
        ]),
      },
      trainings: records,
      ...(chosen
        ? {
            chosen: {
              label: `${spec.parameter} = ${chosen.value}`,
              value: chosen.value,
              testLoss: chosen.test,
              testAccuracy: chosen.testAccuracy,
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
