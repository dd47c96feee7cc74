/**
 * The network lab's state: the dataset and the lab's model, the training runs (each of the
 * lab's model or of its own), their live curves and figures, the data view and the loss
 * landscape. It shares the explorer's engine client; playback is scoped to the network runs,
 * which the engine trains as fast as it can (or at the slow-motion rate chosen) whatever the
 * display does.
 */
import { getContext, setContext } from 'svelte';
import type {
  DatasetSpecInput,
  ModelSpec,
  ModelSpecInput,
  NetworkRunUpdate,
} from '../../../../../electron/common/network';
import type {
  EngineMessageOf,
  NetworkLandscape,
  NetworkProblemInfo,
  NetworkRunFrame,
  NetworkRunState,
  NetworkView,
  SessionSummary,
} from '../../../../../electron/common/protocol';
import type { HyperPatch, OptimizerSpec, Schedule } from '../../../../../electron/common/schemas';
import { EngineRequestError, type EngineClient } from '../../engine/client';
import { runLabel } from '../../state/optimizers';
import { runColors } from '../../views/palette';
import { Trajectory } from '../../state/trajectory';
import type { ViewGrid, ViewRun, ViewSettingsLike, ViewSource } from '../../views/view-source';

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
const stepColumns = [
  'loss',
  'accuracy',
  'gradNorm',
  'lr',
  'updateMs',
  'examples',
  'seen',
  'time',
] as const;
const epochColumns = [
  'step',
  'trainLoss',
  'trainAccuracy',
  'validationLoss',
  'validationAccuracy',
  'epochMs',
] as const;
export type StepColumn = (typeof stepColumns)[number];
export type EpochColumn = (typeof epochColumns)[number];

export interface NetRun {
  readonly runId: string;
  readonly color: string;
  readonly steps: Columns<StepColumn>;
  readonly epochs: Columns<EpochColumn>;
  readonly state: NetworkRunState | undefined;
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

/** "3×32 tanh", "20×16 ReLU residual, MSE": what a model is, in a few words. */
export function architectureLabel(model: Partial<ModelSpec> | undefined): string {
  if (!model) return '';
  const act = model.activation === 'relu' ? 'ReLU' : (model.activation ?? 'ReLU');
  return `${model.depth ?? 2}×${model.width ?? 32} ${act}${model.residual ? ' residual' : ''}${model.loss === 'mse' ? ', MSE' : ''}`;
}

const modelKeys = [
  'depth',
  'width',
  'activation',
  'residual',
  'loss',
  'l2',
  'dropout',
  'seed',
  'init',
] as const;

/** Whether two model SPECs are the same in every field. */
export function sameModel(a: ModelSpec | undefined, b: ModelSpec | undefined): boolean {
  return !!a && !!b && modelKeys.every((k) => a[k] === b[k]);
}

/** Whether two runs' networks are the same function of the same θ (the engine's rule). */
export function sameArchitecture(a: ModelSpec | undefined, b: ModelSpec | undefined): boolean {
  if (!a || !b) return false;
  return (
    a.depth === b.depth &&
    a.width === b.width &&
    a.activation === b.activation &&
    a.residual === b.residual &&
    (a.loss ?? 'crossEntropy') === (b.loss ?? 'crossEntropy') &&
    a.l2 === b.l2
  );
}

/** How fast the runs train: as fast as the engine can, or slow motion for teaching. */
export type TrainingRate = number | 'max';

export type LandscapeState =
  | { status: 'idle' }
  | { status: 'computing'; done: number; total: number; phase: 'coarse' | 'full'; id: number }
  | { status: 'done'; landscape: NetworkLandscape; id: number }
  | { status: 'failed'; message: string };

/** What the landscape views draw: the grid over (α, β) and each run projected onto the plane. */
export class LandscapeSource implements ViewSource {
  viewGrid = $state.raw<ViewGrid | undefined>();
  viewRuns = $state.raw<ViewRun[]>([]);
  dataVersion = $state(0);
  hoverStep = undefined;
  view = $state<ViewSettingsLike>({
    logHeight: false,
    wireframe: false,
    contours: true,
    stepMode: false,
  });
  inspections = {};
  cameraVersion = $state(0);
  cameraPose = { azimuth: 35, elevation: 40 };

