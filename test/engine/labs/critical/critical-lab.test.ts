/**
 * The critical-points lab over the protocol (the in-process engine): closed forms on surfaces,
 * network spectra against an independent float64 Hessian, Escape on both labs, jobs (progress,
 * Cancel, refusals), escaped network runs in sessions, and the landscapes' Hessian directions.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineMessage, EngineMessageOf } from '../../../../electron/common/protocol';
import { loadBackend } from '../../../../electron/engine/backend/select';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import { symmetricEigen } from '../../../../electron/engine/landscape';
import { NetworkProblem, NetworkRun, type Tf } from '../../../../electron/engine/network';
import { readSession } from '../../../../electron/engine/recording';
import { TestClient } from '../../../helpers/engine-client';
import { dot, hessianByDifferences, lossAndGrad, multiply, type Reference } from './reference';

let host: InProcessEngine | undefined;
afterEach(() => host?.close());

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend()).tf;
});

async function engine(): Promise<TestClient> {
  host = startInProcessEngine({ frameIntervalMs: 5 });
  const client = new TestClient(host);
  await client.hello();
  return client;
}

type Request = Parameters<TestClient['request']>[0];

/** Sends a request and returns its reply, failing on an error reply. */
async function ask<T extends EngineMessage['type']>(
  client: TestClient,
  request: Record<string, unknown>,
  type: T,
): Promise<EngineMessageOf<T>> {
  const reply = await client.request(request as Request);
  expect(reply.type, JSON.stringify(reply)).toBe(type);
  return reply as EngineMessageOf<T>;
}

/** Sends a request that must be refused; returns the error reply. */
async function refused(
  client: TestClient,
  request: Record<string, unknown>,
): Promise<EngineMessageOf<'error'>> {
  const reply = await client.request(request as Request);
  expect(reply.type, JSON.stringify(reply)).toBe('error');
  return reply as EngineMessageOf<'error'>;
}

