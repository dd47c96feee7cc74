/**
 * `losslab basins`: in-process through main(), and end to end through a freshly built CLI
 * bundle with its basins worker beside it (so the map is computed on worker threads).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/index';
import type { BasinsOutput } from '../../electron/common/spec';
import { computeBasins } from '../../electron/engine/labs/basins/compute';

const root = path.resolve(__dirname, '../..');

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

/** Runs `losslab basins FILE` (or other argv) in-process. */
async function cli(
  args: string[],
  spec?: unknown,
): Promise<{ code: number; out: string; err: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losslab-basins-'));
  try {
    const file = path.join(dir, 'spec.json');
    if (spec !== undefined) {
      fs.writeFileSync(file, typeof spec === 'string' ? spec : JSON.stringify(spec));
    }
    const out = capture();
    const err = capture();
    const argv = args.map((a) => (a === 'SPEC' ? file : a));
    const code = await main(argv, out.stream, err.stream);
    return { code, out: out.text(), err: err.text() };
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

const himmelblauSpec = {
  surface: 'himmelblau',
  optimizer: { optimizer: 'adam', lr: 0.05 },
  resolution: 24,
  steps: 300,
};

describe('losslab basins (in-process)', () => {
  it('prints the map as JSON: every minimum of himmelblau with a basin', async () => {
    const { code, out, err } = await cli(['basins', 'SPEC'], himmelblauSpec);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as BasinsOutput;
    expect(Object.keys(result).sort()).toEqual(
      ['counts', 'domain', 'labels', 'minima', 'radius', 'resolution', 'steps', 'surface'].sort(),
    );
    expect(result.surface).toBe('himmelblau');
    expect(result.resolution).toBe(24);
    expect(result.domain).toEqual([
      [-5, 5],
      [-5, 5],
    ]);
    expect(result.minima).toHaveLength(4);
    expect(result.labels).toHaveLength(24 * 24);
    expect(result.steps).toHaveLength(24 * 24);
    expect(result.counts.minima.every((c) => c > 0)).toBe(true);
    // Counts agree with the labels they summarize.
    result.counts.minima.forEach((c, k) => {
      expect(result.labels.filter((l) => l === k)).toHaveLength(c);
    });
    expect(result.labels.filter((l) => l === -1)).toHaveLength(result.counts.none);
    // The same map the engine computes.
    const direct = await computeBasins(
      { ...himmelblauSpec, optimizer: { optimizer: 'adam', lr: 0.05 } },
      { workers: 0 },
    );
    expect(result.labels).toEqual(Array.from(direct.labels));
    expect(result.steps).toEqual(Array.from(direct.steps));
  });

  it('documents its SPEC in --help', async () => {
    const { code, out } = await cli(['basins', '--help']);
    expect(code).toBe(0);
    for (const word of ['SPEC', '"resolution"', '"steps"', '"tolerance"', '"optimizer"', '-2']) {
      expect(out).toContain(word);
    }
  });

  it('is listed by losslab --help', async () => {
    const { out } = await cli(['--help']);
    expect(out).toMatch(/basins\s+which minimum/);
  });

  const bad: [string, unknown, RegExp][] = [
    ['a resolution of 1', { ...himmelblauSpec, resolution: 1 }, /^spec\.resolution: /],
    ['a resolution of 1000', { ...himmelblauSpec, resolution: 1000 }, /^spec\.resolution: /],
    ['no steps', { ...himmelblauSpec, steps: undefined }, /^spec\.steps: /],
    ['a tolerance of 2', { ...himmelblauSpec, tolerance: 2 }, /^spec\.tolerance: /],
    [
      'a string learning rate',
      { ...himmelblauSpec, optimizer: { optimizer: 'adam', lr: 'fast' } },
      /^spec\.optimizer\.lr: /,
    ],
    [
      'Nesterov without momentum',
      { ...himmelblauSpec, optimizer: { optimizer: 'sgd', nesterov: true } },
      /^spec\.optimizer\.nesterov: .*momentum/,
    ],
    ['an unknown surface', { ...himmelblauSpec, surface: 'moon' }, /^spec\.surface: .*"moon"/],
    [
      'a broken expression',
      { ...himmelblauSpec, surface: { expr: 'x^' } },
      /^spec\.surface: syntax error/,
    ],
    ['an unknown field', { ...himmelblauSpec, start: [0, 0] }, /^spec: .*start/],
    ['not JSON', '{"surface": ', /^spec: not valid JSON/],
  ];
  for (const [what, spec, pattern] of bad) {
    it(`exits 2 with one line naming the field for ${what}`, async () => {
      const { code, out, err } = await cli(['basins', 'SPEC'], spec);
      expect(code).toBe(2);
      expect(out).toBe('');
      const lines = err.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0].replace(/^losslab basins: /, '')).toMatch(pattern);
    });
  }
});

describe('losslab basins (built, end to end)', () => {
  // Under node_modules so the bundles find their runtime dependencies, as in dist/.
  const out = path.join(root, 'node_modules/.cache/losslab-test', `cli-basins-${process.pid}`);
  const bin = path.join(out, 'cli/index.js');

  beforeAll(async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const entries: Record<string, string> = {
      'cli/index': 'electron/cli/main.ts',
      'engine/basins-worker': 'electron/engine/hosts/basins-worker.ts',
    };
    await Promise.all(
      Object.entries(entries).map(([name, source]) =>
        build({
          entryPoints: [path.join(root, source)],
          outfile: path.join(out, `${name}.js`),
          bundle: true,
          platform: 'node',
          target: 'node20',
          format: 'cjs',
          logLevel: 'warning',
          external: [
            ...Object.keys(pkg.dependencies ?? {}),
            ...Object.keys(pkg.optionalDependencies ?? {}),
          ],
          define: { 'import.meta.url': '__import_meta_url' },
          banner: {
            js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
          },
        }),
      ),
    );
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('reads SPEC from stdin, prints the same map as the engine, and exits by itself', async () => {
    // 100 × 100 × 300 = 3 M point-steps: large enough that the CLI uses its workers.
    const spec = { ...himmelblauSpec, resolution: 100 };
    const run = spawnSync(process.execPath, [bin, 'basins', '-'], {
      input: JSON.stringify(spec),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as BasinsOutput;
    const direct = await computeBasins(
      { ...spec, optimizer: { optimizer: 'adam', lr: 0.05 } },
      { workers: 0 },
    );
    expect(result.labels).toEqual(Array.from(direct.labels));
    expect(result.steps).toEqual(Array.from(direct.steps));
    expect(result.counts).toEqual(direct.counts);
  });

  it('exits 2 with one line on a bad SPEC from stdin', () => {
    const run = spawnSync(process.execPath, [bin, 'basins', '-'], {
      input: JSON.stringify({ ...himmelblauSpec, resolution: 0 }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^losslab basins: spec\.resolution: /),
    ]);
  });
});
