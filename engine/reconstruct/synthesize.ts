/**
 * Synthesized layout: a seeded model consistent with every count a capture's summaries give
 * (buddyinfo, pagetypeinfo, zoneinfo) when no kpageflags was captured.
 *
 * Guarantees (when the counts are feasible, which real captures are):
 *  - free blocks per order per migratetype list equal pagetypeinfo (and so buddyinfo);
 *  - pageblocks per migratetype equal pagetypeinfo's block counts;
 *  - spanned/present/managed, CMA pages and pcp pages per zone equal zoneinfo;
 *  - the free blocks obey the buddy invariant: no two free buddies of one order (§2.3);
 *  - the order-0 LRU pages do not exceed zoneinfo's LRU counters less the THPs (before a full
 *    compaction): the Movable pageblocks' used pages beyond them are whole pageblocks of kernel pages,
 *    except in a zone initialised on demand (deferred_init=lazy), where they stay among the used
 *    pages and the layout's findings say so (setLazyKernelBlocksRule);
 *  - on 6.9+ kernels, the dirty page-cache large folios whose split fails are a share of the zone's
 *    write-pending pages (zoneinfo nr_zone_write_pending; the share and their orders drawn: placeDirtyFolios),
 *    and those written between the first read and the re-read after kpageflags lie where the page
 *    allocator took them, in free blocks of their order (placeWrittenFolios).
 * Chosen by the seed: where each pageblock type and each free block sits, and which kind each
 * used page is (in proportions taken from the zone's LRU/slab/page-table counters).
 *
 * How free blocks are placed without creating mergeable buddies: walking the buddy tree from
 * the largest order down, every untouched node of order k+1 may hold at most one free block of
 * order k (in one of its halves), and a maximal untouched node whose parent contains a used page
 * may hold one block of its own order; the other halves become the candidates of the next order.
 */
import { MemoryModel, MigratetypeTable, type Geometry } from '../mm/mmzone.ts'
import { PageKind, THP_HEAD, FOLIO_HEAD, compoundHead, freeHead, headOrder, isBuddyPage, isFreeHead } from '../mm/page.ts'
import { PageAllocator, kernelVersionCode } from '../mm/page_alloc.ts'
import { Rng, rngAdvance, rngOutput } from '../sim/rng.ts'
import type { Capture } from '../snapshot.ts'
import { slabCompounds, type Slabinfo } from '../procfs/slabinfo.ts'
import { zoneShapes, makeZone, capturedFreeCounts, capturedBlockCounts, checkCountsFit, type ZoneShape } from './zones.ts'

export interface SynthesizeOptions {
  seed?: number
  /** first PFN of each CMA area, when known (from CMA debugfs, cma=size@base or the boot log) */
  cmaBasePfn?: number | null
  /**
   * the capture was taken after a full compaction (its series says so): compaction leaves the
   * zone packed, the migrate scanner's low end emptied and the free scanner's high end filled
   * (isolate_migratepages from zone_start_pfn up, isolate_freepages from the zone end down), so
   * free blocks are placed preferring low PFNs and used pages fill the high end. How complete the
   * packing is, is not in the counts: each seed draws it (see freeGradient).
   */
  afterCompaction?: boolean
  /**
   * pages an allocation's direct compaction migrated before the capture, with no full compaction
   * since (the series' steps.log, e.g. a hugetlb pool's growth): their free scanner took as many
   * free pages from the top of the zone, so the top of the zone is packed by that much (see
   * directCompactedTop). 0 or absent: none.
   */
  directCompactionMigrated?: number
  /**
   * after a full compaction (afterCompaction), per zone the wholly free pageblocks (not CMA) of
   * the capture before the first of the full compactions before this capture (the series'
   * pagetypeinfo): the memory no allocation had touched since boot, which a full compaction leaves
   * where it was (untouchedRunFirst). Absent: not known, every wholly free pageblock
   * placed as the migrate scanner's (low).
   */
  untouchedBeforeCompaction?: Array<{ node: number; zone: string; pageblocks: number }>
  /**
   * after a full compaction, the vmstat of the capture untouchedBeforeCompaction was read from:
   * whether full compactions earlier in the boot than that capture had emptied the bottom of the
   * zone, where its wholly free pageblocks then lay (earlierCompactionReach, emptiedBottomDraw).
   * Absent: not known, taken as none.
   */
  vmstatBeforeCompaction?: Record<string, number>
  /**
   * per zone (`node/zone`), the write-pending pages its re-read zoneinfo holds beyond the first
   * read (engine/reconstruct/reread.ts writtenAfterRead): page-cache folios written after the
   * capture's first reads, out of the free lists (placeWrittenFolios). Absent: none.
   */
  writtenAfterRead?: Record<string, number>
  /**
   * per zone, the pages the per-cpu lists whose high fell between the capture's first read and
   * its re-read (which the layout is made from) gave back: decay_pcp_high, 6.7+
   * (engine/reconstruct/reread.ts pcpDecayedBetweenReads). After a full compaction they are
   * spread over the topmost used Movable pageblocks (spreadDecayedPcpPages).
   */
  pcpDecayedBeforeCapture?: Array<{ node: number; zone: string; pages: number }>
  /**
   * per zone, the huge pages a hugetlb pool's shrink before the capture left on a per-cpu list,
   * whole (free_unref_page at pageblock order, pcp_allowed_order; host/whatif/pinned.ts
   * hugetlbPagesOnPcp): that many Movable pageblocks wholly of per-cpu pages (placeHugePcpBlocks),
   * out of zoneinfo's per-cpu count. Absent: none.
   */
  pcpHugePages?: Array<{ node: number; zone: string; blocks: number }>
  /**
   * the boot log says deferred struct page init ran (`deferred pages initialised`): the boot-time
   * types of the kernel image's pageblocks in the node's last zone follow it (kernelImageTypes).
   * Absent: unknown, taken as not run.
   */
  deferredStructPages?: boolean
  /**
   * after a full compaction, per zone the free blocks below pageblock order that compaction left
   * in the used Movable pageblocks its free scanner walked: per pageblock from the zone's top
   * down (the used ones only, as ranked by synthesizeZone), the orders of its free blocks. The host
   * finds them by running the compaction the series records on a layout of the capture before it
   * (host/load.ts leftBehindByCompaction); they are placed there instead of sparseFreeShape's draw
   * (placeLeftBehind). Absent: drawn.
   */
  leftBehindTop?: Array<{ node: number; zone: string; blocks: number[][] }>
}

export interface ClusterShape {
  /** share of the non-Movable pageblocks at the zone's high end (the rest at its low end) */
  topShare: number
  /** how far they mix into the Movable ones, as a share of the zone (0: contiguous runs) */
  spread: number
}

/**
 * Where the Unmovable, Reclaimable and other non-Movable pageblocks sit: at both ends of a
 * zone, split and mixed as the seed draws (its own stream, like freeGradient). The corpus's
 * kpageflags put most at the high end, some at the low end, a few in mid-zone runs; the draw
 * covers every split (5–95 % at the top) and mixing from contiguous runs to half the zone.
 */
export function clusterShape(seed: number): ClusterShape {
  const r = new Rng((Math.imul(seed, 0x9e3779b1) ^ 0x27d4eb2f) >>> 0)
  return { topShare: 0.05 + 0.9 * r.next(), spread: 0.5 * r.next() }
}

/**
 * How strongly free memory keeps to low PFNs in a zone after a full compaction: pageblocks are
 * filled with free blocks in weighted order, weight exp(−g·x), x the relative position in the
 * zone (0 at zone_start_pfn, 1 at the end), so a packed zone's free memory lies below the point
 * where the scanners met and its free scanner side is full (the first compaction took every free
 * page there). The scanners meet at one pageblock, so the boundary is sharp: drawn per seed from
 * its own stream between 40 (blurred over a fortieth of the zone) and 160; 0 (no full compaction
 * before the capture) leaves the density to freeDensity. (A blur of a tenth of the zone left
 * blocks of movable pages below the boundary and doubled the second compaction's migrations.)
 */
export function freeGradient(seed: number, afterCompaction: boolean): number {
  if (!afterCompaction) return 0
  const r = new Rng((seed ^ 0x5bd1e995) >>> 0)
  return 40 + 120 * r.next()
}

/**
 * After a full compaction, the pages a per-cpu list held while the free scanner filled the top
 * of the zone, returned to the buddy allocator since (synthesizeZone): their share of the
 * Movable list's order-0 free pages, and the mean number per pageblock. Measured on the
 * kpageflags of the after-compaction captures of fixtures/ (14 zones): 0–15 % of the order-0
 * free pages, spread over orders of magnitude (0–0.8 % in seven, where the trigger ran on a CPU
 * other than the workload's or the zone is small; 1.8–8.2 % in six; 15 % in one), 2.4–5.2 pages
 * a pageblock in most (1–14 in all). Drawn per seed from its own stream: the share log-uniform
 * over 0.05–15 % (uniform over 0–15 % left the seven near 0 below every band), the mean uniform
 * over 2–6.
 */
export function sparseFreeShape(seed: number, zoneKey: number): { share: number; perBlock: number } {
  const r = new Rng((Math.imul(seed, 0x68e31da4) ^ Math.imul(zoneKey + 1, 0x1b56c4e9) ^ 0x2f8a1c3d) >>> 0)
  return { share: 0.0005 * Math.pow(300, r.next()), perBlock: 2 + 4 * r.next() }
}

/**
 * How much of the top of each zone an allocation's direct compaction packed before the capture
 * (no full compaction since): the share x > 1 − f of the zone (x the relative position, as in
 * freeDensity) where free blocks below pageblock order are placed only as a packed zone places
 * them, weight exp(−g·(x − (1 − f))), g such that the weight averages over the top the share of
 * its free pages it kept (directCompactedSharpness). Direct compaction (__alloc_pages_direct_compact → compact_zone) runs its free
 * scanner down from the zone end (isolate_freepages) and its migrate scanner up from the zone
 * start, resuming at the cached positions (compact_cached_free_pfn, compact_cached_migrate_pfn)
 * call after call: the free scanner took `migrated` free pages from the top, and the pageblocks
 * the migrate scanner emptied went to the allocations (a hugetlb pool's huge pages, freed back at
 * pageblock order when the pool shrinks). So f = migrated / (migrated + the capture's free pages
 * below pageblock order): the top held as dense a share of the free memory as the rest before.
 * Measured on the kpageflags of every capture after a hugetlb pool's growth in fixtures/
 * (x86-1G-s2-hugetlb, -cpu0, -cpu1 03 and 04, x86-1G-s20-nopin-hugetlb 03, x86-512M-s17 03),
 * eighths of the zone against the capture before: the Movable pageblocks' free pages below
 * pageblock order fell to 6–23 % in the eighths 4–6 of s2 (of 0–7; f 0.36), to 27–33 % in two of
 * the top three of -cpu0 (f 0.21), to 33–42 % in 4–6 of -cpu1 (f 0.25), to 0–16 % in 3–6 of s20
 * (f 0.71), while the eighths below kept 60–100 %; x86-512M-s17-k612-hugetlb (f 0.38) lost free
 * pages all over its small zone. Its LRU pages rose there (s2: eighths 4–6 from 32.6k to 46.7k).
 */
export function directCompactedTop(migrated: number, freeBelowPageblock: number): number {
  return migrated > 0 ? migrated / (migrated + Math.max(0, freeBelowPageblock)) : 0
}

/**
 * How completely a direct compaction packed the top f of a zone (directCompactedTop): the share
 * of their free pages below pageblock order its pageblocks kept, drawn per seed from its own
 * stream uniform over the measured 0–42 % (directCompactedTop: 6–23 %, 27–33 %, 33–42 % and
 * 0–16 % in the eighths it packed), at least 0.5 %, and the sharpness g of the weight
 * exp(−g·(x − (1 − f))) over the top that averages to it, (1 − e^(−g·f)) / (g·f) = kept (solved
 * by bisection). A full compaction's boundary (freeGradient, g 40–160) would keep 1.5–10 %
 * there: taken for it first, it left x86-1G-s2-hugetlb/04's compact_free_scanned band
 * (17698–54220) below the real value (64866).
 */
export function directCompactedSharpness(seed: number, share: number): { kept: number; sharpness: number } {
  const kept = Math.max(0.005, 0.42 * new Rng((seed ^ 0x3c6ef372) >>> 0).next())
  const f = Math.min(1, Math.max(1e-9, share))
  const mean = (g: number): number => (1 - Math.exp(-g * f)) / (g * f)
  let lo = 1e-6, hi = 1e6
  for (let k = 0; k < 100; k++) {
    const mid = Math.sqrt(lo * hi)
    if (mean(mid) > kept) lo = mid
    else hi = mid
  }
  return { kept, sharpness: lo }
}

/** the top of a zone packed by an allocation's direct compaction (directCompactedTop); off: not (for the test that holds it) */
let packDirectCompactedTop = true
export function setPackDirectCompactedTop(on: boolean): void { packDirectCompactedTop = on }

/** Marker for pages that are free-able but not yet decided, during construction only. */
const UNDECIDED = 0x3f
/** four undecided pages in one word of the map */
const UNDECIDED4 = 0x3f3f3f3f
/**
 * eight undecided pages read as one double: a normal number (0x3f3f3f3f3f3f3f3f), which no other
 * eight bytes equal (a double equals another only with the same bits, but for ±0, and a NaN none)
 */
const UNDECIDED8 = new Float64Array(new Uint8Array(8).fill(UNDECIDED).buffer)[0]!
/** an empty [pfn|order, order|mt] list (layoutPageblock only reads its lists) */
const NO_PAIRS: Array<[number, number]> = []

export function synthesizeModel(c: Capture, opts: SynthesizeOptions = {}): { model: MemoryModel; allocator: PageAllocator } {
  const seed = opts.seed ?? 1
  const notes: string[] = []
  const mts = new MigratetypeTable(c.machine.migratetypes)
  const geometry: Geometry = { pageSize: c.machine.pageSize, pageblockOrder: c.machine.pageblockOrder, nrOrders: c.machine.nrOrders }
  const shapes = zoneShapes(c, notes)
  if (shapes.length === 0) throw new Error(`${c.source}: no populated zone in the capture (need zoneinfo, pagetypeinfo or buddyinfo)`)
  const zones = shapes.map((s) => makeZone(s, geometry.nrOrders, mts))
  const model = new MemoryModel(geometry, mts, zones, { method: 'synthesized', seed, notes })
  const allocator = new PageAllocator(model)
  const rng = new Rng(seed)
  const gradient = freeGradient(seed, opts.afterCompaction ?? false)
  const shape = clusterShape(seed)
  if (gradient > 0) notes.push(`the capture follows a full compaction: free blocks placed preferring low PFNs (weight exp(−${gradient.toFixed(2)}·x) over the zone), used pages at the high end, as compaction leaves a zone`)
  // an allocation's direct compaction before the capture (no full compaction since): its top packed
  let packedTop: { share: number; sharpness: number } | null = null
  if (gradient === 0 && packDirectCompactedTop && (opts.directCompactionMigrated ?? 0) > 0) {
    let below = 0
    for (const s of shapes) {
      const counts = capturedFreeCounts(c, s.node, s.name, mts, [])
      for (const row of counts) for (let o = 0; o < Math.min(row.length, geometry.pageblockOrder); o++) below += (row[o] ?? 0) * 2 ** o
    }
    const share = directCompactedTop(opts.directCompactionMigrated!, below)
    const packing = directCompactedSharpness(seed, share)
    packedTop = { share, sharpness: packing.sharpness }
    notes.push(`the capture follows ${opts.directCompactionMigrated} pages migrated by an allocation's direct compaction (steps.log): the top ${(100 * share).toFixed(0)} % of each zone packed as its free scanner left it, keeping ${(100 * packing.kept).toFixed(0)} % of its free pages below pageblock order (weighted exp(−${packedTop.sharpness.toFixed(2)}·(x − ${(1 - share).toFixed(2)})) there), the wholly free pageblocks placed by the same density`)
  }
  for (const s of shapes) {
    const zone = model.findZone(s.node, s.name)!
    // full compactions earlier in the boot (vmstat), when the series says none just ran: the zone's emptied bottom, drawn (emptiedBottomDraw)
    // after a full compaction in a zone initialised on demand: the reach of the compactions before
    // the capture its untouched pageblocks come from (synthesizeZone, untouchedKeys)
    const reach = gradient === 0 && !packedTop && emptiedBottomRule ? earlierCompactionReach(c, shapes, s)
      : gradient > 0 && opts.vmstatBeforeCompaction && emptiedBottomRule && lazyUntouchedRule ? earlierCompactionReach({ ...c, vmstat: opts.vmstatBeforeCompaction }, shapes, s) : 0
    synthesizeZone(c, model, allocator, s, zone, rng, notes, opts, gradient, shape, packedTop, reach)
  }
  if (c.slabinfo && slabCompoundsRule) markSlabCompounds(model, c.slabinfo, notes)
  mapKeeper ??= keptModel(geometry, mts, shapes[0]!)
  mapKeeper.shape = shape
  return { model, allocator }
}

/**
 * What keeps the hidden classes (maps) of the objects the hot functions below read alive from one
 * synthesis to the next, as Rng keeps a generator (Rng.mapKeeper). V8 compiles those functions
 * against the maps of the model's objects (MemoryModel, Zone, its FreeArea and FreeLists,
 * PageAllocator) and of the cluster shape, and throws the code away when a map dies, which it
 * does once no object of it is alive (the transitions that make a map are weak). Between two
 * syntheses (the bench's runs, each after a full GC; a series or a fleet synthesized capture by
 * capture) about twenty functions then ran unoptimized again, were recompiled (tens of
 * milliseconds each, on the threads the synthesis runs beside) and deoptimized where their type
 * feedback had been cleared: 64 GiB took half as long again. Held: a model of one pageblock
 * built as synthesizeModel builds its own (makeZone, MemoryModel, PageAllocator), and the last
 * synthesis's cluster shape. Never read.
 */
let mapKeeper: { model: MemoryModel; allocator: PageAllocator; shape: ClusterShape | null } | null = null

/** mapKeeper's model: one pageblock, of the capture's geometry and migratetypes, in a zone of its first zone's shape */
function keptModel(geometry: Geometry, mts: MigratetypeTable, zoneShape: ZoneShape): { model: MemoryModel; allocator: PageAllocator; shape: ClusterShape | null } {
  const pbPages = 2 ** geometry.pageblockOrder
  const zone = makeZone({ ...zoneShape, startPfn: 0, spanned: pbPages, present: pbPages, managed: pbPages, cma: 0 }, geometry.nrOrders, mts)
  const model = new MemoryModel(geometry, mts, [zone], { method: 'synthesized', seed: 0, notes: [] })
  return { model, allocator: new PageAllocator(model), shape: null }
}

/** slab pages of more than one page drawn as compound pages (markSlabCompounds); off: not (for the test that holds it) */
let slabCompoundsRule = true
export function setSlabCompoundsRule(on: boolean): void { slabCompoundsRule = on }

/**
 * The slabs of more than one page as compound pages (MemoryModel.kernelCompoundTails), from
 * /proc/slabinfo: a cache's slab is a compound page of 2^order pages (<pagesperslab>; SLUB's
 * alloc_slab_page, __GFP_COMP), whose tail pages the compaction scanners step over from its head
 * (before 6.4 without counting them). The slabinfo gives the share of slab pages that are tails and
 * the orders; the layout's slab pages take that share, spread evenly over them in PFN order (a
 * running credit, no draw), each compound aligned to its order within a run of slab pages, the
 * order furthest below its share first. The kernel's other compound pages (kmalloc_large) are in no
 * text file: not drawn.
 */
function markSlabCompounds(m: MemoryModel, slabinfo: Slabinfo, notes: string[]): void {
  const { pages, slabsByOrder } = slabCompounds(slabinfo)
  let tailsTotal = 0
  for (let o = 1; o < slabsByOrder.length; o++) tailsTotal += slabsByOrder[o]! * (2 ** o - 1)
  if (pages === 0 || tailsTotal === 0) return
  const map = m.memMap
  const base = m.basePfn
  const mts = m.migratetypes
  // slab pages in the pageblocks of their own types: the Movable ones the layout fills with kernel
  // pages stand for the reserved ranges kpageflags show there (swiotlb, the memmap), not slab
  const pbPages = m.pageblockNrPages
  const movableLike = (mt: number): boolean => mt === mts.movable || mt === mts.cma
  const isSlab = (b: number, p: number): boolean => (b === PageKind.SLAB || b === PageKind.SLAB_RECLAIMABLE) && !movableLike(m.pageblockMt[Math.floor(p / pbPages)]!)
  // the share of the layout's slab pages, at most slabinfo's tail pages in all (the layout may hold more slab pages than slabinfo counts)
  let layoutSlab = 0
  for (const z of m.zones) for (let p = z.startPfn - base; p < z.endPfn - base; p++) if (isSlab(map[p]!, p)) layoutSlab++
  const share = tailsTotal / Math.max(pages, layoutSlab)
  const orders: number[] = []
  for (let o = slabsByOrder.length - 1; o >= 1; o--) if (slabsByOrder[o]! > 0) orders.push(o)
  const want = orders.map((o) => (slabsByOrder[o]! * (2 ** o - 1)) / tailsTotal)
  const placed = orders.map(() => 0)
  let bits: Uint32Array | null = null
  let marked = 0
  let credit = 0
  for (const z of m.zones) {
    for (let p = z.startPfn - base, end = z.endPfn - base; p < end;) {
      const kind = map[p]!
      if (!isSlab(kind, p)) { p += isFreeHead(kind) ? 1 << headOrder(kind) : 1; continue }
      let q = p + 1
      while (q < end && map[q] === kind) q++
      // the run [p, q) of one slab kind
      while (p < q) {
        credit += share
        let best = -1
        for (let i = 0; i < orders.length; i++) {
          const n = 2 ** orders[i]!
          if ((p & (n - 1)) !== 0 || p + n > q || credit + share * (n - 1) < n - 1) continue
          if (best < 0 || want[i]! * (marked + n - 1) - placed[i]! > want[best]! * (marked + n - 1) - placed[best]!) best = i
        }
        if (best < 0) { p++; continue }
        const n = 2 ** orders[best]!
        bits ??= new Uint32Array((map.length + 31) >>> 5)
        for (let k = p + 1; k < p + n; k++) bits[k >>> 5] = bits[k >>> 5]! | (1 << (k & 31))
        credit += share * (n - 1) - (n - 1)
        placed[best]! += n - 1
        marked += n - 1
        p += n
      }
    }
  }
  if (bits === null) return
  m.kernelCompoundTails = bits
  notes.push(`slabs of more than one page (slabinfo: ${tailsTotal} of ${pages} slab pages are compound tail pages) drawn as compound pages among the layout's slab pages: ${marked} tail pages, which the compaction scanners step over from their head`)
}

