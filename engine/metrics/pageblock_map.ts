/**
 * Per-pageblock and per-page views of a model for maps: the pageblock's migratetype and how
 * many of its pages are free, movable, unmovable, reclaimable or pinned, and whether it is
 * mixed (a page's mobility differs from the block's type); and the page-level detail of one
 * pageblock in display classes.
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import { PageKind, isOutsideBuddy, FREE_HEAD, THP_HEAD, HUGETLB_HEAD, FOLIO_HEAD, isFreeHead, headOrder } from '../mm/page.ts'
import { pageMobility } from './summary.ts'

export interface PageblockMap {
  /** migratetype index per pageblock, 255 when the pageblock is in no zone */
  mt: Uint8Array
  free: Uint16Array
  movable: Uint16Array
  unmovable: Uint16Array
  reclaimable: Uint16Array
  pinned: Uint16Array
  mixed: Uint8Array
}

export function computePageblockMap(m: MemoryModel): PageblockMap {
  const n = m.nrPageblocks
  const out: PageblockMap = {
    mt: new Uint8Array(n), free: new Uint16Array(n), movable: new Uint16Array(n), unmovable: new Uint16Array(n),
    reclaimable: new Uint16Array(n), pinned: new Uint16Array(n), mixed: new Uint8Array(n),
  }
  const pbPages = m.pageblockNrPages
  const map = m.memMap
  const mts = m.migratetypes
  // class of each page byte, computed once
  const cls = new Uint8Array(256)
  const mob = new Int16Array(256)
  for (let b = 0; b < 256; b++) {
    mob[b] = pageMobility(m, b)
    if (b & FREE_HEAD || b === PageKind.BUDDY_TAIL || b === PageKind.PCP) cls[b] = 1
    else if (b === PageKind.PINNED) cls[b] = 5
    else if (b === PageKind.SLAB_RECLAIMABLE) cls[b] = 4
    else if (mob[b] === mts.movable) cls[b] = 2
    else if (mob[b] === mts.unmovable || b === PageKind.RESERVED) cls[b] = 3
    else cls[b] = 0
  }
  // per page: one count per class, and the mixed flag from a table for the block's expected mobility
  const cnt = new Int32Array(8)
  const mixedOf = new Map<number, Uint8Array>()
  const mixedTable = (expect: number): Uint8Array => {
    let t = mixedOf.get(expect)
    if (!t) {
      t = new Uint8Array(256)
      for (let b = 0; b < 256; b++) t[b] = mob[b]! >= 0 && mob[b] !== expect ? 1 : 0
      mixedOf.set(expect, t)
    }
    return t
  }
  // the page bytes four at a time where pageblocks are whole words (a pageblock of at least 4
  // pages, the map at a 4-byte boundary of its buffer); the counts are those of the byte loop
  const words = pbPages % 4 === 0 && map.byteOffset % 4 === 0 ? new Uint32Array(map.buffer, map.byteOffset, Math.floor(map.length / 4)) : null
  for (let pb = 0; pb < n; pb++) {
    const zi = m.zoneIndexOfPageblock(pb)
    // as pagetypeinfo: a block whose first page in the zone is a hole or uninitialised is in no zone's view
    if (zi < 0 || isOutsideBuddy(map[Math.max(pb * pbPages, m.zones[zi]!.startPfn - m.basePfn)]!)) {
      out.mt[pb] = 255
      continue
    }
    const mt = m.pageblockMt[pb]!
    out.mt[pb] = mt
    // as pagetypeinfo_showmixedcount_print: a CMA block holding any allocated page is mixed (no gfp_migratetype() is CMA)
    const mx = mixedTable(mt)
    cnt.fill(0)
    let mixed = 0
    const start = pb * pbPages
    const end = start + pbPages
    if (words !== null) {
      // four pages per word: a run of equal words (four equal bytes each: free blocks, THPs,
      // runs of one kind of used page) is counted at once, other words byte by byte
      const we = end / 4
      let w = start / 4
      while (w < we) {
        const v = words[w]!
        if (v >>> 8 === (v & 0xffffff)) {
          let j = w + 1
          while (j < we && words[j] === v) j++
          const b = v & 0xff
          cnt[cls[b]!]! += 4 * (j - w)
          mixed |= mx[b]!
          w = j
        } else {
          const b0 = v & 0xff, b1 = (v >>> 8) & 0xff, b2 = (v >>> 16) & 0xff, b3 = v >>> 24
          cnt[cls[b0]!]! += 1
          cnt[cls[b1]!]! += 1
          cnt[cls[b2]!]! += 1
          cnt[cls[b3]!]! += 1
          mixed |= mx[b0]! | mx[b1]! | mx[b2]! | mx[b3]!
          w++
        }
      }
    } else {
      for (let i = start; i < end; i++) {
        const b = map[i]!
        cnt[cls[b]!]! += 1
        mixed |= mx[b]!
      }
    }
    // class 5 (pinned) counts as movable too
    out.free[pb] = Math.min(cnt[1]!, 65535)
    out.movable[pb] = Math.min(cnt[2]! + cnt[5]!, 65535)
    out.unmovable[pb] = Math.min(cnt[3]!, 65535)
    out.reclaimable[pb] = Math.min(cnt[4]!, 65535)
    out.pinned[pb] = Math.min(cnt[5]!, 65535)
    out.mixed[pb] = mixed
  }
  return out
}

