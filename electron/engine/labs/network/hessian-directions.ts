/**
 * A landscape's `hessian` directions: the unit eigenvectors of the two largest eigenvalues of
 * the Hessian of the loss at the landscape's centre, by Lanczos (k = 2) on Hessian-vector
 * products (hessian/rop.ts) — the plane in which the loss curves up the most, with the two
 * eigenvalues that say how much. They are orthonormal (Lanczos keeps its basis orthogonal),
 * so the plane's coordinates are distances in θ. The caller may start Lanczos from the last
 * such landscape's d₁ (warm): a nearby centre has nearly the same top eigenvector.
 */
import { FieldError } from '../../core/errors';
import { makeCheckpoint } from '../../hessian/checkpoint';
import { fromNetwork } from '../../hessian/hessian-model';
import { ImportedHessian } from '../../hessian/imported';
import { lanczos } from '../../hessian/lanczos';
import { MlpHessian } from '../../hessian/rop';
import type { Directions } from '../../landscape';
import type { NetworkProblem } from '../../network';

/** Lanczos iterations (Hessian-vector products) for the top two eigenvectors (at most P). */
export const HESSIAN_DIRECTION_ITERATIONS = 60;

/** Longest the computation goes without giving the engine's event loop a turn, ms. */
const YIELD_MS = 30;

export async function hessianDirections(
  problem: NetworkProblem,
  center: Float64Array,
  split: 'train' | 'validation',
  options: {
    signal?: AbortSignal;
    /** Lanczos's first vector (θ's length), e.g. the last Hessian landscape's d₁. */
    start?: Float64Array;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<Directions> {
  const graph = problem.imported?.net !== undefined;
  let data;
  try {
    // An imported model's own graph has no MLP to hand the R-operator (see ImportedHessian).
    data = graph ? undefined : fromNetwork(problem, undefined, split);
  } catch (err) {
    if (err instanceof FieldError) throw new FieldError('grid.split', err.reason);
    throw err;
  }
  const p = center.length;
  if (p < 4) {
    throw new FieldError('directions', `θ has ${p} parameters: too few for two top eigenvectors`);
  }
  const checkpoint = makeCheckpoint({
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    yieldEveryMs: YIELD_MS,
  });
  const op = data
    ? new MlpHessian(problem.tf, data.model, center, data)
    : new ImportedHessian(problem, center, split);
  try {
    const start = options.start?.length === p ? options.start : undefined;
    const { values, vectors } = await lanczos(
      op,
      {
        k: 2,
        iterations: Math.min(p, HESSIAN_DIRECTION_ITERATIONS),
        seed: 0,
        ...(start ? { start } : {}),
        vectors: true,
      },
      checkpoint,
    );
    const n = values.length;
    if (!vectors || n < 2) throw new Error('Lanczos gave no eigenvectors');
    const column = (j: number) => vectors.slice(j * p, (j + 1) * p);
    return {
      kind: 'hessian',
      d1: column(n - 1),
      d2: column(n - 2),
      eigenvalues: [values[n - 1], values[n - 2]],
    };
  } finally {
    op.dispose();
  }
}
