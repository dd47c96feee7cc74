/**
 * One optimizer training one network: the network lab's counterpart of AnalyticRun. It steps
 * the engine's own update rules (the same `rules` that move a point on a surface) on the flat
 * θ, with mini-batches reshuffled every epoch, and records per step and per epoch what the
 * lecture's curves need.
 */
import type {
  NetworkEpochCurves,
  NetworkRunFrame,
  NetworkRunState,
  NetworkStepCurves,
} from '../../common/protocol';
import { networkEpochColumns, networkStepColumns } from '../../common/columns';
import type { HyperPatch, Schedule } from '../../common/schemas';
import {
  networkRunConfigSchema,
  type BatchSize,
  type ModelSpec,
  type NetworkRunConfig,
  type NetworkRunConfigInput,
  type NetworkRunUpdate,
} from '../../common/network';
import { OptimizerRun, type RecordedSettings } from '../optim/optimizer-run';
import { ColumnStore } from '../core/columns';
import { Rng, streams } from '../datasets/random';
import type { SplitName } from '../datasets';
import { disposeBatch, type Evaluation, type NetworkProblem } from './problem';
import { disposeStaged, type PartialGradient, type StepValue } from './mlp';
import { firstHalf, SPLIT_FROM } from './parallel';
import { SnapshotStore } from './snapshots';

/** A run stops by itself after this many updates, so a forgotten Play cannot eat the memory. */
export const MAX_NETWORK_STEPS = 2_000_000;

/** A live change, with the step before which it took effect. */
export interface NetworkChange {
  step: number;
  patch?: HyperPatch;
  schedule?: Schedule;
  batchSize?: BatchSize;
}

/** Per-step curves from step `fromStep` on; entry t belongs to update t (0-based). */
export type StepCurves = NetworkStepCurves;
/** Per-epoch curves from epoch `fromEpoch` on (epoch e is the (e+1)-th pass). */
export type EpochCurves = NetworkEpochCurves;
export type { NetworkRunFrame, NetworkRunState };

export class NetworkRun extends OptimizerRun<NetworkChange> {
  readonly seed: number;
  readonly validateEvery: number;
  /** Parts a batch of SPLIT_FROM examples or more is computed in (see parallel.ts). */
  readonly shards: 1 | 2;
  /**
   * The problem of this run's architecture: the one it was given, or the one its config's
   * `model` asks for on the same data.
   */
  readonly problem: NetworkProblem;
  /** The model its config asked for (undefined: the problem's). */
  private readonly ownModel: ModelSpec | undefined;
  private batchSizeSetting: BatchSize;
  /** θ, updated in place by the optimizer. */
  readonly theta: Float64Array;
  private readonly grad: Float64Array;
  /** θ before the latest update, restored if that update made θ non-finite. */
  private readonly previous: Float64Array;
  private batchRng!: Rng;
  private dropoutRng!: Rng;
  private order: Int32Array | undefined;
  private cursor = 0;
  private partSizeList: number[] | undefined;

  /**
   * Per-step curves, a row per update: the loss of the update's batch at θ_t before the update
   * (L2 penalty included), its accuracy (NaN for regression), ‖∇L(θ_t)‖ on the batch, η_t after
   * the schedule, the update's wall time (batch, forward, backward, optimizer) and the examples
   * in its batch (the last batch of an epoch may be smaller).
   */
  readonly stepCurves = new ColumnStore(networkStepColumns);
  readonly loss = this.stepCurves.columns.loss;
  readonly accuracy = this.stepCurves.columns.accuracy;
  readonly gradNorm = this.stepCurves.columns.gradNorm;
  readonly lr = this.stepCurves.columns.lr;
  readonly updateMs = this.stepCurves.columns.updateMs;
  readonly examples = this.stepCurves.columns.examples;
  /**
   * Per-epoch curves, a row per completed epoch: the steps taken when it ended, the mean of its
   * batch losses weighted by batch size (as Keras reports it) and its accuracy, loss and
   * accuracy on the validation split at θ after the epoch (NaN where not validated) and the
   * wall time of its updates.
   */
  readonly epochCurves = new ColumnStore(networkEpochColumns, 64);
  readonly epochs = this.epochCurves.columns;
  private epochSum = { loss: 0, correct: 0, seen: 0, ms: 0 };
  readonly snapshots: SnapshotStore;
  private sentSteps = 0;
  private sentEpochs = 0;
  /** The batch size the current run started from (sessions replay from it). */
  private originBatchSize!: BatchSize;
  /**
   * θ₀ of a run started elsewhere than the problem's initial θ (a run escaped from a saddle
   * trains on from θ + t·d): copied, saved in sessions with the run. Undefined: the problem's.
   */
  readonly startTheta: Float64Array | undefined;

