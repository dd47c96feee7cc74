/**
 * The critical-points lab: the Hessian at a point of any run of either lab (or of the
 * explorer's surface) — its spectrum, eigenvectors, trace and density, and what they say of
 * the point (minimum, saddle, maximum, degenerate; the minimum ratio) — Escape along the most
 * negative eigenvector, the loss along the top eigenvector beside a random direction, and the
 * lab's experiments. It has no runs of its own: it reads the other labs' runs through their
 * probes (LabRuns.probe), which the engine hands it when it builds it, and it starts runs
 * through them (the explorer's reset to a new start, the network lab's branch).
 *
 * Every request is a job (jobs.ts): progress messages a few times a second, Cancel by
 * job.cancel (answered by an error starting "cancelled"), sizes refused before any work
 * (network-analysis.ts: an exact Hessian past MAX_EXACT_PARAMETERS, or past MAX_JOB_BYTES).
 *
 * Where the jobs run, and why. A network's spectrum (critical.analyze) runs on a worker
 * thread (pool.ts, worker.ts) when the engine is built (dist/engine/critical-worker.js): the
 * exact spectrum ends in a dense symmetric eigensolver, one synchronous O(P³) piece that
 * cannot yield. Measured (test/engine/labs/critical/worker.test.ts logs it; 2 shared cores,
 * wasm): an exact analysis of 1,218 parameters (2-32-32-2, the lab's default model) stalled the
 * engine's event loop for up to 3.5–4.1 s in its own thread — no frame, no training, no Cancel
 * — and for at most 19–58 ms with the analysis on a worker (3.2–4.8 s either way; two runs).
 * The eigensolver alone with eigenvectors: 0.3 s at P = 600, 2.4 s at 1,218, 13.8 s at 2,000
 * (without them 0.06, 0.4 and 1.9 s). A worker costs one
 * tfjs load (started by the lab's first request) and a copy of the split's data per job.
 * Everything else runs in the engine's thread, yielding through the checkpoint every
 * JOB_YIELD_MS (30 ms), because every piece of it is short: Escape, the line and the
 * landscapes' Hessian directions are at most 80 Lanczos steps of one Hessian-vector product
 * each (milliseconds) on the data already on the engine's backend; retraining to a step whose
 * θ was not kept is a few updates between checkpoints; the experiments train networks in the
 * engine like the network lab does. Without a worker bundle (running from source: the tests)
 * or with every worker busy, an analysis runs in the engine's thread too.
 */
import type {
  BackendName,
  CriticalExperimentRecord,
  SessionSummary,
  ValidClientMessage,
} from '../../../common/protocol';
import { MAX_RECORDED_EXPERIMENTS } from '../../../common/limits';
import { SessionError, type SessionData } from '../../../common/session';
import { FieldError } from '../../core/errors';
import type { Tf } from '../../network';
import {
  labsHeld,
  nextExperimentNumber,
  type Lab,
  type LabHost,
  type Msg,
  type SessionContext,
} from '../lab';
import { experimentContext, runExperiment } from './experiment-jobs';
import { CriticalJobs } from './jobs';
import { analyzeNetworkPoint } from './network-analysis';
import { criticalPool, type CriticalPool } from './pool';
import { escapeNetwork, networkLine } from './network-moves';
import { analyzeSurface, escapeSurface, surfaceLine } from './surface-analysis';
import { resolveTarget, runsOf, type CriticalSources } from './targets';

export type { CriticalSources };

/** The session's experiments, checked (restore) and ready to adopt. */
type Restored = CriticalExperimentRecord[];

export class CriticalLab implements Lab<Restored> {
  readonly name = 'critical';
  readonly messages = [
    'critical.analyze',
    'critical.escape',
    'critical.line',
    'critical.experiment',
    'critical.import',
  ] as const;
  private readonly jobs: CriticalJobs;
  /** Finished experiments, oldest first (at most MAX_RECORDED_EXPERIMENTS). */
  private experiments: CriticalExperimentRecord[] = [];
  /** The number in the next experiment's id. */
  private nextExperiment = 1;

  /** Worker threads for network analyses (undefined: none, computed in the engine's thread). */
  private readonly pool: () => CriticalPool | undefined;
  private warmed = false;

