import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One Chromium at a time: the machine has two cores and SwiftShader renders on the CPU.
    fileParallelism: false,
  },
});
