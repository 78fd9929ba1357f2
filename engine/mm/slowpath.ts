/**
 * The allocator's slow path for one high-order request, with direct reclaim and direct
 * compaction: kernel 6.1 `__alloc_pages` / `__alloc_pages_slowpath`, `__alloc_pages_direct_compact`,
 * `__alloc_pages_direct_reclaim`, `should_reclaim_retry`, `should_compact_retry`,
 * `compaction_ready` (mm/vmscan.c) and `do_try_to_free_pages`'s "aborted reclaim to try
 * compaction" progress. Used by hugetlb pool growth (__GFP_RETRY_MAYFAIL), THP faults
 * (GFP_TRANSHUGE[_LIGHT], __GFP_NORETRY) and migration targets of alloc_contig_range.
 *
 * Flow (6.1, `__alloc_pages_slowpath` in mm/page_alloc.c):
 *  1. fast path: low watermark (ALLOC_NOFRAGMENT first where it applies);
 *  2. wake kswapd; retry at the min watermark;
 *  3. costly order (or non-movable order > 0) with direct reclaim: direct compaction at async
 *     priority; costly __GFP_NORETRY requests give up if it was skipped or deferred, or with
 *     __GFP_THISNODE, else stay at async priority;
 *  4. loop: retry, direct reclaim (then drain the per-cpu lists and retry), direct compaction
 *     (starting at sync-light), then __GFP_NORETRY → fail; costly without __GFP_RETRY_MAYFAIL →
 *     fail; should_reclaim_retry (≤ 16 rounds; costly orders never reset the count);
 *     should_compact_retry (progress ≤ 16/4 times for costly orders; on failure/withdrawal raise
 *     the priority, costly requests stopping at sync-light).
 *
 * Reclaim is a model (`ReclaimModel`): the model cannot tell clean from dirty or mapped from
 * unmapped page cache, so it drops FILE pages, lowest PFN first, up to a per-zone budget (by
 * default the zone's file LRU size when the capture gives it, else every FILE page). Slab
 * shrinking, swap and writeback are not modelled. kswapd is modelled only as reclaim towards
 * the high watermark when woken; kcompactd is not run (a what-if reports that it would be woken).
 * Per-cpu pages (including 6.1's pageblock-order pcp lists) are not handed out by the fast path:
 * they become free buddy pages when a reclaim round with progress drains them (drain_all_pages).
 */
import type { MemoryModel, Zone } from './mmzone.ts'
import { PAGE_ALLOC_COSTLY_ORDER } from './mmzone.ts'
import { PageAllocator, ALLOC_CMA, ALLOC_WMARK_LOW, ALLOC_WMARK_MIN, ALLOC_WMARK_MASK, ALLOC_NOFRAGMENT, ALLOC_KSWAPD } from './page_alloc.ts'
import { Compactor, compactGap, type CompactPriority, type CompactResult } from './compaction.ts'
import { fragmentationIndex } from '../metrics/fragmentation.ts'
import { PageKind } from './page.ts'

/** Zone index of ZONE_MOVABLE in the model's numbering (ZONE_NAMES): the highest a movable highuser request may use. */
export const ZONE_IDX_MOVABLE = 4
export const ZONE_IDX_NORMAL = 2

/** MAX_RECLAIM_RETRIES and MAX_COMPACT_RETRIES (mm/page_alloc.c, 6.1) */
export const MAX_RECLAIM_RETRIES = 16
export const MAX_COMPACT_RETRIES = 16
/** SWAP_CLUSTER_MAX: reclaim's batch */
export const SWAP_CLUSTER_MAX = 32

/**
 * lowmem_reserve[] arrays as captured are indexed by the kernel's zone numbering, which on 64-bit
 * lacks HighMem; the model indexes by ZONE_NAMES (HighMem = 3, Movable = 4). lowmem_reserve is
 * cumulative and the zones above the last populated one are empty, so repeating the last entry
 * gives every zone a correct reserve for a request up to ZONE_MOVABLE (model index 4).
 */
