/**
 * Hostile session files through the engine's protocol: sessions the engine itself wrote (an
 * explorer race with a diverged run, a fork and a basin map; a network lab with θ snapshots, a
 * diverged run and a landscape with projections; a regression), mutated hundreds of ways —
 * flipped and cut bytes, a damaged zip structure, a mangled manifest, array values changed with
 * their checksum made to match, zip bombs — and opened with `session.open` in an engine holding
 * runs of its own. Each file must be opened or refused with one line; the engine must keep
 * answering; and a refused file must leave the engine's runs exactly as they were.
 *
 * Seeded (LOSSLAB_FUZZ_SEED): a failure names the seed and case that reproduce it.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineMessage, EngineMessageOf } from '../../../electron/common/protocol';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../electron/engine/hosts/in-process';
import { readSession } from '../../../electron/engine/recording';
import { TestClient } from '../../helpers/engine-client';
import { mutate, nastyNumbers } from '../problems/random-inputs';
import { SeededRandom } from '../problems/seeded-random';
import {
  craftZip,
  entryOf,
  getArray,
  layoutOf,
  partsOf,
  setArray,
  zeroBomb,
  zipParts,
  type SessionParts,
} from './zip-craft';

/** Override with LOSSLAB_FUZZ_SEED to explore further. */
const SEED = Number(process.env.LOSSLAB_FUZZ_SEED ?? 2_718);
/** A reply later than this is a hang. */
const HANG_MS = 10_000;
const BATCH = 50;

const hosts: InProcessEngine[] = [];
afterAll(() => hosts.forEach((h) => h.close()));

async function connect(): Promise<TestClient> {
  const host = startInProcessEngine({ frameIntervalMs: 5, appVersion: 'fuzz' });
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

async function save(
  client: TestClient,
  context: Record<string, unknown> = { view: {} },
): Promise<Uint8Array> {
  const reply = await ok(client, { type: 'session.save', context } as never);
  return (reply as EngineMessageOf<'session.file'>).bytes;
}

const start: [number, number] = [-1.5, 2];

/** Seeds: sessions the engine wrote. */
async function seeds(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const s = await connect();
  await ok(s, {
    type: 'run.create',
    run: {
      runId: 'adam',
      surface: 'rosenbrock',
      start,
      optimizer: { optimizer: 'adam', lr: 0.05 },
    },
  });
  await ok(s, {
    type: 'run.create',
    run: {
      runId: 'heavy',
      surface: 'rosenbrock',
      start,
      optimizer: {
        optimizer: 'sgd',
        lr: 0.001,
        momentum: 0.9,
        schedule: { kind: 'cosine', tMax: 100 },
      },
      label: 'heavy ball',
    },
  });
  await ok(s, {
    type: 'run.create',
    run: { runId: 'wild', surface: 'rosenbrock', start, optimizer: { optimizer: 'sgd', lr: 0.5 } },
  });
  await ok(s, { type: 'step', steps: 60 });
  await ok(s, { type: 'run.update', runId: 'adam', hyper: { lr: 0.01 } });
  await ok(s, { type: 'step', steps: 40 });
  await ok(s, {
    type: 'run.fork',
    runId: 'adam',
    step: 50,
    newRunId: 'fork',
    optimizer: { optimizer: 'rmsprop', lr: 0.01 },
  });
  await ok(s, { type: 'step', steps: 10, runId: 'fork' });
  await ok(s, {
    type: 'basins.compute',
    surface: 'himmelblau',
    optimizer: { optimizer: 'adam', lr: 0.1 },
    resolution: 6,
    steps: 30,
  });
  const context = {
    title: 'fuzz seed',
    view: { camera: { azimuth: 30 }, notes: ['a', 'b'] },
    explorer: { surface: 'rosenbrock', start },
    colors: { adam: '#e45756' },
    basins: true,
  };
  const explorer = await save(s, context);

  await ok(s, {
    type: 'net.setup',
    dataset: { kind: 'moons', n: 80, seed: 3 },
    model: { depth: 1, width: 6, activation: 'tanh', seed: 1 },
  });
  await ok(s, {
    type: 'net.run.create',
    run: {
      runId: 'net',
      optimizer: { optimizer: 'adam', lr: 0.05 },
      batchSize: 16,
      snapshotEvery: 1,
    },
  });
  await ok(s, {
    type: 'net.run.create',
    run: {
      runId: 'net-wild',
      optimizer: { optimizer: 'sgd', lr: 1e6, schedule: { kind: 'exponential', gamma: 10 } },
      batchSize: 'full',
    },
  });
  await ok(s, { type: 'step', steps: 12, scope: 'network' });
  await ok(s, { type: 'step', steps: 40, runId: 'net-wild' });
  await ok(s, {
    type: 'net.landscape',
    center: { runId: 'net', at: 'current' },
    directions: { kind: 'random', seed: 7 },
    project: ['net', 'net-wild'],
    grid: {
      resolution: 5,
      range: [
        [-1, 1],
        [-1, 1],
      ],
      coarse: 0,
      split: 'train',
    },
  });
  const full = await save(s, { ...context, landscape: true });

  const r = await connect();
  await ok(r, {
    type: 'net.setup',
    dataset: { kind: 'sine', n: 60, seed: 2, split: { train: 0.8, validation: 0, test: 0.2 } },
    model: { depth: 1, width: 4, seed: 2 },
  });
  await ok(r, {
    type: 'net.run.create',
    run: {
      runId: 'reg',
      optimizer: { optimizer: 'sgd', lr: 0.05 },
      batchSize: 8,
      snapshotEvery: 2,
    },
  });
  await ok(r, { type: 'step', steps: 10, scope: 'network' });
  const regression = await save(r);
  return [
    { name: 'explorer', bytes: explorer },
    { name: 'full', bytes: full },
    { name: 'regression', bytes: regression },
  ];
}

// ---------------------------------------------------------------------------------------------
// Mutations

type Mutation = { kind: string; bytes: Uint8Array };

const u8 = (s: string) => new TextEncoder().encode(s);

function flip(rng: SeededRandom, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const i = rng.int(out.length);
    out[i] ^= rng.chance(0.5) ? 1 << rng.int(8) : 1 + rng.int(255);
  }
  return out;
}

