/**
 * The compute engine. It knows nothing of Electron, WebSockets or windows: it is given a port
 * (post + onMessage) and answers the protocol over it, so the same engine runs in Electron's
 * utility process, in a worker thread behind the browser-mode server, in-process in tests and
 * behind the CLI.
 */
import type { z } from 'zod';
import { checkMessageShape, describeValue, oneLine } from '../common/bounds';
import {
  clientMessageSchema,
  PROTOCOL_VERSION,
  type BackendInfo,
  type EngineMessage,
  type EnginePort,
  type ValidClientMessage,
} from '../common/protocol';
import {
  loadBackend,
  restartBackend,
  runSelfCheck,
  type BackendOptions,
  type BackendReport,
} from './backend/select';
import { BasinsLab } from './labs/basins/basins-lab';
import { CriticalLab } from './labs/critical/critical-lab';
import { ExperimentsLab } from './labs/experiments/experiments-lab';
import { ExplorerLab } from './labs/explorer/explorer-lab';
import {
  type FrameMessage,
  type Lab,
  type LabHost,
  type LabRuns,
  type Msg,
  type PlaybackScope,
  type SteppedRun,
} from './labs/lab';
import { NetworkLab } from './labs/network/network-lab';
import type { Tf } from './network';
import { presets } from './problems';
import { errorReply, FieldError, refusalOf } from './core/errors';
import { SessionError } from './recording';
import { SessionDesk, type SessionOptions } from './sessions';
import { StepJobs } from './step-jobs';

export interface EngineOptions extends BackendOptions, SessionOptions {
  /**
   * Milliseconds between two playback ticks: one display frame.
   * @default 16
   */
  frameIntervalMs?: number;
  /**
   * Frames the client may have unacknowledged before playback waits for it. Stepping waits
   * too, so "steps per frame" means per frame the user actually sees.
   * @default 2
   */
  maxFramesInFlight?: number;
  /**
   * After a hello that did not wait for tfjs, and the client's first request after it, how
   * long the engine must have had no message before it loads tfjs unasked (loading blocks its
   * thread for a while: not while the page sets up its first race, which it may send a second
   * after its hello while its own code still loads). A request that needs tfjs loads it at once.
   * @default 300
   */
  backendIdleMs?: number;
  /**
   * …and how long after that hello it loads tfjs whatever comes (nothing, or playback).
   * @default 3000
   */
  backendLatestMs?: number;
}

type LoadedBackend = Awaited<ReturnType<typeof loadBackend>>;

export class Engine {
  private playing = false;
  /** Which runs playback steps: one lab's, or every lab's (undefined). */
  private scope: PlaybackScope | undefined;
  private stepsPerFrame = 1;
  private seq = 0;
  private acked = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  /**
   * tfjs on its backend: loading or loaded, once something needed it (a request, a hello that
   * waits for it) or the engine was idle after a hello that did not. Until then, undefined:
   * requiring tfjs takes most of an engine's start, and the explorer never needs it.
   */
  private backendLoad: Promise<LoadedBackend> | undefined;
  /** The backend, once loaded; or why it could not start. */
  private backendKnown: { report: BackendReport } | { error: string } | undefined;
  /** A hello went out without the backend: the client hears it in a `backend` message. */
  private backendOwed = false;
  /** The idle load's timer, and when it loads at the latest (ms since the epoch). */
  private backendTimer: ReturnType<typeof setTimeout> | undefined;
  private backendDeadline = 0;
  private readonly backendIdleMs: number;
  private readonly backendLatestMs: number;
  private readonly backendOptions: BackendOptions;
  private readonly frameIntervalMs: number;
  private readonly maxFramesInFlight: number;
  private closed = false;
  /** The labs, in the order their runs are stepped, framed and saved. */
  private readonly labs: readonly Lab[];
  /** Which lab answers each of the labs' message types. */
  private readonly routes = new Map<string, Lab>();
  /** Sessions: save, open, record with autosave, recover. */
  private readonly sessions: SessionDesk;
  /** `step` requests too long for one go. */
  private readonly stepJobs: StepJobs;
  /** tfjs, once loaded (for the backend's health check after a failure). */
  private readonly tf: () => Promise<Tf>;
  /** A backend restart under way: failures meanwhile wait for it. */
  private restarting: Promise<void> | undefined;

