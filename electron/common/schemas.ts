/**
 * The shapes every host agrees on: optimizers, schedules, problems. One zod schema each, from
 * which the TypeScript types are inferred, so the validator and the types cannot drift apart.
 *
 * Bounds here are the "absurd input" guard: a learning rate of 1e300 or a momentum of 7 is
 * refused with a message naming the field, before it reaches an update rule.
 */
import { z } from 'zod';

const finite = () => z.number().refine(Number.isFinite, { message: 'must be a finite number' });

/** Names of the update rules, as in `torch.optim`. */
export const optimizerNames = ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof optimizerNames)[number];

/** `pytorch` follows torch.optim exactly; `lecture` is the lecture's Adagrad / RMSProp. */
export const optimizerVariants = ['pytorch', 'lecture'] as const;
export type OptimizerVariant = (typeof optimizerVariants)[number];

/** Every hyperparameter any rule reads. Rules ignore the ones they do not use. */
export const hyperSchema = z.strictObject({
  lr: finite().min(0).max(1e6),
  momentum: finite().min(0).max(0.9999),
  dampening: finite().min(0).max(1),
  nesterov: z.boolean(),
  weightDecay: finite().min(0).max(1e3),
  betas: z.tuple([finite().min(0).max(0.99999), finite().min(0).max(0.9999999)]),
  eps: finite().min(1e-300).max(1),
  alpha: finite().min(0).max(0.9999999),
  centered: z.boolean(),
  amsgrad: z.boolean(),
  lrDecay: finite().min(0).max(1e3),
  initialAccumulatorValue: finite().min(0).max(1e6),
  variant: z.enum(optimizerVariants),
});
export type Hyper = z.infer<typeof hyperSchema>;
export type HyperKey = keyof Hyper;

export const hyperPatchSchema = hyperSchema.partial();
export type HyperPatch = z.infer<typeof hyperPatchSchema>;

export const stepScheduleSchema = z.strictObject({
  kind: z.literal('step'),
  stepSize: z.int().min(1).max(1e9),
  gamma: finite().min(0).max(10).default(0.1),
});
export const exponentialScheduleSchema = z.strictObject({
  kind: z.literal('exponential'),
  gamma: finite().min(0).max(10),
});
export const cosineScheduleSchema = z.strictObject({
  kind: z.literal('cosine'),
  tMax: z.int().min(1).max(1e9),
  etaMin: finite().min(0).max(1e6).default(0),
});
export const linearScheduleSchema = z.strictObject({
  kind: z.literal('linear'),
  startFactor: finite()
    .gt(0)
    .max(1)
    .default(1 / 3),
  endFactor: finite().min(0).max(1).default(1),
  totalIters: z.int().min(1).max(1e9).default(5),
});
export const warmupDecayScheduleSchema = z.strictObject({
  kind: z.literal('warmupDecay'),
  warmupSteps: z.int().min(1).max(1e9),
  decay: z.enum(['cosine', 'invSqrt']).default('cosine'),
  totalSteps: z.int().min(1).max(1e9).default(1000),
  etaMin: finite().min(0).max(1e6).default(0),
});
export const invSqrtScheduleSchema = z.strictObject({ kind: z.literal('invSqrt') });
export const constantScheduleSchema = z.strictObject({ kind: z.literal('constant') });

export const scheduleSchema = z.discriminatedUnion('kind', [
  constantScheduleSchema,
  stepScheduleSchema,
  exponentialScheduleSchema,
  cosineScheduleSchema,
  linearScheduleSchema,
  warmupDecayScheduleSchema,
  invSqrtScheduleSchema,
]);
export type Schedule = z.infer<typeof scheduleSchema>;
export type ScheduleKind = Schedule['kind'];

/** A run's optimizer: a rule plus any hyperparameters that differ from torch's defaults. */
export const optimizerSpecSchema = hyperSchema.partial().extend({
  optimizer: z.enum(optimizerNames),
  schedule: scheduleSchema.optional(),
});
export type OptimizerSpec = z.infer<typeof optimizerSpecSchema>;

const coordinate = () => finite().min(-1e6).max(1e6);
export const pointSchema = z.tuple([coordinate(), coordinate()]);
export type Point = z.infer<typeof pointSchema>;

const interval = z
  .tuple([coordinate(), coordinate()])
  .refine(([a, b]) => a < b, { message: 'must be [min, max] with min < max' });
export const domainSchema = z.tuple([interval, interval]);
export type Domain = z.infer<typeof domainSchema>;

/** An analytic surface: a preset by name, or an expression in x and y. */
export const surfaceSpecSchema = z.union([
  z.string().min(1).max(64),
  z.strictObject({ expr: z.string().min(1).max(2000), domain: domainSchema.optional() }),
]);
export type SurfaceSpec = z.infer<typeof surfaceSpecSchema>;
