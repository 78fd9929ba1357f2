/**
 * alloc_contig_range() and alloc_contig_pages(), with the migration they need, following
 * mm/page_alloc.c and mm/migrate.c of kernel 6.1 (`alloc_contig_range`,
 * `__alloc_contig_migrate_range`, `isolate_migratepages_range` with `cc->alloc_contig`,
 * `migrate_pages` in MIGRATE_SYNC with `alloc_migration_target`, `isolate_or_dissolve_huge_page`,
 * `test_pages_isolated`, `isolate_freepages_range`, `alloc_contig_pages`,
 * `pfn_range_valid_contig`). (mm/page_alloc.c of 6.1).
 *
 * 6.1 rules kept:
 *  - isolate every pageblock of the range (page_isolation.ts), drain the zone's per-cpu lists,
 *    then migrate [start, end) in batches of COMPACT_CLUSTER_MAX; a batch that keeps failing is
 *    retried 5 times (-EBUSY); a missing migration target ends it at once (-ENOMEM);
 *  - isolation with alloc_contig: THP and other LRU compound pages move whole (a THP without a
 *    huge target is split and its base pages move one by one), hugetlb pages are replaced by a
 *    page of the same order allocated elsewhere (dissolved if free, migrated if in use; failure is
 *    -ENOMEM), unevictable pages are taken, pages under writeback are waited for (sync);
 *    anonymous pages with an extra reference (pins) are not isolated at all;
 *  - clean page cache in the batch is dropped instead of migrated when the reclaim model allows;
 *  - targets come from the normal allocator OUTSIDE the isolated blocks (their free pages are on
 *    the Isolate lists), movable GFP (GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL, highmem if
 *    the source is in ZONE_MOVABLE), respecting watermarks: low, then min, then reclaim; the
 *    model does not run compaction to make room for a THP or hugetlb target;
 *  - test_pages_isolated over [start, end): every page must be free on an Isolate list; then the
 *    range is taken off the free lists (the parts of straddling free blocks outside it go back)
 *    and isolation is undone, every pageblock getting the caller's migratetype.
 * Counters (/proc/vmstat names): pgmigrate_success, pgmigrate_fail (base pages), and for
 * alloc_contig_pages none of its own (cma_alloc_* are cma.ts's).
 */
import type { MemoryModel, Zone } from './mmzone.ts'
import type { PageAllocator } from './page_alloc.ts'
import { ALLOC_CMA, ALLOC_WMARK_LOW, ALLOC_WMARK_MIN, ALLOC_NOFRAGMENT } from './page_alloc.ts'
import { PageKind, isFreeHead, headOrder, FREE_HEAD, THP_HEAD, HUGETLB_HEAD, FOLIO_HEAD, compoundHead } from './page.ts'
import { COMPACT_CLUSTER_MAX } from './compaction.ts'
import {
  startIsolatePageRange, undoIsolatePageRange, testPagesIsolated, unmovablePagesIn, IsolatedRange,
  type Blocker, type BlockerKind, type IsolationUser,
} from './page_isolation.ts'
import { getPageFromFreelist, zonelistFor, ZONE_IDX_MOVABLE, ZONE_IDX_NORMAL, SWAP_CLUSTER_MAX, type ReclaimModel } from './slowpath.ts'

/** blockers listed per window; the rest are counted */
export const DEFAULT_BLOCKER_CAP = 64

export type ContigResult = 'success' | 'isolation-failed' | 'busy' | 'no-migration-target' | 'invalid-range'

export const CONTIG_RESULT_TEXT: Record<ContigResult, string> = {
  success: 'allocated',
  'isolation-failed': 'isolation refused (has_unmovable_pages): -EBUSY',
  busy: 'pages still in use after migration (test_pages_isolated): -EBUSY',
  'no-migration-target': 'no free memory outside the range for migration targets: -ENOMEM',
  'invalid-range': 'range not usable (pfn_range_valid_contig): reserved, hugetlb or missing pages, or crosses a zone',
}

