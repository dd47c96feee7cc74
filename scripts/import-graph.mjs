#!/usr/bin/env node
/**
 * Draws the import graph of LossLab's folders as a Mermaid flowchart (GitHub renders it; paste
 * it into ARCHITECTURE.md when the floors change): `npm run graph [-- engine|processes|renderer]`.
 * It reads the same dependency-cruiser configuration `npm run lint` checks the floors with, and
 * collapses each module into its folder (the engine's top files stay themselves).
 */
import { cruise } from 'dependency-cruiser';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs');

const areas = {
  // The engine's floors, electron/common as one node.
  engine: {
    roots: ['electron/engine'],
    collapse: '^electron/(common/|engine/[^/]+/|engine/[^/]+\\.ts$)',
  },
  // The processes: each of electron/'s folders as one node.
  processes: { roots: ['electron'], collapse: '^electron/[^/]+/' },
  // The renderer's folders (each lab its own), electron/common as one node.
  renderer: {
    roots: ['renderer/src'],
    collapse: '^(electron/common/|renderer/src/(lib/labs/[^/]+/|lib/[^/]+/|[^/]+\\.[a-z]+$))',
  },
};
const area = areas[process.argv[2] ?? 'engine'];
if (!area) {
  console.error(`graph: unknown area "${process.argv[2]}" (engine, processes or renderer)`);
  process.exit(2);
}

const result = await cruise(area.roots, {
  ...config.options,
  collapse: area.collapse,
  exclude: { path: 'node_modules' },
  includeOnly: '^(electron|renderer/src)/',
  validate: false,
});
const modules = result.output.modules;
const name = (source) =>
  source.replace(/^(electron\/|renderer\/src\/(lib\/)?)/, '').replace(/\/$/, '');
const id = (source) => name(source).replace(/[^A-Za-z0-9]/g, '_');
const lines = ['flowchart TD'];
for (const m of modules) lines.push(`  ${id(m.source)}["${name(m.source)}"]`);
for (const m of modules) {
  for (const d of m.dependencies) {
    if (d.resolved !== m.source && !d.coreModule)
      lines.push(`  ${id(m.source)} --> ${id(d.resolved)}`);
  }
}
console.log([...new Set(lines)].join('\n'));
