/**
 * The network lab in a live class (issue 10): training as fast as the engine goes, each run's
 * figures as text, no stale landscape or blank menus, runs of different architectures and batch
 * sizes compared by epochs, a diverged run clipped off the charts, and the layout at the three
 * projector sizes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasStats, loadApp, openApp, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1280, height: 720 } });
  await loadApp(h);
  await h.page.getByRole('tab', { name: 'Network lab' }).click();
  await h.page.getByTestId('figures-net-2').waitFor({ timeout: 60_000 });
});
afterAll(() => h?.close());

const run = (n: number) => h.page.getByRole('region', { name: new RegExp(`^Run ${n}:`) });
const playButton = () => h.page.getByTestId('net-play-pause');

/** Every run's figures as numbers, read in one go (CSS only: no accessibility-tree walks). */
async function figures(): Promise<Record<string, number>[]> {
  return h.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid^="figures-"]')].map((box) => {
      const out: Record<string, number> = {};
      for (const cell of box.querySelectorAll('[data-figure]')) {
        const text = (cell.textContent ?? '').replace(/[,%]/g, '').trim();
        out[(cell as HTMLElement).dataset.figure!] = text === '–' ? NaN : Number(text);
      }
      return out;
    }),
  );
}

async function play(): Promise<void> {
  await playButton().click();
  await expect.poll(() => playButton().textContent()).toBe('Pause');
}

async function pause(): Promise<void> {
  await playButton().click();
  await expect.poll(() => playButton().textContent()).toBe('Train');
}

/** Trains until every run has taken `updates` updates (or `done` says so), then pauses. */
async function trainUntil(
  done: (f: Record<string, number>[]) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  await play();
  const deadline = Date.now() + timeoutMs;
  while (!done(await figures()) && Date.now() < deadline) await h.page.waitForTimeout(100);
  await pause();
}

/** Elements of the lab whose content is wider than they are (cut off), by selector. */
async function overflowing(): Promise<string[]> {
  return h.page.evaluate(() => {
    const selectors = [
      '.netlab .sidebar',
      '.netlab .views',
      '.data-view header',
      '.data-view .foot',
      '.net-curves .bar',
      '.net-curves .curves',
      '.landscape .controls',
      '.landscape .controls table',
      '.figures table',
    ];
    const out: string[] = [];
    for (const selector of selectors) {
      for (const el of document.querySelectorAll<HTMLElement>(selector)) {
        if (el.scrollWidth > el.clientWidth + 1) {
          out.push(`${selector}: ${el.scrollWidth} > ${el.clientWidth}`);
        }
      }
    }
    return out;
  });
}

/** Unfolds the dataset and model form (folded when the lab opens). */
async function openSetup(): Promise<void> {
  const details = h.page.locator('details.setup');
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
}

