/** The network lab through the engine's protocol: setup, runs in playback frames, views, landscapes. */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMessage, EngineMessageOf } from '../../../electron/common/protocol';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../electron/engine/hosts/in-process';
import { TestClient } from '../../helpers/engine-client';

let host: InProcessEngine | undefined;
afterEach(() => host?.close());

async function lab(
  dataset: Record<string, unknown> = { kind: 'xor', n: 200 },
): Promise<TestClient> {
  host = startInProcessEngine({ frameIntervalMs: 5 });
  const client = new TestClient(host);
  await client.hello();
  const reply = await client.request({
    type: 'net.setup',
    dataset,
    model: { depth: 1, width: 8, activation: 'tanh' },
  } as never);
  expect(reply.type, JSON.stringify(reply)).toBe('net.problem');
  return client;
}

const netFrames = (client: TestClient, runId: string) =>
  client.log
    .flatMap((m) => (m.type === 'frame' ? (m.net ?? []) : []))
    .filter((f) => f.runId === runId);

describe('network lab over the protocol', () => {
  it('describes the problem: task, sizes, parameters, raw points for drawing', async () => {
    const client = await lab();
    const problem = client.log.find(
      (m): m is EngineMessageOf<'net.problem'> => m.type === 'net.problem',
    )!.problem;
    expect(problem.task).toBe('classification');
    expect(problem.inputDim).toBe(2);
    expect(problem.classes).toBe(2);
    // 2 → 8 → 2: 2·8 + 8 + 8·2 + 2.
    expect(problem.parameters).toBe(42);
    expect(problem.train.n + problem.validation.n + problem.test.n).toBe(200);
    expect(problem.train.x).toBeInstanceOf(Float32Array);
    expect(problem.train.x!.length).toBe(2 * problem.train.n);
  });

  it('steps network runs with the analytic ones: curves arrive in frames', async () => {
    const client = await lab();
    await client.request({
      type: 'net.run.create',
      run: { runId: 'n1', optimizer: { optimizer: 'adam', lr: 0.05 }, batchSize: 'full' },
    } as never);
    await client.request({ type: 'step', steps: 5 });
    const frames = netFrames(client, 'n1');
    const losses = frames.flatMap((f) => [...f.steps.loss]);
    expect(losses.length).toBe(5);
    expect(losses.every(Number.isFinite)).toBe(true);
    const state = client.log
      .filter((m) => m.type === 'net.run.state')
      .at(-1) as EngineMessageOf<'net.run.state'>;
    expect(state.run).toMatchObject({
      runId: 'n1',
      status: 'ok',
      optimizer: 'adam',
      batchSize: 'full',
    });
  });

  it('plays a race fairly: when a tick runs out of time, every run has had the same updates', async () => {
    // Wide enough that an update costs about a millisecond, and so many updates per frame
    // that every tick ends at its time budget rather than at the count.
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    await client.hello();
    await client.request({
      type: 'net.setup',
      dataset: { kind: 'spirals', n: 400 },
      model: { depth: 2, width: 128, activation: 'tanh' },
    } as never);
    for (const runId of ['a', 'b', 'c']) {
      await client.request({
        type: 'net.run.create',
        run: { runId, optimizer: { optimizer: 'adam', lr: 0.01 }, batchSize: 'full' },
      } as never);
    }
    await client.request({ type: 'playback', playing: true, stepsPerFrame: 100_000 });
    for (let i = 0; i < 6; i++) {
      const last = client.log.filter((m) => m.type === 'frame').at(-1);
      const seq = last?.type === 'frame' ? last.seq : 0;
      if (seq) host.send({ type: 'frame.ack', seq });
      await client.waitFor((m) => m.type === 'frame' && m.seq > seq);
    }
    await client.request({ type: 'playback', playing: false });
    const updates = ['a', 'b', 'c'].map((id) =>
      netFrames(client, id).reduce((n, f) => n + f.steps.loss.length, 0),
    );
    expect(Math.min(...updates)).toBeGreaterThan(1);
    expect(Math.max(...updates) - Math.min(...updates)).toBeLessThanOrEqual(1);
  });

  it('refuses bad requests with the field named', async () => {
    const client = await lab();
    const bad: [unknown, string | RegExp][] = [
      [{ type: 'net.setup', dataset: { kind: 'xor', n: 2 }, model: {} }, 'dataset.n'],
      [{ type: 'net.setup', dataset: { kind: 'nonsense' }, model: {} }, 'dataset.kind'],
      [{ type: 'net.setup', dataset: { kind: 'sine' }, model: { loss: 'crossEntropy' } }, 'loss'],
      [
        {
          type: 'net.run.create',
          run: { runId: 'x', optimizer: { optimizer: 'adam' }, batchSize: 0 },
        },
        'run.batchSize',
      ],
      [{ type: 'net.evaluate', runId: 'ghost', split: 'test' }, 'runId'],
    ];
    let id = 1000;
    for (const [message, field] of bad) {
      const reply = (await client.sendAndWait(
        { ...(message as object), id: ++id },
        (m) => 'id' in m && m.id === id,
      )) as EngineMessage;
      expect(reply.type, JSON.stringify(message)).toBe('error');
      if (reply.type === 'error') expect(reply.field).toMatch(field);
    }
    expect((await client.hello()).type).toBe('hello');
  });

  it('evaluates on demand and draws the decision surface', async () => {
    const client = await lab();
    await client.request({
      type: 'net.run.create',
      run: { runId: 'n1', optimizer: { optimizer: 'adam', lr: 0.05 }, batchSize: 'full' },
    } as never);
    await client.request({ type: 'step', steps: 20 });
    const evaluation = await client.request({
      type: 'net.evaluate',
      runId: 'n1',
      split: 'test',
    } as never);
    expect(evaluation).toMatchObject({ type: 'net.evaluation', runId: 'n1', split: 'test' });
    if (evaluation.type === 'net.evaluation') {
      expect(evaluation.accuracy).toBeGreaterThanOrEqual(0);
      expect(evaluation.accuracy).toBeLessThanOrEqual(1);
    }
    const view = await client.request({ type: 'net.view', runId: 'n1', resolution: 16 } as never);
    expect(view.type).toBe('net.view.data');
    if (view.type !== 'net.view.data' || view.view.kind !== 'decision')
      throw new Error('no decision surface');
    expect(view.view.probabilities.length).toBe(16 * 16 * 2);
    // Probabilities of the two classes sum to 1 at every grid point.
    for (let k = 0; k < 16 * 16; k++) {
      expect(view.view.probabilities[2 * k] + view.view.probabilities[2 * k + 1]).toBeCloseTo(1, 5);
    }
  });

  it('computes a landscape with progress, projects the trajectory, and its centre is the run', async () => {
    const client = await lab();
    await client.request({
      type: 'net.run.create',
      run: {
        runId: 'n1',
        optimizer: { optimizer: 'adam', lr: 0.05 },
        batchSize: 'full',
        snapshotEvery: 1,
      },
    } as never);
    await client.request({ type: 'step', steps: 15 });
    const reply = await client.request({
      type: 'net.landscape',
      center: { runId: 'n1', at: 'current' },
      directions: { kind: 'pca', runId: 'n1' },
      project: ['n1'],
      grid: {
        resolution: 9,
        range: [
          [-1, 1],
          [-1, 1],
        ],
        coarse: 3,
        split: 'train',
      },
    } as never);
    expect(reply.type, JSON.stringify(reply)).toBe('net.landscape.result');
    if (reply.type !== 'net.landscape.result') return;
    const { landscape } = reply;
    expect(landscape.values.length).toBe(81);
    expect(landscape.directions.kind).toBe('pca');
    expect(landscape.directions.explained![0]).toBeGreaterThan(0);
    // The grid's centre (α = β = 0) is L at the run's current θ.
    expect(landscape.values[40]).toBeCloseTo(landscape.centerLoss, 4);
    const path = landscape.projections[0];
    // The last projected point is the centre itself (a float32 snapshot of it): on the plane,
    // at (0, 0), up to float32 rounding.
    expect(Math.abs(path.alpha.at(-1)!)).toBeLessThan(1e-6);
    expect(path.distance.at(-1)).toBeLessThan(1e-6);
    expect(client.log.some((m) => m.type === 'net.landscape.progress' && m.id === reply.id)).toBe(
      true,
    );
  });

  it('cancels a landscape midway and keeps answering', async () => {
    const client = await lab({ kind: 'spirals', n: 2000 });
    await client.request({
      type: 'net.run.create',
      run: { runId: 'n1', optimizer: { optimizer: 'adam' } },
    } as never);
    const id = 777;
    const answer = client.sendAndWait(
      {
        type: 'net.landscape',
        id,
        center: { runId: 'n1', at: 'initial' },
        directions: { kind: 'random', seed: 1 },
        project: [],
        grid: { resolution: 101, coarse: 0 },
      },
      (m) => 'id' in m && m.id === id && m.type !== 'net.landscape.progress',
      60_000,
    );
    await client.waitFor((m) => m.type === 'net.landscape.progress' && m.id === id);
    host!.send({ type: 'net.landscape.cancel', id });
    const result = await answer;
    expect(result).toMatchObject({ type: 'error', message: /cancelled/ });
    expect((await client.hello()).type).toBe('hello');
  });

  it('widens the grid to fit every projected trajectory when asked', async () => {
    const client = await lab();
    for (const runId of ['a', 'b']) {
      await client.request({
        type: 'net.run.create',
        run: {
          runId,
          optimizer: { optimizer: runId === 'a' ? 'adam' : 'sgd', lr: 0.5 },
          batchSize: 'full',
          snapshotEvery: 1,
        },
      } as never);
    }
    await client.request({ type: 'step', steps: 30 });
    const reply = await client.request({
      type: 'net.landscape',
      center: { runId: 'a', at: 'current' },
      directions: { kind: 'random', seed: 3 },
      project: ['a', 'b'],
      grid: {
        resolution: 5,
        range: [
          [-0.1, 0.1],
          [-0.1, 0.1],
        ],
        coarse: 0,
      },
      fit: true,
    } as never);
    if (reply.type !== 'net.landscape.result') throw new Error(JSON.stringify(reply));
    const [[a0, a1], [b0, b1]] = reply.landscape.range;
    for (const p of reply.landscape.projections) {
      for (let k = 0; k < p.alpha.length; k++) {
        expect(p.alpha[k]).toBeGreaterThanOrEqual(a0);
        expect(p.alpha[k]).toBeLessThanOrEqual(a1);
        expect(p.beta[k]).toBeGreaterThanOrEqual(b0);
        expect(p.beta[k]).toBeLessThanOrEqual(b1);
      }
    }
    expect(a1).toBeGreaterThan(0.1);
  });
});
