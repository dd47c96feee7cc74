/**
 * Hutchinson's trace and the SLQ spectral density: unbiasedness within the standard error,
 * the error's 1/√probes decay, the exact cases (a diagonal matrix, m = n Lanczos steps), and
 * the density's normalization, mean and peaks.
 */
import { describe, expect, it } from 'vitest';
import { FieldError } from '../../../electron/engine/core/errors';
import { densityMoments, slqDensity, slqTrace } from '../../../electron/engine/hessian/density';
import { hutchinsonTrace } from '../../../electron/engine/hessian/trace';
import type { Checkpoint } from '../../../electron/engine/hessian/types';
import {
  denseOperator,
  diagonalOperator,
  fromSpectrum,
  maxDiff,
  randomOrthogonal,
} from './linalg-fixtures';

const none: Checkpoint = () => undefined;

/** tr A and Var[zᵀAz] = 2(‖A‖_F² − Σ A_ii²) for Rademacher z. */
function traceAndVariance(a: Float64Array, n: number): [number, number] {
  let trace = 0;
  let offDiagonal = 0;
  for (let i = 0; i < n; i++) {
    trace += a[i * n + i];
    for (let j = 0; j < n; j++) if (i !== j) offDiagonal += a[i * n + j] ** 2;
  }
  return [trace, 2 * offDiagonal];
}

describe('hutchinsonTrace', () => {
  const n = 150;
  const spectrum = Array.from({ length: n }, (_, i) => (i < 5 ? 20 - 3 * i : Math.sin(i) * 0.5));
  const a = fromSpectrum(spectrum, randomOrthogonal(n, 21));
  const [exactTrace, variance] = traceAndVariance(a, n);

  it('is within 3 standard errors of the trace, and the error shrinks like 1/√probes', async () => {
    const few = await hutchinsonTrace(denseOperator(a, n), { probes: 100, seed: 1 }, none);
    const many = await hutchinsonTrace(denseOperator(a, n), { probes: 1600, seed: 1 }, none);
    for (const r of [few, many]) {
      expect(Math.abs(r.trace - exactTrace)).toBeLessThan(3 * r.standardError);
      // The standard error estimates √(Var/probes).
      expect(r.standardError / Math.sqrt(variance / r.probes)).toBeGreaterThan(0.8);
      expect(r.standardError / Math.sqrt(variance / r.probes)).toBeLessThan(1.2);
    }
    expect(many.standardError / few.standardError).toBeGreaterThan(0.2);
    expect(many.standardError / few.standardError).toBeLessThan(0.3); // √(100/1600) = ¼
    expect(many.samples).toHaveLength(1600);
    // The same seed draws the same probes: the first 100 samples agree.
    expect(many.samples.subarray(0, 100)).toEqual(few.samples);
  });

  it('is exact on a diagonal matrix (zᵢ² = 1): zero standard error', async () => {
    const d = [3, -1, 0.25, 8, 2];
    const r = await hutchinsonTrace(diagonalOperator(d), { probes: 7, seed: 4 }, none);
    expect(r.trace).toBe(12.25);
    expect(r.standardError).toBe(0);
  });

  it('gives the same samples through applyMany as through apply', async () => {
    const one = await hutchinsonTrace(denseOperator(a, n, false), { probes: 20, seed: 9 }, none);
    const batched = denseOperator(a, n, true);
    const many = await hutchinsonTrace(batched, { probes: 20, seed: 9 }, none);
    expect(many.samples).toEqual(one.samples);
    expect(batched.products).toBe(20);
  });

  it("stops early by PyHessian's relative-change test when given a tolerance", async () => {
    const r = await hutchinsonTrace(
      denseOperator(a, n),
      { probes: 1000, seed: 2, tol: 1e-3 },
      none,
    );
    expect(r.probes).toBeLessThan(1000);
    const s = r.samples;
    const mean = (k: number) => s.subarray(0, k).reduce((x, y) => x + y, 0) / k;
    const k = r.probes;
    expect(Math.abs(mean(k) - mean(k - 1)) / (Math.abs(mean(k - 1)) + 1e-6)).toBeLessThan(1e-3);
    expect(r.standardError).toBeGreaterThan(0);
  });

  it('refuses a bad probe count', async () => {
    const error = await hutchinsonTrace(denseOperator(a, n), { probes: 0 }, none).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FieldError);
    expect((error as FieldError).field).toBe('probes');
  });
});

