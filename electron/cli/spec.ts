/** SPEC reading and validation shared by every CLI command. */
import type { z } from 'zod';
import { refusalOf, type FieldScope, type ScopePath } from '../engine/core/errors';
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

/** What the command line adds to a SPEC (see CLI_FLAGS). */
export interface CommandOptions {
  /** `--out FILE.losslab`: also write what was computed as a session the app opens. */
  out?: string;
  /** `--vectors`: also print θ snapshots (and a landscape's θ*, d₁, d₂). */
  vectors?: boolean;
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
  /** The flags it takes besides the SPEC (`--out`, `--vectors`). */
  flags?: readonly (keyof CommandOptions)[];
  /**
   * Validates the SPEC (throwing a SpecError before anything is printed) and returns what to
   * print as JSON, or a Streamed output.
   */
  run(spec: unknown, options?: CommandOptions): unknown | Promise<unknown>;
}

/** Validates a SPEC; the first problem becomes "spec.<path>: <reason>". */
export function parseSpec<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = ['spec', ...issue.path.map(String)].join('.');
  throw new SpecError(`${path}: ${issue.message}`);
}

/** Where the parts of a SPEC sit: a run's optimizer is one of `runs` (which one is not known). */
const specScopes: Readonly<Partial<Record<FieldScope, ScopePath>>> = {
  optimizer: { whole: 'runs' },
  model: 'model',
  dataset: 'dataset',
  landscape: 'landscape',
  surface: 'surface',
};

/**
 * Engine errors that mean the SPEC asked for something impossible (they name their field, or
 * refuse the SPEC as a whole), as SpecErrors "spec.<field>: <reason>"; any other error as it
 * is. `scopes` places the parts of this command's SPEC where they differ from specScopes.
 */
export function asSpecError(
  err: unknown,
  scopes: Readonly<Partial<Record<FieldScope, ScopePath>>> = {},
): Error {
  const refused = refusalOf(err, { ...specScopes, ...scopes });
  if (!refused) return err as Error;
  return new SpecError(
    refused.field ? `spec.${refused.field}: ${refused.reason}` : `spec: ${refused.reason}`,
  );
}
