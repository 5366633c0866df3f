import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Real Go builds and servers: keep the two cores from thrashing.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
