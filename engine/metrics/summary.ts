/**
 * What a model says per zone, in the kernel's own terms: free_area[].nr_free (as buddyinfo),
 * free blocks per migratetype list (as pagetypeinfo), pageblocks per migratetype (counted as
 * pagetypeinfo_showblockcount_print does: stepping pageblock_nr_pages from zone_start_pfn),
 * mixed pageblocks, the fragmentation indices and the proactive-compaction score.
 * Also re-creates the Buddyinfo / Pagetypeinfo records the procfs formatters print.
 */
import type { MemoryModel, Zone } from '../mm/mmzone.ts'
import { PageKind, FREE_HEAD, HUGETLB_HEAD, isFreeHead, isOutsideBuddy } from '../mm/page.ts'
import type { Buddyinfo, Pagetypeinfo, FragIndexRow } from '../procfs/types.ts'
import type { PageblockMap } from './pageblock_map.ts'
import { unusableFreeIndex, fragmentationIndex, extfragForOrder, fragmentationScoreNode, largestFreeOrder } from './fragmentation.ts'

export interface ZoneSummary {
  node: number
  zone: string
  startPfn: number
  spanned: number
  present: number
  managed: number
  /** NR_FREE_PAGES (buddy pages not on the Isolate lists) */
  freePages: number
  /** free pages held on per-cpu lists (not in freeBlocks) */
  pcpPages: number
  watermarks: { min: number; low: number; high: number; boost: number }
  /** free blocks per order, all migratetypes (buddyinfo) */
  freeBlocks: number[]
  freeBlocksByMigratetype: Record<string, number[]>
  freePagesByMigratetype: Record<string, number>
  pageblocks: Record<string, number>
  /** pageblocks holding a page whose mobility differs from the block's type (inferred from page kinds) */
  mixedPageblocks: Record<string, number>
  /** ×1000 per order */
  unusableIndex: number[]
  /** ×1000 per order */
  extfragIndex: number[]
  /** extfrag_for_order at the THP order, 0..100 */
  fragmentationScore: number
  largestFreeOrder: number
}

/** Pageblock indices (into model.pageblockMt) a zone owns, as pagetypeinfo steps them. */
export function zonePageblocks(m: MemoryModel, z: Zone): number[] {
  const out: number[] = []
  for (let pfn = z.startPfn; pfn < z.endPfn; pfn += m.pageblockNrPages) out.push(m.pbIndex(pfn))
  return out
}

/** Migratetype a used page would have been allocated with, or -1 (free, hole, reserved). */
export function pageMobility(m: MemoryModel, b: number): number {
  const mts = m.migratetypes
  if (b & FREE_HEAD) return -1
  if (b >= 0x40) return (b & 0xf0) === HUGETLB_HEAD ? mts.movable : mts.movable
  switch (b) {
    case PageKind.ANON: case PageKind.FILE: case PageKind.UNEVICTABLE: case PageKind.PINNED:
    case PageKind.WRITEBACK: case PageKind.MOVABLE_OPS: case PageKind.COMPOUND_TAIL:
      return mts.movable
    case PageKind.SLAB_RECLAIMABLE:
      return mts.reclaimable
    case PageKind.SLAB: case PageKind.PAGETABLE: case PageKind.KERNEL: case PageKind.ZERO:
      return mts.unmovable
    default:
      return -1
  }
}

/** pageMobility() of each of the 256 page bytes: -1 for free heads and buddy tails, as for holes */
export function mobilityTable(m: MemoryModel): Int16Array {
  const t = new Int16Array(256)
  for (let b = 0; b < 256; b++) t[b] = isFreeHead(b) || b === PageKind.BUDDY_TAIL ? -1 : pageMobility(m, b)
  return t
}

/**
 * `map` (computePageblockMap of the same model), when given, answers whether a pageblock that
 * lies wholly inside the zone is mixed, instead of another pass over its pages (same answer:
 * both look for a page whose mobility differs from the block's expected one).
 */
