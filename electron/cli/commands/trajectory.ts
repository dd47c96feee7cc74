import { trajectorySpecSchema } from '../../common/spec';
import type { TrajectoryRun } from '../../engine/labs/explorer/trajectory';
import { jsonNumber, type JsonSink } from '../json-sink';
import { asSpecError, parseSpec, Streamed, type Command } from '../spec';

/**
 * Prints JSON.stringify({ runs }) + newline, byte for byte, one run at a time and one chunk
 * at a time: 64 runs × 1,000,000 steps is about 4 GB of text, more than any string or heap.
 */
async function printRuns(runs: Iterable<TrajectoryRun>, sink: JsonSink): Promise<void> {
  sink.text += '{"runs":[';
  let first = true;
  for (const run of runs) {
    sink.text += `${first ? '' : ','}{"optimizer":${JSON.stringify(run.optimizer)},"status":${JSON.stringify(run.status)},"points":[`;
    first = false;
    const p = run.points;
    for (let k = 0; k < p.length; k += 3) {
      sink.text += `${k === 0 ? '' : ','}[${jsonNumber(p[k])},${jsonNumber(p[k + 1])},${jsonNumber(p[k + 2])}]`;
      if (sink.full) {
        await sink.flush();
        // The reader has gone (`| head`): the remaining runs would be computed for no one.
        if (sink.closed) return;
      }
    }
    sink.text += ']}';
  }
  sink.text += ']}\n';
  await sink.end();
}

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
  async run(raw) {
    const spec = parseSpec(trajectorySpecSchema, raw);
    const { trajectoryRuns } = await import('../../engine/labs/explorer/trajectory');
    let runs: Iterable<TrajectoryRun>;
    try {
      // Builds every run (a bad start or hyperparameter throws here, before any output).
      runs = trajectoryRuns(spec);
    } catch (err) {
      throw asSpecError(err);
    }
    return new Streamed((sink) => printRuns(runs, sink));
  },
};
