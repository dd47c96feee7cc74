/**
 * The engine in each host loads tfjs, self-checks the chosen backend and reports it. The worker
 * host runs the *built* bundle (dist/engine/worker.js), so the wasm binaries must be found from
 * the built layout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineMessage } from '../../../electron/common/protocol';
import { runSelfCheck, loadBackend } from '../../../electron/engine/backend/select';
import { startInProcessEngine } from '../../../electron/engine/hosts/in-process';
import { TestClient } from '../../helpers/engine-client';

const root = path.resolve(__dirname, '../../..');
const builtWorker = path.join(root, 'dist/engine/worker.js');
const workers: Worker[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
});

function workerClient(): TestClient {
  const worker = new Worker(builtWorker, { workerData: { allowNative: true } });
  workers.push(worker);
  return new TestClient({
    send: (m) => worker.postMessage(m),
    onMessage: (listener) => worker.on('message', (m: EngineMessage) => listener(m)),
  });
}

describe('engine hosts', () => {
  it('runs in-process: tfjs loads, the self-check passes, the backend is reported', async () => {
    const host = startInProcessEngine();
    const hello = await new TestClient(host).hello();
    host.close();
    expect(hello.selfCheck.ok).toBe(true);
    expect(hello.selfCheck.detail).toContain('[17, 39]');
    // tfjs-node is picked first where it loads; otherwise wasm, with the reason recorded.
    expect(['tensorflow', 'wasm']).toContain(hello.backend);
    if (hello.backend === 'wasm') expect(hello.backendNotes.join(' ')).toMatch(/^tensorflow: \S/);
  });

  it('runs in a worker thread from the built bundle, with wasm binaries from dist/', async () => {
    expect(fs.existsSync(builtWorker), 'run `npm run build:node` first').toBe(true);
    const hello = await workerClient().hello();
    expect(hello.selfCheck.ok).toBe(true);
    if (hello.backend === 'wasm') {
      expect(hello.wasmDir).toBe(path.join(root, 'dist/engine/wasm'));
    }
  });

  it('a second worker is told not to load tfjs-node, and still starts', async () => {
    const worker = new Worker(builtWorker, { workerData: { allowNative: false } });
    workers.push(worker);
    const client = new TestClient({
      send: (m) => worker.postMessage(m),
      onMessage: (listener) => worker.on('message', (m: EngineMessage) => listener(m)),
    });
    const hello = await client.hello();
    expect(hello.backend).not.toBe('tensorflow');
    expect(hello.backendNotes.join(' ')).toMatch(/another engine in this process holds tfjs-node/);
  });

  it('keeps the tensor count flat over 10,000 self-checks', async () => {
    const { tf } = await loadBackend();
    runSelfCheck(tf);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10_000; i++) runSelfCheck(tf);
    expect(tf.memory().numTensors).toBe(before);
  });
});
