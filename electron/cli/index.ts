/**
 * `losslab`: the headless command line. Each subcommand reads a JSON SPEC (a file, or `-` for
 * stdin), runs it on the engine in this process and prints JSON. A bad SPEC exits 2 with one
 * line naming the field; anything unexpected exits 1 with one line (its stack only with
 * LOSSLAB_DEBUG=1); a reader that stops reading (`| head`) ends the output quietly.
 */
import type { Readable } from 'node:stream';
import { MAX_ERROR_CHARS, oneLine } from '../common/bounds';
import { commands } from './commands';
import { JsonSink, writeJson, type Out } from './json-sink';
import { decodeSpec, parseSpecText, readSpecBytes } from './read-spec';
import { checkOutPath } from './session-out';
import { SpecError, Streamed, type CommandOptions } from './spec';

export { parseSpec, SpecError } from './spec';
export type { Out } from './json-sink';

const usage = () => `Usage: losslab <command> SPEC.json|-

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run \`losslab <command> --help\` for its SPEC format.`;

/** One line of text however odd the message: no control characters, bounded length. */
function line(text: string): string {
  const flat = text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').replace(/\p{Cc}+/gu, ' ');
  return `${oneLine(flat, MAX_ERROR_CHARS)}\n`;
}

/** The one line (and with LOSSLAB_DEBUG=1, the stack) for an error no one expected. */
export function internalError(prefix: string, err: unknown): string {
  const message = err instanceof Error ? err.message || err.name : String(err);
  const stack = process.env.LOSSLAB_DEBUG === '1' && err instanceof Error ? `${err.stack}\n` : '';
  return line(`${prefix}: internal error: ${message}`) + stack;
}

/** Prints a text (usage, help) and its newline; a failed write is exit 1. */
async function print(text: string, code: number, prefix: string, out: Out, err: Out) {
  const sink = new JsonSink(out);
  sink.text = `${text}\n`;
  await sink.end();
  sink.release();
  if (!sink.failure) return code;
  err.write(line(`${prefix}: cannot write the output: ${sink.failure.message}`));
  return 1;
}

/**
 * The SPEC file(s) and the flags after a command: `--out FILE` (or `--out=FILE`) and `--vectors`, where
 * the command takes them. A string is the one-line refusal.
 */
export function parseArgs(
  args: readonly string[],
  flags: readonly (keyof CommandOptions)[],
): { specs: string[]; options: CommandOptions } | string {
  const options: CommandOptions = {};
  const specs: string[] = [];
  const takes = (flag: keyof CommandOptions) =>
    flags.includes(flag) ? undefined : `--${flag} is not an option of this command`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--vectors') {
      const no = takes('vectors');
      if (no) return no;
      options.vectors = true;
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      const no = takes('out');
      if (no) return no;
      if (options.out !== undefined) return '--out is given twice';
      const file = arg === '--out' ? args[++i] : arg.slice('--out='.length);
      if (file === undefined || file === '') return '--out needs a file name (FILE.losslab)';
      options.out = file;
    } else if (arg.startsWith('--') || (arg.startsWith('-') && arg !== '-')) {
      return `unknown option ${oneLine(arg, 60)}${flags.length ? ` (options: ${flags.map((f) => `--${f}`).join(', ')})` : ''}`;
    } else specs.push(arg);
  }
  return { specs, options };
}

/** Runs the CLI on argv (without node and script); resolves with the exit code. */
export async function main(
  argv: string[],
  out: Out = process.stdout,
  err: Out = process.stderr,
  stdin: Readable = process.stdin,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    return print(usage(), name ? 0 : 2, 'losslab', out, err);
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command) {
    err.write(
      line(`losslab: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`),
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    return print(command.help, 0, `losslab ${name}`, out, err);
  }
  const args = parseArgs(rest, command.flags ?? []);
  if (typeof args === 'string') {
    err.write(line(`losslab ${name}: ${args}`));
    return 2;
  }
  if (args.specs.length !== 1) {
    err.write(
      line(`losslab ${name}: expected one SPEC file (or - for stdin); see losslab ${name} --help`),
    );
    return 2;
  }
  const sink = new JsonSink(out);
  try {
    if (args.options.out !== undefined) await checkOutPath(args.options.out);
    const text = decodeSpec(await readSpecBytes(args.specs[0], stdin));
    const result = await command.run(parseSpecText(text, command.bulk), args.options);
    if (result instanceof Streamed) await result.write(sink);
    else await writeJson(sink, result);
    if (sink.failure) {
      err.write(line(`losslab ${name}: cannot write the output: ${sink.failure.message}`));
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof SpecError) {
      err.write(line(`losslab ${name}: ${e.message}`));
      return 2;
    }
    err.write(internalError(`losslab ${name}`, e));
    return 1;
  } finally {
    sink.release();
  }
}
