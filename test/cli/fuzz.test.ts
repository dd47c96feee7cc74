/**
 * Fuzz: thousands of random and malformed SPECs thrown at `losslab trajectory` (in-process,
 * through real files) and at its validator. Every one is either run (exit 0, well-formed JSON)
 * or refused with exit 2 and one line naming the field; none may reach "internal error"
 * (exit 1) or throw. Seeded: a failure prints the seed and case number that reproduce it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main, parseSpec, SpecError } from '../../electron/cli/index';
import { trajectorySpecSchema, type TrajectoryOutput } from '../../electron/common/spec';
import {
  deeplyNested,
  mutate,
  nastyNumbers,
  optimizerSpec,
  randomCharacters,
  randomExpression,
  randomValue,
} from '../engine/problems/random-inputs';
import { SeededRandom } from '../engine/problems/seeded-random';

/** Override with LOSSLAB_FUZZ_SEED to explore further; a failure names the seed to replay. */
const SEED = Number(process.env.LOSSLAB_FUZZ_SEED ?? 20_260_301);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-fuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Expressions that compile, few enough that the compile cache makes repeats free. */
const goodExpressions = [
  'x^2 - y^2',
  '(1 - x)^2 + 100*(y - x^2)^2',
  'sin(x) * cos(y)',
  'abs(x) + abs(y)',
  'log(1 + x^2 + y^2)',
  'exp(-x^2 - y^2)',
  'tanh(x*y) + 0.1*(x^2 + y^2)',
];

function validSpec(rng: SeededRandom): Record<string, unknown> {
  const surface = rng.chance(0.7)
    ? rng.pick(['rosenbrock', 'bowl', 'himmelblau', 'ravine', 'softmax-mse', 'ackley', 'saddle'])
    : rng.chance(0.5)
      ? { expr: rng.pick(goodExpressions) }
      : {
          expr: rng.pick(goodExpressions),
          domain: [
            [-2, 2],
            [-1, 3],
          ],
        };
  return {
    surface,
    start: [rng.uniform(-1.5, 1.5), rng.uniform(-1, 2)],
    steps: rng.int(60),
    runs: Array.from({ length: 1 + rng.int(3) }, () => optimizerSpec(rng)),
  };
}

/** JSON text with one numeric literal replaced by something JSON or the schema must refuse. */
function numberTextMutation(rng: SeededRandom, text: string): string {
  const literals = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
  if (literals.length === 0) return text;
  const hit = rng.pick(literals);
  const at = hit.index ?? 0;
  const replacement = rng.pick([
    '1e400',
    '-1e400',
    '1e-400',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '.5',
    '01',
    '+1',
    '1.',
    '"1"',
    'null',
    '1e999999',
    '123456789012345678901234567890',
  ]);
  return text.slice(0, at) + replacement + text.slice(at + hit[0].length);
}

/** The text of one fuzz case: mostly a mutated valid SPEC, sometimes raw garbage. */
function fuzzCase(rng: SeededRandom): { text: string | Buffer; spec?: unknown } {
  const kind = rng.int(20);
  if (kind < 2) {
    const spec = validSpec(rng);
    return { text: JSON.stringify(spec), spec };
  }
  if (kind < 11) {
    const spec = mutate(rng, validSpec(rng));
    return { text: JSON.stringify(spec) ?? 'null', spec };
  }
  if (kind < 13) return { text: numberTextMutation(rng, JSON.stringify(validSpec(rng))) };
  if (kind < 14) {
    const spec = { ...validSpec(rng), surface: { expr: randomExpression(rng) } };
    return { text: JSON.stringify(spec), spec };
  }
  if (kind < 15) {
    const spec = randomValue(rng, 3);
    return { text: JSON.stringify(spec) ?? 'null', spec };
  }
  if (kind < 16) {
    const good = JSON.stringify(validSpec(rng));
    return { text: good.slice(0, rng.int(good.length)) };
  }
  if (kind < 17)
    return { text: Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256))) };
  if (kind < 18) return { text: randomCharacters(rng, 200) };
  if (kind < 19) {
    const depth = rng.pick([1000, 100_000]);
    return rng.chance(0.5)
      ? { text: '['.repeat(depth) + ']'.repeat(depth) }
      : { text: JSON.stringify({ ...validSpec(rng), runs: deeplyNested(rng, 2000) }) };
  }
  return {
    text: rng.pick([
      '',
      ' \n',
      'null',
      '[]',
      '{}',
      '42',
      '"rosenbrock"',
      '\uFEFF' + JSON.stringify(validSpec(rng)),
      JSON.stringify(validSpec(rng)) + ' trailing',
      '{"__proto__": {"polluted": true}, "surface": "bowl", "start": [0, 0], "steps": 1, "runs": [{"optimizer": "sgd"}]}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      JSON.stringify({
        ...validSpec(rng),
        runs: Array.from({ length: 10_000 }, () => ({ optimizer: 'sgd' })),
      }),
    ]),
  };
}

