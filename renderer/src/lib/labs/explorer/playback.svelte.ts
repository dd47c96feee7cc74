/**
 * The explorer's playback: frames from the engine into the runs' trajectories, acknowledged
 * once painted (playback runs at display speed), play, pause, step and speed, step mode, and a
 * lesson's pace and pause at its end. Trajectories are plain typed arrays outside Svelte's
 * deep reactivity; views watch `dataVersion` instead.
 */
import type { RunInspection, RunState } from '../../../../../electron/common/protocol';
import type { EngineConnection } from '../../engine/connection.svelte';
import { runLabel } from '../../state/optimizers';
import { RunStore } from '../run-store.svelte';
import { locale } from '../../i18n';
import type { Language, Lesson } from './lessons';
import type { Run, ViewSettings } from './types';

/** The explorer's runs as they play: the first floor of its store (see ExplorerStore). */
export class ExplorerPlayback extends RunStore<RunState, Run> {
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
  /** Replay: the step every view shows (undefined: the live end of each run). */
  scrubStep = $state<number | undefined>();
  /** The lesson on screen, if any. */
  lesson = $state.raw<Lesson | undefined>();
  /** The language of the lesson's text: the UI's own (one switch for all, kept in settings). */
  get language(): Language {
    return locale.current;
  }
  set language(language: Language) {
    locale.current = language;
  }
  /** The lesson's steps per second while it sets the speed; undefined once the user picks one. */
  pacing = $state<number | undefined>();
  /** Playback started before the lesson's end: it pauses there. */
  private stopArmed = false;
  /** A lesson is pausing at its end (and taking its last steps). */
  private stopping = false;
  /** What the engine last said about playback (`playing` also covers a lesson's last steps). */
  protected enginePlaying = false;
  /** Frames seen since `paceSince` (ms): the display's frame rate, for the lesson's pace. */
  private paceFrames = 0;
  private paceSince = 0;
  private ackPending = false;
  private lastSeq = 0;

  constructor(engine: EngineConnection) {
    super(engine, 'run-');
    const { client } = this;
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
    client.on('engine.gone', () => {
      this.playing = this.enginePlaying = false;
    });
  }

  protected generatedLabel(state: RunState): string {
    return runLabel(state);
  }

  /** The furthest step any run has reached. */
  get lastStep(): number {
    void this.dataVersion;
    return Math.max(0, ...this.runs.map((r) => r.trajectory.count - 1));
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

  protected async pauseNow(): Promise<void> {
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

  /** Shows a lesson's text, and plays its runs at its pace up to its end. */
  protected openLesson(lesson: Lesson): void {
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
      if (this.lesson === lesson) this.lessonEnded(lesson);
    });
  }

  /** A lesson has just paused at its end (its runs stand at `stopAt`). */
  protected lessonEnded(_lesson: Lesson): void {}
}
