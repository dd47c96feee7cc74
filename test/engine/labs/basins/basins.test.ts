/**
 * Basin maps: labels against an independent per-start computation (AnalyticRun plus a plain
 * nearest-minimum scan), workers against the engine's own thread, divergence, cancel, and the
 * engine's basins.* messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineMessage } from '../../../../electron/common/protocol';
import type { OptimizerSpec, Point } from '../../../../electron/common/schemas';
import type { BasinsSpec } from '../../../../electron/common/spec';
import { CancelledError } from '../../../../electron/engine/core/errors';
import { AnalyticRun } from '../../../../electron/engine/labs/explorer/analytic-run';
import {
  computeBasins,
  LABEL_DIVERGED,
  LABEL_NONE,
  planBasins,
  type BasinsResult,
} from '../../../../electron/engine/labs/basins/compute';
import { gridStarts } from '../../../../electron/engine/labs/basins/band';
import { BasinsBatch } from '../../../../electron/engine/labs/basins/batch';
import { BasinsPool, locateBasinsWorker } from '../../../../electron/engine/labs/basins/pool';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import { resolveHyper } from '../../../../electron/engine/optim';
import { presetByName } from '../../../../electron/engine/problems/presets';
import { TestClient } from '../../../helpers/engine-client';
import { bundleWorker } from '../../../helpers/bundle-worker';

const root = path.resolve(__dirname, '../../../..');
const himmelblau = presetByName.get('himmelblau');
if (!himmelblau) throw new Error('the himmelblau preset is missing');

const adam: OptimizerSpec = { optimizer: 'adam', lr: 0.05 };
/**
 * "Prompt": cancel and other requests are served between chunks of steps (~8 ms each); the
 * bound is generous because the test machine may be busy with other work.
 */
const PROMPT_MS = 500;

/** Bit-for-bit equality of two typed arrays (so -0 ≠ 0 and NaN = NaN). */
function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return bytes(a).equals(bytes(b));
}

/**
 * What one start should report, computed independently: an AnalyticRun from it, then a plain
 * scan of its trajectory for the nearest minimum within the radius at every step.
 */
function reference(spec: BasinsSpec, start: Point) {
  const plan = planBasins(spec);
  const run = new AnalyticRun({
    runId: 'ref',
    surface: spec.surface,
    start,
    optimizer: spec.optimizer,
  });
  run.advance(spec.steps);
  const points = run.points.view();
  const count = points.length / 3;
  const nearest = (x: number, y: number) => {
    let best = LABEL_NONE;
    let bestD = Infinity;
    plan.minima.forEach(([mx, my], k) => {
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d <= plan.radius ** 2 && d < bestD) {
        best = k;
        bestD = d;
      }
    });
    return best;
  };
  const final: Point = [points[3 * (count - 1)], points[3 * (count - 1) + 1]];
  if (run.status === 'diverged') {
    return { label: LABEL_DIVERGED, steps: count, final };
  }
  const label = nearest(final[0], final[1]);
  if (label === LABEL_NONE) return { label, steps: count - 1, final };
  let since = count - 1;
  while (since > 0 && nearest(points[3 * (since - 1)], points[3 * (since - 1) + 1]) === label) {
    since--;
  }
  return { label, steps: since, final };
}

function expectMatchesReference(spec: BasinsSpec, result: BasinsResult): void {
  const n = spec.resolution;
  const starts = gridStarts(result.domain, n);
  for (let p = 0; p < n * n; p++) {
    const want = reference(spec, [starts[2 * p], starts[2 * p + 1]]);
    const where = `start ${p} (${starts[2 * p]}, ${starts[2 * p + 1]})`;
    expect(result.labels[p], where).toBe(want.label);
    expect(result.steps[p], where).toBe(want.steps);
    // Bit for bit: the batch runs the very same arithmetic as the single run.
    expect(Object.is(result.finals[2 * p], want.final[0]), `${where} x`).toBe(true);
    expect(Object.is(result.finals[2 * p + 1], want.final[1]), `${where} y`).toBe(true);
  }
}

