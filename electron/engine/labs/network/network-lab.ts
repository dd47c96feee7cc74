/**
 * The network lab: one dataset and a default model (a NetworkProblem), several training runs —
 * each of the lab's model or of its own, on the same data (uploaded once) — their data views,
 * landscapes and lines. It answers the `net.*` messages, trains its runs while playing (its
 * own loop, see training.ts), and records and adopts the session's network part.
 */
import { FieldError } from '../../core/errors';
import type {
  DatasetSpec,
  ModelSpecInput,
  NetworkRunConfigInput,
  NetworkRunUpdate,
} from '../../../common/network';
import { MAX_NETWORK_RUNS } from '../../../common/limits';
import type { NetworkRunFrame, SessionSummary, ValidClientMessage } from '../../../common/protocol';
import {
  SessionError,
  type ForkOrigin,
  type NetworkRunRecording,
  type LandscapeRecording,
  type NetworkSource,
  type SessionData,
  sourceParameters,
} from '../../../common/session';
import { landscapePool } from '../../landscape';
import { gradientHelper, ModelError, NetworkProblem, NetworkRun, type Tf } from '../../network';
import { memorySource, openModel } from '../../network/layers';
import { BudgetError, formatBytes, HOST_RUN_BYTES, runHostBytes } from '../../network/budget';
import {
  labsHeld,
  restoredRunInfo,
  type Lab,
  type SessionContext,
  type LabHost,
  type Msg,
  type Post,
  withOrigin,
} from '../lab';
import { loadDataset, type Dataset } from '../../datasets';
import { DataImports } from './data-import';
import { dataView, describeProblem } from './data-view';
import { landscapeMessage, NetworkLandscapes } from './landscapes';
import {
  loadRecordedTable,
  recordNetwork,
  recordNetworkRun,
  restoreNetwork,
  resumeNetworkRun,
  type RestoredNetwork,
} from './recording';
import type { RecordedRunView } from './recorded';
import { restoreRecordedLab, type RecordedLab } from './recorded';
import { NetworkRuns } from './training';

export { MAX_NETWORK_RUNS };

/**
 * A session's network part, rebuilt, with the recordings a resume must reproduce; or, for runs
 * recorded elsewhere on a model LossLab cannot build, those runs as recorded (no problem).
 */
type RestoredLab =
  | (RestoredNetwork & {
      recordings: readonly NetworkRunRecording[];
      source?: NetworkSource;
    })
  | (RecordedLab & { kind: 'recorded'; landscapes: LandscapeRecording[] });

/** The client messages the network lab answers. */
const NETWORK_MESSAGES = [
  'net.setup',
  'net.data.part',
  'net.model.open',
  'net.speed',
  'net.run.create',
  'net.run.update',
  'net.run.remove',
  'net.evaluate',
  'net.view',
  'net.landscape',
  'net.landscape.cancel',
  'net.run.resume',
  'net.directions.save',
  'net.line',
  'net.landscape.file',
] as const;

export class NetworkLab implements Lab<RestoredLab | undefined> {
  readonly name = 'network';
  readonly messages = NETWORK_MESSAGES;
  private problem: NetworkProblem | undefined;
  /** Where the session's runs were recorded, when elsewhere (kept to save them again so). */
  private source: NetworkSource | undefined;
  /** The runs by id. */
  readonly live = new Map<string, NetworkRun>();
  /** Long jobs (landscapes, lines, resumes) by request id. */
  readonly jobs = new Map<number, AbortController>();
  readonly landscapes: NetworkLandscapes;
  readonly runs: NetworkRuns;
  /** CSV/TSV files arriving from the page (net.data.part). */
  private readonly imports = new DataImports();
  /**
   * A session's runs recorded elsewhere on a model LossLab cannot build, shown as recorded
   * (then there is no problem and `live` is empty).
   */
  private recordedLab: RecordedLab | undefined;
  /** Runs restored from a session, with what the session said of them. */
  private readonly restored = new Map<
    string,
    { color?: string; forkedFrom?: ForkOrigin; recording?: NetworkRunRecording }
  >();

  readonly post: Post;