  /** Shows a landscape (or its partial grid while it is being computed). */
  show(
    landscape: Pick<NetworkLandscape, 'values' | 'resolution' | 'range' | 'min' | 'max'>,
    runs: ViewRun[],
  ): void {
    const [[a0, a1], [b0, b1]] = landscape.range;
    this.viewGrid = {
      values: landscape.values,
      resolution: landscape.resolution,
      domain: landscape.range,
      min: landscape.min,
      max: landscape.max,
      info: {
        name: 'landscape',
        title: 'Loss landscape',
        description: 'L(θ* + α d₁ + β d₂)',
        domain: [
          [a0, a1],
          [b0, b1],
        ],
        minima: [],
        saddles: [],
        start: [0, 0],
        logScale: false,
        axes: ['α (d₁)', 'β (d₂)'],
      },
    };
    this.viewRuns = runs;
    this.dataVersion++;
  }
}

export class NetworkStore {
  problem = $state.raw<NetworkProblemInfo | undefined>();
  dataset = $state<DatasetSpecInput>({ kind: 'spirals', n: 400, seed: 0 });
  model = $state<ModelSpecInput>({ depth: 2, width: 32, activation: 'tanh', seed: 0 });
  runs = $state.raw<NetRun[]>([]);
  selectedRunId = $state<string | undefined>();
  playing = $state(false);
  /** Updates a second per run while training, or as fast as the engine can. */
  rate = $state<TrainingRate>('max');
  /** The data view shows the test set (on demand only: training never looks at it). */
  showTest = $state(false);
  /** Bumped when any run's curves grew. */
  dataVersion = $state(0);
  lastError = $state<string | undefined>();
  busy = $state(false);
  view = $state.raw<{ runId: string; view: NetworkView } | undefined>();
  landscape = $state.raw<LandscapeState>({ status: 'idle' });
  line = $state.raw<{ t: Float64Array; values: Float64Array; label: string } | undefined>();
  savedDirections = $state.raw<string[]>([]);
  /** Labels the user gave runs (presentation), by run id. */
  labels = $state<Record<string, string>>({});
  /** Runs restored from a session that cannot train until resumed (retrained and checked). */
  restored = $state.raw<Record<string, { resumable: boolean; note?: string }>>({});
  /** A restored run being retrained. */
  resuming = $state.raw<{ runId: string; done: number; total: number; id: number } | undefined>();
  readonly landscapeSource = new LandscapeSource();
  private nextRun = 1;
  private viewTimer: ReturnType<typeof setTimeout> | undefined;
  private lastView = 0;

  constructor(readonly client: EngineClient) {
    client.on('frame', (frame) => {
      if (!frame.net?.length) return;
      for (const f of frame.net) this.apply(f);
      this.dataVersion++;
      this.scheduleView();
    });
    client.on('net.run.state', ({ run: state }) => {
      const run = this.runs.find((r) => r.runId === state.runId);
      if (!run) return;
      if (state.step === 0) {
        run.steps.clear();
        run.epochs.clear();
      }
      this.runs = this.runs.map((r) => (r === run ? { ...r, state } : r));
    });
    client.on('net.run.removed', ({ runId }) => {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      if (this.selectedRunId === runId) this.selectedRunId = this.runs[0]?.runId;
    });
    client.on('playback', ({ playing }) => {
      this.playing = playing;
      if (!playing) for (const run of this.runs) run.meter.stop();
    });
    client.on('engine.gone', () => {
      this.playing = false;
    });
  }

  /**
   * After the engine restarted (it crashed, or the connection was lost): the new engine knows
   * nothing of this lab, so the same dataset, model and runs are set up again, from θ₀. What
   * they had trained is in the recording, which the app offers to recover.
   */
  async afterRestart(): Promise<void> {
    this.playing = false;
    this.resuming = undefined;
    this.restored = {};
    if (this.landscape.status === 'computing') this.landscape = { status: 'idle' };
    if (this.rate !== 'max') await this.setRate(this.rate);
    if (this.problem) await this.setup();
  }

  /**
   * A run's name: the user's label, else its optimizer and learning rate, and its network when
   * it is not the lab's.
   */
  labelOf(run: NetRun): string {
    if (this.labels[run.runId]) return this.labels[run.runId];
    if (!run.state) return run.runId;
    const own = this.ownModel(run) ? ` · ${architectureLabel(run.state.model)}` : '';
    return `${runLabel(run.state)}${own}`;
  }

  /** The run's model when it is not the lab's (undefined: it trains the lab's model). */
  ownModel(run: NetRun): ModelSpec | undefined {
    const model = run.state?.model;
    return model && !sameModel(model, this.problem?.model) ? model : undefined;
  }

