/**
 * The Hessian of a network's loss at one point, analysed: its spectrum, trace, spectral
 * density and what they say about the point (`losslab hessian`, and the critical-points lab's
 * `critical.analyze` for networks).
 *
 * Exact (P ≤ MAX_EXACT_PARAMETERS by default): H is built column by column from P
 * Hessian-vector products (H = H·I), symmetrized, and diagonalized by a dense symmetric
 * eigensolver; its trace is Σ H_ii. Lanczos: the k smallest and k largest eigenvalues from a
 * Krylov space of H, the trace by Hutchinson's estimator E[vᵀHv] over Rademacher v. Either way
 * the spectral density is stochastic Lanczos quadrature (PyHessian's ESD), and the point is
 * classified by the signs of the eigenvalues against τ·max|λ| (lecture: a critical point with
 * all eigenvalues positive is a local minimum, with both signs a saddle; the minimum ratio is
 * the share of positive ones).
 *
 * Float32 Hessian-vector products carry relative errors near 1e-7·‖H‖, so eigenvalues within
 * ±τ·max|λ| cannot be signed: they are counted as flat, not as positive or negative.
 *
 * Sizes are estimated before any work: the dense Hessian holds P² float64 numbers (and as many
 * again for the eigensolver, and again for eigenvectors), a Krylov basis `iterations` × P; a
 * request past MAX_ANALYSIS_BYTES is refused naming the field to change, with the size.
 */
import type { SpectrumOptions } from '../../common/protocol/critical';
import { MAX_EXACT_PARAMETERS } from '../../common/protocol/critical';
import type {
  DatasetHessianSpec,
  HessianOutput,
  HessianSpec,
  NetworkHessianSpec,
} from '../../common/hessian-spec';
import { FieldError } from '../core/errors';
import { budgetOf, formatBytes } from '../network/budget';
import type { Tf } from '../network/mlp';
import type { NetworkProblem, NetworkRun } from '../network';
import { describeDataset, describeModel, trainFromSpec } from '../network/train-spec';
import { ImportedHessian } from './imported';
import { MAX_TRAIN_STEPS } from '../../common/limits';
import { classify } from './classify';
import { denseHessianReport } from './dense';
import { slqDensity } from './density';
import { symmetricEigenAsync } from './eigen';
import {
  fromNetwork,
  fromReferenceSpec,
  type HessianData,
  type HessianModel,
} from './hessian-model';
import { lanczos } from './lanczos';
import { MlpHessian } from './rop';
import { hutchinsonTrace } from './trace';
import type { Checkpoint, Classification, SpectralDensity, SymmetricOperator } from './types';

/** A Hessian analysis that cannot be done as asked; `field` names what to change. */
export class HessianError extends FieldError {
  constructor(field: string | undefined, reason: string) {
    super(field, reason);
    this.name = 'HessianError';
  }
}

/**
 * Most bytes one analysis may hold on the host: the dense Hessian with the eigensolver's copy
 * (an exact spectrum of about 8,000 parameters), or a Krylov basis of that size.
 */
export const MAX_ANALYSIS_BYTES = 2 ** 30;

/** Hessian-vector products per applyMany while building a dense Hessian, by default. */
const HVP_BATCH = 32;

/** The stages of an analysis, as progress reports them. */
export type AnalysisPhase = 'hessian' | 'eigen' | 'lanczos' | 'trace' | 'density';

/** How to analyse: the critical lab's spectrum options (their split is the caller's). */
export interface AnalysisOptions extends Omit<SpectrumOptions, 'split'> {
  /** ‖∇L‖ above which the point is 'not critical'; absent: its kind is its curvature's. */
  gradTolerance?: number;
  /** Also the unit eigenvectors of the most negative and the two largest eigenvalues. */
  vectors?: boolean;
  /**
   * Hessian-vector products per applyMany while building the exact Hessian.
   * @default 32 (analyzeNetwork: the operator's chunk)
   */
  batch?: number;
  /** Hears each stage as it starts; the checkpoint's done/total start again at each. */
  onPhase?: (phase: AnalysisPhase) => void;
}

