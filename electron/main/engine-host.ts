import {
  MessageChannelMain,
  utilityProcess,
  type UtilityProcess,
  type WebContents,
} from 'electron';
import { IpcChannel, type EngineGone } from '../common/bridge';

export const ENGINE_SERVICE_NAME = 'LossLab engine';

/** Details of app's `child-process-gone` that the host reads. */
export interface ProcessGoneDetails {
  type: string;
  name?: string;
  serviceName?: string;
  reason: string;
  exitCode: number;
}

/**
 * The engine's utility process, and the port that links it straight to the window: data flows
 * engine → renderer without a hop through main. When the window goes, the engine goes; when
 * the engine dies, the window is told why.
 */
export class EngineHost {
  private child: UtilityProcess | undefined;
  /** Engines this host stopped itself: their exits are not deaths to report. */
  private readonly dismissed = new WeakSet<UtilityProcess>();
  /** Kills issued and not yet seen as `child-process-gone` "killed". */
  private pendingKills = 0;
  /** The reason `child-process-gone` gave for the current engine's death, if it came first. */
  private goneDetails: EngineGone | undefined;

  constructor(
    private readonly enginePath: string,
    private readonly window: WebContents,
    /** Handed to the engine with its port (JSON: data folder, app version). */
    private readonly engineOptions: { dataDir?: string; appVersion?: string } = {},
  ) {}

  /** Forks the engine if it is not running. */
  start(): UtilityProcess {
    if (this.child) return this.child;
    this.goneDetails = undefined;
    const child = utilityProcess.fork(this.enginePath, [], {
      serviceName: ENGINE_SERVICE_NAME,
      stdio: 'inherit',
    });
    this.child = child;
    child.once('exit', (code) => {
      if (this.child === child) this.child = undefined;
      if (this.dismissed.has(child)) return;
      // `child-process-gone` (with the reason: crashed, oom, killed, …) may arrive just after.
      setTimeout(() => {
        this.tellWindow(
          this.goneDetails ?? { reason: `the engine exited with code ${code}`, exitCode: code },
        );
      }, 100);
    });
    return child;
  }

  /** A new MessageChannelMain: one end to the engine, the other to the window. */
  connect(): void {
    const child = this.start();
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage({ type: 'connect', options: this.engineOptions }, [port1]);
    this.window.postMessage(IpcChannel.enginePort, null, [port2]);
  }

  /** Feed app's `child-process-gone` here; only the engine's own death is taken. */
  onProcessGone(details: ProcessGoneDetails): void {
    if (
      details.type !== 'Utility' ||
      (details.serviceName ?? details.name) !== ENGINE_SERVICE_NAME
    ) {
      return;
    }
    if (details.reason === 'killed' && this.pendingKills > 0) {
      this.pendingKills--;
      return;
    }
    this.goneDetails = {
      reason: `the engine process ${details.reason} (exit code ${details.exitCode})`,
      exitCode: details.exitCode,
    };
  }

  restart(): void {
    this.stop();
    this.start();
  }

  stop(): void {
    if (!this.child) return;
    this.dismissed.add(this.child);
    this.pendingKills++;
    this.child.kill();
    this.child = undefined;
  }

  private tellWindow(gone: EngineGone): void {
    if (!this.window.isDestroyed()) this.window.send(IpcChannel.engineGone, gone);
  }
}
