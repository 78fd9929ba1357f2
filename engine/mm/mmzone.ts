/**
 * The physical memory model: nodes, zones, pageblocks and pages by PFN.
 * Mirrors include/linux/mmzone.h (struct zone, struct free_area) and
 * include/linux/pageblock-flags.h, kernel 6.1 (with 7.2 differences noted where they matter).
 *
 * Geometry (page size, pageblock order, number of orders) always comes from the snapshot.
 * Per-page state is one byte per PFN (see page.ts); per-pageblock state is two bytes
 * (migratetype, flags). Free lists are LIFO stacks of head PFNs per (order, migratetype),
 * validated lazily against memMap so that removing a block from the middle of a list (a buddy
 * merge) is O(1), as with the kernel's list_del.
 */
import { freeHead, isFreeHead, headOrder, freeHeadMt } from './page.ts'

/** Kernel zone names in zone-index order (mm/page_alloc.c zone_names[]). */
export const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device'] as const

/** PAGE_ALLOC_COSTLY_ORDER (include/linux/mmzone.h, all versions). */
export const PAGE_ALLOC_COSTLY_ORDER = 3

export interface Geometry {
  /** bytes per base page */
  pageSize: number
  /** pageblock_order */
  pageblockOrder: number
  /** NR_PAGE_ORDERS (= MAX_PAGE_ORDER + 1) */
  nrOrders: number
}

/**
 * Migratetypes as the capture names them (header of /proc/pagetypeinfo), with the roles the
 * allocator needs. Internal migratetype numbers are indexes into `names`.
 */
export class MigratetypeTable {
  readonly names: readonly string[]
  readonly unmovable: number
  readonly movable: number
  readonly reclaimable: number
  /** HighAtomic (≥4.4) or the old Reserve type; -1 if absent */
  readonly highatomic: number
  readonly cma: number
  readonly isolate: number

  constructor(names: readonly string[]) {
    if (names.length === 0 || names.length > 8) throw new Error(`migratetype table needs 1..8 names, got ${names.length}`)
    this.names = [...names]
    const find = (...n: string[]): number => this.names.findIndex((x) => n.includes(x))
    this.unmovable = find('Unmovable')
    this.movable = find('Movable')
    this.reclaimable = find('Reclaimable')
    this.highatomic = find('HighAtomic', 'Reserve')
    this.cma = find('CMA')
    this.isolate = find('Isolate')
    if (this.unmovable < 0 || this.movable < 0 || this.reclaimable < 0) {
      throw new Error(`migratetype table lacks Unmovable/Movable/Reclaimable: ${names.join(' ')}`)
    }
  }

  get count(): number {
    return this.names.length
  }

  /** migratetype_is_mergeable(): Unmovable, Movable, Reclaimable (the pcp types). */
  isMergeable(mt: number): boolean {
    return mt === this.unmovable || mt === this.movable || mt === this.reclaimable
  }

  /** fallbacks[] (identical in 6.1, 6.12, 7.2): the types a request may fall back to, in order. */
  fallbacks(mt: number): number[] {
    if (mt === this.unmovable) return [this.reclaimable, this.movable]
    if (mt === this.movable) return [this.reclaimable, this.unmovable]
    if (mt === this.reclaimable) return [this.unmovable, this.movable]
    return []
  }

  /** The ≥4.4 default table. */
  static standard(withCma = true, withIsolate = true): MigratetypeTable {
    const n = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic']
    if (withCma) n.push('CMA')
    if (withIsolate) n.push('Isolate')
    return new MigratetypeTable(n)
  }
}

/** One free list: a LIFO stack of head PFNs (head of the kernel list = top of the stack). */
class FreeList {
  items: Int32Array = new Int32Array(16)
  length = 0

  push(pfn: number): void {
    if (this.length === this.items.length) {
      const n = new Int32Array(this.items.length * 2)
      n.set(this.items)
      this.items = n
    }
    this.items[this.length++] = pfn
  }
}

/**
 * struct free_area[] of one zone: nr_free per order and one list per (order, migratetype).
 */
export class FreeArea {
  readonly nrOrders: number
  readonly nrTypes: number
  /** free blocks per (order, mt): index order * nrTypes + mt */
  readonly nrFreeMt: Float64Array
  private readonly lists: FreeList[]

