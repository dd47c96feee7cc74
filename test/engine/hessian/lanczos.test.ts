/**
 * Lanczos (full reorthogonalization, restarts), power iteration and the checkpoint: the
 * extremes against the dense solver on a Hessian-like spectrum, residuals against explicit
 * ones, repeated eigenvalues, warm starts, progress and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, FieldError } from '../../../electron/engine/core/errors';
import { makeCheckpoint } from '../../../electron/engine/hessian/checkpoint';
import { symmetricEigen } from '../../../electron/engine/hessian/eigen';
import { Rng } from '../../../electron/engine/datasets/random';
import { krylov, lanczos, powerIteration } from '../../../electron/engine/hessian/lanczos';
import type { Checkpoint } from '../../../electron/engine/hessian/types';
import { denseOperator, fromSpectrum, matVec, maxDiff, randomOrthogonal } from './linalg-fixtures';

const none: Checkpoint = () => undefined;

/**
 * A spectrum shaped like a trained network's Hessian: a few large outliers, a bulk near 0
 * (half of it exactly 0), and a few negative eigenvalues.
 */
function hessianLike(n: number): number[] {
  const spectrum = [48, 31, 17.5, 9, -6, -2.5, -1.25];
  for (let i = spectrum.length; i < n; i++) {
    spectrum.push(i % 2 === 0 ? 0 : 0.05 * Math.sin(i * 1.7) * Math.abs(Math.cos(i)));
  }
  return spectrum;
}

