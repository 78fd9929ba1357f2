/**
 * The data that crosses the boundary between a host and the renderer: plain JSON-able types
 * (typed arrays allowed), written out here and imported from nowhere. The host maps the
 * engine's results to these (host/dto.ts checks at compile time that each engine type still
 * has exactly this shape, so a refactor inside the engine cannot change the wire unnoticed).
 */

export type CompactResultDto =
  | 'not_suitable_zone' | 'skipped' | 'deferred' | 'no_suitable_page' | 'continue' | 'complete' | 'partial_skipped' | 'contended' | 'success'

export type BlockerKindDto =
  | 'pinned' | 'unmovable' | 'reserved' | 'slab' | 'pagetable' | 'compound' | 'no-target' | 'writeback' | 'hole' | 'isolated' | 'uninit' | 'own'

export type DefragModeDto = 'always' | 'defer' | 'defer+madvise' | 'madvise' | 'never'

/** One zone of a model: sizes, free areas, pageblocks, indices (as `inspect --json` prints it). */
export interface ZoneSummaryDto {
  node: number
  zone: string
  startPfn: number
  spanned: number
  present: number
  managed: number
  /** NR_FREE_PAGES (buddy pages not on the Isolate lists) */
  freePages: number
  /** free pages held on per-cpu lists (not in freeBlocks) */
  pcpPages: number
  watermarks: { min: number; low: number; high: number; boost: number }
  /** free blocks per order, all migratetypes */
  freeBlocks: number[]
  freeBlocksByMigratetype: Record<string, number[]>
  freePagesByMigratetype: Record<string, number>
  pageblocks: Record<string, number>
  /** pageblocks holding a page whose mobility differs from the block's type */
  mixedPageblocks: Record<string, number>
  /** ×1000 per order */
  unusableIndex: number[]
  /** ×1000 per order */
  extfragIndex: number[]
  /** extfrag_for_order at the THP order, 0..100 */
  fragmentationScore: number
  largestFreeOrder: number
  /**
   * In a snapshot view: freeBlocks, freeBlocksByMigratetype and pageblocks above are the
   * captured files' numbers; the model's own are here where they differ, with the reason.
   */
  model?: {
    freeBlocks: number[]
    freeBlocksByMigratetype: Record<string, number[]>
    pageblocks: Record<string, number>
    reason: string
    captured: { freeBlocks: 'buddyinfo' | 'model'; freeBlocksByMigratetype: 'pagetypeinfo' | 'model'; pageblocks: 'pagetypeinfo' | 'model' }
  }
}

export interface MachineDto {
  hostname: string | null
  kernelRelease: string | null
  arch: string | null
  pageSize: number
  pageSizeSource: 'manifest' | 'meminfo/zoneinfo' | 'hugepagesize' | 'assumed'
  pageblockOrder: number
  pageblockOrderSource: 'pagetypeinfo' | 'assumed'
  /** NR_PAGE_ORDERS */
  nrOrders: number
  migratetypes: string[]
  nodes: number[]
  /** HPAGE_PMD_ORDER (THP size) */
  hpageOrder: number
  captureTime: string | null
}

/** Compaction tracepoints, named and shaped as the kernel's (include/trace/events/compaction.h). */
export type CompactionEventDto =
  | { name: 'mm_compaction_begin'; zone: string; zoneStart: number; migratePfn: number; freePfn: number; zoneEnd: number; sync: boolean }
  | { name: 'mm_compaction_isolate_migratepages'; startPfn: number; endPfn: number; nrScanned: number; nrTaken: number }
  | { name: 'mm_compaction_isolate_freepages'; startPfn: number; endPfn: number; nrScanned: number; nrTaken: number }
  | { name: 'mm_compaction_migratepages'; nrMigrated: number; nrFailed: number; migratePfn: number; freePfn: number }
  | { name: 'mm_compaction_end'; zone: string; zoneStart: number; migratePfn: number; freePfn: number; zoneEnd: number; sync: boolean; status: CompactResultDto }
  | { name: 'mm_compaction_deferred'; zone: string; order: number; considered: number; deferShift: number }
  | { name: 'mm_compaction_suitable'; zone: string; order: number; ret: CompactResultDto }

