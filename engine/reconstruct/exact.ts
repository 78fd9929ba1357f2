/**
 * Exact layout from /proc/kpageflags and /proc/kpagecount (kernel 6.1/6.12 semantics; 7.2's
 * all-zero entries for holes are handled by the zone spans): every PFN's kind is read from its
 * flags; free blocks are the runs of KPF_BUDDY pages cut into the largest aligned blocks (the
 * kernel merges free buddies, so a run is exactly such a decomposition), and go on the list of
 * their pageblock's migratetype.
 *
 * What kpageflags cannot tell, and how it is inferred (each becomes a note on the model):
 *  - pageblock migratetypes (page_owner is rarely built in): CMA blocks from the CMA area's
 *    position; the other types are assigned so that the count per type equals pagetypeinfo's:
 *    whole free pageblocks go to the types whose free lists hold blocks of their order, then
 *    the blocks with the most unmovable pages (slab, page tables, flagless kernel pages,
 *    reserved) become Unmovable/Reclaimable (the slab-heaviest of them Reclaimable), the rest
 *    Movable; then swaps of two blocks' types bring the free lists they imply as close as
 *    kpageflags allows to pagetypeinfo's free lists per migratetype (migratetype_assign.ts).
 *    After a full compaction (compact_zone run until its scanners met), a pageblock above the
 *    meeting point that holds free pages and no movable page is kept off Movable: the free
 *    scanner (isolate_freepages, suitable_migration_target) empties every Movable pageblock it
 *    passes, so it was skipped, or claimed whole by a fallback since (__rmqueue_claim,
 *    try_to_claim_block) (packedAboveMeet).
 *    Before that, where the boot log says deferred struct page init ran (6.1–6.12), the
 *    memblock-reserved pageblocks get the types boot gave them (deferredReservedTypes);
 *  - per-cpu free pages: flagless pages with map count 0 look the same as kernel allocations
 *    (pipe buffers, vmalloc); as many as zoneinfo's pageset counts are taken as pcp pages,
 *    those next to a free buddy first;
 *  - torn reads: kpagecount is read seconds after kpageflags, and the capture's own tools
 *    allocate in between; a page free (KPF_BUDDY) in kpageflags with a map count in kpagecount
 *    was allocated then (kpagecount reads 0 for a PageBuddy page: `kpagecount_read` skips pages
 *    with a page type), and is taken as a held user page that compaction does not move (PINNED);
 *  - the capture's tools' pages: an anonymous LRU page with a map count 0 in kpagecount was mapped
 *    when kpageflags was read and unmapped since, and a flagless page with a map count was free
 *    then (on the per-cpu list of the CPU the tools ran on) and mapped since: the tools' own
 *    pages, freed when they exit (`exit_mmap` → `free_unref_page_list` on 6.1, `free_unref_folios`
 *    on 6.10+: onto the exiting CPU's per-cpu list). The layout keeps them as read (anonymous,
 *    kernel pages) and lists them in MemoryModel.captureToolPages for the what-ifs;
 *  - anonymous pages without KPF_LRU (no compound bit): fresh faults in a CPU's lru_add folio batch
 *    (folio_add_lru_vma → folio_batch_add; PG_lru comes when the batch drains: lru_add_fn on 6.1,
 *    lru_add on 6.12+), 14–17 in every 6.1 harness capture, 27–30 on 6.12 (PAGEVEC_SIZE 15, 31 since
 *    6.10), 9–31 on this machine's 6.18. They are the capture's own tools' faults, not a workload's:
 *    other PFNs in every capture, a boot capture holds as many, and on 6.12 a capture's are all
 *    unmapped or all mapped again by the kpagecount read (the next `cat | gzip` faulting the pages
 *    the first one freed, last in first out), and where a full compaction vacated their pageblocks
 *    the kernel left them off the buddy allocator as it leaves another CPU's per-cpu pages
 *    (docs/fidelity-causes.json). The layout keeps them as read (kernel pages) and lists them in
 *    MemoryModel.lruAddPages and with the tools' pages (captureToolPages): the tools exit before a
 *    trigger, and the batch drains at their exit (exit_mmap → tlb_finish_mmu →
 *    free_pages_and_swap_cache → lru_add_drain, where the exit path has it) or at the trigger's
 *    lru_add_drain_all (compact_store, compact_nodes), freeing the unmapped pages to the per-cpu
 *    list of the CPU whose batch held them, not putting them on the LRU for the compaction;
 *  - pins: invisible;
 *  - a large folio's split fails (MemoryModel.unsplittable) when its head is under writeback, or
 *    is dirty page cache with fs-private data (KPF_DIRTY, KPF_PRIVATE);
 *  - the kernel's non-LRU compound pages (slab of order > 0, kmalloc_large and other __GFP_COMP
 *    allocations): their tail pages (KPF_TAIL) take their head's kind and are marked in
 *    MemoryModel.kernelCompoundTails, for the compaction scanners, which step over them from their
 *    head (before 6.4 without counting them).
 */
import { MemoryModel, MigratetypeTable, type Geometry, type Zone } from '../mm/mmzone.ts'
import { PageKind, THP_HEAD, HUGETLB_HEAD, FOLIO_HEAD, isFreeHead } from '../mm/page.ts'
import { PageAllocator, kernelVersionCode } from '../mm/page_alloc.ts'
import type { Capture } from '../snapshot.ts'
import { zoneShapes, makeZone, capturedFreeCounts, capturedBlockCounts, checkCountsFit } from './zones.ts'
import { improveAssignment } from './migratetype_assign.ts'

// kpageflags bits, low word
const REFERENCED = 1 << 2, LRU = 1 << 5, SLAB = 1 << 7, WRITEBACK = 1 << 8, BUDDY = 1 << 10, ANON = 1 << 12
const HEAD = 1 << 15, TAIL = 1 << 16, HUGE = 1 << 17, UNEVICTABLE = 1 << 18, HWPOISON = 1 << 19
const NOPAGE = 1 << 20, THP = 1 << 22, OFFLINE = 1 << 23, ZERO_PAGE = 1 << 24, PGTABLE = 1 << 26
// high word
const RESERVED_HI = 1 << 0, MLOCKED_HI = 1 << 1, PRIVATE_HI = 1 << 3
const DIRTY = 1 << 4

/** Kind of one page from its kpageflags entry (compound heads get their order later). */
export function classifyKpageflags(lo: number, hi: number): number {
  if (lo & BUDDY) return PageKind.BUDDY_TAIL
  if (lo & NOPAGE) return PageKind.HOLE
  if (lo & HWPOISON) return PageKind.HWPOISON
  if (lo & OFFLINE) return PageKind.OFFLINE
  if (hi & RESERVED_HI) return PageKind.RESERVED
  if (lo & HUGE) return lo & HEAD ? HUGETLB_HEAD : PageKind.COMPOUND_TAIL
  // a tail of a non-LRU compound page (slab of order > 0, kmalloc_large, other __GFP_COMP kernel
  // allocations): transient, given its head's kind and marked in kernelCompoundTails by finish()
  if (lo & SLAB) return lo & TAIL ? PageKind.KERNEL_COMPOUND_TAIL : PageKind.SLAB
  if (lo & PGTABLE) return lo & TAIL ? PageKind.KERNEL_COMPOUND_TAIL : PageKind.PAGETABLE
  if (lo & ZERO_PAGE) return PageKind.ZERO
  if (lo & (LRU | THP)) {
    if (lo & TAIL) return PageKind.COMPOUND_TAIL
    if (lo & HEAD) return lo & THP ? THP_HEAD : FOLIO_HEAD
    if (lo & UNEVICTABLE || hi & MLOCKED_HI) return PageKind.UNEVICTABLE
    if (lo & WRITEBACK) return PageKind.WRITEBACK
    // an anonymous page with PG_referenced: one get_user_pages took (see the header)
    return lo & ANON ? (lo & REFERENCED ? PageKind.ANON_REFERENCED : PageKind.ANON) : PageKind.FILE
  }
  // anonymous, not on an LRU list yet: a fresh fault in a CPU's lru_add batch (a kernel page as read,
  // listed in lruAddPages and captureToolPages by ExactLayoutBuilder.finish)
  if (lo & ANON && !(lo & (HEAD | TAIL))) return PageKind.ANON_NOT_LRU
  if (lo === 0 && hi === 0) return PageKind.PCP // flagless: per-cpu free page or kernel page; settled later
  return lo & TAIL ? PageKind.KERNEL_COMPOUND_TAIL : PageKind.KERNEL
}

