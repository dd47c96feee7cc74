/**
 * The engine's session desk: `session.save`, `session.open`, `record.start/stop` with the
 * autosave, `session.recover` after a crash, and `run.fork`. Files are bytes here: the client
 * (native dialogs in Electron, upload and download in the browser) reads and writes them.
 *
 * Opening is all or nothing: the file is read, every run rebuilt and checked by replay, and
 * only then are the engine's runs replaced. A file that fails anywhere changes nothing.
 */
import { FieldError } from './core/errors';
import type {
  EngineMessage,
  RecordingState,
  RestoredRunInfo,
  SessionSummary,
  ValidClientMessage,
} from '../common/protocol';
import { SessionError, type ForkOrigin, type SessionData } from '../common/session';
import type { AnalyticRun } from './labs/explorer/analytic-run';
import type { BasinsJobs } from './labs/basins/jobs';
import { countLabels } from './labs/basins/compute';
import { landscapeMessage, MAX_NETWORK_RUNS, type NetworkLab } from './labs/network/network-lab';
import type { Tf } from './network';
import {
  Autosaver,
  discardRecoverable,
  findRecoverable,
  forkRun,
  readSessionAsync,
  recordAnalyticRun,
  recoverSession,
  restoreExplorer,
  restoreNetwork,
  sessionFromRuns,
  writeSessionAsync,
  type RestoredExplorer,
  type RestoredNetwork,
} from './recording';

type Msg<T extends ValidClientMessage['type']> = Extract<ValidClientMessage, { type: T }>;
type Context = Msg<'session.save'>['context'];
type Post = (message: EngineMessage, transfer?: ArrayBuffer[]) => void;

/** What the desk needs of the engine. */
export interface SessionHost {
  readonly runs: Map<string, AnalyticRun>;
  readonly net: NetworkLab;
  readonly basins: BasinsJobs;
  readonly maxRuns: number;
  tf(): Promise<Tf>;
  /** Stops playback and tells the client. */
  pause(): void;
  post: Post;
}

export interface SessionOptions {
  /** Folder for the recording's autosave; without one, recording is refused. */
  dataDir?: string;
  /** Written into sessions as the app's version. */
  appVersion?: string;
  /** Milliseconds between two autosaves. @default 3000 */
  autosaveIntervalMs?: number;
}

export class SessionDesk {
  /** Where each forked analytic run branched off (saved with it). */
  private readonly forks = new Map<string, ForkOrigin>();
  /** Colours a restored session gave its analytic runs (the client's context overrides). */
  private readonly colors = new Map<string, string>();
  /** The client's latest context, for the autosave. */
  private context: Context = { view: {}, colors: {}, basins: false, landscape: false };
  private autosaver: Autosaver | undefined;
  private recordingSince: string | undefined;
  private lastSaved: string | undefined;
  private lastError: string | undefined;
  /** A session file arriving in parts (session.upload), until session.open takes it. */
  private uploading: { upload: number; bytes: Uint8Array; received: number } | undefined;
  /** Sessions being opened, by request id (job.cancel stops them). */
  private readonly opening = new Map<number, AbortController>();

  constructor(
    private readonly host: SessionHost,
    private readonly options: SessionOptions = {},
  ) {}

  get recording(): boolean {
    return this.autosaver?.recording ?? false;
  }

  /** Something changed: the autosave writes it at its next tick. */
  touch(): void {
    this.autosaver?.touch();
  }

  /** An analytic run went away: forget what was kept about it. */
  forget(runId: string): void {
    this.forks.delete(runId);
    this.colors.delete(runId);
  }

  /** The engine is closing without the user's say: leave the autosave for recovery. */
  close(): void {
    this.autosaver?.halt();
  }

  setContext(context: Context): void {
    this.context = context;
    this.touch();
  }