export interface ZoneCompactResultDto {
  zone: string
  result: CompactResultDto
  migrateScanned: number
  freeScanned: number
  isolated: number
  migrated: number
  failed: number
}

export interface PredictedVsRealDto {
  zone: string
  /** free blocks per order after the trigger: predicted, real, predicted − real */
  predicted: number[]
  real: number[]
  error: number[]
  /** free pages in blocks of order ≥ pageblock order */
  highOrderPagesPredicted: number
  highOrderPagesReal: number
  /** (predicted − real) / real, or null when real is 0 */
  highOrderError: number | null
}

/** Every pageblock in PFN order: migratetype index (255 = in no zone or outside buddy) and page counts. */
export interface PageblockMapArrays {
  mt: Uint8Array
  free: Uint16Array
  movable: Uint16Array
  unmovable: Uint16Array
  reclaimable: Uint16Array
  pinned: Uint16Array
  mixed: Uint8Array
}

export interface WindowDto {
  startPfn: number
  endPfn: number
  result: string
  /** the kernel's words for the result */
  why: string
  /** owner: who allocated the page, where the capture has page_owner */
  blockers: Array<{ pfn: number; kind: BlockerKindDto; owner?: { comm: string | null; pid: number | null; site: string; migratetype: string; order: number; gfp: string } }>
  blockersTotal: number
  blockerCounts: Partial<Record<BlockerKindDto, number>>
  migrated: number
}

export type BlockerSummaryDto = Partial<Record<BlockerKindDto, { windows: number; maxPerWindow: number }>>

export interface WhatIfOutcomeDto {
  /** sentences saying what the verdict rests on */
  assumptions: string[]
  before: ZoneSummaryDto[]
  after: ZoneSummaryDto[]
  /** pageblock indices whose migratetype or free pages changed */
  changedPageblocks: number[]
  /** first PFN of ZONE_MOVABLE per node when a carve-out was asked for */
  movableStart: Record<number, number> | null
  pageSize: number
}

export interface CmaWhatIfDto extends WhatIfOutcomeDto {
  verdict: string
  success: boolean
  pfn: number | null
  count: number
  align: number
  area: { name: string; basePfn: number; count: number; orderPerBit: number; source: string }
  windows: WindowDto[]
  windowsTried: number
  reason: string
  migrated: number
  counters: Record<string, number>
  blockerSummary: BlockerSummaryDto
}

export interface ContigWhatIfDto extends WhatIfOutcomeDto {
  verdict: string
  success: boolean
  pfn: number | null
  nrPages: number
  windows: WindowDto[]
  windowsTried: number
  windowsSkipped: number
  migrated: number
  counters: Record<string, number>
  blockerSummary: BlockerSummaryDto
}

export interface HugetlbWhatIfDto extends WhatIfOutcomeDto {
  verdict: string
  requested: number
  obtained: number
  order: number
  pageSizeBytes: number
  gigantic: boolean
  compaction: boolean
  obtainedWithCompaction: number | null
  obtainedWithoutCompaction: number | null
  yield: Array<{ requested: number; obtainedWithCompaction: number | null; obtainedWithoutCompaction: number | null }>
  via: Record<string, number>
  pfns: number[]
  counters: Record<string, number>
  windows: WindowDto[]
  blockerSummary: BlockerSummaryDto
}

export interface ThpFaultDto {
  success: boolean
  via: 'fast' | 'min-watermark' | 'compaction' | 'reclaim' | 'retry' | 'failed'
  compactions: Array<{ priority: string; result: string; success: boolean }>
  reclaimRounds: number
  wokeKswapd: boolean
}

export interface ThpWhatIfDto extends WhatIfOutcomeDto {
  verdict: string
  /** transparent_hugepage/enabled the fault ran under, and whether it tried a huge page at all */
  enabled: 'always' | 'madvise' | 'never'
  eligible: boolean
  defrag: DefragModeDto
  madvised: boolean
  gfp: string
  faults: number
  succeeded: number
  fallbacks: number
  results: ThpFaultDto[]
  counters: Record<string, number>
  table: Array<{ defrag: DefragModeDto; madvised: boolean; gfp: string; success: boolean; via: string; compactStall: number; pagesMigrated: number; migrateScanned: number; freeScanned: number }>
}

