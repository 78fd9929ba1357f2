/**
 * Starts the engine worker through tsx, so the TypeScript sources run as they are (CLI and
 * browser mode; the Electron build bundles the worker instead).
 */
import { Worker } from 'node:worker_threads'

export function tsxWorker(workerData: unknown): Worker {
  return new Worker(new URL('../bin/engine_worker.mjs', import.meta.url), { workerData })
}
