/** `npm run web`: starts browser mode and prints the URL with its token. */
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

function parsePort(args: string[]): number | undefined {
  const i = args.indexOf('--port');
  const raw = i >= 0 ? args[i + 1] : process.env.LOSSLAB_PORT;
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`losslab web: --port must be an integer from 0 to 65535, got "${raw}"`);
    process.exit(2);
  }
  return port;
}

startServer({
  port: parsePort(process.argv.slice(2)),
  engineOptions: { dataDir, appVersion: appVersion() },
}).then(
  (running) => {
    console.log(`LossLab browser mode: ${running.url}`);
    console.log('Open that URL in a browser on this machine. Ctrl+C stops the server.');
    const stop = () => void running.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  },
  (err: Error) => {
    console.error(`losslab web: ${err.message}`);
    process.exit(1);
  },
);