describe('surfaces: closed forms', () => {
  it("analyzes an explorer run's step at the saddle valley's saddle: a saddle, eigenvalues −1 and 1", async () => {
    const client = await engine();
    // On the ridge y = 0 gradient descent slides straight into the saddle: x_k = 1.8 · 0.9^k.
    await ask(
      client,
      {
        type: 'run.create',
        run: {
          runId: 'gd',
          surface: 'saddle-valley',
          start: [1.8, 0],
          optimizer: { optimizer: 'sgd', lr: 0.1 },
        },
      },
      'ok',
    );
    await ask(client, { type: 'step', steps: 400, runId: 'gd' }, 'ok');
    const { analysis } = await ask(
      client,
      { type: 'critical.analyze', target: { kind: 'run', runId: 'gd', step: 400 } },
      'critical.result',
    );
    // L = ½x² + ¼(y² − 1)²: at (x, 0) the Hessian is diag(1, 3y² − 1) = diag(1, −1).
    expect(analysis.method).toBe('closed-form');
    expect(Array.from(analysis.eigenvalues)).toEqual([-1, 1]);
    expect(analysis.classification).toMatchObject({
      kind: 'saddle',
      positive: 1,
      negative: 1,
      flat: 0,
      minimumRatio: 0.5,
    });
    expect(analysis.target).toMatchObject({ lab: 'explorer', runId: 'gd', step: 400 });
    const x = analysis.target.point![0];
    expect(x).toBeCloseTo(1.8 * 0.9 ** 400, 20);
    // ∇L = (x, y(y² − 1)): (x, −0) on the ridge.
    expect(analysis.surface?.gradient[0]).toBe(x);
    expect(Math.abs(analysis.surface!.gradient[1])).toBe(0);
    expect(analysis.surface?.hessian).toEqual([1, 0, -1]);
    expect(analysis.loss).toBeCloseTo(0.25, 15);
    expect(analysis.trace).toBe(0);
    // Both unit eigenvectors: ±e_y for −1, ±e_x for 1.
    const v = Array.from(analysis.eigenvectors, Math.abs);
    expect(v).toEqual([0, 1, 1, 0]);

    // An earlier step: the point is the trajectory's own, x = 1.8 · 0.9^10.
    const early = await ask(
      client,
      { type: 'critical.analyze', target: { kind: 'run', runId: 'gd', step: 10 } },
      'critical.result',
    );
    expect(early.analysis.target.point![0]).toBeCloseTo(1.8 * 0.9 ** 10, 12);
    expect(early.analysis.gradNorm).toBeCloseTo(1.8 * 0.9 ** 10, 12);
  });

  it('Escape from the saddle lowers the loss by ≈ ½λt² and starts every run again from the escaped point', async () => {
    const client = await engine();
    for (const [runId, optimizer] of [
      ['sgd', { optimizer: 'sgd', lr: 0.05 }],
      ['adam', { optimizer: 'adam', lr: 0.01 }],
    ] as const) {
      await ask(
        client,
        {
          type: 'run.create',
          run: { runId, surface: 'saddle-valley', start: [1.8, 1e-4], optimizer },
        },
        'ok',
      );
    }
    await ask(client, { type: 'step', steps: 25 }, 'ok');
    const t = 0.1;
    const { escape } = await ask(
      client,
      { type: 'critical.escape', target: { kind: 'surface', point: [0, 0] }, t },
      'critical.escaped',
    );
    // Along ±e_y: L(0, ±t) − L(0, 0) = ¼(t² − 1)² − ¼ = −½t² + ¼t⁴, λ = −1.
    expect(escape.lambda).toBe(-1);
    expect(escape.predicted).toBeCloseTo(-0.5 * t * t, 15);
    expect(escape.actual).toBeCloseTo(-0.5 * t * t + 0.25 * t ** 4, 15);
    expect(Math.abs(escape.actual - escape.predicted)).toBeLessThan(0.25 * t ** 4 + 1e-15);
    expect(escape.point![0]).toBe(0);
    expect(Math.abs(escape.point![1])).toBeCloseTo(t, 15);
    expect(escape.lossBefore).toBe(0.25);
    // Every run starts again from there, at step 0, with a fresh trajectory.
    for (const runId of ['sgd', 'adam']) {
      const state = client.log
        .filter((m): m is EngineMessageOf<'run.state'> => m.type === 'run.state')
        .filter((m) => m.run.runId === runId)
        .at(-1)!.run;
      expect(state.step).toBe(0);
      expect(state.start).toEqual(escape.point);
      expect(client.trajectory(runId).points).toEqual([
        [escape.point![0], escape.point![1], escape.lossAfter],
      ]);
    }
  });

  it('the line along the top eigenvector of a surface is the closed-form section', async () => {
    const client = await engine();
    const { line } = await ask(
      client,
      {
        type: 'critical.line',
        target: { kind: 'surface', point: [0, 0], surface: 'saddle-valley' },
        points: 5,
        radius: 1,
      },
      'critical.line.result',
    );
    // Top eigenvector e_x (λ = 1): L(s, 0) = ½s² + ¼.
    expect(Array.from(line.t)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Array.from(line.top)).toEqual([0.75, 0.375, 0.25, 0.375, 0.75]);
    expect(line.lambdaMax).toBe(1);
    expect(line.random[2]).toBe(0.25);
  });
});

/** A small tanh network (2 → 3 → 2: 17 parameters) on XOR, its run `n1` trained 30 steps. */
const dataset = { kind: 'xor', n: 60 } as const;
const model = { depth: 1, width: 3, activation: 'tanh' } as const;
const runConfig = {
  runId: 'n1',
  optimizer: { optimizer: 'sgd' as const, lr: 0.5 },
  batchSize: 'full' as const,
  snapshotEvery: 5,
};

async function networkEngine(steps = 30): Promise<TestClient> {
  const client = await engine();
  await ask(client, { type: 'net.setup', dataset, model }, 'net.problem');
  await ask(client, { type: 'net.run.create', run: runConfig }, 'ok');
  if (steps > 0) await ask(client, { type: 'step', steps, runId: 'n1' }, 'ok');
  return client;
}

/** The same problem and run, trained here: θ after `steps` updates, and the float64 reference. */
function referenceAt(steps: number): { theta: Float64Array; ref: Reference } {
  const problem = new NetworkProblem(tf, dataset, model);
  const run = new NetworkRun(problem, runConfig);
  run.advance(steps);
  const train = problem.split('train');
  const out = {
    theta: run.theta.slice(),
    ref: { layout: problem.layout, x: train.x, y: train.y, n: train.n },
  };
  problem.dispose();
  return out;
}