  /**
   * @param options.pool worker threads for network analyses; @default the process's pool when
   *   its bundle is there (a built engine), none when running from source. `null`: none.
   */
  constructor(
    private readonly tf: () => Promise<Tf>,
    private readonly host: LabHost,
    private readonly sources: CriticalSources,
    options: {
      progressIntervalMs?: number;
      yieldEveryMs?: number;
      pool?: CriticalPool | null;
    } = {},
  ) {
    this.jobs = new CriticalJobs(host.post, options);
    this.pool = options.pool === undefined ? criticalPool : () => options.pool ?? undefined;
  }

  /** The first request starts a worker loading tfjs, so the first analysis need not wait. */
  private async warm(): Promise<void> {
    if (this.warmed || !this.sources.networkProblem()) return;
    this.warmed = true;
    const backend = (await this.tf()).getBackend() as BackendName;
    this.pool()?.warm(backend);
  }

  handle(message: ValidClientMessage): Promise<void> {
    void this.warm().catch(() => undefined);
    switch (message.type) {
      case 'critical.analyze':
        return this.analyze(message);
      case 'critical.escape':
        return this.escape(message);
      case 'critical.line':
        return this.line(message);
      case 'critical.experiment':
        return this.experiment(message);
      case 'critical.import':
        return this.importHessian(message);
      default:
        throw new FieldError('type', `the critical-points lab does not answer "${message.type}"`);
    }
  }

  /** critical.import: a Hessian analysed elsewhere (PyHessian), shown as an analysis. */
  private async importHessian(message: Msg<'critical.import'>): Promise<void> {
    const { pyhessianAnalysis } = await import('./pyhessian');
    this.host.post({
      type: 'critical.result',
      id: message.id,
      analysis: pyhessianAnalysis(message.text),
    });
  }

  /** critical.analyze: the spectrum at the target, closed form on a surface. */
  private async analyze(message: Msg<'critical.analyze'>): Promise<void> {
    const { id, target, options } = message;
    const analysis = await this.jobs.run(id, 'the analysis', async (job) => {
      if (target.kind === 'run') job.phase('replay');
      const point = await resolveTarget(this.sources, target, job.checkpoint);
      if (point.lab === 'explorer') return analyzeSurface(point, options.tau);
      return analyzeNetworkPoint(await this.tf(), point, options, job, this.pool());
    });
    const transfer = [analysis.eigenvalues.buffer, analysis.eigenvectors.buffer] as ArrayBuffer[];
    if (analysis.density) {
      transfer.push(analysis.density.grid.buffer as ArrayBuffer);
      transfer.push(analysis.density.density.buffer as ArrayBuffer);
    }
    this.host.post({ type: 'critical.result', id, analysis }, transfer);
  }

  /**
   * critical.escape: one step of length t along the most negative eigenvector. On a surface
   * every explorer run starts again from there (as choosing a new start does); for a network a
   * new run `newRunId` trains on from there with the target run's settings.
   */
  private async escape(message: Msg<'critical.escape'>): Promise<void> {
    const { id, target, t, tau, newRunId } = message;
    const network =
      target.kind === 'run' &&
      runsOf(this.sources, target.runId, target.lab) === this.sources.network;
    if (network) {
      if (newRunId === undefined) {
        throw new FieldError(
          'newRunId',
          'escaping a network run starts a new run: name it (newRunId)',
        );
      }
      if (this.sources.network.get(newRunId)) {
        throw new FieldError('newRunId', `a run "${newRunId}" already exists`);
      }
    }
    const escape = await this.jobs.run(id, 'the escape', async (job) => {
      if (target.kind === 'run') job.phase('replay');
      const point = await resolveTarget(this.sources, target, job.checkpoint);
      if (point.lab === 'explorer') {
        const escaped = escapeSurface(point, t, tau);
        // Every run of the explorer starts again from the escaped point.
        this.sources.explorer.reset(undefined, escaped.point);
        this.host.flush();
        return escaped;
      }
      const { escape, theta } = await escapeNetwork(await this.tf(), point, t, tau, job);
      const branch = this.sources.network.branch;
      if (!branch) throw new Error('the network lab cannot start a run from a point');
      branch.call(this.sources.network, point.runId, newRunId!, {
        theta,
        step: point.step,
        label: `${point.label} · escaped @ step ${point.step}`,
      });
      this.host.flush();
      return { ...escape, newRunId: newRunId! };
    });
    this.host.post({ type: 'critical.escaped', id, escape });
  }

