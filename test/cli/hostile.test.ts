/**
 * Hostile SPECs for every `losslab` command: malformed JSON, byte-order marks, wrong types,
 * out-of-range numbers, unknown keys, deep nesting, huge arrays, absurd sizes, bad expressions,
 * empty files, directories, endless streams, binary junk and wrong encodings. Each is run
 * in-process through main(), and a sample of them through the built CLI as child processes
 * (where a crash is an abort or a signal, and a hang is no exit within a bound). Every one must
 * be refused with exit 2 and exactly one line naming `spec` or a field of it, nothing on
 * stdout, and no file created or changed; a valid SPEC must still work afterwards.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../engine/problems/seeded-random';
import { buildCli, PointCounter, runCli, spawnCli, type ChildResult } from './harness';

type CommandName = 'trajectory' | 'basins' | 'train' | 'landscape';

/** A SPEC's bytes, or a path that is not an ordinary SPEC file. */
type Input =
  | { bytes: Buffer }
  | { special: 'directory' | 'missing' | 'nul-in-path' | 'dev-zero' | 'too-big' | 'fifo' };

interface Case {
  name: string;
  command: CommandName;
  input: Input;
  /** Read from stdin (`-`) instead of a file. */
  stdin?: boolean;
}

const bases: Record<CommandName, Record<string, unknown>> = {
  trajectory: {
    surface: 'bowl',
    start: [-3, 1],
    steps: 50,
    runs: [{ optimizer: 'adam', lr: 0.1 }],
  },
  basins: {
    surface: 'himmelblau',
    optimizer: { optimizer: 'adam', lr: 0.05 },
    resolution: 8,
    steps: 20,
  },
  train: {
    dataset: { kind: 'xor', n: 40 },
    model: { width: 4 },
    steps: 5,
    batchSize: 'full',
    runs: [{ optimizer: 'adam', lr: 0.01 }],
  },
  landscape: {
    dataset: { kind: 'xor', n: 40 },
    model: { width: 4 },
    steps: 5,
    batchSize: 'full',
    runs: [{ optimizer: 'adam', lr: 0.01 }],
    landscape: { resolution: 3, coarse: 0, threads: 0 },
  },
};

const commandNames = Object.keys(bases) as CommandName[];
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const json = (value: unknown) => utf8(JSON.stringify(value));

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
}

