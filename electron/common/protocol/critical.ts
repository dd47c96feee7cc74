/**
 * The critical-points lab's messages: the Hessian at a point of any run of either lab (or at a
 * point of the explorer's surface), its spectrum and what it says about the point (minimum,
 * saddle, maximum, degenerate; the minimum ratio), Escape along the most negative eigenvector,
 * the loss along the top eigenvector beside a random direction, and the lab's experiments
 * (minimum ratio at "convergence", saddle escape, edge of stability, sharpness during training).
 *
 * Every request here is a job: progress messages carry its id, `job.cancel` stops it (its
 * request is then answered by an error starting "cancelled").
 */
import { z } from 'zod';
import { surfaceSpecSchema } from '../schemas';
import { activationNames } from '../network';
import { requestIdSchema, runIdSchema } from './base';

const runId = runIdSchema;
const requestId = requestIdSchema;

/** τ: eigenvalues within ±τ·max|λ| are "flat" (float32 cannot sign them). */
export const DEFAULT_TAU = 1e-4;

/** Most characters of a PyHessian result file (critical.import): 100 probes × 1,000 nodes fit. */
export const MAX_HESSIAN_FILE_CHARS = 16 * 2 ** 20;

const realNumber = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

/**
 * A Hessian computed elsewhere, as `losslab_torch.write_hessian` writes PyHessian's results:
 * its top eigenvalues (`hessian.eigenvalues(top_n)`), Hutchinson's trace samples
 * (`hessian.trace()`) and SLQ's nodes and weights per probe (`hessian.density()`).
 */
export const pyhessianFileSchema = z.strictObject({
  format: z.literal('losslab-hessian'),
  version: z.literal(1),
  /** What computed it (`PyHessian via losslab_torch 1, PyTorch 2.1.0`). */
  recordedBy: z.string().min(1).max(200),
  /** What it is of (shown): a run, a checkpoint. */
  label: z.string().min(1).max(120).optional(),
  /** The training step it was computed at. */
  step: z.int().min(0).max(10_000_000).optional(),
  /** Length of θ (the trace's and density's n). */
  parameters: z.int().min(1).max(100_000_000_000).optional(),
  loss: realNumber.optional(),
  gradNorm: realNumber.optional(),
  /** The top eigenvalues, as PyHessian returns them (largest first). */
  eigenvalues: z.array(realNumber).min(1).max(1000),
  /** Hutchinson's samples of tr H. */
  trace: z.array(realNumber).min(1).max(100_000).optional(),
  /** SLQ per probe: the nodes (Ritz values) and their weights, of equal lengths. */
  density: z
    .strictObject({
      eigen: z.array(z.array(realNumber).min(1).max(10_000)).min(1).max(1000),
      weight: z
        .array(z.array(realNumber.min(0)).min(1).max(10_000))
        .min(1)
        .max(1000),
    })
    .refine(
      (d) =>
        d.eigen.length === d.weight.length &&
        d.eigen.every((e, i) => e.length === d.weight[i].length),
      { message: 'eigen and weight must have the same shape (probes × nodes)' },
    )
    .optional(),
});
export type PyhessianFile = z.infer<typeof pyhessianFileSchema>;
/** Above this many parameters an exact Hessian (P HVPs and a dense eigensolver) is refused. */
export const MAX_EXACT_PARAMETERS = 2000;

const tauSchema = z.number().min(0).max(0.1).default(DEFAULT_TAU);
const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

/** Where the Hessian is taken. */
export const criticalTargetSchema = z.discriminatedUnion('kind', [
  // A point of the explorer's current surface: `surface` when given, else the surface of the
  // explorer's runs (the first run's).
  z.strictObject({
    kind: z.literal('surface'),
    point: z.tuple([finite, finite]),
    surface: surfaceSpecSchema.optional(),
  }),
  // A step of a run of either lab (absent: the run's current step). `lab` says whose run when
  // both labs have a run of that id (absent: the network lab's, as everywhere in the engine).
  z.strictObject({
    kind: z.literal('run'),
    runId,
    step: z.int().min(0).optional(),
    lab: z.enum(['explorer', 'network']).optional(),
  }),
]);
export type CriticalTargetSpec = z.output<typeof criticalTargetSchema>;

