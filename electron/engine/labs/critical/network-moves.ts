/**
 * Escape and the line plot for networks: both need only the extreme eigenpairs of the
 * Hessian, which Lanczos gives from a few dozen Hessian-vector products (R-operator, see
 * hessian/rop.ts), however many parameters the network has.
 *
 * Escape (the lecture's): at a saddle the gradient vanishes and the second-order model is
 * L(θ + t·d) ≈ L(θ) + t·gᵀd + ½·λ·t² for a unit eigenvector d of eigenvalue λ; along the
 * eigenvector of the most negative eigenvalue, signed so that gᵀd ≤ 0, the loss falls by about
 * ½·|λ|·t². The step is refused where no eigenvalue is below −τ·max|λ| (nothing to escape
 * along: float32 Hessian-vector products cannot sign eigenvalues within ±τ·max|λ|).
 *
 * The line (PyHessian's figure): L along the top eigenvector beside L along a random
 * direction, filter-normalized (Li et al.) and then scaled to unit length, at the same
 * distances: curvature λ_max against the typical curvature of the landscape.
 */
import type { CriticalLine, EscapeResult } from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import { lanczos } from '../../hessian/lanczos';
import { MlpHessian } from '../../hessian/rop';
import { randomDirections } from '../../landscape';
import type { Tf } from '../../network';
import type { NetworkProbe } from '../lab';
import type { Job } from './jobs';
import { networkData } from './network-analysis';
import { describeTarget } from './targets';

/** Lanczos iterations for the extreme eigenpairs of Escape and the line (at most P). */
export const EXTREME_ITERATIONS = 80;

/** The smallest and largest eigenpairs of the operator, by Lanczos. */
async function extremes(
  op: MlpHessian,
  seed: number,
  job: Job,
): Promise<{ lambdaMin: number; lambdaMax: number; min: Float64Array; max: Float64Array }> {
  const p = op.size;
  job.phase('lanczos');
  const result = await lanczos(
    op,
    { k: 1, iterations: Math.min(p, EXTREME_ITERATIONS), seed, vectors: true },
    job.checkpoint,
  );
  const { values, vectors } = result;
  const last = values.length - 1;
  if (!vectors) throw new Error('Lanczos gave no eigenvectors');
  return {
    lambdaMin: values[0],
    lambdaMax: values[last],
    min: vectors.slice(0, p),
    max: vectors.slice(last * p, (last + 1) * p),
  };
}

/** θ + t·d. */
function along(theta: Float64Array, d: Float64Array, t: number): Float64Array {
  const out = new Float64Array(theta.length);
  for (let i = 0; i < out.length; i++) out[i] = theta[i] + t * d[i];
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * One Escape step of length t from a network probe's θ (loss on the training split): the
 * result (without the new run) and θ + t·d.
 */
export async function escapeNetwork(
  tf: Tf,
  probe: NetworkProbe,
  t: number,
  tau: number,
  job: Job,
): Promise<{ escape: EscapeResult; theta: Float64Array }> {
  const { model, ...data } = networkData(probe, 'train', 'target');
  const op = new MlpHessian(tf, model, probe.theta, data);
  try {
    const { lambdaMin, lambdaMax, min } = await extremes(op, 0, job);
    const scale = Math.max(Math.abs(lambdaMin), Math.abs(lambdaMax));
    if (!(lambdaMin < -tau * scale)) {
      throw new FieldError(
        'target',
        `no direction of negative curvature at step ${probe.step} of "${probe.runId}": λ_min = ${lambdaMin.toPrecision(4)}, not below −τ·max|λ| = ${(-tau * scale).toPrecision(4)}`,
      );
    }
    job.phase('escape');
    await job.checkpoint(0, 1);
    const g = op.gradient();
    let gd = dot(g, min);
    if (gd > 0) {
      for (let i = 0; i < min.length; i++) min[i] = -min[i];
      gd = -gd;
    }
    const theta = along(probe.theta, min, t);
    const lossBefore = op.loss();
    const lossAfter = op.lossAt(theta);
    await job.checkpoint(1, 1);
    const predicted = 0.5 * lambdaMin * t * t;
    return {
      escape: {
        target: describeTarget(probe),
        lambda: lambdaMin,
        t,
        predicted,
        predictedSecondOrder: t * gd + predicted,
        actual: lossAfter - lossBefore,
        lossBefore,
        lossAfter,
      },
      theta,
    };
  } finally {
    op.dispose();
  }
}

/** The loss along the top eigenvector and a random direction through a network probe's θ. */
export async function networkLine(
  tf: Tf,
  probe: NetworkProbe,
  request: { points: number; radius: number; seed: number; split: 'train' | 'validation' },
  job: Job,
): Promise<CriticalLine> {
  const { model, ...data } = networkData(probe, request.split, 'split');
  const op = new MlpHessian(tf, model, probe.theta, data);
  try {
    const { lambdaMax, max } = await extremes(op, request.seed, job);
    const random = randomDirections(probe.problem.layout, probe.theta, request.seed).d1;
    const norm = Math.sqrt(dot(random, random));
    if (!(norm > 0)) {
      throw new FieldError('target', 'θ has no weights to filter-normalize a direction to');
    }
    for (let i = 0; i < random.length; i++) random[i] /= norm;
    const { points, radius } = request;
    const line: CriticalLine = {
      target: describeTarget(probe),
      t: new Float64Array(points),
      top: new Float64Array(points),
      random: new Float64Array(points),
      lambdaMax,
      loss: op.loss(),
    };
    job.phase('line');
    for (let i = 0; i < points; i++) {
      await job.checkpoint(i, points);
      // Symmetric about 0: s_i = r·(2i − (n − 1))/(n − 1), so s and −s are the same distance.
      const s = (radius * (2 * i - (points - 1))) / (points - 1);
      line.t[i] = s;
      line.top[i] = op.lossAt(along(probe.theta, max, s));
      line.random[i] = op.lossAt(along(probe.theta, random, s));
    }
    await job.checkpoint(points, points);
    return line;
  } finally {
    op.dispose();
  }
}
