/**
 * A ResNet-scale session recorded by the Python companion (test/python/record_resnet.py: a
 * 1.6 M-parameter ResNet, 8 SGD steps, its companion-computed landscape) opens in the network
 * lab: the run's curves, the landscape with the projected path in 3-D and as contours, the
 * replay slider cutting the path at a step, and training disabled with its reason. Skipped
 * where /usr/bin/python3 cannot import torch.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasStats, loadApp, openApp, root, shotsDir, type Harness } from './harness';

const PYTHON = '/usr/bin/python3';
const missing = spawnSync(PYTHON, ['-c', 'import torch, numpy']).status !== 0;
if (missing) console.warn(`skipping the recorded-session e2e: ${PYTHON} cannot import torch`);

let h: Harness;
let file: string;

const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(missing)('a session recorded by the companion on a ResNet', () => {
  beforeAll(async () => {
    fs.mkdirSync(shotsDir, { recursive: true });
    file = path.join(shotsDir, 'resnet.losslab');
    execFileSync(PYTHON, [path.join(root, 'test/python/record_resnet.py'), file, '--landscape'], {
      stdio: 'pipe',
    });
    h = await openApp({ viewport: { width: 1600, height: 1000 } });
    await loadApp(h);
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    if (file) for (const f of [file, `${file}.json`]) fs.rmSync(f, { force: true });
  });

  it(
    'opens with its curves and landscape; training is disabled with the reason',
    { timeout: 300_000 },
    async () => {
      await h.page.getByRole('button', { name: 'Session ▾' }).click();
      const [chooser] = await Promise.all([
        h.page.waitForEvent('filechooser'),
        h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
      ]);
      await chooser.setFiles(file);
      const view = h.page.getByTestId('recorded-view');
      // 57 MB (θ* and two directions of 1.6 M float64s): sent in parts, read in slices; slow when loaded.
      await view.waitFor({ timeout: 240_000 });
      expect(await text(view)).toMatch(
        /Recorded by PyTorch \S+ \(losslab_torch 1\) 1,564,090 parameters in \d+ tensors · torch\.optim\.SGD/,
      );
      expect(await text(h.page.getByTestId('recorded-reason'))).toMatch(/cannot build/);
      for (const name of ['Train', 'Step', 'Reset'])
        expect(await h.page.getByRole('button', { name, exact: true }).isDisabled()).toBe(true);
      expect(await h.page.getByRole('button', { name: 'Compute landscape' }).isDisabled()).toBe(
        true,
      );
      const runs = h.page.getByRole('region', { name: /^Run \d+:/ });
      await expect.poll(() => runs.count()).toBe(1);
      expect(await runs.first().getAttribute('aria-label')).toMatch(/ResNet SGD/);
      expect(await text(h.page.getByTestId('replay-step'))).toBe('step 8 / 8');
      // The companion's landscape: 5 × 5 around the final θ, the path of 5 snapshots on it.
      const result = h.page.getByTestId('landscape-result');
      await result.waitFor();
      expect(await text(result)).toMatch(/5² points/);
      // Run 1's 5 points; its last is θ* itself, on the plane.
      const cells = await result.locator('tbody tr').first().locator('td').allTextContents();
      expect([cells[0], cells[1], cells[3]]).toEqual(['Run 1', '5', '0.00e+0']);
      const contour = await canvasStats(h.page, '[data-testid="landscape-contour"] canvas');
      expect(contour.colors).toBeGreaterThan(20);
      // The batch-loss curve is drawn.
      const curve = await canvasStats(h.page, '[data-testid="net-chart-loss"] canvas');
      expect(curve.covered).toBeGreaterThan(0.001);
      await h.shot('recorded-resnet');
    },
  );

  it('replays: the slider shows a step, its θ snapshot and the path up to it', async () => {
    const slider = h.page.getByRole('slider', { name: 'Replay step' });
    await slider.fill('3');
    expect(await text(h.page.getByTestId('replay-step'))).toBe('step 3 / 8');
    expect(await text(h.page.getByTestId('replay-snapshot'))).toMatch(/θ snapshot at step 2/);
    await h.shot('recorded-resnet-step-3');
    await h.page.getByRole('button', { name: 'Replay', exact: true }).click();
    await expect
      .poll(() => text(h.page.getByTestId('replay-step')), { timeout: 30_000 })
      .toBe('step 8 / 8');
    expect(h.problems).toEqual([]);
  });
});
