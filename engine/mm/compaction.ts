/**
 * Memory compaction: the two scanners of mm/compaction.c, kernel 6.1 (`compact_zone`,
 * `isolate_migratepages`, `isolate_migratepages_block`, `isolate_freepages`,
 * `isolate_freepages_block`, `fast_isolate_freepages`, `fast_find_migrateblock`,
 * `__compact_finished`, `compaction_suitable`, deferral, `compact_node`,
 * `proactive_compact_node`) with migration as mm/migrate.c's `migrate_pages` does it for
 * order-0 pages.
 *
 * The migrate scanner walks up from the zone start (or its cached position) isolating up to
 * COMPACT_CLUSTER_MAX movable pages at a time; the free scanner walks down from the zone end
 * isolating free pages in Movable/CMA pageblocks as targets; each batch is migrated; it ends
 * when the scanners meet in one pageblock or the finish test succeeds.
 *
 * What the model cannot see and therefore assumes (each a parameter or a page kind):
 * long-term pins (PageKind.PINNED, set by the caller's assumption), dirty pages (async
 * refusals are modelled for writeback only), lock contention (never), and migration retries
 * (a page that fails fails every pass). Freed source pages go through the per-cpu list as
 * free_unref_page does.
 *
 * By release (AllocPolicy.kernel): from 6.4 the free blocks and compound pages either scanner
 * steps over count as scanned page by page (compact_migrate_scanned, compact_free_scanned;
 * Baolin Wang's "consider the number of scanning compound pages in isolate fail path").
 * From 6.9 (Zi Yan's "enable compacting >0 order folios"): isolate_migratepages_block() takes a
 * large folio whole unless skip_isolation_on_order() says no (its order at or above the
 * request's, or at or above pageblock order; hugetlb only for alloc_contig); the free scanner
 * keeps each isolated block whole on cc->freepages[order] (PerOrderFreePages) and
 * compaction_alloc() gives a folio the first block of the lowest order that fits, split in
 * halves; release_free_list() returns the unused blocks. A large folio that finds no block of its
 * order is split (try_split_folio in migrate_pages_batch) and its pages migrated after the batch;
 * one whose split fails (MemoryModel.unsplittable) makes migrate_pages() return -ENOMEM and the
 * zone's compaction end COMPACT_CONTENDED (migrateFolios).
 * Every release: both scanners step over a compound page from its head (PageCompound), the
 * kernel's non-LRU ones too (slab of order > 0, kmalloc_large: MemoryModel.kernelCompoundTails,
 * from an exact layout's KPF_TAIL), and suitable_migration_source() passes a pageblock that one of
 * pageblock order fills (pageblock_skip_persistent); before 6.4 their tail pages are not counted
 * (test/fidelity/compaction_kernel_compound_k61.test.ts: the traced 6.1 triggers' pageblocks of slab).
 * Every release: pageblock_pfn_to_page() passes over a pageblock with a hole at either end
 * uncounted, and a zone whose top is not initialised yet (deferred_init=lazy) ends for both
 * scanners where its initialised part ends (zoneEnd).
 * Migrated large folios and released targets of orders 1–3 go to the running CPU's per-order pcp
 * lists (free_frozen_pages; PageAllocator.freeUnrefPage), larger ones to the buddy allocator.
 * Every release, direct compaction (compact_zone's check_drain and compaction_capture): when the
 * migrate scanner leaves an order-aligned block it migrated from, lru_add_drain_cpu_zone() drains
 * the running CPU's per-cpu lists only (drain_local_pages; PageAllocator.drainLocalPages), and a
 * block of the requested order that this drain merges is captured by the compacting task, off the
 * free lists: compact_finished() does not see it, so compact_zone() isolates and migrates one more
 * batch (from the next block fast_find_migrateblock or the linear scan gives) before it notices the
 * captured page and returns COMPACT_SUCCESS (the traced 6.12 hugetlb growths,
 * fixtures/x86-512M-s17-k612-hugetlb-ctrace: every success migrates one block whole and 32 pages
 * of another). From 6.5 that other block is marked skip as soon as its first page is taken
 * (skipAtFirstIsolation), so it waits for the next reset of the skip bits.
 * Not modelled, and named in the what-if's assumptions: 6.10's freelist migratetype hygiene.
 */
import type { MemoryModel, Zone } from './mmzone.ts'
import { PAGE_ALLOC_COSTLY_ORDER } from './mmzone.ts'
import { PageAllocator, ALLOC_CMA, ALLOC_WMARK_MASK, ALLOC_WMARK_LOW } from './page_alloc.ts'
import { PageKind, isFreeHead, headOrder, freeHeadMt, freeHead, HUGETLB_HEAD, FOLIO_HEAD, fillPages } from './page.ts'
import { fragmentationIndex, extfragForOrder, fragmentationScoreNode, fragmentationScoreWmark61 } from '../metrics/fragmentation.ts'
import { bootModel } from './memblock.ts'

/** COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX */
export const COMPACT_CLUSTER_MAX = 32
/** COMPACT_MAX_DEFER_SHIFT */
export const COMPACT_MAX_DEFER_SHIFT = 6

export type MigrateMode = 'async' | 'sync-light' | 'sync'

/** enum compact_priority: sync-full (ignores skip bits and block suitability), sync-light, async */
export type CompactPriority = 'sync-full' | 'sync-light' | 'async'

/** enum compact_result, in the kernel's names */
export type CompactResult =
  | 'not_suitable_zone' | 'skipped' | 'deferred' | 'no_suitable_page' | 'continue' | 'complete' | 'partial_skipped' | 'contended' | 'success'

/** Strategy switches argued about at LSFMM; defaults are the kernel's. */
export interface CompactStrategy {
  /** fast_isolate_freepages: take targets from the free lists before the linear scan */
  fastIsolateFreepages: boolean
  /** fast_find_migrateblock: start the migrate scanner at a free page's block */
  fastFindMigrateblock: boolean
  /** honour pageblock skip bits (false = ignore them as sync-full priority does) */
  honourSkipBits: boolean
  /** let async direct compaction for small orders scan Unmovable/Reclaimable blocks as sources */
  scanUnmovableForSmallOrders: boolean
}

export const DEFAULT_STRATEGY: CompactStrategy = {
  fastIsolateFreepages: true, fastFindMigrateblock: true, honourSkipBits: true, scanUnmovableForSmallOrders: false,
}

/** Tracepoint-named events (include/trace/events/compaction.h). */
export type CompactionEvent =
  | { name: 'mm_compaction_begin'; zone: string; zoneStart: number; migratePfn: number; freePfn: number; zoneEnd: number; sync: boolean }
  | { name: 'mm_compaction_isolate_migratepages'; startPfn: number; endPfn: number; nrScanned: number; nrTaken: number }
  | { name: 'mm_compaction_isolate_freepages'; startPfn: number; endPfn: number; nrScanned: number; nrTaken: number }
  | { name: 'mm_compaction_migratepages'; nrMigrated: number; nrFailed: number; migratePfn: number; freePfn: number }
  | { name: 'mm_compaction_end'; zone: string; zoneStart: number; migratePfn: number; freePfn: number; zoneEnd: number; sync: boolean; status: CompactResult }
  | { name: 'mm_compaction_deferred'; zone: string; order: number; considered: number; deferShift: number }
  | { name: 'mm_compaction_suitable'; zone: string; order: number; ret: CompactResult }

/**
 * DEFAULT_STRATEGY with `s`'s fields, every field written by this one literal in one order (not
 * by spreading: see allocPolicy in page_alloc.ts)
 */
export function compactStrategy(s: Partial<CompactStrategy> = {}): CompactStrategy {
  const d = DEFAULT_STRATEGY
  return {
    fastIsolateFreepages: 'fastIsolateFreepages' in s ? s.fastIsolateFreepages! : d.fastIsolateFreepages,
    fastFindMigrateblock: 'fastFindMigrateblock' in s ? s.fastFindMigrateblock! : d.fastFindMigrateblock,
    honourSkipBits: 'honourSkipBits' in s ? s.honourSkipBits! : d.honourSkipBits,
    scanUnmovableForSmallOrders: 'scanUnmovableForSmallOrders' in s ? s.scanUnmovableForSmallOrders! : d.scanUnmovableForSmallOrders,
  }
}

export interface EventSink {
  emit(e: CompactionEvent): void
}

/** Keeps the first `limit` events and counts the rest. */
export class EventLog implements EventSink {
  readonly events: CompactionEvent[] = []
  dropped = 0
  constructor(readonly limit = 200000) {}
  emit(e: CompactionEvent): void {
    if (this.events.length < this.limit) this.events.push(e)
    else this.dropped++
  }
}

export interface CompactOptions {
  strategy?: Partial<CompactStrategy>
  /** vm.compact_unevictable_allowed */
  unevictableAllowed?: boolean
  /** vm.extfrag_threshold */
  extfragThreshold?: number
  events?: EventSink
  /**
   * The plain path: the scanners read the map page by page and every migrated page is freed on
   * its own, as written first. Same results as the default fast path (word-at-a-time scans,
   * batched frees); kept for the tests that compare the two.
   */
  plain?: boolean
}

/**
 * cc->freepages: isolated free blocks, taken one base page at a time in the order isolated
 * (lowest PFN of each block first, as split_map_pages leaves them).
 */
export class FreePageList {
  /** 32-bit while every pfn fits (the usual case: V8 then indexes the map with small integers) */
  private pfns: Int32Array | Float64Array = new Int32Array(16)
  private lens = new Int32Array(16)
  /** blocks added */
  private n = 0
  private head = 0
  private off = 0
  /** base pages not yet taken */
  length = 0

  addBlock(pfn: number, pages: number): void {
    // every page taken: start the arrays again (they hold what is not yet taken, not the history)
    if (this.length === 0) this.n = this.head = this.off = 0
    if (pfn > 0x7fffffff && this.pfns instanceof Int32Array) this.pfns = Float64Array.from(this.pfns)
    if (this.n === this.pfns.length) {
      const pfns = this.pfns instanceof Int32Array ? new Int32Array(this.n * 2) : new Float64Array(this.n * 2)
      pfns.set(this.pfns)
      this.pfns = pfns
      const lens = new Int32Array(this.n * 2)
      lens.set(this.lens)
      this.lens = lens
    }
    this.pfns[this.n] = pfn
    this.lens[this.n++] = pages
    this.length += pages
  }

  /** the next target page, or -1 when none is left */
  take(): number {
    while (this.head < this.n) {
      if (this.off < this.lens[this.head]!) {
        this.length--
        return this.pfns[this.head]! + this.off++
      }
      this.head++
      this.off = 0
    }
    return -1
  }

  /** takeRun()'s pages */
  run = 0

  /**
   * The next target pages at once, as successive take()s would give them, up to `max` of them
   * and within one isolated block (consecutive pfns): the first, or -1 when none is left; how
   * many in `run`
   */
  takeRun(max: number): number {
    while (this.head < this.n) {
      const left = this.lens[this.head]! - this.off
      if (left > 0) {
        const k = left < max ? left : max
        const pfn = this.pfns[this.head]! + this.off
        this.off += k
        this.length -= k
        this.run = k
        return pfn
      }
      this.head++
      this.off = 0
    }
    this.run = 0
    return -1
  }