/** A copy of `base` with `value` at `path` (undefined deletes it). */
function withField(base: Record<string, unknown>, pathText: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = pathText.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

/** Text any command must refuse: not JSON, not UTF-8, not a SPEC at all. */
function textCases(rng: SeededRandom, command: CommandName): [string, Buffer][] {
  const base = JSON.stringify(bases[command]);
  const bom = '\uFEFF';
  const random = (n: number) => Buffer.from(Array.from({ length: n }, () => rng.int(256)));
  return [
    // Malformed JSON.
    ['truncated', utf8(base.slice(0, base.length >> 1))],
    ['trailing text', utf8(`${base} trailing`)],
    ['two documents', utf8(base + base)],
    ['single quotes', utf8(base.replace(/"/g, "'"))],
    ['unquoted keys', utf8(base.replace(/"([a-z]+)":/g, '$1:'))],
    ['a trailing comma', utf8(`${base.slice(0, -1)},}`)],
    ['a comment', utf8(`// spec\n${base}`)],
    ['NaN', utf8('NaN')],
    ['a bad escape', utf8(`{"surface": "\\x41"}`)],
    ['a short unicode escape', utf8(`{"surface": "\\u12"}`)],
    ['an unterminated string', utf8('{"surface": "bowl')],
    ['1e400 as a whole SPEC', utf8('1e400')],
    ['null', utf8('null')],
    ['an array', utf8('[]')],
    ['a number', utf8('42')],
    ['a string', utf8('"rosenbrock"')],
    ['an empty object', utf8('{}')],
    // Byte-order marks.
    ['only a BOM', utf8(bom)],
    ['a BOM and spaces', utf8(`${bom} \n`)],
    ['two BOMs', utf8(bom + bom + base)],
    ['a BOM inside', utf8(`{${bom}${base.slice(1)}`)],
    ['a UTF-16 LE BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(base, 'utf16le')])],
    ['a UTF-16 BE BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(base)])],
    [
      'a UTF-32 LE BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from(base, 'utf16le')]),
    ],
    ['a UTF-32 BE BOM', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf8(base)])],
    ['a BOM spelled as an escape', utf8(`\\uFEFF${base}`)],
    ['a BOM and Latin-1', Buffer.concat([utf8(bom), Buffer.from('{"é": 1}', 'latin1')])],
    // Wrong encodings.
    ['Latin-1', Buffer.from(base.replace('}', ', "label": "café"}'), 'latin1')],
    ['UTF-16 LE without a BOM', Buffer.from(base, 'utf16le')],
    ['an overlong slash', Buffer.concat([utf8('{"a": "'), Buffer.from([0xc0, 0xaf]), utf8('"}')])],
    [
      'a UTF-8 surrogate',
      Buffer.concat([utf8('{"a": "'), Buffer.from([0xed, 0xa0, 0x80]), utf8('"}')]),
    ],
    [
      'a five-byte sequence',
      Buffer.concat([utf8('{"a": "'), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), utf8('"}')]),
    ],
    ['a cut character', Buffer.concat([utf8(base), Buffer.from([0xe2, 0x82])])],
    // Binary junk.
    ['random bytes', random(300)],
    ['more random bytes', random(5000)],
    ['a PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ['a gzip header', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3])],
    ['NUL bytes', Buffer.alloc(64)],
    ['a NUL after the SPEC', Buffer.concat([utf8(base), Buffer.alloc(1)])],
    // Empty.
    ['an empty file', Buffer.alloc(0)],
    ['only whitespace', utf8(' \n\t\r\n')],
    // Deep nesting.
    ['65 levels', utf8('['.repeat(65) + ']'.repeat(65))],
    ['5,000 levels', utf8('['.repeat(5000) + ']'.repeat(5000))],
    ['5,000 levels of objects', utf8('{"a":'.repeat(5000) + '1' + '}'.repeat(5000))],
    ['100,000 levels', utf8('['.repeat(100_000) + ']'.repeat(100_000))],
    ['deep runs', json({ ...bases[command], runs: JSON.parse('['.repeat(200) + ']'.repeat(200)) })],
    ['unclosed nesting', utf8('['.repeat(10_000))],
    // Huge.
    ['200,000 zeros', utf8(`[${Array(200_000).fill(0).join(',')}]`)],
    [
      'an extra field of 200,000 numbers',
      json({ ...bases[command], extra: Array(200_000).fill(1.5) }),
    ],
    [
      '150,000 keys',
      json(Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`k${i}`, i]))),
    ],
    ['10,000 runs', json({ ...bases[command], runs: Array(10_000).fill({ optimizer: 'sgd' }) })],
    ['an unknown key', json({ ...bases[command], colour: 'blue' })],
    ['a __proto__ key', utf8(`{"__proto__": {"steps": 1}, ${base.slice(1)}`)],
  ];
}

/** Fields each command's schema or engine must refuse, as [name, path, value]. */
const fieldCases: Record<CommandName, [string, string, unknown][]> = {
  trajectory: [
    ['a numeric surface', 'surface', 1],
    ['an array surface', 'surface', []],
    ['an unknown surface', 'surface', 'moon'],
    ['a surface name of 65 characters', 'surface', 'x'.repeat(65)],
    ['a broken expression', 'surface', { expr: 'x^' }],
    ['an unclosed parenthesis', 'surface', { expr: '((x + y)' }],
    ['import()', 'surface', { expr: 'import("fs")' }],
    ['eval', 'surface', { expr: 'eval("1")' }],
    ['constructor', 'surface', { expr: 'constructor' }],
    ['an unknown function', 'surface', { expr: 'foo(x)' }],
    ['an empty expression', 'surface', { expr: '' }],
    ['a 2,001-character expression', 'surface', { expr: `x${'+x'.repeat(1000)}` }],
    [
      'an inverted domain',
      'surface',
      {
        expr: 'x^2',
        domain: [
          [1, -1],
          [0, 1],
        ],
      },
    ],
    ['a log at a negative start', 'surface', { expr: 'log(x)' }],
    ['a division by zero at the start', 'surface', { expr: '1/(x+3)' }],
    ['a string start', 'start', '0,0'],
    ['a one-number start', 'start', [0]],
    ['a three-number start', 'start', [0, 0, 0]],
    ['a null in the start', 'start', [null, 0]],
    ['a start of 1e7', 'start', [1e7, 0]],
    ['string steps', 'steps', '50'],
    ['fractional steps', 'steps', 1.5],
    ['negative steps', 'steps', -1],
    ['1,000,001 steps', 'steps', 1_000_001],
    ['1e12 steps', 'steps', 1e12],
    ['no steps', 'steps', undefined],
    ['runs as an object', 'runs', { optimizer: 'sgd' }],
    ['no runs', 'runs', []],
    ['65 runs', 'runs', Array(65).fill({ optimizer: 'sgd' })],
    ['a run that is a number', 'runs', [1]],
    ['a run without an optimizer', 'runs', [{}]],
    ['L-BFGS', 'runs', [{ optimizer: 'lbfgs' }]],
    ['a string learning rate', 'runs', [{ optimizer: 'sgd', lr: '0.1' }]],
    ['a negative learning rate', 'runs', [{ optimizer: 'sgd', lr: -1 }]],
    ['a learning rate of 1e7', 'runs', [{ optimizer: 'sgd', lr: 1e7 }]],
    ['momentum 1', 'runs', [{ optimizer: 'sgd', momentum: 1 }]],
    ['Nesterov without momentum', 'runs', [{ optimizer: 'sgd', nesterov: true }]],
    ['betas of 1', 'runs', [{ optimizer: 'adam', betas: [1, 1] }]],
    ['an unknown run key', 'runs', [{ optimizer: 'adam', colour: 'red' }]],
    ['an unknown schedule', 'runs', [{ optimizer: 'adam', schedule: { kind: 'cyclic' } }]],
    [
      'a step schedule of step 0',
      'runs',
      [{ optimizer: 'adam', schedule: { kind: 'step', stepSize: 0 } }],
    ],
  ],
  basins: [
    ['a resolution of 1', 'resolution', 1],
    ['a resolution of 513', 'resolution', 513],
    ['a fractional resolution', 'resolution', 2.5],
    ['a string resolution', 'resolution', '8'],
    ['0 steps', 'steps', 0],
    ['100,001 steps', 'steps', 100_001],
    ['null steps', 'steps', null],
    ['a tolerance of 0', 'tolerance', 0],
    ['a tolerance of 0.6', 'tolerance', 0.6],
    ['no optimizer', 'optimizer', undefined],
    ['an optimizer list', 'optimizer', [{ optimizer: 'adam' }]],
    ['Nesterov without momentum', 'optimizer', { optimizer: 'sgd', nesterov: true }],
    ['lecture Adam', 'optimizer', { optimizer: 'adam', variant: 'lecture' }],
    ['an unknown surface', 'surface', 'moon'],
    ['a broken expression', 'surface', { expr: 'sin(' }],
    ['a start (not a basins field)', 'start', [0, 0]],
    [
      'an expression over a bad domain',
      'surface',
      {
        expr: 'x',
        domain: [
          [0, 0],
          [0, 1],
        ],
      },
    ],
  ],
  train: [
    ['no dataset', 'dataset', undefined],
    ['MNIST', 'dataset.kind', 'mnist'],
    ['3 points', 'dataset.n', 3],
    ['a billion points', 'dataset.n', 1e9],
    ['negative noise', 'dataset.noise', -1],
    ['a split that adds to 1.8', 'dataset.split', { train: 0.9, validation: 0.9, test: 0 }],
    ['a rotated sine', 'dataset', { kind: 'sine', mismatch: { kind: 'rotate', degrees: 30 } }],
    ['depth 0', 'model.depth', 0],
    ['depth 21', 'model.depth', 21],
    ['width 0', 'model.width', 0],
    ['width 1e6', 'model.width', 1e6],
    ['GELU', 'model.activation', 'gelu'],
    ['dropout 1', 'model.dropout', 1],
    ['negative L2', 'model.l2', -1],
    ['steps and epochs', 'epochs', 2],
    ['neither steps nor epochs', 'steps', undefined],
    ['2,000,000 steps', 'steps', 2_000_000],
    ['1e6 epochs', 'epochs', 1e6],
    ['no runs', 'runs', []],
    ['17 runs', 'runs', Array(17).fill({ optimizer: 'sgd' })],
    ['a batch of 0', 'batchSize', 0],
    ['half a batch', 'batchSize', 'half'],
    ['curveEvery 0', 'curveEvery', 0],
    ['a seed of 2^32', 'seed', 2 ** 32],
    ['a label of 121 characters', 'runs', [{ optimizer: 'sgd', label: 'x'.repeat(121) }]],
    [
      '16 runs × 1,000,000 steps, every step printed',
      'runs',
      Array(16).fill({ optimizer: 'sgd', lr: 0.01 }),
    ],
  ],
  landscape: [
    ['a resolution of 1', 'landscape.resolution', 1],
    ['a resolution of 402', 'landscape.resolution', 402],
    ['a coarse pass of 102', 'landscape.coarse', 102],
    [
      'an inverted range',
      'landscape.range',
      [
        [1, -1],
        [-1, 1],
      ],
    ],
    ['SVD directions', 'landscape.directions', { kind: 'svd' }],
    ['a missing centre run', 'landscape.center', { run: 5 }],
    ['65 threads', 'landscape.threads', 65],
    ['the test split', 'landscape.split', 'test'],
    ['a 1-point line', 'landscape.line', { points: 1 }],
    ['a θ of strings', 'landscape.theta', ['a', 'b']],
    ['a θ of 10,000,001 numbers', 'landscape.theta', 'HUGE_THETA'],
    ['a θ of the wrong size', 'landscape.theta', [1, 2, 3]],
    [
      'given directions of the wrong size',
      'landscape.directions',
      { kind: 'given', d1: [1], d2: [2] },
    ],
    ['neither runs nor θ', 'runs', []],
    [
      'PCA directions and a θ of one number',
      'landscape',
      { directions: { kind: 'pca' }, theta: [1] },
    ],
  ],
};

/** The 200+ cases: every text case for every command, every field case, the odd paths. */
function allCases(): Case[] {
  const rng = new SeededRandom(20_260_401);
  const cases: Case[] = [];
  for (const command of commandNames) {
    for (const [name, bytes] of textCases(rng, command)) {
      cases.push({ name, command, input: { bytes } });
    }
    for (const [name, field, value] of fieldCases[command]) {
      let spec = withField(bases[command], field, value);
      if (value === 'HUGE_THETA') {
        spec = withField(bases[command], field, []);
        const text = JSON.stringify(spec).replace(
          '"theta":[]',
          `"theta":[${'0,'.repeat(10_000_000)}0]`,
        );
        cases.push({ name, command, input: { bytes: utf8(text) } });
        continue;
      }
      if (name.startsWith('16 runs'))
        spec = withField(spec as Record<string, unknown>, 'steps', 1_000_000);
      cases.push({ name, command, input: { bytes: json(spec) } });
    }
    for (const special of ['directory', 'missing', 'nul-in-path', 'dev-zero', 'too-big'] as const) {
      cases.push({ name: special, command, input: { special } });
    }
  }
  // Every third case comes through stdin instead of a file.
  cases.forEach((c, i) => {
    if (i % 3 === 0 && 'bytes' in c.input) c.stdin = true;
  });
  return cases;
}

/** What a directory holds: names, sizes and modification times. */
function listing(dir: string): string {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => {
      const stat = fs.lstatSync(path.join(dir, name));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    })
    .join('\n');
}