  constructor(
    private readonly tf: () => Promise<Tf>,
    private readonly host: LabHost,
    frameIntervalMs: number,
  ) {
    this.post = host.post;
    this.landscapes = new NetworkLandscapes(this);
    this.runs = new NetworkRuns(this, { frameIntervalMs, fail: (err) => host.fail(err) });
  }

  get hasProblem(): boolean {
    return this.problem !== undefined;
  }

  requireProblem(): NetworkProblem {
    if (!this.problem) {
      if (this.recordedLab) throw new FieldError(undefined, this.recordedReason());
      throw new FieldError(undefined, 'set up a dataset and model first (net.setup)');
    }
    return this.problem;
  }

  run(runId: string): NetworkRun {
    const run = this.live.get(runId);
    if (!run) {
      if (this.recordedLab?.runs.some((r) => r.runId === runId)) {
        throw new FieldError('runId', `run "${runId}": ${this.recordedReason()}`);
      }
      throw new FieldError('runId', `no network run "${runId}"`);
    }
    return run;
  }

  /** The runs recorded elsewhere on a model LossLab cannot build, when those are on show. */
  get recordedRuns(): readonly RecordedRunView[] {
    return this.recordedLab?.runs ?? [];
  }

  /** Why the lab cannot train, evaluate or draw the data of runs it shows as recorded. */
  private recordedReason(): string {
    const by = this.recordedLab?.source.recordedBy ?? 'another program';
    return `recorded by ${by} on a model LossLab cannot build: its curves, θ snapshots and landscapes are shown, nothing can be trained or evaluated`;
  }

  /** A new dataset and model: every run, landscape and saved direction of the old one goes. */
  async setup(message: Msg<'net.setup'>): Promise<void> {
    const tf = await this.tf();
    const { data, spec } = await this.datasetOf(message.dataset);
    const problem = new NetworkProblem(tf, data, message.model);
    this.install(tf, problem);
    const info = describeProblem(problem, spec, message.model);
    this.post({ type: 'net.problem', id: message.id, problem: info });
  }

  /**
   * The dataset a request names, built: a CSV file's read from the table the page sent (named
   * by its SHA-256), with its spec as read (SHA-256, name, task); any other as it is.
   */
  private async datasetOf(
    dataset: Msg<'net.setup'>['dataset'],
  ): Promise<{ data: DatasetSpec | Dataset; spec: DatasetSpec }> {
    if (dataset.kind !== 'csv') return { data: dataset, spec: dataset };
    if (dataset.path !== undefined && dataset.sha256 === undefined) {
      // The page's files arrive as net.data.part: a path alone would read any file here.
      throw new FieldError(
        'dataset.path',
        'the page names a file by its sha256 (sent before in net.data.part parts)',
      );
    }
    // A CSV file with a path is checked against its SHA-256 before it is read.
    const data = await loadDataset(dataset);
    return { data, spec: data.spec as DatasetSpec };
  }

  /**
   * A TensorFlow.js Layers model of the user's on a dataset (see network/layers/): read from
   * the files the page sent, checked layer by layer, and installed like net.setup's problem.
   * Its runs start from the file's θ (each run keeps it as its start θ, so a session saves it).
   */
  async openModel(message: Msg<'net.model.open'>): Promise<void> {
    const tf = await this.tf();
    const { data, spec } = await this.datasetOf(message.dataset);
    const json = message.files.find((f) => f.name.toLowerCase().endsWith('.json'));
    const opened = await openModel(tf, memorySource(json?.name ?? 'model.json', message.files));
    let problem: NetworkProblem;
    try {
      problem = new NetworkProblem(tf, data, opened.spec, undefined, opened.imported);
    } catch (err) {
      opened.imported.net?.dispose();
      throw err;
    }
    this.install(tf, problem);
    const info = describeProblem(problem, spec, problem.model);
    info.imported = { label: opened.imported.label, summary: opened.summary, runs: opened.runs };
    this.post({ type: 'net.problem', id: message.id, problem: info });
  }

