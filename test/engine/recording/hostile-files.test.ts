/**
 * Files made to hurt the reader: a zip bomb (refused as soon as an entry inflates past its
 * claim), values no writer produces (refused, naming the array and the first bad index, with
 * the checksum made to match so only the meaning gives them away), and a big session read in
 * slices that keep the event loop turning, with progress and cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionError, type SessionData } from '../../../electron/common/session';
import { AnalyticRun } from '../../../electron/engine/labs/explorer/analytic-run';
import { loadBackend } from '../../../electron/engine/backend/select';
import type { NetworkProblem } from '../../../electron/engine/network';
import {
  readSession,
  readSessionAsync,
  sessionFromRuns,
  writeSession,
} from '../../../electron/engine/recording';
import { networkSession, raceSession, sameArrays } from './fixtures';
import { craftZip, entryOf, getArray, partsOf, setArray, zeroBomb, zipParts } from './zip-craft';

let race: Uint8Array;
let moons: Uint8Array;
let sine: Uint8Array;
const problems: NetworkProblem[] = [];

beforeAll(async () => {
  race = writeSession((await raceSession()).data);
  const { tf } = await loadBackend({ force: 'wasm' });
  for (const kind of ['moons', 'sine'] as const) {
    const { data, problem } = await networkSession(tf, kind);
    problems.push(problem);
    if (kind === 'moons') moons = writeSession(data);
    else sine = writeSession(data);
  }
});
afterAll(() => problems.forEach((p) => p.dispose()));

function refusal(file: Uint8Array): SessionError {
  try {
    readSession(file);
  } catch (err) {
    expect(err).toBeInstanceOf(SessionError);
    const message = (err as SessionError).message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.length).toBeLessThanOrEqual(400);
    return err as SessionError;
  }
  throw new Error('the file was read');
}

/** The file with one array's values edited (and its checksum made to match). */
function edited(
  file: Uint8Array,
  name: string,
  edit: (values: ReturnType<typeof getArray>) => ArrayBufferView | void,
): Uint8Array {
  const parts = partsOf(file);
  const values = getArray(parts, name);
  const replaced = edit(values);
  setArray(parts, name, replaced ?? values);
  return zipParts(parts);
}

describe('a zip bomb', () => {
  it('is refused as soon as an entry inflates past the size its zip records claim', () => {
    // The basin map's labels (81 i16 values, 162 bytes, deflated): their data swapped for a
    // deflate stream of 4 GiB of zeros, the records still claiming 162 bytes.
    const parts = partsOf(race);
    const name = 'arrays/explorer/basins/labels.bin';
    const bomb = zeroBomb(4 * 2 ** 30);
    const entries = Object.entries(parts.entries).map(([entry, plain]) =>
      entry === name
        ? { ...entryOf(entry, plain), data: bomb }
        : entryOf(entry, plain, entry.startsWith('arrays/') ? 0 : 8),
    );
    const file = craftZip(entries);
    expect(file.length).toBeLessThan(6 * 2 ** 20);
    const t0 = performance.now();
    const error = refusal(file);
    const ms = performance.now() - t0;
    console.log(
      `zip bomb: a ${(file.length / 2 ** 20).toFixed(1)} MiB file inflating to 4 GiB refused in ${ms.toFixed(0)} ms`,
    );
    expect(error.message).toBe(
      `the session file is damaged: ${name} inflates to more than the 162 bytes its zip record claims: refusing to read it`,
    );
    expect(ms).toBeLessThan(5000);
  });

  it('the manifest itself as the bomb, and a stream that ends short of its claim', () => {
    const parts = partsOf(race);
    const plain = Object.entries(parts.entries).map(([entry, bytes]) => entryOf(entry, bytes));
    const manifest = plain.findIndex((e) => e.name === 'manifest.json');
    const bomb = plain.slice();
    bomb[manifest] = { ...plain[manifest], data: zeroBomb(64 * 2 ** 20) };
    expect(refusal(craftZip(bomb)).message).toMatch(
      /^the session file is damaged: manifest\.json inflates to more than the \d+ bytes its zip record claims/,
    );
    const short = plain.slice();
    short[manifest] = { ...plain[manifest], originalSize: plain[manifest].originalSize + 10 };
    expect(refusal(craftZip(short)).message).toMatch(
      /^the session file is truncated or damaged: manifest\.json holds \d+ bytes, its zip record says \d+$/,
    );
    // Inflates to exactly its claim but is not what was zipped: the CRC-32 tells.
    const other = plain.slice();
    other[manifest] = { ...plain[manifest], crc: (plain[manifest].crc + 1) >>> 0 };
    expect(refusal(craftZip(other)).message).toBe(
      'the session file is damaged: manifest.json fails its CRC-32 check',
    );
    // And the crafted zip reads when nothing is wrong with it.
    expect(sameArrays(readSession(race), readSession(craftZip(plain)))).toEqual([]);
  });

  it('an unknown compression method and an entry pointing past the file', () => {
    const parts = partsOf(race);
    const plain = Object.entries(parts.entries).map(([entry, bytes]) => entryOf(entry, bytes));
    const i = plain.findIndex((e) => e.name === 'arrays/explorer/runs/0/points.bin');
    const method = plain.slice();
    method[i] = { ...plain[i], method: 12 };
    expect(refusal(craftZip(method)).message).toBe(
      'the session file is damaged: "arrays/explorer/runs/0/points.bin" uses zip compression method 12; a session uses only stored (0) and deflate (8)',
    );
  });
});

