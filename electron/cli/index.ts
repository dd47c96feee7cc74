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
import { SpecError, Streamed } from './spec';

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
  if (rest.length !== 1) {
    err.write(
      line(`losslab ${name}: expected one SPEC file (or - for stdin); see losslab ${name} --help`),
    );
    return 2;
  }
  const sink = new JsonSink(out);
  try {
    const text = decodeSpec(await readSpecBytes(rest[0], stdin));
    const result = await command.run(parseSpecText(text, command.bulk));
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
