/**
 * A CSV file of the user's in the network lab: sent in parts and read as they arrive, named by
 * its SHA-256 in net.setup, trained on, saved in a session as the data itself or as a
 * reference (path + SHA-256) and reopened — refused when the referenced file changed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMessageOf } from '../../../../electron/common/protocol';
import { forgetTables } from '../../../../electron/engine/datasets/csv';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import { TestClient } from '../../../helpers/engine-client';

const hosts: InProcessEngine[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  forgetTables();
});

async function connect(): Promise<TestClient> {
  const host = startInProcessEngine({ frameIntervalMs: 5, appVersion: '9.9.9-test' });
  hosts.push(host);
  const client = new TestClient(host);
  await client.hello();
  return client;
}

type Request = Parameters<TestClient['request']>[0];
async function ok(client: TestClient, message: Request) {
  const reply = await client.request(message);
  if (reply.type === 'error') throw new Error(`${message.type}: ${reply.message}`);
  return reply;
}

/** Three features (one categorical), a text label: 80 rows. */
const text =
  'a,b,colour,label\r\n' +
  Array.from({ length: 80 }, (_, i) => {
    const a = Math.sin(i) * 2;
    const b = Math.cos(i * 1.3);
    return `${a},${b},${['red', 'green', 'blue'][i % 3]},${a + b > 0 ? 'yes' : 'no'}`;
  }).join('\r\n');
const bytes = new TextEncoder().encode(text);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const read = { target: 'label', oneHot: ['colour'] };

/** Sends a file in parts of `size` bytes; the last part's reply. */
async function upload(client: TestClient, data: Uint8Array, size: number, upload = 1) {
  let reply;
  for (let offset = 0; offset < data.length; offset += size) {
    reply = await client.request({
      type: 'net.data.part',
      upload,
      name: 'mine.csv',
      total: data.length,
      offset,
      bytes: data.slice(offset, offset + size),
      ...(offset === 0 ? { read } : {}),
    });
    if (reply.type === 'error') return reply;
  }
  return reply!;
}

const model = { depth: 1, width: 6, activation: 'tanh' as const, seed: 2 };
const csvSpec = { kind: 'csv' as const, sha256, name: 'mine.csv', ...read };

/** The losses of a network run, from the frames the client got. */
function losses(client: TestClient): number[] {
  const loss: number[] = [];
  for (const m of client.log) {
    if (m.type !== 'frame') continue;
    for (const f of m.net ?? []) f.steps.loss.forEach((v, i) => (loss[f.steps.fromStep + i] = v));
  }
  return loss;
}

async function train(client: TestClient, dataset: Record<string, unknown>) {
  const problem = (await ok(client, {
    type: 'net.setup',
    dataset,
    model,
  } as Request)) as EngineMessageOf<'net.problem'>;
  await ok(client, {
    type: 'net.run.create',
    run: { runId: 'r', optimizer: { optimizer: 'adam', lr: 0.05 }, batchSize: 16 },
  });
  await ok(client, { type: 'step', steps: 10, scope: 'network' });
  return problem.problem;
}

