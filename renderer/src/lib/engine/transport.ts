/**
 * How the renderer reaches the engine: a MessagePort from the preload in Electron, or a
 * WebSocket to the browser-mode server. Views never know which.
 */
import { decode, encode } from 'cborg/extended';
import type { ENGINE_PORT_MESSAGE, LossLabBridge } from '../../../../electron/common/bridge';
import type {
  ClientMessage,
  EngineOrHostMessage,
  HostRequest,
} from '../../../../electron/common/protocol';

/** Must equal the preload's constant; the type makes a mismatch a compile error. */
const enginePortMessage: typeof ENGINE_PORT_MESSAGE = 'losslab:engine-port';

export interface Transport {
  readonly kind: 'electron' | 'websocket';
  connect(): Promise<void>;
  send(message: ClientMessage): void;
  onMessage(listener: (message: EngineOrHostMessage) => void): void;
  /** Asks the host for a fresh engine and reconnects to it. */
  restart(): Promise<void>;
}

type Listener = (message: EngineOrHostMessage) => void;

/** Electron: the engine's MessagePort arrives through the preload. */
export class ElectronTransport implements Transport {
  readonly kind = 'electron';
  private port: MessagePort | undefined;
  private readonly listeners: Listener[] = [];

  constructor(private readonly bridge: LossLabBridge) {
    bridge.onEngineGone((gone) => this.emit({ type: 'engine.gone', ...gone }));
  }

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const onWindowMessage = (event: MessageEvent) => {
        if (event.source !== window || event.data !== enginePortMessage || !event.ports[0]) return;
        window.removeEventListener('message', onWindowMessage);
        this.port?.close();
        const port = event.ports[0];
        port.onmessage = (e: MessageEvent) => this.emit(e.data as EngineOrHostMessage);
        port.start();
        this.port = port;
        resolve();
      };
      window.addEventListener('message', onWindowMessage);
      this.bridge.connectEngine();
    });
  }

  send(message: ClientMessage): void {
    this.port?.postMessage(message);
  }

  onMessage(listener: Listener): void {
    this.listeners.push(listener);
  }

  async restart(): Promise<void> {
    await this.bridge.restartEngine();
    await this.connect();
  }

  private emit(message: EngineOrHostMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}

/** Browser mode: binary CBOR frames over a WebSocket guarded by the page's token. */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  private socket: WebSocket | undefined;
  private readonly listeners: Listener[] = [];

  constructor(private readonly url: string) {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      socket.binaryType = 'arraybuffer';
      let opened = false;
      socket.onopen = () => {
        opened = true;
        resolve();
      };
      socket.onmessage = (event: MessageEvent) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        this.emit(decode(new Uint8Array(event.data)) as EngineOrHostMessage);
      };
      socket.onclose = () => {
        if (!opened) {
          reject(new Error('could not connect to the LossLab server'));
          return;
        }
        if (this.socket === socket) {
          this.emit({ type: 'engine.gone', reason: 'the connection to the LossLab server closed' });
        }
      };
      this.socket = socket;
    });
  }

  send(message: ClientMessage | HostRequest): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encode(message));
  }

  onMessage(listener: Listener): void {
    this.listeners.push(listener);
  }

  async restart(): Promise<void> {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.send({ type: 'engine.restart' });
      return;
    }
    await this.connect();
  }

  private emit(message: EngineOrHostMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}

/** The transport for wherever this page runs. */
export function pickTransport(): Transport {
  if (window.losslab) return new ElectronTransport(window.losslab);
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return new WebSocketTransport(
    `${scheme}://${window.location.host}/engine?token=${encodeURIComponent(token)}`,
  );
}
