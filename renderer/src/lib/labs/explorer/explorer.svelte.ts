/**
 * The lab's state: the engine connection, the surface, the runs, playback and view settings.
 * Trajectories are plain typed arrays outside Svelte's deep reactivity; views watch
 * `dataVersion` instead. Operations that change the set of runs go through one queue, in
 * order, so quick successive clicks never act on a run that is being replaced.
 */
import { getContext, setContext } from 'svelte';
import type {
  EngineMessageOf,
  RunInspection,
  RunState,
  SessionSummary,
  SurfaceInfo,
} from '../../../../../electron/common/protocol';
import type {
  HyperPatch,
  OptimizerSpec,
  Point,
  Schedule,
  SurfaceSpec,
} from '../../../../../electron/common/schemas';
import { EngineClient, EngineRequestError } from '../../engine/client';
import { lessonById, type Language, type Lesson } from './lessons';
import type { NewRun, ViewSettings } from './types';
import { pickTransport, type Transport } from '../../engine/transport';
import {
  cameraPoseFrom,
  type CameraPose,
  type ViewRun,
  type ViewSource,
} from '../../views/view-source';
import { runLabel, settingsAt, settingsKey, type RunSettings } from '../../state/optimizers';
import { runColors } from '../../views/palette';
import { Trajectory } from '../../state/trajectory';

export type Hello = EngineMessageOf<'hello'>;
export type BasinsResult = EngineMessageOf<'basins.result'>;

/** The basin map of the contour view: which minimum each start reaches with one run's optimizer. */
export type BasinsState =
  | { status: 'idle' }
  | { status: 'computing'; done: number; total: number; label: string }
  | { status: 'done'; result: BasinsResult; label: string }
  | { status: 'failed'; message: string };
export type SurfaceGrid = EngineMessageOf<'surface.grid'>;

export interface Run {
  readonly runId: string;
  readonly color: string;
  readonly trajectory: Trajectory;
  /** The engine's latest word on the run (undefined until the engine has created it). */
  readonly state: RunState | undefined;
}

export type Connection = 'connecting' | 'ready' | 'gone' | 'failed';

/** Surface grid resolution for the views. */
export const GRID_RESOLUTION = 256;
/** Most runs in one race. */
export const MAX_RACE_RUNS = 8;