function synthesizeZone(c: Capture, m: MemoryModel, allocator: PageAllocator, s: ZoneShape, zone: import('../mm/mmzone.ts').Zone, rng: Rng, notes: string[], opts: SynthesizeOptions, gradient: number, shape: ClusterShape, packedTop: { share: number; sharpness: number } | null, earlierReach = 0): void {
  const mts = m.migratetypes
  const pbo = m.geometry.pageblockOrder
  const pbPages = m.pageblockNrPages
  const maxOrder = m.maxOrder
  const map = m.memMap
  const base = m.basePfn
  const label = zone.label

  // 1. what is not in the buddy allocator's view: holes, pages not yet initialised, reserved pages
  map.fill(UNDECIDED, zone.startPfn - base, zone.endPfn - base)
  const firstPb = Math.floor(zone.startPfn / pbPages)
  const lastPb = Math.floor((zone.endPfn - 1) / pbPages)
  const nPb = lastPb - firstPb + 1
  const pbStart = (i: number): number => (firstPb + i) * pbPages
  /** weight of a free block in pageblock i (1 when the placement is uniform) */
  const W = freeDensity(rng.seed, zone.idx + 16 * zone.node, nPb, gradient)
  if (packedTop) {
    // the top the direct compaction's free scanner packed (directCompactedTop)
    const from = 1 - packedTop.share
    for (let i = 0; i < nPb; i++) {
      const x = (i + 0.5) / nPb
      if (x > from) W[i] = Math.max(Number.MIN_VALUE, W[i]! * Math.exp(-packedTop.sharpness * (x - from)))
    }
  }
  /**
   * weight of a wholly free block (order ≥ pageblock order) in pageblock i: after a compaction
   * (full, or an allocation's direct one) the free density's, where its migrate scanner emptied
   * pageblocks (and a hugetlb pool's pages, freed back where they were taken); otherwise set below,
   * once the initialised part is known
   */
  let Wwhole = W
  const holes = Math.max(0, s.spanned - s.present)
  // memory the kernel has not initialised yet (deferred struct page init, deferred_init=lazy) is
  // present but neither managed nor in pagetypeinfo's block counts: the pageblocks the span has
  // beyond those counts and the holes, at the zone's top (deferred_init_memmap works upwards)
  const counted = capturedBlockCounts(c, s.node, s.name, mts)
  const countedBlocks = counted ? counted.reduce((x, y) => x + y, 0) : nPb
  const uninitPb = Math.max(0, Math.min(nPb - countedBlocks - Math.floor(holes / pbPages), Math.floor((s.present - s.managed) / pbPages)))
  // the runs of pages decided here, [from, to) pairs (the rest of the zone is undecided)
  const decided: number[] = []
  let top = zone.endPfn
  if (uninitPb > 0) {
    top = Math.max(zone.startPfn, pbStart(nPb - uninitPb))
    map.fill(PageKind.UNINIT, top - base, zone.endPfn - base)
    decided.push(top, zone.endPfn)
    notes.push(`${label}: ${zone.endPfn - top} pages at the top of the zone not yet initialised (present − managed, and pagetypeinfo counts ${countedBlocks} of the span's ${nPb} pageblocks)`)
  }
  const reserved = Math.max(0, s.present - s.managed - (zone.endPfn - top))
  /** whole pageblocks of the hole placed at the zone's top (below memory not yet initialised, if any) */
  let topHolePb = 0
  /** [first, end) PFN of the kernel image's reserved sections in this zone, when iomem places them */
  let imageSpan: [number, number] | null = null
  // a zone the kernel initialises on demand spreads its wholly free pageblocks and its non-Movable
  // ones over its initialised part (lazyZoneSpread); any other has one run of untouched memory
  const lazySpread = uninitPb > 0 && gradient === 0 && lazyZoneRule
  const nInitPb = nPb - uninitPb
  if (gradient === 0 && !packedTop) Wwhole = lazySpread ? lazyWholeFreeDensity(rng.seed, zone.idx + 16 * zone.node, nPb, nInitPb) : wholeFreeDensity(rng.seed, zone.idx + 16 * zone.node, nPb)
  if (top - zone.startPfn < 64 * pbPages || s.cma > 0) {
    // a small zone (x86's DMA): the early reservations low, then the 640 KiB–1 MiB hole; so too
    // in a zone with a CMA area, whose place (known or at the top) the reserved runs must not take
    if (reserved > 0) {
      map.fill(PageKind.RESERVED, zone.startPfn - base, zone.startPfn + reserved - base)
      decided.push(zone.startPfn, zone.startPfn + reserved)
    }
    if (holes > 0) {
      map.fill(PageKind.HOLE, zone.startPfn + reserved - base, zone.startPfn + reserved + holes - base)
      decided.push(zone.startPfn + reserved, zone.startPfn + reserved + holes)
      notes.push(`${label}: ${holes} hole pages (spanned − present) placed after the ${reserved} reserved pages at the zone start`)
    }
  } else {
    // a large zone: its hole at the top (x86's PCI hole below 4 GiB ends DMA32), its reserved
    // pages where memblock put them
    if (holes > 0) {
      map.fill(PageKind.HOLE, top - holes - base, top - base)
      decided.push(top - holes, top)
      top -= holes
      topHolePb = Math.floor(holes / pbPages)
      notes.push(`${label}: ${holes} hole pages (spanned − present) placed at the top of the zone`)
    }
    // the kernel image where /proc/iomem says it lies, its reserved sections apart (kernelImageRuns)
    const image = kernelImageRule && kernelVersionCode(c.machine.kernelRelease) < 6013 ? kernelImageRuns(c, zone.startPfn, top, reserved, bootDeferredFrom(m, zone, opts.deferredStructPages === true)) : []
    let imagePages = 0
    for (let r = 0; r < image.length; r += 2) {
      map.fill(PageKind.RESERVED, image[r]! - base, image[r + 1]! - base)
      decided.push(image[r]!, image[r + 1]!)
      imagePages += image[r + 1]! - image[r]!
    }
    if (image.length) {
      imageSpan = [image[0]!, image[image.length - 1]!]
      notes.push(`${label}: the kernel image's ${image.length / 2} reserved sections (${imagePages} pages) at PFNs ${image[0]}–${image[image.length - 1]} as /proc/iomem places them; the gaps between them freed at boot (free_kernel_image_pages, free_initmem)`)
    }
    if (reserved - imagePages > 0) placeReserved(map, base, zone.startPfn, top, reserved - imagePages, pbPages, rng.seed, label, notes, decided, imageSpan)
  }
  // the non-Movable clusters lie at the ends of the zone's memory: a hole at its top (x86's PCI hole
  // below 4 GiB) holds no pageblock, and its pageblocks are the last of the index range (where
  // memory not yet initialised lies above the hole, the span is kept: lazyTypeKeys draws those
  // zones' types before a compaction)
  const nEndsPb = presentEndsRule && uninitPb === 0 ? Math.max(1, nPb - topHolePb) : nPb
  /** 0 = fully undecided (untouched), 1 = touched (holds a reserved/hole/out-of-zone page), 2 = wholly free, 3 = a THP, 4 = not counted (starts in a hole or memory not initialised), 5 = Movable, kernel pages only (below), 6 = Movable, used but for a few scattered free order-0 pages (after a full compaction, below), 7 = Movable, a huge page whole on a per-cpu list (placeHugePcpBlocks) */
  const touched = initialTouched(m, zone, firstPb, nPb, decided)

  // 3. target counts
  const free = capturedFreeCounts(c, s.node, s.name, mts, notes)
  // 6.9+: the page-cache folios written after the first read came off the Movable free lists: the
  // re-read's counts lack their blocks, which are laid out free here and taken back (step 9)
  const written = kernelVersionCode(c.machine.kernelRelease) >= 6009 ? writtenFolioOrders(rng.seed, zone.idx + 16 * zone.node, opts.writtenAfterRead?.[`${s.node}/${s.name}`] ?? 0) : []
  for (const o of written) if (free[mts.movable]) free[mts.movable]![o] = (free[mts.movable]![o] ?? 0) + 1
  let blocks = capturedBlockCounts(c, s.node, s.name, mts)
  checkCountsFit(c, s.node, s.name, s.startPfn, s.spanned, free, blocks)
  const cmaBlocks = mts.cma >= 0 ? Math.round(s.cma / pbPages) : 0
  if (!blocks) {
    blocks = new Array<number>(mts.count).fill(0)
    blocks[mts.movable] = nPb - cmaBlocks
    if (mts.cma >= 0) blocks[mts.cma] = cmaBlocks
    notes.push(`${label}: pageblock types unknown (no pagetypeinfo); all pageblocks Movable${cmaBlocks ? ` except ${cmaBlocks} CMA` : ''}`)
  }
  const totalBlocks = blocks.reduce((a, b) => a + b, 0)
  if (totalBlocks !== nPb - uninitPb) notes.push(`${label}: pagetypeinfo counts ${totalBlocks} pageblocks, the zone span covers ${nPb}`)

  // pageblock types: -1 = not yet assigned
  const pbType = new Int8Array(nPb).fill(-1)
  const remainingType = [...blocks]
  // CMA range: contiguous, at the known base or at the top of the zone
  const nCma = mts.cma >= 0 ? (blocks[mts.cma] ?? 0) : 0
  if (nCma > 0) {
    let startIdx = nPb - nCma
    if (opts.cmaBasePfn !== undefined && opts.cmaBasePfn !== null) {
      const i = Math.floor(opts.cmaBasePfn / pbPages) - firstPb
      if (i >= 0 && i + nCma <= nPb) startIdx = i
    } else {
      // leave room for the hole pages at the zone end
      while (startIdx > 0 && touched[startIdx + nCma - 1]) startIdx--
      notes.push(`${label}: CMA area position unknown; its ${nCma} pageblocks placed at the top of the zone`)
    }
    for (let i = startIdx; i < startIdx + nCma; i++) pbType[i] = mts.cma
    remainingType[mts.cma] = 0
  }

  // 4. free blocks of order ≥ pageblock order: choose aligned runs of untouched pageblocks
  const bigOrders: number[] = []
  for (let o = maxOrder; o >= pbo; o--) bigOrders.push(o)
  // Without a full compaction before the capture, the wholly free pageblocks are the memory no
  // allocation has touched since boot, one run (wholeFreeDensity), and in a CMA area one run of
  // its own: where each lies is one draw from the weights over its untouched pageblocks, and its
  // blocks are the untouched nodes nearest that point. Not in a zone the kernel initialises on
  // demand (deferred_init=lazy: memory not yet initialised above): its memory came to the buddy
  // allocator section by section as allocations needed it, and the kpageflags of this machine's
  // captures show its wholly free pageblocks scattered over the initialised part (fixtures/
  // host-24G-k618-*, zone Normal: 230–3223 pageblocks with free and used pages among them, where
  // its DMA32 zone, initialised at boot, has its 1506 in one run with 2 among them).
  // There they are drawn as runs of many lengths over the initialised part (lazyWholeFreeKeys).
  const runAnchor = { cma: -1, other: -1 }
  let lazyRunKeys: Float64Array | null = null
  if (lazySpread) {
    let nWhole = 0
    for (const o of bigOrders) for (let mt = 0; mt < mts.count; mt++) if (mt !== mts.cma) nWhole += (free[mt]?.[o] ?? 0) * 2 ** (o - pbo)
    lazyRunKeys = lazyWholeFreeKeys(rng.seed, zone.idx + 16 * zone.node, Wwhole, nInitPb, nWhole)
  }
  // After a full compaction, the untouched run of the capture before it stays where it was
  // (untouchedRunFirst): that many of the wholly free pageblocks (not CMA) around an
  // anchor drawn as before a compaction, the others where the migrate scanner emptied them
  let runBudget = 0
  const untouchedBefore = gradient > 0 ? opts.untouchedBeforeCompaction?.find((u) => u.node === zone.node && u.zone === zone.name) : undefined
  if (untouchedBefore && untouchedBefore.pageblocks > 0) {
    let nWhole = 0
    for (const o of bigOrders) for (let mt = 0; mt < mts.count; mt++) if (mt !== mts.cma) nWhole += (free[mt]?.[o] ?? 0) * 2 ** (o - pbo)
    runBudget = Math.min(untouchedBefore.pageblocks, nWhole)
  }
  let WrunAnchor: Float64Array | null = null
  /** after a full compaction in a zone initialised on demand: where its untouched memory lay, in runs (lazyWholeFreeKeys; setLazyUntouchedRule) */
  let untouchedKeys: Float64Array | null = null
  if (runBudget > 0 && uninitPb > 0 && lazyUntouchedRule) {
    untouchedKeys = lazyWholeFreeKeys(rng.seed, zone.idx + 16 * zone.node, lazyWholeFreeDensity(rng.seed, zone.idx + 16 * zone.node, nPb, nInitPb), nInitPb, runBudget)
    notes.push(`${label}: ${runBudget} wholly free pageblocks kept where the capture before the full compaction held them (${untouchedBefore!.pageblocks}; its free scanner takes no free block of pageblock order): in runs over the initialised part of this zone initialised on demand, as before a compaction`)
  } else if (runBudget > 0) {
    WrunAnchor = wholeFreeDensity(rng.seed, zone.idx + 16 * zone.node, nPb)
    notes.push(`${label}: ${runBudget} wholly free pageblocks kept as the run of memory untouched since boot (the capture before the full compaction held ${untouchedBefore!.pageblocks}; its free scanner takes no free block of pageblock order)`)
  }
  if ((gradient === 0 && !packedTop && uninitPb === 0) || WrunAnchor !== null) {
    const Wanchor = WrunAnchor ?? Wwhole
    const draw = wholeFreeRunDraw(rng.seed, zone.idx + 16 * zone.node)
    for (const group of ['cma', 'other'] as const) runAnchor[group] = runAnchorDraw(Wanchor, draw, touched, pbType, mts.cma, group === 'cma')
  }
  // Full compactions earlier in the boot emptied the zone's bottom of LRU pages (emptiedBottomDraw):
  // in the seeds that draw it, its lowest pageblocks take the wholly free blocks first
  const emptiedPb = earlierReach > 0 ? emptiedBottomDraw(rng.seed, zone.idx + 16 * zone.node, Math.min(nInitPb, Math.floor(earlierReach / pbPages))) : 0
  if (emptiedPb > 0 && untouchedKeys) {
    // after a full compaction: the untouched pageblocks of the capture before it lay there first
    for (let i = 0; i < emptiedPb; i++) untouchedKeys[i] = -1 + i / emptiedPb
    notes.push(`${label}: full compactions earlier in the boot than the capture before the last full compaction (its vmstat compact_migrate_scanned ${opts.vmstatBeforeCompaction?.['compact_migrate_scanned'] ?? 0}): the lowest ${emptiedPb} pageblocks, which they emptied, hold its untouched pageblocks first (drawn; at most ${Math.floor(earlierReach / pbPages)} by the count)`)
  } else if (emptiedPb > 0) {
    if (!lazyRunKeys) {
      // one run of untouched memory: the others by their distance from its anchor (as byDistance, pageblock by pageblock)
      const keys = new Float64Array(nPb)
      const a = runAnchor.other
      for (let i = 0; i < nPb; i++) keys[i] = a >= 0 ? 1 + Math.abs(i + 0.5 - a) : 1 + i
      lazyRunKeys = keys
      runAnchor.other = -1
    }
    for (let i = 0; i < emptiedPb; i++) lazyRunKeys[i] = -1 + i / emptiedPb
    // compaction moves no page of a non-Movable pageblock: those the synthesis would place in the emptied bottom stay (emptiedBottomKeepTypes)
    if (emptiedKeepTypesRule) {
      const kept = emptiedBottomKeepTypes(mts, pbType, touched, remainingType, emptiedPb, lazySpread, nInitPb, nEndsPb, shape, rng.seed, zone.idx + 16 * zone.node)
      if (kept > 0) notes.push(`${label}: ${kept} non-Movable pageblocks kept where they would lie among the emptied bottom's ${emptiedPb} (compaction moves no page of theirs)`)
    }
    notes.push(`${label}: full compactions earlier in the boot (vmstat compact_migrate_scanned ${c.vmstat?.['compact_migrate_scanned'] ?? 0}, no direct or kcompactd compaction): the lowest ${emptiedPb} pageblocks, which their migrate scanners emptied, take the wholly free blocks first (drawn; at most ${Math.floor(earlierReach / pbPages)} by the count)`)
  }
  for (const group of ['cma', 'other'] as const) {
    if (group === 'cma' && nCma === 0) continue
    const wantTypes = group === 'cma' ? [mts.cma] : mts.names.map((_, i) => i).filter((mt) => mt !== mts.cma)
    runBudget = placeWholeFreeBlocks(m, allocator, zone, rng, free, wantTypes, group === 'cma', touched, pbType, remainingType, firstPb, runAnchor[group], WrunAnchor !== null || untouchedKeys !== null, runBudget, untouchedKeys ?? lazyRunKeys, Wwhole, notes)
  }

  // 5. types of the remaining pageblocks: Unmovable first where reserved pages sit, the rest clustered
  assignPageblockTypes(m, zone, rng, pbType, touched, remainingType, firstPb, imageSpan, opts.deferredStructPages === true, shape, lazySpread, nInitPb, nEndsPb, notes)

  // THPs of pageblock size occupy whole Movable pageblocks: set them aside before small free
  // blocks, in the lowest untouched Movable pageblocks. The boot frees memory to the tails of the
  // free lists in ascending PFN order (__free_pages_core, FPI_TO_TAIL) and rmqueue takes a list's
  // head, so a workload's THP faults (order-9 blocks) take the lowest free pageblocks first; the
  // kpageflags of every capture in fixtures/ have their THPs there, just above the low cluster of
  // non-Movable pageblocks. Compaction does not move them (isolate_migratepages_block skips
  // compound pages), so where they sit decides where its scanners find pages to move.
  const thpCount = thpPagesOfZone(c, m, zone, s)
  if (thpCount > 0) placeThps(m, zone, pbType, touched, firstPb, thpCount, notes)

  // huge pages a hugetlb pool's shrink left whole on a per-cpu list (placeHugePcpBlocks): out of
  // the per-cpu count the rest of the layout places page by page
  const hugePcpBlocks = hugePcpRule ? placeHugePcpBlocks(m, zone, rng.seed, nPb, pbStart, touched, pbType, opts.pcpHugePages?.find((h) => h.node === zone.node && h.zone === zone.name)?.blocks ?? 0, Math.floor(s.pcp / pbPages), notes) : 0
  const pcpOrder0 = s.pcp - hugePcpBlocks * pbPages

  // Movable pageblocks of kernel pages, with no free page. The zone's LRU counters count every
  // LRU page, a THP's 2^pageblock_order among them, so its order-0 LRU pages are those counters
  // less the THPs placed; what the Movable pageblocks hold beyond them (less the pcp pages drawn
  // over them) is not LRU: kernel allocations that fell back into Movable pageblocks and memory
  // the boot kept. kpageflags show those as whole Movable pageblocks of flagless kernel, slab
  // and reserved pages without a free page, just below the memblock allocations at the top of
  // the zone (fixtures/x86-1G-s15-k612-nopin: 95004 LRU pages by zoneinfo, 16384 of them in 32
  // THPs, 78725 order-0 LRU pages in kpageflags; 9.6k kernel pages in Movable pageblocks, most
  // in blocks 494–510 of 504–511's memblock run). The free scanner takes nothing there, so its
  // stride doubles from block to block (isolate_freepages), and the migrate scanner moves
  // nothing. Taking every used page of a Movable pageblock as LRU gave 7–11 % more movable
  // pages than kpageflags (x86-1G-s15, arm64-1G-s18), and the free scanner scanned as much more.
  // Touched 5: such a pageblock, its used pages kernel pages (fillUsed), no free block in it.
  // Not on a zone initialised on demand (lazySpread: 6.18's deferred_init=lazy, this machine's
  // captures): there the top of the initialised part is where deferred_grow_zone last extended
  // it for the allocations of the day, and the memblock run the rule stands on lies in the part
  // not yet initialised, above it. The kpageflags of fixtures/host-24G-k618-y and -v show no run
  // of kernel pageblocks below that top: y's Movable pageblocks hold 9757 kernel pages, 2 of them
  // whole pageblocks and 18 with 257–511, 14 of the 20 in the zone's lowest 365 pageblocks
  // (0x102400–0x12da00), one in the top sixteenth; v's 14 885, most in 40 pageblocks holding
  // 129–511 of them, spread from 0x100400 to 0x4cf600. There the excess stays among the used
  // pages (fillUsed's mix); the run put 173 pageblocks just below y's initialised top (seed 1),
  // where the free scanner's stride doubled over them: 104 396 pages of the topmost sixteenth
  // scanned against the exact layout's 186 015 (docs/fidelity.md, session 25).
  if (gradient === 0) {
    const st = s.stats
    const lruAll = (st['nr_zone_inactive_anon'] ?? 0) + (st['nr_zone_active_anon'] ?? 0) + (st['nr_zone_inactive_file'] ?? 0) + (st['nr_zone_active_file'] ?? 0) + (st['nr_zone_unevictable'] ?? 0)
    const thpPages = countTouched(touched, 3) * pbPages
    // pages not yet decided (used or small free) in the Movable/CMA pageblocks and in the others
    const [openMovable, openOther] = undecidedPages(m, zone, firstPb, touched, pbType)
    let freeMovable = 0, freeOther = 0
    for (let mt = 0; mt < mts.count; mt++) {
      for (let o = 0; o < pbo; o++) {
        const n = (free[mt]?.[o] ?? 0) * 2 ** o
        if (mt === mts.movable || mt === mts.cma) freeMovable += n
        else freeOther += n
      }
    }
    const usedMovable = Math.max(0, openMovable - freeMovable)
    const usedOther = Math.max(0, openOther - freeOther)
    // the pcp pages drawn over the Movable pageblocks' used pages (fillUsed): those the non-Movable ones do not take
    const pcpMovable = Math.max(0, pcpOrder0 - Math.min(Math.round(pcpNonMovableShare(rng.seed, zone.idx + 16 * zone.node) * pcpOrder0), usedOther))
    const excess = lruAll > 0 ? usedMovable - pcpMovable - Math.max(0, lruAll - thpPages) : 0
    const noRun = lazySpread && lazyKernelBlocksRule
    const taken = noRun ? 0 : markKernelBlocks(touched, pbType, mts.movable, Math.floor(excess / pbPages))
    if (noRun && excess >= pbPages) notes.push(`${label}: the Movable pageblocks' used pages exceed the order-0 LRU pages zoneinfo counts by ${Math.round(excess)}; in a zone initialised on demand they are left among the used pages, not put as kernel pageblocks below the initialised top`)
    if (taken > 0) notes.push(`${label}: ${taken} Movable pageblocks of kernel pages without a free page, below the top of the zone (the Movable pageblocks' used pages exceed the order-0 LRU pages zoneinfo counts by ${Math.round(excess)})`)
  }

  // After a full compaction: the few free pages the first compaction's free scanner left behind.
  // It fills Movable pageblocks from the top of the zone down (isolate_freepages), taking every
  // free page it finds there; the pages then on a per-cpu list are not PageBuddy and stay, a few
  // in every pageblock of a workload's memory, and come back to the buddy allocator when the list
  // is drained or decays (6.7+), scattered over the filled pageblocks. The kpageflags of every
  // after-compaction capture in fixtures/ show them: 1–9 free order-0 pages in each of the topmost
  // used Movable pageblocks, pages that were flagless (on a pcp list) in the capture before the
  // compaction (x86-1G-s12-nopin-cm: 150 pages in 29 of 247 used Movable pageblocks;
  // x86-2G-s16-k612: 734 in 289 of 394). A second compaction's free scanner finds a target in
  // each and keeps its stride at 1 (isolate_freepages), scanning the whole pageblock, where in a
  // packed top of the zone its stride doubles to 32. How many pageblocks hold them is not in the
  // counts (the list's age order and its drains): each seed draws how many of the Movable order-0
  // free pages they are, and how many to a pageblock (sparseFreeShape).
  const leftBehind = gradient > 0 ? opts.leftBehindTop?.find((z) => z.node === zone.node && z.zone === zone.name) : undefined
  if (gradient > 0) {
    const { share, perBlock } = sparseFreeShape(rng.seed, zone.idx + 16 * zone.node)
    // the pages: a share of the Movable list's order-0 free pages, which they are part of
    let pagesLeft = Math.round(share * (free[mts.movable]?.[0] ?? 0))
    // in the used Movable pageblocks only: not in those the packed free memory needs (as many
    // as its free blocks fill with no two of them buddies, packedFreePageblocks)
    let smallFree = 0, packedBlocks = 0
    for (let mt = 0; mt < mts.count; mt++) {
      if (mt !== mts.movable && mt !== mts.cma) continue
      for (let o = 0; o < pbo; o++) smallFree += (free[mt]?.[o] ?? 0) * 2 ** o
      packedBlocks += packedFreePageblocks(free[mt] ?? [], pbo)
    }
    let openBlocks = 0
    for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === mts.movable) openBlocks++
    const usedBlocks = Math.max(0, openBlocks - (packedRoomRule ? Math.max(packedBlocks, Math.ceil(smallFree / pbPages)) : Math.ceil(smallFree / pbPages)))
    if (packedRoomRule && packedBlocks > Math.ceil(smallFree / pbPages)) notes.push(`${label}: the packed free blocks below pageblock order need ${packedBlocks} pageblocks (no two free buddies: a pageblock holds at most one free block under each node of the next order up), not the ${Math.ceil(smallFree / pbPages)} their pages fill; the used top is the ${usedBlocks} Movable pageblocks above them`)
    const r = new Rng((Math.imul(rng.seed, 0x2545f491) ^ Math.imul(zone.idx + 16 * zone.node + 1, 0x61c88647) ^ 0x9e3779b9) >>> 0)
    let placed = 0, blocksUsed = 0
    for (let i = nPb - 1; i >= 0 && pagesLeft > 0 && blocksUsed < usedBlocks; i--) {
      if (touched[i] !== 0 || pbType[i] !== mts.movable) continue
      // 1 … 2·perBlock − 1 pages, no two of them buddies (they would have merged)
      const k = Math.min(pagesLeft, 1 + r.int(Math.max(1, Math.round(2 * perBlock - 1))))
      const pairs = new Set<number>()
      for (let n = 0; n < k; n++) {
        let off = r.int(pbPages)
        while (pairs.has(off >> 1)) off = r.int(pbPages)
        pairs.add(off >> 1)
        placeFree(m, allocator, zone, pbStart(i) + off, 0, mts.movable)
      }
      touched[i] = 6
      placed += k
      pagesLeft -= k
      blocksUsed++
    }
    if (placed > 0) {
      free[mts.movable]![0] = free[mts.movable]![0]! - placed
      notes.push(`${label}: ${placed} free order-0 pages scattered over the ${blocksUsed} topmost used Movable pageblocks (pages a per-cpu list held while the compaction's free scanner filled them, since returned)`)
    }
    if (leftBehind) {
      const lb = placeLeftBehind(m, allocator, zone, r, leftBehind.blocks, nPb, pbPages, pbStart, touched, pbType, mts.movable, usedBlocks, free[mts.movable]!)
      if (lb.pages > 0) notes.push(`${label}: ${lb.pages} free pages below pageblock order in ${lb.blocks} of the ${Math.min(usedBlocks, leftBehind.blocks.length)} topmost used Movable pageblocks, where the full compaction before this capture, run on a layout of the capture before it, left them (its free scanner's stride over pageblocks it passed, the pages it put back)`)
    }
    // The pages decay_pcp_high gave back between the capture's first read and its re-read, which
    // this layout is made from (pcpDecayedBeforeCapture): they lie where that list's pages lay, a
    // few in each of the topmost used Movable pageblocks (see spreadDecayedPcpPages)
    const decayed = decayedPcpSpread ? (opts.pcpDecayedBeforeCapture?.find((d) => d.node === zone.node && d.zone === zone.name)?.pages ?? 0) : 0
    // of those, the lists' share in the used top (pcpUsedTopShare); the others stay with the zone's other free pages
    const decayedTop = pcpUsedTopRule ? Math.round(pcpUsedTopShare(rng.seed, zone.idx + 16 * zone.node) * decayed) : decayed
    if (decayedTop > 0) {
      const n = spreadDecayedPcpPages(m, allocator, zone, rng.seed, nPb, pbPages, pbStart, touched, pbType, mts.movable, usedBlocks, Math.min(decayedTop, free[mts.movable]?.[0] ?? 0))
      if (n.pages > 0) {
        free[mts.movable]![0] = free[mts.movable]![0]! - n.pages
        notes.push(`${label}: ${n.pages} free order-0 pages spread over the ${n.blocks} topmost used Movable pageblocks: pages decay_pcp_high gave back between the capture's first read and its re-read, where those lists' pages lay (${n.pages} of the ${decayed} the per-cpu lists whose high fell gave back: the share drawn for the used top, the rest with the zone's other free pages)`)
      }
    }
  }

  // 6. free blocks below pageblock order: quotas per pageblock, then a layout per pageblock
  const lowOrders = Math.min(pbo, m.geometry.nrOrders)
  // capacity state per pageblock at the current order: P = parents (untouched nodes of order k+1)
  const P = new Float64Array(nPb)
  // whole-capable nodes per pageblock per order (maximal untouched nodes with a touched parent)
  const wholes = new Map<number, Array<[number, number]>>() // pageblock → [pfn, order][]
  firstParents(m, firstPb, touched, P, wholes)
  // per order, per pageblock (order-major: one order's counts sit together)
  const quota = new Uint16Array(nPb * lowOrders)
  const overflow = new Map<number, Array<[number, number]>>() // pageblock → [order, mt][] placed on another type's block
  // the pageblocks open to small free blocks (not wholly free, a THP, kernel pages only, sparse or a
  // huge pcp page), all of them and by type, in PFN order (typed arrays: the hot loops below are
  // functions of their own, optimized once and kept, not loops of this long function)
  const open = openPageblocks(touched)
  const byType = pageblocksByType(open, pbType, mts.count)
  const candI = new Int32Array(nPb)
  // per candidate: the acceptance bound of its pageblock's weight W (see below) and its room left
  // (blocks of the order, at most 2^pageblock_order, as quota's)
  const candB = new Uint32Array(nPb)
  const candRoom = new Uint16Array(nPb)
  // room at the start of the order's draws: the quota taken is what the room lost
  const candRoom0 = new Float64Array(nPb)
  // the top 8 bits of each candidate's bound (quotaDraws reads the bound itself only on a tie)
  const candQ = new Uint8Array(nPb)
  // each pageblock's acceptance bound (W does not change during the draws), computed once
  const bound = new Uint32Array(nPb)
  for (let k = 0; k < open.length; k++) bound[open[k]!] = acceptBound(W[open[k]!]!)
  // whole-capable nodes per pageblock and order, counted once
  const wholeCnt = new Uint16Array(nPb * lowOrders)
  for (const [i, l] of wholes) for (const [, wo] of l) if (wo < lowOrders) wholeCnt[wo * nPb + i]! += 1
  for (let o = lowOrders - 1; o >= 0; o--) {
    // capacity of pageblock i at this order: P[i] + wholeCnt[o·nPb + i] − quota[o·nPb + i]
    for (let mt = 0; mt < mts.count; mt++) {
      let need = free[mt]?.[o] ?? 0
      if (need === 0) continue
      // the candidates and their room left, side by side (no lookups of P and wholeCnt per block)
      let nc = quotaCandidates(byType[mt]!, P, wholeCnt, quota, o * nPb, bound, candI, candB, candRoom, candQ, candRoom0)
      if (gradient > 0) {
        // packed (after a full compaction): fill the pageblocks lowest first, in weighted order
        const order = weightedOrder(candI, nc, W, rng)
        for (let r = 0; r < nc && need > 0; r++) {
          const j = order[r]!
          const q = o * nPb + candI[j]!
          const room = candRoom[j]!
          const take = room < need ? room : need
          quota[q]! += take
          need -= take
        }
        nc = 0
      }
      const qo = o * nPb
      // placed in proportion to the free-page density (rejection: the draw is the seed's):
      // rng.int(nc), then rng.next() < W to take one (quotaDraws)
      need = quotaDraws(rng, need, nc, candI, candB, candRoom, candQ, candRoom0, quota, qo, W)
      nc = drawsLeft
      // the candidates left took what their room lost
      settleQuota(nc, candI, candRoom, candRoom0, quota, qo)
      if (need > 0) {
        // 6.1 lets a list and its pageblock's type disagree: place the rest on other blocks
        const any: number[] = []
        for (let i = 0; i < nPb; i++) if (touched[i] !== 2 && touched[i] !== 3 && touched[i] !== 5 && touched[i] !== 6 && touched[i] !== 7 && P[i]! + wholeCnt[o * nPb + i]! - quota[o * nPb + i]! > 0) any.push(i)
        if (gradient > 0) {
          const order = weightedOrder(any, any.length, W, rng)
          for (let r = 0; r < order.length && need > 0; r++) {
            const i = any[order[r]!]!
            const q = o * nPb + i
            let ov = overflow.get(i)
            if (!ov) { ov = []; overflow.set(i, ov) }
            while (need > 0 && P[i]! + wholeCnt[q]! - quota[q]! > 0) {
              quota[q]! += 1
              ov.push([o, mt])
              need--
            }
          }
          any.length = 0
        }
        // the same rejection draws (a streak of refusals: against the largest weight left, as quotaDraws)
        let scale = 1, refused = 0
        while (need > 0 && any.length > 0) {
          const j = rng.int(any.length)
          const i = any[j]!
          if (rng.next() * scale >= W[i]!) {
            if (++refused >= REFUSALS_BEFORE_RESCALE) {
              scale = 0
              for (const k of any) scale = Math.max(scale, W[k]!)
              refused = 0
            }
            continue
          }
          refused = 0
          const q = o * nPb + i
          quota[q]! += 1
          const ov = overflow.get(i) ?? []
          ov.push([o, mt])
          overflow.set(i, ov)
          need--
          if (P[i]! + wholeCnt[q]! - quota[q]! <= 0) { any[j] = any[any.length - 1]!; any.pop() }
        }
        if (need > 0) notes.push(`${label}: ${need} free blocks of order ${o} (${mts.names[mt]}) did not fit and were left out`)
        else notes.push(`${label}: some ${mts.names[mt]} free blocks of order ${o} sit in pageblocks of another type (allowed since a 6.1 steal may leave list and block type different)`)
      }
    }
    // next order: P' = 2P + W − n
    nextParents(open, P, wholeCnt, quota, o * nPb)
  }
  // After a full compaction the scanners met at one pageblock: compact_zone() runs
  // isolate_migratepages() until compact_scanners_met(), and isolate_migratepages_block() takes
  // every LRU page it can from each Movable pageblock below that point, so none of those holds
  // LRU pages without a free page beside them (kpageflags of the captures that follow a full
  // compaction in fixtures/: not one of the 24 harness captures). The weighted fill above blurs that boundary (a pageblock
  // a few percent of the zone below it drawn after ones above it): the untouched Movable
  // pageblocks left without a free block below ones holding free blocks trade places with them,
  // the lowest empty with the highest filled (two untouched pageblocks hold the same room at every
  // order, so their quotas swap whole).
  if (gradient > 0 && sharpPackedBoundary) {
    const hasFree = (i: number): boolean => {
      if (overflow.has(i)) return true
      for (let o = 0; o < lowOrders; o++) if (quota[o * nPb + i]) return true
      return false
    }
    const open: number[] = []
    for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === mts.movable) open.push(i)
    let a = 0, b = open.length - 1
    let swapped = 0
    for (;;) {
      while (a < b && hasFree(open[a]!)) a++
      while (b > a && !hasFree(open[b]!)) b--
      if (a >= b) break
      const lo = open[a]!, hi = open[b]!
      for (let o = 0; o < lowOrders; o++) { quota[o * nPb + lo] = quota[o * nPb + hi]!; quota[o * nPb + hi] = 0 }
      const ov = overflow.get(hi)
      if (ov) { overflow.set(lo, ov); overflow.delete(hi) }
      swapped++
      a++; b--
    }
    if (swapped > 0) notes.push(`${label}: ${swapped} Movable pageblocks of used pages moved above the free ones (a full compaction's scanners meet at one pageblock: below it no Movable pageblock keeps LRU pages without a free page)`)
  }

  // layout inside each pageblock
  layoutPageblocks(m, allocator, zone, rng, open, firstPb, quota, lowOrders, nPb, pbType, touched, overflow, wholes)

  // 7. used pages: kinds by pageblock type, THPs in fully used Movable blocks, pcp pages
  fillUsed(m, zone, usedPageMix(s.stats), rng, firstPb, nPb, pbType, touched, gradient > 0, pcpOrder0)
  // 8. 6.9+: the dirty page cache in large folios whose split fails (their own stream); 9. those
  // written after the first read, out of the free lists
  if (kernelVersionCode(c.machine.kernelRelease) >= 6009) {
    const placed = placeWrittenFolios(m, allocator, zone, written, rng.seed, notes)
    placeDirtyFolios(m, zone, s, rng.seed, notes, placed)
  }
}

