/** The foundation, end to end in headless Chromium against browser mode. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasStats, loadApp, openApp, stepCount, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp();
  await loadApp(h);
});
afterAll(() => h?.close());

const run1 = () => h.page.getByRole('region', { name: /^Run 1:/ });

describe('LossLab in the browser', () => {
  it('shows the backend badge: wasm', async () => {
    await expect.poll(() => h.page.getByTestId('backend-badge').textContent()).toBe('wasm');
  });

  it('draws the surface: the 3-D and contour canvases are not blank', async () => {
    await h.page.waitForTimeout(500);
    const surface = await canvasStats(h.page, '[data-testid="surface-view"] canvas');
    expect(surface.colors).toBeGreaterThan(50);
    expect(surface.covered).toBeGreaterThan(0.15);
    const contour = await canvasStats(h.page, '[data-testid="contour-view"] canvas');
    expect(contour.colors).toBeGreaterThan(50);
    expect(contour.covered).toBeGreaterThan(0.3);
    await h.shot('foundation-loaded');
  });

  it('Play advances the loss curve; Pause stops it', async () => {
    const before = await stepCount(h.page);
    const chartBefore = await canvasStats(h.page, '[data-testid="chart-loss"] canvas');
    await h.page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => stepCount(h.page), { timeout: 20_000 }).toBeGreaterThan(before + 20);
    await h.page.getByRole('button', { name: 'Pause', exact: true }).click();
    // Once the engine confirms the pause (the button says Play again), no step follows.
    await h.page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    const paused = await stepCount(h.page);
    await h.page.waitForTimeout(300);
    expect(await stepCount(h.page)).toBe(paused);
    const chartAfter = await canvasStats(h.page, '[data-testid="chart-loss"] canvas');
    expect(chartAfter.covered).toBeGreaterThan(chartBefore.covered);
    await h.shot('foundation-played');
  });

  it('Space toggles play and pause', async () => {
    await h.page.locator('body').press('Space');
    await expect
      .poll(() => h.page.getByRole('button', { name: 'Pause', exact: true }).count())
      .toBe(1);
    await h.page.locator('body').press('Space');
    await expect
      .poll(() => h.page.getByRole('button', { name: 'Play', exact: true }).count())
      .toBe(1);
  });

  it('moving the Learning rate slider changes the rate the engine reports', async () => {
    const slider = run1().getByRole('slider', { name: 'Learning rate' });
    await slider.fill('-3'); // 10^-3
    await expect.poll(() => run1().getAttribute('aria-label')).toMatch(/η=0\.001$/);
    await slider.fill('-1.5');
    await expect.poll(() => run1().getAttribute('aria-label')).toMatch(/η=0\.0316$/);
    const field = run1().getByRole('spinbutton', { name: 'Learning rate' });
    await field.fill('0.005');
    await field.press('Enter');
    await expect.poll(() => run1().getAttribute('aria-label')).toMatch(/η=0\.005$/);
    // Nonsense is refused in place, with a message; the engine keeps its rate.
    await field.fill('fast');
    await field.press('Enter');
    await expect(run1().getByRole('alert').textContent()).resolves.toMatch(/must be a number/);
    expect(await run1().getAttribute('aria-label')).toMatch(/η=0\.005$/);
    await field.press('Escape');
  });

  it('a bowl run at a huge learning rate shows diverged, the others go on, and the app stays usable', async () => {
    await h.page.getByRole('combobox', { name: 'Surface' }).selectOption('bowl');
    await run1().getByRole('combobox', { name: 'Optimizer' }).selectOption('sgd');
    await expect.poll(() => run1().getAttribute('aria-label')).toMatch(/^Run 1: SGD/);
    const field = run1().getByRole('spinbutton', { name: 'Learning rate' });
    await field.fill('5');
    await field.press('Enter');
    await expect.poll(() => run1().getAttribute('aria-label')).toMatch(/η=5$/);
    await h.page.getByRole('combobox', { name: 'Speed (steps per frame)' }).selectOption('20');
    await h.page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect
      .poll(() => run1().getByRole('status').textContent(), { timeout: 30_000 })
      .toMatch(/^diverged: .*after step \d+/);
    const atDivergence = await stepCount(h.page);
    await expect
      .poll(() => stepCount(h.page), { timeout: 20_000 })
      .toBeGreaterThan(atDivergence + 40);
    await h.page.getByRole('button', { name: 'Pause', exact: true }).click();
    // The loss axis is scaled to the runs still going; the diverged one leaves at the top.
    await expect
      .poll(() => h.page.getByTestId('chart-loss').getAttribute('data-clipped'))
      .toBe('true');
    await h.shot('foundation-diverged');
    // Still usable: a sane rate, reset, and it runs again.
    await field.fill('0.02');
    await field.press('Enter');
    await h.page.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => run1().getByRole('status').count()).toBe(0);
    await h.page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(h.page)).toBe(1);
  });

  it('when the engine dies, says why and restarts it with the same runs', async () => {
    const runsBefore = await h.page.getByRole('region', { name: /^Run \d+:/ }).count();
    await h.server.crashEngines();
    const dialog = h.page.getByRole('alertdialog', { name: 'The engine stopped' });
    await dialog.waitFor({ timeout: 15_000 });
    expect(await dialog.textContent()).toMatch(/exit code/);
    await h.shot('foundation-engine-gone');
    await h.page.getByRole('button', { name: 'Restart engine' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => h.page.getByTestId('backend-badge').textContent()).toBe('wasm');
    await expect
      .poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count())
      .toBe(runsBefore);
    await h.page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(h.page)).toBe(1);
  });

  it('refuses the page without the token', async () => {
    const status = await new Promise<number>((resolve) => {
      http.get(`http://127.0.0.1:${h.server.port}/`, (res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(403);
    // A browser without the page's cookie, asking with a wrong token.
    await h.context.clearCookies();
    const other = await h.context.newPage();
    const response = await other.goto(`http://127.0.0.1:${h.server.port}/?token=wrong`);
    expect(response?.status()).toBe(403);
    await other.close();
  });

  it('logged no errors and no CSP violations', () => {
    expect(h.problems).toEqual([]);
  });
});