  /** the last `k` pages of the last takeRun() were not used: they are the next to take again */
  untake(k: number): void {
    this.off -= k
    this.length += k
  }

  /** every page not yet taken */
  remaining(): number[] {
    const out: number[] = []
    for (let i = this.head; i < this.n; i++) {
      for (let k = i === this.head ? this.off : 0; k < this.lens[i]!; k++) out.push(this.pfns[i]! + k)
    }
    return out
  }

  clear(): void {
    this.n = 0
    this.head = 0
    this.off = 0
    this.length = 0
  }
}

/**
 * cc->migratepages: the isolated pages (a large folio by its head) in the order isolated, in a
 * typed array kept from batch to batch (32-bit while every pfn fits), so that isolating and
 * emptying it allocates nothing once it has grown. `length` may be set lower to drop the newest.
 */
export class PfnList {
  private items: Int32Array | Float64Array = new Int32Array(COMPACT_CLUSTER_MAX)
  private n = 0

  get length(): number {
    return this.n
  }

  set length(n: number) {
    if (n < 0 || n > this.n) throw new RangeError(`PfnList length ${n} outside 0..${this.n}`)
    this.n = n
  }

  /** the i-th isolated page */
  at(i: number): number {
    return this.items[i]!
  }

  /** push(pfn), push(pfn + 1), …, push(pfn + k − 1) */
  pushRun(pfn: number, k: number): void {
    if (this.n + k > this.items.length || pfn + k - 1 > 0x7fffffff) {
      for (let i = 0; i < k; i++) this.push(pfn + i)
      return
    }
    const items = this.items
    const n = this.n
    for (let i = 0; i < k; i++) items[n + i] = pfn + i
    this.n = n + k
  }

  push(pfn: number): void {
    if (this.n === this.items.length) {
      const items = this.items instanceof Int32Array ? new Int32Array(2 * this.n) : new Float64Array(2 * this.n)
      items.set(this.items)
      this.items = items
    }
    if (pfn > 0x7fffffff && this.items instanceof Int32Array) this.items = Float64Array.from(this.items)
    this.items[this.n++] = pfn
  }
}

/**
 * cc->freepages[NR_PAGE_ORDERS] (6.9+, Zi Yan's "add support for >0 order folio memory
 * compaction"): the free scanner keeps every isolated free block whole on the list of its order
 * (list_add_tail); compaction_alloc() takes the first block of the lowest order ≥ the folio's,
 * splits it in halves and puts each upper half at the head of the list of its order.
 */
export class PerOrderFreePages {
  /** per order: blocks added at the head (a stack, head last) and at the tail (a queue from qHead) */
  private readonly front: number[][]
  private readonly back: number[][]
  private readonly qHead: number[]
  /** base pages not yet taken (cc->nr_freepages) */
  length = 0

  constructor(readonly nrOrders: number) {
    this.front = Array.from({ length: nrOrders }, () => [])
    this.back = Array.from({ length: nrOrders }, () => [])
    this.qHead = new Array<number>(nrOrders).fill(0)
  }

  /** a free block of 2^order pages from the free scanner: the tail of its order's list */
  addBlock(pfn: number, pages: number): void {
    const order = Math.round(Math.log2(pages))
    if (2 ** order !== pages || order >= this.nrOrders) throw new RangeError(`isolated free block of ${pages} pages at pfn ${pfn} is no buddy block`)
    this.back[order]!.push(pfn)
    this.length += pages
  }

  private isEmpty(order: number): boolean {
    return this.front[order]!.length === 0 && this.qHead[order]! >= this.back[order]!.length
  }

  private popHead(order: number): number {
    const f = this.front[order]!
    if (f.length) return f.pop()!
    return this.back[order]![this.qHead[order]!++]!
  }

  /** true when a block of at least this order is on the lists */
  hasOrder(order: number): boolean {
    for (let o = order; o < this.nrOrders; o++) if (!this.isEmpty(o)) return true
    return false
  }

  /** compaction_alloc()'s pick for a folio of 2^order pages: its first pfn, or -1 when no block is large enough */
  alloc(order: number): number {
    let start = order
    while (start < this.nrOrders && this.isEmpty(start)) start++
    if (start >= this.nrOrders) return -1
    const pfn = this.popHead(start)
    let size = 2 ** start
    while (start > order) {
      start--
      size /= 2
      this.front[start]!.push(pfn + size)
    }
    this.length -= 2 ** order
    return pfn
  }

  /** an order-0 target */
  take(): number {
    return this.alloc(0)
  }

  /** every block not yet taken, as [pfn, order], by order and list position (release_free_list) */
  blocks(): Array<[number, number]> {
    const out: Array<[number, number]> = []
    for (let o = 0; o < this.nrOrders; o++) {
      const f = this.front[o]!
      for (let i = f.length - 1; i >= 0; i--) out.push([f[i]!, o])
      const b = this.back[o]!
      for (let i = this.qHead[o]!; i < b.length; i++) out.push([b[i]!, o])
    }
    return out
  }

  /** every page not yet taken */
  remaining(): number[] {
    const out: number[] = []
    for (const [pfn, o] of this.blocks()) for (let k = 0; k < 2 ** o; k++) out.push(pfn + k)
    return out
  }

  clear(): void {
    for (let o = 0; o < this.nrOrders; o++) {
      this.front[o]!.length = 0
      this.back[o]!.length = 0
      this.qHead[o] = 0
    }
    this.length = 0
  }
}

/** struct compact_control */
export interface CompactControl {
  zone: Zone
  /** −1 = full compaction (compact_memory / node compact) */
  order: number
  mode: MigrateMode
  /** migratetype of the request (direct compaction) */
  migratetype: number
  allocFlags: number
  highestZoneIdx: number
  wholeZone: boolean
  ignoreSkipHint: boolean
  ignoreBlockSuitable: boolean
  directCompaction: boolean
  proactiveCompaction: boolean
  /** __GFP_FS in the request */
  gfpFs: boolean
  migratePfn: number
  freePfn: number
  fastStartPfn: number
  fastSearchFail: number
  rescan: boolean
  /** isolated pages waiting for migration (pfns; a large folio by its head), and free target pages */
  migratepages: PfnList
  /** cc->nr_migratepages: base pages isolated for migration (from 6.9 less those given a target) */
  nrMigratepages: number
  /** split to order-0 targets (6.1), or kept whole per order (6.9+) */
  freepages: FreePageList | PerOrderFreePages
  totalMigrateScanned: number
  totalFreeScanned: number
}

export interface ZoneCompactResult {
  zone: string
  result: CompactResult
  migrateScanned: number
  freeScanned: number
  isolated: number
  migrated: number
  failed: number
}

const LRU_KINDS = new Uint8Array(256)
for (const k of [PageKind.ANON, PageKind.FILE, PageKind.UNEVICTABLE, PageKind.PINNED, PageKind.WRITEBACK]) LRU_KINDS[k] = 1

/**
 * The compactor of one model: owns the compaction state kept in the zones and drives the
 * allocator's counters (/proc/vmstat names).
 */
export class Compactor {
  readonly alloc: PageAllocator
  readonly model: MemoryModel
  strategy: CompactStrategy
  unevictableAllowed: boolean
  extfragThreshold: number
  events: EventSink | null
  /** [migratePfn, freePfn] after each migration batch, for replays (downsampled when long) */
  readonly timeline: number[] = []
  private timelineStride = 1
  private timelineTick = 0

  constructor(alloc: PageAllocator, opts: CompactOptions = {}) {
    this.alloc = alloc
    this.model = alloc.model
    this.strategy = compactStrategy(opts.strategy)
    this.unevictableAllowed = opts.unevictableAllowed ?? true
    this.extfragThreshold = opts.extfragThreshold ?? 500
    this.events = opts.events ?? null
    this.plain = opts.plain ?? false
    keepShapes()
  }

  /** CompactOptions.plain */
  readonly plain: boolean

  private mapWords: MapWords | null = null
  /** migratePages' run of sources waiting for freeUnrefPages (fast path) */
  private freeBatch: Int32Array | Float64Array = new Int32Array(COMPACT_CLUSTER_MAX)

  /** the model's memMap read 4 bytes at a time (made once) */
  private words(): MapWords {
    if (!this.mapWords || this.mapWords.map !== this.model.memMap) this.mapWords = new MapWords(this.model.memMap)
    return this.mapWords
  }

  /**
   * 6.9+: compaction migrates large folios below pageblock order (skip_isolation_on_order) into
   * free blocks of their order (cc->freepages per order, compaction_alloc)
   */
  largeFolios(): boolean {
    return this.alloc.policy.kernel >= 6009
  }

  private count(name: string, n = 1): void {
    if (n) this.alloc.events.count(name, n)
  }

  private readonly zoneEnds = new Map<Zone, number>()

  /**
   * The end of the zone as compaction sees it: a zone whose top the kernel has not initialised
   * yet (PageKind.UNINIT, deferred_init=lazy) ends where its initialised part ends. The 6.18
   * captures' mm_compaction_begin events say so (zone_end 0x3f0000 for a zone that spans to
   * 0x640000, 0x3f0000 − 0x100000 being its managed pages); the scanners never enter the rest.
   */
  zoneEnd(zone: Zone): number {
    let end = this.zoneEnds.get(zone)
    if (end === undefined) {
      const m = this.model
      end = zone.endPfn
      while (end > zone.startPfn && m.memMap[end - 1 - m.basePfn] === PageKind.UNINIT) end--
      if (end === zone.startPfn) end = zone.endPfn
      this.zoneEnds.set(zone, end)
    }
    return end
  }

  /**
   * pageblock_pfn_to_page(): a pageblock whose first or last page has no struct page (a hole in
   * the zone's span, e.g. the PCI hole below 4 GiB) is passed over by both scanners, uncounted
   */
  private pageblockPfnToPage(start: number, end: number): boolean {
    const m = this.model
    const first = m.memMap[start - m.basePfn]!
    const last = m.memMap[end - 1 - m.basePfn]!
    return first !== PageKind.HOLE && last !== PageKind.HOLE
  }

  private pb(pfn: number): number {
    return Math.floor(pfn / this.model.pageblockNrPages)
  }

  private pageblockStart(pfn: number): number {
    const n = this.model.pageblockNrPages
    return pfn - (pfn % n)
  }

  // ---------------------------------------------------------------- control blocks

  /** The compact_control of compact_node(): order −1, MIGRATE_SYNC, whole zone, ignoring skip bits. */
  fullControl(zone: Zone, mode: MigrateMode = 'sync'): CompactControl {
    return this.control(zone, -1, mode, { wholeZone: true, ignoreSkipHint: true })
  }

