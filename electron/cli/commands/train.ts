import { MAX_CSV_ROWS } from '../../common/limits';
import { trainSpecSchema, type TrainSpec } from '../../common/network';
import { saveNetwork } from '../session-out';
import { asSpecError, parseSpec, SpecError, type Command } from '../spec';

/**
 * Most numbers `losslab train` prints: 20 million is about 400 MB of JSON. The curves are held
 * as arrays until printed (about 8 bytes a number, on top of the runs' own records), so a SPEC
 * of 16 runs × 1,000,000 steps with every step kept (80 million numbers) is refused up front.
 */
export const MAX_TRAIN_OUTPUT_NUMBERS = 20_000_000;

/** Characters of JSON per printed number, about (a loss prints as 0.6931471805599453). */
const CHARS_PER_NUMBER = 20;

/**
 * Digits has 1,797 images; a given table its rows; a CSV file at most MAX_CSV_ROWS (it is not
 * read yet); every other dataset has the SPEC's n (defaulted by the schema).
 */
function datasetPoints(dataset: TrainSpec['dataset']): number {
  if (dataset.kind === 'csv') return MAX_CSV_ROWS;
  if (dataset.kind === 'given') return dataset.x.length;
  return dataset.n ?? 1797;
}

/**
 * About how many numbers the output of a train SPEC holds: per run, five per kept step (step,
 * loss, accuracy, ‖∇L‖, η) and five per epoch. An upper bound within a few numbers per run.
 */
export function trainOutputNumbers(spec: TrainSpec, maxSteps: number): number {
  const n = datasetPoints(spec.dataset);
  const train = Math.max(1, Math.round(n * spec.dataset.split.train));
  let total = 0;
  for (const run of spec.runs) {
    const batch = run.batchSize ?? spec.batchSize;
    const perEpoch = batch === 'full' ? 1 : Math.ceil(train / Math.min(batch, train));
    const steps = spec.steps ?? Math.min(maxSteps, (spec.epochs ?? 0) * perEpoch);
    const epochs = spec.epochs ?? Math.ceil(steps / perEpoch);
    total += 5 * (Math.ceil(steps / spec.curveEvery) + 1) + 5 * epochs + 20;
  }
  return total;
}

/** "2.6e9": a count for messages. */
const exponent = (n: number) => n.toExponential(1).replace('e+', 'e');

/** "2.6 GB": a size for messages. */
function aboutBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = bytes;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toPrecision(2)} ${units[i]}`;
}

/**
 * Refuses, naming steps or epochs, a SPEC whose output would be too large to hold. `maxSteps`
 * is where a run stops by itself (the engine's MAX_NETWORK_STEPS).
 */
export function checkTrainOutput(spec: TrainSpec, maxSteps: number): void {
  const numbers = trainOutputNumbers(spec, maxSteps);
  if (numbers <= MAX_TRAIN_OUTPUT_NUMBERS) return;
  const field = spec.steps !== undefined ? 'steps' : 'epochs';
  throw new SpecError(
    `spec.${field}: the output would hold ${exponent(numbers)} numbers (about ` +
      `${aboutBytes(numbers * CHARS_PER_NUMBER)} of JSON; at most ` +
      `${exponent(MAX_TRAIN_OUTPUT_NUMBERS)}); ask for fewer ${field} or runs, ` +
      'or keep every k-th step with curveEvery',
  );
}

export const train: Command = {
  summary: 'train networks on a dataset side by side; loss and accuracy curves',
  help: `Usage: losslab train SPEC.json|- [--out FILE.losslab] [--vectors]

--out FILE.losslab  also write the runs as a session the app opens (the network lab)
--vectors           also print each run's θ snapshots ("snapshots": { "step", "theta" })
                    and its final θ ("theta")

