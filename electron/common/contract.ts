/**
 * The one contract between the renderer and its host (Electron main through the preload, or
 * the loopback HTTP/WebSocket host of `buddyscope serve`). Types, the table of method names
 * with their argument schemas, and the event names. Environment-free: no electron, no node.
 *
 * Every method takes one argument object (validated by the host with the schema below) and
 * returns a promise of its result; failures reject with a HostError `{ code, message }`.
 * Long work (opening a snapshot) is a run: `start*` returns `{ runId }` at once, then the host
 * emits `run:progress` events and finally `run:done` or `run:failed`; `cancelRun` stops it.
 */
import { z } from 'zod'
import type {
  ZoneSummary, MachineInfo, CompactionEvent, ZoneCompactResult, PredictedVsReal, PageblockMap,
  CmaWhatIfResult, HugetlbWhatIfResult, ContigWhatIfResult, ThpWhatIfResult,
} from '../../engine/index.ts'

export const CONTRACT_VERSION = 1

// ------------------------------------------------------------------ data crossing the boundary

export interface FindingDto {
  severity: 'info' | 'warning' | 'error'
  code: string
  zone: string | null
  message: string
}

export interface ZoneBoundary {
  node: number
  zone: string
  /** first and last pageblock index (into the map arrays) of the zone */
  firstPb: number
  lastPb: number
  startPfn: number
  endPfn: number
}

/** What the renderer shows about one opened snapshot (plain JSON). */
export interface SnapshotView {
  id: string
  path: string
  label: string | null
  /** labels of the captures of the series this one belongs to */
  series: string[] | null
  machine: MachineInfo
  layout: { method: 'exact' | 'synthesized'; seed: number | null; source: string | null }
  zones: ZoneSummary[]
  nodes: Array<{ node: number; fragmentationScore: number }>
  findings: FindingDto[]
  /** vm.extfrag_threshold (×1000 scale of the extfrag index), from the capture or the default 500 */
  extfragThreshold: number
  /** migratetype names, index = the numbers used in PageblockMapDto.mt */
  migratetypes: string[]
  pageblockCount: number
  pagesPerBlock: number
  /** PFN of pageblock 0 of the map */
  basePfn: number
  pageSize: number
  zoneBoundaries: ZoneBoundary[]
}

/**
 * Every pageblock of the machine in PFN order (index i covers PFNs basePfn + i·pagesPerBlock …).
 * mt[i] = migratetype index, 255 = not in any zone. Counts are pages of that pageblock.
 */
export interface PageblockMapDto extends PageblockMap {
  /** the snapshot the map belongs to */
  id: string
}

/** Page-level view of one pageblock: one byte per page (see pageKinds for names). */
export interface PageblockDetailDto {
  id: string
  pageblock: number
  startPfn: number
  migratetype: string
  zone: string | null
  /** page bytes as the engine encodes them (engine/mm/page.ts) */
  pages: Uint8Array
  /** per page: a class index into PAGE_CLASSES and, for free heads and compound heads, the order (else -1) */
  classes: Uint8Array
  orders: Int8Array
}

/** Classes of the page-level view, in the order of PageblockDetailDto.classes. */
export const PAGE_CLASSES = ['hole', 'free', 'pcp', 'movable', 'file', 'unevictable', 'pinned', 'reclaimable', 'unmovable', 'pagetable', 'reserved', 'thp', 'hugetlb', 'other'] as const

/** The answer of a what-if compaction run (WhatifCompactJson of the CLI, plus maps). */
export interface WhatifCompactView {
  runId: string
  snapshotId: string
  kind: 'full' | 'direct' | 'proactive'
  order: number
  mode: string
  result: string
  layout: 'exact' | 'synthesized'
  seed: number
  counters: Record<string, number>
  before: ZoneSummary[]
  after: ZoneSummary[]
  zonesCompacted: ZoneCompactResult[]
  pagesMigrated: number
  bytesCopied: number
  allocationWouldSucceed: boolean | null
  assumptions: string[]
  band: {
    seeds: number[]
    zones: Record<string, { median: number[]; p5: number[]; p95: number[]; highOrderPages: { median: number; p5: number; p95: number } }>
    counters: Record<string, { median: number; p5: number; p95: number }>
  } | null
  real: { capture: string; trigger: { file: string; node: number | null }; counters: Record<string, number>; predictedVsReal: PredictedVsReal[] } | null
  /** [migratePfn, freePfn] pairs over time, for the scanner replay */
  timeline: number[]
  /** tracepoint-named events (the first ones; eventsDropped says how many more) */
  events: CompactionEvent[]
  eventsDropped: number
  /** pageblock map after the run (same indexing as getPageblockMap) and the pageblocks that changed */
  afterMap: PageblockMapDto
  changedPageblocks: number[]
}

