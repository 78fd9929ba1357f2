/**
 * The contract's names and small constants, as plain values without zod, so the sandboxed
 * preload (which may only `require('electron')`) and the renderer bundle can import them.
 * The one list of method and event names: `MethodName` and `EventName` are derived from it, and
 * schemas.ts keys its argument schemas by `MethodName`, so a name cannot exist in one place only.
 */

export const CONTRACT_VERSION = 2

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
  'getPageClasses',
  'getDiff',
  'getDiffPageblock',
  'getCaptureScript',
  'saveCaptureScript',
  'getTimeline',
  'exportReport',
  'getPolluters',
  'getPageOwners',
  'getFleet',
  'getTraceSteals',
] as const
export type MethodName = (typeof METHOD_NAMES)[number]

export const EVENT_NAMES = ['run:progress', 'run:done', 'run:failed', 'whatif:done', 'whatif:contig-done', 'snapshot:opening', 'menu:command', 'run:summary'] as const
export type EventName = (typeof EVENT_NAMES)[number]

export type MenuCommand = 'close-snapshot' | 'theme-light' | 'theme-dark' | 'about' | 'how-to-capture' | 'open-dialog' | 'export-report' | 'open-fleet'

/** Formats of a report (exportReport, `buddyscope report`): csv is a zip of one file per table. */
export const REPORT_FORMATS = ['html', 'pdf', 'md', 'json', 'csv'] as const
export type ReportFormatName = (typeof REPORT_FORMATS)[number]

/** Classes of the page-level view, index = PageblockDetailDto.classes value. */
export const PAGE_CLASSES = ['hole', 'free', 'pcp', 'movable', 'file', 'unevictable', 'pinned', 'reclaimable', 'unmovable', 'pagetable', 'reserved', 'thp', 'hugetlb', 'other'] as const
export type PageClassName = (typeof PAGE_CLASSES)[number]

/** pageblocks per getPageClasses call at most */
export const MAX_PAGE_CLASS_BLOCKS = 4096

/** mt value of a pageblock that lies in no zone, or outside the buddy allocator (PageblockMapDto.mt) */
export const MT_NONE = 255

/** IPC channel of one method (ipcMain.handle / ipcRenderer.invoke). */
export const callChannel = (method: string): string => `bs:call:${method}`
/** The one channel on which main sends `{ event, payload }` to the renderer. */
export const EVENT_CHANNEL = 'bs:event'

/** What crosses IPC for a call: never a thrown Error (its stack would travel with it). */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }

/**
 * How a pageblock changed between two states (a diff of two captures, or a what-if's before and
 * after), weightiest first; bit k of a change mask (CaptureDiffDto.kinds, WhatifCompactView.pageblockChanges)
 * is PAGEBLOCK_CHANGES[k]. The engine's list (engine/metrics/diff.ts) is checked against this one.
 */
export const PAGEBLOCK_CHANGES = [
  'entered', 'left', 'became-free', 'filled', 'retyped', 'became-mixed', 'became-unmixed', 'freed-pages', 'allocated-pages', 'pages-changed',
] as const

/** A page's change in a page-level diff (PagesDiffDto.change value − 1). */
export const PAGE_CHANGES = ['freed', 'allocated', 'changed-kind'] as const
