/**
 * Datasets: split sizes, standardization with training statistics only, the mismatch switch,
 * label noise, seeds, and the bundled digits.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetSpecSchema, type DatasetSpecInput } from '../../../electron/common/network';
import {
  buildDataset,
  DatasetError,
  loadDigits,
  locateDigits,
  Rng,
  type DataSplit,
} from '../../../electron/engine/datasets';
import { parseDigits, shiftImage } from '../../../electron/engine/datasets/digits';

const root = path.resolve(__dirname, '../../..');

function stats(split: DataSplit, dim: number, which: 'x' | 'raw' = 'x') {
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  const v = split[which];
  for (let i = 0; i < split.n; i++)
    for (let d = 0; d < dim; d++) mean[d] += v[i * dim + d] / split.n;
  for (let i = 0; i < split.n; i++) {
    for (let d = 0; d < dim; d++) sd[d] += (v[i * dim + d] - mean[d]) ** 2 / split.n;
  }
  return { mean: Array.from(mean), std: Array.from(sd, Math.sqrt) };
}

const kinds: Exclude<DatasetSpecInput, { kind: 'csv' | 'given' }>[] = [
  { kind: 'spirals' },
  { kind: 'circles' },
  { kind: 'xor' },
  { kind: 'moons' },
  { kind: 'blobs', classes: 4 },
  { kind: 'sine' },
  { kind: 'polynomial' },
];

describe('synthetic datasets', () => {
  for (const spec of kinds) {
    it(`${spec.kind}: splits, train-only standardization, reproducible seeds`, () => {
      const ds = buildDataset({
        ...spec,
        n: 300,
        split: { train: 0.6, validation: 0.1, test: 0.3 },
      });
      expect([ds.train.n, ds.validation.n, ds.test.n]).toEqual([180, 30, 90]);
      const { mean, std } = stats(ds.train, ds.inputDim);
      for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-6);
      for (const s of std) expect(s).toBeCloseTo(1, 5);
      // The validation and test sets are scaled with the training statistics, not their own.
      const raw = stats(ds.test, ds.inputDim, 'raw');
      const scaled = stats(ds.test, ds.inputDim);
      for (let d = 0; d < ds.inputDim; d++) {
        expect(scaled.mean[d]).toBeCloseTo((raw.mean[d] - ds.mean[d]) / ds.std[d], 5);
      }
      const again = buildDataset({
        ...spec,
        n: 300,
        split: { train: 0.6, validation: 0.1, test: 0.3 },
      });
      expect(Array.from(again.train.x)).toEqual(Array.from(ds.train.x));
      expect(Array.from(again.test.y)).toEqual(Array.from(ds.test.y));
      const other = buildDataset({ ...spec, n: 300, seed: 1 });
      expect(Array.from(other.train.x)).not.toEqual(Array.from(ds.train.x));
    });
  }

  it('classification sets are balanced and labelled 0 … K−1', () => {
    const ds = buildDataset({
      kind: 'blobs',
      classes: 3,
      n: 300,
      split: { train: 1, validation: 0, test: 0 },
    });
    const counts = [0, 0, 0];
    for (const y of ds.train.y) counts[y]++;
    expect(counts).toEqual([100, 100, 100]);
    expect(ds.task).toBe('classification');
    expect(ds.outputDim).toBe(3);
    const xor = buildDataset({ kind: 'xor', n: 200, margin: 0.2 });
    for (const s of [xor.train, xor.test]) {
      for (let i = 0; i < s.n; i++) {
        const [a, b] = [s.raw[2 * i], s.raw[2 * i + 1]];
        expect(Math.min(Math.abs(a), Math.abs(b))).toBeGreaterThanOrEqual(0.2 - 1e-6);
        expect(s.y[i]).toBe(a * b > 0 ? 0 : 1);
      }
    }
  });

  it('label noise flips the asked-for share of labels to another class', () => {
    const spec = {
      kind: 'blobs',
      classes: 3,
      n: 3000,
      split: { train: 1, validation: 0, test: 0 },
    } as const;
    const clean = buildDataset(spec);
    const noisy = buildDataset({ ...spec, labelNoise: 0.2 });
    expect(Array.from(noisy.train.x)).toEqual(Array.from(clean.train.x));
    let flipped = 0;
    for (let i = 0; i < clean.train.n; i++) if (clean.train.y[i] !== noisy.train.y[i]) flipped++;
    expect(flipped / clean.train.n).toBeGreaterThan(0.17);
    expect(flipped / clean.train.n).toBeLessThan(0.23);
  });

  it('mismatch rotates (or moves) the 2-D test set, and only the test set', () => {
    const base = { kind: 'moons', n: 400, noise: 0 } as const;
    const same = buildDataset(base);
    const rotated = buildDataset({ ...base, mismatch: { kind: 'rotate', degrees: 90 } });
    expect(Array.from(rotated.train.raw)).toEqual(Array.from(same.train.raw));
    expect(Array.from(rotated.validation.raw)).toEqual(Array.from(same.validation.raw));
    for (let i = 0; i < same.test.n; i++) {
      // (x, y) → (−y, x)
      expect(rotated.test.raw[2 * i]).toBeCloseTo(-same.test.raw[2 * i + 1], 5);
      expect(rotated.test.raw[2 * i + 1]).toBeCloseTo(same.test.raw[2 * i], 5);
    }
    expect(rotated.mismatch).toMatch(/rotated by 90°/);
    const moved = buildDataset({ ...base, mismatch: { kind: 'offset', by: [3, 0] } });
    const m0 = stats(same.test, 2, 'raw').mean[0];
    expect(stats(moved.test, 2, 'raw').mean[0]).toBeCloseTo(m0 + 3, 5);
    // Standardized with the training statistics: the shifted test set is off-centre.
    expect(stats(moved.test, 2).mean[0]).toBeGreaterThan(2);
    expect(buildDataset({ ...base, mismatch: true }).mismatch).toMatch(/30°/);
  });

  it('mismatch draws the regression test set from a shifted input range', () => {
    const ds = buildDataset({
      kind: 'sine',
      n: 400,
      range: [-1, 1],
      mismatch: { kind: 'shift', by: 2 },
    });
    for (const x of ds.train.raw) expect(x >= -1 && x < 1).toBe(true);
    for (const x of ds.test.raw) expect(x >= 1 && x < 3).toBe(true);
    for (let i = 0; i < ds.test.n; i++) {
      expect(Math.abs(ds.test.y[i] - Math.sin(ds.test.raw[i]))).toBeLessThan(0.6);
    }
    expect(buildDataset({ kind: 'sine', range: [0, 4], mismatch: true }).mismatch).toMatch(/by 2/);
  });

  it('a mismatch that does not fit the dataset is refused, naming the field', () => {
    expect(() => buildDataset({ kind: 'sine', mismatch: { kind: 'rotate', degrees: 10 } })).toThrow(
      DatasetError,
    );
    expect(() => buildDataset({ kind: 'xor', mismatch: { kind: 'shift', by: 1 } })).toThrow(
      /mismatch.kind/,
    );
  });

  it('the schema refuses fractions that do not add up, and absurd sizes', () => {
    const bad = datasetSpecSchema.safeParse({
      kind: 'xor',
      split: { train: 0.5, validation: 0.1, test: 0.1 },
    });
    expect(bad.success).toBe(false);
    expect(datasetSpecSchema.safeParse({ kind: 'xor', n: 1e9 }).success).toBe(false);
    expect(datasetSpecSchema.safeParse({ kind: 'nope' }).success).toBe(false);
  });

  it('the PRNG is seeded and well spread', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(42, 1);
    const xs = Array.from({ length: 10000 }, () => a.uniform());
    expect(Array.from({ length: 10000 }, () => b.uniform())).toEqual(xs);
    expect(c.uniform()).not.toBe(xs[0]);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1);
    const normals = Array.from({ length: 20000 }, () => a.normal());
    const m = normals.reduce((s, v) => s + v, 0) / normals.length;
    const v = normals.reduce((s, x) => s + (x - m) ** 2, 0) / normals.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(v).toBeCloseTo(1, 1);
  });
});

describe('digits', () => {
  it('loads 1,797 images of 10 classes with pixels 0–16', () => {
    const digits = loadDigits();
    expect(digits.count).toBe(1797);
    expect(new Set(digits.labels).size).toBe(10);
    expect(Math.max(...digits.pixels)).toBe(16);
    expect(Math.min(...digits.pixels)).toBe(0);
    // The first image is a zero (scikit-learn's load_digits order).
    expect(digits.labels[0]).toBe(0);
  });

  it('is found from the built layout (dist/engine, dist/cli) and from the sources', () => {
    const file = path.join(root, 'assets', 'digits.csv');
    expect(locateDigits(path.join(root, 'dist', 'engine'))).toBe(file);
    expect(locateDigits(path.join(root, 'dist', 'cli'))).toBe(file);
    expect(locateDigits(path.join(root, 'electron', 'engine', 'backend'))).toBe(file);
  });

  it('builds splits of the full set, standardized with training statistics', () => {
    const ds = buildDataset({ kind: 'digits' });
    expect(ds.train.n + ds.validation.n + ds.test.n).toBe(1797);
    expect(ds.inputDim).toBe(64);
    expect(ds.classes).toBe(10);
    const { mean, std } = stats(ds.train, 64);
    for (let d = 0; d < 64; d++) {
      expect(Math.abs(mean[d])).toBeLessThan(1e-5);
      // Pixels that are blank in every training image stay 0 (σ taken as 1).
      expect(std[d] < 1e-9 || Math.abs(std[d] - 1) < 1e-4).toBe(true);
    }
    const some = buildDataset({ kind: 'digits', n: 100, seed: 3 });
    expect(some.train.n + some.validation.n + some.test.n).toBe(100);
  });

  it('mismatch shifts the test images by a pixel', () => {
    const base = buildDataset({ kind: 'digits', n: 200 });
    const shifted = buildDataset({
      kind: 'digits',
      n: 200,
      mismatch: { kind: 'pixels', by: [1, 0] },
    });
    expect(Array.from(shifted.train.raw)).toEqual(Array.from(base.train.raw));
    const img = base.test.raw.subarray(0, 64);
    const moved = shifted.test.raw.subarray(0, 64);
    for (let r = 0; r < 8; r++) {
      expect(moved[r * 8]).toBe(0);
      for (let c = 1; c < 8; c++) expect(moved[r * 8 + c]).toBe(img[r * 8 + c - 1]);
    }
    const v = Float64Array.from({ length: 64 }, (_, i) => i);
    expect(shiftImage(v, 0, -1)[0]).toBe(8);
  });

  it('refuses a malformed CSV, naming the row', () => {
    expect(() => parseDigits('label,p0\n1,2')).toThrow(/header/);
    const header = ['label', ...Array.from({ length: 64 }, (_, i) => `p${i}`)].join(',');
    expect(() => parseDigits(`${header}\n3,${Array(64).fill(17).join(',')}`)).toThrow(/row 2/);
  });
});
