/**
 * The critical-points lab's jobs: every request is one. A job has an AbortController (job.cancel
 * aborts it), a Checkpoint that its computation calls between units of work — which reports
 * progress, gives the event loop a turn every JOB_YIELD_MS (so playback, training and other
 * messages go on while it runs), and throws CancelledError once the job is aborted — and its
 * progress messages, at most a few a second. A cancelled job's request is answered by an error
 * starting "cancelled", as every long job of the engine is.
 */
import type { CriticalMessage } from '../../../common/protocol';
import { CancelledError, FieldError } from '../../core/errors';
import { makeCheckpoint } from '../../hessian/checkpoint';
import type { Checkpoint } from '../../hessian/types';
import type { Post } from '../lab';

/** What a job reports progress in (critical.progress's phases). */
export type JobPhase = Extract<CriticalMessage, { type: 'critical.progress' }>['phase'];

/** Longest a job computes before it gives the engine's event loop a turn, ms. */
export const JOB_YIELD_MS = 30;

/** Least time between two progress messages of one job, ms (a new phase is always told). */
export const PROGRESS_INTERVAL_MS = 200;

/** Most jobs of the lab at once (each yields to the others; each holds its own Hessian). */
export const MAX_CRITICAL_JOBS = 4;

/** A running job, as its computation sees it. */
export interface Job {
  readonly id: number;
  readonly signal: AbortSignal;
  /** Call between units of work: progress, a turn of the event loop, Cancel. */
  readonly checkpoint: Checkpoint;
  /** The stage that starts now (its done/total start again). */
  phase(phase: JobPhase): void;
  /** Reports progress of work done elsewhere (a worker thread), as the checkpoint does. */
  report(done: number, total: number): void;
}

export class CriticalJobs {
  private readonly running = new Map<number, AbortController>();

  constructor(
    private readonly post: Post,
    private readonly options: { progressIntervalMs?: number; yieldEveryMs?: number } = {},
  ) {}

  get size(): number {
    return this.running.size;
  }

  /**
   * Runs `work` as job `id` (the request's id). Refuses a second job of one id, or more than
   * MAX_CRITICAL_JOBS; a cancelled job rejects with a FieldError "cancelled: <what> …".
   * `progress` sends one progress message (critical.progress unless the caller says).
   */
  async run<T>(
    id: number,
    what: string,
    work: (job: Job) => Promise<T>,
    progress: (phase: JobPhase, done: number, total: number) => void = (phase, done, total) =>
      this.post({ type: 'critical.progress', id, phase, done, total }),
  ): Promise<T> {
    if (this.running.has(id)) throw new FieldError('id', `request ${id} is already running`);
    if (this.running.size >= MAX_CRITICAL_JOBS) {
      throw new FieldError(
        undefined,
        `at most ${MAX_CRITICAL_JOBS} critical-point jobs at once: wait for one, or cancel it`,
      );
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    const interval = this.options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    let phase: JobPhase = 'hessian';
    let told: JobPhase | undefined;
    let last = -Infinity;
    const report = (done: number, total: number) => {
      const now = performance.now();
      if (told === phase && now - last < interval && done < total) return;
      told = phase;
      last = now;
      progress(phase, done, total);
    };
    const checkpoint = makeCheckpoint({
      signal: controller.signal,
      yieldEveryMs: this.options.yieldEveryMs ?? JOB_YIELD_MS,
      // Every call: this job's own throttle keeps a new phase's first report.
      progressEveryMs: 0,
      onProgress: report,
    });
    const job: Job = {
      id,
      signal: controller.signal,
      checkpoint,
      phase: (p) => {
        phase = p;
      },
      report,
    };
    try {
      return await work(job);
    } catch (err) {
      if (err instanceof CancelledError || controller.signal.aborted) {
        throw new FieldError(undefined, `cancelled: ${what} (request ${id}) was cancelled`);
      }
      throw err;
    } finally {
      this.running.delete(id);
    }
  }

  /** job.cancel: stops job `id`, if it runs. */
  cancel(id: number): void {
    this.running.get(id)?.abort();
  }

  /** Stops every job (the engine closes, or a session replaces everything). */
  cancelAll(): void {
    for (const controller of this.running.values()) controller.abort();
  }
}
