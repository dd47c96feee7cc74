import {
  datasetHessianSpecSchema,
  hessianSpecForm,
  networkHessianSpecSchema,
  type HessianSpec,
} from '../../common/hessian-spec';
import { saveNetwork } from '../session-out';
import { asSpecError, parseSpec, SpecError, type Command } from '../spec';

/** Validates a hessian SPEC of either form; the first problem names its field. */
export function parseHessianSpec(raw: unknown): HessianSpec {
  const form = hessianSpecForm(raw);
  if (form === 'network') return { form, ...parseSpec(networkHessianSpecSchema, raw) };
  if (form === 'dataset') return { form, ...parseSpec(datasetHessianSpecSchema, raw) };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SpecError('spec: must be a JSON object');
  }
  throw new SpecError(
    'spec: give "dataset" (and "model") for a LossLab network, or "model", "layers" and "data" ' +
      'for an explicit one',
  );
}

export const hessian: Command = {
  summary: "a network's Hessian at a point: spectrum, trace, density, minimum or saddle",
  help: `Usage: losslab hessian SPEC.json|- [--out FILE.losslab]

--out FILE.losslab  also write the network and its runs as a session the app opens
                    (a LossLab network only)

The Hessian of a network's loss at one θ: its eigenvalues (all of them, exactly, or the k
smallest and k largest by Lanczos), its trace, optionally its spectral density (stochastic
Lanczos quadrature, as PyHessian), and what they say about the point. Prints
  { "parameters", "loss", "gradNorm",
    "eigenvalues": [...],                ascending: all P, or the k smallest then the k largest
    "trace", "minimumRatio", "flat", "index",
    "classification": { "kind": "minimum" | "saddle" | "maximum" | "degenerate" | "not critical",
                        "count", "positive", "negative", "flat", "tau", "scale", … },
    "density": { "grid", "density", "probes", "iterations", "sigma",
                 "minimumRatio", "index" },                             when asked for
    "method": "exact" | "lanczos", "traceMethod": "exact" | "hutchinson", "traceError",
    "lanczos": { "iterations", "residuals", "converged" }, "symmetryError",
    "eigenvectors": { "indices", "values", "vectors" },                when asked for
    "backend", "ms", "examples",
    … and for a LossLab network "dataset", "model", "point", "split" }
minimumRatio is the share of eigenvalues above τ·max|λ| (the lecture's minimum ratio), index
the share below −τ·max|λ|, flat the count within ±τ·max|λ| (float32 Hessian-vector products
cannot sign them). With Lanczos these count the 2k eigenvalues found; density's minimumRatio
and index estimate them over the whole spectrum.

SPEC, one of two forms:
  A LossLab network: the fields of \`losslab train\` ("dataset", "model", "runs", "steps" or
  "epochs", "batchSize", "seed"; "runs" may be empty), and
    "point": { "run": 0, "at": "final" | "initial" }    default: run 0's final θ, or θ₀
                                                        when there are no runs
    "theta": [...],                                     a given θ instead
    "split": "train" | "validation"                     the data the loss averages over
  An explicit network (the format of test/fixtures/hessian.json):
    "model": { "sizes": [2, 4, 1], "activation": "relu" | "tanh" | "sigmoid" | "softplus"
                                                 | "linear",
               "loss": "mse" | "ce" },
    "layers": [ { "W": [[…], …], "b": [...] }, … ],      W is in × out: h ← act(h·W + b)
    "data": { "x": [[…], …], "y": [...] }               ce: n class indices; mse: n rows
  and either way
    "method": "auto" | "exact" | "lanczos",   auto: exact up to 2,000 parameters
    "k": 10, "iterations": 100,                Lanczos: k smallest and largest, iterations
    "traceProbes": 50,                         Hutchinson's probes (Lanczos)
    "density": { "probes": 5, "iterations": 80, "bins": 400 },
    "tau": 1e-4,                               eigenvalues within ±τ·max|λ| are flat
    "gradTolerance": 1e-3,                     ‖∇L‖ above it: "not critical" (absent: the
                                               kind is the curvature's, whatever ‖∇L‖)
    "probeSeed": 0,                            Lanczos's start, Hutchinson's and SLQ's probes
    "eigenvectors": false                      those of the most negative and two largest
Sizes are checked before any work: an exact Hessian holds P² float64 numbers.

Example:
  echo '{"dataset":{"kind":"moons"},"model":{"width":8,"activation":"tanh"},"steps":300,
         "batchSize":"full","runs":[{"optimizer":"adam","lr":0.02}]}' | npx losslab hessian -`,
  bulk: [['theta'], ['model', 'theta']],
  flags: ['out'],
  async run(raw, options = {}) {
    const spec = parseHessianSpec(raw);
    if (options.out !== undefined && spec.form === 'network') {
      throw new SpecError(
        '--out: an explicit network (model.sizes, layers, data) is not one the app builds; ' +
          'give "dataset" and "model" to save a session',
      );
    }
    const [{ hessianReport }, { makeCheckpoint }, { loadBackend }] = await Promise.all([
      import('../../engine/hessian/report'),
      import('../../engine/hessian/checkpoint'),
      import('../../engine/backend/select'),
    ]);
    const { tf, report } = await loadBackend();
    try {
      return await hessianReport(spec, {
        tf,
        backend: report.backend,
        checkpoint: makeCheckpoint({}),
        ...(options.out !== undefined ? { save: saveNetwork(options.out) } : {}),
      });
    } catch (err) {
      throw asSpecError(err);
    }
  },
};