/**
 * Each pageblock's state before step 3 (synthesizeZone's touched): 1 when it reaches out of the
 * zone or holds a page of the decided runs ([from, to) pairs), 4 when its first page is a hole or
 * not initialised (pagetypeinfo counts a pageblock by its first page, pfn_to_online_page), else 0.
 */
function initialTouched(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, firstPb: number, nPb: number, decided: number[]): Uint8Array {
  const pbPages = m.pageblockNrPages
  const map = m.memMap
  const base = m.basePfn
  const touched = new Uint8Array(nPb)
  for (let i = 0; i < nPb; i++) {
    const lo = (firstPb + i) * pbPages
    if (lo < zone.startPfn || lo + pbPages > zone.endPfn) { touched[i] = 1; continue }
    if (map[lo - base] === PageKind.HOLE || map[lo - base] === PageKind.UNINIT) { touched[i] = 4; continue }
    // any decided page in it (the few runs, not a scan of its pages)
    for (let r = 0; r < decided.length; r += 2) {
      const from = decided[r]!, to = decided[r + 1]!
      if (from < to && from < lo + pbPages && to > lo) { touched[i] = 1; break }
    }
  }
  return touched
}

/** the pageblocks in state t */
function countTouched(touched: Uint8Array, t: number): number {
  let n = 0
  for (let i = 0; i < touched.length; i++) if (touched[i] === t) n++
  return n
}

/**
 * The pages not yet decided (used or small free) in the Movable/CMA pageblocks and in the others,
 * past the wholly free, THP, uncounted and huge-pcp pageblocks: a whole pageblock each, but those
 * holding a decided page (touched 1), whose undecided pages are counted.
 */
function undecidedPages(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, firstPb: number, touched: Uint8Array, pbType: Int8Array): [number, number] {
  const pbPages = m.pageblockNrPages
  const map = m.memMap
  const base = m.basePfn
  const movable = m.migratetypes.movable
  const cma = m.migratetypes.cma
  let openMovable = 0, openOther = 0
  for (let i = 0; i < touched.length; i++) {
    const t = touched[i]!
    if (t === 2 || t === 3 || t === 4 || t === 7) continue
    let n = pbPages
    if (t === 1) {
      n = 0
      const lo = (firstPb + i) * pbPages
      const a = Math.max(lo, zone.startPfn) - base
      const e = Math.min(lo + pbPages, zone.endPfn) - base
      for (let p = a; p < e; p++) if (map[p] === UNDECIDED) n++
    }
    if (pbType[i] === movable || (cma >= 0 && pbType[i] === cma)) openMovable += n
    else openOther += n
  }
  return [openMovable, openOther]
}

/** The topmost n untouched Movable pageblocks become pageblocks of kernel pages (touched 5); returns how many did. */
function markKernelBlocks(touched: Uint8Array, pbType: Int8Array, movable: number, n: number): number {
  let taken = 0
  for (let i = touched.length - 1; i >= 0 && n > 0; i--) {
    if (touched[i] !== 0 || pbType[i] !== movable) continue
    touched[i] = 5
    n--
    taken++
  }
  return taken
}

/**
 * Step 6's start: one parent (the pageblock itself) for each untouched pageblock, and for each
 * pageblock open to small free blocks that holds a decided page its whole-capable nodes
 * (collectUntouched: maximal aligned nodes of undecided pages), by pageblock into `wholes`.
 */
function firstParents(m: MemoryModel, firstPb: number, touched: Uint8Array, P: Float64Array, wholes: Map<number, Array<[number, number]>>): void {
  const pbo = m.geometry.pageblockOrder
  for (let i = 0; i < touched.length; i++) {
    const t = touched[i]!
    if (CLOSED_TO_SMALL[t] === 1) continue
    if (t === 0) { P[i] = 1; continue }
    const list: Array<[number, number]> = []
    collectUntouched(m.memMap, m.basePfn, (firstPb + i) * m.pageblockNrPages, pbo, list)
    if (list.length) wholes.set(i, list)
  }
}

/**
 * Step 5: the types of the pageblocks step 4 left (pbType −1), from the counts left
 * (remainingType): Movable where pagetypeinfo does not count the pageblock (touched 4), the kernel
 * image's as boot gave them, Unmovable first where reserved pages sit, the rest clustered at the
 * ends of the zone's memory (clusterShape; nEndsPb pageblocks, a hole at the zone's top left out) or, in a zone initialised on demand, over its initialised part
 * (lazyTypeKeys); then the zone's part of the model's pageblock types.
 */
function assignPageblockTypes(
  m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, rng: Rng, pbType: Int8Array, touched: Uint8Array, remainingType: number[], firstPb: number,
  imageSpan: [number, number] | null, deferred: boolean, shape: ClusterShape, lazySpread: boolean, nInitPb: number, nEndsPb: number, notes: string[],
): void {
  const mts = m.migratetypes
  const nPb = touched.length
  // (typed arrays: the same entries in the same order as plain arrays, without boxing half a million numbers)
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1 && touched[i] === 4) pbType[i] = mts.movable
  // the kernel image's pageblocks keep the types boot gave them (kernelImageTypes)
  if (imageSpan) kernelImageTypes(m, zone, pbType, remainingType, firstPb, imageSpan, deferred)
  let nBag = 0
  for (let mt = 0; mt < mts.count; mt++) nBag += Math.max(0, remainingType[mt] ?? 0)
  const bag = new Int32Array(nBag)
  nBag = 0
  for (let mt = 0; mt < mts.count; mt++) for (let k = 0; k < (remainingType[mt] ?? 0); k++) bag[nBag++] = mt
  rng.shuffle(bag)
  // reserved pages live in Unmovable blocks: move Unmovable entries to the front for those
  let nReserved = 0, nOthers = 0
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1) { if (touched[i] === 1) nReserved++; else nOthers++ }
  const reservedBlocks = new Int32Array(nReserved)
  const others = new Int32Array(nOthers)
  nReserved = 0; nOthers = 0
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1) { if (touched[i] === 1) reservedBlocks[nReserved++] = i; else others[nOthers++] = i }
  let bi = 0
  // no Unmovable entry lies in [bi, scanFrom): a search resumes past the entries already passed
  let scanFrom = 0
  for (let k = 0; k < reservedBlocks.length; k++) {
    // the first Unmovable entry left, swapped to the front (else the next entry, or Movable when none is left)
    const j = bag.indexOf(mts.unmovable, Math.max(bi, scanFrom))
    scanFrom = j < 0 ? bag.length : j + 1
    if (j >= 0) {
      const t = bag[j]!
      bag[j] = bag[bi]!
      bag[bi] = t
      pbType[reservedBlocks[k]!] = bag[bi++]!
    } else pbType[reservedBlocks[k]!] = bag[bi++] ?? mts.movable
  }
  // the other types cluster at the zone's ends (isolated Movable pageblocks between them), as
  // kpageflags shows on every capture of fixtures/: the kernel's own early allocations take
  // the first pageblocks of the free lists and memblock's top-down boot allocations the last,
  // and later Unmovable/Reclaimable allocations steal next to those (steal_suitable_fallback
  // keeps filling a stolen pageblock). How they split between the ends and how tightly they
  // cluster is not in the counts: each seed draws both (clusterShape). Not in a zone initialised on
  // demand, whose kernel allocations came to each section as it was initialised (lazyTypeKeys).
  // the bag's entries left, the non-Movable ones in bag order
  let nOther = 0
  for (let k = bi; k < bag.length; k++) if (bag[k] !== mts.movable) nOther++
  const other = new Int32Array(nOther)
  nOther = 0
  for (let k = bi; k < bag.length; k++) if (bag[k] !== mts.movable) other[nOther++] = bag[k]!
  const movableLeft = bag.length - bi - other.length
  const { topShare, spread } = shape
  // each pageblock's key: its distance from the nearer end (scaled by that end's share), plus the mixing
  const keys = new Float64Array(others.length)
  if (lazySpread) lazyTypeKeys(keys, others, nInitPb, other.length, rng.seed, zone.idx + 16 * zone.node)
  else for (let k = 0; k < others.length; k++) {
    const x = Math.min(1, (others[k]! + 0.5) / nEndsPb)
    keys[k] = Math.min(x / (1 - topShare), (1 - x) / topShare) + spread * rng.next()
  }
  const byKey = sortedByKey(keys, false)
  for (let r = 0; r < byKey.length; r++) pbType[others[byKey[r]!]!] = r < other.length ? other[r]! : mts.movable
  if (movableLeft + other.length < others.length) notes.push(`${zone.label}: ${others.length - movableLeft - other.length} pageblocks beyond pagetypeinfo's counts taken as Movable`)
  for (let i = 0; i < nPb; i++) m.pageblockMt[firstPb + i - m.pbBase] = pbType[i]!
}

/**
 * THPs of pageblock size (thpCount) in the lowest untouched Movable pageblocks (see synthesizeZone):
 * each a compound head and its tails over the pageblock, touched 3.
 */
function placeThps(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, pbType: Int8Array, touched: Uint8Array, firstPb: number, thpCount: number, notes: string[]): void {
  const movable = m.migratetypes.movable
  const pbo = m.geometry.pageblockOrder
  const pbPages = m.pageblockNrPages
  const map = m.memMap
  const nPb = touched.length
  let nc = 0
  for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === movable) nc++
  const cands = new Int32Array(nc)
  nc = 0
  for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === movable) cands[nc++] = i
  const take = Math.min(thpCount, cands.length)
  for (let k = 0; k < take; k++) {
    const i = cands[k]!
    const a = (firstPb + i) * pbPages - m.basePfn
    map.fill(PageKind.COMPOUND_TAIL, a, a + pbPages)
    map[a] = compoundHead(THP_HEAD, pbo)
    touched[i] = 3
  }
  if (take < thpCount) notes.push(`${zone.label}: ${thpCount - take} THPs did not fit in untouched Movable pageblocks`)
}

