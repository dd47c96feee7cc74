/**
 * The `.losslab` file: save → open gives back every array bit for bit and every setting, and
 * whatever is not a session this LossLab can read is refused with one clear SessionError and
 * no side effects.
 */
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MANIFEST_ENTRY,
  SESSION_VERSION,
  SessionError,
  sessionManifestSchema,
  type SessionData,
} from '../../../electron/common/session';
import { readSession, writeSession, writeSessionAsync } from '../../../electron/engine/recording';
import { raceSession, sameArrays, view } from './fixtures';

let data: SessionData;
let bytes: Uint8Array;

beforeAll(async () => {
  ({ data } = await raceSession());
  bytes = writeSession(data, { savedAt: new Date('2025-03-04T06:00:00.000Z') });
});

/** The zip's entries, to build altered files from. */
function entries(file = bytes): Record<string, Uint8Array> {
  return unzipSync(file);
}

function manifestOf(file = bytes): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(entries(file)[MANIFEST_ENTRY]));
}

/** The session with its manifest replaced (arrays untouched). */
function withManifest(edit: (m: Record<string, unknown>) => void): Uint8Array {
  const files = entries();
  const manifest = manifestOf();
  edit(manifest);
  files[MANIFEST_ENTRY] = strToU8(JSON.stringify(manifest));
  return zipSync(files as Zippable);
}

/** Reads, expecting a refusal; checks the input is left as it was. */
function refusal(file: Uint8Array, limits?: Parameters<typeof readSession>[1]): SessionError {
  const copy = file.slice();
  let error: unknown;
  try {
    readSession(file, limits);
  } catch (err) {
    error = err;
  }
  expect(error, 'refused').toBeInstanceOf(SessionError);
  expect(Buffer.compare(copy, file), 'the input bytes are unchanged').toBe(0);
  return error as SessionError;
}