describe('networks: spectra, Escape, lines', () => {
  it('an exact spectrum equals the eigenvalues of a float64 Hessian by differences of the gradient', async () => {
    const client = await networkEngine();
    const { analysis } = await ask(
      client,
      {
        type: 'critical.analyze',
        target: { kind: 'run', runId: 'n1' },
        options: { method: 'exact' },
      },
      'critical.result',
    );
    const { theta, ref } = referenceAt(30);
    const h = hessianByDifferences(ref, theta);
    const expected = Array.from(symmetricEigen(h, theta.length).values).reverse();
    expect(analysis.method).toBe('exact');
    expect(analysis.parameters).toBe(17);
    expect(analysis.target).toEqual({ lab: 'network', runId: 'n1', step: 30 });
    expect(analysis.loss).toBeCloseTo(lossAndGrad(ref, theta), 6);
    // The engine's Hessian-vector products are float32 (relative error ≈ 1e-7 per operation,
    // a few hundred operations per entry): eigenvalues agree to 1e-5 · max|λ|; the reference's
    // own error (≈ 1e-9, see reference.ts) is far below that.
    const scale = Math.max(...expected.map(Math.abs));
    const tolerance = 1e-5 * scale;
    expect(analysis.eigenvalues.length).toBe(17);
    analysis.eigenvalues.forEach((lambda, i) => {
      expect(Math.abs(lambda - expected[i]), `λ_${i}`).toBeLessThan(tolerance);
    });
    let trace = 0;
    for (let i = 0; i < 17; i++) trace += h[i * 17 + i];
    expect(Math.abs(analysis.trace - trace)).toBeLessThan(1e-4 * scale);
    // Eigenvectors: of the most negative and the two largest, unit, with H v = λ v.
    expect(analysis.vectorIndices).toEqual([0, 15, 16]);
    analysis.vectorIndices.forEach((index, j) => {
      const v = analysis.eigenvectors.subarray(j * 17, (j + 1) * 17);
      expect(dot(v, v)).toBeCloseTo(1, 9);
      expect(dot(v, multiply(h, v))).toBeCloseTo(expected[index], 4);
    });
  });

  it('reads a step whose θ was not kept by retraining the run up to it', async () => {
    const client = await networkEngine();
    const { analysis } = await ask(
      client,
      {
        type: 'critical.analyze',
        target: { kind: 'run', runId: 'n1', step: 7 },
        options: { method: 'exact' },
      },
      'critical.result',
    );
    const { theta, ref } = referenceAt(7);
    expect(analysis.target.step).toBe(7);
    expect(analysis.loss).toBeCloseTo(lossAndGrad(ref, theta), 6);
    expect(client.log.some((m) => m.type === 'critical.progress' && m.phase === 'replay')).toBe(
      true,
    );
  });

  it('the line: L along the top eigenvector curves as λ_max, both lines pass through L(θ)', async () => {
    const client = await networkEngine();
    const radius = 0.02;
    const { line } = await ask(
      client,
      { type: 'critical.line', target: { kind: 'run', runId: 'n1' }, points: 5, radius, seed: 3 },
      'critical.line.result',
    );
    const { theta, ref } = referenceAt(30);
    const h = hessianByDifferences(ref, theta);
    const lambdaMax = symmetricEigen(h, 17).values[0];
    expect(line.lambdaMax).toBeCloseTo(lambdaMax, 4);
    expect(Array.from(line.t)).toEqual([-0.02, -0.01, 0, 0.01, 0.02]);
    expect(line.top[2]).toBeCloseTo(line.loss, 6);
    expect(line.random[2]).toBeCloseTo(line.loss, 6);
    // Second difference over ±0.01 of L along a unit eigenvector: λ (+ O(s²) from the cubic
    // terms, and float32 losses ≈ 1e-7 over 1e-4: a 1e-3 margin).
    const curvature = (line.top[1] - 2 * line.top[2] + line.top[3]) / 0.01 ** 2;
    expect(Math.abs(curvature - lambdaMax)).toBeLessThan(2e-2 * Math.max(1, lambdaMax));
  });

  it('progress arrives; job.cancel answers "cancelled" and leaves no tensors behind', async () => {
    const client = await engine();
    // 2 → 32 → 32 → 2 on 400 moons: 1,218 parameters, an exact Hessian of 1,218 products.
    await ask(
      client,
      {
        type: 'net.setup',
        dataset: { kind: 'moons', n: 400 },
        model: { depth: 2, width: 32, activation: 'tanh' },
      },
      'net.problem',
    );
    await ask(
      client,
      { type: 'net.run.create', run: { runId: 'big', optimizer: { optimizer: 'adam' } } },
      'ok',
    );
    const before = tf.memory().numTensors;
    const id = 9001;
    const progress = client.waitFor((m) => m.type === 'critical.progress' && m.id === id);
    const answer = client.sendAndWait(
      {
        type: 'critical.analyze',
        id,
        target: { kind: 'run', runId: 'big' },
        options: { method: 'exact' },
      },
      (m) => 'id' in m && m.id === id && !m.type.endsWith('progress'),
    );
    const first = (await progress) as EngineMessageOf<'critical.progress'>;
    expect(first.phase).toBe('hessian');
    // The whole Hessian is built in chunks of coordinate directions: progress counts chunks.
    expect(first.total).toBeGreaterThan(1);
    expect(first.done).toBeLessThanOrEqual(first.total);
    host!.send({ type: 'job.cancel', id });
    const reply = await answer;
    expect(reply.type).toBe('error');
    expect((reply as EngineMessageOf<'error'>).message).toMatch(/^cancelled/);
    expect(tf.memory().numTensors).toBe(before);
    // The engine goes on.
    expect((await client.hello()).type).toBe('hello');
  });

  it('refuses with one line naming the field, and keeps running', async () => {
    const client = await networkEngine(3);
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'critical.analyze', target: { kind: 'run', runId: 'ghost' } }, 'target.runId'],
      [{ type: 'critical.analyze', target: { kind: 'run', runId: 'n1', step: 50 } }, 'target.step'],
      [{ type: 'critical.escape', target: { kind: 'run', runId: 'n1' }, t: 0.1 }, 'newRunId'],
      [
        { type: 'critical.escape', target: { kind: 'run', runId: 'n1' }, t: 0.1, newRunId: 'n1' },
        'newRunId',
      ],
      [{ type: 'critical.analyze', target: { kind: 'surface', point: [0, 0] } }, 'target.surface'],
      [
        { type: 'critical.analyze', target: { kind: 'surface', point: [0, 0], surface: 'nope' } },
        'target.surface',
      ],
      [
        {
          type: 'critical.analyze',
          target: { kind: 'run', runId: 'n1' },
          options: { method: 'lanczos', k: 20 },
        },
        'options.k',
      ],
    ];
    for (const [request, field] of cases) {
      const error = await refused(client, request);
      expect(error.field, JSON.stringify(request)).toBe(field);
      expect(error.message).not.toMatch(/\n|internal/);
    }
    // An exact Hessian of 4,482 parameters (2 → 64 → 64 → 2) is refused before any work.
    await ask(
      client,
      {
        type: 'net.run.create',
        run: {
          runId: 'wide',
          optimizer: { optimizer: 'sgd' },
          model: { depth: 2, width: 64, activation: 'tanh' },
        },
      },
      'ok',
    );
    const wide = await refused(client, {
      type: 'critical.analyze',
      target: { kind: 'run', runId: 'wide' },
      options: { method: 'exact' },
    });
    expect(wide.field).toBe('options.method');
    expect(wide.message).toMatch(/4,482 parameters/);
    expect(client.log.some((m) => m.type === 'critical.progress' && m.id === undefined)).toBe(
      false,
    );
    expect((await client.hello()).type).toBe('hello');
  });

  it('an escaped network run trains on, and survives a session save and open', async () => {
    const client = await networkEngine(0);
    const { escape } = await ask(
      client,
      {
        type: 'critical.escape',
        target: { kind: 'run', runId: 'n1' },
        t: 0.5,
        newRunId: 'esc',
      },
      'critical.escaped',
    );
    expect(escape.newRunId).toBe('esc');
    expect(escape.lambda).toBeLessThan(0);
    expect(escape.predicted).toBeCloseTo(0.5 * escape.lambda * 0.25, 12);
    expect(escape.actual).toBeCloseTo(escape.lossAfter - escape.lossBefore, 12);
    // Along a descent direction of negative curvature the loss goes down.
    expect(escape.actual).toBeLessThan(0);
    const state = client.log
      .filter((m): m is EngineMessageOf<'net.run.state'> => m.type === 'net.run.state')
      .find((m) => m.run.runId === 'esc')!.run;
    expect(state).toMatchObject({ step: 0, label: 'n1 · escaped @ step 0', optimizer: 'sgd' });
    await ask(client, { type: 'step', steps: 12, runId: 'esc' }, 'ok');
    const evaluation = await ask(
      client,
      { type: 'net.evaluate', runId: 'esc', split: 'train' },
      'net.evaluation',
    );
    expect(evaluation.step).toBe(12);

    const file = await ask(
      client,
      { type: 'session.save', context: { view: {}, colors: {} } },
      'session.file',
    );
    const saved = readSession(file.bytes).network!.runs.find((r) => r.config.runId === 'esc')!;
    expect(saved.forkedFrom).toEqual({ runId: 'n1', step: 0 });
    expect(saved.startTheta?.length).toBe(17);
    expect(saved.config.label).toBe('n1 · escaped @ step 0');

    const again = await engine();
    const opened = await ask(again, { type: 'session.open', bytes: file.bytes }, 'session.opened');
    const restored = opened.session.network!.runs.find((r) => r.runId === 'esc')!;
    expect(restored).toMatchObject({ resumable: true, forkedFrom: { runId: 'n1', step: 0 } });
    // Retraining the escaped run from its own start θ reproduces it bit for bit.
    await ask(again, { type: 'net.run.resume', runId: 'esc' }, 'ok');
    const resumed = await ask(
      again,
      { type: 'net.evaluate', runId: 'esc', split: 'train' },
      'net.evaluation',
    );
    expect(resumed.loss).toBe(evaluation.loss);
  });
});

