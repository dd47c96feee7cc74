/**
 * Loss-landscape .h5 files in Li et al.'s layout, written by h5py in the test (write_h5.py:
 * closed-form surfaces, filled as the code's crunch loop fills them), read by the engine with
 * h5wasm: the same values at the same (x, y), −1 ("not computed") as NaN, a 1-D file, a
 * non-square grid resampled bilinearly (exact on a quadratic at the grid's own points), the
 * projected trajectory, and a one-line refusal naming the file and dataset for each bad file —
 * also through the engine's message. Skipped where /usr/bin/python3 has no h5py.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLandscapeFiles, resampleSquare } from '../../../electron/engine/landscape/h5-file';
import { startInProcessEngine } from '../../../electron/engine/hosts/in-process';
import { TestClient } from '../../helpers/engine-client';

const PYTHON = '/usr/bin/python3';
const missing = spawnSync(PYTHON, ['-c', 'import h5py, numpy']).status !== 0;
if (missing) console.warn(`skipping the .h5 landscape tests: ${PYTHON} cannot import h5py`);

describe.skipIf(missing)('loss-landscape .h5 files (h5wasm)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'losslab-h5-'));
    execFileSync(PYTHON, [join(__dirname, 'write_h5.py'), dir], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) });
  const linspace = (a: number, b: number, n: number) =>
    Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

  it('reads a 2-D surface file and its trajectory with the same values', async () => {
    const data = await readLandscapeFiles([file('surface.h5_proj_cos.h5'), file('surface.h5')]);
    expect(data.names).toEqual(['surface.h5', 'surface.h5_proj_cos.h5']);
    expect(data.dims).toBe(2);
    const x = Array.from(data.x);
    const y = Array.from(data.y!);
    // numpy's linspace, bit for bit as stored.
    expect(x[0]).toBe(-1);
    expect(x[10]).toBe(1);
    expect(data.surfaces.map((s) => s.name)).toEqual(['train_loss', 'test_loss', 'train_acc']);
    const [train, test, acc] = data.surfaces.map((s) => s.values);
    for (let j = 0; j < 11; j++) {
      for (let i = 0; i < 11; i++) {
        const k = j * 11 + i;
        const want = x[i] ** 2 + 2 * y[j] ** 2;
        expect(test[k]).toBeCloseTo(want + 0.75, 14);
        expect(acc[k]).toBeCloseTo(100 - (want + 0.75), 12);
        if (k < 120) expect(train[k]).toBeCloseTo(want + 0.5, 14);
      }
    }
    // The point the crunch loop had not reached (−1 in the file) is not a value.
    expect(train[120]).toBeNaN();
    expect(data.square).toBeUndefined();
    expect(Array.from(data.trajectory!.x)).toEqual([0.8, 0.5, 0.25, 0.1, 0]);
    expect(Array.from(data.trajectory!.y)).toEqual([-0.6, -0.3, -0.1, 0.05, 0]);
  });

  it('reads a 1-D file', async () => {
    const data = await readLandscapeFiles([file('line.h5')]);
    expect(data.dims).toBe(1);
    expect(data.y).toBeUndefined();
    expect(data.surfaces.map((s) => s.name)).toEqual(['train_loss', 'train_acc']);
    linspace(-1, 1, 21).forEach((x, i) => {
      expect(data.surfaces[0].values[i]).toBeCloseTo(x * x + 0.5, 14);
    });
  });

  it('resamples a non-square grid onto a square one (bilinear)', async () => {
    const data = await readLandscapeFiles([file('wide.h5')]);
    expect([data.x.length, data.y!.length]).toEqual([5, 3]);
    const square = data.square!;
    expect(square.resolution).toBe(5);
    const loss = square.surfaces.find((s) => s.name === 'test_loss')!.values;
    // y resampled at −0.5, −0.25, 0, 0.25, 0.5: the file's rows at −0.5, 0, 0.5 are exact,
    // between them the mean of the two rows (bilinear on y², which x² does not disturb).
    const ys = linspace(-0.5, 0.5, 5);
    const xs = linspace(-1, 1, 5);
    for (let j = 0; j < 5; j++) {
      for (let i = 0; i < 5; i++) {
        const exact = (yy: number) => xs[i] ** 2 + 2 * yy ** 2 + 0.75;
        const want = j % 2 === 0 ? exact(ys[j]) : (exact(ys[j - 1]) + exact(ys[j + 1])) / 2;
        expect(loss[j * 5 + i]).toBeCloseTo(want, 5);
      }
    }
    // A NaN neighbour makes the point NaN, never a made-up value.
    const withHole = new Float64Array([1, 2, NaN, 4]);
    const out = resampleSquare(withHole, new Float64Array([0, 1]), new Float64Array([0, 1]), 3);
    expect(out[0]).toBe(1);
    expect(out[4]).toBeNaN();
  });

  it('refuses what is not a landscape file, naming the file and dataset', async () => {
    await expect(
      readLandscapeFiles([{ name: 'x.h5', bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }]),
    ).rejects.toThrow(/^x\.h5: not an HDF5 file/);
    await expect(readLandscapeFiles([file('not-landscape.h5')])).rejects.toThrow(
      /not-landscape\.h5: no xcoordinates/,
    );
    await expect(readLandscapeFiles([file('bad-size.h5')])).rejects.toThrow(
      /bad-size\.h5: train_loss holds 15 values; xcoordinates × ycoordinates make 16/,
    );
    await expect(readLandscapeFiles([file('surface.h5'), file('line.h5')])).rejects.toThrow(
      /two surface files/,
    );
    const truncated = file('surface.h5');
    truncated.bytes = truncated.bytes.slice(0, 900);
    await expect(readLandscapeFiles([truncated])).rejects.toThrow(/^surface\.h5: /);
  });

  it('answers net.landscape.file through the engine, and refuses in one line', async () => {
    const host = startInProcessEngine({ appVersion: '9.9.9-test' });
    try {
      const client = new TestClient(host);
      await client.hello();
      const reply = await client.request({
        type: 'net.landscape.file',
        files: [file('surface.h5'), file('surface.h5_proj_cos.h5')],
      });
      expect(reply.type).toBe('net.landscape.file.result');
      if (reply.type !== 'net.landscape.file.result') return;
      expect(reply.file.surfaces[1].values[60]).toBeCloseTo(0.75, 14); // (0, 0)
      const refused = await client.request({
        type: 'net.landscape.file',
        files: [file('line.h5'), file('wide.h5')],
      });
      expect(refused.type === 'error' && refused.message).toMatch(/two surface files/);
      const after = await client.request({ type: 'net.landscape.file', files: [file('line.h5')] });
      expect(after.type).toBe('net.landscape.file.result');
    } finally {
      host.close();
    }
  });
});