  /**
   * @param options.startTheta where the run starts (and a reset goes back to) instead of the
   *   problem's θ₀; of the run's architecture's length.
   */
  constructor(
    problem: NetworkProblem,
    configInput: NetworkRunConfigInput,
    options: { startTheta?: ArrayLike<number> } = {},
  ) {
    const config = networkRunConfigSchema.parse(configInput);
    const own = config.model ? problem.architecture(config.model) : problem;
    own.checkBatch(config.batchSize, 'run.batchSize');
    const size = own.layout.size;
    super(config, size);
    this.ownModel = config.model;
    this.problem = own;
    this.seed = config.seed;
    this.validateEvery = config.validateEvery;
    this.shards = config.shards;
    this.batchSizeSetting = config.batchSize;
    this.theta = new Float64Array(size);
    this.grad = new Float64Array(size);
    this.previous = new Float64Array(size);
    this.snapshots = new SnapshotStore(config.snapshotEvery, size);
    if (options.startTheta !== undefined) {
      if (options.startTheta.length !== size) {
        throw new RangeError(`a start θ of ${options.startTheta.length} entries; θ has ${size}`);
      }
      this.startTheta = Float64Array.from(options.startTheta);
    }
    this.restart();
  }

  /** θ₀ of this run: its own start θ, else the problem's. Do not modify. */
  get initialTheta(): Float64Array {
    return this.startTheta ?? this.problem.initialTheta;
  }

  /** Updates taken so far. */
  get step(): number {
    return this.loss.length;
  }

  /** Completed epochs. */
  get epoch(): number {
    return this.epochs.step.length;
  }

  get batchSize(): BatchSize {
    return this.batchSizeSetting;
  }

  /** The gradient of the latest update (shared; do not modify). */
  get lastGradient(): Float64Array {
    return this.grad;
  }

  /**
   * Back to θ₀ with fresh optimizer state, a fresh batch order and the settings as they are
   * now (what the sliders show is what the new run starts with); the change log empties.
   */
  reset(): void {
    this.resetOptimizer();
    this.restart();
  }

  private restart(): void {
    this.originBatchSize = this.batchSize;
    this.theta.set(this.initialTheta);
    this.grad.fill(0);
    this.batchRng = new Rng(this.seed, streams.batches);
    this.dropoutRng = new Rng(this.seed, streams.dropout);
    this.order = undefined;
    this.cursor = 0;
    this.stepCurves.clear();
    this.epochCurves.clear();
    this.epochSum = { loss: 0, correct: 0, seen: 0, ms: 0 };
    this.snapshots.clear();
    this.snapshots.offer(0, this.theta);
    this.sentSteps = 0;
    this.sentEpochs = 0;
    this.startOver();
  }

  /**
   * Changes hyperparameters, schedule and/or batch size before the next step; the optimizer's
   * state carries over and the change is recorded with its step. A new batch size applies
   * from the next batch of the current epoch.
   */
  update(change: NetworkRunUpdate): void {
    if (change.batchSize !== undefined)
      this.problem.checkBatch(change.batchSize, 'change.batchSize');
    this.applySettings(change.hyper, change.schedule);
    if (change.batchSize !== undefined) this.batchSizeSetting = change.batchSize;
    this.changes.push({
      step: this.step,
      ...(change.hyper ? { patch: change.hyper } : {}),
      ...(change.schedule ? { schedule: change.schedule } : {}),
      ...(change.batchSize !== undefined ? { batchSize: change.batchSize } : {}),
    });
  }

  private get trainSize(): number {
    return this.problem.dataset.train.n;
  }

