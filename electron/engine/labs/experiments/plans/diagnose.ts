/**
 * Diagnose: the lecture's recipe before any optimizer, as a flowchart the verdict walks.
 *
 *   Is the training loss large?                      (≥ largeTrainLoss × the constant loss L₀)
 *   ├─ yes: does a smaller model reach a lower training loss?
 *   │       ├─ yes → optimization  (the model can express what the smaller one does, so its
 *   │       │                       higher training loss is the optimizer's failure)
 *   │       └─ no  → model bias    (make the model more flexible: more features, wider, deeper)
 *   └─ no:  is the validation loss large next to the training loss?
 *           ├─ yes → overfitting   (more data, augmentation, constraints: fewer parameters,
 *           │                       shared ones, regularization, early stopping, dropout)
 *           └─ no:  is the test loss large next to the validation loss?
 *                   ├─ yes → mismatch (the test data come from another distribution: more
 *                   │                   training data will not help)
 *                   └─ no  → fine
 *
 * The references trained beside the model, with the same optimizer, batches and epochs: a
 * shallower and narrower network (half the depth, a quarter of the width, at least 1 each) and
 * a linear one (one hidden layer with the identity activation: a linear function of the
 * inputs, whatever its width). "Large next to" is (1 + gap) × and at least gap × 0.1·L₀ above,
 * so two tiny losses never count as a gap.
 */
import type {
  ExperimentResult,
  ExperimentSpec,
  TrainingRecord,
  Verdict,
} from '../../../../common/protocol';
import type { ModelSpec } from '../../../../common/network';
import {
  curvesFigure,
  fmt,
  resultFrame,
  task,
  trainingColumns,
  trainingRow,
  type ExperimentServices,
} from './common';

type Spec = Extract<ExperimentSpec, { kind: 'diagnose' }>;

const ADVICE: Record<Verdict['branch'], string> = {
  'model bias':
    'Model bias: the model is too simple to express the answer. Make it more flexible — more input features, a wider or deeper network.',
  optimization:
    'Optimization: a smaller network does better on the training data, so this model can do at least as well and the optimizer is failing it. Try another optimizer, learning rate or schedule, better initialization, normalization, or residual connections.',
  overfitting:
    'Overfitting: small training loss, large validation loss. Get more data (or augment it), constrain the model (fewer or shared parameters, L2, early stopping, dropout), and choose its complexity by cross-validation.',
  mismatch:
    'Mismatch: the validation loss is fine but the test data differ from the training data. More training data of the same kind will not help; the data must come from the test distribution.',
  fine: 'Fine: the training loss is small, and the validation and test losses are close to it.',
};

/** The references of a model: shallower and narrower, and linear. */
export function references(model: ModelSpec): { name: string; model: ModelSpec }[] {
  const all: { name: string; model: ModelSpec }[] = [
    {
      name: 'smaller',
      model: {
        ...model,
        depth: Math.max(1, Math.floor(model.depth / 2)),
        width: Math.max(1, Math.floor(model.width / 4)),
        residual: false,
      },
    },
    {
      name: 'linear',
      model: { ...model, depth: 1, activation: 'linear', residual: false, dropout: 0 },
    },
  ];
  // A reference that is the model itself (a 1 × 3 net's "smaller" one) says nothing: left out.
  const same = (a: ModelSpec) => JSON.stringify(a) === JSON.stringify(model);
  return all.filter((r) => !same(r.model));
}

/** Whether a is "large next to" b: a > b + gap · max(b, 0.1·L₀). */
function gapAbove(a: number, b: number, gap: number, l0: number): boolean {
  return a > b + gap * Math.max(b, 0.1 * l0);
}

