/**
 * The Hessian of a network run's loss at θ, for `critical.analyze`: the analysis of
 * hessian/report.ts (exact: P Hessian-vector products and a dense symmetric eigensolver;
 * Lanczos: the k extreme eigenvalues with Hutchinson's trace; SLQ density on request), with
 * the eigenvectors of the most negative and the two largest eigenvalues, in the protocol's
 * shape. Sizes are refused before any work, each naming the option to change.
 */
import {
  MAX_EXACT_PARAMETERS,
  type BackendName,
  type CriticalAnalysis,
  type SpectrumOptions,
} from '../../../common/protocol';
import { FieldError } from '../../core/errors';
import { WorkerError } from '../../core/worker-pool';
import { fromNetwork } from '../../hessian/hessian-model';
import { ImportedHessian } from '../../hessian/imported';
import {
  analysisMethod,
  analyzeNetwork,
  analyzeOperator,
  checkAnalysis,
  type AnalysisOptions,
  type NetworkAnalysis,
} from '../../hessian/report';
import { formatBytes } from '../../network/budget';
import type { Tf } from '../../network';
import type { NetworkProbe } from '../lab';
import type { Job } from './jobs';
import type { CriticalPool } from './pool';
import { describeTarget } from './targets';

/**
 * Most bytes one job of the lab may hold on the engine's heap: an exact Hessian of
 * MAX_EXACT_PARAMETERS parameters with the eigensolver's copy and the eigenvectors
 * (3 × 8 · 2000² = 96 MB) fits with room, as does a Krylov basis of 300 vectors of the largest
 * network the lab trains (the digits' 64-256-256-10, 85,000 parameters: 200 MB).
 */
export const MAX_JOB_BYTES = 512 * 2 ** 20;

/** The analysis options of a request, for the report's analysis (vectors always). */
export function analysisOptions(options: SpectrumOptions): AnalysisOptions {
  const { split: _split, ...rest } = options;
  return { ...rest, vectors: true };
}

/**
 * Refuses, before any work, an analysis of P parameters the lab will not run: an exact
 * Hessian of more than MAX_EXACT_PARAMETERS parameters, or one whose memory (P² float64
 * numbers for H, as many for the eigensolver and for the eigenvectors; a Krylov basis of
 * `iterations` × P) passes MAX_JOB_BYTES. Each refusal names the option to change.
 */
export function checkNetworkAnalysis(parameters: number, options: SpectrumOptions): void {
  const p = parameters;
  const count = p.toLocaleString('en');
  const method = analysisMethod(options.method, p);
  if (options.method === 'exact' && p > MAX_EXACT_PARAMETERS) {
    throw new FieldError(
      'options.method',
      `an exact Hessian of ${count} parameters is refused (at most ${MAX_EXACT_PARAMETERS.toLocaleString('en')}: P Hessian-vector products and a dense P × P eigensolver); use "lanczos"`,
    );
  }
  const krylov = (iterations: number) => 8 * p * (Math.min(iterations, p) + 7);
  const needs: [string, number][] =
    method === 'exact'
      ? [['options.method', 3 * 8 * p * p]]
      : [['options.iterations', krylov(options.iterations)]];
  if (options.density)
    needs.push(['options.density.iterations', krylov(options.density.iterations)]);
  for (const [field, bytes] of needs) {
    if (bytes > MAX_JOB_BYTES) {
      throw new FieldError(
        field,
        `this analysis of ${count} parameters needs ${formatBytes(bytes)}; the critical-points lab allows ${formatBytes(MAX_JOB_BYTES)} per job`,
      );
    }
  }
  try {
    checkAnalysis(p, analysisOptions(options));
  } catch (err) {
    throw inOptions(err);
  }
}

/** A refusal of the report's analysis, its field placed under `options`. */
function inOptions(err: unknown): unknown {
  if (err instanceof FieldError && !(err.field ?? '').startsWith('options')) {
    return new FieldError(err.field === undefined ? undefined : `options.${err.field}`, err.reason);
  }
  return err;
}

/** The model and the data of a probe's loss on `split` (a refusal names `field`). */
export function networkData(
  probe: NetworkProbe,
  split: 'train' | 'validation',
  field = 'options.split',
): ReturnType<typeof fromNetwork> {
  try {
    return fromNetwork(probe.problem, undefined, split);
  } catch (err) {
    if (err instanceof FieldError) throw new FieldError(field, err.reason);
    throw err;
  }
}

/**
 * The Hessian of a network probe's loss on `options.split`, analysed (see the file's top): on
 * a worker of `pool` when one is free, else in the engine's thread (yielding at checkpoints).
 */
export async function analyzeNetworkPoint(
  tf: Tf,
  probe: NetworkProbe,
  options: SpectrumOptions,
  job: Job,
  pool?: CriticalPool,
): Promise<CriticalAnalysis> {
  checkNetworkAnalysis(probe.theta.length, options);
  if (probe.problem.imported?.net) {
    // An imported model's own graph: central differences of its exact gradients, here.
    const op = new ImportedHessian(probe.problem, probe.theta, options.split);
    try {
      const a = await analyzeOperator(
        op,
        { ...analysisOptions(options), onPhase: (phase) => job.phase(phase) },
        job.checkpoint,
      ).catch((err: unknown) => {
        throw inOptions(err);
      });
      return analysisMessage(tf, probe, a);
    } finally {
      op.dispose();
    }
  }
  const { model, ...data } = networkData(probe, options.split);
  const inThread = () =>
    analyzeNetwork(
      tf,
      model,
      probe.theta,
      data,
      { ...analysisOptions(options), onPhase: (phase) => job.phase(phase) },
      job.checkpoint,
    );
  let work: Promise<NetworkAnalysis>;
  if (pool?.available) {
    work = pool
      .analyze(
        {
          backend: tf.getBackend() as BackendName,
          model,
          data: { x: data.x, y: data.y, n: data.n },
          theta: probe.theta,
          options: analysisOptions(options),
        },
        {
          signal: job.signal,
          onProgress: (phase, done, total) => {
            job.phase(phase);
            job.report(done, total);
          },
        },
      )
      // No worker could take it after all: compute here.
      .catch((err: unknown) => {
        if (err instanceof WorkerError) return inThread();
        throw err;
      });
  } else {
    work = inThread();
  }
  const a = await work.catch((err: unknown) => {
    throw inOptions(err);
  });
  return analysisMessage(tf, probe, a);
}

/** An analysis in the protocol's shape. */
function analysisMessage(tf: Tf, probe: NetworkProbe, a: NetworkAnalysis): CriticalAnalysis {
  return {
    target: describeTarget(probe),
    parameters: a.parameters,
    loss: a.loss,
    gradNorm: a.gradNorm,
    method: a.method,
    eigenvalues: a.eigenvalues,
    eigenvectors: a.eigenvectors ?? new Float64Array(0),
    vectorIndices: a.eigenvectors ? a.vectorIndices : [],
    trace: a.trace,
    traceMethod: a.traceMethod,
    ...(a.traceError !== undefined ? { traceError: a.traceError } : {}),
    classification: { ...a.classification },
    ...(a.density
      ? {
          density: {
            grid: a.density.grid,
            density: a.density.density,
            probes: a.density.probes,
            iterations: a.density.iterations,
            sigma: a.density.sigma,
          },
        }
      : {}),
    ...(a.symmetryError !== undefined ? { symmetryError: a.symmetryError } : {}),
    ms: a.ms,
    backend: tf.getBackend(),
  };
}
