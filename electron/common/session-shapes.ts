/**
 * The session manifest's building blocks: array references and their table, the numbers JSON
 * cannot hold, ids, statuses, colours, a run's recorded changes and the checks every lab's runs
 * share. session.ts builds the manifest from them and re-exports the public ones.
 */
import { z } from 'zod';
import { MAX_RECORDED_STEPS, MAX_SESSION_BYTES } from './limits';
import { arrayDtypes } from './arrays';
import { recordedColumns, type ColumnSet, type RecordedColumns } from './columns';
import { batchSizeSchema } from './network';
import { runIdSchema } from './protocol/base';
import { hyperPatchSchema, scheduleSchema } from './schemas';

/**
 * An array's name: slash-separated words of letters, digits, `_` and `-` (no `.`, so no
 * `..`), stored as the zip entry `arrays/<name>.bin`.
 */
export const ARRAY_NAME = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
export const arrayName = z.string().max(200).regex(ARRAY_NAME, 'must be slash-separated words');

/** The manifest's references to the arrays a session records of a column set. */
export function columnRefs<S extends ColumnSet>(
  set: S,
): { [K in keyof RecordedColumns<S>]: typeof arrayName } {
  const refs: Record<string, typeof arrayName> = {};
  for (const { key } of recordedColumns(set)) refs[key] = arrayName;
  return refs as { [K in keyof RecordedColumns<S>]: typeof arrayName };
}

/** The zip entry holding an array. */
export function arrayEntryName(name: string): string {
  return `arrays/${name}.bin`;
}

export const arrayInfoSchema = z.strictObject({
  dtype: z.enum(arrayDtypes),
  /** Elements (not bytes). */
  length: z.int().min(0).max(MAX_SESSION_BYTES),
  /** SHA-256 of the entry's bytes, lowercase hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});
export type ArrayInfo = z.infer<typeof arrayInfoSchema>;

// ---------------------------------------------------------------------------------------------
// Small shapes

/** JSON has no NaN or ±Infinity: such numbers are written as these strings. */
export const real = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export type RealJson = z.infer<typeof real>;

/** A number as the manifest stores it (non-finite ones as strings). */
export function encodeReal(value: number): RealJson {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** The number a manifest value stands for. */
export function decodeReal(value: RealJson): number {
  if (typeof value === 'number') return value;
  return value === 'NaN' ? NaN : value === 'Infinity' ? Infinity : -Infinity;
}

export const finite = () =>
  z.number().refine(Number.isFinite, { message: 'must be a finite number' });
export const stepCount = z.int().min(0).max(MAX_RECORDED_STEPS);
export const runStatusSchema = z.enum(['ok', 'diverged', 'finished']);
/** A CSS colour as the client gave it. */
export const colorSchema = z.string().min(1).max(64);
export const reasonSchema = z.string().max(2000);
export const isoDate = z.iso.datetime();

/** A JSON value. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a run branched off another ("re-run from here"). */
export const forkOriginSchema = z.strictObject({ runId: runIdSchema, step: stepCount });
export type ForkOrigin = z.infer<typeof forkOriginSchema>;

export const hyperChangeSchema = z.strictObject({
  step: stepCount,
  patch: hyperPatchSchema,
  schedule: scheduleSchema.optional(),
});

export const networkChangeSchema = z.strictObject({
  step: stepCount,
  patch: hyperPatchSchema.optional(),
  schedule: scheduleSchema.optional(),
  batchSize: batchSizeSchema.optional(),
});
export type NetworkChangeJson = z.infer<typeof networkChangeSchema>;

/** Changes must be in step order and none after the run's last step. */
export function checkChanges(
  run: { changes: { step: number }[]; steps: number },
  ctx: z.RefinementCtx,
): void {
  let last = 0;
  run.changes.forEach((change, i) => {
    if (change.step < last) {
      ctx.addIssue({
        code: 'custom',
        message: `is before the previous change's step ${last}: changes must be in step order`,
        path: ['changes', i, 'step'],
      });
    } else if (change.step > run.steps) {
      ctx.addIssue({
        code: 'custom',
        message: `is after the run's last step ${run.steps}`,
        path: ['changes', i, 'step'],
      });
    }
    last = change.step;
  });
}

/** Run ids must be unique within the explorer, and within the network lab. */
export function checkUniqueRunIds(
  value: { runs: { config: { runId: string } }[] },
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  value.runs.forEach((run, i) => {
    if (seen.has(run.config.runId)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${run.config.runId}" is the id of an earlier run too`,
        path: ['runs', i, 'config', 'runId'],
      });
    }
    seen.add(run.config.runId);
  });
}
