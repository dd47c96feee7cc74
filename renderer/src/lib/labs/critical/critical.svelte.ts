/**
 * The critical-points lab's store, network side: the Hessian at a step of a network run (its
 * spectrum, what it says about the point, the loss along its top eigenvector beside a random
 * direction, Escape along its most negative eigenvector) and the lab's experiments.
 *
 * Every request is a job (jobs.ts): `critical.progress` / `critical.experiment.progress`
 * carry its id, so one listener per message type routes them to the job they belong to, and
 * Cancel posts `job.cancel` with that id. The lab reads the network lab only through a
 * {@link CriticalHost} the shell hands it (labs do not import each other).
 */
import { getContext, setContext } from 'svelte';
import type { DatasetSpecInput, ModelSpecInput } from '../../../../../electron/common/network';
import type {
  DEFAULT_TAU as DefaultTau,
  CriticalAnalysis,
  CriticalExperimentKind,
  CriticalExperimentResult,
  CriticalExperimentSpec,
  CriticalLine,
  CriticalTargetSpec,
  EscapeResult,
  SpectrumOptions,
} from '../../../../../electron/common/protocol';
import type { EngineConnection } from '../../engine/connection.svelte';
import type { EngineClient } from '../../engine/client';
import { errorMessage } from '../../engine/attempt';
import { IDLE, isCancellation, type JobState } from '../jobs';
import { lessonById, type CriticalLesson } from './lessons';
import { EXPERIMENT_TITLES } from './experiment-data';
import { t } from '../../i18n';

export type Language = 'en' | 'zh';

/** The protocol's default flat band τ (the page imports only types from it; the type keeps them equal). */
const DEFAULT_TAU: typeof DefaultTau = 1e-4;

/** A network run as the critical lab offers it for analysis. */
export interface CriticalRunInfo {
  runId: string;
  /** "Run 2" and its name. */
  label: string;
  color: string;
  /** Updates taken so far: the current point's step. */
  step: number;
}

/** What the critical lab needs of the rest of the page; the shell builds it from the other labs. */
export interface CriticalHost {
  /** The network lab's runs the engine has made, in the order shown. */
  readonly networkRuns: CriticalRunInfo[];
  /** The network run selected in the network lab. */
  readonly selectedNetworkRun: string | undefined;
  /** The network lab's dataset and model in words, and its parameter count; undefined before one is built. */
  readonly problem: { dataset: string; model: string; parameters: number } | undefined;
  /**
   * Makes a network run under a new id of the network lab's through `make` (which says whether
   * the engine made it): the network lab shows it as soon as the engine reports it, and drops
   * it if it was not made. Resolves the new run's id, or undefined.
   */
  makeNetworkRun(make: (runId: string) => Promise<boolean>): Promise<string | undefined>;
  /** Builds the network lab's first dataset and model if it has none yet; false if refused. */
  ensureProblem(): Promise<boolean>;
  /** Builds a dataset and model in the network lab (a lesson's); false if refused. */
  setProblem(dataset: DatasetSpecInput, model: ModelSpecInput): Promise<boolean>;
  /** Pauses the network runs' training (an analysis reads their θ). */
  pauseNetwork(): Promise<void>;
  /** Shows the network lab (where the dataset and model are changed). */
  showNetworkLab(): void;
  /** The lessons' language, shared with the explorer's. */
  language: Language;
}

/** The spectrum options the Hessian panel asks with (the protocol's, before defaults). */
export type AnalyzeOptions = Partial<SpectrumOptions>;

/** An experiment's settings, by kind. */
export type ExperimentSpecOf<K extends CriticalExperimentKind> = Extract<
  CriticalExperimentSpec,
  { kind: K }
>;
export type ExperimentResultOf<K extends CriticalExperimentKind> = Extract<
  CriticalExperimentResult,
  { kind: K }
>;

/** An experiment's last job, and the settings it ran with when it has a result. */
export interface ExperimentRun<K extends CriticalExperimentKind = CriticalExperimentKind> {
  job: JobState<ExperimentResultOf<K>, ExperimentResultOf<K>>;
  /** The settings of the result (or partial result) on show. */
  spec?: ExperimentSpecOf<K>;
}

/** An experiment saved in a session: its settings and its result. */
export interface SavedExperiment {
  spec: CriticalExperimentSpec;
  result: CriticalExperimentResult;
}

export const EXPERIMENT_KINDS: CriticalExperimentKind[] = [
  'minimum-ratio',
  'saddle-escape',
  'edge-of-stability',
  'sharpness',
];

