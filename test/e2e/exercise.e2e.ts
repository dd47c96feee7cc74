/**
 * Exercises end to end: a lecturer authors one on lesson (a)'s surface — momentum turned down
 * so the ball stops in the shallow minimum, the learning rate and optimizer locked, Add run,
 * the lesson picker and the run actions hidden, a task in English and Chinese, two hints and
 * the goal "any Momentum run ends within 0.15 of the deep minimum" — and saves it. A student
 * opens the file in a fresh page: sees the task and only the allowed controls, plays and sees
 * ✗, reveals the hints one by one, resets, raises the momentum, plays again and sees ✓.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exerciseSchema } from '../../electron/common/exercise';
import {
  exportTrajectories,
  loadApp,
  openApp,
  playUntil,
  shotsDir,
  stepCount,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp();
  await loadApp(h);
});
afterAll(() => h?.close());

const run = (n: number) => h.page.getByRole('region', { name: new RegExp(`^Run ${n}:`) });
const author = () => h.page.getByRole('dialog', { name: 'Author an exercise' });
// By test id: its accessible name follows the page's language (the card's 中文 switches it).
const goals = () => h.page.getByTestId('exercise-goals');

/** Sets a run's hyperparameter by its number field (committed on Enter). */
async function setHyper(n: number, name: string, value: string): Promise<void> {
  const field = run(n).getByRole('spinbutton', { name });
  await field.fill(value);
  await field.press('Enter');
  await expect.poll(() => field.inputValue()).toBe(value);
}

let file: string;