/** A point's loss, its gradient, and its Hessian as an operator. */
export interface LossOperator extends SymmetricOperator {
  loss(): number;
  gradient(): Float64Array;
  /**
   * The whole Hessian, exactly symmetric, when the operator can build it faster than from its
   * products column by column (the R-operator computes each off-diagonal block once).
   */
  dense?(checkpoint?: Checkpoint): Promise<Float64Array>;
}

export interface NetworkAnalysis {
  parameters: number;
  loss: number;
  gradNorm: number;
  method: 'exact' | 'lanczos';
  /** Ascending: all P, or the k smallest then the k largest. */
  eigenvalues: Float64Array;
  /** Unit eigenvectors (P numbers each, concatenated) of the eigenvalues at vectorIndices. */
  eigenvectors?: Float64Array;
  vectorIndices: number[];
  trace: number;
  traceMethod: 'exact' | 'hutchinson';
  /** Hutchinson's standard error. */
  traceError?: number;
  classification: Classification;
  density?: SpectralDensity & {
    /** Share of the SLQ spectral measure above τ·max|λ| (the minimum ratio, estimated). */
    minimumRatio: number;
    /** Share below −τ·max|λ|. */
    index: number;
  };
  /** Exact: max |H − Hᵀ| / max |H| before symmetrizing (float32 noise). */
  symmetryError?: number;
  /**
   * Lanczos: iterations run, ‖H v − λ v‖ of each Ritz pair, and whether every one is below
   * 1e-8·max|λ| (or the Krylov space is all of ℝ^P).
   */
  lanczos?: { iterations: number; residuals: Float64Array; converged: boolean };
  ms: number;
}

/** The point is not one to analyse: its loss, gradient or Hessian overflowed (float32). */
const notFinite = (what = 'the loss or its gradient') =>
  new HessianError(undefined, `${what} at θ is not finite (float32 overflows past 3.4e38)`);

/** 'auto' resolved: exact up to MAX_EXACT_PARAMETERS parameters, Lanczos above. */
export function analysisMethod(method: SpectrumOptions['method'], parameters: number) {
  if (method !== 'auto') return method;
  return parameters <= MAX_EXACT_PARAMETERS ? 'exact' : 'lanczos';
}

/**
 * Refuses, before any work, an analysis that cannot be done: too many eigenvalues for the
 * parameters, too few Lanczos iterations for them, or memory past MAX_ANALYSIS_BYTES.
 */
export function checkAnalysis(parameters: number, options: AnalysisOptions): void {
  const p = parameters;
  const count = p.toLocaleString('en');
  const method = analysisMethod(options.method, p);
  if (method === 'exact') {
    // H, the eigensolver's working copy, and the eigenvectors when asked for.
    const bytes = 8 * p * p * (options.vectors ? 3 : 2);
    if (bytes > MAX_ANALYSIS_BYTES) {
      throw new HessianError(
        'method',
        `an exact Hessian of ${count} parameters needs ${formatBytes(bytes)} (P² float64 numbers, ` +
          `${options.vectors ? 'thrice' : 'twice'}; at most ${formatBytes(MAX_ANALYSIS_BYTES)}); ` +
          'use "lanczos"',
      );
    }
  } else {
    if (2 * options.k > p) {
      throw new HessianError(
        'k',
        `2k = ${2 * options.k} eigenvalues are more than the ${count} parameters; ` +
          'ask for fewer, or use "exact"',
      );
    }
    if (Math.min(options.iterations, p) < 2 * options.k) {
      throw new HessianError(
        'iterations',
        `${options.iterations} Lanczos iterations cannot give 2k = ${2 * options.k} eigenvalues; ` +
          `use at least ${2 * options.k}`,
      );
    }
    const bytes = 8 * p * (Math.min(options.iterations, p) + 4 + (options.vectors ? 3 : 0));
    if (bytes > MAX_ANALYSIS_BYTES) {
      throw new HessianError(
        'iterations',
        `a Krylov basis of ${options.iterations} vectors of ${count} parameters needs ` +
          `${formatBytes(bytes)} (at most ${formatBytes(MAX_ANALYSIS_BYTES)}); use fewer iterations`,
      );
    }
  }
  if (options.density) {
    const bytes = 8 * p * (Math.min(options.density.iterations, p) + 4);
    if (bytes > MAX_ANALYSIS_BYTES) {
      throw new HessianError(
        'density.iterations',
        `a Krylov basis of ${options.density.iterations} vectors of ${count} parameters needs ` +
          `${formatBytes(bytes)} (at most ${formatBytes(MAX_ANALYSIS_BYTES)}); use fewer iterations`,
      );
    }
  }
}

