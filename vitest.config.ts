import { configDefaults, defineConfig } from 'vitest/config';

/** Timing-sensitive tests held to a bar (latency truth, schedule lag); they run last, alone. */
const TRUTH = 'test/truth/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Load tests measure latency; running files in parallel on 2 cores would distort each other's numbers.
    fileParallelism: false,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, TRUTH],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // After every other file has finished, so nothing else competes for the cores; one file at a time.
        extends: true,
        test: { name: 'truth', include: [TRUTH], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
