/**
 * The engine as the page sees it: one client shared by every lab, whether the engine is up,
 * what it said on hello, its tfjs backend once known, and why it went away. Labs talk to the
 * engine through `client`; the shell shows `status` and the backend, and offers a restart.
 */
import type { BackendInfo, EngineMessageOf } from '../../../../electron/common/protocol';
import { EngineClient } from './client';
import { pickTransport, type Transport } from './transport';

export type Hello = EngineMessageOf<'hello'>;

/** Where the connection stands: `failed` (never connected) and `gone` both offer a restart. */
export type ConnectionStatus = 'connecting' | 'ready' | 'gone' | 'failed';

/** The page's one connection to the engine, with its status for the shell. */
export class EngineConnection {
  readonly client: EngineClient;
  status = $state<ConnectionStatus>('connecting');
  hello = $state.raw<Hello | undefined>();
  /**
   * The engine's tfjs backend. The hello does not wait for tfjs (the explorer never needs it):
   * the backend comes with it if already loaded, else in a `backend` message a moment later.
   */
  backend = $state.raw<BackendInfo | undefined>();
  /** Why tfjs could not start: the explorer goes on, the network labs cannot. */
  backendError = $state<string | undefined>();
  /** Why the engine went away, shown with a Restart button. */
  goneReason = $state<string | undefined>();

  constructor(transport: Transport = pickTransport()) {
    this.client = new EngineClient(transport);
    this.client.on('engine.gone', ({ reason }) => {
      this.status = 'gone';
      this.goneReason = reason;
    });
    this.client.on('backend', (message) => {
      if ('error' in message) this.backendError = message.error;
      else this.setBackend(backendOf(message));
    });
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  /**
   * The first connection: `failed`, with the reason, when the engine does not answer. Once:
   * the page starts it before the shell's code has loaded (main.ts), the shell awaits it.
   */
  connect(): Promise<void> {
    this.connecting ??= this.firstConnect();
    return this.connecting;
  }

  private connecting: Promise<void> | undefined;

  private async firstConnect(): Promise<void> {
    this.status = 'connecting';
    try {
      this.greeted(await this.client.connect());
      // The engine's first answer, on the page's clock from navigation start: the start-up
      // benchmark (scripts/bench/startup.mjs) reads it. Restarts do not come here.
      performance.mark('losslab:engine-ready');
      this.status = 'ready';
      this.goneReason = undefined;
    } catch (err) {
      this.status = 'failed';
      this.goneReason = (err as Error).message;
    }
  }

  /** A fresh engine after the last died. Resolves whether it answered (else it is `gone`). */
  async restart(): Promise<boolean> {
    this.status = 'connecting';
    // A new engine: its backend is told anew.
    this.backend = undefined;
    this.backendError = undefined;
    try {
      this.greeted(await this.client.restart());
    } catch (err) {
      this.status = 'gone';
      this.goneReason = (err as Error).message;
      return false;
    }
    this.status = 'ready';
    this.goneReason = undefined;
    return true;
  }

  private greeted(hello: Hello): void {
    this.hello = hello;
    if (hello.backend !== undefined) this.setBackend(backendOf(hello));
  }

  private setBackend(backend: BackendInfo): void {
    // When the page first knew its backend, for the start-up benchmark's breakdown.
    if (performance.getEntriesByName('losslab:engine-backend').length === 0)
      performance.mark('losslab:engine-backend');
    this.backend = backend;
  }
}

/** The backend's part of a hello or `backend` message. */
function backendOf(message: BackendInfo): BackendInfo {
  const { backend, backendNotes, tfjsVersion, selfCheck, wasmDir } = message;
  return { backend, backendNotes, tfjsVersion, selfCheck, ...(wasmDir ? { wasmDir } : {}) };
}

/**
 * The page's one engine connection, made on first use: main.ts opens it before the shell's
 * code has loaded, so the engine starts while the page still loads; the shell takes the same.
 */
let pageEngine: EngineConnection | undefined;
export function appEngine(): EngineConnection {
  pageEngine ??= new EngineConnection();
  return pageEngine;
}
