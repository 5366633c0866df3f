import { defineConfig } from 'vitest/config';

/**
 * Tests that run the compiled CLI as users do (a separate process, dist/cli/main.js) or pack the
 * package: they need the build that test/global-setup.ts makes. Everything else is the `unit` project,
 * which runs from src without it (`npx vitest run --project unit`); CLI tests there call run() in-process.
 */
const COMPILED = [
  'test/e2e/**/*.test.ts',
  'test/cli/golden.test.ts',
  'test/cli/resolve-cli.test.ts',
  'test/cli/ci-output.test.ts',
  'test/cli/completion-shells.test.ts',
  'test/cli/tty-interrupt.test.ts',
  'test/ci/readme.test.ts',
  'test/package/**/*.test.ts',
  'test/smoke/smoke.test.ts',
  // cosign (installed by the global set-up) against the CLI
  'test/sign/cosign.test.ts',
  'test/sign/keygen-cli.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Real Go builds and servers: keep the two cores from thrashing.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: COMPILED } },
      { extends: true, test: { name: 'cli', include: COMPILED, globalSetup: ['test/global-setup.ts'] } },
    ],
  },
});