/** Step 4: the pageblocks [i, i + n) lie in the zone, are all untouched and in the group (the CMA area's, or the others). */
function nodeOk(touched: Uint8Array, pbType: Int8Array, cmaMt: number, i: number, n: number, cma: boolean): boolean {
  if (i < 0 || i + n > touched.length) return false
  for (let k = i; k < i + n; k++) {
    if (touched[k]) return false
    if ((cmaMt >= 0 && pbType[k] === cmaMt) !== cma) return false
    // a non-Movable type kept in an emptied bottom (emptiedBottomKeepTypes)
    if (!cma && pbType[k]! >= 0) return false
  }
  return true
}

/** Step 4: the anchor of the untouched run of a group (the CMA area's, or the others): one draw (draw, in [0, 1)) from the weights over its untouched pageblocks; −1 when it has none. */
function runAnchorDraw(Wanchor: Float64Array, draw: number, touched: Uint8Array, pbType: Int8Array, cmaMt: number, cma: boolean): number {
  const nPb = touched.length
  let total = 0
  for (let i = 0; i < nPb; i++) if (!touched[i] && (cmaMt >= 0 && pbType[i] === cmaMt) === cma) total += Wanchor[i]!
  let u = draw * total
  let anchor = -1
  for (let i = 0; i < nPb && total > 0; i++) {
    if (!(!touched[i] && (cmaMt >= 0 && pbType[i] === cmaMt) === cma)) continue
    anchor = i
    u -= Wanchor[i]!
    if (u <= 0) break
  }
  return anchor
}

/**
 * Step 4 for one group (the CMA area's pageblocks, or the others): the free blocks of order ≥
 * pageblock order of the lists wantTypes, on aligned runs of untouched pageblocks, from the
 * largest order down. The hosts are candidate nodes at pageblock granularity, packed as index of
 * the first pageblock · 2 + canHostWhole (small integers: no objects to allocate, shuffle and
 * collect). Their order: nearest the untouched run's anchor first (no full compaction before the
 * capture), runs of many lengths over the initialised part (lazyRunKeys: a zone initialised on
 * demand), else weighted; after a full compaction the run kept untouched (keepRun, runBudget
 * pageblocks) nearest its anchor first. Returns the run's budget left.
 */
function placeWholeFreeBlocks(
  m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, rng: Rng, free: number[][], wantTypes: number[], cma: boolean,
  touched: Uint8Array, pbType: Int8Array, remainingType: number[], firstPb: number, anchor: number, keepRun: boolean, runBudget: number,
  lazyRunKeys: Float64Array | null, Wwhole: Float64Array, notes: string[],
): number {
  const pbo = m.geometry.pageblockOrder
  const pbPages = m.pageblockNrPages
  const maxOrder = m.maxOrder
  const cmaMt = m.migratetypes.cma
  const nPb = touched.length
  // top level: every aligned max-order node can hold a max-order block
  let pool: number[] = []
  // node sizes in pageblocks as 1 << k, not 2 ** k: V8 computes a power as a double, which made
  // every PFN derived from it a heap number, and addToFreeList, compiled for small integers,
  // deoptimized at the first
  const topN = 1 << (maxOrder - pbo)
  for (let i = 0; i < nPb; i++) {
    if ((firstPb + i) % topN !== 0) continue
    if (nodeOk(touched, pbType, cmaMt, i, topN, cma)) pool.push(i * 2 + 1)
  }
  for (let o = maxOrder; o >= pbo; o--) {
    const span = 1 << (o - pbo)
    // hosts at this order: whole nodes of order o and parents of order o+1
    const demand: number[] = []
    for (const mt of wantTypes) for (let k = 0; k < (free[mt]?.[o] ?? 0); k++) demand.push(mt)
    rng.shuffle(demand)
    rng.shuffle(pool)
    {
      const ids = new Int32Array(pool.length)
      for (let k = 0; k < pool.length; k++) ids[k] = pool[k]! >> 1
      // the untouched run (no full compaction before the capture): the nodes nearest its anchor first
      // in a zone initialised on demand: runs of many lengths over its initialised part (lazyWholeFreeKeys)
      const order = keepRun
        ? (!cma ? untouchedRunFirst(ids, span, anchor, Math.min(demand.length, Math.floor(runBudget / span)), Wwhole, rng, lazyRunKeys) : weightedOrder(ids, ids.length, Wwhole, rng))
        : anchor >= 0 ? byDistance(ids, span, anchor)
          : lazyRunKeys !== null && !cma ? byNodeKey(ids, span, lazyRunKeys)
            : weightedOrder(ids, ids.length, Wwhole, rng)
      if (keepRun && !cma) runBudget -= Math.min(demand.length, Math.floor(runBudget / span), ids.length) * span
      const sorted: number[] = new Array<number>(pool.length)
      for (let r = 0; r < order.length; r++) sorted[r] = pool[order[r]!]!
      pool = sorted
    }
    const next: number[] = []
    let d = 0
    for (const node of pool) {
      const nodeI = node >> 1
      const whole = (node & 1) === 1
      if (d < demand.length) {
        const mt = demand[d++]!
        let at = nodeI
        if (!whole) {
          // parent of order o+1: one of its halves
          const pick = rng.int(2)
          at = nodeI + pick * span
          next.push((nodeI + (1 - pick) * span) * 2)
        }
        placeFree(m, allocator, zone, (firstPb + at) * pbPages, o, mt)
        for (let k = at; k < at + span; k++) {
          pbType[k] = mt
          touched[k] = 2 // fully free
        }
        if (remainingType[mt]! > 0) remainingType[mt] = Math.max(0, remainingType[mt]! - span)
      } else if (o > pbo) {
        // unchosen: its halves (or itself, if it could host whole) are parents at the next order
        if (whole) next.push(nodeI * 2)
        else next.push(nodeI * 2, (nodeI + span) * 2)
      }
    }
    if (d < demand.length) notes.push(`${zone.label}: ${demand.length - d} free blocks of order ${o} did not fit and were left out`)
    if (o === pbo) break
    pool = next
    // maximal untouched nodes of order o-1 whose parent holds a used or foreign pageblock may
    // hold a whole block of order o-1 (their buddy can never be free as one block)
    const n = span >> 1
    for (let i = 0; i < nPb; i++) {
      if ((firstPb + i) % n !== 0 || !nodeOk(touched, pbType, cmaMt, i, n, cma)) continue
      const parentI = Math.min(i, ((firstPb + i) ^ n) - firstPb)
      if (!nodeOk(touched, pbType, cmaMt, parentI, span, cma)) pool.push(i * 2 + 1)
    }
  }
  return runBudget
}

/**
 * The orders of the page-cache folios written between a capture's first read and its re-read
 * (6.9+): `pages` is the rise of the zone's write-pending pages between the two zoneinfo reads.
 * On this machine's 6.18 (fixtures/host-24G-k618-a…f, ext4 with large folios: filemap_alloc_folio
 * with the order of the write, __filemap_get_folio) the after-captures hold, over memory free in
 * the capture before, new dirty fs-private large folios making 52–97 % of that rise (a 164 of 183
 * pages, b 150 of 172, c 552 of 1058, d 718 of 809, 870 of 996 and 514 of 529, f 276 of 427;
 * scripts/measure-capfolios.ts): the capture's own kpageflags.gz and kpagecount.gz above all,
 * written after kpageflags was read. Each seed draws that share over the measured range, and each
 * folio's order from the 230 such folios of those eight after-captures (order 1 60, 2 52, 3 50,
 * 4 23, 5 7, 6 38), in the order they are written.
 */
export function writtenFolioOrders(seed: number, zoneKey: number, pages: number): number[] {
  if (pages <= 0) return []
  const r = new Rng((Math.imul(seed, 0x2545f491) ^ Math.imul(zoneKey + 1, 0x9e3779b1) ^ 0x68e31da4) >>> 0)
  let want = Math.round((0.52 + 0.45 * r.next()) * pages)
  const out: number[] = []
  while (want > 0) {
    const u = r.next()
    let o = 1
    while (o < WRITTEN_FOLIO_ORDER_CDF.length && u >= WRITTEN_FOLIO_ORDER_CDF[o - 1]!) o++
    if (2 ** o > want) o = Math.max(1, Math.floor(Math.log2(want)))
    out.push(o)
    want -= 2 ** o
  }
  return out
}

/** the orders 1…6 of the folios written after the capture (writtenFolioOrders), cumulative: 60, 52, 50, 23, 7, 38 of 230 */
const WRITTEN_FOLIO_ORDER_CDF = [60 / 230, 112 / 230, 162 / 230, 185 / 230, 192 / 230, 1]

/**
 * The folios written after the capture's first read, taken off the zone's Movable free lists as
 * the page allocator hands them out: a page-cache folio above PAGE_ALLOC_COSTLY_ORDER bypasses
 * the per-cpu lists (rmqueue → rmqueue_buddy → __rmqueue_smallest), one of order 1–3 comes off a
 * per-cpu list that rmqueue_bulk refilled through the same __rmqueue_smallest; that takes the
 * head block of the smallest order with a free Movable block, and expand() gives the remainders
 * back to the heads of the lower lists, so consecutive folios come out of one place. In the
 * after-captures of fixtures/host-24G-k618-a…f (scripts/measure-capfolios.ts) the new dirty folios
 * above order 3 lie in free blocks of their own order in the capture before (every order has
 * free Movable blocks there), and folios of one order in neighbouring blocks of that order (-d:
 * seven order-6 folios in the order-6 blocks ranked 202 and 205–210 by PFN of 1449, pageblocks
 * 506–512; its second and third captures eight in 157–166 of 1418 and three in 101–103 of 1359;
 * -a two order-5 in 70 and 72 of 129). Which block heads a list is not in a capture (the list
 * order is not in kpageflags): each seed draws the first block of each order, and the folios of
 * that order after it take the next free blocks of the order above it by PFN. The re-read's
 * counts already lack these blocks: the synthesis laid one free Movable block per folio out
 * beside them (synthesizeZone), so the free counts are the re-read's again when they are taken.
 * Each one is dirty with buffers until writeback (30 s on), so its split fails: it ends a 6.18
 * compaction that finds no free block of its order for it (engine/mm/compaction.ts
 * migrateFolios). Returns the pages placed.
 */
export function placeWrittenFolios(m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, orders: number[], seed: number, notes: string[]): number {
  if (orders.length === 0) return 0
  const r = new Rng((Math.imul(seed, 0x1b873593) ^ Math.imul(zone.idx + 16 * zone.node + 1, 0xcc9e2d51) ^ 0x3c6ef372) >>> 0)
  const movable = m.migratetypes.movable
  const lists = new Map<number, { pfns: number[]; at: number }>()
  let folios = 0, pages = 0, lo = Infinity, hi = -Infinity
  for (const want of orders) {
    // __rmqueue_smallest: the smallest order holding a free Movable block
    let o = want
    let list: { pfns: number[]; at: number } | undefined
    for (; o < m.geometry.nrOrders; o++) {
      list = lists.get(o)
      if (!list) {
        const pfns = zone.free.validEntries(o, movable, m.memMap, m.basePfn).sort((a, b) => a - b)
        list = { pfns, at: pfns.length > 0 ? r.int(pfns.length) : 0 }
        lists.set(o, list)
      }
      // blocks taken by an earlier folio (or split) are no longer free heads of this order
      while (list.pfns.length > 0 && m.memMap[list.pfns[list.at % list.pfns.length]! - m.basePfn] !== freeHead(movable, o)) {
        list.pfns.splice(list.at % list.pfns.length, 1)
        if (list.pfns.length > 0) list.at %= list.pfns.length
      }
      if (list.pfns.length > 0) break
    }
    if (!list || o >= m.geometry.nrOrders) break
    const i = list.at % list.pfns.length
    const pfn = list.pfns[i]!
    list.pfns.splice(i, 1)
    if (list.pfns.length > 0) list.at = i % list.pfns.length
    allocator.delFromFreeList(zone, pfn, o, movable)
    // expand(): the upper halves back on their lists (at their heads), and so at the head of ours
    allocator.expand(zone, pfn, want, o, movable)
    for (let k = o; k > want; k--) {
      const l = lists.get(k - 1)
      if (l) l.pfns.splice(l.at, 0, pfn + 2 ** (k - 1))
    }
    allocator.prepNewPage(pfn, want, FOLIO_HEAD)
    m.unsplittable.add(pfn)
    folios++
    pages += 2 ** want
    lo = Math.min(lo, pfn); hi = Math.max(hi, pfn)
  }
  if (folios > 0) notes.push(`${zone.label}: ${folios} dirty page-cache folios (${pages} pages) written after the first read (the re-read's write-pending pages beyond it), taken off the Movable free lists as __rmqueue_smallest hands them out, each order's run from a block the seed draws (PFNs ${lo}–${hi}); their split fails`)
  return pages
}

/**
 * The dirty page-cache large folios with fs-private data, whose split fails (6.9+). A full
 * compaction migrates large folios whole (compaction_alloc); one that finds no free block of its
 * order among the targets left is split (try_split_folio), and when that fails migrate_pages()
 * returns -ENOMEM and compact_zone() ends COMPACT_CONTENDED (engine/mm/compaction.ts,
 * migrateFolios). Without kpageflags the layout's page cache was all order-0 pages, so a
 * synthesized compaction never ended early, where this machine's 6.18 captures end most of theirs
 * so (fixtures/host-24G-k618-*). The count that decides them is in the capture: the zone's
 * nr_zone_write_pending (zoneinfo: dirty and writeback pages). Which of those pages are large
 * folios with fs-private data is not: in the exact layouts of fixtures/ (KPF_DIRTY with
 * KPF_PRIVATE, or KPF_WRITEBACK, on a large folio's head) their pages are 0 % of the re-read's
 * write-pending pages in host-24G-k618-a and -b (187 and 172 pages), 28–33 % in -c, -e and -f,
 * 40–64 % in the three captures of -d; each seed draws that share, uniform over 0–65 %, and each
 * folio's order from the mix those layouts hold (each capture with 40 or more such folios
 * weighing the same: order 1 46 %, 2 24 %, 3 17 %, 4 7.6 %, 5 0.5 %, 6 4.8 %), over the zone's
 * order-0 page-cache pages in Movable pageblocks at random (where a dirty folio lies is not in the
 * counts). The harness guests' captures have no write-pending page. The pages written after the
 * first read that placeWrittenFolios took off the free lists are not drawn again here: the share is
 * of the write-pending pages less those.
 */
