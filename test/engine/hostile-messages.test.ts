/**
 * The engine's boundary under hostile messages, twice: in-process (straight into
 * `Engine.receive`, no copy on the way) and over browser mode's WebSocket (CBOR frames through
 * the server to an engine worker). Each suite prints its figures — tried / refused with a
 * one-line error / crashed / hung / state changed after a refusal — and holds the last three at
 * zero; after it, a valid request still works. Seeded (LOSSLAB_FUZZ_SEED).
 */
import { decode, encode } from 'cborg/extended';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineMessage } from '../../electron/common/protocol';
import type { Engine } from '../../electron/engine/engine';
import { startInProcessEngine, type InProcessEngine } from '../../electron/engine/hosts/in-process';
import { startServer, type RunningServer } from '../../electron/web/server';
import { TestClient } from '../helpers/engine-client';
import {
  errorProblem,
  figuresLine,
  hostileMessage,
  shouldRefuse,
  STATE_MESSAGES,
  tooHeavy,
  usableId,
  type Figures,
} from './hostile-messages';
import { SeededRandom } from './problems/seeded-random';

const SEED = Number(process.env.LOSSLAB_FUZZ_SEED ?? 31_337);
/** Cases per suite: in process, and over the WebSocket (each case a round trip). */
const CASES = 1200;
const WS_CASES = 1000;
const root = path.resolve(__dirname, '../..');

let host: InProcessEngine | undefined;
let server: RunningServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  host?.close();
  host = undefined;
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** What the engine holds, as text: every run's state, and which network problem. */
function snapshot(engine: Engine): string {
  type Runs = { all(): Iterable<{ state(): unknown }> };
  const { labs } = engine as unknown as {
    labs: { name: string; runs?: Runs; problem?: object }[];
  };
  const explorer = labs.find((l) => l.name === 'explorer')!;
  const net = labs.find((l) => l.name === 'network')!;
  return JSON.stringify({
    runs: [...explorer.runs!.all()].map((r) => r.state()),
    net: [...net.runs!.all()].map((r) => r.state()),
    problem: problemId(net.problem),
  });
}

const problemIds = new WeakMap<object, number>();
let nextProblem = 0;
/** A number per network problem object, so a replaced problem shows in the snapshot. */
function problemId(problem: object | undefined): number {
  if (!problem) return 0;
  let id = problemIds.get(problem);
  if (id === undefined) problemIds.set(problem, (id = ++nextProblem));
  return id;
}

/** A state to attack: two surface runs and a network run with a few steps each. */
async function populate(client: TestClient): Promise<void> {
  const steps = [
    {
      type: 'run.create',
      run: { runId: 'a', surface: 'rosenbrock', start: [-1, 1], optimizer: { optimizer: 'adam' } },
    },
    {
      type: 'run.create',
      run: { runId: 'b', surface: 'bowl', start: [1, 1], optimizer: { optimizer: 'sgd' } },
    },
    {
      type: 'net.setup',
      dataset: { kind: 'xor', n: 120 },
      model: { depth: 1, width: 8, activation: 'tanh' },
    },
    { type: 'net.run.create', run: { runId: 'n1', optimizer: { optimizer: 'adam' } } },
    { type: 'step', steps: 5 },
  ];
  for (const message of steps) {
    const reply = await client.request(message as never);
    if (reply.type === 'error') throw new Error(`${message.type}: ${reply.message}`);
  }
}

/**
 * A cheap request behind a case: its reply means the case has been handled. A valid `step`
 * may go on in slices after that, and a critical-points job (a Hessian, a line, an Escape) runs
 * on after it is accepted; their own replies are awaited too, so their steps or new runs are not
 * taken for a change made by the next case.
 */
async function probe(
  client: TestClient,
  message: unknown,
  from: number,
): Promise<EngineMessage | undefined> {
  try {
    const reply = await client.request({ type: 'run.inspect', runId: 'probe-no-such-run' });
    // A frame the server could not decode is refused without its id: nothing more will come.
    const undecodable = client.log
      .slice(from)
      .some((m) => m.type === 'error' && (m as { id?: number }).id === undefined);
    const id = usableId(message);
    const answers = (m: EngineMessage) => 'id' in m && m.id === id && !m.type.endsWith('.progress');
    const type = (message as { type?: unknown })?.type;
    const isJob = type === 'step' || (typeof type === 'string' && type.startsWith('critical.'));
    if (isJob && id !== undefined && !undecodable && !client.log.some(answers)) {
      await client.waitFor(answers, 60_000);
    }
    return reply;
  } catch {
    return undefined;
  }
}

interface Verdicts {
  problems: string[];
  missing: string[];
}

/** Judges the replies to one case; returns whether it was refused. */
function judge(
  message: unknown,
  replies: EngineMessage[],
  where: string,
  verdicts: Verdicts,
): boolean {
  for (const m of replies) {
    const problem = errorProblem(m);
    if (problem) verdicts.problems.push(`${where}: ${problem}`);
  }
  // A frame the server cannot decode (too deep, say) is refused without the id it held.
  const id = usableId(message);
  const refusal = replies.find(
    (m) =>
      m.type === 'error' && (m.id === id || m.id === undefined) && !/^cancelled/.test(m.message),
  );
  if (!refusal && shouldRefuse(message)) verdicts.missing.push(where);
  return refusal !== undefined;
}

