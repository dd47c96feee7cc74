/**
 * Loss-landscape files of Li et al.'s code open in the network lab: a 2-D surface with its
 * projected trajectory (picked together) in the 3-D and contour views, another of its surfaces
 * on demand, exported as a PNG like any landscape, and a 1-D file dropped on the window drawn
 * in the 1-D slice chart. The files are written by h5py (test/engine/landscape/write_h5.py).
 * Skipped where /usr/bin/python3 has no h5py.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeExportDialog, openExportDialog, pngSize, runExport } from './export-helpers';
import { canvasStats, loadApp, openApp, root, shotsDir, type Harness } from './harness';

const PYTHON = '/usr/bin/python3';
const missing = spawnSync(PYTHON, ['-c', 'import h5py, numpy']).status !== 0;
if (missing) console.warn(`skipping the .h5 landscape e2e: ${PYTHON} cannot import h5py`);

let h: Harness;
let dir: string;

const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(missing)('an .h5 loss landscape', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-h5-e2e-'));
    execFileSync(PYTHON, [path.join(root, 'test/engine/landscape/write_h5.py'), dir]);
    h = await openApp({ viewport: { width: 1600, height: 1000 } });
    await loadApp(h);
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens a surface and its trajectory in the 3-D and contour views', async () => {
    const [chooser] = await Promise.all([
      h.page.waitForEvent('filechooser'),
      h.page.getByRole('button', { name: 'Open .h5 landscape…' }).click(),
    ]);
    await chooser.setFiles([
      path.join(dir, 'surface.h5'),
      path.join(dir, 'surface.h5_proj_cos.h5'),
    ]);
    const info = h.page.getByTestId('landscape-file');
    await info.waitFor({ timeout: 30_000 });
    // train_loss = x² + 2y² + 0.5 on [−1, 1]²: 0.5 at the centre, 3.5 at the corners (the
    // last corner not computed in the file, so 3.5 is reached at the others).
    expect(await text(info)).toBe(
      'surface.h5 + surface.h5_proj_cos.h5 · 11 × 11 points · trajectory of 5 points · 0.500 to 3.50',
    );
    const contour = await canvasStats(h.page, '[data-testid="landscape-contour"] canvas');
    expect(contour.colors).toBeGreaterThan(30);
    await h.shot('landscape-file');
    await h.page.getByRole('combobox', { name: 'Surface of the file' }).selectOption('test_loss');
    await expect.poll(() => text(info)).toMatch(/· 0\.750 to 3\.75$/);
    await h.shot('landscape-file-test-loss');
  });

  it('exports it like any landscape', async () => {
    const view = await h.page
      .getByTestId('contour-view')
      .evaluate((el) => ({ width: el.clientWidth, height: el.clientHeight }));
    const dialog = await openExportDialog(h.page, 'Image (PNG)…');
    await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('png-contour');
    await dialog.getByRole('combobox', { name: 'Scale' }).selectOption('2');
    const png = await runExport(h.page, dialog);
    expect(pngSize(png)).toEqual({
      width: Math.round(view.width * 2),
      height: Math.round(view.height * 2),
    });
    fs.writeFileSync(path.join(shotsDir, 'landscape-file-export.png'), png);
    await closeExportDialog(dialog);
  });

  it('draws a 1-D file dropped on the window in the 1-D slice chart', async () => {
    const bytes = fs.readFileSync(path.join(dir, 'line.h5')).toString('base64');
    await h.page.evaluate((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], 'line.h5'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, cancelable: true }));
    }, bytes);
    const info = h.page.getByTestId('landscape-file');
    await expect.poll(() => text(info)).toBe('line.h5 · 1-D: 21 points, in the 1-D slice chart');
    const line = await canvasStats(h.page, '.line-plot canvas');
    expect(line.covered).toBeGreaterThan(0.005);
    await h.shot('landscape-file-1d');
    expect(h.problems).toEqual([]);
  });
});