/** Indices of the eigenvalues whose vectors are kept: the most negative, the two largest. */
function pickedVectors(count: number): number[] {
  return [...new Set([0, count - 2, count - 1].filter((i) => i >= 0))];
}

/**
 * Analyses the Hessian of `op` at its point. Calls `checkpoint` between Hessian-vector
 * products (so it reports progress and can be cancelled: a CancelledError it throws propagates
 * and nothing is left behind).
 */
export async function analyzeOperator(
  op: LossOperator,
  options: AnalysisOptions,
  checkpoint: Checkpoint,
): Promise<NetworkAnalysis> {
  const t0 = performance.now();
  const p = op.size;
  checkAnalysis(p, options);
  const method = analysisMethod(options.method, p);
  const loss = op.loss();
  const gradient = op.gradient();
  let gg = 0;
  for (let i = 0; i < p; i++) gg += gradient[i] * gradient[i];
  const gradNorm = Math.sqrt(gg);
  if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw notFinite();
  const vectorIndices: number[] = [];
  let eigenvalues: Float64Array;
  let eigenvectors: Float64Array | undefined;
  let trace: number;
  let traceError: number | undefined;
  let symmetryError: number | undefined;
  let lanczosInfo: NetworkAnalysis['lanczos'];

  if (method === 'exact') {
    options.onPhase?.('hessian');
    // An operator that builds its whole Hessian (symmetric by construction, each block once:
    // 1.6–1.9× faster) does; otherwise its products, column by column, with their asymmetry
    // (float32 noise) measured before symmetrizing.
    let h: Float64Array;
    if (op.dense) {
      h = await op.dense(checkpoint);
    } else {
      const dense = await denseHessianReport(op, checkpoint, options.batch ?? HVP_BATCH);
      h = dense.matrix;
      symmetryError = dense.symmetryError;
    }
    trace = 0;
    for (let i = 0; i < p; i++) trace += h[i * p + i];
    if (
      !Number.isFinite(trace) ||
      (symmetryError !== undefined && !Number.isFinite(symmetryError))
    ) {
      throw notFinite('the Hessian');
    }
    options.onPhase?.('eigen');
    // A pass at a time between checkpoints (progress, Cancel), on two threads where a second
    // core is free (the same numbers to the last bit either way).
    const spectrum = await symmetricEigenAsync(
      h,
      p,
      { vectors: options.vectors === true },
      checkpoint,
    );
    eigenvalues = spectrum.values;
    if (options.vectors && spectrum.vectors) {
      vectorIndices.push(...pickedVectors(p));
      eigenvectors = new Float64Array(vectorIndices.length * p);
      for (const [j, index] of vectorIndices.entries()) {
        eigenvectors.set(spectrum.vectors.subarray(index * p, (index + 1) * p), j * p);
      }
    }
  } else {
    options.onPhase?.('lanczos');
    const result = await lanczos(
      op,
      {
        k: options.k,
        iterations: Math.min(options.iterations, p),
        seed: options.seed,
        vectors: options.vectors === true,
      },
      checkpoint,
    );
    eigenvalues = result.values;
    lanczosInfo = {
      iterations: result.iterations,
      residuals: result.residuals,
      converged: result.converged,
    };
    if (options.vectors && result.vectors) {
      vectorIndices.push(...pickedVectors(eigenvalues.length));
      eigenvectors = new Float64Array(vectorIndices.length * p);
      for (const [j, index] of vectorIndices.entries()) {
        eigenvectors.set(result.vectors.subarray(index * p, (index + 1) * p), j * p);
      }
    }
    options.onPhase?.('trace');
    const estimate = await hutchinsonTrace(
      op,
      { probes: options.traceProbes, seed: options.seed },
      checkpoint,
    );
    trace = estimate.trace;
    traceError = estimate.standardError;
  }

  const classification = classify(eigenvalues, gradNorm, {
    tau: options.tau,
    ...(options.gradTolerance !== undefined ? { gradTolerance: options.gradTolerance } : {}),
  });
  let density: NetworkAnalysis['density'];
  if (options.density) {
    options.onPhase?.('density');
    const d = await slqDensity(
      op,
      {
        probes: options.density.probes,
        iterations: Math.min(options.density.iterations, p),
        bins: options.density.bins,
        seed: options.seed,
      },
      checkpoint,
    );
    density = { ...d, ...measureShares(d, classification.tau * classification.scale) };
  }
  return {
    parameters: p,
    loss,
    gradNorm,
    method,
    eigenvalues,
    ...(eigenvectors ? { eigenvectors } : {}),
    vectorIndices,
    trace,
    traceMethod: method === 'exact' ? 'exact' : 'hutchinson',
    ...(traceError !== undefined ? { traceError } : {}),
    classification,
    ...(density ? { density } : {}),
    ...(symmetryError !== undefined ? { symmetryError } : {}),
    ...(lanczosInfo ? { lanczos: lanczosInfo } : {}),
    ms: performance.now() - t0,
  };
}

