/**
 * Electron main entry (built by electron-vite to out/main/index.js). Everything testable lives
 * in app.ts and the modules next to it; this file only holds what needs the bundle: the engine
 * worker, built by electron-vite as its own entry (out/main/engine_worker.js) for the pool.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BuddyscopeService } from '../../host/service.ts'
import { EnginePool } from '../../host/workers/pool.ts'
import { startApp } from './app.ts'

const mainDir = dirname(fileURLToPath(import.meta.url))

startApp({
  createPool: () => new EnginePool(join(mainDir, 'engine_worker.js')),
  createHost: (deps) => new BuddyscopeService(deps),
  mainDir,
})