  /** A new problem: every run, landscape and saved direction of the old one goes. */
  private install(tf: Tf, problem: NetworkProblem): void {
    problem.helper = gradientHelper(tf.getBackend());
    for (const job of this.jobs.values()) job.abort();
    for (const runId of [...this.live.keys()]) this.remove(runId);
    this.problem?.dispose();
    this.problem = problem;
    this.source = undefined;
    this.recordedLab = undefined;
    this.landscapes.clear();
    this.restored.clear();
    // Start the landscape workers now, so the first landscape does not pay for them.
    if (tf.getBackend() !== 'tensorflow') landscapePool()?.warm(tf.getBackend() as 'wasm' | 'cpu');
  }

  create(config: NetworkRunConfigInput): void {
    const problem = this.requireProblem();
    this.admitRun(config.runId, architectureOf(problem, config.model), {
      id: 'run.runId',
      run: 'run',
    });
    // A run of an imported model starts from the file's θ, and keeps it (sessions save it).
    const start = problem.imported && !config.model ? { startTheta: problem.imported.theta } : {};
    const run = new NetworkRun(problem, config, start);
    this.live.set(run.runId, run);
    this.post({ type: 'net.run.state', run: run.state() });
  }

  /**
   * Refuses a new run `runId` of `architecture` when one of that id exists, MAX_NETWORK_RUNS
   * do, or its θ, buffers and snapshots would pass the lab's host memory; the refusals name
   * `fields.id` and `fields.run`.
   */
  private admitRun(
    runId: string,
    architecture: NetworkProblem,
    fields: { id: string; run: string },
  ): void {
    if (this.live.has(runId)) throw new FieldError(fields.id, `a run "${runId}" already exists`);
    if (this.live.size >= MAX_NETWORK_RUNS)
      throw new FieldError(fields.run, `at most ${MAX_NETWORK_RUNS} network runs at once`);
    // Each run keeps its own θ, buffers and snapshots, of its own architecture's size.
    const perRun = runHostBytes(architecture.layout.size);
    let used = 0;
    for (const run of this.live.values()) used += runHostBytes(run.theta.length);
    if (used + perRun > HOST_RUN_BYTES) {
      throw new BudgetError(
        fields.run,
        `each run of this network keeps about ${formatBytes(perRun)} (θ, its optimizer's buffers, snapshots); with the ${this.live.size} runs here (${formatBytes(used)}) it would pass the ${formatBytes(HOST_RUN_BYTES)} the lab allows`,
      );
    }
  }

  /**
   * A new run `newRunId` with run `runId`'s settings as they are now and fresh optimizer
   * state, training on from `from.theta` (a run escaped from a saddle): its start θ is its own
   * and saved with it; it is recorded as branched off `runId` at `from.step`.
   */
  branch(
    runId: string,
    newRunId: string,
    from: { theta: Float64Array; step: number; label: string },
  ): void {
    const problem = this.requireProblem();
    const source = this.live.get(runId);
    if (!source) throw new FieldError('target.runId', `no network run "${runId}"`);
    this.admitRun(newRunId, source.problem, { id: 'newRunId', run: 'newRunId' });
    const config = source.configNow(newRunId, from.label.slice(0, 120));
    const run = new NetworkRun(problem, config, { startTheta: from.theta });
    this.live.set(newRunId, run);
    this.restored.set(newRunId, { forkedFrom: { runId, step: from.step } });
    this.post({ type: 'net.run.state', run: run.state() });
  }

  update(runId: string, change: NetworkRunUpdate): void {
    const run = this.run(runId);
    run.update(change);
    this.post({ type: 'net.run.state', run: run.state() });
  }

  remove(runId: string): void {
    this.run(runId);
    this.live.delete(runId);
    this.restored.delete(runId);
    this.post({ type: 'net.run.removed', runId });
  }