export function padProtection(m: MemoryModel): void {
  for (const z of m.zones) {
    const p = z.protection
    const last = p.length ? p[p.length - 1]! : 0
    while (p.length < 5) p.push(last)
  }
}

/**
 * Reclaimable page cache: per zone, how many FILE pages reclaim may drop (the budget), taken
 * lowest PFN first. Pages inside isolated pageblocks are left alone.
 */
export class ReclaimModel {
  private readonly budget = new Map<Zone, number>()
  private readonly cursor = new Map<Zone, number>()
  /** pages dropped so far, all zones */
  reclaimed = 0
  readonly says: string

  constructor(m: MemoryModel, budget: 'all-file' | Map<string, number> | 'none', source = '') {
    let total = 0
    for (const z of m.zones) {
      let file = 0
      for (let p = z.startPfn; p < z.endPfn; p++) if (m.memMap[p - m.basePfn] === PageKind.FILE) file++
      const want = budget === 'all-file' ? file : budget === 'none' ? 0 : Math.min(file, budget.get(z.label) ?? file)
      this.budget.set(z, want)
      this.cursor.set(z, z.startPfn)
      total += want
    }
    this.says = budget === 'none'
      ? 'reclaim frees nothing (no reclaimable page cache assumed)'
      : budget === 'all-file'
        ? `reclaim drops page-cache (FILE) pages lowest PFN first, up to all ${total} of them: the capture cannot say which are clean and unmapped`
        : `reclaim drops page-cache (FILE) pages lowest PFN first, at most ${total} pages (the file LRU sizes ${source}); shmem/tmpfs pages without swap are not reclaimable; slab shrinking and swap are not modelled`
  }

  remaining(z: Zone): number {
    return this.budget.get(z) ?? 0
  }

  /** Drop one given FILE page (reclaim_clean_pages_from_list) if the budget allows. */
  dropPage(alloc: PageAllocator, z: Zone, pfn: number): boolean {
    const left = this.budget.get(z) ?? 0
    if (left <= 0 || alloc.model.memMap[pfn - alloc.model.basePfn] !== PageKind.FILE) return false
    alloc.freePages(pfn, 0)
    this.budget.set(z, left - 1)
    this.reclaimed++
    alloc.events.count('pgsteal_direct')
    return true
  }

  /** Drop up to `want` FILE pages of a zone; returns how many were freed. */
  reclaimZone(alloc: PageAllocator, z: Zone, want: number): number {
    const m = alloc.model
    let left = Math.min(want, this.budget.get(z) ?? 0)
    if (left <= 0) return 0
    let p = this.cursor.get(z)!
    let done = 0
    const iso = m.migratetypes.isolate
    for (; p < z.endPfn && left > 0; p++) {
      if (m.memMap[p - m.basePfn] !== PageKind.FILE) continue
      if (m.getPageblockMigratetype(p) === iso) continue
      alloc.freePages(p, 0)
      left--
      done++
    }
    this.cursor.set(z, p)
    this.budget.set(z, (this.budget.get(z) ?? 0) - done)
    if (p >= z.endPfn) this.budget.set(z, 0)
    this.reclaimed += done
    if (done) alloc.events.count('pgsteal_direct', done)
    return done
  }
}

/** What the request's GFP mask says, in the slow path's terms. */
export interface SlowRequest {
  order: number
  /** migratetype index */
  mt: number
  /** highest zone index (model numbering) */
  highestZoneIdx: number
  /** preferred node */
  node: number
  /** __GFP_THISNODE */
  thisnode: boolean
  /** __GFP_DIRECT_RECLAIM */
  directReclaim: boolean
  /** __GFP_KSWAPD_RECLAIM */
  kswapd: boolean
  /** __GFP_NORETRY */
  noretry: boolean
  /** __GFP_RETRY_MAYFAIL */
  retryMayfail: boolean
  /** page byte the allocated block gets (PageKind or a compound head class) */
  kind: number
}

