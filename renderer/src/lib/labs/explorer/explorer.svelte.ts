/**
 * The explorer's store: an analytic surface and a race of optimizers on it. Built in floors,
 * each its own file: the runs as they play (playback.svelte.ts), the surface and the runs on it
 * (runs.svelte.ts), and here what sets up a whole race (a lesson, a session, a restart), the
 * basin map, the camera, and the critical point (the Hessian at a point the user picks, drawn
 * on both views, and Escape from it, which restarts every run).
 */
import { getContext, setContext } from 'svelte';
import type { EscapeResult, SessionSummary } from '../../../../../electron/common/protocol';
import type { Point, SurfaceSpec } from '../../../../../electron/common/schemas';
import { runLabel } from '../../state/optimizers';
import type { CriticalOverlay } from '../../views/view-data';
import { cameraPoseFrom, type CameraPose, type ViewSource } from '../../views/view-source';
import { DEFAULT_ESCAPE_T, SurfaceCritical } from '../critical/surface/surface-critical.svelte';
import type { BasinsState } from './basins.svelte';
import { lessonById, type Lesson } from './lessons';
import { ExplorerRuns } from './runs.svelte';
import { savedLabelSettings, savedOrigins, type ExplorerViewState } from './session-view';
import { optimizerSpecOf, sameSurface, type NewRun, type Run } from './types';
import { t } from '../../i18n';

/** The explorer's state: the surface, the runs, playback, the basin map and the camera. */
export class ExplorerStore extends ExplorerRuns implements ViewSource {
  /** Bumped to ask the 3-D view to return to its default camera. */
  cameraVersion = $state(0);
  /** Camera direction a lesson asks for (azimuth, elevation in degrees). */
  cameraPose = $state.raw<CameraPose | undefined>();
  /**
   * The Hessian at a point of the surface: a run's step (a click on its trajectory, the
   * timeline's Hessian here, H) or any point (Shift-click). Not saved in sessions.
   */
  readonly criticalPoint = new SurfaceCritical({
    client: this.client,
    surface: () => this.surface,
    restartRuns: (escape) => this.restartRunsFrom(escape),
  });

  /** What both views draw of the critical point: only on the surface its run descends. */
  get critical(): CriticalOverlay | undefined {
    const overlay = this.criticalPoint.overlay;
    const runId = this.criticalPoint.analysis?.target.runId;
    const run = runId === undefined ? undefined : this.runs.find((r) => r.runId === runId);
    if (run?.state && !sameSurface(run.state.surface, this.surface)) return undefined;
    return overlay;
  }

  /** A click on a trajectory's point: the Hessian at that run's step. */
  analyzeRun(runId: string, step: number): void {
    void this.criticalPoint.analyzeRun(runId, step);
  }

  /** A Shift- or Alt-click on the surface: the Hessian at that point. */
  analyzePoint(point: Point): void {
    void this.criticalPoint.analyzePoint(point);
  }

  /**
   * "Hessian here": the selected run (else `runId`) at the step on show, the timeline's replay
   * step or its current one.
   */
  analyzeHere(runId = this.selectedRun?.runId): void {
    const run = this.runs.find((r) => r.runId === runId);
    if (!run) return;
    const last = run.trajectory.count - 1;
    if (last < 0) {
      void this.criticalPoint.analyzeRun(run.runId);
      return;
    }
    const step = Math.min(this.scrubStep ?? last, last);
    void this.criticalPoint.analyzeRun(run.runId, step);
  }

  /**
   * The timeline moved to `step`: a critical point on a run's step follows it along that run
   * (so any step of any run can be read by scrubbing).
   */
  followScrub(step: number | undefined): void {
    const point = this.criticalPoint;
    const target = point.target;
    if (target?.kind !== 'run' || point.detached) return;
    const run = this.runs.find((r) => r.runId === target.runId);
    const last = (run?.trajectory.count ?? 0) - 1;
    if (!run || last < 0) return;
    const at = Math.min(step ?? last, last);
    if (at === target.step) return;
    void point.analyzeRun(run.runId, at);
  }