describe('lanczos', () => {
  const n = 300;
  const spectrum = hessianLike(n);
  const a = fromSpectrum(spectrum, randomOrthogonal(n, 11));
  const exact = symmetricEigen(a.slice(), n).values;
  const scale = 48;

  it('finds the k smallest and k largest of a Hessian-like 300 × 300 to 1e-8, stopping early', async () => {
    const op = denseOperator(a, n);
    const k = 3;
    const result = await lanczos(op, { k, seed: 1, vectors: true }, none);
    expect(result.method).toBe('lanczos');
    expect(result.size).toBe(n);
    expect(result.converged).toBe(true);
    expect(result.iterations).toBeLessThan(60);
    expect(op.products).toBe(result.iterations);
    const want = [...exact.subarray(0, k), ...exact.subarray(n - k)];
    expect(maxDiff(result.values, want)).toBeLessThanOrEqual(1e-8 * scale);
    expect(result.alpha).toHaveLength(result.iterations);
    expect(result.beta).toHaveLength(result.iterations);
    // The reported residuals are the Ritz pairs' true ones, and below the tolerance.
    const ay = new Float64Array(n);
    result.values.forEach((theta, j) => {
      const y = result.vectors!.subarray(j * n, (j + 1) * n);
      matVec(a, n, y, ay);
      let r = 0;
      for (let i = 0; i < n; i++) r += (ay[i] - theta * y[i]) ** 2;
      expect(Math.abs(Math.sqrt(r) - result.residuals[j])).toBeLessThan(1e-10 * scale);
      expect(result.residuals[j]).toBeLessThanOrEqual(1e-8 * scale);
      expect(Math.hypot(...y)).toBeCloseTo(1, 14);
      expect(y.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0)).toBeGreaterThan(0);
    });
  });

  it('warm-starts from a vector near the extreme eigenvectors in fewer steps', async () => {
    const cold = await lanczos(denseOperator(a, n), { k: 1, seed: 2, vectors: true }, none);
    // The previous extremes' vectors, a little off: the Krylov space holds them at once.
    const [bottom, top] = [cold.vectors!.subarray(0, n), cold.vectors!.subarray(n, 2 * n)];
    const start = top.map((x, i) => x + bottom[i] + 1e-10 * Math.sin(i));
    const warm = await lanczos(denseOperator(a, n), { k: 1, start }, none);
    expect(maxDiff(warm.values, [exact[0], exact[n - 1]])).toBeLessThan(1e-8 * scale);
    expect(cold.iterations).toBeGreaterThan(8);
    expect(warm.iterations).toBeLessThanOrEqual(3);
  });

  it('returns every eigenvalue once when 2k ≥ n, repeated ones included (restarts)', async () => {
    // Four distinct values, three times each: one Krylov space holds four directions only.
    const repeated = [-1, -1, -1, 0.5, 0.5, 0.5, 2, 2, 2, 7, 7, 7];
    const m = repeated.length;
    const b = fromSpectrum(repeated, randomOrthogonal(m, 4));
    const result = await lanczos(denseOperator(b, m), { k: 6, seed: 3 }, none);
    expect(result.values).toHaveLength(m);
    expect(maxDiff(result.values, repeated)).toBeLessThan(1e-12 * 7);
    expect(result.iterations).toBe(m);
    // The couplings vanish where the iteration restarted.
    expect([...result.beta].filter((x) => x === 0).length).toBeGreaterThanOrEqual(2);
  });

  it('explores the whole space of the identity, one restart per step', async () => {
    const m = 20;
    const id = new Float64Array(m * m);
    for (let i = 0; i < m; i++) id[i * m + i] = 1;
    const result = await lanczos(denseOperator(id, m), { k: 2, iterations: m, seed: 5 }, none);
    expect([...result.values]).toEqual([1, 1, 1, 1].map((x) => expect.closeTo(x, 14)));
    expect(result.iterations).toBe(m);
  });

  it('keeps the Krylov basis orthonormal to working precision past converged Ritz values (one Gram–Schmidt pass unless w cancels)', async () => {
    // 150 steps on the Hessian-like spectrum: the outliers converge within a few dozen steps,
    // after which plain Lanczos would lose orthogonality (Paige); max |VᵀV − I| stays ~1e-14.
    const op = denseOperator(a, n);
    const rng = new Rng(3);
    const start = new Float64Array(n).map(() => rng.normal());
    const norm = Math.hypot(...start);
    const run = await krylov(
      op,
      start.map((x) => x / norm),
      150,
      rng,
      none,
      { offset: 0, total: 150 },
    );
    expect(run.steps).toBe(150);
    let worst = 0;
    for (let i = 0; i < run.basis.length; i++) {
      for (let j = 0; j <= i; j++) {
        let q = 0;
        for (let r = 0; r < n; r++) q += run.basis[i][r] * run.basis[j][r];
        worst = Math.max(worst, Math.abs(q - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('refuses a bad k, start or iteration count, naming the field', async () => {
    const op = denseOperator(a, n);
    const bad = async (options: Parameters<typeof lanczos>[1], field: string) => {
      const error = await lanczos(op, options, none).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FieldError);
      expect((error as FieldError).field).toBe(field);
    };
    await bad({ k: 0 }, 'k');
    await bad({ k: 2, iterations: 0 }, 'iterations');
    await bad({ k: 2, start: new Float64Array(n) }, 'start');
    await bad({ k: 2, start: new Float64Array(3) }, 'start');
  });
});

describe('powerIteration', () => {
  const n = 40;
  const spectrum = Array.from({ length: n }, (_, i) => (i === 0 ? 10 : i === 1 ? 5 : Math.cos(i)));
  const q = randomOrthogonal(n, 6);

  it('converges to the eigenvalue largest in magnitude, at the rate |λ₂/λ₁| per product', async () => {
    const a = fromSpectrum(spectrum, q);
    const result = await powerIteration(
      denseOperator(a, n),
      { iterations: 200, tol: 1e-12, seed: 1 },
      none,
    );
    expect(result.value).toBeCloseTo(10, 9);
    // ~ (1/2)^(2k) in the Rayleigh quotient: 1e-12 after about 20 products.
    expect(result.iterations).toBeGreaterThan(15);
    expect(result.iterations).toBeLessThan(40);
    const top = q.filter((_, i) => i % n === 0);
    const cos = top.reduce((s, x, i) => s + x * result.vector[i], 0);
    expect(Math.abs(cos)).toBeCloseTo(1, 9);
  });

  it("keeps the sign of a dominant negative eigenvalue, and stops by PyHessian's test", async () => {
    const a = fromSpectrum(
      spectrum.map((x, i) => (i === 0 ? -10 : x)),
      q,
    );
    const result = await powerIteration(denseOperator(a, n), { seed: 2 }, none);
    expect(result.iterations).toBeLessThanOrEqual(20);
    // Stopped at a relative change below 1e-3.
    expect(result.value).toBeLessThan(-9.9);
    expect(result.value).toBeGreaterThan(-10.0001);
  });

  it('returns 0 when H v = 0', async () => {
    const result = await powerIteration(denseOperator(new Float64Array(9), 3), {}, none);
    expect(result).toMatchObject({ value: 0, iterations: 1 });
  });
});

describe('makeCheckpoint', () => {
  const n = 120;
  const a = fromSpectrum(
    Array.from({ length: n }, (_, i) => i - 20),
    randomOrthogonal(n, 9),
  );

  it('cancels a running computation: it rejects with CancelledError', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const checkpoint = makeCheckpoint({
      signal: controller.signal,
      yieldEveryMs: 0,
      progressEveryMs: 0,
      onProgress: (done) => {
        seen.push(done);
        if (done === 5) controller.abort();
      },
    });
    const run = lanczos(denseOperator(a, n), { k: 4, iterations: n, tol: 0 }, checkpoint);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen.at(-1)).toBe(5);
  });

  it('cancels from outside while the computation yields to the event loop', async () => {
    const controller = new AbortController();
    const checkpoint = makeCheckpoint({ signal: controller.signal, yieldEveryMs: 0 });
    const run = powerIteration(denseOperator(a, n), { iterations: 10_000, tol: 0 }, checkpoint);
    setTimeout(() => controller.abort(), 5);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it('throttles progress but always reports the end, and yields only after yieldEveryMs', async () => {
    const reports: number[] = [];
    const checkpoint = makeCheckpoint({
      onProgress: (done, total) => reports.push(done / total),
      progressEveryMs: 1e9,
      yieldEveryMs: 1e9,
    });
    expect(checkpoint(0, 10)).toBeUndefined();
    for (let i = 1; i <= 10; i++) expect(checkpoint(i, 10)).toBeUndefined();
    expect(reports).toEqual([0, 1]);
    const eager = makeCheckpoint({ yieldEveryMs: 0 });
    const turn = eager(1, 2);
    expect(turn).toBeInstanceOf(Promise);
    await turn;
  });

  it('refuses at once when the signal is already aborted', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => makeCheckpoint({ signal: controller.signal })(0, 1)).toThrow(CancelledError);
  });
});
