/**
 * Fuzz: random and malformed messages thrown at the engine's boundary (the in-process host,
 * exactly as a renderer or the CLI talks to it), and random expressions thrown at the
 * expression compiler. Every bad message gets an `error` reply with a one-line message, never an
 * "internal error"; nothing escapes as an exception; the engine still answers a hello at the end.
 * Seeded: a failure names the seed and case that reproduce it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clientMessageSchema, type EngineMessage } from '../../electron/common/protocol';
import { startInProcessEngine, type InProcessEngine } from '../../electron/engine/hosts/in-process';
import { compileExpression, ExpressionError } from '../../electron/engine/problems/expression';
import { TestClient } from '../helpers/engine-client';
import {
  deeplyNested,
  mutate,
  randomCharacters,
  randomExpression,
  randomValue,
  tokenExpression,
  wellFormedExpression,
} from './problems/random-inputs';
import { validMessage } from './hostile-messages';
import { SeededRandom } from './problems/seeded-random';

/** Override with LOSSLAB_FUZZ_SEED to explore further. */
const SEED = Number(process.env.LOSSLAB_FUZZ_SEED ?? 1_729);

let host: InProcessEngine | undefined;
afterEach(() => host?.close());

/** One fuzz message: mostly a mutated valid one, sometimes garbage of any shape. */
function fuzzMessage(rng: SeededRandom, id: number): unknown {
  const kind = rng.int(20);
  if (kind < 3) return validMessage(rng, id);
  if (kind < 14) return mutate(rng, validMessage(rng, id));
  if (kind < 15) {
    return {
      type: 'run.create',
      id,
      run: {
        runId: 'e',
        surface: { expr: randomExpression(rng) },
        start: [0.5, 0.5],
        optimizer: { optimizer: 'sgd' },
      },
    };
  }
  if (kind < 16)
    return { type: 'surface.sample', id, surface: { expr: randomExpression(rng) }, resolution: 8 };
  if (kind < 17) return randomValue(rng, 3);
  if (kind < 18) return deeplyNested(rng, rng.pick([10, 200]), { type: 'hello', id, protocol: 1 });
  if (kind < 19) return { type: randomCharacters(rng, 12), id };
  return rng.pick([
    () => undefined,
    () => null,
    () => 'hello',
    () => 42,
    () => [],
    () => ({}),
    () => ({ type: 'hello', id, protocol: 1, __proto__: { polluted: true } }),
    () => JSON.parse(`{"type": "hello", "id": ${id}, "protocol": 1, "__proto__": {"x": 1}}`),
    () => ({ type: 'step', id, steps: Array.from({ length: 100_000 }, () => 1) }),
    () => ({ type: 'run.remove', id, runId: 'r'.repeat(1_000_000) }),
    () => ({ type: 'hello', id: -1, protocol: 1 }),
    () => ({ type: 'hello', id: 2 ** 60, protocol: 1 }),
    () => ({ type: 'hello', id: '7', protocol: '1' }),
    () => ({ type: 'constructor', id }),
    () => ({ type: 'toString', id }),
  ])();
}

/** Valid messages that would make the fuzz slow (not wrong): skipped, not sent. */
function tooHeavy(message: unknown): boolean {
  const m = message as Record<string, unknown>;
  if (m.type === 'step') return (m.steps as number) > 2000;
  if (m.type === 'playback') {
    return m.playing === true && ((m.stepsPerFrame as number | undefined) ?? 1) > 100;
  }
  if (m.type === 'surface.sample') return (m.resolution as number) > 256;
  if (m.type === 'basins.compute') {
    return (m.resolution as number) ** 2 * (m.steps as number) > 200_000;
  }
  return false;
}

function checkError(m: EngineMessage, where: string): void {
  if (m.type !== 'error') return;
  expect(typeof m.message, where).toBe('string');
  expect(m.message.length, where).toBeGreaterThan(0);
  expect(m.message, where).not.toMatch(/[\n\r]/);
  expect(m.message, where).not.toMatch(/internal error/i);
  if (m.field !== undefined) expect(m.field, where).toMatch(/^[^\s]*$/);
}