  handle(message: ValidClientMessage): Promise<void> | void {
    switch (message.type) {
      case 'net.setup':
        return this.setup(message);
      case 'net.data.part':
        return this.importPart(message);
      case 'net.model.open':
        return this.openModel(message);
      case 'net.speed':
        this.runs.speed(message.rate);
        return this.ok(message.id);
      case 'net.run.create':
        this.create(message.run);
        this.host.flush();
        return this.ok(message.id);
      case 'net.run.update':
        this.update(message.runId, message.change);
        this.host.flush();
        return this.ok(message.id);
      case 'net.run.remove':
        this.remove(message.runId);
        return this.ok(message.id);
      case 'net.evaluate':
        return this.evaluate(message);
      case 'net.view': {
        this.requireProblem();
        const run = this.run(message.runId);
        const { view, transfer } = dataView(run, message);
        this.post({ type: 'net.view.data', id: message.id, runId: run.runId, view }, transfer);
        return;
      }
      case 'net.landscape':
        return this.landscapes.landscape(message);
      case 'net.landscape.cancel':
        // Also cancels a net.run.resume with this id.
        return this.cancel(message.id);
      case 'net.run.resume':
        return this.resumeAndReply(message.id, message.runId);
      case 'net.directions.save':
        this.landscapes.saveDirections(message);
        return this.ok(message.id);
      case 'net.line':
        return this.landscapes.line(message);
      case 'net.landscape.file':
        return this.landscapeFile(message);
      default:
        throw new FieldError('type', `the network lab does not answer "${message.type}"`);
    }
  }

  /**
   * A loss-landscape file of Li et al.'s code (and its projected trajectory), read and sent
   * back to be drawn; it needs no problem (the surface was computed elsewhere).
   */
  private async landscapeFile(message: Msg<'net.landscape.file'>): Promise<void> {
    const { readLandscapeFiles } = await import('../../landscape/h5-file');
    const file = await readLandscapeFiles(message.files);
    this.post({ type: 'net.landscape.file.result', id: message.id, file });
  }

  private ok(id: number): void {
    this.post({ type: 'ok', id });
  }

  /** net.data.part: ok once read, or what the file holds after its last part. */
  private async importPart(message: Msg<'net.data.part'>): Promise<void> {
    const table = await this.imports.part(message);
    if (!table) return this.ok(message.id);
    this.post({ type: 'net.data.imported', id: message.id, upload: message.upload, table });
  }

  private async resumeAndReply(id: number, runId: string): Promise<void> {
    await this.resume(id, runId);
    this.host.flush();
    this.ok(id);
  }

  /**
   * The network part: its problem's specs, every run with its colour (the client's, else the
   * session's it came from) and fork origin, and the last landscape when it is on screen.
   */
  record(session: SessionData, context: SessionContext): void {
    if (!labsHeld(context).network) return;
    if (this.recordedLab) {
      // Saved again as it was read: the recordings, and the landscapes they came with.
      session.network = {
        source: this.recordedLab.source,
        runs: this.recordedLab.runs.map((r) => r.recording),
        landscapes: this.recordedLandscapes,
      };
      return;
    }
    if (!this.problem) return;
    if (this.problem.imported?.net) {
      throw new FieldError(
        'network',
        `a session cannot hold ${this.problem.imported.label} yet: it runs through its own graph, which a session does not store (export its curves and landscapes instead)`,
      );
    }
    const runs = [...this.live.values()].map((run) => {
      const info = this.restored.get(run.runId);
      return withOrigin(run, context.colors[run.runId] ?? info?.color, info?.forkedFrom);
    });
    const landscape = context.landscape ? this.landscapes.last : undefined;
    session.network = recordNetwork({
      problem: this.problem,
      runs,
      ...(landscape ? { landscapes: [landscape] } : {}),
      ...(this.source ? { source: this.source } : {}),
    });
  }

  admit(session: SessionData): void {
    const count = session.network?.runs.length ?? 0;
    if (count > MAX_NETWORK_RUNS) {
      throw new SessionError(
        `the session holds ${count} network runs; this LossLab holds at most ${MAX_NETWORK_RUNS}`,
        'network.runs',
      );
    }
  }

  async restore(session: SessionData): Promise<RestoredLab | undefined> {
    if (!session.network) return undefined;
    const { source, dataset, model } = session.network;
    if (source && (!dataset || !model)) {
      return {
        kind: 'recorded',
        ...restoreRecordedLab(session.network),
        landscapes: session.network.landscapes,
      };
    }
    await loadRecordedTable(session.network);
    const restored = restoreNetwork(await this.tf(), session.network);
    return {
      ...restored,
      recordings: session.network.runs,
      ...(session.network.source ? { source: session.network.source } : {}),
    };
  }

