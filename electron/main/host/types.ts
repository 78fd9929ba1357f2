/**
 * What the host (the handlers behind the contract) needs from where it runs: Electron main or
 * the `buddyscope serve` process. Plain Node module types; no electron import.
 */
import type { Worker } from 'node:worker_threads'
import type { EventName, EventPayloads, RecentEntry } from '../../common/contract.ts'

/** Starts the engine worker (electron-vite's `?nodeWorker` import in Electron, tsx in the CLI). */
export type WorkerFactory = (workerData: unknown) => Worker

export interface RecentStore {
  list(): RecentEntry[]
  add(entry: RecentEntry): void
}

export interface HostDeps {
  transport: 'electron' | 'browser'
  version: string
  /** emit an event to the renderer(s) */
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void
  createWorker: WorkerFactory
  recent: RecentStore
  /** path of the bundled real capture opened on first start, or null */
  bundledSnapshot: string | null
  /** native file dialog (Electron only) */
  pickPath?: (kind: 'directory' | 'file') => Promise<string | null>
  /** directory for uploaded files (browser mode) */
  uploadDir?: string
}
