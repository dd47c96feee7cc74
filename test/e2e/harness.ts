/**
 * E2E harness: the real app in browser mode (built renderer + engine worker) in Debian's
 * headless Chromium, driven by playwright-core. Screenshots go to test-results/e2e/ and are
 * looked at by a person.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startServer, type RunningServer } from '../../electron/web/server';
import type { TrajectoryExport } from '../../renderer/src/lib/export/data';

export const root = path.resolve(__dirname, '../..');
export const shotsDir = path.join(root, 'test-results/e2e');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Harness {
  server: RunningServer;
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (CSP violations included). */
  problems: string[];
  /** The engine's data folder (the recording's autosave). */
  dataDir: string;
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openApp(
  options: {
    viewport?: { width: number; height: number };
    /** The engine's data folder: pass another harness's to find what it left. */
    dataDir?: string;
    /** Most engines the server runs at once. @default the server's own (4) */
    maxEngines?: number;
  } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-data-'));
  const server = await startServer({
    rendererDir: path.join(root, 'dist/renderer'),
    workerPath: path.join(root, 'dist/engine/worker.js'),
    engineOptions: { dataDir, autosaveIntervalMs: 1000 },
    ...(options.maxEngines ? { maxEngines: options.maxEngines } : {}),
  });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: options.viewport ?? { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  fs.mkdirSync(shotsDir, { recursive: true });
  return {
    server,
    context,
    page,
    problems,
    dataDir,
    async shot(name) {
      const file = path.join(shotsDir, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close();
      await server.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the app with its token and waits until the engine has said hello and runs exist. */
export async function loadApp(h: Harness): Promise<void> {
  await h.page.goto(h.server.url);
  await h.page.getByTestId('backend-badge').waitFor({ timeout: 60_000 });
  await h.page.getByRole('region', { name: /^Run 1:/ }).waitFor({ timeout: 60_000 });
  await h.page.getByRole('button', { name: 'Play', exact: true }).waitFor();
}

/** The furthest step any run has reached, as the playback bar shows it. */
export async function stepCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('step-count').textContent()) ?? '';
  return Number(/step (\d+)/.exec(text)?.[1] ?? NaN);
}

/**
 * Pixel statistics of a canvas (WebGL included, the app keeps its drawing buffer): how many
 * distinct colours, and the share of pixels unlike the top-left one.
 */
export async function canvasStats(
  page: Page,
  selector: string,
): Promise<{ colors: number; covered: number; width: number }> {
  return page.evaluate((sel) => {
    const source = document.querySelector(sel) as HTMLCanvasElement | null;
    if (!source) throw new Error(`no canvas at ${sel}`);
    const copy = document.createElement('canvas');
    copy.width = source.width;
    copy.height = source.height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(source, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    const colors = new Set<number>();
    let covered = 0;
    const [r0, g0, b0, a0] = [data[0], data[1], data[2], data[3]];
    for (let i = 0; i < data.length; i += 4 * 7) {
      colors.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (
        Math.abs(data[i] - r0) +
          Math.abs(data[i + 1] - g0) +
          Math.abs(data[i + 2] - b0) +
          Math.abs(data[i + 3] - a0) >
        24
      )
        covered++;
    }
    return { colors: colors.size, covered: covered / (data.length / 28), width: copy.width };
  }, selector);
}

/** Exports the trajectories as JSON through the app's Export menu and parses the download. */
export async function exportTrajectories(page: Page): Promise<TrajectoryExport> {
  await page.getByRole('button', { name: 'Export ▾' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('menuitem', { name: 'Trajectories and curves (JSON)' }).click(),
  ]);
  const file = await download.path();
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TrajectoryExport;
}

/**
 * Plays until every run has taken at least `steps` steps (or all stopped), then pauses. Polls
 * with CSS selectors: role queries walk the whole accessibility tree in the page's main thread
 * and, in a tight loop, starve the app they are watching.
 */
export async function playUntil(page: Page, steps: number, stepsPerFrame = 50): Promise<void> {
  await page
    .getByRole('combobox', { name: 'Speed (steps per frame)' })
    .selectOption(String(stepsPerFrame));
  const button = page.getByTestId('play-pause');
  const before = await stepCount(page);
  await button.click();
  // Playing once the engine confirms it (the button turns into Pause), or once the runs have
  // moved (a short lesson on a loaded machine can be over before a poll sees Pause) …
  await expect
    .poll(
      async () => (await button.textContent()) === 'Pause' || (await stepCount(page)) > before,
      {
        timeout: 15_000,
      },
    )
    .toBe(true);
  const deadline = Date.now() + 120_000;
  while ((await stepCount(page)) < steps) {
    if (Date.now() > deadline) throw new Error(`playback did not reach ${steps} steps`);
    // … until every run has stopped by itself (the button says Play again).
    if ((await button.textContent()) === 'Play') break;
    await page.waitForTimeout(250);
  }
  if ((await button.textContent()) === 'Pause') await button.click();
  await expect.poll(() => button.textContent()).toBe('Play');
}

/** Presses a shortcut with nothing focused (shortcuts are ignored while typing in a field). */
export async function pressShortcut(page: Page, key: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press(key);
}
