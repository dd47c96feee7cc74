/**
 * A live class (issue 10): every screen at a projector's sizes — 1280×720, 1440×900 and
 * 1920×1080 — without horizontal overflow, with the header's controls on screen and uncut, and
 * with the views' overlays (legends, the basin map box, step mode's labels) clear of the data
 * they describe. Also: log loss charts of negative losses, long labels, empty charts, the data
 * tables behind the charts, the focus ring and the bundled fonts. Screenshots of every screen
 * at every size land in test-results/e2e/layout-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApp, openApp, pressShortcut, stepCount, type Harness } from './harness';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
];
const tag = (size: { width: number; height: number }) => `${size.width}x${size.height}`;

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: SIZES[0] });
  await loadApp(h);
});
afterAll(() => h?.close());

type Box = { x: number; y: number; w: number; h: number };

/** The page's width against the window's: nothing may scroll sideways. */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}

/**
 * Controls that must be whole and on screen: inside the window, the topmost element at their
 * centre (not covered, not clipped away), and their text not cut (scrollWidth ≤ clientWidth).
 */
async function cutControls(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const problems: string[] = [];
    const elements = [...document.querySelectorAll<HTMLElement>(sel)].filter(
      (e) => e.offsetParent !== null,
    );
    if (elements.length === 0) problems.push(`nothing matches ${sel}`);
    for (const el of elements) {
      const name = (el.getAttribute('aria-label') ?? el.textContent ?? el.tagName).trim();
      const r = el.getBoundingClientRect();
      if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) {
        problems.push(`${name}: off screen at ${Math.round(r.left)}…${Math.round(r.right)}`);
        continue;
      }
      const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
      if (!hit || !(el === hit || el.contains(hit)))
        problems.push(`${name}: covered or clipped (${hit?.tagName ?? 'nothing'} on top)`);
      if (el.tagName !== 'SELECT' && el.scrollWidth > el.clientWidth + 1)
        problems.push(`${name}: text cut (${el.scrollWidth} > ${el.clientWidth})`);
      if (el.tagName === 'TEXTAREA' && el.scrollHeight > el.clientHeight + 1)
        problems.push(`${name}: lines cut (${el.scrollHeight} > ${el.clientHeight})`);
    }
    return problems;
  }, selector);
}

/** Page boxes of the elements matching a selector (those on show). */
async function boxes(page: Page, selector: string): Promise<Box[]> {
  return page.evaluate((sel) => {
    return [...document.querySelectorAll<HTMLElement>(sel)]
      .filter((e) => e.offsetParent !== null && e.getClientRects().length > 0)
      .map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.left, y: r.top, w: r.width, h: r.height };
      });
  }, selector);
}

/** A view's plot rectangle (data-plot, in the view's CSS pixels) as a page box. */
async function plotBox(page: Page, testId: string): Promise<Box> {
  return page.evaluate((id) => {
    const el = document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
    const [x, y, w, h] = (el.dataset.plot ?? '').split(',').map(Number);
    if (![x, y, w, h].every(Number.isFinite)) throw new Error(`${id} has no data-plot`);
    const r = el.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y, w, h };
  }, testId);
}

/** The area two boxes share, in square CSS pixels. */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

const inside = (inner: Box, outer: Box, slack = 0.5) =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.w <= outer.x + outer.w + slack &&
  inner.y + inner.h <= outer.y + outer.h + slack;

async function expectNoOverflow(page: Page, where: string): Promise<void> {
  const o = await overflow(page);
  expect(o.scrollWidth, `${where}: page ${o.scrollWidth} px wide in ${o.innerWidth}`).toBe(
    o.innerWidth,
  );
}

/** Waits for the views to draw after a resize or a change (two animation frames and a margin). */
async function settle(page: Page, ms = 400): Promise<void> {
  await page.evaluate(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
  );
  await page.waitForTimeout(ms);
}

const DIALOG_BUTTONS = '[role="dialog"] button, dialog[open] button';
const HEADER_CONTROLS = '.app > header button, .app > header select, [data-testid="backend-badge"]';