export function dirtyFolioShare(seed: number, zoneKey: number): number {
  const r = new Rng((Math.imul(seed, 0x3c6ef372) ^ Math.imul(zoneKey + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0)
  return 0.65 * r.next()
}

/** the orders 1…6 of the unsplittable folios of the exact layouts (see dirtyFolioShare), cumulative */
const DIRTY_FOLIO_ORDER_CDF = [0.459, 0.700, 0.870, 0.946, 0.951, 1]

function placeDirtyFolios(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, s: ZoneShape, seed: number, notes: string[], written: number): void {
  // the written folios placed off the free lists (placeWrittenFolios) are write-pending pages too
  const pending = Math.max(0, (s.stats['nr_zone_write_pending'] ?? 0) - written)
  if (pending <= 0) return
  const zoneKey = zone.idx + 16 * zone.node
  let want = Math.round(dirtyFolioShare(seed, zoneKey) * pending)
  if (want <= 0) return
  const r = new Rng((Math.imul(seed, 0x85ebca6b) ^ Math.imul(zoneKey + 1, 0xc2b2ae35) ^ 0x27d4eb2f) >>> 0)
  const map = m.memMap
  const base = m.basePfn
  const movable = m.migratetypes.movable
  const span = zone.endPfn - zone.startPfn
  let folios = 0, pages = 0
  // each folio: an order, then aligned runs of order-0 page-cache pages in a Movable pageblock, drawn until one fits
  for (let tries = 0; want > 0 && tries < 64 * want + 4096; tries++) {
    const u = r.next()
    let o = 1
    while (o < DIRTY_FOLIO_ORDER_CDF.length && u >= DIRTY_FOLIO_ORDER_CDF[o - 1]!) o++
    const n = 2 ** o
    const pfn = (zone.startPfn + r.int(span)) & ~(n - 1)
    if (pfn < zone.startPfn || pfn + n > zone.endPfn) continue
    if (m.pageblockMt[m.pbIndex(pfn)] !== movable) continue
    let ok = true
    for (let q = pfn - base; q < pfn - base + n; q++) if (map[q] !== PageKind.FILE) { ok = false; break }
    if (!ok) continue
    map[pfn - base] = compoundHead(THP_HEAD, o)
    map.fill(PageKind.COMPOUND_TAIL, pfn - base + 1, pfn - base + n)
    m.unsplittable.add(pfn)
    folios++
    pages += n
    want -= n
  }
  if (folios > 0) notes.push(`${zone.label}: ${folios} dirty page-cache large folios (${pages} pages of the zone's ${pending} write-pending) whose split fails, over its page cache at random`)
}

/** candidates left by the last quotaDraws call */
let drawsLeft = 0

/** touched states whose pageblock takes no small free block (step 6): wholly free, a THP, kernel pages only, sparse free pages, a huge pcp page */
const CLOSED_TO_SMALL: Uint8Array = (() => {
  const t = new Uint8Array(256)
  for (const k of [2, 3, 5, 6, 7]) t[k] = 1
  return t
})()

/** The pageblocks (indices, ascending) that step 6 places small free blocks in. */
function openPageblocks(touched: Uint8Array): Int32Array {
  let n = 0
  for (let i = 0; i < touched.length; i++) n += 1 - CLOSED_TO_SMALL[touched[i]!]!
  const out = new Int32Array(n)
  n = 0
  for (let i = 0; i < touched.length; i++) if (CLOSED_TO_SMALL[touched[i]!] === 0) out[n++] = i
  return out
}

/** `open` split by pageblock type, each list ascending. */
function pageblocksByType(open: Int32Array, pbType: Int8Array, nTypes: number): Int32Array[] {
  const count = new Int32Array(nTypes)
  for (let k = 0; k < open.length; k++) count[pbType[open[k]!]!]! += 1
  const out: Int32Array[] = []
  for (let mt = 0; mt < nTypes; mt++) out.push(new Int32Array(count[mt]!))
  count.fill(0)
  for (let k = 0; k < open.length; k++) {
    const i = open[k]!
    const mt = pbType[i]!
    out[mt]![count[mt]!++] = i
  }
  return out
}

/** The candidates of one order and list (step 6): the pageblocks of `ofType` with room at the order (qo = order · nPb), side by side with their bounds and room. Returns their number. */
function quotaCandidates(ofType: Int32Array, P: Float64Array, wholeCnt: Uint16Array, quota: Uint16Array, qo: number, bound: Uint32Array, candI: Int32Array, candB: Uint32Array, candRoom: Uint16Array, candQ: Uint8Array, candRoom0: Float64Array): number {
  let nc = 0
  for (let k = 0; k < ofType.length; k++) {
    const i = ofType[k]!
    const room = P[i]! + wholeCnt[qo + i]! - quota[qo + i]!
    if (room > 0) {
      const b = bound[i]!
      candI[nc] = i; candB[nc] = b; candRoom[nc] = room; candQ[nc] = b >>> 24; candRoom0[nc] = room
      nc++
    }
  }
  return nc
}

/** The quota of the nc candidates left after quotaDraws: what their room lost. */
function settleQuota(nc: number, candI: Int32Array, candRoom: Uint16Array, candRoom0: Float64Array, quota: Uint16Array, qo: number): void {
  for (let j = 0; j < nc; j++) quota[qo + candI[j]!]! += candRoom0[j]! - candRoom[j]!
}

/** The next order's parents of each open pageblock: P' = 2P + whole-capable nodes − blocks placed (qo = order · nPb). */
function nextParents(open: Int32Array, P: Float64Array, wholeCnt: Uint16Array, quota: Uint16Array, qo: number): void {
  for (let k = 0; k < open.length; k++) {
    const i = open[k]!
    P[i] = 2 * P[i]! + wholeCnt[qo + i]! - quota[qo + i]!
  }
}

/**
 * The rejection draws of one order and list (step 6): a candidate j = rng.int(nc), taken when
 * rng.next() < its weight, that is when the draw u ≤ candB[j], the bound of its weight
 * (acceptBound); candRoom[j] is its room left. A candidate whose room runs out leaves with its
 * quota, the last one taking its place. Returns the blocks still to place; the candidates left
 * are in drawsLeft. Most draws are refused: u's top 8 bits above those of the bound (candQ)
 * refuse it, below them take it, and only on a tie is the bound itself read; the room is read
 * only when a block is taken (candQ and candRoom stay in the cache, candB and candI need not).
 */
function quotaDraws(rng: Rng, need: number, nc: number, candI: Int32Array, candB: Uint32Array, candRoom: Uint16Array, candQ: Uint8Array, candRoom0: Float64Array, quota: Uint16Array, qo: number, W: Float64Array): number {
  let st = rng.getState()
  let refused = 0
  // the draw's candidate and its byte are read one draw ahead (the read of candQ, anywhere in it,
  // is under way while the draw before is decided): xn the next position draw, jn = ⌊xn·nc⌋,
  // qn = candQ[jn], read again when a candidate leaves (nc and candQ change) or the bounds do
  let jn = 0, qn = 0
  if (need > 0 && nc > 0) {
    jn = Math.floor((rngOutput(rngAdvance(st)) / 4294967296) * nc)
    qn = candQ[jn]!
  }
  while (need > 0 && nc > 0) {
    st = rngAdvance(st)
    const j = jn
    const q = qn
    st = rngAdvance(st)
    const u = rngOutput(st)
    const uq = u >>> 24
    const xn = rngOutput(rngAdvance(st)) / 4294967296
    jn = Math.floor(xn * nc)
    qn = candQ[jn]!
    if (uq > q || (uq === q && u > candB[j]!)) {
      if (++refused >= REFUSALS_BEFORE_RESCALE) {
        // only candidates of tiny weight are left (a packed top, directCompactedTop): refusals
        // against their largest weight draw from the same distribution, without the endless loop
        rescaleBounds(W, nc, candI, candB, candQ)
        refused = 0
        qn = candQ[jn]!
      }
      continue
    }
    refused = 0
    need--
    if (--candRoom[j]! <= 0) {
      // full: its quota is the room it had; the last candidate takes its place
      quota[qo + candI[j]!]! += candRoom0[j]!
      nc--
      candI[j] = candI[nc]!; candB[j] = candB[nc]!; candRoom[j] = candRoom[nc]!; candQ[j] = candQ[nc]!; candRoom0[j] = candRoom0[nc]!
      jn = Math.floor(xn * nc)
      qn = nc > 0 ? candQ[jn]! : 0
    }
  }
  rng.setState(st)
  drawsLeft = nc
  return need
}

/**
 * Refusals in a row after which the rejection draws of step 6 take the candidates' weights
 * relative to the largest left (rescaleBounds; the overflow draws likewise). freeDensity's weights are
 * at least 1/1000, so an unpacked zone's draws meet such a streak with a chance of e^−1000 and
 * keep their draws; the top of a zone packed by a direct compaction (directCompactedTop) weighs
 * down to e^−57 and below, which no draw of 32 bits can take: left alone, the draws never end.
 */
const REFUSALS_BEFORE_RESCALE = 1 << 20

/** the acceptance bounds of the nc candidates left, relative to the largest weight among them (quotaDraws) */
function rescaleBounds(W: Float64Array, nc: number, candI: Int32Array, candB: Uint32Array, candQ: Uint8Array): void {
  let most = 0
  for (let k = 0; k < nc; k++) most = Math.max(most, W[candI[k]!]!)
  if (!(most > 0)) return
  for (let k = 0; k < nc; k++) {
    const bound = acceptBound(Math.max(Number.MIN_VALUE, W[candI[k]!]! / most))
    candB[k] = bound
    candQ[k] = bound >>> 24
  }
}

/** Segments of a zone over which the free-page density is drawn. */
const DENSITY_SEGMENTS = 8
/** the range of the free-page log-odds' slope over a zone, as measured (freeDensity) */
const DENSITY_SLOPE = [-6.5, 4] as const
/** the largest scatter of the log-odds about that slope per eighth, as measured (freeDensity) */
const DENSITY_SCATTER = 1.1

/**
 * The free-page density along a zone, per pageblock, relative to its largest (weights in
 * (0, 1], at least 1/1000): free blocks below pageblock order are placed in proportion. The
 * counts give none of it. Measured on the kpageflags of fixtures/ (every capture a compaction
 * follows, not after a full compaction; 24 zones), over the Movable pageblocks that are neither a
 * THP nor wholly free (those are placed apart: the THPs lowest first, the wholly free ones by
 * wholeFreeDensity): the log-odds of free against used pages over eighths of a zone fall along
 * the zone in 21 of 24 zones (slope −6.4 to +4.0 over the zone, −0.5 typically: the workload's
 * memory lies above the boot's early allocations and is freed in a pattern that spans it), and
 * scatter about that line with a standard deviation of 0.01–1.06 (0.2 typically). (An earlier
 * measure that counted the THP run at a zone's low end as used pages drew a rise of 0–2 and
 * offsets of 1: free memory at the wrong end, and a compaction's migrate scanner then met more
 * used pages.) Each seed draws, from its own stream: the slope, uniform over the measured range,
 * a scatter σ uniform over 0–1.1, and for every eighth an offset ~ N(0, σ). After a full
 * compaction only the fall exp(−g·x) of freeGradient.
 */
export function freeDensity(seed: number, zoneKey: number, nPb: number, gradient: number): Float64Array {
  if (gradient > 0) {
    // a packed zone: the compaction's own order, not the boot's or the workload's
    const w = new Float64Array(nPb)
    for (let i = 0; i < nPb; i++) w[i] = Math.max(Number.MIN_VALUE, Math.exp(-gradient * (i + 0.5) / nPb))
    return w
  }
  const r = new Rng((Math.imul(seed, 0xc2b2ae35) ^ Math.imul(zoneKey + 1, 0x27d4eb2f) ^ 0x3c6ef372) >>> 0)
  const slope = DENSITY_SLOPE[0] + (DENSITY_SLOPE[1] - DENSITY_SLOPE[0]) * r.next()
  const sigma = DENSITY_SCATTER * r.next()
  const seg: number[] = []
  for (let k = 0; k < DENSITY_SEGMENTS; k++) {
    // Box–Muller
    const u = r.next() || Number.MIN_VALUE
    seg.push(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next()))
  }
  const w = new Float64Array(nPb)
  let max = -Infinity
  for (let i = 0; i < nPb; i++) {
    const x = (i + 0.5) / nPb
    const v = slope * (x - 0.5) + seg[Math.min(DENSITY_SEGMENTS - 1, Math.floor(x * DENSITY_SEGMENTS))]! - gradient * x
    w[i] = v
    if (v > max) max = v
  }
  for (let i = 0; i < nPb; i++) w[i] = Math.max(1e-3, Math.exp(w[i]! - max))
  return w
}

/**
 * Where the wholly free pageblocks (free blocks of pageblock order and above) sit, when no full
 * compaction came before the capture: the memory no allocation has touched since boot. The boot
 * frees memory to the tails of the free lists in ascending PFN order (__free_pages_core,
 * FPI_TO_TAIL) and rmqueue takes the heads, so the lowest pageblocks are handed out first and the
 * untouched ones are the highest. In the kpageflags of fixtures/ (the harness runs' captures
 * before a compaction, 19 zones with such blocks) they form one run in the upper part of the zone:
 * in its top three sixteenths in 14 zones, in its top seven sixteenths in 18 (the other: a capture
 * after a hugetlb pool's release, whose freed pages lie where the pool was; this machine's 6.18
 * zones, initialised on demand, have theirs low). Weights rise to the top
 * as exp(g·(x − 1)), x the relative position in the zone; how sharply (how far below the top the
 * run may reach: a tenth to a fortieth of the zone) is drawn per seed from its own stream. The run
 * itself is one draw from these weights (wholeFreeRunDraw) and the untouched nodes nearest it
 * (synthesizeZone), not one draw per block: blocks drawn one by one lay scattered among
 * pageblocks with free pages, where kpageflags show none among them in 15 of 21 zones.
 */
export function wholeFreeDensity(seed: number, zoneKey: number, nPb: number): Float64Array {
  const r = new Rng((Math.imul(seed, 0x7feb352d) ^ Math.imul(zoneKey + 1, 0x846ca68b) ^ 0x1b873593) >>> 0)
  const g = 10 + 30 * r.next()
  const w = new Float64Array(nPb)
  for (let i = 0; i < nPb; i++) w[i] = Math.max(Number.MIN_VALUE, Math.exp(g * ((i + 0.5) / nPb - 1)))
  return w
}

/**
 * Where the run of wholly free pageblocks lies (see wholeFreeDensity): a draw in [0, 1) from the
 * zone's own stream, taken as a quantile of the weights over the untouched pageblocks.
 */
export function wholeFreeRunDraw(seed: number, zoneKey: number): number {
  const r = new Rng((Math.imul(seed, 0x1b873593) ^ Math.imul(zoneKey + 1, 0x7feb352d) ^ 0x846ca68b) >>> 0)
  return 0.1 + 0.9 * r.next()
}

/**
 * After a full compaction, the order in which the free blocks of one order at or above pageblock
 * order take the candidate nodes `ids`: the `k` nodes nearest the untouched run's anchor first,
 * then the others in weighted order by `W` (the packed density: low, where the migrate scanner
 * emptied pageblocks). The wholly free pageblocks of a capture before a full compaction are the
 * memory no allocation has touched since boot, one run high in the zone (wholeFreeDensity), and a
 * full compaction leaves them as they are: its free scanner takes no free page of pageblock order
 * or more (isolate_freepages → suitable_migration_target: a PageBuddy of order ≥ pageblock_order
 * is no target), and its migrate scanner stops where the scanners meet, below them
 * (compact_scanners_met). kpageflags of the 24 harness captures that follow a full compaction and
 * precede a second one (scripts/measure-packed.ts, "wholly free"): the capture before the
 * compaction held such pageblocks in 23 (arm64-1G-s18-nopin none), every one of them still wholly
 * free after it in 22 (x86-1G-s15-k612-nopin 15 of 17), and all of them above where the scanners
 * met (x86 14–25 pageblocks: x86-2G-s23-k612-cpu0 19 of the 333 wholly free after it,
 * x86-1G-s22-cpu0 22 of 193, x86-512M-s1-compact 21 of 21; arm64-1G-s6-cma-compact 1–4 beside
 * its CMA area). The capture before gives how many (host/load.ts untouchedBeforeCompaction), not
 * where: the anchor is drawn as before a compaction (wholeFreeDensity, wholeFreeRunDraw).
 * Placed low with the others, they were pageblocks the second compaction's migrate scanner walked
 * before the scanners met (compact_migrate_scanned 1–4 % below the band in six rows).
 * In a zone initialised on demand (deferred_init=lazy) the capture before held them in runs over
 * the whole initialised part, not one run (lazyWholeFreeKeys), its bottom fuller where compactions
 * earlier in the boot had emptied it (emptiedBottomDraw): `keys` (those of synthesizeZone's
 * untouchedKeys) order the untouched nodes then, lowest key first. Drawn as one run there, they
 * took the upper half of host-24G-k618-p/02's initialised part, the used pages were packed below
 * it, and the second compaction's scanners met at 0x172e00–0x193c00 where the kernel's met at
 * 0x2a9600 (compact_migrate_scanned 1694207–1833471 against 3567615; docs/fidelity.md synthesized (z)).
 */
function untouchedRunFirst(ids: Int32Array, span: number, anchor: number, k: number, W: Float64Array, rng: Rng, keys: Float64Array | null = null): Int32Array {
  if (k <= 0 || (anchor < 0 && keys === null)) return weightedOrder(ids, ids.length, W, rng)
  const near = keys !== null ? byNodeKey(ids, span, keys) : byDistance(ids, span, anchor)
  const n = Math.min(k, near.length)
  const out = new Int32Array(ids.length)
  const taken = new Uint8Array(ids.length)
  for (let r = 0; r < n; r++) { out[r] = near[r]!; taken[near[r]!] = 1 }
  const restPos: number[] = []
  for (let p = 0; p < ids.length; p++) if (!taken[p]) restPos.push(p)
  const restIds = new Int32Array(restPos.length)
  for (let r = 0; r < restPos.length; r++) restIds[r] = ids[restPos[r]!]!
  const wo = weightedOrder(restIds, restIds.length, W, rng)
  for (let r = 0; r < wo.length; r++) out[n + r] = restPos[wo[r]!]!
  return out
}

/**
 * Positions 0…n−1 of `ids` (nodes of `span` pageblocks, by first pageblock) sorted by the
 * distance of their middle from pageblock `anchor`, nearest first (equal distances: the lower
 * node first).
 */
function byDistance(ids: Int32Array, span: number, anchor: number): Int32Array {
  const keys = new Float64Array(ids.length)
  for (let k = 0; k < ids.length; k++) keys[k] = Math.abs(ids[k]! + span / 2 - (anchor + 0.5)) * 4294967296 + ids[k]!
  return sortedByKey(keys, false)
}

/**
 * The largest 32-bit draw u that a weight w in (0, 1] accepts: u / 2^32 < w (rng.next() < w)
 * exactly when u < w·2^32 (exact in doubles: w·2^32 is a power-of-two scaling), that is when
 * u ≤ ceil(w·2^32) − 1; w = 1 accepts every draw (2^32 − 1).
 */
function acceptBound(w: number): number {
  return Math.min(4294967295, Math.ceil(w * 4294967296) - 1)
}

/**
 * The order in which a packed zone fills pageblocks: weighted sampling without replacement
 * (Efraimidis–Spirakis keys u^(1/w)) of the first n pageblock indices of `list`, weights W by
 * pageblock; one draw per entry, in list order. Returns positions in `list`.
 */
function weightedOrder(list: ArrayLike<number>, n: number, W: Float64Array, rng: Rng): Int32Array {
  const keys = new Float64Array(n)
  for (let k = 0; k < n; k++) keys[k] = Math.log(rng.next() || Number.MIN_VALUE) / W[list[k]!]!
  return sortedByKey(keys, true)
}

/**
 * Positions 0…n−1 sorted by their keys (ascending, or descending), equal keys (and keys whose
 * difference is not a number: two −∞) in position order: what a stable sort of the keyed entries
 * gives. A least-significant-digit radix sort of the keys' 64-bit images, 11 bits a pass (a pass
 * whose digit all keys share is skipped), as an ordered integer: the sign bit flipped for a
 * positive key, every bit for a negative one, then every bit again for descending; −0 is taken
 * as +0. The six digits' counts are taken in the sweep that makes the images, and a pass moves
 * positions only, reading each one's digit from its image (one scattered store an entry, where
 * moving the images beside them made three). Keys with a NaN (which no caller makes) and short
 * lists go to the merge sort, the reference it equals (sorted_by_key.test.ts).
 */
export function sortedByKey(keys: Float64Array, descending: boolean): Int32Array {
  const n = keys.length
  if (n < 256) return mergeSortedByKey(keys, descending)
  const hi = new Uint32Array(n)
  const lo = new Uint32Array(n)
  const f = new Float64Array(1)
  const w = new Uint32Array(f.buffer)
  const H = LITTLE_ENDIAN ? 1 : 0
  const L = 1 - H
  const flip = descending ? 0xffffffff : 0
  // pass p's count of digit d at count[p · 2048 + d]: passes 0–2 the low word's digits, 3–5 the high word's
  const count = new Int32Array(6 * 2048)
  for (let k = 0; k < n; k++) {
    const v = keys[k]!
    if (v !== v) return mergeSortedByKey(keys, descending)
    f[0] = v + 0
    let h = w[H]!, l = w[L]!
    if (h >= 0x80000000) { h = ~h; l = ~l } else h = h | 0x80000000
    h = (h ^ flip) >>> 0
    l = (l ^ flip) >>> 0
    hi[k] = h
    lo[k] = l
    count[l & 2047]! += 1
    count[2048 + ((l >>> 11) & 2047)]! += 1
    count[4096 + (l >>> 22)]! += 1
    count[6144 + (h & 2047)]! += 1
    count[8192 + ((h >>> 11) & 2047)]! += 1
    count[10240 + (h >>> 22)]! += 1
  }
  let a = new Int32Array(n)
  for (let k = 0; k < n; k++) a[k] = k
  let b = new Int32Array(n)
  for (let pass = 0; pass < 6; pass++) {
    const src = pass < 3 ? lo : hi
    const shift = (pass % 3) * 11
    const c0 = pass * 2048
    let same = false
    for (let d = 0; d < 2048; d++) if (count[c0 + d] === n) { same = true; break }
    if (same) continue
    let at = 0
    for (let d = 0; d < 2048; d++) { const c = count[c0 + d]!; count[c0 + d] = at; at += c }
    for (let k = 0; k < n; k++) {
      const i = a[k]!
      b[count[c0 + ((src[i]! >>> shift) & 2047)]!++] = i
    }
    const t = a; a = b; b = t
  }
  return a
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** sortedByKey by a stable merge sort of the keys (its reference; short lists) */
function mergeSortedByKey(keys: Float64Array, descending: boolean): Int32Array {
  const n = keys.length
  let a = new Int32Array(n)
  let b = new Int32Array(n)
  // the keys travel with their positions: the merges read both arrays in order (no lookups of
  // keys[a[i]] scattered over the whole array)
  let ka = Float64Array.from(keys)
  let kb = new Float64Array(n)
  for (let k = 0; k < n; k++) a[k] = k
  // a bottom-up merge sort (stable: on a tie the left run's entry goes first), no comparator calls
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = lo + width < n ? lo + width : n
      const hi = lo + 2 * width < n ? lo + 2 * width : n
      let i = lo, j = mid, o = lo
      while (i < mid && j < hi) {
        const ki = ka[i]!, kj = ka[j]!
        // the right entry goes first only when its key strictly precedes
        if (descending ? kj > ki : kj < ki) { kb[o] = kj; b[o++] = a[j++]! } else { kb[o] = ki; b[o++] = a[i++]! }
      }
      while (i < mid) { kb[o] = ka[i]!; b[o++] = a[i++]! }
      while (j < hi) { kb[o] = ka[j]!; b[o++] = a[j++]! }
    }
    const t = a; a = b; b = t
    const tk = ka; ka = kb; kb = tk
  }
  return a
}

let presentEndsRule = true
/**
 * The non-Movable pageblocks cluster at the ends of the zone's memory, its top being where its
 * memory ends below a hole (x86's DMA32 on a guest of 4 GiB: 0x1000–0xc0000 of a span to
 * 0x100000), not the end of its span; off only to measure what it changes.
 */
export function setPresentEndsRule(on: boolean): void { presentEndsRule = on }

let kernelImageRule = true
/** the kernel image placed from /proc/iomem (kernelImageRuns); off only to measure what it changes */
export function setKernelImageRule(on: boolean): void { kernelImageRule = on }

/**
 * The kernel image's reserved pages in [lo, hi), as [from, to) PFN pairs in address order: the
 * sections /proc/iomem names (Kernel code, rodata, data, bss; arch/x86/kernel/setup.c,
 * arch/arm64/kernel/setup.c), which memblock reserved at boot (early_reserve_memory,
 * arm64_memblock_init) and which never reach the buddy allocator. The memory between them did:
 * free_kernel_image_pages() frees the text/rodata and rodata/data gaps (mark_rodata_ro) and
 * free_initmem() the init sections between data and bss, so the free scanner meets runs of
 * reserved pageblocks split by pageblocks with free pages, each resetting its stride
 * (isolate_freepages). On x86 KASLR puts the image anywhere in low memory: one run drawn by the
 * seed (placeReserved) had it in one piece, elsewhere. Empty when iomem was not captured, hides
 * its addresses, or names more image pages than the zone reserves.
 */
export function kernelImageRuns(c: Capture, lo: number, hi: number, reserved: number, deferredFrom = Infinity): number[] {
  const ps = c.machine.pageSize
  const runs: number[] = []
  let pages = 0
  for (const k of c.kernelImage ?? []) {
    const from = Math.max(lo, Math.floor(k.start / ps))
    const to = Math.min(hi, Math.floor(k.end / ps) + 1)
    if (to <= from) continue
    // sections sharing a page (x86's code end and rodata start never do): merged
    if (runs.length && from <= runs[runs.length - 1]!) { pages += Math.max(0, to - runs[runs.length - 1]!); runs[runs.length - 1] = Math.max(to, runs[runs.length - 1]!); continue }
    runs.push(from, to)
    pages += to - from
  }
  // in memory whose struct pages were initialised late (deferred), the image's pageblocks are
  // Unmovable where they start with a reserved page, and the gaps freed in them are taken by the
  // kernel's own allocations (x86-512M-s11-nopin: slab and flagless pages fill them), which no text
  // file places: left to the draw
  if (runs.length && runs[runs.length - 1]! > deferredFrom) return []
  return pages <= reserved ? runs : []
}

/** The first PFN whose struct page deferred init set up (defer_init), Infinity where none did. */
function bootDeferredFrom(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, deferred: boolean): number {
  if (!deferred) return Infinity
  // PAGES_PER_SECTION: SECTION_SIZE_BITS 27 (x86_64, arm64 with 4K/16K pages), 29 (arm64 64K pages)
  const perSection = 2 ** (m.geometry.pageSize === 65536 ? 29 : 27) / m.geometry.pageSize
  const nodeEnd = Math.max(...m.zones.filter((x) => x.node === zone.node && x.present > 0).map((x) => x.endPfn))
  // only the node's last zone defers, from the first section boundary past one section of its
  // pages (the synthesized zone's holes lie at its top, above that point)
  if (zone.endPfn < nodeEnd) return Infinity
  return (Math.floor(zone.startPfn / perSection) + 1) * perSection + (zone.startPfn % perSection === 0 ? 0 : perSection)
}

/**
 * Boot-time types of the kernel image's pageblocks (mm/mm_init.c, 6.1–6.12), which no allocation
 * retypes: its reserved pages are never freed, and the gaps freed between its sections go to the
 * lists of the pageblock's type. memmap_init_range gives every pageblock it initialises
 * MIGRATE_MOVABLE, reserved or not; with deferred struct page init (defer_init) it stops in the
 * node's last zone at the first section boundary past one section of pages, and above that a
 * pageblock whose first page is memblock-reserved keeps the zeroed bitmap's MIGRATE_UNMOVABLE
 * (init_reserved_page sets no type; deferred_free_range types only the free ranges), one that
 * starts with a free page is Movable. The exact layout types them so (engine/reconstruct/exact.ts
 * deferredReservedTypes). Out of pagetypeinfo's counts; a type whose count is used up is left to
 * the draw.
 */
function kernelImageTypes(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, pbType: Int8Array, remaining: number[], firstPb: number, span: [number, number], deferred: boolean): void {
  const mts = m.migratetypes
  const pbPages = m.pageblockNrPages
  const firstDeferred = bootDeferredFrom(m, zone, deferred)
  for (let i = Math.max(0, Math.floor(span[0] / pbPages) - firstPb); i < pbType.length && (firstPb + i) * pbPages < span[1]; i++) {
    const s = (firstPb + i) * pbPages
    if (pbType[i] !== -1 || s < zone.startPfn) continue
    const t = s >= firstDeferred && m.memMap[s - m.basePfn] === PageKind.RESERVED ? mts.unmovable : mts.movable
    if ((remaining[t] ?? 0) <= 0) continue
    pbType[i] = t
    remaining[t]!--
  }
}

/**
 * Reserved pages (present − managed) of a large zone where memblock leaves them: one run at the top of the
 * usable zone (memblock allocates top-down: the memmap, page tables, per-cpu areas) and one at a
 * position the seed draws (the kernel image, randomised by KASLR on x86, at the start of RAM on
 * arm64; swiotlb). The split and the position are not in the counts: each seed draws them from
 * its own stream.
 */
function placeReserved(map: Uint8Array, base: number, lo: number, hi: number, reserved: number, pbPages: number, seed: number, label: string, notes: string[], decided: number[], image: [number, number] | null = null): void {
  const n = Math.min(reserved, hi - lo)
  const r = new Rng((Math.imul(seed, 0x85ebca6b) ^ 0x165667b1) >>> 0)
  let atTop = Math.floor(n * r.next())
  // not over the kernel image (placed from iomem): what would reach into it goes to the other run
  if (image && hi - atTop < image[1]) atTop = Math.max(0, hi - image[1])
  const rest = n - atTop
  map.fill(PageKind.RESERVED, hi - atTop - base, hi - base)
  decided.push(hi - atTop, hi)
  // the other run: pageblock-aligned, anywhere below the top run (and beside the kernel image)
  const room = hi - atTop - lo - rest
  let at = lo + Math.floor((room > 0 ? r.int(Math.floor(room / pbPages) + 1) : 0) * pbPages)
  if (image && at < image[1] && at + rest > image[0]) {
    const above = Math.ceil(image[1] / pbPages) * pbPages
    const below = Math.floor((image[0] - rest) / pbPages) * pbPages
    if (above + rest <= hi - atTop) at = above
    else if (below >= lo) at = below
  }
  map.fill(PageKind.RESERVED, at - base, at + rest - base)
  decided.push(at, at + rest)
  notes.push(`${label}: ${n} reserved pages in two runs, ${atTop} at the top of the zone and ${rest} from PFN ${at} (memblock's top-down allocations${image ? ', swiotlb' : ' and the kernel image'}; their split and place drawn by the seed)`)
}

/** Put a free block on the lists (memMap head + list + counters) without merging. */
function placeFree(m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, pfn: number, order: number, mt: number): void {
  // (the head byte is written by addToFreeList; short tails without a fill() call)
  const a = pfn - m.basePfn
  const n = 1 << order
  if (n <= 16) {
    const map = m.memMap
    for (let k = 1; k < n; k++) map[a + k] = PageKind.BUDDY_TAIL
  } else m.memMap.fill(PageKind.BUDDY_TAIL, a, a + n)
  allocator.addToFreeList(zone, pfn, order, mt)
}