  constructor(
    private readonly port: EnginePort,
    options: EngineOptions = {},
  ) {
    this.frameIntervalMs = options.frameIntervalMs ?? 16;
    this.maxFramesInFlight = options.maxFramesInFlight ?? 2;
    this.backendIdleMs = options.backendIdleMs ?? 300;
    this.backendLatestMs = options.backendLatestMs ?? 3000;
    this.backendOptions = options;
    this.tf = () => this.loadTf().then((l) => l.tf);
    const host: LabHost = {
      post: (m, transfer) => this.post(m, transfer),
      flush: () => this.flush(),
      touch: () => this.sessions.touch(),
      fail: (err) => this.stopOnFailure(err),
    };
    const explorer = new ExplorerLab(host);
    const network = new NetworkLab(this.tf, host, this.frameIntervalMs);
    this.labs = [
      explorer,
      new BasinsLab(host, { progressIntervalMs: this.frameIntervalMs }),
      network,
      // Reads the other labs' runs only through what it is handed here.
      new CriticalLab(this.tf, host, {
        explorer: explorer.runs,
        network: network.runs,
        networkProblem: () => (network.hasProblem ? network.requireProblem() : undefined),
      }),
      // Trains on the network lab's data and model unless an experiment names its own.
      new ExperimentsLab(this.tf, host, {
        networkProblem: () => (network.hasProblem ? network.requireProblem() : undefined),
      }),
    ];
    for (const lab of this.labs) for (const type of lab.messages) this.routes.set(type, lab);
    this.stepJobs = new StepJobs({
      post: host.post,
      flush: host.flush,
      canFrame: () => this.seq - this.acked < this.maxFramesInFlight,
      closed: () => this.closed,
    });
    this.sessions = new SessionDesk(
      {
        labs: this.labs,
        pause: () => this.pauseAll(),
        post: (m, transfer) => this.post(m, transfer),
      },
      options,
    );
    port.onMessage((message) => {
      void this.receive(message);
    });
  }

  /** Stops the playback timer; the engine answers nothing more. */
  close(): void {
    this.closed = true;
    clearTimeout(this.backendTimer);
    this.stopPlayback();
    this.stepJobs.stopAll('the engine closed', true);
    this.sessions.close();
    for (const lab of this.labs) lab.close();
  }

  /** Stops playback (a session is being opened) and tells the client. */
  private pauseAll(): void {
    this.stopPlayback();
    this.post({ type: 'playback', playing: false, stepsPerFrame: this.stepsPerFrame });
  }

  private post(message: EngineMessage, transfer?: ArrayBuffer[]): void {
    if (this.closed) return;
    // Errors are one line, whatever produced them (100,000 unknown keys make a long one).
    if (message.type === 'error') message = { ...message, message: oneLine(message.message) };
    this.port.post(message, transfer);
  }

