/**
 * The explorer: optimizers racing on a 2-D surface (a preset or a typed expression). It owns
 * its analytic runs and what a session said of them, answers the `run.*`, `surface.sample` and
 * `schedule.preview` messages, and records and adopts the session's explorer part (its basin
 * map is the basins lab's).
 */
import { FieldError } from '../../core/errors';
import type { SessionSummary, ValidClientMessage } from '../../../common/protocol';
import { SessionError, type SessionData } from '../../../common/session';
import { HyperError, scheduledLr } from '../../optim';
import { resolveSurface } from '../../problems';
import {
  labsHeld,
  restoredRunInfo,
  type Lab,
  type SessionContext,
  type LabHost,
  type Msg,
  withOrigin,
} from '../lab';
import { AnalyticRun } from './analytic-run';
import {
  forkRun,
  recordAnalyticRun,
  recordExplorer,
  restoreExplorer,
  type RestoredExplorer,
} from './recording';
import { ExplorerRuns, MAX_RUNS } from './runs';
import { sampleSurface } from './sample';

export class ExplorerLab implements Lab<RestoredExplorer | undefined> {
  readonly name = 'explorer';
  readonly messages = [
    'run.create',
    'run.update',
    'run.remove',
    'run.inspect',
    'run.fork',
    'surface.sample',
    'schedule.preview',
  ] as const;
  readonly runs: ExplorerRuns;

  constructor(private readonly host: LabHost) {
    this.runs = new ExplorerRuns(host.post);
  }

  handle(message: ValidClientMessage): void {
    const { host } = this;
    switch (message.type) {
      case 'run.create': {
        this.runs.admit(message.run.runId);
        const run = new AnalyticRun(message.run);
        this.runs.set(run);
        host.post({ type: 'run.state', run: run.state() });
        host.flush();
        return this.ok(message.id);
      }
      case 'run.update': {
        const run = this.runs.require(message.runId);
        try {
          run.update(message.hyper, message.schedule);
        } catch (err) {
          if (err instanceof HyperError) throw new FieldError(`hyper.${err.field}`, err.message);
          throw err;
        }
        host.post({ type: 'run.state', run: run.state() });
        host.flush();
        return this.ok(message.id);
      }
      case 'run.remove':
        this.runs.require(message.runId);
        this.runs.remove(message.runId);
        host.touch();
        return this.ok(message.id);
      case 'run.inspect': {
        const inspection = this.runs.require(message.runId).inspect();
        host.post({ type: 'run.inspection', id: message.id, inspection });
        return;
      }
      case 'run.fork':
        this.fork(message);
        host.flush();
        return this.ok(message.id);
      case 'surface.sample': {
        const grid = sampleSurface(resolveSurface(message.surface), message.resolution);
        host.post({ type: 'surface.grid', id: message.id, surface: grid.info.name, ...grid }, [
          grid.values.buffer as ArrayBuffer,
        ]);
        return;
      }
      case 'schedule.preview': {
        const values = new Float64Array(message.steps);
        for (let t = 0; t < message.steps; t++)
          values[t] = scheduledLr(message.schedule, message.lr, t);
        host.post({ type: 'schedule.values', id: message.id, values }, [values.buffer]);
        return;
      }
      default:
        throw new FieldError('type', `the explorer does not answer "${message.type}"`);
    }
  }

  private ok(id: number): void {
    this.host.post({ type: 'ok', id });
  }

  /** run.fork: "re-run from here" — a new run from `runId`'s state after `step` steps. */
  private fork(message: Msg<'run.fork'>): void {
    const { runs, host } = this;
    const source = runs.get(message.runId);
    if (!source) throw new FieldError('runId', `no run "${message.runId}"`);
    runs.admit(message.newRunId, 'newRunId');
    if (message.step > source.step) {
      throw new FieldError(
        'step',
        `run "${message.runId}" has taken ${source.step} steps; it cannot be forked at step ${message.step}`,
      );
    }
    const forked = forkRun(recordAnalyticRun(source), message.step, message.optimizer, {
      runId: message.newRunId,
      ...(message.label !== undefined ? { label: message.label } : {}),
    });
    runs.set(forked.run, { forkedFrom: forked.forkedFrom });
    host.post({ type: 'run.state', run: forked.run.state() });
    host.post({
      type: 'run.forked',
      id: message.id,
      runId: message.newRunId,
      forkedFrom: forked.forkedFrom,
      continued: forked.continued,
      ...(forked.note !== undefined ? { note: forked.note } : {}),
    });
    host.touch();
  }

  sync(): void {
    this.runs.sync();
  }

  /**
   * The explorer part: its surface and start (the client's, else the first run's), and every
   * run with its colour (the client's, else the session's it came from) and fork origin.
   */
  record(session: SessionData, context: SessionContext): void {
    if (!labsHeld(context).explorer) return;
    const first = this.runs.all()[Symbol.iterator]().next().value as AnalyticRun | undefined;
    const where =
      context.explorer ??
      (first
        ? { surface: first.initialConfig().surface, start: first.initialConfig().start }
        : undefined);
    if (!where) return;
    const { colors, forks } = this.runs;
    const runs = [...this.runs.all()].map((run) =>
      withOrigin(run, context.colors[run.runId] ?? colors.get(run.runId), forks.get(run.runId)),
    );
    session.explorer = recordExplorer({ ...where, runs });
  }

  admit(session: SessionData): void {
    const count = session.explorer?.runs.length ?? 0;
    if (count > MAX_RUNS) {
      throw new SessionError(
        `the session holds ${count} surface runs; this LossLab holds at most ${MAX_RUNS}`,
        'explorer.runs',
      );
    }
  }

  restore(session: SessionData): RestoredExplorer | undefined {
    return session.explorer ? restoreExplorer(session.explorer) : undefined;
  }

  adopt(restored: RestoredExplorer | undefined, summary: SessionSummary): void {
    this.runs.clear();
    if (!restored) return;
    for (const r of restored.runs) this.runs.set(r.run, r);
    summary.explorer = {
      surface: restored.surface,
      start: restored.start,
      runs: restored.runs.map(restoredRunInfo),
    };
  }

  /** The explorer has no long jobs of its own (a long `step` is the engine's). */
  cancel(): void {}

  close(): void {}
}
