/** The network lab end to end: training two optimizers, a shared-direction landscape, cancel, views. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeExportDialog, openExportDialog, pngSize, runExport } from './export-helpers';
import { canvasStats, loadApp, openApp, pressShortcut, shotsDir, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1600, height: 1000 } });
  await loadApp(h);
  await h.page.getByRole('tab', { name: 'Network lab' }).click();
  await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
});
afterAll(() => h?.close());

/** Text as a reader hears it: whitespace from the markup collapsed. */
const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

const netStep = async () =>
  Number(/step (\d+)/.exec((await h.page.getByTestId('net-step-count').textContent()) ?? '')?.[1]);
const runs = () => h.page.getByRole('region', { name: /^Run \d+:/ });

async function train(until: number): Promise<void> {
  const button = h.page.getByTestId('net-play-pause');
  await button.click();
  await expect.poll(() => button.textContent()).toBe('Pause');
  const deadline = Date.now() + 120_000;
  while ((await netStep()) < until && Date.now() < deadline) await h.page.waitForTimeout(250);
  await button.click();
  await expect.poll(() => button.textContent()).toBe('Train');
}

/** Unfolds the dataset and model form (folded when the lab opens). */
async function openSetup(): Promise<void> {
  const details = h.page.locator('details.setup');
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
}