/**
 * The answer of a contiguous-allocation what-if (the CLI's `whatif cma|hugetlb|contig|thp --json`):
 * the engine's result for that kind at the top level (verdict, windows with blockers, counters,
 * before/after zones, changed pageblocks, hugetlb yield curve, THP cases …) and the run's context.
 */
export type ContigWhatifResult = (CmaWhatIfResult | HugetlbWhatIfResult | ContigWhatIfResult | ThpWhatIfResult) & {
  kind: 'cma' | 'hugetlb' | 'contig' | 'thp'
  capture: string | null
  layout: 'exact' | 'synthesized'
  seeds: number[]
  perSeed: number[]
  baseline: { verdict: string; figure: number } | null
  real: { capture: string; step: string; sizeKb: number; requested: number; obtained: number; predicted: number; error: number | null } | null
}

export interface ContigWhatifView {
  runId: string
  snapshotId: string
  kind: 'cma' | 'hugetlb' | 'contig' | 'thp'
  result: ContigWhatifResult
  /** the pageblock map the windows and blockers are drawn on (the snapshot's own map) */
  pageSize: number
}

export interface RunProgress {
  runId: string
  phase: string
  done: number
  total: number
}

export interface RecentEntry {
  path: string
  label: string | null
  openedAt: string
}

export interface AppInfo {
  version: string
  transport: 'electron' | 'browser'
  contractVersion: number
  bundledSnapshot: string | null
}

export interface HostError {
  code: 'bad-argument' | 'not-found' | 'bad-input' | 'cancelled' | 'unsupported' | 'internal'
  message: string
}

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
  startWhatifContig: z.object({
    id: z.string().min(1).max(64),
    kind: z.enum(['cma', 'hugetlb', 'contig', 'thp']),
    /** cma: pages or bytes; contig: bytes */
    pages: z.number().int().min(1).optional(),
    sizeBytes: z.number().int().min(1).optional(),
    /** cma: alignment order */
    align: z.number().int().min(0).max(30).optional(),
    area: z.string().min(1).max(64).optional(),
    basePfn: z.number().int().min(0).optional(),
    areaCount: z.number().int().min(1).optional(),
    /** hugetlb: pages to add and the page size in bytes */
    count: z.number().int().min(1).max(1_000_000).optional(),
    hugeSizeBytes: z.number().int().min(4096).optional(),
    compaction: z.boolean().optional(),
    /** contig */
    gfp: z.enum(['kernel', 'movable']).optional(),
    node: z.number().int().min(0).max(1023).optional(),
    /** thp */
    defrag: z.enum(['always', 'defer', 'defer+madvise', 'madvise', 'never']).optional(),
    madvised: z.boolean().optional(),
    faults: z.number().int().min(1).max(100000).optional(),
    movablecore: z.union([z.object({ bytes: z.number().int().min(1) }).strict(), z.object({ percent: z.number().min(0).max(100) }).strict()]).optional(),
    migrateBeforePin: z.boolean().optional(),
    pinned: z.union([z.literal('auto'), z.literal('none'), z.object({ pages: z.number().int().min(0) }).strict(), z.object({ fraction: z.number().min(0).max(1) }).strict()]).optional(),
    seeds: z.number().int().min(1).max(64).optional(),
  }).strict(),
  startWhatifCompact: z.object({
    id: z.string().min(1).max(64),
    node: z.number().int().min(0).max(1023).optional(),
    zone: z.string().min(1).max(16).optional(),
    /** absent = full compaction (order −1) */
    order: z.number().int().min(0).max(20).optional(),
    mode: z.enum(['async', 'sync-light', 'sync']).optional(),
    strategy: z.object({
      fastIsolateFreepages: z.boolean().optional(),
      fastFindMigrateblock: z.boolean().optional(),
      honourSkipBits: z.boolean().optional(),
      scanUnmovableForSmallOrders: z.boolean().optional(),
    }).strict().optional(),
    /** 'auto' (the capture's workload log, else none), 'none', a page count, or a share of anonymous pages (0..1) */
    pinned: z.union([z.literal('auto'), z.literal('none'), z.object({ pages: z.number().int().min(0) }).strict(), z.object({ fraction: z.number().min(0).max(1) }).strict()]).optional(),
    seeds: z.number().int().min(1).max(64).optional(),
  }).strict(),
} as const

export type MethodName = keyof typeof METHODS
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
}
export const EVENTS = ['run:progress', 'run:done', 'run:failed', 'whatif:done', 'whatif:contig-done', 'snapshot:opening', 'menu:command'] as const
export type EventName = (typeof EVENTS)[number]

export type MenuCommand = 'close-snapshot' | 'theme-light' | 'theme-dark' | 'about' | 'how-to-capture' | 'open-dialog'

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

export function isHostError(e: unknown): e is HostError {
  return typeof e === 'object' && e !== null && typeof (e as HostError).code === 'string' && typeof (e as HostError).message === 'string'
}
