/**
 * N-fold cross-validation: the folds (foldOf, foldDataset) partition the training and
 * validation points — every point validates in exactly one fold and trains in the others, each
 * fold's training and validation points together are the whole pool, fold sizes differ by at
 * most one, stratified folds hold each class within ±1 of its proportion, the held-out test
 * set is never dealt — and a small 4-fold run on 200 moons of two candidates (a width-1 and a
 * width-16 ReLU net) chooses the candidate of least mean validation loss, refits it on all the
 * folds and reports that refit's test loss.
 *
 * Measured on wasm (seed 0): mean validation loss 0.365 for width 1 against 0.234 for width
 * 16; the refit's test loss 0.136. It fails if a point is dealt twice or never (a pool built
 * from the wrong splits, an off-by-one in the deal), if stratification loses a class's share,
 * if the choice reads training instead of validation losses, or if the reported test loss is
 * not the refit's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResult } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { buildDataset, type DataSplit } from '../../../../electron/engine/datasets';
import {
  foldDataset,
  foldOf,
  type FoldSpec,
} from '../../../../electron/engine/labs/experiments/training';
import type { Tf } from '../../../../electron/engine/network';
import { run, training } from './helpers';

/** Each point of a split as a string (its raw inputs and label), one per point. */
function points(split: DataSplit, dim: number): string[] {
  return Array.from({ length: split.n }, (_, i) =>
    [...split.raw.subarray(i * dim, (i + 1) * dim), split.y[i]].join(','),
  );
}

const sorted = (list: string[]) => [...list].sort();

/** How many of `fold`'s entries equal k, for each k < count. */
function sizes(fold: Int32Array, count: number, where: (i: number) => boolean = () => true) {
  const out = new Array<number>(count).fill(0);
  fold.forEach((k, i) => {
    if (where(i)) out[k]++;
  });
  return out;
}

describe('foldOf', () => {
  const spec = (count: number, stratified: boolean, seed = 0): FoldSpec => ({
    count,
    index: 0,
    stratified,
    seed,
  });

  it('puts every point in exactly one fold, fold sizes within one of each other', () => {
    for (const [n, count] of [
      [10, 2],
      [103, 4],
      [170, 5],
      [37, 10],
    ]) {
      const fold = foldOf(n, spec(count, false));
      expect(fold).toHaveLength(n);
      expect(fold.every((k) => Number.isInteger(k) && k >= 0 && k < count)).toBe(true);
      const s = sizes(fold, count);
      expect(s.reduce((a, b) => a + b, 0)).toBe(n);
      expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
    }
  });

  it('is a seeded shuffle: the same seed the same folds, another seed others', () => {
    const a = foldOf(100, spec(5, false, 7));
    expect(Array.from(foldOf(100, spec(5, false, 7)))).toEqual(Array.from(a));
    expect(Array.from(foldOf(100, spec(5, false, 8)))).not.toEqual(Array.from(a));
    // Not the points in their order dealt round-robin.
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i % 5));
  });

  it('stratified: each class within ±1 of its proportion in every fold', () => {
    // Unbalanced classes of 60, 30 and 13 points, interleaved.
    const counts = [60, 30, 13];
    const labels: number[] = [];
    for (let c = 0; c < counts.length; c++) for (let i = 0; i < counts[c]; i++) labels.push(c);
    const shuffled = labels.map((c, i) => ({ c, key: (i * 7919) % 103 }));
    shuffled.sort((a, b) => a.key - b.key);
    const y = shuffled.map((s) => s.c);
    for (const count of [2, 4, 5, 10]) {
      const fold = foldOf(y.length, spec(count, true, 3), y);
      for (let c = 0; c < counts.length; c++) {
        for (const inFold of sizes(fold, count, (i) => y[i] === c)) {
          expect(Math.abs(inFold - counts[c] / count)).toBeLessThanOrEqual(1);
        }
      }
      const s = sizes(fold, count);
      expect(s.reduce((a, b) => a + b, 0)).toBe(y.length);
      expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
    }
  });
});

