/**
 * A session bigger than one WebSocket message (64 MiB) opens in browser mode: the page sends
 * it in parts, the engine reads it in slices with a progress bar, and the server stays up.
 * Before, a 257 MiB session killed the server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineMessageOf } from '../../electron/common/protocol';
import { startInProcessEngine } from '../../electron/engine/hosts/in-process';
import { TestClient } from '../helpers/engine-client';
import { loadApp, openApp, shotsDir, type Harness } from './harness';

let h: Harness;
let file: string;

/** Two digits runs keeping a θ snapshot every step: about 133 MB of snapshots each. */
async function bigSession(): Promise<Uint8Array> {
  const host = startInProcessEngine({});
  try {
    const client = new TestClient(host);
    await client.hello();
    // Training 390 steps of two 85,002-parameter runs and saving 255 MiB take seconds on an
    // idle machine and minutes on a busy one: the test is about the page, not this setup.
    const ok = async (message: Parameters<TestClient['request']>[0]) => {
      const reply = await client.request(message, 240_000);
      if (reply.type === 'error') throw new Error(`${message.type}: ${reply.message}`);
      return reply;
    };
    await ok({
      type: 'net.setup',
      dataset: { kind: 'digits' },
      model: { depth: 2, width: 256, activation: 'relu' },
    } as never);
    for (const runId of ['net-1', 'net-2']) {
      await ok({
        type: 'net.run.create',
        run: { runId, optimizer: { optimizer: 'adam', lr: 0.001 }, snapshotEvery: 1 },
      } as never);
    }
    // 391 snapshots of 85,002 parameters per run: within a run's snapshot store (394).
    await ok({ type: 'step', steps: 390, scope: 'network' });
    const saved = (await ok({
      type: 'session.save',
      context: { view: {} },
    } as never)) as EngineMessageOf<'session.file'>;
    return saved.bytes;
  } finally {
    host.close();
  }
}

beforeAll(async () => {
  const bytes = await bigSession();
  expect(bytes.length).toBeGreaterThan(200 * 2 ** 20);
  file = path.join(shotsDir, 'big.losslab');
  fs.mkdirSync(shotsDir, { recursive: true });
  fs.writeFileSync(file, bytes);
  h = await openApp();
  await loadApp(h);
}, 300_000);
afterAll(async () => {
  await h?.close();
  if (file) fs.rmSync(file, { force: true });
});

describe('a big session', () => {
  it('opens in the page, sent in parts, read with a progress bar', async () => {
    const size = fs.statSync(file).size;
    await h.page.getByRole('button', { name: 'Session ▾' }).click();
    const [chooser] = await Promise.all([
      h.page.waitForEvent('filechooser'),
      h.page.getByRole('menuitem', { name: 'Open session…' }).click(),
    ]);
    const t0 = Date.now();
    await chooser.setFiles(file);
    const notice = h.page.getByTestId('session-notice');
    await expect
      .poll(() => notice.textContent(), { timeout: 30_000 })
      .toMatch(/Sending big\.losslab… .+ of [\d.]+ MiB/);
    await h.shot('big-session-sending');
    await expect
      .poll(() => notice.textContent(), { timeout: 240_000, interval: 500 })
      .toMatch(/Opened big\.losslab: 2 runs/);
    console.log(
      `a ${(size / 2 ** 20).toFixed(0)} MiB session opened through the page in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    // The network lab holds both runs; the server and its one engine are still there.
    await h.page.getByRole('tab', { name: 'Network lab' }).click();
    await expect
      .poll(() => h.page.getByRole('region', { name: /^Run \d+:/ }).count(), { timeout: 30_000 })
      .toBe(2);
    expect(h.server.engines).toBe(1);
    expect(h.problems).toEqual([]);
  }, 300_000);
});
