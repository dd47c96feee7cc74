/**
 * The explorer in front of a class (issue 10): lessons play at a pace that shows their
 * phenomenon in seconds and stop when it is over; lesson text goes when its surface does and
 * comes back with its session; lesson (f) marks its minima and saddle; generated run labels
 * follow the settings while typed ones stay; a slider drag is one change; the run panels show
 * the settings in force at the step the timeline shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportTrajectories,
  loadApp,
  openApp,
  playUntil,
  pressShortcut,
  shotsDir,
  stepCount,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1280, height: 720 } });
  await loadApp(h);
});
afterAll(() => h?.close());

const runPanels = () => h.page.getByRole('region', { name: /^Run \d+:/ });
const run = (n: number) => h.page.getByRole('region', { name: new RegExp(`^Run ${n}:`) });
const lessonHeading = () => h.page.getByRole('heading', { name: /^\([a-g]\) / });
const playButton = () => h.page.getByTestId('play-pause');

/** Picks a lesson by its letter and waits for its runs (the first named `first`). */
async function pickLesson(letter: string, runs: number, first: string): Promise<void> {
  const picker = h.page.getByRole('combobox', { name: 'Lesson' });
  const value = await picker
    .locator('option', { hasText: new RegExp(`^\\(${letter}\\)`) })
    .getAttribute('value');
  await picker.selectOption(value!);
  await h.page.getByRole('heading', { name: new RegExp(`^\\(${letter}\\)`) }).waitFor();
  // The old runs go one by one before the lesson's come: wait for the lesson's own.
  await expect
    .poll(() => run(1).getAttribute('aria-label'), { timeout: 20_000 })
    .toBe(`Run 1: ${first}`);
  await expect.poll(() => runPanels().count(), { timeout: 20_000 }).toBe(runs);
  await expect.poll(() => stepCount(h.page)).toBe(0);
}

/** Shots at the two sizes a lecture hall meets. */
async function shots(name: string): Promise<void> {
  await h.shot(`${name}-1280x720`);
  await h.page.setViewportSize({ width: 1920, height: 1080 });
  await h.page.waitForTimeout(400);
  await h.shot(`${name}-1920x1080`);
  await h.page.setViewportSize({ width: 1280, height: 720 });
  await h.page.waitForTimeout(200);
}

