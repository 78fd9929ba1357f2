/**
 * Zone shapes and per-migratetype free counts taken from a capture's summaries (zoneinfo,
 * pagetypeinfo, buddyinfo), shared by the exact and the synthesized reconstruction.
 */
import type { Capture } from '../snapshot.ts'
import { ZONE_NAMES, Zone, MigratetypeTable, type PcpCpu } from '../mm/mmzone.ts'
import { ParseError } from '../procfs/types.ts'

/**
 * The most PFNs, first zone's start to last zone's end, a model holds: 2^30 (4 TiB of 4 KiB
 * pages, 64 TiB of 64 KiB pages). The model keeps a byte or more per PFN in several arrays and
 * walks them; beyond this a capture is either not a real machine's (a damaged zoneinfo) or too
 * big to model here.
 */
export const MAX_MODEL_PFNS = 2 ** 30

export interface ZoneShape {
  node: number
  name: string
  idx: number
  startPfn: number
  spanned: number
  present: number
  managed: number
  cma: number
  pcp: number
  /** one cpu's pcp high and batch */
  pcpHigh: number
  pcpBatch: number
  /** every CPU's pageset (zoneinfo) */
  pcpCpus: PcpCpu[]
  boost: number
  min: number
  low: number
  high: number
  promo: number | null
  protection: number[]
  reservedHighatomic: number
  /** nr_free_pages as captured, if known */
  nrFreePages: number | null
  stats: Record<string, number>
  /** where the numbers came from */
  spanSource: 'zoneinfo' | 'pagetypeinfo' | 'buddyinfo'
}

/**
 * The populated zones of a capture, with spans from zoneinfo or, lacking it, pagetypeinfo/buddyinfo.
 * A span past MAX_MODEL_PFNS is a ParseError of the file it came from.
 */
export function zoneShapes(c: Capture, notes: string[]): ZoneShape[] {
  const out = zoneShapesOf(c, notes)
  if (out.length === 0) return out
  const lo = Math.min(...out.map((z) => z.startPfn))
  const hi = Math.max(...out.map((z) => z.startPfn + z.spanned))
  if (hi - lo > MAX_MODEL_PFNS) {
    const widest = out.reduce((a, b) => (b.spanned > a.spanned ? b : a))
    throw new ParseError(c.describe(out[0]!.spanSource), null,
      `zones spanning at most ${MAX_MODEL_PFNS} PFNs (2^30: 4 TiB of 4 KiB pages), what one model can hold`,
      `PFN ${lo} to ${hi} (${hi - lo} PFNs; node ${widest.node} zone ${widest.name} spans ${widest.spanned})`)
  }
  return out
}

