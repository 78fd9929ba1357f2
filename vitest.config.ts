import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'engine/**/*.test.ts', 'cli/**/*.test.ts', 'renderer/**/*.test.ts', 'electron/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30000,
  },
})