/**
 * The shares of SLQ's spectral measure above +threshold and below −threshold: each probe's
 * quadrature puts weight w_j on its Ritz value θ_j (Σ w_j = 1), and E[Σ_j w_j f(θ_j)] is
 * (1/P)·Σ_i f(λ_i), so with f a step it estimates the share of eigenvalues past a threshold.
 */
function measureShares(
  d: SpectralDensity,
  threshold: number,
): { minimumRatio: number; index: number } {
  let above = 0;
  let below = 0;
  for (const [probe, nodes] of d.nodes.entries()) {
    const weights = d.weights[probe];
    let total = 0;
    let up = 0;
    let down = 0;
    for (let j = 0; j < nodes.length; j++) {
      total += weights[j];
      if (nodes[j] > threshold) up += weights[j];
      else if (nodes[j] < -threshold) down += weights[j];
    }
    if (total > 0) {
      above += up / total;
      below += down / total;
    }
  }
  const probes = Math.max(1, d.nodes.length);
  return { minimumRatio: above / probes, index: below / probes };
}

/**
 * Bytes one Hessian-vector product of `model` on n examples keeps on the tfjs backend: per
 * example and unit, the forward pass's pre-activations and activations, their R-derivatives,
 * the backward pass's δ and its R-derivative, and temporaries (12 floats, generously), plus θ
 * and the direction as float32, thrice.
 */
export function hvpBytes(model: Pick<HessianModel, 'sizes'>, n: number, parameters: number) {
  const units = model.sizes.reduce((s: number, w: number) => s + w, 0);
  return 4 * (12 * n * units + 3 * 2 * parameters);
}

/**
 * Analyses the Hessian of a network's loss at θ on `data` (see analyzeOperator), its
 * Hessian-vector products by the R-operator on `tf`'s backend. Refuses, before any work, a
 * product that would not fit the backend's memory.
 */