function truncate(rng: SeededRandom, bytes: Uint8Array): Uint8Array {
  const choice = rng.int(4);
  if (choice === 0) return bytes.slice(0, rng.int(bytes.length));
  if (choice === 1) return bytes.slice(0, bytes.length - 1 - rng.int(200));
  if (choice === 2) return bytes.slice(0, 1 + rng.int(64));
  // Junk after the end record: the directory is no longer where a reader looks.
  const junk = new Uint8Array(1 + rng.int(70_000)).map(() => rng.int(256));
  const out = new Uint8Array(bytes.length + junk.length);
  out.set(bytes);
  out.set(junk, bytes.length);
  return out;
}

/** A damaged zip: one field of its directory, end record or a local header changed. */
function zipDamage(rng: SeededRandom, bytes: Uint8Array): Mutation {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  const { end, records } = layoutOf(out);
  const record = rng.pick(records);
  const value = (current: number, bits: 16 | 32) =>
    rng.pick([
      0,
      current + 1,
      Math.max(0, current - 1),
      current * 2,
      bits === 16 ? 0xffff : 0xffffffff,
      rng.int(bits === 16 ? 0x10000 : 2 ** 31),
    ]) % (bits === 16 ? 0x10000 : 2 ** 32);
  const set = (at: number, bits: 16 | 32) =>
    bits === 16
      ? dv.setUint16(at, value(dv.getUint16(at, true), 16), true)
      : dv.setUint32(at, value(dv.getUint32(at, true), 32), true);
  const fields: [string, () => void][] = [
    ['compressed size', () => set(record.at + 20, 32)],
    ['uncompressed size', () => set(record.at + 24, 32)],
    ['header offset', () => set(record.at + 42, 32)],
    ['name length', () => set(record.at + 28, 16)],
    ['extra length', () => set(record.at + 30, 16)],
    ['comment length', () => set(record.at + 32, 16)],
    ['method', () => dv.setUint16(record.at + 10, rng.pick([0, 8, 9, 12, 14, 99, 0xffff]), true)],
    ['flags', () => dv.setUint16(record.at + 8, rng.pick([1, 8, 0x41, 0xffff]), true)],
    ['crc', () => set(record.at + 16, 32)],
    ['record signature', () => dv.setUint32(record.at, 0x02014b51, true)],
    ['entry count', () => set(end + 10, 16)],
    ['entries on disk', () => set(end + 8, 16)],
    ['disk number', () => dv.setUint16(end + 4, 1 + rng.int(3), true)],
    ['directory size', () => set(end + 12, 32)],
    ['directory offset', () => set(end + 16, 32)],
    ['archive comment length', () => set(end + 20, 16)],
    ['local signature', () => dv.setUint32(record.header, 0x04034b51, true)],
    ['local name length', () => set(record.header + 26, 16)],
    ['local extra length', () => set(record.header + 28, 16)],
    ['local sizes', () => set(record.header + 18, 32)],
    [
      'entry renamed',
      () => {
        const n = dv.getUint16(record.at + 28, true);
        out[record.at + 46 + rng.int(n)] = rng.pick([0x2e, 0x2f, 0x00, 0xff, 0x41]);
      },
    ],
    [
      'zip64 locator',
      () => {
        if (end >= 20) dv.setUint32(end - 20, 0x07064b50, true);
      },
    ],
  ];
  const [kind, apply] = rng.pick(fields);
  apply();
  return { kind: `zip: ${kind}`, bytes: out };
}