  constructor(nrOrders: number, nrTypes: number) {
    this.nrOrders = nrOrders
    this.nrTypes = nrTypes
    this.nrFreeMt = new Float64Array(nrOrders * nrTypes)
    this.lists = Array.from({ length: nrOrders * nrTypes }, () => new FreeList())
  }

  /** free_area[order].nr_free: blocks of this order on all lists */
  nrFree(order: number): number {
    let s = 0
    for (let mt = 0; mt < this.nrTypes; mt++) s += this.nrFreeMt[order * this.nrTypes + mt]!
    return s
  }

  count(order: number, mt: number): number {
    return this.nrFreeMt[order * this.nrTypes + mt]!
  }

  isEmpty(order: number, mt: number): boolean {
    return this.nrFreeMt[order * this.nrTypes + mt] === 0
  }

  /** add to the head of list (order, mt); memMap must already say freeHead(mt, order) at pfn */
  add(pfn: number, order: number, mt: number): void {
    const i = order * this.nrTypes + mt
    this.lists[i]!.push(pfn)
    this.nrFreeMt[i]! += 1
  }

  /**
   * For each j < n, pfns[j] onto list lists[j] (order × nrTypes + mt) when memMap still says it
   * heads a free block of that list (PageAllocator.freeOrder0Run: the counts are already made)
   */
  pushStillFree(pfns: ArrayLike<number>, lists: Uint8Array, n: number, memMap: Uint8Array, basePfn: number): void {
    const nt = this.nrTypes
    for (let j = 0; j < n; j++) {
      const i = lists[j]!
      const pfn = pfns[j]!
      if (memMap[pfn - basePfn] === (0x80 | ((i % nt) << 4) | ((i / nt) | 0))) this.lists[i]!.push(pfn)
    }
  }

  /** account the removal of a block whose memMap entry the caller has changed or will change */
  del(order: number, mt: number): void {
    this.nrFreeMt[order * this.nrTypes + mt]! -= 1
  }

  /**
   * The block at the head of list (order, mt), or -1 when empty; stale entries (blocks that
   * merged, were allocated or moved list since they were pushed) are dropped on the way.
   */
  peek(order: number, mt: number, memMap: Uint8Array, basePfn: number): number {
    const i = order * this.nrTypes + mt
    if (this.nrFreeMt[i] === 0) {
      this.lists[i]!.length = 0
      return -1
    }
    const l = this.lists[i]!
    const want = freeHead(mt, order)
    while (l.length > 0) {
      const pfn = l.items[l.length - 1]!
      if (memMap[pfn - basePfn] === want) return pfn
      l.length--
    }
    throw new Error(`free list (${order}, ${mt}) count ${this.nrFreeMt[i]} but no valid entry`)
  }

  /**
   * The blocks of list (order, mt) from its head down, as successive peeks would find them
   * (stale entries left out, and the older entries of a block pushed again, which no peek
   * reaches first; nothing dropped): for tests that compare two runs' lists.
   */
  validEntries(order: number, mt: number, memMap: Uint8Array, basePfn: number): number[] {
    const l = this.lists[order * this.nrTypes + mt]!
    const want = freeHead(mt, order)
    const out: number[] = []
    const seen = new Set<number>()
    for (let k = l.length - 1; k >= 0; k--) {
      const pfn = l.items[k]!
      if (memMap[pfn - basePfn] === want && !seen.has(pfn)) {
        seen.add(pfn)
        out.push(pfn)
      }
    }
    return out
  }

  /** drop stale entries and duplicates from every list (bounded memory over long runs) */
  compactLists(memMap: Uint8Array, basePfn: number): void {
    for (let i = 0; i < this.lists.length; i++) {
      const l = this.lists[i]!
      const want = freeHead(i % this.nrTypes, Math.floor(i / this.nrTypes))
      const seen = new Set<number>()
      let w = l.length
      const out: number[] = []
      while (w-- > 0) {
        const pfn = l.items[w]!
        if (memMap[pfn - basePfn] === want && !seen.has(pfn)) {
          seen.add(pfn)
          out.push(pfn)
        }
      }
      l.length = 0
      for (let k = out.length - 1; k >= 0; k--) l.push(out[k]!)
    }
  }

  /** total stack entries, for memory accounting */
  get entries(): number {
    let s = 0
    for (const l of this.lists) s += l.items.length
    return s
  }
}

export interface Watermarks {
  min: number
  low: number
  high: number
  promo: number
}