export interface SlowOutcome {
  pfn: number
  zone: Zone | null
  /** where the page came from */
  via: 'fast' | 'min-watermark' | 'compaction' | 'reclaim' | 'retry' | 'failed'
  /** direct compaction runs and their results */
  compactions: Array<{ priority: CompactPriority; result: CompactResult; success: boolean }>
  reclaimRounds: number
  /** kswapd/kcompactd would be woken */
  wokeKswapd: boolean
}

export interface SlowPathOptions {
  /** run direct compaction (false: as if CONFIG_COMPACTION were off — the --no-compact switch) */
  compaction: boolean
  reclaim: ReclaimModel
}

/** Zones of the zonelist for a request: the preferred node's zones highest first, then other nodes (unless THISNODE). */
export function zonelistFor(m: MemoryModel, node: number, highestZoneIdx: number, thisnode: boolean): Zone[] {
  return m.zones
    .filter((z) => z.idx <= highestZoneIdx && z.managed > 0 && (!thisnode || z.node === node))
    .sort((a, b) => (a.node === node ? 0 : 1) - (b.node === node ? 0 : 1) || a.node - b.node || b.idx - a.idx)
}

/**
 * __zone_watermark_ok() (6.1) with the free page count given (should_reclaim_retry and
 * compaction_zonelist_suitable pass free + reclaimable).
 */
export function watermarkOkWithFree(alloc: PageAllocator, zone: Zone, order: number, mark: number, highestZoneIdx: number, allocFlags: number, nrFree: number): boolean {
  const m = alloc.model
  const mts = m.migratetypes
  let free = nrFree - (2 ** order - 1) - zone.nrReservedHighatomic
  if (!(allocFlags & ALLOC_CMA)) free -= zone.nrFreeCmaPages
  if (free <= mark + (zone.protection[highestZoneIdx] ?? 0)) return false
  if (!order) return true
  for (let o = order; o < m.geometry.nrOrders; o++) {
    for (const mt of [mts.unmovable, mts.movable, mts.reclaimable]) if (!zone.free.isEmpty(o, mt)) return true
    if (allocFlags & ALLOC_CMA && mts.cma >= 0 && !zone.free.isEmpty(o, mts.cma)) return true
  }
  return false
}

/** alloc_flags_nofragment(): only for Normal when the node has a DMA32 zone */
function nofragmentApplies(m: MemoryModel, zone: Zone): boolean {
  return zone.name === 'Normal' && m.zones.some((z) => z.node === zone.node && z.name === 'DMA32' && z.managed > 0)
}

/**
 * get_page_from_freelist() over a zonelist: each zone must pass the watermark (plus lowmem
 * reserve for the request's highest zone); ALLOC_NOFRAGMENT is tried first where it applies and
 * dropped if every zone fails. On success the block is marked with `kind`. Returns pfn and zone.
 */
export function getPageFromFreelist(alloc: PageAllocator, zones: Zone[], order: number, mt: number, highestZoneIdx: number, allocFlags: number, kind: number): { pfn: number; zone: Zone } | null {
  const m = alloc.model
  const tryOnce = (flags: number): { pfn: number; zone: Zone } | null => {
    for (const zone of zones) {
      let f = flags
      if (f & ALLOC_NOFRAGMENT && !nofragmentApplies(m, zone)) f &= ~ALLOC_NOFRAGMENT
      const mark = alloc.wmarkPages(zone, f & ALLOC_WMARK_MASK)
      if (!alloc.zoneWatermarkOk(zone, order, mark, highestZoneIdx, f)) continue
      const pfn = alloc.rmqueue(zone, order, mt, f)
      if (pfn < 0) continue
      alloc.prepNewPage(pfn, order, kind)
      alloc.events.count(`pgalloc_${zone.name.toLowerCase()}`, 2 ** order)
      return { pfn, zone }
    }
    return null
  }
  const got = tryOnce(allocFlags)
  if (got || !(allocFlags & ALLOC_NOFRAGMENT)) return got
  return tryOnce(allocFlags & ~ALLOC_NOFRAGMENT)
}