describe('lessons in class', () => {
  it('(f) plays at its own pace, stops by itself when its phenomenon is over, and marks ★ and ✕', async () => {
    await pickLesson('f', 2, 'GD η = 0.05');
    // Its surface is a preset that declares its minima and saddle, so the views mark them and
    // a basin map can be drawn.
    expect(await h.page.getByRole('combobox', { name: 'Surface' }).inputValue()).toBe(
      'saddle-valley',
    );
    expect(await h.page.getByText('No known minima on this surface.').count()).toBe(0);
    const t0 = Date.now();
    await playButton().click();
    // Played at the lesson's speed (the speed menu untouched), it pauses by itself.
    await expect
      .poll(async () => (await stepCount(h.page)) > 0 && (await playButton().textContent()), {
        timeout: 50_000,
        interval: 250,
      })
      .toBe('Play');
    const seconds = (Date.now() - t0) / 1000;
    const steps = await stepCount(h.page);
    console.log(
      `lesson (f): ${steps} steps in ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(0)} steps/s)`,
    );
    expect(steps).toBe(300);
    expect(seconds).toBeLessThan(45);
    await expect(
      h.page.getByRole('status', { name: 'Lesson progress' }).textContent(),
    ).resolves.toMatch(/stopped at step 300/);
    await shots('class-lesson-f-stopped');
    // Play again goes on past the lesson's end.
    await playButton().click();
    await expect.poll(() => stepCount(h.page), { timeout: 20_000 }).toBeGreaterThan(310);
    await playButton().click();
    await expect.poll(() => playButton().textContent()).toBe('Play');
  });

  it('a lesson comes back when its session is reopened', async () => {
    await pickLesson('a', 2, 'GD η = 0.05');
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.getByRole('menuitem', { name: 'Save session…' }).click(),
    ]);
    const file = path.join(shotsDir, 'class-lesson-a.losslab');
    await download.saveAs(file);
    expect(fs.statSync(file).size).toBeGreaterThan(0);
    await h.page.reload();
    await loadApp(h);
    expect(await lessonHeading().count()).toBe(0);
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const [chooser] = await Promise.all([
      h.page.waitForEvent('filechooser'),
      h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
    ]);
    await chooser.setFiles(file);
    await h.page.getByRole('heading', { name: /^\(a\) / }).waitFor({ timeout: 30_000 });
    expect(await h.page.getByRole('combobox', { name: 'Lesson' }).inputValue()).toBe('momentum');
  });

  it('lesson text goes when the surface changes or the lesson is closed', async () => {
    await pickLesson('g', 2, 'GD on cross-entropy, η = 1');
    // The lesson's own alternative surface keeps it.
    await h.page
      .getByRole('group', { name: 'Surface shown' })
      .getByRole('button', { name: 'Cross-entropy' })
      .click();
    await expect
      .poll(() => h.page.getByRole('combobox', { name: 'Surface' }).inputValue())
      .toBe('softmax-ce');
    expect(await lessonHeading().count()).toBe(1);
    // Another surface from the menu: the lesson no longer describes it.
    await h.page.getByRole('combobox', { name: 'Surface' }).selectOption('himmelblau');
    await expect.poll(() => lessonHeading().count()).toBe(0);
    expect(await h.page.getByRole('combobox', { name: 'Lesson' }).inputValue()).toBe('');
    // Its runs' names were about its surfaces ("GD on MSE"): they are named from their settings.
    await expect.poll(() => run(2).getAttribute('aria-label')).toBe('Run 2: SGD η=1');
    await shots('class-lesson-gone-after-surface');
    // Closing a lesson takes its text away too.
    await pickLesson('b', 3, 'GD η = 0.1');
    await h.page.getByRole('button', { name: 'Close lesson' }).click();
    await expect.poll(() => lessonHeading().count()).toBe(0);
    expect(await h.page.getByRole('combobox', { name: 'Lesson' }).inputValue()).toBe('');
  });
});

