/**
 * Browser mode's engine cap, as a user meets it: a page past the cap says why (and keeps
 * running), and its Restart engine brings up a whole lab once another page has closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApp, openApp, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ maxEngines: 1 });
  await loadApp(h);
});
afterAll(() => h?.close());

describe('the engine cap', () => {
  it('a second page is told why it has no engine, and starts once the first has closed', async () => {
    const second = await h.context.newPage();
    await second.goto(h.server.url);
    const gone = second.getByRole('alertdialog', { name: 'The engine stopped' });
    await gone.waitFor({ timeout: 30_000 });
    expect(await gone.textContent()).toMatch(/already runs 1 engine, one per open page/);
    await h.shot('engine-cap-refused');
    await second.screenshot({ path: 'test-results/e2e/engine-cap-second-page.png' });
    await h.page.close();
    await expect.poll(() => h.server.engines, { timeout: 20_000 }).toBe(0);
    await gone.getByRole('button', { name: 'Restart engine' }).click();
    await gone.waitFor({ state: 'detached', timeout: 60_000 });
    // A whole lab, as a new page starts: the race of three runs.
    await expect
      .poll(() => second.getByRole('region', { name: /^Run \d+:/ }).count(), { timeout: 60_000 })
      .toBe(3);
    expect(await second.getByTestId('backend-badge').textContent()).toMatch(/wasm|cpu|tensorflow/);
    await second.screenshot({ path: 'test-results/e2e/engine-cap-restarted.png' });
  });
});