/** The settings each experiment's form starts with (the protocol's defaults, smaller where they take long). */
export function defaultSettings(): { [K in CriticalExperimentKind]: ExperimentSpecOf<K> } {
  return {
    'minimum-ratio': {
      kind: 'minimum-ratio',
      network: { depth: 1, width: 8, activation: 'tanh' },
      count: 24,
      gradTolerance: 1e-3,
      maxSteps: 3000,
      tau: 1e-4,
      seed: 1,
    },
    'saddle-escape': { kind: 'saddle-escape', steps: 500, t: 0.5, seed: 1 },
    'edge-of-stability': {
      kind: 'edge-of-stability',
      lrs: [0.05, 0.1, 0.2],
      steps: 2000,
      every: 10,
      seed: 0,
    },
    sharpness: { kind: 'sharpness', runId: '', samples: 40, traceProbes: 20 },
  };
}

/** What a session keeps of the critical lab's view (its results are the engine's). */
export interface CriticalViewState {
  selected?: CriticalExperimentKind;
  lesson?: string;
}

type AnyExperiments = { [K in CriticalExperimentKind]: ExperimentRun<K> };
type Progress = { done: number; total: number; phase?: string; eta?: number; partial?: unknown };

export class CriticalStore {
  /** The Hessian at the point asked for. */
  analysis = $state.raw<JobState<CriticalAnalysis>>(IDLE);
  /**
   * The last analysis that finished: on show (and what the line and Escape start from) while
   * the next one computes, and after that one is cancelled or refused.
   */
  result = $state.raw<CriticalAnalysis | undefined>();
  /** The loss along the top eigenvector and a random direction. */
  line = $state.raw<JobState<CriticalLine>>(IDLE);
  /** The last Escape. */
  escape = $state.raw<JobState<EscapeResult>>(IDLE);
  /** Each experiment's last job. */
  experiments = $state.raw<AnyExperiments>({
    'minimum-ratio': { job: IDLE },
    'saddle-escape': { job: IDLE },
    'edge-of-stability': { job: IDLE },
    sharpness: { job: IDLE },
  });
  /** Each experiment's form. */
  settings = $state(defaultSettings());
  /** The experiment on show on the experiments page. */
  selected = $state<CriticalExperimentKind>('minimum-ratio');
  /** The lesson on show, if any. */
  lesson = $state.raw<CriticalLesson | undefined>();
  /** The latest refusal, for the experiments page's status line. */
  lastError = $state<string | undefined>();
  /** The split the analysis on show differentiated (its line is drawn on the same data). */
  private analysisSplit: 'train' | 'validation' = 'train';
  /** Progress listeners by request id. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- routing, not state
  private readonly watching = new Map<number, (p: Progress) => void>();

  constructor(
    readonly engine: EngineConnection,
    readonly host: CriticalHost,
  ) {
    const route = (p: { id: number } & Progress) => this.watching.get(p.id)?.(p);
    this.client.on('critical.progress', route);
    this.client.on('critical.experiment.progress', route);
    // The engine keeps the finished experiments (and a session saves them): on every sync (a
    // connection, a session opened) it sends the whole list, which replaces the page's.
    this.client.on('critical.experiments', ({ experiments }) => this.adoptSaved(experiments));
  }

  get client(): EngineClient {
    return this.engine.client;
  }

  /** The experiment running now, if any (one at a time: they share the machine). */
  get runningExperiment(): CriticalExperimentKind | undefined {
    return EXPERIMENT_KINDS.find((k) => this.experiments[k].job.status === 'running');
  }

  /**
   * Runs one job: its state goes through `set` (running with its progress, then done,
   * cancelled or failed); resolves its result, or undefined when it did not finish.
   */
  private async job<T, P = never>(
    set: (state: JobState<T, P>) => void,
    send: (onId: (id: number) => void) => Promise<T>,
    partialOf?: (progress: Progress) => P | undefined,
  ): Promise<T | undefined> {
    let id = -1;
    let partial: P | undefined;
    try {
      const value = await send((assigned) => {
        id = assigned;
        set({ status: 'running', id, done: 0, total: 0 });
        this.watching.set(id, (p) => {
          partial = partialOf?.(p) ?? partial;
          set({
            status: 'running',
            id,
            done: p.done,
            total: p.total,
            ...(p.phase !== undefined ? { phase: p.phase } : {}),
            ...(p.eta !== undefined ? { eta: p.eta } : {}),
            ...(partial !== undefined ? { partial } : {}),
          });
        });
      });
      set({ status: 'done', value });
      return value;
    } catch (err) {
      const message = errorMessage(err);
      set(
        isCancellation(message)
          ? { status: 'cancelled', ...(partial !== undefined ? { partial } : {}) }
          : { status: 'failed', message },
      );
      return undefined;
    } finally {
      this.watching.delete(id);
    }
  }