const RELEVANT = LRU | SLAB | WRITEBACK | BUDDY | ANON | HEAD | TAIL | HUGE | UNEVICTABLE | HWPOISON | NOPAGE | THP | OFFLINE | ZERO_PAGE | PGTABLE
/** the high word's bits classifyKpageflags reads (KPF_RESERVED, KPF_MLOCKED) go to low-word bits 13 and 14 of a key (KPF_SWAPCACHE, KPF_SWAPBACKED: not relevant) */
const HI_SHIFT = 13
/** KPF_REFERENCED (bit 2, below the key's first bit) goes to bit 6 of a key (KPF_ACTIVE's place: not relevant) */
const REF_SHIFT = 4
/** a key's bits start at KPF_LRU (bit 5): the bits below it are not relevant (KPF_REFERENCED is, moved up: REF_SHIFT) */
const KEY_SHIFT = 5
if (((REFERENCED << REF_SHIFT) & (RELEVANT | ((RESERVED_HI | MLOCKED_HI) << HI_SHIFT))) !== 0 || (REFERENCED << REF_SHIFT) >>> KEY_SHIFT === 0) throw new Error('exact.ts: KPF_REFERENCED\'s place in the key is taken')
/**
 * The key of a kpageflags entry in kpageKindTable(): its relevant low-word bits, its
 * KPF_REFERENCED (at KPF_ACTIVE's place) and its high word's KPF_RESERVED and KPF_MLOCKED,
 * shifted down. Key 0 is a page with none of them: flagless
 * (lo = hi = 0: a per-cpu free page or a kernel page, settled later) or with only irrelevant
 * bits (a kernel page); the table holds the flagless kind there and the decoders tell the two
 * apart. host/workers/kpage_wasm.ts computes the same key.
 */
export const KPAGE_KEY = { relevant: RELEVANT, referenced: REFERENCED, refShift: REF_SHIFT, hiMask: RESERVED_HI | MLOCKED_HI, hiShift: HI_SHIFT, shift: KEY_SHIFT } as const
let LUT: Uint8Array | null = null
/**
 * Kind by key (KPAGE_KEY), 4 MiB, built once. One table load per page and no branch on the
 * flags: the flags of neighbouring pages differ at random (referenced, active, dirty), so a
 * branch on "same as the last entry" mispredicts about every other page; neither does the high
 * word take a slower path (page-cache pages often carry KPF_MAPPEDTODISK or KPF_PRIVATE there).
 */
export function kpageKindTable(): Uint8Array {
  if (LUT) return LUT
  const t = new Uint8Array(((RELEVANT | (REFERENCED << REF_SHIFT) | ((RESERVED_HI | MLOCKED_HI) << HI_SHIFT)) >>> KEY_SHIFT) + 1)
  const bits: number[] = []
  for (let b = 0; b < 32; b++) if (RELEVANT & (1 << b)) bits.push(b)
  const nb = bits.length
  for (let c = 0; c < 1 << (nb + 3); c++) {
    let lo = 0
    bits.forEach((b, k) => { if (c & (1 << k)) lo |= 1 << b })
    const ref = (c >>> nb) & 1 ? REFERENCED : 0
    const hi = c >>> (nb + 1)
    t[(lo | (ref << REF_SHIFT) | (hi << HI_SHIFT)) >>> KEY_SHIFT] = classifyKpageflags(lo | ref, hi)
  }
  return (LUT = t)
}

/**
 * Page kinds of kpageflags entries firstPfn .. firstPfn + n − 1 (`words`: lo, hi per PFN) into
 * `map` (map[pfn − basePfn]); PFNs outside [basePfn, endPfn) are skipped. Returns the large-folio
 * heads whose split would fail (under writeback, or dirty page cache with fs-private data), in
 * PFN order, or null when there are none. Ranges are independent: the file may be decoded in
 * pieces, in any order and on several threads, into the same map (ExactLayoutBuilder.flagsDecoded).
 */
export function decodeKpageflags(words: Uint32Array, firstPfn: number, map: Uint8Array, basePfn: number, endPfn: number): number[] | null {
  const n = words.length >> 1
  let lo0 = 0
  let hi0 = n
  if (firstPfn < basePfn) lo0 = Math.min(n, basePfn - firstPfn)
  if (firstPfn + n > endPfn) hi0 = Math.max(lo0, endPfn - firstPfn)
  const lut = kpageKindTable()
  const off = firstPfn - basePfn
  let heads: number[] | null = null
  // the kinds as locals: an imported binding read per page costs a getter call where the
  // module is loaded through a CommonJS shim (tsx: the bench, the CLI from sources), 4× the loop
  const folioHead = FOLIO_HEAD
  const kernel = PageKind.KERNEL
  // THP_HEAD (0x40) and FOLIO_HEAD (0x60) differ in this bit alone: (kind | it) === FOLIO_HEAD for those two kinds only
  const eitherHead = THP_HEAD ^ FOLIO_HEAD
  // signed words: V8 keeps an Int32Array element in a register as is (a Uint32Array's may not fit an int32)
  const w = new Int32Array(words.buffer, words.byteOffset, n * 2)
  for (let j = lo0; j < hi0; j++) {
    const lo = w[2 * j]!
    const hi = w[2 * j + 1]!
    const key = ((lo & RELEVANT) | ((lo & REFERENCED) << REF_SHIFT) | ((hi & (RESERVED_HI | MLOCKED_HI)) << HI_SHIFT)) >>> KEY_SHIFT
    // key 0 with some bit set: a kernel page with only irrelevant flags (rare, and in runs)
    const kind = key === 0 && (lo | hi) !== 0 ? kernel : lut[key]!
    map[off + j] = kind
    // a large folio whose split would fail: under writeback, or dirty page cache with fs-private data
    if (lo & HEAD && (kind | eitherHead) === folioHead && (lo & WRITEBACK || (lo & DIRTY && hi & PRIVATE_HI && !(lo & ANON)))) (heads ??= []).push(firstPfn + j)
  }
  return heads
}

export interface ExactOptions {
  /** first PFN of the CMA area, when known */
  cmaBasePfn?: number | null
  /** every CMA area as [base PFN, pages] (boot log or CMA debugfs); takes precedence over cmaBasePfn */
  cmaAreas?: Array<[number, number]>
  /**
   * the boot log says `node N deferred pages initialised`: the kernel ran deferred struct page
   * init (CONFIG_DEFERRED_STRUCT_PAGE_INIT, deferred_init_memmap), which decides the type of the
   * memblock-reserved pageblocks (deferredReservedTypes). Unknown (no boot log): not applied.
   */
  deferredStructPages?: boolean
  /**
   * the capture follows a full compaction (compact_memory or a node's compact, steps.log) that ran
   * until its scanners met: above the meeting point the free scanner took the free pages of every
   * Movable pageblock it passed, so a pageblock there still holding free pages and no movable page
   * is not Movable (packedAboveMeet)
   */
  afterFullCompaction?: boolean
  source?: string
}

/**
 * Builds a model from streamed kpageflags (then optionally kpagecount) entries.
 * Usage: new ExactLayoutBuilder(capture); feed flagsSink; feed countSink; finish().
 */
export class ExactLayoutBuilder {
  readonly model: MemoryModel
  readonly allocator: PageAllocator
  private readonly capture: Capture
  private readonly notes: string[] = []
  private readonly opts: ExactOptions
  private flagEntries = 0
  private countEntries = 0
  private outside = 0
  /** pages free in kpageflags and mapped in kpagecount (allocated between the two reads) */
  private tornBuddy = 0

  constructor(capture: Capture, opts: ExactOptions = {}) {
    this.capture = capture
    this.opts = opts
    const mts = new MigratetypeTable(capture.machine.migratetypes)
    const g: Geometry = { pageSize: capture.machine.pageSize, pageblockOrder: capture.machine.pageblockOrder, nrOrders: capture.machine.nrOrders }
    const shapes = zoneShapes(capture, this.notes)
    if (shapes.length === 0) throw new Error(`${capture.source}: no populated zone in the capture (need zoneinfo, pagetypeinfo or buddyinfo)`)
    const zones = shapes.map((s) => makeZone(s, g.nrOrders, mts))
    this.model = new MemoryModel(g, mts, zones, { method: 'exact', source: opts.source ?? 'kpageflags', notes: this.notes })
    this.allocator = new PageAllocator(this.model)
  }