function zoneShapesOf(c: Capture, notes: string[]): ZoneShape[] {
  const pbPages = 2 ** c.machine.pageblockOrder
  const out: ZoneShape[] = []
  if (c.zoneinfo) {
    let nextStart = 0
    // zoneinfo lists every compiled zone of a node in zone-index order; lowmem_reserve[] ("protection")
    // is indexed the same way. The model numbers zones by ZONE_NAMES (HighMem included), so remap:
    // a request whose highest zone is not compiled in (HighMem on 64-bit) behaves as the one below it.
    const namesOfNode = new Map<number, string[]>()
    for (const z of c.zoneinfo.zones) namesOfNode.set(z.node, [...(namesOfNode.get(z.node) ?? []), z.zone])
    const remap = (node: number, prot: number[]): number[] => {
      const names = namesOfNode.get(node) ?? []
      const out = new Array<number>(ZONE_NAMES.length).fill(-1)
      names.forEach((n, j) => {
        const k = ZONE_NAMES.indexOf(n as (typeof ZONE_NAMES)[number])
        if (k >= 0 && prot[j] !== undefined) out[k] = prot[j]!
      })
      for (let k = 0; k < out.length; k++) if (out[k] === -1) out[k] = k > 0 ? out[k - 1]! : 0
      return out
    }
    for (const z of c.zoneinfo.zones) {
      const idx = ZONE_NAMES.indexOf(z.zone as (typeof ZONE_NAMES)[number])
      if (!z.populated || z.present === 0) continue
      let startPfn = z.startPfn
      if (startPfn === null) {
        startPfn = nextStart
        notes.push(`${z.zone}: zoneinfo has no start_pfn (old kernel); zones assumed contiguous from PFN 0`)
      }
      nextStart = startPfn + z.spanned
      const pcp = z.pagesets.reduce((s, p) => s + p.count, 0)
      const pcpHigh = z.pagesets.reduce((s, p) => Math.max(s, p.high), 0)
      const pcpBatch = z.pagesets.reduce((s, p) => Math.max(s, p.batch), 0)
      out.push({
        node: z.node, name: z.zone, idx: idx < 0 ? out.length : idx, startPfn, spanned: z.spanned, present: z.present,
        managed: z.managed, cma: z.cma ?? 0, pcp, pcpHigh, pcpBatch, pcpCpus: z.pagesets.map((p) => ({ cpu: p.cpu, count: p.count, high: p.high, batch: p.batch, ...(p.highMin !== undefined ? { highMin: p.highMin } : {}) })), boost: z.boost, min: z.min - z.boost, low: z.low - z.boost, high: z.high - z.boost,
        promo: z.promo === null ? null : z.promo - z.boost, protection: remap(z.node, z.protection), reservedHighatomic: z.reservedHighatomic ?? 0,
        nrFreePages: z.stats['nr_free_pages'] ?? z.pagesFree, stats: { ...(z.nodeStats ?? {}), ...z.stats }, spanSource: 'zoneinfo',
      })
    }
    return out
  }
  // no zoneinfo: zones laid end to end, sized by their pageblock count or their free memory
  const rows = c.pagetypeinfo?.blocks ?? c.buddyinfo?.rows.map((r) => ({ node: r.node, zone: r.zone, counts: [] as number[] })) ?? []
  let start = 0
  for (const r of rows) {
    const idx = ZONE_NAMES.indexOf(r.zone as (typeof ZONE_NAMES)[number])
    let spanned: number
    let src: ZoneShape['spanSource']
    if (r.counts.length > 0) {
      spanned = r.counts.reduce((a, b) => a + b, 0) * pbPages
      src = 'pagetypeinfo'
    } else {
      const b = c.buddyinfo!.rows.find((x) => x.node === r.node && x.zone === r.zone)!
      const free = b.nrFree.reduce((s, n, o) => s + n * 2 ** o, 0)
      const maxBlock = 2 ** (c.machine.nrOrders - 1)
      // every free fragment needs at least one used page beside it; double the free memory
      spanned = Math.max(maxBlock, Math.ceil((2 * free + 1) / maxBlock) * maxBlock)
      src = 'buddyinfo'
    }
    start = Math.ceil(start / pbPages) * pbPages
    out.push({
      node: r.node, name: r.zone, idx: idx < 0 ? out.length : idx, startPfn: start, spanned, present: spanned, managed: spanned,
      cma: 0, pcp: 0, pcpHigh: 0, pcpBatch: 0, pcpCpus: [], boost: 0, min: 0, low: 0, high: 0, promo: null, protection: [], reservedHighatomic: 0, nrFreePages: null,
      stats: {}, spanSource: src,
    })
    start += spanned
  }
  if (out.length > 0) {
    notes.push(out[0]!.spanSource === 'pagetypeinfo'
      ? 'zone spans from pagetypeinfo block counts (no zoneinfo): zones assumed end to end from PFN 0, no holes, no reserved pages'
      : 'zone sizes unknown (only buddyinfo): each zone assumed twice its free memory, from PFN 0, no holes')
  }
  return out
}

export function makeZone(s: ZoneShape, nrOrders: number, mts: MigratetypeTable): Zone {
  const z = new Zone({ node: s.node, name: s.name, idx: s.idx, startPfn: s.startPfn, spanned: s.spanned, present: s.present, managed: s.managed, cmaPages: s.cma, nrOrders, nrTypes: mts.count })
  z.wmark = { min: s.min, low: s.low, high: s.high, promo: s.promo ?? s.high + (s.high - s.low) }
  z.boost = s.boost
  z.protection = [...s.protection]
  z.pcpPages = s.pcp
  // without zoneinfo: zone_batchsize() ≈ managed/1024 capped at 1 MiB worth, /4, and high = 6 batches
  z.pcpBatch = s.pcpBatch || Math.max(1, Math.min(Math.floor(s.managed / 1024), 256) >> 2)
  z.pcpHigh = s.pcpHigh || z.pcpBatch * 6
  z.pcpCpus = s.pcpCpus.map((c) => ({ ...c }))
  z.nrReservedHighatomic = s.reservedHighatomic
  return z
}

/**
 * Free blocks per (migratetype, order) of one zone, as captured: pagetypeinfo rows, with
 * `>100000` caps resolved from buddyinfo; or buddyinfo alone (all on the Movable list).
 */
