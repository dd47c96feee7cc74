/**
 * Host: a Node worker thread (browser mode). Typed arrays cross to the parent without a copy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineMessage } from '../../common/protocol';
import { startEngine, type EngineOptions } from '../engine';

if (!parentPort) throw new Error('the engine worker must run in a worker thread');
const parent = parentPort;

startEngine(
  {
    post: (message: EngineMessage, transfer?: ArrayBuffer[]) =>
      parent.postMessage(message, transfer ?? []),
    onMessage: (listener) => parent.on('message', listener),
  },
  (workerData ?? {}) as EngineOptions,
);
