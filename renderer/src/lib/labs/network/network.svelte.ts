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
  LandscapeFileData,
  NetworkLandscape,
  RecordedSourceInfo,
  SessionSummary,
} from '../../../../../electron/common/protocol';
import type {
  MAX_MODEL_JSON_BYTES as JsonLimit,
  MAX_MODEL_WEIGHT_BYTES as WeightLimit,
} from '../../../../../electron/common/limits';
import { t } from '../../i18n';
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
      ? t('pick the model.json and its weight files (.bin) together')
      : t('pick one model.json ({n} .json files were picked)', { n: json.length });
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (json[0].size > MAX_MODEL_JSON_BYTES) {
    return t('{name} has {size}; LossLab reads a model.json of at most {limit}', {
      name: json[0].name,
      size: mb(json[0].size),
      limit: mb(MAX_MODEL_JSON_BYTES),
    });
  }
  const weights = files.reduce((s, f) => s + (f === json[0] ? 0 : f.size), 0);
  if (weights > MAX_MODEL_WEIGHT_BYTES) {
    return t('the weight files hold {size}; LossLab opens models of at most {limit}', {
      size: mb(weights),
      limit: mb(MAX_MODEL_WEIGHT_BYTES),
    });
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
   * The session's runs were recorded elsewhere on a model LossLab cannot build: they are shown
   * (curves, θ snapshots, landscapes) but nothing trains, and there is no data to draw.
   */
  recorded = $state.raw<RecordedSourceInfo | undefined>();
  /**
   * A loss-landscape file on show (Li et al.'s .h5), and which of its surfaces; undefined
   * when the landscape on show is the lab's own.
   */
  landscapeFile = $state.raw<{ data: LandscapeFileData; surface: string } | undefined>();
  /** Replay of recorded runs: the step shown (cursor on the curves, paths cut there). */
  replayStep = $state<number | undefined>();
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
    this.recorded = network?.recorded;
    this.replayStep = undefined;
    // A session's network is LossLab's MLP (a model file's runs keep its θ as their start).
    this.modelFiles = undefined;
    if (!network) {
      this.problem = undefined;
      this.runs = [];
      return;
    }
    this.problem = network.problem;
    if (network.problem) {
      this.dataset = structuredClone(network.problem.dataset) as DatasetSpecInput;
      this.model = structuredClone(network.problem.model) as ModelSpecInput;
    }
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
      this.setReplayStep(this.replayStep);
      this.landscapeSource.cameraVersion++;
    }
    void this.refreshView();
  }

  /** The most steps any run has taken (the replay slider's end). */
  get lastStep(): number {
    return Math.max(0, ...this.runs.map((r) => r.state?.step ?? r.steps.count));
  }

  /**
   * Replay of recorded runs: shows step `step` (undefined: the end) — the curves' cursor, and
   * each projected path on the landscape up to its last θ kept at or before it.
   */
  setReplayStep(step: number | undefined): void {
    this.replayStep = step;
    const landscape = this.landscape.status === 'done' ? this.landscape.landscape : undefined;
    const first = landscape?.projections[0];
    if (step === undefined || !first) {
      this.landscapeSource.scrubStep = undefined;
      return;
    }
    // The views cut paths by point index: the first path's last point at or before `step`.
    let k = 0;
    while (k + 1 < first.steps.length && first.steps[k + 1] <= step) k++;
    this.landscapeSource.scrubStep = k;
  }

  /** The step of the latest θ snapshot kept at or before `step` (runs' projected paths). */
  snapshotAt(step: number): number | undefined {
    const landscape = this.landscape.status === 'done' ? this.landscape.landscape : undefined;
    const steps = landscape?.projections[0]?.steps;
    if (!steps) return undefined;
    let found: number | undefined;
    for (const s of steps) if (s <= step) found = s;
    return found;
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

  /**
   * Opens loss-landscape files of Li et al.'s code — a surface `.h5`, and its projected
   * trajectory `…_proj_cos.h5` if given — and draws the surface in the 3-D and contour views
   * (a 1-D file in the 1-D slice chart) with the trajectory. Without files it asks for them
   * (a file picker), so a menu can call it as it is. Resolves whether a landscape is on show.
   */
  async openLandscapeFile(files?: readonly File[]): Promise<boolean> {
    const chosen = files ?? (await pickFiles('.h5,.hdf5,.hdf,.he5', true));
    if (!chosen.length) return false;
    const parts = await Promise.all(
      chosen.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    );
    const reply = await this.attempt(() =>
      this.client.request({ type: 'net.landscape.file', files: parts }),
    );
    if (!reply) return false;
    this.cancelLandscape();
    this.showLandscapeFile(reply.file, reply.file.surfaces[0].name);
    return true;
  }

  /** Draws surface `surface` of a landscape file (see openLandscapeFile). */
  showLandscapeFile(data: LandscapeFileData, surface: string): void {
    this.landscapeFile = { data, surface };
    const label = `${data.names[0]} · ${surface}`;
    if (data.dims === 1) {
      const values = data.surfaces.find((s) => s.name === surface)!.values;
      this.line = { t: data.x, values, label };
      return;
    }
    const landscape = fileLandscape(data, surface);
    this.landscape = { status: 'done', landscape, id: -1 };
    this.landscapeSource.show(landscape, this.projectedRuns(landscape));
    this.landscapeSource.cameraVersion++;
  }

  /** No landscape on show (a new problem, or a session's): the views show none, not the old. */
  private clearLandscape(): void {
    this.landscapeFile = undefined;
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
        // A new problem replaces runs recorded elsewhere (the engine dropped them).
        this.recorded = undefined;
        this.replayStep = undefined;
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
      this.landscapeFile = undefined;
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
      // A file's trajectory belongs to no run of the lab.
      const run =
        this.runs.find((r) => r.runId === p.runId) ??
        (p.runId === FILE_TRAJECTORY ? fileTrajectoryRun : undefined);
      if (!run) return [];
      const trajectory = new Trajectory();
      const n = p.steps.length;
      const points = new Float64Array(3 * n);
      for (let k = 0; k < n; k++) {
        points[3 * k] = p.alpha[k];
        points[3 * k + 1] = p.beta[k];
        points[3 * k + 2] = p.loss[k];
      }
      const nan = new Float64Array(n).fill(NaN);
      trajectory.apply({
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
          label: run === fileTrajectoryRun ? t('trajectory (file)') : this.labelOf(run),
          trajectory,
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

/** The run id a landscape file's projected trajectory is drawn under. */
const FILE_TRAJECTORY = 'file-trajectory';
const fileTrajectoryRun = { runId: FILE_TRAJECTORY, color: '#f59e0b', state: undefined } as const;

/** Files the user picks (a file input opened from a click). */
function pickFiles(accept: string, multiple: boolean): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.multiple = multiple;
    input.onchange = () => resolve([...(input.files ?? [])]);
    input.oncancel = () => resolve([]);
    input.click();
  });
}

/** L at (x, y) from a square grid over `range` (bilinear), NaN outside it. */
function interpolate(
  values: Float32Array,
  n: number,
  range: [[number, number], [number, number]],
  x: number,
  y: number,
): number {
  const fx = ((x - range[0][0]) / (range[0][1] - range[0][0])) * (n - 1);
  const fy = ((y - range[1][0]) / (range[1][1] - range[1][0])) * (n - 1);
  if (!(fx >= 0 && fx <= n - 1 && fy >= 0 && fy <= n - 1)) return NaN;
  const i = Math.min(n - 2, Math.floor(fx));
  const j = Math.min(n - 2, Math.floor(fy));
  const [u, v] = [fx - i, fy - j];
  let sum = 0;
  for (const [dj, di, w] of [
    [0, 0, (1 - u) * (1 - v)],
    [0, 1, u * (1 - v)],
    [1, 0, (1 - u) * v],
    [1, 1, u * v],
  ])
    if (w > 0) sum += w * values[(j + dj) * n + i + di];
  return sum;
}

/**
 * A 2-D landscape file's surface as the views take a landscape: its square grid (resampled
 * when the file's is not), the range its coordinates span, and its trajectory (if any) on it,
 * each point's height read off the surface.
 */
export function fileLandscape(data: LandscapeFileData, surface: string): NetworkLandscape {
  const square = data.square?.surfaces.find((s) => s.name === surface)?.values;
  const values = square ?? Float32Array.from(data.surfaces.find((s) => s.name === surface)!.values);
  const n = data.square?.resolution ?? data.x.length;
  const y = data.y!;
  const range: [[number, number], [number, number]] = [
    [data.x[0], data.x[data.x.length - 1]],
    [y[0], y[y.length - 1]],
  ];
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const t = data.trajectory;
  const count = t?.x.length ?? 0;
  return {
    resolution: n,
    range,
    split: surface.startsWith('test') ? 'validation' : 'train',
    values,
    min,
    max,
    centerLoss: interpolate(values, n, range, 0, 0),
    ms: 0,
    threads: 0,
    center: { runId: '', at: 'current', step: 0 },
    directions: { kind: 'saved', name: data.names[0] },
    projections: t
      ? [
          {
            runId: FILE_TRAJECTORY,
            steps: Float64Array.from({ length: count }, (_, k) => k),
            alpha: t.x,
            beta: t.y,
            distance: new Float64Array(count),
            loss: Float64Array.from({ length: count }, (_, k) =>
              interpolate(values, n, range, t.x[k], t.y[k]),
            ),
          },
        ]
      : [],
  };
}

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
