import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const timeouts = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/renderer/**', 'node_modules/**'],
          ...timeouts,
        },
      },
      // The renderer's stores are `.svelte.ts` modules: their runes need the Svelte compiler.
      {
        plugins: [svelte()],
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          ...timeouts,
        },
      },
    ],
  },
});
