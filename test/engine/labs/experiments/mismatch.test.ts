/**
 * The mismatch experiment on 200 moons, a 2 × 16 tanh net, Adam η = 0.01, 50 epochs: trained
 * once on the unshifted data, the verdict is 'fine' when the only test set is unshifted (sizes
 * [0]) and 'mismatch' when the test sets include a rotated one (sizes [0, 0.5, 1]: 0°, 45° and
 * 90°) — the validation loss stays where it is while the shifted test loss climbs. The model
 * is the same in both runs (the shift touches the test split only), so the verdict is the
 * shift's doing.
 *
 * Measured on wasm (seed 0): training loss 0.0061, validation 0.0405; test loss at 0°, 45°,
 * 90°: 0.0066, 1.96, 9.61 (mismatch when above 0.0405 + 0.5 · max(0.0405, 0.1 · L₀) = 0.075,
 * L₀ = ln 2 nearly): 11× below the line unshifted, 26× above it at 45°. It fails if the
 * shift leaks into the training split (the two runs' trainings would differ), if the shifted
 * sets are not scored (no verdict), or if the verdict compares the wrong losses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetSpecSchema } from '../../../../electron/common/network';
import type { ExperimentResult } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { shiftOf } from '../../../../electron/engine/labs/experiments/plans';
import type { Tf } from '../../../../electron/engine/network';
import { numbers, run } from './helpers';

const spec = {
  kind: 'mismatch',
  dataset: { kind: 'moons', n: 200 },
  model: { depth: 2, width: 16, activation: 'tanh' },
  epochs: 50,
} as const;

let tf: Tf;
let unshifted: ExperimentResult;
let shifted: ExperimentResult;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
  unshifted = await run(tf, { ...spec, sizes: [0] });
  shifted = await run(tf, { ...spec, sizes: [0, 0.5, 1] });
});

describe('mismatch experiment', () => {
  it('shifts a 2-D set by rotating it s × 90°', () => {
    expect(shiftOf(datasetSpecSchema.parse({ kind: 'moons' }), 0.5).mismatch).toEqual({
      kind: 'rotate',
      degrees: 45,
    });
  });

  it("says 'fine' without a shift and 'mismatch' with one, on the same trained model", () => {
    const [a] = unshifted.trainings;
    const [b] = shifted.trainings;
    expect(unshifted.trainings).toHaveLength(1);
    expect(numbers(b)).toEqual(numbers(a));
    // A well-trained model: not overfit (the verdict's first question is answered no).
    const validation = a.final.validation.loss!;
    expect(a.final.train.loss!).toBeLessThan(0.05);
    expect(validation).toBeLessThan(0.1);

    // Without a shift: the test loss is the unshifted test set's, far below the line.
    expect(unshifted.verdict!.branch).toBe('fine');
    expect(unshifted.verdict!.steps.map((s) => s.answer)).toEqual([false, false]);
    const line = validation + 0.5 * Math.max(validation, 0.1 * Math.LN2);
    const [atZero] = unshifted.table.rows;
    expect(atZero[5]).toBe('no');
    expect(atZero[2] as number).toBeCloseTo(a.final.test.loss!, 5);
    expect(atZero[2] as number).toBeLessThan(line / 4);

    // With one: the same model, the verdict is mismatch from 45° on.
    expect(shifted.verdict!.branch).toBe('mismatch');
    expect(shifted.verdict!.steps.map((s) => s.answer)).toEqual([false, true]);
    const rows = shifted.table.rows;
    expect(rows.map((row) => [row[0], row[1], row[5]])).toEqual([
      [0, 'rotated 0°', 'no'],
      [0.5, 'rotated 45°', 'yes'],
      [1, 'rotated 90°', 'yes'],
    ]);
    expect(rows[0][2]).toBe(atZero[2]);
    // The validation loss stays put while the test loss climbs with the shift.
    expect(rows.every((row) => row[4] === Number(validation.toPrecision(6)))).toBe(true);
    expect(rows[1][2] as number).toBeGreaterThan(4 * line);
    expect(rows[2][2] as number).toBeGreaterThan(rows[1][2] as number);
    expect(shifted.figures[0].marks).toEqual([{ x: 0.5, label: 'mismatch from here' }]);
  });
});