export interface ContigWindow {
  startPfn: number
  /** exclusive */
  endPfn: number
  result: ContigResult
  /** up to the cap */
  blockers: Blocker[]
  /** blocking pages in all */
  blockersTotal: number
  blockerCounts: Partial<Record<BlockerKind, number>>
  /** base pages migrated out of the range for this window */
  migrated: number
  /** clean page-cache pages dropped instead of migrated */
  reclaimed: number
}

export interface ContigOptions {
  user: IsolationUser
  /** migratetype every isolated block gets back (MIGRATE_CMA for cma_alloc, Movable otherwise) */
  restoreMt: number
  reclaim: ReclaimModel
  /** page byte the allocated range gets: PageKind.KERNEL for a driver buffer, HUGETLB_HEAD for a gigantic page */
  kind: number
  /** order of the compound page(s) written when kind is a compound head (capped at 15 per head) */
  compoundOrder?: number
  blockerCap?: number
}

/** Per-kind counts of every blocker in [start, end) (not capped), by the same scan as testPagesIsolated. */
function kindsIn(m: MemoryModel, start: number, end: number): Partial<Record<BlockerKind, number>> {
  return tally(testPagesIsolated(m, start, end, Number.MAX_SAFE_INTEGER).blockers)
}

function tally(bs: Blocker[]): Partial<Record<BlockerKind, number>> {
  const out: Partial<Record<BlockerKind, number>> = {}
  for (const b of bs) out[b.kind] = (out[b.kind] ?? 0) + 1
  return out
}

/**
 * alloc_migration_target(): a page of `order` for a page moving out of a contig range, from the
 * normal allocator (movable, ALLOC_CMA): low watermark, then min; order 0 may reclaim a batch.
 */
export function allocMigrationTarget(alloc: PageAllocator, srcZone: Zone, order: number, kind: number, reclaim: ReclaimModel, highestZoneIdx?: number): number {
  const m = alloc.model
  const idx = highestZoneIdx ?? (srcZone.name === 'Movable' || srcZone.name === 'HighMem' || kind >= 0x40 ? ZONE_IDX_MOVABLE : ZONE_IDX_NORMAL)
  const zones = zonelistFor(m, srcZone.node, idx, false)
  const mt = m.migratetypes.movable
  for (const flags of [ALLOC_CMA | ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT, ALLOC_CMA | ALLOC_WMARK_MIN]) {
    const got = getPageFromFreelist(alloc, zones, order, mt, idx, flags, kind)
    if (got) return got.pfn
  }
  if (order === 0) {
    let freed = 0
    for (const z of zones) {
      freed += reclaim.reclaimZone(alloc, z, SWAP_CLUSTER_MAX - freed)
      if (freed >= SWAP_CLUSTER_MAX) break
    }
    if (freed) {
      const got = getPageFromFreelist(alloc, zones, order, mt, idx, ALLOC_CMA | ALLOC_WMARK_MIN, kind)
      if (got) return got.pfn
    }
  }
  return -1
}

/** Mark [pfn, pfn + 2^order) with a page byte; compound kinds get a head per ≤ 2^15 pages. */
export function markPages(m: MemoryModel, pfn: number, pages: number, kind: number, compoundOrder = 0): void {
  const i = pfn - m.basePfn
  if (kind < 0x40) {
    m.memMap.fill(kind, i, i + pages)
    return
  }
  m.memMap.fill(PageKind.COMPOUND_TAIL, i, i + pages)
  const chunk = 2 ** Math.min(15, compoundOrder)
  for (let k = 0; k < pages; k += chunk) m.memMap[i + k] = compoundHead(kind, Math.min(15, compoundOrder))
}

interface MigrateOutcome {
  ret: 'ok' | 'ebusy' | 'enomem'
  migrated: number
  reclaimed: number
  failed: number
}

/**
 * __alloc_contig_migrate_range() (6.1): isolate movable pages of [start, end) a batch at a time
 * and migrate them to targets outside the range.
 */