describe('a live class at a projector’s sizes', () => {
  for (const size of SIZES) {
    it(`explorer at ${tag(size)}: no overflow, the header whole, overlays clear of the plots`, async () => {
      await h.page.setViewportSize(size);
      await settle(h.page, 800);
      await h.shot(`layout-explorer-${tag(size)}`);
      await expectNoOverflow(h.page, `explorer ${tag(size)}`);
      expect(await cutControls(h.page, HEADER_CONTROLS)).toEqual([]);
      expect(await cutControls(h.page, 'button.help')).toEqual([]);

      // The contour view: its legend and the basin box beside the plot and its tick labels.
      const contour = await plotBox(h.page, 'contour-view');
      const ticks = { x: contour.x - 40, y: contour.y, w: contour.w + 40, h: contour.h + 22 };
      for (const b of await boxes(h.page, '.contour-view .legend, .contour-view .basins')) {
        expect(overlap(b, ticks), `contour overlay ${JSON.stringify(b)}`).toBe(0);
      }
      // The 3-D view: the surface inside its panel, the legend and toolbar off it.
      const view3d = (await boxes(h.page, '[data-testid="surface-view"]'))[0];
      const surface = await plotBox(h.page, 'surface-view');
      expect(
        inside(surface, view3d),
        `surface ${JSON.stringify(surface)} in ${JSON.stringify(view3d)}`,
      ).toBe(true);
      for (const b of await boxes(h.page, '.surface-view .legend, .surface-view .toolbar')) {
        expect(overlap(b, surface), `3-D overlay ${JSON.stringify(b)}`).toBe(0);
      }
      // The charts' y titles fit along their axes (the step-size chart's was cut at 1280).
      const titles = await h.page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('[data-testid^="chart-"]')].map((figure) => {
          const canvas = figure.querySelector('canvas')!;
          const caption = figure.querySelector('table caption')?.textContent ?? '';
          const title = figure.dataset.axis ?? '';
          const ctx = document.createElement('canvas').getContext('2d')!;
          ctx.font = `12px ${getComputedStyle(document.documentElement).fontFamily}`;
          return { caption, fits: ctx.measureText(title).width + 8 <= canvas.clientHeight * 0.8 };
        }),
      );
      expect(titles.length).toBe(4);
      for (const t of titles) expect(t.fits, t.caption).toBe(true);
    });
  }

  for (const size of SIZES) {
    it(`every screen at ${tag(size)}: lesson in Chinese, gallery, help, export, presentation, network lab`, async () => {
      const page = h.page;
      await page.setViewportSize(size);
      await pickLesson(page, 'e');
      await page.getByTestId('language-zh').click();
      await settle(page);
      await h.shot(`layout-lesson-zh-${tag(size)}`);
      await expectNoOverflow(page, `lesson ${tag(size)}`);
      // Long run labels are cut with an ellipsis; the panels and their number fields stay in
      // the sidebar's column.
      const sidebar = (await boxes(page, '.sidebar'))[0];
      for (const b of await boxes(page, '.run-panel, .run-panel input')) {
        expect(b.x + b.w, `run panel part ${JSON.stringify(b)}`).toBeLessThanOrEqual(
          sidebar.x + sidebar.w + 0.5,
        );
      }
      await page.getByTestId('language-en').click();

      await pressShortcut(page, 'g');
      await page.getByRole('dialog', { name: 'Surface gallery' }).waitFor();
      await settle(page);
      await h.shot(`layout-gallery-${tag(size)}`);
      await expectNoOverflow(page, `gallery ${tag(size)}`);
      expect(await cutControls(page, DIALOG_BUTTONS)).toEqual([]);
      await page.keyboard.press('Escape');

      await pressShortcut(page, '?');
      await page.getByRole('dialog', { name: 'Keyboard and mouse' }).waitFor();
      await h.shot(`layout-help-${tag(size)}`);
      await expectNoOverflow(page, `help ${tag(size)}`);
      expect(await cutControls(page, DIALOG_BUTTONS)).toEqual([]);
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Export ▾' }).click();
      await page.getByRole('menuitem', { name: 'Image (PNG)…' }).click();
      const exportDialog = page.getByRole('dialog', { name: 'Export' });
      await exportDialog.waitFor();
      await settle(page);
      await h.shot(`layout-export-${tag(size)}`);
      await expectNoOverflow(page, `export dialog ${tag(size)}`);
      expect(await cutControls(page, DIALOG_BUTTONS)).toEqual([]);
      await exportDialog.getByRole('button', { name: 'Close', exact: true }).click();

      // Presentation: the title and every run label whole, the label strip one line high.
      await pickLesson(page, 'c');
      await pressShortcut(page, 'p');
      const title = page.getByTestId('presentation-title');
      await title.fill('Momentum vs Adam: gradient descent overshoots in both directions');
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await settle(page, 600);
      await h.shot(`layout-presentation-dark-${tag(size)}`);
      await expectNoOverflow(page, `presentation ${tag(size)}`);
      expect(
        await cutControls(page, '[role="toolbar"][aria-label="Presentation"] :is(input, textarea)'),
      ).toEqual([]);
      const strip = (await boxes(page, '[aria-label="Run labels"]'))[0];
      expect(strip.h, 'label strip height with 5 runs').toBeLessThanOrEqual(40);
      const contour = await plotBox(page, 'contour-view');
      for (const b of await boxes(page, '.contour-view .legend'))
        expect(overlap(b, contour)).toBe(0);
      await page.getByRole('button', { name: 'Theme' }).click();
      await settle(page, 600);
      await h.shot(`layout-presentation-light-${tag(size)}`);
      await page.getByRole('button', { name: 'Theme' }).click();
      await pressShortcut(page, 'Escape');
      await expect.poll(() => title.count()).toBe(0);

      await page.getByRole('tab', { name: 'Network lab' }).click();
      await settle(page, 1500);
      await h.shot(`layout-network-${tag(size)}`);
      await expectNoOverflow(page, `network lab ${tag(size)}`);
      expect(await cutControls(page, HEADER_CONTROLS)).toEqual([]);
      await page.getByRole('tab', { name: 'Surfaces' }).click();
      await page.getByTestId('contour-view').waitFor();
    });
  }

  it('the log loss chart of sin·cos shows every run (losses below zero are shifted, and it says so)', async () => {
    const page = h.page;
    await page.setViewportSize(SIZES[1]);
    await pickLesson(page, 'c'); // five runs
    await pressShortcut(page, 'g');
    const gallery = page.getByRole('dialog', { name: 'Surface gallery' });
    await gallery.getByRole('button', { name: 'Use this surface' }).click();
    await gallery.waitFor({ state: 'detached' });
    const runs = await page.getByRole('region', { name: /^Run \d+:/ }).count();
    expect(runs).toBe(5);
    await page.getByRole('combobox', { name: 'Speed (steps per frame)' }).selectOption('20');
    for (let k = 0; k < 3; k++)
      await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(page)).toBeGreaterThanOrEqual(3);
    await page.getByTestId('chart-loss').getByRole('checkbox', { name: 'log' }).check();
    await settle(page);
    await h.shot('layout-log-loss-sincos');
    const chart = page.getByTestId('chart-loss');
    // Every run's colour is drawn in the loss chart.
    const colors = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.run-panel')].map((p) =>
        getComputedStyle(p).getPropertyValue('--run-color').trim(),
      ),
    );
    const drawn = await page.evaluate((list) => {
      const canvas = document.querySelector<HTMLCanvasElement>(
        '[data-testid="chart-loss"] canvas',
      )!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return list.map((hex) => {
        const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40)
            n++;
        }
        return n;
      });
    }, colors);
    for (const [k, n] of drawn.entries())
      expect(n, `run ${k + 1} (${colors[k]}) pixels`).toBeGreaterThan(20);
    // The axis says what it shows: the loss plus the shift.
    expect(await chart.getAttribute('data-axis')).toMatch(/^loss \+ \d/);
    // The table behind the chart: one row per run, its steps as the playback bar says.
    const table = page.getByTestId('table-loss');
    expect(await table.locator('tbody tr').count()).toBe(5);
    expect(await table.locator('caption').textContent()).toMatch(/log scale \(axis: loss \+ /);
    await chart.getByRole('checkbox', { name: 'log' }).uncheck();
  });

  it('empty charts start at step 0; a full race says why Add run is off', async () => {
    const page = h.page;
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => stepCount(page)).toBe(0);
    await settle(page);
    for (const id of ['loss', 'lr', 'grad', 'eff']) {
      const steps = (await page.getByTestId(`chart-${id}`).getAttribute('data-steps')) ?? '';
      const [min, max] = steps.split(',').map(Number);
      expect(min, `${id} axis from`).toBe(0);
      expect(max, `${id} axis to`).toBeGreaterThanOrEqual(10);
    }
    const add = page.getByRole('button', { name: 'Add run' });
    while ((await page.getByRole('region', { name: /^Run \d+:/ }).count()) < 8) {
      const before = await page.getByRole('region', { name: /^Run \d+:/ }).count();
      await add.click();
      await expect
        .poll(() => page.getByRole('region', { name: /^Run \d+:/ }).count())
        .toBe(before + 1);
    }
    expect(await add.isDisabled()).toBe(true);
    const why = page.getByTestId('add-run-why');
    expect(await why.textContent()).toMatch(/8 runs at most/);
    expect(await add.getAttribute('aria-describedby')).toBe(await why.getAttribute('id'));
    await h.shot('layout-eight-runs');
    await page
      .getByRole('region', { name: /^Run 8:/ })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect.poll(() => why.count()).toBe(0);
  });

  it('step mode: arrows in both views, the labels clear of every arrow and of each other', async () => {
    const page = h.page;
    await page.setViewportSize(SIZES[0]);
    await pickLesson(page, 'b'); // three runs from one start
    await page.getByRole('checkbox', { name: 'Step mode (arrows)' }).check();
    for (let k = 0; k < 4; k++)
      await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(page)).toBe(4);
    await h.shot('layout-step-mode-before');
    await page.getByTestId('step-readout').waitFor();
    await settle(page, 600);
    await h.shot('layout-step-mode-1280x720');
    const arrows3d = Number(
      await page.getByTestId('surface-view').getAttribute('data-step-arrows'),
    );
    expect(arrows3d).toBeGreaterThanOrEqual(6);
    const layout = JSON.parse(
      (await page.getByTestId('contour-view').getAttribute('data-step-labels')) ?? '[]',
    ) as { box: Box; arrows: [number, number, number, number][] }[];
    expect(layout.length).toBe(3);
    const view = (await boxes(page, '[data-testid="contour-view"]'))[0];
    const legend = (await boxes(page, '.contour-view .legend'))[0];
    const band = (await boxes(page, '.contour-view .basins'))[0];
    const arrows = layout.flatMap((l) => l.arrows);
    for (const [k, { box }] of layout.entries()) {
      const onPage = { x: box.x + view.x, y: box.y + view.y, w: box.w, h: box.h };
      expect(inside(onPage, view, 1), `label ${k} in the view`).toBe(true);
      expect(overlap(onPage, legend), `label ${k} on the legend`).toBe(0);
      expect(overlap(onPage, band), `label ${k} on the basin box`).toBe(0);
      for (const [j, other] of layout.entries())
        if (j !== k) expect(overlap(box, other.box), `labels ${k} and ${j}`).toBe(0);
      for (const a of arrows) expect(segmentMeets(a, box), `label ${k} on an arrow`).toBe(false);
    }
    await page.getByRole('checkbox', { name: 'Step mode (arrows)' }).uncheck();
  });

  it('the basin map box stays above the plot when its counts are in', async () => {
    const page = h.page;
    await page.getByRole('combobox', { name: 'Basin map steps' }).selectOption('100');
    await page.getByRole('button', { name: 'Basin map' }).click();
    await page.getByTestId('basin-counts').waitFor({ timeout: 60_000 });
    await settle(page);
    await h.shot('layout-basins-1280x720');
    const plot = await plotBox(page, 'contour-view');
    const ticks = { x: plot.x - 40, y: plot.y, w: plot.w + 40, h: plot.h + 22 };
    for (const b of await boxes(page, '.contour-view .basins, .contour-view .legend'))
      expect(overlap(b, ticks), `basin box ${JSON.stringify(b)}`).toBe(0);
    await page.getByRole('button', { name: 'Basin map' }).click();
  });

  it('keyboard focus is a ring of its own, unlike the selected tab and the primary button', async () => {
    const page = h.page;
    const tab = page.getByRole('tab', { name: 'Surfaces' });
    await tab.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    const style = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement;
      const s = getComputedStyle(active);
      const selected = getComputedStyle(document.querySelector('[aria-selected="true"]')!);
      const play = getComputedStyle(document.querySelector('[data-testid="play-pause"]')!);
      return {
        focused: active.textContent,
        width: parseFloat(s.outlineWidth),
        outline: s.outlineColor,
        selectedBorder: selected.borderColor,
        playBorder: play.borderColor,
        visible: active.matches(':focus-visible'),
      };
    });
    expect(style.visible).toBe(true);
    expect(style.width).toBeGreaterThanOrEqual(3);
    expect(style.outline).not.toBe(style.selectedBorder);
    expect(style.outline).not.toBe(style.playBorder);
    await h.shot('layout-focus-ring');
  });

  it('Chinese lesson text is drawn with the bundled fonts, loaded from the app itself', async () => {
    const page = h.page;
    const fonts: string[] = [];
    page.on('response', (r) => {
      if (r.request().resourceType() === 'font') fonts.push(r.url());
    });
    await pickLesson(page, 'a');
    await page.getByTestId('language-zh').click();
    await settle(page, 800);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', {
      nodeId: root.nodeId,
      selector: 'aside.lesson p',
    });
    const { fonts: used } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    await cdp.detach();
    const families = used.map((f) => `${f.familyName}${f.isCustomFont ? '' : ' (system)'}`);
    expect(families.join(', ')).toMatch(/Noto Sans SC/);
    expect(
      used.every((f) => f.isCustomFont),
      families.join(', '),
    ).toBe(true);
    const origin = new URL(h.server.url).origin;
    for (const url of fonts) expect(url.startsWith(origin), url).toBe(true);
    await page.getByTestId('language-en').click();
  });

  it('logged no errors and no CSP violations', () => {
    expect(h.problems).toEqual([]);
  });
});

