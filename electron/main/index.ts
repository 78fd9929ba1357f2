/**
 * Electron main entry (built by electron-vite to out/main/index.js). Everything testable lives
 * in app.ts and the modules next to it; this file only holds what needs the bundler: the
 * engine worker, built as its own chunk by electron-vite's `?nodeWorker` import.
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import createEngineWorker from './host/engine_worker?nodeWorker'
import { BuddyscopeHost } from './host/host.ts'
import { startApp } from './app.ts'

startApp({
  createWorker: (workerData) => createEngineWorker({ workerData }),
  createHost: (deps) => new BuddyscopeHost(deps),
  mainDir: dirname(fileURLToPath(import.meta.url)),
})
