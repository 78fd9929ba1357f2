/**
 * What a page layout says about large contiguous allocations, per aligned range: how many
 * naturally aligned 2 MiB … 1 GiB physical ranges hold only free or movable pages (the ranges
 * alloc_contig_range() could empty by migrating, with no unmovable, reclaimable, pinned page or
 * hole in the way: the "movable order" view of Meta's Contiguitas work), and the unmovable
 * spread: the share of memory that is unmovable and the share of pageblocks it touches.
 * Hugetlb pages count as unmovable (their tails follow their head, as in compound_head()).
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import { PageClass, PageKind, pageClass } from '../mm/page.ts'

export interface RangeCount {
  /** range size in bytes (2 MiB, 1 GiB) */
  bytes: number
  /** naturally aligned ranges wholly inside the model's PFN span and not all hole */
  total: number
  /** of those, ranges whose every page is free or movable */
  clean: number
}

export interface UnmovableSpread {
  /** unmovable (incl. pinned and hugetlb) pages / present (non-hole) pages */
  memoryShare: number
  /** pageblocks holding at least one unmovable page / pageblocks holding any present page */
  blocksShare: number
  unmovablePages: number
  presentPages: number
}

/** Clean aligned ranges of each size in `sizes` (bytes; each a power of two multiple of the page size). */
export function contiguityPotential(m: MemoryModel, pageSize: number, sizes: number[] = [2 << 20, 1 << 30]): RangeCount[] {
  const smallest = Math.min(...sizes)
  const unit = Math.max(1, Math.floor(smallest / pageSize))
  const span = m.endPfn - m.basePfn
  // per `unit`-page aligned chunk: 0 = all hole, 1 = clean, 2 = has a non-movable page
  const firstChunk = Math.ceil(m.basePfn / unit)
  const lastChunk = Math.floor(m.endPfn / unit) // exclusive
  const nChunks = Math.max(0, lastChunk - firstChunk)
  const chunk = new Uint8Array(nChunks)
  let headClass: PageClass = PageClass.MOVABLE
  for (let i = 0; i < span; i++) {
    const b = m.memMap[i] as number
    let c: PageClass
    if (b === PageKind.COMPOUND_TAIL) c = headClass
    else {
      c = pageClass(b)
      if (b >= 0x40) headClass = c
    }
    const pfn = m.basePfn + i
    const k = Math.floor(pfn / unit) - firstChunk
    if (k < 0 || k >= nChunks) continue
    if (c === PageClass.HOLE) continue
    if (c === PageClass.FREE || c === PageClass.MOVABLE) {
      if (chunk[k] === 0) chunk[k] = 1
    } else {
      chunk[k] = 2
    }
  }
  return sizes.map((bytes) => {
    const per = Math.max(1, Math.floor(bytes / pageSize / unit))
    let total = 0
    let clean = 0
    const start = Math.ceil(firstChunk / per) * per
    for (let c0 = start; c0 + per <= lastChunk; c0 += per) {
      let any = false
      let bad = false
      for (let j = 0; j < per; j++) {
        const v = chunk[c0 - firstChunk + j] as number
        if (v !== 0) any = true
        if (v !== 1) bad = true
      }
      if (!any) continue
      total++
      if (!bad) clean++
    }
    return { bytes, total, clean }
  })
}

/** How much memory is unmovable and how many pageblocks it is spread over. */
export function unmovableSpread(m: MemoryModel): UnmovableSpread {
  const pb = m.pageblockNrPages
  const span = m.endPfn - m.basePfn
  let unmovablePages = 0
  let presentPages = 0
  let blocksPresent = 0
  let blocksUnmovable = 0
  let headClass: PageClass = PageClass.MOVABLE
  let curBlock = -1
  let blockPresent = false
  let blockUnmovable = false
  const close = (): void => {
    if (blockPresent) blocksPresent++
    if (blockUnmovable) blocksUnmovable++
  }
  for (let i = 0; i < span; i++) {
    const pfn = m.basePfn + i
    const blk = Math.floor(pfn / pb)
    if (blk !== curBlock) {
      if (curBlock >= 0) close()
      curBlock = blk
      blockPresent = false
      blockUnmovable = false
    }
    const b = m.memMap[i] as number
    let c: PageClass
    if (b === PageKind.COMPOUND_TAIL) c = headClass
    else {
      c = pageClass(b)
      if (b >= 0x40) headClass = c
    }
    if (c === PageClass.HOLE) continue
    presentPages++
    blockPresent = true
    if (c === PageClass.UNMOVABLE || c === PageClass.PINNED) {
      unmovablePages++
      blockUnmovable = true
    }
  }
  if (curBlock >= 0) close()
  return {
    memoryShare: presentPages ? unmovablePages / presentPages : 0,
    blocksShare: blocksPresent ? blocksUnmovable / blocksPresent : 0,
    unmovablePages, presentPages,
  }
}