  /**
   * Replaces the problem and every run with a session's (already rebuilt and checked), or
   * empties the lab for a session without one, as the page does: nothing of the old one stays
   * behind, unseen, to be saved with the next session. The runs' states and curves go out on
   * the client's next `sync`; nothing is posted now but the old runs' removal.
   */
  adopt(network: RestoredLab | undefined, summary: SessionSummary): void {
    if (!network) return this.clear();
    if ('kind' in network) return this.adoptRecorded(network, summary);
    for (const job of this.jobs.values()) job.abort();
    for (const runId of [...this.live.keys()]) this.remove(runId);
    this.problem?.dispose();
    this.problem = network.problem;
    this.source = network.source;
    this.recordedLab = undefined;
    this.restored.clear();
    network.runs.forEach((r, i) => {
      this.live.set(r.run.runId, r.run);
      this.restored.set(r.run.runId, {
        // What resume must reproduce: the recording as saved (a run still going was "ok").
        ...(network.recordings[i] ? { recording: network.recordings[i] } : {}),
        ...(r.color !== undefined ? { color: r.color } : {}),
        ...(r.forkedFrom ? { forkedFrom: r.forkedFrom } : {}),
      });
    });
    this.landscapes.clear(network.landscapes.at(-1));
    summary.network = {
      problem: describeProblem(
        network.problem,
        network.problem.dataset.spec as DatasetSpec,
        network.problem.model,
      ),
      runs: network.runs.map(restoredRunInfo),
      landscapes: network.landscapes.map(landscapeMessage),
    };
  }

  /** The landscapes a session of runs recorded elsewhere came with (kept to save them again). */
  private recordedLandscapes: LandscapeRecording[] = [];

  /**
   * Runs recorded elsewhere on a model LossLab cannot build: no problem, every run shown as
   * recorded, the session's landscapes kept as they are (the last on show).
   */
  private adoptRecorded(
    network: RecordedLab & { landscapes: LandscapeRecording[] },
    summary: SessionSummary,
  ): void {
    this.clear();
    this.recordedLab = { source: network.source, runs: network.runs };
    this.recordedLandscapes = network.landscapes;
    this.landscapes.clear(network.landscapes.at(-1));
    const { source } = network;
    summary.network = {
      recorded: {
        recordedBy: source.recordedBy,
        ...(source.description !== undefined ? { description: source.description } : {}),
        ...(source.optimizer ? { optimizer: source.optimizer.name } : {}),
        parameters: network.runs[0]?.recording.parameters ?? sourceParameters(source),
        tensors: source.tensors.length,
        reason: this.recordedReason(),
      },
      runs: network.runs.map((r) => ({
        runId: r.runId,
        ...(r.recorded.color !== undefined ? { color: r.recorded.color } : {}),
        ...(r.recorded.forkedFrom ? { forkedFrom: r.recorded.forkedFrom } : {}),
        resumable: false,
        note: r.recorded.reason,
      })),
      landscapes: network.landscapes.map(landscapeMessage),
    };
  }

  /** Every run's state, and its curves again from the start. */
  sync(): void {
    for (const run of this.live.values()) this.post({ type: 'net.run.state', run: run.state() });
    for (const run of this.recordedRuns) this.post({ type: 'net.run.state', run: run.state() });
    this.rewindFrames();
  }

