/**
 * The SPEC of `losslab hessian` (README, "The CLI"): the Hessian of a loss at one point θ, in
 * one of two forms.
 *
 * - **A LossLab network**: the `dataset` and `model` of `losslab train`, and the point — the
 *   final θ of one of `runs` (trained first, exactly as `losslab train` trains them), the
 *   model's initial θ₀, or a given `theta`.
 * - **An explicit network**, the format of the PyTorch reference file
 *   (`test/fixtures/hessian.json`, `cases[i].spec`): layer sizes, an activation and a loss,
 *   every layer's W (in × out) and b, and the data. Between layers h ← act(h·W + b), none after
 *   the last; `ce` is softmax cross-entropy on n integer labels, `mse` the mean over examples
 *   of the summed squared error on an n × out target.
 *
 * Either form takes the options of the critical-points lab's `critical.analyze`
 * (`spectrumOptionsSchema`: method, k, iterations, traceProbes, density, tau, its seed as
 * `probeSeed`; a LossLab network also its split) at the SPEC's top level, and `eigenvectors`. Which form a SPEC is follows from its keys
 * (`hessianSpecForm`): an explicit network has `layers` or `data`.
 */
import { z } from 'zod';
import { spectrumOptionsSchema, type PointClassification } from './protocol/critical';
import { trainSpecSchema } from './network';
import { MAX_TRAINING_SPEC_RUNS } from './limits';

const finite = () => z.number().refine(Number.isFinite, { message: 'must be a finite number' });

/** Activations of an explicit network (softplus beside the network lab's four). */
export const hessianActivations = ['relu', 'tanh', 'sigmoid', 'softplus', 'linear'] as const;
export type HessianActivation = (typeof hessianActivations)[number];

/** Widest layer of an explicit network: a SPEC holds at most 100,000 numbers anyway. */
const MAX_EXPLICIT_WIDTH = 4096;
/** Most affine layers of an explicit network (the network lab's 20 hidden ones and the output). */
const MAX_EXPLICIT_LAYERS = 21;

const { seed: probeSeed, split, ...spectrumFields } = spectrumOptionsSchema.shape;

/**
 * The analysis options, shared by both forms. The lab's `seed` is `probeSeed` here: in a
 * LossLab network's SPEC `seed` is the training seed, as in `losslab train`.
 */
const optionFields = {
  ...spectrumFields,
  /** Seed of Lanczos's start vector and of Hutchinson's and SLQ's probes. @default 0 */
  probeSeed,
  /**
   * ‖∇L‖ above which the point is called `not critical`; absent: the kind says what the
   * curvature is (minimum, saddle, maximum, degenerate) whatever the gradient.
   */
  gradTolerance: finite().min(0).max(1e6).optional(),
  /**
   * Also print unit eigenvectors: of the two largest and the most negative eigenvalue (the
   * critical-points lab's picks). @default false
   */
  eigenvectors: z.boolean().default(false),
};

// ---------------------------------------------------------------------------------------------
// An explicit network

const explicitModelSchema = z.strictObject({
  /** Widths from the input to the output: [in, hidden…, out]. */
  sizes: z
    .array(z.int().min(1).max(MAX_EXPLICIT_WIDTH))
    .min(2)
    .max(MAX_EXPLICIT_LAYERS + 1),
  activation: z.enum(hessianActivations),
  /** `mse`: mean over examples of Σ_k (z_k − y_k)². `ce`: softmax cross-entropy. */
  loss: z.enum(['mse', 'ce']),
});

const layerSchema = z.strictObject({
  /** sizes[l] rows of sizes[l + 1] numbers: h·W maps a layer's input to its output. */
  W: z.array(z.array(finite())).min(1),
  b: z.array(finite()).min(1),
});

export const networkHessianSpecSchema = z
  .strictObject({
    model: explicitModelSchema,
    layers: z.array(layerSchema).min(1).max(MAX_EXPLICIT_LAYERS),
    data: z.strictObject({
      /** n rows of sizes[0] inputs. */
      x: z.array(z.array(finite())).min(1),
      /** `ce`: n class indices; `mse`: n rows of sizes[last] targets (or n numbers if 1). */
      y: z.array(z.union([finite(), z.array(finite())])).min(1),
    }),
    ...optionFields,
  })
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const { sizes, loss } = s.model;
    const out = sizes[sizes.length - 1];
    if (s.layers.length !== sizes.length - 1) {
      issue(
        ['layers'],
        `has ${s.layers.length} layers; model.sizes [${sizes.join(', ')}] needs ${sizes.length - 1}`,
      );
      return;
    }
    if (loss === 'ce' && out < 2) {
      issue(['model', 'sizes'], 'ce needs at least 2 outputs (one per class)');
      return;
    }
    for (const [l, layer] of s.layers.entries()) {
      const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
      if (layer.W.length !== fanIn) {
        issue(['layers', l, 'W'], `has ${layer.W.length} rows; model.sizes says ${fanIn} inputs`);
        return;
      }
      const row = layer.W.findIndex((r) => r.length !== fanOut);
      if (row >= 0) {
        issue(
          ['layers', l, 'W', row],
          `has ${layer.W[row].length} entries; model.sizes says ${fanOut} outputs`,
        );
        return;
      }
      if (layer.b.length !== fanOut) {
        issue(['layers', l, 'b'], `has ${layer.b.length} entries; model.sizes says ${fanOut}`);
        return;
      }
    }
    const { x, y } = s.data;
    const bad = x.findIndex((r) => r.length !== sizes[0]);
    if (bad >= 0) {
      issue(['data', 'x', bad], `has ${x[bad].length} entries; model.sizes says ${sizes[0]}`);
      return;
    }
    if (y.length !== x.length) {
      issue(['data', 'y'], `has ${y.length} entries; data.x has ${x.length} rows`);
      return;
    }
    for (const [i, target] of y.entries()) {
      if (loss === 'ce') {
        if (
          typeof target !== 'number' ||
          !Number.isInteger(target) ||
          target < 0 ||
          target >= out
        ) {
          issue(['data', 'y', i], `must be a class index, an integer from 0 to ${out - 1}`);
          return;
        }
      } else if (typeof target === 'number' ? out !== 1 : target.length !== out) {
        issue(['data', 'y', i], `must be a row of ${out} targets`);
        return;
      }
    }
  });
