/**
 * The network lab's store: its problem and runs (runs.svelte.ts) and, here, what sets up a
 * whole lab (a new problem, a session, a restart), runs restored from a session, and the loss
 * landscape and line through θ-space.
 */
import { getContext, setContext } from 'svelte';
import type { DatasetSpecInput, ModelSpecInput } from '../../../../../electron/common/network';
import type {
  ClientMessage,
  EngineMessageOf,
  NetworkLandscape,
  SessionSummary,
} from '../../../../../electron/common/protocol';
import type {
  MAX_MODEL_JSON_BYTES as JsonLimit,
  MAX_MODEL_WEIGHT_BYTES as WeightLimit,
} from '../../../../../electron/common/limits';
import { Trajectory } from '../../state/trajectory';
import type { ViewRun } from '../../views/view-source';
import { LandscapeSource, type LandscapeState } from './landscape-source.svelte';
import type { NetRun } from './run-data';
import { freeColor } from '../run-store.svelte';
import { NetworkRuns, type RunSettings } from './runs.svelte';

/** Most bytes of a model.json and of its weights: the engine's limits (common/limits.ts). */
const MAX_MODEL_JSON_BYTES: typeof JsonLimit = 8 * 2 ** 20;
const MAX_MODEL_WEIGHT_BYTES: typeof WeightLimit = 48 * 2 ** 20;

/** A model's files as net.model.open carries them. */
export type ModelFiles = { name: string; bytes: Uint8Array }[];

/**
 * The files a user picked for "Open model…" (model.json and its weight files), read after
 * their sizes are checked against the engine's limits; a one-line refusal otherwise.
 */
