/**
 * The user's own data in `losslab train`, `landscape` and `hessian`: a CSV file and the same
 * rows given in the SPEC train bit for bit alike; refusals name the row and column.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hessian } from '../../electron/cli/commands/hessian';
import { landscape } from '../../electron/cli/commands/landscape';
import { train } from '../../electron/cli/commands/train';
import { SpecError } from '../../electron/cli/spec';
import type { LandscapeOutput } from '../../electron/engine/landscape/landscape-spec';
import type { TrainOutput } from '../../electron/engine/network/train-spec';

const dir = mkdtempSync(path.join(tmpdir(), 'losslab-cli-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two classes, "inner" and "outer", by radius; x1, x2 and a constant column "id". */
const rows = Array.from({ length: 60 }, (_, i) => {
  const a = (i * 2.399963) % (2 * Math.PI);
  const r = i % 2 === 0 ? 0.5 : 1.5;
  return [r * Math.cos(a), r * Math.sin(a), i % 2 === 0 ? 'inner' : 'outer'] as const;
});
const text =
  '\uFEFFx1,x2,id,ring\r\n' +
  rows.map(([x1, x2, ring], i) => `${x1},${x2},${i},"${ring}"`).join('\r\n') +
  '\r\n';
const csvPath = path.join(dir, 'rings.csv');
writeFileSync(csvPath, text);

const training = {
  model: { width: 8, activation: 'tanh' },
  steps: 60,
  batchSize: 'full',
  runs: [{ optimizer: 'adam', lr: 0.05 }],
};
const csv = { kind: 'csv', path: csvPath, target: 'ring', features: ['x1', 'x2'] };
const given = {
  kind: 'given',
  x: rows.map(([x1, x2]) => [x1, x2]),
  y: rows.map(([, , ring]) => (ring === 'inner' ? 0 : 1)),
  task: 'classification',
};

async function specError(command: typeof train, spec: unknown): Promise<string> {
  try {
    await command.run(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected a SpecError');
}

describe('losslab with a CSV file or given arrays', () => {
  it('trains on a CSV file exactly as on the same rows given in the SPEC', async () => {
    const fromFile = (await train.run({ ...training, dataset: csv })) as TrainOutput;
    const fromSpec = (await train.run({ ...training, dataset: given })) as TrainOutput;
    expect(fromFile.dataset).toMatchObject({
      kind: 'csv',
      task: 'classification',
      inputDim: 2,
      classes: 2,
      train: 42,
      validation: 9,
      test: 9,
      inputs: ['x1', 'x2'],
      classNames: ['inner', 'outer'],
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    expect(fromSpec.dataset.classNames).toEqual(['0', '1']);
    // Same rows, same seed: the same split, the same standardization, the same losses.
    expect(fromFile.runs[0].curves.loss).toEqual(fromSpec.runs[0].curves.loss);
    expect(fromFile.runs[0].final).toEqual(fromSpec.runs[0].final);
    // The rings are separable: the loss falls.
    const loss = fromFile.runs[0].curves.loss;
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
  }, 60_000);

  it('computes a landscape and a Hessian of a network on a CSV file', async () => {
    const out = (await landscape.run({
      ...training,
      dataset: csv,
      landscape: { resolution: 5, coarse: 0, threads: 0 },
    })) as LandscapeOutput;
    expect(out.dataset.kind).toBe('csv');
    expect(out.grid.values).toHaveLength(5);
    for (const row of out.grid.values) {
      expect(row).toHaveLength(5);
      for (const v of row) expect(Number.isFinite(v)).toBe(true);
    }
    const report = (await hessian.run({ ...training, dataset: csv, method: 'exact' })) as {
      eigenvalues: number[];
      parameters: number;
    };
    // 2 inputs → 8 → 8 → 2 classes: 24 + 72 + 18 parameters, one eigenvalue each.
    expect(report.parameters).toBe(114);
    expect(report.eigenvalues).toHaveLength(114);
  }, 60_000);

  it('refuses bad cells, files and fields in one line naming them', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'x1,x2,ring\n1,2,a\n3,n/a,b\n');
    expect(
      await specError(train, { ...training, dataset: { ...csv, path: bad, features: undefined } }),
    ).toBe(
      'spec.dataset: row 3, column 2 ("x2"): the cell holds "n/a", not a number (list the column in oneHot to encode its values)',
    );
    expect(
      await specError(train, { ...training, dataset: { ...csv, path: path.join(dir, 'no.csv') } }),
    ).toBe('spec.dataset.path: cannot read "no.csv": no such file');
    expect(await specError(train, { ...training, dataset: { ...csv, target: 'colour' } })).toMatch(
      /^spec\.dataset\.target: there is no column "colour"/,
    );
    expect(await specError(train, { ...training, dataset: { kind: 'csv', target: 'y' } })).toBe(
      "spec.dataset.path: give the file's path (or the sha256 of data uploaded before)",
    );
    expect(
      await specError(train, { ...training, dataset: { ...given, y: given.y.slice(1) } }),
    ).toBe('spec.dataset.y: has 59 values for 60 rows of x');
    expect(
      await specError(train, { ...training, dataset: { ...csv, sha256: '0'.repeat(64) } }),
    ).toMatch(/^spec\.dataset\.path: "rings\.csv" changed since it was saved: its SHA-256 is now/);
  }, 60_000);
});