/** A seeded byte stream (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('save → open', () => {
  it('gives back every array bit for bit and every setting', () => {
    const back = readSession(bytes);
    expect(sameArrays(data, back)).toEqual([]);
    expect(back).toEqual({ ...data, savedAt: '2025-03-04T06:00:00.000Z' });
    // Every run's changes, schedules and configuration survive exactly.
    const runs = back.explorer!.runs;
    expect(runs.map((r) => r.config.runId)).toEqual([
      'adam',
      'nesterov',
      'rmsprop-lecture',
      'adagrad',
      'sgd-diverges',
      'adamw',
    ]);
    expect(runs[0].changes).toEqual([
      { step: 40, patch: { lr: 0.02 } },
      { step: 80, patch: {}, schedule: { kind: 'cosine', tMax: 200, etaMin: 0.001 } },
      { step: 100, patch: { betas: [0.8, 0.99], amsgrad: true } },
    ]);
    expect(runs[4].status).toBe('diverged');
    expect(runs[4].reason).toMatch(/after step/);
    expect(back.view).toEqual(view);
    expect(back.explorer!.basins!.labels).toBeInstanceOf(Int16Array);
  });

  it('writes the same bytes for the same session (deterministic), and arrays as raw little-endian entries', () => {
    const again = writeSession(readSession(bytes), {
      savedAt: new Date('2025-03-04T06:00:00.000Z'),
    });
    expect(Buffer.compare(again, bytes)).toBe(0);
    const files = entries();
    const points = data.explorer!.runs[0].points;
    const entry = files['arrays/explorer/runs/0/points.bin'];
    expect(entry.length).toBe(points.length * 8);
    const dv = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
    expect(dv.getFloat64(8 * 7, true)).toBe(points[7]);
    const manifest = sessionManifestSchema.parse(manifestOf());
    expect(manifest.version).toBe(SESSION_VERSION);
    expect(manifest.arrays['explorer/runs/0/points']).toMatchObject({
      dtype: 'f64',
      length: points.length,
    });
  });

  it('writes in slices without holding the event loop, to the same session', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const sliced = await writeSessionAsync(data, {
      savedAt: new Date('2025-03-04T06:00:00.000Z'),
      sliceBytes: 256,
    });
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(3);
    const back = readSession(sliced);
    expect(sameArrays(data, back)).toEqual([]);
    expect(back).toEqual(readSession(bytes));
    // Standard zip layout either way: the manifest entry first.
    expect(Object.keys(unzipSync(sliced))[0]).toBe(MANIFEST_ENTRY);
  });

  it('refuses to save what it could not read back', () => {
    const bad: SessionData = structuredClone(data);
    bad.explorer!.runs[1].steps += 1;
    expect(() => writeSession(bad)).toThrow(
      /cannot save this session: .*array "explorer\/runs\/1\/points" \(explorer\.runs\.1\.arrays\.points\) has \d+ values; a run of 151 steps needs 456/,
    );
    const badView = { ...data, view: { f: (() => 1) as unknown as string } };
    expect(() => writeSession(badView)).toThrow(/cannot save this session: .*view\.f/);
  });
});

describe('refusals', () => {
  it('an empty file', () => {
    expect(refusal(new Uint8Array(0)).message).toBe(
      'the file is empty: it is not a LossLab session',
    );
  });

  it('random bytes', () => {
    expect(refusal(randomBytes(4096, 7)).message).toBe(
      'this is not a LossLab session: the file is not a zip archive',
    );
    // Random bytes behind a zip's signature: no directory to be found.
    const fake = randomBytes(4096, 11);
    fake.set([0x50, 0x4b, 3, 4]);
    expect(refusal(fake).message).toMatch(/^the session file is truncated or damaged/);
  });

  it('a truncated file, cut anywhere', () => {
    for (const keep of [bytes.length - 1, bytes.length - 30, Math.floor(bytes.length / 2), 100]) {
      const error = refusal(bytes.subarray(0, keep));
      expect(error.message, `cut to ${keep} bytes`).toBe(
        'the session file is truncated or damaged: its zip directory is missing (was the file cut short?)',
      );
    }
  });

  it('a wrong checksum: one byte flipped inside an array', () => {
    const name = 'arrays/explorer/runs/2/points.bin';
    const header = Buffer.from(bytes).indexOf(Buffer.from(name)) - 30;
    expect(header).toBeGreaterThan(0);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const dataStart =
      header + 30 + dv.getUint16(header + 26, true) + dv.getUint16(header + 28, true);
    const damaged = bytes.slice();
    damaged[dataStart + 100] ^= 0x10;
    const error = refusal(damaged);
    expect(error.message).toMatch(
      /^the session file is damaged: array "explorer\/runs\/2\/points" fails its checksum \(SHA-256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…\)$/,
    );
    expect(error.field).toBe('arrays.explorer/runs/2/points');
  });

  it('a manifest from a future version', () => {
    const error = refusal(withManifest((m) => (m.version = 3)));
    expect(error.message).toBe(
      'this session was made by a newer LossLab (format version 3); this LossLab reads version 1',
    );
    expect(error.field).toBe('version');
  });

  it('a manifest with a bad field names the field', () => {
    const error = refusal(
      withManifest((m) => {
        const runs = (m.explorer as { runs: { config: { optimizer: { lr: number } } }[] }).runs;
        runs[1].config.optimizer.lr = -1;
      }),
    );
    expect(error.field).toBe('explorer.runs.1.config.optimizer.lr');
    expect(error.message).toMatch(
      /^the session's manifest is invalid at explorer\.runs\.1\.config\.optimizer\.lr: .*>=0/,
    );
    const extra = refusal(withManifest((m) => (m.surprise = true)));
    expect(extra.message).toMatch(
      /^the session's manifest is invalid at its top level: .*surprise/,
    );
    const order = refusal(
      withManifest((m) => {
        const runs = (m.explorer as { runs: { changes: { step: number }[] }[] }).runs;
        runs[0].changes[2].step = 10;
      }),
    );
    expect(order.field).toBe('explorer.runs.0.changes.2.step');
    expect(order.message).toMatch(/changes must be in step order/);
    const twice = refusal(
      withManifest((m) => {
        const runs = (m.explorer as { runs: { config: { runId: string } }[] }).runs;
        runs[2].config.runId = 'adam';
      }),
    );
    expect(twice.message).toBe(
      `the session's manifest is invalid at explorer.runs.2.config.runId: "adam" is the id of an earlier run too`,
    );
    const big = 'x'.repeat(4 * 2 ** 20);
    const view = refusal(withManifest((m) => (m.view = { notes: big })));
    expect(view.message).toBe(
      `the session's manifest is invalid at view: must be at most 4194304 characters as JSON`,
    );
    expect(() => writeSession({ ...data, view: { notes: big } })).toThrow(
      /^cannot save this session: .* at view: must be at most 4194304 characters as JSON$/,
    );
  });

  it('a missing, non-JSON or foreign manifest', () => {
    const files = entries();
    delete files[MANIFEST_ENTRY];
    expect(refusal(zipSync(files as Zippable)).message).toBe(
      'this is not a LossLab session: the zip has no manifest.json',
    );
    const notJson = entries();
    notJson[MANIFEST_ENTRY] = strToU8('{"format": "losslab-session", "version": 1,');
    expect(refusal(zipSync(notJson as Zippable)).message).toMatch(
      /^the session's manifest\.json is not valid JSON \(/,
    );
    const foreign = refusal(withManifest((m) => (m.format = 'other-app')));
    expect(foreign.message).toBe(
      `this is not a LossLab session: its manifest's format is "other-app", not "losslab-session"`,
    );
    const list = entries();
    list[MANIFEST_ENTRY] = strToU8('[1, 2]');
    expect(refusal(zipSync(list as Zippable)).message).toBe(
      "the session's manifest.json is not a JSON object",
    );
  });

  it('an array listed but missing, or referenced but not listed', () => {
    const files = entries();
    delete files['arrays/explorer/runs/0/lr.bin'];
    const missing = refusal(zipSync(files as Zippable));
    expect(missing.message).toBe(
      'the session file is damaged: array "explorer/runs/0/lr" is listed in the manifest but the file has no arrays/explorer/runs/0/lr.bin',
    );
    const unlisted = refusal(
      withManifest((m) => {
        delete (m.arrays as Record<string, unknown>)['explorer/runs/3/grad'];
      }),
    );
    expect(unlisted.message).toBe(
      'the session file is damaged: explorer.runs.3.arrays.grad refers to array "explorer/runs/3/grad", which the file does not have',
    );
    expect(unlisted.field).toBe('explorer.runs.3.arrays.grad');
  });

  it('an array whose length or dtype does not match', () => {
    type Table = Record<string, { dtype: string; length: number }>;
    const length = refusal(
      withManifest((m) => {
        (m.arrays as Table)['explorer/runs/0/grad-norm'].length -= 1;
      }),
    );
    expect(length.message).toMatch(
      /^the session file is damaged: array "explorer\/runs\/0\/grad-norm" has \d+ bytes, but the manifest says \d+ f64 values \(\d+ bytes\)$/,
    );
    // Same bytes, another dtype: the checksum holds, the role does not.
    const dtype = refusal(
      withManifest((m) => {
        const info = (m.arrays as Table)['explorer/runs/0/points'];
        info.dtype = 'i32';
        info.length *= 2;
      }),
    );
    expect(dtype.message).toBe(
      'the session file is damaged: array "explorer/runs/0/points" (explorer.runs.0.arrays.points) is i32; a run of 157 steps must be f64',
    );
    const steps = refusal(
      withManifest((m) => {
        (m.explorer as { runs: { steps: number }[] }).runs[5].steps = 79;
      }),
    );
    expect(steps.message).toMatch(/a run of 79 steps needs 240$/);
  });

  it('absurd sizes: an entry claiming more than the limit is refused before inflating', () => {
    // Claim 3 GiB for one array in its central-directory record.
    const bomb = bytes.slice();
    const name = Buffer.from('arrays/explorer/runs/0/points.bin');
    const central = Buffer.from(bomb).lastIndexOf(name) - 46;
    const dv = new DataView(bomb.buffer);
    expect(dv.getUint32(central, true)).toBe(0x02014b50);
    dv.setUint32(central + 24, 3 * 2 ** 30, true);
    expect(refusal(bomb).message).toBe(
      'the session file claims more than 2 GiB of data once unzipped: refusing to read it',
    );
    // A real bomb: 24 MiB of zeros deflate to ~24 KiB; with an 8 MiB limit it is refused.
    const files = entries();
    files['arrays/padding.bin'] = new Uint8Array(24 * 2 ** 20);
    const zipped = zipSync({
      ...files,
      'arrays/padding.bin': [files['arrays/padding.bin'], { level: 1 }],
    } as Zippable);
    expect(zipped.length).toBeLessThan(2 ** 20);
    expect(refusal(zipped, { maxBytes: 8 * 2 ** 20 }).message).toBe(
      'the session file claims more than 8 MiB of data once unzipped: refusing to read it',
    );
    // Too many entries.
    const many = entries();
    for (let i = 0; i < 50; i++) many[`junk/${i}`] = new Uint8Array(1);
    expect(refusal(zipSync(many as Zippable), { maxEntries: 40 }).message).toBe(
      'the session file has more than 40 entries: refusing to read it',
    );
  });

  it('a refused file leaves the reader as it was: the good file still opens', () => {
    refusal(bytes.subarray(0, 1000));
    expect(sameArrays(data, readSession(bytes))).toEqual([]);
  });
});
