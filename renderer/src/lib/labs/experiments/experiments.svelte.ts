/**
 * The experiments lab's store: the forms of its experiments, the one experiment running (a
 * job: `experiments.progress` with its partial result, Cancel by `job.cancel`), and the
 * finished experiments the engine keeps (`experiments.list`, on every sync and after a
 * removal; a result joins them as it arrives), one of which is on show. The experiments train on the network lab's dataset and
 * model, which the lab reads only through the {@link ExperimentsHost} the shell hands it.
 */
import { getContext, setContext } from 'svelte';
import type { DatasetSpecInput, ModelSpecInput } from '../../../../../electron/common/network';
import type {
  ExperimentKind,
  ExperimentRecord,
  ExperimentResult,
  ExperimentSpecInput,
} from '../../../../../electron/common/protocol';
import { errorMessage } from '../../engine/attempt';
import type { EngineClient } from '../../engine/client';
import type { EngineConnection } from '../../engine/connection.svelte';
import { isCancellation, type JobState } from '../jobs';
import {
  defaultSettings,
  EXPERIMENT_TITLES,
  settingsFrom,
  specOf,
  type ExperimentSettings,
} from './kinds';
import type { ExperimentLesson, Language } from './lessons';
import { isoNow } from './result-data';
import { t } from '../../i18n';

/** What the experiments lab needs of the rest of the page; the shell builds it. */
export interface ExperimentsHost {
  /** The network lab's dataset and model in words; undefined before one is built. */
  readonly problem: { dataset: string; model: string; parameters: number } | undefined;
  /** Builds the network lab's first dataset and model if it has none yet; false if refused. */
  ensureProblem(): Promise<boolean>;
  /** Pauses the network runs (an experiment wants both cores). */
  pauseNetwork(): Promise<void>;
  /** Builds a dataset and model in the network lab (a lesson's); false if refused. */
  setProblem(dataset: DatasetSpecInput, model: ModelSpecInput): Promise<boolean>;
  /** Shows the network lab (where the dataset and model are changed). */
  showNetworkLab(): void;
  /** The lessons' language, shared with the other labs'. */
  language: Language;
}

/** The experiment running (or the last one run), with the SPEC it was sent with. */
export interface ExperimentJob {
  kind: ExperimentKind;
  spec: ExperimentSpecInput;
  state: JobState<{ result: ExperimentResult; experimentId: string }, ExperimentResult>;
}

/** A result on show: a finished experiment's, or the running (or cancelled) one's so far. */
export interface ShownResult {
  result: ExperimentResult;
  /** The finished experiment's id (undefined: the job's partial result). */
  experimentId?: string;
  /** Trainings still to come, or cut short by Cancel. */
  partial: 'running' | 'cancelled' | undefined;
  /** When it finished (ISO 8601). */
  finishedAt?: string;
  /** What it ran with. */
  spec: ExperimentSpecInput | ExperimentRecord['spec'];
}

export class ExperimentsStore {
  /** The experiment the form shows. */
  selected = $state<ExperimentKind>('diagnose');
  /** The forms. */
  settings = $state(defaultSettings());
  /** The last experiment run (one at a time: they share the machine's cores). */
  job = $state.raw<ExperimentJob | undefined>();
  /** The finished experiments, oldest first: the engine's list. */
  finished = $state.raw<ExperimentRecord[]>([]);
  /** The finished experiment on show; undefined: the job's (partial) result. */
  shownId = $state<string | undefined>();
  /** The latest refusal or form problem, for the status line. */
  lastError = $state<string | undefined>();
  /** The lesson on show, if any. */
  lesson = $state.raw<ExperimentLesson | undefined>();
  /** The SPEC the lesson on show ran (its verdict reads that run's result, no other). */
  lessonSpec = $state.raw<ExperimentSpecInput | undefined>();

  constructor(
    readonly engine: EngineConnection,
    readonly host: ExperimentsHost,
  ) {
    this.client.on('experiments.progress', (p) => {
      const job = this.job;
      if (!job || job.state.status !== 'running' || job.state.id !== p.id) return;
      // A progress message without a partial result keeps the last one drawn.
      const partial = p.partial ?? job.state.partial;
      this.job = {
        ...job,
        state: {
          status: 'running',
          id: p.id,
          done: p.done,
          total: p.total,
          fraction: p.fraction,
          ...(p.etaMs !== undefined ? { eta: p.etaMs / 1000 } : {}),
          ...(partial ? { partial } : {}),
        },
      };
    });
    // The engine keeps the finished experiments (a session saves them): on every sync (a
    // connection, a session opened) and after a removal it sends the whole list, which
    // replaces the page's; a result joins the list as it arrives.
    this.client.on('experiments.list', ({ experiments }) => {
      this.finished = experiments;
      if (this.shownId && !this.recordOf(this.shownId)) this.shownId = undefined;
    });
  }

  get client(): EngineClient {
    return this.engine.client;
  }

  /** Whether an experiment is running. */
  get running(): boolean {
    return this.job?.state.status === 'running';
  }

