// `npm start` (after the build): opens the desktop app, or says in one line why it cannot.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.dirname(require.resolve('electron/package.json'));

/** The installed Electron executable, or undefined (electron/index.js would start a download). */
function installedBinary() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return undefined;
  const binary = path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(binary) ? binary : undefined;
}

function fail(why) {
  console.error(
    `LossLab: no Electron binary is installed (${why}) — run \`npm run web\` to use LossLab in a browser instead.`,
  );
  process.exit(1);
}

let binary = installedBinary();
if (!binary) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) fail('ELECTRON_SKIP_BINARY_DOWNLOAD is set');
  console.log('LossLab: downloading the Electron binary (once)…');
  const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    encoding: 'utf8',
  });
  binary = installedBinary();
  if (result.status !== 0 || !binary) {
    const first =
      `${result.stderr ?? ''}`.split('\n').find((line) => line.trim()) ?? 'download failed';
    fail(`the download failed: ${first.trim()}`);
  }
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