  /** KpageSink for /proc/kpageflags */
  readonly flagsSink = (firstPfn: number, words: Uint32Array): void => {
    const m = this.model
    const n = words.length >> 1
    this.flagEntries = Math.max(this.flagEntries, firstPfn + n)
    const heads = decodeKpageflags(words, firstPfn, m.memMap, m.basePfn, m.endPfn)
    if (heads !== null) for (const pfn of heads) m.unsplittable.add(pfn)
  }

  /**
   * kpageflags decoded elsewhere (the host's decode of ranges of the file on worker threads,
   * each through decodeKpageflags into this model's memMap): `entries` PFNs were read, and
   * `unsplittable` are the large-folio heads whose split fails, in PFN order. The same state as
   * flagsSink fed the file's first `entries` PFNs.
   */
  flagsDecoded(entries: number, unsplittable: Iterable<number>): void {
    this.flagEntries = Math.max(this.flagEntries, entries)
    for (const pfn of unsplittable) this.model.unsplittable.add(pfn)
  }

  /**
   * KpageSink for /proc/kpagecount: flagless pages with a map count are kernel pages, not pcp; a
   * page that was a free buddy page when kpageflags was read but has a map count here (kpagecount
   * reads 0 for every PageBuddy page: page_has_type) was allocated and mapped in the seconds between
   * the two reads, by the capture's own tools. It is taken as a held user page (PINNED: movable, but
   * compaction does not move it), not free: such pages join the tools' working set, which cycles
   * through the per-cpu lists and the next tools' mappings, and stays out of the buddy allocator
   * across a compaction (docs/fidelity.md: x86-512M-s11-nopin 31 of 31, x86-4G-s14-nopin 27 of 27
   * flagless after the trigger).
   */
  readonly countSink = (firstPfn: number, words: Uint32Array): void => {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const n = words.length >> 1
    this.countEntries = Math.max(this.countEntries, firstPfn + n)
    const from = Math.max(0, base - firstPfn)
    const to = Math.min(n, m.endPfn - firstPfn)
    const w32 = words32(map)
    const off = firstPfn - base
    for (let j = from; j < to;) {
      const i = off + j
      if ((i & 3) === 0 && j + 4 <= to) {
        // four pages none of which is flagless (PCP, 3), free (BUDDY_TAIL, 2) or anonymous (ANON, 4;
        // ANON_REFERENCED, 22): their counts are not read. A byte is 2 or 3 when it is 2 with bit 0
        // cleared: a zero byte of x marks one; a zero byte of y marks a 4, of z a 22
        const w = w32[i >> 2]!
        const x = (w & 0xfefefefe) ^ 0x02020202
        const y = w ^ 0x04040404
        const z = w ^ 0x16161616
        if (((((x - 0x01010101) & ~x) | ((y - 0x01010101) & ~y) | ((z - 0x01010101) & ~z)) & 0x80808080) === 0) { j += 4; continue }
      }
      if ((words[2 * j]! | words[2 * j + 1]!) !== 0) {
        const k = map[i]
        if (k === PageKind.PCP) {
          map[i] = PageKind.KERNEL
          m.captureToolPages.add(firstPfn + j)
        } else if (k === PageKind.BUDDY_TAIL) {
          map[i] = PageKind.PINNED
          this.tornBuddy++
        }
      } else if (map[i] === PageKind.ANON || map[i] === PageKind.ANON_REFERENCED) m.captureToolPages.add(firstPfn + j)
      j++
    }
  }

  finish(): { model: MemoryModel; allocator: PageAllocator } {
    const m = this.model
    const c = this.capture
    if (this.flagEntries === 0) throw new Error(`${c.describe('kpageflags')}: no entries; expected one u64 per PFN`)
    const lastZoneEnd = Math.max(...m.zones.map((z) => z.endPfn))
    if (this.flagEntries < lastZoneEnd) {
      throw new Error(`${c.describe('kpageflags')}: holds ${this.flagEntries} PFNs but the zones end at PFN ${lastZoneEnd}; expected at least one u64 per PFN up to the end of the last zone (a truncated capture?)`)
    }
    if (this.countEntries === 0) this.notes.push('no kpagecount: flagless pages cannot be told apart from per-cpu free pages (map counts unknown)')
    else if (this.countEntries < lastZoneEnd) {
      throw new Error(`${c.describe('kpagecount')}: holds ${this.countEntries} PFNs but the zones end at PFN ${lastZoneEnd}; expected at least one u64 per PFN up to the end of the last zone (a truncated capture?)`)
    }
    // anonymous pages off the LRU (the decode's transient kind): kernel pages as read, the capture's
    // tools' fresh faults (see the header), map count or not
    for (let i = m.memMap.indexOf(PageKind.ANON_NOT_LRU); i >= 0; i = m.memMap.indexOf(PageKind.ANON_NOT_LRU, i + 1)) {
      m.memMap[i] = PageKind.KERNEL
      m.lruAddPages.add(m.basePfn + i)
      m.captureToolPages.add(m.basePfn + i)
    }
    // anonymous LRU pages with PG_referenced (the decode's transient kind): anonymous pages, listed
    for (let i = m.memMap.indexOf(PageKind.ANON_REFERENCED); i >= 0; i = m.memMap.indexOf(PageKind.ANON_REFERENCED, i + 1)) {
      m.memMap[i] = PageKind.ANON
      m.referencedAnon.add(m.basePfn + i)
    }
    this.markKernelCompoundTails()
    if (m.referencedAnon.size) this.notes.push(`${m.referencedAnon.size} anonymous LRU pages with KPF_REFERENCED: pages get_user_pages took (gup_pte_range sets PG_referenced on each), where pinned pages are looked for first`)
    if (m.lruAddPages.size) this.notes.push(`${m.lruAddPages.size} anonymous pages without KPF_LRU: fresh faults in a CPU's lru_add batch, of the capture's own tools (shown as kernel pages, as read; listed with the tools' pages, which they free when they exit)`)
    // pages of memMap outside every zone are holes
    const pbPages = m.pageblockNrPages
    for (let pb = 0; pb < m.nrPageblocks; pb++) {
      const start = (pb + m.pbBase) * pbPages
      const zi = m.zoneIndexOfPageblock(pb)
      if (zi >= 0 && start >= m.zones[zi]!.startPfn && start + pbPages <= m.zones[zi]!.endPfn) continue
      for (let p = start; p < start + pbPages; p++) {
        if (!m.zoneOf(p)) {
          if (m.memMap[p - m.basePfn] !== PageKind.HOLE) this.outside++
          m.memMap[p - m.basePfn] = PageKind.HOLE
        }
      }
    }
    if (this.outside) this.notes.push(`${this.outside} PFNs with a struct page lie outside every populated zone; shown as holes`)
    if (this.tornBuddy) this.notes.push(`${this.tornBuddy} pages free (KPF_BUDDY) in kpageflags have a map count in kpagecount, read later: allocated in between (by the capture's own tools, whose working set stays out of the buddy allocator through a compaction); taken as held user pages that compaction does not move (pinned)`)
    fixCompoundOrders(m)
    for (const z of m.zones) {
      const census = zoneCensus(m, z)
      this.markUninitialised(z, census)
      this.inferPageblockTypes(z, census)
      this.buildFreeLists(z, census)
      this.settlePcp(z, census)
    }
    return { model: m, allocator: this.allocator }
  }

  /**
   * The tails of non-LRU compound pages (the decode's transient kind: slab of order > 0,
   * kmalloc_large and other __GFP_COMP kernel allocations) take their head's kind, and are marked
   * in MemoryModel.kernelCompoundTails: before 6.4 the compaction scanners step over them from
   * their head without counting them (isolate_migratepages_block, isolate_freepages_block:
   * PageCompound). A run of them that follows no kernel page (its head freed or reused between
   * the reads of kpageflags) is taken as kernel pages, unmarked.
   */
  private markKernelCompoundTails(): void {
    const m = this.model
    const map = m.memMap
    const tailKind: number = PageKind.KERNEL_COMPOUND_TAIL
    let i = map.indexOf(tailKind)
    if (i < 0) return
    const bits = new Uint32Array((map.length + 31) >>> 5)
    let marked = 0
    for (; i >= 0; i = map.indexOf(tailKind, i)) {
      let j = i + 1
      while (j < map.length && map[j] === tailKind) j++
      const head = i > 0 ? map[i - 1]! : PageKind.HOLE
      const kernelHead = head === PageKind.SLAB || head === PageKind.SLAB_RECLAIMABLE || head === PageKind.PAGETABLE || head === PageKind.KERNEL
      map.fill(kernelHead ? head : PageKind.KERNEL, i, j)
      if (kernelHead) {
        for (let k = i; k < j; k++) bits[k >>> 5] = bits[k >>> 5]! | (1 << (k & 31))
        marked += j - i
      }
      i = j
    }
    if (marked) m.kernelCompoundTails = bits
  }

