import { trainSpecSchema } from '../../common/network';
import { DatasetError } from '../../engine/datasets';
import { ModelError } from '../../engine/network';
import { runTrainSpec } from '../../engine/network/train-spec';
import { asSpecError, parseSpec, SpecError, type Command } from '../spec';

/** Engine errors that mean a network SPEC asked for something impossible, as SpecErrors. */
export function asNetworkSpecError(err: unknown): Error {
  if (err instanceof DatasetError) return new SpecError(`spec.dataset.${err.message}`);
  if (err instanceof ModelError) return new SpecError(`spec.model.${err.message}`);
  return asSpecError(err);
}

export const train: Command = {
  summary: 'train networks on a dataset side by side; loss and accuracy curves',
  help: `Usage: losslab train SPEC.json|-

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
                   "coefficients" (polynomial) },
    "model": { "depth": 2, "width": 32, "activation": "relu" | "tanh" | "sigmoid" | "linear",
               "residual": false, "loss": "crossEntropy" | "mse", "l2": 0, "dropout": 0,
               "seed": 0, "init": "auto" | "he" | "glorot" },
    "steps": 1000  or  "epochs": 20,
    "batchSize": 32 | "full", "seed": 0, "curveEvery": 1, "snapshotEvery": 10, "test": true,
    "runs": [ { "optimizer": "sgd" | "adagrad" | "rmsprop" | "adam" | "adamw", "lr", …,
                "schedule": { … }, "batchSize", "seed", "label" } ] }
Optimizer fields and schedules are those of \`losslab trajectory\`; omitted hyperparameters
take torch.optim's defaults.

Example:
  echo '{"dataset":{"kind":"xor"},"model":{"activation":"tanh","width":16},
         "steps":300,"batchSize":"full","runs":[{"optimizer":"adam","lr":0.01}]}' \\
    | npx losslab train -`,
  async run(raw) {
    const spec = parseSpec(trainSpecSchema, raw);
    try {
      return await runTrainSpec(spec);
    } catch (err) {
      throw asNetworkSpecError(err);
    }
  },
};
