// @ts-check
/**
 * The floors LossLab's code is layered in (ARCHITECTURE.md): an import may only go down a floor,
 * never up and never in a circle. Checked by `npm run lint`; drawn by `npm run graph`.
 */

/** The engine's floors, top first (paths under electron/engine/). */
const engineFloors = [
  ['hosts/'],
  ['engine\\.ts$', 'step-jobs\\.ts$'],
  ['sessions\\.ts$'],
  ['recording/'],
  ['labs/'],
  ['landscape/'],
  ['hessian/'],
  ['network/'],
  ['datasets/'],
  ['optim/', 'problems/', 'backend/'],
  ['core/'],
];

/** The renderer's floors, top first (paths under renderer/src/). */
const rendererFloors = [
  ['App\\.svelte$', 'main\\.ts$', 'app-commands\\.ts$'],
  ['lib/session/', 'lib/export/', 'lib/exercise/'],
  ['lib/labs/'],
  ['lib/controls/', 'lib/views/'],
  ['lib/engine/', 'lib/state/', 'lib/commands/'],
  ['lib/i18n/'],
];

const under = (prefix, paths) => `^${prefix}(${paths.join('|')})`;

/**
 * One rule per floor below the top: nothing on it imports a floor above it.
 * @param {string} area what the rules' names start with
 * @param {string} prefix the folder the floors' paths are under
 * @param {string[][]} floors top first
 * @returns {import('dependency-cruiser').IForbiddenRuleType[]}
 */
const floorRules = (area, prefix, floors) =>
  floors.slice(1).map((floor, i) => ({
    name: `${area}-up-from-${floor[0].replace(/^lib\//, '').replace(/[^a-z]/g, '')}`,
    comment: `${prefix}${floor.join(', ')} may not import a floor above it.`,
    severity: 'error',
    from: { path: under(prefix, floor) },
    to: { path: under(prefix, floors.slice(0, i + 1).flat()) },
  }));

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const forbidden = [
  {
    name: 'no-circular',
    comment: 'No import circles anywhere: each module can be read after the ones it imports.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  ...floorRules('engine', 'electron/engine/', engineFloors),
  ...floorRules('renderer', 'renderer/src/', rendererFloors),
  {
    name: 'lab-to-other-lab',
    comment: 'A lab does not import another: what two labs share goes down a floor.',
    severity: 'error',
    from: { path: '^electron/engine/labs/([^/]+)/' },
    to: { path: '^electron/engine/labs/[^/]+/', pathNot: '^electron/engine/labs/$1/' },
  },
  {
    name: 'lab-shape-is-shared',
    comment: 'labs/*.ts (the Lab interface and helpers) serve every lab and import none.',
    severity: 'error',
    from: { path: '^electron/engine/labs/[^/]+\\.ts$' },
    to: { path: '^electron/engine/labs/[^/]+/' },
  },
  {
    name: 'file-format-knows-no-lab',
    comment:
      'The .losslab codec, zip and autosave turn session data into bytes; only the live ' +
      'recording asks the labs for their part.',
    severity: 'error',
    from: { path: '^electron/engine/recording/(?!live-session|index)' },
    to: { path: '^electron/engine/labs/' },
  },
  {
    name: 'common-is-shared',
    comment: 'electron/common/ runs everywhere: it imports nothing else of LossLab.',
    severity: 'error',
    from: { path: '^electron/common/' },
    to: { path: '^(electron/(?!common/)|renderer/)' },
  },
  {
    name: 'engine-knows-only-a-port',
    comment: 'The engine is hosted by main, the server and the CLI; it never imports them.',
    severity: 'error',
    from: { path: '^electron/engine/' },
    to: { path: '^(electron/(main|preload|web|cli)/|renderer/)' },
  },
  {
    name: 'views-import-no-lab',
    comment: 'Views own their data types; the labs produce them, never the other way.',
    severity: 'error',
    from: { path: '^renderer/src/lib/views/' },
    to: { path: '^renderer/src/(App|lib/(labs|state|session|export|controls|engine)/)' },
  },
  {
    name: 'renderer-lab-to-other-lab',
    comment: "A lab's page and store do not import another lab's.",
    severity: 'error',
    from: { path: '^renderer/src/lib/labs/([^/]+)/', pathNot: '^renderer/src/lib/labs/explorer/' },
    to: { path: '^renderer/src/lib/labs/[^/]+/', pathNot: '^renderer/src/lib/labs/$1/' },
  },
  {
    name: 'renderer-explorer-to-other-lab',
    comment:
      "The explorer imports no other lab's page or store but the critical-points lab's surface " +
      "part (labs/critical/surface/: the explorer's critical point, shown on the explorer's views).",
    severity: 'error',
    from: { path: '^renderer/src/lib/labs/explorer/' },
    to: {
      path: '^renderer/src/lib/labs/[^/]+/',
      pathNot: '^renderer/src/lib/labs/(explorer|critical/surface)/',
    },
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    // Type-only imports count: a circle of types is still a circle to read.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte', '.mjs'] },
  },
};
