/**
 * Host: the caller's own thread (unit tests, the CLI). Messages are structured-cloned both
 * ways and delivered asynchronously, as over a real port.
 */
import { oneLine } from '../../common/bounds';
import type { ClientMessage, EngineMessage } from '../../common/protocol';
import { startEngine, type Engine, type EngineOptions } from '../engine';

export interface InProcessEngine {
  engine: Engine;
  send(message: ClientMessage | unknown): void;
  onMessage(listener: (message: EngineMessage) => void): () => void;
  close(): void;
}

export function startInProcessEngine(options?: EngineOptions): InProcessEngine {
  const toClient = new Set<(message: EngineMessage) => void>();
  let toEngine: ((message: unknown) => void) | undefined;
  const engine = startEngine(
    {
      post: (message) => {
        const copy = structuredClone(message);
        setImmediate(() => toClient.forEach((listener) => listener(copy)));
      },
      onMessage: (listener) => {
        toEngine = listener;
      },
    },
    options,
  );
  return {
    engine,
    send(message) {
      let copy: unknown;
      try {
        copy = structuredClone(message);
      } catch (err) {
        // A real port's sender fails the same way (too deep, or not cloneable): the client
        // hears why, as from any host.
        const reason = `the message could not be copied to the engine: ${(err as Error).message}`;
        setImmediate(() =>
          toClient.forEach((listener) => listener({ type: 'error', message: oneLine(reason) })),
        );
        return;
      }
      setImmediate(() => toEngine?.(copy));
    },
    onMessage(listener) {
      toClient.add(listener);
      return () => toClient.delete(listener);
    },
    close: () => engine.close(),
  };
}