  /**
   * Takes over the network lab of a session the engine just opened: the problem, placeholders
   * for the runs (their states and curves follow the engine's sync) and the saved landscape.
   */
  adoptSession(network: SessionSummary['network'], view: NetworkViewState | undefined): void {
    this.cancelLandscape();
    this.view = undefined;
    this.line = undefined;
    this.savedDirections = [];
    this.labels = { ...(view?.labels ?? {}) };
    this.clearLandscape();
    this.restored = {};
    if (!network) {
      this.problem = undefined;
      this.runs = [];
      return;
    }
    this.problem = network.problem;
    this.dataset = structuredClone(network.problem.dataset) as DatasetSpecInput;
    this.model = structuredClone(network.problem.model) as ModelSpecInput;
    const runs: NetRun[] = [];
    for (const r of network.runs) {
      const used = runs.map((x) => x.color);
      runs.push({
        runId: r.runId,
        color: r.color ?? runColors.find((c) => !used.includes(c)) ?? runColors[0],
        steps: new Columns(stepColumns),
        epochs: new Columns(epochColumns),
        state: undefined,
        test: undefined,
        meter: new RateMeter(),
      });
      const n = /^net-(\d+)$/.exec(r.runId);
      if (n) this.nextRun = Math.max(this.nextRun, Number(n[1]) + 1);
    }
    this.runs = runs;
    this.restored = Object.fromEntries(
      network.runs.map((r) => [
        r.runId,
        { resumable: r.resumable, ...(r.note !== undefined ? { note: r.note } : {}) },
      ]),
    );
    this.selectedRunId =
      view?.selectedRunId && runs.some((r) => r.runId === view.selectedRunId)
        ? view.selectedRunId
        : runs[0]?.runId;
    const landscape = network.landscapes.at(-1);
    if (landscape) this.landscape = { status: 'done', landscape, id: -1 };
  }

  /** After the engine's sync: the saved landscape drawn with the runs' colours and names. */
  afterSync(): void {
    if (this.landscape.status === 'done') {
      this.landscapeSource.show(
        this.landscape.landscape,
        this.projectedRuns(this.landscape.landscape),
      );
      this.landscapeSource.cameraVersion++;
    }
    void this.refreshView();
  }

  /** What a session keeps of the network lab's view. */
  viewState(): NetworkViewState {
    return {
      labels: { ...this.labels },
      ...(this.selectedRunId ? { selectedRunId: this.selectedRunId } : {}),
    };
  }

  /**
   * Retrains a run restored from a session, checking each step against the recording, so it
   * can go on training (it takes about as long as the original training did).
   */
  async resume(runId: string): Promise<void> {
    let id = -1;
    const off = this.client.on('net.resume.progress', (p) => {
      if (p.id === id) this.resuming = { runId, done: p.done, total: p.total, id };
    });
    try {
      await this.pause();
      const ok = await this.attempt(() =>
        this.client.request({ type: 'net.run.resume', runId }, (assigned) => {
          id = assigned;
          this.resuming = { runId, done: 0, total: 1, id };
        }),
      );
      if (ok) {
        const { [runId]: _done, ...rest } = this.restored;
        this.restored = rest;
      }
    } finally {
      off();
      this.resuming = undefined;
    }
  }

  cancelResume(): void {
    if (this.resuming) this.client.post({ type: 'net.landscape.cancel', id: this.resuming.id });
  }

  get selectedRun(): NetRun | undefined {
    return this.runs.find((r) => r.runId === this.selectedRunId) ?? this.runs[0];
  }

  private apply(frame: NetworkRunFrame): void {
    const run = this.runs.find((r) => r.runId === frame.runId);
    if (!run) return;
    const s = frame.steps;
    const n = s.loss.length;
    if (n > 0) {
      // The running sums go on from the row before this frame's first.
      const from = s.fromStep;
      const before = from > 0 && from <= run.steps.count;
      let seen = before ? run.steps.get('seen')[from - 1] : 0;
      let time = before ? run.steps.get('time')[from - 1] : 0;
      const seenColumn = new Float64Array(n);
      const timeColumn = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        seenColumn[i] = seen += s.examples[i];
        timeColumn[i] = time += s.updateMs[i];
      }
      run.steps.write(from, { ...s, seen: seenColumn, time: timeColumn });
    }
    if (frame.epochs.step.length > 0) run.epochs.write(frame.epochs.fromEpoch, frame.epochs);
    if (this.playing) run.meter.sample(run.steps.count, performance.now());
  }

