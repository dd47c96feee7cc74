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

/**
 * mathjs, required on first use. Building its function table takes most of an engine's start
 * (typed-function: ~1 s of the worker's ~1.3 s on this machine, tfjs's require a fifth of it),
 * and only a typed expression needs it: the presets are plain code. The engine imports it
 * statically (electron/engine/problems/expression.ts, synchronous all the way up through
 * resolveSurface), so the bundles get this stand-in instead: each name calls through to the
 * real module, required the first time one is used. A name it lacks fails the build ("No
 * matching export"), so a new import from mathjs cannot slip past it.
 */
const LAZY_MATHJS_EXPORTS = {
  functions: ['parse', 'derivative'],
  classes: ['ConstantNode', 'OperatorNode', 'SymbolNode'],
};
const lazyMathjs = {
  name: 'losslab-lazy-mathjs',
  setup(b) {
    b.onResolve({ filter: /^mathjs$/ }, (args) =>
      args.namespace === 'lazy-mathjs'
        ? { path: 'mathjs', external: true }
        : { path: 'mathjs', namespace: 'lazy-mathjs' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-mathjs' }, () => ({
      loader: 'js',
      contents: [
        // A require() inside a function (the real module, external) runs when it is called;
        // an import would run where this module is first evaluated.
        'let loaded;',
        "const mathjs = () => (loaded ??= require('mathjs'));",
        ...LAZY_MATHJS_EXPORTS.functions.map(
          (name) => `export function ${name}(...args) { return mathjs().${name}(...args); }`,
        ),
        // Called with `new`, a function returning an object yields that object.
        ...LAZY_MATHJS_EXPORTS.classes.map(
          (name) => `export function ${name}(...args) { return new (mathjs().${name})(...args); }`,
        ),
      ].join('\n'),
    }));
  },
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
      plugins: isPreload ? [] : [lazyMathjs],
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
