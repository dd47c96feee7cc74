/**
 * PyHessian's results (the companion's write_hessian: a diagonal Hessian diag(3, 2, 1, −0.5)
 * with its SLQ density) open in the Hessian panel: the summary, the classification (a saddle,
 * λ_min the smallest SLQ node) and the density view. Skipped without torch.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasStats, loadApp, openApp, root, type Harness } from './harness';

const PYTHON = '/usr/bin/python3';
const missing = spawnSync(PYTHON, ['-c', 'import torch, numpy']).status !== 0;
if (missing) console.warn(`skipping the PyHessian e2e: ${PYTHON} cannot import torch`);

let h: Harness;
let dir: string;

describe.skipIf(missing)("PyHessian's results in the Hessian panel", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-pyhessian-'));
    execFileSync(PYTHON, [path.join(root, 'test/python/write_hessian.py'), dir]);
    h = await openApp({ viewport: { width: 1600, height: 1000 } });
    await loadApp(h);
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the spectrum, the classification and the density', async () => {
    await h.page.getByRole('tab', { name: 'Hessian' }).click();
    const [chooser] = await Promise.all([
      h.page.waitForEvent('filechooser'),
      h.page.getByRole('button', { name: 'Open PyHessian result…' }).click(),
    ]);
    await chooser.setFiles(path.join(dir, 'saddle.json'));
    const summary = h.page.getByTestId('hessian-result');
    await summary.waitFor({ timeout: 30_000 });
    const words = ((await summary.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(words).toMatch(/diag at step 40 · 4 parameters/);
    expect(words).toMatch(/saddle/);
    const view = h.page.getByRole('combobox', { name: 'Spectrum view' });
    expect(await view.inputValue()).toBe('density');
    const stats = await canvasStats(h.page, '[data-testid="spectrum-chart"] canvas');
    expect(stats.covered).toBeGreaterThan(0.002);
    await h.shot('pyhessian-density');
    expect(h.problems).toEqual([]);
  });
});
