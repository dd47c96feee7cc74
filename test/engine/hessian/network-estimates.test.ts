/**
 * The estimators on real networks' Hessians (not only on synthetic matrices): Hutchinson's
 * trace and the SLQ density of the reference networks converge to what the exact spectrum
 * says — the trace within a few standard errors (the error shrinking like 1/√probes), the
 * density's cumulative distribution within a small Kolmogorov distance of the eigenvalues',
 * and with as many Lanczos steps as parameters, SLQ's nodes are the eigenvalues themselves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../../electron/engine/backend/select';
import { densityOnGrid, slqDensity, slqTrace } from '../../../electron/engine/hessian/density';
import { symmetricEigen } from '../../../electron/engine/hessian/eigen';
import { fromReferenceSpec } from '../../../electron/engine/hessian/hessian-model';
import { MlpHessian } from '../../../electron/engine/hessian/rop';
import { hutchinsonTrace } from '../../../electron/engine/hessian/trace';
import type { Checkpoint } from '../../../electron/engine/hessian/types';
import type { Tf } from '../../../electron/engine/network';

const none: Checkpoint = () => undefined;
const cases = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/hessian.json'), 'utf8')) as {
    cases: { name: string; spec: unknown; expected: { trace: number } }[];
  }
).cases;

let tf: Tf;
let initialBackend: string;
beforeAll(async () => {
  const loaded = await loadBackend();
  tf = loaded.tf;
  initialBackend = loaded.report.backend;
});
afterAll(async () => {
  await tf.setBackend(initialBackend);
});

/** The operator of a reference case, its exact eigenvalues (ascending) and trace. */
async function reference(name: string) {
  const c = cases.find((k) => k.name === name)!;
  const { model, theta, x, y, n } = fromReferenceSpec(c.spec);
  const op = new MlpHessian(tf, model, theta, { x, y, n });
  const values = symmetricEigen(await op.dense(), op.size).values;
  let trace = 0;
  for (const v of values) trace += v;
  return { op, values, trace, expectedTrace: c.expected.trace };
}

describe('estimators on the reference networks', () => {
  it("Hutchinson's trace of the 793-parameter tanh net: within 3 standard errors, error ∝ 1/√probes", async () => {
    const { op, trace, expectedTrace } = await reference('tanh-6-24-24-1-mse');
    try {
      // The exact trace agrees with PyTorch's (float64) to float32 rounding.
      expect(Math.abs(trace - expectedTrace)).toBeLessThan(1e-3 * Math.abs(expectedTrace) + 1e-3);
      const few = await hutchinsonTrace(op, { probes: 100, seed: 3 }, none);
      const many = await hutchinsonTrace(op, { probes: 1600, seed: 3 }, none);
      for (const r of [few, many])
        expect(Math.abs(r.trace - trace)).toBeLessThan(3 * r.standardError);
      const ratio = many.standardError / few.standardError;
      expect(ratio).toBeGreaterThan(0.15);
      expect(ratio).toBeLessThan(0.35); // √(100/1600) = ¼
    } finally {
      op.dispose();
    }
  });

  it("SLQ's density of the 793-parameter net has the eigenvalues' distribution and trace", async () => {
    const { op, values, trace } = await reference('tanh-6-24-24-1-mse');
    try {
      const d = await slqDensity(op, { probes: 20, iterations: 80, seed: 5 }, none);
      // The quadrature's trace is Hutchinson's with the same probes: within a few of its errors.
      const perProbe = d.nodes.map((nodes, i) => slqTrace([nodes], [d.weights[i]], op.size));
      const mean = perProbe.reduce((a, b) => a + b, 0) / perProbe.length;
      const sd = Math.sqrt(
        perProbe.reduce((a, b) => a + (b - mean) ** 2, 0) / (perProbe.length - 1),
      );
      expect(Math.abs(slqTrace(d.nodes, d.weights, op.size) - trace)).toBeLessThan(
        4 * (sd / Math.sqrt(perProbe.length)),
      );
      // Per probe, m Lanczos steps integrate polynomials of degree < 2m exactly: the second
      // moment Σ wᵢθᵢ² is vᵀH²v/‖v‖², whose mean over probes is ‖H‖_F²/P = Σλ²/P.
      const second = d.nodes.map((nodes, i) =>
        nodes.reduce((a, t, j) => a + d.weights[i][j] * t * t, 0),
      );
      const m2 = second.reduce((a, b) => a + b, 0) / second.length;
      const sd2 = Math.sqrt(second.reduce((a, b) => a + (b - m2) ** 2, 0) / (second.length - 1));
      const exact2 = values.reduce((a, v) => a + v * v, 0) / values.length;
      expect(Math.abs(m2 - exact2)).toBeLessThan(4 * (sd2 / Math.sqrt(second.length)));
      // Broadened alike (σ a twentieth of the spectrum's range), the SLQ density and the
      // eigenvalues' own are close in L1: the bulk and the outliers sit where the spectrum has them.
      const range = values[values.length - 1] - values[0];
      const wide = densityOnGrid(d.nodes, d.weights, 2000, range / 20);
      const exact = densityOnGrid(
        [values],
        [new Float64Array(values.length).fill(1 / values.length)],
        2000,
        range / 20,
      );
      // Both on grids spanning their nodes: compare on the exact one's grid by interpolation.
      let l1 = 0;
      const step = exact.grid[1] - exact.grid[0];
      const wideStep = wide.grid[1] - wide.grid[0];
      for (let j = 0; j < exact.grid.length; j++) {
        const u = (exact.grid[j] - wide.grid[0]) / wideStep;
        const i = Math.floor(u);
        const f =
          i < 0 || i >= wide.grid.length - 1
            ? 0
            : wide.density[i] * (1 - (u - i)) + wide.density[i + 1] * (u - i);
        l1 += Math.abs(f - exact.density[j]) * step;
      }
      expect(l1).toBeLessThan(0.05);
    } finally {
      op.dispose();
    }
  });

  it('with as many Lanczos steps as parameters, the nodes are the eigenvalues (17-parameter net)', async () => {
    const { op, values } = await reference('tanh-2-4-1-mse');
    try {
      const d = await slqDensity(op, { probes: 2, iterations: op.size, seed: 7 }, none);
      const scale = Math.max(...values.map(Math.abs));
      for (const nodes of d.nodes) {
        expect(nodes).toHaveLength(values.length);
        const sorted = [...nodes].sort((a, b) => a - b);
        for (let i = 0; i < values.length; i++)
          expect(Math.abs(sorted[i] - values[i])).toBeLessThan(1e-5 * scale);
      }
    } finally {
      op.dispose();
    }
  });
});
