/**
 * The network lab's store: its problem and runs (runs.svelte.ts) and, here, what sets up a
 * whole lab (a new problem, a session, a restart), runs restored from a session, and the loss
 * landscape and line through θ-space.
 */
import { getContext, setContext } from 'svelte';
import type { DatasetSpecInput, ModelSpecInput } from '../../../../../electron/common/network';
import type {
  EngineMessageOf,
  NetworkLandscape,
  RecordedSourceInfo,
  SessionSummary,
} from '../../../../../electron/common/protocol';
import { Trajectory } from '../../state/trajectory';
import type { ViewRun } from '../../views/view-source';
import { LandscapeSource, type LandscapeState } from './landscape-source.svelte';
import type { NetRun } from './run-data';
import { freeColor } from '../run-store.svelte';
import { NetworkRuns, type RunSettings } from './runs.svelte';

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
  /** Replay of recorded runs: the step shown (cursor on the curves, paths cut there). */
  replayStep = $state<number | undefined>();

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

  /** No landscape on show (a new problem, or a session's): the views show none, not the old. */
  private clearLandscape(): void {
    this.landscape = { status: 'idle' };
    this.landscapeSource.viewGrid = undefined;
    this.landscapeSource.viewRuns = [];
    this.landscapeSource.dataVersion++;
  }

  /** Builds the dataset and model in the engine; the runs start over from the new θ₀. */
  setup(runs?: RunSettings[]): Promise<boolean> {
    return this.serial(async () => {
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
