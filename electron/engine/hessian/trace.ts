/**
 * The trace of a Hessian from Hessian-vector products: Hutchinson's estimator, as PyHessian's
 * `trace()`.
 *
 * For z with independent Rademacher entries (±1 with probability ½), E[zzᵀ] = I, so
 *
 *     E[zᵀ H z] = tr(H),   Var[zᵀ H z] = 2 (‖H‖_F² − Σ_i H_ii²)
 *
 * (the smallest variance of any such estimator with i.i.d. entries). The estimate is the mean
 * of the samples, its standard error the samples' standard deviation over √probes. Like
 * PyHessian, the probes stop early once the running mean changes by less than `tol` relative
 * (|mean_k − mean_{k−1}| / (|mean_{k−1}| + 1e-6) < tol) when a tolerance is given.
 */
import { FieldError } from '../core/errors';
import { Rng } from '../datasets/random';
import { dot, hessianStreams, rademacherVector } from './lanczos';
import type { Checkpoint, SymmetricOperator } from './types';

export interface HutchinsonOptions {
  /** Most probes (Hessian-vector products). */
  probes: number;
  seed?: number;
  /** Stop early once the mean changes by less than this, relative (PyHessian's test). */
  tol?: number;
}

export interface HutchinsonTrace {
  trace: number;
  /** Standard deviation of the samples / √probes (NaN for a single probe). */
  standardError: number;
  /** Probes used. */
  probes: number;
  /** zᵀ H z for each probe, in order. */
  samples: Float64Array;
}

/** Probes per applyMany call, when the operator batches directions. */
const BATCH = 8;

export async function hutchinsonTrace(
  op: SymmetricOperator,
  options: HutchinsonOptions,
  checkpoint: Checkpoint,
): Promise<HutchinsonTrace> {
  const n = op.size;
  const probes = options.probes;
  if (!Number.isInteger(probes) || probes < 1)
    throw new FieldError('probes', 'must be a whole number ≥ 1');
  const tol = options.tol;
  if (tol !== undefined && !(tol >= 0)) throw new FieldError('tol', 'must be ≥ 0');
  const rng = new Rng(options.seed ?? 0, hessianStreams.hutchinson);
  const samples = new Float64Array(probes);
  let count = 0;
  let mean = 0;
  await checkpoint(0, probes);
  outer: while (count < probes) {
    const batch = op.applyMany ? Math.min(BATCH, probes - count) : 1;
    const z = new Float64Array(batch * n);
    for (let b = 0; b < batch; b++) z.set(rademacherVector(n, rng), b * n);
    const hz = new Float64Array(batch * n);
    if (op.applyMany && batch > 1) op.applyMany(z, batch, hz);
    else op.apply(z, hz);
    for (let b = 0; b < batch; b++) {
      const sample = dot(z.subarray(b * n, (b + 1) * n), hz.subarray(b * n, (b + 1) * n));
      if (!Number.isFinite(sample)) {
        throw new FieldError(
          'hessian',
          `a Hessian-vector product is not finite (probe ${count + 1})`,
        );
      }
      samples[count++] = sample;
      const previous = mean;
      mean += (sample - mean) / count;
      if (tol !== undefined && Math.abs(mean - previous) / (Math.abs(previous) + 1e-6) < tol)
        break outer;
    }
    await checkpoint(count, probes);
  }
  const used = samples.slice(0, count);
  return { trace: mean, standardError: standardError(used), probes: count, samples: used };
}

/** Sample standard deviation (n − 1) over √n; NaN below two samples. */
function standardError(x: Float64Array): number {
  const n = x.length;
  if (n < 2) return NaN;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  return Math.sqrt(ss / (n - 1) / n);
}
