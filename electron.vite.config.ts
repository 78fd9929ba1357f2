/**
 * electron-vite build of the desktop app: out/main (ES module, the engine bundled in, the
 * engine worker as its own entry), out/preload/index.cjs (CommonJS, because sandboxed preloads
 * cannot be ES modules, with nothing external but electron) and out/renderer.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  main: {
    build: {
      // the app and the engine worker the pool starts (out/main/engine_worker.js)
      lib: { entry: { index: resolve(root, 'electron/main/index.ts'), engine_worker: resolve(root, 'host/workers/engine_worker.ts'), kpage_worker: resolve(root, 'host/workers/kpage_worker.ts') }, formats: ['es'] },
      // package.json dependencies (tar, zod, ws, tsx, piscina) stay external and ship in node_modules;
      // everything imported by relative path (engine/, host/, contract/, electron/) is bundled
      externalizeDeps: true,
      rolldownOptions: {
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      lib: { entry: resolve(root, 'electron/preload/index.ts'), formats: ['cjs'] },
      // a sandboxed preload can require nothing but 'electron': bundle everything else
      externalizeDeps: false,
      rolldownOptions: {
        output: { entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  // the same renderer as vite.renderer.config.ts (browser mode); electron-vite sets base './'
  renderer: {
    root: resolve(root, 'renderer'),
    build: {
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
      // ECharts alone is ~600 kB minified even with on-demand registration
      chunkSizeWarningLimit: 900,
    },
    plugins: [vue()],
  },
})
