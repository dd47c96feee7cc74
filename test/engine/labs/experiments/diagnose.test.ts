/**
 * The diagnose experiment (the lecture's flowchart). `verdictOf` on hand-made training records
 * reaches each of the five branches — model bias, optimization, overfitting, mismatch, fine —
 * through exactly the questions the flowchart asks on the way, and the edges of each question
 * (a loss at the "large" threshold, a reference just at the optimization margin, two tiny
 * losses that never make a gap, missing splits, diverged trainings) go the documented way.
 * End to end on fixed seeds: a 2 × 64 tanh net trained full-batch for 300 epochs on 70 noisy
 * moons overfits (verdict 'overfitting'); a 1 × 2 tanh net on the spirals cannot express them,
 * and neither reference does better (verdict 'model bias').
 *
 * Measured on wasm (seed 0), losses training / validation / test, L₀ the constant predictor's:
 * overfitting — the model 0.004 / 1.435 / 0.076 (L₀ 0.687; validation 360× the training
 * loss); model bias — the model 0.666 / 0.615 / 0.689 (L₀ 0.693, so 0.96 L₀ ≥ 0.2 L₀), the
 * smaller net 0.693 and the linear one 0.675, neither below 0.9 × 0.666 = 0.599. It fails if a
 * branch's question or threshold changes, if the references stop being smaller or linear, or
 * if the verdict reads the wrong split.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  TrainingRecord,
  VerdictBranch,
  VerdictThresholds,
} from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { references, verdictOf } from '../../../../electron/engine/labs/experiments/plans';
import type { Tf } from '../../../../electron/engine/network';
import { run, training } from './helpers';

const thresholds: VerdictThresholds = {
  largeTrainLoss: 0.2,
  optimizationMargin: 0.1,
  overfitGap: 0.5,
  mismatchGap: 0.5,
};

/** A training record with these final losses (null: no such split, or diverged). */
function record(
  label: string,
  train: number | null,
  validation: number | null = null,
  test: number | null = null,
): TrainingRecord {
  return {
    id: label,
    label,
    group: label,
    model: {
      depth: 2,
      width: 16,
      activation: 'relu',
      residual: false,
      l2: 0,
      dropout: 0,
      seed: 0,
      init: 'auto',
    },
    optimizer: { optimizer: 'adam', lr: 0.01 },
    batchSize: 32,
    status: train === null ? 'diverged' : 'ok',
    steps: 100,
    curves: { step: [100], trainLoss: [train ?? NaN], validationLoss: [validation] },
    final: { train: { loss: train }, validation: { loss: validation }, test: { loss: test } },
    msPerUpdate: 0.1,
    msPerEpoch: 1,
    parameters: 100,
  };
}

const QUESTIONS = {
  large: 'Is the training loss large?',
  smaller: 'Does a smaller model reach a lower training loss?',
  overfit: 'Is the validation loss large next to the training loss?',
  mismatch: 'Is the test loss large next to the validation loss?',
};

/** The verdict's branch and the path it took: each question with its answer. */
function walk(
  model: TrainingRecord,
  refs: TrainingRecord[],
  l0 = 1,
  t: VerdictThresholds = thresholds,
): { branch: VerdictBranch; path: [string, boolean][] } {
  const v = verdictOf(model, refs, l0, t);
  expect(v.advice.length).toBeGreaterThan(20);
  for (const step of v.steps) expect(step.evidence.length).toBeGreaterThan(0);
  return { branch: v.branch, path: v.steps.map((s) => [s.question, s.answer]) };
}