describe('the engine under fuzz', () => {
  it('answers 1,500 random and malformed messages with one-line errors, and keeps running', async () => {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    await client.hello();
    const rng = new SeededRandom(SEED);
    let errors = 0;
    let skipped = 0;
    for (let n = 0; n < 1500; n++) {
      const id = 10_000 + n;
      const message = fuzzMessage(rng, id);
      // Judge what the engine will receive: a port's structured clone drops prototypes.
      const valid = clientMessageSchema.safeParse(structuredClone(message)).success;
      if (valid && tooHeavy(message)) {
        skipped++;
        continue;
      }
      const where = `seed ${SEED}, case ${n}: ${String(JSON.stringify(message)).slice(0, 300)}`;
      const from = client.log.length;
      host.send(message);
      // A cheap request behind it: its reply means the fuzz message has been handled.
      const probe = await client.request({ type: 'run.inspect', runId: 'probe-no-such-run' });
      expect(probe.type, where).toBe('error');
      const replies = client.log.slice(from).filter((m) => m !== probe);
      for (const m of replies) checkError(m, where);
      if (!valid) {
        // The refusal answers this message: with its id if it had a usable one, else with none.
        const raw = message as { id?: unknown } | null;
        const usable =
          typeof raw === 'object' &&
          raw !== null &&
          Number.isSafeInteger(raw.id) &&
          (raw.id as number) >= 0
            ? (raw.id as number)
            : undefined;
        const refusal = replies.find((m) => m.type === 'error' && m.id === usable);
        expect(refusal, where).toBeDefined();
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(1000);
    expect(skipped).toBeLessThan(100);
    // Nothing said anywhere was an internal error, and the engine still answers.
    for (const m of client.log) checkError(m, 'the whole log');
    await client.request({ type: 'playback', playing: false });
    const hello = await client.hello();
    expect(hello.protocol).toBe(1);
  }, 240_000);

  it('refuses every message type with each required field missing, naming the field', async () => {
    host = startInProcessEngine({ frameIntervalMs: 5 });
    const client = new TestClient(host);
    const rng = new SeededRandom(SEED + 1);
    const seen = new Set<string>();
    for (let n = 0; n < 400; n++) {
      const message = validMessage(rng, 500 + n);
      seen.add(message.type as string);
      for (const key of Object.keys(message)) {
        if (key === 'type' || (message.type === 'run.reset' && key !== 'id')) continue;
        if (message.type === 'step' && key === 'steps') continue; // steps defaults to 1
        if (message.type === 'run.update' && key === 'schedule') continue;
        if (message.type === 'step' && key === 'runId') continue;
        if (message.type === 'playback' && key === 'stepsPerFrame') continue;
        const broken = { ...message };
        delete broken[key];
        const reply = await client.sendAndWait(broken, (m) => m.type === 'error');
        expect(reply.type === 'error' && reply.field, `${message.type} without ${key}`).toBe(key);
        checkError(reply, `${message.type} without ${key}`);
      }
    }
    expect(seen.size).toBe(13);
    expect((await client.hello()).type).toBe('hello');
  }, 120_000);
});

describe('the expression compiler under fuzz', () => {
  it('compiles or refuses 2,000 random expressions, with one-line ExpressionErrors, quickly', () => {
    const rng = new SeededRandom(SEED + 2);
    const g = new Float64Array(2);
    const h = new Float64Array(3);
    let compiled = 0;
    const t0 = performance.now();
    for (let n = 0; n < 2000; n++) {
      const expr = rng.pick([
        () => wellFormedExpression(rng, 4),
        () => tokenExpression(rng),
        () => randomCharacters(rng, 30),
        () => randomExpression(rng),
      ])();
      const where = `seed ${SEED + 2}, case ${n}: ${JSON.stringify(expr).slice(0, 200)}`;
      const started = performance.now();
      try {
        const s = compileExpression(expr);
        compiled++;
        for (let k = 0; k < 3; k++) {
          const [x, y] = [rng.uniform(-2, 2), rng.uniform(-2, 2)];
          // Any number (NaN included) is a fine answer; a throw is not.
          expect(typeof s.valueAndGrad(x, y, g, 0), where).toBe('number');
          try {
            s.hessian(x, y, h);
          } catch (err) {
            expect(err, where).toBeInstanceOf(ExpressionError);
          }
        }
      } catch (err) {
        expect(err, where).toBeInstanceOf(ExpressionError);
        expect((err as Error).message, where).not.toMatch(/[\n\r]/);
        expect((err as Error).message.length, where).toBeLessThan(300);
      }
      expect(performance.now() - started, where).toBeLessThan(3000);
    }
    expect(compiled).toBeGreaterThan(400);
    expect(performance.now() - t0).toBeLessThan(120_000);
  }, 180_000);
});
