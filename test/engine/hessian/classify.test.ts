/**
 * The second-order test with a tolerance: the reference network Hessians' minimum ratio, flat
 * count and index (PyTorch, test/fixtures/hessian.json), and each kind on hand-made spectra.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FieldError } from '../../../electron/engine/core/errors';
import { classify } from '../../../electron/engine/hessian/classify';
import { symmetricEigen } from '../../../electron/engine/hessian/eigen';
import { fromSpectrum, randomOrthogonal } from './linalg-fixtures';

interface ReferenceCase {
  name: string;
  expected: {
    gradNorm: number;
    eigenvalues: number[];
    minimumRatio: number;
    flat: number;
    tau: number;
    parameters: number;
  };
}
const reference = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/hessian.json'), 'utf8'),
) as { cases: ReferenceCase[] };

describe('classify on the reference network Hessians', () => {
  const expected: Record<string, [count: number, minimumRatio: number, flat: number]> = {
    'tanh-2-4-1-mse': [17, 7 / 17, 0],
    'relu-2-6-1-mse': [25, 14 / 25, 5],
    'softplus-2-3-3-2-ce': [29, 15 / 29, 6],
  };

  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const e = c.expected;
    const result = classify(e.eigenvalues, e.gradNorm, { tau: e.tau });
    expect(result.count).toBe(e.parameters);
    expect(result.minimumRatio).toBeCloseTo(e.minimumRatio, 14);
    expect(result.flat).toBe(e.flat);
    expect(result.positive + result.negative + result.flat).toBe(result.count);
    expect(result.index).toBeCloseTo(result.negative / result.count, 15);
    expect(result.kind).toBe('saddle');
    expect(result.lambdaMax).toBe(Math.max(...e.eigenvalues));
    expect(result.lambdaMin).toBe(Math.min(...e.eigenvalues));
    expect(result.scale).toBe(Math.max(...e.eigenvalues.map(Math.abs)));
    if (expected[name]) {
      const [count, ratio, flat] = expected[name];
      expect([result.count, result.flat]).toEqual([count, flat]);
      expect(result.minimumRatio).toBeCloseTo(ratio, 15);
    }
    // These points are not critical (‖∇L‖ ≈ 1): judged, they say so.
    expect(classify(e.eigenvalues, e.gradNorm, { gradTolerance: 1e-3 }).kind).toBe('not critical');
  });

  it('gives the same counts from our own eigenvalues of Q diag(λ) Qᵀ', () => {
    for (const c of reference.cases.filter((x) => x.expected.parameters < 100)) {
      const { eigenvalues, gradNorm, minimumRatio, flat } = c.expected;
      const n = eigenvalues.length;
      const { values } = symmetricEigen(fromSpectrum(eigenvalues, randomOrthogonal(n, 1)), n);
      const result = classify(values, gradNorm);
      expect([result.minimumRatio, result.flat]).toEqual([minimumRatio, flat]);
    }
  });
});

describe('classify', () => {
  it('names each kind by the signs of the eigenvalues', () => {
    expect(classify([1, 2, 3], 0).kind).toBe('minimum');
    expect(classify([-1, -2], 0).kind).toBe('maximum');
    expect(classify([1, -1], 0).kind).toBe('saddle');
    expect(classify([1, -1, 0], 0).kind).toBe('saddle');
    expect(classify([1, 0], 0).kind).toBe('degenerate');
    expect(classify([-1, 1e-9], 0).kind).toBe('degenerate');
    expect(classify([0, 0, 0], 0).kind).toBe('degenerate');
  });

  it('counts an eigenvalue of exactly τ·max|λ| as flat, just above as signed', () => {
    const r = classify([-100, 1e-2, -1e-2, 0.010000001], 0);
    expect([r.positive, r.negative, r.flat]).toEqual([1, 1, 2]);
    expect(r.minimumRatio).toBe(0.25);
    expect(r.index).toBe(0.25);
    const loose = classify([-100, 1e-2, -1e-2, 0.010000001], 0, { tau: 1e-3 });
    expect(loose.flat).toBe(4 - 1);
  });

  it('judges criticality only when given a gradient tolerance', () => {
    expect(classify([1, 2], 0.5).kind).toBe('minimum');
    expect(classify([1, 2], 0.5, { gradTolerance: 0.1 }).kind).toBe('not critical');
    expect(classify([1, 2], 0.05, { gradTolerance: 0.1 }).kind).toBe('minimum');
    expect(classify([1, 2], NaN, { gradTolerance: 0.1 }).kind).toBe('not critical');
  });

  it('counts infinite curvature with its sign (the tip of a cone)', () => {
    expect(classify([Infinity, Infinity], 0)).toMatchObject({ kind: 'minimum', scale: Infinity });
    expect(classify([-1, Infinity], 0).kind).toBe('saddle');
    expect(classify([1e-9, Infinity], 0).kind).toBe('minimum');
  });

  it('refuses NaN eigenvalues, an empty list and a bad τ, naming the field', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(FieldError);
        return (e as FieldError).field;
      }
      return undefined;
    };
    expect(field(() => classify([1, NaN], 0))).toBe('eigenvalues');
    expect(field(() => classify([], 0))).toBe('eigenvalues');
    expect(field(() => classify([1], 0, { tau: -1 }))).toBe('tau');
    expect(field(() => classify([1], 0, { gradTolerance: -1 }))).toBe('gradTolerance');
  });
});