/** Maximal aligned nodes of [pfn, pfn + 2^order) whose pages are all UNDECIDED. */
function collectUntouched(map: Uint8Array, base: number, pfn: number, order: number, out: Array<[number, number]>): boolean {
  const a = pfn - base
  const n = 2 ** order
  // one scan tells all undecided, none (no node below is all undecided: nothing to collect), or mixed
  let undecided = 0
  let decided = 0
  for (let p = a; p < a + n; p++) {
    if (map[p] === UNDECIDED) undecided++
    else decided++
    if (undecided > 0 && decided > 0) break
  }
  if (decided === 0) return true
  if (undecided === 0 || order === 0) return false
  const half = n / 2
  const l = collectUntouched(map, base, pfn, order - 1, out)
  const r = collectUntouched(map, base, pfn + half, order - 1, out)
  if (l) out.push([pfn, order - 1])
  if (r) out.push([pfn + half, order - 1])
  return false
}

/**
 * Step 6's layout inside each open pageblock that has a quota (layoutPageblock), in PFN order. The
 * whole-capable nodes are looked up only for a pageblock with a decided page (touched: those
 * collectUntouched made them for), the blocks on another type's pageblock only when there are any.
 */
function layoutPageblocks(
  m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, rng: Rng, open: Int32Array, firstPb: number, quota: Uint16Array, lowOrders: number, nPb: number,
  pbType: Int8Array, touched: Uint8Array, overflow: Map<number, Array<[number, number]>>, wholes: Map<number, Array<[number, number]>>,
): void {
  const pbo = m.geometry.pageblockOrder
  const pbPages = m.pageblockNrPages
  const anyOverflow = overflow.size > 0
  for (let k = 0; k < open.length; k++) {
    const i = open[k]!
    let any = false
    for (let o = 0; o < lowOrders; o++) if (quota[o * nPb + i]) { any = true; break }
    if (!any) continue
    const untouched = touched[i] === 0
    const n = layoutPageblock(m.memMap, m.basePfn, rng, (firstPb + i) * pbPages, pbo, quota, i, nPb, pbType[i]!, anyOverflow ? overflow.get(i) ?? NO_PAIRS : NO_PAIRS, untouched ? NO_PAIRS : wholes.get(i) ?? NO_PAIRS, untouched)
    // the blocks onto their lists, in the order placed
    const pfns = placedPfn, orders = placedOrder, mts = placedMt
    for (let j = 0; j < n; j++) allocator.addToFreeList(zone, pfns[j]!, orders[j]!, mts[j]!)
  }
}

/**
 * Buffers of layoutPageblock (module-level, grown on demand; the function works on them through
 * locals, no closures or module bindings on the hot path). A pageblock's hosts of one order are
 * not listed one by one until a block is placed among them: the parents are two lists of nodes,
 * each node standing for its descendants of the order's parent size, in address order (a node
 * left whole while the orders below it place nothing splits into those, in order). So an order
 * that places nothing costs nothing, one that places blocks lists its unchosen parents for the
 * next (listNodes), and order 0, where half the hosts are, lists none.
 */
/** the parents' first list: nodes of order oX (offsets in the pageblock), in list order */
let parentsX = new Int32Array(0)
/** the parents' second list, after the first: nodes of order oX + 1 */
let parentsU = new Int32Array(0)
/** the next order's lists, built while an order places its blocks */
let nextX = new Int32Array(0)
let nextU = new Int32Array(0)
/** the order's whole-capable nodes (offsets; after the parents among the hosts) */
let wholeOff = new Int32Array(64)
/** the blocks a layoutPageblock call placed, in order: their PFN, order and list (its caller puts them on the lists) */
let placedPfn = new Int32Array(0)
let placedOrder = new Uint8Array(0)
let placedMt = new Uint8Array(0)
/** positions the partial shuffle moved: value (offset · 2 + W) valid where movedGen[i] === gen */
let movedVal = new Int32Array(0)
let movedGen = new Uint32Array(0)
let gen = 0
/** positions past the chosen ones that the shuffle moved */
let movedKeys = new Int32Array(0)

/**
 * Place one pageblock's quota of small free blocks, largest first, by the buddy-tree rule. Per
 * order: the hosts are the parents (untouched nodes of order o+1, one block in either half) and
 * then the whole-capable nodes of order o; the first n of a partial Fisher-Yates shuffle of them
 * get a block, in that order; the unchosen (and each chosen parent's other half) become the next
 * order's parents: the chosen ones' halves first, then the rest in their shuffled order.
 *
 * The host at an unmoved position i < nP (the parents) is the (i mod 2^sX)-th node of order o+1
 * of parentsX[i >> sX] (sX = oX − o − 1), past the first list's nX·2^sX positions the same in
 * parentsU with 2^(sX+1); at nP ≤ i the whole-capable node wholeOff[i − nP]. The unchosen parents
 * become the next order's parentsU as they are (each stands for its two halves), the chosen
 * parents' other halves its parentsX; where whole-capable nodes are among them, all of them are
 * listed in parentsX, a parent as its two halves.
 *
 * Returns how many blocks it placed: their tail pages are written, their PFNs, orders and lists
 * are in placedPfn, placedOrder and placedMt, and the caller puts them on the lists
 * (addToFreeList). It reads no model object: V8 throws away optimized code that checks an
 * object's map when that map dies, and the model's maps die with the model between two syntheses.
 */
function layoutPageblock(
  map: Uint8Array, base: number, rng: Rng, start: number, pbo: number,
  quota: Uint16Array, pb: number, nPb: number, blockMt: number, overflow: Array<[number, number]>, wholes: Array<[number, number]>, untouched: boolean,
): number {
  const need = 2 * (1 << pbo) + wholes.length + 2
  if (parentsX.length < need) {
    parentsX = new Int32Array(need); parentsU = new Int32Array(need); nextX = new Int32Array(need); nextU = new Int32Array(need)
    movedVal = new Int32Array(need); movedGen = new Uint32Array(need); movedKeys = new Int32Array(need)
    placedPfn = new Int32Array(need); placedOrder = new Uint8Array(need); placedMt = new Uint8Array(need)
    gen = 0
  }
  if (wholeOff.length < wholes.length + 1) wholeOff = new Int32Array(wholes.length + 1)
  const pP = placedPfn, pO = placedOrder, pM = placedMt
  const mv = movedVal, mg = movedGen, mk = movedKeys, wO = wholeOff
  let X = parentsX, U = parentsU, nxX = nextX, nxU = nextU
  let nPlaced = 0
  // the pageblock itself is the first parent (a node of order pbo) when it is untouched
  let nX = 0, nU = 0, oX = pbo
  if (untouched) { X[0] = 0; nX = 1 }
  let g = gen
  for (let o = pbo - 1; o >= 0; o--) {
    const n = quota[o * nPb + pb]!
    let nW = 0
    for (let w = 0; w < wholes.length; w++) if (wholes[w]![1] === o) wO[nW++] = wholes[w]![0] - start
    // nothing placed, no whole-capable node: every parent splits in two, which the lists say as they are
    if (n === 0 && nW === 0) continue
    const half = 1 << o
    const stride = 2 * half
    const sX = oX - o - 1
    const mX = (1 << sX) - 1
    const nXe = nX << sX
    const sU = sX + 1
    const mU = (1 << sU) - 1
    const nP = nXe + (nU << sU)
    const nH = nP + nW
    const chosen = n < nH ? n : nH
    if (g === 0xffffffff) { mg.fill(0); g = 0 }
    g++
    let nKeys = 0
    // the draws (rng.int(nH − k) per chosen entry, then rng.int(2) per chosen parent) step the generator inline
    let st = rng.getState()
    for (let k = 0; k < chosen; k++) {
      st = rngAdvance(st)
      const j = k + Math.floor((rngOutput(st) / 4294967296) * (nH - k))
      let vk: number
      if (mg[k] === g) vk = mv[k]!
      else if (k < nXe) vk = (X[k >> sX]! + (k & mX) * stride) * 2
      else if (k < nP) vk = (U[(k - nXe) >> sU]! + ((k - nXe) & mU) * stride) * 2
      else vk = wO[k - nP]! * 2 + 1
      let vj: number
      if (mg[j] === g) vj = mv[j]!
      else {
        if (j >= chosen) mk[nKeys++] = j
        if (j < nXe) vj = (X[j >> sX]! + (j & mX) * stride) * 2
        else if (j < nP) vj = (U[(j - nXe) >> sU]! + ((j - nXe) & mU) * stride) * 2
        else vj = wO[j - nP]! * 2 + 1
      }
      mv[k] = vj
      mg[k] = g
      mv[j] = vk
      mg[j] = g
    }
    let types: number[] | null = null
    if (overflow.length > 0) {
      types = []
      for (let v = 0; v < overflow.length; v++) if (overflow[v]![0] === o) types.push(overflow[v]![1])
    }
    // the chosen: a parent's block in the half drawn, its other half the next order's parent
    let nnX = 0
    for (let k = 0; k < chosen; k++) {
      const v = mv[k]!
      const off = v >> 1
      const mt = types !== null && k < types.length ? types[k]! : blockMt
      let at = off
      if ((v & 1) === 0) {
        st = rngAdvance(st)
        const pick = Math.floor((rngOutput(st) / 4294967296) * 2)
        at = off + pick * half
        nxX[nnX++] = off + (1 - pick) * half
      }
      // the block's tail pages (placeFree's; its head and list entry are the caller's)
      const a = start + at - base
      for (let t = 1; t < half; t++) map[a + t] = PageKind.BUDDY_TAIL
      pP[nPlaced] = start + at; pO[nPlaced] = o; pM[nPlaced] = mt; nPlaced++
    }
    rng.setState(st)
    if (o === 0) break
    // the unchosen, in their shuffled order: unmoved positions as the lists give them, then the moved ones over them
    let nnU = 0
    if (nW === 0) {
      if (chosen < nXe) nnU = listNodes(X, chosen, nXe, sX, stride, nxU, 0)
      nnU = listNodes(U, chosen > nXe ? chosen - nXe : 0, nP - nXe, sU, stride, nxU, nnU)
      for (let q = 0; q < nKeys; q++) nxU[mk[q]! - chosen] = mv[mk[q]!]! >> 1
    } else {
      // whole-capable nodes among them (a node of order o, where a parent is two): each listed as a node of order o
      for (let i = chosen; i < nH; i++) {
        const v = mg[i] === g ? mv[i]! : i < nXe ? (X[i >> sX]! + (i & mX) * stride) * 2 : i < nP ? (U[(i - nXe) >> sU]! + ((i - nXe) & mU) * stride) * 2 : wO[i - nP]! * 2 + 1
        nxX[nnX++] = v >> 1
        if ((v & 1) === 0) nxX[nnX++] = (v >> 1) + half
      }
    }
    let t = X; X = nxX; nxX = t
    t = U; U = nxU; nxU = t
    nX = nnX; nU = nnU; oX = o
  }
  parentsX = X; parentsU = U; nextX = nxX; nextU = nxU
  gen = g
  return nPlaced
}

/**
 * layoutPageblock's unchosen parents: out[n…] = the nodes at positions [from, to) of `list`,
 * each of its nodes standing for 2^s consecutive nodes `stride` apart. Returns the new n.
 */
function listNodes(list: Int32Array, from: number, to: number, s: number, stride: number, out: Int32Array, n: number): number {
  if (s === 0) {
    for (let i = from; i < to; i++) out[n++] = list[i]!
    return n
  }
  if (s === 1) {
    // the common case (the order above placed blocks too): two nodes each
    let i = from
    if ((i & 1) === 1) { out[n++] = list[i >> 1]! + stride; i++ }
    for (; i + 1 < to; i += 2) {
      const v = list[i >> 1]!
      out[n] = v
      out[n + 1] = v + stride
      n += 2
    }
    if (i < to) out[n++] = list[i >> 1]!
    return n
  }
  const m = (1 << s) - 1
  for (let i = from; i < to; i++) out[n++] = list[i >> s]! + (i & m) * stride
  return n
}

/** fillUsed's proportions (usedPageMix), by their index in its Float64Array */
const enum UsedMix {
  /** of the LRU pages, the anonymous ones and the unevictable ones */
  ANON, UNEVICTABLE,
  /** of the kernel pages, the slab and the page-table pages (half their counters' shares: the rest other kernel pages) */
  SLAB, PAGETABLE,
  /** 1: the zone holds no LRU page */
  NO_LRU,
}

/**
 * fillUsed's proportions, from the zone's counters, once per zone (UsedMix). Not read in fillUsed
 * and not an object: V8 compiles fillUsed against the hidden classes of what it reads, and the
 * counters are an object made anew for each synthesis (zoneShapes spreads zoneinfo's counters
 * into it), whose hidden class dies with it (see mapKeeper), while an object of these numbers
 * changed its hidden class from one zone to the next (a proportion of 0 or 1 is a small integer,
 * the others doubles): fillUsed's optimized code was thrown away, or its compilation abandoned,
 * at every synthesis.
 */
function usedPageMix(st: Record<string, number>): Float64Array {
  const anon = (st['nr_zone_inactive_anon'] ?? 0) + (st['nr_zone_active_anon'] ?? 0)
  const file = (st['nr_zone_inactive_file'] ?? 0) + (st['nr_zone_active_file'] ?? 0)
  const unevictable = st['nr_zone_unevictable'] ?? 0
  const lru = anon + file + unevictable
  // a zone whose LRU counters are read and all 0 holds no LRU page (this machine's DMA32 zone:
  // all its used pages are reserved ones, fixtures/host-24G-k618-*): what the synthesis leaves used
  // in its Movable pageblocks (a free block that did not fit beside the reserved runs) is a kernel
  // page, which isolate_migratepages_block passes, not an anonymous page it would isolate and
  // send the free scanner down the zone for (the scanners then met near its bottom)
  const noLru = emptyLruZoneRule && lru === 0 && 'nr_zone_inactive_anon' in st && 'nr_zone_inactive_file' in st
  const slabU = st['nr_slab_unreclaimable'] ?? st['nr_slab_unreclaimable_B'] ?? 0
  const pgtable = st['nr_page_table_pages'] ?? 0
  const kstack = st['nr_kernel_stack'] ?? 0
  const kernelish = slabU + pgtable + kstack
  const mix = new Float64Array(5)
  mix[UsedMix.ANON] = lru > 0 ? anon / lru : 1
  mix[UsedMix.UNEVICTABLE] = lru > 0 ? unevictable / lru : 0
  mix[UsedMix.SLAB] = kernelish > 0 ? slabU / (kernelish * 2) : 0.3
  mix[UsedMix.PAGETABLE] = kernelish > 0 ? pgtable / (kernelish * 2) : 0.1
  mix[UsedMix.NO_LRU] = noLru ? 1 : 0
  return mix
}

/** Turn every still-undecided page into a used page of a kind that suits its pageblock. */
function fillUsed(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, mix: Float64Array, rng: Rng, firstPb: number, nPb: number, pbType: Int8Array, touched: Uint8Array, afterCompaction: boolean, pcpOrder0: number): void {
  const mts = m.migratetypes
  const map = m.memMap
  const base = m.basePfn
  const pbPages = m.pageblockNrPages
  const pAnon = mix[UsedMix.ANON]!, pUnevictable = mix[UsedMix.UNEVICTABLE]!, pSlab = mix[UsedMix.SLAB]!, pPgtable = mix[UsedMix.PAGETABLE]!
  const noLru = mix[UsedMix.NO_LRU] === 1
  // runs of one kind, 1..64 pages long, so neighbouring pages tend to share a kind
  // (pageblocks that are wholly free or a THP hold no undecided page; a free block is skipped whole)
  const UNEVICTABLE = PageKind.UNEVICTABLE, ANON = PageKind.ANON, FILE = PageKind.FILE, SLAB_RECLAIMABLE = PageKind.SLAB_RECLAIMABLE
  const SLAB = PageKind.SLAB, PAGETABLE = PageKind.PAGETABLE, KERNEL = PageKind.KERNEL, PINNED = PageKind.PINNED
  // the map as words (four pages each) where it starts at a word boundary of its buffer
  const words = map.byteOffset % 4 === 0 ? new Uint32Array(map.buffer, map.byteOffset, Math.floor(map.length / 4)) : null
  // and as doubles (eight pages each) where it starts at a double's boundary: only read, compared with UNDECIDED8
  const dwords = map.byteOffset % 8 === 0 ? new Float64Array(map.buffer, map.byteOffset, Math.floor(map.length / 8)) : null
  // used pages a pcp page may replace, in the Unmovable pageblocks and in the Movable ones
  let candidates = 0
  let candMovable = 0
  const kinds = new Uint8Array(3)
  const countedKind = new Uint8Array(3)
  let x1: number, x2: number
  // the Movable pageblocks whose pages beside free ones were taken as unmovable, after a full compaction
  const kept: number[] = []
  // the Movable pageblocks holding a free page and used pages a pcp page may take, and how many (placeMovablePcpByPageblock)
  const pcpBlocks: number[] = []
  const pcpRoom: number[] = []
  for (let i = 0; i < nPb; i++) {
    if (touched[i] === 2 || touched[i] === 3 || touched[i] === 7) continue
    const mt = pbType[i]!
    const lru = (mt === mts.movable || mt === mts.cma) && !noLru
    const reclaimable = mt === mts.reclaimable
    const counted = mt === mts.movable || mt === mts.unmovable
    const start = Math.max((firstPb + i) * pbPages, zone.startPfn)
    const end = Math.min((firstPb + i + 1) * pbPages, zone.endPfn)
    const p = start - base
    const e = end - base
    // after a full compaction (sync, whole zone, skip bits ignored) a Movable pageblock that
    // still holds used pages beside free ones holds pages the compaction could not move
    // (isolate_migratepages_block skips pages with extra references; migrate_pages fails on
    // pinned ones): its LRU pages are taken as pinned
    let keep = false
    if (afterCompaction && touched[i] !== 6 && (mt === mts.movable || mt === mts.cma)) {
      for (let q = p; q < e; q++) if (isBuddyPage(map[q]!)) { keep = true; break }
    }
    // a run's kind is kinds[ge(r, x1) + ge(r, x2)], x1 ≤ x2 (r < x1 ? kinds[0] : r < x2 ? kinds[1] : kinds[2], without a branch on the draw)
    if (keep) { x1 = 0; x2 = 0; kinds[0] = PINNED; kinds[1] = PINNED; kinds[2] = PINNED; kept.push(i) }
    else if (touched[i] === 5) { x1 = pSlab; x2 = pSlab + pPgtable; kinds[0] = SLAB; kinds[1] = PAGETABLE; kinds[2] = KERNEL }
    else if (lru) { x1 = pUnevictable; x2 = pUnevictable + (1 - pUnevictable) * pAnon; kinds[0] = UNEVICTABLE; kinds[1] = ANON; kinds[2] = FILE }
    else if (reclaimable) { x1 = 0; x2 = 0; kinds[0] = SLAB_RECLAIMABLE; kinds[1] = SLAB_RECLAIMABLE; kinds[2] = SLAB_RECLAIMABLE }
    else { x1 = pSlab; x2 = pSlab + pPgtable; kinds[0] = SLAB; kinds[1] = PAGETABLE; kinds[2] = KERNEL }
    for (let k = 0; k < 3; k++) countedKind[k] = counted && kinds[k] !== UNEVICTABLE ? 1 : 0
    const nCand = fillRuns(map, words, dwords, p, e, rng, x1, x2, kinds, countedKind)
    if (mt === mts.movable) {
      candMovable += nCand
      // (a Movable pageblock's pages that fillRuns counts are those PCP_SLOT marks: its kinds
      // but UNEVICTABLE, and PINNED only after a full compaction, where these lists are not read)
      if (nCand > 0 && fillRunsSawFree) { pcpBlocks.push(i); pcpRoom.push(nCand) }
    }
    else candidates += nCand
  }
  // the per-cpu pages placed one by one (those whole huge pages on a list are placed: pcpOrder0)
  const pcp = pcpOrder0
  // pcp pages: free order-0 pages cached per cpu; taken from used pages of Movable/Unmovable
  // blocks. After a full compaction over both at random; else the share in the Unmovable ones is
  // drawn (pcpNonMovableShare), the rest in the Movable ones
  // the pageblock types a page may be drawn in (1 per migratetype)
  const accept = new Uint8Array(mts.count)
  if (afterCompaction) {
    const vacated = vacatedPcpPages ? pcpInVacatedBlocks(m, zone, rng.seed, firstPb, kept, Math.round(vacatedPcpShare(rng.seed, zone.idx + 16 * zone.node) * pcp), pAnon) : 0
    const rest = pcp - vacated
    if (pcpUsedTopRule) {
      // the share of the lists' pages in the Movable pageblocks (the used top: pcpUsedTopShare), the rest in the Unmovable ones
      const inMovable = Math.min(rest, Math.round(pcpUsedTopShare(rng.seed, zone.idx + 16 * zone.node) * pcp))
      const nonMovable = Math.min(rest - inMovable, candidates)
      accept[mts.unmovable] = 1
      placePcpPages(map, base, pbPages, zone.startPfn, zone.endPfn, rng, firstPb, pbType, accept, nonMovable)
      accept[mts.unmovable] = 0
      accept[mts.movable] = 1
      placePcpPages(map, base, pbPages, zone.startPfn, zone.endPfn, rng, firstPb, pbType, accept, Math.min(rest - nonMovable, candMovable))
    }
    else {
      accept[mts.movable] = 1
      accept[mts.unmovable] = 1
      placePcpPages(map, base, pbPages, zone.startPfn, zone.endPfn, rng, firstPb, pbType, accept, Math.min(rest, candidates + candMovable))
    }
  }
  else {
    const nonMovable = Math.min(Math.round(pcpNonMovableShare(rng.seed, zone.idx + 16 * zone.node) * pcp), candidates)
    const movable = Math.min(pcp - nonMovable, candMovable)
    accept[mts.unmovable] = 1
    placePcpPages(map, base, pbPages, zone.startPfn, zone.endPfn, rng, firstPb, pbType, accept, nonMovable + Math.min(candidates - nonMovable, pcp - nonMovable - movable))
    // the rest (more than those pageblocks' used pages hold) over the Movable pageblocks' used pages
    const rest = spreadMovablePcp ? placeMovablePcpByPageblock(m, zone, rng, firstPb, pcpBlocks, pcpRoom, movable) : movable
    accept[mts.unmovable] = 0
    accept[mts.movable] = 1
    placePcpPages(map, base, pbPages, zone.startPfn, zone.endPfn, rng, firstPb, pbType, accept, rest)
  }
}

/**
 * fillUsed's per-cpu pages: n pages drawn uniformly over the zone (rng.int over its span, the
 * generator stepped inline), each on a used page a per-cpu page may take the place of (PCP_SLOT)
 * in a pageblock whose type `accept` marks (1 per migratetype); other draws are drawn again.
 * (Numbers and typed arrays only, as layoutPageblock.)
 */
