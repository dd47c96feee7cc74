// Builds everything that runs in Node or Electron into dist/: one CommonJS bundle per entry,
// with runtime dependencies left external (they ship in node_modules, and tfjs must stay one
// copy so tfjs-node registers its backend on the same tfjs the engine uses). Also copies tfjs's wasm
// binaries next to the engine, where the built engine looks for them first.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// Runtime packages ship in node_modules; dev-only ones (cborg, an ESM-only package) are bundled.
const external = [
  'electron',
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
];

const entries = {
  'main/main': 'electron/main/main.ts',
  'preload/preload': 'electron/preload/preload.ts',
  'engine/utility': 'electron/engine/hosts/utility.ts',
  'engine/worker': 'electron/engine/hosts/worker.ts',
  'engine/basins-worker': 'electron/engine/hosts/basins-worker.ts',
  'engine/landscape-worker': 'electron/engine/landscape/worker.ts',
  'engine/gradient-worker': 'electron/engine/network/gradient-worker.ts',
  'engine/critical-worker': 'electron/engine/labs/critical/worker.ts',
  'engine/experiments-worker': 'electron/engine/labs/experiments/worker.ts',
  'web/server': 'electron/web/main.ts',
  'cli/index': 'electron/cli/main.ts',
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // import.meta.url in CommonJS: derived from __filename, so one source works in both worlds.
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
};

await Promise.all(
  Object.entries(entries).map(([out, source]) => {
    const isPreload = out.startsWith('preload/');
    return build({
      ...common,
      entryPoints: [path.join(root, source)],
      outfile: path.join(dist, `${out}.js`),
      // The sandboxed preload may require only 'electron': bundle everything else into it.
      external: isPreload ? ['electron'] : external,
    });
  }),
);

const wasmSource = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const wasmTarget = path.join(dist, 'engine/wasm');
fs.mkdirSync(wasmTarget, { recursive: true });
for (const file of fs.readdirSync(wasmSource)) {
  if (file.endsWith('.wasm'))
    fs.copyFileSync(path.join(wasmSource, file), path.join(wasmTarget, file));
}
