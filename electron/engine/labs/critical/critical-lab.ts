/**
 * The critical-points lab (skeleton): the Hessian at a point of any run of either lab. It has
 * no runs; every request is a job with progress and Cancel.
 */
import type { SessionSummary, ValidClientMessage } from '../../../common/protocol';
import type { SessionData } from '../../../common/session';
import { FieldError } from '../../core/errors';
import type { Lab, LabHost } from '../lab';

export class CriticalLab implements Lab<undefined> {
  readonly name = 'critical';
  readonly messages = [
    'critical.analyze',
    'critical.escape',
    'critical.line',
    'critical.experiment',
  ] as const;

  constructor(private readonly host: LabHost) {}

  handle(message: ValidClientMessage): void {
    throw new FieldError('type', `the critical-points lab does not answer "${message.type}" yet`);
  }

  sync(): void {}
  record(_session: SessionData): void {}
  admit(): void {}
  restore(): undefined {
    return undefined;
  }
  adopt(_restored: undefined, _summary: SessionSummary): void {}
  cancel(): void {}
  close(): void {}
}