Trains one network per entry of "runs" (same data, same initial weights) and prints
  { "backend", "dataset": { "kind", "task", "inputDim", "classes", "train", "validation", "test" },
    "model": { "parameters", "loss", "layers": [ { "name", "shape" } ] },
    "runs": [ { "optimizer", "status": "ok" | "diverged", "steps", "epochs",
                "curves": { "step", "loss", "accuracy", "gradNorm", "lr" },        (per step)
                "epochCurves": { "step", "trainLoss", "trainAccuracy",
                                 "validationLoss", "validationAccuracy" },          (per epoch)
                "final": { "train", "validation", "test": { "loss", "accuracy" } },
                "msPerStep" } ] }
Per-step values are those of the step's batch, at θ before the update; losses include the
L2 penalty. Accuracy is left out for regression; a value that is not finite prints as null.
A SPEC whose curves would hold more than 20 million numbers (about 400 MB of JSON) is refused:
keep every k-th step with "curveEvery".

SPEC:
  { "dataset": { "kind": "spirals" | "circles" | "xor" | "moons" | "blobs" | "sine"
                         | "polynomial" | "digits",
                 "n", "noise", "seed", "labelNoise",
                 "split": { "train": 0.7, "validation": 0.15, "test": 0.15 },
                 "mismatch": false | true | { "kind": "rotate", "degrees" }
                             | { "kind": "offset", "by": [dx, dy] } | { "kind": "shift", "by" }
                             | { "kind": "pixels", "by": [dx, dy] },
                 … kind-specific: "turns" (spirals), "factor" (circles), "margin" (xor),
                   "classes", "spread" (blobs), "range" (sine, polynomial),
                   "coefficients" (polynomial) }
             | { "kind": "csv", "path": "data.csv", "target": "label",
                 "features": ["a", "b"],              (default: every other column)
                 "task": "classification" | "regression",  (default: from the target)
                 "oneHot": ["colour"], "delimiter": "," | "\t" | ";" | "|",
                 "sha256", "seed", "split" }
             | { "kind": "given", "x": [[0.1, 2], …], "y": [0, …],
                 "task": "classification" | "regression", "seed", "split" },
    "model": { "depth": 2, "width": 32, "activation": "relu" | "tanh" | "sigmoid" | "linear",
               "residual": false, "loss": "crossEntropy" | "mse", "l2": 0, "dropout": 0,
               "seed": 0, "init": "auto" | "he" | "glorot",
               "theta": [...] },                    θ₀ of every run (a saved θ), optional
    "steps": 1000  or  "epochs": 20,
    "batchSize": 32 | "full", "seed": 0, "curveEvery": 1, "snapshotEvery": 10, "test": true,
    "runs": [ { "optimizer": "sgd" | "adagrad" | "rmsprop" | "adam" | "adamw", "lr", …,
                "schedule": { … }, "batchSize", "seed", "label" } ] }
Optimizer fields and schedules are those of \`losslab trajectory\`; omitted hyperparameters
take torch.optim's defaults.
A CSV/TSV file has a header row; a missing or non-numeric cell is refused with its row and
column (list a categorical feature in "oneHot"). At most 1,000,000 rows and 1,000 columns, and
50 million input values in all. Given arrays hold at most 100,000 numbers (use a file beyond).

Example:
  echo '{"dataset":{"kind":"xor"},"model":{"activation":"tanh","width":16},
         "steps":300,"batchSize":"full","runs":[{"optimizer":"adam","lr":0.01}]}' \\
    | npx losslab train -`,
  bulk: [['model', 'theta']],
  flags: ['out', 'vectors'],
  async run(raw, options = {}) {
    const spec = parseSpec(trainSpecSchema, raw);
    const [{ runTrainSpec }, { MAX_NETWORK_STEPS }] = await Promise.all([
      import('../../engine/network/train-spec'),
      import('../../engine/network/run'),
    ]);
    checkTrainOutput(spec, MAX_NETWORK_STEPS);
    try {
      return await runTrainSpec(spec, {
        vectors: options.vectors,
        ...(options.out !== undefined ? { save: saveNetwork(options.out) } : {}),
      });
    } catch (err) {
      throw asSpecError(err);
    }
  },
};
