/**
 * The engine's session desk: `session.save`, `session.open`, `record.start/stop` with the
 * autosave, `session.recover` after a crash, and `run.fork`. Files are bytes here: the client
 * (native dialogs in Electron, upload and download in the browser) reads and writes them.
 *
 * Opening is all or nothing: the file is read, every run rebuilt and checked by replay, and
 * only then are the engine's runs replaced. A file that fails anywhere changes nothing.
 */
import type {
  EngineMessage,
  RecordingState,
  SessionSummary,
  ValidClientMessage,
} from '../common/protocol';
import { SessionError, type SessionData } from '../common/session';
import { FieldError } from './core/errors';
import type { Lab } from './labs/lab';
import {
  Autosaver,
  discardRecoverable,
  findRecoverable,
  readSessionAsync,
  recoverSession,
  sessionHeader,
  writeSessionAsync,
} from './recording';

type Msg<T extends ValidClientMessage['type']> = Extract<ValidClientMessage, { type: T }>;
type Context = Msg<'session.save'>['context'];
type Post = (message: EngineMessage, transfer?: ArrayBuffer[]) => void;

/** What the desk needs of the engine. */
export interface SessionHost {
  /** The labs, each recording and adopting its own part of a session, in this order. */
  readonly labs: readonly Lab[];
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

  /** The engine is closing without the user's say: leave the autosave for recovery. */
  close(): void {
    this.autosaver?.halt();
  }

  setContext(context: Context): void {
    this.context = context;
    this.touch();
  }

  /** The session as it is now: its header, then each lab's part. */
  private session(context: Context, extra: { createdAt?: string } = {}): SessionData {
    const data = sessionHeader({
      ...(extra.createdAt ? { createdAt: extra.createdAt } : {}),
      app: { name: 'LossLab', version: this.options.appVersion ?? 'unknown' },
      ...(context.title !== undefined ? { title: context.title } : {}),
      ...(context.exercise ? { exercise: context.exercise } : {}),
      view: context.view,
    });
    for (const lab of this.host.labs) lab.record(data, context);
    return data;
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

  /**
   * Rebuilds every lab's part of a session (each checked, all before any is adopted), then puts
   * them in place of what the labs held.
   */
  private async adopt(data: SessionData): Promise<SessionSummary> {
    const { labs } = this.host;
    for (const lab of labs) lab.admit(data);
    const restored: unknown[] = [];
    for (const lab of labs) restored.push(await lab.restore(data));
    // Everything is rebuilt: now replace.
    this.host.pause();
    const summary: SessionSummary = {
      createdAt: data.createdAt,
      app: data.app,
      view: data.view,
      ...(data.title !== undefined ? { title: data.title } : {}),
      ...(data.savedAt !== undefined ? { savedAt: data.savedAt } : {}),
      ...(data.autosave ? { autosave: true } : {}),
      ...(data.experiments || data.critical
        ? {
            finished: {
              experiments: data.experiments?.experiments.length ?? 0,
              critical: data.critical?.experiments.length ?? 0,
            },
          }
        : {}),
      ...(data.exercise ? { exercise: data.exercise } : {}),
    };
    labs.forEach((lab, i) => lab.adopt(restored[i], summary));
    return summary;
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
        ...(data.exercise ? { exercise: data.exercise } : {}),
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
}