describe('exercises', () => {
  it('a lecturer authors an exercise and saves it', async () => {
    const picker = h.page.getByRole('combobox', { name: 'Lesson' });
    const value = await picker.locator('option', { hasText: /^\(a\)/ }).getAttribute('value');
    await picker.selectOption(value!);
    await expect.poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count()).toBe(2);
    await h.page.getByRole('button', { name: 'Close lesson' }).click();
    // Momentum 0.3: not enough to roll over the pass.
    await setHyper(2, 'Momentum', '0.3');

    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await h.page.getByRole('menuitem', { name: 'Author exercise…' }).click();
    const panel = author();
    await panel.waitFor();
    await panel
      .getByRole('textbox', { name: 'Task (English)' })
      .fill('Change only the momentum of run 2 so that the ball ends in the deep minimum.');
    await panel
      .getByRole('textbox', { name: 'Task (简体中文)' })
      .fill('只改变第 2 个运行的动量，让小球停在较深的极小值。');
    for (const [en, zh] of [
      ['A heavier ball carries more of its last step.', '更重的球保留更多上一步的速度。'],
      ['Try μ = 0.9.', '试试 μ = 0.9。'],
    ]) {
      await panel.getByRole('textbox', { name: 'New hint (English)' }).fill(en);
      await panel.getByRole('textbox', { name: 'New hint (简体中文)' }).fill(zh);
      await panel.getByRole('button', { name: 'Add hint' }).click();
    }
    const rule = (label: string) =>
      panel.getByRole('combobox', { name: `Landscape explorer: ${label}`, exact: true });
    await rule('Run panels: learning rate').selectOption('locked');
    await rule('Run panels: optimizer').selectOption('locked');
    await rule('Add run').selectOption('hidden');
    await rule('Lesson choice').selectOption('hidden');
    await rule('Run panels: Duplicate, Remove').selectOption('hidden');
    await rule('Surface choice and gallery').selectOption('locked');
    await rule('Moving the start (a click on the views)').selectOption('locked');
    // While authoring nothing is hidden: the rules show as outlines.
    await expect.poll(() => h.page.getByRole('button', { name: 'Add run' }).isVisible()).toBe(true);
    expect(
      await h.page.locator('[data-control="explorer.addRun"]').evaluate((e) => e.style.outline),
    ).toMatch(/dotted/);

    // The goal: any Momentum run ends within 0.15 of the deep minimum.
    await panel.getByRole('combobox', { name: 'Goal optimizer' }).selectOption('momentum');
    await panel.getByRole('combobox', { name: 'Goal metric' }).selectOption('distance');
    const minimum = panel.getByRole('combobox', { name: 'Goal minimum' });
    const deepest = await minimum.locator('option', { hasText: 'deepest' }).getAttribute('value');
    await minimum.selectOption(deepest!);
    await panel.getByRole('textbox', { name: 'Goal minimum name' }).fill('the deep minimum');
    await panel.getByRole('spinbutton', { name: 'Goal threshold' }).fill('0.15');
    await panel.getByRole('combobox', { name: 'Goal when' }).selectOption('end');
    await expect
      .poll(() => panel.getByTestId('goal-preview').textContent())
      .toBe('any Momentum run ends within 0.15 of the deep minimum');
    await panel.getByRole('button', { name: 'Add goal' }).click();
    await h.shot('exercise-author');

    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Save exercise…' }).click(),
    ]);
    file = path.join(shotsDir, 'exercise.losslab');
    await download.saveAs(file);

    // The file's exercise section, as the schema reads it.
    const manifest = JSON.parse(
      new TextDecoder().decode(unzipSync(new Uint8Array(fs.readFileSync(file)))['manifest.json']),
    ) as { exercise: unknown; explorer: { runs: { steps: number }[] } };
    const exercise = exerciseSchema.parse(manifest.exercise);
    expect(exercise.controls).toEqual({
      'explorer.lr': 'locked',
      'explorer.optimizer': 'locked',
      'explorer.addRun': 'hidden',
      'explorer.lesson': 'hidden',
      'explorer.runActions': 'hidden',
      'explorer.surface': 'locked',
      'explorer.start': 'locked',
    });
    expect(exercise.hints).toHaveLength(2);
    expect(exercise.task.zh).toMatch(/动量/);
    expect(exercise.goals).toEqual([
      {
        lab: 'explorer',
        metric: 'distance',
        point: { at: [expect.closeTo(2, 1), expect.any(Number)], name: 'the deep minimum' },
        runs: { optimizer: 'momentum', quantifier: 'any' },
        compare: '<=',
        threshold: 0.15,
        at: 'end',
      },
    ]);
    // Saved at the start: the student begins from step 0.
    expect(manifest.explorer.runs.map((r) => r.steps)).toEqual([0, 0]);
  });

  it('a student sees the task and only the allowed controls', async () => {
    // A fresh page: nothing of the author's state is left.
    await h.page.reload();
    await loadApp(h);
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const [chooser] = await Promise.all([
      h.page.waitForEvent('filechooser'),
      h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
    ]);
    await chooser.setFiles(file);
    await h.page.getByTestId('exercise-task').waitFor({ timeout: 30_000 });
    expect(await h.page.getByTestId('exercise-task').textContent()).toMatch(/deep minimum/);
    await expect.poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count()).toBe(2);

    // Hidden: gone.
    expect(await h.page.getByRole('button', { name: 'Add run' }).isVisible()).toBe(false);
    expect(await h.page.getByRole('combobox', { name: 'Lesson' }).isVisible()).toBe(false);
    expect(await run(1).getByRole('button', { name: 'Remove' }).isVisible()).toBe(false);
    expect(await run(2).getByRole('button', { name: 'Duplicate' }).isVisible()).toBe(false);
    // Locked: shown, disabled, the tooltip saying why.
    const lr = run(2).getByRole('spinbutton', { name: 'Learning rate' });
    expect(await lr.isVisible()).toBe(true);
    expect(await lr.isDisabled()).toBe(true);
    expect(await lr.getAttribute('title')).toBe('Locked by the exercise');
    expect(await run(2).getByRole('combobox', { name: 'Optimizer' }).isDisabled()).toBe(true);
    expect(await h.page.getByRole('combobox', { name: 'Surface' }).isDisabled()).toBe(true);
    // Allowed: the momentum and playback.
    expect(await run(2).getByRole('spinbutton', { name: 'Momentum' }).isEnabled()).toBe(true);
    expect(await h.page.getByTestId('play-pause').isEnabled()).toBe(true);
    // The start is locked: a click on the contour view (near the deep minimum) leaves it.
    const plot = await h.page.getByTestId('contour-view').evaluate((el) => {
      const [x, y, w, hh] = ((el as HTMLElement).dataset.plot ?? '').split(',').map(Number);
      const r = el.getBoundingClientRect();
      return { x: r.left + x, y: r.top + y, w, h: hh };
    });
    await h.page.mouse.click(plot.x + 0.8 * plot.w, plot.y + 0.5 * plot.h);
    await h.page.waitForTimeout(1000);
    expect((await exportTrajectories(h.page)).start).toEqual([-3.5, 1]);
    // No goal met before a step is taken.
    expect(await goals().getByRole('listitem').getAttribute('aria-label')).toBe('Goal 1: not met');
    await h.shot('exercise-student-start');
  });

  it('the goal is ✗ where the ball stops short; hints come one by one', async () => {
    await playUntil(h.page, 200, 5);
    expect(await goals().getByRole('listitem').getAttribute('aria-label')).toBe('Goal 1: not met');
    expect(await goals().textContent()).toMatch(/✗/);
    expect(await h.page.getByTestId('exercise-hint-1').count()).toBe(0);
    await h.page.getByRole('button', { name: 'Show a hint (1 of 2)' }).click();
    expect(await h.page.getByTestId('exercise-hint-1').textContent()).toMatch(/heavier ball/);
    expect(await h.page.getByTestId('exercise-hint-2').count()).toBe(0);
    await h.page.getByRole('button', { name: 'Next hint (2 of 2)' }).click();
    expect(await h.page.getByTestId('exercise-hint-2').textContent()).toMatch(/0\.9/);
    expect(await h.page.getByRole('button', { name: /hint/ }).count()).toBe(0);
    await h.page
      .getByRole('group', { name: 'Exercise language' })
      .getByRole('button', { name: '中文' })
      .click();
    expect(await h.page.getByTestId('exercise-task').textContent()).toMatch(/动量/);
    // The card's 中文 switches the whole page, the goals' lines with it.
    expect(await goals().textContent()).toMatch(/第 2\d\d 步时距离为 [\d.]+/);
    await h.shot('exercise-student-not-met-zh');
    await h.page
      .getByRole('group', { name: '练习语言' })
      .getByRole('button', { name: 'English' })
      .click();
  });

  it('after Reset and a larger momentum the goal is met: ✓', async () => {
    await h.page.getByRole('button', { name: 'Reset exercise' }).click();
    await expect.poll(() => stepCount(h.page), { timeout: 30_000 }).toBe(0);
    // Reset brought back the exercise's start: momentum 0.3, the hints already seen kept.
    await expect
      .poll(() => run(2).getByRole('spinbutton', { name: 'Momentum' }).inputValue())
      .toBe('0.3');
    await setHyper(2, 'Momentum', '0.9');
    await playUntil(h.page, 200, 5);
    await expect
      .poll(() => goals().getByRole('listitem').getAttribute('aria-label'), { timeout: 10_000 })
      .toBe('Goal 1: met');
    expect(await goals().textContent()).toMatch(/✓/);
    expect(await h.page.getByRole('status').filter({ hasText: 'Every goal met!' }).count()).toBe(1);
    await goals().scrollIntoViewIfNeeded();
    await h.shot('exercise-student-met');
    expect(h.problems).toEqual([]);
  });
});

