/**
 * Headless Chromium as the browser benchmarks launch it: WebGL on SwiftShader, nothing running
 * in the background (no network chatter, component updates, sync or first-run pages, no
 * throttling of a page nobody looks at), and a fresh profile folder each launch (a cold HTTP
 * cache).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** The Chromium to launch unless told otherwise: CHROMIUM_PATH, or Debian's. */
export const defaultChromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const args = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
];

/**
 * Launches Chromium at `executablePath` with a fresh profile folder in the temporary directory;
 * `options` go to playwright's launchPersistentContext (viewport, deviceScaleFactor, …).
 * Resolves with the browser's context, its page, the profile folder and `close()`, which closes
 * the browser and removes the folder.
 */
export async function launchChromium(executablePath, options = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-bench-chromium-'));
  const removeProfile = () => fs.rmSync(userDataDir, { recursive: true, force: true });
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      ...options,
      args,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      userDataDir,
      async close() {
        await context.close();
        removeProfile();
      },
    };
  } catch (err) {
    await context?.close();
    removeProfile();
    throw err;
  }
}
