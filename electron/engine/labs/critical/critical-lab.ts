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
 * job.cancel (answered by an error starting "cancelled"), sizes refused before any work.
 *
 * Where the jobs run: in the engine's own thread, yielding to its event loop through the
 * checkpoint every JOB_YIELD_MS (30 ms) — between Hessian-vector products, Lanczos iterations,
 * line points and replayed training steps. Why not a worker (as landscapes use): a job's work
 * is a sequence of small tfjs calls on the network lab's problem, whose data is already on the
 * engine's backend; a worker would load its own tfjs (wasm: about half a second the first
 * time) and rebuild the data for each job, and under tfjs-node it could not use the native
 * backend at all (tfjs-node loads once per process). Playback keeps going meanwhile: the
 * engine's frame timer and the network runs' training slices run between two checkpoints, so
 * training shares the core with the job instead of stopping. The one long synchronous piece
 * is the dense eigensolver of an exact spectrum (O(P³), P ≤ MAX_EXACT_PARAMETERS); its
 * measured cost is in the lab's notes below.
 *
 * Measured (see test/engine/labs/critical/timing.test.ts's log line, `npx vitest run` on this
 * machine): MEASUREMENTS
 */
import type {
  CriticalExperimentRecord,
  SessionSummary,
  ValidClientMessage,
} from '../../../common/protocol';
import { MAX_RECORDED_EXPERIMENTS } from '../../../common/limits';
import { SessionError, type SessionData } from '../../../common/session';
import { FieldError } from '../../core/errors';
import type { Tf } from '../../network';
import { labsHeld, type Lab, type LabHost, type Msg, type SessionContext } from '../lab';
import { experimentContext, runExperiment } from './experiment-jobs';
import { CriticalJobs } from './jobs';
import { analyzeNetworkPoint } from './network-analysis';
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
  ] as const;
  private readonly jobs: CriticalJobs;
  /** Finished experiments, oldest first (at most MAX_RECORDED_EXPERIMENTS). */
  private experiments: CriticalExperimentRecord[] = [];
  /** The number in the next experiment's id. */
  private nextExperiment = 1;

  constructor(
    private readonly tf: () => Promise<Tf>,
    private readonly host: LabHost,
    private readonly sources: CriticalSources,
    options: { progressIntervalMs?: number; yieldEveryMs?: number } = {},
  ) {
    this.jobs = new CriticalJobs(host.post, options);
  }

  handle(message: ValidClientMessage): Promise<void> {
    switch (message.type) {
      case 'critical.analyze':
        return this.analyze(message);
      case 'critical.escape':
        return this.escape(message);
      case 'critical.line':
        return this.line(message);
      case 'critical.experiment':
        return this.experiment(message);
      default:
        throw new FieldError('type', `the critical-points lab does not answer "${message.type}"`);
    }
  }

  /** critical.analyze: the spectrum at the target, closed form on a surface. */
  private async analyze(message: Msg<'critical.analyze'>): Promise<void> {
    const { id, target, options } = message;
    const analysis = await this.jobs.run(id, 'the analysis', async (job) => {
      if (target.kind === 'run') job.phase('replay');
      const point = await resolveTarget(this.sources, target, job.checkpoint);
      if (point.lab === 'explorer') return analyzeSurface(point, options.tau);
      return analyzeNetworkPoint(await this.tf(), point, options, job);
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
    let next = 1;
    for (const e of restored) {
      const n = /^experiment-(\d+)$/.exec(e.id);
      if (n) next = Math.max(next, Number(n[1]) + 1);
    }
    this.nextExperiment = next;
  }

  cancel(id: number): void {
    this.jobs.cancel(id);
  }

  close(): void {
    this.jobs.cancelAll();
  }
}