describe('slqDensity', () => {
  it('has the eigenvalues as nodes when it runs n Lanczos steps', async () => {
    const n = 20;
    const spectrum = Array.from({ length: n }, (_, i) => i * 0.5 - 3);
    const a = fromSpectrum(spectrum, randomOrthogonal(n, 2));
    const d = await slqDensity(denseOperator(a, n), { probes: 3, iterations: 50, seed: 1 }, none);
    expect(d.iterations).toBe(n);
    for (let p = 0; p < 3; p++) {
      expect(maxDiff(d.nodes[p], spectrum)).toBeLessThan(1e-12);
      expect(d.weights[p].reduce((s, w) => s + w, 0)).toBeCloseTo(1, 14);
    }
  });

  it("integrates to 1 on PyHessian's grid, and its mean × n is the trace", async () => {
    const n = 200;
    const spectrum = Array.from({ length: n }, (_, i) =>
      i < 4 ? 30 / (i + 1) : 0.3 * Math.sin(i),
    );
    const a = fromSpectrum(spectrum, randomOrthogonal(n, 5));
    const [exactTrace, variance] = traceAndVariance(a, n);
    const probes = 10;
    const d = await slqDensity(denseOperator(a, n), { probes, iterations: 40, seed: 3 }, none);
    const step = d.grid[1] - d.grid[0];
    expect(d.grid).toHaveLength(10_000);
    expect(d.density.reduce((s, x) => s + x, 0) * step).toBeCloseTo(1, 12);
    // PyHessian: grid from the mean smallest node − 0.01 to the mean largest + 0.01, σ² = 1e-5 · width.
    const meanMin = d.nodes.reduce((s, t) => s + t[0], 0) / probes;
    const meanMax = d.nodes.reduce((s, t) => s + t[t.length - 1], 0) / probes;
    expect(d.grid[0]).toBeCloseTo(meanMin - 0.01, 12);
    expect(d.grid[9999]).toBeCloseTo(meanMax + 0.01, 12);
    expect(d.sigma).toBeCloseTo(Math.sqrt(1e-5 * (meanMax - meanMin + 0.02)), 14);
    // The quadrature's trace is a Hutchinson estimate with normalized Rademacher probes.
    const quadrature = slqTrace(d.nodes, d.weights, n);
    expect(Math.abs(quadrature - exactTrace)).toBeLessThan(3 * Math.sqrt(variance / probes));
    // The smoothed density keeps the mean when the Gaussians fit inside the grid. PyHessian's
    // σ (here 0.017) exceeds its 0.01 margin, so the outliers at the grid's ends lose part of
    // their mass; with σ = 0.002 they keep it.
    const narrow = await slqDensity(
      denseOperator(a, n),
      { probes, iterations: 40, seed: 3, sigma: 0.002 },
      none,
    );
    const moments = densityMoments(narrow);
    expect(moments[0]).toBeCloseTo(1, 12);
    expect(slqTrace(narrow.nodes, narrow.weights, n)).toBe(quadrature);
    expect(Math.abs(moments[1] * n - quadrature)).toBeLessThan(1e-3 * Math.abs(quadrature));
    expect(Math.abs(densityMoments(d)[1] * n - quadrature)).toBeGreaterThan(
      1e-2 * Math.abs(quadrature),
    );
  });

  it("puts two peaks at a diagonal matrix's two clusters, each with half the mass", async () => {
    const n = 400;
    const d = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1 : 3) + 0.002 * Math.sin(i));
    const density = await slqDensity(
      diagonalOperator(d),
      { probes: 4, iterations: 30, seed: 7 },
      none,
    );
    const { grid, density: phi } = density;
    const top = Math.max(...phi);
    const peaks: number[] = [];
    for (let j = 1; j + 1 < grid.length; j++) {
      if (phi[j] > 0.05 * top && phi[j] >= phi[j - 1] && phi[j] > phi[j + 1]) peaks.push(grid[j]);
    }
    expect(peaks).toHaveLength(2);
    expect(Math.abs(peaks[0] + 1)).toBeLessThan(0.01);
    expect(Math.abs(peaks[1] - 3)).toBeLessThan(0.01);
    const step = grid[1] - grid[0];
    const left = phi.reduce((s, x, j) => s + (grid[j] < 1 ? x : 0), 0) * step;
    // Normalized Rademacher probes give each eigenvalue weight exactly 1/n: the masses are ½
    // (up to Ritz values in the gap and the Gaussians' tails cut at the grid's ends).
    expect(left).toBeCloseTo(0.5, 3);
  });

  it('takes an explicit σ and grid size', async () => {
    const d = await slqDensity(
      diagonalOperator([0, 1, 2, 3]),
      { probes: 1, iterations: 4, bins: 401, sigma: 0.05, seed: 1 },
      none,
    );
    expect(d.grid).toHaveLength(401);
    expect(d.sigma).toBe(0.05);
    expect(d.density.reduce((s, x) => s + x, 0) * (d.grid[1] - d.grid[0])).toBeCloseTo(1, 12);
  });

  it('refuses bad sizes, naming the field', async () => {
    const op = diagonalOperator([1, 2]);
    for (const [options, field] of [
      [{ probes: 0, iterations: 3 }, 'probes'],
      [{ probes: 1, iterations: 0 }, 'iterations'],
      [{ probes: 1, iterations: 3, bins: 1 }, 'bins'],
      [{ probes: 1, iterations: 3, sigma: -1 }, 'sigma'],
    ] as const) {
      const error = await slqDensity(op, options, none).catch((e: unknown) => e);
      expect((error as FieldError).field).toBe(field);
    }
  });
});