  /** The session as it is now. */
  private session(context: Context, extra: { createdAt?: string } = {}): SessionData {
    const { host } = this;
    const colors = (runId: string) => context.colors[runId] ?? this.colors.get(runId);
    const explorerRuns = [...host.runs.values()].map((run) => {
      const color = colors(run.runId);
      const forkedFrom = this.forks.get(run.runId);
      return {
        run,
        ...(color !== undefined ? { color } : {}),
        ...(forkedFrom ? { forkedFrom } : {}),
      };
    });
    const first = host.runs.values().next().value;
    const holds = context.labs ?? { explorer: true, network: true };
    const explorer = !holds.explorer
      ? undefined
      : (context.explorer ??
        (first
          ? { surface: first.initialConfig().surface, start: first.initialConfig().start }
          : undefined));
    const basins = context.basins ? host.basins.latest : undefined;
    const net = holds.network ? host.net.live() : undefined;
    const landscape = context.landscape ? host.net.landscapeToSave : undefined;
    return sessionFromRuns({
      ...(extra.createdAt ? { createdAt: extra.createdAt } : {}),
      app: { name: 'LossLab', version: this.options.appVersion ?? 'unknown' },
      ...(context.title !== undefined ? { title: context.title } : {}),
      ...(explorer
        ? { explorer: { ...explorer, runs: explorerRuns, ...(basins ? { basins } : {}) } }
        : {}),
      ...(net
        ? {
            network: {
              problem: net.problem,
              runs: net.runs.map((run) => {
                const info = host.net.restoredInfo(run.runId);
                const color = context.colors[run.runId] ?? info?.color;
                return {
                  run,
                  ...(color !== undefined ? { color } : {}),
                  ...(info?.forkedFrom ? { forkedFrom: info.forkedFrom } : {}),
                };
              }),
              ...(landscape ? { landscapes: [landscape] } : {}),
            },
          }
        : {}),
      view: context.view,
    });
  }

  /** session.save: the session's bytes, written without blocking the engine for long. */
  async save(message: Msg<'session.save'>): Promise<void> {
    this.context = message.context;
    const data = this.session(
      message.context,
      this.recordingSince ? { createdAt: this.recordingSince } : {},
    );
    const bytes = await writeSessionAsync(data);
    const runs = (data.explorer?.runs.length ?? 0) + (data.network?.runs.length ?? 0);
    this.host.post({ type: 'session.file', id: message.id, bytes, runs }, [
      bytes.buffer as ArrayBuffer,
    ]);
  }

  /**
   * session.upload: one part of a file too big for one message. Parts come in order; the
   * first (offset 0) sets the size, which is allocated at once, so a file that could not be
   * held is refused before it is sent.
   */
  upload(message: Msg<'session.upload'>): void {
    const { upload, total, offset, bytes } = message;
    if (offset === 0) {
      this.uploading = undefined;
      let buffer: Uint8Array;
      try {
        buffer = new Uint8Array(total);
      } catch {
        throw new FieldError(
          'total',
          `cannot hold a session of ${total.toLocaleString('en')} bytes in memory`,
        );
      }
      this.uploading = { upload, bytes: buffer, received: 0 };
    }
    const pending = this.uploading;
    if (!pending || pending.upload !== upload) {
      throw new FieldError(
        'upload',
        `no upload ${upload} is under way (its first part has offset 0)`,
      );
    }
    if (total !== pending.bytes.length) {
      throw new FieldError(
        'total',
        `upload ${upload} is ${pending.bytes.length.toLocaleString('en')} bytes, not ${total.toLocaleString('en')}`,
      );
    }
    if (offset !== pending.received) {
      throw new FieldError(
        'offset',
        `the next part of upload ${upload} starts at ${pending.received.toLocaleString('en')}, not ${offset.toLocaleString('en')}`,
      );
    }
    if (offset + bytes.length > total) {
      throw new FieldError('bytes', `this part runs past the file's ${total} bytes`);
    }
    pending.bytes.set(bytes, offset);
    pending.received += bytes.length;
  }

  /** job.cancel: stops opening the session request `id` is opening. */
  cancel(id: number): void {
    this.opening.get(id)?.abort();
  }

  /** The file a session.open names: its bytes, or a finished upload (taken). */
  private fileOf(message: Msg<'session.open'>): Uint8Array {
    if ((message.bytes === undefined) === (message.upload === undefined)) {
      throw new FieldError('bytes', 'give the file as bytes or as an upload, not both');
    }
    if (message.bytes) return message.bytes;
    const pending = this.uploading;
    if (!pending || pending.upload !== message.upload) {
      throw new FieldError('upload', `no upload ${message.upload} was received`);
    }
    if (pending.received !== pending.bytes.length) {
      throw new FieldError(
        'upload',
        `upload ${message.upload} holds ${pending.received.toLocaleString('en')} of its ${pending.bytes.length.toLocaleString('en')} bytes`,
      );
    }
    this.uploading = undefined;
    return pending.bytes;
  }

