/**
 * `npm run web`: starts browser mode and prints the URL with its token.
 *
 *   --port N          (or LOSSLAB_PORT) the port; 0 picks a free one
 *   --max-engines N   (or LOSSLAB_MAX_ENGINES) engines at once, one per open page; default 4
 *
 * Started by a parent with an IPC channel (child_process.fork: a test, a supervisor), it also
 * answers the message "status" with its live engine and page counts; nothing else can ask.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server';

/** The app's version, from the package.json beside dist/. */
function appVersion(): string {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(fs.readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Where the recording's autosave goes: $LOSSLAB_DATA_DIR, else ~/.losslab. */
const dataDir = process.env.LOSSLAB_DATA_DIR || path.join(os.homedir(), '.losslab');

/** The value of `--name` in the arguments, else of the environment variable. */
function option(args: string[], name: string, env: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? '') : process.env[env];
}

function parseInteger(
  args: string[],
  name: string,
  env: string,
  min: number,
  max: number,
): number | undefined {
  const raw = option(args, name, env);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    console.error(`losslab web: ${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const args = process.argv.slice(2);
startServer({
  port: parseInteger(args, '--port', 'LOSSLAB_PORT', 0, 65535),
  maxEngines: parseInteger(args, '--max-engines', 'LOSSLAB_MAX_ENGINES', 1, 64),
  engineOptions: { dataDir, appVersion: appVersion() },
}).then(
  (running) => {
    console.log(`LossLab browser mode: ${running.url}`);
    console.log('Open that URL in a browser on this machine. Ctrl+C stops the server.');
    const stop = () => void running.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (process.send) {
      process.on('message', (message) => {
        if (message === 'status') {
          process.send?.({ engines: running.engines, pages: running.pages });
        }
      });
      // The parent going away must not leave the server running on an open channel.
      process.on('disconnect', stop);
    }
  },
  (err: Error) => {
    console.error(`losslab web: ${err.message}`);
    process.exit(1);
  },
);
