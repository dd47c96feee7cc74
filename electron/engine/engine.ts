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
  type EngineMessage,
  type EnginePort,
  type RunFrame,
  type ValidClientMessage,
} from '../common/protocol';
import {
  loadBackend,
  restartBackend,
  runSelfCheck,
  type BackendOptions,
  type BackendReport,
} from './backend/select';
import { errorReply, FieldError, refusalOf } from './core/errors';
import { AnalyticRun } from './labs/explorer/analytic-run';
import { BasinsJobs } from './labs/basins/jobs';
import { NetworkLab } from './labs/network/network-lab';
import type { NetworkRun, Tf } from './network';
import { sampleSurface } from './labs/explorer/sample';
import { HyperError, scheduledLr } from './optim';
import { presets, resolveSurface } from './problems';
import { SessionError } from './recording';
import { SessionDesk, type SessionOptions } from './sessions';

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
}

/**
 * Longest slice of network training while playing before the engine turns to its messages and
 * its frames, ms. Network runs train as fast as they can (or at the rate asked for), apart from
 * the display: a slow page never slows training, and frames still go out once per displayed
 * frame, acknowledged, holding whatever the runs did meanwhile.
 */
const NETWORK_SLICE_MS = 25;

/**
 * Longest slice of a long job (a big `step`) before the engine turns to its messages, ms: with
 * one network update at most ~0.1 s (network/budget.ts), Pause and Cancel are answered within
 * about a tenth of a second.
 */
const SLICE_MS = 20;

/** Least time between two progress messages of one job, ms. */
const PROGRESS_MS = 100;

type Msg<T extends ValidClientMessage['type']> = Extract<ValidClientMessage, { type: T }>;

/** A `step` request at work: which runs it steps and how far each still has to go. */
interface StepJob {
  id: number;
  targets: { run: AnalyticRun | NetworkRun; left: number }[];
  total: number;
  done: number;
  /** Why it was stopped early (Cancel, Pause), once it was. */
  stopped?: string;
}

/** Most runs one engine holds at once. */
export const MAX_RUNS = 16;

