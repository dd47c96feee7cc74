/**
 * The network lab's runs: the dataset and the lab's model, the training runs (each of the
 * lab's model or of its own), their live curves, playback and the data view. Requests that
 * change the set of runs go through the store's queue, in order, as the explorer's do.
 * Playback is scoped to the network runs, which the engine trains as fast as it can (or at
 * the slow-motion rate chosen) whatever the display does.
 */
import type {
  DatasetSpecInput,
  ModelSpec,
  ModelSpecInput,
  NetworkRunUpdate,
} from '../../../../../electron/common/network';
import type {
  NetworkProblemInfo,
  NetworkRunFrame,
  NetworkRunState,
  NetworkView,
} from '../../../../../electron/common/protocol';
import type { HyperPatch, OptimizerSpec, Schedule } from '../../../../../electron/common/schemas';
import type { EngineConnection } from '../../engine/connection.svelte';
import { runLabel } from '../../state/optimizers';
import { RunStore } from '../run-store.svelte';
import { architectureLabel, sameModel } from './models';
import { Columns, RateMeter, epochColumns, stepColumns, type NetRun } from './run-data';

/** How fast the runs train: as fast as the engine can, or slow motion for teaching. */
export type TrainingRate = number | 'max';

/** What a run is made with. */
export interface RunSettings {
  optimizer: OptimizerSpec;
  batchSize: number | 'full';
  label?: string;
  /** The run's own network (omitted: the lab's). */
  model?: ModelSpecInput;
}

/** The network lab's problem and runs: the first floor of its store (see NetworkStore). */
export class NetworkRuns extends RunStore<NetworkRunState, NetRun> {
  problem = $state.raw<NetworkProblemInfo | undefined>();
  dataset = $state<DatasetSpecInput>({ kind: 'spirals', n: 400, seed: 0 });
  model = $state<ModelSpecInput>({ depth: 2, width: 32, activation: 'tanh', seed: 0 });
  playing = $state(false);
  /** Updates a second per run while training, or as fast as the engine can. */
  rate = $state<TrainingRate>('max');
  /** The data view shows the test set (on demand only: training never looks at it). */
  showTest = $state(false);
  /** Bumped when any run's curves grew. */
  dataVersion = $state(0);
  busy = $state(false);
  view = $state.raw<{ runId: string; view: NetworkView } | undefined>();
  private viewTimer: ReturnType<typeof setTimeout> | undefined;
  private lastView = 0;

  constructor(engine: EngineConnection) {
    super(engine, 'net-');
    const { client } = this;
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

  /** Its optimizer and learning rate, and its network when it is not the lab's. */
  protected generatedLabel(state: NetworkRunState): string {
    const own = this.ownModel({ state }) ? ` · ${architectureLabel(state.model)}` : '';
    return `${runLabel(state)}${own}`;
  }

  /** The run's model when it is not the lab's (undefined: it trains the lab's model). */
  ownModel(run: Pick<NetRun, 'state'>): ModelSpec | undefined {
    const model = run.state?.model;
    return model && !sameModel(model, this.problem?.model) ? model : undefined;
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

  /** A placeholder run (its state and curves follow from the engine). */
  protected placeholder(runId: string, color: string): NetRun {
    return {
      runId,
      color,
      steps: new Columns(stepColumns),
      epochs: new Columns(epochColumns),
      state: undefined,
      test: undefined,
      meter: new RateMeter(),
    };
  }

  /** `model`: the run's own network (omitted: the lab's). */
  addRun(
    optimizer: OptimizerSpec,
    batchSize: number | 'full' = 32,
    label?: string,
    model?: ModelSpecInput,
  ): Promise<string | undefined> {
    return this.serial(() => this.addRunNow({ optimizer, batchSize, label, model }), true);
  }

  protected async addRunNow({
    optimizer,
    batchSize,
    label,
    model,
  }: RunSettings): Promise<string | undefined> {
    if (!this.problem) return undefined;
    const runId = this.newRunId();
    this.runs = [...this.runs, this.placeholder(runId, this.freeColor())];
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

  removeRun(runId: string): Promise<void> {
    return this.serial(() => this.removeRunNow(runId), true);
  }

  private async removeRunNow(runId: string): Promise<void> {
    await this.attempt(() => this.client.request({ type: 'net.run.remove', runId }));
  }

  replaceRun(runId: string, optimizer: OptimizerSpec): Promise<void> {
    return this.serial(async () => {
      const old = this.runs.find((r) => r.runId === runId);
      if (!old?.state) return;
      const settings = this.settingsOf(old);
      const lr = optimizer.lr ?? old.state.hyper.lr;
      await this.remake(runId, { ...settings, optimizer: { ...optimizer, lr } });
    }, true);
  }

  /**
   * The run trains another network (`model`), or the lab's (undefined): it starts over from
   * that network's θ₀ with its optimizer and settings, in its place in the list.
   */
  setRunModel(runId: string, model: ModelSpecInput | undefined): Promise<void> {
    return this.serial(async () => {
      const old = this.runs.find((r) => r.runId === runId);
      if (!old?.state) return;
      const { model: _mine, ...settings } = this.settingsOf(old);
      await this.remake(runId, { ...settings, ...(model ? { model } : {}) });
    }, true);
  }

  /** Replaces a run by a new one made with `settings`, in its place in the list. */
  private async remake(runId: string, settings: RunSettings): Promise<void> {
    const index = this.runs.findIndex((r) => r.runId === runId);
    const selected = this.selectedRunId === runId;
    await this.removeRunNow(runId);
    const added = await this.addRunNow(settings);
    const run = this.runs.find((r) => r.runId === added);
    if (run) {
      this.place(run, index);
      if (selected) this.selectedRunId = run.runId;
    }
  }

  duplicateRun(runId: string): Promise<void> {
    return this.serial(async () => {
      const run = this.runs.find((r) => r.runId === runId);
      if (!run?.state) return;
      const { label: _label, ...settings } = this.settingsOf(run);
      await this.addRunNow(settings);
    }, true);
  }

  update(runId: string, change: NetworkRunUpdate): Promise<void> {
    return this.serial(async () => {
      await this.attempt(() => this.client.request({ type: 'net.run.update', runId, change }));
    });
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

  step(steps = 1): Promise<void> {
    return this.serial(async () => {
      if (this.playing) await this.pause();
      await this.attempt(() => this.client.request({ type: 'step', steps, scope: 'network' }));
      await this.refreshView();
    });
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      await this.attempt(() => this.client.request({ type: 'run.reset', scope: 'network' }));
      this.runs = this.runs.map((r) => ({ ...r, test: undefined }));
      await this.refreshView();
    });
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
}