// ------------------------------------------------------------------ views of the app

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

/** What the renderer shows about one opened snapshot. */
export interface SnapshotView {
  id: string
  path: string
  label: string | null
  /** labels of the captures of the series this one belongs to */
  series: string[] | null
  machine: MachineDto
  layout: { method: 'exact' | 'synthesized'; seed: number | null; source: string | null }
  zones: ZoneSummaryDto[]
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
  /** the capture has debugfs page_owner (the Polluters view, getPolluters, getPageOwners) */
  pageOwner?: boolean
  /** the rules the model follows for the capture's kernel release, in words (engine releaseRules) */
  kernelRules: string[]
}

/**
 * Every pageblock of the machine in PFN order (index i covers PFNs basePfn + i·pagesPerBlock …).
 * mt[i] = migratetype index, 255 = not in any zone. Counts are pages of that pageblock.
 */
export interface PageblockMapDto extends PageblockMapArrays {
  /** the snapshot the map belongs to */
  id: string
}

/** Page-level view of one pageblock: one byte per page (see PAGE_CLASSES for names). */
export interface PageblockDetailDto {
  id: string
  pageblock: number
  startPfn: number
  migratetype: string
  zone: string | null
  /** page bytes as the engine encodes them */
  pages: Uint8Array
  /** per page: a class index into PAGE_CLASSES and, for free heads and compound heads, the order (else -1) */
  classes: Uint8Array
  orders: Int8Array
  /** each page as the capture's kpageflags/kpagecount have it (exact layouts), or null */
  captured: {
    /** names of the set KPF_* bits, space-separated, per page */
    flags: string[]
    /** kpagecount per page, or null when the capture has no kpagecount */
    counts: number[] | null
    /** the file read */
    source: string
  } | null
}

/**
 * The page classes of several pageblocks at once (the map's semantic zoom): the classes of
 * pageblocks[k] are classes[k·pagesPerBlock … (k+1)·pagesPerBlock − 1], as in PageblockDetailDto.
 */
export interface PageClassesDto {
  id: string
  pageblocks: number[]
  pagesPerBlock: number
  classes: Uint8Array
}

/** An ensemble's spread of one value: median, 5th and 95th percentile, and the 90 % prediction interval lo–hi of one more run */
export interface StatDto {
  median: number
  p5: number
  p95: number
  lo: number
  hi: number
}

export interface BandDto {
  seeds: number[]
  /** per zone label: free blocks per order after, median / 5th / 95th percentile */
  zones: Record<string, { median: number[]; p5: number[]; p95: number[]; highOrderPages: StatDto }>
  counters: Record<string, StatDto>
  /** free pages in blocks ≥ pageblock order over every zone, each seed's total */
  highOrderPages?: StatDto
}

export interface RealOutcomeDto {
  capture: string
  trigger: { file: string; node: number | null }
  counters: Record<string, number>
  predictedVsReal: PredictedVsRealDto[]
}

/** The answer of a what-if compaction run, with the maps the app draws. */
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
  before: ZoneSummaryDto[]
  after: ZoneSummaryDto[]
  zonesCompacted: ZoneCompactResultDto[]
  pagesMigrated: number
  bytesCopied: number
  allocationWouldSucceed: boolean | null
  assumptions: string[]
  band: BandDto | null
  real: RealOutcomeDto | null
  /** [migratePfn, freePfn] pairs over time, for the scanner replay */
  timeline: number[]
  /** tracepoint-named events (the first ones; eventsDropped says how many more) */
  events: CompactionEventDto[]
  eventsDropped: number
  /** pageblock map after the run (same indexing as getPageblockMap) and the pageblocks that changed */
  afterMap: PageblockMapDto
  changedPageblocks: number[]
  /** per pageblock: how the run changed it, a mask of PAGEBLOCK_CHANGES bits (the diff model's; 0 = unchanged) */
  pageblockChanges: Uint16Array
  /** the same compaction on the CPU holding the next most per-cpu pages, when the CPU it runs on is a guess */
  cpuAlternative: CpuAlternativeDto | null
}