/** Opens a session file in the page through Session ▾ → Open session…. */
async function openFile(path: string): Promise<void> {
  await h.page.getByRole('button', { name: 'Session ▾' }).click();
  const [chooser] = await Promise.all([
    h.page.waitForEvent('filechooser'),
    h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
  ]);
  await chooser.setFiles(path);
}

describe('an exercise on the network lab', () => {
  let netFile: string;

  it('a lecturer hides the data setup, locks the learning rate and sets an accuracy goal', async () => {
    await h.page.reload();
    await loadApp(h);
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await h.page.getByTestId('figures-net-2').waitFor({ timeout: 60_000 });
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    await h.page.getByRole('menuitem', { name: 'Author exercise…' }).click();
    const panel = author();
    await panel
      .getByRole('textbox', { name: 'Task (English)' })
      .fill('Train until one run classifies 70 % of the training spirals.');
    const rule = (label: string) =>
      panel.getByRole('combobox', { name: `Network lab: ${label}`, exact: true });
    await rule('Data and network setup').selectOption('hidden');
    await rule('Run panels: learning rate').selectOption('locked');
    await rule('Add run').selectOption('hidden');
    await panel.getByRole('combobox', { name: 'Goal lab' }).selectOption('network');
    await panel.getByRole('combobox', { name: 'Goal metric' }).selectOption('trainAccuracy');
    await panel.getByRole('combobox', { name: 'Goal comparison' }).selectOption('>=');
    await panel.getByRole('spinbutton', { name: 'Goal threshold' }).fill('0.7');
    await panel.getByRole('combobox', { name: 'Goal when' }).selectOption('any');
    await expect
      .poll(() => panel.getByTestId('goal-preview').textContent())
      .toBe('any run: training accuracy ≥ 70 %');
    await panel.getByRole('button', { name: 'Add goal' }).click();
    const [download] = await Promise.all([
      h.page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Save exercise…' }).click(),
    ]);
    netFile = path.join(shotsDir, 'exercise-network.losslab');
    await download.saveAs(netFile);
  });

  it('a student sees only the allowed controls, trains and meets the goal', async () => {
    await h.page.reload();
    await loadApp(h);
    await openFile(netFile);
    await h.page.getByTestId('exercise-task').waitFor({ timeout: 30_000 });
    await h.page.getByTestId('net-play-pause').waitFor();
    // Saved at their start, the runs are ready to train (no Resume training to press).
    await expect
      .poll(() => h.page.getByRole('button', { name: 'Resume training' }).count(), {
        timeout: 30_000,
      })
      .toBe(0);
    expect(await h.page.locator('details.setup').isVisible()).toBe(false);
    expect(await h.page.getByRole('button', { name: 'Add run' }).isVisible()).toBe(false);
    const lr = run(1).getByRole('spinbutton', { name: 'Learning rate' });
    expect(await lr.isDisabled()).toBe(true);
    expect(await lr.getAttribute('title')).toBe('Locked by the exercise');
    expect(await run(1).getByRole('combobox', { name: 'Batch size' }).isEnabled()).toBe(true);
    expect(await goals().getByRole('listitem').getAttribute('aria-label')).toBe('Goal 1: not met');
    const button = h.page.getByTestId('net-play-pause');
    await button.click();
    await expect
      .poll(() => goals().getByRole('listitem').getAttribute('aria-label'), { timeout: 90_000 })
      .toBe('Goal 1: met');
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Train');
    expect(await goals().textContent()).toMatch(/✓[\s\S]*training accuracy \d+ % at step \d+/);
    await goals().scrollIntoViewIfNeeded();
    await h.shot('exercise-network-met');
    expect(h.problems).toEqual([]);
  });
});
