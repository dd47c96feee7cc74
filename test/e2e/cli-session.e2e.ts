/**
 * Sessions written by the CLI (`--out FILE.losslab`) open in the app: a landscape computed from
 * the command line shows its runs and landscape in the network lab, an experiment its result in
 * the experiments lab — looked at in screenshots.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasStats, loadApp, openApp, shotsDir, type Harness } from './harness';

const root = path.resolve(__dirname, '../..');
let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1440, height: 900 } });
  await loadApp(h);
});
afterAll(() => h?.close());

/** `losslab <command> - --out FILE` through the built CLI, as a user runs it. */
function cli(command: string, spec: unknown, file: string): string {
  return execFileSync(
    process.execPath,
    [path.join(root, 'dist/cli/index.js'), command, '-', '--out', file],
    { input: JSON.stringify(spec), encoding: 'utf8', timeout: 120_000 },
  );
}

async function openSession(file: string): Promise<void> {
  await h.page.getByRole('button', { name: 'Session ▾' }).click();
  const [chooser] = await Promise.all([
    h.page.waitForEvent('filechooser'),
    h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
  ]);
  await chooser.setFiles(file);
}

const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('sessions from the CLI', () => {
  it('losslab landscape --out opens in the network lab with its runs and landscape', async () => {
    const file = path.join(shotsDir, 'cli-landscape.losslab');
    const printed = JSON.parse(
      cli(
        'landscape',
        {
          dataset: { kind: 'moons', n: 200 },
          model: { width: 16, activation: 'tanh' },
          steps: 150,
          batchSize: 32,
          runs: [
            { optimizer: 'adam', lr: 0.02, label: 'Adam from the CLI' },
            { optimizer: 'sgd', lr: 0.2, momentum: 0.9, label: 'momentum from the CLI' },
          ],
          landscape: { resolution: 31, directions: { kind: 'pca' } },
        },
        file,
      ),
    );
    await openSession(file);
    await expect
      .poll(() => h.page.getByTestId('session-notice').textContent(), { timeout: 30_000 })
      .toMatch(/^Opened cli-landscape\.losslab/);
    await expect
      .poll(() => h.page.getByRole('tab', { name: 'Network lab' }).getAttribute('aria-selected'))
      .toBe('true');
    const runs = h.page.getByRole('region', { name: /^Run \d+:/ });
    await expect.poll(() => runs.count()).toBe(2);
    expect(await runs.nth(0).getAttribute('aria-label')).toMatch(/Adam from the CLI/);
    const result = h.page.getByTestId('landscape-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await text(result)).toContain('31² points');
    expect(await text(result)).toMatch(/PCA explains \d/);
    // The centre loss the CLI printed, as the lab shows it.
    expect(printed.grid.centerLoss).toBeGreaterThan(0);
    await h.page.waitForTimeout(800);
    const contour = await canvasStats(h.page, '[data-testid="landscape-contour"] canvas');
    expect(contour.colors).toBeGreaterThan(30);
    await h.shot('cli-landscape-session');
  });

  it('losslab experiment --out opens in the experiments lab with its result', async () => {
    const file = path.join(shotsDir, 'cli-experiment.losslab');
    cli(
      'experiment',
      {
        kind: 'batch-size',
        dataset: { kind: 'moons', n: 120 },
        model: { depth: 1, width: 8 },
        sizes: [4, 16, 84],
        epochs: 3,
      },
      file,
    );
    await openSession(file);
    await expect
      .poll(() => h.page.getByTestId('session-notice').textContent(), { timeout: 30_000 })
      .toMatch(/^Opened cli-experiment\.losslab: 0 runs, 1 finished experiment/);
    await expect
      .poll(() => h.page.getByRole('tab', { name: 'Experiments' }).getAttribute('aria-selected'))
      .toBe('true');
    // Kept with the lab's finished experiments, opened from there.
    const finished = h.page.getByRole('region', { name: 'Finished experiments' });
    await finished.getByRole('button', { name: /^Batch size/ }).click();
    const result = h.page.getByTestId('experiment-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.getAttribute('data-kind')).toBe('batch-size');
    await h.shot('cli-experiment-session');
  });
});