  control(zone: Zone, order: number, mode: MigrateMode, o: Partial<Pick<CompactControl, 'wholeZone' | 'ignoreSkipHint' | 'ignoreBlockSuitable' | 'directCompaction' | 'proactiveCompaction' | 'migratetype' | 'allocFlags' | 'highestZoneIdx' | 'gfpFs'>> = {}): CompactControl {
    const mts = this.model.migratetypes
    return {
      zone, order, mode, migratetype: o.migratetype ?? mts.movable, allocFlags: o.allocFlags ?? ALLOC_CMA | ALLOC_WMARK_LOW,
      highestZoneIdx: o.highestZoneIdx ?? 4, wholeZone: o.wholeZone ?? false,
      ignoreSkipHint: (o.ignoreSkipHint ?? false) || !this.strategy.honourSkipBits, ignoreBlockSuitable: o.ignoreBlockSuitable ?? false,
      directCompaction: o.directCompaction ?? false, proactiveCompaction: o.proactiveCompaction ?? false, gfpFs: o.gfpFs ?? true,
      migratePfn: 0, freePfn: 0, fastStartPfn: 0, fastSearchFail: 0, rescan: false, migratepages: new PfnList(), nrMigratepages: 0,
      freepages: this.largeFolios() ? new PerOrderFreePages(this.model.geometry.nrOrders) : new FreePageList(),
      totalMigrateScanned: 0, totalFreeScanned: 0,
    }
  }

  // ---------------------------------------------------------------- suitability, deferral

  /** compaction_suitable() (6.1) */
  compactionSuitable(zone: Zone, order: number, allocFlags: number, highestZoneIdx: number): CompactResult {
    let ret: CompactResult
    if (order < 0) ret = 'continue'
    else {
      const a = this.alloc
      const mark = a.wmarkPages(zone, allocFlags & ALLOC_WMARK_MASK)
      if (a.zoneWatermarkOk(zone, order, mark, highestZoneIdx, allocFlags)) ret = 'success'
      else {
        const base = order > PAGE_ALLOC_COSTLY_ORDER ? zone.wmark.low + zone.boost : zone.wmark.min + zone.boost
        const watermark = base + compactGap(order)
        ret = a.zoneWatermarkOk(zone, 0, watermark, highestZoneIdx, ALLOC_CMA) ? 'continue' : 'skipped'
      }
      if (ret === 'continue' && order > PAGE_ALLOC_COSTLY_ORDER) {
        const fragindex = fragmentationIndex(freeBlocks(zone), order)
        if (fragindex >= 0 && fragindex <= this.extfragThreshold) ret = 'not_suitable_zone'
      }
    }
    this.events?.emit({ name: 'mm_compaction_suitable', zone: zone.label, order, ret })
    return ret
  }

  /** compaction_deferred() */
  compactionDeferred(zone: Zone, order: number): boolean {
    const limit = 2 ** zone.compactDeferShift
    if (order < zone.compactOrderFailed) return false
    if (++zone.compactConsidered >= limit) {
      zone.compactConsidered = limit
      return false
    }
    this.events?.emit({ name: 'mm_compaction_deferred', zone: zone.label, order, considered: zone.compactConsidered, deferShift: zone.compactDeferShift })
    return true
  }

  /** defer_compaction() */
  deferCompaction(zone: Zone, order: number): void {
    zone.compactConsidered = 0
    zone.compactDeferShift = Math.min(zone.compactDeferShift + 1, COMPACT_MAX_DEFER_SHIFT)
    if (order < zone.compactOrderFailed) zone.compactOrderFailed = order
  }

  /** compaction_defer_reset() */
  compactionDeferReset(zone: Zone, order: number, allocSuccess: boolean): void {
    if (allocSuccess) {
      zone.compactConsidered = 0
      zone.compactDeferShift = 0
    }
    if (order >= zone.compactOrderFailed) zone.compactOrderFailed = order + 1
  }

  /** reset_isolation_suitable(): clear the skip bits of a zone and its cached scanner positions */
  resetIsolationSuitable(zone: Zone): void {
    const m = this.model
    for (let pfn = this.pageblockStart(zone.startPfn); pfn < zone.endPfn; pfn += m.pageblockNrPages) m.setPageblockSkip(pfn, false)
    this.resetCachedPositions(zone)
    zone.compactBlockskipFlush = false
  }

  private resetCachedPositions(zone: Zone): void {
    zone.compactCachedMigratePfn = [zone.startPfn, zone.startPfn]
    zone.compactCachedFreePfn = this.pageblockStart(this.zoneEnd(zone) - 1)
  }

  // ---------------------------------------------------------------- compact_zone

  /** compact_zone(): run both scanners over one zone until finished. */
  compactZone(cc: CompactControl): ZoneCompactResult {
    const zone = cc.zone
    const a = this.alloc
    const ev = this.alloc.events
    const before = { migrated: ev.get('pgmigrate_success'), failed: ev.get('pgmigrate_fail'), isolated: ev.get('compact_isolated') }
    const sync = cc.mode !== 'async'
    let ret: CompactResult
    if (cc.order >= 0) {
      ret = this.compactionSuitable(zone, cc.order, cc.allocFlags, cc.highestZoneIdx)
      if (ret === 'success' || ret === 'skipped' || ret === 'not_suitable_zone') return this.zoneResult(cc, ret, before)
    }
    if (zone.compactCachedFreePfn === 0) this.resetCachedPositions(zone)
    const start = zone.startPfn
    const end = this.zoneEnd(zone)
    if (cc.wholeZone) {
      cc.migratePfn = start
      cc.freePfn = this.pageblockStart(end - 1)
    } else {
      cc.migratePfn = zone.compactCachedMigratePfn[sync ? 1 : 0]
      cc.freePfn = zone.compactCachedFreePfn
      if (cc.freePfn < start || cc.freePfn >= end) {
        cc.freePfn = this.pageblockStart(end - 1)
        zone.compactCachedFreePfn = cc.freePfn
      }
      if (cc.migratePfn < start || cc.migratePfn >= end) {
        cc.migratePfn = start
        zone.compactCachedMigratePfn = [start, start]
      }
      if (cc.migratePfn === start) cc.wholeZone = true
    }
    cc.fastStartPfn = 0
    this.events?.emit({ name: 'mm_compaction_begin', zone: zone.label, zoneStart: start, migratePfn: cc.migratePfn, freePfn: cc.freePfn, zoneEnd: end, sync })
    this.recordPositions(cc, true)
    let lastMigratedPfn = 0
    let updateCached = !sync && zone.compactCachedMigratePfn[0] === zone.compactCachedMigratePfn[1]
    // compaction capture (every release): a block of the requested order that a check_drain's
    // drain merges is taken by this compaction (compaction_capture), off the free lists, so
    // compact_finished does not see it; compact_zone notices only after its next migrate_pages
    let captured = false
    for (;;) {
      ret = captured ? (this.scannersMet(cc) ? this.compactFinished(cc) : 'continue') : this.compactFinished(cc)
      if (ret !== 'continue') {
        if (captured) ret = 'success'
        break
      }
      const iterationStart = cc.migratePfn
      cc.rescan = lastMigratedPfn !== 0 && this.pageblockStart(lastMigratedPfn) === this.pageblockStart(iterationStart)
      const isolated = this.isolateMigratepages(cc)
      if (isolated === 'none') {
        if (updateCached) zone.compactCachedMigratePfn[1] = zone.compactCachedMigratePfn[0]
      } else {
        updateCached = false
        lastMigratedPfn = iterationStart
        const err = this.migratePages(cc)
        if (err === 'nomem' && !this.scannersMet(cc)) {
          ret = 'contended'
          break
        }
        if (err !== 'ok' && cc.directCompaction && cc.mode === 'async') {
          cc.migratePfn = blockEndPfn(cc.migratePfn - 1, cc.order)
          lastMigratedPfn = 0
        }
        if (captured) {
          ret = 'success'
          break
        }
      }
      // check_drain: a finished order-aligned block returns the pcp pages so they can merge
      if (cc.order > 0 && lastMigratedPfn) {
        const currentBlockStart = blockStartPfn(cc.migratePfn, cc.order)
        if (lastMigratedPfn < currentBlockStart) {
          // lru_add_drain_cpu_zone → drain_local_pages: the running CPU's lists only
          const before = cc.directCompaction ? this.freeBlocksAtLeast(zone, cc.order) : 0
          a.drainLocalPages(zone)
          if (cc.directCompaction && this.freeBlocksAtLeast(zone, cc.order) > before) captured = true
          lastMigratedPfn = 0
        }
      }
    }
    // out: put back what was not migrated, release unused targets
    this.putbackMigratepages(cc)
    if (cc.freepages.length > 0) {
      let highest = 0
      for (const p of cc.freepages.remaining()) highest = Math.max(highest, p)
      this.releaseFreepages(cc)
      if (highest > zone.compactCachedFreePfn) zone.compactCachedFreePfn = this.pageblockStart(highest)
    }
    this.count('compact_migrate_scanned', cc.totalMigrateScanned)
    this.count('compact_free_scanned', cc.totalFreeScanned)
    this.recordPositions(cc, true)
    this.events?.emit({ name: 'mm_compaction_end', zone: zone.label, zoneStart: start, migratePfn: cc.migratePfn, freePfn: cc.freePfn, zoneEnd: end, sync, status: ret })
    return this.zoneResult(cc, ret, before)
  }

  private zoneResult(cc: CompactControl, result: CompactResult, before: { migrated: number; failed: number; isolated: number }): ZoneCompactResult {
    const ev = this.alloc.events
    return {
      zone: cc.zone.label, result, migrateScanned: cc.totalMigrateScanned, freeScanned: cc.totalFreeScanned,
      isolated: ev.get('compact_isolated') - before.isolated, migrated: ev.get('pgmigrate_success') - before.migrated, failed: ev.get('pgmigrate_fail') - before.failed,
    }
  }

  private recordPositions(cc: CompactControl, force = false): void {
    if (!force && this.timelineTick++ % this.timelineStride !== 0) return
    this.timeline.push(cc.migratePfn, cc.freePfn)
    if (this.timeline.length >= 2 * 50000) {
      // keep every other sample, sample half as often from now on
      let w = 0
      for (let r = 0; r < this.timeline.length; r += 4) {
        this.timeline[w++] = this.timeline[r]!
        this.timeline[w++] = this.timeline[r + 1]!
      }
      this.timeline.length = w
      this.timelineStride *= 2
    }
  }

  /** compact_scanners_met() */
  scannersMet(cc: CompactControl): boolean {
    return this.pb(cc.freePfn) <= this.pb(cc.migratePfn)
  }