export function allocContigMigrateRange(alloc: PageAllocator, zone: Zone, start: number, end: number, reclaim: ReclaimModel): MigrateOutcome {
  const m = alloc.model
  const map = m.memMap
  const base = m.basePfn
  let pfn = start
  let tries = 0
  const list: number[] = []
  const out: MigrateOutcome = { ret: 'ok', migrated: 0, reclaimed: 0, failed: 0 }
  while (pfn < end || list.length) {
    if (list.length === 0) {
      // isolate_migratepages_range() with alloc_contig, up to COMPACT_CLUSTER_MAX pages
      let taken = 0
      for (; pfn < end && taken < COMPACT_CLUSTER_MAX; pfn++) {
        const b = map[pfn - base]!
        if (b & FREE_HEAD) {
          pfn += 2 ** headOrder(b) - 1
          continue
        }
        if (b >= 0x40) {
          const kind = b & 0xf0
          if (kind === HUGETLB_HEAD) {
            // isolate_or_dissolve_huge_page(): a replacement of the same order elsewhere, or -ENOMEM
            const order = headOrder(b)
            if (order > m.maxOrder) {
              pfn += 2 ** order - 1
              continue // a gigantic page cannot be dissolved or migrated here: test_pages_isolated reports it
            }
            const dst = allocMigrationTarget(alloc, zone, order, compoundHead(HUGETLB_HEAD, order), reclaim, ZONE_IDX_MOVABLE)
            if (dst < 0) {
              out.ret = 'enomem'
              return out
            }
            alloc.freePages(pfn, order)
            out.migrated += 2 ** order
            alloc.events.count('pgmigrate_success', 2 ** order)
            pfn += 2 ** order - 1
            continue
          }
          list.push(pfn)
          taken++
          pfn += 2 ** headOrder(b) - 1
          continue
        }
        if (b === PageKind.ANON || b === PageKind.FILE || b === PageKind.UNEVICTABLE || b === PageKind.WRITEBACK || b === PageKind.MOVABLE_OPS) {
          list.push(pfn)
          taken++
        }
        // PINNED: refcount > mapcount, not isolated; others are not movable
      }
      tries = 0
    } else if (++tries === 5) {
      out.ret = 'ebusy'
      out.failed += list.length
      alloc.events.count('pgmigrate_fail', list.length)
      return out
    }
    // reclaim_clean_pages_from_list(): page cache the reclaim model may drop needs no target
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i]!
      if (map[p - base] === PageKind.FILE && reclaim.remaining(zone) > 0 && reclaim.dropPage(alloc, zone, p)) {
        list.splice(i, 1)
        out.reclaimed++
      }
    }
    // migrate_pages(MIGRATE_SYNC, alloc_migration_target); in the model a page fails only for
    // want of a target, which ends the whole range at once (-ENOMEM)
    for (let i = 0; i < list.length; i++) {
      const src = list[i]!
      const b = map[src - base]!
      if (b >= 0x40 && !(b & FREE_HEAD)) {
        const order = headOrder(b)
        const dst = allocMigrationTarget(alloc, zone, order, b, reclaim)
        if (dst >= 0) {
          alloc.freePages(src, order)
          out.migrated += 2 ** order
          alloc.events.count('pgmigrate_success', 2 ** order)
          continue
        }
        if ((b & 0xf0) === THP_HEAD || (b & 0xf0) === FOLIO_HEAD) {
          // try_split_thp(): the base pages go on the list and migrate one by one
          const small = (b & 0xf0) === THP_HEAD ? PageKind.ANON : PageKind.FILE
          map.fill(small, src - base, src - base + 2 ** order)
          for (let q = src; q < src + 2 ** order; q++) list.push(q)
          alloc.events.count('thp_split_page')
          continue
        }
        out.ret = 'enomem'
        return out
      }
      const dst = allocMigrationTarget(alloc, zone, 0, b, reclaim)
      if (dst < 0) {
        out.ret = 'enomem'
        return out
      }
      alloc.freePages(src, 0)
      out.migrated++
      alloc.events.count('pgmigrate_success')
    }
    list.length = 0
  }
  return out
}

/**
 * alloc_contig_range(start, end, migratetype) (6.1). On success the range is allocated and
 * marked `opts.kind`; on failure nothing changed except what migration moved and, as in 6.1, the
 * migratetype of the isolated pageblocks (restored to `opts.restoreMt`).
 */