describe('run ids of both labs', () => {
  it("`target.lab` says whose run; without it the network lab's, as everywhere", async () => {
    const client = await networkEngine(3);
    await ask(
      client,
      {
        type: 'run.create',
        run: {
          runId: 'n1',
          surface: 'saddle-valley',
          start: [0, 0],
          optimizer: { optimizer: 'sgd', lr: 0.1 },
        },
      },
      'ok',
    );
    const explorer = await ask(
      client,
      { type: 'critical.analyze', target: { kind: 'run', runId: 'n1', lab: 'explorer' } },
      'critical.result',
    );
    expect(explorer.analysis.method).toBe('closed-form');
    expect(explorer.analysis.classification.kind).toBe('saddle');
    const network = await ask(
      client,
      { type: 'critical.analyze', target: { kind: 'run', runId: 'n1' } },
      'critical.result',
    );
    expect(network.analysis.target).toEqual({ lab: 'network', runId: 'n1', step: 3 });
    const late = await refused(client, {
      type: 'critical.analyze',
      target: { kind: 'run', runId: 'n1', lab: 'explorer', step: 1 },
    });
    expect(late.field).toBe('target.step');
    expect(late.message).toMatch(/taken 0 steps/);
  });
});

describe("the network landscape's Hessian directions", () => {
  it('are orthonormal, and their Rayleigh quotients are the reported eigenvalues', async () => {
    const client = await networkEngine();
    const { landscape } = await ask(
      client,
      {
        type: 'net.landscape',
        center: { runId: 'n1', at: 'current' },
        directions: { kind: 'hessian' },
        grid: {
          resolution: 5,
          coarse: 0,
          range: [
            [-0.5, 0.5],
            [-0.5, 0.5],
          ],
        },
      },
      'net.landscape.result',
    );
    expect(landscape.directions.kind).toBe('hessian');
    const [l1, l2] = landscape.directions.eigenvalues!;
    expect(l1).toBeGreaterThanOrEqual(l2);
    const file = await ask(
      client,
      { type: 'session.save', context: { view: {}, colors: {}, landscape: true } },
      'session.file',
    );
    const recorded = readSession(file.bytes).network!.landscapes[0];
    expect(recorded.directions.kind).toBe('hessian');
    expect(recorded.directions.eigenvalues).toEqual([l1, l2]);
    const { d1, d2 } = recorded.directions;
    expect(dot(d1, d1)).toBeCloseTo(1, 9);
    expect(dot(d2, d2)).toBeCloseTo(1, 9);
    expect(Math.abs(dot(d1, d2))).toBeLessThan(1e-9);
    const { theta, ref } = referenceAt(30);
    const h = hessianByDifferences(ref, theta);
    const scale = Math.abs(symmetricEigen(h, 17).values[0]);
    expect(Math.abs(dot(d1, multiply(h, d1)) - l1)).toBeLessThan(1e-4 * scale);
    expect(Math.abs(dot(d2, multiply(h, d2)) - l2)).toBeLessThan(1e-4 * scale);
    // They are the two largest eigenvalues of H.
    const values = symmetricEigen(h, 17).values;
    expect(Math.abs(l1 - values[0])).toBeLessThan(1e-4 * scale);
    expect(Math.abs(l2 - values[1])).toBeLessThan(1e-4 * scale);
  });
});
