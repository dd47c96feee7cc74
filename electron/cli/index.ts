/**
 * `losslab`: the headless command line. Each subcommand reads a JSON SPEC (a file, or `-` for
 * stdin), runs it on the engine in this process and prints JSON. A bad SPEC exits 2 with one
 * line naming the field.
 */
import { commands } from './commands';
import { readSpec, SpecError } from './spec';

export { parseSpec, SpecError } from './spec';

const usage = () => `Usage: losslab <command> SPEC.json|-

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run \`losslab <command> --help\` for its SPEC format.`;

interface Out {
  write(text: string): unknown;
}

/** Runs the CLI on argv (without node and script); resolves with the exit code. */
export async function main(
  argv: string[],
  out: Out = process.stdout,
  err: Out = process.stderr,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage() + '\n');
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
    const result = await command.run(readSpec(rest[0]));
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
