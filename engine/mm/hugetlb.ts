/**
 * hugetlb pool growth (a write to nr_hugepages), following mm/hugetlb.c of kernel 6.1
 * (`set_max_huge_pages`, `alloc_pool_huge_page`, `alloc_fresh_huge_page`,
 * `alloc_buddy_huge_page`, `alloc_gigantic_page`) in mm/hugetlb.c and mm/page_alloc.c.
 *
 *  - Pages of order ≤ max order come from the buddy allocator with
 *    GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_COMP | __GFP_NOWARN | __GFP_RETRY_MAYFAIL
 *    (htlb_alloc_mask: movable, since hugepage migration is supported for these sizes), so the
 *    full slow path runs: fast path, kswapd, async compaction, then reclaim + sync-light
 *    compaction rounds with should_reclaim_retry / should_compact_retry (slowpath.ts).
 *    Counters htlb_buddy_alloc_success / htlb_buddy_alloc_fail.
 *  - Nodes are tried round robin (hstate_next_node_to_alloc); a node that failed a try-hard
 *    allocation is marked in node_alloc_noretry and tried without __GFP_RETRY_MAYFAIL until it
 *    succeeds again; the growth stops at the first call in which every node fails.
 *  - Gigantic pages (order > max order) come from the node's hugetlb_cma area with cma_alloc
 *    if there is one, then from alloc_contig_pages (never CMA pageblocks).
 * New pages are HUGETLB_HEAD compound pages (page.ts); gigantic ones are written as a run of
 * order-15 heads when their order does not fit the page byte.
 */
import type { MemoryModel } from './mmzone.ts'
import type { PageAllocator } from './page_alloc.ts'
import { HUGETLB_HEAD, compoundHead } from './page.ts'
import { SlowPath, ZONE_IDX_MOVABLE, type SlowOutcome, type ReclaimModel } from './slowpath.ts'
import { allocContigPages, type ContigWindow } from './migrate.ts'
import { cmaAlloc, type CmaArea, type CmaAllocResult } from './cma.ts'

export interface HugetlbGrowOptions {
  /** huge page order (9 for 2 MiB on 4 KiB pages) */
  order: number
  /** pages to add to the pool */
  count: number
  /** nodes allowed (default: every node with memory) */
  nodes?: number[]
  reclaim: ReclaimModel
  /** for gigantic pages: hugetlb_cma areas by node */
  hugetlbCma?: Map<number, CmaArea>
  /** blockers listed per contig window */
  blockerCap?: number
  /** contig windows listed per gigantic attempt */
  windowCap?: number
  /** called after each page attempt */
  onPage?: (attempt: number, obtained: number) => void
}

export interface HugetlbAttempt {
  node: number
  pfn: number
  /** how the page was found, or 'failed' */
  via: SlowOutcome['via'] | 'cma' | 'alloc_contig_pages'
  /** direct compaction runs during this attempt */
  compactions: number
  reclaimRounds: number
  /** gigantic: the CMA attempt and the alloc_contig_pages windows */
  cma?: CmaAllocResult
  contigWindows?: ContigWindow[]
}

export interface HugetlbGrowResult {
  requested: number
  obtained: number
  /** PFNs of the pages obtained */
  pfns: number[]
  attempts: HugetlbAttempt[]
  gigantic: boolean
}

/**
 * Grow the pool by `count` pages of `order` (set_max_huge_pages with a larger count). `slow` must
 * be the slow path of the same allocator (with or without compaction, as the what-if asks).
 */
export function growHugetlbPool(alloc: PageAllocator, slow: SlowPath | null, opts: HugetlbGrowOptions): HugetlbGrowResult {
  const m = alloc.model
  const gigantic = opts.order > m.maxOrder
  const nodes = opts.nodes ?? [...new Set(m.zones.filter((z) => z.managed > 0).map((z) => z.node))].sort((a, b) => a - b)
  const noretry = new Set<number>()
  let next = 0
  const res: HugetlbGrowResult = { requested: opts.count, obtained: 0, pfns: [], attempts: [], gigantic }
  for (let i = 0; i < opts.count; i++) {
    // alloc_pool_huge_page(): each allowed node once, starting at the next node to allocate from
    let got = false
    for (let k = 0; k < nodes.length && !got; k++) {
      const node = nodes[next % nodes.length]!
      next++
      const a = gigantic ? allocGigantic(alloc, node, opts) : allocBuddyHugePage(alloc, slow!, node, opts.order, !noretry.has(node))
      res.attempts.push(a)
      if (a.pfn >= 0) {
        got = true
        noretry.delete(node)
        res.obtained++
        res.pfns.push(a.pfn)
      } else if (!gigantic) noretry.add(node)
    }
    opts.onPage?.(i + 1, res.obtained)
    if (!got) break
  }
  return res
}

/** alloc_buddy_huge_page() (6.1) */
function allocBuddyHugePage(alloc: PageAllocator, slow: SlowPath, node: number, order: number, tryHard: boolean): HugetlbAttempt {
  const r = slow.allocate({
    order, mt: alloc.model.migratetypes.movable, highestZoneIdx: ZONE_IDX_MOVABLE, node, thisnode: true,
    directReclaim: true, kswapd: true, noretry: false, retryMayfail: tryHard, kind: compoundHead(HUGETLB_HEAD, order),
  })
  alloc.events.count(r.pfn >= 0 ? 'htlb_buddy_alloc_success' : 'htlb_buddy_alloc_fail')
  return { node, pfn: r.pfn, via: r.via, compactions: r.compactions.length, reclaimRounds: r.reclaimRounds }
}

/** alloc_gigantic_page() (6.1): the node's hugetlb_cma area, then alloc_contig_pages. */
function allocGigantic(alloc: PageAllocator, node: number, opts: HugetlbGrowOptions): HugetlbAttempt {
  const nr = 2 ** opts.order
  const kind = HUGETLB_HEAD
  const area = opts.hugetlbCma?.get(node)
  let cma: CmaAllocResult | undefined
  if (area) {
    cma = cmaAlloc(alloc, area, nr, opts.order, { reclaim: opts.reclaim, kind, compoundOrder: opts.order, ...(opts.blockerCap !== undefined ? { blockerCap: opts.blockerCap } : {}) })
    if (cma.success) return { node, pfn: cma.pfn, via: 'cma', compactions: 0, reclaimRounds: 0, cma }
  }
  const r = allocContigPages(alloc, nr, {
    node, highestZoneIdx: ZONE_IDX_MOVABLE, reclaim: opts.reclaim, kind, compoundOrder: opts.order,
    ...(opts.blockerCap !== undefined ? { blockerCap: opts.blockerCap } : {}), windowCap: opts.windowCap ?? 16,
  })
  return { node, pfn: r.success ? r.pfn : -1, via: r.success ? 'alloc_contig_pages' : 'failed', compactions: 0, reclaimRounds: 0, ...(cma ? { cma } : {}), contigWindows: r.windows }
}

/** Pages a model's hugetlb pages hold, by order (kpageflags HUGE heads). */
export function countHugetlbPages(m: MemoryModel): Map<number, number> {
  const out = new Map<number, number>()
  for (let i = 0; i < m.memMap.length; i++) {
    const b = m.memMap[i]!
    if ((b & 0xf0) === HUGETLB_HEAD) {
      const o = b & 0x0f
      out.set(o, (out.get(o) ?? 0) + 1)
      i += 2 ** o - 1
    }
  }
  return out
}
