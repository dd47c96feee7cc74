/**
 * Runs recorded elsewhere (the Python companion's `network.source`) on a model LossLab cannot
 * build — a ResNet, a transformer: the network lab shows their curves, θ snapshots and the
 * session's landscape with their trajectories, but has no problem to train, evaluate or draw
 * data with. A RecordedRunView is such a run as the lab's frames and states carry it.
 */
import type { NetworkRunFrame, NetworkRunState } from '../../../common/protocol';
import {
  SessionError,
  type NetworkRecording,
  type NetworkRunRecording,
  type NetworkSource,
} from '../../../common/session';
import { formatBytes, HOST_RUN_BYTES } from '../../network/budget';
import { restoreRecordedRuns, type RecordedNetworkRun } from './recording';
import { settingsAfter } from './replay';

/** A run recorded elsewhere, shown as recorded: its state, and its curves as frames. */
export class RecordedRunView {
  readonly runId: string;
  private sent = false;

  constructor(readonly recorded: RecordedNetworkRun) {
    this.runId = recorded.runId;
  }

  get recording(): NetworkRunRecording {
    return this.recorded.recording;
  }

  get status(): NetworkRunState['status'] {
    return this.recorded.status;
  }

  /** Its settings after every recorded change, its steps and why it cannot train. */
  state(): NetworkRunState {
    const r = this.recording;
    const { hyper, schedule, batchSize } = settingsAfter(r);
    const steps = r.steps;
    return {
      runId: this.runId,
      status: this.status,
      step: steps,
      epoch: r.epochs,
      optimizer: r.config.optimizer.optimizer,
      hyper,
      schedule,
      lr: steps > 0 ? r.lr[steps - 1] : hyper.lr,
      batchSize,
      seed: r.config.seed,
      changes: r.changes.map((c) => ({ ...c })),
      parameters: r.parameters,
      reason: this.recorded.reason,
      ...(this.recorded.label !== undefined ? { label: this.recorded.label } : {}),
    };
  }

  /** Every recorded curve in one frame, once (again after rewindFrames). */
  takeFrame(): NetworkRunFrame | undefined {
    if (this.sent) return undefined;
    this.sent = true;
    const r = this.recording;
    const batch = typeof r.config.batchSize === 'number' ? r.config.batchSize : NaN;
    return {
      runId: this.runId,
      status: this.status,
      steps: {
        fromStep: 0,
        loss: r.loss.slice(),
        accuracy: r.accuracy.slice(),
        gradNorm: r.gradNorm.slice(),
        lr: r.lr.slice(),
        updateMs: r.updateMs.slice(),
        // The recording has no batch sizes per step: the configured one, for every update.
        examples: new Float64Array(r.steps).fill(batch),
      },
      epochs: {
        fromEpoch: 0,
        step: r.epochStep.slice(),
        trainLoss: r.trainLoss.slice(),
        trainAccuracy: r.trainAccuracy.slice(),
        validationLoss: r.validationLoss.slice(),
        validationAccuracy: r.validationAccuracy.slice(),
        epochMs: r.epochMs.slice(),
      },
    };
  }

  rewindFrames(): void {
    this.sent = false;
  }

  /** The steps whose θ is at hand: the snapshots', then the final step's. */
  keptSteps(): number[] {
    const steps = this.recorded.snapshots.map((s) => s.step);
    if (steps.at(-1) !== this.recording.steps) steps.push(this.recording.steps);
    return steps;
  }

  /** θ after `step` steps when a snapshot (or the final θ) holds it: a copy. */
  thetaAt(step: number): Float64Array | undefined {
    if (step === this.recording.steps) return this.recording.finalTheta.slice();
    const s = this.recorded.snapshots.find((x) => x.step === step);
    return s ? Float64Array.from(s.theta) : undefined;
  }
}

/** What the lab shows of a session whose runs were recorded on a model it cannot build. */
export interface RecordedLab {
  source: NetworkSource;
  runs: RecordedRunView[];
}

/**
 * The bytes the runs of a recorded-elsewhere network hold once read (snapshots, final θ,
 * curves), checked against what the lab allows its runs (HOST_RUN_BYTES) — the estimate a
 * reader makes from the manifest before anything is built.
 */
export function recordedBytes(network: Pick<NetworkRecording, 'runs'>): number {
  let bytes = 0;
  for (const r of network.runs) {
    bytes += r.snapshots.byteLength + r.finalTheta.byteLength;
    bytes += r.steps * 8 * 6 + r.epochs * 8 * 6;
  }
  return bytes;
}

/**
 * The runs of a session recorded on a model LossLab cannot build, as the lab shows them;
 * refused (one line, naming `network.runs`) when they would hold more than the lab's runs may.
 */
export function restoreRecordedLab(network: NetworkRecording): RecordedLab {
  if (!network.source) {
    throw new SessionError("the session's network runs were recorded by LossLab", 'network.source');
  }
  const bytes = recordedBytes(network);
  if (bytes > HOST_RUN_BYTES) {
    throw new SessionError(
      `its recorded runs hold ${formatBytes(bytes)} of θ snapshots and curves; the network lab holds at most ${formatBytes(HOST_RUN_BYTES)}`,
      'network.runs',
    );
  }
  return {
    source: network.source,
    runs: restoreRecordedRuns(network).map((r) => new RecordedRunView(r)),
  };
}