export function allocContigRange(alloc: PageAllocator, start: number, end: number, opts: ContigOptions): ContigWindow {
  const m = alloc.model
  const cap = opts.blockerCap ?? DEFAULT_BLOCKER_CAP
  const win = (result: ContigResult, blockers: Blocker[], total: number, counts: Partial<Record<BlockerKind, number>>, migrated = 0, reclaimed = 0): ContigWindow => ({
    startPfn: start, endPfn: end, result, blockers, blockersTotal: total, blockerCounts: counts, migrated, reclaimed,
  })
  const zone = m.zoneOf(start)
  if (!zone || !zone.spans(end - 1) || m.zoneOf(end - 1) !== zone) return win('invalid-range', [{ pfn: zone ? zone.endPfn : start, kind: 'hole' }], 1, { hole: 1 })
  const iso = startIsolatePageRange(alloc, start, end, opts.restoreMt, opts.user)
  if (!(iso instanceof IsolatedRange)) {
    const pb = m.pageblockNrPages
    const all = unmovablePagesIn(m, start - (start % pb), Math.ceil(end / pb) * pb, opts.user, Number.MAX_SAFE_INTEGER)
    const listed = all.blockers.length ? all.blockers : [{ pfn: iso.pfn, kind: iso.kind }]
    return win('isolation-failed', listed.slice(0, cap), Math.max(1, all.total), tally(listed))
  }
  alloc.drainPages(zone)
  const mig = allocContigMigrateRange(alloc, zone, start, end, opts.reclaim)
  if (mig.ret === 'enomem') {
    const t = testPagesIsolated(m, start, end, cap)
    const counts = kindsIn(m, start, end)
    undoIsolatePageRange(alloc, iso)
    return win('no-migration-target', t.blockers, t.total, counts, mig.migrated, mig.reclaimed)
  }
  const t = testPagesIsolated(m, start, end, cap)
  if (t.total > 0) {
    const counts = kindsIn(m, start, end)
    undoIsolatePageRange(alloc, iso)
    return win('busy', t.blockers, t.total, counts, mig.migrated, mig.reclaimed)
  }
  takeIsolatedRange(alloc, zone, start, end)
  markPages(m, start, end - start, opts.kind, opts.compoundOrder ?? 0)
  undoIsolatePageRange(alloc, iso)
  return win('success', [], 0, {}, mig.migrated, mig.reclaimed)
}

/**
 * isolate_freepages_range() + freeing the head and tail: take every free block overlapping
 * [start, end) off its (Isolate) list; the parts outside the range go back as aligned blocks.
 */
function takeIsolatedRange(alloc: PageAllocator, zone: Zone, start: number, end: number): void {
  const m = alloc.model
  for (let p = start; p < end;) {
    const fb = m.findFreeBlock(p)
    if (!fb) throw new Error(`alloc_contig_range: pfn ${p} is not free after test_pages_isolated`)
    alloc.delFromFreeList(zone, fb.pfn, fb.order, fb.mt)
    const fbEnd = fb.pfn + 2 ** fb.order
    m.memMap.fill(PageKind.BUDDY_TAIL, fb.pfn - m.basePfn, fbEnd - m.basePfn)
    for (const [lo, hi] of [[fb.pfn, Math.max(fb.pfn, start)], [Math.min(fbEnd, end), fbEnd]] as const) {
      let q = lo
      while (q < hi) {
        let o = 0
        while (o < m.maxOrder && q % 2 ** (o + 1) === 0 && q + 2 ** (o + 1) <= hi) o++
        alloc.addToFreeList(zone, q, o, m.getPageblockMigratetype(q))
        q += 2 ** o
      }
    }
    p = fbEnd
  }
}

/**
 * pfn_range_valid_contig() (6.1): every page present, in the zone, not PG_reserved, not hugetlb.
 * Returns the offending pages (capped) with their total; empty = valid.
 */
