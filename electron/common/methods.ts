/**
 * The contract's method and event names as plain string lists, without zod, so the sandboxed
 * preload (which bundles everything it imports and may only `require('electron')`) can build
 * its API from them. contract.ts stays the source of truth: the type checks below fail to
 * compile if a name is missing here or not in the contract, and test/electron/contract.test.ts
 * compares the lists with `Object.keys(METHODS)` and `EVENTS` at run time.
 *
 * Only `import type` from contract.ts: type imports are erased, so zod never reaches the preload.
 */
import type { EventName, MethodName } from './contract.ts'

export const METHOD_NAMES = [
  'appInfo',
  'startOpenPath',
  'startOpenBundled',
  'startOpenUpload',
  'cancelRun',
  'closeSnapshot',
  'listSnapshots',
  'getSnapshot',
  'getPageblockMap',
  'getPageblockDetail',
  'listRecent',
  'pickSnapshotPath',
  'startWhatifCompact',
  'startWhatifContig',
] as const satisfies readonly MethodName[]

export const EVENT_NAMES = ['run:progress', 'run:done', 'run:failed', 'whatif:done', 'whatif:contig-done', 'snapshot:opening', 'menu:command'] as const satisfies readonly EventName[]

/** IPC channel of one method (ipcMain.handle / ipcRenderer.invoke). */
export const callChannel = (method: string): string => `bs:call:${method}`
/** The one channel on which main sends `{ event, payload }` to the renderer. */
export const EVENT_CHANNEL = 'bs:event'

/** What crosses IPC for a call: never a thrown Error (its stack would travel with it). */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }

// every contract name is listed (the `satisfies` above checks the other direction)
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : { missing: Exclude<All, Listed> }
const _methodsComplete: Exhaustive<MethodName, (typeof METHOD_NAMES)[number]> = true
const _eventsComplete: Exhaustive<EventName, (typeof EVENT_NAMES)[number]> = true
void _methodsComplete
void _eventsComplete