  private recordOf(id: string): ExperimentRecord | undefined {
    return this.finished.find((e) => e.id === id);
  }

  /** The result on show. */
  get shown(): ShownResult | undefined {
    if (this.shownId) {
      const record = this.recordOf(this.shownId);
      if (record) {
        return {
          result: record.result,
          experimentId: record.id,
          partial: undefined,
          finishedAt: record.finishedAt,
          spec: record.spec,
        };
      }
    }
    const job = this.job;
    const state = job?.state;
    if (job && (state?.status === 'running' || state?.status === 'cancelled') && state.partial) {
      return { result: state.partial, partial: state.status, spec: job.spec };
    }
    return undefined;
  }

  /** Runs an experiment with its form's settings (or the SPEC given: a lesson's). */
  async run(kind: ExperimentKind = this.selected, given?: ExperimentSpecInput): Promise<void> {
    if (this.running) {
      this.lastError = t('Wait for the {title} experiment to finish, or cancel it.', {
        title: t(EXPERIMENT_TITLES[this.job!.kind]),
      });
      return;
    }
    const made = given ? { spec: given } : specOf(kind, $state.snapshot(this.settings));
    if ('problem' in made) {
      this.lastError = made.problem;
      return;
    }
    this.lastError = undefined;
    // The experiments train on the network lab's problem: its first one, if it has none yet.
    if (!this.host.problem && !(await this.host.ensureProblem())) {
      this.lastError = t('The network lab could not build a dataset and model to train on.');
      return;
    }
    await this.host.pauseNetwork();
    const spec = made.spec;
    this.shownId = undefined;
    try {
      const { result, experimentId } = await this.client.request(
        { type: 'experiments.run', experiment: spec },
        (assigned) => {
          this.job = { kind, spec, state: { status: 'running', id: assigned, done: 0, total: 0 } };
        },
      );
      this.job = { kind, spec, state: { status: 'done', value: { result, experimentId } } };
      this.finished = [
        ...this.finished.filter((e) => e.id !== experimentId),
        // The SPEC as sent (the engine's has its defaults filled in; the next sync brings it).
        { id: experimentId, spec: spec as ExperimentRecord['spec'], result, finishedAt: isoNow() },
      ];
      this.shownId = experimentId;
    } catch (err) {
      const message = errorMessage(err);
      const partial = this.job?.state.status === 'running' ? this.job.state.partial : undefined;
      this.job = {
        kind,
        spec,
        state: isCancellation(message)
          ? { status: 'cancelled', ...(partial ? { partial } : {}) }
          : { status: 'failed', message },
      };
    }
  }

  /** Stops the running experiment; what it finished stays drawn. */
  cancel(): void {
    const state = this.job?.state;
    if (state?.status === 'running') this.client.post({ type: 'job.cancel', id: state.id });
  }

  /** Shows a finished experiment; its kind's form shows what it ran with. */
  open(id: string): void {
    const record = this.recordOf(id);
    if (!record) return;
    this.shownId = id;
    this.selected = record.result.kind;
    this.settings = settingsFrom(
      record.spec as ExperimentSpecInput,
      $state.snapshot(this.settings) as ExperimentSettings,
    );
  }

  /** Forgets a finished experiment, here and in the engine. */
  async remove(id: string): Promise<void> {
    this.finished = this.finished.filter((e) => e.id !== id);
    if (this.shownId === id) this.shownId = undefined;
    try {
      await this.client.request({ type: 'experiments.remove', experimentId: id });
    } catch (err) {
      this.lastError = errorMessage(err);
    }
  }

  /**
   * A lesson: its network lab problem is built, its experiment chosen with its settings in the
   * form and run; its text shows above the result.
   */
  async applyLesson(lesson: ExperimentLesson): Promise<void> {
    this.lesson = lesson;
    const spec = structuredClone(lesson.experiment);
    this.lessonSpec = spec;
    this.selected = spec.kind;
    this.settings = settingsFrom(spec, $state.snapshot(this.settings) as ExperimentSettings);
    if (!(await this.host.setProblem(lesson.dataset, lesson.model))) {
      this.lastError = t('The network lab could not build the lesson’s dataset and model.');
      return;
    }
    await this.run(spec.kind, spec);
  }

  closeLesson(): void {
    this.lesson = undefined;
    this.lessonSpec = undefined;
  }

  /**
   * After the engine restarted: the new engine holds no experiment (a session's come back
   * with the session, by the next list).
   */
  reset(): void {
    this.finished = [];
    this.job = undefined;
    this.shownId = undefined;
    this.lastError = undefined;
  }
}

const key = Symbol('experiments');

/** Makes the experiments lab's store the one its components find (see useExperiments). */
export function createExperimentsContext(store: ExperimentsStore): ExperimentsStore {
  setContext(key, store);
  return store;
}

/** The experiments lab's store, from the page's context. */
export function useExperiments(): ExperimentsStore {
  const store = getContext<ExperimentsStore | undefined>(key);
  if (!store)
    throw new Error('useExperiments() needs createExperimentsContext() in an ancestor component');
  return store;
}
