import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests each start their own emulators; two cores do not like more than two at once.
    maxWorkers: 2,
  },
});
