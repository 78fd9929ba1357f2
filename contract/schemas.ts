/**
 * The contract's schemas and method types: what each method takes (a zod schema, validated by
 * the host) and returns, and the events' payloads. The what-if requests are described once
 * here: the app's calls and the CLI's flags (cli/flags.ts) both end in these schemas.
 *
 * Every method takes one argument object and returns a promise of its result; failures reject
 * with a HostError `{ code, message }`. Long work (opening a snapshot, a what-if) is a run:
 * `start*` returns `{ runId }` at once, then the host emits `run:progress` events and finally
 * `run:done` / `whatif:done` / `whatif:contig-done` or `run:failed`; `cancelRun` stops it. An open
 * may first emit `run:summary` (its free areas from the capture's text, before the model exists).
 */
import { z } from 'zod'
import { MAX_PAGE_CLASS_BLOCKS, REPORT_FORMATS, type MethodName, type EventName, type MenuCommand } from './names.ts'
import type {
  AppInfo, SnapshotView, PageblockMapDto, PageblockDetailDto, PageClassesDto, RecentEntry, RunProgress, HostError, WhatifCompactView, ContigWhatifView,
  CaptureDiffDto, PagesDiffDto, ExportReportResult,
} from './dto.ts'
import type { OpenSummaryDto } from './dto.ts'
import type { TimelineDto } from './dto.ts'
import type { PollutersDto, PageOwnersDto } from './dto.ts'
import type { FleetDto, TraceStealsDto } from './dto.ts'

// ------------------------------------------------------------------ what-if requests

/** 'auto' (the capture's workload log, else none), 'none', a page count, a share of anonymous pages (0..1), or a file of PFNs */
export const pinnedSchema = z.union([
  z.literal('auto'), z.literal('none'),
  z.object({ pages: z.number().int().min(0) }).strict(),
  z.object({ fraction: z.number().min(0).max(1) }).strict(),
  z.object({ pfnFile: z.string().min(1).max(4096) }).strict(),
])
export type PinnedRequest = z.infer<typeof pinnedSchema>

export const strategySchema = z.object({
  fastIsolateFreepages: z.boolean().optional(),
  fastFindMigrateblock: z.boolean().optional(),
  honourSkipBits: z.boolean().optional(),
  scanUnmovableForSmallOrders: z.boolean().optional(),
}).strict()
export type CompactStrategyRequest = z.infer<typeof strategySchema>

/** `whatif compact`: what compaction would produce now. */
export const whatifCompactSchema = z.object({
  node: z.number().int().min(0).max(1023).optional(),
  zone: z.string().min(1).max(16).optional(),
  /** absent = full compaction (order −1) */
  order: z.number().int().min(0).max(20).optional(),
  mode: z.enum(['async', 'sync-light', 'sync']).optional(),
  strategy: strategySchema.optional(),
  pinned: pinnedSchema.optional(),
  /** seeds of the ensemble (layout seeds when synthesized, pin seeds when exact) */
  seeds: z.number().int().min(1).max(256).optional(),
  /** the CPU the compaction runs on (its per-cpu lists take the frees) */
  cpu: z.number().int().min(0).max(8191).optional(),
  /** proactive compaction (kcompactd) with this compaction_proactiveness, or the capture's */
  proactive: z.union([z.number().int().min(0).max(100), z.literal('capture')]).optional(),
}).strict().refine((a) => a.proactive === undefined || a.order === undefined, { message: 'proactive compaction takes no order', path: ['proactive'] })
export type WhatifCompactRequest = z.infer<typeof whatifCompactSchema>

const coreSchema = z.union([z.object({ bytes: z.number().int().min(1) }).strict(), z.object({ percent: z.number().min(0).max(100) }).strict()])

