/**
 * Consistency checks of a model, in the spirit of CONFIG_DEBUG_VM: every free block is aligned,
 * inside its zone, made of buddy tails, counted on exactly one list; no two free buddies of
 * the same order are left unmerged (except where __free_one_page refuses the merge); the
 * zone's free page counter equals a scan.
 */
import type { MemoryModel } from './mmzone.ts'
import { PageKind, isFreeHead, headOrder, freeHeadMt } from './page.ts'

export function checkModel(m: MemoryModel, maxProblems = 20): string[] {
  const out: string[] = []
  const say = (s: string): boolean => {
    out.push(s)
    return out.length >= maxProblems
  }
  const nrT = m.migratetypes.count
  const pbOrder = m.geometry.pageblockOrder
  const map = m.memMap
  const b = m.basePfn
  for (const z of m.zones) {
    const counts = new Float64Array(m.geometry.nrOrders * nrT)
    let freePages = 0
    let cmaFree = 0
    for (let p = z.startPfn; p < z.endPfn;) {
      const v = map[p - b]!
      if (!isFreeHead(v)) {
        if (v === PageKind.BUDDY_TAIL && say(`${z.label}: pfn ${p} is a buddy tail outside any free block`)) return out
        p++
        continue
      }
      const o = headOrder(v)
      const mt = freeHeadMt(v)
      const size = 2 ** o
      if (p % size !== 0 && say(`${z.label}: free block at ${p} order ${o} misaligned`)) return out
      if (p + size > z.endPfn && say(`${z.label}: free block at ${p} order ${o} crosses the zone end`)) return out
      if (o >= m.geometry.nrOrders && say(`${z.label}: free block at ${p} has order ${o} ≥ NR_PAGE_ORDERS`)) return out
      for (let q = p + 1; q < p + size && q < z.endPfn; q++) {
        if (map[q - b] !== PageKind.BUDDY_TAIL) {
          if (say(`${z.label}: free block at ${p} order ${o} overlaps pfn ${q} (byte ${map[q - b]})`)) return out
          break
        }
      }
      counts[o * nrT + mt]! += 1
      if (mt !== m.migratetypes.isolate) {
        freePages += size
        if (mt === m.migratetypes.cma) cmaFree += size
      }
      // unmerged buddy?
      if (o < m.maxOrder) {
        const buddy = p ^ size
        if (buddy > p && buddy >= z.startPfn && buddy + size <= z.endPfn) {
          const bv = map[buddy - b]!
          if (isFreeHead(bv) && headOrder(bv) === o) {
            let refused = false
            if (o >= pbOrder) {
              const a = m.getPageblockMigratetype(p)
              const c = m.getPageblockMigratetype(buddy)
              refused = a !== c && (!m.migratetypes.isMergeable(a) || !m.migratetypes.isMergeable(c))
            }
            if (!refused && say(`${z.label}: free buddies ${p} and ${buddy} of order ${o} not merged`)) return out
          }
        }
      }
      p += size
    }
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== z.free.nrFreeMt[i]) {
        if (say(`${z.label}: list (order ${Math.floor(i / nrT)}, ${m.migratetypes.names[i % nrT]}) counts ${z.free.nrFreeMt[i]} but a scan finds ${counts[i]}`)) return out
      }
    }
    if (freePages !== z.nrFreePages && say(`${z.label}: nr_free_pages ${z.nrFreePages} but a scan finds ${freePages}`)) return out
    if (cmaFree !== z.nrFreeCmaPages && say(`${z.label}: nr_free_cma ${z.nrFreeCmaPages} but a scan finds ${cmaFree}`)) return out
  }
  return out
}
