/**
 * The explorer's race: the surface, the common start and the runs on it, each created,
 * replaced, forked or removed through the store's queue, in order, so quick successive clicks
 * never act on a run that is being replaced. Runs are named truthfully: a label the engine
 * holds (a lesson's, a fork's) only while the run's settings are those it was given for.
 */
import type { RunState, SurfaceInfo } from '../../../../../electron/common/protocol';
import type {
  HyperPatch,
  OptimizerSpec,
  Point,
  Schedule,
  SurfaceSpec,
} from '../../../../../electron/common/schemas';
import type { EngineConnection } from '../../engine/connection.svelte';
import { exerciseControls } from '../../state/exercise-controls.svelte';
import { settingsAt, settingsKey, type RunSettings } from '../../state/optimizers';
import { Trajectory } from '../../state/trajectory';
import type { ViewRun } from '../../views/view-source';
import { BasinMap } from './basins.svelte';
import { ExplorerPlayback } from './playback.svelte';
import {
  GRID_RESOLUTION,
  MAX_RACE_RUNS,
  optimizerSpecOf,
  sameSurface,
  type NewRun,
  type Run,
  type SurfaceGrid,
} from './types';
import { t } from '../../i18n';

/** The explorer's surface and runs: the second floor of its store (see ExplorerStore). */
export class ExplorerRuns extends ExplorerPlayback {
  surface = $state.raw<SurfaceSpec>('rosenbrock');
  grid = $state.raw<SurfaceGrid | undefined>();
  start = $state.raw<Point>([-1.5, 2]);
  /** Where forked runs branched off ("re-run from here"), by run id. */
  forks = $state.raw<Record<string, { runId: string; step: number }>>({});
  /**
   * The settings each run's trajectory started from, by run id: with the run's changes they
   * give the settings in force at any step (the panels show them while the timeline is
   * scrubbed back). Unknown for a run opened from a session saved without them.
   */
  origins = $state.raw<Record<string, RunSettings>>({});
  /**
   * The settings each run's label was given for, by run id (settingsKey): a label the engine
   * holds (a lesson's, a fork's) names the run only while its settings are these.
   */
  protected labelSettings: Record<string, string> = {};
  protected readonly basinMap: BasinMap;

  constructor(engine: EngineConnection) {
    super(engine);
    this.basinMap = new BasinMap(this.client);
    this.client.on('run.state', ({ run: reported }) => {
      const run = this.runs.find((r) => r.runId === reported.runId);
      if (!run) return;
      if (reported.step === 0) run.trajectory.clear();
      if (reported.changes.length === 0) {
        this.origins = {
          ...this.origins,
          [reported.runId]: { hyper: reported.hyper, schedule: reported.schedule },
        };
      }
      const state = this.truthfulLabel(reported);
      // A new object, so views keyed on the run see the change.
      this.runs = this.runs.map((r) => (r === run ? { ...r, state } : r));
    });
    this.client.on('run.removed', ({ runId }) => {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      this.dataVersion++;
    });
  }

  get surfaces(): SurfaceInfo[] {
    return this.engine.hello?.surfaces ?? [];
  }

  get surfaceInfo(): SurfaceInfo | undefined {
    return this.grid?.info;
  }

  get viewGrid(): SurfaceGrid | undefined {
    return this.grid;
  }

  get viewRuns(): ViewRun[] {
    return this.runs.map((r) => ({
      runId: r.runId,
      color: r.color,
      trajectory: r.trajectory,
      label: this.labelOf(r),
      diverged: r.state?.status === 'diverged',
      onSurface: !r.state || sameSurface(r.state.surface, this.surface),
    }));
  }

  pick(point: Point): void {
    // An exercise may fix the start (the views' click is its control).
    if (exerciseControls.blocks('explorer.start')) return;
    void this.setStart(point);
  }

  /**
   * The state as the page shows it: the engine's label (a lesson's "GD, small η = 0.002", a
   * fork's) only while the run's settings are those the label was given for; after an edit the
   * run is named from its settings, and the label comes back if they return.
   */
  private truthfulLabel(state: RunState): RunState {
    if (!state.label) return state;
    const key = settingsKey(state);
    const given = (this.labelSettings[state.runId] ??= key);
    if (given === key) return state;
    const { label: _stale, ...rest } = state;
    return rest;
  }

