/**
 * Hostile engine messages for the suites in hostile-messages.test.ts: mutated valid messages
 * and the attacks found against the engine's boundary (BigInt, nesting thousands deep, a
 * hundred thousand keys, values no message has, misused uploads, absurd networks, jobs that
 * would run for hours). Seeded: a case replays from its seed and number.
 */
import { checkMessageShape } from '../../electron/common/bounds';
import { clientMessageSchema, type EngineMessage } from '../../electron/common/protocol';
import {
  deeplyNested,
  mutate,
  optimizerSpec,
  randomCharacters,
  randomExpression,
  randomValue,
  schedule,
  surfaceSpec,
} from './problems/random-inputs';
import type { SeededRandom } from './problems/seeded-random';

/** A well-formed message of every kind the protocol has, with small, cheap parameters. */
export function validMessage(
  rng: SeededRandom,
  id: number,
  runIds = ['a', 'b', 'c'],
): Record<string, unknown> {
  const runId = rng.pick(runIds);
  const start = () => [rng.uniform(-1.5, 1.5), rng.uniform(-1, 1.5)];
  return rng.pick([
    () => ({ type: 'hello', id, protocol: 1 }),
    () => ({
      type: 'run.create',
      id,
      run: { runId, surface: surfaceSpec(rng), start: start(), optimizer: optimizerSpec(rng) },
    }),
    () => ({ type: 'run.update', id, runId, hyper: { lr: rng.pick([0.001, 0.01]) } }),
    () => ({ type: 'run.update', id, runId, hyper: {}, schedule: schedule(rng) }),
    () => ({ type: 'run.remove', id, runId }),
    () => ({ type: 'run.reset', id, runId, start: start() }),
    () => ({ type: 'run.reset', id }),
    () => ({ type: 'playback', id, playing: false, stepsPerFrame: 1 + rng.int(10) }),
    () => ({ type: 'step', id, steps: 1 + rng.int(50), runId }),
    () => ({ type: 'step', id, steps: 1 + rng.int(20) }),
    () => ({ type: 'surface.sample', id, surface: surfaceSpec(rng), resolution: 2 + rng.int(30) }),
    () => ({ type: 'frame.ack', seq: rng.int(100) }),
    () => ({ type: 'run.inspect', id, runId }),
    () => ({
      type: 'schedule.preview',
      id,
      schedule: schedule(rng),
      lr: 0.1,
      steps: 1 + rng.int(200),
    }),
    () => ({
      type: 'basins.compute',
      id,
      surface: rng.pick(['himmelblau', 'bowl', 'six-hump-camel']),
      optimizer: optimizerSpec(rng),
      resolution: 2 + rng.int(6),
      steps: 1 + rng.int(30),
    }),
    () => ({ type: 'basins.cancel', id }),
  ])();
}