  /** No landscape on show (a new problem, or a session's): the views show none, not the old. */
  private clearLandscape(): void {
    this.landscape = { status: 'idle' };
    this.landscapeSource.viewGrid = undefined;
    this.landscapeSource.viewRuns = [];
    this.landscapeSource.dataVersion++;
  }

  private async attempt<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await operation();
      this.lastError = undefined;
      return result;
    } catch (err) {
      this.lastError =
        err instanceof EngineRequestError ? err.message : String((err as Error).message ?? err);
      return undefined;
    }
  }

  /** Builds the dataset and model in the engine; the runs start over from the new θ₀. */
  async setup(runs?: RunSettings[]): Promise<boolean> {
    this.busy = true;
    try {
      await this.pause();
      // Runs of their own network keep it; the others take the lab's new one.
      const keep = runs ?? this.runs.flatMap((r) => (r.state ? [this.settingsOf(r)] : []));
      const reply = await this.attempt(() =>
        this.client.request({
          type: 'net.setup',
          dataset: $state.snapshot(this.dataset),
          model: $state.snapshot(this.model),
        }),
      );
      if (!reply) return false;
      this.problem = reply.problem;
      this.runs = [];
      this.view = undefined;
      this.line = undefined;
      this.savedDirections = [];
      this.clearLandscape();
      for (const run of keep) await this.addRun(run.optimizer, run.batchSize, run.label, run.model);
      // What the selected run's θ₀ does with the data, before any training.
      await this.refreshView();
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** What a run was made with, to make it again (a rebuild, a duplicate, another network). */
  settingsOf(run: NetRun): RunSettings {
    const state = run.state!;
    const model = this.ownModel(run);
    return {
      optimizer: { optimizer: state.optimizer, ...state.hyper, schedule: state.schedule },
      batchSize: state.batchSize,
      ...(state.label ? { label: state.label } : {}),
      ...(model ? { model } : {}),
    };
  }

  /** `model`: the run's own network (omitted: the lab's). */
  async addRun(
    optimizer: OptimizerSpec,
    batchSize: number | 'full' = 32,
    label?: string,
    model?: ModelSpecInput,
  ): Promise<string | undefined> {
    if (!this.problem) return undefined;
    const runId = `net-${this.nextRun++}`;
    const used = this.runs.map((r) => r.color);
    const color =
      runColors.find((c) => !used.includes(c)) ?? runColors[this.runs.length % runColors.length];
    const run: NetRun = {
      runId,
      color,
      steps: new Columns(stepColumns),
      epochs: new Columns(epochColumns),
      state: undefined,
      test: undefined,
      meter: new RateMeter(),
    };
    this.runs = [...this.runs, run];
    const ok = await this.attempt(() =>
      this.client.request({
        type: 'net.run.create',
        run: {
          runId,
          optimizer,
          batchSize,
          snapshotEvery: 5,
          ...(label ? { label } : {}),
          ...(model ? { model: $state.snapshot(model) } : {}),
        },
      }),
    );
    if (!ok) {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      return undefined;
    }
    this.selectedRunId ??= runId;
    return runId;
  }

  async removeRun(runId: string): Promise<void> {
    await this.attempt(() => this.client.request({ type: 'net.run.remove', runId }));
  }

  async replaceRun(runId: string, optimizer: OptimizerSpec): Promise<void> {
    const old = this.runs.find((r) => r.runId === runId);
    if (!old?.state) return;
    const settings = this.settingsOf(old);
    const lr = optimizer.lr ?? old.state.hyper.lr;
    await this.remake(runId, { ...settings, optimizer: { ...optimizer, lr } });
  }

  /**
   * The run trains another network (`model`), or the lab's (undefined): it starts over from
   * that network's θ₀ with its optimizer and settings, in its place in the list.
   */
  async setRunModel(runId: string, model: ModelSpecInput | undefined): Promise<void> {
    const old = this.runs.find((r) => r.runId === runId);
    if (!old?.state) return;
    const { model: _mine, ...settings } = this.settingsOf(old);
    await this.remake(runId, { ...settings, ...(model ? { model } : {}) });
  }

  /** Replaces a run by a new one made with `settings`, in its place in the list. */
  private async remake(runId: string, settings: RunSettings): Promise<void> {
    const index = this.runs.findIndex((r) => r.runId === runId);
    const selected = this.selectedRunId === runId;
    await this.removeRun(runId);
    const added = await this.addRun(
      settings.optimizer,
      settings.batchSize,
      settings.label,
      settings.model,
    );
    const run = this.runs.find((r) => r.runId === added);
    if (run) {
      const rest = this.runs.filter((r) => r !== run);
      rest.splice(index, 0, run);
      this.runs = rest;
      if (selected) this.selectedRunId = run.runId;
    }
  }

  async duplicateRun(runId: string): Promise<void> {
    const run = this.runs.find((r) => r.runId === runId);
    if (!run?.state) return;
    const { label: _label, ...settings } = this.settingsOf(run);
    await this.addRun(settings.optimizer, settings.batchSize, undefined, settings.model);
  }

  async update(runId: string, change: NetworkRunUpdate): Promise<void> {
    await this.attempt(() => this.client.request({ type: 'net.run.update', runId, change }));
  }

  setHyper(runId: string, hyper: HyperPatch): Promise<void> {
    return this.update(runId, { hyper });
  }

  setSchedule(runId: string, schedule: Schedule): Promise<void> {
    return this.update(runId, { schedule });
  }

  async play(): Promise<void> {
    await this.attempt(() =>
      this.client.request({ type: 'playback', playing: true, scope: 'network' }),
    );
  }

  async pause(): Promise<void> {
    await this.attempt(() => this.client.request({ type: 'playback', playing: false }));
  }

  async togglePlay(): Promise<void> {
    if (this.playing) await this.pause();
    else await this.play();
  }

  async step(steps = 1): Promise<void> {
    if (this.playing) await this.pause();
    await this.attempt(() => this.client.request({ type: 'step', steps, scope: 'network' }));
    await this.refreshView();
  }

  async reset(): Promise<void> {
    await this.attempt(() => this.client.request({ type: 'run.reset', scope: 'network' }));
    this.runs = this.runs.map((r) => ({ ...r, test: undefined }));
    await this.refreshView();
  }

  /** As fast as the engine can, or slow motion: so many updates a second per run. */
  async setRate(rate: TrainingRate): Promise<void> {
    this.rate = rate;
    await this.attempt(() => this.client.request({ type: 'net.speed', rate }));
  }

  /** The test set, evaluated now (on demand: looking at it while training would be cheating). */
  async evaluateTest(runId: string): Promise<void> {
    const reply = await this.attempt(() =>
      this.client.request({ type: 'net.evaluate', runId, split: 'test' }),
    );
    if (!reply) return;
    // The step the engine evaluated at: the run trains on while the page waits for frames.
    const test = { loss: reply.loss, accuracy: reply.accuracy, step: reply.step };
    this.runs = this.runs.map((r) => (r.runId === runId ? { ...r, test } : r));
  }

  /** Shows the test set in the data view, or the validation set again. */
  async setShowTest(show: boolean): Promise<void> {
    this.showTest = show;
    await this.refreshView();
  }

  /** Re-draws the data view at most twice a second while training. */
  private scheduleView(): void {
    if (this.viewTimer) return;
    const wait = Math.max(0, 500 - (performance.now() - this.lastView));
    this.viewTimer = setTimeout(() => {
      this.viewTimer = undefined;
      void this.refreshView();
    }, wait);
  }

  async refreshView(): Promise<void> {
    const run = this.selectedRun;
    if (!run?.state || !this.problem) return;
    this.lastView = performance.now();
    try {
      const reply = await this.client.request({
        type: 'net.view',
        runId: run.runId,
        resolution: 64,
        split: this.showTest ? 'test' : 'validation',
      });
      this.view = { runId: reply.runId, view: reply.view };
    } catch {
      // The run went away meanwhile.
    }
  }

  /**
   * The loss landscape around a run's θ (initial or current) along the chosen directions, with
   * every run projected onto its plane; partial grids show while it is computed.
   */
  async computeLandscape(options: {
    centerRunId: string;
    at: 'initial' | 'current';
    directions:
      | { kind: 'random'; seed: number }
      | { kind: 'pca'; runId: string }
      | { kind: 'saved'; name: string };
    resolution: number;
    range: number;
    split: 'train' | 'validation';
    /** Grow the range to hold every projected trajectory. */
    fit: boolean;
  }): Promise<void> {
    this.cancelLandscape();
    await this.pause();
    const range: [[number, number], [number, number]] = [
      [-options.range, options.range],
      [-options.range, options.range],
    ];
    let id = -1;
    const off = this.client.on('net.landscape.progress', (p) => {
      if (p.id !== id) return;
      this.landscape = { status: 'computing', done: p.done, total: p.total, phase: p.phase, id };
      if (p.values) {
        let min = Infinity;
        let max = -Infinity;
        for (const v of p.values) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (min <= max)
          this.landscapeSource.show(
            { values: p.values, resolution: options.resolution, range, min, max },
            [],
          );
      }
    });
    try {
      const reply = await this.client.request(
        {
          type: 'net.landscape',
          center: { runId: options.centerRunId, at: options.at },
          directions: options.directions,
          project: this.runs.filter((r) => r.state).map((r) => r.runId),
          grid: {
            resolution: options.resolution,
            range,
            coarse: Math.min(11, options.resolution),
            split: options.split,
          },
          fit: options.fit,
        },
        (assigned) => {
          id = assigned;
          this.landscape = {
            status: 'computing',
            done: 0,
            total: options.resolution ** 2,
            phase: 'coarse',
            id,
          };
        },
      );
      this.landscape = { status: 'done', landscape: reply.landscape, id: reply.id };
      this.landscapeSource.show(reply.landscape, this.projectedRuns(reply.landscape));
      this.landscapeSource.cameraVersion++;
    } catch (err) {
      const message = (err as Error).message;
      this.landscape = message.startsWith('cancelled')
        ? { status: 'idle' }
        : { status: 'failed', message };
    } finally {
      off();
    }
  }

  private projectedRuns(landscape: NetworkLandscape): ViewRun[] {
    return landscape.projections.flatMap((p) => {
      const run = this.runs.find((r) => r.runId === p.runId);
      if (!run) return [];
      const t = new Trajectory();
      const n = p.steps.length;
      const points = new Float64Array(3 * n);
      for (let k = 0; k < n; k++) {
        points[3 * k] = p.alpha[k];
        points[3 * k + 1] = p.beta[k];
        points[3 * k + 2] = p.loss[k];
      }
      const nan = new Float64Array(n).fill(NaN);
      t.apply({
        runId: p.runId,
        fromStep: 0,
        points,
        gradNorm: nan,
        lr: nan,
        grad: new Float64Array(2 * n).fill(NaN),
        effStep: new Float64Array(2 * n).fill(NaN),
        status: 'ok',
      });
      return [
        {
          runId: p.runId,
          color: run.color,
          label: this.labelOf(run),
          trajectory: t,
          diverged: run.state?.status === 'diverged',
          onSurface: true,
        },
      ];
    });
  }

  cancelLandscape(): void {
    if (this.landscape.status === 'computing') {
      this.client.post({ type: 'net.landscape.cancel', id: this.landscape.id });
      this.landscape = { status: 'idle' };
    }
  }

  /** Keeps the directions of the landscape shown, to compare later runs on the same plane. */
  async saveDirections(name: string): Promise<void> {
    if (this.landscape.status !== 'done') return;
    const landscapeId = this.landscape.id;
    const ok = await this.attempt(() =>
      this.client.request({ type: 'net.directions.save', landscapeId, name }),
    );
    if (ok && !this.savedDirections.includes(name))
      this.savedDirections = [...this.savedDirections, name];
  }

  /** L along the straight line from one θ to another. */
  async computeLine(
    from: { runId: string; at: 'initial' | 'current' },
    to: { runId: string; at: 'initial' | 'current' },
    label: string,
  ): Promise<void> {
    const reply = await this.attempt(() =>
      this.client.request({
        type: 'net.line',
        from,
        to,
        points: 101,
        range: [-0.25, 1.25],
        split: 'train',
      }),
    );
    if (reply) this.line = { t: reply.t, values: reply.values, label };
  }
}

export type NetProblemMessage = EngineMessageOf<'net.problem'>;

/** What a run is made with. */
export interface RunSettings {
  optimizer: OptimizerSpec;
  batchSize: number | 'full';
  label?: string;
  /** The run's own network (omitted: the lab's). */
  model?: ModelSpecInput;
}

/** The network lab's part of a session's view state. */
export interface NetworkViewState {
  labels?: Record<string, string>;
  selectedRunId?: string;
}

const key = Symbol('network');

export function createNetworkContext(lab: NetworkStore): NetworkStore {
  setContext(key, lab);
  return lab;
}

export function useNetwork(): NetworkStore {
  const lab = getContext<NetworkStore | undefined>(key);
  if (!lab) throw new Error('useNetwork() needs createNetworkContext() in an ancestor component');
  return lab;
}