describe('network lab', () => {
  it('trains two optimizers on the two spirals from the same θ₀', async () => {
    expect(await text(h.page.getByTestId('net-summary'))).toMatch(/2 classes · 280\/60\/60/);
    await expect.poll(() => runs().count()).toBe(2);
    expect(await runs().nth(0).getAttribute('aria-label')).toMatch(/Adam/);
    expect(await runs().nth(1).getAttribute('aria-label')).toMatch(/Momentum/);
    await train(80);
    expect(await netStep()).toBeGreaterThanOrEqual(80);
    // The decision surface is drawn under the points.
    const stats = await canvasStats(h.page, '[data-testid="data-view"] canvas');
    expect(stats.colors).toBeGreaterThan(30);
    await h.page.getByRole('button', { name: 'Evaluate on test set' }).first().click();
    await expect.poll(() => text(h.page.getByTestId('test-net-1'))).toMatch(/accuracy \d+(\.\d)?%/);
    // The step the engine evaluated at (it used to say "(step 0)" whatever the run had done).
    const evaluated = Number(
      /\(step ([\d,]+)\)/.exec(await text(h.page.getByTestId('test-net-1')))![1].replace(/,/g, ''),
    );
    expect(evaluated).toBe(await netStep());
  });

  it('computes a landscape on one shared plane with both trajectories projected onto it', async () => {
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Directions' }).selectOption('pca');
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('21');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    const result = h.page.getByTestId('landscape-result');
    await result.waitFor({ timeout: 90_000 });
    const rows = result
      .getByRole('table', { name: 'Distance of each trajectory from the plane' })
      .locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    for (const row of await rows.all()) {
      // θ is kept every 5 steps; both runs had the same 80 or more updates (they take turns).
      const points = Number(await row.locator('td').nth(1).textContent());
      expect(points).toBeGreaterThan(10);
    }
    expect(await result.textContent()).toMatch(/PCA explains \d/);
    await h.page.waitForTimeout(800);
    const contour = await canvasStats(h.page, '[data-testid="landscape-contour"] canvas');
    expect(contour.colors).toBeGreaterThan(30);
    await h.shot('network-landscape');
  });

  it('exports the network lab: its landscape as a 2× PNG and a GIF, its curves as PNG and CSV', async () => {
    // The view's layout size, as the export takes it (whole CSS pixels).
    const view = await h.page
      .getByTestId('contour-view')
      .evaluate((el) => ({ width: el.clientWidth, height: el.clientHeight }));
    const dialog = await openExportDialog(h.page, 'Image (PNG)…');
    const what = dialog.getByRole('combobox', { name: 'What to export' });
    // The data here is the network's curves (the trajectories are the explorer's).
    const options = await what.locator('option').allTextContents();
    expect(options).toContain('Curves (CSV)');
    expect(options).not.toContain('Trajectories and curves (CSV)');
    await what.selectOption('png-contour');
    await dialog.getByRole('combobox', { name: 'Scale' }).selectOption('2');
    const png = await runExport(h.page, dialog);
    expect(pngSize(png)).toEqual({
      width: Math.round(view.width * 2),
      height: Math.round(view.height * 2),
    });
    fs.writeFileSync(path.join(shotsDir, 'network-export-contour-2x.png'), png);
    await what.selectOption('gif');
    await dialog.getByRole('combobox', { name: 'View' }).selectOption('both');
    await dialog.getByRole('combobox', { name: 'Frame rate' }).selectOption('10');
    await dialog.getByRole('spinbutton', { name: 'Duration (seconds)' }).fill('1');
    const gif = await runExport(h.page, dialog);
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    fs.writeFileSync(path.join(shotsDir, 'network-export.gif'), gif);
    await what.selectOption('png-curves');
    const curves = await runExport(h.page, dialog);
    expect(pngSize(curves).width).toBeGreaterThan(1000);
    fs.writeFileSync(path.join(shotsDir, 'network-export-curves.png'), curves);
    // The curves as CSV: one row per update per run, numbered from 1.
    await what.selectOption('csv');
    const csv = (await runExport(h.page, dialog)).toString('utf8').trim().split('\n');
    const header = csv[0].split(',');
    expect(header).toEqual([
      'run',
      'label',
      'optimizer',
      'update',
      'loss',
      'accuracy',
      'grad_norm',
      'lr',
      'update_ms',
    ]);
    const rows = csv.slice(1).map((line) => line.split(','));
    const byRun = new Map<string, string[][]>();
    for (const r of rows) byRun.set(r[0], [...(byRun.get(r[0]) ?? []), r]);
    expect(byRun.size).toBe(2);
    for (const runRows of byRun.values()) {
      expect(runRows.map((r) => Number(r[3]))).toEqual(runRows.map((_, i) => i + 1));
      expect(runRows.length).toBeGreaterThanOrEqual(80);
      expect(runRows.every((r) => Number(r[4]) > 0)).toBe(true);
    }
    await closeExportDialog(dialog);
  });

  it('presentation mode labels the network runs, and the label stays', async () => {
    await pressShortcut(h.page, 'p');
    await h.page.getByTestId('presentation-title').fill('Adam vs momentum on two spirals');
    const labels = h.page.getByRole('textbox', { name: /^Label of / });
    await expect.poll(() => labels.count()).toBe(2);
    expect(await labels.first().inputValue()).toMatch(/Adam/);
    await labels.first().fill('adaptive');
    await labels.first().press('Enter');
    expect(await h.page.getByRole('button', { name: 'Add note' }).isVisible()).toBe(false);
    await h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await h.page.waitForTimeout(500);
    await h.shot('network-presentation');
    await pressShortcut(h.page, 'Escape');
    await expect.poll(() => runs().nth(0).getAttribute('aria-label')).toMatch(/adaptive/);
  });

  it('the 1-D slice from θ₀ to a run is drawn', async () => {
    await h.page.getByRole('button', { name: 'θ₀ → θ (selected run)' }).click();
    await h.page.waitForTimeout(800);
    const line = await canvasStats(h.page, '.line-plot canvas');
    expect(line.covered).toBeGreaterThan(0.01);
  });

  it('the digits show a grid of misclassified validation images, the test set on demand', async () => {
    await openSetup();
    const form = h.page.getByRole('form', { name: 'Dataset and model' });
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('digits');
    await form.getByRole('spinbutton', { name: 'Width' }).fill('64');
    await form.getByRole('button', { name: /Rebuild data and network/ }).click();
    await expect
      .poll(() => text(h.page.getByTestId('net-summary')), { timeout: 60_000 })
      .toMatch(/10 classes/);
    await train(30);
    // While training the lab shows the validation set's mistakes; the test set on demand.
    await expect
      .poll(() => text(h.page.getByTestId('mistakes-count')), { timeout: 20_000 })
      .toMatch(/\d+ of \d+ validation images misclassified/);
    await h.page.getByRole('checkbox', { name: 'Show the test set' }).check();
    await expect
      .poll(() => text(h.page.getByTestId('mistakes-count')), { timeout: 20_000 })
      .toMatch(/\d+ of \d+ test images misclassified/);
    await h.shot('network-digits');
    await h.page.getByRole('checkbox', { name: 'Show the test set' }).uncheck();
  });

  // On the digits net an 81² landscape takes seconds (on the two spirals' small net it can end
  // before Cancel is pressed, which made this test a race).
  it('Cancel stops a landscape midway and the lab keeps answering', async () => {
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Directions' }).selectOption('random');
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('81');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    const bar = settings.getByRole('progressbar', { name: 'Landscape progress' });
    await bar.waitFor();
    await settings.getByRole('button', { name: 'Cancel' }).click();
    await bar.waitFor({ state: 'detached', timeout: 15_000 });
    // Cancelled, not finished: no 81² result was drawn.
    expect(await text(h.page.locator('form[aria-label="Landscape settings"]'))).not.toMatch(
      /81² points/,
    );
    const before = await netStep();
    await h.page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(netStep).toBe(before + 1);
    await expect(
      settings.getByRole('button', { name: 'Compute landscape' }).isEnabled(),
    ).resolves.toBe(true);
  });

  it('a regression set shows the fitted curve over the data', async () => {
    await openSetup();
    const form = h.page.getByRole('form', { name: 'Dataset and model' });
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('sine');
    await form.getByRole('button', { name: /Rebuild data and network/ }).click();
    await expect
      .poll(() => text(h.page.getByTestId('net-summary')), { timeout: 60_000 })
      .toMatch(/regression/);
    await train(60);
    await h.page.waitForTimeout(800);
    await h.shot('network-sine');
    const stats = await canvasStats(h.page, '[data-testid="data-view"] canvas');
    expect(stats.covered).toBeGreaterThan(0.01);
  });

  it('comes back after the engine crashed: Restart engine sets up the same data, model and runs', async () => {
    const summary = await text(h.page.getByTestId('net-summary'));
    const count = await runs().count();
    expect(count).toBeGreaterThan(0);
    await h.server.crashEngines();
    const gone = h.page.getByRole('alertdialog', { name: 'The engine stopped' });
    await gone.waitFor({ timeout: 20_000 });
    await gone.getByRole('button', { name: 'Restart engine' }).click();
    await gone.waitFor({ state: 'detached', timeout: 60_000 });
    await expect
      .poll(() => text(h.page.getByTestId('net-summary')), { timeout: 30_000 })
      .toBe(summary);
    await expect.poll(() => runs().count(), { timeout: 30_000 }).toBe(count);
    // The new engine trains them: from θ₀ again, so the step count starts over.
    await expect.poll(netStep, { timeout: 30_000 }).toBe(0);
    await train(20);
    expect(await netStep()).toBeGreaterThanOrEqual(20);
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