  /** compact_finished() (6.1 __compact_finished; NO_SUITABLE_PAGE reads as CONTINUE) */
  compactFinished(cc: CompactControl): CompactResult {
    const zone = cc.zone
    const m = this.model
    if (this.scannersMet(cc)) {
      this.resetCachedPositions(zone)
      if (cc.directCompaction) zone.compactBlockskipFlush = true
      return cc.wholeZone ? 'complete' : 'partial_skipped'
    }
    if (cc.proactiveCompaction) {
      const score = extfragForOrder(freeBlocks(zone), Math.min(m.geometry.pageblockOrder, m.maxOrder))
      return score > this.proactiveLow ? 'continue' : 'success'
    }
    if (cc.order < 0) return 'continue'
    if (cc.migratePfn % m.pageblockNrPages !== 0) return 'continue'
    const mts = m.migratetypes
    for (let o = cc.order; o < m.geometry.nrOrders; o++) {
      if (!zone.free.isEmpty(o, cc.migratetype)) return 'success'
      if (cc.migratetype === mts.movable && mts.cma >= 0 && !zone.free.isEmpty(o, mts.cma)) return 'success'
      if (this.alloc.canStealFallback(o, cc.migratetype)) {
        for (const ft of mts.fallbacks(cc.migratetype)) if (ft >= 0 && !zone.free.isEmpty(o, ft)) return 'success'
      }
    }
    return 'continue'
  }

  /** free blocks of `order` or more a capture could take (every type but CMA and isolated) */
  private freeBlocksAtLeast(zone: Zone, order: number): number {
    const mts = this.model.migratetypes
    let n = 0
    for (let o = order; o < this.model.geometry.nrOrders; o++) for (const mt of [mts.unmovable, mts.movable, mts.reclaimable]) n += zone.free.count(o, mt) * 2 ** (o - order)
    return n
  }

  /** low threshold of proactive compaction, set by proactiveCompactNode */
  private proactiveLow = 0

  // ---------------------------------------------------------------- migrate scanner

  /** suitable_migration_source() (6.1) */
  private suitableMigrationSource(cc: CompactControl, blockStart: number): boolean {
    const m = this.model
    const b = m.memMap[blockStart - m.basePfn]!
    // pageblock_skip_persistent: a compound page of order ≥ pageblock_order at the block start
    if (b >= 0x40 && b < 0x70 && headOrder(b) >= m.geometry.pageblockOrder) return false
    if (b === PageKind.COMPOUND_TAIL) {
      const h = this.compoundHeadOf(blockStart)
      if (h >= 0 && headOrder(m.memMap[h - m.basePfn]!) >= m.geometry.pageblockOrder) return false
    }
    // the same for the kernel's non-LRU compound pages (a kmalloc_large of pageblock order or more):
    // a tail at the block start (its head lies below) or a head whose tails fill the block
    const tails = m.kernelCompoundTails
    if (tails !== null) {
      const i = blockStart - m.basePfn
      if ((tails[i >>> 5]! >>> (i & 31)) & 1 || kernelCompoundPages(tails, i) >= m.pageblockNrPages) return false
    }
    if (cc.mode !== 'async' || !cc.directCompaction) return true
    const mts = m.migratetypes
    const blockMt = m.getPageblockMigratetype(blockStart)
    if (this.strategy.scanUnmovableForSmallOrders && cc.order >= 0 && cc.order <= PAGE_ALLOC_COSTLY_ORDER) return true
    if (cc.migratetype === mts.movable) return blockMt === mts.movable || blockMt === mts.cma
    return blockMt === cc.migratetype
  }

  private compoundHeadOf(pfn: number): number {
    const m = this.model
    for (let p = pfn; p >= m.basePfn && pfn - p < 2 ** 15; p--) {
      const b = m.memMap[p - m.basePfn]!
      if (b >= 0x40 && b < 0x70) return p
      if (b !== PageKind.COMPOUND_TAIL) return -1
    }
    return -1
  }

  /** fast_find_migrateblock() (6.1, simplified to its effect): a Movable free page low in the zone. */
  private fastFindMigrateblock(cc: CompactControl): number {
    const pfn = cc.migratePfn
    const m = this.model
    const zone = cc.zone
    if (!this.strategy.fastFindMigrateblock) return pfn
    if (cc.ignoreSkipHint || cc.order <= PAGE_ALLOC_COSTLY_ORDER || cc.fastSearchFail) return pfn
    if (cc.directCompaction && cc.migratetype !== m.migratetypes.movable) return pfn
    if (pfn !== zone.startPfn && pfn !== this.pageblockStart(zone.startPfn)) return pfn
    // the first scan looks in the first half of the range
    const distance = Math.floor((cc.freePfn - cc.migratePfn) / 2)
    const limit = cc.migratePfn + distance
    const mts = m.migratetypes
    const mt = mts.movable
    for (let o = cc.order - 1; o >= PAGE_ALLOC_COSTLY_ORDER; o--) {
      if (zone.free.isEmpty(o, mt)) continue
      // the lowest free block of this list below the limit whose block is not skip-marked
      let best = -1
      for (let p = zone.startPfn; p < limit;) {
        const b = m.memMap[p - m.basePfn]!
        if (isFreeHead(b)) {
          if (headOrder(b) === o && freeHeadMt(b) === mt && !m.getPageblockSkip(p)) { best = p; break }
          p += 2 ** headOrder(b)
        } else p++
      }
      if (best >= 0) {
        if (!this.skipAtFirstIsolation()) m.setPageblockSkip(best, true)
        return Math.max(this.pageblockStart(best), zone.startPfn)
      }
    }
    cc.fastSearchFail++
    return pfn
  }

  /** isolate_migratepages(): find the next source pageblock and isolate from it. */
  isolateMigratepages(cc: CompactControl): 'none' | 'success' {
    const m = this.model
    const zone = cc.zone
    const pbPages = m.pageblockNrPages
    let lowPfn = this.fastFindMigrateblock(cc)
    let blockStart = Math.max(this.pageblockStart(lowPfn), zone.startPfn)
    let fastFindBlock = lowPfn !== cc.migratePfn && !cc.fastSearchFail
    let blockEnd = this.pageblockStart(lowPfn) + pbPages
    for (; blockEnd <= cc.freePfn; fastFindBlock = false, cc.migratePfn = lowPfn = blockEnd, blockStart = blockEnd, blockEnd += pbPages) {
      if (!this.pageblockPfnToPage(blockStart, Math.min(blockEnd, this.zoneEnd(zone)))) continue
      if ((lowPfn % pbPages === 0 || lowPfn === zone.startPfn) && !fastFindBlock && !cc.ignoreSkipHint && m.getPageblockSkip(blockStart)) continue
      if (!this.suitableMigrationSource(cc, blockStart)) {
        this.updateCachedMigrate(cc, blockEnd)
        continue
      }
      this.isolateMigratepagesBlock(cc, lowPfn, Math.min(blockEnd, this.zoneEnd(zone)))
      break
    }
    return cc.migratepages.length > 0 ? 'success' : 'none'
  }

  /**
   * 6.5+ (Mel Gorman's "update pageblock skip when first migration candidate is not at the start"
   * with the re-applied "fix set skip in fast_find_migrateblock"): isolate_migratepages_block()
   * marks a pageblock skip when a call that started at its first page takes its first page
   * (test_and_set_skip(cc, valid_page) under the LRU lock), and fast_find_migrateblock() no
   * longer marks the block it picks. Before (6.1): test_and_set_skip() acted only where the
   * first page taken was the block's first page, and the block fast_find_migrateblock() picked was
   * marked there, so isolate_migratepages_block() then passed it over.
   */
  private skipAtFirstIsolation(): boolean {
    return this.alloc.policy.kernel >= 6005
  }

  private updateCachedMigrate(cc: CompactControl, pfn: number): void {
    const zone = cc.zone
    if (cc.ignoreSkipHint) return
    pfn = this.pageblockStart(pfn) + this.model.pageblockNrPages
    if (pfn > zone.compactCachedMigratePfn[0]) zone.compactCachedMigratePfn[0] = pfn
    if (cc.mode !== 'async' && pfn > zone.compactCachedMigratePfn[1]) zone.compactCachedMigratePfn[1] = pfn
  }