/** One CPU's per_cpu_pages of a zone as captured. */
export interface PcpCpu {
  cpu: number
  count: number
  high: number
  batch: number
  /** pcp->high_min, when zoneinfo prints it */
  highMin?: number
}

/** struct zone (the parts the allocator, compaction and reports use). */
export class Zone {
  readonly node: number
  readonly name: string
  /** zone index within the node (position in ZONE_NAMES) */
  readonly idx: number
  readonly startPfn: number
  readonly spanned: number
  present: number
  managed: number
  /** pages of CMA areas in this zone (zoneinfo `cma`) */
  cmaPages: number
  /** _watermark[] without boost */
  wmark: Watermarks
  /** watermark_boost */
  boost: number
  /** lowmem_reserve[] per zone index of the node */
  protection: number[]
  /** nr_reserved_highatomic */
  nrReservedHighatomic: number
  /** free pages cached on per-cpu lists (zoneinfo pagesets `count` summed) */
  pcpPages: number
  /** per-cpu list limit and batch (the largest over the captured CPUs); used when pcpCpus is empty */
  pcpHigh: number
  pcpBatch: number
  /** each CPU's pageset as captured (zoneinfo `cpu: N` count/high/batch); empty when unknown */
  pcpCpus: PcpCpu[]
  /** compact_cached_migrate_pfn[async, sync] and compact_cached_free_pfn (0 = unset) */
  compactCachedMigratePfn: [number, number]
  compactCachedFreePfn: number
  /** compact_considered, compact_defer_shift, compact_order_failed */
  compactConsidered: number
  compactDeferShift: number
  compactOrderFailed: number
  /** compact_blockskip_flush */
  compactBlockskipFlush: boolean
  readonly free: FreeArea
  /** NR_FREE_PAGES as the model accounts it (buddy pages not on the Isolate list) */
  nrFreePages: number
  /** NR_FREE_CMA_PAGES */
  nrFreeCmaPages: number

  constructor(init: {
    node: number; name: string; idx: number; startPfn: number; spanned: number; present: number; managed: number
    cmaPages?: number; nrOrders: number; nrTypes: number
  }) {
    this.node = init.node
    this.name = init.name
    this.idx = init.idx
    this.startPfn = init.startPfn
    this.spanned = init.spanned
    this.present = init.present
    this.managed = init.managed
    this.cmaPages = init.cmaPages ?? 0
    this.wmark = { min: 0, low: 0, high: 0, promo: 0 }
    this.boost = 0
    this.protection = []
    this.nrReservedHighatomic = 0
    this.pcpPages = 0
    this.pcpHigh = 0
    this.pcpBatch = 0
    this.pcpCpus = []
    this.compactCachedMigratePfn = [init.startPfn, init.startPfn]
    this.compactCachedFreePfn = 0
    this.compactConsidered = 0
    this.compactDeferShift = 0
    this.compactOrderFailed = 0
    this.compactBlockskipFlush = false
    this.free = new FreeArea(init.nrOrders, init.nrTypes)
    this.nrFreePages = 0
    this.nrFreeCmaPages = 0
  }

  get endPfn(): number {
    return this.startPfn + this.spanned
  }

  /** zone_spans_pfn() */
  spans(pfn: number): boolean {
    return pfn >= this.startPfn && pfn < this.startPfn + this.spanned
  }

  /** "Node 0, zone Normal" */
  get label(): string {
    return `Node ${this.node}, zone ${this.name}`
  }
}

export type BuildMethod =
  | { method: 'exact'; source: string; notes: string[] }
  | { method: 'synthesized'; seed: number; notes: string[] }

/**
 * All of physical memory: every PFN from basePfn to endPfn, the zones that hold them, and
 * per-pageblock state. A PFN outside every zone is a HOLE.
 */