/**
 * A full compaction's outcome on another CPU than the main run's (the CLI's `cpuAlternative`):
 * which CPU the writer ran on decides whose per-cpu lists the compaction churns.
 */
export interface CpuAlternativeDto {
  ranOn: number
  cpu: number
  result: string
  pagesMigrated: number
  after: { zones: ZoneSummaryDto[] }
  highOrderPages: { main: number; alternative: number }
  summary: string
}

/**
 * The answer of a contiguous-allocation what-if (the CLI's `whatif cma|hugetlb|contig|thp --json`):
 * the result for that kind at the top level and the run's context.
 */
export type ContigWhatifResult = (CmaWhatIfDto | HugetlbWhatIfDto | ContigWhatIfDto | ThpWhatIfDto) & {
  kind: 'cma' | 'hugetlb' | 'contig' | 'thp'
  capture: string | null
  layout: 'exact' | 'synthesized'
  seeds: number[]
  perSeed: number[]
  baseline: { verdict: string; figure: number } | null
  /** the real hugetlb step after the capture: pool size before it, pages obtained, the counters' deltas */
  real: { capture: string; step: string; sizeKb: number; requested: number; before: number; obtained: number; counters: Record<string, number>; predicted: number; error: number | null } | null
}

export interface ContigWhatifView {
  runId: string
  snapshotId: string
  kind: 'cma' | 'hugetlb' | 'contig' | 'thp'
  result: ContigWhatifResult
  pageSize: number
}

/** A report made by exportReport: its bytes to download (browser mode), or where the host saved it (the desktop app's save dialog). */
export interface ExportReportResult {
  /** the suggested file name (host, kernel, capture; the format's extension) */
  fileName: string
  mime: string
  bytes: number
  /** the report itself when the renderer saves it (browser mode), else null */
  data: Uint8Array | null
  /** the path the host wrote it to (atomically), or null */
  savedTo: string | null
  /** the user closed the save dialog */
  cancelled: boolean
}

/** A zone's free areas as the capture's buddyinfo and pagetypeinfo have them (the free-area chart's numbers). */
export type FreeAreaZoneDto = Pick<ZoneSummaryDto, 'node' | 'zone' | 'startPfn' | 'spanned' | 'present' | 'managed' | 'freeBlocks' | 'freeBlocksByMigratetype' | 'model'>

/**
 * What a snapshot being opened shows from its capture's text files alone (run:summary), before
 * its model (pageblock map, mixed counts, indices, what-ifs) is built: the machine and each
 * zone's captured free areas. The same numbers come back in run:done's SnapshotView.zones.
 */