  /** isolate_migratepages_block() (6.1): isolate up to COMPACT_CLUSTER_MAX pages from [lowPfn, endPfn). */
  isolateMigratepagesBlock(cc: CompactControl, lowPfn: number, endPfn: number): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const startPfn = lowPfn
    const skipOnFailure = cc.directCompaction && cc.mode === 'async'
    let nextSkipPfn = skipOnFailure ? blockEndPfn(lowPfn, cc.order) : 0
    const asyncMigrate = cc.mode !== 'sync'
    // 6.4 (Baolin Wang, "consider the number of scanning compound pages in isolate fail path"):
    // free blocks and compound pages the scanner steps over count as scanned, page by page
    const countSkipped = this.alloc.policy.kernel >= 6004
    // the tail pages of the kernel's non-LRU compound pages (slab of order > 0, kmalloc_large):
    // before 6.4 the scanner steps over them from their head (PageCompound: low_pfn += (1 << order) − 1)
    // without counting them; a call never starts inside one, so a tail is a page not counted
    const tails = countSkipped ? null : m.kernelCompoundTails
    // 6.9+: a large folio below pageblock order is isolated whole (isolateLargeFolio)
    const largeFolios = this.largeFolios()
    let nrScanned = 0
    let nrIsolated = 0
    let validPage = -1
    const pbPages = m.pageblockNrPages
    const migratepages = cc.migratepages
    const rescan = cc.rescan
    // cc->nr_migratepages, kept here while the loop runs
    let nrMigrate = cc.nrMigratepages
    // the pages this call isolated, to put back on a failure (only when skipping on failure)
    // (only counted: they are the newest of cc->migratepages; no array made per call)
    let isolatedHere = 0
    // fast path: four pages at a time where a word of the map holds four pages isolated as they
    // come (anonymous pages; page-cache pages too with __GFP_FS), as the loop below would take
    // them one by one. Not when skipping on failure (isolatedHere), nor with pageblocks of fewer
    // than four pages (the pageblock-start test below runs for the first page of the four only)
    const words = !this.plain && !skipOnFailure && pbPages >= 4 ? this.words() : null
    const quadWords = words ? words.words : null
    const quadShift = words ? words.shift : 0
    const quadMask = cc.gfpFs ? 0xfefefefe | 0 : -1
    const quadWant = PageKind.ANON * 0x01010101
    // the page kinds the loop tests, in locals (a const enum read across modules is a property load
    // when each file is compiled on its own, as tsx does)
    const kPinned: number = PageKind.PINNED
    const kFile: number = PageKind.FILE
    const kUnevictable: number = PageKind.UNEVICTABLE
    const kWriteback: number = PageKind.WRITEBACK
    const kMovableOps: number = PageKind.MOVABLE_OPS
    const gfpFs = cc.gfpFs
    const wordClass = quadWords && LITTLE_ENDIAN ? this.migrateWordClass(gfpFs, this.unevictableAllowed, asyncMigrate) : null
    for (; lowPfn < endPfn; lowPfn++) {
      if (skipOnFailure && lowPfn >= nextSkipPfn) {
        if (nrIsolated) break
        nextSkipPfn = blockEndPfn(lowPfn, cc.order)
      }
      nrScanned++
      if (validPage < 0 && (lowPfn & (pbPages - 1)) === 0) {
        if (!cc.ignoreSkipHint && m.getPageblockSkip(lowPfn)) {
          lowPfn = endPfn
          break
        }
        validPage = lowPfn
      }
      const idx = lowPfn - base
      if (quadWords && ((idx - quadShift) & 3) === 0 && (lowPfn & 3) === 0 && lowPfn + 4 <= endPfn && (idx - quadShift) >> 2 < quadWords.length) {
        const k = (idx - quadShift) >> 2
        const x = quadWords[k]!
        if ((rescan || nrMigrate + 4 <= COMPACT_CLUSTER_MAX) && (x & quadMask) === quadWant) {
          // and the words after it that hold four such pages each, as many as the loop would
          // take four at a time: below endPfn and the end of this pageblock (whose first page the
          // loop tests above), and within the batch unless rescanning
          let lim = (Math.min(endPfn, lowPfn - (lowPfn & (pbPages - 1)) + pbPages) - lowPfn) >> 2
          if (!rescan && lim > (COMPACT_CLUSTER_MAX - nrMigrate) >> 2) lim = (COMPACT_CLUSTER_MAX - nrMigrate) >> 2
          if (lim > quadWords.length - k) lim = quadWords.length - k
          let q = 1
          while (q < lim && (quadWords[k + q]! & quadMask) === quadWant) q++
          const pages = q << 2
          migratepages.pushRun(lowPfn, pages)
          nrScanned += pages - 1
          nrIsolated += pages
          nrMigrate += pages
          if (nrMigrate >= COMPACT_CLUSTER_MAX && !rescan) {
            lowPfn += pages
            break
          }
          lowPfn += pages - 1
          continue
        }
        // a word of four pages each taken or passed over on its own (no free block's or compound
        // page's head among them), when taking them leaves the batch short of full: as the loop
        // below would take them, in pfn order (byte i of the word is page lowPfn + i)
        if (wordClass) {
          const c0 = wordClass[x & 0xff]!
          const c1 = wordClass[(x >>> 8) & 0xff]!
          const c2 = wordClass[(x >>> 16) & 0xff]!
          const c3 = wordClass[x >>> 24]!
          const t = c0 + c1 + c2 + c3
          if (((c0 | c1 | c2 | c3) & 2) === 0 && (rescan || nrMigrate + t < COMPACT_CLUSTER_MAX)) {
            if (c0) migratepages.push(lowPfn)
            if (c1) migratepages.push(lowPfn + 1)
            if (c2) migratepages.push(lowPfn + 2)
            if (c3) migratepages.push(lowPfn + 3)
            nrScanned += 3
            // (idx is a multiple of 4 here: its four bits lie in one word)
            if (tails !== null) nrScanned -= BITS4[(tails[idx >>> 5]! >>> (idx & 31)) & 15]!
            nrIsolated += t
            nrMigrate += t
            lowPfn += 3
            continue
          }
        }
      }
      const b = map[idx]!
      let ok = false
      let folioPages = 1
      if (b & 0x80) {
        // free: skip the whole buddy block (from 6.4 its pages count as scanned)
        const o = b & 0x0f
        if (o > 0) {
          lowPfn += (1 << o) - 1
          if (countSkipped) nrScanned += (1 << o) - 1
        }
        continue
      } else if (b >= 0x40) {
        // compound page (THP, hugetlb, large folio): not compacted in 6.1 unless alloc_contig;
        // 6.9+ takes a large folio whole when its order is below the target's (or pageblock order)
        if (largeFolios && this.largeFolioIsolatable(cc, b)) {
          ok = true
          folioPages = (1 << (b & 0x0f))
        } else {
          lowPfn += (1 << (b & 0x0f)) - 1
          if (countSkipped) nrScanned += (1 << (b & 0x0f)) - 1
        }
      } else if (LRU_KINDS[b]) {
        if (b === kPinned) ok = false // anon page with an extra reference: refcount − 1 > mapcount
        else if (b === kFile && !gfpFs) ok = false
        else if (b === kUnevictable && !this.unevictableAllowed) ok = false
        else if (b === kWriteback && asyncMigrate) ok = false
        else ok = true
      } else if (b === kMovableOps) ok = true
      else if (tails !== null && (tails[idx >>> 5]! >>> (idx & 31)) & 1) {
        // a tail of a kernel compound page, stepped over from its head: not counted
        nrScanned--
        continue
      }
      if (ok) {
        migratepages.push(lowPfn)
        if (skipOnFailure) isolatedHere++
        if (folioPages > 1) {
          // the whole folio is taken off the LRU: its tail pages count as scanned
          lowPfn += folioPages - 1
          nrScanned += folioPages - 1
        }
        nrIsolated += folioPages
        nrMigrate += folioPages
        if (nrMigrate >= COMPACT_CLUSTER_MAX && !rescan) {
          lowPfn++
          break
        }
        continue
      }
      // isolate_fail
      if (!skipOnFailure) continue
      if (nrIsolated) {
        // we cannot form the cc->order block anyway: put back what this chunk isolated
        cc.migratepages.length -= isolatedHere
        nrMigrate -= nrIsolated
        isolatedHere = 0
        nrIsolated = 0
      }
      if (lowPfn < nextSkipPfn) {
        lowPfn = nextSkipPfn - 1
        nextSkipPfn += 2 ** Math.max(cc.order, 0)
      }
    }
    cc.nrMigratepages = nrMigrate
    if (lowPfn > endPfn) lowPfn = endPfn
    // 6.5+: a call that started at the pageblock's first page marks it skip as soon as it takes a page
    if (validPage >= 0 && nrIsolated > 0 && !cc.ignoreSkipHint && this.skipAtFirstIsolation()) m.setPageblockSkip(validPage, true)
    if (lowPfn === endPfn && (!nrIsolated || cc.rescan)) {
      if (validPage >= 0) m.setPageblockSkip(validPage, true)
      this.updateCachedMigrate(cc, lowPfn)
    }
    this.events?.emit({ name: 'mm_compaction_isolate_migratepages', startPfn, endPfn: lowPfn, nrScanned, nrTaken: nrIsolated })
    cc.totalMigrateScanned += nrScanned
    this.count('compact_isolated', nrIsolated)
    cc.migratePfn = lowPfn
  }

  /** migrateWordClass()'s tables, by gfpFs | unevictableAllowed << 1 | asyncMigrate << 2 */
  private readonly wordClasses: Array<Uint8Array | undefined> = []

  /**
   * Per page byte, what isolateMigratepagesBlock()'s page-by-page loop does with the page when it
   * does not skip on failure: 1 isolates it, 0 passes over it (isolate_fail), 2 anything else (a
   * free block's or compound page's head, which the loop steps over or takes whole)
   */
  private migrateWordClass(gfpFs: boolean, unevictableAllowed: boolean, asyncMigrate: boolean): Uint8Array {
    const key = (gfpFs ? 1 : 0) | (unevictableAllowed ? 2 : 0) | (asyncMigrate ? 4 : 0)
    let t = this.wordClasses[key]
    if (!t) {
      t = new Uint8Array(256)
      for (let b = 0; b < 256; b++) {
        if (b & 0x80 || b >= 0x40) t[b] = 2
        else if (b === PageKind.ANON || b === PageKind.MOVABLE_OPS) t[b] = 1
        else if (b === PageKind.FILE) t[b] = gfpFs ? 1 : 0
        else if (b === PageKind.UNEVICTABLE) t[b] = unevictableAllowed ? 1 : 0
        else if (b === PageKind.WRITEBACK) t[b] = asyncMigrate ? 0 : 1
        else t[b] = 0
      }
      this.wordClasses[key] = t
    }
    return t
  }

  // ---------------------------------------------------------------- free scanner

  /** suitable_migration_target() (6.1) */
  private suitableMigrationTarget(cc: CompactControl, blockStart: number): boolean {
    const m = this.model
    const b = m.memMap[blockStart - m.basePfn]!
    if (isFreeHead(b) && headOrder(b) >= m.geometry.pageblockOrder) return false
    if (cc.ignoreBlockSuitable) return true
    const mt = m.getPageblockMigratetype(blockStart)
    return mt === m.migratetypes.movable || (m.migratetypes.cma >= 0 && mt === m.migratetypes.cma)
  }

  /**
   * __isolate_free_page(): take a free block off the lists for compaction if the zone stays
   * above min + 2^order; a block of at least half a pageblock turns mergeable blocks Movable.
   */
  private isolateFreePage(zone: Zone, pfn: number, order: number): number {
    const m = this.model
    const a = this.alloc
    const b = m.memMap[pfn - m.basePfn]!
    const listMt = freeHeadMt(b)
    const blockMt = m.getPageblockMigratetype(pfn)
    if (blockMt !== m.migratetypes.isolate) {
      // zone_watermark_ok(zone, 0, min + 2^order, 0, ALLOC_CMA), order 0: only the free-page test
      const free = zone.nrFreePages - zone.nrReservedHighatomic
      if (free <= zone.wmark.min + (1 << order) + (zone.protection[0] ?? 0)) return 0
    }
    a.delFromFreeList(zone, pfn, order, listMt)
    if (order >= m.geometry.pageblockOrder - 1) {
      const endPage = pfn + 2 ** order - 1
      for (let p = pfn; p < endPage; p += m.pageblockNrPages) {
        const mt = m.getPageblockMigratetype(p)
        if (m.migratetypes.isMergeable(mt)) m.setPageblockMigratetype(p, m.migratetypes.movable)
      }
    }
    return 1 << order
  }

  /** isolateFreepagesBlock()'s pfn where the scan stopped (a field: no pair made per pageblock) */
  private freeScanStop = 0

  /** isolate_freepages_block(): returns the pages isolated; the pfn where the scan stopped in freeScanStop */
  private isolateFreepagesBlock(cc: CompactControl, startPfn: number, endPfn: number, stride: number): number {
    if (stride === 1 && !this.plain && LITTLE_ENDIAN) return this.isolateFreepagesChunks(cc, startPfn, endPfn)
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    let nrScanned = 0
    let total = 0
    let pfn = startPfn
    const countSkipped = this.alloc.policy.kernel >= 6004
    // the kernel's non-LRU compound pages (slab of order > 0, kmalloc_large): stepped over from
    // their head too; a tail the stride lands on is one page (compound_order() of a tail is 0)
    const tails = m.kernelCompoundTails
    // (the fast path, stride 1: isolateFreepagesChunks)
    const zone = cc.zone
    const freepages = cc.freepages
    const nrMigratepages = cc.nrMigratepages
    const isolatedFree: number = PageKind.ISOLATED_FREE
    for (; pfn < endPfn; pfn += stride) {
      if (stride === 1 && countSkipped) {
        // the plain path of the 6.4+ search above
        const i = plainNextPageMarked(map, pfn - base, endPfn - base, 0x80)
        nrScanned += i - (pfn - base)
        pfn = i + base
        if (pfn >= endPfn) break
      }
      nrScanned++
      const b = map[pfn - base]!
      if (!(b & 0x80)) {
        // a compound page is stepped over whole (6.4+: its pages count as scanned)
        if (b >= 0x40 && b < 0x70) {
          const n = 1 << (b & 0x0f)
          pfn += n - 1
          if (countSkipped) nrScanned += n - 1
        } else if (tails !== null) {
          const n = kernelCompoundPages(tails, pfn - base)
          pfn += n - 1
          if (countSkipped) nrScanned += n - 1
        }
        continue
      }
      const order = b & 0x0f
      const isolated = this.isolateFreePage(zone, pfn, order)
      if (!isolated) break
      // split_map_pages(): the block becomes order-0 targets, lowest PFN first
      fillPages(map, isolatedFree, pfn - base, pfn - base + isolated)
      freepages.addBlock(pfn, isolated)
      nrScanned += isolated - 1
      total += isolated
      if (nrMigratepages <= freepages.length) {
        pfn += isolated
        break
      }
      pfn += isolated - 1
    }
    return this.freeBlockScanned(cc, startPfn, Math.min(pfn, endPfn), nrScanned, total)
  }

  /** The end of isolateFreepagesBlock(): its tracepoint, the counters, and where the scan stopped. */
  private freeBlockScanned(cc: CompactControl, startPfn: number, stopPfn: number, nrScanned: number, total: number): number {
    this.events?.emit({ name: 'mm_compaction_isolate_freepages', startPfn, endPfn: stopPfn, nrScanned, nrTaken: total })
    cc.totalFreeScanned += nrScanned
    this.count('compact_isolated', total)
    this.freeScanStop = stopPfn
    return total
  }

  /**
   * isolateFreepagesBlock() with stride 1, the fast path: the same blocks isolated, the same pages
   * counted as scanned, the same stop. The map is read 32 pages at a time (eight words folded into
   * a 32-bit mask of the pages that stop the scan: free blocks' heads, and before 6.4 compound
   * heads, whose tail pages are not counted), and each stop is found in that mask; a free block of
   * order below pageblock_order − 1 is isolated here (__isolate_free_page()'s watermark test, then
   * del_page_from_free_list), larger ones by isolateFreePage(). Nothing but this loop changes the
   * map while it runs, and the bytes of a block it steps over hold no stop, so a mask stays valid
   * for the pages above the scan position.
   */
  private isolateFreepagesChunks(cc: CompactControl, startPfn: number, endPfn: number): number {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const a = this.alloc
    const countSkipped = a.policy.kernel >= 6004
    const w = this.words()
    const words = w.words
    const shift = w.shift
    const nWords = words.length
    // 6.4+: free heads (bit 7); before: free or compound heads (bit 7 or 6, folded onto bit 7)
    const headMask = countSkipped ? 0x80 : 0xc0
    const fold = countSkipped ? 0 : -1
    const zone = cc.zone
    const freepages = cc.freepages
    const nrMigratepages = cc.nrMigratepages
    const isolatedFree: number = PageKind.ISOLATED_FREE
    const isolate = m.migratetypes.isolate
    const largeOrder = m.geometry.pageblockOrder - 1
    // __isolate_free_page()'s zone_watermark_ok(): free pages above min + protection + 2^order
    const wmark = zone.wmark.min + (zone.protection[0] ?? 0)
    const end = endPfn - base
    // pos: the next page to scan (map index); the mask: bit i set when page chunk + i stops the
    // scan, for the 32 pages from chunk (a page of the map's words), those below pos cleared
    let pos = startPfn - base
    let chunk = -64
    let mask = 0
    let nrScanned = 0
    let total = 0
    for (;;) {
      if (pos >= end) break
      // the next stop at or above pos, or end
      let j = end
      if (pos >= chunk + 32 || pos < chunk) {
        const k = (pos - shift) >> 2
        if (pos < shift || k + 8 > nWords) {
          // the bytes outside the map's words, one by one (those before its first word, then on)
          const lim = pos < shift && end > shift ? shift : end
          j = plainNextPageMarked(map, pos, lim, headMask)
          chunk = -64
          if (j === lim && lim < end) {
            nrScanned += j - pos
            pos = j
            continue
          }
        } else {
          chunk = shift + (k << 2)
          mask = stopMask(words, k, fold)
        }
      }
      if (chunk >= 0) {
        mask &= -1 << (pos - chunk)
        while (mask === 0) {
          chunk += 32
          if (chunk >= end) break
          const k = (chunk - shift) >> 2
          if (k + 8 > nWords) {
            j = plainNextPageMarked(map, chunk, end, headMask)
            chunk = -64
            break
          }
          mask = stopMask(words, k, fold)
        }
        if (mask !== 0 && chunk >= 0) {
          j = chunk + (31 - Math.clz32(mask & -mask))
          if (j > end) j = end
        }
      }
      nrScanned += j - pos
      pos = j
      if (pos >= end) break
      nrScanned++
      const b = map[pos]!
      if (!(b & 0x80)) {
        // a compound head (before 6.4): stepped over whole, its tail pages not counted
        pos += b >= 0x40 && b < 0x70 ? 1 << (b & 0x0f) : 1
        continue
      }
      const order = b & 0x0f
      const pfn = pos + base
      let isolated = 1 << order
      if (order >= largeOrder) isolated = this.isolateFreePage(zone, pfn, order)
      else {
        if (m.getPageblockMigratetype(pfn) !== isolate && zone.nrFreePages - zone.nrReservedHighatomic <= wmark + isolated) isolated = 0
        else a.delFromFreeList(zone, pfn, order, (b >> 4) & 7)
      }
      if (!isolated) break
      // split_map_pages(): the block becomes order-0 targets, lowest PFN first
      if (isolated === 1) map[pos] = isolatedFree
      else fillPages(map, isolatedFree, pos, pos + isolated)
      freepages.addBlock(pfn, isolated)
      nrScanned += isolated - 1
      total += isolated
      pos += isolated
      if (nrMigratepages <= freepages.length) break
    }
    const stop = Math.min(pos + base, endPfn)
    // before 6.4 the tail pages of the kernel's non-LRU compound pages are stepped over from their
    // head uncounted; this loop counted them as pages with no stop (none lies in a free block)
    if (!countSkipped && m.kernelCompoundTails !== null) nrScanned -= countBits(m.kernelCompoundTails, startPfn - base, stop - base)
    return this.freeBlockScanned(cc, startPfn, stop, nrScanned, total)
  }

  /**
   * fast_isolate_freepages() (6.1, in effect): for orders > 0, take a free block of an order
   * below the request from the Movable lists in the top quarter (then half) of the unscanned range.
   */
  private fastIsolateFreepages(cc: CompactControl): void {
    const m = this.model
    const zone = cc.zone
    if (!this.strategy.fastIsolateFreepages || cc.order <= 0) return
    if (cc.ignoreSkipHint) return
    const distance = cc.freePfn - cc.migratePfn
    const minPfn = this.pageblockStart(cc.freePfn - Math.floor(distance / 2))
    const mts = m.migratetypes
    for (let o = cc.order - 1; o >= 0 && cc.freepages.length === 0; o--) {
      if (zone.free.isEmpty(o, mts.movable)) continue
      // the highest head of a free block of order o on the Movable list at or below the top of
      // free_pfn's pageblock and not below min_pfn. Its page byte is unique and it starts at a
      // multiple of 2^o: order 0 uses a native backwards search, higher orders step by 2^o
      const top = this.pageblockStart(cc.freePfn) + m.pageblockNrPages - 1
      const lowest = Math.max(minPfn, zone.startPfn)
      const want = freeHead(mts.movable, o)
      let found = -1
      if (top >= lowest) {
        if (o === 0) {
          const i = m.memMap.lastIndexOf(want, top - m.basePfn)
          if (i >= 0 && i + m.basePfn >= lowest) found = i + m.basePfn
        } else {
          const step = 2 ** o
          for (let p = top - (top % step); p >= lowest; p -= step) {
            if (m.memMap[p - m.basePfn] === want) {
              found = p
              break
            }
          }
        }
      }
      if (found < 0) continue
      const got = this.isolateFreePage(zone, found, o)
      if (!got) return
      m.memMap.fill(PageKind.ISOLATED_FREE, found - m.basePfn, found - m.basePfn + got)
      cc.freepages.addBlock(found, got)
      cc.totalFreeScanned += got
      this.count('compact_isolated', got)
      cc.freePfn = Math.min(cc.freePfn, this.pageblockStart(found))
    }
  }

  /** isolate_freepages(): the linear free scanner, downward from free_pfn. */
  isolateFreepages(cc: CompactControl): void {
    const m = this.model
    const zone = cc.zone
    const pbPages = m.pageblockNrPages
    this.fastIsolateFreepages(cc)
    if (cc.freepages.length) return
    let isolateStart = cc.freePfn
    let blockStart = this.pageblockStart(isolateStart)
    let blockEnd = Math.min(blockStart + pbPages, this.zoneEnd(zone))
    const lowPfn = this.pageblockStart(cc.migratePfn) + pbPages
    let stride = cc.mode === 'async' ? COMPACT_CLUSTER_MAX : 1
    for (; blockStart >= lowPfn; blockEnd = blockStart, blockStart -= pbPages, isolateStart = blockStart) {
      if (blockStart < zone.startPfn) break
      if (!this.pageblockPfnToPage(blockStart, blockEnd)) continue
      if (!this.suitableMigrationTarget(cc, blockStart)) continue
      if (!cc.ignoreSkipHint && m.getPageblockSkip(blockStart)) continue
      const nrIsolated = this.isolateFreepagesBlock(cc, isolateStart, blockEnd, stride)
      isolateStart = this.freeScanStop
      if (isolateStart === blockEnd) {
        // update_pageblock_skip
        m.setPageblockSkip(blockStart, true)
        if (blockStart < zone.compactCachedFreePfn) zone.compactCachedFreePfn = blockStart
      }
      if (cc.freepages.length >= cc.nrMigratepages) {
        if (isolateStart >= blockEnd) isolateStart = blockStart - pbPages
        break
      } else if (isolateStart < blockEnd) break
      if (nrIsolated) {
        stride = 1
        continue
      }
      stride = Math.min(COMPACT_CLUSTER_MAX, stride * 2)
    }
    cc.freePfn = isolateStart
  }

  // ---------------------------------------------------------------- migration

  /**
   * migrate_pages() with compaction_alloc(): move each isolated page into a target page
   * (running the free scanner when targets run out); the source is freed through the pcp list.
   * Returns 'ok', 'failed' (some pages could not migrate) or 'nomem' (no target left). On
   * -ENOMEM (compaction_alloc found no target) 6.1's migrate_pages() counts that page in
   * nr_failed_pages (pgmigrate_fail +1) and goes out without trying the rest, which
   * putback_movable_pages() returns: the +1 of every traced and untraced 6.1 trigger whose
   * scanners met (fixtures/arm64-1G-s6-cma-compact-ctrace-cpu1: its last batch took 198 pages, 81
   * migrated, the tracepoint's nr_failed 117, pgmigrate_fail +1).
   */
  migratePages(cc: CompactControl): 'ok' | 'failed' | 'nomem' {
    if (cc.freepages instanceof PerOrderFreePages) return this.migrateFolios(cc, cc.freepages)
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    let migrated = 0
    let failed = 0
    let result: 'ok' | 'failed' | 'nomem' = 'ok'
    // the fast path frees the sources a run at a time (freeUnrefPages), always before the free
    // scanner runs again, so the allocator sees the frees in the same order and at the same points
    let batch: Int32Array | Float64Array | null = null
    if (!this.plain) {
      // 32-bit pfns unless the model reaches past 2^31
      const wide = m.endPfn > 0x7fffffff
      if (this.freeBatch.length < cc.migratepages.length || wide !== this.freeBatch instanceof Float64Array) {
        const n = Math.max(cc.migratepages.length, 2 * this.freeBatch.length)
        this.freeBatch = wide ? new Float64Array(n) : new Int32Array(n)
      }
      batch = this.freeBatch
    }
    let pending = 0
    const list = cc.migratepages
    const n = list.length
    const freepages = cc.freepages
    const waitWriteback = cc.mode === 'sync'
    const writeback: number = PageKind.WRITEBACK
    if (batch) {
      // the targets a run at a time (FreePageList.takeRun: consecutive pages of one block)
      let dst = 0
      let dstLeft = 0
      for (let i = 0; i < n; i++) {
        const src = list.at(i)
        const kind = map[src - base]!
        // a page under writeback fails in sync-light (it would have to wait), migrates in sync
        if (kind === writeback && !waitWriteback) {
          failed++
          continue
        }
        if (dstLeft === 0) {
          if (freepages.length === 0) {
            if (pending) this.alloc.freeUnrefPages(cc.zone, batch, pending)
            pending = 0
            this.isolateFreepages(cc)
            if (freepages.length === 0) {
              // -ENOMEM: this page counts as failed (nr_failed_pages), the rest are not tried
              failed++
              result = 'nomem'
              break
            }
          }
          dst = freepages.takeRun(n - i)
          dstLeft = freepages.run
        }
        map[dst++ - base] = kind
        dstLeft--
        batch[pending++] = src
        migrated++
      }
      // targets taken for pages that then failed stay on cc->freepages
      if (dstLeft) freepages.untake(dstLeft)
    } else {
      for (let i = 0; i < n; i++) {
        const src = list.at(i)
        const kind = map[src - base]!
        // a page under writeback fails in sync-light (it would have to wait), migrates in sync
        if (kind === writeback && !waitWriteback) {
          failed++
          continue
        }
        if (freepages.length === 0) {
          this.isolateFreepages(cc)
          if (freepages.length === 0) {
            failed++
            result = 'nomem'
            break
          }
        }
        const dst = freepages.take()
        map[dst - base] = kind
        this.alloc.freeUnrefPage(src, cc.zone)
        migrated++
      }
    }
    if (pending) this.alloc.freeUnrefPages(cc.zone, batch!, pending)
    // what was not tried (no target) goes back to the LRU untouched
    cc.migratepages.length = 0
    cc.nrMigratepages = 0
    if (failed && result === 'ok') result = 'failed'
    this.count('pgmigrate_success', migrated)
    this.count('pgmigrate_fail', failed)
    // the tracepoint's nr_failed is cc->nr_migratepages − nr_succeeded: every page of the batch not migrated
    this.events?.emit({ name: 'mm_compaction_migratepages', nrMigrated: migrated, nrFailed: n - migrated, migratePfn: cc.migratePfn, freePfn: cc.freePfn })
    this.recordPositions(cc)
    return result
  }

  /**
   * 6.9+ isolate_migratepages_block(): may this compound page be isolated whole? Not hugetlb
   * (only alloc_contig takes those), not when skip_isolation_on_order() says so (its order at or
   * above the request's, or at or above pageblock order), not a file folio without __GFP_FS.
   */
  private largeFolioIsolatable(cc: CompactControl, b: number): boolean {
    const kind = b & 0xf0
    if (kind === HUGETLB_HEAD) return false
    const order = b & 0x0f
    if ((cc.order !== -1 && order >= cc.order) || order >= this.model.geometry.pageblockOrder) return false
    if (kind === FOLIO_HEAD && !cc.gfpFs) return false
    return true
  }

  /**
   * migrate_pages() with 6.9+'s compaction_alloc(): the isolated folios in list order (the last
   * isolated first: isolate_migratepages_block list_add()s them), each into a free block of its
   * order taken from cc->freepages (the lowest order that has one, split in halves). When none is
   * large enough, compaction_alloc() runs the free scanner once, and isolate_freepages() returns
   * at once while any target is left (cc->nr_freepages): so a large folio can meet -ENOMEM while
   * smaller targets remain. migrate_pages_batch() then splits it (try_split_folio) and migrates
   * its pages one by one after the batch (one MIGRATE_ASYNC pass); if the split fails
   * (MemoryModel.unsplittable) migrate_pages() returns -ENOMEM and compact_zone() ends with
   * COMPACT_CONTENDED. Seen on this machine's 6.18 (fixtures/host-24G-k618-c): each full
   * compaction ended so, on a batch whose last isolated folio was a dirty page-cache folio with
   * fs-private data (mTHP split_failed +1 of its size), with no page of that batch migrated and
   * no free scan after it, while other large folios were split (mTHP split counters) and
   * compaction went on.
   * A migrated source of order 0 to PAGE_ALLOC_COSTLY_ORDER goes to the per-cpu list of its order
   * (free_frozen_pages: 5.13+ keeps lists for orders 1–3), a larger one straight to the buddy
   * allocator. The per-order lists are what keeps the last-migrated pageblocks broken on 6.18
   * (fixtures/host-24G-k618-g: 4336 order-1, 731 order-2 and 40 order-3 folios migrated from the
   * last fifth of the migrate scanner's walk are flagless whole folios in the after-capture).
   */
  private migrateFolios(cc: CompactControl, free: PerOrderFreePages): 'ok' | 'failed' | 'nomem' {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const nrStart = cc.nrMigratepages
    let migrated = 0
    let failed = 0
    let result: 'ok' | 'failed' | 'nomem' = 'ok'
    const list = cc.migratepages
    /** pages of large folios split for want of a target, migrated after the batch */
    const split: number[] = []
    // compaction_alloc(): a block of the order, else one free scan, else none
    const target = (order: number): number => {
      let dst = free.alloc(order)
      if (dst < 0) {
        this.isolateFreepages(cc)
        dst = free.alloc(order)
      }
      return dst
    }
    const move = (src: number, dst: number, kind: number, order: number): void => {
      const pages = 2 ** order
      cc.nrMigratepages -= pages
      map[dst - base] = kind
      if (pages > 1) {
        map.fill(PageKind.COMPOUND_TAIL, dst - base + 1, dst - base + pages)
        if (m.unsplittable.delete(src)) m.unsplittable.add(dst)
        // free_frozen_pages(): orders 1–3 on the running CPU's per-order pcp list, larger ones to the buddy allocator
        if (order <= PAGE_ALLOC_COSTLY_ORDER) this.alloc.freeUnrefPage(src, cc.zone, order)
        else this.alloc.freePages(src, order)
      } else this.alloc.freeUnrefPage(src, cc.zone)
      migrated += pages
    }
    for (let i = list.length - 1; i >= 0; i--) {
      const src = list.at(i)
      const kind = map[src - base]!
      const order = kind >= 0x40 && kind < 0x70 ? kind & 0x0f : 0
      const pages = 2 ** order
      // a page under writeback fails in sync-light (it would have to wait), migrates in sync
      if (kind === PageKind.WRITEBACK && cc.mode !== 'sync') {
        failed += pages
        continue
      }
      const dst = target(order)
      if (dst >= 0) {
        move(src, dst, kind, order)
        continue
      }
      if (order > 0 && !m.unsplittable.has(src)) {
        // split_folio_to_list(): its pages become order-0 LRU pages where they are
        map.fill((kind & 0xf0) === FOLIO_HEAD ? PageKind.FILE : PageKind.ANON, src - base, src - base + pages)
        for (let k = 0; k < pages; k++) split.push(src + k)
        continue
      }
      failed += pages
      result = 'nomem'
      break
    }
    if (result !== 'nomem') {
      for (const src of split) {
        const dst = target(0)
        if (dst < 0) {
          // -ENOMEM in the pass over the split pages: the rest stay, compaction goes on
          failed++
          break
        }
        move(src, dst, map[src - base]!, 0)
      }
    }
    list.length = 0
    cc.nrMigratepages = 0
    if (failed && result === 'ok') result = 'failed'
    this.count('pgmigrate_success', migrated)
    this.count('pgmigrate_fail', failed)
    this.events?.emit({ name: 'mm_compaction_migratepages', nrMigrated: migrated, nrFailed: Math.max(0, nrStart - migrated), migratePfn: cc.migratePfn, freePfn: cc.freePfn })
    this.recordPositions(cc)
    return result
  }

  /**
   * release_free_list() (6.9+): unused targets go back block by block, orders 0–3 through the
   * per-cpu list of their order (free_frozen_pages), larger blocks to the buddy allocator
   */
  private releaseFreeList(cc: CompactControl, free: PerOrderFreePages): void {
    const m = this.model
    for (const [pfn, order] of free.blocks()) {
      if (order === 0) {
        m.memMap[pfn - m.basePfn] = PageKind.KERNEL
        this.alloc.freeUnrefPage(pfn, cc.zone)
      } else {
        m.memMap.fill(PageKind.KERNEL, pfn - m.basePfn, pfn - m.basePfn + 2 ** order)
        if (order <= PAGE_ALLOC_COSTLY_ORDER) this.alloc.freeUnrefPage(pfn, cc.zone, order)
        else this.alloc.freePages(pfn, order)
      }
    }
    free.clear()
  }

  private putbackMigratepages(cc: CompactControl): void {
    cc.migratepages.length = 0
    cc.nrMigratepages = 0
  }

  /** release_freepages(): unused targets go back through free_unref_page */
  private releaseFreepages(cc: CompactControl): void {
    const m = this.model
    if (cc.freepages instanceof PerOrderFreePages) {
      this.releaseFreeList(cc, cc.freepages)
      return
    }
    for (const p of cc.freepages.remaining()) {
      m.memMap[p - m.basePfn] = PageKind.KERNEL // briefly "allocated", as the split pages are
      this.alloc.freeUnrefPage(p, cc.zone)
    }
    cc.freepages.clear()
  }

  // ---------------------------------------------------------------- entry points

  /** compact_node(nid) / a write to /sys/devices/system/node/nodeN/compact: full compaction of every zone of the node. */
  compactNode(node: number, mode: MigrateMode = 'sync'): ZoneCompactResult[] {
    const out: ZoneCompactResult[] = []
    for (const zone of this.model.zones) {
      if (zone.node !== node || zone.managed === 0) continue
      out.push(this.compactZone(this.fullControl(zone, mode)))
    }
    return out
  }

  /** compact_nodes() / a write to /proc/sys/vm/compact_memory: every node. */
  compactMemory(mode: MigrateMode = 'sync'): ZoneCompactResult[] {
    const nodes = [...new Set(this.model.zones.map((z) => z.node))].sort((a, b) => a - b)
    return nodes.flatMap((n) => this.compactNode(n, mode))
  }

  /**
   * try_to_compact_pages() (6.1) for one request order and priority: each zone of the zonelist
   * in turn, deferred zones skipped below sync-full, stopping at the first success.
   */
  tryToCompactPages(order: number, prio: CompactPriority, gfp: { migratetype?: number; highestZoneIdx?: number; node?: number } = {}): { result: CompactResult; zones: ZoneCompactResult[] } {
    const m = this.model
    const mt = gfp.migratetype ?? m.migratetypes.movable
    const zones = this.alloc.zonelist({ order, mt, highestZoneIdx: gfp.highestZoneIdx ?? 4, node: gfp.node ?? null, kind: 0 })
    const mode: MigrateMode = prio === 'async' ? 'async' : 'sync-light'
    let rc: CompactResult = 'skipped'
    const out: ZoneCompactResult[] = []
    for (const zone of zones) {
      if (prio !== 'sync-full' && this.compactionDeferred(zone, order)) {
        rc = rank(rc) > rank('deferred') ? rc : 'deferred'
        continue
      }
      const cc = this.control(zone, order, mode, {
        directCompaction: true, migratetype: mt, allocFlags: (mt === m.migratetypes.movable ? ALLOC_CMA : 0) | ALLOC_WMARK_LOW,
        highestZoneIdx: gfp.highestZoneIdx ?? 4, wholeZone: prio === 'sync-full', ignoreSkipHint: prio === 'sync-full', ignoreBlockSuitable: prio === 'sync-full',
      })
      if (cc.ignoreSkipHint && zone.compactBlockskipFlush) this.resetIsolationSuitable(zone)
      const r = this.compactZone(cc)
      out.push(r)
      rc = rank(r.result) > rank(rc) ? r.result : rc
      if (r.result === 'success') {
        this.compactionDeferReset(zone, order, false)
        break
      }
      if (prio !== 'async' && (r.result === 'complete' || r.result === 'partial_skipped')) this.deferCompaction(zone, order)
    }
    return { result: rc, zones: out }
  }

  /**
   * proactive_compact_node() (6.1): when the node's fragmentation score is above the high
   * threshold, compact every zone (sync-light, whole zone, skip bits ignored) until its score
   * is at most the low threshold. Returns null when the score does not call for it.
   */
  proactiveCompactNode(node: number, proactiveness: number): ZoneCompactResult[] | null {
    const m = this.model
    if (proactiveness <= 0) return null
    const { low, high } = fragmentationScoreWmark61(proactiveness)
    const zones = m.zones.map((z) => ({ node: z.node, present: z.present, nrFree: freeBlocks(z) }))
    const score = fragmentationScoreNode(zones, node, Math.min(m.geometry.pageblockOrder, m.maxOrder))
    if (score <= high) return null
    this.proactiveLow = low
    const out: ZoneCompactResult[] = []
    for (const zone of m.zones) {
      if (zone.node !== node || zone.managed === 0) continue
      out.push(this.compactZone(this.control(zone, -1, 'sync-light', { wholeZone: true, ignoreSkipHint: true, proactiveCompaction: true })))
    }
    return out
  }
}