/** A zip crafted around an entry: a bomb, a duplicate, or an entry whose claims lie. */
function craftedZip(rng: SeededRandom, parts: SessionParts): Mutation {
  const names = Object.keys(parts.entries);
  const entries = names.map((n) => entryOf(n, parts.entries[n], rng.chance(0.5) ? 0 : 8));
  const i = rng.int(entries.length);
  const choice = rng.int(5);
  if (choice === 0) {
    entries[i] = {
      ...entries[i],
      method: 8,
      data: zeroBomb(rng.pick([2 ** 20, 2 ** 26, 2 ** 32])),
    };
    return { kind: `bomb in ${entries[i].name}`, bytes: craftZip(entries) };
  }
  if (choice === 1) {
    entries.push(entries[i]);
    return { kind: 'duplicate entry', bytes: craftZip(entries) };
  }
  if (choice === 2) {
    entries[i] = {
      ...entries[i],
      originalSize: rng.pick([0, 1, entries[i].originalSize + 1, 2 ** 31]),
    };
    return { kind: 'claimed size lies', bytes: craftZip(entries) };
  }
  if (choice === 3) {
    entries[i] = {
      ...entries[i],
      data: entries[i].data.subarray(0, rng.int(entries[i].data.length + 1)),
    };
    return { kind: 'entry data cut', bytes: craftZip(entries) };
  }
  return { kind: 'entries reordered', bytes: craftZip(entries.reverse()) };
}

/** Every [parent, key] with a number under it. */
function numberSlots(root: unknown, out: [Record<string, unknown>, string][] = []) {
  if (root && typeof root === 'object') {
    for (const [k, v] of Object.entries(root)) {
      if (typeof v === 'number') out.push([root as Record<string, unknown>, k]);
      else numberSlots(v, out);
    }
  }
  return out;
}

function objects(root: unknown, out: Record<string, unknown>[] = []) {
  if (root && typeof root === 'object') {
    if (!Array.isArray(root)) out.push(root as Record<string, unknown>);
    for (const v of Object.values(root)) objects(v, out);
  }
  return out;
}

