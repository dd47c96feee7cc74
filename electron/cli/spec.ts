/** SPEC reading and validation shared by every CLI command. */
import type { z } from 'zod';
import type { JsonSink } from './json-sink';

/** A SPEC problem: printed as one line, exit code 2. */
export class SpecError extends Error {}

/**
 * An output too large to hold: the command writes it through the sink itself, as it computes,
 * byte for byte what JSON.stringify of the whole would have printed (and the newline).
 */
export class Streamed {
  constructor(readonly write: (sink: JsonSink) => Promise<void>) {}
}

/** One subcommand: `losslab <name> SPEC.json|-`. */
export interface Command {
  summary: string;
  help: string;
  /**
   * Paths of SPEC arrays that may hold millions of plain numbers (a network's θ): they are
   * counted, not walked, by the shape check every SPEC passes before its schema.
   */
  bulk?: readonly (readonly string[])[];
  /**
   * Validates the SPEC (throwing a SpecError before anything is printed) and returns what to
   * print as JSON, or a Streamed output.
   */
  run(spec: unknown): unknown | Promise<unknown>;
}

/** Validates a SPEC; the first problem becomes "spec.<path>: <reason>". */
export function parseSpec<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = ['spec', ...issue.path.map(String)].join('.');
  throw new SpecError(`${path}: ${issue.message}`);
}

/**
 * Engine errors that mean the SPEC asked for something impossible, as SpecErrors. The engine's
 * modules load only when a command runs (mathjs and tfjs take a second to load, which a refusal
 * or --help should not wait for), so its error classes are looked up then.
 */
export async function asSpecError(err: unknown): Promise<Error> {
  const [{ HyperError }, { ExpressionError }] = await Promise.all([
    import('../engine/optim'),
    import('../engine/problems/expression'),
  ]);
  if (err instanceof HyperError) return new SpecError(`spec.runs: ${err.message}`);
  if (err instanceof ExpressionError) return new SpecError(`spec.surface: ${err.message}`);
  // Engine errors that name their field (the start, the surface, a dataset or model field).
  const field = (err as { field?: unknown } | undefined)?.field;
  if (typeof field === 'string') return new SpecError(`spec.${field}: ${(err as Error).message}`);
  // The engine's size estimates refuse a request as a whole when no one field is to blame.
  if (err instanceof Error && err.name === 'BudgetError')
    return new SpecError(`spec: ${err.message}`);
  return err as Error;
}