/** compact_gap(): 2 × 2^order (6.1, 6.12) */
/**
 * memMap seen as 32-bit words, for word-at-a-time scans: map index i is byte (i − shift) & 3 of
 * word (i − shift) >> 2 (shift aligns the words to the map's buffer).
 */
export class MapWords {
  readonly words: Uint32Array
  readonly shift: number
  constructor(readonly map: Uint8Array) {
    this.shift = (4 - (map.byteOffset & 3)) & 3
    const n = Math.max(0, Math.floor((map.length - this.shift) / 4))
    this.words = n > 0 ? new Uint32Array(map.buffer, map.byteOffset + this.shift, n) : new Uint32Array(0)
  }
}

/** The first index in [i, end) of the map whose byte is a free block's head (bit 0x80), or end. */
export function nextFreeHead(map: Uint8Array, w: MapWords, i: number, end: number): number {
  return nextPageMarked(map, w, i, end, 0x80)
}

/** Uint32Array words read their bytes lowest first (every platform Node runs on but s390x) */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/**
 * The first index in [i, end) of the map whose byte has a bit of `mask` set, or end, read a word
 * at a time (mask 0x80: a free block's head; 0xc0: a free block's or a compound page's head).
 */
export function nextPageMarked(map: Uint8Array, w: MapWords, i: number, end: number, mask: number): number {
  const shift = w.shift
  if (!LITTLE_ENDIAN) return plainNextPageMarked(map, i, end, mask)
  // the bytes before the map's first word
  for (; i < end && i < shift; i++) if (map[i]! & mask) return i
  const words = w.words
  const wordMask = mask * 0x01010101
  // the words that hold a byte of [i, end)
  const kEnd = Math.min(words.length, (end - shift + 3) >> 2)
  let k = (i - shift) >> 2
  if (i < end && k < kEnd) {
    // the first word without its bytes below i
    let x = words[k]! & wordMask & (-1 << (((i - shift) & 3) << 3))
    if (x === 0) {
      k++
      // four words a step while none is marked, then word by word
      while (k + 4 <= kEnd && ((words[k]! | words[k + 1]! | words[k + 2]! | words[k + 3]!) & wordMask) === 0) k += 4
      while (k < kEnd && (x = words[k]! & wordMask) === 0) k++
    }
    if (x !== 0) {
      // the lowest marked byte of the word
      const j = shift + (k << 2) + ((31 - Math.clz32(x & -x)) >> 3)
      return j < end ? j : end
    }
    i = shift + (kEnd << 2)
  }
  // the bytes after the map's last word
  for (; i < end; i++) if (map[i]! & mask) return i
  return end
}