/** A manifest changed in one of the ways a broken or hostile writer would. */
function manifestMutation(rng: SeededRandom, parts: SessionParts): Mutation {
  const m = parts.manifest;
  const arrayNames = Object.keys(m.arrays);
  const table = () => m.arrays[rng.pick(arrayNames)];
  /** The manifest as JSON text, with one number token replaced by raw text. */
  const rawNumber = (text: string): Uint8Array => {
    const json = JSON.stringify(m);
    const numbers = [...json.matchAll(/(?<=[:[,])-?\d+(\.\d+)?(e[+-]?\d+)?(?=[,\]}])/g)];
    const hit = rng.pick(numbers);
    return u8(json.slice(0, hit.index) + text + json.slice(hit.index! + hit[0].length));
  };
  const withManifest = (raw: Uint8Array): Uint8Array => zipParts(parts, raw);
  const cases: [string, () => Uint8Array | void][] = [
    ['generic mutation', () => void (parts.manifest = mutate(rng, m) as SessionParts['manifest'])],
    [
      'array length',
      () => void (table().length = rng.pick([0, 1, table().length + 1, 2 ** 31, -1, 1.5])),
    ],
    [
      'array dtype',
      () => void (table().dtype = rng.pick(['f64', 'f32', 'i16', 'u32', 'i32', 'u8', 'f16', ''])),
    ],
    [
      'array sha256',
      () => void (table().sha256 = rng.pick(['0'.repeat(64), 'A'.repeat(64), 'abc', ''])),
    ],
    ['array dropped from the table', () => void delete m.arrays[rng.pick(arrayNames)]],
    [
      'array name',
      () => {
        const name = rng.pick(arrayNames);
        m.arrays[rng.pick(['../x', 'a/../../b', 'x'.repeat(300), name + '/extra', ''])] =
          m.arrays[name];
      },
    ],
    [
      'a number becomes NaN text',
      () => {
        const [parent, key] = rng.pick(numberSlots(m));
        parent[key] = rng.pick(['NaN', 'Infinity', '-Infinity', '1e400', '']);
      },
    ],
    [
      'a nasty number',
      () => {
        const [parent, key] = rng.pick(numberSlots(m));
        parent[key] = rng.pick([
          ...nastyNumbers.filter(Number.isFinite),
          1e7,
          2 ** 31,
          2 ** 53,
          -1,
          0.5,
        ]);
      },
    ],
    [
      'huge or BigInt-looking number',
      () =>
        rawNumber(
          rng.pick([
            '1e400',
            '-1e400',
            '123456789012345678901234567890',
            '1e-400',
            '-0',
            '9007199254740993',
          ]),
        ),
    ],
    [
      'steps',
      () => {
        const runs = [
          ...((m.explorer as { runs?: Record<string, number>[] } | undefined)?.runs ?? []),
          ...((m.network as { runs?: Record<string, number>[] } | undefined)?.runs ?? []),
        ];
        const target = runs.length ? rng.pick(runs) : undefined;
        if (target)
          target[rng.pick(['steps', 'epochs', 'parameters', 'snapshotSpacing'])] = rng.pick([
            0, 1, -1, 1e7, 1e9,
          ]);
      },
    ],
    [
      'duplicate run id',
      () => {
        const runs = ((m.explorer ?? m.network) as { runs: { config: { runId: string } }[] }).runs;
        if (runs.length > 1) runs[1].config.runId = runs[0].config.runId;
      },
    ],
    [
      'key deleted',
      () => {
        const o = rng.pick(objects(m));
        const keys = Object.keys(o);
        if (keys.length) delete o[rng.pick(keys)];
      },
    ],
    [
      'key added',
      () => void (rng.pick(objects(m))[rng.pick(['extra', '__proto__', 'constructor', ''])] = 1),
    ],
    [
      'deep nesting',
      () => {
        const depth = rng.pick([70, 1000, 100_000]);
        const json = JSON.stringify(m).replace(
          /"view":\{/,
          `"view":{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`,
        );
        return u8(json);
      },
    ],
    [
      '100,000 keys',
      () => {
        const keys = Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',');
        const where = rng.pick(['"view":{', '"arrays":{', '{']);
        const json = JSON.stringify(m).replace(where, `${where}${keys},`);
        return u8(json);
      },
    ],
    [
      'format or version',
      () => {
        if (rng.chance(0.5)) m.version = rng.pick([0, 2, '1', 1.5, null]);
        else m.format = rng.pick(['', 'losslab', 'x'.repeat(100_000), 7]);
      },
    ],
    [
      'not an object',
      () =>
        u8(
          rng.pick([
            '[]',
            'null',
            '"losslab-session"',
            '',
            '{',
            '\u00ff\u00fe',
            '{"format":"losslab-session","version":1}',
          ]),
        ),
    ],
    [
      'invalid UTF-8',
      () => {
        const text = u8(JSON.stringify(m));
        text[rng.int(text.length)] = 0xff;
        return text;
      },
    ],
    [
      'harmless',
      () => {
        m.title = rng.pick(['a new title', '', 'ü'.repeat(500)]);
        (m.view as Record<string, unknown>).extra = { note: rng.pick(['x', 1, null, [1, 2]]) };
      },
    ],
  ];
  const [kind, apply] = rng.pick(cases);
  const raw = apply();
  return { kind: `manifest: ${kind}`, bytes: raw ? withManifest(raw) : zipParts(parts) };
}