describe('a CSV file in the network lab', () => {
  it('reads the parts as they come; the data trains and is saved in the session itself', async () => {
    const a = await connect();
    const imported = (await upload(a, bytes, 97)) as EngineMessageOf<'net.data.imported'>;
    expect(imported.type).toBe('net.data.imported');
    expect(imported.table).toEqual({
      sha256,
      bytes: bytes.length,
      rows: 80,
      task: 'classification',
      inputs: ['a', 'b', 'colour=blue', 'colour=green', 'colour=red'],
      classNames: ['no', 'yes'],
    });
    const problem = await train(a, csvSpec);
    expect(problem.dataset).toMatchObject({ kind: 'csv', sha256, task: 'classification' });
    expect(problem.inputDim).toBe(5);
    expect(problem.classNames).toEqual(['no', 'yes']);
    expect(problem.train.n + problem.validation.n + problem.test.n).toBe(80);
    const file = (await ok(a, {
      type: 'session.save',
      context: { view: {}, landscape: false },
    })) as EngineMessageOf<'session.file'>;
    const manifest = JSON.parse(strFromU8(unzipSync(file.bytes)['manifest.json']));
    expect(manifest.network.table).toMatchObject({ rows: 80, classNames: ['no', 'yes'] });
    expect(manifest.arrays['network/table/x']).toMatchObject({ dtype: 'f64', length: 400 });

    // A fresh engine knows no table: the session brings its own.
    forgetTables();
    const b = await connect();
    const opened = (await ok(b, {
      type: 'session.open',
      bytes: file.bytes,
    })) as EngineMessageOf<'session.opened'>;
    expect(opened.session.network!.runs).toEqual([{ runId: 'r', resumable: true }]);
    await ok(b, { type: 'sync' });
    expect(losses(b)).toEqual(losses(a));
    expect(losses(b)).toHaveLength(10);
  });

  it('shows a table of many inputs as a confusion matrix, or predictions against targets', async () => {
    const a = await connect();
    await upload(a, bytes, 4096);
    await train(a, csvSpec);
    const view = (await ok(a, {
      type: 'net.view',
      runId: 'r',
      resolution: 8,
      split: 'validation',
    })) as EngineMessageOf<'net.view.data'>;
    expect(view.view.kind).toBe('table');
    const v = view.view as Extract<typeof view.view, { kind: 'table' }>;
    expect(v.confusion).toHaveLength(4);
    // Every validation row counted once, under its true class.
    expect(Array.from(v.confusion!).reduce((x, y) => x + y, 0)).toBe(v.n);
    expect(v.n).toBe(v.total);
    // The same rows with the target a number: each row's prediction against its value.
    const numbers = new TextEncoder().encode(
      text.replace(/,(yes|no)(?=\r\n|$)/g, (_, l: string) => (l === 'yes' ? ',1.5' : ',-0.5')),
    );
    const imported = (await upload(a, numbers, 4096, 2)) as EngineMessageOf<'net.data.imported'>;
    expect(imported.table.task).toBe('regression');
    await train(a, { ...csvSpec, sha256: imported.table.sha256 });
    const fit = (await ok(a, {
      type: 'net.view',
      runId: 'r',
      resolution: 8,
      split: 'validation',
    })) as EngineMessageOf<'net.view.data'>;
    const f = fit.view as Extract<typeof fit.view, { kind: 'table' }>;
    expect(f.kind).toBe('table');
    expect(f.predicted).toHaveLength(f.n);
    expect(new Set(f.actual)).toEqual(new Set([1.5, -0.5]));
  });

  it('keeps a reference (path + SHA-256) and refuses to reopen it once the file changed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-csv-ref-'));
    dirs.push(dir);
    const file = path.join(dir, 'mine.csv');
    fs.writeFileSync(file, bytes);
    const a = await connect();
    // A path alone is refused from the page: it would read any file of the engine's machine.
    const refused = await a.request({
      type: 'net.setup',
      dataset: { kind: 'csv', path: file, ...read },
      model,
    } as Request);
    expect(refused).toMatchObject({ type: 'error', field: 'dataset.path' });
    await train(a, { ...csvSpec, path: file, keep: 'reference' });
    const saved = (await ok(a, {
      type: 'session.save',
      context: { view: {}, landscape: false },
    })) as EngineMessageOf<'session.file'>;
    const manifest = JSON.parse(strFromU8(unzipSync(saved.bytes)['manifest.json']));
    expect(manifest.network.table).toBeUndefined();
    expect(manifest.network.dataset).toMatchObject({ path: file, sha256, keep: 'reference' });

    forgetTables();
    const b = await connect();
    await ok(b, { type: 'session.open', bytes: saved.bytes });
    await ok(b, { type: 'sync' });
    expect(losses(b)).toEqual(losses(a));

    fs.writeFileSync(file, text.replace('yes', 'no'));
    forgetTables();
    const c = await connect();
    const changed = await c.request({ type: 'session.open', bytes: saved.bytes });
    expect(changed.type).toBe('error');
    expect((changed as { message: string }).message).toContain(
      '"mine.csv" changed since it was saved: its SHA-256 is now',
    );
  });

  it('refuses a bad cell by row and column; a cancelled import is gone', async () => {
    const a = await connect();
    const bad = new TextEncoder().encode(text.replace(/\r\n([^,]*),/, '\r\nn/a,'));
    const reply = await upload(a, bad, 64);
    expect(reply).toMatchObject({ type: 'error' });
    expect((reply as { message: string }).message).toContain(
      'row 2, column 1 ("a"): the cell holds "n/a", not a number',
    );
    // Cancelled after its first part: the second finds no import.
    await ok(a, {
      type: 'net.data.part',
      upload: 5,
      name: 'mine.csv',
      total: bytes.length,
      offset: 0,
      bytes: bytes.slice(0, 100),
      read,
    });
    (a as unknown as { wire: { send(m: unknown): void } }).wire.send({ type: 'job.cancel', id: 5 });
    const after = await a.request({
      type: 'net.data.part',
      upload: 5,
      name: 'mine.csv',
      total: bytes.length,
      offset: 100,
      bytes: bytes.slice(100, 200),
    });
    expect(after).toMatchObject({ type: 'error', field: 'upload' });
    // Without an import, a SHA-256 names nothing.
    const unknown = await a.request({ type: 'net.setup', dataset: csvSpec, model } as Request);
    expect(unknown).toMatchObject({ type: 'error' });
    expect((unknown as { message: string }).message).toContain('was imported here');
  });
});