  /**
   * Checks a raw message's shape, validates it, then handles it. Every failure, whatever
   * throws it, becomes one error reply: nothing a client sends can stop the engine.
   */
  async receive(raw: unknown): Promise<void> {
    let id: { id?: number } = {};
    // A message: the engine is busy; the idle load of tfjs waits for a quiet moment.
    if (this.backendTimer !== undefined) this.scheduleBackend();
    try {
      id = requestIdOf(raw);
      const shape = checkMessageShape(raw);
      if (shape) {
        this.post({ type: 'error', ...id, message: shape });
        return;
      }
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success) {
        this.post({ type: 'error', ...id, ...describeIssue(parsed.error, raw) });
        return;
      }
      const message = parsed.data;
      if ('id' in message) id = { id: message.id };
      await this.handle(message);
    } catch (err) {
      try {
        this.post({ type: 'error', ...id, ...describeFailure(err) });
        this.afterFailure(err);
      } catch {
        // The reply itself could not be sent (the port is gone): nothing more to do.
      }
    }
  }

  /**
   * After an unexpected failure (not a refusal of the request), checks the backend; never
   * throws, never rejects.
   */
  private afterFailure(err: unknown): void {
    if (isRefusal(err)) return;
    this.checkBackend(err).catch(() => undefined);
  }

  /**
   * If the tfjs backend no longer computes (wasm aborts for good once a kernel runs out of
   * memory), restart it, so one failure never poisons the engine.
   */
  private async checkBackend(err: unknown): Promise<void> {
    // A backend never loaded (or still loading) has not failed.
    if (this.restarting || !(err instanceof Error) || !this.backendKnown) return;
    let tf: Tf;
    try {
      tf = await this.tf();
    } catch {
      return;
    }
    let healthy: boolean;
    try {
      healthy = runSelfCheck(tf).ok;
    } catch {
      healthy = false;
    }
    if (healthy) return;
    this.restarting = (async () => {
      try {
        await restartBackend(tf);
        for (const lab of this.labs) lab.backendRestarted?.();
        this.post({
          type: 'error',
          message: `the tfjs ${tf.getBackend()} backend failed (${err.message}) and was restarted; the network runs stopped where they were`,
        });
      } catch (again) {
        this.post({
          type: 'error',
          message: `the tfjs backend failed and could not be restarted (${(again as Error).message}): restart the engine`,
        });
      } finally {
        this.restarting = undefined;
      }
    })();
    await this.restarting;
  }

  /** The engine's own messages, the session desk's, and every lab's, routed by type. */
  private async handle(message: ValidClientMessage): Promise<void> {
    switch (message.type) {
      case 'hello':
        return this.hello(message.id, message.protocol, message.lazyBackend ?? false);
      case 'run.reset':
        this.reset(message);
        this.flush();
        return this.ok(message.id);
      case 'playback':
        this.playing = message.playing;
        this.scope = message.scope;
        if (message.stepsPerFrame !== undefined) this.stepsPerFrame = message.stepsPerFrame;
        if (this.playing) {
          this.timer ??= setInterval(() => this.tick(), this.frameIntervalMs);
          for (const lab of this.labs) lab.runs?.play(this.inScope(lab));
        } else {
          this.stopPlayback();
          // What the network runs did since the last frame: the page shows where they stopped.
          this.flush();
          // Pause stops every run, a long Step too.
          this.stepJobs.stopAll('paused');
        }
        this.post({ type: 'playback', playing: this.playing, stepsPerFrame: this.stepsPerFrame });
        return this.ok(message.id);
      case 'step':
        return this.step(message);
      case 'job.cancel':
        this.cancelJob(message.id);
        return;
      case 'frame.ack':
        this.acked = Math.max(this.acked, Math.min(message.seq, this.seq));
        return;
      case 'session.upload':
        this.sessions.upload(message);
        return this.ok(message.id);
      case 'session.save':
        return this.sessions.save(message);
      case 'session.open':
        return this.sessions.open(message);
      case 'session.recover':
        return this.sessions.recover(message);
      case 'session.context':
        this.sessions.setContext(message.context);
        return this.ok(message.id);
      case 'record.start':
        this.sessions.startRecording(message.context);
        return this.ok(message.id);
      case 'record.stop':
        await this.sessions.stopRecording();
        return this.ok(message.id);
      case 'sync':
        for (const lab of this.labs) lab.sync();
        this.flush();
        return this.ok(message.id);
      default: {
        const lab = this.routes.get(message.type);
        if (!lab) throw new FieldError('type', `no lab answers "${message.type}"`);
        return lab.handle(message);
      }
    }
  }

  /**
   * tfjs on the best backend this engine may run, loaded on the first call. Once it settles,
   * a client that was answered without the backend hears it (or why tfjs could not start).
   */
  private loadTf(): Promise<LoadedBackend> {
    if (this.backendLoad) return this.backendLoad;
    clearTimeout(this.backendTimer);
    this.backendTimer = undefined;
    const load = loadBackend(this.backendOptions);
    this.backendLoad = load;
    load.then(
      ({ report }) => {
        this.backendKnown = { report };
        if (this.backendOwed) this.post({ type: 'backend', ...backendInfo(report) });
      },
      (err: unknown) => {
        const error = `tfjs could not start: ${(err as Error).message}`;
        this.backendKnown = { error };
        if (this.backendOwed) this.post({ type: 'backend', error });
      },
    );
    return load;
  }

  /**
   * (Re)arms the idle load of tfjs: after `idleMs` without a message, or at the deadline the
   * lazy hello set, whichever comes first.
   */
  private scheduleBackend(idleMs = this.backendIdleMs): void {
    if (this.backendLoad || this.closed) return;
    clearTimeout(this.backendTimer);
    const wait = Math.max(0, Math.min(idleMs, this.backendDeadline - Date.now()));
    this.backendTimer = setTimeout(() => {
      this.backendTimer = undefined;
      // Failures reach the client in the `backend` message, and each request that needs tfjs.
      this.loadTf().catch(() => undefined);
    }, wait);
  }

  /**
   * The handshake. A lazy hello is answered at once, with the backend if it is known, else
   * without it (it follows in a `backend` message; tfjs loads when the engine is idle, or when
   * a request needs it). Any other hello waits for tfjs, as clients from before the lazy
   * hello expect.
   */
  private async hello(id: number, protocol: number, lazy: boolean): Promise<void> {
    if (protocol !== PROTOCOL_VERSION) {
      throw new FieldError(
        'protocol',
        `this engine speaks protocol ${PROTOCOL_VERSION}, not ${protocol}`,
      );
    }
    if (!lazy) {
      try {
        await this.loadTf();
      } catch (err) {
        throw new FieldError(undefined, `tfjs could not start: ${(err as Error).message}`);
      }
    }
    const known = this.backendKnown;
    if (known && 'error' in known) {
      if (!lazy) throw new FieldError(undefined, known.error);
      // Told again: this client may be a new page (the engine outlives a reload in Electron).
      this.backendOwed = true;
      this.post({ type: 'hello', id, protocol: PROTOCOL_VERSION, surfaces: surfaceInfos() });
      this.post({ type: 'backend', error: known.error });
    } else if (known) {
      this.post({
        type: 'hello',
        id,
        protocol: PROTOCOL_VERSION,
        surfaces: surfaceInfos(),
        ...backendInfo(known.report),
      });
    } else {
      this.backendOwed = true;
      this.post({ type: 'hello', id, protocol: PROTOCOL_VERSION, surfaces: surfaceInfos() });
      if (!this.backendLoad && this.backendTimer === undefined) {
        // Until the client's next message, only the deadline: the idle wait starts with it.
        this.backendDeadline = Date.now() + this.backendLatestMs;
        this.scheduleBackend(Infinity);
      }
    }
    // A client that connects (or reconnects) gets the full picture.
    this.post({ type: 'playback', playing: this.playing, stepsPerFrame: this.stepsPerFrame });
    for (const lab of this.labs) lab.sync();
    this.post({ type: 'record.state', recording: this.sessions.recordingState() });
    this.flush();
  }

  private ok(id: number): void {
    this.post({ type: 'ok', id });
  }

  /** Whether playback's (or a request's) scope takes in this lab's runs. */
  private inScope(lab: Lab, scope = this.scope): boolean {
    return lab.runs !== undefined && (scope === undefined || scope === lab.runs.scope);
  }

  /**
   * The lab holding run `runId`, or a refusal naming `runId`. Ids are unique within a lab, not
   * across labs: of two runs of one id, the later lab's is meant (the network lab's, as ever).
   */
  private labOf(runId: string): Lab & { runs: LabRuns } {
    for (const lab of [...this.labs].reverse()) {
      if (lab.runs?.get(runId)) return lab as Lab & { runs: LabRuns };
    }
    throw new FieldError('runId', `no run "${runId}"`);
  }

  /** run.reset: one run (of whichever lab) or every run in scope, to its start. */
  private reset(message: Msg<'run.reset'>): void {
    if (message.runId) return this.labOf(message.runId).runs.reset(message.runId, message.start);
    for (const lab of this.labs) {
      if (this.inScope(lab, message.scope)) lab.runs?.reset(undefined, message.start);
    }
  }

  /** `step`: the runs it names (one run of any lab, or every run in scope) take steps. */
  private step(message: Msg<'step'>): Promise<void> {
    const targets: { lab: Lab; run: SteppedRun }[] = [];
    if (message.runId) {
      const lab = this.labOf(message.runId);
      targets.push({ lab, run: lab.runs.get(message.runId)! });
    } else {
      for (const lab of this.labs) {
        if (!this.inScope(lab, message.scope)) continue;
        for (const run of lab.runs!.all()) targets.push({ lab, run });
      }
    }
    return this.stepJobs.run(message, targets);
  }

  /** job.cancel: stops whichever long job request `id` started. */
  private cancelJob(id: number): void {
    this.stepJobs.cancel(id);
    for (const lab of this.labs) lab.cancel(id);
    this.sessions.cancel(id);
  }

  /** Playback stops: the display timer, and every lab's own loop. */
  private stopPlayback(): void {
    this.playing = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const lab of this.labs) lab.runs?.play(false);
  }

  /**
   * One display frame of playback. A failure (a tfjs kernel out of memory, say) stops
   * playback and is reported; the timer never throws.
   */
  private tick(): void {
    try {
      this.playbackTick();
    } catch (err) {
      this.stopOnFailure(err);
    }
  }

  /** Playback stops after a failure, which is reported. Never throws. */
  private stopOnFailure(err: unknown): void {
    this.stopPlayback();
    try {
      this.post({ type: 'playback', playing: false, stepsPerFrame: this.stepsPerFrame });
      this.post({ type: 'error', ...describeFailure(err) });
      this.afterFailure(err);
    } catch {
      // The port is gone: nothing to tell.
    }
  }

  /**
   * One display frame: every lab in scope does its per-frame work (the explorer steps its runs
   * by "steps per frame", waiting, as it does, for the page to acknowledge its frames), then
   * what changed is sent — the network runs' curves too, however many updates their own loop
   * took since the last frame. Playback stops when no run in scope still goes.
   */
  private playbackTick(): void {
    if (this.seq - this.acked >= this.maxFramesInFlight) return;
    let live = 0;
    let inScope = 0;
    for (const lab of this.labs) {
      if (!this.inScope(lab)) continue;
      live += lab.runs!.tick(this.stepsPerFrame);
      inScope += lab.runs!.size;
    }
    this.flush();
    if (live === 0 && inScope > 0) this.pauseAll();
  }

  /** Sends one frame holding every run's points since its last frame, if any. */
  private flush(): void {
    // Whatever called flush may have changed the session: the autosave looks at it.
    this.sessions.touch();
    const frame: FrameMessage = { type: 'frame', seq: 0, runs: [] };
    const transfer: ArrayBuffer[] = [];
    for (const lab of this.labs) lab.runs?.takeFrames(frame, transfer);
    if (frame.runs.length === 0 && !frame.net) return;
    frame.seq = ++this.seq;
    this.post(frame, transfer);
  }
}