export function summarizeZone(m: MemoryModel, z: Zone, hpageOrder: number, map?: PageblockMap): ZoneSummary {
  const mts = m.migratetypes
  const nrOrders = m.geometry.nrOrders
  const freeBlocks = Array.from({ length: nrOrders }, (_, o) => z.free.nrFree(o))
  const freeBlocksByMigratetype: Record<string, number[]> = {}
  const freePagesByMigratetype: Record<string, number> = {}
  mts.names.forEach((name, mt) => {
    const row = Array.from({ length: nrOrders }, (_, o) => z.free.count(o, mt))
    freeBlocksByMigratetype[name] = row
    freePagesByMigratetype[name] = row.reduce((s, n, o) => s + n * 2 ** o, 0)
  })
  const pageblocks: Record<string, number> = Object.fromEntries(mts.names.map((n) => [n, 0]))
  const pbPages = m.pageblockNrPages
  const mixed: Record<string, number> = Object.fromEntries(mts.names.map((n) => [n, 0]))
  // pageMobility of every page byte (free heads and buddy tails are -1)
  const mobility = mobilityTable(m)
  const zi = m.zones.indexOf(z)
  // per expected type: 1 for a pair of page bytes (one 16-bit word) holding a page whose mobility
  // is known and differs from it (free pages have none)
  const foreign: Uint8Array[] = []
  const foreignTo = (expect: number): Uint8Array => {
    let t = foreign[expect]
    if (!t) {
      const one = new Uint8Array(256)
      for (let b = 0; b < 256; b++) {
        const mob = mobility[b]!
        one[b] = mob >= 0 && mob !== expect ? 1 : 0
      }
      t = new Uint8Array(65536)
      for (let h = 0; h < 65536; h++) t[h] = one[h & 0xff]! | one[h >>> 8]!
      foreign[expect] = t
    }
    return t
  }
  const mem = m.memMap
  const u16 = new Uint16Array(mem.buffer, mem.byteOffset, mem.length >> 1)
  for (const pb of zonePageblocks(m, z)) {
    // pagetypeinfo_showblockcount_print() skips a block whose first page is not online
    // (pfn_to_online_page) or not initialised into this zone (page_zone)
    if (isOutsideBuddy(mem[Math.max((pb + m.pbBase) * pbPages, z.startPfn) - m.basePfn]!)) continue
    const mt = m.pageblockMt[pb]!
    pageblocks[mts.names[mt]!]! += 1
    const start = Math.max((pb + m.pbBase) * pbPages, z.startPfn) - m.basePfn
    const end = Math.min((pb + m.pbBase + 1) * pbPages, z.endPfn) - m.basePfn
    // pagetypeinfo_showmixedcount_print: a page mixes its block when gfp_migratetype() differs from the
    // block's type; no allocation's is MIGRATE_CMA, so any allocated page mixes a CMA block (counted under Movable)
    const expect = mt
    if (map && end - start === pbPages && m.zoneIndexOfPageblock(pb) === zi && map.mt[pb] !== 255) {
      if (map.mixed[pb]) {
        const key = mt === mts.cma ? 'Movable' : mts.names[mt]!
        mixed[key] = (mixed[key] ?? 0) + 1
      }
      continue
    }
    const isForeign = foreignTo(expect)
    // a byte b alone is the word b | b << 8; the rest two page bytes at a time
    let hit = (start & 1) !== 0 && isForeign[mem[start]! * 257]! !== 0
    hit ||= (end & 1) !== 0 && end - 1 >= start + (start & 1) && isForeign[mem[end - 1]! * 257]! !== 0
    for (let w = (start + 1) >> 1, wEnd = end >> 1; !hit && w < wEnd; w++) if (isForeign[u16[w]!]) hit = true
    if (hit) {
      // pagetypeinfo_showmixedcount_print counts a CMA block with foreign pages under Movable
      const key = mt === mts.cma ? 'Movable' : mts.names[mt]!
      mixed[key] = (mixed[key] ?? 0) + 1
    }
  }
  return {
    node: z.node, zone: z.name, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed,
    freePages: z.nrFreePages, pcpPages: countKind(m, z, PageKind.PCP),
    watermarks: { min: z.wmark.min, low: z.wmark.low, high: z.wmark.high, boost: z.boost },
    freeBlocks, freeBlocksByMigratetype, freePagesByMigratetype, pageblocks, mixedPageblocks: mixed,
    unusableIndex: freeBlocks.map((_, o) => unusableFreeIndex(freeBlocks, o)),
    extfragIndex: freeBlocks.map((_, o) => fragmentationIndex(freeBlocks, o)),
    fragmentationScore: extfragForOrder(freeBlocks, Math.min(hpageOrder, nrOrders - 1)),
    largestFreeOrder: largestFreeOrder(freeBlocks),
  }
}

