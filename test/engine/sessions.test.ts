/**
 * Sessions over the protocol: save → open in a fresh engine gives every trajectory back bit
 * for bit and every setting; bad files are refused and change nothing; a recording's autosave
 * survives an engine that dies and is recovered; "re-run from here" forks exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMessage, EngineMessageOf, RunState } from '../../electron/common/protocol';
import { startInProcessEngine, type InProcessEngine } from '../../electron/engine/hosts/in-process';
import { AUTOSAVE_FILE } from '../../electron/engine/recording';
import { TestClient } from '../helpers/engine-client';

const hosts: InProcessEngine[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-sessions-'));
  dirs.push(dir);
  return dir;
}

async function connect(dataDir?: string): Promise<{ client: TestClient; host: InProcessEngine }> {
  const host = startInProcessEngine({
    frameIntervalMs: 5,
    ...(dataDir ? { dataDir, autosaveIntervalMs: 50 } : {}),
    appVersion: '9.9.9-test',
  });
  hosts.push(host);
  const client = new TestClient(host);
  await client.hello();
  return { client, host };
}

async function ok(client: TestClient, message: Parameters<TestClient['request']>[0]) {
  const reply = await client.request(message);
  if (reply.type === 'error') throw new Error(`${message.type}: ${reply.message}`);
  return reply;
}

/** A two-optimizer race on Rosenbrock with a learning-rate change midway. */
async function race(client: TestClient): Promise<void> {
  const start: [number, number] = [-1.5, 2];
  await ok(client, {
    type: 'run.create',
    run: {
      runId: 'run-1',
      surface: 'rosenbrock',
      start,
      optimizer: { optimizer: 'adam', lr: 0.05 },
    },
  });
  await ok(client, {
    type: 'run.create',
    run: {
      runId: 'run-2',
      surface: 'rosenbrock',
      start,
      optimizer: { optimizer: 'sgd', lr: 0.001, momentum: 0.9 },
      label: 'heavy ball',
    },
  });
  await ok(client, { type: 'step', steps: 120 });
  await ok(client, { type: 'run.update', runId: 'run-1', hyper: { lr: 0.01 } });
  await ok(client, { type: 'step', steps: 80 });
}

function latestState(client: TestClient, runId: string): RunState | undefined {
  for (let i = client.log.length - 1; i >= 0; i--) {
    const m = client.log[i];
    if (m.type === 'run.state' && m.run.runId === runId) return m.run;
  }
  return undefined;
}

/** Every point a client holds of a run, as raw bits. */
function bits(client: TestClient, runId: string): string {
  const t = client.trajectory(runId);
  return Buffer.from(
    new Float64Array([...t.points.flat(), ...t.gradNorm, ...t.lr]).buffer,
  ).toString('base64');
}

const context = {
  title: 'Adam vs heavy ball',
  view: {
    camera: { azimuth: 30, elevation: 45 },
    theme: 'dark',
    annotations: [{ text: 'valley', at: [1, 1] }],
  },
  explorer: { surface: 'rosenbrock' as const, start: [-1.5, 2] as [number, number] },
  colors: { 'run-1': '#e45756', 'run-2': '#4c78a8' },
};

async function save(client: TestClient): Promise<Uint8Array> {
  const reply = await ok(client, { type: 'session.save', context });
  expect(reply.type).toBe('session.file');
  return (reply as EngineMessageOf<'session.file'>).bytes;
}

