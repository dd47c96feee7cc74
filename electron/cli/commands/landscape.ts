import { landscapeSpecSchema } from '../../common/network';
import { saveLandscape } from '../session-out';
import { asSpecError, parseSpec, type Command } from '../spec';

export const landscape: Command = {
  summary: "a network's loss landscape around a trained (or given) θ, with the trajectories",
  help: `Usage: losslab landscape SPEC.json|- [--out FILE.losslab] [--vectors]

--out FILE.losslab  also write the runs and the landscape as a session the app opens
--vectors           also print θ*, d₁ and d₂ ("directions": { "center", "d1", "d2" }) and
                    each run's θ snapshots

Trains the runs of SPEC as \`losslab train\` does (or takes a given θ*), then evaluates
L(θ* + α d₁ + β d₂) on a grid (Li et al., NeurIPS 2018) and prints
  { "backend", "dataset", "model", "center",
    "directions": { "kind", "seed", "explainedVariance", "norms": [‖d₁‖, ‖d₂‖], "cosine" },
    "grid": { "resolution", "alphas", "betas", "values": [[L(α_i, β_0), …], …],
              "min", "max", "centerLoss", "split", "seconds", "threads" },
    "runs": [ { "optimizer", "status", "steps",
                "trajectory": { "step", "alpha", "beta", "distance" },
                "line": { "t", "values" } } ] }
values[j][i] is the loss at (alphas[i], betas[j]); every run's recorded θ_t is projected onto
the plane (least squares), with its distance from it.

SPEC: the fields of \`losslab train\` ("runs" may be empty when "landscape.theta" is given), and
  "landscape": {
    "resolution": 51, "range": [[-1, 1], [-1, 1]], "coarse": 11, "split": "train" | "validation",
    "directions": { "kind": "random", "seed": 0 }      filter-normalized Gaussian directions
                | { "kind": "pca" }                     top two PCs of the centre run's path
                | { "kind": "given", "d1": [...], "d2": [...] },
    "center": { "run": 0, "at": "final" | "initial" },
    "theta": [...],                                     a given θ* instead
    "line": { "points": 101, "range": [-0.25, 1.25] },  L along θ₀ → each run's final θ
    "threads": 2 }                                      worker threads (0: this thread)

Example:
  echo '{"dataset":{"kind":"moons"},"steps":500,"runs":[{"optimizer":"adam","lr":0.01}],
         "landscape":{"resolution":21}}' | npx losslab landscape -`,
  // A saved θ and given directions may hold millions of numbers each.
  bulk: [
    ['model', 'theta'],
    ['landscape', 'theta'],
    ['landscape', 'directions', 'd1'],
    ['landscape', 'directions', 'd2'],
  ],
  flags: ['out', 'vectors'],
  async run(raw, options = {}) {
    const spec = parseSpec(landscapeSpecSchema, raw);
    const { runLandscapeSpec } = await import('../../engine/landscape/landscape-spec');
    try {
      return await runLandscapeSpec(spec, {
        vectors: options.vectors,
        ...(options.out !== undefined ? { save: saveLandscape(options.out) } : {}),
      });
    } catch (err) {
      throw asSpecError(err);
    }
  },
};
