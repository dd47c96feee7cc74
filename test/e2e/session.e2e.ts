/**
 * Sessions end to end in headless Chromium: record a two-optimizer race (autosaved while it
 * runs), save it, open it back bit for bit, refuse a bad file, scrub the replay to the middle,
 * jump to a change, re-run from there, recover a recording after the engine crashed, and
 * presentation mode, looked at in screenshots.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTOSAVE_FILE } from '../../electron/engine/recording';
import {
  closeExportDialog,
  openExportDialog,
  parseVideo,
  pixelChange,
  pngSize,
  runExport,
} from './export-helpers';
import {
  exportTrajectories,
  loadApp,
  openApp,
  playUntil,
  pressShortcut,
  shotsDir,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp();
  await loadApp(h);
});
afterAll(() => h?.close());

const runPanels = () => h.page.getByRole('region', { name: /^Run \d+:/ });
const notice = () => h.page.getByTestId('session-notice');

/** Sets up the race: Momentum against Adam on Rosenbrock. */
async function twoOptimizerRace(): Promise<void> {
  await expect.poll(() => runPanels().count()).toBe(3);
  await h.page
    .getByRole('region', { name: /^Run 2:/ })
    .getByRole('button', { name: 'Remove' })
    .click();
  await expect.poll(() => runPanels().count()).toBe(2);
}

async function saveSession(): Promise<string> {
  await h.page.getByRole('button', { name: 'Session ▾' }).click();
  const [download] = await Promise.all([
    h.page.waitForEvent('download'),
    h.page.getByRole('menuitem', { name: 'Save session…' }).click(),
  ]);
  const file = path.join(shotsDir, download.suggestedFilename());
  await download.saveAs(file);
  return file;
}

async function openSession(file: string): Promise<void> {
  await h.page.getByRole('button', { name: 'Session ▾' }).click();
  const [chooser] = await Promise.all([
    h.page.waitForEvent('filechooser'),
    h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
  ]);
  await chooser.setFiles(file);
}

let saved: string;
let recorded: Awaited<ReturnType<typeof exportTrajectories>>;