  /**
   * Deferred struct page init (deferred_init_memmap, or an on-demand "lazy" variant): until the
   * kernel initialises a range, its pages are present but not managed, flagless in kpageflags,
   * and outside the buddy allocator (pagetypeinfo does not count their blocks, compaction does
   * not scan them). zoneinfo says how many: present − managed, less the PG_reserved pages of the
   * zone. Initialisation runs from the start of the zone, so they are the zone's top blocks
   * that hold nothing but flagless unmapped pages.
   */
  private markUninitialised(z: Zone, census: Census): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const pbPages = m.pageblockNrPages
    this.markZeroHoles(z, census)
    const reserved = census.reserved
    const unmanaged = z.present - z.managed - reserved
    if (unmanaged < pbPages) return
    let want = Math.floor(unmanaged / pbPages)
    let marked = 0
    for (let pb = Math.floor((z.endPfn - 1) / pbPages); pb >= 0 && want > 0; pb--) {
      const s = Math.max(pb * pbPages, z.startPfn)
      const e = Math.min((pb + 1) * pbPages, z.endPfn)
      if (s >= e) break
      // flagless: every page a hole or flagless and unmapped (census counts, kept up to date)
      const i = pb - census.first
      const holes = census.hole[i]!
      if (holes + census.pcp[i]! !== e - s) break
      if (holes === e - s) continue
      map.fill(PageKind.UNINIT, s - base, e - base)
      census.pcp[i] = 0
      census.hole[i] = 0
      marked += e - s
      want--
    }
    if (marked > 0) this.notes.push(`${z.label}: ${marked} pages (${Math.round((marked * m.geometry.pageSize) / 1048576)} MiB) at the top of the zone not yet initialised by the kernel (present ${z.present} − managed ${z.managed} − ${reserved} reserved, flagless in kpageflags): outside the buddy allocator, as pagetypeinfo counts it`)
  }

  /**
   * Holes inside a zone's span (spanned − present pages, e.g. the PCI hole below 4 GiB) whose
   * memmap exists read as all-zero entries in newer kernels rather than KPF_NOPAGE: the longest
   * runs of wholly flagless, unmapped pageblocks are taken as those holes.
   */
  private markZeroHoles(z: Zone, census: Census): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const pbPages = m.pageblockNrPages
    const known = census.holes
    let want = Math.floor((z.spanned - z.present - known) / pbPages)
    if (want <= 0) return
    const runs: Array<[number, number]> = []
    let runStart = -1
    const first = Math.ceil(z.startPfn / pbPages)
    const last = Math.floor(z.endPfn / pbPages)
    for (let pb = first; pb <= last; pb++) {
      // pageblocks first..last−1 lie wholly in the zone: all flagless when every page is
      const all = pb < last && census.pcp[pb - census.first] === pbPages
      if (all && runStart < 0) runStart = pb
      if (!all && runStart >= 0) { runs.push([runStart, pb - runStart]); runStart = -1 }
    }
    runs.sort((a, b) => b[1] - a[1] || a[0] - b[0])
    let marked = 0
    for (const [start, len] of runs) {
      if (want <= 0 || len < 2) break
      const n = Math.min(len, want)
      map.fill(PageKind.HOLE, start * pbPages - base, (start + n) * pbPages - base)
      census.pcp.fill(0, start - census.first, start + n - census.first)
      census.hole.fill(pbPages, start - census.first, start + n - census.first)
      marked += n * pbPages
      want -= n
    }
    if (marked > 0) this.notes.push(`${z.label}: ${marked} all-zero kpageflags entries inside the zone's span taken as its holes (spanned ${z.spanned} − present ${z.present})`)
  }

  private inferPageblockTypes(z: Zone, census: Census): void {
    const m = this.model
    const c = this.capture
    const mts = m.migratetypes
    const pbPages = m.pageblockNrPages
    const map = m.memMap
    const base = m.basePfn
    const first = Math.floor(z.startPfn / pbPages)
    const last = Math.floor((z.endPfn - 1) / pbPages)
    const nPb = last - first + 1
    const want = capturedBlockCounts(c, z.node, z.name, mts)
    const free = capturedFreeCounts(c, z.node, z.name, mts, this.notes)
    checkCountsFit(c, z.node, z.name, z.startPfn, z.spanned, free, want)
    const type = new Int8Array(nPb).fill(-1)
    const cmaBlocks = mts.cma >= 0 ? (want ? want[mts.cma]! : Math.round(z.cmaPages / pbPages)) : 0
    const areas = (this.opts.cmaAreas ?? []).filter(([b, n]) => b < z.endPfn && b + n > z.startPfn)
    if (cmaBlocks > 0 && areas.length > 0) {
      // each area's pageblocks, as many as the captured count allows
      let placed = 0
      for (const [b, n] of areas) {
        const i0 = Math.max(0, Math.floor(b / pbPages) - first)
        const i1 = Math.min(nPb, Math.ceil((b + n) / pbPages) - first)
        for (let i = i0; i < i1 && placed < cmaBlocks; i++) if (type[i] === -1) { type[i] = mts.cma; placed++ }
      }
      this.notes.push(`${z.label}: ${placed} CMA pageblocks at the ${areas.length} CMA area(s) of the boot log / CMA debugfs` + (placed < cmaBlocks ? `; ${cmaBlocks - placed} more counted by pagetypeinfo placed at the top of the zone` : ''))
      for (let i = nPb - 1; i >= 0 && placed < cmaBlocks; i--) if (type[i] === -1) { type[i] = mts.cma; placed++ }
    } else if (cmaBlocks > 0) {
      let startIdx = -1
      const basePfn = this.opts.cmaBasePfn
      if (basePfn !== undefined && basePfn !== null) {
        const i = Math.floor(basePfn / pbPages) - first
        if (i >= 0 && i + cmaBlocks <= nPb) startIdx = i
      }
      if (startIdx < 0) {
        startIdx = nPb - cmaBlocks
        this.notes.push(`${z.label}: CMA area position unknown (no CMA debugfs, no cma=size@base, no boot log); its ${cmaBlocks} pageblocks assumed at the top of the zone`)
      } else {
        this.notes.push(`${z.label}: CMA pageblocks ${first + startIdx}..${first + startIdx + cmaBlocks - 1} from the CMA area base PFN ${basePfn}`)
      }
      for (let i = startIdx; i < startIdx + cmaBlocks; i++) type[i] = mts.cma
    }
    if (!want) {
      for (let i = 0; i < nPb; i++) if (type[i] === -1) type[i] = mts.movable
      this.notes.push(`${z.label}: pageblock types unknown (no pagetypeinfo): non-CMA pageblocks taken as Movable`)
      for (let i = 0; i < nPb; i++) m.pageblockMt[first + i - m.pbBase] = type[i]!
      return
    }
    const remaining = [...want]
    if (mts.cma >= 0) remaining[mts.cma] = 0
    // blocks whose first page is a hole or not initialised are not in pagetypeinfo's counts
    for (let i = 0; i < nPb; i++) {
      const first0 = Math.max((first + i) * pbPages, z.startPfn) - base
      if (type[i] === -1 && (map[first0] === PageKind.HOLE || map[first0] === PageKind.UNINIT)) type[i] = mts.movable
    }
    // the boot-time types of the reserved pageblocks (deferredReservedTypes) yield where the
    // captured free lists contradict them: their pageblocks hold no free page to say so
    // themselves, but a type fixed wrongly takes one of pagetypeinfo's counts of that type and
    // the search must then give the type to a pageblock whose free pages pagetypeinfo has on
    // another list. The rule's guess for a partly reserved pageblock above the deferred start
    // whose first page is not reserved and that holds no free page (Movable: its first page
    // taken as free at boot rather than freed late, which nothing in the capture shows) is the
    // one it is least sure of; where the search with it leaves free pages on other lists than
    // pagetypeinfo's and the search without that guess puts every free page on pagetypeinfo's
    // lists, the guess yields (not where both leave some: a torn capture's lists differ anyway,
    // and arm64-1G-s6's traced pageblock 1022, such a pageblock, was the kernel's target)
    // (x86-512M-s11-nopin/04: pageblock 166, 241 reserved pages, its first page freed late,
    // kept Unmovable, and pageblock 103's 14 free pages go on the Movable list, as captured)
    const type0 = Int8Array.from(type)
    const remaining0 = [...remaining]
    const notesBefore = this.notes.length
    const fixes = this.deferredReservedTypes(z, type, remaining, true)
    let out = this.searchPageblockTypes(z, census, type, remaining, free)
    if (out.res.after > 0 && fixes.partlyMovable > 0) {
      const notesAt = this.notes.length
      const type1 = Int8Array.from(type0)
      const remaining1 = [...remaining0]
      this.deferredReservedTypes(z, type1, remaining1, false)
      const alt = this.searchPageblockTypes(z, census, type1, remaining1, free)
      if (alt.res.after === 0) {
        this.notes.splice(notesBefore, notesAt - notesBefore)
        this.notes.push(`${z.label}: the ${fixes.partlyMovable} partly reserved pageblocks above the deferred start whose first page is not reserved and that hold no free page left to the type search (taken as Movable, ${out.res.after} free pages fell on other lists than pagetypeinfo's; without that guess ${alt.res.after})`)
        out = alt
      } else this.notes.length = notesAt
    }
    for (let i = 0; i < nPb; i++) m.pageblockMt[first + i - m.pbBase] = out.type[i]!
    const res = out.res
    this.notes.push(`${z.label}: pageblock migratetypes inferred from page contents and pagetypeinfo's free lists, keeping its counts per type (page_owner not captured): ${res.after} free pages on other lists than pagetypeinfo's (${res.before} by page contents alone; ${res.swaps} pairs of pageblock types swapped${res.stopped ? ', where the search stopped at its work limit (2e8 pairs of pageblock groups weighed) with swaps maybe left that would bring them closer' : ''})`)
  }

  /** the type search over the pageblocks not fixed in `type` (-1), keeping `remaining` per type */
  private searchPageblockTypes(z: Zone, census: Census, typeIn: Int8Array, remaining: number[], free: number[][]): { type: Int8Array; res: ReturnType<typeof improveAssignment> } {
    const m = this.model
    const mts = m.migratetypes
    const pbPages = m.pageblockNrPages
    const first = Math.floor(z.startPfn / pbPages)
    const nPb = typeIn.length
    const nrOrders = m.geometry.nrOrders
    const pbo = m.geometry.pageblockOrder
    const type = Int8Array.from(typeIn)
    const fixedPb = new Uint8Array(nPb)
    for (let i = 0; i < nPb; i++) fixedPb[i] = type[i]! >= 0 ? 1 : 0
    // per pageblock (zoneCensus): unmovable-looking pages (flagless ones included), slab pages,
    // kernel pages that are certainly in use (not flagless), movable (LRU, compound) pages
    const { slab, kern, mov } = census
    const unmov = new Int32Array(nPb)
    for (let i = 0; i < nPb; i++) unmov[i] = kern[i]! + census.pcp[i]!
    // after a full compaction: the pageblocks above the meeting point with free pages and no
    // movable page, which the type search keeps off Movable (packedAboveMeet)
    const notMovable = this.opts.afterFullCompaction ? packedAboveMeet(census, census.nPb, pbPages) : null
    if (notMovable) {
      let n = 0
      for (let i = 0; i < nPb; i++) if (notMovable.marked[i] && fixedPb[i] === 0) n++
      this.notes.push(`${z.label}: after a full compaction, ${n} pageblocks above the meeting point read from the layout (pageblock ${first + notMovable.meet}, PFN 0x${((first + notMovable.meet) * pbPages).toString(16)}) hold free pages and no movable page: taken as not Movable (the free scanner empties every Movable pageblock it passes)`)
    }
    // the free blocks as buildFreeLists will cut them (merges across pageblocks refused between a
    // CMA block and another), grouped into units: a free block larger than a pageblock with the
    // pageblocks it covers, or one pageblock with the free blocks whose head lies in it
    const unitOf = new Int32Array(nPb).fill(-1)
    const unitWeight: number[] = []
    const unitFirst: number[] = []
    const cma = mts.cma
    const freeBlocks = cutFreeRuns(m, z, census, (a, b) => (type[Math.floor(a / pbPages) - first] === cma) !== (type[Math.floor(b / pbPages) - first] === cma))
    for (let k = 0; k < freeBlocks.length; k += 2) {
      const p = freeBlocks[k]!
      const order = freeBlocks[k + 1]!
      if (order > pbo) {
        const i0 = Math.floor(p / pbPages) - first
        const u = unitWeight.length
        unitWeight.push(2 ** (order - pbo))
        unitFirst.push(i0)
        for (let q = 0; q < 2 ** (order - pbo); q++) unitOf[i0 + q] = u
      }
    }
    for (let i = 0; i < nPb; i++) {
      if (unitOf[i]! >= 0) continue
      unitOf[i] = unitWeight.length
      unitWeight.push(1)
      unitFirst.push(i)
    }
    const nU = unitWeight.length
    const hist = new Int32Array(nU * nrOrders)
    for (let k = 0; k < freeBlocks.length; k += 2) hist[unitOf[Math.floor(freeBlocks[k]! / pbPages) - first]! * nrOrders + freeBlocks[k + 1]!]!++
    // a unit with a fixed pageblock (CMA, hole) is fixed, its free blocks on that type's lists
    const uType = new Int8Array(nU).fill(-1)
    const fixed: number[][] = mts.names.map(() => new Array<number>(nrOrders).fill(0))
    for (let u = 0; u < nU; u++) {
      let ft = -1
      for (let k = 0; k < unitWeight[u]!; k++) if (fixedPb[unitFirst[u]! + k]) ft = type[unitFirst[u]! + k]!
      if (ft < 0) continue
      uType[u] = ft
      for (let o = 0; o < nrOrders; o++) fixed[ft]![o]! += hist[u * nrOrders + o]!
    }
    const fixedUnit = new Uint8Array(nU)
    for (let u = 0; u < nU; u++) fixedUnit[u] = uType[u]! >= 0 ? 1 : 0
    // whole free units: to the types whose lists hold free blocks of their order (the lowest PFNs
    // to the unmovable types, where early kernel allocations cluster)
    const wholeOrder = (u: number): number => {
      let order = -1
      for (let o = 0; o < nrOrders; o++) {
        const c = hist[u * nrOrders + o]!
        if (c === 0) continue
        if (c !== 1 || o < pbo || order >= 0) return -1
        order = o
      }
      return order
    }
    const demandTypes = [mts.unmovable, mts.reclaimable, mts.highatomic]
    for (let mt = 0; mt < mts.count; mt++) if (!demandTypes.includes(mt) && mt !== mts.cma && mt !== mts.movable) demandTypes.push(mt)
    demandTypes.push(mts.movable)
    for (let o = nrOrders - 1; o >= pbo; o--) {
      const pool: number[] = []
      for (let u = 0; u < nU; u++) if (uType[u] === -1 && wholeOrder(u) === o) pool.push(u)
      let pi = 0
      for (const mt of demandTypes) {
        if (mt < 0) continue
        let need = free[mt]?.[o] ?? 0
        while (need > 0 && pi < pool.length && remaining[mt]! >= unitWeight[pool[pi]!]!) {
          const u = pool[pi++]!
          uType[u] = mt
          remaining[mt]! -= unitWeight[u]!
          need--
        }
      }
    }
    // free blocks larger than a pageblock left over: Movable
    for (let u = 0; u < nU; u++) {
      if (uType[u] === -1 && unitWeight[u]! > 1) { uType[u] = mts.movable; remaining[mts.movable]! -= unitWeight[u]! }
    }
    // the rest by unmovable content: the blocks with the most unmovable pages become
    // Unmovable/Reclaimable (the slab-heaviest of them Reclaimable)
    const un = (u: number): number => unmov[unitFirst[u]!]! + (notMovable && unitWeight[u] === 1 && notMovable.marked[unitFirst[u]!] ? pbPages : 0)
    // by unmovable pages, most first, then by unit: one numeric sort of (pbPages − un)·2^32 + u
    let nRest = 0
    for (let u = 0; u < nU; u++) if (uType[u] === -1) nRest++
    const keys = new Float64Array(nRest)
    for (let u = 0, k = 0; u < nU; u++) if (uType[u] === -1) keys[k++] = (2 * pbPages - un(u)) * 4294967296 + u
    keys.sort()
    const rest: number[] = new Array<number>(nRest)
    for (let k = 0; k < nRest; k++) rest[k] = keys[k]! % 4294967296
    const nonMov = Math.min(rest.length, Math.max(0, remaining[mts.unmovable] ?? 0) + Math.max(0, remaining[mts.reclaimable] ?? 0))
    const nonMovUnits = rest.slice(0, nonMov)
    const slabRatio = (u: number): number => (unmov[unitFirst[u]!]! > 0 ? slab[unitFirst[u]!]! / unmov[unitFirst[u]!]! : 0)
    const byReclaim = [...nonMovUnits].sort((a, b) => slabRatio(b) - slabRatio(a) || slab[unitFirst[b]!]! - slab[unitFirst[a]!]! || a - b)
    const nR = Math.min(Math.max(0, remaining[mts.reclaimable] ?? 0), byReclaim.length)
    for (let k = 0; k < byReclaim.length; k++) uType[byReclaim[k]!] = k < nR ? mts.reclaimable : mts.unmovable
    remaining[mts.reclaimable]! -= nR
    remaining[mts.unmovable]! -= byReclaim.length - nR
    // HighAtomic / Isolate / anything else named in the counts: the next most unmovable blocks
    let ri = nonMov
    for (let mt = 0; mt < mts.count; mt++) {
      if (mt === mts.movable || mt === mts.unmovable || mt === mts.reclaimable || mt === mts.cma) continue
      while (remaining[mt]! > 0 && ri < rest.length) {
        uType[rest[ri++]!] = mt
        remaining[mt]!--
      }
    }
    for (let u = 0; u < nU; u++) if (uType[u] === -1) uType[u] = mts.movable
    // then swaps that bring the free lists closer to pagetypeinfo's (migratetype_assign.ts)
    const search = new Int8Array(nU)
    for (let u = 0; u < nU; u++) search[u] = fixedUnit[u] ? -1 : uType[u]!
    const searchable = mts.names.map((_, mt) => mt !== mts.cma)
    const res = improveAssignment({
      nrOrders, nrTypes: mts.count, hist, weight: Int32Array.from(unitWeight), type: search, fixed, target: free, searchable,
      cost: (u, t) => {
        if (unitWeight[u]! > 1) return 0
        const i = unitFirst[u]!
        if (t === mts.movable) return kern[i]!
        if (t === mts.reclaimable) return mov[i]! + kern[i]! - slab[i]!
        return mov[i]!
      },
      ruledOut: (u, t) => {
        if (unitWeight[u]! > 1) return 0
        const i = unitFirst[u]!
        if (t === mts.movable) return (kern[i]! > 0 && mov[i] === 0) || notMovable?.marked[i] ? 1 : 0
        return mov[i]! > 0 && kern[i] === 0 ? 1 : 0
      },
    })
    for (let u = 0; u < nU; u++) {
      const t = fixedUnit[u] ? uType[u]! : res.type[u]!
      for (let k = 0; k < unitWeight[u]!; k++) type[unitFirst[u]! + k] = t
    }
    return { type, res }
  }

  /**
   * Pageblock types that boot decided, for the memblock-reserved pageblocks no allocation can
   * retype (kernels 6.1–6.12, mm/mm_init.c). memmap_init_range (MEMINIT_EARLY) gives every
   * pageblock it initialises MIGRATE_MOVABLE, reserved or not; with deferred struct page init it
   * stops, in the node's last zone, at the first section boundary past one section of pages
   * (defer_init: first_deferred_pfn). Above that, reserved pages get their struct pages from
   * init_reserved_page (reserve_bootmem_region), which sets no type, and only
   * deferred_free_range sets MIGRATE_MOVABLE, at the pageblock-aligned PFNs of the ranges free
   * then: a pageblock whose first page was memblock-reserved keeps the zeroed bitmap's
   * MIGRATE_UNMOVABLE, even where part of it is freed later (free_reserved_area,
   * memblock_free_late). So, when the boot log says deferred init ran: a pageblock of the
   * deferred range whose first page is still PG_reserved is Unmovable; one that holds reserved
   * pages but starts with a page that is not is Movable (its first page taken as free at boot
   * rather than freed late: the kernel image's and initrd's late frees rarely start a pageblock;
   * a steal could claim it back only through its few free pages, which a fallback reaches
   * last, largest blocks first); and a wholly PG_reserved pageblock below the deferred range is
   * Movable (no free page to be claimed through). They are fixed before the type search, out of
   * pagetypeinfo's counts. The harness's
   * compaction traces show it: arm64-1G-s6 (6.1) skips the nine wholly reserved pageblocks at
   * the top (the memmap) as unsuitable targets and scans the partly reserved one among them whose
   * first pages were free, while the kernel image's reserved pageblocks in the first section are
   * counted Movable (docs/fidelity-causes.json). Not applied when pagetypeinfo counts fewer
   * pageblocks of a type than the rule fixes (then the rule is not the kernel's), nor on 6.13+,
   * whose boot-time typing the traces have not checked.
   */
  private deferredReservedTypes(z: Zone, type: Int8Array, remaining: number[], partlyMovable: boolean): { partlyMovable: number } {
    const m = this.model
    const none = { partlyMovable: 0 }
    if (!this.opts.deferredStructPages) return none
    if (kernelVersionCode(this.capture.machine.kernelRelease) >= 6013) return none
    const mts = m.migratetypes
    const pbPages = m.pageblockNrPages
    const map = m.memMap
    const base = m.basePfn
    const first = Math.floor(z.startPfn / pbPages)
    // PAGES_PER_SECTION: SECTION_SIZE_BITS 27 (x86_64, arm64 with 4K/16K pages), 29 (arm64 64K pages)
    const sectionBits = this.capture.machine.arch === 'arm64' && m.geometry.pageSize === 65536 ? 29 : 27
    const perSection = 2 ** sectionBits / m.geometry.pageSize
    // the node's last zone (its end is the node's end) defers; pages in holes are not counted
    const nodeEnd = Math.max(...m.zones.filter((x) => x.node === z.node && x.present > 0).map((x) => x.endPfn))
    let firstDeferred = Infinity
    if (z.endPfn >= nodeEnd) {
      let n = 0
      for (let p = z.startPfn; p < z.endPfn; p++) {
        if (map[p - base] === PageKind.HOLE) continue
        n++
        if (n > perSection && p % perSection === 0) { firstDeferred = p; break }
      }
    }
    const fix = new Map<number, number>()
    let nPartly = 0
    for (let i = 0; i < type.length; i++) {
      if (type[i] !== -1) continue
      const s = (first + i) * pbPages
      // a pageblock the zone starts inside is typed by its first PFN outside the zone: left alone
      if (s < z.startPfn) continue
      const e = Math.min(s + pbPages, z.endPfn)
      if (s >= firstDeferred) {
        if (map[s - base] === PageKind.RESERVED) fix.set(i, mts.unmovable)
        else {
          let some = false
          for (let p = s + 1; p < e && !some; p++) some = map[p - base] === PageKind.RESERVED
          // one that holds a free page was typed with it (deferred_free_range); one that holds
          // none may have had its first page freed late, and yields when asked (!partlyMovable)
          let freeHere = false
          for (let p = s; p < e && !freeHere; p++) freeHere = map[p - base] === PageKind.BUDDY_TAIL
          if (some && (freeHere || partlyMovable)) fix.set(i, mts.movable)
          if (some && !freeHere) nPartly++
        }
      } else {
        let all = true
        for (let p = s; p < e && all; p++) all = map[p - base] === PageKind.RESERVED
        if (all) fix.set(i, mts.movable)
      }
    }
    if (fix.size === 0) return none
    const per = new Map<number, number>()
    for (const t of fix.values()) per.set(t, (per.get(t) ?? 0) + 1)
    for (const [t, n] of per) {
      if ((remaining[t] ?? 0) < n) {
        this.notes.push(`${z.label}: boot-time pageblock types of the reserved pageblocks not applied: pagetypeinfo counts ${remaining[t] ?? 0} ${mts.names[t]} pageblocks, the rule fixes ${n}`)
        return none
      }
    }
    for (const [i, t] of fix) type[i] = t
    for (const [t, n] of per) remaining[t]! -= n
    const nU = per.get(mts.unmovable) ?? 0
    const nM = per.get(mts.movable) ?? 0
    this.notes.push(`${z.label}: deferred struct page init (boot log): ${nU} pageblocks from PFN ${firstDeferred === Infinity ? '-' : firstDeferred} on whose first page is memblock-reserved typed Unmovable (init_reserved_page sets no type, deferred_free_range types only free ranges), ${nM} Movable (partly reserved ones above it that start with a page free at boot, wholly reserved ones below it: memmap_init_range)`)
    return { partlyMovable: nPartly }
  }

  private buildFreeLists(z: Zone, census: Census): void {
    const m = this.model
    const mts = m.migratetypes
    // __free_one_page refuses merges across pageblocks of different types if either is not mergeable
    const blocks = cutFreeRuns(m, z, census, (pa, pb) => {
      const a = m.getPageblockMigratetype(pa)
      const b = m.getPageblockMigratetype(pb)
      return a !== b && (!mts.isMergeable(a) || !mts.isMergeable(b))
    })
    for (let i = blocks.length - 2; i >= 0; i -= 2) {
      const pfn = blocks[i]!
      const order = blocks[i + 1]!
      this.allocator.addToFreeList(z, pfn, order, m.getPageblockMigratetype(pfn))
    }
  }

  private settlePcp(z: Zone, census: Census): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const pbPages = m.pageblockNrPages
    const { pcp, first, nPb } = census
    // a whole aligned pageblock of flagless, unmapped pages: a THP-order page on a pcp list
    // (6.1 keeps pcp lists for the PMD order too; freed hugetlb pages and THPs land there)
    const isWhole = new Uint8Array(nPb)
    const wholePbs: number[] = []
    for (let p = z.startPfn - (z.startPfn % pbPages); p + pbPages <= z.endPfn; p += pbPages) {
      if (p < z.startPfn) continue
      const i = p / pbPages - first
      if (pcp[i] === pbPages) { isWhole[i] = 1; wholePbs.push(p) }
    }
    const wholePages = wholePbs.length * pbPages
    // Kernel allocations without flags (pipe buffers, vmalloc, kernel stacks) cluster in the
    // blocks the fallback rules gave to unmovable allocations; pages on pcp lists lie wherever
    // pages were freed, a few in each block among LRU and buddy pages. So the flagless pages of
    // the blocks holding the fewest of them are taken as pcp pages first (those beside a free
    // buddy first within one block density): sorted by (2·density + not beside a free buddy, PFN).
    let nCand = 0
    for (let i = 0; i < nPb; i++) if (!isWhole[i]) nCand += pcp[i]!
    const keys = new Float64Array(nCand)
    let k = 0
    for (let i = 0; i < nPb && k < nCand; i++) {
      const d = pcp[i]!
      if (d === 0 || isWhole[i]) continue
      const s = Math.max((first + i) * pbPages, z.startPfn)
      const e = Math.min((first + i + 1) * pbPages, z.endPfn)
      for (let p = s; p < e; p++) {
        if (map[p - base] !== PageKind.PCP) continue
        const buddy = p ^ 1
        const bb = buddy >= z.startPfn && buddy < z.endPfn ? map[buddy - base]! : 0
        keys[k++] = (d * 2 + (isFreeHead(bb) || bb === PageKind.BUDDY_TAIL ? 0 : 1)) * 4294967296 + p
      }
    }
    keys.sort()
    const want = z.pcpPages
    const total = wholePages + nCand
    // the order pages are kept in: whole blocks first when they fit, else the candidates first;
    // every page past the first `want` is a kernel page
    const nearFrom = wholePages <= want ? Math.max(0, want - wholePages) : want
    for (let j = nearFrom; j < nCand; j++) map[(keys[j]! % 4294967296) - base] = PageKind.KERNEL
    const wholeFrom = wholePages <= want ? wholePages : Math.max(0, want - nCand)
    for (let j = wholeFrom; j < wholePages;) {
      const p = wholePbs[Math.floor(j / pbPages)]! + (j % pbPages)
      const end = wholePbs[Math.floor(j / pbPages)]! + pbPages
      map.fill(PageKind.KERNEL, p - base, end - base)
      j += end - p
    }
    if (total < want) this.notes.push(`${z.label}: zoneinfo counts ${want} per-cpu free pages but only ${total} flagless pages exist`)
  }
}