/** The flowchart on the model's and the references' final losses. */
export function verdictOf(
  model: TrainingRecord,
  refs: readonly TrainingRecord[],
  l0: number,
  t: Spec['thresholds'],
): Verdict {
  const steps: Verdict['steps'] = [];
  const train = model.final.train.loss ?? Infinity;
  const large = !(train < t.largeTrainLoss * l0);
  steps.push({
    question: 'Is the training loss large?',
    answer: large,
    evidence: `training loss ${fmt(train)} ${large ? '≥' : '<'} ${t.largeTrainLoss} × ${fmt(l0)} (the best constant prediction's loss)`,
  });
  if (large) {
    const best = refs
      .filter((r) => r.final.train.loss !== null)
      .sort((a, b) => a.final.train.loss! - b.final.train.loss!)[0];
    const lower = best !== undefined && best.final.train.loss! < (1 - t.optimizationMargin) * train;
    steps.push({
      question: 'Does a smaller model reach a lower training loss?',
      answer: lower,
      evidence: best
        ? `${best.label}: training loss ${fmt(best.final.train.loss)} against the model's ${fmt(train)}`
        : 'no reference finished',
    });
    const branch = lower ? 'optimization' : 'model bias';
    return { branch, steps, advice: ADVICE[branch] };
  }
  const validation = model.final.validation.loss;
  const overfit = validation !== null && gapAbove(validation, train, t.overfitGap, l0);
  steps.push({
    question: 'Is the validation loss large next to the training loss?',
    answer: overfit,
    evidence:
      validation === null
        ? 'there is no validation split'
        : `validation loss ${fmt(validation)} against training loss ${fmt(train)}`,
  });
  if (overfit) return { branch: 'overfitting', steps, advice: ADVICE.overfitting };
  const test = model.final.test.loss;
  const against = validation ?? train;
  const mismatch = test !== null && gapAbove(test, against, t.mismatchGap, l0);
  steps.push({
    question: 'Is the test loss large next to the validation loss?',
    answer: mismatch,
    evidence:
      test === null
        ? 'there is no test split'
        : `test loss ${fmt(test)} against ${validation === null ? 'training' : 'validation'} loss ${fmt(against)}`,
  });
  const branch = mismatch ? 'mismatch' : 'fine';
  return { branch, steps, advice: ADVICE[branch] };
}

export async function runDiagnose(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const models = [{ name: 'model', model: base.model }, ...references(base.model)];
  const tasks = models.map((m) =>
    task(base, {
      id: m.name,
      label:
        m.name === 'model'
          ? `the model (${m.model.depth}×${m.model.width} ${m.model.activation})`
          : m.name === 'smaller'
            ? `smaller (${m.model.depth}×${m.model.width} ${m.model.activation})`
            : 'linear',
      group: m.name,
      model: m.model,
      epochs: spec.epochs,
    }),
  );
  services.plan(tasks.length, tasks.length * spec.epochs);
  const done: (TrainingRecord | undefined)[] = new Array(tasks.length);
  const started = performance.now();
  const build = (): ExperimentResult => {
    const records = done.filter((r): r is TrainingRecord => r !== undefined);
    const model = done[0];
    const verdict =
      model && done.every((r) => r !== undefined)
        ? verdictOf(model, done.slice(1) as TrainingRecord[], base.constantLoss, spec.thresholds)
        : undefined;
    const finals = {
      id: 'finals',
      title: 'Final losses',
      kind: 'scatter' as const,
      x: { label: 'split (0 training, 1 validation, 2 test)', ticks: 'integer' as const },
      y: { label: 'loss' },
      series: records.map((r, i) => ({
        label: r.label,
        x: [0, 1, 2],
        y: [r.final.train.loss, r.final.validation.loss, r.final.test.loss],
        group: i,
      })),
    };
    return {
      ...resultFrame(
        'diagnose',
        'Diagnose: model bias, optimization, overfitting or mismatch',
        base,
        tasks.length,
        services.threads,
      ),
      figures: [
        curvesFigure('curves', 'Loss per epoch: the model and its references', records, {
          validation: true,
        }),
        finals,
      ],
      table: { columns: trainingColumns, rows: records.map(trainingRow) },
      trainings: records,
      ...(verdict ? { verdict } : {}),
      notes: [
        `The best constant prediction's training loss L₀ = ${fmt(base.constantLoss)} sets the scale: a training loss ≥ ${spec.thresholds.largeTrainLoss} × L₀ counts as large.`,
      ],
      ms: performance.now() - started,
    };
  };
  await services.train(tasks, (index, outcome) => {
    done[index] = outcome.record;
    services.partial(build());
  });
  return build();
}
