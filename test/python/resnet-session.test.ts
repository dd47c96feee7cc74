/**
 * A ResNet-scale session: the companion records a 1.6 M-parameter ResNet (convolutions, batch
 * norm, a skip path; record_resnet.py) a few SGD steps on the CPU, computes its 5 × 5
 * filter-normalized landscape with the companion's landscape(), and the engine opens it —
 * a model LossLab cannot build — in the network lab: every run's state and its recorded curves
 * reach the client, the landscape comes with the trajectory projected (its last point θ* at
 * the origin, L there the grid's centre), the θ snapshots are the recorded ones bit for bit, what needs a problem
 * (training, evaluating, landscapes, a new run) is refused with the reason, and saving the
 * session writes it back whole. Skipped, with one line saying why, where `import torch` fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineMessage, EngineMessageOf } from '../../electron/common/protocol';
import { startInProcessEngine, type InProcessEngine } from '../../electron/engine/hosts/in-process';
import { recordedBytes } from '../../electron/engine/labs/network/recorded';
import { readSession } from '../../electron/engine/recording';
import { TestClient } from '../helpers/engine-client';

const PYTHON = '/usr/bin/python3';

function torchMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} cannot import torch and numpy`;
  return undefined;
}

const missing = torchMissing();
if (missing) console.warn(`skipping the ResNet session test: ${missing}`);

interface Dumped {
  steps: number;
  parameters: number;
  loss: number[];
  lr: number[];
  snapshotSteps: number[];
  finalSum: number;
  finalHead: number[];
}

describe.skipIf(missing !== undefined)('a ResNet-scale session recorded by the companion', () => {
  let dir: string;
  let file: string;
  let want: Dumped;
  let host: InProcessEngine | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'losslab-resnet-'));
    file = join(dir, 'resnet.losslab');
    execFileSync(PYTHON, [join(__dirname, 'record_resnet.py'), file, '--landscape'], {
      stdio: 'pipe',
    });
    want = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Dumped;
  }, 120_000);

  afterAll(() => {
    host?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds a ResNet-scale θ, its snapshots sized before they are built', () => {
    const session = readSession(new Uint8Array(readFileSync(file)));
    const network = session.network!;
    expect(want.parameters).toBeGreaterThan(1_000_000);
    expect(network.runs[0].parameters).toBe(want.parameters);
    expect(network.source!.tensors.some((t) => t.shape.length === 4)).toBe(true);
    // Five snapshots of float32 θ, the final θ in float64, six columns per step (the
    // landscape's θ*, d₁ and d₂ are the session's, not the runs').
    expect(recordedBytes(network)).toBe(
      5 * 4 * want.parameters + 8 * want.parameters + want.steps * 48,
    );
  });

  it('opens in the network lab and shows its curves, refusing what needs a model', async () => {
    host = startInProcessEngine({ frameIntervalMs: 5, appVersion: '9.9.9-test' });
    const client = new TestClient(host);
    await client.hello();
    const opened = await client.request({
      type: 'session.open',
      bytes: new Uint8Array(readFileSync(file)),
      name: 'resnet.losslab',
    });
    if (opened.type === 'error') throw new Error(opened.message);
    const summary = (opened as EngineMessageOf<'session.opened'>).session.network!;
    expect(summary.problem).toBeUndefined();
    expect(summary.recorded).toMatchObject({
      parameters: want.parameters,
      optimizer: 'torch.optim.SGD',
    });
    expect(summary.recorded!.recordedBy).toMatch(/^PyTorch \S+ \(losslab_torch 1\)$/);
    expect(summary.recorded!.description).toMatch(/^ResNet\(/);
    expect(summary.runs).toEqual([
      { runId: 'resnet', resumable: false, note: expect.stringMatching(/recorded by PyTorch/) },
    ]);

    // The companion's landscape, centred on the final θ, with the trajectory on its plane.
    const [landscape] = summary.landscapes;
    expect(landscape.resolution).toBe(5);
    expect(landscape.center).toEqual({ runId: 'resnet', at: 'current', step: want.steps });
    const path = landscape.projections[0];
    expect(Array.from(path.steps)).toEqual(want.snapshotSteps);
    expect([path.alpha[4], path.beta[4], path.distance[4]]).toEqual([0, 0, 0]);
    expect(path.loss[4]).toBe(landscape.centerLoss);
    expect(landscape.values[2 * 5 + 2]).toBe(Math.fround(landscape.centerLoss));
    // Training moved θ: the first snapshots lie off the origin and off the plane.
    expect(path.distance[0]).toBeGreaterThan(0);
    expect(path.loss.every((l) => Number.isFinite(l) && l > 0)).toBe(true);

    const before = client.log.length;
    const synced = await client.request({ type: 'sync' });
    expect(synced.type).toBe('ok');
    if (!client.log.slice(before).some((m) => m.type === 'frame' && m.net?.length))
      await client.waitFor((m) => m.type === 'frame' && !!m.net?.length, 5_000);
    const after: EngineMessage[] = client.log.slice(before);
    const state = after.find((m) => m.type === 'net.run.state');
    expect(state?.type === 'net.run.state' && state.run).toMatchObject({
      runId: 'resnet',
      status: 'finished',
      step: want.steps,
      optimizer: 'sgd',
      parameters: want.parameters,
      label: 'ResNet SGD',
    });
    const frames = after.flatMap((m) => (m.type === 'frame' ? (m.net ?? []) : []));
    const frame = frames.find((f) => f.runId === 'resnet')!;
    expect(Array.from(frame.steps.loss)).toEqual(want.loss);
    expect(Array.from(frame.steps.lr)).toEqual(want.lr);

    for (const message of [
      { type: 'net.run.update', runId: 'resnet', change: { hyper: { lr: 0.1 } } },
      { type: 'net.evaluate', runId: 'resnet', split: 'train' },
      { type: 'net.run.resume', runId: 'resnet' },
    ] as const) {
      const reply = await client.request(message);
      expect(reply.type, message.type).toBe('error');
      expect(reply.type === 'error' && reply.message).toMatch(/recorded by PyTorch .*cannot build/);
    }
    const computed = await client.request({
      type: 'net.landscape',
      center: { runId: 'resnet', at: 'current' },
      directions: { kind: 'random', seed: 0 },
      grid: {
        resolution: 11,
        range: [
          [-1, 1],
          [-1, 1],
        ],
      },
    });
    expect(computed.type === 'error' && computed.message).toMatch(/cannot build/);
    const create = await client.request({
      type: 'net.run.create',
      run: { runId: 'other', optimizer: { optimizer: 'sgd', lr: 0.1 } },
    });
    expect(create.type === 'error' && create.message).toMatch(/cannot build/);

    // Saved again, it is the same recording: every θ snapshot bit for bit.
    const saved = await client.request({
      type: 'session.save',
      context: { labs: { explorer: false, network: true } },
    });
    if (saved.type === 'error') throw new Error(saved.message);
    const again = readSession((saved as EngineMessageOf<'session.file'>).bytes);
    const original = readSession(new Uint8Array(readFileSync(file)));
    const [a, b] = [again.network!.runs[0], original.network!.runs[0]];
    expect(Array.from(a.snapshotSteps)).toEqual(want.snapshotSteps);
    // Byte for byte (vitest's toEqual takes minutes over 7.8 M entries).
    const bytes = (x: Float32Array | Float64Array) =>
      Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(a.snapshots.length).toBe(5 * want.parameters);
    expect(bytes(a.snapshots).equals(bytes(b.snapshots))).toBe(true);
    expect(bytes(a.finalTheta).equals(bytes(b.finalTheta))).toBe(true);
    expect(Array.from(a.finalTheta.subarray(0, 8))).toEqual(want.finalHead);
    expect(again.network!.source).toEqual(original.network!.source);
    expect(again.network!.landscapes[0].values).toEqual(original.network!.landscapes[0].values);
  }, 120_000);
});
