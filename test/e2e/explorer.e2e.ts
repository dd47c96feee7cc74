/** The landscape explorer's controls, end to end: gallery, start point, live changes, step mode, basins. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canvasStats,
  exportTrajectories,
  loadApp,
  openApp,
  playUntil,
  pressShortcut,
  stepCount,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp();
  await loadApp(h);
});
afterAll(() => h?.close());

const runPanels = () => h.page.getByRole('region', { name: /^Run \d+:/ });

describe('explorer', () => {
  it('the gallery shows every preset and validates a typed expression as you type', async () => {
    await pressShortcut(h.page, 'g');
    const dialog = h.page.getByRole('dialog', { name: 'Surface gallery' });
    await dialog.waitFor();
    const thumbs = dialog.getByRole('listitem');
    expect(await thumbs.count()).toBeGreaterThanOrEqual(16);
    await h.page.waitForTimeout(800);
    expect(
      (await canvasStats(h.page, '[role="dialog"] li:nth-child(5) canvas')).colors,
    ).toBeGreaterThan(20);
    const field = dialog.getByRole('textbox', { name: 'Loss expression L(x, y)' });
    await field.fill('x^^2 + y');
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/character 3/);
    await field.fill('foo(x) + y');
    await expect
      .poll(() => dialog.getByRole('alert').textContent())
      .toMatch(/unknown function "foo"/);
    await field.fill('sqrt(-1 - x^2) + y');
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/not finite anywhere/);
    await field.fill('sin(x) * cos(y) + 0.1 * (x^2 + y^2)');
    await expect.poll(() => dialog.getByRole('status').textContent()).toMatch(/^valid/);
    await h.shot('explorer-gallery');
    await dialog.getByRole('button', { name: 'Use this surface' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(() =>
        h.page.getByRole('combobox', { name: 'Surface' }).locator('option:checked').textContent(),
      )
      .toMatch(/expression: sin\(x\)/);
    await expect.poll(() => runPanels().count()).toBe(3);
  });

  it('a click on the contour view moves every run to a new start', async () => {
    await h.page.getByRole('combobox', { name: 'Surface' }).selectOption('himmelblau');
    await expect.poll(() => h.page.getByRole('img', { name: /Loss colour scale/ }).count()).toBe(2);
    await h.page.waitForTimeout(500);
    // Himmelblau's domain is [-5, 5]², drawn as a square in the plot area the view reports
    // (data-plot: x, y, width, height within the view). Click at (−2.5, 2.5).
    const plot = await h.page.getByTestId('contour-view').evaluate((el) => {
      const [x, y, w, hh] = ((el as HTMLElement).dataset.plot ?? '').split(',').map(Number);
      const r = el.getBoundingClientRect();
      return { x: r.left + x, y: r.top + y, w, h: hh };
    });
    expect([plot.x, plot.y, plot.w, plot.h].every(Number.isFinite)).toBe(true);
    await h.page.mouse.click(plot.x + 0.25 * plot.w, plot.y + 0.25 * plot.h);
    await expect
      .poll(async () => (await exportTrajectories(h.page)).start, { timeout: 15_000 })
      .toEqual([expect.closeTo(-2.5, 1), expect.closeTo(2.5, 1)]);
    const data = await exportTrajectories(h.page);
    for (const run of data.runs) expect(run.points[0]).toEqual([...data.start, expect.any(Number)]);
  });

  it('a slider change mid-run shows as a kink in the trajectory and a marker on the curves', async () => {
    await h.page.getByRole('combobox', { name: 'Surface' }).selectOption('bowl');
    const run1 = h.page.getByRole('region', { name: /^Run 1:/ });
    await run1.getByRole('combobox', { name: 'Optimizer' }).selectOption('sgd');
    await expect.poll(() => run1.getAttribute('aria-label')).toMatch(/^Run 1: SGD/);
    const lr = run1.getByRole('spinbutton', { name: 'Learning rate' });
    await lr.fill('0.002');
    await lr.press('Enter');
    await h.page.getByRole('button', { name: 'Reset', exact: true }).click();
    await playUntil(h.page, 60, 5);
    // Mid-run, the slider: η 0.002 → 0.03.
    await h.page.getByRole('button', { name: 'Play', exact: true }).click();
    await run1.getByRole('slider', { name: 'Learning rate' }).fill('-1.5'); // 10^-1.5 ≈ 0.0316
    await playUntil(h.page, (await stepCount(h.page)) + 60, 5);
    await h.shot('explorer-slider-kink');
    const data = await exportTrajectories(h.page);
    const run = data.runs[0];
    expect(run.changes).toHaveLength(1);
    const k = run.changes[0].step;
    expect(k).toBeGreaterThan(50);
    expect(run.lr[k - 1]).toBeCloseTo(0.002, 10);
    expect(run.lr[k]).toBeCloseTo(0.0316, 3);
    // The kink: SGD's step is η∇L, so the step length jumps by the ratio of the rates.
    const len = (i: number) =>
      Math.hypot(run.points[i + 1][0] - run.points[i][0], run.points[i + 1][1] - run.points[i][1]);
    expect(len(k) / len(k - 1)).toBeGreaterThan(10);
    const markers = await h.page.getByTestId('change-markers').textContent();
    expect(markers).toMatch(new RegExp(`step ${k},\\s*lr = 0\\.0316`));
  });

  it('step mode shows ∇L, the momentum and the step taken', async () => {
    const run1 = h.page.getByRole('region', { name: /^Run 1:/ });
    await run1.getByRole('combobox', { name: 'Optimizer' }).selectOption('momentum');
    await expect.poll(() => run1.getAttribute('aria-label')).toMatch(/^Run 1: Momentum/);
    await h.page.getByRole('checkbox', { name: 'Step mode (arrows)' }).check();
    await pressShortcut(h.page, 'r');
    await pressShortcut(h.page, 'ArrowRight');
    await pressShortcut(h.page, 'ArrowRight');
    const readout = h.page.getByTestId('step-readout');
    await expect.poll(() => readout.textContent()).toMatch(/step 2/);
    const text = (await readout.textContent()) ?? '';
    expect(text).toMatch(/∇L = \(/);
    expect(text).toMatch(/b = \(/);
    expect(text).toMatch(/Δθ = \(/);
    await h.shot('explorer-step-mode');
    await h.page.getByRole('checkbox', { name: 'Step mode (arrows)' }).uncheck();
  });

  it('the basin map of Himmelblau gives each of its four minima a basin, and can be cancelled', async () => {
    await h.page.getByRole('combobox', { name: 'Surface' }).selectOption('himmelblau');
    await expect.poll(() => runPanels().count()).toBe(3);
    // The map is computed with the selected run's optimizer: the Adam run, η = 0.05. Its panel
    // is disabled while the runs move to the new surface; select it once they have.
    const adam = h.page.getByRole('region', { name: /: Adam η=0\.05$/ });
    await expect
      .poll(() => adam.getByRole('combobox', { name: 'Optimizer' }).isEnabled(), {
        timeout: 30_000,
      })
      .toBe(true);
    const select = adam.getByRole('button', { name: /^Select run/ });
    await select.click();
    await expect.poll(() => select.getAttribute('aria-pressed')).toBe('true');
    const group = h.page.getByRole('group', { name: 'Basin map' });
    await group.getByRole('combobox', { name: 'Basin map steps' }).selectOption('250');
    await group.getByRole('button', { name: 'Basin map' }).click();
    const counts = h.page.getByTestId('basin-counts');
    await counts.waitFor({ timeout: 60_000 });
    const items = await counts.getByRole('listitem').allTextContents();
    const perMinimum = items.slice(0, 4).map((t) => Number(/: (\d+)$/.exec(t.trim())?.[1]));
    expect(perMinimum).toHaveLength(4);
    for (const n of perMinimum) expect(n).toBeGreaterThan(0);
    expect(perMinimum.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.9 * 128 * 128);
    await h.shot('explorer-basins');
    // Cancel a long one midway: the progress goes, the app keeps answering.
    await group.getByRole('button', { name: 'Basin map' }).click(); // off
    await group.getByRole('combobox', { name: 'Basin map steps' }).selectOption('2000');
    await group.getByRole('button', { name: 'Basin map' }).click();
    await group.getByRole('progressbar', { name: 'Basin map progress' }).waitFor();
    await group.getByRole('button', { name: 'Cancel' }).click();
    await group.getByRole('progressbar').waitFor({ state: 'detached' });
    await h.page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(h.page)).toBeGreaterThan(0);
  });

  it('races up to 8 runs: Add run stops at 8, Duplicate and Remove work', async () => {
    while ((await runPanels().count()) < 8) {
      await h.page.getByRole('button', { name: 'Add run' }).click();
      await h.page.waitForTimeout(100);
    }
    await expect.poll(() => runPanels().count()).toBe(8);
    expect(await h.page.getByRole('button', { name: 'Add run' }).isDisabled()).toBe(true);
    await runPanels().nth(7).getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => runPanels().count()).toBe(7);
    await runPanels().nth(0).getByRole('button', { name: 'Duplicate' }).click();
    await expect.poll(() => runPanels().count()).toBe(8);
    await playUntil(h.page, 40, 10);
    await h.shot('explorer-eight-runs');
  });

  it('a schedule set in the editor is what the engine applies', async () => {
    const run1 = h.page.getByRole('region', { name: /^Run 1:/ });
    // A rate at which momentum stays on Himmelblau's surface.
    const lr = run1.getByRole('spinbutton', { name: 'Learning rate' });
    await lr.fill('0.001');
    await lr.press('Enter');
    await run1.getByRole('combobox', { name: 'Schedule' }).selectOption('cosine');
    await h.page.getByRole('button', { name: 'Reset', exact: true }).click();
    await playUntil(h.page, 100, 10);
    const data = await exportTrajectories(h.page);
    const run = data.runs[0];
    expect(run.schedule).toMatchObject({ kind: 'cosine', tMax: 500 });
    const eta = run.hyper!.lr;
    for (const t of [0, 50, 100]) {
      expect(run.lr[t]).toBeCloseTo((eta * (1 + Math.cos((Math.PI * t) / 500))) / 2, 10);
    }
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