/** How a network's spectrum is computed (2-parameter surfaces are always exact, closed form). */
export const spectrumOptionsSchema = z.strictObject({
  /** auto: exact up to MAX_EXACT_PARAMETERS parameters, Lanczos above. */
  method: z.enum(['auto', 'exact', 'lanczos']).default('auto'),
  /** Lanczos: the k smallest and k largest eigenvalues. */
  k: z.int().min(1).max(100).default(10),
  /** Lanczos: at most this many iterations (HVPs). */
  iterations: z.int().min(2).max(1000).default(100),
  /** Hutchinson's trace estimate when the spectrum is not exact. */
  traceProbes: z.int().min(1).max(1000).default(50),
  /** The spectral density by stochastic Lanczos quadrature (PyHessian's ESD). */
  density: z
    .strictObject({
      probes: z.int().min(1).max(100).default(5),
      iterations: z.int().min(2).max(300).default(80),
      bins: z.int().min(16).max(2000).default(400),
    })
    .optional(),
  /** The split whose loss is differentiated. */
  split: z.enum(['train', 'validation']).default('train'),
  tau: tauSchema,
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
});
export type SpectrumOptions = z.output<typeof spectrumOptionsSchema>;

/** The experiments of the critical-points lab. */
export const criticalExperimentSchema = z.discriminatedUnion('kind', [
  // K networks (seeds differ) trained until ‖∇L‖ < gradTolerance or maxSteps; each endpoint's
  // minimum ratio against its training loss (the lecture's figure).
  z.strictObject({
    kind: z.literal('minimum-ratio'),
    // The networks trained: by default a small one of its own on the lab's data (one hidden
    // layer of 8 tanh units: the lecture's picture), or the lab's model ('lab'). A large ReLU
    // net's spectrum is a few outliers over a bulk that τ·max|λ| calls flat.
    network: z
      .union([
        z.literal('lab'),
        z.strictObject({
          depth: z.int().min(1).max(4).default(1),
          width: z.int().min(1).max(64).default(8),
          activation: z.enum(activationNames).default('tanh'),
        }),
      ])
      .default({ depth: 1, width: 8, activation: 'tanh' }),
    count: z.int().min(2).max(200).default(24),
    gradTolerance: z.number().positive().max(10).default(1e-3),
    maxSteps: z.int().min(1).max(100_000).default(3000),
    tau: tauSchema,
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(1),
  }),
  // A critical point with negative eigenvalues, then plain training from it beside one Escape
  // step followed by training.
  z.strictObject({
    kind: z.literal('saddle-escape'),
    steps: z.int().min(1).max(100_000).default(500),
    t: z.number().positive().max(10).default(0.5),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(1),
  }),
  // Full-batch gradient descent on a small tanh MLP with MSE; λ_max every `every` steps against
  // 2/η, for each η (Cohen et al., ICLR 2021).
  z.strictObject({
    kind: z.literal('edge-of-stability'),
    lrs: z.array(z.number().positive().max(10)).min(1).max(6).default([0.05, 0.1, 0.2]),
    steps: z.int().min(10).max(100_000).default(2000),
    every: z.int().min(1).max(1000).default(10),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
  }),
  // λ_max and the trace along a network run's recorded steps.
  z.strictObject({
    kind: z.literal('sharpness'),
    runId,
    samples: z.int().min(2).max(500).default(40),
    traceProbes: z.int().min(1).max(200).default(20),
  }),
]);
export type CriticalExperimentSpec = z.output<typeof criticalExperimentSchema>;
export type CriticalExperimentKind = CriticalExperimentSpec['kind'];

