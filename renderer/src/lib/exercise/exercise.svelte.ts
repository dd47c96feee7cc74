/**
 * The exercise on the page: the one a lecturer is authoring (the draft: task, hints, goals,
 * and the rules of `exerciseControls`), or the one a student opened — its task, its goals
 * checked live, its hints revealed one at a time, and Reset, which opens its file again.
 */
import { getContext, setContext } from 'svelte';
import type {
  ControlRule,
  Exercise,
  Goal,
  LocalizedText,
} from '../../../../electron/common/exercise';
import { locale, t, type Language } from '../i18n';
import { exerciseControls, type ExerciseMode } from '../state/exercise-controls.svelte';

export type ExerciseLanguage = Language;

/** A new exercise: no task yet, nothing hidden or locked, no goal. */
function emptyExercise(): Exercise {
  return { version: 1, task: { en: '' }, hints: [], controls: {}, goals: [] };
}

/** Text in the language asked for, else English. */
export function inLanguage(text: LocalizedText, language: ExerciseLanguage): string {
  return language === 'zh' && text.zh?.trim() ? text.zh : text.en;
}

export class ExerciseStore {
  /** The exercise being authored, or the one being taken. */
  exercise = $state<Exercise>(emptyExercise());
  /** Hints the student has revealed. */
  hintsShown = $state(0);
  /**
   * The language of the exercise's text: the UI's own (one switch for the whole page, kept in
   * its settings), so the task and hints follow the labels around them.
   */
  get language(): ExerciseLanguage {
    return locale.current;
  }
  set language(language: ExerciseLanguage) {
    locale.current = language;
  }
  /** The author's panel is open. */
  authorOpen = $state(false);
  /** The student is a lecturer trying the draft (Back to authoring returns). */
  preview = $state(false);
  /** The opened exercise's file: Reset opens it again. */
  private file: unknown;

  get mode(): ExerciseMode {
    return exerciseControls.mode;
  }

  /** Author mode: the current draft (or the exercise open) becomes editable. */
  author(): void {
    exerciseControls.mode = 'author';
    this.preview = false;
    this.authorOpen = true;
  }

  /** Leaves author mode: no exercise any more (the draft is kept for the next time). */
  stopAuthoring(): void {
    exerciseControls.mode = 'off';
    this.authorOpen = false;
  }

  /** The lecturer tries the draft as a student sees it. */
  tryAsStudent(): void {
    exerciseControls.mode = 'student';
    this.preview = true;
    this.authorOpen = false;
    this.hintsShown = 0;
  }

  /** What a control is for the student: shown (no rule), locked or hidden. */
  ruleOf(id: string): ControlRule | 'shown' {
    return exerciseControls.rules[id] ?? 'shown';
  }

  setRule(id: string, rule: ControlRule | 'shown'): void {
    const rules = { ...exerciseControls.rules };
    if (rule === 'shown') delete rules[id];
    else rules[id] = rule;
    exerciseControls.rules = rules;
  }

  addHint(hint: LocalizedText): void {
    this.exercise.hints = [...this.exercise.hints, hint];
  }

  removeHint(index: number): void {
    this.exercise.hints = this.exercise.hints.filter((_, i) => i !== index);
  }

  addGoal(goal: Goal): void {
    this.exercise.goals = [...this.exercise.goals, goal];
  }

  removeGoal(index: number): void {
    this.exercise.goals = this.exercise.goals.filter((_, i) => i !== index);
  }

  /** Why the draft cannot be saved as an exercise yet (empty: it can). */
  get problems(): string[] {
    const out: string[] = [];
    if (!this.exercise.task.en.trim()) out.push(t('write the task (in English at least)'));
    return out;
  }

  /** The exercise as the session saves it, while authoring or taking one. */
  forSession(): Exercise | undefined {
    if (exerciseControls.mode === 'off' || this.problems.length > 0) return undefined;
    const { task, hints, goals } = $state.snapshot(this.exercise);
    const controls = Object.fromEntries(
      Object.entries(exerciseControls.rules).filter(
        (entry): entry is [string, ControlRule] => entry[1] !== undefined,
      ),
    );
    return {
      version: 1,
      task: tidy(task),
      hints: hints.map(tidy),
      controls,
      goals: goals.map((g) => (g.text ? { ...g, text: tidy(g.text) } : g)),
    };
  }

  /**
   * A session was opened: with an exercise, the student takes it (`file` is what Reset opens
   * again); without one, no exercise is on (while authoring, the draft stays). Reopening the
   * same exercise (Reset) keeps the hints already revealed. The language is the UI's: opening
   * an exercise leaves it as the user chose it.
   */
  adopt(exercise: Exercise | undefined, file?: unknown): void {
    if (!exercise) {
      // A lecturer may open the session an exercise is to be made on: the draft stays.
      if (exerciseControls.mode === 'author') return;
      exerciseControls.mode = 'off';
      exerciseControls.rules = {};
      this.exercise = emptyExercise();
      this.file = undefined;
      this.preview = false;
      return;
    }
    const same = JSON.stringify(exercise) === JSON.stringify($state.snapshot(this.exercise));
    this.exercise = exercise;
    exerciseControls.rules = { ...exercise.controls };
    exerciseControls.mode = 'student';
    this.authorOpen = false;
    this.preview = false;
    if (file !== undefined) this.file = file;
    if (!same) this.hintsShown = 0;
  }

  /** The file Reset opens again (undefined: a draft tried as a student, or a recovery). */
  get resetFile(): unknown {
    return this.file;
  }

  revealHint(): void {
    this.hintsShown = Math.min(this.hintsShown + 1, this.exercise.hints.length);
  }
}

/** Trims the texts; a blank Chinese text is left out. */
function tidy(text: LocalizedText): LocalizedText {
  const zh = text.zh?.trim();
  return { en: text.en.trim(), ...(zh ? { zh } : {}) };
}

const key = Symbol('exercise');

export function createExerciseContext(store: ExerciseStore): ExerciseStore {
  setContext(key, store);
  return store;
}

export function useExercise(): ExerciseStore {
  const store = getContext<ExerciseStore | undefined>(key);
  if (!store)
    throw new Error('useExercise() needs createExerciseContext() in an ancestor component');
  return store;
}
