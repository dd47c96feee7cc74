/**
 * The dense eigensolver (Householder + implicit QL), the tridiagonal solver, the 2 × 2 closed
 * form and the dense Hessian from products: residuals, orthonormality, an independent Jacobi
 * reference, closed-form spectra, and the spectra of real network Hessians (the PyTorch
 * reference, test/fixtures/hessian.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, FieldError } from '../../../electron/engine/core/errors';
import {
  asymmetry,
  denseHessian,
  denseHessianReport,
} from '../../../electron/engine/hessian/dense';
import { makeCheckpoint } from '../../../electron/engine/hessian/checkpoint';
import {
  EIGEN_PROGRESS_TOTAL,
  eigen2,
  eigenHelperPasses,
  prepareEigenHelper,
  symmetricEigen,
  symmetricEigenAsync,
  tridiagonalEigen,
} from '../../../electron/engine/hessian/eigen';
import {
  denseOperator,
  fromSpectrum,
  frobenius,
  jacobiEigenvalues,
  matVec,
  maxDiff,
  randomOrthogonal,
  randomSymmetric,
} from './linalg-fixtures';

interface ReferenceCase {
  name: string;
  expected: { eigenvalues: number[] };
}
const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/hessian.json'), 'utf8'),
) as { cases: ReferenceCase[] };

/** max |A v_j − λ_j v_j| over all pairs, and max |VᵀV − I|. */
function checkPairs(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array) {
  let residual = 0;
  let orthogonality = 0;
  const av = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const v = vectors.subarray(j * n, (j + 1) * n);
    matVec(a, n, v, av);
    for (let i = 0; i < n; i++) residual = Math.max(residual, Math.abs(av[i] - values[j] * v[i]));
    for (let k = 0; k <= j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i] * vectors[k * n + i];
      orthogonality = Math.max(orthogonality, Math.abs(d - (j === k ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

function ascending(values: Float64Array): boolean {
  return values.every((v, i) => i === 0 || values[i - 1] <= v);
}

describe('symmetricEigen', () => {
  beforeAll(async () => {
    expect(await prepareEigenHelper()).toBe(true);
  });

  // Sizes around the kernel's blocks of four rows and its lead rows.
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 33, 64, 101])(
    'solves a random symmetric matrix of size %i: residuals, orthonormal vectors, Jacobi values',
    (n) => {
      const a = randomSymmetric(n, n);
      const norm = frobenius(a);
      const { values, vectors, size, method } = symmetricEigen(a, n, { vectors: true });
      expect(size).toBe(n);
      expect(method).toBe('exact');
      expect(ascending(values)).toBe(true);
      const { residual, orthogonality } = checkPairs(a, n, values, vectors!);
      expect(residual).toBeLessThanOrEqual(1e-13 * norm);
      // Each vector's largest component is positive.
      for (let j = 0; j < n; j++) {
        const v = [...vectors!.subarray(j * n, (j + 1) * n)];
        const big = v.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
        expect(big).toBeGreaterThan(0);
      }
      expect(orthogonality).toBeLessThanOrEqual(1e-13);
      expect(maxDiff(values, jacobiEigenvalues(a, n))).toBeLessThanOrEqual(1e-13 * norm);
      // Values only: the same numbers (the vectors do not change the QL shifts).
      expect(symmetricEigen(a.slice(), n).values).toEqual(values);
    },
  );

  it('gives the same numbers, to the last bit, on one thread and on two', () => {
    // Large enough for the helper thread (n ≥ 320); the passes split the same way on one.
    const n = 330;
    const a = randomSymmetric(n, 17);
    const one = symmetricEigen(a, n, { vectors: true, threads: 1 });
    const before = eigenHelperPasses();
    const two = symmetricEigen(a, n, { vectors: true, threads: 2 });
    // The helper ran the second half of the passes (of all of them, unless it lagged far
    // behind on a busy machine and this thread took over: the numbers are the same).
    expect(eigenHelperPasses() - before).toBeGreaterThan(0);
    expect(two.values).toEqual(one.values);
    expect(two.vectors).toEqual(one.vectors);
    const { residual, orthogonality } = checkPairs(a, n, two.values, two.vectors!);
    expect(residual).toBeLessThanOrEqual(1e-13 * frobenius(a));
    expect(orthogonality).toBeLessThanOrEqual(1e-13);
    expect(symmetricEigen(a, n).values).toEqual(one.values);
  });

  it('gives the tridiagonal Toeplitz spectrum a + 2b cos(kπ/(n + 1)) and its sine vectors', () => {
    for (const n of [50, 203]) {
      const [diag, off] = [2, -1];
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = diag;
        if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = off;
      }
      const { values, vectors } = symmetricEigen(a.slice(), n, { vectors: true });
      // Ascending: k = n … 1 for b < 0.
      const exact = Array.from(
        { length: n },
        (_, j) => diag + 2 * off * Math.cos(((j + 1) * Math.PI) / (n + 1)),
      );
      expect(maxDiff(values, exact)).toBeLessThan(1e-14 * n);
      for (let j = 0; j < n; j++) {
        // v_k(i) = √(2/(n+1)) sin(i k π/(n+1)), up to sign.
        let d = 0;
        for (let i = 0; i < n; i++) {
          d +=
            vectors![j * n + i] *
            Math.sqrt(2 / (n + 1)) *
            Math.sin(((i + 1) * (j + 1) * Math.PI) / (n + 1));
        }
        expect(Math.abs(Math.abs(d) - 1)).toBeLessThan(1e-12);
      }
    }
  });

  it('sorts a diagonal matrix exactly, with the unit vectors as eigenvectors', () => {
    const d = [3, -1, 0, 7.5, -1e-9, 2, 2, 1e6];
    const n = d.length;
    const a = new Float64Array(n * n);
    d.forEach((x, i) => (a[i * n + i] = x));
    const { values, vectors } = symmetricEigen(a, n, { vectors: true });
    expect([...values]).toEqual([...d].sort((x, y) => x - y));
    for (let j = 0; j < n; j++) {
      const v = [...vectors!.subarray(j * n, (j + 1) * n)].map(Math.abs);
      expect(v.filter((x) => x === 1)).toHaveLength(1);
      expect(d[v.indexOf(1)]).toBe(values[j]);
    }
  });

  it('finds a rank-one matrix uuᵀ: ‖u‖² once and n − 1 zeros', () => {
    const n = 40;
    const u = Array.from({ length: n }, (_, i) => Math.sin(i + 1) + 0.5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = u[i] * u[j];
    const norm2 = u.reduce((s, x) => s + x * x, 0);
    const { values, vectors } = symmetricEigen(a.slice(), n, { vectors: true });
    expect(Math.abs(values[n - 1] - norm2)).toBeLessThan(1e-13 * norm2);
    for (let j = 0; j < n - 1; j++) expect(Math.abs(values[j])).toBeLessThan(1e-14 * norm2);
    const top = vectors!.subarray((n - 1) * n);
    const cos = u.reduce((s, x, i) => s + x * top[i], 0) / Math.sqrt(norm2);
    expect(Math.abs(Math.abs(cos) - 1)).toBeLessThan(1e-14);
  });

  it('keeps repeated eigenvalues and returns an orthonormal basis of each eigenspace', () => {
    const spectrum = [-2, -2, -2, 0, 0, 1, 1, 1, 1, 5];
    const n = spectrum.length;
    const q = randomOrthogonal(n, 3);
    const a = fromSpectrum(spectrum, q);
    const { values, vectors } = symmetricEigen(a.slice(), n, { vectors: true });
    expect(maxDiff(values, spectrum)).toBeLessThan(1e-14 * 5 * n);
    const { residual, orthogonality } = checkPairs(a, n, values, vectors!);
    expect(residual).toBeLessThan(1e-14 * 5 * n);
    expect(orthogonality).toBeLessThan(1e-14 * n);
  });

  it('recovers the spectra of the reference network Hessians from Q diag(λ) Qᵀ to 1e-10', () => {
    for (const c of reference.cases) {
      const spectrum = c.expected.eigenvalues;
      const n = spectrum.length;
      const a = fromSpectrum(spectrum, randomOrthogonal(n, n));
      const scale = Math.max(...spectrum.map(Math.abs));
      const { values } = symmetricEigen(a, n);
      const sorted = [...spectrum].sort((x, y) => x - y);
      expect(maxDiff(values, sorted), c.name).toBeLessThanOrEqual(1e-10 * scale);
    }
  });

  it('scales: 2^±600 · A has 2^±600 times the eigenvalues, without overflow or underflow', () => {
    const n = 12;
    const a = randomSymmetric(n, 99);
    const base = symmetricEigen(a.slice(), n).values;
    for (const s of [2 ** 600, 2 ** -600, 1e300, 1e-300]) {
      const { values } = symmetricEigen(
        a.map((x) => x * s),
        n,
      );
      for (let j = 0; j < n; j++) expect(values[j] / s).toBeCloseTo(base[j], 12);
    }
  });

  it('reads only the lower triangle', () => {
    const n = 9;
    const a = randomSymmetric(n, 5);
    const junk = a.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) junk[i * n + j] = NaN;
    expect(symmetricEigen(junk, n).values).toEqual(symmetricEigen(a, n).values);
  });

  it('handles the empty, 1 × 1 and zero matrices', () => {
    expect(symmetricEigen(new Float64Array(0), 0, { vectors: true })).toMatchObject({ size: 0 });
    const one = symmetricEigen(Float64Array.of(-3.5), 1, { vectors: true });
    expect([...one.values]).toEqual([-3.5]);
    expect([...one.vectors!]).toEqual([1]);
    const zero = symmetricEigen(new Float64Array(9), 3, { vectors: true });
    expect([...zero.values]).toEqual([0, 0, 0]);
    expect([...zero.vectors!]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('refuses a non-finite entry and a short array, naming the field', () => {
    const a = randomSymmetric(4, 1);
    a[2 * 4 + 1] = Infinity;
    for (const f of [() => symmetricEigen(a, 4), () => symmetricEigen(new Float64Array(3), 2)]) {
      expect(f).toThrow(FieldError);
      expect(f).toThrow(expect.objectContaining({ field: 'hessian' }));
    }
  });
});

describe('symmetricEigenAsync', () => {
  it('gives the same spectrum, reporting progress up to the total between passes', async () => {
    const n = 340;
    const a = randomSymmetric(n, 23);
    const seen: number[] = [];
    const result = await symmetricEigenAsync(a, n, { vectors: true }, (done, total) => {
      expect(total).toBe(EIGEN_PROGRESS_TOTAL);
      seen.push(done);
    });
    const sync = symmetricEigen(a, n, { vectors: true });
    expect(result.values).toEqual(sync.values);
    expect(result.vectors).toEqual(sync.vectors);
    // One report per pass (n − 2 + n − 3 of them, and one per QL sweep), never going back.
    expect(seen.length).toBeGreaterThan(2 * n);
    expect(seen.every((x, i) => i === 0 || x >= seen[i - 1])).toBe(true);
    expect(seen.at(-1)).toBeGreaterThan(0.99 * EIGEN_PROGRESS_TOTAL);
  });

  it('runs two decompositions at once: one with the helper, the other on this thread', async () => {
    const [n1, n2] = [340, 333];
    const a1 = randomSymmetric(n1, 31);
    const a2 = randomSymmetric(n2, 37);
    const turn = makeCheckpoint({ yieldEveryMs: 0 });
    const [r1, r2] = await Promise.all([
      symmetricEigenAsync(a1, n1, { vectors: true }, turn),
      symmetricEigenAsync(a2, n2, {}, turn),
    ]);
    expect(r1.values).toEqual(symmetricEigen(a1, n1, { threads: 1 }).values);
    expect(r1.vectors).toEqual(symmetricEigen(a1, n1, { vectors: true, threads: 1 }).vectors);
    expect(r2.values).toEqual(symmetricEigen(a2, n2, { threads: 1 }).values);
  });

  it('stops with CancelledError, releasing the helper thread for the next decomposition', async () => {
    const n = 360;
    const a = randomSymmetric(n, 29);
    const controller = new AbortController();
    const checkpoint = makeCheckpoint({
      signal: controller.signal,
      yieldEveryMs: 0,
      onProgress: (done) => {
        if (done > 100) controller.abort();
      },
      progressEveryMs: 0,
    });
    await expect(symmetricEigenAsync(a, n, { vectors: true }, checkpoint)).rejects.toBeInstanceOf(
      CancelledError,
    );
    const before = eigenHelperPasses();
    const after = symmetricEigen(a, n);
    expect(eigenHelperPasses() - before).toBeGreaterThan(0);
    expect(after.values).toEqual(symmetricEigen(a, n, { threads: 1 }).values);
  });
});

describe('tridiagonalEigen', () => {
  it('gives the same values and vector components from rows as from the full vectors', () => {
    const m = 30;
    const alpha = Array.from({ length: m }, (_, i) => Math.cos(i) * 3);
    const beta = Array.from({ length: m }, (_, i) => 1 + Math.sin(i * i) * 0.5);
    const full = tridiagonalEigen(alpha, beta, { vectors: true, rows: [0, m - 1] });
    const rows = tridiagonalEigen(alpha, beta, { rows: [0, m - 1] });
    expect(rows.values).toEqual(full.values);
    for (let j = 0; j < m; j++) {
      expect(rows.rows[0][j]).toBeCloseTo(full.vectors![j * m], 14);
      expect(rows.rows[1][j]).toBeCloseTo(full.vectors![j * m + m - 1], 14);
    }
    // The first components' squares sum to 1 (the quadrature weights).
    expect(rows.rows[0].reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 14);
    // The same spectrum as the dense solver.
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      a[i * m + i] = alpha[i];
      if (i > 0) a[i * m + i - 1] = a[(i - 1) * m + i] = beta[i - 1];
    }
    expect(maxDiff(full.values, jacobiEigenvalues(a, m))).toBeLessThan(1e-13 * 5);
  });
});

describe('eigen2', () => {
  const residual = (h: number[], e: ReturnType<typeof eigen2>) => {
    let r = 0;
    e.values.forEach((l, j) => {
      const [x, y] = e.vectors[j];
      r = Math.max(r, Math.abs(h[0] * x + h[1] * y - l * x), Math.abs(h[1] * x + h[2] * y - l * y));
      expect(Math.hypot(x, y)).toBeCloseTo(1, 15);
    });
    const [[a, b], [c, d]] = e.vectors;
    expect(Math.abs(a * c + b * d)).toBeLessThan(1e-15);
    return r;
  };

  it('agrees with the dense solver on random 2 × 2 matrices', () => {
    const a = randomSymmetric(2, 1);
    for (let k = 0; k < 50; k++) {
      const h = [Math.sin(k) * 10, Math.cos(3 * k), Math.sin(7 * k) * 4];
      const e = eigen2(h);
      const dense = symmetricEigen(Float64Array.of(h[0], h[1], h[1], h[2]), 2).values;
      expect(e.values[0]).toBeCloseTo(dense[0], 13);
      expect(e.values[1]).toBeCloseTo(dense[1], 13);
      expect(residual(h, e)).toBeLessThan(1e-14 * 10);
    }
    expect(a.length).toBe(4);
  });

  it('keeps a tiny eigenvalue to full relative precision (no cancellation)', () => {
    // det = 1e-12, trace ≈ 2: λ_small = 1e-12 / λ_big; (a + c)/2 − r would keep 4 digits.
    const h = [1, 1, 1 + 1e-12];
    const e = eigen2(h);
    const big = 1 + 0.5e-12 + Math.hypot(0.5e-12, 1);
    const exactSmall = (1 * (1 + 1e-12) - 1) / big;
    expect(Math.abs(e.values[0] - exactSmall) / exactSmall).toBeLessThan(1e-9);
    expect(e.values[1]).toBeCloseTo(big, 15);
  });

  it('gives exact axis vectors when the coupling is 0, and stable ones when it is tiny', () => {
    expect(eigen2([2, 0, -3])).toEqual({
      values: [-3, 2],
      vectors: [
        [0, 1],
        [1, 0],
      ],
    });
    // Larger component positive (x on a tie): [[1, −1], [−1, 1]] has (1, 1)/√2 for 0, (1, −1)/√2 for 2.
    const tie = eigen2([1, -1, 1]);
    expect(tie.values[0]).toBeCloseTo(0, 15);
    expect(tie.vectors.flat().map((x) => x / Math.SQRT1_2)).toEqual(
      [1, 1, 1, -1].map((x) => expect.closeTo(x, 15)),
    );
    for (const h of [
      [1, 1e-300, 1],
      [1, 1e-17, 1 + 1e-15],
      [5, 0, 5],
      [0, 0, 0],
      [-1, 1e-200, 1],
    ]) {
      expect(residual(h, eigen2(h))).toBeLessThanOrEqual(
        1e-15 * Math.max(1, Math.abs(h[0]) + Math.abs(h[2])),
      );
    }
  });

  it("gives a non-finite diagonal as its limit (Ackley's tip), and NaN otherwise", () => {
    expect(eigen2([Infinity, 0, Infinity]).values).toEqual([Infinity, Infinity]);
    expect(eigen2([Infinity, 0.5, 2]).values).toEqual([2, Infinity]);
    expect(eigen2([1, Infinity, 2]).values.every(Number.isNaN)).toBe(true);
  });
});

describe('denseHessian', () => {
  it('assembles H column by column, in batches or one by one, with progress', async () => {
    const n = 70;
    const a = randomSymmetric(n, 8);
    const calls: number[] = [];
    const checkpoint = (done: number, total: number) => {
      expect(total).toBe(n);
      calls.push(done);
    };
    const batched = denseOperator(a, n, true);
    const h = await denseHessian(batched, checkpoint, 32);
    expect(h).toEqual(a);
    expect(batched.products).toBe(n);
    expect(calls).toEqual([0, 32, 64, 70]);
    const single = denseOperator(a, n, false);
    expect(await denseHessian(single, () => undefined)).toEqual(a);
  });

  it("measures the products' asymmetry before symmetrizing", async () => {
    const n = 5;
    const b = randomSymmetric(n, 2);
    b[1 * n + 3] += 1e-3; // B[1][3] ≠ B[3][1]
    const maxB = Math.max(...b.map(Math.abs));
    const { matrix, symmetryError } = await denseHessianReport(
      denseOperator(b, n),
      () => undefined,
    );
    expect(symmetryError).toBeCloseTo(1e-3 / maxB, 15);
    expect(asymmetry(matrix, n)).toBe(0);
    // H e_j is column j: the result is (B + Bᵀ)/2.
    expect(matrix[1 * n + 3]).toBeCloseTo(b[3 * n + 1] + 0.5e-3, 15);
    expect(matrix[3 * n + 1]).toBe(matrix[1 * n + 3]);
  });
});