/** Whether two surface specs name the same surface. */
export function sameSurface(a: SurfaceSpec, b: SurfaceSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class ExplorerStore implements ViewSource {
  readonly client: EngineClient;
  connection = $state<Connection>('connecting');
  hello = $state.raw<Hello | undefined>();
  /** Why the engine went away, shown with a Restart button. */
  goneReason = $state<string | undefined>();
  /** The latest error the engine reported, for the status line. */
  lastError = $state<string | undefined>();

  surface = $state.raw<SurfaceSpec>('rosenbrock');
  grid = $state.raw<SurfaceGrid | undefined>();
  start = $state.raw<Point>([-1.5, 2]);
  runs = $state.raw<Run[]>([]);
  selectedRunId = $state<string | undefined>();
  playing = $state(false);
  stepsPerFrame = $state(1);
  /** Bumped whenever any trajectory changes; views redraw on it. */
  dataVersion = $state(0);
  /** The step a curve is hovered at: views mark every run's point there. */
  hoverStep = $state<number | undefined>();
  view = $state<ViewSettings>({
    logHeight: true,
    wireframe: false,
    contours: true,
    lossLog: false,
    stepMode: false,
  });
  /** The optimizer's insides per run after the last step (step mode). */
  inspections = $state.raw<Record<string, RunInspection>>({});
  /** Bumped to ask the 3-D view to return to its default camera. */
  cameraVersion = $state(0);
  /** Camera direction a lesson asks for (azimuth, elevation in degrees). */
  cameraPose = $state.raw<CameraPose | undefined>();
  basins = $state.raw<BasinsState>({ status: 'idle' });
  private basinsId: number | undefined;
  /** Labels the user gave runs (presentation), by run id; otherwise the optimizer names them. */
  labels = $state<Record<string, string>>({});
  /** Replay: the step every view shows (undefined: the live end of each run). */
  scrubStep = $state<number | undefined>();
  /** Where forked runs branched off ("re-run from here"), by run id. */
  forks = $state.raw<Record<string, { runId: string; step: number }>>({});
  /** The lesson on screen, if any, and the language its text is shown in. */
  lesson = $state.raw<Lesson | undefined>();
  language = $state<Language>('en');
  /** The lesson's steps per second while it sets the speed; undefined once the user picks one. */
  pacing = $state<number | undefined>();
  /** Playback started before the lesson's end: it pauses there. */
  private stopArmed = false;
  /** A lesson is pausing at its end (and taking its last steps). */
  private stopping = false;
  /** What the engine last said about playback (`playing` also covers a lesson's last steps). */
  private enginePlaying = false;
  /** Frames seen since `paceSince` (ms): the display's frame rate, for the lesson's pace. */
  private paceFrames = 0;
  private paceSince = 0;
  /**
   * The settings each run's label was given for, by run id (settingsKey): a label the engine
   * holds (a lesson's, a fork's) names the run only while its settings are these.
   */
  private labelSettings: Record<string, string> = {};
  /**
   * The settings each run's trajectory started from, by run id: with the run's changes they
   * give the settings in force at any step (the panels show them while the timeline is
   * scrubbed back). Unknown for a run opened from a session saved without them.
   */
  origins = $state.raw<Record<string, RunSettings>>({});

  private nextRun = 1;
  private ackPending = false;
  private lastSeq = 0;
  /** Changes to the set of runs happen one at a time, in the order asked. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Surface or run-set changes queued or running: run panels wait until they are done. */
  restructuring = $state(0);

  constructor(transport: Transport = pickTransport()) {
    this.client = new EngineClient(transport);
    this.listen();
  }

  get surfaces(): SurfaceInfo[] {
    return this.hello?.surfaces ?? [];
  }

  get surfaceInfo(): SurfaceInfo | undefined {
    return this.grid?.info;
  }

  get viewGrid(): SurfaceGrid | undefined {
    return this.grid;
  }

  /**
   * A run's name: the label the user typed (it stays whatever the settings), else the label the
   * run was given while its settings are still those it was given for, else one generated
   * from its settings.
   */
  labelOf(run: Pick<Run, 'runId' | 'state'>): string {
    return this.labels[run.runId] || (run.state ? runLabel(run.state) : run.runId);
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

  /** The furthest step any run has reached. */
  get lastStep(): number {
    void this.dataVersion;
    return Math.max(0, ...this.runs.map((r) => r.trajectory.count - 1));
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
    void this.setStart(point);
  }

  get selectedRun(): Run | undefined {
    return this.runs.find((r) => r.runId === this.selectedRunId) ?? this.runs[0];
  }

  async connect(): Promise<void> {
    this.connection = 'connecting';
    try {
      this.hello = await this.client.connect();
      this.connection = 'ready';
      this.goneReason = undefined;
    } catch (err) {
      this.connection = 'failed';
      this.goneReason = (err as Error).message;
    }
  }

  /**
   * Runs an operation after every operation asked before it. A user who picks a surface and
   * then, at once, an optimizer gets the optimizer on the new surface, not on a run that is
   * being removed.
   */
  private serial<T>(operation: () => Promise<T>, restructures = false): Promise<T> {
    if (restructures) this.restructuring++;
    const result = this.queue.then(operation).finally(() => {
      if (restructures) this.restructuring--;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** After the engine died: a fresh engine, then the same surface and runs again. */
  restart(): Promise<void> {
    return this.serial(async () => {
      const specs = this.runSpecs();
      this.connection = 'connecting';
      try {
        this.hello = await this.client.restart();
      } catch (err) {
        this.connection = 'gone';
        this.goneReason = (err as Error).message;
        return;
      }
      this.connection = 'ready';
      this.goneReason = undefined;
      this.playing = this.enginePlaying = false;
      this.runs = [];
      await this.loadSurface(this.surface);
      for (const spec of specs) await this.createRun(spec);
    }, true);
  }

  private runSpecs(): NewRun[] {
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

  private listen(): void {
    const { client } = this;
    client.on('run.state', ({ run: reported }) => {
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
    client.on('run.removed', ({ runId }) => {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      this.dataVersion++;
    });
    client.on('frame', (frame) => {
      const t0 = performance.now();
      for (const f of frame.runs) this.runs.find((r) => r.runId === f.runId)?.trajectory.apply(f);
      performance.measure('losslab:frame-apply', { start: t0, end: performance.now() });
      this.dataVersion++;
      this.lastSeq = frame.seq;
      this.scheduleAck();
      if (this.enginePlaying && !this.stopping && frame.runs.length > 0) {
        this.keepPace(t0);
        this.stopAtLessonEnd();
      }
    });
    client.on('playback', ({ playing, stepsPerFrame }) => {
      this.enginePlaying = playing;
      // A lesson taking its last steps still plays, as far as the page is concerned.
      this.playing = playing || this.stopping;
      this.stepsPerFrame = stepsPerFrame;
    });
    client.on('error', ({ message }) => {
      this.lastError = message;
    });
    client.on('engine.gone', ({ reason }) => {
      this.connection = 'gone';
      this.goneReason = reason;
      this.playing = this.enginePlaying = false;
    });
  }

  /** Acknowledges frames once the browser has painted them: playback runs at display speed. */
  private scheduleAck(): void {
    if (this.ackPending) return;
    this.ackPending = true;
    requestAnimationFrame(() => {
      this.ackPending = false;
      this.client.post({ type: 'frame.ack', seq: this.lastSeq });
    });
  }

  /** Reports a refused request in the status line instead of throwing at the caller. */
  private async attempt<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await operation();
      this.lastError = undefined;
      return result;
    } catch (err) {
      this.lastError =
        err instanceof EngineRequestError ? err.message : String((err as Error).message ?? err);
      return undefined;
    }
  }

  /** Samples a surface for the views and makes it current. Runs are not touched. */
  private async loadSurface(surface: SurfaceSpec): Promise<void> {
    const grid = await this.client.request({
      type: 'surface.sample',
      surface,
      resolution: GRID_RESOLUTION,
    });
    this.surface = surface;
    this.grid = grid;
    this.view.logHeight = grid.info.logScale;
    // A basin map belongs to the surface it was computed on.
    if (this.basins.status !== 'idle') this.cancelBasins();
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

  /** A colour no run uses yet (cycling when all are taken). */
  private freeColor(): string {
    const used = this.runs.map((r) => r.color);
    return (
      runColors.find((c) => !used.includes(c)) ?? runColors[this.runs.length % runColors.length]
    );
  }

  private async createRun({ optimizer, label, surface }: NewRun): Promise<Run> {
    if (this.runs.length >= MAX_RACE_RUNS)
      throw new Error(`a race holds at most ${MAX_RACE_RUNS} runs`);
    const runId = `run-${this.nextRun++}`;
    const color = this.freeColor();
    const placeholder: Run = { runId, color, trajectory: new Trajectory(), state: undefined };
    this.runs = [...this.runs, placeholder];
    try {
      await this.client.request({
        type: 'run.create',
        run: {
          runId,
          surface: surface ?? this.surface,
          start: this.start,
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

  private async removeRunNow(runId: string): Promise<void> {
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
        const placed = this.runs.find((r) => r.runId === run.runId) ?? run;
        const others = this.runs.filter((r) => r.runId !== run.runId);
        others.splice(index, 0, placed);
        this.runs = others;
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

  /** The learning rate a schedule gives at each of `steps` steps, as the engine applies it. */
  async schedulePreview(
    schedule: Schedule,
    lr: number,
    steps: number,
  ): Promise<Float64Array | undefined> {
    try {
      const reply = await this.client.request({ type: 'schedule.preview', schedule, lr, steps });
      return reply.values;
    } catch {
      return undefined;
    }
  }

  async play(): Promise<void> {
    const lesson = this.lesson;
    this.stopArmed = lesson !== undefined && this.lastStep < lesson.stopAt;
    this.paceSince = 0;
    await this.attempt(() =>
      this.client.request({
        type: 'playback',
        playing: true,
        stepsPerFrame: this.stepsPerFrame,
        scope: 'analytic',
      }),
    );
  }

  pause(): Promise<void> {
    return this.pauseNow();
  }

  private async pauseNow(): Promise<void> {
    await this.client.request({ type: 'playback', playing: false });
  }

  async togglePlay(): Promise<void> {
    if (this.playing) await this.pause();
    else await this.play();
  }

  /** One step of every run (or `steps`); in step mode, then looks inside each optimizer. */
  step(steps = 1): Promise<void> {
    return this.serial(async () => {
      if (this.playing) await this.pauseNow();
      await this.attempt(() => this.client.request({ type: 'step', steps, scope: 'analytic' }));
      if (this.view.stepMode) await this.inspectAll();
    });
  }

  private async inspectAll(): Promise<void> {
    const next: Record<string, RunInspection> = {};
    for (const run of this.runs) {
      try {
        const reply = await this.client.request({ type: 'run.inspect', runId: run.runId });
        next[run.runId] = reply.inspection;
      } catch {
        // A run removed meanwhile: nothing to show for it.
      }
    }
    this.inspections = next;
  }

  setStepMode(on: boolean): Promise<void> {
    this.view.stepMode = on;
    if (!on) {
      this.inspections = {};
      return Promise.resolve();
    }
    return this.serial(() => this.inspectAll());
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      await this.attempt(() => this.client.request({ type: 'run.reset', scope: 'analytic' }));
      this.inspections = {};
    });
  }

  /** The user's choice of speed: it ends a lesson's pacing. */
  async setStepsPerFrame(stepsPerFrame: number): Promise<void> {
    this.pacing = undefined;
    await this.applySpeed(stepsPerFrame);
  }

  private async applySpeed(stepsPerFrame: number): Promise<void> {
    this.stepsPerFrame = stepsPerFrame;
    await this.attempt(() =>
      this.client.request({
        type: 'playback',
        playing: this.enginePlaying,
        stepsPerFrame,
        scope: 'analytic',
      }),
    );
  }

  /**
   * Computes the basin map for the selected run's optimizer on the surface shown: every start of
   * a grid over the domain, stepped `steps` times, labelled by the minimum it reaches.
   */
  async computeBasins(steps = 500, resolution = 128): Promise<void> {
    const run = this.selectedRun;
    if (!run?.state) return;
    this.cancelBasins();
    const label = `Run ${this.runs.indexOf(run) + 1}: ${runLabel(run.state)}`;
    this.basins = { status: 'computing', done: 0, total: resolution * resolution * steps, label };
    let id: number | undefined;
    const off = this.client.on('basins.progress', (m) => {
      if (m.id === id && this.basins.status === 'computing')
        this.basins = { ...this.basins, done: m.done, total: m.total };
    });
    try {
      const result = await this.client.request(
        {
          type: 'basins.compute',
          surface: this.surface,
          optimizer: optimizerSpecOf(run.state),
          resolution,
          steps,
        },
        (assigned) => {
          id = assigned;
          this.basinsId = assigned;
        },
      );
      if (this.basinsId === id) this.basins = { status: 'done', result, label };
    } catch (err) {
      if (this.basinsId !== id) return;
      const message = (err as Error).message;
      this.basins = message.startsWith('cancelled')
        ? { status: 'idle' }
        : { status: 'failed', message };
    } finally {
      off();
      if (this.basinsId === id) this.basinsId = undefined;
    }
  }

  /** Stops a basin map being computed (the engine replies "cancelled"). */
  cancelBasins(): void {
    if (this.basinsId !== undefined) this.client.post({ type: 'basins.cancel', id: this.basinsId });
    this.basinsId = undefined;
    this.basins = { status: 'idle' };
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
          throw new Error(`a race holds at most ${MAX_RACE_RUNS} runs`);
        await this.pauseNow();
        const newRunId = `run-${this.nextRun++}`;
        const placeholder: Run = {
          runId: newRunId,
          color: this.freeColor(),
          trajectory: new Trajectory(),
          state: undefined,
        };
        const index = this.runs.findIndex((r) => r.runId === runId);
        const runs = [...this.runs];
        runs.splice(index + 1, 0, placeholder);
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
        if (view?.language === 'en' || view?.language === 'zh') this.language = view.language;
      } else this.closeLesson();
      this.origins = savedOrigins(view?.origins);
      this.labelSettings = savedLabelSettings(view?.labelSettings);
      this.inspections = {};
      this.scrubStep = undefined;
      this.basinsId = undefined;
      this.runs = [];
      // The runs in the order they were shown (a fork sits beside its source).
      const order = view?.order ?? [];
      const rank = (runId: string) => {
        const i = order.indexOf(runId);
        return i < 0 ? order.length : i;
      };
      const runs = [...(explorer?.runs ?? [])].sort((a, b) => rank(a.runId) - rank(b.runId));
      for (const r of runs) {
        const run: Run = {
          runId: r.runId,
          color: r.color ?? this.freeColor(),
          trajectory: new Trajectory(),
          state: undefined,
        };
        this.runs = [...this.runs, run];
        const n = /^run-(\d+)$/.exec(r.runId);
        if (n) this.nextRun = Math.max(this.nextRun, Number(n[1]) + 1);
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
        if (explorer.basins) {
          this.basins = {
            status: 'done',
            result: { type: 'basins.result', id: -1, ...explorer.basins },
            label: view?.basinsLabel ?? 'saved basin map',
          };
        }
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

  /** Sets up a lesson: its surface, start, runs, pace, view and camera. */
  async applyLesson(lesson: Lesson): Promise<boolean> {
    this.openLesson(lesson);
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

  /** Shows a lesson's text, and plays its runs at its pace up to its end. */
  private openLesson(lesson: Lesson): void {
    this.lesson = lesson;
    this.pacing = lesson.stepsPerSecond;
    this.stopArmed = false;
  }

  /** Takes the lesson off the screen; the runs stay, at the speed they have. */
  closeLesson(): void {
    this.lesson = undefined;
    this.pacing = undefined;
    this.stopArmed = false;
  }

  /**
   * While a lesson sets the speed: every half second, the steps per frame that make its pace
   * at the frame rate the display has shown (frames come as fast as the page paints them).
   */
  private keepPace(now: number): void {
    const pace = this.pacing;
    if (pace === undefined) return;
    if (this.paceSince === 0) {
      this.paceSince = now;
      this.paceFrames = 0;
      return;
    }
    this.paceFrames++;
    const elapsed = now - this.paceSince;
    if (elapsed < 500) return;
    const fps = (1000 * this.paceFrames) / elapsed;
    this.paceSince = now;
    this.paceFrames = 0;
    const want = Math.max(1, Math.min(1000, Math.round(pace / fps)));
    // Within a fifth of the pace is close enough: no request for every wobble of the frame rate.
    if (Math.abs(want - this.stepsPerFrame) > 0.2 * this.stepsPerFrame) void this.applySpeed(want);
  }

  /**
   * Pauses a lesson at its end. Frames already on their way carry a few more steps, so playback
   * pauses a little early and the last steps are taken as one exact Step.
   */
  private stopAtLessonEnd(): void {
    const lesson = this.lesson;
    if (!lesson || !this.stopArmed || this.stopping) return;
    if (lesson.stopAt - this.lastStep > 4 * this.stepsPerFrame) return;
    this.stopArmed = false;
    this.stopping = true;
    void this.serial(async () => {
      try {
        await this.attempt(async () => {
          await this.pauseNow();
          const rest = lesson.stopAt - this.lastStep;
          if (rest > 0 && this.lesson === lesson) {
            await this.client.request({ type: 'step', steps: rest, scope: 'analytic' });
          }
        });
      } finally {
        this.stopping = false;
        this.playing = this.enginePlaying;
      }
    });
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
}

/** The explorer's part of a session's view state. */
export interface ExplorerViewState {
  settings?: Partial<ViewSettings>;
  stepsPerFrame?: number;
  /** Run ids in the order shown. */
  order?: string[];
  labels?: Record<string, string>;
  selectedRunId?: string;
  basinsLabel?: string;
  camera?: CameraPose;
  scrubStep?: number;
  /** The lesson on show (its id) and the language of its text. */
  lesson?: string;
  language?: Language;
  /** Each run's settings at its start (see ExplorerStore.origins). */
  origins?: Record<string, RunSettings>;
  /** The settings each run's own label was given for (see ExplorerStore.truthfulLabel). */
  labelSettings?: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The run origins a session's view holds, those that have the shape of settings (the view is
 * the renderer's own part of a file, which anyone can write): the rest are left unknown.
 */
function savedOrigins(saved: unknown): Record<string, RunSettings> {
  if (!isRecord(saved)) return {};
  const out: Record<string, RunSettings> = {};
  for (const [runId, value] of Object.entries(saved)) {
    if (!isRecord(value) || !isRecord(value.hyper) || !isRecord(value.schedule)) continue;
    if (typeof value.hyper.lr !== 'number' || typeof value.schedule.kind !== 'string') continue;
    out[runId] = value as unknown as RunSettings;
  }
  return out;
}

function savedLabelSettings(saved: unknown): Record<string, string> {
  if (!isRecord(saved)) return {};
  return Object.fromEntries(
    Object.entries(saved).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** The optimizer spec that recreates a run as it is now. */
export function optimizerSpecOf(state: RunState): OptimizerSpec {
  return { optimizer: state.optimizer, ...state.hyper, schedule: state.schedule };
}

const key = Symbol('explorer');

export function createExplorerContext(lab: ExplorerStore): ExplorerStore {
  setContext(key, lab);
  return lab;
}

export function useExplorer(): ExplorerStore {
  const lab = getContext<ExplorerStore | undefined>(key);
  if (!lab) throw new Error('useExplorer() needs createExplorerContext() in an ancestor component');
  return lab;
}