export class MemoryModel {
  readonly geometry: Geometry
  readonly migratetypes: MigratetypeTable
  readonly basePfn: number
  readonly endPfn: number
  /** one byte per page: see page.ts */
  readonly memMap: Uint8Array
  /** first pageblock index (basePfn >> pageblockOrder) */
  readonly pbBase: number
  /** per pageblock: migratetype (pageblock bits) */
  readonly pageblockMt: Uint8Array
  /** per pageblock: PB_migrate_skip in bit 0 */
  readonly pageblockFlags: Uint8Array
  /**
   * Head PFNs of the large folios whose split fails (split_huge_page_to_list_to_order: a folio
   * under writeback, or a dirty page-cache folio with fs-private data that release_folio
   * keeps): from the exact layout's kpageflags (KPF_WRITEBACK, or KPF_DIRTY with KPF_PRIVATE on
   * a non-anonymous head); empty when the layout cannot tell
   */
  readonly unsplittable = new Set<number>()
  /**
   * The capture's own tools' pages (exact layout, with kpagecount): anonymous LRU pages mapped
   * when kpageflags was read and with map count 0 when kpagecount was, and flagless pages that had
   * a map count by then. The tools that read the capture had them mapped and freed them when they
   * exited, to the per-cpu list of the CPU they ran on (PageAllocator.captureToolPagesFreed); the
   * layout keeps them as it read them (anonymous, kernel pages). Empty when the layout cannot tell.
   */
  readonly captureToolPages = new Set<number>()
  /**
   * Anonymous pages not on an LRU list when kpageflags was read (KPF_ANON without KPF_LRU; exact
   * layout): fresh faults in a CPU's lru_add folio batch (folio_add_lru_vma → folio_batch_add; PG_lru
   * is set when the batch drains), the capture's own tools' (reconstruct/exact.ts). The layout keeps
   * them as it read them (kernel pages, which the migrate scanner skips: !PageLRU) and lists them
   * with the tools' pages too (captureToolPages), which the tools free when they exit, their exit
   * draining the batch first (lru_add_drain). Empty when the layout cannot tell.
   */
  readonly lruAddPages = new Set<number>()
  /**
   * Anonymous LRU pages with PG_referenced when kpageflags was read (KPF_REFERENCED; not mlocked,
   * unevictable, under writeback or compound; exact layout): a mapped anonymous page gets it from
   * get_user_pages, which marks every page it takes (gup_pte_range's SetPageReferenced on the fast
   * path, FOLL_TOUCH's mark_page_accessed on the slow one), and from reclaim, which none of the
   * harness runs saw. The harness's vmsplice pins are such pages: every 6.1 and 6.12 capture after
   * its workload pinned N pages holds about N of them (1018–1023 for 1024, 259–260 for 256, 1996
   * for 2048: the workload's random picks can take a page twice), 2–4 without pins
   * (engine/whatif/pins.ts places pins on them first). Empty when the layout cannot tell.
   */
  readonly referencedAnon = new Set<number>()
  /**
   * The tail pages of compound pages that are neither on an LRU list nor hugetlb (slab of order
   * > 0, kmalloc_large and other __GFP_COMP kernel allocations; exact layout, kpageflags KPF_TAIL),
   * one bit per page of memMap: bit (pfn − basePfn) & 31 of word (pfn − basePfn) >>> 5. Their
   * bytes hold their head's kind (slab, page table, kernel), so only the compaction scanners read
   * this: a compound page is stepped over from its head, and before 6.4 its tail pages are not
   * counted as scanned (isolate_migratepages_block, isolate_freepages_block: PageCompound). Read
   * only where a page's byte holds a kernel kind. Null when the layout cannot tell (synthesized).
   */
  kernelCompoundTails: Uint32Array | null = null
  /** populated zones, ordered by node then zone index */
  readonly zones: Zone[]
  build: BuildMethod
  /** zone of each pageblock (index into zones, 255 = none); a block straddling zones gets the first */
  private readonly pbZone: Uint8Array

  constructor(geometry: Geometry, migratetypes: MigratetypeTable, zones: Zone[], build: BuildMethod) {
    if (zones.length === 0) throw new Error('a memory model needs at least one populated zone')
    if (zones.length > 254) throw new Error('too many zones')
    this.geometry = geometry
    // 1 << order rather than 2 ** order: an integer the engine's hot loops keep as a small integer
    // (2 ** n is a heap number in V8, and every pfn % pageblock_nr_pages then divides in floating point)
    const pbPages = 1 << geometry.pageblockOrder
    this.pageblockNrPages = pbPages
    this.pbOrder = geometry.pageblockOrder
    this.migratetypes = migratetypes
    this.zones = [...zones].sort((a, b) => a.node - b.node || a.idx - b.idx)
    const pbOrder = geometry.pageblockOrder
    const lo = Math.min(...zones.map((z) => z.startPfn))
    const hi = Math.max(...zones.map((z) => z.endPfn))
    // align to pageblocks so every pageblock of every zone is fully inside memMap
    this.basePfn = Math.floor(lo / pbPages) * pbPages
    this.endPfn = Math.ceil(hi / pbPages) * pbPages
    this.memMap = new Uint8Array(this.endPfn - this.basePfn)
    this.pbBase = this.basePfn / pbPages
    const nrPb = (this.endPfn - this.basePfn) / pbPages
    this.pageblockMt = new Uint8Array(nrPb).fill(migratetypes.movable)
    this.pageblockFlags = new Uint8Array(nrPb)
    this.pbZone = new Uint8Array(nrPb).fill(255)
    this.zones.forEach((z, zi) => {
      const first = Math.floor(z.startPfn / 2 ** pbOrder) - this.pbBase
      const last = Math.floor((z.endPfn - 1) / 2 ** pbOrder) - this.pbBase
      for (let b = first; b <= last; b++) if (this.pbZone[b] === 255) this.pbZone[b] = zi
    })
    this.build = build
  }

