/**
 * The network lab's runs as playback and `step` see them, and its training loop. Network runs
 * train as fast as they can (or at the rate asked for, `net.speed`), apart from the display: a
 * slow page never slows training, and frames still go out once per displayed frame,
 * acknowledged, holding whatever the runs did meanwhile.
 */
import { columnBuffers, networkEpochColumns, networkStepColumns } from '../../../common/columns';
import type { NetworkRunFrame } from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import type { Checkpoint } from '../../hessian/types';
import type { NetworkRun } from '../../network';
import type { FrameMessage, LabRuns, NetworkProbe } from '../lab';
import { keptSteps, keptTheta, probeNetworkRun } from './probe';

/**
 * Longest slice of network training while playing before the engine turns to its messages and
 * its frames, ms.
 */
const NETWORK_SLICE_MS = 25;

/** What the training loop needs of the lab. */
export interface TrainedLab {
  /** The runs by id. */
  readonly live: ReadonlyMap<string, NetworkRun>;
  /** Steps a run at most `steps` updates and at most until `deadline`; the updates taken. */
  advance(run: NetworkRun, steps: number, deadline?: number): number;
  reset(runId?: string): void;
  takeFrames(): NetworkRunFrame[];
  /** A new run with `runId`'s settings now, from θ (see LabRuns.branch). */
  branch(
    runId: string,
    newRunId: string,
    from: { theta: Float64Array; step: number; label: string },
  ): void;
}

export class NetworkRuns implements LabRuns<NetworkRun> {
  readonly scope = 'network';
  private playing = false;
  /** How fast runs train while playing: flat out, or so many updates a second each. */
  private rate: number | 'max' = 'max';
  /** The training loop's next slice, while one is scheduled. */
  private timer: { kind: 'immediate' | 'timeout'; handle: unknown } | undefined;
  /** Rounds (one update of every live run) since `since`, for a rate below flat out. */
  private clock = { since: 0, rounds: 0 };

  constructor(
    private readonly lab: TrainedLab,
    private readonly options: {
      /** Milliseconds between two display frames: how long an idle loop waits. */
      frameIntervalMs: number;
      /** Training failed: playback stops and the failure is reported. */
      fail(err: unknown): void;
    },
  ) {}

  get size(): number {
    return this.lab.live.size;
  }

  get(runId: string): NetworkRun | undefined {
    return this.lab.live.get(runId);
  }

  all(): Iterable<NetworkRun> {
    return this.lab.live.values();
  }

  advance(run: NetworkRun, steps: number, deadline: number): number {
    return this.lab.advance(run, steps, deadline);
  }

  reset(runId: string | undefined): void {
    this.lab.reset(runId);
  }

  /** θ of a run at a step (see probe.ts). */
  probe(runId: string, step?: number, checkpoint?: Checkpoint): Promise<NetworkProbe> {
    const run = this.lab.live.get(runId);
    if (!run) return Promise.reject(new FieldError('target.runId', `no network run "${runId}"`));
    return probeNetworkRun(run, step, checkpoint);
  }

  keptSteps(runId: string): number[] | undefined {
    const run = this.lab.live.get(runId);
    return run ? keptSteps(run) : undefined;
  }

  keptTheta(runId: string, step: number): Float64Array | undefined {
    const run = this.lab.live.get(runId);
    return run && step <= run.step ? keptTheta(run, step) : undefined;
  }

  branch(
    runId: string,
    newRunId: string,
    from: { theta: Float64Array; step: number; label: string },
  ): void {
    this.lab.branch(runId, newRunId, from);
  }

  /** Runs train in their own loop, not per frame: a frame only counts those still going. */
  tick(): number {
    let live = 0;
    for (const run of this.lab.live.values()) if (run.status === 'ok') live++;
    return live;
  }

  takeFrames(frame: FrameMessage, transfer: ArrayBuffer[]): void {
    const net = this.lab.takeFrames();
    if (net.length === 0) return;
    frame.net = net;
    for (const f of net) {
      transfer.push(...columnBuffers(networkStepColumns, f.steps));
      transfer.push(...columnBuffers(networkEpochColumns, f.epochs));
    }
  }

  /** Starts training the runs (unless the loop is running already), or stops it. */
  play(playing: boolean): void {
    this.playing = playing;
    if (!playing) return this.stop();
    if (this.timer) return;
    this.clock = { since: performance.now(), rounds: 0 };
    this.schedule(0);
  }

  /** net.speed: flat out, or so many updates a second; a slow rate's wait ends now. */
  speed(rate: number | 'max'): void {
    this.rate = rate;
    this.clock = { since: performance.now(), rounds: 0 };
    if (this.timer?.kind === 'timeout') {
      this.stop();
      this.play(this.playing);
    }
  }

  private stop(): void {
    const timer = this.timer;
    this.timer = undefined;
    if (timer?.kind === 'immediate') clearImmediate(timer.handle as NodeJS.Immediate);
    else if (timer?.kind === 'timeout') clearTimeout(timer.handle as NodeJS.Timeout);
  }

  /** The next slice at once (after the messages and timers waiting), or after `waitMs`. */
  private schedule(waitMs: number): void {
    this.timer =
      waitMs <= 0
        ? { kind: 'immediate', handle: setImmediate(() => this.slice()) }
        : { kind: 'timeout', handle: setTimeout(() => this.slice(), waitMs) };
  }

  /**
   * One slice of training while playing: rounds of one update of every live run (so a race
   * stays fair: at a slice's end every run has had the same updates) until NETWORK_SLICE_MS
   * have passed or, below flat out, the rounds due by now are done. Then the engine answers
   * its messages and sends its frames before the next slice.
   */
  private slice(): void {
    this.timer = undefined;
    if (!this.playing) return;
    const { live } = this.lab;
    const racing = [...live.values()].filter((run) => run.status === 'ok');
    const rate = this.rate;
    const start = performance.now();
    if (racing.length === 0) {
      // Nothing to train until a run is added or reset; look again a frame later.
      this.clock = { since: start, rounds: 0 };
      this.schedule(this.options.frameIntervalMs);
      return;
    }
    let due = Infinity;
    if (rate !== 'max') {
      due = Math.floor(((start - this.clock.since) * rate) / 1000) - this.clock.rounds;
      // Slow motion never bursts to catch up (after a long landscape, say): it goes on from now.
      if (due > Math.max(1, rate / 4)) {
        this.clock = { since: start - 1000 / rate, rounds: 0 };
        due = 1;
      }
    }
    const deadline = start + NETWORK_SLICE_MS;
    let rounds = 0;
    try {
      while (rounds < due) {
        let stepped = 0;
        for (const run of racing) {
          if (run.status !== 'ok' || live.get(run.runId) !== run) continue;
          this.lab.advance(run, 1);
          stepped++;
        }
        if (stepped === 0) break;
        rounds++;
        if (performance.now() >= deadline) break;
      }
    } catch (err) {
      this.options.fail(err);
      return;
    }
    this.clock.rounds += rounds;
    if (rate === 'max') {
      this.schedule(0);
      return;
    }
    // Behind (the runs are slower than the rate): go on at once; else wait for the next round.
    const next = this.clock.since + ((this.clock.rounds + 1) * 1000) / rate;
    this.schedule(Math.max(0, next - performance.now()));
  }
}
