/**
 * Small hand-made layouts for the contiguous-allocation tests: boot a model (everything free),
 * then rewrite page kinds by a function of the PFN and rebuild the free lists.
 */
import { bootModel, checkModel, isBuddyPage, MigratetypeTable, PageKind, type MemoryModel, type PageAllocator, type ZoneSpec } from '../../engine/index.ts'
import { unlistZone, relistZone } from '../../engine/mm/cma.ts'
import { compoundHead } from '../../engine/mm/page.ts'

export interface TestMachine {
  model: MemoryModel
  allocator: PageAllocator
}

/** One node; zones as given (default one DMA32 zone of `pages` pages from PFN 0); 4 KiB pages, pageblock order 9, 11 orders. */
export function machine(pages = 16384, zones?: ZoneSpec[], wmark = { min: 64, low: 80, high: 96 }): TestMachine {
  const { model, allocator } = bootModel({ pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }, zones ?? [{ name: 'DMA32', startPfn: 0, spanned: pages }], MigratetypeTable.standard())
  for (const z of model.zones) {
    z.wmark = { ...wmark, promo: wmark.high + 16 }
    z.protection = [0, 0, 0, 0, 0]
  }
  return { model, allocator }
}

/**
 * Rewrite the layout: `kindOf(pfn)` gives a page kind (PageKind, or a compound head byte for the
 * first page of a compound page, whose tails follow), or null for a free page. Pageblock types
 * can be set with `mtOf(pageblockStartPfn)`. Free lists are rebuilt (maximal blocks, merged).
 */
export function layout(t: TestMachine, kindOf: (pfn: number) => number | null, mtOf?: (pbStart: number) => number | undefined): void {
  const { model: m, allocator: a } = t
  m.zones.forEach((_, zi) => unlistZone(a, zi))
  if (mtOf) for (let pb = 0; pb < m.nrPageblocks; pb++) {
    const start = (pb + m.pbBase) * m.pageblockNrPages
    const mt = mtOf(start)
    if (mt !== undefined) m.pageblockMt[pb] = mt
  }
  for (const z of m.zones) {
    for (let p = z.startPfn; p < z.endPfn; p++) {
      if (m.memMap[p - m.basePfn] === PageKind.HOLE || m.memMap[p - m.basePfn] === PageKind.RESERVED) continue
      const k = kindOf(p)
      if (k === null) {
        m.memMap[p - m.basePfn] = PageKind.BUDDY_TAIL
        continue
      }
      if (k >= 0x40) {
        const order = k & 0x0f
        m.memMap.fill(PageKind.COMPOUND_TAIL, p - m.basePfn, p - m.basePfn + 2 ** order)
        m.memMap[p - m.basePfn] = k
        p += 2 ** order - 1
        continue
      }
      m.memMap[p - m.basePfn] = k
    }
  }
  m.zones.forEach((_, zi) => relistZone(a, zi))
}

export { compoundHead }

/** Pages that are not holes, and free pages (buddy), per the memMap. */
export function pageCensus(m: MemoryModel): { present: number; free: number } {
  let present = 0
  let free = 0
  for (const z of m.zones) {
    for (let p = z.startPfn; p < z.endPfn; p++) {
      const b = m.memMap[p - m.basePfn]!
      if (b === PageKind.HOLE) continue
      present++
      if (isBuddyPage(b)) free++
    }
  }
  return { present, free }
}

export function clean(m: MemoryModel): string[] {
  return checkModel(m)
}