/** The backend as the protocol reports it. */
function backendInfo(report: BackendReport): BackendInfo {
  return {
    backend: report.backend,
    backendNotes: report.notes,
    tfjsVersion: report.tfjsVersion,
    selfCheck: report.selfCheck,
    ...(report.wasmDir ? { wasmDir: report.wasmDir } : {}),
  };
}

const surfaceInfos = () => presets.map((s) => s.info);

/** Starts an engine on a port. */
export function startEngine(port: EnginePort, options?: EngineOptions): Engine {
  return new Engine(port, options);
}

function requestIdOf(raw: unknown): { id?: number } {
  if (typeof raw === 'object' && raw !== null && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    if (Number.isSafeInteger(id) && (id as number) >= 0) return { id: id as number };
  }
  return {};
}

/** The first validation issue as "field: reason", e.g. `run.optimizer.lr`. */
function describeIssue(error: z.ZodError, raw: unknown): { field?: string; message: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { message: `a message must be an object with a "type", got ${describe(raw)}` };
  }
  const issue = error.issues[0];
  const field = issue.path.map(String).join('.');
  if (issue.code === 'invalid_union' && field === 'type') {
    return { field, message: `unknown message type ${describe((raw as { type?: unknown }).type)}` };
  }
  return { ...(field ? { field } : {}), message: `${field || 'message'}: ${issue.message}` };
}

/** Where a request's parts sit: an optimizer's fields are a run's; an expression's, the surface. */
const requestScopes = { optimizer: 'run.optimizer', surface: 'surface' } as const;

/** A request refused for what it asked (it names the field, or is a known refusal). */
function isRefusal(err: unknown): boolean {
  return refusalOf(err, requestScopes, [SessionError]) !== undefined;
}

function describeFailure(err: unknown): { field?: string; message: string } {
  return errorReply(err, requestScopes, [SessionError]);
}

const describe = (value: unknown) => describeValue(value);
