/**
 * Session files written by an earlier LossLab open bit for bit in this one: two `.losslab`
 * files kept in `test/fixtures/sessions/` (an explorer race with a basin map, and a network
 * session with a landscape, written on 2026-12-07 before the engine was reshaped into labs)
 * are read, written again byte for byte, and equal what this engine records for the same
 * runs today. A change that alters the format, the recording or the numbers fails here.
 *
 * `LOSSLAB_WRITE_FIXTURES=1 npx vitest run test/engine/recording/compat.test.ts` writes a
 * missing fixture (and then checks it like any other); it never overwrites one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionData } from '../../../electron/common/session';
import { loadBackend } from '../../../electron/engine/backend/select';
import type { Tf } from '../../../electron/engine/network';
import {
  readSession,
  restoreExplorer,
  restoreNetwork,
  writeSession,
} from '../../../electron/engine/recording';
import { networkSession, raceSession, sameArrays } from './fixtures';

const dir = path.join(__dirname, '../../fixtures/sessions');
const savedAt = new Date('2026-12-07T05:30:00.000Z');

/** The fixture's bytes; written from `make` first when asked to and missing. */
function fixture(name: string, make: () => SessionData): Uint8Array {
  const file = path.join(dir, name);
  if (process.env.LOSSLAB_WRITE_FIXTURES === '1' && !fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, writeSession(make(), { savedAt }));
  }
  return new Uint8Array(fs.readFileSync(file));
}

describe('an explorer session saved before the reshape', () => {
  let today: SessionData;
  let bytes: Uint8Array;
  beforeAll(async () => {
    today = (await raceSession()).data;
    bytes = fixture('race-2026-12-07.losslab', () => today);
  });

  it('opens with every array bit for bit as this engine records the same race', () => {
    const opened = readSession(bytes);
    expect(sameArrays(opened, today)).toEqual([]);
    expect(opened.explorer?.runs.map((r) => r.config.runId)).toEqual(
      today.explorer?.runs.map((r) => r.config.runId),
    );
  });

  it('is written again byte for byte, and this engine writes the same file for the same race', () => {
    expect(Buffer.compare(writeSession(readSession(bytes), { savedAt }), bytes)).toBe(0);
    expect(Buffer.compare(writeSession(today, { savedAt }), bytes)).toBe(0);
  });

  it('restores its runs and basin map', () => {
    const explorer = readSession(bytes).explorer;
    if (!explorer) throw new Error('the fixture has no explorer');
    const restored = restoreExplorer(explorer);
    expect(restored.runs.length).toBe(today.explorer?.runs.length);
    expect(restored.basins).toBeTruthy();
  });
});

describe('a network session saved before the reshape (wasm)', () => {
  let tf: Tf;
  let today: SessionData;
  let bytes: Uint8Array;
  beforeAll(async () => {
    tf = (await loadBackend({ force: 'wasm' })).tf;
    const made = await networkSession(tf);
    today = made.data;
    made.problem.dispose();
    bytes = fixture('network-2026-12-07.losslab', () => today);
  });

  // Each update's and epoch's wall-clock time is recorded too: those two columns are the
  // only ones a new training cannot reproduce, so today's are replaced by the file's.
  const clock = /\.(updateMs|epochMs)$/;

  it('opens with every array bit for bit as this engine records the same training', () => {
    const problems = sameArrays(readSession(bytes), today);
    expect(problems.filter((p) => !clock.test(p.split(':')[0]))).toEqual([]);
    expect(problems.length).toBe(4);
  });

  it('is written again byte for byte, and this engine writes the same file', () => {
    const opened = readSession(bytes);
    expect(Buffer.compare(writeSession(opened, { savedAt }), bytes)).toBe(0);
    today.network?.runs.forEach((run, i) => {
      const recorded = opened.network?.runs[i];
      if (!recorded) throw new Error(`the fixture has no network run ${i}`);
      run.updateMs = recorded.updateMs;
      run.epochMs = recorded.epochMs;
      // Runs since the data-parallel split record how they compute a batch of 128 or more
      // (`shards: 2`); the file's runs, from before it, computed every batch in one pass. These
      // batches (16, and the full 64) are smaller, so the numbers are the same either way.
      expect(recorded.config.shards).toBe(1);
      expect(run.config.shards).toBe(2);
      run.config = { ...run.config, shards: 1 };
    });
    expect(Buffer.compare(writeSession(today, { savedAt }), bytes)).toBe(0);
  });

  it('restores its problem, runs and landscape', () => {
    const network = readSession(bytes).network;
    if (!network) throw new Error('the fixture has no network');
    const restored = restoreNetwork(tf, network);
    expect(restored.runs.map((r) => r.run.runId)).toEqual(['adam', 'wild']);
    expect(restored.landscapes.length).toBe(1);
    restored.problem.dispose();
  });
});
