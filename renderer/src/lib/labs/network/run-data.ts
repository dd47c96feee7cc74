/**
 * A network run's data in the page: its per-update and per-epoch curves as growable float64
 * columns (outside Svelte's deep reactivity; views watch the store's `dataVersion`), its
 * training speed, and the figures its panel shows.
 */
import type { NetworkRunState } from '../../../../../electron/common/protocol';
import type { StoreRun } from '../run-store.svelte';

/** A growable set of equally long float64 columns (a run's per-step or per-epoch curves). */
export class Columns<K extends string> {
  count = 0;
  /** Bumped when the columns were rewritten from the start (reset). */
  generation = 0;
  private data: Record<K, Float64Array>;

  constructor(readonly names: readonly K[]) {
    this.data = Object.fromEntries(names.map((n) => [n, new Float64Array(256)])) as Record<
      K,
      Float64Array
    >;
  }

  get(name: K): Float64Array {
    return this.data[name];
  }

  /** Writes rows from index `from` on (earlier rows are kept). */
  write(from: number, rows: Record<K, Float64Array>): void {
    const n = rows[this.names[0]].length;
    // Rows from `from` on are replaced; starting over from 0 is a new generation.
    if (from === 0 && this.count > 0) this.generation++;
    const end = from + n;
    for (const name of this.names) {
      let column = this.data[name];
      if (column.length < end) {
        const grown = new Float64Array(Math.max(end, 2 * column.length));
        grown.set(column);
        this.data[name] = column = grown;
      }
      column.set(rows[name], from);
    }
    this.count = end;
  }

  clear(): void {
    this.count = 0;
    this.generation++;
  }
}

/**
 * Per update: what the engine sends (`examples`: the batch's size), then the running sums the
 * x axes need: examples seen and training time (ms) after the update.
 */
export const stepColumns = [
  'loss',
  'accuracy',
  'gradNorm',
  'lr',
  'updateMs',
  'examples',
  'seen',
  'time',
] as const;
export const epochColumns = [
  'step',
  'trainLoss',
  'trainAccuracy',
  'validationLoss',
  'validationAccuracy',
  'epochMs',
] as const;
export type StepColumn = (typeof stepColumns)[number];
export type EpochColumn = (typeof epochColumns)[number];

/** A run of the network lab: its curves, its latest test evaluation and its speed. */
export interface NetRun extends StoreRun<NetworkRunState> {
  readonly steps: Columns<StepColumn>;
  readonly epochs: Columns<EpochColumn>;
  /** The latest test evaluation asked for. */
  readonly test: { loss: number; accuracy: number; step: number } | undefined;
  /** Updates per second while training, measured over about a second. */
  readonly meter: RateMeter;
}

/** Updates a second, from the step counts seen over windows of about a second. */
export class RateMeter {
  private since = 0;
  private from = 0;
  /** The latest measurement; NaN before the first. */
  rate = NaN;

  /** Notes that the run has taken `step` updates at time `now` (ms). */
  sample(step: number, now: number): void {
    if (this.since === 0 || step < this.from) {
      this.since = now;
      this.from = step;
      return;
    }
    if (now - this.since >= 1000) {
      this.rate = ((step - this.from) * 1000) / (now - this.since);
      this.since = now;
      this.from = step;
    }
  }

  /** Training stopped: the next measurement starts afresh. */
  stop(): void {
    this.since = 0;
    this.rate = NaN;
  }
}

/** The latest figures of a run, as its panel shows them. */
export interface RunFigures {
  step: number;
  epoch: number;
  /** Of the latest epoch: mean batch loss and accuracy while training through it. */
  trainLoss: number;
  trainAccuracy: number;
  /** Of the latest validated epoch (NaN: none yet, or no validation split). */
  validationLoss: number;
  validationAccuracy: number;
  updatesPerSecond: number;
}

/** The latest figures of a run (read when its curves changed: see NetworkStore.dataVersion). */
export function figuresOf(run: NetRun): RunFigures {
  const e = run.epochs;
  let v = e.count - 1;
  while (v >= 0 && !Number.isFinite(e.get('validationLoss')[v])) v--;
  const last = e.count - 1;
  return {
    step: run.steps.count,
    epoch: e.count,
    trainLoss: last >= 0 ? e.get('trainLoss')[last] : NaN,
    trainAccuracy: last >= 0 ? e.get('trainAccuracy')[last] : NaN,
    validationLoss: v >= 0 ? e.get('validationLoss')[v] : NaN,
    validationAccuracy: v >= 0 ? e.get('validationAccuracy')[v] : NaN,
    updatesPerSecond: run.meter.rate,
  };
}
