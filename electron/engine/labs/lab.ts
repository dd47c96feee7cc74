/**
 * The one shape every lab has. A lab owns its runs, what a session restored about them, its
 * frames and the per-frame work, and its part of a session (recorded on save, rebuilt and
 * adopted on open). The engine only routes: a client message goes to the lab that declared its
 * type; playback and `step` drive every lab with runs in scope; the session desk asks each lab
 * for its part of the session and hands each its part back. A new lab is a new folder here
 * implementing `Lab`, listed once where the engine builds its labs.
 */
import type {
  EngineMessage,
  RestoredRunInfo,
  RunStatus,
  SessionSummary,
  ValidClientMessage,
} from '../../common/protocol';
import type { Point } from '../../common/schemas';
import type { ForkOrigin, SessionData } from '../../common/session';
import type { Checkpoint } from '../hessian/types';
import type { NetworkProblem } from '../network';
import type { Surface } from '../problems';

/** A client message of one type. */
export type Msg<T extends ValidClientMessage['type']> = Extract<ValidClientMessage, { type: T }>;

/** What the client adds to a session it saves or records (view, title, colours, what to hold). */
export type SessionContext = Msg<'session.save'>['context'];

/** Sends a message to the client, the buffers listed in `transfer` moved rather than copied. */
export type Post = (message: EngineMessage, transfer?: ArrayBuffer[]) => void;

/** The engine's frame message, which each lab with runs fills with its part. */
export type FrameMessage = Extract<EngineMessage, { type: 'frame' }>;

/** Which runs playback, `run.reset` and `step` address: one lab's, or (undefined) all. */
export type PlaybackScope = 'analytic' | 'network';

/** What a lab needs of the engine that holds it. */
export interface LabHost {
  post: Post;
  /** Sends one frame of whatever changed (the session's autosave sees the change too). */
  flush(): void;
  /** The session changed without a frame to send (a run removed): the autosave writes it. */
  touch(): void;
  /** Playback failed (a kernel out of memory, say): it stops, and the failure is reported. */
  fail(err: unknown): void;
}

/** A run as the engine's playback and step jobs see it. */
export interface SteppedRun {
  readonly runId: string;
  readonly status: RunStatus;
  /** Steps taken. */
  readonly step: number;
}

/**
 * A point of a run, as another lab reads it (the critical-points lab takes Hessians there):
 * a point of an explorer run on its surface, or a network run's θ on its architecture.
 */
export type RunProbe = SurfaceProbe | NetworkProbe;

export interface SurfaceProbe {
  lab: 'explorer';
  runId: string;
  /** The run's surface, with its exact gradient and Hessian. */
  surface: Surface;
  point: [number, number];
  /** The run's step at that point. */
  step: number;
  label: string;
}

export interface NetworkProbe {
  lab: 'network';
  runId: string;
  /** The problem of the run's architecture (its data and model, uploaded to the backend). */
  problem: NetworkProblem;
  /** θ at `step` (a copy the caller owns): float64 for the run's current step, else a kept
   * float32 snapshot widened, or θ retrained bit for bit up to the step. */
  theta: Float64Array;
  step: number;
  label: string;
}

/** The runs of a lab that has some: what playback and `step` drive. */
export interface LabRuns<R extends SteppedRun = SteppedRun> {
  /** The playback scope that names this lab's runs. */
  readonly scope: PlaybackScope;
  /** How many runs the lab holds. */
  readonly size: number;
  /** Its run `runId`, if it has one by that id. */
  get(runId: string): R | undefined;
  /** Every run, in the order they were made. */
  all(): Iterable<R>;
  /**
   * Steps `run` at most `steps` steps and at most until `deadline` (performance.now()),
   * announcing a change of status. Returns the steps taken.
   */
  advance(run: R, steps: number, deadline: number): number;
  /** Back to their start (`start`: a new one, where the lab has starts); one run or all. */
  reset(runId: string | undefined, start?: Point): void;
  /**
   * One display frame of playback: the work this lab does per frame (`stepsPerFrame` steps of
   * each run, or none when the lab trains in its own loop). Returns how many runs still go.
   */
  tick(stepsPerFrame: number): number;
  /** Playback started or stopped for this lab's runs. */
  play(playing: boolean): void;
  /** Adds every run's new points since its last frame to `frame`, their buffers to `transfer`. */
  takeFrames(frame: FrameMessage, transfer: ArrayBuffer[]): void;
  /**
   * The point of run `runId` at `step` (absent: its current step), for another lab to read.
   * Refusals name `target.runId` and `target.step` (the steps whose point is available). A
   * step that must be recomputed (a network θ not kept) calls `checkpoint` between units of
   * work, so it reports progress and can be cancelled.
   */
  probe?(runId: string, step: number | undefined, checkpoint?: Checkpoint): Promise<RunProbe>;
  /**
   * The steps of run `runId` whose θ `keptTheta` gives at once (ascending; the current step
   * last), or undefined when it has no run `runId`.
   */
  keptSteps?(runId: string): number[] | undefined;
  /**
   * θ of run `runId` after `step` steps when it is at hand (kept, or the current one): a copy,
   * or undefined when it would have to be recomputed (see `probe`) or there is no such run.
   */
  keptTheta?(runId: string, step: number): Float64Array | undefined;
  /**
   * Starts a new run `newRunId` with run `runId`'s settings as they are now (fresh optimizer
   * state) from `theta`, labelled `label`, recorded as branched off `runId` at `step`.
   * Refusals name `newRunId`.
   */
  branch?(
    runId: string,
    newRunId: string,
    from: { theta: Float64Array; step: number; label: string },
  ): void;
}