/** Where a case's SPEC lives: written to `dir` (bytes), or the odd path it names. */
function prepare(c: Case, dir: string, shared: { tooBig: string }): string[] {
  if (c.stdin) return [c.command, '-'];
  if ('bytes' in c.input) {
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, c.input.bytes);
    return [c.command, file];
  }
  switch (c.input.special) {
    case 'directory':
      return [c.command, dir];
    case 'missing':
      return [c.command, path.join(dir, 'no-such-spec.json')];
    case 'nul-in-path':
      return [c.command, `${dir}/spec\0.json`];
    case 'dev-zero':
      return [c.command, '/dev/zero'];
    case 'too-big':
      return [c.command, shared.tooBig];
    case 'fifo':
      return [c.command, path.join(dir, 'fifo')];
  }
}

const oneLineRefusal = (command: string) =>
  new RegExp(`^losslab ${command}: spec(\\.[^:\\s]+)?: \\S[^\\n]*\\n$`);

describe('hostile SPECs', () => {
  const cases = allCases();
  const tally = { tried: 0, refused: 0, crashed: 0, hung: 0, changed: 0, children: 0 };
  const problems: string[] = [];
  let work: string;
  let shared: { tooBig: string };
  let bin: string;
  let remove: () => void;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-hostile-'));
    // A SPEC just past the bound: 64 MiB of spaces, then an object.
    const tooBig = path.join(work, 'too-big.json');
    fs.writeFileSync(tooBig, Buffer.alloc(64 * 2 ** 20 + 1, 0x20));
    shared = { tooBig };
    ({ bin, remove } = await buildCli('cli-hostile'));
  }, 120_000);

  afterAll(() => {
    remove?.();
    fs.rmSync(work, { recursive: true, force: true });
    console.log(
      `CLI SPECs: tried ${tally.tried} / refused with a one-line error ${tally.refused} / ` +
        `crashed ${tally.crashed} / hung ${tally.hung} / state changed after a refusal ${tally.changed}`,
    );
    console.log(
      `  (${cases.length} SPECs in-process, ${tally.children} of them also as child processes)`,
    );
  });

  function judge(c: Case, what: string, code: number | null, out: string, err: string): void {
    const where = `${c.command} ${c.name} (${what})`;
    tally.tried++;
    // LOSSLAB_HOSTILE_SHOW=1 prints every answer, to read what users would see.
    if (process.env.LOSSLAB_HOSTILE_SHOW) console.log(`${where}: ${err.trimEnd()}`);
    if (
      code === 2 &&
      out === '' &&
      oneLineRefusal(c.command).test(err) &&
      !/internal error/.test(err)
    ) {
      tally.refused++;
    } else {
      problems.push(
        `${where}: exit ${code}, stdout ${out.length} chars, stderr ${JSON.stringify(err.slice(0, 300))}`,
      );
      if (out !== '' && code !== 0) tally.changed++;
    }
  }

  it(`refuses ${cases.length} hostile SPECs in-process, each in one line`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const started = performance.now();
    for (const c of cases) {
      const dir = fs.mkdtempSync(path.join(work, 'case-'));
      const args = prepare(c, dir, shared);
      const before = listing(dir);
      const stdin = c.stdin && 'bytes' in c.input ? c.input.bytes : undefined;
      const { code, out, err } = await runCli(args, stdin);
      judge(c, 'in-process', code, out, err);
      if (listing(dir) !== before) {
        tally.changed++;
        problems.push(`${c.command} ${c.name}: the directory changed`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `in-process: ${cases.length} SPECs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(problems).toEqual([]);
  }, 180_000);

  it('refuses a sample of them through the built CLI: no crash, no hang', async () => {
    // Every 20th case, the odd paths for two commands, and an endless FIFO. (A path holding a
    // NUL cannot be passed to a process at all.)
    const sample = cases.filter((c, i) =>
      'special' in c.input
        ? c.input.special !== 'nul-in-path' && ['trajectory', 'landscape'].includes(c.command)
        : i % 20 === 0,
    );
    sample.push({ name: 'an endless FIFO', command: 'trajectory', input: { special: 'fifo' } });
    expect(sample.length).toBeGreaterThanOrEqual(20);
    const started = performance.now();
    const queue = [...sample];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const dir = fs.mkdtempSync(path.join(work, 'child-'));
        const cwd = fs.mkdtempSync(path.join(work, 'cwd-'));
        const args = prepare(c, dir, shared);
        const writer =
          'special' in c.input && c.input.special === 'fifo' ? endlessFifo(dir) : undefined;
        const before = listing(dir);
        const input = c.stdin && 'bytes' in c.input ? c.input.bytes : undefined;
        const t0 = performance.now();
        const run: ChildResult = await spawnCli(bin, args, { input, cwd, timeoutMs: 30_000 });
        if (process.env.LOSSLAB_HOSTILE_SHOW) {
          console.log(`${(performance.now() - t0).toFixed(0)} ms: ${c.command} ${c.name}`);
        }
        writer?.stop();
        tally.children++;
        if (run.hung) tally.hung++;
        else if (run.signal !== null || run.code === 134 || run.code === 139) tally.crashed++;
        judge(c, 'child', run.code, run.stdout, run.stderr);
        if (listing(cwd) !== '' || (!writer && listing(dir) !== before)) {
          tally.changed++;
          problems.push(`${c.command} ${c.name}: files changed (child)`);
        }
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    };
    await Promise.all([worker(), worker()]);
    console.log(
      `child processes: ${sample.length} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(problems).toEqual([]);
    expect(tally.crashed).toBe(0);
    expect(tally.hung).toBe(0);
    expect(tally.changed).toBe(0);
    expect(tally.refused).toBe(tally.tried);
  }, 180_000);

  it('still runs a valid SPEC afterwards, in-process and built', async () => {
    const spec = JSON.stringify(bases.trajectory);
    const inProcess = await runCli(['trajectory', '-'], spec);
    expect(inProcess.err).toBe('');
    expect(inProcess.code).toBe(0);
    const counter = new PointCounter();
    const child = await spawnCli(bin, ['trajectory', '-'], {
      input: spec,
      onStdout: (chunk) => counter.push(chunk),
    });
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    expect(child.stdout).toBe(inProcess.out);
    expect(counter.points).toEqual([51]);
  }, 60_000);
});

/** A FIFO in `dir` that a child process fills with spaces for as long as anyone reads it. */
function endlessFifo(dir: string): { stop: () => void } {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const script =
    "const fs = require('fs'); const out = fs.createWriteStream(process.argv[1]);" +
    "const chunk = Buffer.alloc(1 << 16, 32); out.on('error', () => process.exit(0));" +
    "const more = () => { while (out.write(chunk)); out.once('drain', more); }; more();";
  const writer = spawn(process.execPath, ['-e', script, fifo], { stdio: 'ignore' });
  return { stop: () => writer.kill('SIGKILL') };
}
