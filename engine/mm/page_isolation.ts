/**
 * Pageblock isolation for alloc_contig_range, following mm/page_isolation.c of kernel 6.1
 * (`start_isolate_page_range`, `isolate_single_pageblock`, `set_migratetype_isolate`,
 * `has_unmovable_pages`, `undo_isolate_page_range`, `unset_migratetype_isolate`,
 * `test_pages_isolated`, `__test_page_isolated_in_pageblock`).
 *
 * 6.1 rules kept here:
 *  - every pageblock overlapping [start, end) is isolated; each must pass has_unmovable_pages
 *    over the whole pageblock (the edge blocks too: isolate_single_pageblock checks
 *    [pageblock, pageblock + pageblock_nr_pages)), else -EBUSY at once and the blocks isolated
 *    so far are undone;
 *  - a CMA pageblock is accepted without any per-page check when the caller is CMA
 *    (migratetype MIGRATE_CMA) and always refused for other callers;
 *  - in ZONE_MOVABLE every non-reserved page is taken as movable;
 *  - a free buddy block larger than a pageblock that straddles the isolated range's edge is
 *    split first (split_free_page in isolate_single_pageblock), so only the isolated part moves
 *    to the Isolate lists;
 *  - undo retypes every pageblock to the caller's migratetype (6.1 keeps no record of the old
 *    type: alloc_contig_pages passes MIGRATE_MOVABLE, so a block that was Unmovable but held
 *    only movable/free pages comes back Movable), and free pages go back to that list, merging.
 * Not modelled: the 7.x separate isolate bit; races with concurrent allocations.
 */
import type { MemoryModel, Zone } from './mmzone.ts'
import type { PageAllocator } from './page_alloc.ts'
import { PageKind, isFreeHead, headOrder, freeHeadMt, FREE_HEAD, HUGETLB_HEAD } from './page.ts'

/** Why a page keeps a range from being allocated (the report's vocabulary). */
export type BlockerKind =
  | 'pinned' | 'unmovable' | 'reserved' | 'slab' | 'pagetable' | 'compound' | 'no-target' | 'writeback' | 'hole' | 'isolated' | 'uninit' | 'own'

export const BLOCKER_KIND_TEXT: Record<BlockerKind, string> = {
  pinned: 'assumed pinned (placed by the pinned-page assumption, not seen in the capture): an extra reference migration cannot freeze',
  unmovable: 'unmovable kernel page',
  reserved: 'reserved page (PG_reserved)',
  slab: 'slab page',
  pagetable: 'page-table page',
  compound: 'compound page that cannot move',
  'no-target': 'no room for a migration target outside the range',
  writeback: 'page under writeback',
  hole: 'no memory (hole) or outside the zone',
  isolated: 'pageblock already isolated by another user',
  uninit: 'memory the kernel has not initialised yet (deferred struct page init): not in use, and initialised on demand',
  own: 'a page this what-if itself allocated earlier in the run (not in the capture)',
}

/** The blocker kind of a page byte that is in the way, or null if the page is free or movable. */
export function blockerKindOf(b: number): BlockerKind | null {
  if (b & FREE_HEAD) return null
  if ((b & 0xf0) === HUGETLB_HEAD) return null
  if (b >= 0x40) return null
  switch (b) {
    case PageKind.BUDDY_TAIL:
    case PageKind.PCP:
    case PageKind.ISOLATED_FREE:
    case PageKind.ANON:
    case PageKind.FILE:
    case PageKind.UNEVICTABLE:
    case PageKind.MOVABLE_OPS:
    case PageKind.COMPOUND_TAIL:
      return null
    case PageKind.WRITEBACK: return 'writeback'
    case PageKind.PINNED: return 'pinned'
    case PageKind.RESERVED: return 'reserved'
    case PageKind.HOLE: return 'hole'
    case PageKind.UNINIT: return 'uninit'
    case PageKind.SLAB:
    case PageKind.SLAB_RECLAIMABLE: return 'slab'
    case PageKind.PAGETABLE: return 'pagetable'
    default: return 'unmovable'
  }
}

export interface Blocker {
  pfn: number
  kind: BlockerKind
}

/** MIGRATE_CMA isolation (cma_alloc) or any other caller (alloc_contig_pages, gigantic pages). */
export type IsolationUser = 'cma' | 'other'

export interface IsolationFailure {
  /** first pageblock (start PFN) that refused isolation */
  blockPfn: number
  /** the page has_unmovable_pages stopped at */
  pfn: number
  kind: BlockerKind
}

function pbStart(m: MemoryModel, pfn: number): number {
  return pfn - (pfn % m.pageblockNrPages)
}

/**
 * has_unmovable_pages() (6.1) over [start, end) inside one pageblock: the first page that makes
 * the block unmovable, or null. `user` 'cma' accepts a CMA block outright; others are refused it.
 */
