/**
 * `losslab`: the headless command line. Each subcommand reads a JSON SPEC (a file, or `-` for
 * stdin), runs it on the engine in this process and prints JSON. A bad SPEC exits 2 with one
 * line naming the field.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import { trajectorySpecSchema } from '../common/spec';
import { runTrajectory } from '../engine/experiments/trajectory';
import { HyperError } from '../engine/optim';
import { ExpressionError } from '../engine/problems';

/** A SPEC problem: printed as one line, exit code 2. */
export class SpecError extends Error {}

interface Command {
  summary: string;
  help: string;
  run(spec: unknown): unknown;
}

const commands: Record<string, Command> = {
  trajectory: {
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
  },
};

const usage = `Usage: losslab <command> SPEC.json|-

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run \`losslab <command> --help\` for its SPEC format.`;

/** Validates a SPEC; the first problem becomes "spec.<path>: <reason>". */
export function parseSpec<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = ['spec', ...issue.path.map(String)].join('.');
  throw new SpecError(`${path}: ${issue.message}`);
}

function asSpecError(err: unknown): Error {
  if (err instanceof HyperError) return new SpecError(`spec.runs: ${err.message}`);
  if (err instanceof ExpressionError) return new SpecError(`spec.surface: ${err.message}`);
  if (err instanceof RangeError) return new SpecError(`spec.start: ${err.message}`);
  return err as Error;
}

function readSpec(source: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new SpecError(
      `cannot read ${source === '-' ? 'stdin' : source}: ${(err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SpecError(`spec: not valid JSON (${(err as Error).message})`);
  }
}

/** Runs the CLI on argv (without node and script); returns the exit code. */
export function main(argv: string[], out = process.stdout, err = process.stderr): number {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    err.write(
      `losslab: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})\n`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(command.help + '\n');
    return 0;
  }
  if (rest.length !== 1) {
    err.write(
      `losslab ${name}: expected one SPEC file (or - for stdin); see losslab ${name} --help\n`,
    );
    return 2;
  }
  try {
    const result = command.run(readSpec(rest[0]));
    out.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof SpecError) {
      err.write(`losslab ${name}: ${e.message}\n`);
      return 2;
    }
    err.write(`losslab ${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
