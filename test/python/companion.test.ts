/**
 * The Python companion (python/losslab_torch.py): small PyTorch runs recorded by its Recorder
 * (SGD with a step schedule and Adam on a 2-16-16-1 MLP LossLab cannot rebuild, AdamW on a
 * 1-16-16-1 MLP of the sine dataset it can) open with readSession and restore as the engine
 * restores them, every θ snapshot, the final θ, the losses and the learning rates bit for bit
 * against what the Python script dumped; and the companion's own unit tests pass. Skipped, with
 * one line saying why, where `import torch` fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionData } from '../../electron/common/session';
import { loadBackend } from '../../electron/engine/backend/select';
import type { Tf } from '../../electron/engine/network';
import { readSession, restoreNetwork, restoreRecordedRuns } from '../../electron/engine/recording';

const PYTHON = '/usr/bin/python3';
const HERE = join(__dirname);

/** Why the companion cannot be tested here, or undefined when torch imports. */
function torchMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} cannot import torch and numpy`;
  return undefined;
}

const missing = torchMissing();
if (missing) console.warn(`skipping the Python companion's tests: ${missing}`);

/** What record_runs.py dumped of one run. */
interface Dumped {
  steps: number;
  parameters: number;
  loss: number[];
  lr: number[];
  /** θ after every step 0 … steps, float32. */
  thetas: Float32Array;
  final: Float64Array;
}

describe.skipIf(missing !== undefined)('the Python companion (losslab_torch)', () => {
  let dir: string;
  let tf: Tf;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'losslab-torch-'));
    execFileSync(PYTHON, [join(HERE, 'record_runs.py'), dir], { stdio: 'pipe' });
    tf = (await loadBackend({ force: 'wasm' })).tf;
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = (name: string): SessionData =>
    readSession(new Uint8Array(readFileSync(join(dir, `${name}.losslab`))));

  const dumped = (name: string): Dumped => {
    const json = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Omit<
      Dumped,
      'thetas' | 'final'
    >;
    const f32 = readFileSync(join(dir, `${name}.theta.bin`));
    const f64 = readFileSync(join(dir, `${name}.final.bin`));
    return {
      ...json,
      thetas: new Float32Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.length)),
      final: new Float64Array(f64.buffer.slice(f64.byteOffset, f64.byteOffset + f64.length)),
    };
  };

  /** The recording's curves, snapshots and final θ are the dumped ones, bit for bit. */
  const checkRun = (session: SessionData, name: string): void => {
    const want = dumped(name);
    const run = session.network!.runs[0];
    expect(run.config.runId).toBe(name);
    expect(run.steps).toBe(want.steps);
    expect(run.parameters).toBe(want.parameters);
    expect(Array.from(run.loss)).toEqual(want.loss);
    expect(Array.from(run.lr)).toEqual(want.lr);
    expect(run.gradNorm.every((g) => Number.isFinite(g) && g >= 0)).toBe(true);
    expect(run.accuracy.every(Number.isNaN)).toBe(true);
    // Step 0, every 5th step, and the final step.
    const expected = [0, 5, 10, 15, 20, 25, 30];
    if (want.steps % 5 !== 0) expected.push(want.steps);
    expect(Array.from(run.snapshotSteps)).toEqual(expected);
    const p = want.parameters;
    run.snapshotSteps.forEach((step, k) => {
      const got = new Uint32Array(run.snapshots.slice(k * p, (k + 1) * p).buffer);
      const exact = new Uint32Array(want.thetas.slice(step * p, (step + 1) * p).buffer);
      expect(got, `θ at step ${step}`).toEqual(exact);
    });
    expect(new BigUint64Array(run.finalTheta.slice().buffer)).toEqual(
      new BigUint64Array(want.final.slice().buffer),
    );
  };

  it('records SGD (momentum, Nesterov, a step schedule) on a model LossLab cannot build', () => {
    const session = open('sgd');
    const network = session.network!;
    expect(network.dataset).toBeUndefined();
    expect(network.model).toBeUndefined();
    expect(network.source!.recordedBy).toMatch(/^PyTorch \S+ \(losslab_torch 1\)$/);
    expect(network.source!.tensors.map((t) => t.shape)).toEqual([
      [16, 2],
      [16],
      [16, 16],
      [16],
      [1, 16],
      [1],
    ]);
    expect(network.source!.optimizer).toEqual({ name: 'torch.optim.SGD' });
    expect(network.runs[0].config.optimizer).toEqual({
      optimizer: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      dampening: 0,
      weightDecay: 1e-4,
      nesterov: true,
    });
    expect(network.runs[0].config.batchSize).toBe(32);
    checkRun(session, 'sgd');
    // The learning rate halves every 10 steps, as StepLR set it.
    expect(network.runs[0].lr[9]).toBe(0.1);
    expect(network.runs[0].lr[10]).toBe(0.05);

    // Restored as the engine would: no problem to rebuild, so shown as recorded.
    expect(() => restoreNetwork(tf, network)).toThrow(/recorded by PyTorch .* cannot build/);
    const [restored] = restoreRecordedRuns(network);
    expect(restored.status).toBe('finished');
    expect(restored.reason).toMatch(/^recorded by PyTorch/);
    expect(restored.snapshots.map((s) => s.step)).toEqual(
      Array.from(network.runs[0].snapshotSteps),
    );
  });

  it('records Adam (its betas, AMSGrad) on a model LossLab cannot build', () => {
    const session = open('adam');
    expect(session.network!.runs[0].config.optimizer).toEqual({
      optimizer: 'adam',
      lr: 0.01,
      betas: [0.8, 0.99],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: true,
    });
    checkRun(session, 'adam');
  });

  it('records a LossLab MLP on a LossLab dataset, which the network lab restores unretrained', () => {
    const session = open('sine');
    const network = session.network!;
    expect(network.dataset).toMatchObject({ kind: 'sine', n: 60, seed: 1 });
    expect(network.model).toMatchObject({ depth: 2, width: 16, activation: 'tanh' });
    expect(network.runs[0].config.optimizer.optimizer).toBe('adamw');
    checkRun(session, 'sine');
    const restored = restoreNetwork(tf, network);
    try {
      const [r] = restored.runs;
      expect(r.resumable).toBe(false);
      expect(r.verifiedSteps).toBe(0);
      expect(r.run.status).toBe('finished');
      expect(r.run.reason).toMatch(/^recorded by PyTorch/);
      expect(r.run.step).toBe(30);
      expect(Array.from(r.run.theta)).toEqual(Array.from(network.runs[0].finalTheta));
      expect(r.run.snapshots.list().map((s) => s.step)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    } finally {
      restored.problem.dispose();
    }
  });

  it("passes the companion's own unit tests (python -m unittest)", () => {
    const result = spawnSync(PYTHON, ['-m', 'unittest', '-q', 'test_losslab_torch'], {
      cwd: HERE,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
  });
});
