/**
 * The page's exercise: what a session saves of it (only while authoring or taking one, only
 * once it has a task, texts trimmed, the controls' rules), and what opening a session does —
 * an exercise is taken as a student with its rules; none leaves the exercise, except that a
 * lecturer's draft survives opening the session it is to be made on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Exercise } from '../../../electron/common/exercise';
import { ExerciseStore } from '../../../renderer/src/lib/exercise/exercise.svelte';
import { exerciseControls } from '../../../renderer/src/lib/state/exercise-controls.svelte';

const saved: Exercise = {
  version: 1,
  task: { en: 'Reach the deep minimum.', zh: '到达较深的极小值。' },
  hints: [{ en: 'Momentum.' }],
  controls: { 'explorer.lr': 'locked', 'explorer.addRun': 'hidden' },
  goals: [
    {
      lab: 'network',
      metric: 'testAccuracy',
      runs: { quantifier: 'any' },
      compare: '>=',
      threshold: 0.95,
      at: 'any',
    },
  ],
};

afterEach(() => {
  exerciseControls.mode = 'off';
  exerciseControls.rules = {};
});

describe('ExerciseStore', () => {
  it('saves nothing unless authoring or taking an exercise, and not before it has a task', () => {
    const store = new ExerciseStore();
    store.exercise.task.en = 'Do it.';
    expect(store.forSession()).toBeUndefined();
    store.author();
    store.exercise.task.en = '   ';
    expect(store.problems).toEqual(['write the task (in English at least)']);
    expect(store.forSession()).toBeUndefined();
  });

  it('saves the draft trimmed, with the rules chosen (shown is no rule)', () => {
    const store = new ExerciseStore();
    store.author();
    store.exercise.task = { en: '  Find the minimum. ', zh: '  ' };
    store.addHint({ en: ' First ', zh: ' 第一 ' });
    store.addHint({ en: 'Second' });
    store.removeHint(1);
    store.setRule('explorer.lr', 'locked');
    store.setRule('network.dataset', 'hidden');
    store.setRule('network.dataset', 'shown');
    expect(store.ruleOf('explorer.lr')).toBe('locked');
    expect(store.ruleOf('network.dataset')).toBe('shown');
    expect(store.forSession()).toEqual({
      version: 1,
      task: { en: 'Find the minimum.' },
      hints: [{ en: 'First', zh: '第一' }],
      controls: { 'explorer.lr': 'locked' },
      goals: [],
    });
  });

  it('opening an exercise makes a student of the page, with its rules; Reset keeps the hints seen', () => {
    const store = new ExerciseStore();
    const file = { name: 'ex.losslab' };
    store.adopt(saved, file);
    expect(store.mode).toBe('student');
    expect(store.resetFile).toBe(file);
    expect(exerciseControls.blocks('explorer.lr')).toBe(true);
    expect(exerciseControls.blocks('explorer.addRun')).toBe(true);
    expect(exerciseControls.blocks('explorer.playback')).toBe(false);
    store.revealHint();
    store.revealHint();
    expect(store.hintsShown).toBe(1);
    store.language = 'zh';
    store.adopt(structuredClone(saved), file);
    expect(store.hintsShown).toBe(1);
    expect(store.language).toBe('zh');
    // It saves back as it came.
    expect(store.forSession()).toEqual(saved);
  });

  it('opening a session without one leaves the exercise, but not a lecturer’s draft', () => {
    const store = new ExerciseStore();
    store.adopt(saved, {});
    store.adopt(undefined);
    expect(store.mode).toBe('off');
    expect(exerciseControls.blocks('explorer.lr')).toBe(false);
    expect(store.forSession()).toBeUndefined();

    store.author();
    store.exercise.task.en = 'A draft.';
    store.setRule('explorer.surface', 'locked');
    store.adopt(undefined);
    expect(store.mode).toBe('author');
    // Rules apply to students only: the author sees every control.
    expect(exerciseControls.blocks('explorer.surface')).toBe(false);
    expect(store.forSession()?.controls).toEqual({ 'explorer.surface': 'locked' });
    store.tryAsStudent();
    expect(exerciseControls.blocks('explorer.surface')).toBe(true);
    expect(store.preview).toBe(true);
  });
});
