/**
 * The basins lab: where each start of a grid on the explorer's surface ends (which minimum, or
 * none, or diverged), computed on worker threads as a long job. Its last finished map is saved
 * with the session's explorer part and restored with it.
 */
import { FieldError } from '../../core/errors';
import type { SessionSummary, ValidClientMessage } from '../../../common/protocol';
import type { SessionData } from '../../../common/session';
import { type Lab, type SessionContext, type LabHost } from '../lab';
import { BasinsJobs, type BasinsJobsOptions } from './jobs';
import { basinMapMessage, recordBasinMap, type BasinMapRecording } from './recording';

export class BasinsLab implements Lab<BasinMapRecording | undefined> {
  readonly name = 'basins';
  readonly messages = ['basins.compute', 'basins.cancel'] as const;
  /** Basin maps being computed, and the last one finished. */
  readonly jobs: BasinsJobs;

  constructor(host: LabHost, options: BasinsJobsOptions = {}) {
    this.jobs = new BasinsJobs(host.post, options);
  }

  handle(message: ValidClientMessage): Promise<void> | void {
    switch (message.type) {
      case 'basins.compute':
        // Replies later (basins.progress, then basins.result or an error), never blocking.
        return this.jobs.start(message);
      case 'basins.cancel':
        return this.jobs.cancel(message.id);
      default:
        throw new FieldError('type', `the basins lab does not answer "${message.type}"`);
    }
  }

  /** A map is sent whole when it is finished: nothing to send again. */
  sync(): void {}

  /** The last finished map, in the explorer part, when it is on screen. */
  record(session: SessionData, context: SessionContext): void {
    const latest = this.jobs.latest;
    if (context.basins && latest && session.explorer) {
      session.explorer.basins = recordBasinMap(latest);
    }
  }

  /** A basin map is one grid, whatever its size was when it was computed. */
  admit(): void {}

  restore(session: SessionData): BasinMapRecording | undefined {
    return session.explorer?.basins;
  }

  adopt(map: BasinMapRecording | undefined, summary: SessionSummary): void {
    if (!map || !summary.explorer) return;
    summary.explorer.basins = basinMapMessage(map);
    this.jobs.latest = { spec: map.spec, result: map };
  }

  cancel(id: number): void {
    this.jobs.cancel(id);
  }

  close(): void {
    this.jobs.close();
  }
}