describe('run panels that tell the truth', () => {
  it('generated labels follow a hyperparameter edit; a typed label stays', async () => {
    await pickLesson('c', 5, 'GD, large η = 0.0795');
    const small = run(2);
    expect(await small.getAttribute('aria-label')).toBe('Run 2: GD, small η = 0.002');
    const lr = small.getByRole('spinbutton', { name: 'Learning rate' });
    await lr.fill('0.03');
    await lr.press('Enter');
    await expect.poll(() => small.getAttribute('aria-label')).toBe('Run 2: SGD η=0.03');
    // Legends, exports and the presentation strip say the same.
    const data = await exportTrajectories(h.page);
    expect(data.runs[1].label).toBe('SGD η=0.03');
    // Back to the lesson's rate: the lesson's name fits again.
    await lr.fill('0.002');
    await lr.press('Enter');
    await expect.poll(() => small.getAttribute('aria-label')).toBe('Run 2: GD, small η = 0.002');

    // A label typed in the presentation strip stays whatever the settings.
    await pressShortcut(h.page, 'p');
    const label = h.page.getByRole('textbox', { name: /^Label of / }).nth(2);
    await label.fill('the Adagrad one');
    await label.press('Enter');
    await pressShortcut(h.page, 'Escape');
    await expect.poll(() => run(3).getAttribute('aria-label')).toBe('Run 3: the Adagrad one');
    const adagradLr = run(3).getByRole('spinbutton', { name: 'Learning rate' });
    await adagradLr.fill('0.2');
    await adagradLr.press('Enter');
    await expect
      .poll(async () => (await exportTrajectories(h.page)).runs[2].hyper?.lr)
      .toBeCloseTo(0.2, 12);
    expect(await run(3).getAttribute('aria-label')).toBe('Run 3: the Adagrad one');
    await pressShortcut(h.page, 'p');
    await expect
      .poll(() =>
        h.page
          .getByRole('textbox', { name: /^Label of / })
          .nth(1)
          .inputValue(),
      )
      .toBe('GD, small η = 0.002');
    await shots('class-labels-presenting');
    await pressShortcut(h.page, 'Escape');
  });

  it('a mouse drag on a slider is one change, shown live while dragging', async () => {
    // Lesson (c)'s five runs on the bowl, a few steps in (change markers need a step > 0).
    await playUntil(h.page, 20, 5);
    const first = run(1);
    const slider = first.getByRole('slider', { name: 'Learning rate' });
    const field = first.getByRole('spinbutton', { name: 'Learning rate' });
    const before = await field.inputValue();
    const box = (await slider.boundingBox())!;
    const y = box.y + box.height / 2;
    // Grab the thumb where it is (η = 0.0795 on [1e-5, 10], log scale) and drag it right.
    const at = (v: number) =>
      box.x + 8 + ((box.width - 16) * (Math.log10(v) + 5)) / (Math.log10(10) + 5);
    const from = at(Number(before));
    await h.page.mouse.move(from, y);
    await h.page.mouse.down();
    for (let k = 1; k <= 11; k++) await h.page.mouse.move(from - 6 * k, y);
    // While the button is held: the field shows the dragged value, the engine has no change.
    await expect.poll(() => field.inputValue()).not.toBe(before);
    const shown = await field.inputValue();
    expect(await h.page.getByRole('button', { name: /^Jump to change:/ }).count()).toBe(0);
    await h.page.mouse.up();
    await expect
      .poll(async () => (await exportTrajectories(h.page)).runs[0].changes.length)
      .toBe(1);
    const data = await exportTrajectories(h.page);
    // The change is the value shown when the button was released (the field rounds to 3–4 digits).
    const committed = data.runs[0].changes[0].patch.lr!;
    expect(Math.abs(committed / Number(shown) - 1)).toBeLessThan(1e-3);
    expect(await field.inputValue()).toBe(shown);
    expect(await h.page.getByRole('button', { name: /^Jump to change:/ }).count()).toBe(1);
    // Keyboard arrows on the focused slider: one change per key press.
    await slider.focus();
    await h.page.keyboard.press('ArrowLeft');
    await h.page.keyboard.press('ArrowLeft');
    await expect
      .poll(async () => (await exportTrajectories(h.page)).runs[0].changes.length)
      .toBe(3);
  });

  it('while the timeline shows an earlier step, the panels show the settings in force then', async () => {
    await h.page.getByRole('button', { name: 'Reset', exact: true }).click();
    await expect.poll(() => stepCount(h.page)).toBe(0);
    const first = run(1);
    const field = first.getByRole('spinbutton', { name: 'Learning rate' });
    const original = await field.inputValue();
    await playUntil(h.page, 30, 5);
    await field.fill('0.01');
    await field.press('Enter');
    await playUntil(h.page, (await stepCount(h.page)) + 30, 5);
    const data = await exportTrajectories(h.page);
    const changeStep = data.runs[0].changes[0].step;
    expect(data.runs[0].changes).toHaveLength(1);
    const scrubber = h.page.getByTestId('scrubber');
    await scrubber.fill(String(changeStep - 5));
    await expect.poll(() => field.inputValue()).toBe(original);
    // The past is read-only: a change applies at the run's live step, not at the one shown.
    expect(await field.isDisabled()).toBe(true);
    await expect(first.getByRole('note').textContent()).resolves.toMatch(
      new RegExp(`settings at step ${changeStep - 5}`),
    );
    await shots('class-panel-past-settings');
    await scrubber.fill(String(changeStep + 2));
    await expect.poll(() => field.inputValue()).toBe('0.01');
    expect(await field.isDisabled()).toBe(true);
    await first.getByRole('button', { name: 'Go live to edit' }).click();
    await expect.poll(() => h.page.getByTestId('scrub-step').textContent()).toMatch(/^live/);
    expect(await field.isDisabled()).toBe(false);
    expect(await field.inputValue()).toBe('0.01');
  });

  it('logged no errors', () => {
    expect(h.problems).toEqual([]);
  });
});