describe('foldDataset', () => {
  // 200 moons with label noise: 140 training, 30 validation and 30 test points.
  const base = buildDataset({ kind: 'moons', n: 200, labelNoise: 0.2, seed: 4 });
  const dim = base.inputDim;
  const pool = [...points(base.train, dim), ...points(base.validation, dim)];
  const test = points(base.test, dim);

  it('the pool is distinct points (so the checks below compare points, not duplicates)', () => {
    expect(new Set(pool).size).toBe(pool.length);
    expect(pool).toHaveLength(170);
  });

  for (const stratified of [false, true]) {
    it(`${stratified ? 'stratified: ' : ''}each point validates once; each fold is the whole pool`, () => {
      const count = 5;
      const validated: string[] = [];
      for (let index = 0; index < count; index++) {
        const d = foldDataset(base, { count, index, stratified, seed: 4 });
        const train = points(d.train, dim);
        const validation = points(d.validation, dim);
        // Training ∪ validation = the pool, with no point in both.
        expect(sorted([...train, ...validation])).toEqual(sorted(pool));
        expect(validation.length).toBeGreaterThanOrEqual(Math.floor(170 / count));
        expect(validation.length).toBeLessThanOrEqual(Math.ceil(170 / count));
        // The test set is held out, as it was.
        expect(points(d.test, dim)).toEqual(test);
        if (stratified) {
          for (let c = 0; c < base.classes; c++) {
            const inPool = pool.filter((p) => p.endsWith(`,${c}`)).length;
            const inFold = validation.filter((p) => p.endsWith(`,${c}`)).length;
            expect(Math.abs(inFold - inPool / count)).toBeLessThanOrEqual(1);
          }
        }
        validated.push(...validation);
      }
      // Every point of the pool in exactly one validation fold.
      expect(sorted(validated)).toEqual(sorted(pool));
    });
  }

  it('fold −1 (the refit) trains on the whole pool and validates on nothing', () => {
    const d = foldDataset(base, { count: 5, index: -1, stratified: true, seed: 4 });
    expect(sorted(points(d.train, dim))).toEqual(sorted(pool));
    expect(d.validation.n).toBe(0);
    expect(points(d.test, dim)).toEqual(test);
  });
});

describe('cross-validation experiment', () => {
  let tf: Tf;
  let result: ExperimentResult;
  beforeAll(async () => {
    tf = (await loadBackend()).tf;
    result = await run(tf, {
      kind: 'cross-validation',
      dataset: { kind: 'moons', n: 200 },
      model: { depth: 1 },
      folds: 4,
      candidates: [{ width: 1 }, { width: 16 }],
      epochs: 20,
    });
  });

  it('chooses the candidate of least mean validation loss and reports its refit test loss', () => {
    // 2 candidates × 4 folds, then the refit.
    expect(result.trainings.map((t) => t.id)).toEqual([
      'c0-fold-1',
      'c0-fold-2',
      'c0-fold-3',
      'c0-fold-4',
      'c1-fold-1',
      'c1-fold-2',
      'c1-fold-3',
      'c1-fold-4',
      'refit',
    ]);
    const mean = (c: number) =>
      result.trainings
        .filter((t) => t.id.startsWith(`c${c}-`))
        .reduce((s, t) => s + t.final.validation.loss!, 0) / 4;
    const means = [mean(0), mean(1)];
    // Measured 0.365 and 0.234: width 16 is the clear choice.
    expect(means[1]).toBeLessThan(0.8 * means[0]);
    const best = means[1] < means[0] ? 1 : 0;
    const refit = training(result, 'refit');
    expect(refit.model.width).toBe([1, 16][best]);
    // Trained on every fold: nothing left to validate on.
    expect(refit.final.validation.loss).toBeNull();
    expect(refit.final.test.loss).not.toBeNull();
    expect(result.chosen).toEqual({
      label: `width ${[1, 16][best]}`,
      value: best,
      testLoss: refit.final.test.loss,
      testAccuracy: refit.final.test.accuracy,
    });
    // The table's mean rows agree (rounded to 6 digits), and the chosen row has the test loss.
    const meanRows = result.table.rows.filter((row) => row[1] === 'mean');
    expect(meanRows.map((row) => row[3] as number)).toEqual(
      means.map((m) => Number(m.toPrecision(6))),
    );
    expect(meanRows[best][5]).toBe(Number(refit.final.test.loss!.toPrecision(6)));
    expect(meanRows[1 - best][5]).toBeNull();
    // The folds differ: each candidate's four validation losses are not all one number.
    expect(new Set(result.trainings.slice(4, 8).map((t) => t.final.validation.loss)).size).toBe(4);
  });
});