describe('verdictOf: every branch of the flowchart', () => {
  // L₀ = 1: "large" is a training loss ≥ 0.2.
  const refs = [record('smaller', 0.48), record('linear', 0.6)];

  it('model bias: large training loss, and no smaller model does better', () => {
    expect(walk(record('model', 0.5, 0.55, 0.56), refs)).toEqual({
      branch: 'model bias',
      path: [
        [QUESTIONS.large, true],
        [QUESTIONS.smaller, false],
      ],
    });
  });

  it('optimization: large training loss, and a smaller model does better', () => {
    expect(
      walk(record('model', 0.5, 0.55, 0.56), [record('smaller', 0.3), record('linear', 0.6)]),
    ).toEqual({
      branch: 'optimization',
      path: [
        [QUESTIONS.large, true],
        [QUESTIONS.smaller, true],
      ],
    });
  });

  it('overfitting: small training loss, large validation loss', () => {
    expect(walk(record('model', 0.05, 0.5, 0.5), refs)).toEqual({
      branch: 'overfitting',
      path: [
        [QUESTIONS.large, false],
        [QUESTIONS.overfit, true],
      ],
    });
  });

  it('mismatch: small training and validation losses, large test loss', () => {
    expect(walk(record('model', 0.05, 0.09, 0.5), refs)).toEqual({
      branch: 'mismatch',
      path: [
        [QUESTIONS.large, false],
        [QUESTIONS.overfit, false],
        [QUESTIONS.mismatch, true],
      ],
    });
  });

  it('fine: every loss small and close', () => {
    expect(walk(record('model', 0.05, 0.09, 0.1), refs)).toEqual({
      branch: 'fine',
      path: [
        [QUESTIONS.large, false],
        [QUESTIONS.overfit, false],
        [QUESTIONS.mismatch, false],
      ],
    });
  });

  it('each branch has its own advice', () => {
    const advice = [
      verdictOf(record('m', 0.5), refs, 1, thresholds),
      verdictOf(record('m', 0.5), [record('s', 0.3)], 1, thresholds),
      verdictOf(record('m', 0.05, 0.5), refs, 1, thresholds),
      verdictOf(record('m', 0.05, 0.09, 0.5), refs, 1, thresholds),
      verdictOf(record('m', 0.05, 0.09, 0.1), refs, 1, thresholds),
    ].map((v) => v.advice);
    expect(new Set(advice).size).toBe(5);
  });
});

describe('verdictOf: the edges of each question', () => {
  const branch = (model: TrainingRecord, refs: TrainingRecord[] = [], l0 = 1, t = thresholds) =>
    verdictOf(model, refs, l0, t).branch;

  it('"large" is relative to L₀ and includes the threshold itself', () => {
    expect(branch(record('m', 0.2, 0.2, 0.2))).toBe('model bias');
    expect(branch(record('m', 0.199, 0.199, 0.199))).toBe('fine');
    // The same losses on a scale 10× larger are small.
    expect(branch(record('m', 0.5, 0.55, 0.56), [], 10)).toBe('fine');
    expect(branch(record('m', 0.5), [], 1, { ...thresholds, largeTrainLoss: 0.6 })).toBe('fine');
  });

  it('a reference must beat the model by the margin; diverged references do not count', () => {
    // 0.9 × 0.5 = 0.45 is not below the margin; 0.449 is.
    expect(branch(record('m', 0.5), [record('s', 0.45)])).toBe('model bias');
    expect(branch(record('m', 0.5), [record('s', 0.449)])).toBe('optimization');
    expect(branch(record('m', 0.5), [record('s', null), record('l', 0.6)])).toBe('model bias');
    // The best of the references is the one compared.
    expect(branch(record('m', 0.5), [record('l', 0.6), record('s', 0.1)])).toBe('optimization');
    // No reference finished: nothing shows the optimizer failing.
    const none = verdictOf(record('m', 0.5), [record('s', null)], 1, thresholds);
    expect(none.branch).toBe('model bias');
    expect(none.steps[1].evidence).toBe('no reference finished');
  });

  it('a diverged model (no training loss) has a large one; a finished reference shows optimization', () => {
    expect(branch(record('m', null), [record('s', 0.6)])).toBe('optimization');
    expect(branch(record('m', null), [])).toBe('model bias');
  });

  it('gaps: (1 + gap) × and at least gap × 0.1 L₀ above, so two tiny losses are no gap', () => {
    // Validation 0.05 against training 0.001: 50× — but under 0.001 + 0.5 × 0.1.
    expect(branch(record('m', 0.001, 0.05, 0.05))).toBe('fine');
    expect(branch(record('m', 0.001, 0.052, 0.052))).toBe('overfitting');
    // Above the floor (L₀ = 2: large from 0.4, floor 0.2): (1 + 0.5) × 0.25 = 0.375.
    expect(branch(record('m', 0.25, 0.375, 0.375), [], 2)).toBe('fine');
    expect(branch(record('m', 0.25, 0.376, 0.376), [], 2)).toBe('overfitting');
    // Mismatch alike, against the validation loss: 1.5 × 0.25 = 0.375.
    expect(branch(record('m', 0.2, 0.25, 0.375), [], 2)).toBe('fine');
    expect(branch(record('m', 0.2, 0.25, 0.376), [], 2)).toBe('mismatch');
    expect(branch(record('m', 0.2, 0.25, 0.7), [], 2, { ...thresholds, mismatchGap: 2 })).toBe(
      'fine',
    );
    expect(branch(record('m', 0.2, 0.25, 0.376), [], 2, { ...thresholds, overfitGap: 0 })).toBe(
      'overfitting',
    );
  });

  it('missing splits: no validation → the test loss is compared with the training loss', () => {
    const noValidation = verdictOf(record('m', 0.05, null, 0.5), [], 1, thresholds);
    expect(noValidation.branch).toBe('mismatch');
    expect(noValidation.steps[1]).toMatchObject({
      answer: false,
      evidence: 'there is no validation split',
    });
    expect(noValidation.steps[2].evidence).toMatch(/against training loss/);
    const noTest = verdictOf(record('m', 0.05, 0.06, null), [], 1, thresholds);
    expect(noTest.branch).toBe('fine');
    expect(noTest.steps[2]).toMatchObject({ answer: false, evidence: 'there is no test split' });
  });
});