  /** session.open: reads, rebuilds and checks everything, then replaces the engine's runs. */
  async open(message: Msg<'session.open'>): Promise<void> {
    if (this.recording) {
      throw new FieldError('record', 'stop the recording before opening a session');
    }
    const bytes = this.fileOf(message);
    if (this.opening.has(message.id)) {
      throw new FieldError('id', `request ${message.id} is already opening a session`);
    }
    const controller = new AbortController();
    this.opening.set(message.id, controller);
    let lastProgress = 0;
    try {
      // Read in slices (a 2 GiB file takes seconds), with progress, and stop on job.cancel.
      const data = await readSessionAsync(bytes, {
        signal: controller.signal,
        onProgress: (done, total) => {
          const now = performance.now();
          if (now - lastProgress < 100 && done < total) return;
          lastProgress = now;
          this.host.post({ type: 'session.progress', id: message.id, done, total });
        },
      });
      if (controller.signal.aborted) {
        throw new SessionError('cancelled: opening the session was cancelled');
      }
      const summary = await this.adopt(data);
      this.host.post({ type: 'session.opened', id: message.id, session: summary });
    } finally {
      this.opening.delete(message.id);
    }
  }

  /** Rebuilds a session's runs (all checked first) and puts them in place of the engine's. */
  private async adopt(data: SessionData): Promise<SessionSummary> {
    const { host } = this;
    const explorerRuns = data.explorer?.runs.length ?? 0;
    if (explorerRuns > host.maxRuns) {
      throw new SessionError(
        `the session holds ${explorerRuns} surface runs; this LossLab holds at most ${host.maxRuns}`,
        'explorer.runs',
      );
    }
    const networkRuns = data.network?.runs.length ?? 0;
    if (networkRuns > MAX_NETWORK_RUNS) {
      throw new SessionError(
        `the session holds ${networkRuns} network runs; this LossLab holds at most ${MAX_NETWORK_RUNS}`,
        'network.runs',
      );
    }
    const explorer: RestoredExplorer | undefined = data.explorer
      ? restoreExplorer(data.explorer)
      : undefined;
    const network: RestoredNetwork | undefined = data.network
      ? restoreNetwork(await host.tf(), data.network)
      : undefined;

    // Everything is rebuilt: now replace.
    host.pause();
    for (const runId of [...host.runs.keys()]) {
      host.runs.delete(runId);
      this.forget(runId);
      host.post({ type: 'run.removed', runId });
    }
    const info = (r: {
      run: { runId: string };
      color?: string;
      forkedFrom?: ForkOrigin;
      resumable: boolean;
      note?: string;
    }): RestoredRunInfo => ({
      runId: r.run.runId,
      ...(r.color !== undefined ? { color: r.color } : {}),
      ...(r.forkedFrom ? { forkedFrom: r.forkedFrom } : {}),
      resumable: r.resumable,
      ...(r.note !== undefined ? { note: r.note } : {}),
    });
    const summary: SessionSummary = {
      createdAt: data.createdAt,
      app: data.app,
      view: data.view,
      ...(data.title !== undefined ? { title: data.title } : {}),
      ...(data.savedAt !== undefined ? { savedAt: data.savedAt } : {}),
      ...(data.autosave ? { autosave: true } : {}),
    };
    if (explorer) {
      for (const r of explorer.runs) {
        host.runs.set(r.run.runId, r.run);
        if (r.color !== undefined) this.colors.set(r.run.runId, r.color);
        if (r.forkedFrom) this.forks.set(r.run.runId, r.forkedFrom);
      }
      const b = explorer.basins;
      summary.explorer = {
        surface: explorer.surface,
        start: explorer.start,
        runs: explorer.runs.map(info),
        ...(b
          ? {
              basins: {
                surface: typeof b.spec.surface === 'string' ? b.spec.surface : b.spec.surface.expr,
                resolution: b.spec.resolution,
                domain: b.domain,
                minima: b.minima,
                radius: b.radius,
                labels: b.labels,
                steps: b.steps,
                finals: b.finals,
                counts: countLabels(b.labels, b.minima.length),
                elapsedMs: 0,
                workers: 0,
              },
            }
          : {}),
      };
      if (b) host.basins.latest = { spec: b.spec, result: b };
    }
    if (network) {
      const problem = host.net.adopt(network, data.network?.runs ?? []);
      summary.network = {
        problem,
        runs: network.runs.map(info),
        landscapes: network.landscapes.map(landscapeMessage),
      };
    } else {
      // A file without a network lab empties it, as the page does: nothing of the old one
      // stays behind, unseen, to be saved with the next session.
      host.net.clear();
    }
    return summary;
  }

  /** Every run's state, then its whole trajectory (in the next frame). */
  sync(): void {
    for (const run of this.host.runs.values()) {
      this.host.post({ type: 'run.state', run: run.state() });
      run.rewindFrames();
    }
    this.host.net.sync();
  }

  // ---- Recording

  recordingState(): RecordingState {
    return {
      recording: this.recording,
      ...(this.recordingSince ? { startedAt: this.recordingSince } : {}),
      ...(this.autosaver ? { path: this.autosaver.path } : {}),
      ...(this.lastSaved ? { savedAt: this.lastSaved } : {}),
      ...(this.lastError ? { error: this.lastError } : {}),
    };
  }