/** One lab: its messages, its runs (if any), and its part of a session. */
export interface Lab<Restored = unknown> {
  /** Its name, for errors and the reader: `explorer`, `network`, `basins`. */
  readonly name: string;
  /** The client message types this lab answers; the engine routes exactly these here. */
  readonly messages: readonly ValidClientMessage['type'][];
  /** Its runs, if playback and `step` drive any. */
  readonly runs?: LabRuns;
  /** Answers one of its messages, replying by the host's `post`; throws to refuse it. */
  handle(message: ValidClientMessage): Promise<void> | void;
  /** Every run's state to the client, and the runs' frames from their start again. */
  sync(): void;
  /** Writes the lab's part of the session being saved, as `context` asks. */
  record(session: SessionData, context: SessionContext): void;
  /**
   * Refuses at once, before any lab rebuilds anything, a session whose part this lab could not
   * hold (more runs than it holds): a SessionError naming the field.
   */
  admit(session: SessionData): void;
  /**
   * Rebuilds and checks the lab's part of a session being opened, changing nothing; throws a
   * SessionError naming the field when it cannot. Opening is all or nothing: only when every
   * lab has restored its part does any adopt it.
   */
  restore(session: SessionData): Restored | Promise<Restored>;
  /**
   * Puts what `restore` rebuilt in place of everything the lab held (the runs' states and
   * curves go out on the client's next `sync`), and adds the lab's part to `summary`.
   */
  adopt(restored: Restored, summary: SessionSummary): void;
  /** job.cancel: stops the long job request `id` started here, if any. */
  cancel(id: number): void;
  /** The tfjs backend was restarted: forget whatever the lab had uploaded to it. */
  backendRestarted?(): void;
  /** The engine is closing: stop every job and free what the lab holds. */
  close(): void;
}

/** A restored run as `session.opened` tells the client of it. */
export function restoredRunInfo(r: {
  run: { runId: string };
  color?: string;
  forkedFrom?: ForkOrigin;
  resumable: boolean;
  note?: string;
}): RestoredRunInfo {
  return {
    runId: r.run.runId,
    ...(r.color !== undefined ? { color: r.color } : {}),
    ...(r.forkedFrom ? { forkedFrom: r.forkedFrom } : {}),
    resumable: r.resumable,
    ...(r.note !== undefined ? { note: r.note } : {}),
  };
}

/** A live run with what only the client or the lab's bookkeeping knows about it. */
export interface LiveRun<R> {
  run: R;
  /** The colour the client draws it in. */
  color?: string;
  /** Where it branched off another run ("re-run from here"). */
  forkedFrom?: ForkOrigin;
}

/** A live run with its colour and fork origin, each when it has one. */
export function withOrigin<R>(run: R, color?: string, forkedFrom?: ForkOrigin): LiveRun<R> {
  return {
    run,
    ...(color !== undefined ? { color } : {}),
    ...(forkedFrom ? { forkedFrom } : {}),
  };
}

/** A run as it is given to a session: alone, or with its colour and fork origin. */
export function liveRun<R extends object>(entry: R | LiveRun<R>): LiveRun<R> {
  return 'run' in entry ? (entry as LiveRun<R>) : { run: entry };
}

/** The colour and fork origin of a live run, as its recording keeps them. */
export function runExtras(entry: LiveRun<unknown>): { color?: string; forkedFrom?: ForkOrigin } {
  return {
    ...(entry.color !== undefined ? { color: entry.color } : {}),
    ...(entry.forkedFrom ? { forkedFrom: entry.forkedFrom } : {}),
  };
}

/** Which labs a session holds, as the client's context says (both, unless it says). */
export function labsHeld(context: SessionContext): { explorer: boolean; network: boolean } {
  return context.labs ?? { explorer: true, network: true };
}

/**
 * The number for a lab's next experiment id ("experiment-N"): one past the highest among
 * `records` (a session's), or 1; ids of another form are ignored.
 */
export function nextExperimentNumber(records: readonly { id: string }[]): number {
  let next = 1;
  for (const e of records) {
    const n = /^experiment-(\d+)$/.exec(e.id);
    if (n) next = Math.max(next, Number(n[1]) + 1);
  }
  return next;
}
