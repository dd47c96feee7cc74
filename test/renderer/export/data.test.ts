/** Trajectories as data files: every step of every run, unrounded, non-finite values marked. */
import { describe, expect, it } from 'vitest';
import {
  csvField,
  CSV_COLUMNS,
  trajectoriesCsv,
  trajectoriesJson,
  type ExportRun,
} from '../../../renderer/src/lib/export/data';
import type { TrajectoryView } from '../../../renderer/src/lib/views/view-data';

function trajectory(): TrajectoryView {
  const points = new Float64Array([1, 2, 5, 0.5, 1.25, 2.5]);
  return {
    points,
    gradNorm: new Float64Array([3, NaN]),
    lr: new Float64Array([0.1, 0.1]),
    grad: new Float64Array([2, 4, Infinity, 0]),
    effStep: new Float64Array([0.1, 0.1, 0, 0]),
    count: 2,
    generation: 0,
    x: (i) => points[3 * i],
    y: (i) => points[3 * i + 1],
    loss: (i) => points[3 * i + 2],
  };
}

const run: ExportRun = {
  runId: 'r1',
  color: '#f59e0b',
  trajectory: trajectory(),
  state: undefined,
};

describe('trajectoriesJson', () => {
  it('keeps every point and marks non-finite values null', () => {
    const data = trajectoriesJson('rosenbrock', [1, 2], [run], () => 'GD, "fast"');
    expect(data.format).toBe('losslab-trajectories');
    const [r] = data.runs;
    expect(r).toMatchObject({
      runId: 'r1',
      label: 'GD, "fast"',
      optimizer: 'unknown',
      status: 'ok',
    });
    expect(r.points).toEqual([
      [1, 2, 5],
      [0.5, 1.25, 2.5],
    ]);
    expect(r.gradNorm).toEqual([3, null]);
    expect(r.grad).toEqual([
      [2, 4],
      [null, 0],
    ]);
  });
});

describe('trajectoriesCsv', () => {
  it('writes a header and one row per step, quoting labels and leaving non-finite cells empty', () => {
    const csv = trajectoriesCsv([run], () => 'GD, "fast"');
    expect(csv.endsWith('\n')).toBe(true);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('r1,"GD, ""fast""",,0,1,2,5,3,0.1,2,4,0.1,0.1');
    expect(lines[2]).toBe('r1,"GD, ""fast""",,1,0.5,1.25,2.5,,0.1,,0,0,0');
  });

  it('quotes only what needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(NaN)).toBe('');
  });
});
