/**
 * Host: Electron's utility process. Main hands over a MessagePortMain per window; typed arrays
 * are structured-cloned across it (its transfer list takes only ports). This file reaches
 * Electron only through `process.parentPort`, described here rather than imported.
 */
import type { EngineMessage } from '../../common/protocol';
import { startEngine, type Engine, type EngineOptions } from '../engine';

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
}
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: PortLike[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) throw new Error('the engine utility host must run in an Electron utility process');

let engine: Engine | undefined;
parentPort.on('message', ({ data, ports }) => {
  if ((data as { type?: unknown })?.type !== 'connect' || ports.length !== 1) return;
  const port = ports[0];
  // One window, one engine session: a reconnect replaces the previous port's engine.
  engine?.close();
  const given = (data as { options?: { dataDir?: unknown; appVersion?: unknown } }).options ?? {};
  const options: EngineOptions = {
    ...(typeof given.dataDir === 'string' ? { dataDir: given.dataDir } : {}),
    ...(typeof given.appVersion === 'string' ? { appVersion: given.appVersion } : {}),
  };
  engine = startEngine(
    {
      post: (message: EngineMessage) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    },
    options,
  );
  port.on('close', () => engine?.close());
  port.start();
});
