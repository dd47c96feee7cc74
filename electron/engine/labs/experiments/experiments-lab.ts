/**
 * The experiments lab: guided experiments of many trainings each (plans/), on the network
 * lab's data and model unless an experiment names its own. It has no runs of its own; it keeps
 * its finished experiments (the lab's part of a session) and runs one experiment at a time —
 * each spreads its trainings over every core already, so a second would only wait for them.
 *
 * An experiment is a job: `experiments.progress` a few times a second (trainings done, the
 * share of epochs done, the time left) and after each finished training with the partial
 * result; `job.cancel` ends the trainings under way (their worker threads are ended) and
 * answers the request with an error starting "cancelled". The trainings run on the
 * experiments pool's worker threads (pool.ts) when the engine is built, so the engine's thread
 * stays free for frames and messages; running from source (the tests) they run in this
 * thread, yielding every JOB_YIELD_MS.
 */
import {
  jsonSafe,
  type BackendName,
  type ExperimentRecord,
  type SessionSummary,
  type ValidClientMessage,
} from '../../../common/protocol';
import { MAX_RECORDED_EXPERIMENTS } from '../../../common/limits';
import { SessionError, type SessionData } from '../../../common/session';
import { CancelledError, FieldError } from '../../core/errors';
import { makeCheckpoint } from '../../hessian/checkpoint';
import type { NetworkProblem, Tf } from '../../network';
import {
  nextExperimentNumber,
  type Lab,
  type LabHost,
  type Msg,
  type SessionContext,
} from '../lab';
import { experimentBase, runExperimentJob } from './experiment-job';
import { experimentsPool, type ExperimentsPool } from './pool';

/** Longest stretch an in-thread training computes before the event loop gets a turn, ms. */
export const JOB_YIELD_MS = 30;
/** Least time between two progress messages without a partial result, ms. */
export const PROGRESS_INTERVAL_MS = 200;
/** Least time between two partial results, ms (each is the whole result so far). */
export const PARTIAL_INTERVAL_MS = 500;

export interface ExperimentsSources {
  /** The network lab's problem, if it has one (the experiments' default data and model). */
  networkProblem(): NetworkProblem | undefined;
}

export class ExperimentsLab implements Lab<ExperimentRecord[]> {
  readonly name = 'experiments';
  readonly messages = ['experiments.run', 'experiments.remove'] as const;
  private experiments: ExperimentRecord[] = [];
  private nextExperiment = 1;
  /** The experiment running: its request id and its controller. */
  private running: { id: number; controller: AbortController } | undefined;
  private readonly pool: () => ExperimentsPool | undefined;
  private warmed = false;

  /**
   * @param options.pool worker threads for the trainings; @default the process's pool when its
   *   bundle is there (a built engine), none when running from source. `null`: none.
   */
  constructor(
    private readonly tf: () => Promise<Tf>,
    private readonly host: LabHost,
    private readonly sources: ExperimentsSources,
    options: { pool?: ExperimentsPool | null } = {},
  ) {
    this.pool = options.pool === undefined ? experimentsPool : () => options.pool ?? undefined;
  }

  handle(message: ValidClientMessage): Promise<void> {
    switch (message.type) {
      case 'experiments.run':
        return this.run(message);
      case 'experiments.remove':
        return Promise.resolve(this.remove(message));
      default:
        throw new FieldError('type', `the experiments lab does not answer "${message.type}"`);
    }
  }

  /** The workers start loading tfjs with the first request, so the first training need not wait. */
  private async warm(): Promise<void> {
    if (this.warmed) return;
    this.warmed = true;
    const backend = (await this.tf()).getBackend() as BackendName;
    this.pool()?.warm(backend);
  }