/**
 * The pages of words[k … k + 7] (32 pages, the lowest first) that stop the free scanner, as the
 * bits of a 32-bit mask: bit 7 of each byte (a free block's head), and with fold −1 bit 6 too
 * (a compound head). (x & 0x80808080) × 0x00204081 gathers the four bytes' bit 7 in bits 28–31.
 */
export function stopMask(words: Uint32Array, k: number, fold: number): number {
  const x0 = words[k]!
  const x1 = words[k + 1]!
  const x2 = words[k + 2]!
  const x3 = words[k + 3]!
  const x4 = words[k + 4]!
  const x5 = words[k + 5]!
  const x6 = words[k + 6]!
  const x7 = words[k + 7]!
  // none of the 32 pages stops the scan (the usual case between sparse free blocks)
  const any = x0 | x1 | x2 | x3 | x4 | x5 | x6 | x7
  if (((any | ((any << 1) & fold)) & 0x80808080) === 0) return 0
  return (Math.imul((x0 | ((x0 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) |
    ((Math.imul((x1 | ((x1 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 4) |
    ((Math.imul((x2 | ((x2 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 8) |
    ((Math.imul((x3 | ((x3 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 12) |
    ((Math.imul((x4 | ((x4 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 16) |
    ((Math.imul((x5 | ((x5 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 20) |
    ((Math.imul((x6 | ((x6 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 24) |
    ((Math.imul((x7 | ((x7 << 1) & fold)) & 0x80808080, 0x00204081) >>> 28) << 28)
}

/** the number of bits set in each 4-bit value */
const BITS4 = Uint8Array.from({ length: 16 }, (_, v) => (v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1) + ((v >> 3) & 1))

/** bits [from, to) of a bitmap (bit i: bit i & 31 of word i >>> 5) that are set */
export function countBits(bits: Uint32Array, from: number, to: number): number {
  let n = 0
  while (from < to && (from & 31) !== 0) n += (bits[from >>> 5]! >>> (from++ & 31)) & 1
  for (; from + 32 <= to; from += 32) {
    let x = bits[from >>> 5]!
    x -= (x >>> 1) & 0x55555555
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
    n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24)
  }
  for (; from < to; from++) n += (bits[from >>> 5]! >>> (from & 31)) & 1
  return n
}

/**
 * The pages of the kernel's non-LRU compound page whose head is map index i (MemoryModel.kernelCompoundTails:
 * the tail pages that follow it), 1 for any other page, a tail page included (compound_order() of a tail is 0)
 */
export function kernelCompoundPages(tails: Uint32Array, i: number): number {
  if ((tails[i >>> 5]! >>> (i & 31)) & 1) return 1
  let j = i + 1
  while (j >>> 5 < tails.length && (tails[j >>> 5]! >>> (j & 31)) & 1) j++
  return j - i
}

/** nextPageMarked() page by page (the plain path). */
export function plainNextPageMarked(map: Uint8Array, i: number, end: number, mask: number): number {
  for (; i < end; i++) if (map[i]! & mask) return i
  return end
}

export function compactGap(order: number): number {
  return 2 * 2 ** order
}

function blockStartPfn(pfn: number, order: number): number {
  const n = 2 ** Math.max(order, 0)
  return pfn - (pfn % n)
}

function blockEndPfn(pfn: number, order: number): number {
  return blockStartPfn(pfn, order) + 2 ** Math.max(order, 0)
}

function freeBlocks(z: Zone): number[] {
  return Array.from({ length: z.free.nrOrders }, (_, o) => z.free.nrFree(o))
}

const RANK: CompactResult[] = ['not_suitable_zone', 'skipped', 'deferred', 'no_suitable_page', 'continue', 'complete', 'partial_skipped', 'contended', 'success']
function rank(r: CompactResult): number {
  return RANK.indexOf(r)
}

/**
 * A small compacted model kept for the life of the process (made on the first Compactor), so that
 * the hidden classes of the model's objects (model, zones, free areas, allocator, pcp lists,
 * compactor, compact_control, target lists) outlive the models a caller builds and drops. V8 keeps
 * a hidden class only while some object has it: when the last model of a run became garbage, the
 * next collection took its classes with it and threw away every compiled function that checks them
 * ("weak objects" in --trace-deopt: the free and migrate scanners, migration, the pcp frees), and
 * the next model's compaction ran unoptimized at first (the benchmark's first 64 GiB run, 1.5×).
 */
let shapes: unknown[] | null = null

function keepShapes(): void {
  if (shapes) return
  shapes = []
  // four pageblocks: the low two every other page in use, the high two a page in use each
  const { model, allocator } = bootModel({ pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }, [{ name: 'Normal', startPfn: 0, spanned: 4 * 512 }])
  const zone = model.zones[0]!
  zone.pcpHigh = 64
  zone.pcpBatch = 8
  const used: number[] = []
  for (let r = allocator.allocPages({ order: 0, gfp: 'movable', kind: PageKind.ANON }); r; r = allocator.allocPages({ order: 0, gfp: 'movable', kind: PageKind.ANON })) used.push(r.pfn)
  for (const p of used) if ((p >= 1024 && p % 512 !== 0) || (p < 1024 && p % 2 === 1)) allocator.freePages(p, 0)
  const c = new Compactor(allocator)
  const cc = c.fullControl(zone)
  c.compactZone(cc)
  shapes.push(model, allocator, c, cc, new PerOrderFreePages(11))
}
