/** SPEC reading and validation shared by every CLI command. */
import fs from 'node:fs';
import type { z } from 'zod';
import { HyperError } from '../engine/optim';
import { ExpressionError } from '../engine/problems';

/** A SPEC problem: printed as one line, exit code 2. */
export class SpecError extends Error {}

/** One subcommand: `losslab <name> SPEC.json|-`. */
export interface Command {
  summary: string;
  help: string;
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

/** Engine errors that mean the SPEC asked for something impossible, as SpecErrors. */
export function asSpecError(err: unknown): Error {
  if (err instanceof HyperError) return new SpecError(`spec.runs: ${err.message}`);
  if (err instanceof ExpressionError) return new SpecError(`spec.surface: ${err.message}`);
  // Engine errors that name their field (the start, the surface, a dataset or model field).
  const field = (err as { field?: unknown } | undefined)?.field;
  if (typeof field === 'string') return new SpecError(`spec.${field}: ${(err as Error).message}`);
  return err as Error;
}

export function readSpec(source: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new SpecError(
      `cannot read ${source === '-' ? 'stdin' : source}: ${(err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text around the fault, which may hold newlines or control bytes.
    const reason = (err as Error).message.replace(/[\s\p{Cc}]+/gu, ' ');
    throw new SpecError(`spec: not valid JSON (${reason})`);
  }
}