export function pfnRangeValidContig(m: MemoryModel, zone: Zone, start: number, nr: number, cap: number): { blockers: Blocker[]; total: number; counts: Partial<Record<BlockerKind, number>> } {
  const out: Blocker[] = []
  let total = 0
  const counts: Partial<Record<BlockerKind, number>> = {}
  const add = (pfn: number, kind: BlockerKind): void => {
    total++
    counts[kind] = (counts[kind] ?? 0) + 1
    if (out.length < cap) out.push({ pfn, kind })
  }
  // a hugetlb page may start before the window
  let inHuge = false
  for (let p = start - 1; p >= m.basePfn && start - p <= 2 ** 15; p--) {
    const b = m.memMap[p - m.basePfn]!
    if (b === PageKind.COMPOUND_TAIL) continue
    inHuge = (b & 0xf0) === HUGETLB_HEAD && p + 2 ** headOrder(b) > start
    break
  }
  for (let p = start; p < start + nr; p++) {
    if (p < m.basePfn || p >= m.endPfn || m.zoneOf(p) !== zone) {
      add(p, 'hole')
      continue
    }
    const b = m.memMap[p - m.basePfn]!
    if (b >= 0x40 && !(b & FREE_HEAD)) inHuge = (b & 0xf0) === HUGETLB_HEAD
    else if (b !== PageKind.COMPOUND_TAIL) inHuge = false
    if (b === PageKind.HOLE) add(p, 'hole')
    else if (b === PageKind.RESERVED) add(p, 'reserved')
    else if (inHuge && (b === PageKind.COMPOUND_TAIL || (b & 0xf0) === HUGETLB_HEAD)) {
      add(p, 'compound')
      if (isFreeHead(b)) continue
    }
  }
  return { blockers: out, total, counts }
}

export interface ContigPagesOptions {
  node: number
  /** highest zone (model numbering): ZONE_IDX_MOVABLE for movable GFP, ZONE_IDX_NORMAL for GFP_KERNEL */
  highestZoneIdx: number
  reclaim: ReclaimModel
  kind: number
  compoundOrder?: number
  blockerCap?: number
  /** stop listing windows after this many (the search still runs to the end) */
  windowCap?: number
}

export interface ContigPagesResult {
  success: boolean
  pfn: number
  windows: ContigWindow[]
  windowsTried: number
  windowsSkipped: number
}

/**
 * alloc_contig_pages(nr_pages) (6.1): for each zone of the zonelist, candidate windows start at
 * the zone start rounded up to a multiple of nr_pages (ALIGN, i.e. naturally aligned for powers
 * of two) and step by nr_pages; a window passing pfn_range_valid_contig goes to
 * alloc_contig_range(MIGRATE_MOVABLE); the first success wins. CMA pageblocks are refused by
 * isolation (has_unmovable_pages for a non-CMA user).
 */
export function allocContigPages(alloc: PageAllocator, nrPages: number, opts: ContigPagesOptions): ContigPagesResult {
  const m = alloc.model
  const cap = opts.blockerCap ?? DEFAULT_BLOCKER_CAP
  const res: ContigPagesResult = { success: false, pfn: -1, windows: [], windowsTried: 0, windowsSkipped: 0 }
  const push = (w: ContigWindow): void => {
    if (res.windows.length < (opts.windowCap ?? Number.MAX_SAFE_INTEGER)) res.windows.push(w)
  }
  for (const zone of zonelistFor(m, opts.node, opts.highestZoneIdx, false)) {
    let pfn = Math.ceil(zone.startPfn / nrPages) * nrPages
    while (pfn + nrPages - 1 < zone.endPfn) {
      const v = pfnRangeValidContig(m, zone, pfn, nrPages, cap)
      if (v.total === 0) {
        res.windowsTried++
        const w = allocContigRange(alloc, pfn, pfn + nrPages, {
          user: 'other', restoreMt: m.migratetypes.movable, reclaim: opts.reclaim, kind: opts.kind, compoundOrder: opts.compoundOrder ?? 0, blockerCap: cap,
        })
        push(w)
        if (w.result === 'success') {
          res.success = true
          res.pfn = pfn
          return res
        }
      } else {
        res.windowsSkipped++
        push({ startPfn: pfn, endPfn: pfn + nrPages, result: 'invalid-range', blockers: v.blockers, blockersTotal: v.total, blockerCounts: v.counts, migrated: 0, reclaimed: 0 })
      }
      pfn += nrPages
    }
  }
  return res
}