function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await main(args, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe('losslab trajectory under fuzz', () => {
  it('answers 1,200 random and malformed SPEC files with exit 0 or a one-line exit 2', async () => {
    const rng = new SeededRandom(SEED);
    const tally = { ok: 0, refused: 0 };
    const file = path.join(dir, 'spec.json');
    for (let n = 0; n < 1200; n++) {
      const { text } = fuzzCase(rng);
      fs.writeFileSync(file, text);
      const { code, out, err } = await runCli(['trajectory', file]);
      const where = `seed ${SEED}, case ${n}: ${String(typeof text === 'string' ? text : '<bytes>').slice(0, 300)}`;
      expect(code, `${where}\n${err}`).not.toBe(1);
      if (code === 0) {
        tally.ok++;
        const result = JSON.parse(out) as TrajectoryOutput;
        // A SPEC may start with a byte-order mark, which the CLI drops (JSON.parse does not).
        const spec = JSON.parse(text.toString().replace(/^\uFEFF/, '')) as {
          steps: number;
          runs: unknown[];
        };
        expect(result.runs, where).toHaveLength(spec.runs.length);
        for (const run of result.runs) {
          expect(run.points.length, where).toBeLessThanOrEqual(spec.steps + 1);
          if (run.status === 'ok') expect(run.points.length, where).toBe(spec.steps + 1);
          expect(run.points.flat().every(Number.isFinite), where).toBe(true);
        }
      } else {
        tally.refused++;
        expect(code, where).toBe(2);
        expect(out, where).toBe('');
        // One line: "losslab trajectory: spec.<field>: <reason>" (or the file problem).
        expect(err, where).toMatch(/^losslab trajectory: [^\n]+\n$/);
        expect(err, where).toMatch(/^losslab trajectory: (spec(\.[^:\s]+)?: |cannot read )/);
        expect(err, where).not.toMatch(/internal error|\bat .*\(.*:\d+:\d+\)/);
      }
    }
    // The generator produced both kinds in earnest.
    expect(tally.ok).toBeGreaterThan(80);
    expect(tally.refused).toBeGreaterThan(800);
  }, 240_000);

  it('refuses bad command lines with exit 2 and one line', async () => {
    const rng = new SeededRandom(SEED + 1);
    const missing = path.join(dir, 'no-such-file.json');
    // No command at all prints the usage (on stdout) and exits 2.
    for (const args of [[], [''], ['', 'spec.json']]) {
      const none = await runCli(args);
      expect(none.code).toBe(2);
      expect(none.out).toMatch(/^Usage: losslab/);
    }
    const cases: string[][] = [
      ['explode'],
      ['trajectory'],
      ['trajectory', missing],
      ['trajectory', dir],
      ['trajectory', 'a.json', 'b.json'],
      ['__proto__', 'x'],
      ['constructor'],
      ['toString', 'x'],
    ];
    for (let n = 0; n < 40; n++) {
      cases.push([`x${randomCharacters(rng, 10)}`, randomCharacters(rng, 10)]);
    }
    for (const args of cases) {
      const { code, err } = await runCli(args);
      expect(code, JSON.stringify(args)).toBe(2);
      expect(err, JSON.stringify(args)).toMatch(/^losslab[^\n]*\n$/);
    }
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['trajectory', '--help'])).code).toBe(0);
  });
});

describe('the SPEC validator under fuzz', () => {
  it('turns 5,000 mutated SPECs into parsed specs or one-line SpecErrors naming a field', () => {
    const rng = new SeededRandom(SEED + 2);
    let refused = 0;
    for (let n = 0; n < 5000; n++) {
      const raw = rng.chance(0.9) ? mutate(rng, validSpec(rng)) : randomValue(rng, 3);
      try {
        const spec = parseSpec(trajectorySpecSchema, raw);
        // What passes is what the schema promises.
        expect(Number.isInteger(spec.steps) && spec.steps >= 0).toBe(true);
        expect(spec.start.every(Number.isFinite)).toBe(true);
        expect(spec.runs.length).toBeGreaterThan(0);
      } catch (err) {
        refused++;
        expect(err, `case ${n}`).toBeInstanceOf(SpecError);
        const message = (err as Error).message;
        expect(message, `case ${n}`).toMatch(/^spec(\.[^:\s]+)?: \S/);
        expect(message, `case ${n}`).not.toMatch(/\n/);
      }
    }
    expect(refused).toBeGreaterThan(3000);
  });

  it('never lets a non-finite number through, however it is spelled', () => {
    const base = {
      surface: 'bowl',
      start: [0, 0],
      steps: 10,
      runs: [{ optimizer: 'adam', lr: 0.1, betas: [0.9, 0.999] }],
    };
    const targets: ((s: typeof base, v: unknown) => unknown)[] = [
      (s, v) => ({ ...s, start: [v, 0] }),
      (s, v) => ({ ...s, steps: v }),
      (s, v) => ({ ...s, runs: [{ ...s.runs[0], lr: v }] }),
      (s, v) => ({ ...s, runs: [{ ...s.runs[0], betas: [0.9, v] }] }),
      (s, v) => ({
        ...s,
        surface: {
          expr: 'x^2',
          domain: [
            [v, 1],
            [0, 1],
          ],
        },
      }),
    ];
    for (const target of targets) {
      for (const v of [
        ...nastyNumbers.filter((x) => !Number.isFinite(x)),
        'NaN',
        'Infinity',
        '1e400',
        // What JSON.parse makes of 1e400.
        Number('1e400'),
      ]) {
        expect(() => parseSpec(trajectorySpecSchema, target(base, v)), String(v)).toThrow(
          SpecError,
        );
      }
    }
  });

  it('is not polluted by __proto__ keys', () => {
    const raw = JSON.parse(
      '{"surface": "bowl", "start": [0, 0], "steps": 1, "runs": [{"optimizer": "sgd", "__proto__": {"lr": 5}}]}',
    );
    expect(() => parseSpec(trajectorySpecSchema, raw)).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).lr).toBeUndefined();
  });
});