describe('basin maps of himmelblau', () => {
  it('gives each of the four minima a non-empty basin', async () => {
    const result = await computeBasins(
      { surface: 'himmelblau', optimizer: adam, resolution: 40, steps: 400 },
      { workers: 0 },
    );
    expect(result.minima).toHaveLength(4);
    expect(result.counts.minima).toHaveLength(4);
    for (const count of result.counts.minima) expect(count).toBeGreaterThan(40);
    expect(result.counts.diverged).toBe(0);
    const total = result.counts.minima.reduce((a, b) => a + b, 0) + result.counts.none;
    expect(total).toBe(40 * 40);
    // Each minimum's basin holds the grid point nearest to it.
    result.minima.forEach(([mx, my], k) => {
      const i = Math.round(((mx + 5) / 10) * 39);
      const j = Math.round(((my + 5) / 10) * 39);
      expect(result.labels[j * 40 + i], `minimum ${k}`).toBe(k);
    });
  });

  it('reports a start placed exactly on a minimum as reaching it in 0 steps', () => {
    const plan = planBasins({ surface: 'himmelblau', optimizer: adam, resolution: 2, steps: 50 });
    const starts = Float64Array.from(himmelblau.info.minima.flat());
    const batch = new BasinsBatch(plan, starts);
    batch.advance(50);
    const { labels, steps } = batch.result();
    expect(Array.from(labels)).toEqual([0, 1, 2, 3]);
    expect(Array.from(steps)).toEqual([0, 0, 0, 0]);
  });

  it('finds (3, 2) on the grid that passes through it, at 0 steps', async () => {
    // resolution 21 over [-5, 5]: spacing 0.5, so (i, j) = (16, 14) is exactly (3, 2).
    const result = await computeBasins(
      { surface: 'himmelblau', optimizer: adam, resolution: 21, steps: 100 },
      { workers: 0 },
    );
    const p = 14 * 21 + 16;
    expect([result.finals[2 * p], result.finals[2 * p + 1]]).toEqual([3, 2]);
    expect(result.labels[p]).toBe(0);
    expect(result.steps[p]).toBe(0);
  });

  const cases: [string, OptimizerSpec, number][] = [
    ['adam', adam, 150],
    [
      'sgd with Nesterov momentum',
      { optimizer: 'sgd', lr: 0.002, momentum: 0.9, nesterov: true },
      150,
    ],
    [
      'centered rmsprop with momentum',
      { optimizer: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 },
      120,
    ],
    ['lecture adagrad', { optimizer: 'adagrad', lr: 0.5, variant: 'lecture' }, 120],
    ['lecture rmsprop', { optimizer: 'rmsprop', lr: 0.02, variant: 'lecture' }, 120],
    [
      'adamw with amsgrad and a cosine schedule',
      {
        optimizer: 'adamw',
        lr: 0.1,
        amsgrad: true,
        schedule: { kind: 'cosine', tMax: 100, etaMin: 0 },
      },
      120,
    ],
    // Far starts blow up, near ones converge: the diverged must not disturb the others.
    ['sgd that diverges from far starts', { optimizer: 'sgd', lr: 0.025 }, 150],
    // Two starts diverge: every later start's momentum buffer is moved down past them.
    ['momentum that diverges from two starts', { optimizer: 'sgd', lr: 0.01, momentum: 0.9 }, 150],
  ];
  for (const [name, optimizer, steps] of cases) {
    it(`equals an AnalyticRun from every start, bit for bit: ${name}`, async () => {
      const spec: BasinsSpec = { surface: 'himmelblau', optimizer, resolution: 13, steps };
      const result = await computeBasins(spec, { workers: 0 });
      expectMatchesReference(spec, result);
    });
  }

  it('labels by the nearest minimum when the tolerance balls overlap', async () => {
    // radius 3 on [-5, 5]²: the balls around Himmelblau's minima (3.9 to 7.3 apart) overlap.
    const spec: BasinsSpec = {
      surface: 'himmelblau',
      optimizer: adam,
      resolution: 15,
      steps: 60,
      tolerance: 0.3,
    };
    const result = await computeBasins(spec, { workers: 0 });
    expect(result.radius).toBeCloseTo(3, 12);
    expectMatchesReference(spec, result);
  });

  it('masks diverged starts in a mixed batch: both outcomes present, all finals finite', async () => {
    const result = await computeBasins(
      {
        surface: 'himmelblau',
        optimizer: { optimizer: 'sgd', lr: 0.025 },
        resolution: 25,
        steps: 200,
      },
      { workers: 0 },
    );
    expect(result.counts.diverged).toBeGreaterThan(0);
    expect(result.counts.minima.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(result.finals.every(Number.isFinite)).toBe(true);
  });

  it('marks every start on a bowl with a huge learning rate diverged, with finite finals', async () => {
    const result = await computeBasins(
      { surface: 'bowl', optimizer: { optimizer: 'sgd', lr: 1e6 }, resolution: 10, steps: 1000 },
      { workers: 0 },
    );
    expect(result.counts).toEqual({ minima: [0], none: 0, diverged: 100 });
    expect(Array.from(result.labels).every((l) => l === LABEL_DIVERGED)).toBe(true);
    expect(result.finals.every(Number.isFinite)).toBe(true);
    // |x| grows ×(lr − 1) per step, so the loss about ×10¹²: past the bound (10¹² × |L₀| +
    // 10¹², as for a single run) within one or two steps.
    for (const s of result.steps) {
      expect(s).toBeGreaterThanOrEqual(1);
      expect(s).toBeLessThanOrEqual(2);
    }
  });

  it('labels every non-diverged start of a typed expression "none" (no known minima)', async () => {
    const result = await computeBasins(
      {
        surface: {
          expr: '(x - 1)^2 + (y + 0.5)^2',
          domain: [
            [-2, 2],
            [-2, 2],
          ],
        },
        optimizer: adam,
        resolution: 6,
        steps: 50,
      },
      { workers: 0 },
    );
    expect(result.minima).toEqual([]);
    expect(result.counts).toEqual({ minima: [], none: 36, diverged: 0 });
    expect(Array.from(result.steps).every((s) => s === 50)).toBe(true);
  });
});

describe('basin maps on worker threads', () => {
  let pool: BasinsPool;
  const out = path.join(root, 'node_modules/.cache/losslab-test', `basins-${process.pid}`);

  beforeAll(async () => {
    // Bundle the worker from source exactly as scripts/build-node.mjs does, so these tests run
    // the code under test, not whatever dist/ holds.
    await bundleWorker(
      'electron/engine/hosts/basins-worker.ts',
      path.join(out, 'basins-worker.js'),
    );
    pool = new BasinsPool(path.join(out, 'basins-worker.js'), 2);
  });
  afterAll(async () => {
    await pool?.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('is found next to a built bundle, and not when running from source', () => {
    expect(locateBasinsWorker(out)).toBe(path.join(out, 'basins-worker.js'));
    expect(locateBasinsWorker(path.join(root, 'electron/engine/backend'))).toBeUndefined();
  });

  const specs: [string, BasinsSpec][] = [
    ['adam on himmelblau', { surface: 'himmelblau', optimizer: adam, resolution: 37, steps: 300 }],
    [
      'diverging sgd on himmelblau',
      {
        surface: 'himmelblau',
        optimizer: { optimizer: 'sgd', lr: 0.025 },
        resolution: 31,
        steps: 200,
      },
    ],
    [
      'a typed expression (mathjs loaded lazily in the worker)',
      {
        surface: {
          expr: 'x^4 - 2*x^2 + y^2 + 0.3*x*y',
          domain: [
            [-2, 2],
            [-2, 2],
          ],
        },
        optimizer: { optimizer: 'rmsprop', lr: 0.01, variant: 'lecture' },
        resolution: 20,
        steps: 200,
      },
    ],
  ];
  for (const [name, spec] of specs) {
    it(`gives the same map on 2 and 3 worker bands as in-thread, bit for bit: ${name}`, async () => {
      const here = await computeBasins(spec, { workers: 0 });
      expect(here.workers).toBe(0);
      for (const bands of [2, 3]) {
        const there = await computeBasins(spec, { pool, workers: bands });
        expect(there.workers, 'every band ran on a worker').toBe(bands);
        expect(sameBits(there.labels, here.labels)).toBe(true);
        expect(sameBits(there.steps, here.steps)).toBe(true);
        expect(sameBits(there.finals, here.finals)).toBe(true);
        expect(there.counts).toEqual(here.counts);
      }
    });
  }

  it('reports progress up to the total and cancels promptly, then serves the next map', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    let abortedAt = 0;
    const promise = computeBasins(
      { surface: 'himmelblau', optimizer: adam, resolution: 512, steps: 100_000 },
      {
        pool,
        workers: 2,
        signal: controller.signal,
        onProgress: (done, total) => {
          expect(total).toBe(512 * 512 * 100_000);
          seen.push(done);
          if (seen.length === 3) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
      },
    );
    await expect(promise).rejects.toBeInstanceOf(CancelledError);
    expect(performance.now() - abortedAt).toBeLessThan(PROMPT_MS);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // The pool's workers stop at their next chunk and take new work.
    const next = await computeBasins(
      { surface: 'himmelblau', optimizer: adam, resolution: 20, steps: 100 },
      { pool, workers: 2 },
    );
    expect(next.workers).toBe(2);
  });

  it('falls back to the calling thread when the worker bundle cannot run', async () => {
    const broken = path.join(out, 'broken-worker.js');
    fs.writeFileSync(broken, 'throw new Error("no such luck");\n');
    const bad = new BasinsPool(broken, 2);
    try {
      const spec: BasinsSpec = {
        surface: 'himmelblau',
        optimizer: adam,
        resolution: 12,
        steps: 50,
      };
      const result = await computeBasins(spec, { pool: bad, workers: 2 });
      expect(result.workers).toBe(0);
      const here = await computeBasins(spec, { workers: 0 });
      expect(sameBits(result.finals, here.finals)).toBe(true);
    } finally {
      await bad.close();
    }
  });
});

describe('cancelling in the calling thread', () => {
  it('stops within a chunk of steps and yields to the event loop meanwhile', async () => {
    const controller = new AbortController();
    let ticks = 0;
    let abortedAt = 0;
    // The abort comes from a timer that must fire ten times while the map is computed: were the
    // thread blocked, it would never fire and the map (9e9 point-steps) would never end. Counting
    // ticks in a fixed time instead failed on a loaded machine.
    const timer = setInterval(() => {
      ticks += 1;
      if (ticks === 10) {
        abortedAt = performance.now();
        controller.abort();
      }
    }, 1);
    const promise = computeBasins(
      { surface: 'himmelblau', optimizer: adam, resolution: 300, steps: 100_000 },
      { workers: 0, signal: controller.signal },
    );
    await expect(promise).rejects.toBeInstanceOf(CancelledError);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(10);
    // A chunk of steps takes ~8 ms; the bound leaves room for a loaded machine.
    expect(performance.now() - abortedAt).toBeLessThan(PROMPT_MS);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(
      computeBasins(
        { surface: 'himmelblau', optimizer: adam, resolution: 10, steps: 10 },
        { workers: 0, signal: AbortSignal.abort() },
      ),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('engine basins.* messages', () => {
  let host: InProcessEngine | undefined;
  afterEach(() => host?.close());
  function connect(): TestClient {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    return new TestClient(host);
  }
  /** The final reply to a basins.compute: its result or its error (not its progress). */
  const finalReply = (id: number) => (m: EngineMessage) =>
    (m.type === 'basins.result' || m.type === 'error') && m.id === id;

  it('answers basins.compute with progress, then a result with typed arrays', async () => {
    const client = connect();
    const message = {
      type: 'basins.compute',
      id: 7,
      surface: 'himmelblau',
      optimizer: adam,
      resolution: 30,
      steps: 300,
    };
    const reply = await client.sendAndWait(message, finalReply(7));
    expect(reply.type).toBe('basins.result');
    if (reply.type !== 'basins.result') return;
    expect(reply.resolution).toBe(30);
    expect(reply.domain).toEqual(himmelblau.info.domain);
    expect(reply.minima).toEqual(himmelblau.info.minima);
    expect(reply.radius).toBeCloseTo(0.1, 12);
    expect(reply.labels).toBeInstanceOf(Int16Array);
    expect(reply.steps).toBeInstanceOf(Uint32Array);
    expect(reply.finals).toBeInstanceOf(Float64Array);
    expect(reply.labels).toHaveLength(900);
    expect(reply.finals).toHaveLength(1800);
    expect(reply.counts.minima.every((c) => c > 0)).toBe(true);
    expect(reply.elapsedMs).toBeGreaterThan(0);
    // The same map as computed directly.
    const direct = await computeBasins(
      { surface: 'himmelblau', optimizer: adam, resolution: 30, steps: 300 },
      { workers: 0 },
    );
    expect(sameBits(reply.labels, direct.labels)).toBe(true);
    expect(sameBits(reply.finals, direct.finals)).toBe(true);
    for (const m of client.log) {
      if (m.type !== 'basins.progress') continue;
      expect(m.id).toBe(7);
      expect(m.total).toBe(900 * 300);
      expect(m.done).toBeLessThan(m.total);
    }
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['a resolution of 1', { resolution: 1 }, 'resolution', />=2/],
    ['a resolution of 513', { resolution: 513 }, 'resolution', /<=512/],
    ['a fractional resolution', { resolution: 2.5 }, 'resolution', /int/],
    ['a string resolution', { resolution: '40' }, 'resolution', /number/],
    ['0 steps', { steps: 0 }, 'steps', />=1/],
    ['100001 steps', { steps: 100_001 }, 'steps', /<=100000/],
    ['a tolerance of 0', { tolerance: 0 }, 'tolerance', />0/],
    [
      'a negative learning rate',
      { optimizer: { optimizer: 'adam', lr: -1 } },
      'optimizer.lr',
      />=0/,
    ],
    ['an unknown optimizer', { optimizer: { optimizer: 'lion' } }, 'optimizer.optimizer', /./],
    [
      'Nesterov without momentum',
      { optimizer: { optimizer: 'sgd', nesterov: true } },
      'optimizer.nesterov',
      /momentum/,
    ],
    ['an unknown surface', { surface: 'moon' }, 'surface', /unknown surface "moon"/],
    ['a broken expression', { surface: { expr: 'x +* y' } }, 'surface', /syntax error/],
    ['an unknown field', { turbo: true }, '', /turbo/],
  ];
  for (const [what, patch, field, pattern] of bad) {
    it(`refuses ${what} with an error naming the field, and keeps running`, async () => {
      const client = connect();
      const message = {
        type: 'basins.compute',
        id: 3,
        surface: 'himmelblau',
        optimizer: adam,
        resolution: 20,
        steps: 10,
        ...patch,
      };
      const reply = await client.sendAndWait(message, finalReply(3));
      expect(reply.type).toBe('error');
      if (reply.type !== 'error') return;
      if (field) expect(reply.field).toBe(field);
      expect(reply.message).toMatch(pattern);
      expect((await client.hello()).type).toBe('hello');
    });
  }

  it('stays responsive during a long map, and cancels it promptly', async () => {
    const client = connect();
    await client.hello();
    const progress = client.waitFor((m) => m.type === 'basins.progress' && m.id === 11);
    host?.send({
      type: 'basins.compute',
      id: 11,
      surface: 'himmelblau',
      optimizer: adam,
      resolution: 256,
      steps: 100_000,
    });
    await progress;
    // Other requests are answered between chunks.
    const t0 = performance.now();
    expect((await client.hello()).type).toBe('hello');
    expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
    // A second map with the same id is refused while the first runs.
    const dup = await client.sendAndWait(
      { type: 'basins.compute', id: 11, surface: 'bowl', optimizer: adam, resolution: 4, steps: 1 },
      (m) => m.type === 'error' && m.id === 11,
    );
    expect(dup).toMatchObject({ type: 'error', field: 'id' });
    const result = client.waitFor(finalReply(11), 30_000);
    const t1 = performance.now();
    host?.send({ type: 'basins.cancel', id: 11 });
    const reply = await result;
    expect(performance.now() - t1).toBeLessThan(PROMPT_MS);
    expect(reply).toMatchObject({ type: 'error', id: 11 });
    if (reply.type === 'error') expect(reply.message).toMatch(/^cancelled/);
    // Cancelling what already ended says nothing and breaks nothing.
    const before = client.log.length;
    host?.send({ type: 'basins.cancel', id: 11 });
    expect((await client.hello()).type).toBe('hello');
    const after = client.log.slice(before);
    expect(after.filter((m) => m.type === 'error' || m.type.startsWith('basins.'))).toEqual([]);
  });

  it('refuses a basins.cancel without a valid id', async () => {
    const client = connect();
    const reply = await client.sendAndWait(
      { type: 'basins.cancel', id: -1 },
      (m) => m.type === 'error',
    );
    expect(reply).toMatchObject({ type: 'error', field: 'id' });
  });
});

describe('planBasins', () => {
  it('takes the radius relative to the longer side of the domain', () => {
    const plan = planBasins({
      surface: {
        expr: 'x^2 + y^2',
        domain: [
          [-1, 1],
          [0, 8],
        ],
      },
      optimizer: adam,
      resolution: 4,
      steps: 1,
      tolerance: 0.05,
    });
    expect(plan.radius).toBeCloseTo(0.4, 12);
    expect(plan.hyper).toEqual(resolveHyper(adam));
  });
});
