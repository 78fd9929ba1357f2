/**
 * The plain exact layout, frozen as it was before the fast path (issue 16): the reference
 * test/host/exact_fast_path.test.ts compares engine/reconstruct/exact.ts with, page by page.
 * A straight page-at-a-time reading of the same rules (kernel 6.1/6.12/6.18 semantics, see the
 * engine file's header); not used by the app. Do not optimise this file. Behaviour the app's
 * path gains later is applied here too, page at a time, so the test compares like with like:
 * a page free in kpageflags but mapped in kpagecount taken as held (PINNED, counted movable),
 * and large folios whose split fails (MemoryModel.unsplittable) from kpageflags.
 */
import { MemoryModel, MigratetypeTable, type Geometry, type Zone } from '../../../engine/mm/mmzone.ts'
import { PageKind, THP_HEAD, HUGETLB_HEAD, FOLIO_HEAD, isFreeHead } from '../../../engine/mm/page.ts'
import { PageAllocator } from '../../../engine/mm/page_alloc.ts'
import type { Capture } from '../../../engine/snapshot.ts'
import { zoneShapes, makeZone, capturedFreeCounts, capturedBlockCounts, checkCountsFit } from '../../../engine/reconstruct/zones.ts'
import { improveAssignment } from './migratetype_assign.ts'

// kpageflags bits, low word
const LRU = 1 << 5, SLAB = 1 << 7, WRITEBACK = 1 << 8, BUDDY = 1 << 10, ANON = 1 << 12
const HEAD = 1 << 15, TAIL = 1 << 16, HUGE = 1 << 17, UNEVICTABLE = 1 << 18, HWPOISON = 1 << 19
const NOPAGE = 1 << 20, THP = 1 << 22, OFFLINE = 1 << 23, ZERO_PAGE = 1 << 24, PGTABLE = 1 << 26
// high word
const RESERVED_HI = 1 << 0, MLOCKED_HI = 1 << 1, PRIVATE_HI = 1 << 3
const DIRTY = 1 << 4

/** Kind of one page from its kpageflags entry (compound heads get their order later). */
function classifyKpageflags(lo: number, hi: number): number {
  if (lo & BUDDY) return PageKind.BUDDY_TAIL
  if (lo & NOPAGE) return PageKind.HOLE
  if (lo & HWPOISON) return PageKind.HWPOISON
  if (lo & OFFLINE) return PageKind.OFFLINE
  if (hi & RESERVED_HI) return PageKind.RESERVED
  if (lo & HUGE) return lo & HEAD ? HUGETLB_HEAD : PageKind.COMPOUND_TAIL
  if (lo & SLAB) return PageKind.SLAB
  if (lo & PGTABLE) return PageKind.PAGETABLE
  if (lo & ZERO_PAGE) return PageKind.ZERO
  if (lo & (LRU | THP)) {
    if (lo & TAIL) return PageKind.COMPOUND_TAIL
    if (lo & HEAD) return lo & THP ? THP_HEAD : FOLIO_HEAD
    if (lo & UNEVICTABLE || hi & MLOCKED_HI) return PageKind.UNEVICTABLE
    if (lo & WRITEBACK) return PageKind.WRITEBACK
    return lo & ANON ? PageKind.ANON : PageKind.FILE
  }
  if (lo === 0 && hi === 0) return PageKind.PCP // flagless: per-cpu free page or kernel page; settled later
  return PageKind.KERNEL
}

const RELEVANT = LRU | SLAB | WRITEBACK | BUDDY | ANON | HEAD | TAIL | HUGE | UNEVICTABLE | HWPOISON | NOPAGE | THP | OFFLINE | ZERO_PAGE | PGTABLE
let LUT: Uint8Array | null = null
/** kind by the relevant low-word bits (high word 0, low word non-zero): 4 MiB, built once */
function kindLut(): Uint8Array {
  if (LUT) return LUT
  const t = new Uint8Array((RELEVANT >>> 5) + 1)
  const bits: number[] = []
  for (let b = 0; b < 32; b++) if (RELEVANT & (1 << b)) bits.push(b)
  for (let c = 0; c < 1 << bits.length; c++) {
    let lo = 0
    bits.forEach((b, k) => { if (c & (1 << k)) lo |= 1 << b })
    // key 0 = only irrelevant bits set (not flagless): classify as such
    t[lo >>> 5] = classifyKpageflags(lo === 0 ? 1 << 2 : lo, 0)
  }
  return (LUT = t)
}

