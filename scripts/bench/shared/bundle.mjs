/**
 * The esbuild options the benchmarks bundle engine code from source with, as
 * scripts/build-node.mjs bundles dist/: one CommonJS file for Node 20, `import.meta.url` derived
 * from __filename (so the engine finds its files next to the bundle), and `external` the packages
 * left to Node's require.
 */
export function nodeBundle(external) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external,
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  };
}
