/**
 * PyHessian's results in the critical-points lab: the companion's write_hessian saves the top
 * eigenvalues, Hutchinson's trace samples and SLQ's nodes and weights (write_hessian.py: a
 * diagonal Hessian diag(3, 2, 1, −0.5), whose SLQ with m = n has its eigenvalues as nodes and
 * weights ¼), and the engine turns them into an analysis: the eigenvalues ascending, the
 * trace's mean and standard error, the smallest node counted so the point is a saddle, and a
 * density on PyHessian's grid that integrates to 1 with a quarter of its mass at each
 * eigenvalue. A bad file is refused in one line naming the field. Skipped without torch.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessEngine } from '../../electron/engine/hosts/in-process';
import { pyhessianAnalysis } from '../../electron/engine/labs/critical/pyhessian';
import { TestClient } from '../helpers/engine-client';

const PYTHON = '/usr/bin/python3';

/** erf (Abramowitz & Stegun 7.1.26: |error| < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const missing = spawnSync(PYTHON, ['-c', 'import torch, numpy']).status !== 0;
if (missing) console.warn(`skipping the PyHessian file tests: ${PYTHON} cannot import torch`);

describe.skipIf(missing)("PyHessian's results, written by the companion", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'losslab-hessian-'));
    execFileSync(PYTHON, [join(__dirname, 'write_hessian.py'), dir], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const text = (name: string) => readFileSync(join(dir, name), 'utf8');

  it('becomes an analysis: eigenvalues, trace, classification and density', () => {
    const a = pyhessianAnalysis(text('saddle.json'));
    expect(a.target).toEqual({ lab: 'network', runId: 'diag', step: 40 });
    expect([a.parameters, a.loss, a.gradNorm]).toEqual([4, 0.125, 0]);
    expect(Array.from(a.eigenvalues)).toEqual([2, 3]);
    expect(a.trace).toBe(5.5);
    expect(a.traceError).toBeCloseTo(0.5 / Math.sqrt(3), 15); // sd 0.5 of 5.5, 5, 6
    // λ_min is the smallest SLQ node: a saddle, with one descent direction of three counted.
    expect(a.classification).toMatchObject({
      kind: 'saddle',
      lambdaMin: -0.5,
      lambdaMax: 3,
      count: 3,
      negative: 1,
      positive: 2,
    });
    const { grid, density, probes, iterations } = a.density!;
    expect([probes, iterations, grid.length]).toEqual([2, 4, 10_000]);
    // PyHessian's grid: the mean smallest and largest nodes, 0.01 beyond.
    expect(grid[0]).toBeCloseTo(-0.51, 12);
    expect(grid[grid.length - 1]).toBeCloseTo(3.01, 12);
    const step = grid[1] - grid[0];
    const mass = (lo: number, hi: number) => {
      let m = 0;
      grid.forEach((t, j) => {
        if (t >= lo && t < hi) m += density[j] * step;
      });
      return m;
    };
    expect(mass(-Infinity, Infinity)).toBeCloseTo(1, 12);
    // Each eigenvalue holds a quarter of the weight; the grid ends 0.01 past the extreme nodes
    // (about 1.7σ), so theirs keep only Φ(0.01/σ) of it before the renormalization (to the
    // Riemann sum's 4e-4 at the cut).
    const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
    const edge = phi(0.01 / a.density!.sigma) - phi(-3.51 / a.density!.sigma);
    const total = 2 + 2 * edge;
    for (const lambda of [1, 2])
      expect(mass(lambda - 0.25, lambda + 0.25)).toBeCloseTo(1 / total, 3);
    for (const lambda of [-0.5, 3])
      expect(mass(lambda - 0.25, lambda + 0.25)).toBeCloseTo(edge / total, 3);
  });

  it('takes the top eigenvalues alone', () => {
    const a = pyhessianAnalysis(text('top.json'));
    expect(Array.from(a.eigenvalues)).toEqual([1, 4]);
    expect(a.classification.kind).toBe('minimum');
    expect(a.density).toBeUndefined();
    expect(a.trace).toBeNaN();
  });

  it('answers critical.import through the engine and refuses a bad file in one line', async () => {
    const host = startInProcessEngine({ appVersion: '9.9.9-test' });
    try {
      const client = new TestClient(host);
      await client.hello();
      const reply = await client.request({ type: 'critical.import', text: text('saddle.json') });
      expect(reply.type === 'critical.result' && reply.analysis.classification.kind).toBe('saddle');
      for (const [bad, field] of [
        ['{', /^text: not JSON/],
        [
          JSON.stringify({
            format: 'losslab-hessian',
            version: 1,
            recordedBy: 'x',
            eigenvalues: [],
          }),
          /eigenvalues/,
        ],
        [
          text('saddle.json').replace('"weight": [[0.25, 0.25, 0.25, 0.25]', '"weight": [[0.25]'),
          /density.*same shape/,
        ],
      ] as const) {
        const refused = await client.request({ type: 'critical.import', text: bad });
        expect(refused.type).toBe('error');
        expect(refused.type === 'error' && `${refused.field}: ${refused.message}`).toMatch(field);
      }
    } finally {
      host.close();
    }
  });
});
