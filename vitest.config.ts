import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts', 'engine/**/*.test.ts', 'cli/**/*.test.ts', 'renderer/**/*.test.ts', 'electron/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30000,
  },
})
