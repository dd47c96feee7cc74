import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMessage, RunConfig } from '../../electron/common/protocol';
import { startInProcessEngine, type InProcessEngine } from '../../electron/engine/hosts/in-process';
import { TestClient } from '../helpers/engine-client';

let host: InProcessEngine | undefined;
afterEach(() => host?.close());

function connect(): TestClient {
  host = startInProcessEngine({ frameIntervalMs: 5 });
  return new TestClient(host);
}

const isError = (m: EngineMessage) => m.type === 'error';

describe('engine protocol', () => {
  it('says hello with the backend it chose, a passing self-check and the presets', async () => {
    const client = connect();
    const hello = await client.hello();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(hello.backend);
    expect(hello.selfCheck.ok).toBe(true);
    expect(hello.surfaces.map((s) => s.name)).toEqual(
      expect.arrayContaining(['rosenbrock', 'bowl', 'saddle']),
    );
  });

  it('answers a lazy hello without tfjs, then reports the backend once it has loaded', async () => {
    host = startInProcessEngine({ frameIntervalMs: 5, backendIdleMs: 20, backendLatestMs: 100 });
    const client = new TestClient(host);
    const reported = client.waitFor((m) => m.type === 'backend');
    const hello = await client.request({ type: 'hello', protocol: 1, lazyBackend: true });
    expect(hello).toMatchObject({ type: 'hello', protocol: 1 });
    expect(hello.type === 'hello' && hello.surfaces.map((s) => s.name)).toContain('rosenbrock');
    // The explorer works meanwhile.
    expect(
      await client.request({ type: 'surface.sample', surface: 'rosenbrock', resolution: 8 }),
    ).toMatchObject({ type: 'surface.grid' });
    const backend = await reported;
    expect(backend.type === 'backend' && backend.backend).toMatch(/^(tensorflow|wasm|cpu)$/);
    expect(backend.type === 'backend' && 'selfCheck' in backend && backend.selfCheck.ok).toBe(true);
    // Once known, a hello carries it.
    const again = await client.request({ type: 'hello', protocol: 1, lazyBackend: true });
    expect(again.type === 'hello' && again.backend).toBe(
      backend.type === 'backend' && backend.backend,
    );
  });

  it('loads tfjs at once for a request that needs it, right after a lazy hello', async () => {
    // Idle load far off: only the request can start it.
    host = startInProcessEngine({ backendIdleMs: 60_000, backendLatestMs: 60_000 });
    const client = new TestClient(host);
    await client.request({ type: 'hello', protocol: 1, lazyBackend: true });
    const reply = await client.request({
      type: 'net.setup',
      dataset: { kind: 'spirals', n: 100 },
      model: { depth: 1, width: 8, activation: 'tanh' },
    });
    expect(reply.type).toBe('net.problem');
    expect(client.log.some((m) => m.type === 'backend')).toBe(true);
    expect(client.log.some((m) => m.type === 'error')).toBe(false);
  });

  it('refuses a hello from another protocol version', async () => {
    const client = connect();
    const reply = await client.request({ type: 'hello', protocol: 99 });
    expect(reply).toMatchObject({ type: 'error', field: 'protocol' });
  });

  const badMessages: [string, unknown, string | undefined, RegExp][] = [
    ['a string', 'hello', undefined, /must be an object/],
    ['null', null, undefined, /must be an object/],
    ['an array', [1, 2], undefined, /must be an object/],
    ['no type', { id: 1 }, 'type', /./],
    ['an unknown type', { type: 'explode', id: 1 }, 'type', /unknown message type "explode"/],
    ['a string learning rate', runCreate({ lr: '0.1' }), 'run.optimizer.lr', /number/],
    ['a negative learning rate', runCreate({ lr: -1 }), 'run.optimizer.lr', />=0/],
    [
      'an infinite start',
      { ...runCreate({}), run: { ...runCreate({}).run, start: [Infinity, 0] } },
      'run.start.0',
      /./,
    ],
    ['an absurd momentum', runCreate({ momentum: 7 }), 'run.optimizer.momentum', /<=/],
    ['an unknown optimizer', runCreate({ optimizer: 'lion' }), 'run.optimizer.optimizer', /./],
    ['an unknown field', { type: 'playback', id: 3, playing: true, turbo: 1 }, undefined, /turbo/],
    [
      'an unknown run',
      { type: 'run.update', id: 4, runId: 'ghost', hyper: { lr: 0.1 } },
      'runId',
      /no run "ghost"/,
    ],
    [
      'Nesterov without momentum',
      runCreate({ nesterov: true }),
      'run.optimizer.nesterov',
      /momentum/,
    ],
    [
      'an unknown surface',
      { ...runCreate({}), run: { ...runCreate({}).run, surface: 'moon' } },
      'surface',
      /unknown surface "moon"/,
    ],
  ];

  for (const [what, message, field, pattern] of badMessages) {
    it(`answers ${what} with an error naming the field, and keeps running`, async () => {
      const client = connect();
      const reply = await client.sendAndWait(message, isError);
      expect(reply.type).toBe('error');
      if (reply.type !== 'error') return;
      if (field) expect(reply.field).toBe(field);
      expect(reply.message).toMatch(pattern);
      // Still alive and answering.
      expect((await client.hello()).type).toBe('hello');
    });
  }
});