  /**
   * What a run's panel shows while the timeline is scrubbed to a step the run has passed: that
   * step and the settings in force there (undefined when not known). Undefined when the panel
   * shows the run live (not scrubbed, or the run has not got past the step shown).
   */
  pastSettings(runId: string): { step: number; settings: RunSettings | undefined } | undefined {
    void this.dataVersion;
    const shown = this.scrubStep;
    const run = this.runs.find((r) => r.runId === runId);
    if (shown === undefined || !run?.state) return undefined;
    const live = Math.max(run.state.step, run.trajectory.count - 1);
    if (shown >= live) return undefined;
    const origin = this.originOf(runId);
    // An origin read from a file must hold every setting the run has, each of its kind.
    const fits =
      origin !== undefined &&
      Object.entries(run.state.hyper).every(
        ([key, value]) =>
          typeof (origin.hyper as unknown as Record<string, unknown>)[key] === typeof value,
      );
    return {
      step: shown,
      settings: fits ? settingsAt(origin, run.state.changes, shown) : undefined,
    };
  }

  /**
   * The settings a run's trajectory started from. A fork that continued its source's state
   * shares the source's history (its changes before the fork step are the source's), so it
   * shares its origin too.
   */
  private originOf(runId: string, depth = 0): RunSettings | undefined {
    const known = this.origins[runId];
    if (known || depth > MAX_RACE_RUNS * 2) return known;
    const source = this.forks[runId]?.runId;
    return source ? this.originOf(source, depth + 1) : undefined;
  }

  /** What recreates every run the engine has created (after a restart, on another surface). */
  protected runSpecs(): NewRun[] {
    return this.runs.flatMap((run) =>
      run.state
        ? [
            {
              optimizer: optimizerSpecOf(run.state),
              surface: run.state.surface,
              ...(run.state.label ? { label: run.state.label } : {}),
            },
          ]
        : [],
    );
  }

  /** Samples a surface for the views and makes it current. Runs are not touched. */
  protected async loadSurface(surface: SurfaceSpec): Promise<void> {
    const grid = await this.client.request({
      type: 'surface.sample',
      surface,
      resolution: GRID_RESOLUTION,
    });
    this.surface = surface;
    this.grid = grid;
    this.view.logHeight = grid.info.logScale;
    // A basin map belongs to the surface it was computed on.
    if (this.basinMap.state.status !== 'idle') this.basinMap.cancel();
  }

  /**
   * Switches to another surface (a preset or an expression): every run is recreated there,
   * from `start` or the surface's suggested start. Resolves false (with the reason in
   * `lastError`) when the engine refuses the surface; nothing changes then.
   */
  switchSurface(surface: SurfaceSpec, start?: Point): Promise<boolean> {
    return this.serial(async () => {
      const ok = await this.attempt(async () => {
        await this.pauseNow();
        // Every run moves to the new surface, named from its settings: a label a lesson or a
        // fork gave it ("GD on MSE", "from step 160 of …") was about the old one.
        const specs = this.runSpecs().map(({ surface: _old, label: _given, ...spec }) => spec);
        await this.loadSurface(surface);
        // The lesson's text is about its own surface: another one ends it.
        this.closeLesson();
        this.start = start ?? this.grid?.info.start ?? this.start;
        for (const run of [...this.runs]) await this.removeRunNow(run.runId);
        for (const spec of specs) await this.createRun(spec);
        return true;
      });
      return ok ?? false;
    }, true);
  }

  /** Moves the common start point: every run starts over from there. */
  setStart(start: Point): Promise<void> {
    return this.serial(async () => {
      await this.attempt(async () => {
        await this.client.request({ type: 'run.reset', start, scope: 'analytic' });
        this.start = start;
        this.inspections = {};
      });
    });
  }

  addRun(run: NewRun): Promise<Run | undefined> {
    return this.serial(() => this.attempt(() => this.createRun(run)), true);
  }

  /** A copy of a run's optimizer and settings, started fresh beside it. */
  duplicateRun(runId: string): Promise<void> {
    return this.serial(async () => {
      const run = this.runs.find((r) => r.runId === runId);
      if (!run?.state) return;
      await this.attempt(() =>
        this.createRun({ optimizer: optimizerSpecOf(run.state!), surface: run.state!.surface }),
      );
    });
  }

  /** Shows another surface in the views without touching the runs (a lesson's alternative). */
  showSurface(surface: SurfaceSpec): Promise<void> {
    return this.serial(async () => {
      await this.attempt(async () => {
        const keep = this.view.lossLog;
        await this.loadSurface(surface);
        this.view.lossLog = keep;
      });
    });
  }

