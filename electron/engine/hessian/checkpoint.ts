/**
 * The checkpoint a long Hessian computation calls between units of work (a batch of
 * Hessian-vector products, a Lanczos step, a probe): it throws CancelledError once the signal
 * is aborted, reports progress at most every `progressEveryMs` (and always the last unit), and
 * every `yieldEveryMs` returns a Promise that resolves after one turn of the event loop, so a
 * Cancel (or any other message) can arrive while the computation runs. Between those turns it
 * returns nothing, so `await` costs only a microtask and no timer.
 */
import { CancelledError } from '../core/errors';
import type { Checkpoint } from './types';

export interface CheckpointOptions {
  /** Told (done, total) a few times a second, and once more when done reaches total. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting it makes the next call throw CancelledError. */
  signal?: AbortSignal;
  /** Longest stretch without a turn of the event loop (default 50 ms). */
  yieldEveryMs?: number;
  /** Shortest interval between two progress reports (default 100 ms). */
  progressEveryMs?: number;
}

/** One turn of the event loop: setImmediate where there is one (Node), else a 0 ms timer. */
const turn = (): Promise<void> =>
  new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

export function makeCheckpoint(options: CheckpointOptions = {}): Checkpoint {
  const { onProgress, signal, yieldEveryMs = 50, progressEveryMs = 100 } = options;
  let lastYield = performance.now();
  let lastProgress = -Infinity;
  const check = () => {
    if (signal?.aborted) throw new CancelledError();
  };
  return (done, total) => {
    check();
    const now = performance.now();
    if (onProgress && (done >= total || now - lastProgress >= progressEveryMs)) {
      lastProgress = now;
      onProgress(done, total);
    }
    if (now - lastYield < yieldEveryMs) return;
    return turn().then(() => {
      lastYield = performance.now();
      // A Cancel that arrived during the turn stops the work before the next unit.
      check();
    });
  };
}