function runCreate(optimizer: Record<string, unknown>) {
  return {
    type: 'run.create',
    id: 77,
    run: {
      runId: 'r',
      surface: 'bowl',
      start: [-3, 1],
      optimizer: { optimizer: 'sgd', lr: 0.01, ...optimizer },
    },
  };
}

/** SGD at η = 10 on the bowl from (−3, 1): it diverges within a few dozen steps. */
function createWild(client: ReturnType<typeof connect>) {
  return client.request({
    type: 'run.create',
    run: {
      runId: 'wild',
      surface: 'bowl',
      start: [-3, 1],
      optimizer: { optimizer: 'sgd', lr: 10 },
    },
  });
}

describe('runs', () => {
  it('steps SGD on the bowl exactly: θ ← θ − η∇L, with ∇L = (x, 25y)', async () => {
    const client = connect();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'a',
        surface: 'bowl',
        start: [-3, 1],
        optimizer: { optimizer: 'sgd', lr: 0.01 },
      },
    });
    await client.request({ type: 'step', steps: 10 });
    const { points, gradNorm, lr } = client.trajectory('a');
    expect(points).toHaveLength(11);
    for (let k = 0; k < 10; k++) {
      const [x, y] = points[k];
      expect(points[k + 1][0]).toBeCloseTo(x - 0.01 * x, 12);
      expect(points[k + 1][1]).toBeCloseTo(y - 0.01 * 25 * y, 12);
      expect(points[k][2]).toBeCloseTo(0.5 * (x * x + 25 * y * y), 12);
      expect(gradNorm[k]).toBeCloseTo(Math.hypot(x, 25 * y), 12);
      expect(lr[k]).toBe(0.01);
    }
  });

  it('applies a new learning rate at the next step, keeping the momentum buffer', async () => {
    const client = connect();
    const run: RunConfig = {
      runId: 'm',
      surface: 'bowl',
      start: [-3, 1],
      optimizer: { optimizer: 'sgd', lr: 0.01, momentum: 0.9 },
    };
    await client.request({ type: 'run.create', run });
    await client.request({ type: 'step', steps: 3 });
    const update = await client.request({ type: 'run.update', runId: 'm', hyper: { lr: 0.002 } });
    expect(update.type).toBe('ok');
    await client.request({ type: 'step', steps: 1 });
    const { points, lr } = client.trajectory('m');
    expect(points).toHaveLength(5);
    // Replay by hand: b ← μb + g; θ ← θ − ηb with η = 0.01 for 3 steps, then 0.002.
    let [x, y] = [-3, 1];
    let [bx, by] = [0, 0];
    for (let k = 0; k < 4; k++) {
      const eta = k < 3 ? 0.01 : 0.002;
      const [gx, gy] = [x, 25 * y];
      [bx, by] = k === 0 ? [gx, gy] : [0.9 * bx + gx, 0.9 * by + gy];
      [x, y] = [x - eta * bx, y - eta * by];
      expect(points[k + 1][0]).toBeCloseTo(x, 12);
      expect(points[k + 1][1]).toBeCloseTo(y, 12);
    }
    expect(lr[3]).toBe(0.002);
    const state = client.log.filter((m) => m.type === 'run.state').at(-1);
    expect(state?.type === 'run.state' && state.run.changes).toEqual([
      { step: 3, patch: { lr: 0.002 } },
    ]);
  });

  it('marks a run that blows up as diverged, ends it at its last finite point, and lets the others go on', async () => {
    const client = connect();
    await createWild(client);
    await client.request({
      type: 'run.create',
      run: {
        runId: 'calm',
        surface: 'bowl',
        start: [-3, 1],
        optimizer: { optimizer: 'adam', lr: 0.05 },
      },
    });
    await client.request({ type: 'step', steps: 500 });
    const states = client.log.flatMap((m) => (m.type === 'run.state' ? [m.run] : []));
    const wild = states.filter((s) => s.runId === 'wild').at(-1);
    expect(wild?.status).toBe('diverged');
    expect(wild?.reason).toMatch(/the loss is Infinity|θ is|the gradient is|\|L\| passed/);
    const { points } = client.trajectory('wild');
    expect(points.length).toBeLessThan(501);
    expect(points.flat().every(Number.isFinite)).toBe(true);
    expect(client.trajectory('calm').points).toHaveLength(501);
    // The engine still steps the calm run.
    await client.request({ type: 'step', steps: 1, runId: 'calm' });
    expect(client.trajectory('calm').points).toHaveLength(502);
  });

  /** Every state the engine reported for one run, last last. */
  const statesOf = (client: TestClient, runId: string) =>
    client.log.flatMap((m) => (m.type === 'run.state' && m.run.runId === runId ? [m.run] : []));

  /**
   * A loss past 10¹² × |L₀| + 10¹² has exploded: the run is marked diverged there, long before
   * floating point overflows (a log-scale chart of a run at 1e255 showed nothing), and its
   * points stay within the bound.
   */
  const explosions: [string, RunConfig['surface'], [number, number], number, RegExp][] = [
    // sin·cos with a bowl under it: |x| grows ×4 a step; it used to reach Infinity at step ~256.
    [
      'sin·cos plus a bowl at η = 25',
      { expr: 'sin(x) * cos(y) + 0.1 * (x^2 + y^2)' },
      [1, 1],
      25,
      /^the loss is 2\.27e\+13: \|L\| passed 10¹² × \|L₀\| \+ 10¹² = 1\.65e\+12 after step 11 \(learning rate 25\)$/,
    ],
    // Unbounded below: the loss falls without end, and |L| passes the bound just the same.
    ['the saddle x² − y² at η = 0.1', 'saddle', [1.5, 0.01], 0.1, /^the loss is -4\.25e\+12: /],
    // A start at loss 0 (and negative losses near it): the absolute term bounds it at 10¹².
    [
      'sin·cos from a zero of the loss at η = 25',
      { expr: 'sin(x) * cos(y) + 0.1 * (x^2 + y^2)' },
      [0, 0],
      25,
      /passed 10¹² × \|L₀\| \+ 10¹² = 1\.00e\+12 /,
    ],
  ];
  for (const [what, surface, start, lr, reason] of explosions) {
    it(`marks a run whose loss explodes past the bound diverged: ${what}`, async () => {
      const client = connect();
      await client.request({
        type: 'run.create',
        run: { runId: 'boom', surface, start, optimizer: { optimizer: 'sgd', lr } },
      });
      await client.request({ type: 'step', steps: 5000 });
      const state = statesOf(client, 'boom').at(-1);
      expect(state?.status).toBe('diverged');
      expect(state?.reason).toMatch(reason);
      const { points } = client.trajectory('boom');
      const bound = 1e12 * Math.abs(points[0][2]) + 1e12;
      expect(points.length).toBe(state!.step + 1);
      expect(points.length).toBeLessThan(200);
      for (const p of points) expect(Math.abs(p[2])).toBeLessThanOrEqual(bound);
      // The last point kept is the last one within the bound: one more step leaves it.
      expect(Math.abs(points.at(-1)![2])).toBeGreaterThan(bound / 1e6);
    });
  }

  it('leaves runs that stay within the bound alone: a zero start loss that stays small', async () => {
    const client = connect();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'calm',
        surface: { expr: 'sin(x) * cos(y)' },
        start: [0, 0.5],
        optimizer: { optimizer: 'sgd', lr: 0.5 },
      },
    });
    await client.request({ type: 'step', steps: 2000 });
    expect(statesOf(client, 'calm').at(-1)?.status).toBe('ok');
    expect(client.trajectory('calm').points).toHaveLength(2001);
  });

  it('restates the last point when a run diverges in a later step: its η/σ, as a session keeps it', async () => {
    const client = connect();
    await createWild(client);
    const effSteps = (from: number) => {
      const out: number[][] = [];
      for (const m of client.log.slice(from)) {
        if (m.type !== 'frame') continue;
        for (const f of m.runs) {
          for (let i = 0; i < f.gradNorm.length; i++) {
            out[f.fromStep + i] = [f.effStep[2 * i], f.effStep[2 * i + 1]];
          }
        }
      }
      return out;
    };
    const diverged = () =>
      client.log.some((m) => m.type === 'run.state' && m.run.status === 'diverged');
    for (let k = 0; k < 100 && !diverged(); k++) await client.request({ type: 'step', steps: 1 });
    expect(diverged()).toBe(true);
    const live = effSteps(0);
    // Every point again, as the engine holds it (and a session saves it).
    const mark = client.log.length;
    await client.request({ type: 'sync' });
    expect(live).toEqual(effSteps(mark));
    // The step leaving the last finite point was taken (and failed): its η is known.
    expect(live.at(-1)).toEqual([10, 10]);
  });

  it('plays at the frame rate the client acknowledges, then pauses', async () => {
    const client = connect();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'p',
        surface: 'rosenbrock',
        start: [-1.5, 2],
        optimizer: { optimizer: 'adam', lr: 0.01 },
      },
    });
    const framesBefore = client.log.filter((m) => m.type === 'frame').length;
    await client.request({ type: 'playback', playing: true, stepsPerFrame: 7 });
    // Without acks, at most two frames are in flight.
    await new Promise((r) => setTimeout(r, 150));
    const unacked = client.log.filter((m) => m.type === 'frame').length - framesBefore;
    expect(unacked).toBeLessThanOrEqual(2);
    expect(unacked).toBeGreaterThanOrEqual(1);
    // Acknowledge frames as they come: playback continues.
    for (let i = 0; i < 5; i++) {
      const last = client.log.filter((m) => m.type === 'frame').at(-1);
      if (last?.type === 'frame') host?.send({ type: 'frame.ack', seq: last.seq });
      await client.waitFor(
        (m) => m.type === 'frame' && m.seq > (last?.type === 'frame' ? last.seq : 0),
      );
    }
    await client.request({ type: 'playback', playing: false });
    const steps = client.trajectory('p').points.length - 1;
    expect(steps % 7).toBe(0);
    expect(steps).toBeGreaterThanOrEqual(7 * 6);
  });

  it('refuses a start where the loss is not finite', async () => {
    const client = connect();
    const reply = await client.request({
      type: 'run.create',
      run: {
        runId: 'log',
        surface: { expr: 'log(x)' },
        start: [-1, 0],
        optimizer: { optimizer: 'sgd', lr: 0.1 },
      },
    });
    expect(reply).toMatchObject({ type: 'error', field: 'start' });
    expect(reply.type === 'error' && reply.message).toMatch(/NaN/);
  });

  it('samples a surface grid as a Float32Array with its range', async () => {
    const client = connect();
    const grid = await client.request({ type: 'surface.sample', surface: 'saddle', resolution: 5 });
    expect(grid.type).toBe('surface.grid');
    if (grid.type !== 'surface.grid') return;
    expect(grid.values).toBeInstanceOf(Float32Array);
    expect(grid.values).toHaveLength(25);
    // Corners of [-2, 2]²: x² − y² = 0; edge midpoints ±4.
    expect(grid.values[0]).toBe(0);
    expect(grid.values[2]).toBe(-4); // x = 0, y = -2
    expect(grid.values[10]).toBe(4); // x = -2, y = 0
    expect([grid.min, grid.max]).toEqual([-4, 4]);
  });

  it('inspects a run between steps: θ, ∇L, the step taken and the momentum buffer', async () => {
    const client = connect();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'i',
        surface: 'bowl',
        start: [-3, 1],
        optimizer: { optimizer: 'sgd', lr: 0.01, momentum: 0.9 },
      },
    });
    await client.request({ type: 'step', steps: 2 });
    const reply = await client.request({ type: 'run.inspect', runId: 'i' });
    expect(reply.type).toBe('run.inspection');
    if (reply.type !== 'run.inspection') return;
    const { inspection } = reply;
    // By hand: b₁ = g₀, θ₁ = θ₀ − η b₁; b₂ = μ b₁ + g₁, θ₂ = θ₁ − η b₂.
    const g0 = [-3, 25];
    const t1 = [-3 - 0.01 * g0[0], 1 - 0.01 * g0[1]];
    const g1 = [t1[0], 25 * t1[1]];
    const b2 = [0.9 * g0[0] + g1[0], 0.9 * g0[1] + g1[1]];
    const t2 = [t1[0] - 0.01 * b2[0], t1[1] - 0.01 * b2[1]];
    expect(inspection.step).toBe(2);
    expect(inspection.t).toBe(2);
    expect([...inspection.theta]).toEqual(t2.map((v) => expect.closeTo(v, 12)));
    expect([...inspection.grad]).toEqual([
      expect.closeTo(t2[0], 12),
      expect.closeTo(25 * t2[1], 12),
    ]);
    expect([...inspection.buffers.b]).toEqual(b2.map((v) => expect.closeTo(v, 12)));
    expect([...inspection.lastStep]).toEqual([
      expect.closeTo(t2[0] - t1[0], 12),
      expect.closeTo(t2[1] - t1[1], 12),
    ]);
    expect([...inspection.effectiveStep]).toEqual([0.01, 0.01]);
    expect(inspection.step).toBe(2);
    // Frames carry ∇L and η/σ per point, two entries each.
    const frames = client.log.flatMap((m) => (m.type === 'frame' ? m.runs : []));
    const last = frames.at(-1)!;
    expect(last.grad.length).toBe(2 * last.gradNorm.length);
    expect(last.effStep.length).toBe(2 * last.gradNorm.length);
  });

  it('reports η/σ per coordinate for adaptive rules in its frames', async () => {
    const client = connect();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'ada',
        surface: 'bowl',
        start: [-3, 1],
        optimizer: { optimizer: 'adagrad', lr: 0.5 },
      },
    });
    await client.request({ type: 'step', steps: 1 });
    const frames = client.log.flatMap((m) => (m.type === 'frame' ? m.runs : []));
    const effStep = new Float64Array(4);
    for (const f of frames) effStep.set(f.effStep, 2 * f.fromStep);
    // The first Adagrad step used Σ = g₀², so its step size was η/(|g₀| + ε) per coordinate;
    // the newest point's step is still to come.
    expect(effStep[0]).toBeCloseTo(0.5 / 3, 9);
    expect(effStep[1]).toBeCloseTo(0.5 / 25, 9);
    expect(effStep[2]).toBeNaN();
    expect(effStep[3]).toBeNaN();
  });

  it('previews a schedule as the engine will apply it', async () => {
    const client = connect();
    const reply = await client.request({
      type: 'schedule.preview',
      schedule: { kind: 'cosine', tMax: 10, etaMin: 0.001 },
      lr: 0.1,
      steps: 11,
    });
    expect(reply.type).toBe('schedule.values');
    if (reply.type !== 'schedule.values') return;
    expect(reply.values).toHaveLength(11);
    expect(reply.values[0]).toBeCloseTo(0.1, 12);
    expect(reply.values[5]).toBeCloseTo(0.001 + (0.1 - 0.001) / 2, 12);
    expect(reply.values[10]).toBeCloseTo(0.001, 12);
  });

  it('reports, at each point, the η of the step leaving it (schedule index t = step)', async () => {
    const client = connect();
    await client.request({
      type: 'run.create',
      run: {
        runId: 'cos',
        surface: 'bowl',
        start: [-3, 1],
        optimizer: {
          optimizer: 'sgd',
          lr: 0.02,
          schedule: { kind: 'cosine', tMax: 10, etaMin: 0 },
        },
      },
    });
    await client.request({ type: 'step', steps: 10 });
    const { points, lr } = client.trajectory('cos');
    for (let t = 0; t <= 10; t++)
      expect(lr[t]).toBeCloseTo((0.02 * (1 + Math.cos((Math.PI * t) / 10))) / 2, 15);
    // …and that η is the one the step used: x_{t+1} = x_t − η_t x_t on the bowl.
    for (let t = 0; t < 10; t++)
      expect(points[t + 1][0]).toBeCloseTo(points[t][0] * (1 - lr[t]), 14);
  });
});
