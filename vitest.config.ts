import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The ONNX runtime and re2 are native; forks isolate them cleanly between files.
    pool: 'forks',
  },
});
