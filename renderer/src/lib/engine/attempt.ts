/**
 * Error reporting for the labs: a refused request becomes a line in the lab's status area
 * instead of an exception at the button that asked for it.
 */
import { EngineRequestError } from './client';

/** The one line shown for an error: the engine's message, or the error's own. */
export function errorMessage(err: unknown): string {
  if (err instanceof EngineRequestError) return err.message;
  return String((err as Error | undefined)?.message ?? err);
}

/**
 * Runs `operation`; reports undefined to `report` when it succeeds (the status line clears) or
 * its error's message when it fails, and then resolves undefined instead of throwing.
 */
export async function attempt<T>(
  operation: () => Promise<T>,
  report: (message: string | undefined) => void,
): Promise<T | undefined> {
  try {
    const result = await operation();
    report(undefined);
    return result;
  } catch (err) {
    report(errorMessage(err));
    return undefined;
  }
}