/** Per pageblock of a zone (index pb − first, the pageblock's pages in the zone): page counts. */
interface Census {
  first: number
  nPb: number
  /** flagless unmapped pages (per-cpu free pages or kernel pages, settled later) */
  pcp: Int32Array
  /** slab pages */
  slab: Int32Array
  /** kernel pages certainly in use: slab, page tables, reserved, zero page, flagless mapped */
  kern: Int32Array
  /** movable pages: LRU, compound heads and tails, pinned (free in kpageflags, mapped in kpagecount) */
  mov: Int32Array
  /** KPF_BUDDY pages (free block tails before the free lists are built) */
  buddy: Int32Array
  /** holes (KPF_NOPAGE, or outside every zone) */
  hole: Int32Array
  /** the zone's KPF_NOPAGE pages, and its PG_reserved ones */
  holes: number
  reserved: number
}

/**
 * Packed per-page increments of the census, 8 bits a field: pcp | slab << 8 | kern << 16 | mov
 * << 24 (CENSUS_A), holes | reserved << 8 | buddy << 16 (CENSUS_B); CENSUS_A2/B2 hold the sums for two page
 * bytes read as one 16-bit word. A pass adds one entry of each per two pages and unpacks every
 * 254 pages, so two table loads and two adds count six kinds on two pages.
 */