/** Pages of one kind in a zone, four bytes at a time (words without the kind are skipped whole). */
function countKind(m: MemoryModel, z: Zone, kind: number): number {
  let n = 0
  const map = m.memMap
  const from = z.startPfn - m.basePfn
  const to = z.endPfn - m.basePfn
  let i = from
  for (; i < to && (i & 3) !== 0; i++) if (map[i] === kind) n++
  if (map.byteOffset % 4 === 0) {
    const w32 = new Uint32Array(map.buffer, map.byteOffset, map.length >> 2)
    const pat = kind * 0x01010101
    const wEnd = to >> 2
    for (let w = i >> 2; w < wEnd; w++) {
      // a zero byte of x marks the kind (the has-zero-byte test); only such words are looked into
      const x = w32[w]! ^ pat
      if ((((x - 0x01010101) & ~x) & 0x80808080) === 0) continue
      for (let j = w << 2; j < (w << 2) + 4; j++) if (map[j] === kind) n++
    }
    i = Math.max(i, wEnd << 2)
  }
  for (; i < to; i++) if (map[i] === kind) n++
  return n
}

export function summarizeZones(m: MemoryModel, hpageOrder: number, map?: PageblockMap): ZoneSummary[] {
  return m.zones.map((z) => summarizeZone(m, z, hpageOrder, map))
}

/** fragmentation_score_node() for every node of the model */
export function nodeScores(m: MemoryModel, hpageOrder: number): Record<number, number> {
  const zones = m.zones.map((z) => ({ node: z.node, present: z.present, nrFree: Array.from({ length: m.geometry.nrOrders }, (_, o) => z.free.nrFree(o)) }))
  const out: Record<number, number> = {}
  for (const n of new Set(zones.map((z) => z.node))) out[n] = fragmentationScoreNode(zones, n, Math.min(hpageOrder, m.maxOrder))
  return out
}

/** The model's /proc/buddyinfo */
export function modelBuddyinfo(m: MemoryModel): Buddyinfo {
  return {
    nrOrders: m.geometry.nrOrders,
    rows: m.zones.map((z) => ({ node: z.node, zone: z.name, nrFree: Array.from({ length: m.geometry.nrOrders }, (_, o) => z.free.nrFree(o)) })),
  }
}

/** The kernel caps each printed list count at 100000 (pagetypeinfo_showfree_print, ≥5.4). */
const FREE_COUNT_CAP = 100000

/** The model's /proc/pagetypeinfo (mixed table included when asked) */
export function modelPagetypeinfo(m: MemoryModel, withMixed = false): Pagetypeinfo {
  const mts = m.migratetypes
  const nrOrders = m.geometry.nrOrders
  const free = []
  const blocks = []
  const mixed = []
  for (const z of m.zones) {
    const s = summarizeZone(m, z, m.geometry.pageblockOrder)
    for (const name of mts.names) {
      const row = s.freeBlocksByMigratetype[name]!
      free.push({ node: z.node, zone: z.name, migratetype: name, counts: row.map((v) => Math.min(v, FREE_COUNT_CAP)), capped: row.map((v) => v >= FREE_COUNT_CAP) })
    }
    blocks.push({ node: z.node, zone: z.name, counts: mts.names.map((n) => s.pageblocks[n]!) })
    mixed.push({ node: z.node, zone: z.name, counts: mts.names.map((n) => s.mixedPageblocks[n]!) })
  }
  return {
    pageblockOrder: m.geometry.pageblockOrder, pagesPerBlock: m.pageblockNrPages, nrOrders, migratetypes: [...mts.names],
    free, blocks, mixed: withMixed ? mixed : null,
  }
}

/** The model's debugfs extfrag_index / unusable_index rows */
export function modelFragIndex(m: MemoryModel, which: 'extfrag' | 'unusable'): FragIndexRow[] {
  return m.zones.map((z) => {
    const nr = Array.from({ length: m.geometry.nrOrders }, (_, o) => z.free.nrFree(o))
    return { node: z.node, zone: z.name, values: nr.map((_, o) => (which === 'extfrag' ? fragmentationIndex(nr, o) : unusableFreeIndex(nr, o))) }
  })
}