  /**
   * Escape: the request runs in the race's queue with playback paused; the engine starts every
   * run again from the point it reached, which becomes the common start; then the runs play on
   * from there.
   */
  private async restartRunsFrom(escape: () => Promise<EscapeResult>): Promise<EscapeResult> {
    const result = await this.serial(async () => {
      await this.pauseNow();
      const reply = await escape();
      if (reply.point) this.start = [reply.point[0], reply.point[1]];
      this.inspections = {};
      this.scrubStep = undefined;
      return reply;
    }, true);
    void this.play();
    return result;
  }

  /** A new common start: the critical point stays, as a point (its run's step is gone). */
  override setStart(start: Point): Promise<void> {
    this.criticalPoint.detach();
    return super.setStart(start);
  }

  override reset(): Promise<void> {
    this.criticalPoint.detach();
    return super.reset();
  }

  /** The critical point belongs to the surface it was taken on. */
  protected override async loadSurface(surface: SurfaceSpec): Promise<void> {
    this.criticalPoint.clear();
    await super.loadSurface(surface);
  }

  protected override async removeRunNow(runId: string): Promise<void> {
    await super.removeRunNow(runId);
    if (this.criticalPoint.analysis?.target.runId === runId) this.criticalPoint.detach();
  }

  /** A lesson that reads the Hessian at its end: where its run stands when it stops. */
  protected override lessonEnded(lesson: Lesson): void {
    const critical = lesson.critical;
    if (!critical) return;
    const run = this.runs[critical.run ?? 0];
    if (run) void this.criticalPoint.analyzeRun(run.runId);
  }

  /** The basin map of the contour view. */
  get basins(): BasinsState {
    return this.basinMap.state;
  }

  /**
   * Computes the basin map for the selected run's optimizer on the surface shown: every start of
   * a grid over the domain, stepped `steps` times, labelled by the minimum it reaches.
   */
  async computeBasins(steps = 500, resolution = 128): Promise<void> {
    const run = this.selectedRun;
    if (!run?.state) return;
    this.basinMap.cancel();
    const label = t('Run {n}: {label}', {
      n: this.runs.indexOf(run) + 1,
      label: runLabel(run.state),
    });
    await this.basinMap.compute(
      { surface: this.surface, optimizer: optimizerSpecOf(run.state), resolution, steps },
      label,
    );
  }

  /** Stops a basin map being computed (the engine replies "cancelled"). */
  cancelBasins(): void {
    this.basinMap.cancel();
  }

  /** After the engine died: a fresh engine, then the same surface and runs again. */
  restart(): Promise<void> {
    return this.serial(async () => {
      const specs = this.runSpecs();
      if (!(await this.engine.restart())) return;
      this.playing = this.enginePlaying = false;
      this.runs = [];
      await this.loadSurface(this.surface);
      for (const spec of specs) await this.createRun(spec);
    }, true);
  }

  /** Sets up a lesson: its surface, start, runs, pace, view and camera. */
  async applyLesson(lesson: Lesson): Promise<boolean> {
    this.openLesson(lesson);
    this.criticalPoint.t = lesson.critical?.escape?.t ?? DEFAULT_ESCAPE_T;
    const ok = await this.setUp({
      surface: lesson.surface,
      start: lesson.start,
      runs: lesson.runs,
      // A first guess for a 60 Hz display; the pace corrects it within half a second.
      stepsPerFrame: Math.max(1, Math.round(lesson.stepsPerSecond / 60)),
    });
    Object.assign(this.view, { stepMode: false }, lesson.view ?? {});
    this.cameraPose = lesson.camera;
    this.cameraVersion++;
    return ok;
  }

  /** Replaces the race: a surface, a start and runs, as a lesson or a saved setup asks. */
  setUp(setup: {
    surface: SurfaceSpec;
    start?: Point;
    runs: NewRun[];
    stepsPerFrame?: number;
  }): Promise<boolean> {
    return this.serial(async () => {
      const ok = await this.attempt(async () => {
        await this.pauseNow();
        // The speed first, so a speed chosen while the runs are being created is not overridden.
        if (setup.stepsPerFrame) {
          this.stepsPerFrame = setup.stepsPerFrame;
          await this.client.request({
            type: 'playback',
            playing: false,
            stepsPerFrame: setup.stepsPerFrame,
          });
        }
        for (const run of [...this.runs]) await this.removeRunNow(run.runId);
        await this.loadSurface(setup.surface);
        this.start = setup.start ?? this.grid?.info.start ?? this.start;
        this.inspections = {};
        this.selectedRunId = undefined;
        for (const run of setup.runs) await this.createRun(run);
        return true;
      });
      return ok ?? false;
    }, true);
  }

