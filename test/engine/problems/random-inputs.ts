/**
 * Generators of hostile input for the fuzz tests (CLI SPECs, engine messages, expressions):
 * random JSON, mutations of valid values, and random expressions built from the grammar's
 * tokens or from raw characters. Everything draws from a SeededRandom, so a failing case is
 * reproduced by its seed.
 */
import { presets } from '../../../electron/engine/problems/presets';
import type { SeededRandom } from './seeded-random';

/** Numbers that break naive code: non-finite, huge, tiny, negative zero, unsafe integers. */
export const nastyNumbers = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  1e-300,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e6 + 1,
  1e9,
  0.1 + 0.2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

/** Strings that break naive code: number look-alikes, prototype keys, unicode, escapes. */
export const nastyStrings = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '0x10',
  '1_000',
  'null',
  'true',
  'undefined',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '💥',
  '\u202Ertl',
  '\u200B',
  '\ud800',
  '\u0000',
  'line\nbreak',
  '"quoted"',
  '\\',
  '${x}',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  'rosenbrock ',
  'ROSENBROCK',
  'sgd',
  'lecture',
  'x^2',
];

/** Expression tokens: the grammar's pieces, some of them misused. */
const expressionTokens = [
  'x',
  'y',
  'z',
  'pi',
  'e',
  '2',
  '0.5',
  '1e3',
  '1e400',
  '+',
  '-',
  '*',
  '/',
  '^',
  '(',
  ')',
  ',',
  '=',
  '!',
  "'",
  '.',
  '[',
  ']',
  '{',
  '}',
  ':',
  ';',
  '?',
  '>',
  '%',
  '"',
  'sin(',
  'cos(',
  'exp(',
  'log(',
  'sqrt(',
  'abs(',
  'tanh(',
  'atan2(',
  'pow(',
  'sign(',
  'square(',
  'log1p(',
  'foo(',
  'evaluate(',
  'import(',
  'constructor',
  '__proto__',
  'toString(',
  'true',
  'null',
  ' ',
];

const smallFunctions = [
  'sin',
  'cos',
  'exp',
  'tanh',
  'atan',
  'abs',
  'sqrt',
  'log',
  'square',
  'cube',
];

/**
 * A random expression that parses: a small tree over x, y, constants and functions. With
 * `variableExponents` false, powers have constant exponents only (u^v with v varying has no
 * derivative where u = 0: the power rule takes log u).
 */
export function wellFormedExpression(
  rng: SeededRandom,
  depth = 3,
  variableExponents = true,
): string {
  const sub = () => wellFormedExpression(rng, depth - 1, variableExponents);
  if (depth <= 0 || rng.chance(0.25)) {
    return rng.pick(['x', 'y', 'x', 'y', '2', '0.5', 'pi', String(rng.int(10))]);
  }
  switch (rng.int(4)) {
    case 0:
      return `${rng.pick(smallFunctions)}(${sub()})`;
    case 1: {
      const exponents = variableExponents ? ['2', '3', '0.5', 'y'] : ['2', '3', '0.5'];
      return `(${sub()})^${rng.pick(exponents)}`;
    }
    default:
      return `${sub()} ${rng.pick(['+', '-', '*', '/'])} ${sub()}`;
  }
}

/** A random string of the grammar's tokens: mostly malformed. */
export function tokenExpression(rng: SeededRandom): string {
  const n = 1 + rng.int(12);
  let text = '';
  for (let i = 0; i < n; i++) text += rng.pick(expressionTokens);
  return text;
}

/** Random characters, printable or not, including lone surrogates and control characters. */
export function randomCharacters(rng: SeededRandom, maxLength = 40): string {
  const n = rng.int(maxLength + 1);
  let text = '';
  for (let i = 0; i < n; i++) {
    text += rng.chance(0.7)
      ? String.fromCharCode(32 + rng.int(95))
      : String.fromCharCode(rng.int(0x10000));
  }
  return text;
}

/** Any of the above, or a pathological size or nesting. */
export function randomExpression(rng: SeededRandom): string {
  switch (rng.int(8)) {
    case 0:
    case 1:
      return wellFormedExpression(rng);
    case 2:
    case 3:
      return tokenExpression(rng);
    case 4:
      return randomCharacters(rng);
    case 5: {
      // A well-formed expression with one character changed.
      const text = wellFormedExpression(rng);
      const at = rng.int(text.length);
      return text.slice(0, at) + rng.pick(expressionTokens) + text.slice(at + 1);
    }
    case 6: {
      const n = rng.pick([50, 200, 400, 999]);
      return rng.pick([
        () => '('.repeat(n) + 'x' + ')'.repeat(n),
        () => 'x' + '+x'.repeat(n),
        () => 'sin('.repeat(Math.min(n, 120)) + 'x' + ')'.repeat(Math.min(n, 120)),
        () => 'x^'.repeat(Math.min(n, 60)) + 'y',
        () => '-'.repeat(n) + 'x',
      ])();
    }
    default:
      return rng.pick([
        '',
        ' ',
        'x',
        'y^2',
        '1/x',
        'log(x)',
        'sqrt(-1)',
        'x/0',
        '0/0',
        '1e308*1e308*x',
      ]);
  }
}