  /** critical.line: the loss along the top eigenvector and a random direction. */
  private async line(message: Msg<'critical.line'>): Promise<void> {
    const { id, target } = message;
    const line = await this.jobs.run(id, 'the line', async (job) => {
      if (target.kind === 'run') job.phase('replay');
      const point = await resolveTarget(this.sources, target, job.checkpoint);
      if (point.lab === 'explorer') return surfaceLine(point, message);
      return networkLine(await this.tf(), point, message, job);
    });
    this.host.post({ type: 'critical.line.result', id, line }, [
      line.t.buffer,
      line.top.buffer,
      line.random.buffer,
    ] as ArrayBuffer[]);
  }

  /** critical.experiment: one experiment, its partial results in its progress messages. */
  private async experiment(message: Msg<'critical.experiment'>): Promise<void> {
    const { id, experiment: spec } = message;
    const problem = this.sources.networkProblem();
    if (!problem) {
      throw new FieldError(
        undefined,
        "the experiments train on the network lab's data and model: set them up first (net.setup)",
      );
    }
    const tf = await this.tf();
    const started = performance.now();
    let lastPost = -Infinity;
    const result = await this.jobs.run(
      id,
      `the ${spec.kind} experiment`,
      (job) =>
        runExperiment(
          experimentContext(tf, problem, this.sources),
          spec,
          (done, total, partial) => {
            const now = performance.now();
            if (now - lastPost < 250 && done < total && !partial) return;
            lastPost = now;
            const elapsed = (now - started) / 1000;
            const eta = done > 0 && done < total ? (elapsed * (total - done)) / done : undefined;
            this.host.post({
              type: 'critical.experiment.progress',
              id,
              done,
              total,
              ...(eta !== undefined ? { eta } : {}),
              ...(partial ? { partial } : {}),
            });
          },
          job.checkpoint,
        ),
      // The experiment reports its own progress (with its partial results).
      () => undefined,
    );
    const record: CriticalExperimentRecord = {
      id: `experiment-${this.nextExperiment++}`,
      spec,
      result,
      finishedAt: new Date().toISOString(),
    };
    this.experiments.push(record);
    if (this.experiments.length > MAX_RECORDED_EXPERIMENTS) this.experiments.shift();
    this.host.touch();
    this.host.post({ type: 'critical.experiment.result', id, result, experimentId: record.id });
  }

  /** Every experiment the lab holds (the client's list is replaced by it). */
  sync(): void {
    this.host.post({ type: 'critical.experiments', experiments: this.experiments });
  }

  /** The lab's part: its experiments, with the network lab's part (they train on its data). */
  record(session: SessionData, context: SessionContext): void {
    if (!labsHeld(context).network || this.experiments.length === 0) return;
    session.critical = { experiments: this.experiments.map((e) => ({ ...e })) };
  }

  admit(session: SessionData): void {
    const count = session.critical?.experiments.length ?? 0;
    if (count > MAX_RECORDED_EXPERIMENTS) {
      throw new SessionError(
        `the session holds ${count} experiments; this LossLab holds at most ${MAX_RECORDED_EXPERIMENTS}`,
        'critical.experiments',
      );
    }
  }

  /** The session's experiments (the file's reader has checked their shapes and series). */
  restore(session: SessionData): Restored {
    return session.critical?.experiments.map((e) => ({ ...e })) ?? [];
  }

  /**
   * Replaces the lab's experiments with the session's (they go to the client on its next
   * `sync`); jobs still running are cancelled, as every lab's are when a session is opened.
   */
  adopt(restored: Restored, _summary: SessionSummary): void {
    this.jobs.cancelAll();
    this.experiments = restored;
    this.nextExperiment = nextExperimentNumber(restored);
  }

  cancel(id: number): void {
    this.jobs.cancel(id);
  }

  close(): void {
    this.jobs.cancelAll();
  }
}