/** A well-formed message of the network lab, sessions and jobs (for run ids a, b, n1). */
function validLabMessage(rng: SeededRandom, id: number): Record<string, unknown> {
  const runId = rng.pick(runIds);
  return rng.pick([
    () => ({
      type: 'net.run.create',
      id,
      run: { runId, optimizer: optimizerSpec(rng), batchSize: rng.pick([8, 32, 'full']) },
    }),
    () => ({ type: 'net.run.update', id, runId, change: { hyper: { lr: 0.01 } } }),
    () => ({ type: 'net.evaluate', id, runId, split: rng.pick(['train', 'validation', 'test']) }),
    () => ({ type: 'net.view', id, runId, resolution: 8 }),
    // A PyHessian result: a valid one, or a mutated one.
    () => ({
      type: 'critical.import',
      id,
      text: JSON.stringify({
        format: 'losslab-hessian',
        version: 1,
        recordedBy: 'test',
        eigenvalues: [rng.uniform(-1, 3), rng.uniform(0, 5)],
        ...(rng.chance(0.5) ? { trace: [rng.uniform(0, 10)] } : {}),
        ...(rng.chance(0.5) ? { density: { eigen: [[-1, 2]], weight: [[0.5, 0.5]] } } : {}),
      }),
    }),
    // A loss-landscape file: here never HDF5, so always refused, in one line.
    () => ({
      type: 'net.landscape.file',
      id,
      files: [
        {
          name: 'surface.h5',
          bytes: Uint8Array.from({ length: 8 + rng.int(64) }, () => rng.int(256)),
        },
      ],
    }),
    // A CSV file in two parts of 6 bytes ("a,b\n1," then "2\n3,4\n"), in any order.
    () => ({
      type: 'net.data.part',
      id,
      upload: 1 + rng.int(2),
      name: 'h.csv',
      total: 12,
      offset: rng.pick([0, 6]),
      bytes: new TextEncoder().encode(rng.pick(['a,b\n1,', '2\n3,4\n'])),
      ...(rng.chance(0.7) ? { read: { target: rng.pick(['a', 'b', 'c']) } } : {}),
    }),
    // A model file that is not one (refused by name; the lab keeps its problem).
    () => ({
      type: 'net.model.open',
      id,
      dataset: { kind: 'xor', n: 40 },
      files: [
        {
          name: 'model.json',
          bytes: new TextEncoder().encode(
            rng.pick(['{}', 'not json', '{"modelTopology":{"class_name":"Sequential"}}']),
          ),
        },
      ],
    }),
    () => ({ type: 'session.context', id, context: { view: { a: 1 } } }),
    // A lecturer's exercise in the context (common/exercise.ts), mutated like the rest.
    () => ({
      type: 'session.context',
      id,
      context: {
        view: {},
        exercise: {
          version: 1,
          task: { en: 'Reach the minimum.', zh: '到达极小值。' },
          hints: [{ en: 'Momentum.' }],
          controls: { 'explorer.lr': 'locked', 'network.dataset': 'hidden' },
          goals: [
            {
              lab: 'explorer',
              metric: 'distance',
              point: { at: [1, 1], name: 'the minimum' },
              runs: { optimizer: 'momentum', quantifier: 'any' },
              compare: '<=',
              threshold: 0.1,
              at: 'end',
              within: 100,
            },
          ],
        },
      },
    }),
    () => ({ type: 'job.cancel', id: rng.int(20_000) }),
    () => ({ type: 'sync', id }),
    // The critical-points lab (its experiments are too long for these suites).
    () => ({
      type: 'critical.analyze',
      id,
      target: {
        kind: 'run',
        runId: rng.pick(['a', 'b', 'n1']),
        ...(rng.chance(0.5) ? { step: rng.int(8) } : {}),
      },
      options: {
        method: rng.pick(['auto', 'exact', 'lanczos']),
        k: 1 + rng.int(4),
        iterations: 2 + rng.int(30),
        traceProbes: 1 + rng.int(5),
      },
    }),
    () => ({
      type: 'critical.analyze',
      id,
      target: {
        kind: 'surface',
        point: [rng.uniform(-2, 2), rng.uniform(-2, 2)],
        surface: surfaceSpec(rng),
      },
    }),
    () => ({
      type: 'critical.line',
      id,
      target: { kind: 'run', runId: rng.pick(['a', 'b', 'n1']) },
      points: 3 + rng.int(20),
      radius: 0.1,
    }),
    () => ({
      type: 'critical.escape',
      id,
      target: { kind: 'run', runId: rng.pick(['a', 'n1']) },
      t: 0.1,
      newRunId: 'esc',
    }),
    // The experiments lab: short ones only (one at a time; a second is refused while one runs).
    () => ({
      type: 'experiments.run',
      id,
      experiment: rng.pick([
        { kind: 'complexity', values: [1, 2], epochs: 1 },
        { kind: 'mismatch', sizes: [0, 1], epochs: 1 },
        { kind: 'diagnose', epochs: 1 },
      ]),
    }),
    () => ({ type: 'experiments.remove', id, experimentId: `experiment-${1 + rng.int(3)}` }),
  ])();
}

/** Run ids the hostile suites address: two surface runs and a network run. */
export const runIds = ['a', 'b', 'n1'];

/** A well-formed message of any kind. */
function anyValidMessage(rng: SeededRandom, id: number): Record<string, unknown> {
  return rng.chance(0.7) ? validMessage(rng, id, runIds) : validLabMessage(rng, id);
}

/** Puts `value` at a random place of a message (or makes it the message). */
function plant(rng: SeededRandom, message: Record<string, unknown>, value: unknown): unknown {
  const keys = Object.keys(message).filter((k) => k !== 'type');
  if (keys.length === 0 || rng.chance(0.1)) return value;
  const key = rng.pick(keys);
  const inner = message[key];
  if (inner && typeof inner === 'object' && !Array.isArray(inner) && rng.chance(0.5)) {
    const innerKeys = Object.keys(inner);
    if (innerKeys.length > 0) {
      return { ...message, [key]: { ...inner, [rng.pick(innerKeys)]: value } };
    }
  }
  return { ...message, [key]: value };
}

/** A hundred thousand unknown keys on a valid message. */
function manyKeys(message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...message };
  for (let i = 0; i < 100_000; i++) out[`k${i}`] = i;
  return out;
}