export interface OpenSummaryDto {
  path: string
  label: string | null
  machine: MachineDto
  /** migratetype names (the same as the SnapshotView's) */
  migratetypes: string[]
  pageSize: number
  zones: FreeAreaZoneDto[]
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

export function isHostError(e: unknown): e is HostError {
  return typeof e === 'object' && e !== null && typeof (e as HostError).code === 'string' && typeof (e as HostError).message === 'string'
}

/** Any thrown value as a HostError with exactly { code, message }, in plain words. */
export function asHostError(e: unknown): HostError {
  if (isHostError(e)) return { code: e.code, message: e.message }
  if (e instanceof Error) return { code: 'internal', message: e.message }
  return { code: 'internal', message: String(e) }
}

// ------------------------------------------------------------------ diff of two captures

/** How a pageblock changed (names.ts PAGEBLOCK_CHANGES holds them in bit order). */
export type PageblockChangeName =
  | 'entered' | 'left' | 'became-free' | 'filled' | 'retyped' | 'became-mixed' | 'became-unmixed' | 'freed-pages' | 'allocated-pages' | 'pages-changed'

/** How a page changed (names.ts PAGE_CHANGES). */
export type PageChangeName = 'freed' | 'allocated' | 'changed-kind'

/** One capture of a diff, as the diff names it. */
export interface DiffSideDto {
  path: string
  label: string | null
  hostname: string | null
  kernelRelease: string | null
  captureTime: string | null
  layout: 'exact' | 'synthesized'
}

/** One zone of a diff: free areas before, after and after − before; pageblocks per change. */
export interface ZoneDiffDto {
  node: number
  zone: string
  startPfn: number
  endPfn: number
  firstPb: number
  lastPb: number
  /** free blocks per order (buddyinfo's when both captures have it, else the model's) */
  freeBlocksBefore: number[]
  freeBlocksAfter: number[]
  freeBlocksDelta: number[]
  freePagesDelta: number
  /** pages in free blocks of order ≥ pageblock order, before and after */
  highOrderPagesBefore: number
  highOrderPagesAfter: number
  /** after − before per migratetype free list and order */
  freeBlocksByMigratetypeDelta: Record<string, number[]>
  pageblocksBefore: Record<string, number>
  pageblocksAfter: Record<string, number>
  pageblocksDelta: Record<string, number>
  sources: { freeBlocks: 'buddyinfo' | 'model'; freeBlocksByMigratetype: 'pagetypeinfo' | 'model'; pageblocks: 'pagetypeinfo' | 'model' }
  /** the model's deltas where they differ from the captured ones, with the reason */
  model: {
    freeBlocksDelta: number[]
    freeBlocksByMigratetypeDelta: Record<string, number[]>
    pageblocksDelta: Record<string, number>
    reason: string
  } | null
  /** mixed pageblocks per migratetype (the model's, from page kinds), after − before */
  mixedPageblocksDelta: Record<string, number>
  /** pageblocks of the zone per change (null when pageblocks were not compared) */
  changeCounts: Record<PageblockChangeName, number> | null
  changedPageblocks: number
}

/** The diff of two open snapshots (getDiff): `a` before, `b` after. */
export interface CaptureDiffDto {
  a: string
  b: string
  before: DiffSideDto
  after: DiffSideDto
  pageSize: number
  pageblockOrder: number
  nrOrders: number
  /** what differs without stopping the comparison (another kernel, present pages) */
  notes: string[]
  zones: ZoneDiffDto[]
  /** both layouts exact (kpageflags on both sides): pageblocks and pages compared */
  pageblocksCompared: boolean
  pageblocksNote: string | null
  /** per pageblock (getPageblockMap's indexing): mask of PAGEBLOCK_CHANGES bits; empty when not compared */
  kinds: Uint16Array
  changedCount: number
  basePfn: number
  pagesPerBlock: number
  /** migratetype names of the maps' indices (the before side's) */
  migratetypes: string[]
}

/** One pageblock of two exact layouts compared page by page (getDiffPageblock). */
export interface PagesDiffDto {
  pageblock: number
  startPfn: number
  counts: Record<PageChangeName, number>
  /** per page: 0 unchanged, else 1 + index into PAGE_CHANGES */
  change: Uint8Array
  /** per page: class index into PAGE_CLASSES, before and after */
  classesBefore: Uint8Array
  classesAfter: Uint8Array
  migratetypeBefore: string
  migratetypeAfter: string
  /** the changed pages, with the captured kpageflags names and kpagecount of each side */
  pages: Array<{ pfn: number; change: PageChangeName; before: number; after: number; flagsBefore: string | null; flagsAfter: string | null; countBefore: number | null; countAfter: number | null }>
}

// ------------------------------------------------------------------ timeline of a series (getTimeline)

/** Which capture a timeline point is: the path given and the capture's label in it (null: the path is one capture). */
export interface CaptureRefDto {
  path: string
  capture: string | null
}

export type TimelineMarkerKind = 'compaction' | 'hugetlb' | 'sysctl' | 'pause' | 'note' | 'other'

export interface TimelineZoneDto {
  node: number
  zone: string
  freeBlocks: number[]
  /** free pages per order (blocks × 2^order) */
  freePagesByOrder: number[]
  freePages: number
  /** free pages in blocks of at least a pageblock */
  highOrderFreePages: number
  largestFreeOrder: number
  /** ×1000 per order */
  unusableIndex: number[]
  /** ×1000 per order */
  extfragIndex: number[]
  /** extfrag_for_order at the THP order, 0..100 */
  fragmentationScore: number
  pageblocks: Record<string, number> | null
  mixedPageblocks: Record<string, number> | null
  mixedSource: 'pagetypeinfo' | 'kpageflags' | null
  freeSource: 'buddyinfo' | 'pagetypeinfo'
}

export interface TimelinePointDto {
  index: number
  label: string
  /** seconds from the first capture, or null on the capture-order axis */
  time: number | null
  /** position on the axis (time, or index) */
  x: number
  captureTime: string | null
  uptime: number | null
  hostname: string | null
  kernelRelease: string | null
  steps: Array<{ name: string; kind: TimelineMarkerKind; text: string }>
  zones: TimelineZoneDto[]
  nodes: Array<{ node: number; fragmentationScore: number }>
  counters: Record<string, number>
  deltas: Record<string, number> | null
  rates: Record<string, number> | null
  /** what opens this capture */
  open: CaptureRefDto
}

export interface TimelineMarkerDto {
  name: string
  kind: TimelineMarkerKind
  text: string
  detail: string
  after: string | null
  before: string | null
  x: number
  start: number | null
  end: number | null
  rc: number | null
  deltas: Record<string, number>
  source: 'steps.log' | 'manifest' | 'folder name'
}

/** The timeline of a series (host/timeline.ts; `buddyscope timeline --json` prints the same). */
export interface TimelineDto {
  paths: string[]
  axis: 'capture time' | 'steps.log' | 'uptime' | 'capture order'
  axisNote: string
  pageSize: number
  nrOrders: number
  pageblockOrder: number
  hpageOrder: number
  migratetypes: string[]
  zones: Array<{ node: number; zone: string }>
  counters: string[]
  changedCounters: string[]
  points: TimelinePointDto[]
  markers: TimelineMarkerDto[]
  notes: string[]
  /** getTimeline with a trace: its fallbacks per interval between the captures (host/trace.ts traceOnTimeline) */
  trace?: TimelineTraceDto
}

/** A pageblock a trace's fallback took pages from (host/trace.ts StolenBlock). */
export interface TimelineStolenBlockDto {
  /** first PFN of the pageblock */
  pfn: number
  ts: number
  task: string
  from: string
  to: string
  order: number
  claimed: boolean
}

/** The fallbacks (mm_page_alloc_extfrag) between two captures; after null: before the first, before null: after the last. */
export interface TimelineTraceIntervalDto {
  after: string | null
  before: string | null
  fallbacks: number
  /** fallback order below the pageblock order (steal: the block ends up holding two mobilities) */
  fragmenting: number
  /** the whole pageblock claimed for the allocation's migratetype */
  claimed: number
  /** "Unmovable<-Movable" → count */
  byPair: Record<string, number>
  stolen: TimelineStolenBlockDto[]
}

/** A trace's fallbacks on a timeline (`buddyscope timeline --trace FILE --json` prints the same as "trace"). */
export interface TimelineTraceDto {
  path: string
  format: 'ftrace' | 'trace-cmd' | 'perf'
  fallbacks: number
  /** in time order: before the first capture, between each pair, after the last */
  intervals: TimelineTraceIntervalDto[]
  notes: string[]
}

/** One culprit of the Polluters view: a stack (or a comm) and the pageblocks its allocations made mixed. */
export interface PolluterDto {
  /** innermost frame first */
  stack: string[]
  /** first frame outside the page allocator */
  site: string
  comm: string
  /** pageblocks made mixed (holding ≥1 of its allocations whose migratetype differs from the block's) */
  pageblocks: number
  pages: number
  allocations: number
  /** most frequent first */
  orders: number[]
  gfp: string[]
  migratetypes: string[]
  /** block migratetype → pageblocks of that type it polluted */
  blockTypes: Record<string, number>
  /** map indices (PageblockMapDto) of the pageblocks it made mixed, ascending */
  blocks: number[]
}

/** getPolluters: page_owner joined to the layout (engine/metrics/polluters.ts). */
export interface PollutersDto {
  id: string
  by: 'stack' | 'comm'
  /** the page_owner file read */
  file: string
  records: number
  /** records outside every zone */
  unplaced: number
  totalPages: number
  totalPageblocks: number
  unmovablePages: number
  reclaimablePages: number
  unmovablePageblocks: number
  /** unmovable pages / total pages × 100; pageblocks holding an unmovable page / all × 100 */
  unmovablePercent: number
  unmovablePageblockPercent: number
  mixedPageblocks: number
  mixedByBlockType: Record<string, number>
  /** pagetypeinfo's "Number of mixed blocks", summed, or null */
  kernelMixedPageblocks: number | null
  blockTypeDisagreements: number
  fallbacks: Array<{ from: string; to: string; allocations: number; pages: number; pageblocks: number }>
  polluters: PolluterDto[]
}

/** getPageOwners: who allocated the pages of one pageblock. */
export interface PageOwnersDto {
  id: string
  pageblock: number
  startPfn: number
  file: string
  owners: Array<{
    pfn: number
    order: number
    pages: number
    comm: string | null
    pid: number | null
    gfp: string
    migratetype: string
    blockMigratetype: string
    /** its migratetype differs from the block's */
    polluting: boolean
    site: string
    stack: string[]
    tsNs: number | null
    migrateReason: string | null
  }>
}

// ------------------------------------------------------------------ a fleet of captures (getFleet)

/** One capture of a fleet (host/fleet.ts FleetRow; `buddyscope fleet` prints the same as NDJSON). */
export interface FleetRowDto {
  path: string
  /** the capture of a series the row is about (its default one), or null */
  label: string | null
  host: string | null
  kernel: string | null
  arch: string | null
  captureTime: string | null
  uptimeSeconds: number | null
  /** exact: from kpageflags; summary: from the summary files only */
  layout: 'exact' | 'summary' | null
  memoryBytes: number | null
  freeBytes: number | null
  /** free memory in blocks of 2 MiB or more */
  freeGe2MiBBytes: number | null
  /** naturally aligned ranges with only free or movable pages (exact layouts only) */
  clean2MiB: number | null
  ranges2MiB: number | null
  clean1GiB: number | null
  ranges1GiB: number | null
  /** the worst node's proactive-compaction fragmentation score (0..100) */
  fragmentationScore: number | null
  /** pageblocks holding a page of another mobility than the block's type / all pageblocks (exact only) */
  mixedBlockShare: number | null
  /** unmovable pages / present pages (exact only) */
  unmovableMemoryShare: number | null
  /** pageblocks with an unmovable page (exact), else pageblocks typed Unmovable / all */
  unmovableBlockShare: number | null
  /** the page_owner stack with the most unmovable pages in movable blocks; null: page_owner not captured */
  topPolluter: string | null
  findings: number | null
  warnings: number | null
  /** the capture could not be read: why (the other columns are null) */
  error: string | null
}

/** A fleet: the captures the input named, one row each, in input order. */
export interface FleetDto {
  input: string
  rows: FleetRowDto[]
  errors: number
}

// ------------------------------------------------------------------ a trace's fallbacks on the map (getTraceSteals)

/** One fallback that took pages from a pageblock (mm_page_alloc_extfrag; engine BlockSteal's events). */
export interface BlockStealEventDto {
  /** trace timestamp (seconds since boot) */
  ts: number
  task: string
  /** the free list's migratetype the pages came from, and the allocation's */
  from: string
  to: string
  /** the order of the free block taken */
  order: number
  /** the whole pageblock was claimed for the allocation's migratetype */
  claimed: boolean
}

export interface TraceStealsDto {
  id: string
  path: string
  format: 'ftrace' | 'trace-cmd' | 'perf'
  /** all mm_page_alloc_extfrag events of the trace */
  fallbacks: number
  /** the snapshot's pageblocks the trace's fallbacks took pages from, by map index, with every fallback oldest first */
  blocks: Array<{ pageblock: number; pfn: number; events: BlockStealEventDto[] }>
  /** stolen pageblocks outside the snapshot's PFN range (a trace of another machine?) */
  outside: number
  /** fallbacks without a PFN (they cannot be placed on the map) */
  unplaced: number
}