/** An array's values changed, its checksum made to match: only what they mean can tell. */
function arrayMutation(rng: SeededRandom, parts: SessionParts): Mutation {
  const name = rng.pick(Object.keys(parts.manifest.arrays));
  const values = getArray(parts, name);
  const { dtype } = parts.manifest.arrays[name];
  let replaced: ArrayBufferView = values;
  const choice = rng.int(7);
  const nasty = () =>
    rng.pick(
      dtype[0] === 'f'
        ? [NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324, 2 ** 53, -1, 0.5]
        : [32767, -32768, -1, -2, -3, 2 ** 32 - 1, 2 ** 31, 0, 255, 1e6],
    );
  if (choice <= 2 && values.length > 0) {
    for (let n = 1 + rng.int(3); n > 0; n--) values[rng.int(values.length)] = nasty();
  } else if (choice === 3) {
    values.reverse();
  } else if (choice === 4) {
    values.sort();
  } else if (choice === 5) {
    values.fill(nasty());
  } else {
    const length = Math.max(0, values.length + rng.pick([-1, 1, -values.length, 5]));
    const resized = new (values.constructor as new (n: number) => typeof values)(length);
    resized.set(values.subarray(0, Math.min(length, values.length)));
    replaced = resized;
  }
  setArray(parts, name, replaced);
  return { kind: `array: ${name.replace(/\/\d+/g, '/#')}`, bytes: zipParts(parts) };
}

function mutation(rng: SeededRandom, seed: Uint8Array): Mutation {
  const r = rng.int(100);
  if (r < 12) return { kind: 'flipped bytes', bytes: flip(rng, seed) };
  if (r < 18) return { kind: 'truncated or padded', bytes: truncate(rng, seed) };
  if (r < 34) return zipDamage(rng, seed);
  if (r < 42) return craftedZip(rng, partsOf(seed));
  if (r < 72) return manifestMutation(rng, partsOf(seed));
  return arrayMutation(rng, partsOf(seed));
}

// ---------------------------------------------------------------------------------------------

/** The engine's runs as a hash: its session saved and read back, times left out. */
async function fingerprint(client: TestClient): Promise<string> {
  const data = readSession(await save(client));
  delete data.savedAt;
  data.createdAt = '';
  const text = JSON.stringify(data, (_, v: unknown) =>
    ArrayBuffer.isView(v)
      ? `${v.constructor.name}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`
      : v,
  );
  return createHash('sha256').update(text).digest('hex');
}