  private isFullBatch(): boolean {
    const b = this.batchSizeSetting;
    return b === 'full' || b >= this.trainSize;
  }

  /** Takes up to n updates; stops early on divergence or the step limit. Returns updates taken. */
  advance(n: number): number {
    if (this.status !== 'ok') return 0;
    const { problem, theta, grad } = this;
    const dropout =
      problem.model.dropout > 0 && !problem.imported?.net ? this.dropoutRng : undefined;
    let taken = 0;
    for (; taken < n; taken++) {
      if (this.step >= MAX_NETWORK_STEPS) {
        this.status = 'finished';
        this.reason = `reached the limit of ${MAX_NETWORK_STEPS.toLocaleString('en')} steps`;
        break;
      }
      const t0 = performance.now();
      const lr = this.currentLr;
      const full = this.isFullBatch();
      const { value, n } = this.gradient(full, dropout);
      const norm = value.gradNorm;
      if (!value.finite) {
        this.diverge(
          Number.isFinite(value.loss)
            ? `the gradient became non-finite at step ${this.step} (learning rate ${lr})`
            : `the loss became ${value.loss} at step ${this.step} (learning rate ${lr})`,
        );
        break;
      }
      this.previous.set(theta);
      this.optimizer.step(theta, grad, lr);
      // Σθ is finite exactly when every θ_i is (an ∞ or NaN anywhere makes it ∞ or NaN).
      let sum = 0;
      for (let i = 0; i < theta.length; i++) sum += theta[i];
      if (!Number.isFinite(sum)) {
        theta.set(this.previous);
        this.diverge(`θ became non-finite in step ${this.step} (learning rate ${lr})`);
        break;
      }
      const ms = performance.now() - t0;
      this.record(value.loss, value.correct, n, norm, lr, ms);
      if (full) this.endEpoch();
      else if (this.cursor >= this.trainSize) this.endEpoch();
    }
    return taken;
  }

  /** Ends the run where it is (its last update failed for a reason not its own). */
  stop(reason: string): void {
    this.status = 'finished';
    this.reason = reason;
  }

  private diverge(reason: string): void {
    this.status = 'diverged';
    this.reason = reason;
  }

  /**
   * L(θ) and ∇L(θ) (into `grad`) on the next batch: the whole training set, or the next
   * mini-batch of the epoch's shuffled order (a new order each epoch). A batch of SPLIT_FROM
   * examples or more in a run of two shards is computed in two halves, the second on the
   * problem's helper thread when it can take it (see parallel.ts); the result is the same
   * wherever the second half ran.
   */
  private gradient(full: boolean, dropout: Rng | undefined): { value: StepValue; n: number } {
    const { problem, theta, grad } = this;
    const mlp = problem.mlp;
    let from = 0;
    let n = this.trainSize;
    let order: Int32Array | undefined;
    if (!full) {
      if (!this.order || this.cursor >= n) {
        this.order = this.batchRng.permutation(n);
        this.cursor = 0;
      }
      order = this.order;
      from = this.cursor;
      n = Math.min(this.batchSizeSetting as number, n - from);
      this.cursor += n;
    }
    const batchOf = (at: number, count: number) =>
      order ? problem.gather('train', order, at, count) : problem.trainPart(at, count);
    const graph = problem.imported?.net;
    if (graph) {
      // An imported model's own graph: one pass, no dropout (see layers/layers-net.ts).
      const batch = full ? problem.deviceSplit('train') : batchOf(from, n);
      try {
        return { value: graph.lossAndGrad(theta, batch, grad, problem.lossKind), n };
      } finally {
        if (!full) disposeBatch(batch);
      }
    }
    if (this.shards === 1 || n < SPLIT_FROM) {
      const batch = full ? problem.deviceSplit('train') : batchOf(from, n);
      try {
        return { value: mlp.lossAndGrad(theta, batch, grad, dropout), n };
      } finally {
        if (!full) disposeBatch(batch);
      }
    }
    mlp.stage(theta);
    const h = firstHalf(n);
    const masks = dropout ? mlp.dropoutMasks(n, dropout) : undefined;
    const rowsOf = (start: number, count: number) =>
      masks?.map((m) => {
        const units = m.length / n;
        return m.subarray(start * units, (start + count) * units);
      });
    const helper = problem.helper;
    const net = { dataset: problem.dataset, model: problem.model, partSizes: this.partSizes };
    const second = { from: from + h, count: n - h, total: n, order, masks: rowsOf(h, n - h) };
    const away = helper?.start(net, mlp.staged, second) ?? false;
    const staged = mlp.stagedWeights();
    const half = (start: number, count: number): PartialGradient => {
      const batch = batchOf(from + start, count);
      try {
        return mlp.partialGradient(batch, n, rowsOf(start, count), undefined, staged);
      } finally {
        if (order) disposeBatch(batch);
      }
    };
    try {
      const first = half(0, h);
      const other = (away ? helper!.finish(net) : undefined) ?? half(h, n - h);
      return { value: mlp.combine(theta, grad, [first, other]), n };
    } finally {
      disposeStaged(staged);
    }
  }