const CENSUS_A = new Int32Array(256)
const CENSUS_B = new Int32Array(256)
for (let b = 0; b < 256; b++) {
  if (b === PageKind.PCP) CENSUS_A[b] = 1
  else if (b === PageKind.SLAB) CENSUS_A[b] = (1 << 8) | (1 << 16)
  else if (b === PageKind.KERNEL || b === PageKind.PAGETABLE || b === PageKind.RESERVED || b === PageKind.ZERO) CENSUS_A[b] = 1 << 16
  else if (b >= 0x40 || b === PageKind.COMPOUND_TAIL || b === PageKind.ANON || b === PageKind.FILE || b === PageKind.UNEVICTABLE || b === PageKind.WRITEBACK || b === PageKind.PINNED) CENSUS_A[b] = 1 << 24
  if (b === PageKind.HOLE) CENSUS_B[b] = 1
  else if (b === PageKind.RESERVED) CENSUS_B[b] = 1 << 8
  else if (b === PageKind.BUDDY_TAIL) CENSUS_B[b] = 1 << 16
}
let CENSUS_A2: Int32Array | null = null
let CENSUS_B2: Int32Array | null = null

/**
 * After a full compaction (compact_zone with cc->whole_zone, run until its scanners meet), where
 * the scanners met and which pageblocks above that point cannot be Movable. The migrate scanner
 * isolated every LRU page below the meeting point and the free scanner (isolate_freepages, from
 * the zone's top down) took the free pages of every Movable pageblock it passed
 * (suitable_migration_target: it skips only a pageblock that is not Movable or whose first page
 * heads a free block of pageblock order or more), so:
 *  - the meeting point is the pageblock that best splits the zone's pageblocks not wholly free into
 *    mostly without movable pages below it and mostly movable pages above (the same split as
 *    the `meet at` of scripts/measure-packed.ts), as kpageflags reads them;
 *  - above it, a pageblock with free pages (not one wholly free) and no movable page is not
 *    Movable: an Unmovable or Reclaimable pageblock the free scanner skipped, or a free block a
 *    fallback claimed after the compaction (__rmqueue_claim → try_to_claim_block retypes a free
 *    block of pageblock order whole) and split since. A Movable pageblock there keeps only the
 *    free pages its stride passed over (isolate_freepages' stride doubles over pageblocks that
 *    yield nothing), among its movable pages.
 * Measured on the traced second compactions of this machine (host-24G-k618-d, -p, -q, -r: the
 * pageblocks the kernel's free scanner skipped above its meeting point): of the pageblocks there
 * with 8–511 free pages and no LRU page, 208 were skipped (not Movable) and 1 scanned.
 */