export interface ExactOptions {
  /** first PFN of the CMA area, when known */
  cmaBasePfn?: number | null
  /** every CMA area as [base PFN, pages] (boot log or CMA debugfs); takes precedence over cmaBasePfn */
  cmaAreas?: Array<[number, number]>
  source?: string
}

/**
 * Builds a model from streamed kpageflags (then optionally kpagecount) entries.
 * Usage: new ExactLayoutBuilder(capture); feed flagsSink; feed countSink; finish().
 */
export class ReferenceExactLayoutBuilder {
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
    const map = m.memMap
    const base = m.basePfn
    const n = words.length >> 1
    this.flagEntries = Math.max(this.flagEntries, firstPfn + n)
    let lo0 = 0
    let hi0 = n
    if (firstPfn < base) lo0 = Math.min(n, base - firstPfn)
    if (firstPfn + n > m.endPfn) hi0 = Math.max(lo0, m.endPfn - firstPfn)
    const lut = kindLut()
    // neighbouring PFNs often carry the same flags (free runs, LRU runs): the last entry's kind is kept
    let lastLo = -1
    let lastHi = -1
    let kind = 0
    for (let j = lo0; j < hi0; j++) {
      const lo = words[2 * j]!
      const hi = words[2 * j + 1]!
      if (lo !== lastLo || hi !== lastHi) {
        kind = hi !== 0 ? classifyKpageflags(lo, hi) : lo === 0 ? PageKind.PCP : lut[(lo & RELEVANT) >>> 5]!
        lastLo = lo
        lastHi = hi
      }
      map[firstPfn + j - base] = kind
      // a large folio whose split would fail: under writeback, or dirty page cache with fs-private data
      if ((kind === THP_HEAD || kind === FOLIO_HEAD) && (lo & WRITEBACK || (lo & DIRTY && hi & PRIVATE_HI && !(lo & ANON)))) m.unsplittable.add(firstPfn + j)
    }
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
    for (let j = from; j < to; j++) {
      const i = firstPfn + j - base
      if ((words[2 * j]! | words[2 * j + 1]!) === 0) continue
      const k = map[i]
      if (k === PageKind.PCP) map[i] = PageKind.KERNEL
      else if (k === PageKind.BUDDY_TAIL) {
        map[i] = PageKind.PINNED
        this.tornBuddy++
      }
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
      this.markUninitialised(z)
      this.inferPageblockTypes(z)
      this.buildFreeLists(z)
      this.settlePcp(z)
    }
    return { model: m, allocator: this.allocator }
  }

  /**
   * Deferred struct page init (deferred_init_memmap, or an on-demand "lazy" variant): until the
   * kernel initialises a range, its pages are present but not managed, flagless in kpageflags,
   * and outside the buddy allocator (pagetypeinfo does not count their blocks, compaction does
   * not scan them). zoneinfo says how many: present − managed, less the PG_reserved pages of the
   * zone. Initialisation runs from the start of the zone, so they are the zone's top blocks
   * that hold nothing but flagless unmapped pages.
   */
  private markUninitialised(z: Zone): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const pbPages = m.pageblockNrPages
    this.markZeroHoles(z)
    let reserved = 0
    for (let p = z.startPfn; p < z.endPfn; p++) if (map[p - base] === PageKind.RESERVED) reserved++
    const unmanaged = z.present - z.managed - reserved
    if (unmanaged < pbPages) return
    let want = Math.floor(unmanaged / pbPages)
    let marked = 0
    for (let pb = Math.floor((z.endPfn - 1) / pbPages); pb >= 0 && want > 0; pb--) {
      const s = Math.max(pb * pbPages, z.startPfn)
      const e = Math.min((pb + 1) * pbPages, z.endPfn)
      if (s >= e) break
      let flagless = true
      let holes = 0
      for (let p = s; p < e; p++) {
        const b = map[p - base]
        if (b === PageKind.HOLE) holes++
        else if (b !== PageKind.PCP) { flagless = false; break }
      }
      if (!flagless) break
      if (holes === e - s) continue
      map.fill(PageKind.UNINIT, s - base, e - base)
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
  private markZeroHoles(z: Zone): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const pbPages = m.pageblockNrPages
    let known = 0
    for (let p = z.startPfn; p < z.endPfn; p++) if (map[p - base] === PageKind.HOLE) known++
    let want = Math.floor((z.spanned - z.present - known) / pbPages)
    if (want <= 0) return
    const runs: Array<[number, number]> = []
    let runStart = -1
    const first = Math.ceil(z.startPfn / pbPages)
    const last = Math.floor(z.endPfn / pbPages)
    for (let pb = first; pb <= last; pb++) {
      let all = pb < last
      for (let p = pb * pbPages; all && p < (pb + 1) * pbPages; p++) if (map[p - base] !== PageKind.PCP) all = false
      if (all && runStart < 0) runStart = pb
      if (!all && runStart >= 0) { runs.push([runStart, pb - runStart]); runStart = -1 }
    }
    runs.sort((a, b) => b[1] - a[1] || a[0] - b[0])
    let marked = 0
    for (const [start, len] of runs) {
      if (want <= 0 || len < 2) break
      const n = Math.min(len, want)
      map.fill(PageKind.HOLE, start * pbPages - base, (start + n) * pbPages - base)
      marked += n * pbPages
      want -= n
    }
    if (marked > 0) this.notes.push(`${z.label}: ${marked} all-zero kpageflags entries inside the zone's span taken as its holes (spanned ${z.spanned} − present ${z.present})`)
  }

  private inferPageblockTypes(z: Zone): void {
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
    const nrOrders = m.geometry.nrOrders
    const pbo = m.geometry.pageblockOrder
    // blocks whose first page is a hole or not initialised are not in pagetypeinfo's counts
    for (let i = 0; i < nPb; i++) {
      const first0 = Math.max((first + i) * pbPages, z.startPfn) - base
      if (type[i] === -1 && (map[first0] === PageKind.HOLE || map[first0] === PageKind.UNINIT)) type[i] = mts.movable
    }
    const fixedPb = Uint8Array.from(type, (t) => (t >= 0 ? 1 : 0))
    // per pageblock: unmovable-looking pages (flagless ones included), slab pages, kernel pages
    // that are certainly in use (not flagless), movable (LRU, compound) pages
    const unmov = new Int32Array(nPb)
    const slab = new Int32Array(nPb)
    const kern = new Int32Array(nPb)
    const mov = new Int32Array(nPb)
    for (let i = 0; i < nPb; i++) {
      const s = Math.max((first + i) * pbPages, z.startPfn) - base
      const e = Math.min((first + i + 1) * pbPages, z.endPfn) - base
      for (let p = s; p < e; p++) {
        const b = map[p]!
        if (b === PageKind.BUDDY_TAIL || b === PageKind.HOLE || b === PageKind.UNINIT) continue
        if (b === PageKind.SLAB) { slab[i]!++; unmov[i]!++; kern[i]!++ }
        else if (b === PageKind.PCP) unmov[i]!++
        else if (b === PageKind.KERNEL || b === PageKind.PAGETABLE || b === PageKind.RESERVED || b === PageKind.ZERO) { unmov[i]!++; kern[i]!++ }
        else if (b >= 0x40 || b === PageKind.COMPOUND_TAIL || b === PageKind.ANON || b === PageKind.FILE || b === PageKind.UNEVICTABLE || b === PageKind.WRITEBACK || b === PageKind.PINNED) mov[i]!++
      }
    }
    // the free blocks as buildFreeLists will cut them (merges across pageblocks refused between a
    // CMA block and another), grouped into units: a free block larger than a pageblock with the
    // pageblocks it covers, or one pageblock with the free blocks whose head lies in it
    const unitOf = new Int32Array(nPb).fill(-1)
    const unitWeight: number[] = []
    const unitFirst: number[] = []
    const freeBlocks: number[] = []
    for (let p = z.startPfn; p < z.endPfn;) {
      if (map[p - base] !== PageKind.BUDDY_TAIL) { p++; continue }
      let order = 0
      while (order < m.maxOrder) {
        const size = 2 ** (order + 1)
        if (p % size !== 0 || p + size > z.endPfn) break
        let ok = true
        for (let q = p + 2 ** order; q < p + size; q++) if (map[q - base] !== PageKind.BUDDY_TAIL) { ok = false; break }
        if (!ok) break
        if (order + 1 > pbo && (type[Math.floor(p / pbPages) - first] === mts.cma) !== (type[Math.floor((p + 2 ** order) / pbPages) - first] === mts.cma)) break
        order++
      }
      freeBlocks.push(p, order)
      if (order > pbo) {
        const i0 = Math.floor(p / pbPages) - first
        const u = unitWeight.length
        unitWeight.push(2 ** (order - pbo))
        unitFirst.push(i0)
        for (let k = 0; k < 2 ** (order - pbo); k++) unitOf[i0 + k] = u
      }
      p += 2 ** order
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
    const fixedUnit = Uint8Array.from(uType, (t) => (t >= 0 ? 1 : 0))
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
    const rest: number[] = []
    for (let u = 0; u < nU; u++) if (uType[u] === -1) rest.push(u)
    const un = (u: number): number => unmov[unitFirst[u]!]!
    rest.sort((a, b) => un(b) - un(a) || a - b)
    const nonMov = Math.min(rest.length, Math.max(0, remaining[mts.unmovable] ?? 0) + Math.max(0, remaining[mts.reclaimable] ?? 0))
    const nonMovUnits = rest.slice(0, nonMov)
    const slabRatio = (u: number): number => (un(u) > 0 ? slab[unitFirst[u]!]! / un(u) : 0)
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
    const search = Int8Array.from(uType, (t, u) => (fixedUnit[u] ? -1 : t))
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
        if (t === mts.movable) return kern[i]! > 0 && mov[i] === 0 ? 1 : 0
        return mov[i]! > 0 && kern[i] === 0 ? 1 : 0
      },
    })
    for (let u = 0; u < nU; u++) {
      const t = fixedUnit[u] ? uType[u]! : res.type[u]!
      for (let k = 0; k < unitWeight[u]!; k++) type[unitFirst[u]! + k] = t
    }
    for (let i = 0; i < nPb; i++) m.pageblockMt[first + i - m.pbBase] = type[i]!
    this.notes.push(`${z.label}: pageblock migratetypes inferred from page contents and pagetypeinfo's free lists, keeping its counts per type (page_owner not captured): ${res.after} free pages on other lists than pagetypeinfo's (${res.before} by page contents alone; ${res.swaps} pairs of pageblock types swapped)`)
  }

  private buildFreeLists(z: Zone): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const maxOrder = m.maxOrder
    const pbo = m.geometry.pageblockOrder
    const mts = m.migratetypes
    const blocks: number[] = []
    let p = z.startPfn
    while (p < z.endPfn) {
      if (map[p - base] !== PageKind.BUDDY_TAIL) { p++; continue }
      let order = 0
      while (order < maxOrder) {
        const size = 2 ** (order + 1)
        if (p % size !== 0 || p + size > z.endPfn) break
        let ok = true
        for (let q = p + 2 ** order; q < p + size; q++) if (map[q - base] !== PageKind.BUDDY_TAIL) { ok = false; break }
        if (!ok) break
        if (order + 1 > pbo) {
          // __free_one_page refuses merges across pageblocks of different types if either is not mergeable
          const a = m.getPageblockMigratetype(p)
          const b = m.getPageblockMigratetype(p + 2 ** order)
          if (a !== b && (!mts.isMergeable(a) || !mts.isMergeable(b))) break
        }
        order++
      }
      blocks.push(p, order)
      p += 2 ** order
    }
    for (let i = blocks.length - 2; i >= 0; i -= 2) {
      const pfn = blocks[i]!
      const order = blocks[i + 1]!
      this.allocator.addToFreeList(z, pfn, order, m.getPageblockMigratetype(pfn))
    }
  }

  private settlePcp(z: Zone): void {
    const m = this.model
    const map = m.memMap
    const base = m.basePfn
    const near: number[] = []
    const far: number[] = []
    const whole: number[] = []
    const pbPages = m.pageblockNrPages
    // a whole aligned pageblock of flagless, unmapped pages: a THP-order page on a pcp list
    // (6.1 keeps pcp lists for the PMD order too; freed hugetlb pages and THPs land there)
    for (let p = z.startPfn - (z.startPfn % pbPages); p + pbPages <= z.endPfn; p += pbPages) {
      if (p < z.startPfn) continue
      let all = true
      for (let q = p; q < p + pbPages; q++) if (map[q - base] !== PageKind.PCP) { all = false; break }
      if (all) for (let q = p; q < p + pbPages; q++) whole.push(q)
    }
    const inWhole = new Set(whole)
    // Kernel allocations without flags (pipe buffers, vmalloc, kernel stacks) cluster in the
    // blocks the fallback rules gave to unmovable allocations; pages on pcp lists lie wherever
    // pages were freed, a few in each block among LRU and buddy pages. So the flagless pages of
    // the blocks holding the fewest of them are taken as pcp pages first (those beside a free
    // buddy first within one block density).
    const density = new Map<number, number>()
    for (let p = z.startPfn; p < z.endPfn; p++) {
      if (map[p - base] !== PageKind.PCP || inWhole.has(p)) continue
      const b = Math.floor(p / pbPages)
      density.set(b, (density.get(b) ?? 0) + 1)
    }
    const cand: Array<[number, number]> = []
    for (let p = z.startPfn; p < z.endPfn; p++) {
      if (map[p - base] !== PageKind.PCP || inWhole.has(p)) continue
      const buddy = p ^ 1
      const bb = buddy >= z.startPfn && buddy < z.endPfn ? map[buddy - base]! : 0
      const d = density.get(Math.floor(p / pbPages))!
      cand.push([p, d * 2 + (isFreeHead(bb) || bb === PageKind.BUDDY_TAIL ? 0 : 1)])
    }
    cand.sort((a, b) => a[1] - b[1] || a[0] - b[0])
    for (const [p] of cand) near.push(p)
    const want = z.pcpPages
    const all = whole.length <= want ? [...whole, ...near, ...far] : [...near, ...far, ...whole]
    for (let k = want; k < all.length; k++) map[all[k]! - base] = PageKind.KERNEL
    if (all.length < want) this.notes.push(`${z.label}: zoneinfo counts ${want} per-cpu free pages but only ${all.length} flagless pages exist`)
  }
}

/** Set the order of every compound head from the run of tails that follows it. */
function fixCompoundOrders(m: MemoryModel): void {
  const map = m.memMap
  const n = map.length
  for (let i = 0; i < n; i++) {
    const b = map[i]!
    if (b !== THP_HEAD && b !== HUGETLB_HEAD && b !== FOLIO_HEAD) continue
    let j = i + 1
    while (j < n && map[j] === PageKind.COMPOUND_TAIL && j - i < 2 ** 15) j++
    const len = j - i
    let order = 0
    while (2 ** (order + 1) <= len && order < 15) order++
    map[i] = b | order
    i = j - 1
  }
}