/** drain_all_pages(NULL): every zone's per-cpu pages back to the buddy allocator */
export function drainAllPages(alloc: PageAllocator): number {
  let n = 0
  for (const z of alloc.model.zones) n += alloc.drainPages(z)
  return n
}

const PRIO_ORDER: CompactPriority[] = ['sync-full', 'sync-light', 'async']

/**
 * The slow path of one model. Counters go to the allocator's VmEvents under their /proc/vmstat
 * names (compact_stall, compact_fail, compact_success, allocstall_*, pgsteal_*, and the
 * compaction scanners' own).
 */
export class SlowPath {
  readonly alloc: PageAllocator
  readonly compactor: Compactor | null
  readonly reclaim: ReclaimModel
  /** zones kswapd was woken for, since the last reset */
  kswapdWakes = 0

  constructor(alloc: PageAllocator, compactor: Compactor | null, opts: SlowPathOptions) {
    this.alloc = alloc
    this.compactor = opts.compaction ? compactor : null
    this.reclaim = opts.reclaim
  }

  private get model(): MemoryModel {
    return this.alloc.model
  }

  private baseFlags(req: SlowRequest): number {
    // gfp_to_alloc_flags_cma(): movable requests may use CMA (outside a memalloc_pin scope)
    return req.mt === this.model.migratetypes.movable ? ALLOC_CMA : 0
  }

  private zones(req: SlowRequest): Zone[] {
    return zonelistFor(this.model, req.node, req.highestZoneIdx, req.thisnode)
  }

  /** kswapd, as far as the model goes: reclaim towards the high watermark of zones below low. */
  private wakeKswapd(zones: Zone[]): void {
    this.kswapdWakes++
    for (const z of zones) {
      if (z.nrFreePages >= z.wmark.low + z.boost) continue
      const want = z.wmark.high + z.boost - z.nrFreePages
      const got = this.reclaim.reclaimZone(this.alloc, z, want)
      if (got) this.alloc.events.count('pgsteal_kswapd', got)
    }
  }

  /** compaction_suitable() with alloc_flags 0 (compaction_ready's view): success, skipped or continue */
  private suitable(z: Zone, order: number, highestZoneIdx: number): 'success' | 'skipped' | 'continue' {
    const a = this.alloc
    if (a.zoneWatermarkOk(z, order, a.wmarkPages(z, ALLOC_WMARK_MIN), highestZoneIdx, 0)) return 'success'
    const base = order > PAGE_ALLOC_COSTLY_ORDER ? z.wmark.low + z.boost : z.wmark.min + z.boost
    if (!a.zoneWatermarkOk(z, 0, base + compactGap(order), highestZoneIdx, 0)) return 'skipped'
    if (order > PAGE_ALLOC_COSTLY_ORDER) {
      const fi = fragmentationIndex(Array.from({ length: z.free.nrOrders }, (_, o) => z.free.nrFree(o)), order)
      const threshold = this.compactor?.extfragThreshold ?? 500
      if (fi >= 0 && fi <= threshold) return 'skipped'
    }
    return 'continue'
  }

