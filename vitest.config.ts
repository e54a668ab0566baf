import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Load tests measure latency; running files in parallel on 2 cores would distort each other's numbers.
    fileParallelism: false,
    reporters: ['default'],
  },
});
