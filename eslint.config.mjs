// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'stream',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'node_modules/', 'test-results/', 'assets/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  // Code passed to page.evaluate() runs in the browser.
  {
    files: ['test/e2e/**', 'scripts/bench-frame.mjs', 'scripts/bench/startup.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  // The renderer runs in a sandboxed page: DOM globals, and nothing from electron/ but types.
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.svelte'],
    // __LOSSLAB_VERSION__: the app's version, written in by Vite (renderer/vite.config.mts).
    languageOptions: { globals: { ...globals.browser, __LOSSLAB_VERSION__: 'readonly' } },
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/electron/**', 'electron'],
              allowTypeImports: true,
              message: 'renderer/ may only `import type` from electron/common.',
            },
            { group: ['node:*', ...nodeBuiltins], message: 'renderer/ runs in the browser.' },
          ],
        },
      ],
    },
  },
  // The engine knows nothing of Electron (it also runs in worker threads, the CLI and tests).
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'electron/engine never imports electron.' }],
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', '**/web/**', '**/cli/**', '**/renderer/**'],
              message: 'The engine depends only on electron/common.',
            },
          ],
        },
      ],
    },
  },
  // common/ is pure TypeScript: no Electron, no Node, no DOM, no other folder (its own
  // subfolders, like protocol/, import common's files one folder up).
  ...[
    { files: ['electron/common/*.ts'], outside: ['../*', '!../common'] },
    { files: ['electron/common/*/**/*.ts'], outside: ['../../*', '!../../common'] },
  ].map(({ files, outside }) => ({
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'electron/common never imports electron.' }],
          patterns: [
            { group: ['node:*', ...nodeBuiltins], message: 'electron/common is pure TypeScript.' },
            { group: outside, message: 'electron/common imports nothing outside itself.' },
          ],
        },
      ],
    },
  })),
);