function describeCase(n: number, message: unknown): string {
  let text: string;
  try {
    text = String(JSON.stringify(message, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  } catch {
    text = '(too deep to print)';
  }
  return `seed ${SEED}, case ${n}: ${text.slice(0, 200)}`;
}

describe('hostile engine messages', () => {
  it(`in process: ${CASES} cases straight into the engine's boundary`, async () => {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    await client.hello();
    await populate(client);
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const rng = new SeededRandom(SEED);
    const f: Figures = { tried: 0, refused: 0, accepted: 0, crashed: 0, hung: 0, changed: 0 };
    const verdicts: Verdicts = { problems: [], missing: [] };
    const changed: string[] = [];
    try {
      for (let n = 0; n < CASES; n++) {
        const message = hostileMessage(rng, 100_000 + n);
        if (tooHeavy(message)) continue;
        f.tried++;
        const where = describeCase(n, message);
        const before = snapshot(host.engine);
        const from = client.log.length;
        void host.engine.receive(message);
        const reply = await probe(client, message, from);
        if (!reply) {
          f.hung++;
          continue;
        }
        const replies = client.log.slice(from).filter((m) => m !== reply);
        if (judge(message, replies, where, verdicts)) {
          f.refused++;
          if (snapshot(host.engine) !== before) {
            f.changed++;
            changed.push(where);
          }
        } else f.accepted++;
      }
    } finally {
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
    }
    f.crashed = crashes.length;
    console.log(figuresLine('engine messages, in process', f));
    expect(crashes).toEqual([]);
    expect(f.hung).toBe(0);
    expect(changed).toEqual([]);
    expect(verdicts.problems).toEqual([]);
    expect(verdicts.missing).toEqual([]);
    expect(f.tried).toBeGreaterThanOrEqual(1000);
    expect(f.refused).toBeGreaterThan(f.tried / 2);
    // A valid request after all that.
    await client.request({ type: 'playback', playing: false });
    expect((await client.hello()).type).toBe('hello');
    const step = await client.request({ type: 'step', steps: 1, runId: 'n1' });
    expect(['ok', 'error']).toContain(step.type);
  }, 300_000);

  it(`over the WebSocket: ${WS_CASES} cases as CBOR frames through the browser-mode server`, async () => {
    expect(fs.existsSync(path.join(root, 'dist/engine/worker.js')), 'run `npm run build`').toBe(
      true,
    );
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-hostile-'));
    dirs.push(dataDir);
    server = await startServer({
      rendererDir: path.join(root, 'dist/renderer'),
      workerPath: path.join(root, 'dist/engine/worker.js'),
      engineOptions: { dataDir, frameIntervalMs: 5 },
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let closed = false;
    ws.on('close', () => (closed = true));
    const client = new TestClient({
      send: (m) => ws.send(encode(m)),
      onMessage: (listener) =>
        ws.on('message', (data: Buffer) => listener(decode(new Uint8Array(data)) as EngineMessage)),
    });
    await client.hello();
    await populate(client);
    const rng = new SeededRandom(SEED + 1);
    const f: Figures = { tried: 0, refused: 0, accepted: 0, crashed: 0, hung: 0, changed: 0 };
    const verdicts: Verdicts = { problems: [], missing: [] };
    const changed: string[] = [];
    for (let n = 0; n < WS_CASES && !closed; n++) {
      const message = hostileMessage(rng, 200_000 + n);
      if (tooHeavy(message)) continue;
      let frame: Uint8Array;
      try {
        frame = encode(message);
      } catch {
        // Too deep for the encoder: the same nesting, written as raw CBOR (arrays of one).
        frame = Buffer.concat([Buffer.alloc(4000, 0x81), encode({ type: 'hello', protocol: 1 })]);
      }
      f.tried++;
      const where = describeCase(n, message);
      const from = client.log.length;
      ws.send(frame);
      const reply = await probe(client, message, from);
      if (!reply) {
        f.hung++;
        continue;
      }
      const replies = client.log.slice(from).filter((m) => m !== reply);
      if (replies.some((m) => (m as { type: string }).type === 'engine.gone')) f.crashed++;
      const refused = judge(message, replies, where, verdicts);
      if (refused) {
        f.refused++;
        if (replies.some((m) => STATE_MESSAGES.has(m.type))) {
          f.changed++;
          changed.push(where);
        }
      } else f.accepted++;
    }
    if (closed) f.crashed++;
    console.log(figuresLine('engine messages, over the WebSocket', f));
    expect(f.crashed).toBe(0);
    expect(f.hung).toBe(0);
    expect(changed).toEqual([]);
    expect(verdicts.problems).toEqual([]);
    expect(verdicts.missing).toEqual([]);
    expect(f.tried).toBeGreaterThanOrEqual(1000);
    expect(server.engines).toBe(1);
    await client.request({ type: 'playback', playing: false });
    expect((await client.hello()).type).toBe('hello');
    ws.close();
  }, 300_000);
});