  private announce(): void {
    this.host.post({ type: 'record.state', recording: this.recordingState() });
  }

  /** record.start: autosaves the session from now on, every few seconds while it changes. */
  startRecording(context: Context, createdAt = new Date().toISOString()): void {
    const dir = this.options.dataDir;
    if (!dir) {
      throw new FieldError(
        undefined,
        'this engine has no data folder for the autosave, so it cannot record',
      );
    }
    if (this.recording) return this.announce();
    this.context = context;
    this.recordingSince = createdAt;
    this.lastSaved = undefined;
    this.lastError = undefined;
    this.autosaver = new Autosaver(dir, () => this.session(this.context, { createdAt }), {
      ...(this.options.autosaveIntervalMs ? { intervalMs: this.options.autosaveIntervalMs } : {}),
      onSaved: ({ savedAt }) => {
        this.lastSaved = savedAt.toISOString();
        const hadError = this.lastError !== undefined;
        this.lastError = undefined;
        // The client shows "saved n s ago": tell it after each write.
        if (this.recording || hadError) this.announce();
      },
      onError: (err) => {
        this.lastError = `the autosave failed: ${err.message}`;
        this.announce();
      },
    });
    this.autosaver.start();
    this.announce();
  }

  /** record.stop: a clean stop, so the autosave goes (the session lives on, to be saved). */
  async stopRecording(): Promise<void> {
    const saver = this.autosaver;
    this.autosaver = undefined;
    this.recordingSince = undefined;
    await saver?.stop();
    this.announce();
  }

  /** session.recover: what a crash left, and opening or discarding it. */
  async recover(message: Msg<'session.recover'>): Promise<void> {
    const dir = this.options.dataDir;
    if (message.action === 'check') {
      const found = dir && !this.recording ? await findRecoverable(dir) : undefined;
      this.host.post({
        type: 'session.recoverable',
        id: message.id,
        ...(found
          ? {
              found: {
                savedAt: found.savedAt,
                createdAt: found.createdAt,
                ageMs: found.ageMs,
                ...(found.title !== undefined ? { title: found.title } : {}),
                bytes: found.bytes,
                runs: found.runs,
              },
            }
          : {}),
      });
      return;
    }
    if (!dir) throw new FieldError(undefined, 'this engine has no data folder');
    if (this.recording) {
      throw new FieldError('record', 'a recording is in progress; stop it first');
    }
    if (message.action === 'discard') {
      await discardRecoverable(dir);
      this.host.post({ type: 'ok', id: message.id });
      return;
    }
    const data = await recoverSession(dir);
    const summary = await this.adopt(data);
    this.host.post({ type: 'session.opened', id: message.id, session: summary });
    // The recovered recording goes on being recorded (and autosaved) from where it stopped.
    this.startRecording(
      {
        ...(data.title !== undefined ? { title: data.title } : {}),
        view: data.view,
        ...(data.explorer
          ? { explorer: { surface: data.explorer.surface, start: data.explorer.start } }
          : {}),
        colors: {},
        basins: data.explorer?.basins !== undefined,
        landscape: (data.network?.landscapes.length ?? 0) > 0,
      },
      data.createdAt,
    );
  }

  // ---- Fork

  /** run.fork: "re-run from here" — a new run from `runId`'s state after `step` steps. */
  fork(message: Msg<'run.fork'>): void {
    const { host } = this;
    const source = host.runs.get(message.runId);
    if (!source) throw new FieldError('runId', `no run "${message.runId}"`);
    if (host.runs.has(message.newRunId)) {
      throw new FieldError('newRunId', `a run "${message.newRunId}" already exists`);
    }
    if (host.runs.size >= host.maxRuns) {
      throw new FieldError('newRunId', `at most ${host.maxRuns} runs at once`);
    }
    if (message.step > source.step) {
      throw new FieldError(
        'step',
        `run "${message.runId}" has taken ${source.step} steps; it cannot be forked at step ${message.step}`,
      );
    }
    const forked = forkRun(recordAnalyticRun(source), message.step, message.optimizer, {
      runId: message.newRunId,
      ...(message.label !== undefined ? { label: message.label } : {}),
    });
    host.runs.set(message.newRunId, forked.run);
    this.forks.set(message.newRunId, forked.forkedFrom);
    host.post({ type: 'run.state', run: forked.run.state() });
    host.post({
      type: 'run.forked',
      id: message.id,
      runId: message.newRunId,
      forkedFrom: forked.forkedFrom,
      continued: forked.continued,
      ...(forked.note !== undefined ? { note: forked.note } : {}),
    });
    this.touch();
  }
}