/** `whatif cma | hugetlb | contig | thp`: contiguous allocations. */
export const whatifContigSchema = z.object({
  kind: z.enum(['cma', 'hugetlb', 'contig', 'thp']),
  /** cma: pages, or bytes; contig: bytes */
  pages: z.number().int().min(1).optional(),
  sizeBytes: z.number().int().min(1).optional(),
  /** cma: alignment order */
  align: z.number().int().min(0).max(40).optional(),
  area: z.string().min(1).max(64).optional(),
  basePfn: z.number().int().min(0).optional(),
  areaCount: z.number().int().min(1).optional(),
  orderPerBit: z.number().int().min(0).max(20).optional(),
  /** hugetlb: pages to add and the page size in bytes */
  count: z.number().int().min(1).max(1 << 24).optional(),
  hugeSizeBytes: z.number().int().min(4096).optional(),
  compaction: z.boolean().optional(),
  /** contig */
  gfp: z.enum(['kernel', 'movable']).optional(),
  node: z.number().int().min(0).max(1023).optional(),
  /** thp: transparent_hugepage/enabled and /defrag (default: the capture's) */
  enabled: z.enum(['always', 'madvise', 'never']).optional(),
  defrag: z.enum(['always', 'defer', 'defer+madvise', 'madvise', 'never']).optional(),
  madvised: z.boolean().optional(),
  faults: z.number().int().min(1).max(1 << 20).optional(),
  movablecore: coreSchema.optional(),
  kernelcore: coreSchema.optional(),
  migrateBeforePin: z.boolean().optional(),
  pinPlacement: z.enum(['uniform', 'after-compaction']).optional(),
  pinned: pinnedSchema.optional(),
  seeds: z.number().int().min(1).max(64).optional(),
}).strict()
export type WhatifContigRequest = z.infer<typeof whatifContigSchema>

/** A what-if a report holds: the request the app sent (or the CLI's --whatif flags made); the host runs it again for the report. */
export const reportWhatifSchema = z.union([
  z.object({ kind: z.literal('compact'), request: whatifCompactSchema }).strict(),
  z.object({ kind: z.literal('contig'), request: whatifContigSchema }).strict(),
])
export type ReportWhatifRequestDto = z.infer<typeof reportWhatifSchema>

/** `exportReport`: a report of an open snapshot with the what-ifs of the session, in one format; `diffWith` another open snapshot; `timeline` of its series. */
export const exportReportSchema = z.object({
  id: z.string().min(1).max(64),
  format: z.enum(REPORT_FORMATS),
  whatifs: z.array(reportWhatifSchema).max(32),
  diffWith: z.string().min(1).max(64).optional(),
  /** the timeline of the snapshot's series (a capture of a series only) */
  timeline: z.boolean().optional(),
}).strict()
export type ExportReportRequest = z.infer<typeof exportReportSchema>

// ------------------------------------------------------------------ methods

const openArgs = z.object({
  path: z.string().min(1).max(4096),
  capture: z.string().min(1).max(200).optional(),
  layout: z.enum(['auto', 'exact', 'synthesized']).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
}).strict()

const uploadArgs = z.object({
  files: z.array(z.object({ name: z.string().min(1).max(255), data: z.instanceof(Uint8Array) }).strict()).min(1).max(64),
  layout: z.enum(['auto', 'exact', 'synthesized']).optional(),
}).strict()

const idArgs = z.object({ id: z.string().min(1).max(64) }).strict()
const runArgs = z.object({ runId: z.string().min(1).max(64) }).strict()
const empty = z.object({}).strict()

/** method name → argument schema. The preload exposes exactly these, the host registers exactly these. */
export const METHODS = {
  appInfo: empty,
  startOpenPath: openArgs,
  startOpenBundled: empty,
  startOpenUpload: uploadArgs,
  cancelRun: runArgs,
  closeSnapshot: idArgs,
  listSnapshots: empty,
  getSnapshot: idArgs,
  getPageblockMap: idArgs,
  getPageblockDetail: z.object({ id: z.string().min(1).max(64), pageblock: z.number().int().min(0) }).strict(),
  listRecent: empty,
  pickSnapshotPath: z.object({ kind: z.enum(['directory', 'file']) }).strict(),
  startWhatifContig: whatifContigSchema.safeExtend({ id: z.string().min(1).max(64) }),
  startWhatifCompact: whatifCompactSchema.safeExtend({ id: z.string().min(1).max(64) }),
  getPageClasses: z.object({ id: z.string().min(1).max(64), pageblocks: z.array(z.number().int().min(0)).min(1).max(MAX_PAGE_CLASS_BLOCKS) }).strict(),
  /** the diff of two open snapshots of one machine: `a` before, `b` after */
  getDiff: z.object({ a: z.string().min(1).max(64), b: z.string().min(1).max(64) }).strict(),
  /** one pageblock of two open exact snapshots compared page by page */
  getDiffPageblock: z.object({ a: z.string().min(1).max(64), b: z.string().min(1).max(64), pageblock: z.number().int().min(0) }).strict(),
  getCaptureScript: empty,
  saveCaptureScript: empty,
  /** a series (or several bundles of one machine) as a timeline; summaryOnly: no kpageflags read; trace: a trace file whose fallbacks go between the captures */
  getTimeline: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(256), summaryOnly: z.boolean().optional(), trace: z.string().min(1).max(4096).optional() }).strict(),
  exportReport: exportReportSchema,
  /** who polluted the pageblocks: the capture's page_owner joined to its layout, grouped by stack or comm */
  getPolluters: z.object({ id: z.string().min(1).max(64), by: z.enum(['stack', 'comm']).optional() }).strict(),
  /** who allocated each page of one pageblock (page_owner) */
  getPageOwners: z.object({ id: z.string().min(1).max(64), pageblock: z.number().int().min(0) }).strict(),
  /** one row per capture of a fleet (docs/fleet.md): a folder of captures, a glob, or a list file of paths */
  getFleet: z.object({ path: z.string().min(1).max(4096) }).strict(),
  /** a trace's fallbacks on an open snapshot's pageblocks: who stole which block, when (docs/importers.md) */
  getTraceSteals: z.object({ id: z.string().min(1).max(64), path: z.string().min(1).max(4096) }).strict(),
} as const satisfies { [M in MethodName]: z.ZodType }

