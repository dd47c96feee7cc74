/**
 * The desktop app end to end: the built Electron app (dist/main/main.js) launched by
 * playwright-core's `_electron`, on a virtual X display (Xvfb) when there is none. Checks the
 * window's isolation, the engine behind its MessagePort, a lesson playing, saving and opening
 * a session through main's dialogs (stubbed in main), the application menu driving the page,
 * and the engine's utility process killed and restarted.
 *
 * Needs the Electron binary (a full `npm install` downloads it); without it the suite is
 * skipped with one line. On Linux without a DISPLAY it needs `Xvfb` (Debian's `xvfb`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playUntil, root, shotsDir, stepCount } from './harness';

const require = createRequire(path.join(root, 'package.json'));

/**
 * The installed Electron executable, found the way `require('electron')` finds it, without
 * requiring it: electron/index.js starts a download when the binary is missing.
 */
function electronBinary(): { binary?: string; expected: string } {
  const electronDir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(electronDir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist');
  const expected = path.join(distDir, relative || 'electron');
  return { binary: relative && fs.existsSync(expected) ? expected : undefined, expected };
}

const { binary, expected } = electronBinary();
if (!binary) {
  console.log(
    `electron e2e skipped: no Electron binary at ${expected}; run \`npx electron --version\` after a full \`npm install\` to get one`,
  );
}

/** A free X display number (no lock file in /tmp). */
function freeDisplay(): number {
  for (let n = 90; n < 200; n++) if (!fs.existsSync(`/tmp/.X${n}-lock`)) return n;
  throw new Error('no free X display number between :90 and :199');
}

/** Starts Xvfb when Linux has no display; resolves with the DISPLAY to use. */
async function virtualDisplay(): Promise<{ display?: string; xvfb?: ChildProcess }> {
  if (process.platform !== 'linux' || process.env.DISPLAY) return { display: process.env.DISPLAY };
  if (spawnSync('which', ['Xvfb']).status !== 0) {
    throw new Error("no DISPLAY and no Xvfb: install Debian's `xvfb` (or run under xvfb-run)");
  }
  const n = freeDisplay();
  const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'], {
    stdio: 'ignore',
  });
  // Ready once its socket exists.
  const socket = `/tmp/.X11-unix/X${n}`;
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(socket)) {
    if (Date.now() > deadline || xvfb.exitCode !== null)
      throw new Error(`Xvfb :${n} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { display: `:${n}`, xvfb };
}

let app: ElectronApplication;
let page: Page;
let xvfb: ChildProcess | undefined;
let home: string;

describe.skipIf(!binary)('the Electron app', () => {
  beforeAll(async () => {
    for (const file of [
      'dist/main/main.js',
      'dist/preload/preload.js',
      'dist/renderer/index.html',
    ]) {
      expect(
        fs.existsSync(path.join(root, file)),
        `${file} is missing: run \`npm run build\``,
      ).toBe(true);
    }
    const screen = await virtualDisplay();
    xvfb = screen.xvfb;
    // Its own app-data folder: recent sessions and autosaves of a run stay out of the user's.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-electron-'));
    app = await _electron.launch({
      executablePath: binary!,
      // Chromium refuses to run as root with its sandbox (CI containers): the page's own
      // sandbox (webPreferences.sandbox) is what the test checks.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), root],
      env: {
        ...(process.env as Record<string, string>),
        ...(screen.display ? { DISPLAY: screen.display } : {}),
        XDG_CONFIG_HOME: path.join(home, 'config'),
        HOME: home,
        ELECTRON_ENABLE_LOGGING: '1',
      },
      timeout: 60_000,
    });
    page = await app.firstWindow({ timeout: 60_000 });
    fs.mkdirSync(shotsDir, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    xvfb?.kill();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('isolates the page: context isolation, sandbox, no Node', async () => {
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const [window] = BrowserWindow.getAllWindows();
      // Electron has it at run time; its typings leave it out.
      const contents = window.webContents as typeof window.webContents & {
        getLastWebPreferences?: () => Electron.WebPreferences | null;
      };
      const p = contents.getLastWebPreferences?.();
      return {
        contextIsolation: p?.contextIsolation,
        sandbox: p?.sandbox,
        nodeIntegration: p?.nodeIntegration,
        nodeIntegrationInWorker: p?.nodeIntegrationInWorker,
        webviewTag: p?.webviewTag,
        url: window.webContents.getURL(),
      };
    });
    expect(prefs).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      url: 'losslab://app/index.html',
    });
    // And from inside: no require, no process; only the preload's small bridge.
    expect(
      await page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        bridge: typeof (window as { losslab?: unknown }).losslab,
      })),
    ).toEqual({ require: 'undefined', process: 'undefined', bridge: 'object' });
  });

  it('talks to the engine over its MessagePort: the backend badge appears', async () => {
    const badge = page.getByTestId('backend-badge');
    await badge.waitFor({ timeout: 60_000 });
    expect(['tensorflow', 'wasm', 'cpu']).toContain((await badge.textContent())?.trim());
    await page.getByRole('region', { name: /^Run 1:/ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(shotsDir, 'electron-ready.png') });
  });

  it('plays a lesson', async () => {
    const picker = page.getByRole('combobox', { name: 'Lesson' });
    const value = await picker.locator('option', { hasText: /^\(a\)/ }).getAttribute('value');
    await picker.selectOption(value!);
    await page.getByRole('heading', { name: /^\(a\)/ }).waitFor();
    await expect
      .poll(() => page.getByRole('region', { name: /^Run \d+:/ }).count(), { timeout: 20_000 })
      .toBe(2);
    await playUntil(page, 100, 20);
    expect(await stepCount(page)).toBeGreaterThanOrEqual(100);
    await page.screenshot({ path: path.join(shotsDir, 'electron-lesson.png') });
  });

  it('saves and opens a session through main (native dialogs stubbed in main)', async () => {
    const file = path.join(home, 'electron-e2e.losslab');
    await app.evaluate(({ dialog }, target) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: target })) as never;
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [target] })) as never;
    }, file);
    await page.getByRole('button', { name: 'Session ▾' }).click();
    await page.getByRole('menuitem', { name: 'Save session…' }).click();
    await expect
      .poll(() => fs.existsSync(file) && fs.statSync(file).size, { timeout: 30_000 })
      .toBeGreaterThan(0);
    const notice = page.getByTestId('session-notice');
    await page.getByRole('button', { name: 'Session ▾' }).click();
    await page.getByRole('menuitem', { name: 'Open session…' }).click();
    await expect
      .poll(() => notice.textContent(), { timeout: 30_000 })
      .toMatch(/Opened electron-e2e\.losslab/);
    await expect.poll(() => page.getByRole('region', { name: /^Run \d+:/ }).count()).toBe(2);
  });

  it('drives the page from the application menu, enabled as the page says', async () => {
    /** A menu item's state, or clicks it, as the user would. */
    const item = (id: string, click = false) =>
      app.evaluate(
        ({ Menu, BrowserWindow }, [itemId, doClick]) => {
          const found = Menu.getApplicationMenu()?.getMenuItemById(itemId as string);
          if (!found) return undefined;
          if (doClick) found.click(undefined, BrowserWindow.getAllWindows()[0]);
          return { enabled: found.enabled, checked: found.checked, label: found.label };
        },
        [id, click] as const,
      );
    // Every command is in the menu; the page's states reach it (the engine is ready by now).
    await expect
      .poll(() => item('showNetwork').then((i) => i?.enabled), { timeout: 10_000 })
      .toBe(true);
    expect(await item('showSurfaces')).toMatchObject({ enabled: true, checked: true });
    // Import Data is the network lab's CSV import, enabled once the engine is ready.
    expect(await item('importData')).toMatchObject({ enabled: true, label: 'Import Data…' });
    // Help ▸ About LossLab opens the page's About with Electron's versions.
    await item('showAbout', true);
    const about = page.getByRole('dialog', { name: 'About LossLab' });
    await about.waitFor({ timeout: 10_000 });
    expect(await about.getByTestId('about-Electron').textContent()).toMatch(/^\d+\.\d+\.\d+/);
    await page.screenshot({ path: path.join(shotsDir, 'electron-menu-about.png') });
    await page.keyboard.press('Escape');
    // View ▸ Network Lab switches the lab, and the menu's check follows.
    await item('showNetwork', true);
    await expect
      .poll(() => page.getByRole('tab', { name: 'Network lab' }).getAttribute('aria-selected'))
      .toBe('true');
    await expect.poll(() => item('showNetwork').then((i) => i?.checked)).toBe(true);
    // Lessons ▸ (b) shows the explorer again, with that lesson.
    await item('lesson.ravine', true);
    await page.getByRole('heading', { name: /^\(b\)/ }).waitFor({ timeout: 20_000 });
    await expect.poll(() => item('showSurfaces').then((i) => i?.checked)).toBe(true);
  });

  it('says when the engine process dies, and Restart engine brings it back', async () => {
    const pid = await app.evaluate(({ app: electronApp }) => {
      const engine = electronApp
        .getAppMetrics()
        .find(
          (m) =>
            m.type === 'Utility' &&
            (m.serviceName === 'LossLab engine' || m.name === 'LossLab engine'),
        );
      return engine?.pid;
    });
    expect(pid, 'the engine utility process').toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const gone = page.getByRole('alertdialog', { name: 'The engine stopped' });
    await gone.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shotsDir, 'electron-engine-gone.png') });
    await gone.getByRole('button', { name: 'Restart engine' }).click();
    await gone.waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByTestId('backend-badge').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  });
});
