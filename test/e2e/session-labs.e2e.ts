/**
 * A session holds what it is about: a recording made in the explorer leaves out a network lab
 * trained earlier (it used to carry its snapshots along), says so, and takes the network lab in
 * once it is used during the recording; the Session menu shows and changes what is held.
 */
import { strFromU8, unzipSync } from 'fflate';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApp, openApp, playUntil, shotsDir, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1280, height: 720 } });
  await loadApp(h);
});
afterAll(() => h?.close());

const notice = () => h.page.getByTestId('session-notice');
const netStep = async () =>
  Number(/step (\d+)/.exec((await h.page.getByTestId('net-step-count').textContent()) ?? '')?.[1]);

async function trainNetwork(updates: number): Promise<void> {
  await h.page.getByRole('tab', { name: 'Network lab' }).click();
  await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
  const play = h.page.getByTestId('net-play-pause');
  const target = (await netStep()) + updates;
  await play.click();
  await expect.poll(netStep, { timeout: 60_000 }).toBeGreaterThanOrEqual(target);
  await play.click();
  await expect.poll(() => play.textContent()).toBe('Train');
}

/** Stops the recording; returns the manifest of the file it saves. */
async function stopAndRead(name: string): Promise<Record<string, unknown>> {
  const [download] = await Promise.all([
    h.page.waitForEvent('download'),
    h.page.getByTestId('record').click(),
  ]);
  const file = path.join(shotsDir, name);
  await download.saveAs(file);
  return JSON.parse(strFromU8(unzipSync(fs.readFileSync(file))['manifest.json']));
}

async function heldInMenu(): Promise<{ explorer: string | null; network: string | null }> {
  await h.page.getByRole('button', { name: 'Session ▾' }).click();
  const menu = h.page.getByRole('menu', { name: 'Session' });
  const held = {
    explorer: await menu
      .getByRole('menuitemcheckbox', { name: 'The explorer' })
      .getAttribute('aria-checked'),
    network: await menu
      .getByRole('menuitemcheckbox', { name: 'The network lab' })
      .getAttribute('aria-checked'),
  };
  await h.page.getByRole('button', { name: 'Session ▾' }).click(); // closes it
  return held;
}

describe('what a session holds', () => {
  it('a race recorded in the explorer leaves out the network lab trained before, and says so', async () => {
    await trainNetwork(20);
    await h.page.getByRole('tab', { name: 'Surfaces' }).click();
    await h.page.getByTestId('record').click();
    await expect
      .poll(() => notice().textContent(), { timeout: 10_000 })
      .toMatch(/Recording the explorer \(3 runs\); the network lab joins once you use it/);
    expect(await heldInMenu()).toEqual({ explorer: 'true', network: 'false' });
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await h.shot('session-labs-menu-1280x720');
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await playUntil(h.page, 60, 5);
    const manifest = await stopAndRead('explorer-only.losslab');
    expect(manifest.network).toBeUndefined();
    expect((manifest.explorer as { runs: unknown[] }).runs).toHaveLength(3);
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(
        /Saved .*\.losslab \(3 runs, .*\): the explorer \(3 runs\); the network lab left out/,
      );
  });

  it('the network lab joins the recording once it is used, and the menu says so', async () => {
    await h.page.getByTestId('record').click();
    await h.page.getByTestId('recording-indicator').waitFor();
    await trainNetwork(10);
    await expect
      .poll(heldInMenu, { timeout: 10_000 })
      .toEqual({ explorer: 'true', network: 'true' });
    const manifest = await stopAndRead('both-labs.losslab');
    expect((manifest.explorer as { runs: unknown[] }).runs).toHaveLength(3);
    expect((manifest.network as { runs: unknown[] }).runs).toHaveLength(2);
  });

  it('the Session menu leaves a lab out by hand', async () => {
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await h.page
      .getByRole('menu', { name: 'Session' })
      .getByRole('menuitemcheckbox', { name: 'The explorer' })
      .click();
    await h.page.getByRole('button', { name: 'Session ▾' }).click(); // closes it
    expect(await heldInMenu()).toEqual({ explorer: 'false', network: 'true' });
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await h.page.getByRole('menuitem', { name: 'Save session…' }).click();
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(/: the network lab \(2 runs\); the explorer left out/);
  });
});