export type MethodArgs<M extends MethodName> = z.infer<(typeof METHODS)[M]>

export interface MethodResults {
  appInfo: AppInfo
  startOpenPath: { runId: string }
  startOpenBundled: { runId: string }
  startOpenUpload: { runId: string }
  cancelRun: { cancelled: boolean }
  closeSnapshot: { closed: boolean }
  listSnapshots: Array<{ id: string; path: string; label: string | null }>
  getSnapshot: SnapshotView
  getPageblockMap: PageblockMapDto
  getPageblockDetail: PageblockDetailDto
  listRecent: RecentEntry[]
  /** path chosen in a native dialog, or null (cancelled); supported=false in browser mode */
  pickSnapshotPath: { path: string | null; supported: boolean }
  startWhatifCompact: { runId: string }
  startWhatifContig: { runId: string }
  getPageClasses: PageClassesDto
  getDiff: CaptureDiffDto
  getDiffPageblock: PagesDiffDto
  /** capture/buddyscope-capture, the sh script that captures a machine (Help › How to capture) */
  getCaptureScript: { name: string; text: string }
  /** the script saved through a native save dialog (mode 0755): the path, or null (cancelled); supported=false in browser mode, where the renderer downloads it */
  saveCaptureScript: { path: string | null; supported: boolean }
  getTimeline: TimelineDto
  exportReport: ExportReportResult
  getPolluters: PollutersDto
  getPageOwners: PageOwnersDto
  getFleet: FleetDto
  getTraceSteals: TraceStealsDto
}

// ------------------------------------------------------------------ events (host → renderer)

export interface EventPayloads {
  'run:progress': RunProgress
  'run:done': { runId: string; snapshot: SnapshotView }
  'run:failed': { runId: string; error: HostError }
  /** a what-if run finished */
  'whatif:done': { runId: string; whatif: WhatifCompactView }
  /** a contiguous-allocation what-if finished */
  'whatif:contig-done': { runId: string; whatif: ContigWhatifView }
  /** the host opened a snapshot on its own (menu, drag-and-drop, second instance, command line) */
  'snapshot:opening': { runId: string; path: string }
  /** a menu command the renderer carries out */
  'menu:command': { command: MenuCommand }
  /**
   * an open's first stage: the capture's free areas, from its text files, before the model is
   * built (not sent when the capture lacks buddyinfo or pagetypeinfo); run:done or run:failed follows
   */
  'run:summary': { runId: string; summary: OpenSummaryDto }
}

/** The API the renderer sees (window.buddyscope in Electron; a WebSocket client in browser mode). */
export type BuddyscopeApi = {
  [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResults[M]>
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void
}

/** Validate a call's argument; returns the parsed value or a HostError. */
export function validateArgs<M extends MethodName>(method: M, args: unknown): { ok: true; value: MethodArgs<M> } | { ok: false; error: HostError } {
  const schema = METHODS[method]
  if (!schema) return { ok: false, error: { code: 'bad-argument', message: `unknown method ${String(method)}` } }
  const r = schema.safeParse(args ?? {})
  if (r.success) return { ok: true, value: r.data as MethodArgs<M> }
  const issue = r.error.issues[0]
  const where = issue?.path.length ? issue.path.join('.') : 'argument'
  return { ok: false, error: { code: 'bad-argument', message: `${method}: ${where}: ${issue?.message ?? 'invalid'}` } }
}

/** Compile-time check that EventPayloads has exactly the events of names.ts. */
type EventsMatch = [Exclude<EventName, keyof EventPayloads> | Exclude<keyof EventPayloads, EventName>] extends [never] ? true : false
export const EVENT_PAYLOADS_COMPLETE: EventsMatch = true
