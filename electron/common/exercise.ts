/**
 * An exercise: what a lecturer adds to a session for a class (TensorFlow Playground's hidden
 * controls, made explicit). The task and its hints in English and Simplified Chinese, the
 * controls the student may not see or may not change, and goals the app checks live over the
 * runs' recorded data. A session's `exercise` section; this module is its single definition
 * (the zod schema the session reader checks, from which the types are inferred). Pure
 * TypeScript, so the renderer may `import type` from it.
 *
 * A goal is data, a small predicate over the runs of one lab: which runs (an optimizer, any or
 * all of them), which metric, a comparison with a threshold, and when — reached at any step,
 * or where the run ends — optionally within a number of steps. The renderer evaluates it
 * (`renderer/src/lib/exercise/goals.ts`, a pure function of the runs' data).
 */
import { z } from 'zod';
import { MAX_RECORDED_STEPS } from './limits';
import { pointSchema } from './schemas';

/** The `exercise` section's own version, written in it: a reader refuses any other. */
export const EXERCISE_VERSION = 1;

/** At most this many hints, goals and controls in one exercise. */
export const MAX_EXERCISE_HINTS = 20;
export const MAX_EXERCISE_GOALS = 20;
export const MAX_EXERCISE_CONTROLS = 200;
/** Characters of a task or a hint, in each language. */
export const MAX_EXERCISE_TEXT = 4000;

/** Text in English, and in Simplified Chinese when the author wrote it. */
export const localizedTextSchema = z.strictObject({
  en: z.string().trim().min(1, 'must not be empty').max(MAX_EXERCISE_TEXT),
  zh: z.string().max(MAX_EXERCISE_TEXT).optional(),
});
export type LocalizedText = z.infer<typeof localizedTextSchema>;

/**
 * A control's stable id: its lab, a dot, its name (`explorer.lr`, `network.dataset`). The
 * renderer's catalogue (`lib/state/exercise-controls.svelte.ts`) lists the ids it knows; one
 * it does not know (an exercise made by a newer LossLab) is kept and ignored.
 */
export const CONTROL_ID = /^(explorer|network)\.[a-zA-Z][a-zA-Z0-9]*$/;
export const controlIdSchema = z
  .string()
  .max(64)
  .regex(CONTROL_ID, 'must be a lab and a name, as explorer.lr');

/** What the student sees of a control: `locked` (shown, disabled) or `hidden` (gone). */
export const controlRuleSchema = z.enum(['locked', 'hidden']);
export type ControlRule = z.infer<typeof controlRuleSchema>;

/** The optimizers a run selector names: a run panel's choices (`sgd` is plain SGD). */
export const goalOptimizers = [
  'sgd',
  'momentum',
  'nesterov',
  'adagrad',
  'rmsprop',
  'adam',
  'adamw',
  'adagrad-lecture',
  'rmsprop-lecture',
] as const;
export type GoalOptimizer = (typeof goalOptimizers)[number];

/** What a goal measures, in each lab. */
export const explorerMetrics = ['loss', 'gradNorm', 'distance'] as const;
export const networkMetrics = [
  'batchLoss',
  'trainLoss',
  'trainAccuracy',
  'validationLoss',
  'validationAccuracy',
  'testLoss',
  'testAccuracy',
] as const;
export type ExplorerMetric = (typeof explorerMetrics)[number];
export type NetworkMetric = (typeof networkMetrics)[number];
export type GoalMetric = ExplorerMetric | NetworkMetric;

export const comparisons = ['<=', '<', '>=', '>'] as const;
export type Comparison = (typeof comparisons)[number];

/** Which runs a goal is about: those of an optimizer (or all), and whether any or every one. */
export const runSelectorSchema = z.strictObject({
  /** Absent: runs of any optimizer. */
  optimizer: z.enum(goalOptimizers).optional(),
  /** `any`: one selected run meeting the goal is enough; `all`: every one must. */
  quantifier: z.enum(['any', 'all']),
});
export type RunSelector = z.infer<typeof runSelectorSchema>;

/** A named point of the surface (a minimum), for the `distance` metric. */
export const goalPointSchema = z.strictObject({
  at: pointSchema,
  /** How the task calls it: "the deep minimum". */
  name: z.string().trim().min(1).max(120),
});

const common = {
  /** What the goal says, shown beside its ✓/✗ (absent: said from the predicate). */
  text: localizedTextSchema.optional(),
  runs: runSelectorSchema,
  compare: z.enum(comparisons),
  threshold: z.number().refine(Number.isFinite, 'must be a finite number'),
  /** `any`: reached at some step; `end`: where the run ends (at `within`, when given). */
  at: z.enum(['any', 'end']),
  /** Only steps up to this count (a run with fewer steps has not decided yet). */
  within: z.int().min(1).max(MAX_RECORDED_STEPS).optional(),
};

export const goalSchema = z.discriminatedUnion('lab', [
  z
    .strictObject({
      lab: z.literal('explorer'),
      metric: z.enum(explorerMetrics),
      /** The point a `distance` goal measures from; only with `distance`. */
      point: goalPointSchema.optional(),
      ...common,
    })
    .superRefine((goal, ctx) => {
      if (goal.metric === 'distance' && !goal.point) {
        ctx.addIssue({
          code: 'custom',
          message: 'is required by a distance goal',
          path: ['point'],
        });
      }
      if (goal.metric !== 'distance' && goal.point) {
        ctx.addIssue({
          code: 'custom',
          message: 'is only for a distance goal',
          path: ['point'],
        });
      }
    }),
  z.strictObject({ lab: z.literal('network'), metric: z.enum(networkMetrics), ...common }),
]);
export type Goal = z.infer<typeof goalSchema>;

export const exerciseSchema = z.strictObject({
  /** EXERCISE_VERSION. */
  version: z.literal(EXERCISE_VERSION),
  task: localizedTextSchema,
  /** Revealed one at a time, in this order. */
  hints: z.array(localizedTextSchema).max(MAX_EXERCISE_HINTS),
  /** Controls the student may not change (`locked`) or does not see (`hidden`), by id. */
  controls: z
    .record(controlIdSchema, controlRuleSchema)
    .refine((c) => Object.keys(c).length <= MAX_EXERCISE_CONTROLS, {
      message: `must name at most ${MAX_EXERCISE_CONTROLS} controls`,
    }),
  goals: z.array(goalSchema).max(MAX_EXERCISE_GOALS),
});
export type Exercise = z.infer<typeof exerciseSchema>;
