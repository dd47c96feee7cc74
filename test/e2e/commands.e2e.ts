/**
 * The page's commands in browser mode (no native menu: the registry drives the page's own
 * controls): the keys and the header's buttons run the same commands the desktop menu does —
 * Keyboard Shortcuts, About LossLab with its versions and the engine's backend, Presentation,
 * Save and Save As, the lab tabs — and are refused, saying why, when their control is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApp, openApp, pressShortcut, root, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp();
  await loadApp(h);
});
afterAll(() => h?.close());

const version = (
  JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('commands in browser mode', () => {
  it('? opens Keyboard Shortcuts; its About LossLab shows the versions and the backend', async () => {
    await pressShortcut(h.page, '?');
    const help = h.page.getByRole('dialog', { name: 'Keyboard and mouse' });
    await help.waitFor();
    await expect.poll(() => help.getByText('Ctrl+Shift+S').count()).toBe(1);
    // No menu in the browser: its keys are not listed.
    expect(await help.getByText('Ctrl+1 … 4').count()).toBe(0);
    await h.shot('commands-help');
    await help.getByRole('button', { name: 'About LossLab' }).click();
    const about = h.page.getByRole('dialog', { name: 'About LossLab' });
    await about.waitFor();
    expect(await help.count()).toBe(0);
    const badge = (await h.page.getByTestId('backend-badge').textContent())?.trim();
    expect(await about.getByTestId('about-LossLab').textContent()).toBe(version);
    expect(await about.getByTestId('about-Browser').textContent()).toMatch(/Chrome\/\d+/);
    expect(await about.getByTestId('about-TensorFlow.js').textContent()).toMatch(/^4\.\d+\.\d+$/);
    expect(await about.getByTestId('about-tfjs backend').textContent()).toMatch(
      new RegExp(`^${badge}\\b`),
    );
    await h.shot('commands-about');
    await h.page.keyboard.press('Escape');
    await about.waitFor({ state: 'detached' });
  });

  it('P toggles presentation, but not while typing in a field', async () => {
    const header = h.page.locator('header').first();
    const field = h.page.getByRole('spinbutton').first();
    await field.focus();
    await h.page.keyboard.press('p');
    await expect.poll(() => header.isVisible()).toBe(true);
    // The p went into the field, as typing does.
    await h.page.keyboard.press('Backspace');
    await pressShortcut(h.page, 'p');
    await expect.poll(() => header.isVisible()).toBe(false);
    await h.page.keyboard.press('Escape');
    await expect.poll(() => header.isVisible()).toBe(true);
  });

  it('Save and Save As download the session; the Session menu has both', async () => {
    for (const key of ['Control+s', 'Control+Shift+s']) {
      const [download] = await Promise.all([
        h.page.waitForEvent('download'),
        pressShortcut(h.page, key),
      ]);
      expect(download.suggestedFilename()).toMatch(/\.losslab$/);
      // Saving again waits for this save to end (the download can come before it does).
      await expect
        .poll(async () => (await h.page.getByTestId('session-notice').textContent()) ?? '', {
          timeout: 30_000,
        })
        .not.toMatch(/Saving the session/);
    }
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const items = h.page.getByRole('menu', { name: 'Session' }).getByRole('menuitem');
    expect((await items.allTextContents()).slice(0, 3)).toEqual([
      'Open session…',
      'Save session…',
      'Save session as…',
    ]);
    await h.page.keyboard.press('Escape');
    await h.page.mouse.click(5, 890);
  });

  it('a key whose command cannot run says why: no opening while recording', async () => {
    await h.page.getByTestId('record').click();
    await h.page.getByTestId('recording-indicator').waitFor();
    await pressShortcut(h.page, 'Control+o');
    await expect
      .poll(() => h.page.getByTestId('session-notice').textContent())
      .toMatch(/Stop the recording before opening a session/);
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    expect(await h.page.getByRole('menuitem', { name: 'Open session…' }).isDisabled()).toBe(true);
    await h.shot('commands-recording');
    await h.page.mouse.click(5, 890);
  });

  it('the lab tabs are commands too', async () => {
    await h.page.getByRole('tab', { name: 'Experiments' }).click();
    await expect
      .poll(() => h.page.getByRole('tab', { name: 'Experiments' }).getAttribute('aria-selected'))
      .toBe('true');
    await h.page.getByRole('tab', { name: 'Surfaces' }).click();
    await expect
      .poll(() => h.page.getByRole('tab', { name: 'Surfaces' }).getAttribute('aria-selected'))
      .toBe('true');
    expect(h.problems).toEqual([]);
  });
});