describe('the network lab in class', () => {
  it('trains the default two spirals to 90 % training accuracy within seconds, figures in each run panel', async () => {
    // The landscape's menus name a run before any landscape was computed (they were blank).
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    expect(await settings.getByRole('combobox', { name: 'Centre run' }).inputValue()).toBe('net-1');
    expect(await settings.getByRole('combobox', { name: 'PCA run' }).inputValue()).toBe('net-1');
    await expect.poll(() => run(1).getByRole('table', { name: 'Run 1 now' }).count()).toBe(1);
    // Frames the page displays while training: updates per displayed frame is how far the
    // training runs apart from the display (it was tied to it: 2 updates a frame).
    await h.page.evaluate(() => {
      const w = window as unknown as { framesShown: number };
      w.framesShown = 0;
      const count = () => {
        w.framesShown += 1;
        requestAnimationFrame(count);
      };
      requestAnimationFrame(count);
    });
    const t0 = Date.now();
    await playButton().click();
    let reached = NaN;
    let rate = NaN;
    let updatesAt90 = NaN;
    let framesAt90 = NaN;
    while (Date.now() - t0 < 60_000) {
      const f = await figures();
      rate = Math.max(...f.map((x) => x.rate).filter(Number.isFinite), rate || 0);
      if (f.some((x) => x['train-accuracy'] >= 90)) {
        reached = (Date.now() - t0) / 1000;
        updatesAt90 = Math.max(...f.map((x) => x.updates));
        framesAt90 = await h.page.evaluate(
          () => (window as unknown as { framesShown: number }).framesShown,
        );
        break;
      }
      await h.page.waitForTimeout(100);
    }
    await h.page.waitForTimeout(1200);
    rate = Math.max(rate || 0, ...(await figures()).map((x) => x.rate).filter(Number.isFinite));
    await pause();
    await h.shot('network-trained-1280x720');
    const after = await figures();
    console.log(
      `time from Train to ≥ 90 % training accuracy (two spirals, defaults, 1280×720): ${reached.toFixed(1)} s; ${Math.round(rate)} updates/s a run; ${after.map((x) => x.updates).join(' and ')} updates; ${(updatesAt90 / framesAt90).toFixed(1)} updates per displayed frame`,
    );
    // Reached within the loop's minute (it took 254 s before), and not by the display's pace:
    // a ratio, so a busy machine slows both sides alike.
    expect(reached).toBeLessThan(60);
    expect(updatesAt90 / framesAt90).toBeGreaterThan(4);
    // Paused: the rate is not claimed, the figures stay.
    expect(after.every((x) => Number.isNaN(x.rate) && x.epoch > 0)).toBe(true);
    const table = run(1).getByRole('table', { name: 'Run 1 now' });
    expect(await table.getByRole('rowheader').allTextContents()).toEqual([
      'training',
      'validation',
    ]);
    expect(after[0]['validation-accuracy']).toBeGreaterThan(50);
  });

  it('evaluates the test set on demand at the step it names; the data view shows validation until asked', async () => {
    const view = h.page.getByTestId('data-view');
    expect(await view.getAttribute('aria-label')).toMatch(/validation \(hollow\)/);
    await run(1).getByRole('button', { name: 'Evaluate on test set' }).click();
    const answer = run(1).getByTestId('test-net-1');
    await answer.waitFor();
    const step = Number(
      /\(step ([\d,]+)\)/.exec((await answer.textContent()) ?? '')![1].replace(/,/g, ''),
    );
    expect(step).toBe((await figures())[0].updates);
    expect(step).toBeGreaterThan(100);
    await h.page.getByRole('checkbox', { name: 'Show the test set' }).check();
    await expect.poll(() => view.getAttribute('aria-label')).toMatch(/test \(hollow\)/);
    await h.page.getByRole('checkbox', { name: 'Show the test set' }).uncheck();
  });

  it('slow motion for teaching: a few updates a second, whatever the engine could do', async () => {
    const speed = h.page.getByRole('combobox', { name: 'Speed' });
    await speed.selectOption({ label: 'slow motion: 5 updates/s' });
    const before = (await figures())[0].updates;
    const t0 = Date.now();
    await play();
    await h.page.waitForTimeout(2000);
    await pause();
    // Measured, not assumed: clicking Play and Pause takes a while on a busy machine.
    const seconds = (Date.now() - t0) / 1000;
    const taken = (await figures())[0].updates - before;
    console.log(`slow motion at 5 updates/s: ${taken} updates in ${seconds.toFixed(1)} s`);
    // 5 a second at most, never a burst (the engine goes on from now after a wait); flat out it
    // would be hundreds.
    expect(taken).toBeGreaterThanOrEqual(2);
    expect(taken).toBeLessThanOrEqual(Math.ceil(5 * seconds) + 2);
    await speed.selectOption({ label: 'as fast as possible' });
  });

  it('each run counts its own epochs, and the curves go by epochs', async () => {
    await run(2).getByRole('combobox', { name: 'Batch size' }).selectOption('full');
    await h.page.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(async () => (await figures())[0].updates).toBe(0);
    await trainUntil((f) => f.every((x) => x.updates >= 90));
    const [small, full] = await figures();
    // 280 training points: batches of 32 make 9 updates an epoch; the full batch 1.
    expect(small.updates).toBe(full.updates);
    expect(small.epoch).toBe(Math.floor(small.updates / 9));
    expect(full.epoch).toBe(full.updates);
    await h.page.getByRole('combobox', { name: 'Curves x axis' }).selectOption('epochs');
    const plot = h.page.getByTestId('net-chart-epoch-loss').getByRole('img');
    await expect.poll(() => plot.getAttribute('aria-label')).toMatch(/against epochs/);
    await h.page.waitForTimeout(400);
    expect(
      (await canvasStats(h.page, '[data-testid="net-chart-epoch-loss"] canvas')).colors,
    ).toBeGreaterThan(8);
    await h.shot('network-epochs-1280x720');
    await h.page.getByRole('combobox', { name: 'Curves x axis' }).selectOption('updates');
  });

  it('a 20-layer net trains beside a 2-layer one; a landscape projects only its own architecture', async () => {
    await run(2).locator('summary').click();
    await run(2).getByRole('spinbutton', { name: 'Hidden layers of run 2' }).fill('20');
    await run(2).getByRole('spinbutton', { name: 'Width of run 2' }).fill('16');
    await run(2).getByRole('button', { name: 'Train this network' }).click();
    await expect
      .poll(() => run(2).getAttribute('aria-label'), { timeout: 20_000 })
      .toMatch(/20×16/);
    await trainUntil((f) => f.every((x) => x.updates >= 60));
    const [two, twenty] = await figures();
    expect(Number.isFinite(two['train-loss'])).toBe(true);
    expect(Number.isFinite(twenty['train-loss'])).toBe(true);
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Directions' }).selectOption('pca');
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('11');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    const result = h.page.getByTestId('landscape-result');
    await result.waitFor({ timeout: 45_000 });
    const rows = result.getByRole('table').locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await h.page.getByTestId('other-architecture').textContent()).toMatch(
      /other architecture\): Run 2/,
    );
    await h.page.waitForTimeout(500);
    await h.shot('network-architectures-1280x720');
  });

  it('Rebuild data and network leaves no old landscape on screen, and the menus name a run', async () => {
    await expect.poll(() => h.page.getByTestId('landscape-contour').count()).toBe(1);
    await openSetup();
    const form = h.page.getByRole('form', { name: 'Dataset and model' });
    await form.getByRole('combobox', { name: 'Dataset' }).selectOption('moons');
    await form.getByRole('button', { name: /Rebuild data and network/ }).click();
    await expect.poll(() => h.page.getByTestId('net-summary').textContent()).toMatch(/2 classes/);
    await expect.poll(() => h.page.getByTestId('landscape-contour').count()).toBe(0);
    await expect.poll(() => h.page.getByTestId('landscape-3d').count()).toBe(0);
    await h.page.getByTestId('landscape-empty').waitFor();
    expect(await h.page.getByTestId('landscape-result').count()).toBe(0);
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await expect
      .poll(() => settings.getByRole('combobox', { name: 'Centre run' }).inputValue())
      .toMatch(/^net-\d+$/);
    // Run 2 keeps its own network across the rebuild.
    await expect.poll(() => run(2).getAttribute('aria-label')).toMatch(/20×16/);
  });

  it('a diverged run leaves the top of the loss charts instead of setting their scale', async () => {
    await run(2).locator('summary').click();
    await run(2).getByRole('spinbutton', { name: 'Hidden layers of run 2' }).fill('2');
    await run(2).getByRole('combobox', { name: 'Activation of run 2' }).selectOption('linear');
    await run(2).getByRole('button', { name: 'Train this network' }).click();
    await expect
      .poll(() => run(2).getAttribute('aria-label'), { timeout: 20_000 })
      .toMatch(/linear/);
    const lr = run(2).getByRole('spinbutton', { name: 'Learning rate' });
    await lr.fill('1');
    await lr.press('Enter');
    await expect.poll(() => run(2).getAttribute('aria-label')).toMatch(/η=1\b/);
    await play();
    await run(2).getByRole('status').waitFor({ timeout: 30_000 });
    expect(await run(2).getByRole('status').textContent()).toMatch(/diverged/);
    await h.page.waitForTimeout(500);
    await pause();
    const loss = h.page.getByTestId('net-chart-loss');
    await expect.poll(() => loss.getAttribute('data-clipped')).toBe('true');
    expect(await loss.locator('figcaption').textContent()).toMatch(/clipped ↑/);
    await h.shot('network-diverged-1280x720');
  });

  it('fits 1280×720, 1440×900 and 1920×1080: nothing cut off, every chart drawn', async () => {
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Centre run' }).selectOption({ index: 0 });
    await settings.getByRole('combobox', { name: 'Directions' }).selectOption('random');
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('21');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    await h.page.getByTestId('landscape-result').waitFor({ timeout: 45_000 });
    for (const [width, height] of [
      [1280, 720],
      [1440, 900],
      [1920, 1080],
    ]) {
      await h.page.setViewportSize({ width, height });
      await h.page.waitForTimeout(700);
      expect(await overflowing(), `${width}×${height}`).toEqual([]);
      for (const id of ['loss', 'epoch-loss', 'grad']) {
        const box = await h.page.getByTestId(`net-chart-${id}`).locator('canvas').boundingBox();
        expect(box!.height, `${id} at ${width}×${height}`).toBeGreaterThan(70);
      }
      const contour = await h.page.getByTestId('landscape-contour').boundingBox();
      expect(contour!.height).toBeGreaterThan(150);
      await h.shot(`network-lab-${width}x${height}`);
    }
    await h.page.setViewportSize({ width: 1280, height: 720 });
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
