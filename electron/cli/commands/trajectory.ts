import { trajectorySpecSchema } from '../../common/spec';
import { runTrajectory } from '../../engine/experiments/trajectory';
import { asSpecError, parseSpec, type Command } from '../spec';

export const trajectory: Command = {
  summary: 'optimizer trajectories on an analytic surface',
  help: `Usage: losslab trajectory SPEC.json|-

Runs each optimizer of SPEC from the same start and prints
  { "runs": [ { "optimizer", "status": "ok" | "diverged", "points": [[x, y, loss], ...] } ] }
with steps + 1 points per run (the start first); a diverged run ends at its last finite point.

SPEC:
  { "surface": "rosenbrock" | { "expr": "x^2 - y^2", "domain": [[-2, 2], [-2, 2]] },
    "start": [-1.5, 2], "steps": 200,
    "runs": [ { "optimizer": "sgd" | "adagrad" | "rmsprop" | "adam" | "adamw",
                "lr", "momentum", "dampening", "nesterov", "weightDecay", "betas", "eps",
                "alpha", "centered", "amsgrad", "lrDecay", "initialAccumulatorValue",
                "variant": "pytorch" | "lecture",
                "schedule": { "kind": "constant" | "step" | "exponential" | "cosine"
                              | "linear" | "warmupDecay" | "invSqrt", ... } } ] }
Omitted hyperparameters take torch.optim's defaults.

Example:
  echo '{"surface":"bowl","start":[-3,1],"steps":50,"runs":[{"optimizer":"adam","lr":0.1}]}' \\
    | npx losslab trajectory -`,
  run(raw) {
    const spec = parseSpec(trajectorySpecSchema, raw);
    try {
      return runTrajectory(spec);
    } catch (err) {
      throw asSpecError(err);
    }
  },
};