export function hasUnmovablePages(m: MemoryModel, start: number, end: number, user: IsolationUser): Blocker | null {
  const mts = m.migratetypes
  const zone = m.zoneOf(start)
  if (mts.cma >= 0 && m.getPageblockMigratetype(start) === mts.cma) {
    return user === 'cma' ? null : { pfn: start, kind: 'unmovable' }
  }
  const movableZone = zone?.name === 'Movable'
  for (let pfn = start; pfn < end; pfn++) {
    if (pfn < m.basePfn || pfn >= m.endPfn || m.zoneOf(pfn) !== zone) return { pfn, kind: 'hole' }
    const b = m.memMap[pfn - m.basePfn]!
    if (b === PageKind.RESERVED || b === PageKind.HOLE) return { pfn, kind: b === PageKind.HOLE ? 'hole' : 'reserved' }
    if (b === PageKind.UNINIT) return { pfn, kind: 'uninit' }
    if (movableZone) continue
    if (b >= 0x40 && !(b & FREE_HEAD)) {
      // hugetlb (migration supported for the model's sizes) and LRU compound pages move whole
      pfn += 2 ** headOrder(b) - 1
      continue
    }
    if (b & FREE_HEAD) {
      pfn += 2 ** headOrder(b) - 1
      continue
    }
    const k = blockerKindOf(b)
    // refcount 0 (buddy tails, pcp pages) and LRU / movable_ops pages pass; pinned pages are LRU
    // pages here: only migration finds them out
    if (k === null || k === 'pinned' || k === 'writeback') continue
    return { pfn, kind: k }
  }
  return null
}

/**
 * Every page of [start, end) that has_unmovable_pages would stop at (the kernel reports only the
 * first; the report wants them all), up to `cap`, with the total.
 */
export function unmovablePagesIn(m: MemoryModel, start: number, end: number, user: IsolationUser, cap: number): { blockers: Blocker[]; total: number } {
  const out: Blocker[] = []
  let total = 0
  const pb = m.pageblockNrPages
  for (let blk = pbStart(m, start); blk < end; blk += pb) {
    const s = blk
    const e = blk + pb
    const mts = m.migratetypes
    if (mts.cma >= 0 && m.getPageblockMigratetype(s) === mts.cma) {
      if (user !== 'cma') {
        total++
        if (out.length < cap) out.push({ pfn: s, kind: 'unmovable' })
      }
      continue
    }
    for (let pfn = s; pfn < e;) {
      const hit = hasUnmovablePages(m, pfn, e, user)
      if (!hit) break
      total++
      if (out.length < cap) out.push(hit)
      pfn = hit.pfn + 1
    }
  }
  return { blockers: out, total }
}

/**
 * The isolation of one range: which pageblocks are isolated, for undo.
 */
export class IsolatedRange {
  readonly start: number
  readonly end: number
  /** pageblock-aligned span that was isolated */
  readonly isoStart: number
  readonly isoEnd: number
  /** migratetype every block gets back on undo (6.1: the caller's) */
  readonly restoreMt: number
  undone = false
  constructor(start: number, end: number, isoStart: number, isoEnd: number, restoreMt: number) {
    this.start = start
    this.end = end
    this.isoStart = isoStart
    this.isoEnd = isoEnd
    this.restoreMt = restoreMt
  }
}

/**
 * Split the free block that straddles `boundary` (pageblock aligned) into maximal aligned blocks
 * on either side, each on the list of its own pageblock's migratetype (split_free_page).
 */
export function splitFreeBlockAt(alloc: PageAllocator, zone: Zone, boundary: number): void {
  const m = alloc.model
  if (boundary <= zone.startPfn || boundary >= zone.endPfn) return
  const fb = m.findFreeBlock(boundary)
  if (!fb || fb.pfn === boundary) return
  alloc.delFromFreeList(zone, fb.pfn, fb.order, fb.mt)
  const end = fb.pfn + 2 ** fb.order
  for (const [lo, hi] of [[fb.pfn, boundary], [boundary, end]] as const) {
    let p = lo
    while (p < hi) {
      let o = 0
      while (o < m.maxOrder && p % 2 ** (o + 1) === 0 && p + 2 ** (o + 1) <= hi) o++
      m.memMap.fill(PageKind.BUDDY_TAIL, p - m.basePfn, p - m.basePfn + 2 ** o)
      alloc.addToFreeList(zone, p, o, m.getPageblockMigratetype(p))
      p += 2 ** o
    }
  }
}

/**
 * start_isolate_page_range(start, end, migratetype) (6.1). `migratetype` is what undo restores
 * (MIGRATE_CMA for cma_alloc, MIGRATE_MOVABLE for alloc_contig_pages). Returns the isolation or
 * the failure (-EBUSY) with the page that caused it; on failure nothing stays isolated.
 */
