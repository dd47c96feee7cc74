/**
 * `losslab experiment` as a user runs it (main() in process, the SPEC on stdin; trainings in
 * this thread, there being no worker bundle next to the sources): a result of the documented
 * shape whose numbers are the trainings' own (a cross-validation's chosen candidate is the one
 * of least mean validation loss), the moons when the SPEC gives no dataset, JSON's null for
 * what is not finite, and bad SPECs refused with exit 2 and one line naming the field.
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentResult } from '../../electron/common/protocol';
import { runCli } from './harness';

async function experiment(spec: unknown): Promise<ExperimentResult> {
  const { code, out, err } = await runCli(['experiment', '-'], JSON.stringify(spec));
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as ExperimentResult;
}

describe('losslab experiment', () => {
  it('cross-validation: N trainings per candidate, the least mean validation loss chosen and refit', async () => {
    const r = await experiment({
      kind: 'cross-validation',
      dataset: { kind: 'circles', n: 120, noise: 0.15 },
      folds: 3,
      candidates: [{ width: 1 }, { width: 16 }],
      epochs: 15,
    });
    expect(r.kind).toBe('cross-validation');
    expect(r.dataset).toMatchObject({ kind: 'circles', task: 'classification' });
    // 2 candidates × 3 folds, and the refit.
    expect(r.trainings).toHaveLength(7);
    expect(r.planned).toBe(7);
    const mean = (c: number) =>
      r.trainings.slice(c * 3, c * 3 + 3).reduce((s, t) => s + t.final.validation.loss!, 0) / 3;
    const best = mean(0) < mean(1) ? 0 : 1;
    expect(r.chosen?.value).toBe(best);
    const refit = r.trainings[6];
    expect(refit.model.width).toBe(best === 0 ? 1 : 16);
    // The refit trains on every fold: the training and validation splits together.
    expect(refit.final.validation.loss).toBeNull();
    expect(r.chosen?.testLoss).toBe(refit.final.test.loss);
    expect(r.table.columns[0]).toBe('candidate');
    expect(r.figures.map((f) => f.id)).toEqual(['folds', 'curves']);
  });

  it('the moons when no dataset is given', async () => {
    const r = await experiment({ kind: 'complexity', values: [1, 2], epochs: 2 });
    expect(r.dataset.kind).toBe('moons');
    expect(r.table.rows.map((row) => row[0])).toEqual([1, 2]);
  });

  it('refuses bad SPECs with exit 2, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [[1], /^losslab experiment: spec: must be a JSON object\n$/],
      [{ kind: 'nope' }, /^losslab experiment: spec\.kind: /],
      [{ kind: 'depth', depths: [0] }, /^losslab experiment: spec\.depths\.0: /],
      [
        { kind: 'complexity', parameter: 'width', values: [0.5, 2], epochs: 1 },
        /^losslab experiment: spec\.values: width must be whole numbers ≥ 1 \(got 0\.5\)\n$/,
      ],
      [
        { kind: 'cross-validation', dataset: { kind: 'moons', n: 8 }, folds: 10, epochs: 1 },
        /^losslab experiment: spec\.folds: 10 folds of \d+ training and validation points/,
      ],
    ];
    for (const [spec, message] of cases) {
      const { code, out, err } = await runCli(['experiment', '-'], JSON.stringify(spec));
      expect(code, JSON.stringify(spec)).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(message);
    }
  });
});