export class Engine {
  private readonly runs = new Map<string, AnalyticRun>();
  private playing = false;
  /** Which runs playback steps: one kind, or both (undefined). */
  private scope: 'analytic' | 'network' | undefined;
  private stepsPerFrame = 1;
  /** How fast network runs train while playing: flat out, or so many updates a second each. */
  private netRate: number | 'max' = 'max';
  /** The network training loop's next slice, while one is scheduled. */
  private netTimer: { kind: 'immediate' | 'timeout'; handle: unknown } | undefined;
  /** Rounds (one update of every live run) since `since`, for a rate below flat out. */
  private netClock = { since: 0, rounds: 0 };
  private seq = 0;
  private acked = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly backend: Promise<BackendReport>;
  private readonly frameIntervalMs: number;
  private readonly maxFramesInFlight: number;
  private closed = false;
  /** Basin maps being computed (basins.compute / basins.cancel). */
  private readonly basins: BasinsJobs;
  /** The network lab: its problem, training runs and landscapes (net.* messages). */
  private readonly net: NetworkLab;
  /** Sessions: save, open, record with autosave, recover, fork. */
  private readonly sessions: SessionDesk;
  /** `step` requests too long for one go, by request id. */
  private readonly stepJobs = new Map<number, StepJob>();
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
    this.basins = new BasinsJobs((m, transfer) => this.post(m, transfer), {
      progressIntervalMs: this.frameIntervalMs,
    });
    const loaded = loadBackend(options);
    this.tf = () => loaded.then((l) => l.tf);
    this.backend = loaded.then((l) => l.report);
    // An unhandled rejection would kill the host; the hello reply reports the failure instead.
    this.backend.catch(() => undefined);
    this.net = new NetworkLab(
      () => loaded.then((l) => l.tf),
      (m, transfer) => this.post(m, transfer),
    );
    this.sessions = new SessionDesk(
      {
        runs: this.runs,
        net: this.net,
        basins: this.basins,
        maxRuns: MAX_RUNS,
        tf: () => loaded.then((l) => l.tf),
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
    this.stopTimer();
    this.stopNetLoop();
    for (const job of this.stepJobs.values()) job.stopped = 'the engine closed';
    this.sessions.close();
    this.basins.close();
    this.net.close();
  }

  /** Stops playback (a session is being opened) and tells the client. */
  private pauseAll(): void {
    this.playing = false;
    this.stopTimer();
    this.stopNetLoop();
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
    if (this.restarting || !(err instanceof Error)) return;
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
        this.net.backendRestarted();
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

  private async handle(message: ValidClientMessage): Promise<void> {
    switch (message.type) {
      case 'hello':
        return this.hello(message.id, message.protocol);
      case 'run.create': {
        if (this.runs.has(message.run.runId)) {
          throw new FieldError('run.runId', `a run "${message.run.runId}" already exists`);
        }
        if (this.runs.size >= MAX_RUNS) {
          throw new FieldError('run', `at most ${MAX_RUNS} runs at once`);
        }
        const run = new AnalyticRun(message.run);
        this.runs.set(run.runId, run);
        this.post({ type: 'run.state', run: run.state() });
        this.flush();
        return this.ok(message.id);
      }
      case 'run.update': {
        const run = this.run(message.runId);
        try {
          run.update(message.hyper, message.schedule);
        } catch (err) {
          if (err instanceof HyperError) throw new FieldError(`hyper.${err.field}`, err.message);
          throw err;
        }
        this.post({ type: 'run.state', run: run.state() });
        this.flush();
        return this.ok(message.id);
      }
      case 'run.remove':
        this.run(message.runId);
        this.runs.delete(message.runId);
        this.sessions.forget(message.runId);
        this.sessions.touch();
        this.post({ type: 'run.removed', runId: message.runId });
        return this.ok(message.id);
      case 'run.reset': {
        if (message.runId && this.net.runs.has(message.runId)) {
          this.net.reset(message.runId);
        } else {
          for (const run of this.analyticTargets(message.runId, message.scope)) {
            run.reset(message.start);
            this.post({ type: 'run.state', run: run.state() });
          }
          if (!message.runId && message.scope !== 'analytic') this.net.reset();
        }
        this.flush();
        return this.ok(message.id);
      }
      case 'playback':
        this.playing = message.playing;
        this.scope = message.scope;
        if (message.stepsPerFrame !== undefined) this.stepsPerFrame = message.stepsPerFrame;
        if (this.playing) {
          this.startTimer();
          this.startNetLoop();
        } else {
          this.stopTimer();
          this.stopNetLoop();
          // What the network runs did since the last frame: the page shows where they stopped.
          this.flush();
          // Pause stops every run, a long Step too.
          for (const job of this.stepJobs.values()) job.stopped ??= 'paused';
        }
        this.post({ type: 'playback', playing: this.playing, stepsPerFrame: this.stepsPerFrame });
        return this.ok(message.id);
      case 'step':
        return this.step(message);
      case 'job.cancel':
        this.cancelJob(message.id);
        return;
      case 'session.upload':
        this.sessions.upload(message);
        return this.ok(message.id);
      case 'net.setup':
        return this.net.setup(message);
      case 'net.speed':
        this.netRate = message.rate;
        this.netClock = { since: performance.now(), rounds: 0 };
        if (this.netTimer?.kind === 'timeout') {
          // A slow rate's wait ends now, at the new rate.
          this.stopNetLoop();
          this.startNetLoop();
        }
        return this.ok(message.id);
      case 'net.run.create':
        this.net.create(message.run);
        this.flush();
        return this.ok(message.id);
      case 'net.run.update':
        this.net.update(message.runId, message.change);
        this.flush();
        return this.ok(message.id);
      case 'net.run.remove':
        this.net.remove(message.runId);
        return this.ok(message.id);
      case 'net.evaluate':
        return this.net.evaluate(message);
      case 'net.view':
        return this.net.view(message);
      case 'net.landscape':
        return this.net.landscape(message);
      case 'net.landscape.cancel':
        // Also cancels a net.run.resume with this id.
        return this.net.cancelLandscape(message.id);
      case 'net.run.resume':
        await this.net.resume(message.id, message.runId);
        this.flush();
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
        this.sessions.sync();
        this.flush();
        return this.ok(message.id);
      case 'run.fork':
        this.sessions.fork(message);
        this.flush();
        return this.ok(message.id);
      case 'net.directions.save':
        this.net.saveDirections(message);
        return this.ok(message.id);
      case 'net.line':
        return this.net.line(message);
      case 'surface.sample': {
        const grid = sampleSurface(resolveSurface(message.surface), message.resolution);
        this.post({ type: 'surface.grid', id: message.id, surface: grid.info.name, ...grid }, [
          grid.values.buffer as ArrayBuffer,
        ]);
        return;
      }
      case 'basins.compute':
        // Replies later (basins.progress, then basins.result or an error), never blocking.
        return this.basins.start(message);
      case 'basins.cancel':
        return this.basins.cancel(message.id);
      case 'frame.ack':
        this.acked = Math.max(this.acked, Math.min(message.seq, this.seq));
        return;
      case 'run.inspect': {
        const inspection = this.run(message.runId).inspect();
        this.post({ type: 'run.inspection', id: message.id, inspection });
        return;
      }
      case 'schedule.preview': {
        const values = new Float64Array(message.steps);
        for (let t = 0; t < message.steps; t++)
          values[t] = scheduledLr(message.schedule, message.lr, t);
        this.post({ type: 'schedule.values', id: message.id, values }, [values.buffer]);
        return;
      }
    }
  }

  private async hello(id: number, protocol: number): Promise<void> {
    if (protocol !== PROTOCOL_VERSION) {
      throw new FieldError(
        'protocol',
        `this engine speaks protocol ${PROTOCOL_VERSION}, not ${protocol}`,
      );
    }
    let report: BackendReport;
    try {
      report = await this.backend;
    } catch (err) {
      throw new FieldError(undefined, `tfjs could not start: ${(err as Error).message}`);
    }
    this.post({
      type: 'hello',
      id,
      protocol: PROTOCOL_VERSION,
      backend: report.backend,
      backendNotes: report.notes,
      tfjsVersion: report.tfjsVersion,
      selfCheck: report.selfCheck,
      surfaces: presets.map((s) => s.info),
      ...(report.wasmDir ? { wasmDir: report.wasmDir } : {}),
    });
    // A client that connects (or reconnects) gets the full picture.
    this.post({ type: 'playback', playing: this.playing, stepsPerFrame: this.stepsPerFrame });
    for (const run of this.runs.values()) {
      this.post({ type: 'run.state', run: run.state() });
      run.rewindFrames();
    }
    for (const run of this.net.runs.values())
      this.post({ type: 'net.run.state', run: run.state() });
    this.net.rewindFrames();
    this.post({ type: 'record.state', recording: this.sessions.recordingState() });
    this.flush();
  }

  private ok(id: number): void {
    this.post({ type: 'ok', id });
  }

  private run(runId: string): AnalyticRun {
    const run = this.runs.get(runId);
    if (!run) throw new FieldError('runId', `no run "${runId}"`);
    return run;
  }

  /** The analytic runs a request addresses: one by id, none for the network scope, or all. */
  private analyticTargets(
    runId: string | undefined,
    scope: 'analytic' | 'network' | undefined,
  ): AnalyticRun[] {
    if (runId) return [this.run(runId)];
    return scope === 'network' ? [] : [...this.runs.values()];
  }

  /**
   * `step`: the runs it names take `steps` steps each. Work that fits one slice is done at
   * once; longer work goes on in slices of SLICE_MS between which the engine answers other
   * messages, with step.progress reports, until done, cancelled (job.cancel) or paused.
   */
  private async step(message: Msg<'step'>): Promise<void> {
    if (this.stepJobs.has(message.id)) {
      throw new FieldError('id', `a step request ${message.id} is already running`);
    }
    const runs: (AnalyticRun | NetworkRun)[] =
      message.runId && this.net.runs.has(message.runId)
        ? [this.net.runs.get(message.runId)!]
        : [
            ...this.analyticTargets(message.runId, message.scope),
            ...(!message.runId && message.scope !== 'analytic' ? this.net.runs.values() : []),
          ];
    const job: StepJob = {
      id: message.id,
      targets: runs.map((run) => ({ run, left: message.steps })),
      total: runs.length * message.steps,
      done: 0,
    };
    this.stepJobs.set(job.id, job);
    try {
      let lastProgress = performance.now();
      for (let slice = 0; ; slice++) {
        if (job.stopped) {
          throw new FieldError(
            undefined,
            `cancelled (${job.stopped}) after ${job.done.toLocaleString('en')} of ${job.total.toLocaleString('en')} run-steps`,
          );
        }
        if (!this.stepSlice(job, slice, performance.now() + SLICE_MS)) break;
        if (this.seq - this.acked < this.maxFramesInFlight) this.flush();
        const now = performance.now();
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          this.post({ type: 'step.progress', id: job.id, done: job.done, total: job.total });
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.closed) return;
      }
    } finally {
      this.stepJobs.delete(job.id);
      this.flush();
    }
    this.ok(message.id);
  }

  /**
   * One slice of a step job, the runs taking turns (a different one first each slice), until
   * `deadline`. A run that was removed, replaced or stopped counts as done. Returns whether
   * work is left.
   */
  private stepSlice(job: StepJob, slice: number, deadline: number): boolean {
    const n = job.targets.length;
    for (let k = 0; k < n; k++) {
      const target = job.targets[(slice + k) % n];
      if (target.left === 0) continue;
      const { run } = target;
      const current =
        run instanceof AnalyticRun ? this.runs.get(run.runId) : this.net.runs.get(run.runId);
      let taken = 0;
      if (current === run && run.status === 'ok') {
        taken =
          run instanceof AnalyticRun
            ? this.advanceUntil(run, target.left, deadline)
            : this.net.advance(run, target.left, deadline);
      }
      // Whatever it did not take because it stopped (diverged, finished, gone) is done too.
      if (current !== run || run.status !== 'ok') taken = target.left;
      target.left -= taken;
      job.done += taken;
      if (performance.now() >= deadline) break;
    }
    return job.targets.some((t) => t.left > 0);
  }

  /**
   * Steps an analytic run up to `steps` steps or until `deadline`, in chunks that double
   * while they are quick (a preset steps in nanoseconds, a long typed expression in
   * microseconds). Returns the steps taken.
   */
  private advanceUntil(run: AnalyticRun, steps: number, deadline: number): number {
    let taken = 0;
    let chunk = 64;
    while (taken < steps && run.status === 'ok') {
      const t0 = performance.now();
      const before = run.step;
      this.advance(run, Math.min(chunk, steps - taken));
      taken += run.step - before;
      const now = performance.now();
      if (now >= deadline) break;
      if (now - t0 < 2) chunk *= 2;
    }
    return taken;
  }

  /** job.cancel: stops whichever long job request `id` started. */
  private cancelJob(id: number): void {
    const job = this.stepJobs.get(id);
    if (job) job.stopped ??= 'cancelled by the client';
    this.basins.cancel(id);
    this.net.cancelLandscape(id);
    this.sessions.cancel(id);
  }

  /** Steps a run; announces its new status if it diverged or finished. */
  private advance(run: AnalyticRun, steps: number): void {
    const before = run.status;
    run.advance(steps);
    if (run.status !== before) this.post({ type: 'run.state', run: run.state() });
  }

  private startTimer(): void {
    this.timer ??= setInterval(() => this.tick(), this.frameIntervalMs);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
    this.playing = false;
    this.stopTimer();
    this.stopNetLoop();
    try {
      this.post({ type: 'playback', playing: false, stepsPerFrame: this.stepsPerFrame });
      this.post({ type: 'error', ...describeFailure(err) });
      this.afterFailure(err);
    } catch {
      // The port is gone: nothing to tell.
    }
  }

  /**
   * One display frame: steps the analytic runs by "steps per frame" (waiting, as they do, for
   * the page to acknowledge its frames), then sends what changed — the network runs' curves
   * too, however many updates their own loop took since the last frame.
   */
  private playbackTick(): void {
    if (this.seq - this.acked >= this.maxFramesInFlight) return;
    let live = 0;
    for (const run of this.analyticTargets(undefined, this.scope)) {
      if (run.status !== 'ok') continue;
      this.advance(run, this.stepsPerFrame);
      if (run.status === 'ok') live++;
    }
    if (this.scope !== 'analytic') {
      for (const run of this.net.runs.values()) if (run.status === 'ok') live++;
    }
    this.flush();
    const inScope =
      (this.scope === 'network' ? 0 : this.runs.size) +
      (this.scope === 'analytic' ? 0 : this.net.runs.size);
    if (live === 0 && inScope > 0) {
      this.playing = false;
      this.stopTimer();
      this.stopNetLoop();
      this.post({ type: 'playback', playing: false, stepsPerFrame: this.stepsPerFrame });
    }
  }

  /** Starts training the network runs, if playback covers them and the loop is not running. */
  private startNetLoop(): void {
    if (this.netTimer || !this.playing || this.scope === 'analytic' || this.closed) return;
    this.netClock = { since: performance.now(), rounds: 0 };
    this.scheduleNetSlice(0);
  }

  private stopNetLoop(): void {
    const timer = this.netTimer;
    this.netTimer = undefined;
    if (timer?.kind === 'immediate') clearImmediate(timer.handle as NodeJS.Immediate);
    else if (timer?.kind === 'timeout') clearTimeout(timer.handle as NodeJS.Timeout);
  }

  /** The next slice at once (after the messages and timers waiting), or after `waitMs`. */
  private scheduleNetSlice(waitMs: number): void {
    this.netTimer =
      waitMs <= 0
        ? { kind: 'immediate', handle: setImmediate(() => this.netSlice()) }
        : { kind: 'timeout', handle: setTimeout(() => this.netSlice(), waitMs) };
  }

  /**
   * One slice of network training while playing: rounds of one update of every live run (so a
   * race stays fair: at a slice's end every run has had the same updates) until
   * NETWORK_SLICE_MS have passed or, below flat out, the rounds due by now are done. Then the
   * engine answers its messages and sends its frames before the next slice.
   */
  private netSlice(): void {
    this.netTimer = undefined;
    if (this.closed || !this.playing || this.scope === 'analytic') return;
    const racing = [...this.net.runs.values()].filter((run) => run.status === 'ok');
    const rate = this.netRate;
    const start = performance.now();
    if (racing.length === 0) {
      // Nothing to train until a run is added or reset; look again a frame later.
      this.netClock = { since: start, rounds: 0 };
      this.scheduleNetSlice(this.frameIntervalMs);
      return;
    }
    let due = Infinity;
    if (rate !== 'max') {
      due = Math.floor(((start - this.netClock.since) * rate) / 1000) - this.netClock.rounds;
      // Slow motion never bursts to catch up (after a long landscape, say): it goes on from now.
      if (due > Math.max(1, rate / 4)) {
        this.netClock = { since: start - 1000 / rate, rounds: 0 };
        due = 1;
      }
    }
    const deadline = start + NETWORK_SLICE_MS;
    let rounds = 0;
    try {
      while (rounds < due) {
        let stepped = 0;
        for (const run of racing) {
          if (run.status !== 'ok' || this.net.runs.get(run.runId) !== run) continue;
          this.net.advance(run, 1);
          stepped++;
        }
        if (stepped === 0) break;
        rounds++;
        if (performance.now() >= deadline) break;
      }
    } catch (err) {
      this.stopOnFailure(err);
      return;
    }
    this.netClock.rounds += rounds;
    if (rate === 'max') {
      this.scheduleNetSlice(0);
      return;
    }
    // Behind (the runs are slower than the rate): go on at once; else wait for the next round.
    const next = this.netClock.since + ((this.netClock.rounds + 1) * 1000) / rate;
    this.scheduleNetSlice(Math.max(0, next - performance.now()));
  }

  /** Sends one frame holding every run's points since its last frame, if any. */
  private flush(): void {
    // Whatever called flush may have changed the session: the autosave looks at it.
    this.sessions.touch();
    const frames: RunFrame[] = [];
    for (const run of this.runs.values()) {
      const frame = run.takeFrame();
      if (frame) frames.push(frame);
    }
    const net = this.net.takeFrames();
    if (frames.length === 0 && net.length === 0) return;
    const transfer: ArrayBuffer[] = [];
    for (const f of frames) {
      for (const array of [f.points, f.gradNorm, f.lr, f.grad, f.effStep]) {
        transfer.push(array.buffer as ArrayBuffer);
      }
    }
    for (const f of net) {
      for (const array of [...Object.values(f.steps), ...Object.values(f.epochs)]) {
        if (array instanceof Float64Array) transfer.push(array.buffer as ArrayBuffer);
      }
    }
    this.post(
      { type: 'frame', seq: ++this.seq, runs: frames, ...(net.length > 0 ? { net } : {}) },
      transfer,
    );
  }
}

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