export function packedAboveMeet(census: Pick<Census, 'mov' | 'buddy' | 'hole' | 'pcp' | 'kern'>, nPb: number, pbPages: number): { meet: number; marked: Uint8Array } {
  const { mov, buddy, hole, pcp, kern } = census
  // the pageblocks that count: not wholly free or a hole, and initialised (markUninitialised
  // leaves a pageblock of the zone's uninitialised top with every count 0)
  const counts = (i: number): boolean => buddy[i]! + hole[i]! < pbPages && buddy[i]! + hole[i]! + pcp[i]! + kern[i]! + mov[i]! > 0
  // score(k) = pageblocks below k with few movable pages + pageblocks from k up with many
  let score = 0
  for (let i = 0; i < nPb; i++) if (counts(i) && mov[i]! * 2 >= pbPages) score++
  let best = 0
  let bestScore = score
  for (let i = 0; i < nPb; i++) {
    if (!counts(i)) continue
    score += mov[i]! * 2 >= pbPages ? -1 : 1
    if (score > bestScore) { bestScore = score; best = i + 1 }
  }
  const marked = new Uint8Array(nPb)
  for (let i = best; i < nPb; i++) if (buddy[i]! > 0 && buddy[i]! + hole[i]! < pbPages && mov[i] === 0) marked[i] = 1
  return { meet: best, marked }
}