  /**
   * __alloc_pages_direct_reclaim(): __perform_reclaim (try_to_free_pages with the costly-order
   * compaction_ready shortcut), then on progress a retry, a drain of the per-cpu lists and another
   * retry. Returns the page or null, and did_some_progress.
   */
  private directReclaim(req: SlowRequest, zones: Zone[], flags: number): { got: { pfn: number; zone: Zone } | null; progress: number } {
    const a = this.alloc
    const hz = ['dma', 'dma32', 'normal', 'highmem', 'movable'][Math.min(req.highestZoneIdx, 4)]!
    a.events.count(`allocstall_${hz}`)
    let reclaimed = 0
    let compactionReady = false
    for (const z of zones) {
      if (this.compactor && req.order > PAGE_ALLOC_COSTLY_ORDER) {
        // compaction_ready(): enough free memory for compaction in this zone → don't reclaim it
        const s = this.suitable(z, req.order, req.highestZoneIdx)
        if (s === 'success' || (s === 'continue' && a.zoneWatermarkOk(z, 0, z.wmark.high + z.boost + compactGap(req.order), req.highestZoneIdx, 0))) {
          compactionReady = true
          continue
        }
      }
      // shrink_node until compaction could run (should_continue_reclaim), at least a batch
      const need = Math.max(SWAP_CLUSTER_MAX, req.order > 0 ? z.wmark.low + z.boost + compactGap(req.order) - z.nrFreePages : 0)
      reclaimed += this.reclaim.reclaimZone(a, z, need)
      if (reclaimed >= SWAP_CLUSTER_MAX && req.order === 0) break
    }
    const progress = reclaimed > 0 ? reclaimed : compactionReady ? 1 : 0
    if (!progress) return { got: null, progress }
    let got = getPageFromFreelist(a, zones, req.order, req.mt, req.highestZoneIdx, flags, req.kind)
    if (!got) {
      drainAllPages(a)
      got = getPageFromFreelist(a, zones, req.order, req.mt, req.highestZoneIdx, flags, req.kind)
    }
    return { got, progress }
  }

  /** __alloc_pages_direct_compact() */
  private directCompact(req: SlowRequest, zones: Zone[], flags: number, prio: CompactPriority, out: SlowOutcome): { got: { pfn: number; zone: Zone } | null; result: CompactResult } {
    const a = this.alloc
    if (!this.compactor) return { got: null, result: 'skipped' }
    const r = this.compactor.tryToCompactPages(req.order, prio, { migratetype: req.mt, highestZoneIdx: req.highestZoneIdx, node: req.node })
    if (r.result === 'skipped') return { got: null, result: r.result }
    a.events.count('compact_stall')
    const got = getPageFromFreelist(a, zones, req.order, req.mt, req.highestZoneIdx, flags, req.kind)
    if (got) {
      got.zone.compactBlockskipFlush = false
      this.compactor.compactionDeferReset(got.zone, req.order, true)
      a.events.count('compact_success')
    } else a.events.count('compact_fail')
    out.compactions.push({ priority: prio, result: r.result, success: !!got })
    return { got, result: r.result }
  }

  /** should_reclaim_retry() (6.1) */
  private shouldReclaimRetry(req: SlowRequest, zones: Zone[], flags: number, progress: boolean, loops: { n: number }): boolean {
    if (progress && req.order <= PAGE_ALLOC_COSTLY_ORDER) loops.n = 0
    else loops.n++
    if (loops.n > MAX_RECLAIM_RETRIES) return false
    const a = this.alloc
    for (const z of zones) {
      const available = z.nrFreePages + this.reclaim.remaining(z)
      if (watermarkOkWithFree(a, z, req.order, a.wmarkPages(z, ALLOC_WMARK_MIN), req.highestZoneIdx, flags, available)) return true
    }
    return false
  }

  /** compaction_zonelist_suitable(): would compaction be suitable in some zone with everything reclaimable reclaimed? */
  private compactionZonelistSuitable(req: SlowRequest, zones: Zone[]): boolean {
    const a = this.alloc
    for (const z of zones) {
      const available = z.nrFreePages + this.reclaim.remaining(z)
      const base = req.order > PAGE_ALLOC_COSTLY_ORDER ? z.wmark.low + z.boost : z.wmark.min + z.boost
      if (watermarkOkWithFree(a, z, 0, base + compactGap(req.order), req.highestZoneIdx, ALLOC_CMA, available)) return true
    }
    return false
  }