export async function analyzeNetwork(
  tf: Tf,
  model: HessianModel,
  theta: Float64Array,
  data: HessianData,
  options: AnalysisOptions,
  checkpoint: Checkpoint,
): Promise<NetworkAnalysis> {
  checkAnalysis(theta.length, options);
  const budget = budgetOf(tf.getBackend());
  const one = hvpBytes(model, data.n, theta.length);
  if (one > budget.deviceBytes) {
    throw new HessianError(
      undefined,
      `one Hessian-vector product on ${data.n.toLocaleString('en')} examples of a network of ` +
        `${theta.length.toLocaleString('en')} parameters needs about ${formatBytes(one)} on the ` +
        `${tf.getBackend()} backend (at most ${formatBytes(budget.deviceBytes)}) — use fewer examples`,
    );
  }
  let op: MlpHessian;
  try {
    op = new MlpHessian(tf, model, theta, data);
  } catch (err) {
    // Its forward pass at θ overflowed (θ and the data themselves are finite and fit).
    if (err instanceof FieldError && err.field === 'theta') throw notFinite();
    throw err;
  }
  try {
    // Columns of the dense Hessian per applyMany: one chunk of the operator's (its memory bound).
    return await analyzeOperator(op, { ...options, batch: options.batch ?? op.chunk }, checkpoint);
  } finally {
    op.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// `losslab hessian`

/** The analysis as `losslab hessian` prints it (JSON writes numbers that are not finite as null). */
export function analysisJson(a: NetworkAnalysis, backend: string, examples: number): HessianOutput {
  const c = a.classification;
  const p = a.parameters;
  return {
    parameters: p,
    loss: a.loss,
    gradNorm: a.gradNorm,
    eigenvalues: Array.from(a.eigenvalues),
    trace: a.trace,
    minimumRatio: c.minimumRatio,
    flat: c.flat,
    index: c.index,
    classification: { ...c },
    ...(a.density
      ? {
          density: {
            grid: Array.from(a.density.grid),
            density: Array.from(a.density.density),
            probes: a.density.probes,
            iterations: a.density.iterations,
            sigma: a.density.sigma,
            minimumRatio: a.density.minimumRatio,
            index: a.density.index,
          },
        }
      : {}),
    method: a.method,
    traceMethod: a.traceMethod,
    ...(a.traceError !== undefined ? { traceError: a.traceError } : {}),
    ...(a.lanczos
      ? {
          lanczos: {
            iterations: a.lanczos.iterations,
            residuals: Array.from(a.lanczos.residuals),
            converged: a.lanczos.converged,
          },
        }
      : {}),
    ...(a.symmetryError !== undefined ? { symmetryError: a.symmetryError } : {}),
    ...(a.eigenvectors
      ? {
          eigenvectors: {
            indices: a.vectorIndices,
            values: a.vectorIndices.map((i) => a.eigenvalues[i]),
            vectors: a.vectorIndices.map((_, j) =>
              Array.from(a.eigenvectors!.subarray(j * p, (j + 1) * p)),
            ),
          },
        }
      : {}),
    backend,
    ms: a.ms,
    examples,
  };
}

/** The analysis options of a SPEC (either form). */
function optionsOf(spec: NetworkHessianSpec | DatasetHessianSpec): AnalysisOptions {
  return {
    method: spec.method,
    k: spec.k,
    iterations: spec.iterations,
    traceProbes: spec.traceProbes,
    tau: spec.tau,
    seed: spec.probeSeed,
    ...(spec.density ? { density: spec.density } : {}),
    vectors: spec.eigenvectors,
    ...(spec.gradTolerance !== undefined ? { gradTolerance: spec.gradTolerance } : {}),
  };
}

export interface ReportContext {
  tf: Tf;
  backend: string;
  checkpoint: Checkpoint;
  /**
   * A LossLab network's trained problem and runs, given before they are disposed (`--out`
   * saves them as a session); its runs then keep θ every 10 steps, as `losslab train`'s do.
   */
  save?: (trained: { problem: NetworkProblem; runs: NetworkRun[] }) => Promise<void>;
}

/** `losslab hessian`: the analysis a validated SPEC asks for, ready to print. */
export async function hessianReport(spec: HessianSpec, ctx: ReportContext): Promise<HessianOutput> {
  return spec.form === 'network' ? networkReport(spec, ctx) : datasetReport(spec, ctx);
}

/** An explicit network (the reference file's format). */
async function networkReport(spec: NetworkHessianSpec, ctx: ReportContext) {
  // n numbers for one output are n rows of one.
  const y = spec.data.y.map((t) => (typeof t === 'number' && spec.model.loss === 'mse' ? [t] : t));
  const {
    model,
    theta,
    x,
    y: targets,
    n,
  } = fromReferenceSpec({
    model: spec.model,
    layers: spec.layers,
    data: { x: spec.data.x, y: y as number[] | number[][] },
  });
  const analysis = await analyzeNetwork(
    ctx.tf,
    model,
    theta,
    { x, y: targets, n },
    optionsOf(spec),
    ctx.checkpoint,
  );
  return { ...analysisJson(analysis, ctx.backend, n), model: spec.model };
}

/** A LossLab dataset and model, at a run's final θ, θ₀, or a given θ. */
async function datasetReport(spec: DatasetHessianSpec, ctx: ReportContext) {
  const { problem, runs, backend, theta0 } = await trainFromSpec({
    ...spec,
    // Only θ at the end is analysed: no snapshots past step 0, unless the runs are saved.
    snapshotEvery: ctx.save ? 10 : MAX_TRAIN_STEPS,
  });
  try {
    const size = problem.layout.size;
    let theta: Float64Array;
    let point: HessianOutput['point'];
    let runIndex: number | undefined;
    if (spec.theta) {
      if (spec.theta.length !== size) {
        throw new HessianError(
          'theta',
          `has ${spec.theta.length.toLocaleString('en')} entries; this model's θ has ${size.toLocaleString('en')}`,
        );
      }
      theta = Float64Array.from(spec.theta);
      point = 'given';
    } else if (spec.point?.at === 'initial' || (!spec.point && runs.length === 0)) {
      theta = Float64Array.from(theta0);
      point = spec.point ?? 'initial';
    } else {
      runIndex = spec.point?.run ?? 0;
      theta = Float64Array.from(runs[runIndex].theta);
      point = { run: runIndex, at: 'final' };
    }
    const split = spec.split;
    const examples = problem.split(split).n;
    if (examples === 0) {
      throw new HessianError('split', `the ${split} split of this dataset is empty`);
    }
    if (problem.imported?.net) {
      // An imported model's own graph: central differences of its exact gradients.
      const op = new ImportedHessian(problem, theta, split);
      try {
        const analysis = await analyzeOperator(op, optionsOf(spec), ctx.checkpoint);
        return {
          ...analysisJson(analysis, backend, examples),
          dataset: describeDataset(problem),
          model: describeModel(problem),
          point,
          split,
        };
      } finally {
        op.dispose();
      }
    }
    const { model, x, y, n } = fromNetwork(problem, undefined, split);
    let analysis: NetworkAnalysis;
    try {
      analysis = await analyzeNetwork(
        problem.tf,
        model,
        theta,
        { x, y, n },
        optionsOf(spec),
        ctx.checkpoint,
      );
    } catch (err) {
      // A diverged run's last θ: say which run, and why it diverged.
      if (err instanceof HessianError && err.field === undefined && runIndex !== undefined) {
        const run = runs[runIndex];
        const why = run.reason ? ` (the run ${run.status}: ${run.reason})` : '';
        throw new HessianError(`runs.${runIndex}`, `at this run's final θ, ${err.message}${why}`);
      }
      throw err;
    }
    const output = {
      ...analysisJson(analysis, backend, n),
      dataset: describeDataset(problem),
      model: describeModel(problem),
      point,
      split,
    };
    await ctx.save?.({ problem, runs });
    return output;
  } finally {
    problem.dispose();
  }
}
