import type { Point } from '../../common/schemas';
import { basinsSpecSchema, type BasinsOutput } from '../../common/spec';
import type { BasinsPlan } from '../../engine/labs/basins/compute';
import { asSpecError, parseSpec, type Command } from '../spec';

export const basins: Command = {
  summary: 'which minimum an optimizer reaches from every point of a grid',
  help: `Usage: losslab basins SPEC.json|-

Runs one optimizer from every point of a resolution × resolution grid over the surface's
domain (corners included, as in the surface view) and prints
  { "surface", "resolution", "domain", "minima": [[x, y], ...], "radius",
    "labels": [...], "steps": [...],
    "counts": { "minima": [n0, n1, ...], "none": n, "diverged": n } }
"labels" and "steps" hold one entry per start, row-major with y the slow axis: start (i, j)
is entry j * resolution + i, at x = x0 + (x1 − x0)·i/(resolution − 1), likewise y.
  label k ≥ 0  the start reached minima[k]: it ended within "radius" of it, and "steps" is the
               first step after which it stayed there (0 if it started there);
  label -1     it ended elsewhere (a saddle, a plateau, not yet arrived); steps = steps taken;
  label -2     it diverged (θ, loss or gradient not finite); steps = the step that failed.
radius = tolerance × the domain's longer side. Typed expressions have no known minima, so every
start that does not diverge is labelled -1.

SPEC:
  { "surface": "himmelblau" | { "expr": "x^2 - y^2", "domain": [[-2, 2], [-2, 2]] },
    "optimizer": { "optimizer": "sgd" | "adagrad" | "rmsprop" | "adam" | "adamw",
                   "lr", "momentum", "dampening", "nesterov", "weightDecay", "betas", "eps",
                   "alpha", "centered", "amsgrad", "lrDecay", "initialAccumulatorValue",
                   "variant": "pytorch" | "lecture",
                   "schedule": { "kind": "constant" | "step" | ..., ... } },
    "resolution": 2..512, "steps": 1..100000, "tolerance": 0.01 }
Omitted hyperparameters take torch.optim's defaults; tolerance defaults to 0.01 (0 < t ≤ 0.5).
Maps of 2 million point-steps (starts × steps) or more are computed on every core.

Example:
  echo '{"surface":"himmelblau","optimizer":{"optimizer":"adam","lr":0.05},
         "resolution":50,"steps":500}' | npx losslab basins -`,
  async run(raw) {
    const spec = parseSpec(basinsSpecSchema, raw);
    const { computeBasins, planBasins } = await import('../../engine/labs/basins/compute');
    let plan: BasinsPlan;
    try {
      plan = planBasins(spec);
    } catch (err) {
      // A basins SPEC has one optimizer, not runs.
      throw asSpecError(err, { optimizer: 'optimizer' });
    }
    const result = await computeBasins(plan);
    const output: BasinsOutput = {
      surface: result.surface,
      resolution: result.resolution,
      domain: [
        [result.domain[0][0], result.domain[0][1]],
        [result.domain[1][0], result.domain[1][1]],
      ],
      minima: result.minima.map((m: Point) => [m[0], m[1]]),
      radius: result.radius,
      labels: Array.from(result.labels),
      steps: Array.from(result.steps),
      counts: result.counts,
    };
    return output;
  },
};
