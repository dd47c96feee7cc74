/**
 * Mismatch: the model trained once on the training distribution, then scored on its validation
 * split (the same distribution) and on test sets shifted by each size s ∈ [0, 1] of the
 * dataset's own kind of shift — 2-D sets rotated by s × 90° about the origin, regression inputs
 * drawn from the training range moved by s × its width, digit images moved right by
 * round(4s) pixels. The validation loss stays where it is while the test loss climbs with the
 * shift: the test data come from elsewhere, and no amount of training data of the old kind
 * helps. The verdict (the diagnose experiment's last question) is asked at each size; the first
 * size where it says mismatch is marked.
 */
import type { ExperimentResult, ExperimentSpec, Verdict } from '../../../../common/protocol';
import type { DatasetSpec, Mismatch } from '../../../../common/network';
import { cell, fmt, positiveSpan, resultFrame, task, type ExperimentServices } from './common';

type Spec = Extract<ExperimentSpec, { kind: 'mismatch' }>;

/** The dataset's shift of size s, and how it reads. */
export function shiftOf(dataset: DatasetSpec, s: number): { mismatch: Mismatch; words: string } {
  switch (dataset.kind) {
    case 'sine':
    case 'polynomial': {
      const by = s * (dataset.range[1] - dataset.range[0]);
      return { mismatch: { kind: 'shift', by }, words: `inputs moved by ${fmt(by)}` };
    }
    case 'digits': {
      const by = Math.round(4 * s);
      return { mismatch: { kind: 'pixels', by: [by, 0] }, words: `images moved ${by} px right` };
    }
    default: {
      const degrees = 90 * s;
      return { mismatch: { kind: 'rotate', degrees }, words: `rotated ${fmt(degrees)}°` };
    }
  }
}

export async function runMismatch(
  spec: Spec,
  services: ExperimentServices,
): Promise<ExperimentResult> {
  const { base } = services;
  const sizes = [...new Set(spec.sizes)].sort((a, b) => a - b);
  const shifts = sizes.map((s) => shiftOf(base.dataset, s));
  const training = task(base, {
    id: 'model',
    label: 'the model',
    group: 'model',
    // The model trains on the unshifted data; the shifted sets differ only in their test split.
    dataset: { ...base.dataset, mismatch: false },
    epochs: spec.epochs,
    extraTests: shifts.map((sh) => ({ ...base.dataset, mismatch: sh.mismatch }) as DatasetSpec),
  });
  services.plan(1, spec.epochs);
  const started = performance.now();
  const [outcome] = await services.train([training]);
  const r = outcome.record;
  const l0 = base.constantLoss;
  const validation = r.final.validation.loss ?? r.final.train.loss;
  const t = spec.thresholds;
  const verdictAt = (test: number | null) =>
    test !== null &&
    validation !== null &&
    test > validation + t.mismatchGap * Math.max(validation, 0.1 * l0);
  const firstIndex = outcome.extraTests.findIndex((e) => verdictAt(e.loss));
  const worst = outcome.extraTests[outcome.extraTests.length - 1];
  const steps: Verdict['steps'] = [
    {
      question: 'Is the validation loss large next to the training loss?',
      answer: false,
      evidence: `validation loss ${fmt(validation)} against training loss ${fmt(r.final.train.loss)}`,
    },
    {
      question: 'Is the test loss large next to the validation loss?',
      answer: firstIndex >= 0,
      evidence:
        firstIndex >= 0
          ? `from shift ${sizes[firstIndex]} (${shifts[firstIndex].words}) on: test loss ${fmt(outcome.extraTests[firstIndex].loss)} against validation loss ${fmt(validation)}`
          : `even at shift ${sizes[sizes.length - 1]}: test loss ${fmt(worst?.loss)} against validation loss ${fmt(validation)}`,
    },
  ];
  const verdict: Verdict = {
    branch: firstIndex >= 0 ? 'mismatch' : 'fine',
    steps,
    advice:
      firstIndex >= 0
        ? 'Mismatch: the validation loss is fine, but the test data come from another distribution. More training data of the same kind will not help; train on data like the test data.'
        : 'No mismatch at these shift sizes: the test loss stays close to the validation loss.',
  };
  const series = [
    { label: 'test loss (shifted)', x: sizes, y: outcome.extraTests.map((e) => e.loss) },
    { label: 'validation loss', x: sizes, y: sizes.map(() => validation), dashed: true },
    { label: 'training loss', x: sizes, y: sizes.map(() => r.final.train.loss), dashed: true },
  ];
  const classification = base.data.task === 'classification';
  return {
    ...resultFrame(
      'mismatch',
      'Mismatch: validation against a shifted test set',
      base,
      1,
      services.threads,
    ),
    figures: [
      {
        id: 'shift',
        title: 'Loss against the size of the test set’s shift',
        kind: 'line',
        x: { label: 'shift size (0 none, 1 the largest)' },
        y: { label: 'loss', log: positiveSpan(series) > 30 },
        series,
        ...(firstIndex >= 0
          ? { marks: [{ x: sizes[firstIndex], label: 'mismatch from here' }] }
          : {}),
      },
      ...(classification
        ? [
            {
              id: 'accuracy',
              title: 'Accuracy against the size of the shift',
              kind: 'line' as const,
              x: { label: 'shift size (0 none, 1 the largest)' },
              y: { label: 'accuracy' },
              series: [
                {
                  label: 'test accuracy (shifted)',
                  x: sizes,
                  y: outcome.extraTests.map((e) => e.accuracy ?? null),
                },
                {
                  label: 'validation accuracy',
                  x: sizes,
                  y: sizes.map(() => r.final.validation.accuracy ?? null),
                  dashed: true,
                },
              ],
            },
          ]
        : []),
    ],
    table: {
      columns: ['shift size', 'shift', 'test loss', 'test accuracy', 'validation loss', 'mismatch'],
      rows: sizes.map((s, i) => [
        s,
        shifts[i].words,
        cell(outcome.extraTests[i].loss),
        cell(outcome.extraTests[i].accuracy),
        cell(validation),
        verdictAt(outcome.extraTests[i].loss) ? 'yes' : 'no',
      ]),
    },
    trainings: [r],
    verdict,
    notes: [
      `Trained once on the unshifted data (${r.steps} updates): training loss ${fmt(r.final.train.loss)}, validation loss ${fmt(validation)}.`,
      ...(firstIndex >= 0
        ? [
            `The test loss leaves the validation loss behind from shift ${sizes[firstIndex]} (${shifts[firstIndex].words}).`,
          ]
        : []),
    ],
    ms: performance.now() - started,
  };
}