function placePcpPages(map: Uint8Array, base: number, pbPages: number, startPfn: number, endPfn: number, rng: Rng, firstPb: number, pbType: Int8Array, accept: Uint8Array, n: number): void {
  const z0 = startPfn - base
  const zn = endPfn - startPfn
  let st = rng.getState()
  while (n > 0) {
    st = rngAdvance(st)
    const p = z0 + Math.floor((rngOutput(st) / 4294967296) * zn)
    // the pageblock's type first (a small array; most draws end there), then the page (a read anywhere in the map)
    if (accept[pbType[Math.floor((p + base) / pbPages) - firstPb]!] !== 1) continue
    if (PCP_SLOT[map[p]!] !== 1) continue
    map[p] = PageKind.PCP
    n--
  }
  rng.setState(st)
}

/**
 * fillUsed's runs over the pages [p, e) of one pageblock: every stretch of undecided pages
 * becomes runs of one kind, 1..64 pages long (rng.int(64) then rng.next() a run, the generator
 * stepped inline), the kind kinds[ge(r, x1) + ge(r, x2)]; a free block is skipped whole. Returns
 * the pages written whose kind countedKind marks (those a pcp page may replace); whether it passed
 * a free block is in fillRunsSawFree. A function of its
 * own: optimized once and kept, where the same loop in fillUsed ran as that function's
 * on-stack replacement, compiled anew after each deoptimization.
 */
function fillRuns(map: Uint8Array, words: Uint32Array | null, dwords: Float64Array | null, p: number, e: number, rng: Rng, x1: number, x2: number, kinds: Uint8Array, countedKind: Uint8Array): number {
  // the runs' draws: rng.int(64) then rng.next(), the generator stepped inline
  let st = rng.getState()
  // the pageblock's used pages a pcp page may replace (added to candMovable or candidates once)
  let nCand = 0
  // a free block's head passed (the small free blocks lie inside their pageblock: the walk meets every head)
  let sawFree = false
  while (p < e) {
    const b = map[p]!
    if (b !== UNDECIDED) {
      if (isFreeHead(b)) { sawFree = true; p += 1 << headOrder(b) } else p++
      continue
    }
    // the stretch of undecided pages [p, u): a run ends at its length or at u, whichever comes first
    let u = p + 1
    while (u < e && (u & 3) !== 0 && map[u] === UNDECIDED) u++
    if (words !== null && (u & 3) === 0) {
      // eight pages a step where the map can be read as doubles (UNDECIDED8)
      if (dwords !== null) {
        if ((u & 7) !== 0 && u + 4 <= e && words[u >>> 2] === UNDECIDED4) u += 4
        if ((u & 7) === 0) while (u + 8 <= e && dwords[u >>> 3] === UNDECIDED8) u += 8
      }
      while (u + 4 <= e && words[u >>> 2] === UNDECIDED4) u += 4
      // the word at u holds the stretch's end: its first byte other than UNDECIDED, the lowest
      // nonzero byte of the word xor UNDECIDED4 (little-endian: the lowest byte is the first page)
      if (LITTLE_ENDIAN && u + 4 <= e) {
        const x = words[u >>> 2]! ^ UNDECIDED4
        u += (31 - Math.clz32(x & -x)) >>> 3
      }
    }
    while (u < e && map[u] === UNDECIDED) u++
    while (p < u) {
      st = rngAdvance(st)
      const len = 1 + Math.floor((rngOutput(st) / 4294967296) * 64)
      st = rngAdvance(st)
      const r = rngOutput(st) / 4294967296
      // ge(r, x) = 1 when r ≥ x, else 0: r − x lies in (−1, 1) and is negative exactly when r < x
      const k = Math.floor(r - x1) + Math.floor(r - x2) + 2
      const kind = kinds[k]!
      const lim = p + len < u ? p + len : u
      if (words !== null && p + 72 <= u) {
        // a fixed 67 pages from p (the run is at most 64, and 72 ≤ u − p): the pages past the run
        // are undecided pages of this stretch, written again by the runs that follow
        map[p] = kind; map[p + 1] = kind; map[p + 2] = kind
        const k4 = kind * 0x01010101
        const w0 = (p + 3) >>> 2
        for (let w = w0; w < w0 + 16; w++) words[w] = k4
      } else if (words !== null && lim - p >= 8) {
        // [p, lim) exactly: bytes up to a word boundary, whole words, the last bytes
        let q = p
        for (; (q & 3) !== 0; q++) map[q] = kind
        const k4 = kind * 0x01010101
        const wEnd = lim >>> 2
        for (let w = q >>> 2; w < wEnd; w++) words[w] = k4
        for (q = wEnd * 4; q < lim; q++) map[q] = kind
      } else for (let q = p; q < lim; q++) map[q] = kind
      nCand += (lim - p) * countedKind[k]!
      p = lim
    }
  }
  rng.setState(st)
  fillRunsSawFree = sawFree
  return nCand
}

/** whether the last fillRuns call passed a free block */
let fillRunsSawFree = false

/** after a full compaction, the pages decay_pcp_high gave back between the reads spread over the used top (spreadDecayedPcpPages); off: placed with the other free pages (for the test that holds it) */
/**
 * After a full compaction: the free blocks below pageblock order that compaction left in the used
 * Movable pageblocks its free scanner walked (SynthesizeOptions.leftBehindTop), placed in this
 * layout's used Movable pageblocks from the zone's top down, rank for rank: each block at an
 * aligned offset drawn within its pageblock, on pages not yet decided, never beside a free buddy
 * of its order (they would have merged), while the capture's Movable list still counts a block of
 * that order (`counts`, taken from). isolate_freepages takes every free page it reaches in a
 * Movable pageblock, but past a pageblock that gave nothing its stride doubles (up to
 * COMPACT_CLUSTER_MAX) and a pageblock scanned at stride 2–32 keeps the free pages off that stride;
 * the targets it isolated beyond what migrate_pages used go back at the end (release_free_list).
 * Measured on host-24G-k618-p: on the exact layout of 01-before the what-if of its compact_memory
 * leaves 67 of the topmost 100 used Movable pageblocks and 148 of the next 200 holding free pages
 * (3609 and 6672 pages), the capture after it 56 and 126 (2930 and 5043); a synthesized layout of
 * 01-before compacted leaves 99 and 90 (6459 and 5061), where sparseFreeShape's draw put free
 * pages in 1–36 of those 300 pageblocks.
 */
function placeLeftBehind(m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, r: Rng, ranked: number[][], nPb: number, pbPages: number, pbStart: (i: number) => number, touched: Uint8Array, pbType: Int8Array, movable: number, usedBlocks: number, counts: number[]): { pages: number; blocks: number } {
  const base = m.basePfn
  let pages = 0, blocks = 0, rank = 0, seen = 0
  for (let i = nPb - 1; i >= 0 && rank < ranked.length && seen < usedBlocks; i--) {
    if ((touched[i] !== 0 && touched[i] !== 6) || pbType[i] !== movable) continue
    seen++
    const orders = ranked[rank++]!
    if (!orders.length) continue
    const st = pbStart(i)
    let any = false
    for (const o of [...orders].sort((a, b) => b - a)) {
      if ((counts[o] ?? 0) <= 0) continue
      const n = 1 << o
      const slots = pbPages >> o
      for (let t = 0; t < 8; t++) {
        const off = r.int(slots) * n
        const buddy = m.memMap[st + (off ^ n) - base]!
        let ok = !(isFreeHead(buddy) && headOrder(buddy) === o)
        for (let k = off; ok && k < off + n; k++) if (m.memMap[st + k - base] !== UNDECIDED) ok = false
        if (!ok) continue
        placeFree(m, allocator, zone, st + off, o, movable)
        counts[o] = counts[o]! - 1
        pages += n
        any = true
        break
      }
    }
    if (any) { if (touched[i] === 0) touched[i] = 6; blocks++ }
  }
  return { pages, blocks }
}

let decayedPcpSpread = true
export function setDecayedPcpSpread(on: boolean): void { decayedPcpSpread = on }

/**
 * After a full compaction, the pages decay_pcp_high (6.7+) gave back between the capture's first
 * read and its re-read. vmstat_update runs decay_pcp_high on every CPU once a second; it lowers a
 * list's high by an eighth and frees the list's oldest pages down to it (free_pcppages_bulk),
 * and a list's oldest pages are spread over the pageblocks it holds pages of (a task's frees are
 * spread over its memory: engine/mm/page_alloc.ts buildPcpLists ages the other CPUs' lists so).
 * After a full compaction the list that is not the compacting CPU's holds the pages few to a
 * pageblock, in the used top of the zone the first compaction's free scanner filled, where they
 * stayed while it took the free pages around them. The re-read's buddyinfo counts those pages
 * free, and the packed synthesis placed them low with the zone's other free pages; the kernel's
 * next free scanner finds them a few to a pageblock in that used top and keeps its stride at 1
 * there (isolate_freepages). x86-2G-s23-k612-cpu1: CPU 0's list 11777 → 10500 pages, high 12050
 * → 10607; of the 5928 flagless pages kpageflags show in its used top, 3793 were back on the
 * buddy lists or migrated to by the next capture (scripts/measure-packed.ts). Spread evenly, as
 * many to each of the `usedBlocks` topmost used Movable pageblocks, at offsets drawn from their
 * own stream, no two of them buddies.
 */
function spreadDecayedPcpPages(m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, seed: number, nPb: number, pbPages: number, pbStart: (i: number) => number, touched: Uint8Array, pbType: Int8Array, movable: number, usedBlocks: number, pages: number): { pages: number; blocks: number } {
  const blocks: number[] = []
  for (let i = nPb - 1; i >= 0 && blocks.length < usedBlocks; i--) if ((touched[i] === 0 || touched[i] === 6) && pbType[i] === movable) blocks.push(i)
  if (!blocks.length || pages <= 0) return { pages: 0, blocks: 0 }
  const r = new Rng((Math.imul(seed, 0x7feb352d) ^ Math.imul(zone.idx + 16 * zone.node + 1, 0x846ca68b) ^ 0x3c6ef372) >>> 0)
  const map = m.memMap
  const base = m.basePfn
  let placed = 0
  for (let j = 0; j < blocks.length; j++) {
    const k = Math.floor(((j + 1) * pages) / blocks.length) - Math.floor((j * pages) / blocks.length)
    const i = blocks[j]!
    const st = pbStart(i)
    let n = 0
    for (let tries = 0; n < k && tries < 8 * pbPages; tries++) {
      const p = st + r.int(pbPages)
      // an undecided page whose buddy is undecided too (a free buddy would have merged)
      if (map[p - base] !== UNDECIDED || map[(p ^ 1) - base] !== UNDECIDED) continue
      placeFree(m, allocator, zone, p, 0, movable)
      n++
    }
    placed += n
    // its used pages stay movable (fillUsed), and the packed free memory is not drawn into it
    if (n > 0) touched[i] = 6
  }
  return { pages: placed, blocks: blocks.length }
}

/** after a full compaction, the used top starts above the pageblocks the packed free blocks need by the buddy tree's room (packedFreePageblocks); off: their pages over 2^pageblock_order (for the test that holds it) */
let packedRoomRule = true
export function setPackedRoomRule(on: boolean): void { packedRoomRule = on }

/**
 * The fewest pageblocks that hold `counts[o]` free blocks of each order o below pageblock order
 * `pbo` with no two of them buddies (two free buddies would have merged, __free_one_page): in a
 * pageblock's buddy tree a free block of order o takes one child of a node of order o + 1 that is
 * neither free nor inside a free block, and leaves its buddy for smaller free blocks and used
 * pages. From the top: B pageblocks offer B nodes of order pbo − 1 as parents; at order o the
 * parents P_o take at most one free block each, and P_{o−1} = 2·P_o − counts[o]. So
 * B·2^(pbo−1−o) − c_o ≥ counts[o] at every order, c_{pbo−1} = 0, c_{o−1} = 2·c_o + counts[o].
 * A capture whose free memory is mostly small blocks needs many more pageblocks than its pages
 * fill: host-24G-k618-s/02 (zone Normal 90801 62055 42905 27562 11426 2090 123 25 12 below order
 * 9) needs 1879, its pages fill 1701. The packed fill (step 6) places them greedily, each
 * pageblock to its room at each order, the highest order first, so it takes about this many.
 */
export function packedFreePageblocks(counts: ArrayLike<number>, pbo: number): number {
  let b = 0, c = 0
  for (let o = pbo - 1; o >= 0; o--) {
    const n = counts[o] ?? 0
    b = Math.max(b, Math.ceil((n + c) / 2 ** (pbo - 1 - o)))
    c = 2 * c + n
  }
  return b
}

/** after a full compaction, no Movable pageblock of used pages only below the packed boundary (synthesizeZone); off: the weighted fill's blur kept (for the test that holds it) */
let sharpPackedBoundary = true
export function setSharpPackedBoundary(on: boolean): void { sharpPackedBoundary = on }

/** after a full compaction, LRU pages allocated since beside those per-cpu pages (vacatedLruShare); off: none (for the test that holds it) */
let vacatedLru = true
export function setVacatedLru(on: boolean): void { vacatedLru = on }

/** after a full compaction, per-cpu pages in the pageblocks it vacated last (pcpInVacatedBlocks); off: every one over the used pages (for the test that holds it) */
let vacatedPcpPages = true
export function setVacatedPcpPages(on: boolean): void { vacatedPcpPages = on }

/** after a full compaction, a share of the per-cpu pages in the Movable pageblocks and of the pages decay gave back in the used top (pcpUsedTopShare), the rest in the Unmovable pageblocks; off: over both at random, every given-back page in the used top (for the test that holds it) */
let pcpUsedTopRule = true
export function setPcpUsedTopRule(on: boolean): void { pcpUsedTopRule = on }

/**
 * Measured (percent): the per-cpu pages in the Movable pageblocks of the used top, above where a
 * full compaction's scanners met, as a share of zoneinfo's per-cpu count, in the kpageflags of
 * the 49 captures in fixtures/ that follow a full compaction run to its end (host-24G-k618-d/02 and /04 left out: theirs ended early, section (s) of docs/fidelity.md)
 * (scripts/measure-pcp-top.ts: flagless pages with kpagecount 0 in the Movable pageblocks above
 * the meeting point, in the zone that holds the lists' pages), in the order that script lists them.
 */
const PCP_USED_TOP_PERCENT = [64, 1, 12, 22, 7, 2, 1, 1, 2, 9, 0, 0, 8, 61, 0, 3, 4, 2, 11, 0, 8, 3, 14, 1, 3, 0, 17, 17, 0, 4, 27, 0, 1, 1, 0, 34, 7, 27, 1, 21, 2, 15, 1, 1, 0, 8, 1, 0, 6]

/**
 * After a full compaction, the share of the zone's per-cpu pages that sit in the Movable
 * pageblocks of the used top (the pageblocks its free scanner filled), and so the share of the
 * pages a list's decay gave back that land there (spreadDecayedPcpPages). The list of the CPU
 * that ran the compaction holds the pages it vacated last (vacatedPcpShare); a list refilled since
 * takes its pages from the smallest free blocks (rmqueue_bulk → __rmqueue_smallest), which after
 * a full compaction lie in the vacated part, and the Unmovable lists' pages lie in Unmovable
 * pageblocks. Only a list that kept its pages from before the compaction, where it stood
 * untouched, holds them in the used top. In the kpageflags of the captures after a full
 * compaction that share is 0–4 % in 29 of 49, and 11–64 % in 13: x86-2G-s23-k612-cpu1, whose
 * CPU 0 ran the workload and not the compaction, 21 %; host-24G-k618-u/02 3 % (its CPU 1 list's
 * 15791 pages in the Unmovable pageblocks and the vacated part). The synthesized layouts put the
 * pages no vacated pageblock took over the used pages of both types, most in the used top
 * (host-24G-k618-u/02, seeds 1 and 2: 28914 and 17519 of 39691 in the pageblocks its second
 * compaction's free scanner visited, the exact layout 1460). Drawn per seed from its own stream:
 * one of the measured shares.
 */
export function pcpUsedTopShare(seed: number, zoneKey: number): number {
  const r = new Rng((Math.imul(seed, 0x3b9f5a27) ^ Math.imul(zoneKey + 1, 0x5f356495) ^ 0x6a09e667) >>> 0)
  return PCP_USED_TOP_PERCENT[r.int(PCP_USED_TOP_PERCENT.length)]! / 100
}

/**
 * After a full compaction, the share of the zone's per-cpu pages (zoneinfo's count) that sit in
 * the Movable pageblocks the compaction vacated, beside their free pages. The migrate scanner
 * isolates a pageblock's LRU pages and migrate_pages frees each source page once its copy is made
 * (free_unref_page → free_unref_page_commit, on the list of the CPU running the compaction);
 * free_pcppages_bulk returns the oldest to the buddy allocator once the list reaches its high, so
 * the list keeps the pages of the pageblocks vacated last, just below where the scanners met,
 * and those pageblocks cannot merge until the list is drained or decays. Not in the counts. The
 * kpageflags of the 24 harness captures that follow a full compaction in fixtures/ (flagless pages
 * with kpagecount 0 in the Movable pageblocks holding free and used pages below the topmost used
 * ones, against zoneinfo's per-cpu count; scripts/measure-packed.ts): 39–77 % in 20 (x86-1G-s12-nopin-cm 5909 of 9138, most in 27
 * pageblocks just below the meeting point at about 220 a pageblock; x86-2G-s23-k612-cpu0 3149 of
 * 7446, 3118 of them in 16 such pageblocks), 36 % in x86-1G-s22-cpu1, 12 % in x86-1G-s22-cpu0,
 * 1 % in x86-1G-s12-wl0-ctrace-cpu0 and -sleep-cpu0 (lists drained before the capture). Drawn per
 * seed from its own stream, uniform over 0–80 %.
 */
export function vacatedPcpShare(seed: number, zoneKey: number): number {
  const r = new Rng((Math.imul(seed, 0x7feb352d) ^ Math.imul(zoneKey + 1, 0x846ca68b) ^ 0x3c6ef372) >>> 0)
  return 0.8 * r.next()
}

/**
 * After a full compaction, the share of the used pages in the pageblocks it vacated last (those
 * holding its CPU's per-cpu pages, vacatedPcpShare) that are LRU pages allocated since: an
 * allocation on that CPU takes the newest page of its list (rmqueue_pcplist), one of those
 * pageblocks' pages. Unlike the pages the compaction could not move, a second compaction migrates
 * them. Not in the counts. kpageflags (x86 and arm64 captures that follow a full compaction, the
 * pageblocks holding half or more free pages below where the scanners met): LRU pages are 8–26 %
 * of those pageblocks' used pages where the list was still full (x86-2G-s23-k612-cpu0 264 of
 * 3382, x86-1G-s15-k612-nopin 739 of 6917, x86-2G-s16-k612 565 of 6038, x86-512M-s11 428 of 1761,
 * arm64-1G-s6-cma-compact-cpu1 423 of 2165, x86-1G-s12-nopin-cm 1676 of 6552 one quarter free),
 * and the next capture shows 14–66 % of them migrated by the second compaction. Drawn per seed
 * from its own stream, uniform over 0–30 %.
 */
export function vacatedLruShare(seed: number, zoneKey: number): number {
  const r = new Rng((Math.imul(seed, 0x2c1b3c6d) ^ Math.imul(zoneKey + 1, 0x297a2d39) ^ 0x1b873593) >>> 0)
  return 0.3 * r.next()
}

/**
 * Put up to `n` per-cpu pages on the used pages of the Movable pageblocks a full compaction left
 * holding free and used pages (`kept`, in PFN order), the highest first (the pageblocks vacated
 * last: see vacatedPcpShare), every used page of a pageblock before the next one down; a share of
 * those used pages (vacatedLruShare) are LRU pages allocated from that list since, anonymous in the
 * zone's proportion `pAnon`. Returns how many per-cpu pages were placed.
 */
function pcpInVacatedBlocks(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, seed: number, firstPb: number, kept: number[], n: number, pAnon: number): number {
  const map = m.memMap
  const base = m.basePfn
  const pbPages = m.pageblockNrPages
  const zoneKey = zone.idx + 16 * zone.node
  const lru = vacatedLruShare(seed, zoneKey)
  const r = new Rng((Math.imul(seed, 0x6a09e667) ^ Math.imul(zoneKey + 1, 0x3c6ef372) ^ 0x510e527f) >>> 0)
  let placed = 0
  for (let j = kept.length - 1; j >= 0 && placed < n; j--) {
    const i = kept[j]!
    const start = Math.max((firstPb + i) * pbPages, zone.startPfn) - base
    const end = Math.min((firstPb + i + 1) * pbPages, zone.endPfn) - base
    for (let p = start; p < end && placed < n; p++) {
      if (map[p] !== PageKind.PINNED) continue
      if (vacatedLru && r.next() < lru) { map[p] = r.next() < pAnon ? PageKind.ANON : PageKind.FILE; continue }
      map[p] = PageKind.PCP
      placed++
    }
  }
  return placed
}

/** after a full compaction, a zone initialised on demand keeps its untouched memory in runs over its initialised part (untouchedKeys in synthesizeZone); off: one run, as any zone (for the test that holds it) */
let lazyUntouchedRule = true
export function setLazyUntouchedRule(on: boolean): void { lazyUntouchedRule = on }

/** a zone initialised on demand puts no run of kernel pageblocks below its initialised top (off: as any zone, for the test that holds it) */
let lazyKernelBlocksRule = true
export function setLazyKernelBlocksRule(on: boolean): void { lazyKernelBlocksRule = on }

/** a zone initialised on demand spreads its wholly free and non-Movable pageblocks (off: as any zone, for the test that holds it) */
let lazyZoneRule = true
export function setLazyZoneRule(on: boolean): void { lazyZoneRule = on }

/**
 * Where the wholly free pageblocks of a zone the kernel initialises on demand (deferred_init=lazy:
 * present − managed pages not yet initialised at its top) lie. Its memory came to the buddy
 * allocator section by section as allocations needed it, so no run of memory untouched since
 * boot sits at its top (wholeFreeDensity): in the kpageflags of this machine's 6.18 captures
 * (fixtures/host-24G-k618-a…h, zone Normal, nine captures before a compaction) its wholly free
 * pageblocks lie over the whole initialised part, leaning to its top: 12–30 % of them in its
 * lowest quarter, 32–59 % in its highest (a 18/32, b 22/32, c 12/58, d 15/59, e 20/40, f 13/48,
 * g 29/38, h 30/35), where the run drawn over the zone's span put none in the lower half of the
 * initialised part and the used memory all below it. Weights exp(g·x) over the initialised part
 * (x from 0 to 1; 0 above it), g drawn per seed from its own stream over 0.5–3.2, whose highest
 * quarter takes 29–57 % of the weight.
 */
export function lazyWholeFreeDensity(seed: number, zoneKey: number, nPb: number, nInitPb: number): Float64Array {
  const r = new Rng((Math.imul(seed, 0x2c1b3c6d) ^ Math.imul(zoneKey + 1, 0x297a2d39) ^ 0x5bd1e995) >>> 0)
  const g = 0.5 + 2.7 * r.next()
  const w = new Float64Array(nPb).fill(Number.MIN_VALUE)
  for (let i = 0; i < nInitPb; i++) w[i] = Math.exp(g * ((i + 0.5) / nInitPb - 1))
  return w
}

