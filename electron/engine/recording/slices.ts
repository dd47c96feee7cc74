/**
 * Long reads written once, run two ways. A reader is a generator that yields its progress at
 * points where it may pause (every few hundred KiB of work); runSync runs it straight through,
 * runSliced runs it in slices of a few milliseconds with a turn of the event loop between them,
 * so a big session does not freeze the engine while it is read. Both run the same code, so the
 * synchronous and the asynchronous reader make exactly the same checks.
 */
import { SessionError } from '../../common/session';

/** How far a read has come: bytes dealt with so far, of `total`. */
export interface Progress {
  done: number;
  total: number;
}

/** Work that may pause at each yield, reporting how far it has come. */
export type Steps<T> = Generator<Progress, T, void>;

/** Runs steps to the end without pausing. */
export function runSync<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Options of runSliced (and of readSessionAsync). */
export interface SliceOptions {
  /** Aborting stops the work at its next pause with a SessionError starting "cancelled". */
  signal?: AbortSignal;
  /** Called at each pause (and once at the end) with bytes done and the total. */
  onProgress?(done: number, total: number): void;
  /** Longest stretch of work between two turns of the event loop, ms. @default 10 */
  sliceMs?: number;
}

/** Runs steps in slices of at most about `sliceMs`, yielding to the event loop between them. */
export async function runSliced<T>(
  steps: Steps<T>,
  what: string,
  options: SliceOptions = {},
): Promise<T> {
  const { signal, onProgress } = options;
  const sliceMs = options.sliceMs ?? 10;
  const cancelled = () => new SessionError(`cancelled: ${what} was cancelled`);
  if (signal?.aborted) throw cancelled();
  let last: Progress | undefined;
  let since = performance.now();
  try {
    for (;;) {
      const next = steps.next();
      if (next.done) {
        if (last) onProgress?.(last.total, last.total);
        return next.value;
      }
      last = next.value;
      if (performance.now() - since < sliceMs) continue;
      onProgress?.(last.done, last.total);
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw cancelled();
      since = performance.now();
    }
  } finally {
    // Lets the generator drop what it holds (its buffers) as soon as it is abandoned.
    steps.return(undefined as T);
  }
}
