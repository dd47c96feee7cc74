/** The network lab through the engine's protocol: setup, runs in playback frames, views, landscapes. */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMessage, EngineMessageOf } from '../../../../electron/common/protocol';
import {
  startInProcessEngine,
  type InProcessEngine,
} from '../../../../electron/engine/hosts/in-process';
import { TestClient } from '../../../helpers/engine-client';

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

  it('plays a race fairly: when a slice runs out of time, every run has had the same updates', async () => {
    // Wide enough that an update costs about a millisecond, so that every training slice ends
    // at its time budget.
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The updates a run has taken, as the engine's answer to net.evaluate says. */
async function stepOf(client: TestClient, runId: string): Promise<number> {
  const reply = await client.request({ type: 'net.evaluate', runId, split: 'train' } as never);
  if (reply.type !== 'net.evaluation') throw new Error(JSON.stringify(reply));
  return reply.step;
}

async function oneRun(
  client: TestClient,
  runId = 'n1',
  extra: Record<string, unknown> = {},
): Promise<void> {
  const reply = await client.request({
    type: 'net.run.create',
    run: { runId, optimizer: { optimizer: 'adam', lr: 0.05 }, batchSize: 'full', ...extra },
  } as never);
  expect(reply.type, JSON.stringify(reply)).toBe('ok');
}

describe('network training apart from the display', () => {
  it('trains on while the page acknowledges no frame: frames stop at two, updates do not', async () => {
    const client = await lab();
    await oneRun(client);
    await client.request({ type: 'playback', playing: true, stepsPerFrame: 1, scope: 'network' });
    await sleep(600);
    const step = await stepOf(client, 'n1');
    const frames = client.log.filter((m) => m.type === 'frame').length;
    await client.request({ type: 'playback', playing: false });
    // The page never acknowledged: two frames in flight, no more …
    expect(frames).toBeLessThanOrEqual(2);
    // … while training went on (it used to wait with the frames: 2 updates in all).
    expect(step).toBeGreaterThan(50);
  });

  it('one frame per displayed frame, holding every update since the last', async () => {
    host = startInProcessEngine({ frameIntervalMs: 16 });
    const client = new TestClient(host);
    await client.hello();
    await client.request({
      type: 'net.setup',
      dataset: { kind: 'xor', n: 200 },
      model: { depth: 1, width: 8, activation: 'tanh' },
    } as never);
    await oneRun(client);
    // The page acknowledges each frame as it arrives.
    const off = setInterval(() => {
      const last = client.log.filter((m) => m.type === 'frame').at(-1);
      if (last?.type === 'frame') host!.send({ type: 'frame.ack', seq: last.seq });
    }, 4);
    const t0 = performance.now();
    await client.request({ type: 'playback', playing: true, scope: 'network' });
    await sleep(800);
    await client.request({ type: 'playback', playing: false });
    const elapsed = performance.now() - t0;
    clearInterval(off);
    const step = await stepOf(client, 'n1');
    await client.request({ type: 'sync' } as never);
    const frames = client.log.filter((m) => m.type === 'frame');
    // Every update arrived once, in order, whatever the frames' count.
    const curves = netFrames(client, 'n1').filter(
      (f) => f.steps.fromStep > 0 || f.steps.loss.length > 0,
    );
    let next = 0;
    for (const f of curves) {
      if (f.steps.fromStep === 0 && next > 0) break; // the sync's rewind: all again
      expect(f.steps.fromStep).toBe(next);
      next += f.steps.loss.length;
    }
    expect(next).toBe(step);
    const perFrame = step / frames.length;
    console.log(
      `${step} updates in ${frames.length} frames over ${elapsed.toFixed(0)} ms: ${perFrame.toFixed(1)} updates a frame`,
    );
    expect(frames.length).toBeLessThanOrEqual(elapsed / 16 + 4);
    // Updates are not tied to frames: several go into each one.
    expect(perFrame).toBeGreaterThan(2);
  });

  it('answers Pause within a fraction of a second while training flat out, then stops', async () => {
    host = startInProcessEngine({ frameIntervalMs: 16 });
    const client = new TestClient(host);
    await client.hello();
    await client.request({
      type: 'net.setup',
      dataset: { kind: 'spirals', n: 2000 },
      model: { depth: 2, width: 128, activation: 'tanh' },
    } as never);
    await oneRun(client, 'n1', { batchSize: 256 });
    const waits: number[] = [];
    for (let k = 0; k < 5; k++) {
      await client.request({ type: 'playback', playing: true, scope: 'network' });
      await sleep(150);
      const t0 = performance.now();
      await client.request({ type: 'playback', playing: false });
      waits.push(performance.now() - t0);
    }
    const step = await stepOf(client, 'n1');
    await sleep(100);
    expect(await stepOf(client, 'n1')).toBe(step);
    console.log(`Pause answered in ${waits.map((w) => w.toFixed(0)).join(', ')} ms`);
    expect(step).toBeGreaterThan(5);
    expect(Math.max(...waits)).toBeLessThan(1000);
  });

  it('slow motion trains at the rate asked for, however fast the engine could', async () => {
    const client = await lab();
    await oneRun(client);
    expect((await client.request({ type: 'net.speed', rate: 20 } as never)).type).toBe('ok');
    await client.request({ type: 'playback', playing: true, scope: 'network' });
    await sleep(1500);
    await client.request({ type: 'playback', playing: false });
    const step = await stepOf(client, 'n1');
    // 20 a second for 1.5 s: about 30 (never a burst past the rate).
    expect(step).toBeGreaterThanOrEqual(10);
    expect(step).toBeLessThanOrEqual(32);
    const refused = await client.request({ type: 'net.speed', rate: 0 } as never);
    expect(refused).toMatchObject({ type: 'error', field: 'rate' });
  });

  it("frames carry each update's batch size: an epoch's batches add up to the training set", async () => {
    const client = await lab();
    await oneRun(client, 'n1', { batchSize: 32 });
    await client.request({ type: 'step', steps: 11 });
    const examples = netFrames(client, 'n1').flatMap((f) => [...f.steps.examples]);
    const train = 140;
    expect(examples).toEqual([32, 32, 32, 32, 12, 32, 32, 32, 32, 12, 32]);
    expect(examples.slice(0, 5).reduce((a, b) => a + b)).toBe(train);
    expect(await stepOf(client, 'n1')).toBe(11);
  });
});

describe('runs of different architectures in one lab', () => {
  it('each run trains its own model on the shared data; landscapes project only their own kind', async () => {
    const client = await lab();
    await oneRun(client, 'a', { snapshotEvery: 1 });
    await oneRun(client, 'b', {
      model: { depth: 3, width: 16, activation: 'relu', seed: 2 },
      snapshotEvery: 1,
    });
    const states = client.log.flatMap((m) => (m.type === 'net.run.state' ? [m.run] : []));
    const a = states.find((r) => r.runId === 'a')!;
    const b = states.find((r) => r.runId === 'b')!;
    // 2 → 8 → 2 (the lab's), and 2 → 16 → 16 → 16 → 2.
    expect(a.parameters).toBe(42);
    expect(a.model).toMatchObject({ depth: 1, width: 8, activation: 'tanh' });
    expect(b.parameters).toBe(2 * 16 + 16 + 2 * (16 * 16 + 16) + 16 * 2 + 2);
    expect(b.model).toMatchObject({ depth: 3, width: 16, activation: 'relu' });
    await client.request({ type: 'step', steps: 12 });
    for (const id of ['a', 'b']) {
      const losses = netFrames(client, id).flatMap((f) => [...f.steps.loss]);
      expect(losses.length).toBe(12);
      expect(losses.every(Number.isFinite)).toBe(true);
    }
    const grid = {
      resolution: 5,
      range: [
        [-1, 1],
        [-1, 1],
      ],
      coarse: 0,
      split: 'train',
    };
    const onA = await client.request({
      type: 'net.landscape',
      center: { runId: 'a', at: 'current' },
      directions: { kind: 'pca', runId: 'a' },
      project: ['a', 'b'],
      grid,
    } as never);
    if (onA.type !== 'net.landscape.result') throw new Error(JSON.stringify(onA));
    expect(onA.landscape.projections.map((p) => p.runId)).toEqual(['a']);
    expect(onA.landscape.otherArchitecture).toEqual(['b']);
    // Around b's θ, on b's own network: its centre is b's loss.
    const onB = await client.request({
      type: 'net.landscape',
      center: { runId: 'b', at: 'current' },
      directions: { kind: 'random', seed: 1 },
      project: ['b'],
      grid,
    } as never);
    if (onB.type !== 'net.landscape.result') throw new Error(JSON.stringify(onB));
    expect(onB.landscape.values[12]).toBeCloseTo(onB.landscape.centerLoss, 4);
    expect(onB.landscape.projections[0].distance.at(-1)).toBeLessThan(1e-6);
    const refusals: [unknown, string][] = [
      [
        {
          type: 'net.landscape',
          center: { runId: 'a', at: 'current' },
          directions: { kind: 'pca', runId: 'b' },
          grid,
        },
        'directions.runId',
      ],
      [
        {
          type: 'net.line',
          from: { runId: 'a', at: 'current' },
          to: { runId: 'b', at: 'current' },
        },
        'to.runId',
      ],
      [
        {
          type: 'net.run.create',
          run: {
            runId: 'huge',
            optimizer: { optimizer: 'sgd' },
            model: { depth: 20, width: 1024 },
          },
        },
        'run.model',
      ],
    ];
    for (const [message, field] of refusals) {
      const reply = await client.request(message as never);
      expect(reply.type, JSON.stringify(reply)).toBe('error');
      if (reply.type === 'error') expect(reply.field).toBe(field);
    }
    // The line between θ₀ and θ of b runs on b's own network, from b's own θ₀.
    const line = await client.request({
      type: 'net.line',
      from: { runId: 'b', at: 'initial' },
      to: { runId: 'b', at: 'current' },
      points: 3,
      range: [0, 1],
    } as never);
    if (line.type !== 'net.line.result') throw new Error(JSON.stringify(line));
    expect(line.values[2]).toBeCloseTo(onB.landscape.centerLoss, 4);
  });
});