export function startIsolatePageRange(alloc: PageAllocator, start: number, end: number, migratetype: number, user: IsolationUser): IsolatedRange | IsolationFailure {
  const m = alloc.model
  const pb = m.pageblockNrPages
  const isoStart = pbStart(m, start)
  const isoEnd = Math.ceil(end / pb) * pb
  const zone = m.zoneOf(start)
  if (!zone) return { blockPfn: isoStart, pfn: start, kind: 'hole' }
  const done: number[] = []
  const undoDone = (): void => {
    for (const blk of done) unsetMigratetypeIsolate(alloc, blk, migratetype)
  }
  for (let blk = isoStart; blk < isoEnd; blk += pb) {
    if (blk < zone.startPfn || blk + pb > zone.endPfn) {
      undoDone()
      return { blockPfn: blk, pfn: Math.max(blk, zone.startPfn), kind: 'hole' }
    }
    if (m.getPageblockMigratetype(blk) === m.migratetypes.isolate) {
      undoDone()
      return { blockPfn: blk, pfn: blk, kind: 'isolated' }
    }
    const hit = hasUnmovablePages(m, blk, blk + pb, user)
    if (hit) {
      undoDone()
      return { blockPfn: blk, pfn: hit.pfn, kind: hit.kind }
    }
    if (blk === isoStart) splitFreeBlockAt(alloc, zone, blk)
    if (blk + pb === isoEnd) splitFreeBlockAt(alloc, zone, blk + pb)
    setMigratetypeIsolate(alloc, zone, blk)
    done.push(blk)
  }
  return new IsolatedRange(start, end, isoStart, isoEnd, migratetype)
}

/** set_migratetype_isolate() after the checks: retype and move the block's free pages to the Isolate lists. */
function setMigratetypeIsolate(alloc: PageAllocator, zone: Zone, blk: number): void {
  const m = alloc.model
  const iso = m.migratetypes.isolate
  m.setPageblockMigratetype(blk, iso)
  // free blocks of order ≥ pageblock order are whole pageblocks after the edge splits; a block
  // spanning several isolated pageblocks has its head in the first one
  const pb = m.pageblockNrPages
  for (let p = blk; p < blk + pb;) {
    const b = m.memMap[p - m.basePfn]!
    if (isFreeHead(b)) {
      const o = headOrder(b)
      const from = freeHeadMt(b)
      if (from !== iso) alloc.moveToFreeList(zone, p, o, from, iso)
      p += 2 ** o
    } else p++
  }
}

/**
 * unset_migratetype_isolate() for one pageblock: retype it and give its free pages back to the
 * buddy allocator under the new type, merging with their buddies.
 */
function unsetMigratetypeIsolate(alloc: PageAllocator, blk: number, migratetype: number): void {
  const m = alloc.model
  const zone = m.zoneOf(blk)
  if (!zone) return
  const pb = m.pageblockNrPages
  const heads: Array<[number, number]> = []
  for (let p = blk; p < blk + pb;) {
    const b = m.memMap[p - m.basePfn]!
    if (isFreeHead(b)) {
      const o = headOrder(b)
      alloc.delFromFreeList(zone, p, o, freeHeadMt(b))
      heads.push([p, o])
      p += 2 ** o
    } else p++
  }
  // a free block that started in an earlier pageblock of the range covers this one: its own
  // block's undo handles it (blocks are undone lowest first)
  m.setPageblockMigratetype(blk, migratetype)
  for (const [p, o] of heads) {
    // a block larger than a pageblock spans later blocks of the range: retype them too
    if (o > m.geometry.pageblockOrder) for (let q = p; q < p + 2 ** o; q += pb) m.setPageblockMigratetype(q, migratetype)
    alloc.freeOnePage(zone, p, o, migratetype)
  }
}

/** undo_isolate_page_range() */
export function undoIsolatePageRange(alloc: PageAllocator, r: IsolatedRange): void {
  if (r.undone) return
  const m = alloc.model
  for (let blk = r.isoStart; blk < r.isoEnd; blk += m.pageblockNrPages) {
    if (m.getPageblockMigratetype(blk) === m.migratetypes.isolate) unsetMigratetypeIsolate(alloc, blk, r.restoreMt)
  }
  r.undone = true
}

/**
 * test_pages_isolated(start, end) (6.1): every page must be a free buddy page on an Isolate list
 * (hwpoisoned/offline pages only count for memory offlining, not here). Returns the pages that
 * are not (capped), with their total; empty = success.
 */
export function testPagesIsolated(m: MemoryModel, start: number, end: number, cap: number): { blockers: Blocker[]; total: number } {
  const out: Blocker[] = []
  let total = 0
  const iso = m.migratetypes.isolate
  for (let pfn = start; pfn < end;) {
    const b = m.memMap[pfn - m.basePfn]!
    if (isFreeHead(b) && freeHeadMt(b) === iso) {
      pfn += 2 ** headOrder(b)
      continue
    }
    if (b === PageKind.BUDDY_TAIL) {
      const fb = m.findFreeBlock(pfn)
      if (fb && fb.mt === iso) {
        pfn = fb.pfn + 2 ** fb.order
        continue
      }
    }
    // the first page that is not free: count it, skipping the tails of a compound page
    let kind = blockerKindOf(b)
    let step = 1
    if (b >= 0x40 && !(b & FREE_HEAD)) {
      kind = 'compound'
      step = 2 ** headOrder(b)
    }
    total++
    // a movable page still here did not migrate: in the model that only happens for want of a target
    if (out.length < cap) out.push({ pfn, kind: kind ?? 'no-target' })
    pfn += step
  }
  return { blockers: out, total }
}