  /** Stops a running job; its request is then answered "cancelled". */
  cancel(job: JobState<unknown, unknown>): void {
    if (job.status === 'running') this.client.post({ type: 'job.cancel', id: job.id });
  }

  /** The Hessian at a network run's step (its current one when `step` is undefined). */
  async analyze(runId: string, step: number | undefined, options: AnalyzeOptions): Promise<void> {
    if (this.analysis.status === 'running') return;
    const target: CriticalTargetSpec = {
      kind: 'run',
      runId,
      ...(step !== undefined ? { step } : {}),
    };
    await this.host.pauseNetwork();
    const analysis = await this.job<CriticalAnalysis>(
      (s) => (this.analysis = s),
      async (onId) =>
        (await this.client.request({ type: 'critical.analyze', target, options }, onId)).analysis,
    );
    if (!analysis) return;
    // A new point: the line and Escape of the old one no longer go with it.
    this.result = analysis;
    this.analysisSplit = options.split ?? 'train';
    this.line = IDLE;
    this.escape = IDLE;
  }

  /**
   * Shows a Hessian analysed elsewhere: PyHessian's results as the Python companion's
   * `write_hessian` saves them (JSON). Without a file it asks for one (a file picker), so a
   * menu can call it as it is.
   */
  async importHessian(file?: File): Promise<void> {
    const chosen = file ?? (await pickFile('.json,application/json'));
    if (!chosen) return;
    const text = await chosen.text();
    const analysis = await this.job<CriticalAnalysis>(
      (s) => (this.analysis = s),
      async (onId) => (await this.client.request({ type: 'critical.import', text }, onId)).analysis,
    );
    if (!analysis) return;
    this.result = analysis;
    this.line = IDLE;
    this.escape = IDLE;
  }

  /** The target of the analysis on show, to ask more of the same point. */
  private analysedTarget(): CriticalTargetSpec | undefined {
    if (!this.result) return undefined;
    const { runId, step } = this.result.target;
    return runId === undefined ? undefined : { kind: 'run', runId, step };
  }

  /** The loss along the top eigenvector and a random direction through the analysed point. */
  async computeLine(options: { radius: number; points?: number; seed?: number }): Promise<void> {
    const target = this.analysedTarget();
    if (!target || this.line.status === 'running') return;
    const split = this.analysisSplit;
    await this.job<CriticalLine>(
      (s) => (this.line = s),
      async (onId) =>
        (
          await this.client.request(
            {
              type: 'critical.line',
              target,
              radius: options.radius,
              points: options.points ?? 101,
              seed: options.seed ?? 0,
              split,
            },
            onId,
          )
        ).line,
    );
  }

  /**
   * One step of length t along the most negative eigenvector of the analysed point; a new
   * network run trains on from there with the analysed run's settings.
   */
  async escapeAlong(t: number): Promise<void> {
    const target = this.analysedTarget();
    if (!target || this.escape.status === 'running') return;
    const tau = this.result?.classification.tau ?? DEFAULT_TAU;
    await this.host.makeNetworkRun(
      async (newRunId) =>
        (await this.job<EscapeResult>(
          (s) => (this.escape = s),
          async (onId) =>
            (await this.client.request({ type: 'critical.escape', target, t, newRunId, tau }, onId))
              .escape,
        )) !== undefined,
    );
  }

  private setExperiment<K extends CriticalExperimentKind>(kind: K, run: ExperimentRun<K>): void {
    this.experiments = { ...this.experiments, [kind]: run };
  }

  /** Runs an experiment with the settings in its form (or `spec`). */
  async runExperiment<K extends CriticalExperimentKind>(
    kind: K,
    spec: ExperimentSpecOf<K> = $state.snapshot(this.settings[kind]) as ExperimentSpecOf<K>,
  ): Promise<ExperimentResultOf<K> | undefined> {
    const running = this.runningExperiment;
    if (running) {
      this.lastError = t('Wait for the {title} experiment to finish, or cancel it.', {
        title: t(EXPERIMENT_TITLES[running]),
      });
      return undefined;
    }
    this.lastError = undefined;
    await this.host.pauseNetwork();
    return this.job<ExperimentResultOf<K>, ExperimentResultOf<K>>(
      (job) => this.setExperiment(kind, { job, spec }),
      async (onId) =>
        (await this.client.request({ type: 'critical.experiment', experiment: spec }, onId))
          .result as ExperimentResultOf<K>,
      (p) => p.partial as ExperimentResultOf<K> | undefined,
    );
  }

