/**
 * The CLI prints byte for byte what it printed on 2026-12-07, before the engine was reshaped
 * into labs: every command on the SPECs of its `--help` example and on the torch.optim
 * reference SPECs (`test/fixtures/cli-golden.json` holds each SPEC and its whole stdout).
 * Commands added since (`hessian`) are held to what they printed when they were added (the
 * case's own `written`), and so are the two cases re-recorded when batches of 128 examples or
 * more began to be computed in two halves (the `train` and `hessian` `--help` examples, whose
 * full batches of 280 split: their numbers moved in the last bits). Only the wall-clock times (a landscape's `"seconds"`, a run's
 * `"msPerStep"`, a Hessian's `"ms"`) are masked. A change in a number, a field, its order or
 * its formatting fails here with the first differing line.
 *
 * `LOSSLAB_WRITE_FIXTURES=1 npx vitest run test/cli/golden.test.ts` writes the cases the
 * fixture is missing (the whole fixture when there is none), appended after the ones it has,
 * and then checks them like any other; it never overwrites a recorded case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './harness';

interface GoldenCase {
  name: string;
  command: string;
  spec: unknown;
  /** When this case was recorded, if not with the fixture (its top-level `written`). */
  written?: string;
  stdout: string;
}

const fixtureFile = path.join(__dirname, '../fixtures/cli-golden.json');

const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/torch-optim.json'), 'utf8'),
) as { cases: { name: string; spec: unknown }[] };

const hessianReference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/hessian.json'), 'utf8'),
) as { cases: { name: string; spec: object }[] };

/** The SPECs: each command's `--help` example, a few richer ones, and the torch cases. */
const specs: Omit<GoldenCase, 'stdout'>[] = [
  {
    name: 'trajectory --help example',
    command: 'trajectory',
    spec: { surface: 'bowl', start: [-3, 1], steps: 50, runs: [{ optimizer: 'adam', lr: 0.1 }] },
  },
  ...reference.cases.map((c) => ({
    name: `trajectory ${c.name}`,
    command: 'trajectory',
    spec: c.spec,
  })),
  {
    name: 'basins --help example (smaller)',
    command: 'basins',
    spec: {
      surface: 'himmelblau',
      optimizer: { optimizer: 'adam', lr: 0.05 },
      resolution: 24,
      steps: 200,
    },
  },
  {
    name: 'basins of momentum on the six-hump camel',
    command: 'basins',
    spec: {
      surface: 'six-hump-camel',
      optimizer: { optimizer: 'sgd', lr: 0.01, momentum: 0.9 },
      resolution: 16,
      steps: 150,
    },
  },
  {
    name: 'train --help example',
    command: 'train',
    spec: {
      dataset: { kind: 'xor' },
      model: { activation: 'tanh', width: 16 },
      steps: 300,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.01 }],
    },
  },
  {
    name: 'train two runs on moons with the test set',
    command: 'train',
    spec: {
      dataset: { kind: 'moons' },
      epochs: 4,
      batchSize: 32,
      test: true,
      snapshotEvery: 20,
      runs: [
        { optimizer: 'sgd', lr: 0.1, momentum: 0.9, label: 'momentum' },
        {
          optimizer: 'adam',
          lr: 0.01,
          batchSize: 8,
          schedule: { kind: 'step', stepSize: 50, gamma: 0.5 },
        },
      ],
    },
  },
  {
    name: 'landscape --help example (smaller)',
    command: 'landscape',
    spec: {
      dataset: { kind: 'moons' },
      steps: 200,
      runs: [{ optimizer: 'adam', lr: 0.01 }],
      landscape: { resolution: 11, threads: 0 },
    },
  },
  {
    name: 'landscape on the PCA plane with the line',
    command: 'landscape',
    spec: {
      dataset: { kind: 'circles' },
      steps: 150,
      runs: [
        { optimizer: 'adam', lr: 0.02 },
        { optimizer: 'sgd', lr: 0.2, momentum: 0.9 },
      ],
      landscape: { resolution: 9, threads: 0, directions: { kind: 'pca' }, line: { points: 11 } },
    },
  },
  {
    name: 'hessian --help example',
    command: 'hessian',
    spec: {
      dataset: { kind: 'moons' },
      model: { width: 8, activation: 'tanh' },
      steps: 300,
      batchSize: 'full',
      runs: [{ optimizer: 'adam', lr: 0.02 }],
    },
  },
  {
    name: 'hessian of the 793-parameter reference network by Lanczos, with eigenvectors and SLQ',
    command: 'hessian',
    spec: {
      ...hessianReference.cases.find((c) => c.name === 'tanh-6-24-24-1-mse')!.spec,
      method: 'lanczos',
      k: 5,
      iterations: 60,
      traceProbes: 20,
      density: { probes: 2, iterations: 40, bins: 81 },
      eigenvectors: true,
    },
  },
];

/** `losslab COMMAND -` in process, the SPEC on stdin; its stdout with wall-clock times masked. */
async function run(command: string, spec: unknown): Promise<string> {
  const { code, out, err } = await runCli([command, '-'], JSON.stringify(spec));
  if (code !== 0) throw new Error(`${command} exited ${code}: ${err}`);
  return out.replace(/"(seconds|msPerStep|ms)":\s*[0-9.e+-]+/g, '"$1":0');
}

let golden: GoldenCase[];

beforeAll(async () => {
  if (process.env.LOSSLAB_WRITE_FIXTURES === '1') {
    const today = new Date().toISOString().slice(0, 10);
    const fixture = fs.existsSync(fixtureFile)
      ? (JSON.parse(fs.readFileSync(fixtureFile, 'utf8')) as {
          written: string;
          cases: GoldenCase[];
        })
      : { written: today, cases: [] };
    const recorded = new Set(fixture.cases.map((c) => c.name));
    const missing = specs.filter((c) => !recorded.has(c.name));
    for (const c of missing) {
      const stdout = await run(c.command, c.spec);
      fixture.cases.push({
        ...c,
        ...(fixture.written !== today ? { written: today } : {}),
        stdout,
      });
    }
    if (missing.length > 0) {
      fs.writeFileSync(fixtureFile, `${JSON.stringify(fixture, null, 2)}\n`);
    }
  }
  golden = (JSON.parse(fs.readFileSync(fixtureFile, 'utf8')) as { cases: GoldenCase[] }).cases;
}, 600_000);

describe('the CLI prints what it printed before the reshape', () => {
  it('has a recorded output for every SPEC here, and the same SPECs', () => {
    expect(golden.map((g) => [g.name, g.command, g.spec])).toEqual(
      specs.map((s) => [s.name, s.command, s.spec]),
    );
  });

  for (const [i, c] of specs.entries()) {
    it(
      c.name,
      async () => {
        const got = (await run(c.command, c.spec)).split('\n');
        const want = golden[i].stdout.split('\n');
        const first = want.findIndex((line, j) => line !== got[j]);
        expect(first === -1 ? null : { line: first + 1, want: want[first], got: got[first] }).toBe(
          null,
        );
        expect(got.length).toBe(want.length);
      },
      300_000,
    );
  }
});
