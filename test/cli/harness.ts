/**
 * Running `losslab` in tests: in-process through main() with captured streams, and as a child
 * process of a CLI bundle built from the sources (not dist/, which others rebuild at any time),
 * with its exit code, signal and whether it had to be killed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { build } from 'esbuild';
import { main } from '../../electron/cli/index';

export const root = path.resolve(__dirname, '../..');

/** A Writable that keeps what it is given; `slow` answers each write a tick later. */
export function capture(options: { highWaterMark?: number; slow?: boolean } = {}): {
  stream: Writable;
  text: () => string;
  bytes: () => number;
} {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const stream = new Writable({
    highWaterMark: options.highWaterMark,
    write(chunk, _enc, done) {
      const buffer = Buffer.from(chunk);
      chunks.push(buffer);
      bytes += buffer.length;
      if (options.slow) setImmediate(done);
      else done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => bytes };
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `losslab ...args` in this process; `stdin` is what `-` reads. */
export async function runCli(args: string[], stdin?: string | Buffer): Promise<CliResult> {
  const out = capture();
  const err = capture();
  const input = Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]);
  const code = await main(args, out.stream, err.stream, input);
  return { code, out: out.text(), err: err.text() };
}

/**
 * Builds the CLI (and its workers) as the release does, under node_modules so the bundles find
 * their runtime dependencies; returns the entry and a function that removes the build.
 */
export async function buildCli(name: string): Promise<{ bin: string; remove: () => void }> {
  const out = path.join(root, 'node_modules/.cache/losslab-test', `${name}-${process.pid}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entries: Record<string, string> = {
    'cli/index': 'electron/cli/main.ts',
    'engine/basins-worker': 'electron/engine/hosts/basins-worker.ts',
    'engine/landscape-worker': 'electron/engine/landscape/worker.ts',
    'engine/gradient-worker': 'electron/engine/network/gradient-worker.ts',
  };
  await Promise.all(
    Object.entries(entries).map(([entry, source]) =>
      build({
        entryPoints: [path.join(root, source)],
        outfile: path.join(out, `${entry}.js`),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        logLevel: 'warning',
        external: [
          ...Object.keys(pkg.dependencies ?? {}),
          ...Object.keys(pkg.optionalDependencies ?? {}),
        ],
        define: { 'import.meta.url': '__import_meta_url' },
        banner: {
          js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
        },
      }),
    ),
  );
  return {
    bin: path.join(out, 'cli/index.js'),
    remove: () => fs.rmSync(out, { recursive: true, force: true }),
  };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed after `timeoutMs`: it hung. */
  hung: boolean;
  stdout: string;
  stdoutBytes: number;
  stderr: string;
}

/**
 * Runs the built CLI as a child. `onStdout` sees the output as it arrives (to count what is too
 * large to keep); stdout is kept only up to `keep` characters.
 */
export function spawnCli(
  bin: string,
  args: string[],
  options: {
    input?: string | Buffer;
    nodeArgs?: string[];
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    keep?: number;
    onStdout?: (chunk: Buffer) => void;
    /** Closes stdout after this many bytes, as `| head -c N` does. */
    closeAfter?: number;
  } = {},
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
      cwd: options.cwd,
      env: options.env ?? { ...process.env, LOSSLAB_DEBUG: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    let hung = false;
    const keep = options.keep ?? 1 << 20;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdout.length < keep) stdout += chunk.toString('utf8');
      options.onStdout?.(chunk);
      if (options.closeAfter !== undefined && stdoutBytes >= options.closeAfter) {
        child.stdout.destroy();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // The child may refuse before reading all of its input.
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, hung, stdout, stdoutBytes, stderr });
    });
  });
}

/**
 * Counts points per run in a trajectory output as it streams by, without parsing it: the text
 * is {"runs":[{…,"points":[[x,y,l],…]},…]}, and only "optimizer" and "status" hold strings (a
 * name and ok/diverged, no brackets), so a point is a '[' opening the fifth level.
 */
export class PointCounter {
  readonly points: number[] = [];
  private depth = 0;
  bytes = 0;
  /** The last byte seen (the output ends with a newline). */
  last = -1;

  push(chunk: Uint8Array): void {
    let depth = this.depth;
    const points = this.points;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 0x5b || c === 0x7b) {
        depth++;
        if (depth === 3) points.push(0);
        else if (depth === 5) points[points.length - 1]++;
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
      }
    }
    this.depth = depth;
    this.bytes += chunk.length;
    if (chunk.length > 0) this.last = chunk[chunk.length - 1];
  }

  /** Every bracket closed and the newline written. */
  get complete(): boolean {
    return this.depth === 0 && this.last === 0x0a;
  }
}