export async function readModelFiles(files: readonly File[]): Promise<ModelFiles | string> {
  const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (json.length !== 1) {
    return json.length === 0
      ? 'pick the model.json and its weight files (.bin) together'
      : `pick one model.json (${json.length} .json files were picked)`;
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (json[0].size > MAX_MODEL_JSON_BYTES) {
    return `${json[0].name} has ${mb(json[0].size)}; LossLab reads a model.json of at most ${mb(MAX_MODEL_JSON_BYTES)}`;
  }
  const weights = files.reduce((s, f) => s + (f === json[0] ? 0 : f.size), 0);
  if (weights > MAX_MODEL_WEIGHT_BYTES) {
    return `the weight files hold ${mb(weights)}; LossLab opens models of at most ${mb(MAX_MODEL_WEIGHT_BYTES)}`;
  }
  return Promise.all(
    files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
}

/** The network lab's state: its problem, runs, curves, data view and landscape. */
export class NetworkStore extends NetworkRuns {
  landscape = $state.raw<LandscapeState>({ status: 'idle' });
  line = $state.raw<{ t: Float64Array; values: Float64Array; label: string } | undefined>();
  savedDirections = $state.raw<string[]>([]);
  /** Runs restored from a session that cannot train until resumed (retrained and checked). */
  restored = $state.raw<Record<string, { resumable: boolean; note?: string }>>({});
  /** A restored run being retrained. */
  resuming = $state.raw<{ runId: string; done: number; total: number; id: number } | undefined>();
  readonly landscapeSource = new LandscapeSource();
  /**
   * The files of the model the lab's problem was opened from (net.model.open), kept to open it
   * again after an engine restart; undefined for LossLab's own MLPs.
   */
  modelFiles = $state.raw<ModelFiles | undefined>();
  /**
   * Asks the user for a model's files, as "Open model…" does (the lab's page registers it while
   * it is shown; undefined otherwise): what an app menu item calls.
   */
  openModelDialog: (() => void) | undefined;

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
    // A session's network is LossLab's MLP (a model file's runs keep its θ as their start).
    this.modelFiles = undefined;
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
      runs.push(this.placeholder(r.runId, r.color ?? freeColor(runs.map((x) => x.color))));
      this.adoptRunId(r.runId);
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

  /** No landscape on show (a new problem, or a session's): the views show none, not the old. */
  private clearLandscape(): void {
    this.landscape = { status: 'idle' };
    this.landscapeSource.viewGrid = undefined;
    this.landscapeSource.viewRuns = [];
    this.landscapeSource.dataVersion++;
  }

  /**
   * Builds the dataset and model in the engine (the lab's MLP, or the model it opened while
   * `modelFiles` holds it); the runs start over from the new θ₀.
   */
  setup(runs?: RunSettings[]): Promise<boolean> {
    const dataset = $state.snapshot(this.dataset);
    return this.install(
      this.modelFiles
        ? { type: 'net.model.open', dataset, files: this.modelFiles }
        : { type: 'net.setup', dataset, model: $state.snapshot(this.model) },
      runs,
    );
  }

  /**
   * Opens a TensorFlow.js Layers model (model.json and its weight files, see readModelFiles)
   * on the lab's dataset: the runs start over from the file's θ, with their optimizers.
   */
  async openModel(files: ModelFiles): Promise<boolean> {
    const dataset = $state.snapshot(this.dataset);
    const keep = this.runs.flatMap((r) => {
      if (!r.state) return [];
      const { model: _own, ...settings } = this.settingsOf(r);
      return [settings];
    });
    const opened = await this.install({ type: 'net.model.open', dataset, files }, keep);
    if (opened) this.modelFiles = files;
    return opened;
  }

  private install(
    request:
      | Omit<Extract<ClientMessage, { type: 'net.setup' }>, 'id'>
      | Omit<Extract<ClientMessage, { type: 'net.model.open' }>, 'id'>,
    runs?: RunSettings[],
  ): Promise<boolean> {
    return this.serial(async () => {
      this.busy = true;
      try {
        await this.pause();
        // Runs of their own network keep it; the others take the lab's new one.
        const keep = runs ?? this.runs.flatMap((r) => (r.state ? [this.settingsOf(r)] : []));
        const reply = await this.attempt(() =>
          request.type === 'net.setup'
            ? this.client.request(request)
            : this.client.request(request),
        );
        if (!reply) return false;
        if (request.type === 'net.setup') this.modelFiles = undefined;
        this.problem = reply.problem;
        this.runs = [];
        this.view = undefined;
        this.line = undefined;
        this.savedDirections = [];
        this.clearLandscape();
        for (const run of keep) await this.addRunNow(run);
        // What the selected run's θ₀ does with the data, before any training.
        await this.refreshView();
        return true;
      } finally {
        this.busy = false;
      }
    }, true);
  }

  /** A first problem so the lab is never empty: two spirals, Adam against SGD with momentum. */
  setupDefault(): Promise<boolean> {
    if (this.problem) return Promise.resolve(true);
    return this.setup([
      { optimizer: { optimizer: 'adam', lr: 0.01 }, batchSize: 32 },
      { optimizer: { optimizer: 'sgd', lr: 0.05, momentum: 0.9 }, batchSize: 32 },
    ]);
  }

  /**
   * A run another lab has the engine make (Escape from a critical point trains on from there
   * with the settings of the run escaped from): it gets a new id of this lab's and shows as a
   * placeholder while `make` asks for it (the engine's reports then fill it in); `make` says
   * whether the engine made it, and the placeholder goes if not. Resolves the new run's id.
   */
  makeRun(make: (runId: string) => Promise<boolean>): Promise<string | undefined> {
    return this.serial(async () => {
      if (!this.problem) return undefined;
      const runId = this.newRunId();
      this.runs = [...this.runs, this.placeholder(runId, this.freeColor())];
      let made = false;
      try {
        made = await make(runId);
      } finally {
        if (!made) this.runs = this.runs.filter((r) => r.runId !== runId);
      }
      return made ? runId : undefined;
    }, true);
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
      | { kind: 'saved'; name: string }
      | { kind: 'hessian' };
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
            // The Hessian's eigenvectors come first (Lanczos), before any loss value.
            phase: options.directions.kind === 'hessian' ? 'directions' : 'coarse',
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

/** The network lab's part of a session's view state. */
export interface NetworkViewState {
  labels?: Record<string, string>;
  selectedRunId?: string;
}

const key = Symbol('network');

/** Makes the network lab's store the one its page's components find (see useNetwork). */
export function createNetworkContext(network: NetworkStore): NetworkStore {
  setContext(key, network);
  return network;
}

/** The network lab's store, from the page's context. */
export function useNetwork(): NetworkStore {
  const network = getContext<NetworkStore | undefined>(key);
  if (!network)
    throw new Error('useNetwork() needs createNetworkContext() in an ancestor component');
  return network;
}