export function capturedFreeCounts(c: Capture, node: number, zone: string, mts: MigratetypeTable, notes: string[]): number[][] {
  const nrOrders = c.machine.nrOrders
  const counts = mts.names.map(() => new Array<number>(nrOrders).fill(0))
  const buddy = c.buddyinfo?.rows.find((r) => r.node === node && r.zone === zone)
  const rows = c.pagetypeinfo?.free.filter((r) => r.node === node && r.zone === zone) ?? []
  if (rows.length > 0) {
    for (const r of rows) {
      const mt = mts.names.indexOf(r.migratetype)
      if (mt < 0) continue
      r.counts.forEach((v, o) => { counts[mt]![o] = v })
    }
    for (let o = 0; o < nrOrders; o++) {
      const capped = rows.filter((r) => r.capped[o]).map((r) => mts.names.indexOf(r.migratetype)).filter((m) => m >= 0)
      if (capped.length === 0) continue
      if (!buddy) {
        notes.push(`Node ${node}, zone ${zone}: order ${o} free count printed as >100000 and no buddyinfo to resolve it; 100000 used`)
        continue
      }
      const others = counts.reduce((s, row, mt) => (capped.includes(mt) ? s : s + row[o]!), 0)
      const rest = Math.max(0, buddy.nrFree[o]! - others)
      const each = Math.floor(rest / capped.length)
      capped.forEach((mt, i) => { counts[mt]![o] = Math.max(100000, each + (i < rest - each * capped.length ? 1 : 0)) })
      notes.push(`Node ${node}, zone ${zone}: order ${o} free count ">100000" resolved from buddyinfo (${capped.map((m) => mts.names[m]).join(', ')})`)
    }
    return counts
  }
  if (buddy) {
    buddy.nrFree.forEach((v, o) => { counts[mts.movable]![o] = v })
    notes.push(`Node ${node}, zone ${zone}: free lists per migratetype unknown (no pagetypeinfo); all free blocks placed on the Movable lists`)
  }
  return counts
}

/** Pageblocks per migratetype of a zone from pagetypeinfo, or null. */
export function capturedBlockCounts(c: Capture, node: number, zone: string, mts: MigratetypeTable): number[] | null {
  const row = c.pagetypeinfo?.blocks.find((r) => r.node === node && r.zone === zone)
  if (!row) return null
  const out = new Array<number>(mts.count).fill(0)
  c.pagetypeinfo!.migratetypes.forEach((name, i) => {
    const mt = mts.names.indexOf(name)
    if (mt >= 0) out[mt] = row.counts[i] ?? 0
  })
  return out
}

/**
 * Refuse captured counts a zone cannot hold: more free pages than the zone spans (the free
 * lists of pagetypeinfo or buddyinfo), or more pageblocks than it covers (pagetypeinfo's block
 * counts). Real captures, torn or not, never do; a damaged file would make a model build lists
 * of billions of blocks.
 */
export function checkCountsFit(c: Capture, node: number, zone: string, startPfn: number, spanned: number, free: number[][], blocks: number[] | null): void {
  const freePages = free.reduce((s, row) => s + row.reduce((t, v, o) => t + v * 2 ** o, 0), 0)
  if (freePages > spanned) {
    const file = c.pagetypeinfo?.free.some((r) => r.node === node && r.zone === zone) ? 'pagetypeinfo' : 'buddyinfo'
    throw new ParseError(c.describe(file), null, `free blocks of Node ${node}, zone ${zone} adding up to at most the ${spanned} pages it spans`, `${freePages} free pages`)
  }
  if (blocks) {
    const { first, last } = zonePageblockRange(startPfn, spanned, c.machine.pageblockOrder)
    const sum = blocks.reduce((a, b) => a + b, 0)
    if (sum > last - first + 2) {
      throw new ParseError(c.describe('pagetypeinfo'), null, `at most ${last - first + 1} pageblocks in Node ${node}, zone ${zone} (PFN ${startPfn} to ${startPfn + spanned})`, `${sum} pageblocks`)
    }
  }
}

/** Pageblocks a zone covers, counted as the kernel does (stepping pageblock_nr_pages from zone_start_pfn). */
export function zonePageblockRange(startPfn: number, spanned: number, pbOrder: number): { first: number; last: number } {
  const pb = 2 ** pbOrder
  return { first: Math.floor(startPfn / pb), last: Math.floor((startPfn + spanned - 1) / pb) }
}