  /** should_compact_retry() (6.1) */
  private shouldCompactRetry(req: SlowRequest, zones: Zone[], result: CompactResult, st: { prio: CompactPriority; retries: number }): boolean {
    if (!this.compactor) return false
    if (!req.order) return false
    if (result === 'success') st.retries++
    const failed = result === 'complete'
    const withdrawn = result === 'deferred' || result === 'contended' || result === 'partial_skipped'
    if (!failed && result === 'skipped') return this.compactionZonelistSuitable(req, zones)
    if (!failed && !withdrawn) {
      const max = req.order > PAGE_ALLOC_COSTLY_ORDER ? MAX_COMPACT_RETRIES / 4 : MAX_COMPACT_RETRIES
      if (st.retries <= max) return true
    }
    // check_priority: costly orders stop at sync-light (MIN_COMPACT_COSTLY_PRIORITY)
    const min: CompactPriority = req.order > PAGE_ALLOC_COSTLY_ORDER ? 'sync-light' : 'sync-full'
    if (PRIO_ORDER.indexOf(st.prio) > PRIO_ORDER.indexOf(min)) {
      st.prio = PRIO_ORDER[PRIO_ORDER.indexOf(st.prio) - 1]!
      st.retries = 0
      return true
    }
    return false
  }

  /** __alloc_pages(): fast path, then the slow path. */
  allocate(req: SlowRequest): SlowOutcome {
    const a = this.alloc
    const out: SlowOutcome = { pfn: -1, zone: null, via: 'failed', compactions: [], reclaimRounds: 0, wokeKswapd: false }
    const zones = this.zones(req)
    const costly = req.order > PAGE_ALLOC_COSTLY_ORDER
    const base = this.baseFlags(req)
    const done = (got: { pfn: number; zone: Zone } | null, via: SlowOutcome['via']): SlowOutcome => {
      if (got) {
        out.pfn = got.pfn
        out.zone = got.zone
        out.via = via
      }
      return out
    }
    // fast path: low watermark, ALLOC_NOFRAGMENT where it applies
    let got = getPageFromFreelist(a, zones, req.order, req.mt, req.highestZoneIdx, base | ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT, req.kind)
    if (got) return done(got, 'fast')
    // slow path
    const flags = base | ALLOC_WMARK_MIN | (req.kswapd ? ALLOC_KSWAPD : 0)
    if (req.kswapd) {
      out.wokeKswapd = true
      this.wakeKswapd(zones)
    }
    got = getPageFromFreelist(a, zones, req.order, req.mt, req.highestZoneIdx, flags, req.kind)
    if (got) return done(got, 'min-watermark')
    if (!req.directReclaim) return out
    const st = { prio: 'sync-light' as CompactPriority, retries: 0 }
    if (costly || (req.order > 0 && req.mt !== this.model.migratetypes.movable)) {
      const c = this.directCompact(req, zones, flags, 'async', out)
      if (c.got) return done(c.got, 'compaction')
      if (costly && req.noretry) {
        if (c.result === 'skipped' || c.result === 'deferred' || req.thisnode) return out
        st.prio = 'async'
      }
    }
    const loops = { n: 0 }
    for (let guard = 0; guard < 1000; guard++) {
      if (req.kswapd) this.wakeKswapd(zones)
      got = getPageFromFreelist(a, zones, req.order, req.mt, req.highestZoneIdx, flags, req.kind)
      if (got) return done(got, 'retry')
      out.reclaimRounds++
      const r = this.directReclaim(req, zones, flags)
      if (r.got) return done(r.got, 'reclaim')
      const c = this.directCompact(req, zones, flags, st.prio, out)
      if (c.got) return done(c.got, 'compaction')
      if (req.noretry) return out
      if (costly && !req.retryMayfail) return out
      if (this.shouldReclaimRetry(req, zones, flags, r.progress > 0, loops)) continue
      if (r.progress > 0 && this.shouldCompactRetry(req, zones, c.result, st)) continue
      return out
    }
    return out
  }
}