  /** Floats of each layer's part of the gradient, nOut × (nIn + 1) (see Mlp.partialGradient). */
  private get partSizes(): number[] {
    return (this.partSizeList ??= this.problem.layout.layers.map((l) => l.fanOut * (l.fanIn + 1)));
  }

  private record(
    loss: number,
    correct: number,
    n: number,
    norm: number,
    lr: number,
    ms: number,
  ): void {
    const classification = this.problem.task === 'classification';
    this.loss.push(loss);
    this.accuracy.push(classification ? correct / n : NaN);
    this.gradNorm.push(norm);
    this.lr.push(lr);
    this.updateMs.push(ms);
    this.examples.push(n);
    const e = this.epochSum;
    e.loss += loss * n;
    e.correct += correct;
    e.seen += n;
    e.ms += ms;
    this.snapshots.offer(this.step, this.theta);
  }

  private endEpoch(): void {
    const e = this.epochSum;
    const classification = this.problem.task === 'classification';
    const ep = this.epochs;
    ep.step.push(this.step);
    ep.trainLoss.push(e.loss / e.seen);
    ep.trainAccuracy.push(classification ? e.correct / e.seen : NaN);
    ep.epochMs.push(e.ms);
    const validate =
      this.problem.dataset.validation.n > 0 && ep.step.length % this.validateEvery === 0;
    const v = validate ? this.evaluate('validation') : undefined;
    ep.validationLoss.push(v ? v.loss : NaN);
    ep.validationAccuracy.push(v ? v.accuracy : NaN);
    this.epochSum = { loss: 0, correct: 0, seen: 0, ms: 0 };
    this.cursor = this.trainSize;
  }

  /** Loss and accuracy of the current θ on a split (the test set on demand). */
  evaluate(split: SplitName): Evaluation {
    return this.problem.evaluate(this.theta, split);
  }

  /** Per-step curves from step `from` on, as copies. */
  curvesSince(from = 0): StepCurves {
    const to = this.step;
    const a = Math.min(Math.max(0, from), to);
    return { fromStep: a, ...this.stepCurves.slice(a, to) };
  }

  /** Per-epoch curves from epoch `from` on, as copies. */
  epochsSince(from = 0): EpochCurves {
    const to = this.epoch;
    const a = Math.min(Math.max(0, from), to);
    return { fromEpoch: a, ...this.epochCurves.slice(a, to) };
  }

  /** What is new since the last frame, or undefined if nothing is. */
  takeFrame(): NetworkRunFrame | undefined {
    if (this.sentSteps >= this.step && this.sentEpochs >= this.epoch) return undefined;
    const frame = {
      runId: this.runId,
      status: this.status,
      steps: this.curvesSince(this.sentSteps),
      epochs: this.epochsSince(this.sentEpochs),
    };
    this.sentSteps = this.step;
    this.sentEpochs = this.epoch;
    return frame;
  }

  /** Everything from the start again (a client that lost track). */
  rewindFrames(): void {
    this.sentSteps = 0;
    this.sentEpochs = 0;
  }

  state(): NetworkRunState {
    return {
      runId: this.runId,
      status: this.status,
      step: this.step,
      epoch: this.epoch,
      ...this.settingsState(),
      batchSize: this.batchSizeSetting,
      seed: this.seed,
      changes: this.changes,
      parameters: this.theta.length,
      model: this.problem.model,
      ...this.notes(),
    };
  }

