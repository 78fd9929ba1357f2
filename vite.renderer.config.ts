/**
 * Plain Vite config for the renderer alone (browser mode and e2e tests):
 *   vite build -c vite.renderer.config.ts      → out/renderer (served by `buddyscope serve`)
 *   vite preview -c vite.renderer.config.ts    → http://localhost:4173 (add ?fake=1 for the dev-only fake host)
 * electron-vite builds the same root for the Electron window (electron.vite.config.ts).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const root = fileURLToPath(new URL('./renderer', import.meta.url))

export default defineConfig({
  root,
  base: './',
  plugins: [vue()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // ECharts alone is ~600 kB minified even with on-demand registration
    chunkSizeWarningLimit: 900,
  },
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
})
