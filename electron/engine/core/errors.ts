/**
 * The engine's one refusal type, and the one mapping from an error to the field of a request
 * it names. The engine answers a refused request with (field, message); the CLI prints
 * "spec.<field>: <reason>". Each caller says where the parts of its request sit.
 */

/**
 * The part of a request an error's field is relative to: the optimizer's settings, a network
 * model, a dataset, a landscape, or the surface (an expression names no field within it).
 */
export type FieldScope = 'optimizer' | 'model' | 'dataset' | 'landscape' | 'surface';

/**
 * A request asked for a value outside what it may ask: `field` is the dotted path of what is
 * wrong (undefined: the request as a whole), relative to `scope` when the error comes from a
 * part of a request that does not know where it sits. Such an error names its field first in
 * its message ("lr: must be positive"), as it may be read without the request around it.
 * A RangeError, as a bad value is.
 */
export class FieldError extends RangeError {
  /** What is wrong, without the field. */
  readonly reason: string;
  readonly scope: FieldScope | undefined;

  constructor(
    readonly field: string | undefined,
    reason: string,
    scope?: FieldScope,
  ) {
    super(scope !== undefined && field !== undefined ? `${field}: ${reason}` : reason);
    this.reason = reason;
    this.scope = scope;
  }
}

/**
 * A computation stopped because its caller cancelled it (an AbortSignal, a cancel request):
 * not a failure, so callers that asked for the cancellation tell it apart by its class. Each
 * computation keeps its own message ("cancelled", "the landscape was cancelled"), which clients
 * read.
 */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * Where a scope sits in a request: a path its fields continue (`run.optimizer` →
 * `run.optimizer.lr`), or `{ whole }`, a path that stands for every field of the scope (a
 * SPEC's `runs`, when which run is not known) — the message then keeps naming the field.
 */
export type ScopePath = string | { whole: string };

/** A refusal as a reply names it. */
export interface Refusal {
  /** The full path of what is wrong in the request; absent: the request as a whole. */
  field?: string;
  /** The error's message. */
  message: string;
  /** The message without the field where `field` already says it. */
  reason: string;
}

/**
 * The refusal an error stands for, or undefined when it is not one (a bug, a failure): a
 * FieldError, with its scope placed by `scopes`; an error of a `known` refusal class; or any
 * error carrying a string `field` (errors from beyond the engine that name their field).
 */
export function refusalOf(
  err: unknown,
  scopes: Readonly<Partial<Record<FieldScope, ScopePath>>> = {},
  known: readonly (abstract new (...args: never[]) => Error)[] = [],
): Refusal | undefined {
  if (err instanceof FieldError) {
    const at = err.scope !== undefined ? scopes[err.scope] : undefined;
    if (typeof at === 'object')
      return { field: at.whole, message: err.message, reason: err.message };
    const field =
      at === undefined ? err.field : err.field === undefined ? at : `${at}.${err.field}`;
    const reason = at === undefined ? err.message : err.reason;
    return { ...(field ? { field } : {}), message: err.message, reason };
  }
  const field = (err as { field?: unknown } | undefined)?.field;
  if (typeof field === 'string' || known.some((kind) => err instanceof kind)) {
    const message = (err as Error).message;
    return { ...(typeof field === 'string' ? { field } : {}), message, reason: message };
  }
  return undefined;
}

/**
 * An error as an error reply says it: a refusal's (full field, message), or any other error as
 * an internal error (a bug or a failure, which the reply calls so).
 */
export function errorReply(
  err: unknown,
  scopes: Readonly<Partial<Record<FieldScope, ScopePath>>> = {},
  known: readonly (abstract new (...args: never[]) => Error)[] = [],
): { field?: string; message: string } {
  const refused = refusalOf(err, scopes, known);
  if (!refused) return { message: `internal error: ${(err as Error)?.message ?? String(err)}` };
  return { ...(refused.field ? { field: refused.field } : {}), message: refused.message };
}
