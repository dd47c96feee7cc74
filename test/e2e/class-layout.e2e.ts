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
import { loadApp, openApp, type Harness } from './harness';

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
});
