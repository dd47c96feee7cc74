/**
 * The critical-points lab's worker threads (the bundle dist/engine/critical-worker.js): one
 * network Hessian analysis per worker at a time. A worker lives on between analyses (its tfjs
 * stays loaded) and is unref'd while idle. A cancelled analysis ends its worker: the dense
 * eigensolver cannot stop midway, and a fresh worker is cheaper than waiting for it.
 */
import os from 'node:os';
import { CancelledError, FieldError } from '../../core/errors';
import { locateWorker, WorkerError, WorkerPool } from '../../core/worker-pool';
import type { AnalysisPhase, NetworkAnalysis } from '../../hessian/report';
import type { AnalysisJob, FromCriticalWorker, ToCriticalWorker } from './worker-messages';

export const CRITICAL_WORKER_FILE = 'critical-worker.js';

/** The worker bundle next to the running bundle, or undefined (running from source). */
export function locateCriticalWorker(from?: string): string | undefined {
  return locateWorker(CRITICAL_WORKER_FILE, from);
}

export interface AnalysisHooks {
  signal: AbortSignal;
  /** Each progress report of the worker, with the stage it is in. */
  onProgress(phase: AnalysisPhase, done: number, total: number): void;
}

export class CriticalPool {
  private readonly pool: WorkerPool<ToCriticalWorker, FromCriticalWorker>;
  private nextJob = 1;

  /**
   * @param workerFile the critical-points worker bundle.
   * @param size most worker threads; @default the machine's cores less the engine's own.
   */
  constructor(workerFile: string, size = Math.max(1, Math.min(2, os.availableParallelism() - 1))) {
    this.pool = new WorkerPool(workerFile, { kind: 'critical-points', size });
  }

  /** Whether an analysis would find a worker now (else the caller computes in its thread). */
  get available(): boolean {
    return this.pool.refusal === undefined && this.pool.idle() !== undefined;
  }

  /**
   * Analyses on an idle worker. Rejects with CancelledError when `hooks.signal` aborts, with
   * the worker's refusal as a FieldError, or with WorkerError when no worker could do it (the
   * caller may then compute in its own thread).
   */
  analyze(job: AnalysisJob, hooks: AnalysisHooks): Promise<NetworkAnalysis> {
    const refusal = this.pool.refusal;
    if (refusal) return Promise.reject(new WorkerError(refusal));
    if (hooks.signal.aborted) return Promise.reject(new CancelledError());
    const slot = this.pool.idle();
    if (!slot) return Promise.reject(new WorkerError('every critical-points worker is busy'));
    const id = this.nextJob++;
    return new Promise<NetworkAnalysis>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, analysis?: NetworkAnalysis) => {
        if (settled) return;
        settled = true;
        hooks.signal.removeEventListener('abort', onAbort);
        this.pool.release(slot);
        if (err) reject(err);
        else resolve(analysis!);
      };
      const onAbort = () => {
        if (settled) return;
        settled = true;
        hooks.signal.removeEventListener('abort', onAbort);
        // The worker may be inside the eigensolver for seconds: end it rather than wait. It
        // stays busy (no job is given to it) until its exit takes it out of the pool.
        slot.onMessage = undefined;
        slot.onFailure = undefined;
        // Ended on purpose: its exit says nothing of the bundle, even if it never spoke (a
        // Cancel while it loads tfjs), so it must not mark the pool broken (WorkerPool.lose).
        slot.alive = true;
        void slot.worker.terminate();
        reject(new CancelledError());
      };
      hooks.signal.addEventListener('abort', onAbort, { once: true });
      this.pool.hold(
        slot,
        (message) => {
          if (message.job !== id) return;
          if (message.type === 'progress') {
            hooks.onProgress(message.phase, message.done, message.total);
          } else if (message.type === 'result') {
            finish(undefined, message.analysis);
          } else if (message.cancelled) {
            finish(new CancelledError());
          } else if (message.field !== undefined) {
            finish(new FieldError(message.field, message.message));
          } else {
            finish(new Error(message.message));
          }
        },
        (reason) => finish(new WorkerError(reason)),
      );
      slot.post({ type: 'analyze', job: id, ...job });
    });
  }

  /** Starts a worker and has it load tfjs now (idle, unref'd). */
  warm(backend: AnalysisJob['backend']): void {
    if (this.pool.refusal) return;
    this.pool.idle()?.post({ type: 'warm', backend });
  }

  close(): Promise<void> {
    return this.pool.close('the critical-points pool was closed');
  }
}

let shared: CriticalPool | undefined;

/** The process's critical-points pool, started on first use; undefined without a bundle. */
export function criticalPool(): CriticalPool | undefined {
  if (shared) return shared;
  const file = locateCriticalWorker();
  if (!file) return undefined;
  shared = new CriticalPool(file);
  return shared;
}

/** Stops the shared pool (tests, shutdown). */
export async function closeCriticalPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
