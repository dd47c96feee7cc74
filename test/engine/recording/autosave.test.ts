/**
 * Autosave: an interrupted recording is recovered from its last autosave (in-process, and a
 * real process killed with SIGKILL while writing), a clean stop leaves nothing to recover,
 * and a failing write does not stop the recording.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalyticRun } from '../../../electron/engine/labs/explorer/analytic-run';
import {
  AUTOSAVE_FILE,
  Autosaver,
  discardRecoverable,
  findRecoverable,
  recoverSession,
  restoreExplorer,
  sessionFromRuns,
} from '../../../electron/engine/recording';
import { bytesOf } from './fixtures';

const root = path.resolve(__dirname, '../../..');
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-autosave-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function race(): AnalyticRun[] {
  return [
    new AnalyticRun({
      runId: 'adam',
      surface: 'rosenbrock',
      start: [-1.5, 2],
      optimizer: { optimizer: 'adam', lr: 0.01 },
    }),
    new AnalyticRun({
      runId: 'momentum',
      surface: 'rosenbrock',
      start: [-1.5, 2],
      optimizer: { optimizer: 'sgd', lr: 2e-4, momentum: 0.9 },
      label: 'Momentum',
    }),
  ];
}

describe('autosave', () => {
  it('an interrupted recording is recovered up to its last autosave', async () => {
    const dir = path.join(tempDir(), 'data');
    const runs = race();
    const intervalMs = 150;
    const saves: { savedAt: Date; ms: number }[] = [];
    const saver = new Autosaver(
      dir,
      () =>
        sessionFromRuns({
          title: 'Recording',
          explorer: { surface: 'rosenbrock', start: [-1.5, 2], runs },
        }),
      { intervalMs, onSaved: (info) => saves.push(info) },
    );
    saver.start();
    expect(saver.recording).toBe(true);
    const t0 = Date.now();
    let changed = false;
    while (Date.now() - t0 < 1000) {
      for (const run of runs) run.advance(50);
      if (!changed && runs[0].step > 500) {
        runs[0].update({ lr: 0.005 });
        changed = true;
      }
      saver.touch();
      await sleep(10);
    }
    // The crash: no stop, no final write.
    saver.halt();
    const crashedAt = Date.now();
    const liveSteps = runs.map((r) => r.step);
    expect(saves.length).toBeGreaterThanOrEqual(4);

    const found = await findRecoverable(dir);
    expect(found).toBeDefined();
    const longestWrite = Math.max(...saves.map((s) => s.ms));
    const age = crashedAt - Date.parse(found!.savedAt);
    expect(age).toBeLessThanOrEqual(intervalMs + longestWrite + 50);
    expect(found).toMatchObject({
      path: path.join(dir, AUTOSAVE_FILE),
      title: 'Recording',
      runs: [
        { kind: 'analytic', runId: 'adam', status: 'ok' },
        { kind: 'analytic', runId: 'momentum', label: 'Momentum', status: 'ok' },
      ],
    });

    const session = await recoverSession(dir);
    expect(session.autosave).toBe(true);
    const recovered = session.explorer!.runs;
    for (const [i, recording] of recovered.entries()) {
      // Everything up to the last autosave, bit for bit: a prefix of the live run.
      expect(recording.steps).toBeGreaterThan(0);
      expect(recording.steps).toBeLessThanOrEqual(liveSteps[i]);
      const live = runs[i].points.view().subarray(0, recording.points.length);
      expect(Buffer.compare(bytesOf(live), bytesOf(recording.points))).toBe(0);
      expect(found!.runs[i].steps).toBe(recording.steps);
    }
    expect(recovered[0].changes).toEqual([{ step: expect.any(Number), patch: { lr: 0.005 } }]);
    // And the recovered runs can go on.
    expect(restoreExplorer(session.explorer!).runs.every((r) => r.resumable)).toBe(true);

    await discardRecoverable(dir);
    expect(await findRecoverable(dir)).toBeUndefined();
  });

  it('a clean stop leaves nothing to recover', async () => {
    const dir = tempDir();
    const runs = race();
    const saver = new Autosaver(
      dir,
      () => sessionFromRuns({ explorer: { surface: 'rosenbrock', start: [-1.5, 2], runs } }),
      { intervalMs: 50 },
    );
    saver.start();
    runs[0].advance(100);
    saver.touch();
    await saver.flush();
    expect(fs.existsSync(path.join(dir, AUTOSAVE_FILE))).toBe(true);
    expect((await findRecoverable(dir))?.runs[0].steps).toBe(100);
    await saver.stop();
    expect(saver.recording).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await findRecoverable(dir)).toBeUndefined();
  });

  it('a failing write is reported and retried; recording goes on', async () => {
    const parent = tempDir();
    const blocked = path.join(parent, 'not-a-folder');
    fs.writeFileSync(blocked, 'a file where the data folder should be');
    const errors: Error[] = [];
    let produced = 0;
    const saver = new Autosaver(
      blocked,
      () => {
        produced++;
        return sessionFromRuns({ explorer: { surface: 'rosenbrock', start: [0, 0], runs: [] } });
      },
      { intervalMs: 30, onError: (e) => errors.push(e) },
    );
    saver.start();
    // At least two attempts, however busy the machine (each is 30 ms after the last failed).
    for (const deadline = Date.now() + 10_000; errors.length < 2 && Date.now() < deadline;) {
      await sleep(20);
    }
    saver.halt();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0].message).toMatch(/EEXIST|ENOTDIR/);
    expect(produced).toBe(errors.length);
  });

  it('a recording killed (SIGKILL) while writing leaves a whole autosave', async () => {
    const out = path.join(root, 'node_modules/.cache/losslab-test', `autosave-${process.pid}`);
    fs.mkdirSync(out, { recursive: true });
    const script = path.join(out, 'recorder.js');
    await build({
      stdin: {
        contents: `
          import { AnalyticRun } from './electron/engine/labs/explorer/analytic-run';
          import { Autosaver, sessionFromRuns } from './electron/engine/recording';
          const runs = [0, 1, 2].map((i) => new AnalyticRun({
            runId: 'r' + i, surface: 'rosenbrock', start: [-1.5 + 0.1 * i, 2],
            optimizer: { optimizer: 'adam', lr: 0.001 },
          }));
          const saver = new Autosaver(process.argv[2], () => sessionFromRuns({
            explorer: { surface: 'rosenbrock', start: [-1.5, 2], runs },
          }), { intervalMs: 20, onSaved: (s) => process.stdout.write('saved ' + s.bytes + '\\n') });
          saver.start();
          setInterval(() => { for (const r of runs) r.advance(400); saver.touch(); }, 5);
        `,
        resolveDir: root,
        loader: 'ts',
      },
      outfile: script,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
      define: { 'import.meta.url': '__import_meta_url' },
      banner: {
        js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
      },
    });
    const dir = tempDir();
    try {
      for (const [round, kills] of [6, 9, 13].entries()) {
        const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
        let saved = 0;
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, signal) => resolve(signal)),
        );
        // Meanwhile, whoever looks at the autosave (the next start, say) must see a whole zip.
        const file = path.join(dir, AUTOSAVE_FILE);
        let looks = 0;
        const partial: string[] = [];
        const watcher = setInterval(() => {
          let bytes: Buffer;
          try {
            bytes = fs.readFileSync(file);
          } catch {
            return;
          }
          looks++;
          const n = bytes.length;
          if (n < 22 || bytes.readUInt32LE(n - 22) !== 0x06054b50) partial.push(`${n} bytes`);
        }, 1);
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            saved += d
              .toString()
              .split('\n')
              .filter((l) => l.startsWith('saved')).length;
            // Killed a few ms after a save: usually in the middle of the next one.
            if (saved >= kills) setTimeout(resolve, 3 + 7 * round);
          });
          child.on('exit', () => reject(new Error(`the recorder exited: ${stderr}`)));
        });
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        clearInterval(watcher);
        expect(looks).toBeGreaterThan(20);
        expect(partial, 'the autosave as others saw it while it was written').toEqual([]);
        const found = await findRecoverable(dir);
        expect(found, `round ${round}: a whole autosave`).toBeDefined();
        expect(found!.runs.map((r) => r.runId)).toEqual(['r0', 'r1', 'r2']);
        expect(found!.runs[0].steps).toBeGreaterThan(0);
        const session = await recoverSession(dir);
        expect(session.explorer!.runs[2].points.length).toBe(3 * (found!.runs[2].steps + 1));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
