/**
 * An experiment's progress in one currency: it declares up front how many units of work it
 * will do (training steps, Hessian-vector products, …), then counts them off. Each count calls
 * the job's Checkpoint (which lets a Cancel in and throws CancelledError to stop) with the
 * overall (done, total), and reports to the lab, at most every 0.5 % of the total so a
 * 10⁵-step job sends a few hundred progress messages, not 10⁵; a partial result is always
 * reported.
 *
 * A sub-computation that takes a Checkpoint of its own (the dense Hessian, Lanczos, Hutchinson)
 * gets `sub(span)`: its (done, total) is mapped onto the next `span` units of the experiment's.
 */
import type { CriticalExperimentResult } from '../../../../common/protocol';
import type { Checkpoint } from '../../../hessian/types';
import type { ExperimentReport } from '../context';

/** Reports at most this many times per experiment (partial results aside). */
const REPORTS = 200;

export class Progress {
  private done = 0;
  private reported = -Infinity;

  constructor(
    readonly total: number,
    private readonly report: ExperimentReport,
    private readonly checkpoint: Checkpoint,
  ) {}

  /** Units done so far. */
  get units(): number {
    return this.done;
  }

  /** Counts `units` more done, then checkpoints (may throw CancelledError) and reports. */
  async advance(units = 1): Promise<void> {
    this.done = Math.min(this.total, this.done + units);
    await this.tick();
  }

  /** Moves to `done` units (never back): for a phase that ended early (a run converged). */
  async reach(done: number): Promise<void> {
    this.done = Math.min(this.total, Math.max(this.done, done));
    await this.tick();
  }

  /** Reports a partial result with the progress so far. */
  partial(result: CriticalExperimentResult): void {
    this.reported = this.done;
    this.report(this.done, this.total, result);
  }

  /**
   * A Checkpoint for a sub-computation worth `span` units: its (done, total) maps onto this
   * progress from the units done now; when it returns, call `reach` to land on the far end.
   */
  sub(span: number): Checkpoint {
    const from = this.done;
    return (done, total) => {
      this.done = Math.min(this.total, from + (total > 0 ? Math.round((span * done) / total) : 0));
      return this.tick();
    };
  }

  private tick(): void | Promise<void> {
    if (this.done - this.reported >= this.total / REPORTS || this.done === this.total) {
      this.reported = this.done;
      this.report(this.done, this.total);
    }
    return this.checkpoint(this.done, this.total);
  }
}