  private async run(message: Msg<'experiments.run'>): Promise<void> {
    const { id, experiment: spec } = message;
    if (this.running) {
      throw new FieldError(
        undefined,
        `an experiment is running (request ${this.running.id}): it uses every core — wait for it, or cancel it`,
      );
    }
    const controller = new AbortController();
    this.running = { id, controller };
    try {
      void this.warm().catch(() => undefined);
      const tf = await this.tf();
      const problem = this.sources.networkProblem();
      const fallback =
        problem && problem.dataset.spec.kind !== 'custom'
          ? { dataset: problem.dataset.spec, model: problem.model }
          : undefined;
      const base = experimentBase(spec, fallback, tf.getBackend());
      let last = -Infinity;
      let lastPartial = -Infinity;
      const result = await runExperimentJob(tf, spec, base, this.pool(), {
        signal: controller.signal,
        checkpoint: makeCheckpoint({ signal: controller.signal, yieldEveryMs: JOB_YIELD_MS }),
        onProgress: (p) => {
          const now = performance.now();
          // A partial result is the whole result so far: at most one every PARTIAL_INTERVAL_MS
          // (the first and the last always), or a 400-training experiment would send its
          // growing result 400 times.
          const partial =
            p.partial && (now - lastPartial >= PARTIAL_INTERVAL_MS || p.done === p.total)
              ? p.partial
              : undefined;
          if (partial) lastPartial = now;
          p = { ...p, partial };
          if (!p.partial && now - last < PROGRESS_INTERVAL_MS && p.fraction < 1) return;
          last = now;
          this.host.post({
            type: 'experiments.progress',
            id,
            done: p.done,
            total: p.total,
            fraction: p.fraction,
            ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}),
            ...(p.partial ? { partial: jsonSafe(p.partial) } : {}),
          });
        },
      });
      const record: ExperimentRecord = {
        id: `experiment-${this.nextExperiment++}`,
        spec,
        result: jsonSafe(result),
        finishedAt: new Date().toISOString(),
      };
      this.experiments.push(record);
      if (this.experiments.length > MAX_RECORDED_EXPERIMENTS) this.experiments.shift();
      this.host.touch();
      this.host.post({
        type: 'experiments.result',
        id,
        result: record.result,
        experimentId: record.id,
      });
    } catch (err) {
      if (err instanceof CancelledError || controller.signal.aborted) {
        throw new FieldError(
          undefined,
          `cancelled: the ${spec.kind} experiment (request ${id}) was cancelled`,
        );
      }
      throw err;
    } finally {
      this.running = undefined;
    }
  }

  private remove(message: Msg<'experiments.remove'>): void {
    const index = this.experiments.findIndex((e) => e.id === message.experimentId);
    if (index < 0) {
      throw new FieldError('experimentId', `there is no experiment "${message.experimentId}"`);
    }
    this.experiments.splice(index, 1);
    this.host.touch();
    this.host.post({ type: 'ok', id: message.id });
    this.sync();
  }

  /** Every experiment the lab holds (the client's list is replaced by it). */
  sync(): void {
    this.host.post({ type: 'experiments.list', experiments: this.experiments });
  }

  record(session: SessionData, _context: SessionContext): void {
    if (this.experiments.length === 0) return;
    session.experiments = { experiments: this.experiments.map((e) => ({ ...e })) };
  }

  admit(session: SessionData): void {
    const count = session.experiments?.experiments.length ?? 0;
    if (count > MAX_RECORDED_EXPERIMENTS) {
      throw new SessionError(
        `the session holds ${count} experiments; this LossLab holds at most ${MAX_RECORDED_EXPERIMENTS}`,
        'experiments.experiments',
      );
    }
  }

  /** The session's experiments (the file's reader has checked them against their schema). */
  restore(session: SessionData): ExperimentRecord[] {
    return session.experiments?.experiments.map((e) => ({ ...e })) ?? [];
  }

  /** Replaces the lab's experiments with the session's; a running experiment is cancelled. */
  adopt(restored: ExperimentRecord[], _summary: SessionSummary): void {
    this.running?.controller.abort();
    this.experiments = restored;
    this.nextExperiment = nextExperimentNumber(restored);
  }

  cancel(id: number): void {
    if (this.running?.id === id) this.running.controller.abort();
  }

  close(): void {
    this.running?.controller.abort();
  }
}