describe('session files under fuzz', () => {
  let files: { name: string; bytes: Uint8Array }[];
  beforeAll(async () => {
    files = await seeds();
  }, 120_000);

  it('starts from seeds holding everything a session can', () => {
    const [explorer, full, regression] = files.map((f) => readSession(f.bytes));
    const runs = explorer.explorer!.runs;
    expect(runs.map((r) => [r.config.runId, r.status])).toEqual([
      ['adam', 'ok'],
      ['heavy', 'ok'],
      ['wild', 'diverged'],
      ['fork', 'ok'],
    ]);
    expect(runs[3].forkedFrom).toEqual({ runId: 'adam', step: 50 });
    expect(explorer.explorer!.basins!.labels).toHaveLength(36);
    const net = full.network!;
    expect(full.explorer!.runs).toHaveLength(4);
    expect(net.runs.map((r) => [r.config.runId, r.status])).toEqual([
      ['net', 'ok'],
      ['net-wild', 'diverged'],
    ]);
    expect(net.runs[0].snapshotSteps.length).toBeGreaterThan(5);
    expect(net.landscapes[0].projections.map((p) => p.runId)).toEqual(['net', 'net-wild']);
    expect(regression.network!.runs[0].accuracy.every(Number.isNaN)).toBe(true);
  });

  it('opens or refuses 500+ mutated files in one line each; the engine keeps answering and a refusal changes nothing', async () => {
    const rng = new SeededRandom(SEED);
    // The known state: runs of both labs, saved and opened, so re-opening restores it exactly.
    const t = await connect();
    await ok(t, {
      type: 'run.create',
      run: {
        runId: 'mine',
        surface: 'himmelblau',
        start: [0, 0],
        optimizer: { optimizer: 'sgd', lr: 0.01 },
      },
    });
    await ok(t, { type: 'step', steps: 25 });
    await ok(t, {
      type: 'net.setup',
      dataset: { kind: 'xor', n: 40, seed: 1 },
      model: { depth: 1, width: 3, seed: 1 },
    });
    await ok(t, {
      type: 'net.run.create',
      run: { runId: 'mine-net', optimizer: { optimizer: 'sgd', lr: 0.1 }, batchSize: 8 },
    });
    await ok(t, { type: 'step', steps: 4, scope: 'network' });
    const baseline = await save(t);
    await ok(t, { type: 'session.open', bytes: baseline });
    const known = await fingerprint(t);
    // Every seed opens as it is.
    for (const f of files) {
      const reply = await t.request({ type: 'session.open', bytes: f.bytes, name: f.name });
      expect(reply.type, `seed ${f.name}: ${(reply as { message?: string }).message}`).toBe(
        'session.opened',
      );
    }
    await ok(t, { type: 'session.open', bytes: baseline });
    expect(await fingerprint(t)).toBe(known);

    const total = 520;
    const counts = { tried: 0, opened: 0, refused: 0, crashed: 0, hung: 0, changed: 0 };
    const problems: string[] = [];
    const kinds = new Map<string, number>();
    let id = 1_000_000;
    const t0 = performance.now();
    for (let n = 0; n < total; n++) {
      const seed = files[n % files.length];
      const { kind, bytes } = mutation(rng, seed.bytes);
      const where = `seed ${SEED}, case ${n} (${seed.name}, ${kind})`;
      counts.tried++;
      const reply = await t
        .sendAndWait(
          { type: 'session.open', id: ++id, bytes, name: `case-${n}.losslab` },
          // Progress reports carry the request's id without answering it.
          (m: EngineMessage) => 'id' in m && m.id === id && m.type !== 'session.progress',
          HANG_MS,
        )
        .catch(() => undefined);
      if (!reply) {
        counts.hung++;
        problems.push(`${where}: no reply in ${HANG_MS} ms`);
      } else if (reply.type === 'session.opened') {
        counts.opened++;
        kinds.set(`opened ${kind}`, (kinds.get(`opened ${kind}`) ?? 0) + 1);
        await ok(t, { type: 'session.open', bytes: baseline });
      } else if (
        reply.type === 'error' &&
        typeof reply.message === 'string' &&
        reply.message.length > 0 &&
        reply.message.length <= 400 &&
        !/[\r\n]/.test(reply.message) &&
        !/^internal error/i.test(reply.message)
      ) {
        counts.refused++;
        kinds.set(`refused ${kind}: ${reply.message}`, 1);
        if ((await fingerprint(t)) !== known) {
          counts.changed++;
          problems.push(`${where}: refused (${reply.message}) but the engine's runs changed`);
          await ok(t, { type: 'session.open', bytes: baseline });
        }
      } else {
        counts.crashed++;
        problems.push(`${where}: ${JSON.stringify(reply).slice(0, 300)}`);
      }
      if ((n + 1) % BATCH === 0) await t.hello();
    }
    await t.hello();
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `session files: tried ${counts.tried} / opened ${counts.opened} / refused with a one-line error ${counts.refused} / crashed ${counts.crashed} / hung ${counts.hung} / state changed after a refusal ${counts.changed} (seed ${SEED}, ${seconds.toFixed(1)} s)`,
    );
    if (problems.length) console.log(problems.slice(0, 20).join('\n'));
    if (process.env.LOSSLAB_FUZZ_VERBOSE) console.log([...kinds].join('\n'));
    expect(problems).toEqual([]);
    expect(counts.crashed + counts.hung + counts.changed).toBe(0);
    expect(counts.tried).toBeGreaterThanOrEqual(500);
    expect(counts.refused).toBeGreaterThan(counts.tried / 2);
  }, 180_000);
});
