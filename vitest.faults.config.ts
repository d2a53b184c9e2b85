import { defineConfig } from 'vitest/config';

/** The fault and abuse suite (`npm run test:faults`): a real service under hostile traffic, minutes not seconds. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One serving process in the services the tests start (a cluster test asks for more).
    env: { WORKERS: '1' },
  },
});