const presetNames = presets.map((s) => s.info.name);

/** A random but well-formed optimizer spec (small learning rates, so runs stay cheap). */
export function optimizerSpec(rng: SeededRandom): Record<string, unknown> {
  const optimizer = rng.pick(['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw']);
  const spec: Record<string, unknown> = { optimizer, lr: rng.pick([0.001, 0.01, 0.1]) };
  if (optimizer === 'sgd' && rng.chance(0.5)) spec.momentum = 0.9;
  if ((optimizer === 'adagrad' || optimizer === 'rmsprop') && rng.chance(0.3))
    spec.variant = 'lecture';
  if (optimizer === 'adam' && rng.chance(0.3)) spec.amsgrad = true;
  if (rng.chance(0.3)) spec.schedule = schedule(rng);
  return spec;
}

export function schedule(rng: SeededRandom): Record<string, unknown> {
  return rng.pick([
    () => ({ kind: 'constant' }),
    () => ({ kind: 'step', stepSize: 10, gamma: 0.5 }),
    () => ({ kind: 'exponential', gamma: 0.99 }),
    () => ({ kind: 'cosine', tMax: 50, etaMin: 0 }),
    () => ({ kind: 'linear', startFactor: 0.1, endFactor: 1, totalIters: 20 }),
    () => ({ kind: 'warmupDecay', warmupSteps: 5, decay: 'invSqrt' }),
    () => ({ kind: 'invSqrt' }),
  ])();
}

/** A random surface spec: a preset name, or an expression with or without a domain. */
export function surfaceSpec(rng: SeededRandom): unknown {
  if (rng.chance(0.6)) return rng.pick(presetNames);
  const expr = rng.chance(0.7) ? wellFormedExpression(rng, 2) : randomExpression(rng);
  return rng.chance(0.5)
    ? { expr }
    : {
        expr,
        domain: [
          [-2, 2],
          [-1, 3],
        ],
      };
}

/** A random JSON-ish value: primitives, nasty numbers and strings, arrays and objects. */
export function randomValue(rng: SeededRandom, depth = 2): unknown {
  switch (rng.int(depth > 0 ? 9 : 6)) {
    case 0:
      return rng.pick(nastyNumbers);
    case 1:
      return rng.uniform(-1e3, 1e3);
    case 2:
      return rng.pick(nastyStrings);
    case 3:
      return rng.chance(0.5);
    case 4:
      return null;
    case 5:
      return randomCharacters(rng, 12);
    case 6:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth - 1));
    case 7: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) {
        out[rng.pick([...nastyStrings, 'lr', 'kind', 'expr', 'optimizer'])] = randomValue(
          rng,
          depth - 1,
        );
      }
      return out;
    }
    default:
      return rng.pick([[], {}, [[]], { '': {} }]);
  }
}

/** `depth` arrays (or objects) nested around a value. */
export function deeplyNested(rng: SeededRandom, depth: number, inner: unknown = 1): unknown {
  let value = inner;
  const asArray = rng.chance(0.5);
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Paths to every node of a JSON tree, as key lists. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  }
  return out;
}

function parentOf(root: unknown, path: (string | number)[]): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

/**
 * One to three mutations of a valid value: a node replaced (wrong type, nasty value, deep
 * nesting, a huge array or string), a key deleted, or an unknown key (prototype keys among
 * them) added.
 */
export function mutate(rng: SeededRandom, valid: unknown): unknown {
  let root = clone(valid);
  for (let m = 1 + rng.int(3); m > 0; m--) {
    const all = paths(root);
    const path = rng.pick(all);
    const replacement = (): unknown =>
      rng.pick([
        () => randomValue(rng),
        () => rng.pick(nastyNumbers),
        () => rng.pick(nastyStrings),
        () => deeplyNested(rng, rng.pick([50, 500])),
        () => Array.from({ length: rng.pick([65, 1000, 20000]) }, () => rng.uniform(-1, 1)),
        () => 'x'.repeat(rng.pick([65, 2001, 100_000])),
        () => randomExpression(rng),
        () => String(rng.pick(nastyNumbers)),
      ])();
    if (path.length === 0) {
      root = replacement();
      continue;
    }
    const parent = parentOf(root, path);
    const key = path[path.length - 1];
    const action = rng.int(4);
    if (action === 0 && !Array.isArray(parent)) {
      delete parent[key];
    } else if (action === 1 && parent && typeof parent === 'object' && !Array.isArray(parent)) {
      // A key the schema does not know; JSON.parse makes "__proto__" an own property too.
      Object.defineProperty(
        parent,
        rng.pick(['__proto__', 'constructor', 'prototype', 'extra', '💥']),
        {
          value: randomValue(rng),
          enumerable: true,
          configurable: true,
          writable: true,
        },
      );
    } else {
      parent[key] = replacement();
    }
  }
  return root;
}