describe('values no writer produces', () => {
  const cases: [string, () => Uint8Array, string][] = [
    [
      'a basin label naming no minimum (32767)',
      () => edited(race, 'explorer/basins/labels', (v) => void (v[40] = 32767)),
      'array "explorer/basins/labels" (explorer.basins.arrays.labels) holds 32767 at index 40; its values must be −2 (diverged), −1 (no minimum) or the index of one of the 4 minima',
    ],
    [
      'a basin label of −32768',
      () => edited(race, 'explorer/basins/labels', (v) => void (v[3] = -32768)),
      'holds -32768 at index 3;',
    ],
    [
      'a basin label one past the minima',
      () => edited(race, 'explorer/basins/labels', (v) => void (v[0] = 4)),
      'holds 4 at index 0;',
    ],
    [
      "basin steps past the map's steps",
      () => edited(race, 'explorer/basins/steps', (v) => void (v[7] = 61)),
      `array "explorer/basins/steps" (explorer.basins.arrays.steps) holds 61 at index 7; its values must be at most the map's 60 steps`,
    ],
    [
      'a basin final point at ∞',
      () => edited(race, 'explorer/basins/finals', (v) => void (v[9] = Infinity)),
      '(explorer.basins.arrays.finals) holds Infinity at index 9; its values must be finite',
    ],
    [
      'a NaN in a trajectory',
      () => edited(race, 'explorer/runs/1/points', (v) => void (v[3 * 20 + 2] = NaN)),
      'array "explorer/runs/1/points" (explorer.runs.1.arrays.points) holds NaN at index 62; its values must be finite',
    ],
    [
      'a gradient at −∞',
      () => edited(race, 'explorer/runs/0/grad', (v) => void (v[5] = -Infinity)),
      'holds -Infinity at index 5; its values must be finite',
    ],
    [
      'a negative gradient norm',
      () => edited(race, 'explorer/runs/0/grad-norm', (v) => void (v[2] = -1)),
      '(explorer.runs.0.arrays.gradNorm) holds -1 at index 2; its values must be a number ≥ 0',
    ],
    [
      'θ snapshot steps out of order',
      () =>
        edited(moons, 'network/runs/0/snapshot-steps', (v) => {
          [v[1], v[2]] = [v[2], v[1]];
        }),
      'array "network/runs/0/snapshot-steps" (network.runs.0.arrays.snapshotSteps) holds 3 at index 2; its values must be θ snapshot steps: whole numbers in increasing order, from 0 to 30',
    ],
    [
      'a θ snapshot step repeated',
      () => edited(moons, 'network/runs/0/snapshot-steps', (v) => void (v[2] = v[1])),
      'holds 3 at index 2;',
    ],
    [
      "a θ snapshot step past the run's steps",
      () => edited(moons, 'network/runs/0/snapshot-steps', (v) => void (v[v.length - 1] = 31)),
      'holds 31 at index 10;',
    ],
    [
      'a snapshot missing from the snapshots array',
      () => edited(moons, 'network/runs/0/snapshots', (v) => v.subarray(0, v.length - 32)),
      '(network.runs.0.arrays.snapshots) has 320 values; 11 snapshots of 32 parameters needs 352',
    ],
    [
      'a NaN in a θ snapshot',
      () => edited(moons, 'network/runs/0/snapshots', (v) => void (v[100] = NaN)),
      '(network.runs.0.arrays.snapshots) holds NaN at index 100; its values must be a number',
    ],
    [
      'a loss at ∞',
      () => edited(moons, 'network/runs/0/loss', (v) => void (v[12] = Infinity)),
      '(network.runs.0.arrays.loss) holds Infinity at index 12; its values must be finite',
    ],
    [
      'an accuracy above 1',
      () => edited(moons, 'network/runs/0/accuracy', (v) => void (v[4] = 1.5)),
      '(network.runs.0.arrays.accuracy) holds 1.5 at index 4; its values must be between 0 and 1, or NaN',
    ],
    [
      'a NaN gradient norm',
      () => edited(moons, 'network/runs/1/grad-norm', (v) => void (v[0] = NaN)),
      '(network.runs.1.arrays.gradNorm) holds NaN at index 0;',
    ],
    [
      'a wall time of NaN',
      () => edited(moons, 'network/runs/0/update-ms', (v) => void (v[1] = NaN)),
      '(network.runs.0.arrays.updateMs) holds NaN at index 1; its values must be finite',
    ],
    [
      'epochs ending out of order',
      () => edited(moons, 'network/runs/0/epoch-step', (v) => void (v[1] = v[0])),
      '(network.runs.0.arrays.epochStep) holds 4 at index 1; its values must be the steps ending each epoch: whole numbers in increasing order, from 1 to 30',
    ],
    [
      'a final θ with NaN',
      () => edited(moons, 'network/runs/0/final-theta', (v) => void (v[31] = NaN)),
      '(network.runs.0.arrays.finalTheta) holds NaN at index 31; its values must be finite',
    ],
    [
      "a landscape's centre at ∞",
      () => edited(moons, 'network/landscapes/0/center', (v) => void (v[0] = Infinity)),
      '(network.landscapes.0.arrays.center) holds Infinity at index 0;',
    ],
    [
      'a direction with NaN',
      () => edited(moons, 'network/landscapes/0/d2', (v) => void (v[1] = NaN)),
      '(network.landscapes.0.arrays.d2) holds NaN at index 1;',
    ],
    [
      'projected steps going back',
      () => edited(moons, 'network/landscapes/0/projections/0/steps', (v) => void (v[3] = 1.5)),
      '(network.landscapes.0.projections.0.arrays.steps) holds 1.5 at index 3; its values must be steps: whole numbers in increasing order, from 0 on',
    ],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses ${what}`, () => {
      const error = refusal(make());
      expect(error.message).toContain(message);
      expect(error.message).toMatch(/^the session file is damaged: array "/);
    });
  }

  it('opens the non-finite values a writer does produce', () => {
    // Written by LossLab: η/σ is NaN for the step not taken yet; a regression's accuracies and
    // an unvalidated epoch's values are NaN; a diverged analytic run keeps its finite points.
    const back = readSession(race);
    const diverged = back.explorer!.runs[4];
    expect(diverged.status).toBe('diverged');
    expect(Number.isNaN(diverged.effStep[diverged.effStep.length - 1])).toBe(false);
    expect(Number.isNaN(back.explorer!.runs[0].effStep.at(-1)!)).toBe(true);
    const regression = readSession(sine).network!;
    expect(regression.runs[0].accuracy.every(Number.isNaN)).toBe(true);
    expect(regression.runs[0].validationLoss.every(Number.isNaN)).toBe(true);
    expect(regression.runs[1].status).toBe('diverged');
    // Values the writer may give that are not finite: η of any value, ‖∇L‖ overflowing to ∞,
    // a landscape's NaN cells.
    const odd = edited(
      edited(race, 'explorer/runs/0/lr', (v) => void (v[3] = Infinity)),
      'explorer/runs/0/grad-norm',
      (v) => void (v[4] = Infinity),
    );
    expect(readSession(odd).explorer!.runs[0].gradNorm[4]).toBe(Infinity);
    const cells = edited(moons, 'network/landscapes/0/values', (v) => void v.fill(NaN, 0, 5));
    expect(Number.isNaN(readSession(cells).network!.landscapes[0].values[4])).toBe(true);
  });
});

describe('readSessionAsync', () => {
  /** A session of ~50 MB: a long trajectory. */
  function bigSession(): SessionData {
    const run = new AnalyticRun({
      runId: 'long',
      surface: 'rosenbrock',
      start: [-1.5, 2],
      optimizer: { optimizer: 'adam', lr: 1e-4 },
    });
    run.advance(700_000);
    return sessionFromRuns({
      createdAt: '2025-03-04T05:06:07.089Z',
      explorer: { surface: 'rosenbrock', start: [-1.5, 2], runs: [run] },
      view: {},
    });
  }

  it('reads the same session as readSession, and refuses the same files with the same words', async () => {
    for (const file of [race, moons, sine]) {
      const back = await readSessionAsync(file);
      expect(back).toEqual(readSession(file));
      expect(sameArrays(readSession(file), back)).toEqual([]);
    }
    const bad = edited(race, 'explorer/basins/labels', (v) => void (v[40] = 32767));
    await expect(readSessionAsync(bad)).rejects.toThrow(refusal(bad).message);
    await expect(readSessionAsync(race.subarray(0, 500))).rejects.toBeInstanceOf(SessionError);
  });

  it('keeps the event loop turning, reports progress to the end, and stops when cancelled', async () => {
    const file = writeSession(bigSession());
    const t0 = performance.now();
    readSession(file);
    const syncMs = performance.now() - t0;

    // The longest the event loop waits for a turn while the session is read.
    let longest = 0;
    let last = performance.now();
    let turns = 0;
    let probing = true;
    const probe = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      turns++;
      if (probing) setImmediate(probe);
    };
    setImmediate(probe);
    const reports: [number, number][] = [];
    const t1 = performance.now();
    const back = await readSessionAsync(file, {
      onProgress: (done, total) => reports.push([done, total]),
    });
    const asyncMs = performance.now() - t1;
    probing = false;
    console.log(
      `readSessionAsync: ${(file.length / 2 ** 20).toFixed(1)} MiB in ${asyncMs.toFixed(0)} ms ` +
        `(readSession ${syncMs.toFixed(0)} ms), longest wait of the event loop ${longest.toFixed(1)} ms, ` +
        `${turns} turns, ${reports.length} progress reports`,
    );
    expect(back.explorer!.runs[0].steps).toBe(700_000);
    // At least one turn of the event loop per slice.
    expect(reports.length).toBeGreaterThan(3);
    expect(turns).toBeGreaterThanOrEqual(reports.length - 1);
    // Slices are ~10 ms; a loaded machine stretches them, not to a freeze.
    expect(longest).toBeLessThan(Math.max(250, syncMs / 3));
    // The total is known once the manifest is read; a pause while it is still being inflated
    // (a loaded machine's 10 ms pass sooner) reports the manifest's size alone, and only first.
    const total = reports.at(-1)![1];
    const early = reports.findIndex(([, t]) => t === total);
    expect(reports.slice(early).every(([, t]) => t === total)).toBe(true);
    expect(reports.slice(0, early).every(([d, t]) => t < total && d <= t)).toBe(true);
    for (let i = 1; i < reports.length; i++)
      expect(reports[i][0]).toBeGreaterThanOrEqual(reports[i - 1][0]);
    expect(reports.at(-1)).toEqual([total, total]);

    // Cancelled midway: a SessionError saying so, and nothing more happens.
    const controller = new AbortController();
    let calls = 0;
    const cancelled = readSessionAsync(file, {
      signal: controller.signal,
      onProgress: () => {
        if (++calls === 3) controller.abort();
      },
    });
    await expect(cancelled).rejects.toThrow(/^cancelled: opening the session was cancelled$/);
    expect(calls).toBe(3);
    // Already aborted: refused at once.
    await expect(readSessionAsync(race, { signal: AbortSignal.abort() })).rejects.toThrow(
      /^cancelled/,
    );
  });
});
