/**
 * `step` requests: the runs a request names (one run of any lab, or every run in scope) take
 * so many steps each. Work that fits one slice is done at once; longer work goes on in slices
 * between which the engine answers other messages, with step.progress reports, until done,
 * cancelled (job.cancel) or paused.
 */
import { FieldError } from './core/errors';
import { type Lab, type Msg, type Post, type SteppedRun } from './labs/lab';

/**
 * Longest slice of a long job (a big `step`) before the engine turns to its messages, ms: with
 * one network update at most ~0.1 s (network/budget.ts), Pause and Cancel are answered within
 * about a tenth of a second.
 */
const SLICE_MS = 20;

/** Least time between two progress messages of one job, ms. */
const PROGRESS_MS = 100;

/** A `step` request at work: which runs it steps and how far each still has to go. */
interface StepJob {
  id: number;
  targets: { lab: Lab; run: SteppedRun; left: number }[];
  total: number;
  done: number;
  /** Why it was stopped early (Cancel, Pause), once it was. */
  stopped?: string;
}

/** What step jobs need of the engine. */
export interface StepHost {
  post: Post;
  /** Sends one frame of whatever changed. */
  flush(): void;
  /** Whether the client may take another frame now (it acknowledged enough of them). */
  canFrame(): boolean;
  /** Whether the engine has closed. */
  closed(): boolean;
}

export class StepJobs {
  /** `step` requests too long for one go, by request id. */
  private readonly jobs = new Map<number, StepJob>();

  constructor(private readonly host: StepHost) {}

  /** Steps `targets` (the runs the request names) `message.steps` steps each; replies ok. */
  async run(message: Msg<'step'>, targets: { lab: Lab; run: SteppedRun }[]): Promise<void> {
    const { host } = this;
    if (this.jobs.has(message.id)) {
      throw new FieldError('id', `a step request ${message.id} is already running`);
    }
    const job: StepJob = {
      id: message.id,
      targets: targets.map((t) => ({ ...t, left: message.steps })),
      total: targets.length * message.steps,
      done: 0,
    };
    this.jobs.set(job.id, job);
    try {
      let lastProgress = performance.now();
      for (let slice = 0; ; slice++) {
        if (job.stopped) {
          throw new FieldError(
            undefined,
            `cancelled (${job.stopped}) after ${job.done.toLocaleString('en')} of ${job.total.toLocaleString('en')} run-steps`,
          );
        }
        if (!this.slice(job, slice, performance.now() + SLICE_MS)) break;
        if (host.canFrame()) host.flush();
        const now = performance.now();
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          host.post({ type: 'step.progress', id: job.id, done: job.done, total: job.total });
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (host.closed()) return;
      }
    } finally {
      this.jobs.delete(job.id);
      host.flush();
    }
    host.post({ type: 'ok', id: message.id });
  }

  /** Stops request `id`'s job (job.cancel), if it is a step job. */
  cancel(id: number): void {
    const job = this.jobs.get(id);
    if (job) job.stopped ??= 'cancelled by the client';
  }

  /** Stops every job, for `reason` (Pause stops every run, a long Step too). */
  stopAll(reason: string, replace = false): void {
    for (const job of this.jobs.values()) {
      if (replace) job.stopped = reason;
      else job.stopped ??= reason;
    }
  }

  /**
   * One slice of a step job, the runs taking turns (a different one first each slice), until
   * `deadline`. A run that was removed, replaced or stopped counts as done. Returns whether
   * work is left.
   */
  private slice(job: StepJob, slice: number, deadline: number): boolean {
    const n = job.targets.length;
    for (let k = 0; k < n; k++) {
      const target = job.targets[(slice + k) % n];
      if (target.left === 0) continue;
      const { lab, run } = target;
      const current = lab.runs?.get(run.runId);
      let taken = 0;
      if (current === run && run.status === 'ok') {
        taken = lab.runs!.advance(run, target.left, deadline);
      }
      // Whatever it did not take because it stopped (diverged, finished, gone) is done too.
      if (current !== run || run.status !== 'ok') taken = target.left;
      target.left -= taken;
      job.done += taken;
      if (performance.now() >= deadline) break;
    }
    return job.targets.some((t) => t.left > 0);
  }
}
