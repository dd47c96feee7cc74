/**
 * The experiments lab on a real worker pool: the worker bundled from source as
 * scripts/build-node.mjs does (as test/engine/labs/critical/worker.test.ts does for the critical
 * worker), a pool of 2. An experiment of six trainings runs on both workers and gives exactly
 * the in-thread run's numbers (a training is deterministic and both sides compute on wasm);
 * cancelled midway it rejects with CancelledError, keeps the trainings finished before, leaves
 * no worker busy (the next experiment, started at once, runs on both workers) and no tensor in
 * this thread; and a Cancel before the workers have said anything (still loading tfjs) does
 * not mark the pool broken. It fails if a cancelled worker is never replaced, if a training's
 * numbers depend on where it ran, or if the pool falls back to this thread (threads 0).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResult, ExperimentSpecInput } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import { CancelledError } from '../../../../electron/engine/core/errors';
import { ExperimentsPool } from '../../../../electron/engine/labs/experiments/pool';
import type { Tf } from '../../../../electron/engine/network';
import { numbers, run, runSpec } from './helpers';
import { bundleWorker } from '../../../helpers/bundle-worker';

const root = path.resolve(__dirname, '../../../..');
const out = path.join(root, 'node_modules/.cache/losslab-test', `experiments-${process.pid}`);
const file = path.join(out, 'experiments-worker.js');
const pools: ExperimentsPool[] = [];
let tf: Tf;

/** A pool of 2 over the bundle, closed after the tests. */
function newPool(): ExperimentsPool {
  const pool = new ExperimentsPool(file, 2);
  pools.push(pool);
  return pool;
}

/** The pool's worker slots (started, not yet lost). */
const slots = (pool: ExperimentsPool) =>
  (pool as unknown as { pool: { slots: readonly { busy: boolean }[] } }).pool.slots;

/**
 * Until no worker of the pool is busy (a cancelled one stays busy until its exit is heard and
 * takes it out of the pool); how long that took, ms.
 */
async function settle(pool: ExperimentsPool): Promise<number> {
  const t0 = performance.now();
  while (slots(pool).some((s) => s.busy)) {
    if (performance.now() - t0 > 10_000) throw new Error('a worker stayed busy');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - t0;
}

beforeAll(async () => {
  tf = (await loadBackend()).tf;
  await bundleWorker('electron/engine/labs/experiments/worker.ts', file);
}, 60_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  fs.rmSync(out, { recursive: true, force: true });
});

/** Six trainings: depths 1, 2, 4, plain then residual. */
const spec: ExperimentSpecInput = {
  kind: 'depth',
  dataset: { kind: 'moons', n: 200 },
  depths: [1, 2, 4],
  epochs: 10,
};

describe('experiments on a worker pool', () => {
  let pool: ExperimentsPool;
  let here: ExperimentResult;
  beforeAll(async () => {
    pool = newPool();
    here = await run(tf, spec);
    expect(here.threads).toBe(0);
  });

  it("runs on both workers and gives the in-thread run's numbers exactly", async () => {
    const before = tf.memory().numTensors;
    const { done, progress } = runSpec(tf, spec, { pool });
    const there = await done;
    expect(there.threads).toBe(2);
    expect(slots(pool).length).toBe(2);
    expect(there.backend).toBe('wasm');
    expect(there.trainings.map(numbers)).toEqual(here.trainings.map(numbers));
    expect(there.figures).toEqual(here.figures);
    // Every note but the machine's (how many cores were busy).
    const fixed = (notes: string[]) => notes.filter((n) => !/cores busy on average/.test(n));
    expect(fixed(there.notes)).toEqual(fixed(here.notes));
    expect(fixed(there.notes).length).toBe(there.notes.length - 1);
    // A partial result per finished training, in whatever order they finished, then one
    // after each of the deepest nets' two landscapes.
    expect(progress.filter((p) => p.partial).map((p) => p.partial!.trainings.length)).toEqual([
      1, 2, 3, 4, 5, 6, 6, 6,
    ]);
    expect(progress[progress.length - 1]).toMatchObject({ done: 6, total: 6 });
    expect(pool.available).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('cancelled midway: CancelledError, the finished trainings kept, no worker left busy', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const { done, progress } = runSpec(tf, spec, {
      pool,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 2) controller.abort();
      },
    });
    await expect(done).rejects.toBeInstanceOf(CancelledError);
    const last = progress.filter((p) => p.partial).pop()!.partial!;
    // The two finished when Cancel came (a third may have finished in the same turn).
    expect(last.trainings.length).toBeGreaterThanOrEqual(2);
    expect(last.trainings.length).toBeLessThan(6);
    const byId = new Map(here.trainings.map((t) => [t.id, numbers(t)]));
    for (const t of last.trainings) expect(numbers(t)).toEqual(byId.get(t.id));

    // The cancelled worker is ended and leaves the pool when its exit is heard; the next
    // experiment, started at once, waits for that and runs on both workers with the same
    // numbers (before, it found that worker still busy and trained in this thread).
    const next = await run(tf, spec, { pool });
    expect(next.threads).toBe(2);
    expect(next.trainings.map(numbers)).toEqual(here.trainings.map(numbers));
    // Afterwards no worker is busy, and none is left over from the cancelled run. (Two, or
    // one: when a cancelled worker's exit comes late, the other lane may have trained every
    // task before a replacement was needed.)
    expect(slots(pool).length).toBeGreaterThanOrEqual(1);
    expect(slots(pool).length).toBeLessThanOrEqual(2);
    expect(slots(pool).every((s) => !s.busy)).toBe(true);
    expect(pool.refusal).toBeUndefined();
    expect(pool.available).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every worker is idle soon after a Cancel, with no next experiment', async () => {
    const controller = new AbortController();
    const { done } = runSpec(tf, spec, {
      pool,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 1) controller.abort();
      },
    });
    await expect(done).rejects.toBeInstanceOf(CancelledError);
    console.log(`cancelled: every worker idle ${(await settle(pool)).toFixed(0)} ms later`);
    expect(pool.available).toBe(true);
  });

  it('a Cancel while the workers load tfjs leaves the pool working', async () => {
    const fresh = newPool();
    const controller = new AbortController();
    const { done } = runSpec(tf, spec, { pool: fresh, signal: controller.signal });
    // Both workers are started and given a training; neither has said anything yet.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(slots(fresh).length).toBe(2);
    controller.abort();
    await expect(done).rejects.toBeInstanceOf(CancelledError);
    // Not "broken": a worker ended on purpose says nothing about the bundle.
    expect(fresh.refusal).toBeUndefined();
    const next = await run(tf, spec, { pool: fresh });
    expect(next.threads).toBe(2);
    expect(next.trainings.map(numbers)).toEqual(here.trainings.map(numbers));
    expect(slots(fresh).map((s) => s.busy)).toEqual([false, false]);
  });
});