describe('references', () => {
  it('half the depth and a quarter of the width (at least 1 each), and a linear model', () => {
    const model = record('m', 0).model;
    expect(references({ ...model, depth: 4, width: 64, residual: true })).toEqual([
      { name: 'smaller', model: { ...model, depth: 2, width: 16, residual: false } },
      { name: 'linear', model: { ...model, depth: 1, width: 64, activation: 'linear' } },
    ]);
    expect(references({ ...model, depth: 1, width: 2 })[0].model).toMatchObject({
      depth: 1,
      width: 1,
    });
  });

  it('leaves out a reference that is the model itself', () => {
    const model = { ...record('m', 0).model, depth: 1, width: 1 };
    expect(references(model).map((r) => r.name)).toEqual(['linear']);
  });
});

describe('diagnose experiment', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await loadBackend()).tf;
  });

  it("an over-parameterized net on 70 noisy moons: 'overfitting'", async () => {
    const result = await run(tf, {
      kind: 'diagnose',
      dataset: { kind: 'moons', n: 100, noise: 0.3 },
      model: { depth: 2, width: 64, activation: 'tanh' },
      batchSize: 'full',
      epochs: 300,
    });
    expect(result.trainings.map((t) => t.id)).toEqual(['model', 'smaller', 'linear']);
    expect(result.verdict!.branch).toBe('overfitting');
    const model = training(result, 'model').final;
    // Measured 0.004 and 1.435 (L₀ 0.687): far past the 0.2 L₀ and gap thresholds.
    expect(model.train.loss!).toBeLessThan(0.05);
    expect(model.validation.loss!).toBeGreaterThan(10 * model.train.loss! + 0.5);
    expect(result.verdict!.steps.map((s) => s.answer)).toEqual([false, true]);
  });

  it("a 1 × 2 tanh net on the spirals: 'model bias'", async () => {
    const result = await run(tf, {
      kind: 'diagnose',
      dataset: { kind: 'spirals', n: 200 },
      model: { depth: 1, width: 2, activation: 'tanh' },
      epochs: 50,
    });
    expect(result.verdict!.branch).toBe('model bias');
    const loss = (id: string) => training(result, id).final.train.loss!;
    // Measured 0.666 against L₀ 0.693; the references 0.693 and 0.675, both above the model's.
    expect(loss('model')).toBeGreaterThan(0.8 * Math.LN2);
    expect(Math.min(loss('smaller'), loss('linear'))).toBeGreaterThan(loss('model'));
    expect(training(result, 'smaller').model).toMatchObject({ depth: 1, width: 1 });
    expect(training(result, 'linear').model).toMatchObject({ depth: 1, activation: 'linear' });
  });
});
