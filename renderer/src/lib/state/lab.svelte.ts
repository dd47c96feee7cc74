/**
 * The lab's state: the engine connection, the surface, the runs and playback. Trajectories are
 * plain typed arrays outside Svelte's deep reactivity; views watch `dataVersion` instead.
 */
import { getContext, setContext } from 'svelte';
import type { EngineMessageOf, RunState, SurfaceInfo } from '../../../../electron/common/protocol';
import type { OptimizerSpec, Point, SurfaceSpec } from '../../../../electron/common/schemas';
import { EngineClient, EngineRequestError } from '../engine/client';
import { pickTransport, type Transport } from '../engine/transport';
import { runColors } from './palette';
import { Trajectory } from './trajectory';

export type Hello = EngineMessageOf<'hello'>;
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
export const GRID_RESOLUTION = 128;

export class Lab {
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
  playing = $state(false);
  stepsPerFrame = $state(1);
  /** Bumped whenever any trajectory changes; views redraw on it. */
  dataVersion = $state(0);

  private nextRun = 1;
  private ackPending = false;
  private lastSeq = 0;
  /** Changes to the set of runs happen one at a time, in the order asked. */
  private queue: Promise<unknown> = Promise.resolve();

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
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** After the engine died: a fresh engine, then the same surface and runs again. */
  restart(): Promise<void> {
    return this.serial(() => this.restartNow());
  }

  private async restartNow(): Promise<void> {
    const specs = this.runs.flatMap((run) => (run.state ? [optimizerSpecOf(run.state)] : []));
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
    this.playing = false;
    this.runs = [];
    await this.loadSurface(this.surface);
    for (const spec of specs) await this.createRun(spec);
  }

  private listen(): void {
    const { client } = this;
    client.on('run.state', ({ run: state }) => {
      const run = this.runs.find((r) => r.runId === state.runId);
      if (!run) return;
      if (state.step === 0) run.trajectory.clear();
      // A new object, so views keyed on the run see the change.
      this.runs = this.runs.map((r) => (r === run ? { ...r, state } : r));
    });
    client.on('run.removed', ({ runId }) => {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      this.dataVersion++;
    });
    client.on('frame', (frame) => {
      for (const f of frame.runs) this.runs.find((r) => r.runId === f.runId)?.trajectory.apply(f);
      this.dataVersion++;
      this.lastSeq = frame.seq;
      this.scheduleAck();
    });
    client.on('playback', ({ playing, stepsPerFrame }) => {
      this.playing = playing;
      this.stepsPerFrame = stepsPerFrame;
    });
    client.on('error', ({ message }) => {
      this.lastError = message;
    });
    client.on('engine.gone', ({ reason }) => {
      this.connection = 'gone';
      this.goneReason = reason;
      this.playing = false;
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

  /** Samples a surface for the views and makes it current. Runs are not touched. */
  async loadSurface(surface: SurfaceSpec): Promise<void> {
    const grid = await this.client.request({
      type: 'surface.sample',
      surface,
      resolution: GRID_RESOLUTION,
    });
    this.surface = surface;
    this.grid = grid;
  }

  /** Switches to another surface: every run is recreated there from its suggested start. */
  switchSurface(surface: SurfaceSpec): Promise<void> {
    return this.serial(async () => {
      await this.pause();
      const specs = this.runs.flatMap((run) => (run.state ? [optimizerSpecOf(run.state)] : []));
      await this.loadSurface(surface);
      this.start = this.grid?.info.start ?? this.start;
      for (const run of [...this.runs]) await this.removeRunNow(run.runId);
      for (const spec of specs) await this.createRun(spec);
    });
  }

  addRun(optimizer: OptimizerSpec): Promise<Run> {
    return this.serial(() => this.createRun(optimizer));
  }

  private async createRun(optimizer: OptimizerSpec): Promise<Run> {
    const runId = `run-${this.nextRun++}`;
    const color = runColors[(this.nextRun - 2) % runColors.length];
    const placeholder: Run = { runId, color, trajectory: new Trajectory(), state: undefined };
    this.runs = [...this.runs, placeholder];
    try {
      await this.client.request({
        type: 'run.create',
        run: { runId, surface: this.surface, start: this.start, optimizer },
      });
    } catch (err) {
      this.runs = this.runs.filter((r) => r.runId !== runId);
      throw err;
    }
    return this.runs.find((r) => r.runId === runId) ?? placeholder;
  }

  removeRun(runId: string): Promise<void> {
    return this.serial(() => this.removeRunNow(runId));
  }

  private async removeRunNow(runId: string): Promise<void> {
    await this.client.request({ type: 'run.remove', runId });
  }

  /**
   * Gives the run in slot `index` another optimizer: a new run in the same place, keeping the
   * current learning rate unless the spec sets one. Slot, not id: the run there may itself be
   * the result of an earlier replacement still in the queue.
   */
  replaceRunAt(
    index: number,
    optimizer: Omit<OptimizerSpec, 'lr'> & { lr?: number },
  ): Promise<void> {
    return this.serial(async () => {
      const old = this.runs[index];
      if (!old) return;
      const lr = optimizer.lr ?? old.state?.hyper.lr;
      await this.removeRunNow(old.runId);
      const run = await this.createRun({ ...optimizer, ...(lr === undefined ? {} : { lr }) });
      const rest = this.runs.filter((r) => r.runId !== run.runId);
      rest.splice(index, 0, run);
      this.runs = rest;
    });
  }

  /** Changes hyperparameters of the run in slot `index` before its next step. */
  setHyperAt(index: number, hyper: Partial<RunState['hyper']>): Promise<void> {
    return this.serial(async () => {
      const run = this.runs[index];
      if (!run) return;
      try {
        await this.client.request({ type: 'run.update', runId: run.runId, hyper });
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err instanceof EngineRequestError ? err.message : String(err);
      }
    });
  }

  async play(): Promise<void> {
    await this.client.request({
      type: 'playback',
      playing: true,
      stepsPerFrame: this.stepsPerFrame,
    });
  }

  async pause(): Promise<void> {
    await this.client.request({ type: 'playback', playing: false });
  }

  async togglePlay(): Promise<void> {
    if (this.playing) await this.pause();
    else await this.play();
  }

  async step(steps = 1): Promise<void> {
    await this.client.request({ type: 'step', steps });
  }

  async reset(start?: Point): Promise<void> {
    if (start) this.start = start;
    await this.client.request({ type: 'run.reset', ...(start ? { start } : {}) });
  }

  async setStepsPerFrame(stepsPerFrame: number): Promise<void> {
    this.stepsPerFrame = stepsPerFrame;
    await this.client.request({ type: 'playback', playing: this.playing, stepsPerFrame });
  }
}

/** The optimizer spec that recreates a run as it is now. */
export function optimizerSpecOf(state: RunState): OptimizerSpec {
  return { optimizer: state.optimizer, ...state.hyper, schedule: state.schedule };
}

const key = Symbol('lab');

export function createLabContext(lab: Lab): Lab {
  setContext(key, lab);
  return lab;
}

export function useLab(): Lab {
  const lab = getContext<Lab | undefined>(key);
  if (!lab) throw new Error('useLab() needs createLabContext() in an ancestor component');
  return lab;
}
