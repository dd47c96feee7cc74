import type { RunStatus } from '../../common/protocol';
import type {
  Hyper,
  HyperPatch,
  OptimizerName,
  OptimizerSpec,
  Schedule,
} from '../../common/schemas';
import { Optimizer, patchHyper, resolveHyper, scheduledLr } from '.';
import { constantSchedule } from './schedules';

/** What a run recorded in a session brings back of its settings and how it ended. */
export interface RecordedSettings<C> {
  changes: C[];
  status: RunStatus;
  reason?: string;
  settings: { hyper: Hyper; schedule: Schedule };
  notResumable: string;
}

/**
 * The optimizer side of a run, whatever it moves (a point on a surface, a network's θ): the
 * rule and its hyperparameters as they are now, the schedule, the log of live changes with the
 * step each took effect before, the settings the current trajectory started from (replaying
 * the log on them reproduces the run), and the run's status, reason and label. Both labs' runs
 * extend it, so a change, a reset and a session's settings mean the same in both.
 */
export abstract class OptimizerRun<C extends { step: number }> {
  readonly runId: string;
  readonly label: string | undefined;
  readonly optimizerName: OptimizerName;
  protected optimizer: Optimizer;
  protected schedule: Schedule;
  changes: C[] = [];
  status: RunStatus = 'ok';
  reason: string | undefined;
  /** The hyperparameters and schedule the current trajectory started from. */
  private origin!: { hyper: Hyper; schedule: Schedule };

  /** `size` is the number of parameters the optimizer moves. */
  protected constructor(
    config: { runId: string; label?: string; optimizer: OptimizerSpec },
    private readonly size: number,
  ) {
    this.runId = config.runId;
    this.label = config.label;
    this.optimizerName = config.optimizer.optimizer;
    this.schedule = config.optimizer.schedule ?? constantSchedule;
    this.optimizer = new Optimizer(this.optimizerName, resolveHyper(config.optimizer), size);
  }

  /** Optimizer steps taken. */
  abstract get step(): number;

  get hyper(): Hyper {
    return this.optimizer.hyper;
  }

  /** η for the next step. */
  get currentLr(): number {
    return this.lrAt(this.step);
  }

  get optimizerState(): Optimizer['state'] {
    return this.optimizer.state;
  }

  /** η for the step leaving point t, under the schedule and base rate in effect now. */
  protected lrAt(t: number): number {
    return scheduledLr(this.schedule, this.optimizer.hyper.lr, t);
  }

  /** Fresh optimizer state with the hyperparameters as they are now; the change log empties. */
  protected resetOptimizer(): void {
    this.optimizer = new Optimizer(this.optimizerName, this.optimizer.hyper, this.size);
    this.changes = [];
  }

  /** A new trajectory begins: running again, from the settings in effect now. */
  protected startOver(): void {
    this.status = 'ok';
    this.reason = undefined;
    this.origin = { hyper: this.hyper, schedule: this.schedule };
  }

  /** Applies a live change of hyperparameters and/or schedule (the optimizer state carries over). */
  protected applySettings(patch: HyperPatch | undefined, schedule: Schedule | undefined): void {
    if (patch) this.optimizer.hyper = patchHyper(this.optimizerName, this.optimizer.hyper, patch);
    if (schedule) this.schedule = schedule;
  }

  /**
   * Takes a recording's settings, change log and ending. Its optimizer state is unknown, so a
   * run recorded as still running becomes `finished`, with `notResumable` as its reason.
   */
  protected adoptSettings(recording: RecordedSettings<C>): void {
    this.changes = recording.changes.map((c) => ({ ...c }));
    this.optimizer.hyper = recording.settings.hyper;
    this.schedule = recording.settings.schedule;
    if (recording.status === 'ok') {
      this.status = 'finished';
      this.reason = recording.notResumable;
    } else {
      this.status = recording.status;
      this.reason = recording.reason;
    }
  }

  /** The optimizer's part of the run's state, in the protocol's order. */
  protected settingsState(): {
    optimizer: OptimizerName;
    hyper: Hyper;
    schedule: Schedule;
    lr: number;
  } {
    return {
      optimizer: this.optimizerName,
      hyper: this.optimizer.hyper,
      schedule: this.schedule,
      lr: this.currentLr,
    };
  }

  /** The state's closing fields: the reason and the label, each only when there is one. */
  protected notes(): { reason?: string; label?: string } {
    return {
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.label ? { label: this.label } : {}),
    };
  }

  /** The optimizer spec the current trajectory started from. */
  protected originSpec(): OptimizerSpec & { schedule: Schedule } {
    const { hyper, schedule } = this.origin;
    return { optimizer: this.optimizerName, ...hyper, betas: [...hyper.betas], schedule };
  }
}