/** The critical-points lab's requests. */
export const criticalRequests = [
  // The Hessian at a point: spectrum, classification, trace (and density when asked).
  // Answered by critical.result, after critical.progress.
  z.strictObject({
    type: z.literal('critical.analyze'),
    id: requestId,
    target: criticalTargetSchema,
    options: spectrumOptionsSchema.prefault({}),
  }),
  // One step of length t along the eigenvector of the most negative eigenvalue at the target
  // (its sign chosen so the loss does not rise to first order). Surfaces: every run of the
  // explorer starts again from there. Networks: a new run `newRunId` trains on from there with
  // the target run's settings. Answered by critical.escaped.
  z.strictObject({
    type: z.literal('critical.escape'),
    id: requestId,
    target: criticalTargetSchema,
    t: z.number().positive().max(100),
    newRunId: runId.optional(),
    tau: tauSchema,
  }),
  // The loss along the top eigenvector beside a random (filter-normalized) direction, through
  // the target (PyHessian's plot). Answered by critical.line.result.
  z.strictObject({
    type: z.literal('critical.line'),
    id: requestId,
    target: criticalTargetSchema,
    points: z.int().min(3).max(1001).default(101),
    /** Distance along each unit direction, both ways. */
    radius: z.number().positive().max(100).default(1),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    split: z.enum(['train', 'validation']).default('train'),
  }),
  // A Hessian analysed elsewhere (PyHessian's top eigenvalues, trace samples and SLQ density,
  // as the Python companion's write_hessian saves them: see pyhessianFileSchema). Answered by
  // critical.result.
  z.strictObject({
    type: z.literal('critical.import'),
    id: requestId,
    /** The file's text (JSON). */
    text: z.string().min(1).max(MAX_HESSIAN_FILE_CHARS),
  }),
  // One of the lab's experiments. Answered by critical.experiment.result, after
  // critical.experiment.progress (with the partial result).
  z.strictObject({
    type: z.literal('critical.experiment'),
    id: requestId,
    experiment: criticalExperimentSchema,
  }),
] as const;

/** What a point is, by its gradient and its Hessian's eigenvalues. */
export type PointKind = 'minimum' | 'saddle' | 'maximum' | 'degenerate' | 'not critical';

export interface PointClassification {
  kind: PointKind;
  gradNorm: number;
  /** Eigenvalues counted. */
  count: number;
  /** Eigenvalues above τ·max|λ|. */
  positive: number;
  /** Eigenvalues below −τ·max|λ|. */
  negative: number;
  /** Eigenvalues within ±τ·max|λ|: float32 cannot sign them. */
  flat: number;
  /** positive / count: the lecture's minimum ratio. */
  minimumRatio: number;
  /** negative / count: the share of descent directions. */
  index: number;
  tau: number;
  /** max |λ|. */
  scale: number;
  lambdaMax: number;
  lambdaMin: number;
}

/** Where a Hessian was taken, resolved. */
export interface CriticalTarget {
  lab: 'explorer' | 'network';
  runId?: string;
  /** The run's step (0 for a surface point). */
  step: number;
  /** θ on a 2-parameter surface. */
  point?: [number, number];
}

export interface CriticalAnalysis {
  target: CriticalTarget;
  parameters: number;
  loss: number;
  gradNorm: number;
  method: 'closed-form' | 'exact' | 'lanczos';
  /** Ascending: all of them, or the k smallest then the k largest (Lanczos). */
  eigenvalues: Float64Array;
  /**
   * Unit eigenvectors, `parameters` numbers each, concatenated, for the eigenvalues at
   * `vectorIndices` (surfaces: both; networks: the two largest and the most negative).
   */
  eigenvectors: Float64Array;
  vectorIndices: number[];
  trace: number;
  traceMethod: 'exact' | 'hutchinson';
  /** Hutchinson's standard error. */
  traceError?: number;
  classification: PointClassification;
  density?: {
    grid: Float64Array;
    density: Float64Array;
    probes: number;
    iterations: number;
    sigma: number;
  };
  /** 2-parameter surfaces: ∇L and the Hessian's entries [Lxx, Lxy, Lyy] (the Taylor quadric). */
  surface?: { gradient: [number, number]; hessian: [number, number, number] };
  /** Exact network Hessians: max |H − Hᵀ| / max |H| before symmetrizing (float32 noise). */
  symmetryError?: number;
  ms: number;
  /** The tfjs backend that computed the HVPs (absent for surfaces). */
  backend?: string;
}

export interface EscapeResult {
  target: CriticalTarget;
  /** λ_min, the eigenvalue escaped along. */
  lambda: number;
  t: number;
  /** ½·λ·t²: the lecture's predicted change. */
  predicted: number;
  /** The full second-order prediction t·gᵀd + ½·λ·t². */
  predictedSecondOrder: number;
  /** L(θ + t·d) − L(θ). */
  actual: number;
  lossBefore: number;
  lossAfter: number;
  /** Surfaces: the point the runs start again from. */
  point?: [number, number];
  /** Surfaces: the unit direction d. */
  direction?: [number, number];
  /** Networks: the new run training on from θ + t·d. */
  newRunId?: string;
}