  /** A placeholder run with a new id and a free colour (its state follows from the engine). */
  protected placeholder(runId = this.newRunId(), color = this.freeColor()): Run {
    return { runId, color, trajectory: new Trajectory(), state: undefined };
  }

  protected async createRun({ optimizer, label, surface, start }: NewRun): Promise<Run> {
    if (this.runs.length >= MAX_RACE_RUNS)
      throw new Error(t('a race holds at most {max} runs', { max: MAX_RACE_RUNS }));
    const placeholder = this.placeholder();
    const { runId } = placeholder;
    this.runs = [...this.runs, placeholder];
    try {
      await this.client.request({
        type: 'run.create',
        run: {
          runId,
          surface: surface ?? this.surface,
          start: start ?? this.start,
          optimizer,
          ...(label ? { label } : {}),
        },
      });
    } catch (err) {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      throw err;
    }
    this.selectedRunId ??= runId;
    return this.runs.find((r) => r.runId === runId) ?? placeholder;
  }

  removeRun(runId: string): Promise<void> {
    return this.serial(
      () => this.attempt(() => this.removeRunNow(runId)).then(() => undefined),
      true,
    );
  }

  protected async removeRunNow(runId: string): Promise<void> {
    await this.client.request({ type: 'run.remove', runId });
    this.runs = this.runs.filter((r) => r.runId !== runId);
    if (this.selectedRunId === runId) this.selectedRunId = this.runs[0]?.runId;
    const { [runId]: _gone, ...rest } = this.inspections;
    this.inspections = rest;
  }

  /**
   * Gives a run another optimizer: a new run in the same place and colour, keeping the current
   * learning rate unless the spec sets one.
   */
  replaceRun(runId: string, optimizer: OptimizerSpec): Promise<void> {
    return this.serial(async () => {
      const index = this.runs.findIndex((r) => r.runId === runId);
      const old = this.runs[index];
      if (!old) return;
      const lr = optimizer.lr ?? old.state?.hyper.lr;
      await this.attempt(async () => {
        await this.removeRunNow(old.runId);
        const run = await this.createRun({
          optimizer: { ...optimizer, ...(lr === undefined ? {} : { lr }) },
          ...(old.state ? { surface: old.state.surface } : {}),
        });
        this.place(this.runs.find((r) => r.runId === run.runId) ?? run, index);
        if (this.selectedRunId === undefined || this.selectedRunId === old.runId)
          this.selectedRunId = run.runId;
      });
    }, true);
  }

  /** Changes hyperparameters before the run's next step (a marker on the curves). */
  setHyper(runId: string, hyper: HyperPatch): Promise<void> {
    return this.serial(async () => {
      await this.attempt(() => this.client.request({ type: 'run.update', runId, hyper }));
    });
  }

  setSchedule(runId: string, schedule: Schedule): Promise<void> {
    return this.serial(async () => {
      await this.attempt(() =>
        this.client.request({ type: 'run.update', runId, hyper: {}, schedule }),
      );
    });
  }

  /**
   * "Re-run from here": a new run continuing `runId` from its state after `step` steps, with
   * other settings. Resolves a note when the optimizer's state could not be carried over.
   */
  forkRun(
    runId: string,
    step: number,
    optimizer: OptimizerSpec,
    label?: string,
  ): Promise<string | undefined> {
    return this.serial(async () => {
      const result = await this.attempt(async () => {
        if (this.runs.length >= MAX_RACE_RUNS)
          throw new Error(t('a race holds at most {max} runs', { max: MAX_RACE_RUNS }));
        await this.pauseNow();
        const placeholder = this.placeholder();
        const newRunId = placeholder.runId;
        const runs = [...this.runs];
        runs.splice(this.runs.findIndex((r) => r.runId === runId) + 1, 0, placeholder);
        this.runs = runs;
        try {
          const reply = await this.client.request({
            type: 'run.fork',
            runId,
            step,
            newRunId,
            optimizer,
            ...(label ? { label } : {}),
          });
          this.forks = { ...this.forks, [newRunId]: reply.forkedFrom };
          this.selectedRunId = newRunId;
          return reply.note ?? '';
        } catch (err) {
          this.runs = this.runs.filter((r) => r.runId !== newRunId);
          throw err;
        }
      });
      return result || undefined;
    }, true);
  }
}
