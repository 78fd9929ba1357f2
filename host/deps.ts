/**
 * What the service needs from where it runs (Electron main, or the `buddyscope serve` process).
 * Plain Node module types; no electron import.
 */
import type { EventName, EventPayloads, RecentEntry, ReportFormatName } from '../contract/index.ts'
import type { EngineRunner } from './workers/pool.ts'

export interface RecentStore {
  list(): RecentEntry[]
  add(entry: RecentEntry): void
}

export interface HostDeps {
  transport: 'electron' | 'browser'
  version: string
  /** emit an event to the renderer(s) */
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void
  /** the engine's worker threads (host/workers/pool.ts) */
  pool: EngineRunner
  recent: RecentStore
  /** path of the bundled real capture opened on first start, or null */
  bundledSnapshot: string | null
  /** native file dialog (Electron only) */
  pickPath?: (kind: 'directory' | 'file') => Promise<string | null>
  /** path of capture/buddyscope-capture (default: the checkout's; a packaged app ships it in resources/) */
  captureScript?: string
  /** native save dialog for a file of `text`, written with `mode` (Electron only); the path, or null when cancelled */
  saveFile?: (defaultName: string, text: string, mode: number) => Promise<string | null>
  /** directory for uploaded files (browser mode) */
  uploadDir?: string
  /** a report's HTML printed to PDF (Electron: webContents.printToPDF); absent: headless Chromium */
  printPdf?: (html: string) => Promise<Uint8Array>
  /** a native save dialog for a report (Electron): the path chosen, or null; absent: the renderer downloads the bytes */
  saveReportPath?: (fileName: string, format: ReportFormatName) => Promise<string | null>
}