  /**
   * Retrains a run restored from a session, checking every step against the recording; then it
   * can go on training. Progress is reported as net.resume.progress.
   */
  async resume(id: number, runId: string): Promise<void> {
    const problem = this.requireProblem();
    const run = this.run(runId);
    if (this.jobs.has(id)) throw new FieldError('id', `request ${id} is already running`);
    const controller = new AbortController();
    this.jobs.set(id, controller);
    let lastPost = 0;
    try {
      const info = this.restored.get(runId);
      const recording = info?.recording ?? recordNetworkRun(run);
      const resumed = await resumeNetworkRun(problem, recording, {
        signal: controller.signal,
        onProgress: (done, total) => {
          const now = performance.now();
          if (now - lastPost < 100 && done < total) return;
          lastPost = now;
          this.post({ type: 'net.resume.progress', id, runId, done, total });
        },
      });
      if (this.live.get(runId) !== run) {
        throw new FieldError('runId', `run "${runId}" was removed while it was retrained`);
      }
      this.live.set(runId, resumed.run);
      if (info && resumed.resumable) {
        const { recording: _done, ...rest } = info;
        this.restored.set(runId, rest);
      }
      this.post({ type: 'net.run.state', run: resumed.run.state() });
      resumed.run.rewindFrames();
      if (!resumed.resumable) {
        throw new FieldError(
          'runId',
          `run "${runId}" cannot be resumed: ${resumed.note ?? 'retraining did not reproduce it'}`,
        );
      }
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') {
        throw new FieldError(undefined, `cancelled: resuming "${runId}" was cancelled`);
      }
      throw err;
    } finally {
      this.jobs.delete(id);
    }
  }

  /** Back to θ₀ with fresh optimizer state; `runId` undefined: every run. */
  reset(runId?: string): void {
    const targets = runId ? [this.run(runId)] : [...this.live.values()];
    for (const run of targets) {
      run.reset();
      this.post({ type: 'net.run.state', run: run.state() });
    }
  }

  /**
   * Steps one run, at most `steps` updates and at most until `deadline` (performance.now()):
   * a network update costs milliseconds, and the engine must keep answering. Returns the
   * updates taken.
   */
  advance(run: NetworkRun, steps: number, deadline = Infinity): number {
    const before = run.status;
    let taken = 0;
    try {
      while (taken < steps && run.status === 'ok') {
        taken += run.advance(1);
        if (performance.now() > deadline) break;
      }
    } catch (err) {
      // The update failed midway (its batch drawn, θ not moved): the run cannot go on
      // reproducibly, so it stops here, and the failure is reported.
      run.stop(`stopped at step ${run.step}: ${(err as Error)?.message ?? String(err)}`);
      this.post({ type: 'net.run.state', run: run.state() });
      throw err;
    }
    if (run.status !== before) this.post({ type: 'net.run.state', run: run.state() });
    return taken;
  }

  /** No problem and no runs: as a new engine (a session without a network lab was opened). */
  clear(): void {
    for (const job of this.jobs.values()) job.abort();
    for (const runId of [...this.live.keys()]) this.remove(runId);
    this.problem?.dispose();
    this.problem = undefined;
    this.source = undefined;
    this.recordedLab = undefined;
    this.recordedLandscapes = [];
    this.landscapes.clear();
    this.restored.clear();
  }

  /** The tfjs backend was restarted: whatever the problem had uploaded to it is gone. */
  backendRestarted(): void {
    this.problem?.forgetDevice();
  }

  takeFrames(): NetworkRunFrame[] {
    const frames: NetworkRunFrame[] = [];
    for (const run of [...this.live.values(), ...this.recordedRuns]) {
      const frame = run.takeFrame();
      if (frame) frames.push(frame);
    }
    return frames;
  }

  rewindFrames(): void {
    for (const run of this.live.values()) run.rewindFrames();
    for (const run of this.recordedRuns) run.rewindFrames();
  }

  evaluate(message: Msg<'net.evaluate'>): void {
    const run = this.run(message.runId);
    const result = run.evaluate(message.split);
    this.post({
      type: 'net.evaluation',
      id: message.id,
      runId: message.runId,
      split: message.split,
      ...result,
      step: run.step,
    });
  }

  cancel(id: number): void {
    this.jobs.get(id)?.abort();
    this.imports.cancel(id);
  }

  close(): void {
    this.runs.play(false);
    for (const job of this.jobs.values()) job.abort();
    this.problem?.dispose();
    this.problem = undefined;
    this.live.clear();
  }
}

/**
 * The problem of a run's model on the lab's data, its refusals naming the run's fields
 * (`run.model`, `run.model.loss`).
 */
function architectureOf(
  problem: NetworkProblem,
  model: ModelSpecInput | undefined,
): NetworkProblem {
  try {
    return problem.architecture(model);
  } catch (err) {
    if (err instanceof BudgetError)
      throw new BudgetError(`run.${err.field ?? 'model'}`, err.message);
    if (err instanceof ModelError) {
      throw new FieldError(`run.model.${err.field}`, err.message);
    }
    throw err;
  }
}
