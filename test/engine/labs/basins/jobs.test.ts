/**
 * A basin map computed through the engine is kept for sessions as exactly its BasinsSpec (not
 * the request it came in), so a session holding it saves, autosaves and opens again with the
 * map intact.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMessageOf } from '../../../../electron/common/protocol';
import { basinsSpecSchema } from '../../../../electron/common/spec';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import { AUTOSAVE_FILE, readSession } from '../../../../electron/engine/recording';
import { TestClient } from '../../../helpers/engine-client';

const hosts: InProcessEngine[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function connect(dataDir?: string): Promise<TestClient> {
  const host = startInProcessEngine({
    frameIntervalMs: 5,
    ...(dataDir ? { dataDir, autosaveIntervalMs: 50 } : {}),
  });
  hosts.push(host);
  const client = new TestClient(host);
  await client.hello();
  return client;
}

async function ok(client: TestClient, message: Parameters<TestClient['request']>[0]) {
  const reply = await client.request(message);
  if (reply.type === 'error') throw new Error(`${message.type}: ${reply.message}`);
  return reply;
}

const spec = {
  surface: 'himmelblau' as const,
  optimizer: { optimizer: 'adam' as const, lr: 0.1 },
  resolution: 6,
  steps: 40,
  tolerance: 0.02,
};
const context = {
  view: { tab: 'basins' },
  explorer: { surface: 'himmelblau' as const, start: [0, 0] as [number, number] },
  basins: true,
};

/** An engine with one run and a finished basin map. */
async function withBasinMap(dataDir?: string) {
  const client = await connect(dataDir);
  await ok(client, {
    type: 'run.create',
    run: { runId: 'r', surface: 'himmelblau', start: [0, 0], optimizer: { optimizer: 'sgd' } },
  });
  await ok(client, { type: 'step', steps: 10 });
  const result = (await ok(client, {
    type: 'basins.compute',
    ...spec,
  })) as EngineMessageOf<'basins.result'>;
  expect(result.type).toBe('basins.result');
  return { client, result };
}

function expectSameMap(
  basins: { labels: Int16Array; steps: Uint32Array; finals: Float64Array } | undefined,
  result: EngineMessageOf<'basins.result'>,
): void {
  expect(basins).toBeDefined();
  expect(Array.from(basins!.labels)).toEqual(Array.from(result.labels));
  expect(Array.from(basins!.steps)).toEqual(Array.from(result.steps));
  expect(Array.from(basins!.finals)).toEqual(Array.from(result.finals));
}

describe('a session with a basin map', () => {
  it('saves the map with exactly its spec, and opens again with the map intact', async () => {
    const { client, result } = await withBasinMap();
    const file = (await ok(client, {
      type: 'session.save',
      context,
    })) as EngineMessageOf<'session.file'>;
    expect(file.type).toBe('session.file');

    const data = readSession(file.bytes);
    // Exactly a BasinsSpec: the request's type and id are not part of it.
    expect(data.explorer!.basins!.spec).toEqual(spec);
    expect(basinsSpecSchema.safeParse(data.explorer!.basins!.spec).success).toBe(true);
    expectSameMap(data.explorer!.basins, result);

    const other = await connect();
    const opened = (await ok(other, {
      type: 'session.open',
      bytes: file.bytes,
    })) as EngineMessageOf<'session.opened'>;
    const map = opened.session.explorer!.basins!;
    expect(map).toMatchObject({ surface: 'himmelblau', resolution: spec.resolution });
    expectSameMap(map, result);

    // The reopened map is saved again, unchanged.
    const again = (await ok(other, {
      type: 'session.save',
      context,
    })) as EngineMessageOf<'session.file'>;
    const back = readSession(again.bytes).explorer!.basins!;
    expect(back.spec).toEqual(spec);
    expectSameMap(back, result);
  });

  it('autosaves a recording that holds the map', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-basins-'));
    dirs.push(dir);
    const { client, result } = await withBasinMap(dir);
    await ok(client, { type: 'record.start', context });
    const state = (await client.waitFor(
      (m) =>
        m.type === 'record.state' &&
        (m.recording.savedAt !== undefined || m.recording.error !== undefined),
    )) as EngineMessageOf<'record.state'>;
    expect(state.recording.error).toBeUndefined();
    const data = readSession(fs.readFileSync(path.join(dir, AUTOSAVE_FILE)));
    expect(data.autosave).toBe(true);
    expect(data.explorer!.basins!.spec).toEqual(spec);
    expectSameMap(data.explorer!.basins, result);
    await ok(client, { type: 'record.stop' });
  });
});