  /** pageblock_nr_pages */
  readonly pageblockNrPages: number
  /** pageblock_order */
  private readonly pbOrder: number

  get maxOrder(): number {
    return this.geometry.nrOrders - 1
  }

  get nrPageblocks(): number {
    return this.pageblockMt.length
  }

  /** index into pageblockMt for a pfn */
  pbIndex(pfn: number): number {
    // basePfn is pageblock-aligned: a shift while the distance fits 32 bits (a division otherwise)
    const d = pfn - this.basePfn
    return d >= 0 && d <= 0x7fffffff ? d >> this.pbOrder : Math.floor(pfn / this.pageblockNrPages) - this.pbBase
  }

  /** get_pageblock_migratetype() */
  getPageblockMigratetype(pfn: number): number {
    return this.pageblockMt[this.pbIndex(pfn)]!
  }

  /** set_pageblock_migratetype() */
  setPageblockMigratetype(pfn: number, mt: number): void {
    this.pageblockMt[this.pbIndex(pfn)] = mt
  }

  getPageblockSkip(pfn: number): boolean {
    return (this.pageblockFlags[this.pbIndex(pfn)]! & 1) !== 0
  }

  setPageblockSkip(pfn: number, skip: boolean): void {
    const i = this.pbIndex(pfn)
    this.pageblockFlags[i] = skip ? this.pageblockFlags[i]! | 1 : this.pageblockFlags[i]! & ~1
  }

  /** page byte of a pfn */
  page(pfn: number): number {
    return this.memMap[pfn - this.basePfn]!
  }

  /** the zone a pfn belongs to, or null (page_zone) */
  zoneOf(pfn: number): Zone | null {
    if (pfn < this.basePfn || pfn >= this.endPfn) return null
    const zi = this.pbZone[this.pbIndex(pfn)]!
    if (zi !== 255) {
      const z = this.zones[zi]!
      if (z.spans(pfn)) return z
    }
    for (const z of this.zones) if (z.spans(pfn)) return z
    return null
  }

  /** index of the zone in this.zones for a pageblock index, or -1 */
  zoneIndexOfPageblock(pb: number): number {
    const zi = this.pbZone[pb]!
    return zi === 255 ? -1 : zi
  }

  findZone(node: number, name: string): Zone | undefined {
    return this.zones.find((z) => z.node === node && z.name === name)
  }

  /** bytes the model holds (memMap, pageblock arrays, free-list stacks) */
  memoryBytes(): number {
    let s = this.memMap.byteLength + this.pageblockMt.byteLength * 3
    for (const z of this.zones) s += z.free.entries * 4 + z.free.nrFreeMt.byteLength
    return s
  }

  /** Head pfn and order of the free block containing pfn, or null if pfn is not in a free block. */
  findFreeBlock(pfn: number): { pfn: number; order: number; mt: number } | null {
    const b = this.page(pfn)
    if (isFreeHead(b)) return { pfn, order: headOrder(b), mt: freeHeadMt(b) }
    for (let order = 1; order < this.geometry.nrOrders; order++) {
      const head = pfn - (pfn % 2 ** order)
      if (head < this.basePfn) break
      const hb = this.page(head)
      if (isFreeHead(hb) && headOrder(hb) >= order && head + 2 ** headOrder(hb) > pfn) {
        return { pfn: head, order: headOrder(hb), mt: freeHeadMt(hb) }
      }
    }
    return null
  }
}