/** One hostile message: what a careless or malicious client could send. */
export function hostileMessage(rng: SeededRandom, id: number): unknown {
  const base = () => anyValidMessage(rng, id);
  const kind = rng.int(40);
  if (kind < 4) return base();
  if (kind < 18) return mutate(rng, base());
  switch (kind) {
    case 18:
    case 19:
      return plant(rng, base(), rng.pick([2n ** 64n, -1n, 0n, [1n, 2n]]));
    case 20:
      return plant(rng, base(), deeplyNested(rng, 3000 + rng.int(2001)));
    case 21:
      return deeplyNested(rng, 3000 + rng.int(2001), base());
    case 22:
      return manyKeys(base());
    case 23:
      return plant(rng, base(), rng.pick([new Map([[1, 2]]), new Set([1]), new Date(0)]));
    case 24:
      return plant(rng, base(), new Float64Array(rng.pick([1, 3, 100_000])));
    case 25:
      return plant(rng, base(), 'x'.repeat(rng.pick([1000, 1_000_000])));
    case 26:
      return {
        type: 'session.upload',
        id,
        upload: rng.int(3),
        total: rng.pick([1, 100, 2 ** 31, 2 ** 31 + 1, -1]),
        offset: rng.pick([0, 1, 50, -1, 2 ** 40]),
        bytes: new Uint8Array(rng.pick([0, 1, 10, 1000])),
      };
    case 27:
      return rng.pick([
        { type: 'session.open', id, upload: rng.int(3) },
        { type: 'session.open', id },
        { type: 'session.open', id, bytes: new Uint8Array(rng.int(200)).map(() => rng.int(256)) },
        { type: 'session.open', id, bytes: new Uint8Array(0), upload: 1 },
      ]);
    case 28:
      return {
        type: 'net.setup',
        id,
        dataset: { kind: rng.pick(['spirals', 'moons', 'sine']), n: rng.pick([100_000, 50_000]) },
        model: { depth: rng.pick([10, 20]), width: rng.pick([256, 512, 1024]) },
      };
    case 29:
      return {
        type: 'net.run.create',
        id,
        run: { runId: 'big', optimizer: { optimizer: 'sgd' }, batchSize: 100_000 },
      };
    case 30:
      return { type: randomCharacters(rng, 12), id };
    case 31:
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
    case 32:
      return randomValue(rng, 3);
    case 33:
      return rng.pick([undefined, null, 'hello', 42, NaN, Infinity, [], {}, true]);
    case 34:
      return { type: 'hello', id: rng.pick([-1, 2 ** 60, 1.5, NaN, '7']), protocol: 1 };
    case 35:
      return { type: rng.pick(['constructor', 'toString', '__proto__', 'hasOwnProperty']), id };
    case 36:
      return JSON.parse(`{"type": "hello", "id": ${id}, "protocol": 1, "__proto__": {"x": 1}}`);
    case 37:
      return {
        type: 'run.fork',
        id,
        runId: 'a',
        step: rng.pick([0, 10, 2 ** 40]),
        newRunId: 'f',
        optimizer: { optimizer: 'adam' },
      };
    default:
      return { type: 'frame.ack', seq: rng.pick([-1, 2 ** 60, NaN, 1e300]) };
  }
}

/** Whether the engine's boundary should refuse a message outright (shape or schema). */
export function shouldRefuse(message: unknown): boolean {
  if (checkMessageShape(message) !== undefined) return true;
  return !clientMessageSchema.safeParse(message).success;
}

/** Valid messages that would make a suite slow (not wrong): not sent. */
export function tooHeavy(message: unknown): boolean {
  if (shouldRefuse(message)) return false;
  const m = message as Record<string, unknown>;
  if (m.type === 'step') return ((m.steps as number | undefined) ?? 1) > 2000;
  if (m.type === 'playback') return m.playing === true;
  if (m.type === 'surface.sample') return (m.resolution as number) > 256;
  if (m.type === 'schedule.preview') return (m.steps as number) > 10_000;
  return false;
}

/** What an error reply must be: one line, short, never an internal error. */
export function errorProblem(m: EngineMessage): string | undefined {
  if (m.type !== 'error') return undefined;
  if (typeof m.message !== 'string' || m.message.length === 0) return 'an empty message';
  if (/[\n\r]/.test(m.message)) return 'a message of more than one line';
  if (m.message.length > 400) return `a message of ${m.message.length} characters`;
  if (/internal error/i.test(m.message)) return `an internal error: ${m.message}`;
  return undefined;
}

/** The id a refusal of this message should carry, when it had a usable one. */
export function usableId(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const id = (message as { id?: unknown }).id;
  return Number.isSafeInteger(id) && (id as number) >= 0 ? (id as number) : undefined;
}

/** Messages that announce a change of the engine's state. */
export const STATE_MESSAGES = new Set([
  'run.state',
  'run.removed',
  'net.run.state',
  'net.run.removed',
  'net.problem',
  'session.opened',
  'run.forked',
  'record.state',
]);

export interface Figures {
  tried: number;
  refused: number;
  accepted: number;
  crashed: number;
  hung: number;
  changed: number;
}

export function figuresLine(name: string, f: Figures): string {
  return `${name}: tried ${f.tried} / refused with a one-line error ${f.refused} / accepted ${f.accepted} / crashed ${f.crashed} / hung ${f.hung} / state changed after a refusal ${f.changed}`;
}
