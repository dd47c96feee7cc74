/**
 * The UI in Simplified Chinese: the switch in the Session menu turns every lab's page to 中文 at once
 * (tabs, toolbars, panels, the lessons' text), the choice survives a reload, and English comes
 * back. Each lab is shot at 1440 × 900 in Chinese (test-results/e2e/i18n-zh-*.png, looked at
 * by a person), the Chinese text is drawn with the app's own CJK font (no system font, so no
 * missing glyphs), and no toolbar, button or tab cuts its text.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApp, openApp, shotsDir, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1440, height: 900 } });
  await loadApp(h);
});
afterAll(() => h?.close());

/** Waits for the views to draw after a change (two animation frames and a margin). */
async function settle(page: Page, ms = 600): Promise<void> {
  await page.evaluate(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
  );
  await page.waitForTimeout(ms);
}

/**
 * Controls whose text does not fit: an element of the header, a toolbar, a tab list or a
 * button (or a label of a form) whose content is wider than its box. Text cut on purpose with
 * an ellipsis (long run names) is not counted.
 */
async function cutText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector = [
      'header button',
      'header select',
      '[role="toolbar"] *',
      '[role="tablist"] *',
      '[role="group"] button',
      'button',
      'summary',
      'th',
    ].join(', ');
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      if (el.offsetParent === null || el.tagName === 'SELECT') continue;
      const style = getComputedStyle(el);
      if (style.textOverflow === 'ellipsis') continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        const name = (el.getAttribute('aria-label') ?? el.textContent ?? el.tagName).trim();
        problems.push(`${name.slice(0, 60)}: ${el.scrollWidth} > ${el.clientWidth}`);
      }
    }
    if (document.documentElement.scrollWidth > innerWidth)
      problems.push(`page: ${document.documentElement.scrollWidth} px wide in ${innerWidth}`);
    return problems;
  });
}

/**
 * Visible text with English words left in it (two or more Latin letters in a row), outside
 * code, key caps and the canvases: what the engine sends (its messages stay English), names and
 * math are expected here; the list is written next to the screenshots for a person to read.
 */
async function englishLeft(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || parent.closest('code, kbd, script, style, [aria-hidden="true"]')) continue;
      if (parent.offsetParent === null) continue;
      const text = (n.textContent ?? '').trim();
      if (/[A-Za-z]{2,}/.test(text) && !/[\u3400-\u9fff]/.test(text)) out.add(text.slice(0, 80));
    }
    return [...out];
  });
}

/** The fonts that drew a node's text (CDP), to tell the app's CJK font from a fallback. */
async function fontsOf(page: Page, selector: string): Promise<{ name: string; custom: boolean }[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => ({ name: f.familyName, custom: f.isCustomFont }));
  } finally {
    await cdp.detach();
  }
}

const leftovers: Record<string, string[]> = {};