describe('sessions', () => {
  it('records a two-optimizer race with a visible indicator and autosaves it', async () => {
    await twoOptimizerRace();
    await h.page.getByTestId('record').click();
    const indicator = h.page.getByTestId('recording-indicator');
    await indicator.waitFor();
    expect(await indicator.textContent()).toMatch(/REC \d+:\d\d/);
    await playUntil(h.page, 150, 5);
    // A learning-rate change midway: a marker on the timeline.
    const lr = h.page.getByRole('region', { name: /^Run 1:/ }).getByRole('spinbutton', {
      name: 'Learning rate',
    });
    await lr.fill('0.0005');
    await lr.press('Enter');
    await playUntil(h.page, 300, 5);
    await expect.poll(() => indicator.textContent(), { timeout: 10_000 }).toMatch(/autosaved/);
    await h.shot('session-recording');
    expect(fs.existsSync(path.join(h.dataDir, AUTOSAVE_FILE))).toBe(true);
    recorded = await exportTrajectories(h.page);
    expect(recorded.runs).toHaveLength(2);

    // Stopping offers the file (a download in the browser) and deletes the autosave.
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.getByTestId('record').click(),
    ]);
    saved = path.join(shotsDir, 'race.losslab');
    await download.saveAs(saved);
    expect(fs.readFileSync(saved).subarray(0, 2).toString()).toBe('PK');
    await expect.poll(() => fs.existsSync(path.join(h.dataDir, AUTOSAVE_FILE))).toBe(false);
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(/Saved .*\.losslab \(2 runs/);
  });

  it('opens the saved session in a fresh engine: every trajectory bit for bit', async () => {
    await h.page.reload();
    await loadApp(h);
    await expect.poll(() => runPanels().count()).toBe(3);
    await openSession(saved);
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(/Opened race\.losslab: 2 runs/);
    await expect.poll(() => runPanels().count()).toBe(2);
    const reopened = await exportTrajectories(h.page);
    expect(reopened.runs.map((r) => r.label)).toEqual(recorded.runs.map((r) => r.label));
    // JSON carries every float64 exactly (shortest round-trip form).
    expect(JSON.stringify(reopened.runs)).toBe(JSON.stringify(recorded.runs));
    // And the runs go on.
    await playUntil(h.page, 320, 5);
  });

  it('refuses a file that is not a session, and changes nothing', async () => {
    const before = await exportTrajectories(h.page);
    const junk = path.join(shotsDir, 'junk.losslab');
    fs.writeFileSync(junk, Buffer.from('this is not a zip archive at all'));
    await openSession(junk);
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(/Could not open junk\.losslab: this is not a LossLab session/);
    await h.shot('session-refused');
    const after = await exportTrajectories(h.page);
    expect(JSON.stringify(after.runs)).toBe(JSON.stringify(before.runs));
  });

  it('scrubs to the middle, jumps to the change marker and re-runs from there', async () => {
    const scrubber = h.page.getByTestId('scrubber');
    const last = Number(await scrubber.getAttribute('max'));
    await scrubber.fill(String(Math.round(last / 2)));
    await expect
      .poll(() => h.page.getByTestId('scrub-step').textContent())
      .toBe(`step ${Math.round(last / 2)} / ${last}`);
    await h.page.waitForTimeout(400);
    await h.shot('session-scrub-middle');

    // Exports start at the step on show: a 2× PNG of the contour view and a short video.
    const middle = Math.round(last / 2);
    const contour = await h.page
      .getByTestId('contour-view')
      .evaluate((el) => ({ width: el.clientWidth, height: el.clientHeight }));
    const dialog0 = await openExportDialog(h.page, 'Image (PNG)…');
    await dialog0.getByRole('combobox', { name: 'What to export' }).selectOption('png-contour');
    await dialog0.getByRole('combobox', { name: 'Scale' }).selectOption('2');
    expect(await dialog0.getByRole('spinbutton', { name: 'Up to step' }).inputValue()).toBe(
      String(middle),
    );
    const png = await runExport(h.page, dialog0);
    expect(pngSize(png)).toEqual({
      width: Math.round(contour.width * 2),
      height: Math.round(contour.height * 2),
    });
    fs.writeFileSync(path.join(shotsDir, 'session-middle-contour-2x.png'), png);
    await dialog0.getByRole('combobox', { name: 'What to export' }).selectOption('video');
    await dialog0.getByRole('combobox', { name: 'Resolution' }).selectOption('custom');
    await dialog0.getByRole('spinbutton', { name: 'Width' }).fill('480');
    await dialog0.getByRole('spinbutton', { name: 'Height' }).fill('270');
    await dialog0.getByRole('combobox', { name: 'Frame rate' }).selectOption('24');
    await dialog0.getByRole('spinbutton', { name: 'Duration (seconds)' }).fill('1');
    const video = await parseVideo(await runExport(h.page, dialog0));
    expect(video).toMatchObject({ width: 480, height: 270, packets: 24 });
    expect(Math.abs(video.duration - 1)).toBeLessThanOrEqual(1 / 24 + 1e-6);
    await closeExportDialog(dialog0);

    await h.page
      .getByRole('button', { name: /^Jump to change: .*lr → 0\.0005 at step \d+/ })
      .click();
    const text = (await h.page.getByTestId('scrub-step').textContent()) ?? '';
    const changeStep = Number(/step (\d+)/.exec(text)?.[1]);
    expect(changeStep).toBeGreaterThan(100);

    await h.page.getByRole('button', { name: 'Re-run from here…' }).click();
    const dialog = h.page.getByRole('dialog', { name: 'Re-run from here' });
    await dialog.getByRole('spinbutton', { name: 'Fork learning rate' }).fill('0.003');
    await dialog.getByRole('button', { name: 'Re-run' }).click();
    await expect.poll(() => runPanels().count()).toBe(3);
    await playUntil(h.page, 400, 5);
    const data = await exportTrajectories(h.page);
    const fork = data.runs[1];
    const source = data.runs[0];
    // The fork shares the source's path up to the change step, then takes its own.
    expect(fork.points.slice(0, changeStep + 1)).toEqual(source.points.slice(0, changeStep + 1));
    expect(fork.points[changeStep + 5]).not.toEqual(source.points[changeStep + 5]);
    await h.shot('session-forked');
  });

  it('presentation mode: large type, controls hidden, title, labels, light and dark', async () => {
    // The refusal notice of the test before stays until dismissed; it is not for the slides.
    if (await notice().count()) await notice().getByRole('button', { name: 'Dismiss' }).click();
    await pressShortcut(h.page, 'p');
    const title = h.page.getByTestId('presentation-title');
    await title.waitFor();
    expect(await h.page.getByRole('region', { name: /^Run 1:/ }).isVisible()).toBe(false);
    await title.fill('Momentum vs Adam on Rosenbrock');
    const label = h.page.getByRole('textbox', { name: /^Label of / }).first();
    await label.fill('heavy ball');
    await label.press('Enter');
    // The views' own controls are hidden with the sidebar.
    expect(await h.page.getByRole('checkbox', { name: 'Log height' }).isVisible()).toBe(false);
    expect(await h.page.getByTestId('scrubber').isVisible()).toBe(false);

    // A note pinned to a point of the landscape: placed on the contour view, shown on both.
    await h.page.getByRole('button', { name: 'Add note' }).click();
    const contour = (await h.page.getByTestId('notes-contour').boundingBox())!;
    const click = { x: contour.width * 0.55, y: contour.height * 0.6 };
    await h.page.mouse.click(contour.x + click.x, contour.y + click.y);
    const text = h.page.getByRole('textbox', { name: 'Note text' });
    await expect.poll(() => text.count()).toBe(2);
    await text.first().fill('the valley floor');
    await expect.poll(() => text.last().inputValue()).toBe('the valley floor');
    const pin = async (view: string) =>
      h.page.evaluate((v) => {
        const c = document.querySelector(`[data-testid="notes-${v}"] circle.pin`);
        return c ? [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))] : null;
      }, view);
    const pinned = (await pin('contour'))!;
    expect(Math.abs(pinned[0] - click.x)).toBeLessThan(1.5);
    expect(Math.abs(pinned[1] - click.y)).toBeLessThan(1.5);
    const surface = (await h.page.getByTestId('notes-surface').boundingBox())!;
    const onSurface = (await pin('surface'))!;
    expect(onSurface[0]).toBeGreaterThan(0);
    expect(onSurface[0]).toBeLessThan(surface.width);
    expect(onSurface[1]).toBeGreaterThan(0);
    expect(onSurface[1]).toBeLessThan(surface.height);
    await h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await h.page.waitForTimeout(500);
    await h.shot('session-presentation-dark');
    await h.page.getByRole('button', { name: 'Theme' }).click();
    await h.page.waitForTimeout(500);
    await h.shot('session-presentation-light');
    expect(await h.page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await h.page.getByRole('button', { name: 'Theme' }).click();
    await pressShortcut(h.page, 'Escape');
    await expect.poll(() => title.count()).toBe(0);
    await expect
      .poll(() => h.page.getByRole('region', { name: /^Run 1:/ }).getAttribute('aria-label'))
      .toBe('Run 1: heavy ball');
  });

  it('a saved session keeps the title, the run labels, the run order and the camera', async () => {
    // Zoom the 3-D view in, and keep an image of it.
    const image3d = async () => {
      const dialog = await openExportDialog(h.page, 'Image (PNG)…');
      await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('png-3d');
      await dialog.getByRole('combobox', { name: 'Scale' }).selectOption('1');
      await dialog.getByRole('checkbox', { name: 'Legend' }).uncheck();
      const png = await runExport(h.page, dialog);
      await closeExportDialog(dialog);
      return png;
    };
    const before = await image3d();
    const box = (await h.page.getByTestId('surface-view').boundingBox())!;
    await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await h.page.mouse.wheel(0, -600);
    await h.page.waitForTimeout(400);
    const zoomed = await image3d();
    expect(await pixelChange(h.page, before, zoomed)).toBeGreaterThan(0.05);
    const file = await saveSession();
    // Saving again keeps the name of the file the session was opened from.
    expect(path.basename(file)).toBe('race.losslab');
    await h.page.reload();
    await loadApp(h);
    await openSession(file);
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(/^Opened race\.losslab: 3 runs/);
    expect(await runPanels().first().getAttribute('aria-label')).toBe('Run 1: heavy ball');
    await expect
      .poll(() => runPanels().nth(1).getAttribute('aria-label'))
      .toMatch(/^Run 2: Momentum η=0\.003 from step \d+ of Momentum η=5\.0e-4$/);
    await pressShortcut(h.page, 'p');
    expect(await h.page.getByTestId('presentation-title').inputValue()).toBe(
      'Momentum vs Adam on Rosenbrock',
    );
    // The note came back, pinned to the same point.
    await expect
      .poll(() => h.page.getByRole('textbox', { name: 'Note text' }).first().inputValue())
      .toBe('the valley floor');
    await pressShortcut(h.page, 'Escape');

    // The camera came back too: the zoomed-in image again.
    await h.page.waitForTimeout(400);
    const reopened = await image3d();
    expect(await pixelChange(h.page, zoomed, reopened)).toBeLessThan(0.01);

    // Images of the views carry the notes where they are pinned (a checkbox leaves them out).
    const dialog = await openExportDialog(h.page, 'Image (PNG)…');
    await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('png-contour');
    await dialog.getByRole('combobox', { name: 'Scale' }).selectOption('1');
    const notes = dialog.getByRole('checkbox', { name: 'Notes (1)' });
    expect(await notes.isChecked()).toBe(true);
    const withNote = await runExport(h.page, dialog);
    await notes.uncheck();
    const without = await runExport(h.page, dialog);
    fs.writeFileSync(path.join(shotsDir, 'session-contour-with-note.png'), withNote);
    const changed = await pixelChange(h.page, withNote, without);
    expect(changed).toBeGreaterThan(0.002);
    expect(changed).toBeLessThan(0.1);
    // And the SVG of the contour view, as a text box with an arrow.
    await dialog.getByRole('combobox', { name: 'What to export' }).selectOption('svg-contour');
    await notes.check();
    const svg = (await runExport(h.page, dialog)).toString('utf8');
    const note = await h.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return [...doc.querySelectorAll('#notes g.note')].map((g) => ({
        text: g.querySelector('text')?.textContent,
        arrow: g.querySelectorAll('line, path').length,
      }));
    }, svg);
    expect(note).toEqual([{ text: 'the valley floor', arrow: 2 }]);
    await closeExportDialog(dialog);
  });

  it('recovers a recording after the engine crashed', async () => {
    await h.page.getByTestId('record').click();
    await h.page.getByTestId('recording-indicator').waitFor();
    await playUntil(h.page, 450, 5);
    // The autosave writes at most every second here (every 3 s in the app): give it time to
    // catch up with the paused race, so the recovery below must give back everything.
    await h.page.waitForTimeout(2500);
    const before = await exportTrajectories(h.page);
    await h.server.crashEngines();
    const gone = h.page.getByRole('alertdialog', { name: 'The engine stopped' });
    await gone.waitFor();
    await gone.getByRole('button', { name: 'Restart engine' }).click();
    const offer = h.page.getByRole('alertdialog', { name: 'Recover the interrupted recording?' });
    await offer.waitFor({ timeout: 30_000 });
    await h.shot('session-recover-offer');
    await offer.getByRole('button', { name: 'Recover' }).click();
    await expect
      .poll(() => notice().textContent(), { timeout: 30_000 })
      .toMatch(/Recovered the recording: 3 runs/);
    const after = await exportTrajectories(h.page);
    // Everything on screen before the crash comes back, bit for bit, in the same order.
    expect(after.runs.map((r) => r.points.length)).toEqual(before.runs.map((r) => r.points.length));
    expect(after.runs[0].points.length).toBeGreaterThan(450);
    expect(JSON.stringify(after.runs)).toBe(JSON.stringify(before.runs));
    // Recording goes on.
    await h.page.getByTestId('recording-indicator').waitFor();
  });

  it('records, saves and reopens everything on screen: a basin map, a fork, a diverged run, network runs and their landscape', async () => {
    // Recording goes on from the recovery. A fourth run that diverges.
    await expect.poll(() => runPanels().count()).toBe(3);
    await h.page.getByRole('button', { name: 'Add run' }).click();
    await expect.poll(() => runPanels().count()).toBe(4);
    const run4 = h.page.getByRole('region', { name: /^Run 4:/ });
    await run4.getByRole('combobox', { name: 'Optimizer' }).selectOption('sgd');
    await expect.poll(() => run4.getAttribute('aria-label')).toMatch(/^Run 4: SGD/);
    const lr = run4.getByRole('spinbutton', { name: 'Learning rate' });
    await lr.fill('5');
    await lr.press('Enter');
    await expect.poll(() => run4.getAttribute('aria-label')).toMatch(/η=5$/);
    // η = 5 on Rosenbrock: each step multiplies the distance by about a thousand.
    const status = async () =>
      (await run4.getByRole('status').count()) ? await run4.getByRole('status').textContent() : '';
    for (let k = 0; k < 12 && !/^diverged/.test((await status()) ?? ''); k++) {
      await h.page.getByRole('button', { name: 'Step', exact: true }).click();
      await h.page.waitForTimeout(150);
    }
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^diverged/);
    // The basin map on show.
    const group = h.page.getByRole('group', { name: 'Basin map' });
    await group.getByRole('combobox', { name: 'Basin map steps' }).selectOption('250');
    await group.getByRole('button', { name: 'Basin map' }).click();
    await h.page.getByTestId('basin-counts').waitFor({ timeout: 60_000 });
    const basins = await h.page.getByTestId('basin-counts').textContent();
    // The network lab: two runs trained a little, and their landscape.
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
    const play = h.page.getByTestId('net-play-pause');
    await play.click();
    const netStep = async () =>
      Number(
        /step (\d+)/.exec((await h.page.getByTestId('net-step-count').textContent()) ?? '')?.[1],
      );
    await expect.poll(netStep, { timeout: 60_000 }).toBeGreaterThanOrEqual(30);
    await play.click();
    await expect.poll(() => play.textContent()).toBe('Train');
    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('21');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    await h.page.getByTestId('landscape-result').waitFor({ timeout: 90_000 });
    // The autosave keeps working with all of it on screen (a basin map made it fail before).
    const indicator = h.page.getByTestId('recording-indicator');
    await h.page.waitForTimeout(2500);
    await expect
      .poll(() => indicator.textContent(), { timeout: 15_000 })
      .toMatch(/autosaved \d+ s ago/);
    expect(await indicator.textContent()).not.toMatch(/fail/i);
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.getByTestId('record').click(),
    ]);
    const everything = path.join(shotsDir, 'everything.losslab');
    await download.saveAs(everything);
    const netRuns = await h.page.getByRole('region', { name: /^Run \d+:/ }).count();
    await h.page.getByRole('tab', { name: 'Surfaces' }).click();
    const before = await exportTrajectories(h.page);
    expect(before.runs).toHaveLength(4);

    // A fresh page and engine: everything comes back.
    await h.page.reload();
    await loadApp(h);
    await openSession(everything);
    await expect
      .poll(() => notice().textContent(), { timeout: 60_000 })
      .toMatch(/Opened everything\.losslab: \d+ runs/);
    await h.page.getByRole('tab', { name: 'Surfaces' }).click();
    await expect.poll(() => runPanels().count()).toBe(4);
    const after = await exportTrajectories(h.page);
    expect(JSON.stringify(after.runs)).toBe(JSON.stringify(before.runs));
    expect(after.runs[3].status).toBe('diverged');
    await h.page.getByTestId('basin-counts').waitFor({ timeout: 30_000 });
    expect(await h.page.getByTestId('basin-counts').textContent()).toBe(basins);
    await h.shot('session-everything-explorer');
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await expect
      .poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count(), { timeout: 30_000 })
      .toBe(netRuns);
    await h.page.getByTestId('landscape-result').waitFor({ timeout: 30_000 });
    await h.shot('session-everything-network');
  });
});
