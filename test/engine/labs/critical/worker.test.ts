/**
 * The critical-points lab's worker thread, bundled from source as scripts/build-node.mjs does:
 * it gives the in-thread analysis's spectrum, a refusal keeps its field, and Cancel ends the
 * job (and its worker) at once. The log line says how long the engine's event loop went
 * without a turn during an exact analysis of 1,218 parameters, in the engine's own thread and
 * on the worker — why network analyses go to the worker (see critical-lab.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { CancelledError, FieldError } from '../../../../electron/engine/core/errors';
import { makeCheckpoint } from '../../../../electron/engine/hessian/checkpoint';
import { fromNetwork } from '../../../../electron/engine/hessian/hessian-model';
import { analyzeNetwork } from '../../../../electron/engine/hessian/report';
import { CriticalPool, locateCriticalWorker } from '../../../../electron/engine/labs/critical/pool';
import type { AnalysisJob } from '../../../../electron/engine/labs/critical/worker-messages';
import { NetworkProblem, NetworkRun, type Tf } from '../../../../electron/engine/network';
import { bundleWorker } from '../../../helpers/bundle-worker';

const root = path.resolve(__dirname, '../../../..');
const out = path.join(root, 'node_modules/.cache/losslab-test', `critical-${process.pid}`);
let pool: CriticalPool;
let tf: Tf;

beforeAll(async () => {
  tf = (await loadBackend()).tf;
  await bundleWorker(
    'electron/engine/labs/critical/worker.ts',
    path.join(out, 'critical-worker.js'),
  );
  pool = new CriticalPool(path.join(out, 'critical-worker.js'), 1);
}, 60_000);
afterAll(async () => {
  await pool?.close();
  fs.rmSync(out, { recursive: true, force: true });
});

/** A job on a trained network, and its θ. */
function job(
  model: { depth: number; width: number },
  options: Partial<AnalysisJob['options']> = {},
): AnalysisJob {
  const problem = new NetworkProblem(
    tf,
    { kind: 'moons', n: 400 },
    { ...model, activation: 'tanh' },
  );
  const run = new NetworkRun(problem, { runId: 'r', optimizer: { optimizer: 'adam', lr: 0.01 } });
  run.advance(20);
  const { model: hessianModel, x, y, n } = fromNetwork(problem);
  const theta = run.theta.slice();
  problem.dispose();
  return {
    backend: 'wasm',
    model: hessianModel,
    data: { x: Float32Array.from(x), y: Float32Array.from(y), n },
    theta,
    options: {
      method: 'exact',
      k: 10,
      iterations: 100,
      traceProbes: 10,
      tau: 1e-4,
      seed: 0,
      vectors: true,
      ...options,
    },
  };
}

const never = new AbortController().signal;

describe('critical-points worker', () => {
  it('is found next to a built bundle, and not when running from source', () => {
    expect(locateCriticalWorker(out)).toBe(path.join(out, 'critical-worker.js'));
    expect(locateCriticalWorker(path.join(root, 'electron/engine/backend'))).toBeUndefined();
  });

  it("gives the in-thread analysis's spectrum, with progress", async () => {
    const j = job({ depth: 1, width: 8 });
    const phases = new Set<string>();
    const there = await pool.analyze(j, {
      signal: never,
      onProgress: (phase) => phases.add(phase),
    });
    const here = await analyzeNetwork(tf, j.model, j.theta, j.data, j.options, makeCheckpoint());
    expect(there.parameters).toBe(j.theta.length);
    expect(there.method).toBe('exact');
    expect(phases.has('hessian')).toBe(true);
    // Same backend (wasm), same code: the same numbers.
    expect(Array.from(there.eigenvalues)).toEqual(Array.from(here.eigenvalues));
    expect(there.vectorIndices).toEqual(here.vectorIndices);
  });

  it('keeps the field of a refusal', async () => {
    const j = job({ depth: 1, width: 8 }, { method: 'lanczos', k: 100 });
    const err = await pool
      .analyze(j, { signal: never, onProgress: () => undefined })
      .catch((e) => e);
    expect(err).toBeInstanceOf(FieldError);
    expect((err as FieldError).field).toBe('k');
  });

  it('Cancel ends the job at once; the next one gets a fresh worker', async () => {
    const controller = new AbortController();
    const j = job({ depth: 2, width: 32 });
    let started!: () => void;
    const progress = new Promise<void>((resolve) => (started = resolve));
    const running = pool.analyze(j, { signal: controller.signal, onProgress: () => started() });
    await progress;
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    // The cancelled worker leaves the pool when its exit is heard; then a fresh one starts.
    while (!pool.available) await new Promise((resolve) => setTimeout(resolve, 10));
    const again = await pool.analyze(job({ depth: 1, width: 4 }), {
      signal: never,
      onProgress: () => undefined,
    });
    expect(again.eigenvalues.length).toBe(again.parameters);
  });

  it('measures the event loop during an exact analysis of 1,218 parameters', async () => {
    const j = job({ depth: 2, width: 32 });
    /** The longest stretch without a turn of the event loop while `work` runs, ms. */
    const longestStall = async (work: () => Promise<unknown>) => {
      let last = performance.now();
      let longest = 0;
      let going = true;
      const tick = () => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        if (going) setTimeout(tick, 1);
      };
      setTimeout(tick, 1);
      const t0 = performance.now();
      await work();
      going = false;
      return { longest, total: performance.now() - t0 };
    };
    const inThread = await longestStall(() =>
      analyzeNetwork(tf, j.model, j.theta, j.data, j.options, makeCheckpoint({ yieldEveryMs: 30 })),
    );
    const onWorker = await longestStall(() =>
      pool.analyze(j, { signal: never, onProgress: () => undefined }),
    );
    console.log(
      `exact analysis, 1,218 parameters: in the engine's thread ${inThread.total.toFixed(0)} ms with the event loop stalled up to ${inThread.longest.toFixed(0)} ms; on a worker ${onWorker.total.toFixed(0)} ms, stalled up to ${onWorker.longest.toFixed(0)} ms`,
    );
    expect(onWorker.longest).toBeGreaterThan(0);
  }, 120_000);
});