export interface CriticalLine {
  target: CriticalTarget;
  /** Signed distance along each unit direction. */
  t: Float64Array;
  /** L along the top eigenvector. */
  top: Float64Array;
  /** L along a random direction (filter-normalized, then scaled to unit length). */
  random: Float64Array;
  lambdaMax: number;
  loss: number;
}

/** A network endpoint of the minimum-ratio experiment. */
export interface MinimumRatioPoint {
  seed: number;
  steps: number;
  loss: number;
  gradNorm: number;
  minimumRatio: number;
  flat: number;
  index: number;
  kind: PointKind;
  /** ‖∇L‖ fell under the tolerance (else the step budget ended). */
  converged: boolean;
}

export type CriticalExperimentResult =
  | {
      kind: 'minimum-ratio';
      /** The networks' architecture (architectureKey: layers, activation, loss, L2). */
      architecture: string;
      points: MinimumRatioPoint[];
      tau: number;
      gradTolerance: number;
      parameters: number;
    }
  | {
      kind: 'saddle-escape';
      /** The critical point found: its loss, gradient norm and spectrum's extremes. */
      saddle: {
        loss: number;
        gradNorm: number;
        lambdaMin: number;
        lambdaMax: number;
        index: number;
      };
      steps: Float64Array;
      /** Training loss from the saddle: plain, and after one Escape step. */
      plain: Float64Array;
      escaped: Float64Array;
      predicted: number;
      actual: number;
      t: number;
    }
  | {
      kind: 'edge-of-stability';
      series: {
        lr: number;
        /** 2/η. */
        threshold: number;
        steps: Float64Array;
        loss: Float64Array;
        /** λ_max at `sharpnessSteps`. */
        sharpnessSteps: Float64Array;
        sharpness: Float64Array;
        diverged?: boolean;
      }[];
      parameters: number;
    }
  | {
      kind: 'sharpness';
      runId: string;
      steps: Float64Array;
      lambdaMax: Float64Array;
      trace: Float64Array;
      loss: Float64Array;
    };

/**
 * A finished experiment as the lab keeps it (and a session saves it): its spec, its result
 * and when it finished (ISO 8601). `id` is the lab's own ("experiment-3"), unique in the lab
 * and in the session it is saved in.
 */
export interface CriticalExperimentRecord {
  id: string;
  spec: CriticalExperimentSpec;
  result: CriticalExperimentResult;
  finishedAt: string;
}

/**
 * The critical-points lab's engine messages.
 *
 * Restored experiments: the lab keeps every finished experiment (with its spec) and a session
 * saves them. On every `sync` (after hello, and after session.open) the lab sends
 * `critical.experiments` with the whole list, which replaces whatever the client held: that
 * is how a client gets the experiments of a session it opened, or back after reconnecting.
 */
export type CriticalMessage =
  | {
      type: 'critical.progress';
      id: number;
      /** `replay`: retraining a network run up to a step whose θ was not kept. */
      phase: 'hessian' | 'eigen' | 'lanczos' | 'trace' | 'density' | 'line' | 'escape' | 'replay';
      done: number;
      total: number;
    }
  | { type: 'critical.result'; id: number; analysis: CriticalAnalysis }
  | { type: 'critical.escaped'; id: number; escape: EscapeResult }
  | { type: 'critical.line.result'; id: number; line: CriticalLine }
  | {
      type: 'critical.experiment.progress';
      id: number;
      done: number;
      total: number;
      /** Seconds left, estimated from the pace so far. */
      eta?: number;
      partial?: CriticalExperimentResult;
    }
  | {
      type: 'critical.experiment.result';
      id: number;
      result: CriticalExperimentResult;
      /** The id the lab keeps it under (see CriticalExperimentRecord). */
      experimentId: string;
    }
  /** Every experiment the lab holds, oldest first (sent on `sync`). */
  | { type: 'critical.experiments'; experiments: CriticalExperimentRecord[] };
