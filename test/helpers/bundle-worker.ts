/**
 * A worker bundled from source as scripts/build-node.mjs bundles it (CommonJS for Node 20, the
 * runtime dependencies left to node_modules, import.meta.url derived from __filename), so a
 * test runs the code under test and not whatever dist/ holds. `outfile` should sit under the
 * project's node_modules/.cache so the bundle resolves those dependencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '../..');

/** Bundles `source` (relative to the project root) into `outfile`; resolves with `outfile`. */
export async function bundleWorker(source: string, outfile: string): Promise<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  await build({
    entryPoints: [path.join(root, source)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: Object.keys(pkg.dependencies ?? {}),
    define: { 'import.meta.url': '__import_meta_url' },
    banner: {
      js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
    },
  });
  return outfile;
}