/** One pass over a zone's pages: the counts every later step of the exact layout needs. */
function zoneCensus(m: MemoryModel, z: Zone): Census {
  const map = m.memMap
  const base = m.basePfn
  const pbPages = m.pageblockNrPages
  const first = Math.floor(z.startPfn / pbPages)
  const nPb = Math.floor((z.endPfn - 1) / pbPages) - first + 1
  const pcp = new Int32Array(nPb)
  const slab = new Int32Array(nPb)
  const kern = new Int32Array(nPb)
  const mov = new Int32Array(nPb)
  const buddy = new Int32Array(nPb)
  const hole = new Int32Array(nPb)
  let holes = 0
  let reserved = 0
  const A = CENSUS_A
  const B = CENSUS_B
  if (!CENSUS_A2 || !CENSUS_B2) {
    CENSUS_A2 = new Int32Array(65536)
    CENSUS_B2 = new Int32Array(65536)
    for (let h = 0; h < 65536; h++) {
      CENSUS_A2[h] = (A[h & 0xff]! + A[h >>> 8]!) | 0
      CENSUS_B2[h] = (B[h & 0xff]! + B[h >>> 8]!) | 0
    }
  }
  const A2 = CENSUS_A2
  const B2 = CENSUS_B2
  const u16 = new Uint16Array(map.buffer, map.byteOffset, map.length >> 1)
  for (let i = 0; i < nPb; i++) {
    const s = Math.max((first + i) * pbPages, z.startPfn) - base
    const e = Math.min((first + i + 1) * pbPages, z.endPfn) - base
    let np = 0, ns = 0, nk = 0, nm = 0, nb = 0, nh = 0
    let a = 0
    let h = 0
    // an odd first or last byte alone, the rest two bytes at a time
    if (s & 1) { a = A[map[s]!]!; h = B[map[s]!]! }
    if (e & 1 && e - 1 >= s + (s & 1)) { a = (a + A[map[e - 1]!]!) | 0; h = (h + B[map[e - 1]!]!) | 0 }
    const w0 = (s + 1) >> 1
    const w1 = e >> 1
    for (let w = w0; w < w1;) {
      const we = Math.min(w1, w + 126)
      for (; w < we; w++) {
        const x = u16[w]!
        a = (a + A2[x]!) | 0
        h = (h + B2[x]!) | 0
      }
      np += a & 0xff
      ns += (a >>> 8) & 0xff
      nk += (a >>> 16) & 0xff
      nm += a >>> 24
      nh += h & 0xff
      reserved += (h >>> 8) & 0xff
      nb += h >>> 16
      a = 0
      h = 0
    }
    np += a & 0xff
    ns += (a >>> 8) & 0xff
    nk += (a >>> 16) & 0xff
    nm += a >>> 24
    nh += h & 0xff
    reserved += (h >>> 8) & 0xff
    nb += h >>> 16
    holes += nh
    hole[i] = nh
    pcp[i] = np
    slab[i] = ns
    kern[i] = nk
    mov[i] = nm
    buddy[i] = nb
  }
  return { first, nPb, pcp, slab, kern, mov, buddy, hole, holes, reserved }
}

/** A 32-bit view of memMap (its buffer is its own, so 4-byte aligned), for word-at-a-time scans. */
function words32(map: Uint8Array): Uint32Array {
  return new Uint32Array(map.buffer, map.byteOffset, map.length >> 2)
}

/** First index in [from, to) whose byte is `v`, or `to`; four bytes at a time. */
function findByte(map: Uint8Array, w32: Uint32Array, from: number, to: number, v: number): number {
  let i = from
  for (; i < to && (i & 3) !== 0; i++) if (map[i] === v) return i
  const pat = v * 0x01010101
  let w = i >> 2
  const wEnd = to >> 2
  // a byte of x is zero where the word holds v (the classic has-zero-byte test)
  while (w < wEnd) {
    const x = w32[w]! ^ pat
    if ((((x - 0x01010101) & ~x) & 0x80808080) !== 0) break
    w++
  }
  for (i = w << 2; i < to; i++) if (map[i] === v) return i
  return to
}

/** First index in [from, to) whose byte is not `v`, or `to`; four bytes at a time. */
function runEnd(map: Uint8Array, w32: Uint32Array, from: number, to: number, v: number): number {
  let i = from
  for (; i < to && (i & 3) !== 0; i++) if (map[i] !== v) return i
  const pat = v * 0x01010101
  let w = i >> 2
  const wEnd = to >> 2
  while (w < wEnd && w32[w] === pat) w++
  for (i = w << 2; i < to; i++) if (map[i] !== v) return i
  return to
}

/**
 * The zone's free blocks as the kernel's merging leaves them: each run of KPF_BUDDY pages cut
 * into the largest aligned blocks of at most MAX_ORDER, from its start; a merge above the
 * pageblock order is refused where `refuse(lower half, upper half)` says. Flat [pfn, order, …].
 */
function cutFreeRuns(m: MemoryModel, z: Zone, census: Census, refuse: (lower: number, upper: number) => boolean): number[] {
  const map = m.memMap
  const w32 = words32(map)
  const base = m.basePfn
  const maxOrder = m.maxOrder
  const pbo = m.geometry.pageblockOrder
  const pbPages = m.pageblockNrPages
  const end = z.endPfn - base
  const blocks: number[] = []
  let i = z.startPfn - base
  while (i < end) {
    // pageblocks without a free page are stepped over whole
    let pb = Math.floor((i + base) / pbPages) - census.first
    while (pb < census.nPb && census.buddy[pb] === 0) pb++
    if (pb >= census.nPb) break
    i = Math.max(i, (census.first + pb) * pbPages - base)
    i = findByte(map, w32, i, Math.min(end, (census.first + pb + 1) * pbPages - base), PageKind.BUDDY_TAIL)
    if (i >= Math.min(end, (census.first + pb + 1) * pbPages - base)) continue
    const runE = runEnd(map, w32, i, end, PageKind.BUDDY_TAIL) + base
    let p = i + base
    while (p < runE) {
      let order = 0
      while (order < maxOrder) {
        const size = 2 ** (order + 1)
        if (p % size !== 0 || p + size > runE) break
        if (order + 1 > pbo && refuse(p, p + 2 ** order)) break
        order++
      }
      blocks.push(p, order)
      p += 2 ** order
    }
    i = runE - base
  }
  return blocks
}

export function fixCompoundOrders(m: MemoryModel): void {
  const map = m.memMap
  const w32 = words32(map)
  const n = map.length
  const nw = w32.length
  let i = 0
  while (i < n) {
    if ((i & 3) === 0) {
      // heads are the only bytes with bit 6 set before the free lists are built
      let w = i >> 2
      while (w < nw && (w32[w]! & 0x40404040) === 0) w++
      if (w << 2 !== i) { i = w << 2; continue }
    }
    const b = map[i]!
    if (b !== THP_HEAD && b !== HUGETLB_HEAD && b !== FOLIO_HEAD) { i++; continue }
    const j = runEnd(map, w32, i + 1, Math.min(n, i + 2 ** 15), PageKind.COMPOUND_TAIL)
    const len = j - i
    let order = 0
    while (2 ** (order + 1) <= len && order < 15) order++
    map[i] = b | order
    i = j
  }
}

/** cma: Reserved 128 MiB at 0x0000000076c00000 → base PFN (first area), from a boot log. */
export function cmaBaseFromDmesg(text: string, pageSize: number): number | null {
  const re = /cma: Reserved (\d+) MiB at 0x([0-9a-fA-F]+)/g
  const m = re.exec(text)
  if (!m) return null
  return Math.floor(parseInt(m[2]!, 16) / pageSize)
}
