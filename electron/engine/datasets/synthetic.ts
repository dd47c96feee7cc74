/**
 * Synthetic datasets, drawn from a seeded Rng in the raw input space (before standardization).
 * 2-D classification sets live roughly in [-1, 1]²; regression sets are y = f(x) + noise.
 */
import type { DatasetSpec } from '../../common/network';
import type { Rng } from './random';

/** Points as generated: inputs row-major (n × dim), and a label or target per point. */
export interface RawPoints {
  x: Float64Array;
  y: Float64Array;
  n: number;
  dim: number;
}

export type ClassificationSpec = Extract<
  DatasetSpec,
  { kind: 'spirals' | 'circles' | 'xor' | 'moons' | 'blobs' }
>;
export type RegressionSpec = Extract<DatasetSpec, { kind: 'sine' | 'polynomial' }>;

/** Classes of a synthetic classification set. */
export function classCount(spec: ClassificationSpec): number {
  return spec.kind === 'blobs' ? spec.classes : 2;
}

/**
 * n labelled 2-D points, classes balanced (point i has class i mod K, so the counts differ
 * by at most one), in generation order; the caller shuffles them into splits.
 */
export function classificationPoints(spec: ClassificationSpec, n: number, rng: Rng): RawPoints {
  const k = classCount(spec);
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  const noise = 'noise' in spec ? spec.noise : 0;
  for (let i = 0; i < n; i++) {
    const c = i % k;
    let px: number;
    let py: number;
    switch (spec.kind) {
      case 'spirals': {
        // Arm c turns `turns` times while its radius grows from 0 to 1; the two arms are half
        // a turn apart, so neighbouring arms stay 1 / (2 · turns) apart along any ray.
        const t = rng.uniform();
        const angle = 2 * Math.PI * spec.turns * t + c * Math.PI;
        px = t * Math.cos(angle);
        py = t * Math.sin(angle);
        break;
      }
      case 'circles': {
        const r = c === 0 ? spec.factor : 1;
        const angle = 2 * Math.PI * rng.uniform();
        px = r * Math.cos(angle);
        py = r * Math.sin(angle);
        break;
      }
      case 'xor': {
        // Uniform on [-1, 1]², pushed `margin` away from both axes; the class is the sign of xy.
        const m = spec.margin;
        const u = rng.between(-1, 1);
        const v = rng.between(-1, 1);
        px = Math.sign(u || 1) * (m + Math.abs(u) * (1 - m));
        py = Math.sign(v || 1) * (m + Math.abs(v) * (1 - m));
        y[i] = px * py > 0 ? 0 : 1;
        break;
      }
      case 'moons': {
        // scikit-learn's make_moons, centred on the origin.
        const t = Math.PI * rng.uniform();
        if (c === 0) {
          px = Math.cos(t) - 0.5;
          py = Math.sin(t) - 0.25;
        } else {
          px = 1 - Math.cos(t) - 0.5;
          py = 0.5 - Math.sin(t) - 0.25;
        }
        break;
      }
      case 'blobs': {
        const angle = (2 * Math.PI * c) / k;
        px = Math.cos(angle) + spec.spread * rng.normal();
        py = Math.sin(angle) + spec.spread * rng.normal();
        break;
      }
    }
    x[2 * i] = px + noise * rng.normal();
    x[2 * i + 1] = py + noise * rng.normal();
    if (spec.kind !== 'xor') y[i] = c;
  }
  return { x, y, n, dim: 2 };
}

/** f(x) of a regression set, without noise. */
export function regressionTarget(spec: RegressionSpec, x: number): number {
  if (spec.kind === 'sine') return Math.sin(x);
  // Horner: c₀ + x(c₁ + x(c₂ + …)).
  const c = spec.coefficients;
  let value = 0;
  for (let k = c.length - 1; k >= 0; k--) value = value * x + c[k];
  return value;
}

/** n points x ~ U[lo, hi), y = f(x) + noise · N(0, 1). */
export function regressionPoints(
  spec: RegressionSpec,
  n: number,
  [lo, hi]: readonly [number, number],
  rng: Rng,
): RawPoints {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.between(lo, hi);
    y[i] = regressionTarget(spec, x[i]) + spec.noise * rng.normal();
  }
  return { x, y, n, dim: 1 };
}