/**
 * The order in which the pageblocks of a zone initialised on demand take its wholly free blocks
 * (keys, lowest first): runs. Its memory came to the buddy allocator section by section
 * (deferred_grow_zone), and what no allocation has touched since lies in runs of all lengths: in
 * the kpageflags of this machine's 6.18 captures (zone Normal) the wholly free pageblocks' runs
 * have a median length of 2–4, yet most of those pageblocks lie in long runs (of all of them,
 * 5–40 % in runs of 2–3, 19–56 % in runs of 4–15, 6–49 % in runs of 16–63, 0–63 % in runs of 64
 * or more; a, b, f, g, h 58–74 % in runs of 16 or more), where drawn block by block from the
 * weights they lay in runs of 1–15 (g: 4481 in 936 runs, none of 64 or more). A pageblock the
 * free scanner enters that is the upper half of an order-10 free block is not PageBuddy at its
 * first page, so suitable_migration_target lets it in, and isolate_freepages scans it at the
 * stride the last pageblock left: after a pageblock that gave targets, all of it; in a run the
 * stride doubles from one to the next. Drawn one by one, they cost the free scanner 225 pages each
 * on host-24G-k618-g (71 on the exact layout). Run lengths are drawn with as much of the run mass
 * in every doubling of length, 1 to 256 pageblocks (P(L ≥ l) = (1/l − 1/256)/(1 − 1/256): median 2,
 * the mass 1/8 in runs of 1, 1/8 in 2–3, 1/4 in 4–15, 1/4 in 16–63, 1/4 in 64–256), each around
 * a point drawn from the weights (lazyWholeFreeDensity), until they cover the wholly free
 * pageblocks; the pageblocks of the k-th run get keys k…k+0.5 (inner first), the others follow
 * by the same weights.
 */
export function lazyWholeFreeKeys(seed: number, zoneKey: number, W: Float64Array, nInitPb: number, nWhole: number): Float64Array {
  const r = new Rng((Math.imul(seed, 0x5851f42d) ^ Math.imul(zoneKey + 1, 0x4c957f2d) ^ 0x14057b7e) >>> 0)
  const keys = new Float64Array(W.length).fill(Infinity)
  const cum = new Float64Array(nInitPb + 1)
  for (let i = 0; i < nInitPb; i++) cum[i + 1] = cum[i]! + W[i]!
  let covered = 0, k = 0
  while (covered < nWhole && k < 100000 && nInitPb > 0) {
    const len = Math.max(1, Math.min(256, Math.floor(1 / (1 - r.next() * (1 - 1 / 256)))))
    // the anchor: a quantile of the weights
    const u = r.next() * cum[nInitPb]!
    let lo = 0, hi = nInitPb
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (cum[mid]! <= u) lo = mid; else hi = mid }
    const from = Math.max(0, Math.min(nInitPb - len, lo - (len >> 1)))
    for (let i = from; i < from + len; i++) {
      if (keys[i] !== Infinity) continue
      keys[i] = k + 0.5 * Math.abs(i + 0.5 - (from + len / 2)) / len
      covered++
    }
    k++
  }
  // the rest (where runs overlapped) by the same weights: a pageblock of weight w draws its key over (1 − w/wmax, 1)
  const wmax = nInitPb > 0 ? W[nInitPb - 1]! : 1
  for (let i = 0; i < W.length; i++) if (keys[i] === Infinity) keys[i] = (i < nInitPb ? k + 1 : k + 3) + 1 - (W[i]! / wmax) * r.next()
  return keys
}

/** the emptied bottom of a zone after full compactions earlier in the boot (emptiedBottomDraw); off: not drawn (for the test that holds it) */
let emptiedBottomRule = true
export function setEmptiedBottomRule(on: boolean): void { emptiedBottomRule = on }

/** the fewest pages a full compaction's migrate scanner counts per PFN of a zone it crosses (docs/fidelity.md synthesized (t): 0.85–1.31 on this machine's traced passes) */
const MIGRATE_SCANNED_PER_PFN_MIN = 0.85

/**
 * How far above the zone's start (PFNs) full compactions earlier in the boot can have reached,
 * from the capture's vmstat: 0 when it counts none, or counts direct or kcompactd compaction. A
 * write to compact_memory (or a node's compact file) runs compact_zone on every zone with
 * cc->order −1 and moves compact_migrate_scanned, compact_free_scanned, compact_isolated and
 * pgmigrate_*, never compact_stall (direct compaction, __alloc_pages_direct_compact) nor
 * compact_daemon_* (kcompactd): compact_migrate_scanned > 0 with those 0 says such writes ran in this
 * boot. Its migrate scanner (isolate_migratepages, from zone_start_pfn up) counts at least
 * MIGRATE_SCANNED_PER_PFN_MIN pages a PFN it crosses, and the lower zones of the node first: one that is at
 * least 90 % free is crossed whole (nothing to migrate, the free scanner never comes down), so
 * the counter, less those, bounds the reach of the furthest pass. How many passes ran and where
 * the last met is in no count.
 */
export function earlierCompactionReach(c: Capture, shapes: ZoneShape[], s: ZoneShape): number {
  const v = c.vmstat
  if (!v) return 0
  const scanned = v['compact_migrate_scanned'] ?? 0
  if (scanned <= 0 || (v['compact_stall'] ?? 0) > 0 || (v['compact_daemon_migrate_scanned'] ?? 0) > 0 || (v['compact_daemon_free_scanned'] ?? 0) > 0) return 0
  let lower = 0
  for (const z of shapes) if (z.node === s.node && z.startPfn < s.startPfn && z.managed > 0 && (z.nrFreePages ?? 0) >= 0.9 * z.managed) lower += z.spanned
  return Math.max(0, (scanned - lower) / MIGRATE_SCANNED_PER_PFN_MIN)
}

/**
 * Where full compactions earlier in the boot left a zone (earlierCompactionReach > 0): each one's
 * migrate scanner emptied the pageblocks below its meeting point of LRU pages (compact_zone,
 * isolate_migratepages) and freed them in ascending PFN order, and __free_one_page put each
 * order-10 block it made at the head of its free list (buddy_merge_likely returns false from
 * MAX_PAGE_ORDER − 1 up), so the blocks emptied last, nearest the meeting point, head it;
 * allocations since split the head block when the lower orders run dry (__rmqueue_smallest) and
 * refilled the zone from the last meeting point down. How far down, and where that point was, is in no
 * count (docs/fidelity.md synthesized (t)): the kpageflags of this machine's captures hold few LRU
 * pages in the lowest 25–45 % of zone Normal's initialised part 8 min to 2 h after the last
 * (host-24G-k618-m, -o), and -k, 40 min after a meet at 0x10c000, 9 of the 96 pageblocks below it
 * wholly free. So each seed draws it, from its own
 * stream: with one chance in two none is left (as before any compaction), else a share uniform
 * over 0–1 of the reach the count allows (`maxPb` pageblocks, the zone's initialised part at most), whose
 * pageblocks, lowest first, take the zone's wholly free blocks before any other.
 */
export function emptiedBottomDraw(seed: number, zoneKey: number, maxPb: number): number {
  const r = new Rng((Math.imul(seed, 0x7a646e4d) ^ Math.imul(zoneKey + 1, 0x3c6ef372) ^ 0x1f83d9ab) >>> 0)
  const on = r.next() < 0.5
  const share = r.next()
  return on ? Math.floor(share * maxPb) : 0
}

/** non-Movable pageblocks kept in an emptied bottom (emptiedBottomKeepTypes); off: the wholly free blocks take the whole bottom (for the test that holds it) */
let emptiedKeepTypesRule = true
export function setEmptiedKeepTypesRule(on: boolean): void { emptiedKeepTypesRule = on }

/**
 * The non-Movable pageblocks of an emptied bottom (emptiedBottomDraw). A full compaction's
 * migrate scanner visits every pageblock (suitable_migration_source restricts the type only for an
 * async direct compaction), but the pages of Unmovable and Reclaimable pageblocks are kernel and slab pages it
 * cannot isolate (isolate_migratepages_block takes LRU and movable_ops pages only), and the free
 * scanner takes free pages only from Movable pageblocks (suitable_migration_target): the
 * pageblocks stay of their type where they were, with their kernel pages. Without this, the
 * emptied bottom's wholly free blocks took every pageblock below the drawn meeting point and put
 * all of the zone's non-Movable pageblocks above it; the kpageflags of host-24G-k618-o/01-before
 * keep 276 of its 332 below -n's meeting point. So the pageblocks the type assignment would make
 * non-Movable there (its keys previewed from their own stream: lazyTypeKeys in a zone initialised
 * on demand, else the clusters at the zone's ends, clusterShape) take their type before the
 * wholly free blocks are placed, which then go around them. Returns how many were kept.
 */
function emptiedBottomKeepTypes(
  mts: MigratetypeTable, pbType: Int8Array, touched: Uint8Array, remainingType: number[], emptiedPb: number,
  lazySpread: boolean, nInitPb: number, nEndsPb: number, shape: ClusterShape, seed: number, zoneKey: number,
): number {
  const nPb = touched.length
  let nCand = 0, nReserved = 0
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1) { if (touched[i] === 0) nCand++; else if (touched[i] === 1) nReserved++ }
  const cands = new Int32Array(nCand)
  nCand = 0
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1 && touched[i] === 0) cands[nCand++] = i
  // the non-Movable types left once the reserved pageblocks took theirs (Unmovable first), in a bag of their own stream
  const left = [...remainingType]
  let res = nReserved
  const take = (mt: number): void => { const t = Math.min(res, left[mt] ?? 0); left[mt] = (left[mt] ?? 0) - t; res -= t }
  take(mts.unmovable)
  for (let mt = 0; mt < mts.count && res > 0; mt++) if (mt !== mts.movable && mt !== mts.cma) take(mt)
  const bag: number[] = []
  for (let mt = 0; mt < mts.count; mt++) if (mt !== mts.movable && mt !== mts.cma) for (let k = 0; k < (left[mt] ?? 0); k++) bag.push(mt)
  if (bag.length === 0) return 0
  const r = new Rng((Math.imul(seed, 0x2545f491) ^ Math.imul(zoneKey + 1, 0x6c8e9cf5) ^ 0x3a8f05c5) >>> 0)
  r.shuffle(bag)
  const keys = new Float64Array(nCand)
  if (lazySpread) lazyTypeKeys(keys, cands, nInitPb, bag.length, seed, zoneKey)
  else for (let k = 0; k < nCand; k++) {
    const x = Math.min(1, (cands[k]! + 0.5) / nEndsPb)
    keys[k] = Math.min(x / (1 - shape.topShare), (1 - x) / shape.topShare) + shape.spread * r.next()
  }
  const byKey = sortedByKey(keys, false)
  let kept = 0
  for (let j = 0; j < Math.min(bag.length, byKey.length); j++) {
    const i = cands[byKey[j]!]!
    if (i >= emptiedPb) continue
    const mt = bag[j]!
    pbType[i] = mt
    remainingType[mt] = Math.max(0, (remainingType[mt] ?? 0) - 1)
    kept++
  }
  return kept
}

/** positions 0…n−1 of `ids` (nodes of `span` pageblocks) by the smallest key among their pageblocks (lazyWholeFreeKeys), lowest first */
function byNodeKey(ids: Int32Array, span: number, keys: Float64Array): Int32Array {
  const nk = new Float64Array(ids.length)
  for (let j = 0; j < ids.length; j++) {
    let v = Infinity
    for (let i = ids[j]!; i < ids[j]! + span && i < keys.length; i++) if (keys[i]! < v) v = keys[i]!
    nk[j] = v
  }
  return sortedByKey(nk, false)
}

/**
 * Keys (ascending: the first `nOther` get the non-Movable types) of the candidate pageblocks of a
 * zone initialised on demand. The kernel's own allocations came to each section as it was
 * initialised, so its non-Movable pageblocks do not cluster at the zone's ends (clusterShape): in
 * the kpageflags of this machine's 6.18 captures (zone Normal, as for lazyWholeFreeDensity)
 * 20–32 % of them lie in the lowest sixteenth of the initialised part (the part the boot
 * initialised and allocated from first; 8–14 % in its lowest 64th) and the rest over the whole
 * initialised part, 0–22 % in each sixteenth, where the clusters drawn at the zone's two ends put
 * 40–55 % in the lowest sixteenth and none in its upper half (the top end being memory not yet
 * initialised). A share L of them, drawn per seed over 15–27 % (with the uniform rest's sixteenth,
 * the measured 20–32 %), takes the lowest candidates of that sixteenth (nearest the bottom first,
 * mixed over half its width); the rest are drawn uniformly over the initialised part.
 */
function lazyTypeKeys(keys: Float64Array, others: Int32Array, nInitPb: number, nOther: number, seed: number, zoneKey: number): void {
  const r = new Rng((Math.imul(seed, 0x68e31da4) ^ Math.imul(zoneKey + 1, 0x1b56c4e9) ^ 0x7fb5d329) >>> 0)
  const share = 0.15 + 0.12 * r.next()
  const low = Math.max(1, Math.floor(nInitPb / 16))
  let nLow = Math.round(share * nOther)
  // the low group: by position in the lowest sixteenth, mixed over half its width
  const lowKeys: number[] = []
  for (let k = 0; k < others.length; k++) {
    const i = others[k]!
    if (i >= nInitPb) { keys[k] = 3 + r.next(); continue }
    keys[k] = 1 + r.next()
    if (i < low) lowKeys.push(k)
  }
  const lk = new Float64Array(lowKeys.length)
  for (let j = 0; j < lowKeys.length; j++) lk[j] = (others[lowKeys[j]!]! + 0.5) / low + 0.5 * r.next()
  const byLow = sortedByKey(lk, false)
  for (let j = 0; j < byLow.length && nLow > 0; j++, nLow--) keys[lowKeys[byLow[j]!]!] = lk[byLow[j]!]! / 2 - 1
}

/** a zone whose LRU counters are all 0 holds no LRU page (off: as any zone, for the test that holds it) */
let emptyLruZoneRule = true
export function setEmptyLruZoneRule(on: boolean): void { emptyLruZoneRule = on }

/** huge pages whole on a per-cpu list as whole Movable pageblocks (placeHugePcpBlocks); off: their pages placed one by one as the other per-cpu pages (for the test that holds it) */
let hugePcpRule = true
export function setHugePcpRule(on: boolean): void { hugePcpRule = on }

/**
 * The huge pages a hugetlb pool's shrink left on a per-cpu list. On 6.1 (and every release since
 * 5.13's high-order pcp lists) update_and_free_hugetlb_folio / update_and_free_page hands a
 * surplus 2 MiB page back with __free_pages at its order, and free_the_page sends it through
 * free_unref_page to the freeing CPU's pcp list whenever pcp_allowed_order() allows that order:
 * up to PAGE_ALLOC_COSTLY_ORDER, and pageblock_order with THP built in. There it stays a whole
 * pageblock of pages that are neither PageBuddy nor mapped (kpageflags: flagless, count 0) until
 * free_pcppages_bulk takes it at the list's high, or a drain or 6.1's free_high returns the whole
 * list. The counts say how many: nr_free_pages does not count per-cpu pages, so the shrink's
 * vmstat delta (steps.log) falls short of the pages it freed by the pages left on a list, and the
 * freeing CPU's zoneinfo count holds them (host/whatif/pinned.ts hugetlbPagesOnPcp). In
 * fixtures/x86-1G-s2-hugetlb-cpu0/04 the shrink of 70 pages raised nr_free_pages by 30208 of
 * 35840, CPU 1's count was 6430 and its kpageflags hold 11 pageblocks wholly flagless among the
 * pool's freed ones (5643 of the zone's 6852 per-cpu pages); x86-1G-s2-hugetlb/04 12 (6144 short,
 * CPU 0 6332). Placed page by page as the workload's last frees, those pages took the place of a
 * few used pages in every Movable pageblock holding free and used pages
 * (placeMovablePcpByPageblock), and the other CPU's list then kept every pageblock the compaction
 * vacated from merging (x86-1G-s2-hugetlb-cpu0: ≥ 2 MiB 31232–35328, real 55296). Their
 * pageblocks are those the pool's allocations took (alloc_pool_huge_page: GFP_HIGHUSER_MOVABLE,
 * hugepage_movable_supported), Movable ones of used pages here, drawn uniformly (their own stream:
 * which ones is not in the counts) among the untouched Movable pageblocks, as many as zoneinfo's
 * count holds. Touched 7; returns how many.
 */
function placeHugePcpBlocks(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, seed: number, nPb: number, pbStart: (i: number) => number, touched: Uint8Array, pbType: Int8Array, blocks: number, hold: number, notes: string[]): number {
  const want = Math.min(blocks, hold)
  if (want <= 0) return 0
  const pbPages = m.pageblockNrPages
  const cands: number[] = []
  for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === m.migratetypes.movable) cands.push(i)
  const r = new Rng((Math.imul(seed, 0x7feb352d) ^ Math.imul(zone.idx + 16 * zone.node + 1, 0x846ca68b) ^ 0x3c6ef372) >>> 0)
  let n = 0
  for (; n < want && cands.length > 0; n++) {
    const j = r.int(cands.length)
    const i = cands[j]!
    cands[j] = cands[cands.length - 1]!
    cands.pop()
    const a = pbStart(i) - m.basePfn
    m.memMap.fill(PageKind.PCP, a, a + pbPages)
    touched[i] = 7
  }
  if (n > 0) notes.push(`${zone.label}: ${n} Movable pageblocks wholly of per-cpu pages: huge pages a hugetlb pool's shrink left whole on a per-cpu list (free_unref_page at pageblock order; steps.log's nr_free_pages fell short of the pages freed by as many), drawn among the Movable pageblocks`)
  return n
}

/** the Movable per-cpu pages dealt by pageblock (placeMovablePcpByPageblock); off: over the used pages (for the test that holds it) */
let spreadMovablePcp = true
export function setSpreadMovablePcp(on: boolean): void { spreadMovablePcp = on }

/** per memMap byte: 1 a used page a per-cpu page may take the place of (placePcpPages, placeMovablePcpByPageblock), 0 not */
const PCP_SLOT: Uint8Array = (() => {
  const t = new Uint8Array(256)
  for (const k of [PageKind.ANON, PageKind.FILE, PageKind.SLAB, PageKind.PAGETABLE, PageKind.KERNEL]) t[k] = 1
  return t
})()

/**
 * The Movable per-cpu pages before a compaction: the workload's last frees, which
 * free_unref_page put on its CPU's Movable list. A task frees pages all over its memory, and
 * each Movable pageblock it freed pages in (one holding free and used pages) keeps about as many
 * of the last ones as any other, however many used pages it still has: in the kpageflags of the
 * unpinned x86 harness runs 94–100 % of those pageblocks hold a flagless unmapped page
 * (x86-1G-s12-wl0-cpu1: 343 of 348, x86-2G-s16-k612: 806 of 806, x86-4G-s14: 1250 of 1272), and
 * none of the pageblocks without a free page does. Drawn over the used pages instead (in
 * proportion to a pageblock's used pages), the pageblocks the synthesis makes mostly free held
 * none in 10–25 % of cases, and a compaction on a CPU other than the workload's then freed them
 * (x86-1G-s12-wl0-cpu1: 5–14 pageblocks the kernel kept, each held by a page on the workload
 * CPU's list). So each page goes to a pageblock drawn uniformly from those Movable pageblocks,
 * on a used page drawn in it. Returns how many pages found no room there. `blocks` are those
 * pageblocks (a Movable pageblock holding a free page and a used page PCP_SLOT marks) in PFN
 * order, `room` their pages PCP_SLOT marks: fillUsed counts both as fillRuns writes them (no step
 * before it writes those kinds, and none between it and this one writes in a Movable pageblock).
 */
function placeMovablePcpByPageblock(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, rng: Rng, firstPb: number, blocks: number[], room: number[], n: number): number {
  const map = m.memMap
  const base = m.basePfn
  const pbPages = m.pageblockNrPages
  while (n > 0 && blocks.length > 0) {
    const j = rng.int(blocks.length)
    const i = blocks[j]!
    const start = Math.max((firstPb + i) * pbPages, zone.startPfn) - base
    const len = Math.min((firstPb + i + 1) * pbPages, zone.endPfn) - base - start
    let p = start + rng.int(len)
    while (PCP_SLOT[map[p]!] !== 1) p = start + rng.int(len)
    map[p] = PageKind.PCP
    n--
    if (--room[j]! === 0) {
      // the pageblock is full: the last one takes its place
      blocks[j] = blocks[blocks.length - 1]!; room[j] = room[room.length - 1]!
      blocks.pop(); room.pop()
    }
  }
  return n
}

/**
 * The share of a zone's per-cpu pages (zoneinfo's count) that sit in non-Movable pageblocks: the
 * pcp lists are per migratetype, the Unmovable and Reclaimable ones filled by the kernel's own
 * frees (the capture's tools' slab, page tables, pipe buffers), the Movable one by the
 * workload's. Not in the counts. The kpageflags of fixtures/ bound it from below: the flagless
 * unmapped pages that can be Movable pcp pages (those in Movable pageblocks holding LRU pages, and
 * whole pageblocks of them, the pageblock-order pcp entries) are at most 5 % of zoneinfo's count
 * in x86-512M-s11-nopin, 38–64 % in x86-1G-s12-wl1-cpu1, -wl0-cpu0 and x86-2G-s13-fewpin, 74–90 %
 * in x86-1G-s12-nopin-cm, x86-1G-s22-cpu0, x86-1G-s15-k612 and x86-2G-s23-k612-cpu1: so at
 * least 95 %, 36–62 % and 10–26 % of them sit in non-Movable pageblocks, where drawing them over
 * all used pages put 19–29 % there (the Movable pageblocks holding the most used pages), and the
 * free scanner then met that many more non-free pages among the LRU pages it has to make room
 * for (isolate_freepages scans a pageblock whole for the free pages among them). Drawn per
 * seed, uniform over 10–100 %, from its own stream (before a full compaction; after one the pages
 * stay drawn over all used pages, see the sparse free pages of sparseFreeShape).
 */
export function pcpNonMovableShare(seed: number, zoneKey: number): number {
  const r = new Rng((Math.imul(seed, 0x4cf5ad43) ^ Math.imul(zoneKey + 1, 0x2545f491) ^ 0x68e31da4) >>> 0)
  return 0.1 + 0.9 * r.next()
}

/** THP pages (in units of THPs) that belong in this zone: the node's count shared by managed pages. */
function thpPagesOfZone(c: Capture, m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, s: ZoneShape): number {
  const nodeThp = s.stats['nr_anon_transparent_hugepages'] ?? c.nodeVmstat[zone.node]?.['nr_anon_transparent_hugepages'] ?? 0
  if (nodeThp <= 0 || c.machine.hpageOrder !== m.geometry.pageblockOrder) return 0
  // THPs are GFP_HIGHUSER_MOVABLE: they land in the node's highest zone first
  const highest = m.zones.filter((z) => z.node === zone.node).reduce((a, z) => (z.idx > a.idx ? z : a), zone)
  return highest === zone ? nodeThp : 0
}
