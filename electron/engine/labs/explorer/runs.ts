/**
 * The explorer's runs: analytic runs on a surface, by id, with what a session or a fork said
 * of each (colour, fork origin). Playback steps them by "steps per frame" on each display
 * frame; a `step` job steps them in chunks until its slice's deadline.
 */
import { FieldError } from '../../core/errors';
import type { ForkOrigin } from '../../../common/session';
import { columnBuffers, trajectoryColumns } from '../../../common/columns';
import { MAX_EXPLORER_RUNS } from '../../../common/limits';
import type { Point } from '../../../common/schemas';
import { type FrameMessage, type LabRuns, type Post, type SurfaceProbe } from '../lab';
import type { AnalyticRun } from './analytic-run';

/** Most explorer runs one engine holds at once (see MAX_EXPLORER_RUNS). */
export const MAX_RUNS = MAX_EXPLORER_RUNS;

export class ExplorerRuns implements LabRuns<AnalyticRun> {
  readonly scope = 'analytic';
  private readonly byId = new Map<string, AnalyticRun>();
  /** Where each forked run branched off (saved with it). */
  readonly forks = new Map<string, ForkOrigin>();
  /** Colours a restored session gave its runs (the client's context overrides). */
  readonly colors = new Map<string, string>();

  constructor(private readonly post: Post) {}

  get size(): number {
    return this.byId.size;
  }

  get(runId: string): AnalyticRun | undefined {
    return this.byId.get(runId);
  }

  all(): Iterable<AnalyticRun> {
    return this.byId.values();
  }

  /** Run `runId`, or a refusal naming `runId`. */
  require(runId: string): AnalyticRun {
    const run = this.byId.get(runId);
    if (!run) throw new FieldError('runId', `no run "${runId}"`);
    return run;
  }

  /**
   * Refuses a new run `runId` when one of that id exists or MAX_RUNS do; the refusals name
   * `field` (`run.runId` and `run` for run.create, `newRunId` for a fork).
   */
  admit(runId: string, field?: string): void {
    if (this.byId.has(runId)) {
      throw new FieldError(field ?? 'run.runId', `a run "${runId}" already exists`);
    }
    if (this.byId.size >= MAX_RUNS) {
      throw new FieldError(field ?? 'run', `at most ${MAX_RUNS} runs at once`);
    }
  }

  /** Puts a run in (admitted, or restored from a session and checked), with its origin. */
  set(run: AnalyticRun, origin: { color?: string; forkedFrom?: ForkOrigin } = {}): void {
    this.byId.set(run.runId, run);
    if (origin.color !== undefined) this.colors.set(run.runId, origin.color);
    if (origin.forkedFrom) this.forks.set(run.runId, origin.forkedFrom);
  }

  /**
   * The point of run `runId` after `step` steps (absent: its newest): every point of an
   * explorer run is kept, so any step it has taken can be read.
   */
  probe(runId: string, step?: number): Promise<SurfaceProbe> {
    const run = this.byId.get(runId);
    if (!run) return Promise.reject(new FieldError('target.runId', `no surface run "${runId}"`));
    const at = step ?? run.step;
    if (at > run.step) {
      return Promise.reject(
        new FieldError(
          'target.step',
          `surface run "${runId}" has taken ${run.step} steps: its points are steps 0 to ${run.step}`,
        ),
      );
    }
    return Promise.resolve({
      lab: 'explorer',
      runId,
      surface: run.surface,
      point: [run.points.at(3 * at), run.points.at(3 * at + 1)],
      step: at,
      label: run.label ?? runId,
    });
  }

  /** Removes a run and what was kept about it, and tells the client. */
  remove(runId: string): void {
    this.byId.delete(runId);
    this.forks.delete(runId);
    this.colors.delete(runId);
    this.post({ type: 'run.removed', runId });
  }

  /** Every run removed (a session is being opened). */
  clear(): void {
    for (const runId of [...this.byId.keys()]) this.remove(runId);
  }

  reset(runId: string | undefined, start?: Point): void {
    for (const run of runId ? [this.require(runId)] : this.byId.values()) {
      run.reset(start);
      this.post({ type: 'run.state', run: run.state() });
    }
  }

  /**
   * Steps a run up to `steps` steps or until `deadline`, in chunks that double while they are
   * quick (a preset steps in nanoseconds, a long typed expression in microseconds). Returns
   * the steps taken.
   */
  advance(run: AnalyticRun, steps: number, deadline: number): number {
    let taken = 0;
    let chunk = 64;
    while (taken < steps && run.status === 'ok') {
      const t0 = performance.now();
      const before = run.step;
      this.stepRun(run, Math.min(chunk, steps - taken));
      taken += run.step - before;
      const now = performance.now();
      if (now >= deadline) break;
      if (now - t0 < 2) chunk *= 2;
    }
    return taken;
  }

  tick(stepsPerFrame: number): number {
    let live = 0;
    for (const run of this.byId.values()) {
      if (run.status !== 'ok') continue;
      this.stepRun(run, stepsPerFrame);
      if (run.status === 'ok') live++;
    }
    return live;
  }

  /** The explorer steps on the display's frames: nothing runs between them. */
  play(): void {}

  takeFrames(frame: FrameMessage, transfer: ArrayBuffer[]): void {
    for (const run of this.byId.values()) {
      const f = run.takeFrame();
      if (!f) continue;
      frame.runs.push(f);
      transfer.push(...columnBuffers(trajectoryColumns, f));
    }
  }

  /** Every run's state, and its whole trajectory again in the next frame. */
  sync(): void {
    for (const run of this.byId.values()) {
      this.post({ type: 'run.state', run: run.state() });
      run.rewindFrames();
    }
  }

  /** Steps a run; announces its new status if it diverged or finished. */
  private stepRun(run: AnalyticRun, steps: number): void {
    const before = run.status;
    run.advance(steps);
    if (run.status !== before) this.post({ type: 'run.state', run: run.state() });
  }
}