  /** The result (or partial result) of an experiment on show, with the settings it ran with. */
  shown<K extends CriticalExperimentKind>(
    kind: K,
  ): { result: ExperimentResultOf<K>; spec?: ExperimentSpecOf<K>; partial: boolean } | undefined {
    const run = this.experiments[kind] as ExperimentRun<K>;
    const job = run.job;
    if (job.status === 'done') return { result: job.value, spec: run.spec, partial: false };
    if ((job.status === 'running' || job.status === 'cancelled') && job.partial)
      return { result: job.partial, spec: run.spec, partial: true };
    return undefined;
  }

  /**
   * Takes over the experiments the engine holds (a session's, or after a reconnection): each
   * kind shows its last result, with the settings it ran with in its form. An experiment
   * running now goes on as it is.
   */
  adoptSaved(saved: readonly SavedExperiment[]): void {
    const runs: AnyExperiments = {
      'minimum-ratio': { job: IDLE },
      'saddle-escape': { job: IDLE },
      'edge-of-stability': { job: IDLE },
      sharpness: { job: IDLE },
    };
    const settings = $state.snapshot(this.settings) as ReturnType<typeof defaultSettings>;
    for (const { spec, result } of saved) {
      if (spec.kind !== result.kind) continue;
      (runs as Record<string, ExperimentRun>)[spec.kind] = {
        job: { status: 'done', value: result },
        spec,
      };
      (settings as Record<string, CriticalExperimentSpec>)[spec.kind] = structuredClone(spec);
    }
    const running = this.runningExperiment;
    if (running) (runs as Record<string, unknown>)[running] = this.experiments[running];
    this.experiments = runs;
    this.settings = settings;
  }

  /** Takes over what a session kept of the lab's view: the experiment and lesson on show. */
  restoreView(view: CriticalViewState | undefined): void {
    const kinds: readonly string[] = EXPERIMENT_KINDS;
    this.selected =
      view?.selected && kinds.includes(view.selected) ? view.selected : 'minimum-ratio';
    this.lesson = view?.lesson ? lessonById(view.lesson) : undefined;
    this.analysis = IDLE;
    this.result = undefined;
    this.line = IDLE;
    this.escape = IDLE;
  }

  /** The experiments with a result, as a session saves them. */
  savedExperiments(): SavedExperiment[] {
    return EXPERIMENT_KINDS.flatMap((kind) => {
      const run = this.experiments[kind];
      return run.job.status === 'done' && run.spec
        ? [{ spec: run.spec, result: run.job.value }]
        : [];
    });
  }

  /** Every experiment's result on show (a partial one too), with its settings: what exports hold. */
  exportable(): SavedExperiment[] {
    return EXPERIMENT_KINDS.flatMap((kind) => {
      const shown = this.shown(kind);
      return shown?.spec ? [{ spec: shown.spec, result: shown.result }] : [];
    });
  }

  /** What a session keeps of the lab's view. */
  viewState(): CriticalViewState {
    return { selected: this.selected, ...(this.lesson ? { lesson: this.lesson.id } : {}) };
  }

  /**
   * A lesson: its network lab problem is built, its experiment chosen with its settings and
   * run; its text shows beside the result.
   */
  async applyLesson(lesson: CriticalLesson): Promise<void> {
    this.lesson = lesson;
    this.selected = lesson.experiment.kind;
    (this.settings as Record<string, CriticalExperimentSpec>)[lesson.experiment.kind] =
      structuredClone(lesson.experiment);
    if (!(await this.host.setProblem(lesson.dataset, lesson.model))) {
      this.lastError ??= t('The network lab could not build the lesson’s dataset and model.');
      return;
    }
    await this.runExperiment(lesson.experiment.kind, structuredClone(lesson.experiment));
  }

  closeLesson(): void {
    this.lesson = undefined;
  }
}

const key = Symbol('critical');

/** Makes the critical lab's store the one its components find (see useCritical). */
export function createCriticalContext(store: CriticalStore): CriticalStore {
  setContext(key, store);
  return store;
}

/** The critical lab's store, from the page's context. */
export function useCritical(): CriticalStore {
  const store = getContext<CriticalStore | undefined>(key);
  if (!store)
    throw new Error('useCritical() needs createCriticalContext() in an ancestor component');
  return store;
}

/** A file the user picks (a file input opened from a click), or undefined. */
function pickFile(accept: string): Promise<File | undefined> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.onchange = () => resolve(input.files?.[0]);
    input.oncancel = () => resolve(undefined);
    input.click();
  });
}