describe('the UI in 简体中文', () => {
  it('starts in the browser’s language (English here) and switches in one click', async () => {
    expect(await h.page.evaluate(() => navigator.language)).toMatch(/^en/);
    await h.page.getByRole('tab', { name: 'Surfaces' }).waitFor();
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await h.page.getByRole('menuitemradio', { name: '中文' }).click();
    await h.page.getByRole('tab', { name: '曲面' }).waitFor();
    expect(await h.page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await h.page.getByRole('button', { name: '会话 ▾' }).click();
    expect(await h.page.getByTestId('menu-language-zh').getAttribute('aria-checked')).toBe('true');
    await h.shot('i18n-zh-session-menu');
    expect(await cutText(h.page)).toEqual([]);
    await h.page.getByRole('button', { name: '会话 ▾' }).click();
    // The header and the explorer's own words: tabs, toolbar, playback.
    for (const name of ['网络实验室', '临界点', '实验']) {
      await h.page.getByRole('tab', { name, exact: true }).waitFor();
    }
    await h.page.getByRole('button', { name: '播放', exact: true }).waitFor();
  });

  it('the explorer in Chinese, with a lesson: its own font draws the Chinese, nothing cut', async () => {
    const picker = h.page.getByRole('combobox', { name: '课程' });
    const value = await picker.locator('option', { hasText: /^\(a\)/ }).getAttribute('value');
    await picker.selectOption(value!);
    await h.page.getByRole('heading', { name: /^\(a\) 动量/ }).waitFor();
    await settle(h.page, 1500);
    await h.shot('i18n-zh-explorer');
    const fonts = await fontsOf(h.page, '.app > header [role="tablist"] button');
    // The lesson's own switch is the same one: it shows 中文 pressed.
    expect(await h.page.getByTestId('language-zh').getAttribute('aria-pressed')).toBe('true');
    expect(fonts.map((f) => f.name).join(', ')).toMatch(/Noto Sans SC/);
    expect(
      fonts.every((f) => f.custom),
      JSON.stringify(fonts),
    ).toBe(true);
    expect(await cutText(h.page)).toEqual([]);
    leftovers.explorer = await englishLeft(h.page);
  });

  it('the network lab in Chinese', async () => {
    await h.page.getByRole('tab', { name: '网络实验室' }).click();
    await h.page.getByTestId('net-summary').waitFor({ timeout: 120_000 });
    await expect.poll(() => h.page.getByTestId('net-summary').textContent()).toMatch(/参数/);
    await h.page.getByRole('button', { name: '训练', exact: true }).waitFor();
    await settle(h.page, 1500);
    await h.shot('i18n-zh-network');
    expect(await cutText(h.page)).toEqual([]);
    leftovers.network = await englishLeft(h.page);
  });

  it('the critical-points lab in Chinese', async () => {
    await h.page.getByRole('tab', { name: '临界点' }).click();
    await h.page.getByTestId('critical-problem').waitFor({ timeout: 120_000 });
    await h.page.getByRole('tab', { name: '逃离鞍点' }).waitFor();
    await settle(h.page);
    await h.shot('i18n-zh-critical');
    expect(await cutText(h.page)).toEqual([]);
    leftovers.critical = await englishLeft(h.page);
  });

  it('the experiments lab in Chinese', async () => {
    await h.page.getByRole('tab', { name: '实验', exact: true }).click();
    await h.page.getByTestId('experiments-problem').waitFor({ timeout: 120_000 });
    await expect
      .poll(() => h.page.getByTestId('experiment-about').textContent())
      .toMatch(/[\u4e00-\u9fff]/);
    await settle(h.page);
    await h.shot('i18n-zh-experiments');
    expect(await cutText(h.page)).toEqual([]);
    leftovers.experiments = await englishLeft(h.page);
  });

  it('the help and the export dialog in Chinese', async () => {
    await h.page.getByRole('tab', { name: '曲面' }).click();
    await h.page.getByRole('button', { name: '播放', exact: true }).waitFor();
    await h.page.getByRole('button', { name: '键盘快捷键' }).click();
    await h.page.getByRole('dialog', { name: '键盘与鼠标' }).waitFor();
    await settle(h.page, 300);
    await h.shot('i18n-zh-help');
    expect(await cutText(h.page)).toEqual([]);
    await h.page.getByRole('button', { name: '关闭帮助' }).click();
    await h.page.getByRole('button', { name: '导出 ▾' }).click();
    await h.page.getByRole('menuitem', { name: '图像（PNG）…' }).click();
    await h.page.getByRole('dialog', { name: '导出' }).waitFor();
    await settle(h.page, 300);
    await h.shot('i18n-zh-export');
    expect(await cutText(h.page)).toEqual([]);
    await h.page.getByRole('button', { name: '关闭导出对话框' }).click();
  });

  it('keeps the choice over a reload, and switches back to English', async () => {
    await h.page.reload();
    await h.page.getByRole('tab', { name: '曲面' }).waitFor({ timeout: 60_000 });
    await h.page.getByRole('button', { name: '会话 ▾' }).click();
    await h.page.getByRole('menuitemradio', { name: 'English' }).click();
    await h.page.getByRole('tab', { name: 'Surfaces' }).waitFor();
    expect(await h.page.evaluate(() => document.documentElement.lang)).toBe('en');
    await h.page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    await h.page.reload();
    await h.page.getByRole('tab', { name: 'Surfaces' }).waitFor({ timeout: 60_000 });
    fs.writeFileSync(
      path.join(shotsDir, 'i18n-zh-english-left.json'),
      JSON.stringify(leftovers, null, 2),
    );
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