  /**
   * Takes over the runs of a session the engine just opened: placeholders in the saved colours
   * (their states and trajectories follow the engine's sync), the surface, start and basin map.
   */
  adoptSession(
    explorer: SessionSummary['explorer'],
    view: ExplorerViewState | undefined,
  ): Promise<void> {
    return this.serial(async () => {
      // The session's lesson, if it had one on show (its text and end; the speed is the saved one).
      const lesson = typeof view?.lesson === 'string' ? lessonById(view.lesson) : undefined;
      if (lesson) {
        this.openLesson(lesson);
        this.pacing = undefined;
        // The session's `language` is not applied: the UI's language is the user's setting.
      } else this.closeLesson();
      this.origins = savedOrigins(view?.origins);
      this.labelSettings = savedLabelSettings(view?.labelSettings);
      this.inspections = {};
      this.scrubStep = undefined;
      this.criticalPoint.clear();
      this.basinMap.forget();
      this.runs = [];
      // The runs in the order they were shown (a fork sits beside its source).
      const order = view?.order ?? [];
      const rank = (runId: string) => {
        const i = order.indexOf(runId);
        return i < 0 ? order.length : i;
      };
      const runs = [...(explorer?.runs ?? [])].sort((a, b) => rank(a.runId) - rank(b.runId));
      for (const r of runs) {
        const run: Run = this.placeholder(r.runId, r.color ?? this.freeColor());
        this.runs = [...this.runs, run];
        this.adoptRunId(r.runId);
      }
      this.forks = Object.fromEntries(
        runs.flatMap((r) => (r.forkedFrom ? [[r.runId, r.forkedFrom]] : [])),
      );
      this.labels = { ...(view?.labels ?? {}) };
      this.selectedRunId =
        view?.selectedRunId && runs.some((r) => r.runId === view.selectedRunId)
          ? view.selectedRunId
          : runs[0]?.runId;
      if (explorer) {
        await this.attempt(() => this.loadSurface(explorer.surface));
        this.start = explorer.start;
        if (explorer.basins)
          this.basinMap.restore(explorer.basins, view?.basinsLabel ?? t('saved basin map'));
      }
      if (view?.settings) Object.assign(this.view, view.settings);
      if (view?.stepsPerFrame) this.stepsPerFrame = view.stepsPerFrame;
      const camera = cameraPoseFrom(view?.camera);
      if (camera) {
        this.cameraPose = camera;
        this.cameraVersion++;
      }
    }, true);
  }

  /** What a session keeps of the explorer's view. */
  viewState(camera?: CameraPose): ExplorerViewState {
    return {
      settings: { ...this.view },
      stepsPerFrame: this.stepsPerFrame,
      order: this.runs.map((r) => r.runId),
      labels: { ...this.labels },
      ...(this.selectedRunId ? { selectedRunId: this.selectedRunId } : {}),
      ...(this.basins.status === 'done' ? { basinsLabel: this.basins.label } : {}),
      ...(camera ? { camera } : {}),
      ...(this.scrubStep !== undefined ? { scrubStep: this.scrubStep } : {}),
      ...(this.lesson ? { lesson: this.lesson.id, language: this.language } : {}),
      origins: { ...this.origins },
      labelSettings: { ...this.labelSettings },
    };
  }
}

const key = Symbol('explorer');

/** Makes the explorer's store the one its page's components find (see useExplorer). */
export function createExplorerContext(explorer: ExplorerStore): ExplorerStore {
  setContext(key, explorer);
  return explorer;
}

/** The explorer's store, from the page's context. */
export function useExplorer(): ExplorerStore {
  const explorer = getContext<ExplorerStore | undefined>(key);
  if (!explorer)
    throw new Error('useExplorer() needs createExplorerContext() in an ancestor component');
  return explorer;
}
