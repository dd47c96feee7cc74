/**
 * What every lab's store does the same way: its runs in the order shown, the selected one,
 * the names the user typed, a colour and an id for each new run, one queue for the requests
 * that change the set of runs, and the status line that a refused request writes to.
 */
import type { Schedule } from '../../../../electron/common/schemas';
import type { EngineConnection } from '../engine/connection.svelte';
import type { EngineClient } from '../engine/client';
import { attempt } from '../engine/attempt';
import { SerialQueue } from '../engine/serial-queue.svelte';
import { runColors } from '../views/palette';

/** What every lab's run has: an id, a colour, and the engine's latest word on it. */
export interface StoreRun<S> {
  readonly runId: string;
  readonly color: string;
  /** Undefined until the engine has created the run. */
  readonly state: S | undefined;
}

/** The first colour of the palette that none of `used` has (cycling when all are taken). */
export function freeColor(used: readonly string[]): string {
  return runColors.find((c) => !used.includes(c)) ?? runColors[used.length % runColors.length];
}

/**
 * The base of a lab's store: runs `R` whose engine state is `S`, named `<prefix>1`,
 * `<prefix>2`, … A lab adds its own runs' data, requests and views on top.
 */
export abstract class RunStore<S, R extends StoreRun<S>> {
  runs = $state.raw<R[]>([]);
  selectedRunId = $state<string | undefined>();
  /** Labels the user gave runs (presentation), by run id; otherwise the lab names them. */
  labels = $state<Record<string, string>>({});
  /** The latest error the engine reported, for the lab's status line. */
  lastError = $state<string | undefined>();
  protected readonly queue = new SerialQueue();
  private nextRun = 1;

  constructor(
    readonly engine: EngineConnection,
    private readonly idPrefix: string,
  ) {}

  get client(): EngineClient {
    return this.engine.client;
  }

  /** Requests that change the set of runs queued or running: run panels wait until they are done. */
  get restructuring(): number {
    return this.queue.restructuring;
  }

  /** The selected run, else the first. */
  get selectedRun(): R | undefined {
    return this.runs.find((r) => r.runId === this.selectedRunId) ?? this.runs[0];
  }

  /** A run's name: the label the user typed, else the lab's name for it, else its id. */
  labelOf(run: Pick<R, 'runId' | 'state'>): string {
    return this.labels[run.runId] || (run.state ? this.generatedLabel(run.state) : run.runId);
  }

  /** The name the lab gives a run the engine has created (the user typed none). */
  protected abstract generatedLabel(state: S): string;

  /** The learning rate a schedule gives at each of `steps` steps, as the engine applies it. */
  async schedulePreview(
    schedule: Schedule,
    lr: number,
    steps: number,
  ): Promise<Float64Array | undefined> {
    try {
      const reply = await this.client.request({ type: 'schedule.preview', schedule, lr, steps });
      return reply.values;
    } catch {
      return undefined;
    }
  }

  /** Runs an operation after every one asked before it (see SerialQueue.run). */
  protected serial<T>(operation: () => Promise<T>, restructures = false): Promise<T> {
    return this.queue.run(operation, restructures);
  }

  /** Reports a refused request in `lastError` instead of throwing at the caller. */
  protected attempt<T>(operation: () => Promise<T>): Promise<T | undefined> {
    return attempt(operation, (message) => {
      this.lastError = message;
    });
  }

  /** A colour no run uses yet (cycling when all are taken). */
  protected freeColor(): string {
    return freeColor(this.runs.map((r) => r.color));
  }

  /** The id for a new run. */
  protected newRunId(): string {
    return `${this.idPrefix}${this.nextRun++}`;
  }

  /** A run the lab takes over (from a session): new runs get ids after its own. */
  protected adoptRunId(runId: string): void {
    const prefix = this.idPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const n = new RegExp(`^${prefix}(\\d+)$`).exec(runId);
    if (n) this.nextRun = Math.max(this.nextRun, Number(n[1]) + 1);
  }

  /** Puts `run` in the list at `index`, wherever it is now. */
  protected place(run: R, index: number): void {
    const others = this.runs.filter((r) => r.runId !== run.runId);
    others.splice(index, 0, run);
    this.runs = others;
  }
}