/** How many runs each lesson sets up. */
const LESSON_RUNS: Record<string, number> = { a: 2, b: 3, c: 5, e: 2 };

/** Picks a lesson by its letter and waits for its runs. */
async function pickLesson(page: Page, letter: string): Promise<void> {
  const select = page.getByRole('combobox', { name: 'Lesson' });
  const value = await select.evaluate(
    (s: HTMLSelectElement, l) => [...s.options].find((o) => o.text.startsWith(`(${l})`))!.value,
    letter,
  );
  await select.selectOption(value);
  await page.getByRole('heading', { name: new RegExp(`^\\(${letter}\\)`) }).waitFor();
  // The lesson's own runs, not the ones before it (which may also stand at step 0).
  await expect
    .poll(() => page.getByRole('region', { name: /^Run \d+:/ }).count(), { timeout: 30_000 })
    .toBe(LESSON_RUNS[letter]);
  await expect.poll(() => stepCount(page)).toBe(0);
  await settle(page);
}

/** Whether a segment meets a box (Liang–Barsky), as the app places its labels. */
function segmentMeets([x0, y0, x1, y1]: [number, number, number, number], r: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  for (const [p, q] of [
    [-dx, x0 - r.x],
    [dx, r.x + r.w - x0],
    [-dy, y0 - r.y],
    [dy, r.y + r.h - y0],
  ]) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}