export type NetworkHessianSpec = z.output<typeof networkHessianSpecSchema>;

// ---------------------------------------------------------------------------------------------
// A LossLab network

const train = trainSpecSchema.shape;

export const datasetHessianSpecSchema = z
  .strictObject({
    dataset: train.dataset,
    model: train.model,
    /** Runs to train first (as `losslab train` trains them); none: the point is θ₀ or `theta`. */
    runs: z.array(train.runs.element).max(MAX_TRAINING_SPEC_RUNS).default([]),
    steps: train.steps,
    epochs: train.epochs,
    batchSize: train.batchSize,
    seed: train.seed,
    /**
     * Where the Hessian is taken: a run's final θ, or the model's initial θ₀.
     * @default the final θ of run 0, or θ₀ when there are no runs
     */
    point: z
      .strictObject({
        run: z
          .int()
          .min(0)
          .max(MAX_TRAINING_SPEC_RUNS - 1)
          .default(0),
        at: z.enum(['initial', 'final']).default('final'),
      })
      .optional(),
    /** A given θ (a saved parameter vector, in the layout of `losslab train`'s model.layers). */
    theta: z.array(finite()).min(1).max(10_000_000).optional(),
    /** The data the loss averages over. @default 'train' */
    split,
    ...optionFields,
  })
  .superRefine((s, ctx) => {
    if (s.runs.length > 0 && (s.steps === undefined) === (s.epochs === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: 'give exactly one of steps and epochs',
      });
    }
    if (s.theta !== undefined && s.point !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['point'], message: 'give theta or point, not both' });
    } else if (s.point?.at === 'final' && s.point.run >= s.runs.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['point', 'run'],
        message: `there is no run ${s.point.run} (${s.runs.length} given)`,
      });
    }
  });
export type DatasetHessianSpec = z.output<typeof datasetHessianSpecSchema>;

export type HessianSpec =
  ({ form: 'network' } & NetworkHessianSpec) | ({ form: 'dataset' } & DatasetHessianSpec);

/**
 * Which form a SPEC (not yet validated) is: `network` when it has `layers` or `data`,
 * `dataset` when it has `dataset`, undefined when it has neither.
 */
export function hessianSpecForm(raw: unknown): 'network' | 'dataset' | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(raw, key);
  if (has('layers') || has('data')) return 'network';
  if (has('dataset')) return 'dataset';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The output

/** What `losslab hessian` prints. Eigenvalues ascending; numbers not finite print as null. */
export interface HessianOutput {
  parameters: number;
  loss: number;
  gradNorm: number;
  /** All of them (exact), or the k smallest then the k largest (Lanczos). */
  eigenvalues: number[];
  /** Σ H_ii (exact) or Hutchinson's estimate (Lanczos; its standard error in traceError). */
  trace: number;
  /** Share of eigenvalues above τ·max|λ| (the lecture's minimum ratio). */
  minimumRatio: number;
  /** Eigenvalues within ±τ·max|λ|. */
  flat: number;
  /** Share of eigenvalues below −τ·max|λ|. */
  index: number;
  /** The point's kind and its eigenvalues' signs (see PointClassification). */
  classification: PointClassification;
  density?: {
    grid: number[];
    density: number[];
    probes: number;
    iterations: number;
    sigma: number;
    /** The share of the spectral measure above τ·max|λ| and below −τ·max|λ|, by SLQ. */
    minimumRatio: number;
    index: number;
  };
  method: 'exact' | 'lanczos';
  traceMethod: 'exact' | 'hutchinson';
  traceError?: number;
  /** Lanczos: iterations run, each Ritz value's residual ‖H v − λ v‖, all below 1e-8·max|λ|. */
  lanczos?: { iterations: number; residuals: number[]; converged: boolean };
  /** Exact: max |H − Hᵀ| / max |H| of the computed Hessian before it was symmetrized. */
  symmetryError?: number;
  eigenvectors?: { indices: number[]; values: number[]; vectors: number[][] };
  backend: string;
  ms: number;
  /** A LossLab network: its dataset, model, point and split. */
  dataset?: unknown;
  model?: unknown;
  point?: { run: number; at: 'initial' | 'final' } | 'given' | 'initial';
  split?: 'train' | 'validation';
  /** Examples the loss averages over. */
  examples: number;
}