  /**
   * The configuration the current run started from (at creation, or at the latest reset):
   * replaying `changes` on it, each at its step, retrains the run bit for bit (on the same
   * tfjs backend).
   */
  initialConfig(): NetworkRunConfig {
    return {
      runId: this.runId,
      optimizer: this.originSpec(),
      batchSize: this.originBatchSize,
      seed: this.seed,
      snapshotEvery: this.snapshots.every,
      validateEvery: this.validateEvery,
      shards: this.shards,
      ...(this.ownModel !== undefined ? { model: this.ownModel } : {}),
      ...(this.label !== undefined ? { label: this.label } : {}),
    };
  }

  /**
   * The configuration of a new run `runId` with this run's settings as they are now (its
   * optimizer with the hyperparameters and schedule in effect, batch size, seed, snapshot and
   * validation spacing, model): what a run branched off this one starts from.
   */
  configNow(runId: string, label?: string): NetworkRunConfig {
    const hyper = this.hyper;
    return {
      runId,
      optimizer: {
        optimizer: this.optimizerName,
        ...hyper,
        betas: [...hyper.betas],
        schedule: this.schedule,
      },
      batchSize: this.batchSizeSetting,
      seed: this.seed,
      snapshotEvery: this.snapshots.every,
      validateEvery: this.validateEvery,
      shards: this.shards,
      ...(this.ownModel !== undefined ? { model: this.ownModel } : {}),
      ...(label !== undefined ? { label } : {}),
    };
  }

  /**
   * Shows recorded curves, snapshots and final θ in place of this run's own, without
   * retraining. The batch order, dropout stream and optimizer state behind them are unknown,
   * so a run recorded as still running becomes `finished`, with `reason` saying why (and how
   * it can go on). `settings` are those in effect after the recorded changes.
   */
  adoptRecording(
    recording: RecordedSettings<NetworkChange> & {
      steps: Record<'loss' | 'accuracy' | 'gradNorm' | 'lr' | 'updateMs', Float64Array>;
      epochs: Record<keyof NetworkRun['epochs'], Float64Array>;
      snapshots: { step: number; theta: Float32Array }[];
      finalTheta: Float64Array;
      settings: { batchSize: BatchSize };
    },
  ): void {
    this.stepCurves.assign({
      ...recording.steps,
      // Not recorded: the batch sizes follow from the settings and the training set's size.
      examples: batchExamples(
        this.originBatchSize,
        recording.changes,
        recording.steps.loss.length,
        this.trainSize,
      ),
    });
    this.epochCurves.assign(recording.epochs);
    this.snapshots.clear();
    const theta = new Float64Array(this.theta.length);
    for (const s of recording.snapshots) {
      theta.set(s.theta);
      this.snapshots.offer(s.step, theta);
    }
    this.theta.set(recording.finalTheta);
    this.previous.set(recording.finalTheta);
    this.grad.fill(0);
    this.adoptSettings(recording);
    this.batchSizeSetting = recording.settings.batchSize;
    this.sentSteps = 0;
    this.sentEpochs = 0;
  }
}

/**
 * Examples in each of a run's first `steps` updates, as NetworkRun.advance draws its batches:
 * the whole training set for a full batch (or one at least as large), else `batchSize` at a
 * time with the epoch's last batch holding what is left; a batch-size change applies from its
 * step on, within the epoch.
 */
export function batchExamples(
  batchSize: BatchSize,
  changes: readonly { step: number; batchSize?: BatchSize }[],
  steps: number,
  trainSize: number,
): Float64Array {
  const out = new Float64Array(steps);
  let b = batchSize;
  let c = 0;
  let cursor = 0;
  for (let t = 0; t < steps; t++) {
    while (c < changes.length && changes[c].step <= t) {
      if (changes[c].batchSize !== undefined) b = changes[c].batchSize!;
      c++;
    }
    if (b === 'full' || b >= trainSize) {
      out[t] = trainSize;
      cursor = trainSize;
      continue;
    }
    if (cursor >= trainSize) cursor = 0;
    const size = Math.min(b, trainSize - cursor);
    out[t] = size;
    cursor += size;
  }
  return out;
}
