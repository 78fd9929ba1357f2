/**
 * Fragmentation indices with the kernel's integer arithmetic (mm/vmstat.c, kernel 6.1;
 * unchanged in 7.2): fill_contig_page_info, unusable_free_index, __fragmentation_index,
 * extfrag_for_order, and the proactive-compaction score of mm/compaction.c
 * (fragmentation_score_zone, fragmentation_score_zone_weighted, fragmentation_score_node).
 * All inputs are free_area[].nr_free of one zone, all migratetypes pooled.
 */

export interface ContigPageInfo {
  freePages: number
  freeBlocksTotal: number
  freeBlocksSuitable: number
}

/** fill_contig_page_info() */
export function fillContigPageInfo(nrFree: ArrayLike<number>, suitableOrder: number): ContigPageInfo {
  let freePages = 0
  let freeBlocksTotal = 0
  let freeBlocksSuitable = 0
  for (let o = 0; o < nrFree.length; o++) {
    const blocks = nrFree[o]!
    freeBlocksTotal += blocks
    freePages += blocks * 2 ** o
    if (o >= suitableOrder) freeBlocksSuitable += blocks * 2 ** (o - suitableOrder)
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable }
}

/** unusable_free_index(): ×1000, the share of free memory that cannot serve an order-k request. */
export function unusableFreeIndex(nrFree: ArrayLike<number>, order: number): number {
  const info = fillContigPageInfo(nrFree, order)
  if (info.freePages === 0) return 1000
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages)
}

/**
 * __fragmentation_index(): ×1000. −1000 when a block of the order exists; 0 when nothing is
 * free; near 0 a failure would be for lack of memory, near 1000 for fragmentation.
 */
export function fragmentationIndex(nrFree: ArrayLike<number>, order: number): number {
  const info = fillContigPageInfo(nrFree, order)
  if (!info.freeBlocksTotal) return 0
  if (info.freeBlocksSuitable) return -1000
  const requested = 2 ** order
  return 1000 - Math.floor((1000 + Math.floor((info.freePages * 1000) / requested)) / info.freeBlocksTotal)
}

/** extfrag_for_order(): ×100, 0 when nothing is free (proactive compaction's zone score). */
export function extfragForOrder(nrFree: ArrayLike<number>, order: number): number {
  const info = fillContigPageInfo(nrFree, order)
  if (!info.freePages) return 0
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 100) / info.freePages)
}

export interface ScoreZone {
  node: number
  present: number
  nrFree: ArrayLike<number>
}

/** fragmentation_score_zone_weighted(): score × present / (node present + 1) */
export function fragmentationScoreZoneWeighted(zone: ScoreZone, nodePresent: number, hpageOrder: number): number {
  return Math.floor((extfragForOrder(zone.nrFree, hpageOrder) * zone.present) / (nodePresent + 1))
}

/** fragmentation_score_node(): Σ weighted zone scores of the node's populated zones. */
export function fragmentationScoreNode(zones: ScoreZone[], node: number, hpageOrder: number): number {
  const mine = zones.filter((z) => z.node === node)
  const nodePresent = mine.reduce((s, z) => s + z.present, 0)
  return mine.reduce((s, z) => s + fragmentationScoreZoneWeighted(z, nodePresent, hpageOrder), 0)
}

/** fragmentation_score_wmark() (6.1): low = max(100 − proactiveness, 5), high = min(low + 10, 100). */
export function fragmentationScoreWmark61(proactiveness: number): { low: number; high: number } {
  const low = Math.max(100 - proactiveness, 5)
  return { low, high: Math.min(low + 10, 100) }
}

/** Largest order with a free block, or -1. */
export function largestFreeOrder(nrFree: ArrayLike<number>): number {
  for (let o = nrFree.length - 1; o >= 0; o--) if (nrFree[o]! > 0) return o
  return -1
}