/** Display classes of the page-level view (must match PAGE_CLASSES of the contract). */
export const PAGE_CLASS_NAMES = ['hole', 'free', 'pcp', 'movable', 'file', 'unevictable', 'pinned', 'reclaimable', 'unmovable', 'pagetable', 'reserved', 'thp', 'hugetlb', 'other'] as const

function pageClassIndex(b: number): number {
  if (b & FREE_HEAD || b === PageKind.BUDDY_TAIL) return 1
  const hi = b & 0xf0
  if (hi === THP_HEAD || hi === FOLIO_HEAD) return 11
  if (hi === HUGETLB_HEAD) return 12
  switch (b) {
    case PageKind.HOLE: case PageKind.UNINIT: return 0
    case PageKind.PCP: return 2
    case PageKind.ANON: case PageKind.MOVABLE_OPS: case PageKind.WRITEBACK: return 3
    case PageKind.FILE: return 4
    case PageKind.UNEVICTABLE: return 5
    case PageKind.PINNED: return 6
    case PageKind.SLAB_RECLAIMABLE: return 7
    case PageKind.SLAB: case PageKind.KERNEL: case PageKind.ZERO: return 8
    case PageKind.PAGETABLE: return 9
    case PageKind.RESERVED: return 10
    case PageKind.COMPOUND_TAIL: return 11
    default: return 13
  }
}

export interface PageblockDetail {
  startPfn: number
  migratetype: string
  zone: string | null
  pages: Uint8Array
  classes: Uint8Array
  orders: Int8Array
}

export function pageblockDetail(m: MemoryModel, pb: number): PageblockDetail {
  if (!Number.isInteger(pb) || pb < 0 || pb >= m.nrPageblocks) throw new RangeError(`pageblock ${pb} outside 0..${m.nrPageblocks - 1}`)
  const pbPages = m.pageblockNrPages
  const start = pb * pbPages
  const pages = m.memMap.slice(start, start + pbPages)
  const classes = new Uint8Array(pbPages)
  const orders = new Int8Array(pbPages).fill(-1)
  // tails at the block's start belong to a compound page whose head lies in an earlier block
  let tailOf = 13
  if (pages[0] === PageKind.COMPOUND_TAIL) {
    let j = start - 1
    while (j >= 0 && m.memMap[j] === PageKind.COMPOUND_TAIL) j--
    const h = j >= 0 ? m.memMap[j]! : 0
    tailOf = (h & 0xf0) === HUGETLB_HEAD ? 12 : h >= 0x40 && h < 0x70 ? 11 : 13
  }
  for (let i = 0; i < pbPages; i++) {
    const b = pages[i]!
    let c = pageClassIndex(b)
    if (b === PageKind.COMPOUND_TAIL) c = tailOf
    else if ((b & 0xf0) === HUGETLB_HEAD) tailOf = 12
    else if (b >= 0x40 && b < 0x70) tailOf = 11
    classes[i] = c
    if (isFreeHead(b) || (b >= 0x40 && b < 0x70)) orders[i] = headOrder(b)
  }
  const startPfn = m.basePfn + start
  const z = m.zoneOf(startPfn) ?? m.zoneOf(startPfn + pbPages - 1)
  return { startPfn, migratetype: m.migratetypes.names[m.pageblockMt[pb]!] ?? '?', zone: z ? z.label : null, pages, classes, orders }
}
