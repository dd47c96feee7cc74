import { datasetSpecSchema } from '../../common/network';
import { experimentSpecSchema, jsonSafe } from '../../common/protocol';
import { FieldError } from '../../engine/core/errors';
import { saveExperiment } from '../session-out';
import { parseSpec, SpecError, type Command } from '../spec';

/** The CLI's dataset when a SPEC gives none (the app's default: the network lab's). */
const DEFAULT_DATASET = { kind: 'moons' } as const;

export const experiment: Command = {
  summary:
    'a guided experiment: diagnose, depth, complexity, cross-validation, mismatch, batch size',
  help: `Usage: losslab experiment SPEC.json|- [--out FILE.losslab]

--out FILE.losslab  also write the finished experiment as a session the app opens

Runs one of the experiments lab's experiments — many trainings, spread over the machine's
cores — and prints its result:
  { "kind", "title", "dataset": { "kind", "task", "train", "validation", "test" }, "model",
    "figures": [ { "id", "title", "kind": "line" | "scatter", "x": { "label", "log"? },
                   "y": { "label", "log"? }, "series": [ { "label", "x", "y", "error"? } ],
                   "marks"? } ],
    "table": { "columns", "rows" },
    "trainings": [ { "id", "label", "model", "optimizer", "batchSize", "status", "steps",
                     "curves": { "step", "trainLoss", "validationLoss", … },
                     "final": { "train", "validation", "test" }, "msPerUpdate", … } ],
    "verdict"?: { "branch": "model bias" | "optimization" | "overfitting" | "mismatch" | "fine",
                  "steps": [ { "question", "answer", "evidence" } ], "advice" },
    "chosen"?, "notes", "backend", "threads", "ms" }
(null where a number is not finite: a diverged training).

SPEC: "kind" and its settings (every one has a default), and for every kind
    "dataset": { "kind": "moons", … },       as in \`losslab train\`; default: the moons
    "model": { "depth", "width", … },         as in \`losslab train\`; default: 2 × 32 ReLU
    "optimizer": { "optimizer": "adam", "lr": 0.01 },   "batchSize": 32, "seed": 0
  "diagnose"          "epochs": 200, "thresholds": { "largeTrainLoss": 0.2,
                      "optimizationMargin": 0.1, "overfitGap": 0.5, "mismatchGap": 0.5 }
                      the model, a smaller one and a linear one; the lecture's flowchart
  "depth"             "depths": [1, 2, 4, 8, 16], "width": 16, "residual": true,
                      "epochs": 100 — plain MLPs by depth, then with residual connections
  "complexity"        "parameter": "width" | "depth" | "epochs" | "l2" | "degree",
                      "values": [1, 2, 4, 8, 32, 128], "epochs": 200 — the U-curve
  "cross-validation"  "folds": 5, "candidates": [{ "width": 2 }, { "width": 8 }, …],
                      "stratified": true, "epochs": 100 — chosen by mean validation loss,
                      refit on all folds, scored on the test set
  "mismatch"          "sizes": [0, 0.1, 0.2, 0.35, 0.5, 0.75, 1], "epochs": 200 — test sets
                      shifted by each size (2-D: rotated s·90°; regression: moved s × the
                      input range; digits: round(4s) pixels right)
  "batch-size"        "sizes": [1, 2, 4, …, n] (default), "timedUpdates": 20, "epochs": 20 —
                      time per update and per epoch, accuracy at equal epochs and equal time
  "noise"             "batchSize": 4, "epochs": 60, "maxUpdates": 20000, "optimizer" default
                      SGD η 0.5 — a small batch against the full batch at equal epochs and
                      at equal updates: losses and trajectories on one plane
  "scaling"           "batchSize": 8, "factor": 8, "warmupEpochs": 5, "epochs": 40,
                      "optimizer" default SGD η 0.05, momentum 0.9 — the linear scaling rule
                      with and without warm-up (Goyal et al. 2017)
  "losses"            "epochs": 100, "optimizer" default SGD η 0.5 — cross-entropy against
                      squared error from one θ₀, and both over the margin
  "adaptive"          "n": 50, "p": 0.6, "steps": 5000, "optimizers": [...], "testPoints":
                      1000 — Wilson et al.'s example (no dataset or model: its own data)
At most 400 trainings per experiment.

Example:
  echo '{"kind":"cross-validation","folds":5,"epochs":50}' | npx losslab experiment -`,
  flags: ['out'],
  async run(raw, options = {}) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SpecError('spec: must be a JSON object');
    }
    const parsed = parseSpec(experimentSpecSchema, raw);
    const spec =
      parsed.kind === 'adaptive'
        ? parsed
        : { ...parsed, dataset: parsed.dataset ?? datasetSpecSchema.parse(DEFAULT_DATASET) };
    const [{ experimentBase, runExperimentJob }, { experimentsPool }, { loadBackend }] =
      await Promise.all([
        import('../../engine/labs/experiments/experiment-job'),
        import('../../engine/labs/experiments/pool'),
        import('../../engine/backend/select'),
      ]);
    const { tf, report } = await loadBackend();
    try {
      const base = experimentBase(spec, undefined, report.backend);
      const result = await runExperimentJob(tf, spec, base, experimentsPool(), {
        signal: new AbortController().signal,
        checkpoint: () => undefined,
        onProgress: () => undefined,
      });
      const json = jsonSafe(result);
      if (options.out !== undefined) await saveExperiment(options.out, spec, json);
      return json;
    } catch (err) {
      if (err instanceof FieldError) {
        const field = (err.field ?? '').replace(/^experiment\.?/, '');
        throw new SpecError(`spec${field ? `.${field}` : ''}: ${err.reason}`);
      }
      throw err;
    }
  },
};