describe('sessions over the protocol', () => {
  it('save → open in a fresh engine gives every trajectory back bit for bit, and every setting', async () => {
    const a = await connect();
    await race(a.client);
    const bytes = await save(a.client);
    expect(bytes.length).toBeGreaterThan(1000);

    const b = await connect();
    const opened = (await ok(b.client, {
      type: 'session.open',
      bytes,
      name: 'race.losslab',
    })) as EngineMessageOf<'session.opened'>;
    expect(opened.session).toMatchObject({
      title: context.title,
      view: context.view,
      app: { name: 'LossLab', version: '9.9.9-test' },
      explorer: {
        surface: 'rosenbrock',
        start: [-1.5, 2],
        runs: [
          { runId: 'run-1', color: '#e45756', resumable: true },
          { runId: 'run-2', color: '#4c78a8', resumable: true },
        ],
      },
    });
    await ok(b.client, { type: 'sync' });
    await ok(a.client, { type: 'sync' });
    for (const runId of ['run-1', 'run-2']) {
      expect(bits(b.client, runId)).toBe(bits(a.client, runId));
      const before = latestState(a.client, runId)!;
      const after = latestState(b.client, runId)!;
      expect(after).toEqual(before);
    }
    expect(latestState(b.client, 'run-1')!.changes).toEqual([{ step: 120, patch: { lr: 0.01 } }]);
    expect(latestState(b.client, 'run-2')!.label).toBe('heavy ball');

    // Both go on exactly as the originals would.
    await ok(a.client, { type: 'step', steps: 50 });
    await ok(b.client, { type: 'step', steps: 50 });
    for (const runId of ['run-1', 'run-2'])
      expect(bits(b.client, runId)).toBe(bits(a.client, runId));
  });

  it('refuses random bytes, a truncated file, a wrong checksum and a future version, changing nothing', async () => {
    const a = await connect();
    await race(a.client);
    const good = await save(a.client);
    const before = bits(a.client, 'run-1');

    const truncated = good.slice(0, Math.floor(good.length / 2));
    // The trajectory's bytes are stored uncompressed: flip one inside the points array.
    const flipped = good.slice();
    flipped[Math.floor(good.length / 3)] ^= 0x40;
    const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);

    const entries = unzipSync(good);
    const manifest = JSON.parse(strFromU8(entries['manifest.json']));
    manifest.version = 2;
    entries['manifest.json'] = strToU8(JSON.stringify(manifest));
    const future = zipSync(entries);

    const cases: [string, Uint8Array, RegExp][] = [
      ['random bytes', random, /not a LossLab session|not a zip/i],
      ['truncated', truncated, /truncated|not a zip|damaged|incomplete/i],
      ['flipped', flipped, /checksum|damaged|sha-?256|corrupt/i],
      ['future', future, /newer LossLab \(format version 2\)/],
    ];
    for (const [name, bytes, message] of cases) {
      const reply = await a.client.request({ type: 'session.open', bytes, name });
      expect(reply.type, name).toBe('error');
      expect((reply as { message: string }).message, name).toMatch(message);
    }
    // Nothing changed: the same runs, the same points, and they still step.
    await ok(a.client, { type: 'sync' });
    expect(bits(a.client, 'run-1')).toBe(before);
    await ok(a.client, { type: 'step', steps: 1 });
    expect(latestState(a.client, 'run-1')).toBeDefined();
    expect(a.client.trajectory('run-1').points).toHaveLength(202);
  });

  it('autosaves a recording; after the engine dies it is found, recovered and goes on recording', async () => {
    const dir = tempDir();
    const a = await connect(dir);
    await ok(a.client, { type: 'record.start', context });
    await race(a.client);
    // Wait for an autosave that holds all 200 steps.
    const file = path.join(dir, AUTOSAVE_FILE);
    await a.client.waitFor(
      (m) =>
        m.type === 'record.state' && m.recording.recording && m.recording.savedAt !== undefined,
    );
    const deadline = Date.now() + 10_000;
    let steps = 0;
    while (Date.now() < deadline && steps < 200) {
      const { client: probe } = await connect();
      const reply = await probe.request({ type: 'session.open', bytes: fs.readFileSync(file) });
      if (reply.type === 'session.opened') {
        await ok(probe, { type: 'sync' });
        steps = latestState(probe, 'run-1')?.step ?? 0;
      }
      if (steps < 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(steps).toBe(200);
    const original = bits(a.client, 'run-1');
    // The engine dies without a clean stop (a crash): the autosave stays.
    a.host.close();
    expect(fs.existsSync(file)).toBe(true);

    const b = await connect(dir);
    const check = (await ok(b.client, {
      type: 'session.recover',
      action: 'check',
    })) as EngineMessageOf<'session.recoverable'>;
    expect(check.found).toMatchObject({ title: context.title });
    expect(check.found!.runs.map((r) => [r.runId, r.steps])).toEqual([
      ['run-1', 200],
      ['run-2', 200],
    ]);
    const recovered = (await ok(b.client, {
      type: 'session.recover',
      action: 'open',
    })) as EngineMessageOf<'session.opened'>;
    expect(recovered.session.autosave).toBe(true);
    await ok(b.client, { type: 'sync' });
    expect(bits(b.client, 'run-1')).toBe(original);
    // Recording goes on from the recovered state.
    await b.client.waitFor((m) => m.type === 'record.state' && m.recording.recording);
    await ok(b.client, { type: 'record.stop' });
    expect(fs.existsSync(file)).toBe(false);
    const none = (await ok(b.client, {
      type: 'session.recover',
      action: 'check',
    })) as EngineMessageOf<'session.recoverable'>;
    expect(none.found).toBeUndefined();
  });

  it('refuses to record without a data folder, and to open a session while recording', async () => {
    const a = await connect();
    const reply = await a.client.request({ type: 'record.start', context });
    expect(reply).toMatchObject({ type: 'error', message: /no data folder/ });

    const dir = tempDir();
    const b = await connect(dir);
    await race(b.client);
    const bytes = await save(b.client);
    await ok(b.client, { type: 'record.start', context });
    const refused = await b.client.request({ type: 'session.open', bytes });
    expect(refused).toMatchObject({ type: 'error', field: 'record' });
    await ok(b.client, { type: 'record.stop' });
  });

  it('saves and reopens the network lab: problem, curves, the landscape shown; resume retrains exactly', async () => {
    const a = await connect();
    await ok(a.client, {
      type: 'net.setup',
      dataset: { kind: 'xor', n: 200, seed: 3 },
      model: { depth: 1, width: 8, activation: 'tanh', seed: 1 },
    });
    await ok(a.client, {
      type: 'net.run.create',
      run: {
        runId: 'net-1',
        optimizer: { optimizer: 'adam', lr: 0.05 },
        batchSize: 32,
        snapshotEvery: 1,
      },
    });
    await ok(a.client, { type: 'step', steps: 12, scope: 'network' });
    const landscape = (await ok(a.client, {
      type: 'net.landscape',
      center: { runId: 'net-1', at: 'current' },
      directions: { kind: 'random', seed: 7 },
      project: ['net-1'],
      grid: {
        resolution: 7,
        range: [
          [-1, 1],
          [-1, 1],
        ],
        coarse: 3,
        split: 'train',
      },
    })) as EngineMessageOf<'net.landscape.result'>;
    const reply = await ok(a.client, {
      type: 'session.save',
      context: { view: { tab: 'network' }, landscape: true },
    });
    const bytes = (reply as EngineMessageOf<'session.file'>).bytes;

    const b = await connect();
    const opened = (await ok(b.client, {
      type: 'session.open',
      bytes,
    })) as EngineMessageOf<'session.opened'>;
    const net = opened.session.network!;
    expect(net.problem!.dataset).toMatchObject({ kind: 'xor', n: 200, seed: 3 });
    expect(net.runs).toEqual([{ runId: 'net-1', resumable: true }]);
    expect(Array.from(net.landscapes[0].values)).toEqual(Array.from(landscape.landscape.values));
    expect(Array.from(net.landscapes[0].projections[0].alpha)).toEqual(
      Array.from(landscape.landscape.projections[0].alpha),
    );
    await ok(b.client, { type: 'sync' });
    const curve = (client: TestClient) => {
      const loss: number[] = [];
      for (const m of client.log) {
        if (m.type !== 'frame') continue;
        for (const f of m.net ?? [])
          f.steps.loss.forEach((v, i) => (loss[f.steps.fromStep + i] = v));
      }
      return loss;
    };
    expect(curve(b.client)).toEqual(curve(a.client));
    const restored = b.client.log.findLast((m) => m.type === 'net.run.state');
    expect(restored).toMatchObject({ run: { runId: 'net-1', step: 12, status: 'finished' } });

    // Resume retrains the run (checked step by step); then it goes on like the original.
    await ok(b.client, { type: 'net.run.resume', runId: 'net-1' });
    await ok(a.client, { type: 'step', steps: 3, scope: 'network' });
    await ok(b.client, { type: 'step', steps: 3, scope: 'network' });
    expect(curve(b.client)).toEqual(curve(a.client));
    expect(curve(b.client)).toHaveLength(15);
  });

  it('a session without a network lab empties the engine’s, so the next save holds none of it', async () => {
    const a = await connect();
    await race(a.client);
    const explorerOnly = (await ok(a.client, {
      type: 'session.save',
      context: { view: {} },
    })) as EngineMessageOf<'session.file'>;
    const b = await connect();
    await ok(b.client, {
      type: 'net.setup',
      dataset: { kind: 'xor', n: 80 },
      model: { depth: 1, width: 4 },
    } as never);
    await ok(b.client, {
      type: 'net.run.create',
      run: { runId: 'net-1', optimizer: { optimizer: 'sgd' } },
    } as never);
    await ok(b.client, { type: 'session.open', bytes: explorerOnly.bytes });
    expect(b.client.log.some((m) => m.type === 'net.run.removed' && m.runId === 'net-1')).toBe(
      true,
    );
    const again = (await ok(b.client, {
      type: 'session.save',
      context: { view: {} },
    })) as EngineMessageOf<'session.file'>;
    const manifest = JSON.parse(strFromU8(unzipSync(again.bytes)['manifest.json']));
    expect(manifest.network).toBeUndefined();
    expect(manifest.explorer.runs).toHaveLength(2);
  });

  it('holds only the labs its context names: nothing nobody asked for', async () => {
    const a = await connect();
    await race(a.client);
    await ok(a.client, {
      type: 'net.setup',
      dataset: { kind: 'xor', n: 80 },
      model: { depth: 1, width: 4 },
    } as never);
    await ok(a.client, {
      type: 'net.run.create',
      run: { runId: 'net-1', optimizer: { optimizer: 'sgd' }, snapshotEvery: 1 },
    } as never);
    await ok(a.client, { type: 'step', steps: 50, runId: 'net-1' });
    const manifestOf = async (labs?: { explorer: boolean; network: boolean }) => {
      const file = (await ok(a.client, {
        type: 'session.save',
        context: { view: {}, ...(labs ? { labs } : {}) },
      })) as EngineMessageOf<'session.file'>;
      return {
        manifest: JSON.parse(strFromU8(unzipSync(file.bytes)['manifest.json'])),
        runs: file.runs,
        bytes: file.bytes.length,
      };
    };
    const both = await manifestOf();
    expect(both.manifest.explorer.runs).toHaveLength(2);
    expect(both.manifest.network.runs).toHaveLength(1);
    const explorerOnly = await manifestOf({ explorer: true, network: false });
    expect(explorerOnly.manifest.network).toBeUndefined();
    expect(explorerOnly.runs).toBe(2);
    expect(explorerOnly.bytes).toBeLessThan(both.bytes);
    expect(Object.keys(explorerOnly.manifest.arrays).some((k) => k.startsWith('network/'))).toBe(
      false,
    );
    const networkOnly = await manifestOf({ explorer: false, network: true });
    expect(networkOnly.manifest.explorer).toBeUndefined();
    expect(networkOnly.runs).toBe(1);
  });

  it('forks a run at a step: the same history up to it, the new settings after', async () => {
    const a = await connect();
    await race(a.client);
    const forked = (await ok(a.client, {
      type: 'run.fork',
      runId: 'run-1',
      step: 100,
      newRunId: 'run-3',
      optimizer: { optimizer: 'adam', lr: 0.002 },
    })) as EngineMessageOf<'run.forked'>;
    expect(forked).toMatchObject({
      runId: 'run-3',
      forkedFrom: { runId: 'run-1', step: 100 },
      continued: true,
    });
    await ok(a.client, { type: 'step', steps: 10, runId: 'run-3' });
    const source = a.client.trajectory('run-1');
    const fork = a.client.trajectory('run-3');
    expect(fork.points.slice(0, 101)).toEqual(source.points.slice(0, 101));
    // After the fork, the new learning rate takes over (run-1 went on at 0.05 until step 120).
    expect(fork.lr[100]).toBe(0.002);
    expect(source.lr[100]).toBe(0.05);
    expect(fork.points[101]).not.toEqual(source.points[101]);
    expect(fork.points).toHaveLength(111);

    const late = await a.client.request({
      type: 'run.fork',
      runId: 'run-1',
      step: 5000,
      newRunId: 'run-4',
      optimizer: { optimizer: 'sgd', lr: 0.01 },
    });
    expect(late).toMatchObject({ type: 'error', field: 'step' });
    const taken = await a.client.request({
      type: 'run.fork',
      runId: 'run-1',
      step: 1,
      newRunId: 'run-2',
      optimizer: { optimizer: 'sgd', lr: 0.01 },
    });
    expect(taken).toMatchObject({ type: 'error', field: 'newRunId' });

    // The fork's origin is saved with it.
    const bytes = await save(a.client);
    const b = await connect();
    const opened = (await ok(b.client, {
      type: 'session.open',
      bytes,
    })) as EngineMessageOf<'session.opened'>;
    expect(opened.session.explorer!.runs.find((r) => r.runId === 'run-3')).toMatchObject({
      forkedFrom: { runId: 'run-1', step: 100 },
      resumable: true,
    });
  });
});

export type { EngineMessage };
