/**
 * Synthesized layout: a seeded model consistent with every count a capture's summaries give
 * (buddyinfo, pagetypeinfo, zoneinfo) when no kpageflags was captured.
 *
 * Guarantees (when the counts are feasible, which real captures are):
 *  - free blocks per order per migratetype list equal pagetypeinfo (and so buddyinfo);
 *  - pageblocks per migratetype equal pagetypeinfo's block counts;
 *  - spanned/present/managed, CMA pages and pcp pages per zone equal zoneinfo;
 *  - the free blocks obey the buddy invariant: no two free buddies of one order (§2.3).
 * Chosen by the seed: where each pageblock type and each free block sits, and which kind each
 * used page is (in proportions taken from the zone's LRU/slab/page-table counters).
 *
 * How free blocks are placed without creating mergeable buddies: walking the buddy tree from
 * the largest order down, every untouched node of order k+1 may hold at most one free block of
 * order k (in one of its halves), and a maximal untouched node whose parent contains a used page
 * may hold one block of its own order; the other halves become the candidates of the next order.
 */
import { MemoryModel, MigratetypeTable, type Geometry } from '../mm/mmzone.ts'
import { PageKind, THP_HEAD, compoundHead, headOrder, isFreeHead } from '../mm/page.ts'
import { PageAllocator } from '../mm/page_alloc.ts'
import { Rng } from '../sim/rng.ts'
import type { Capture } from '../snapshot.ts'
import { zoneShapes, makeZone, capturedFreeCounts, capturedBlockCounts, checkCountsFit, type ZoneShape } from './zones.ts'

export interface SynthesizeOptions {
  seed?: number
  /** first PFN of each CMA area, when known (from CMA debugfs, cma=size@base or the boot log) */
  cmaBasePfn?: number | null
}

/** Marker for pages that are free-able but not yet decided, during construction only. */
const UNDECIDED = 0x3f
/** an empty [pfn|order, order|mt] list (layoutPageblock only reads its lists) */
const NO_PAIRS: Array<[number, number]> = []

export function synthesizeModel(c: Capture, opts: SynthesizeOptions = {}): { model: MemoryModel; allocator: PageAllocator } {
  const seed = opts.seed ?? 1
  const notes: string[] = []
  const mts = new MigratetypeTable(c.machine.migratetypes)
  const geometry: Geometry = { pageSize: c.machine.pageSize, pageblockOrder: c.machine.pageblockOrder, nrOrders: c.machine.nrOrders }
  const shapes = zoneShapes(c, notes)
  if (shapes.length === 0) throw new Error(`${c.source}: no populated zone in the capture (need zoneinfo, pagetypeinfo or buddyinfo)`)
  const zones = shapes.map((s) => makeZone(s, geometry.nrOrders, mts))
  const model = new MemoryModel(geometry, mts, zones, { method: 'synthesized', seed, notes })
  const allocator = new PageAllocator(model)
  const rng = new Rng(seed)
  for (const s of shapes) {
    const zone = model.findZone(s.node, s.name)!
    synthesizeZone(c, model, allocator, s, zone, rng, notes, opts)
  }
  return { model, allocator }
}

function synthesizeZone(c: Capture, m: MemoryModel, allocator: PageAllocator, s: ZoneShape, zone: import('../mm/mmzone.ts').Zone, rng: Rng, notes: string[], opts: SynthesizeOptions): void {
  const mts = m.migratetypes
  const pbo = m.geometry.pageblockOrder
  const pbPages = 2 ** pbo
  const maxOrder = m.maxOrder
  const map = m.memMap
  const base = m.basePfn
  const label = zone.label

  // 1. holes at the zone end, reserved pages at the zone start; everything else undecided
  map.fill(UNDECIDED, zone.startPfn - base, zone.endPfn - base)
  // (x86's 640 KiB–1 MiB hole and the early memblock reservations both sit low in DMA)
  const reserved = s.present - s.managed
  if (reserved > 0) map.fill(PageKind.RESERVED, zone.startPfn - base, zone.startPfn + reserved - base)
  const holes = s.spanned - s.present
  if (holes > 0) {
    map.fill(PageKind.HOLE, zone.startPfn + reserved - base, zone.startPfn + reserved + holes - base)
    notes.push(`${label}: ${holes} hole pages (spanned − present) placed after the ${reserved} reserved pages at the zone start`)
  }

  // 2. pageblocks of the zone (stepping from zone_start_pfn, as pagetypeinfo counts them)
  const firstPb = Math.floor(zone.startPfn / pbPages)
  const lastPb = Math.floor((zone.endPfn - 1) / pbPages)
  const nPb = lastPb - firstPb + 1
  const pbStart = (i: number): number => (firstPb + i) * pbPages
  /** 0 = fully undecided (untouched), 1 = touched (holds a reserved/hole/out-of-zone page) */
  const touched = new Uint8Array(nPb)
  // inside the zone only [start, start + reserved + holes) is decided so far
  const decidedEnd = zone.startPfn + Math.max(0, reserved) + Math.max(0, holes)
  for (let i = 0; i < nPb; i++) {
    const lo = pbStart(i)
    if (lo < zone.startPfn || lo + pbPages > zone.endPfn || lo < decidedEnd) touched[i] = 1
  }

  // 3. target counts
  const free = capturedFreeCounts(c, s.node, s.name, mts, notes)
  let blocks = capturedBlockCounts(c, s.node, s.name, mts)
  checkCountsFit(c, s.node, s.name, s.startPfn, s.spanned, free, blocks)
  const cmaBlocks = mts.cma >= 0 ? Math.round(s.cma / pbPages) : 0
  if (!blocks) {
    blocks = new Array<number>(mts.count).fill(0)
    blocks[mts.movable] = nPb - cmaBlocks
    if (mts.cma >= 0) blocks[mts.cma] = cmaBlocks
    notes.push(`${label}: pageblock types unknown (no pagetypeinfo); all pageblocks Movable${cmaBlocks ? ` except ${cmaBlocks} CMA` : ''}`)
  }
  const totalBlocks = blocks.reduce((a, b) => a + b, 0)
  if (totalBlocks !== nPb) notes.push(`${label}: pagetypeinfo counts ${totalBlocks} pageblocks, the zone span covers ${nPb}`)

  // pageblock types: -1 = not yet assigned
  const pbType = new Int8Array(nPb).fill(-1)
  const remainingType = [...blocks]
  // CMA range: contiguous, at the known base or at the top of the zone
  const nCma = mts.cma >= 0 ? (blocks[mts.cma] ?? 0) : 0
  if (nCma > 0) {
    let startIdx = nPb - nCma
    if (opts.cmaBasePfn !== undefined && opts.cmaBasePfn !== null) {
      const i = Math.floor(opts.cmaBasePfn / pbPages) - firstPb
      if (i >= 0 && i + nCma <= nPb) startIdx = i
    } else {
      // leave room for the hole pages at the zone end
      while (startIdx > 0 && touched[startIdx + nCma - 1]) startIdx--
      notes.push(`${label}: CMA area position unknown; its ${nCma} pageblocks placed at the top of the zone`)
    }
    for (let i = startIdx; i < startIdx + nCma; i++) pbType[i] = mts.cma
    remainingType[mts.cma] = 0
  }

  // 4. free blocks of order ≥ pageblock order: choose aligned runs of untouched pageblocks
  const bigOrders: number[] = []
  for (let o = maxOrder; o >= pbo; o--) bigOrders.push(o)
  // candidate nodes at pageblock granularity: [index of first pageblock, order, canHostWhole]
  type Node = { i: number; order: number; whole: boolean }
  const nodeOk = (i: number, order: number, group: 'cma' | 'other'): boolean => {
    const n = 2 ** (order - pbo)
    if (i < 0 || i + n > nPb) return false
    for (let k = i; k < i + n; k++) {
      if (touched[k]) return false
      if ((mts.cma >= 0 && pbType[k] === mts.cma) !== (group === 'cma')) return false
    }
    return true
  }
  for (const group of ['cma', 'other'] as const) {
    const wantTypes = group === 'cma' ? [mts.cma] : mts.names.map((_, i) => i).filter((mt) => mt !== mts.cma)
    if (group === 'cma' && nCma === 0) continue
    // top level: every aligned max-order node can hold a max-order block
    let pool: Node[] = []
    const topN = 2 ** (maxOrder - pbo)
    for (let i = 0; i < nPb; i++) {
      if ((firstPb + i) % topN !== 0) continue
      if (nodeOk(i, maxOrder, group)) pool.push({ i, order: maxOrder, whole: true })
    }
    for (const o of bigOrders) {
      // hosts at this order: whole nodes of order o and parents of order o+1
      const demand: number[] = []
      for (const mt of wantTypes) for (let k = 0; k < (free[mt]?.[o] ?? 0); k++) demand.push(mt)
      rng.shuffle(demand)
      rng.shuffle(pool)
      const next: Node[] = []
      let d = 0
      for (const node of pool) {
        if (d < demand.length) {
          const mt = demand[d++]!
          let at = node.i
          if (!node.whole) {
            // parent of order o+1: one of its halves
            const half = 2 ** (o - pbo)
            const pick = rng.int(2)
            at = node.i + pick * half
            next.push({ i: node.i + (1 - pick) * half, order: o, whole: false })
          }
          placeFree(m, allocator, zone, pbStart(at), o, mt)
          const n = 2 ** (o - pbo)
          for (let k = at; k < at + n; k++) {
            pbType[k] = mt
            touched[k] = 2 // fully free
          }
          if (remainingType[mt]! > 0) remainingType[mt] = Math.max(0, remainingType[mt]! - n)
        } else if (o > pbo) {
          // unchosen: its halves (or itself, if it could host whole) are parents at the next order
          if (node.whole) next.push({ i: node.i, order: o, whole: false })
          else {
            const half = 2 ** (o - pbo)
            next.push({ i: node.i, order: o, whole: false }, { i: node.i + half, order: o, whole: false })
          }
        }
      }
      if (d < demand.length) notes.push(`${label}: ${demand.length - d} free blocks of order ${o} did not fit and were left out`)
      if (o === pbo) break
      pool = next
      // maximal untouched nodes of order o-1 whose parent holds a used or foreign pageblock may
      // hold a whole block of order o-1 (their buddy can never be free as one block)
      const n = 2 ** (o - 1 - pbo)
      for (let i = 0; i < nPb; i++) {
        if ((firstPb + i) % n !== 0 || !nodeOk(i, o - 1, group)) continue
        const parentI = Math.min(i, ((firstPb + i) ^ n) - firstPb)
        if (!nodeOk(parentI, o, group)) pool.push({ i, order: o - 1, whole: true })
      }
    }
  }

  // 5. types of the remaining pageblocks: Unmovable first where reserved pages sit, the rest shuffled
  // (typed arrays: the same entries in the same order as plain arrays, without boxing half a million numbers)
  let nBag = 0
  for (let mt = 0; mt < mts.count; mt++) nBag += Math.max(0, remainingType[mt] ?? 0)
  const bag = new Int32Array(nBag)
  nBag = 0
  for (let mt = 0; mt < mts.count; mt++) for (let k = 0; k < (remainingType[mt] ?? 0); k++) bag[nBag++] = mt
  rng.shuffle(bag)
  // reserved pages live in Unmovable blocks: move Unmovable entries to the front for those
  let nOrdered = 0
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1) nOrdered++
  const ordered = new Int32Array(nOrdered)
  nOrdered = 0
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1 && touched[i] === 1) ordered[nOrdered++] = i
  for (let i = 0; i < nPb; i++) if (pbType[i] === -1 && touched[i] !== 1) ordered[nOrdered++] = i
  let bi = 0
  // no Unmovable entry lies in [bi, scanFrom): a search resumes past the entries already passed
  let scanFrom = 0
  const unmovableFirst = (): number => {
    const j = bag.indexOf(mts.unmovable, Math.max(bi, scanFrom))
    scanFrom = j < 0 ? bag.length : j + 1
    if (j < 0) return bag[bi++] ?? mts.movable
    const t = bag[j]!
    bag[j] = bag[bi]!
    bag[bi] = t
    return bag[bi++]!
  }
  for (const i of ordered) pbType[i] = touched[i] === 1 ? unmovableFirst() : (bag[bi++] ?? mts.movable)
  for (let i = 0; i < nPb; i++) m.pageblockMt[firstPb + i - m.pbBase] = pbType[i]!

  // THPs of pageblock size occupy whole Movable pageblocks: set them aside before small free blocks
  const thpCount = thpPagesOfZone(c, m, zone, s)
  if (thpCount > 0) {
    let nc = 0
    for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === mts.movable) nc++
    const cands = new Int32Array(nc)
    nc = 0
    for (let i = 0; i < nPb; i++) if (touched[i] === 0 && pbType[i] === mts.movable) cands[nc++] = i
    rng.shuffle(cands)
    const take = Math.min(thpCount, cands.length)
    for (let k = 0; k < take; k++) {
      const i = cands[k]!
      const a = pbStart(i) - base
      map.fill(PageKind.COMPOUND_TAIL, a, a + pbPages)
      map[a] = compoundHead(THP_HEAD, pbo)
      touched[i] = 3
    }
    if (take < thpCount) notes.push(`${label}: ${thpCount - take} THPs did not fit in untouched Movable pageblocks`)
  }

  // 6. free blocks below pageblock order: quotas per pageblock, then a layout per pageblock
  const lowOrders = Math.min(pbo, m.geometry.nrOrders)
  // capacity state per pageblock at the current order: P = parents (untouched nodes of order k+1)
  const P = new Float64Array(nPb)
  // whole-capable nodes per pageblock per order (maximal untouched nodes with a touched parent)
  const wholes = new Map<number, Array<[number, number]>>() // pageblock → [pfn, order][]
  for (let i = 0; i < nPb; i++) {
    if (touched[i] === 2 || touched[i] === 3) continue
    if (touched[i] === 0) { P[i] = 1; continue }
    const list: Array<[number, number]> = []
    collectUntouched(map, base, pbStart(i), pbo, list)
    if (list.length) wholes.set(i, list)
  }
  // per order, per pageblock (order-major: one order's counts sit together)
  const quota = new Uint16Array(nPb * lowOrders)
  const overflow = new Map<number, Array<[number, number]>>() // pageblock → [order, mt][] placed on another type's block
  const byType: number[][] = mts.names.map(() => [])
  for (let i = 0; i < nPb; i++) if (touched[i] !== 2 && touched[i] !== 3) byType[pbType[i]!]!.push(i)
  const candI = new Int32Array(nPb)
  const candRoom = new Float64Array(nPb)
  // whole-capable nodes per pageblock and order, counted once
  const wholeCnt = new Uint16Array(nPb * lowOrders)
  for (const [i, l] of wholes) for (const [, wo] of l) if (wo < lowOrders) wholeCnt[wo * nPb + i]! += 1
  for (let o = lowOrders - 1; o >= 0; o--) {
    // capacity of pageblock i at this order: P[i] + wholeCnt[o·nPb + i] − quota[o·nPb + i]
    for (let mt = 0; mt < mts.count; mt++) {
      let need = free[mt]?.[o] ?? 0
      if (need === 0) continue
      // the candidates and their room left, side by side (no lookups of P and wholeCnt per block)
      const ofType = byType[mt]!
      let nc = 0
      for (let k = 0; k < ofType.length; k++) {
        const i = ofType[k]!
        const room = P[i]! + wholeCnt[o * nPb + i]! - quota[o * nPb + i]!
        if (room > 0) { candI[nc] = i; candRoom[nc] = room; nc++ }
      }
      while (need > 0 && nc > 0) {
        const j = rng.int(nc)
        quota[o * nPb + candI[j]!]! += 1
        need--
        if (--candRoom[j]! <= 0) { nc--; candI[j] = candI[nc]!; candRoom[j] = candRoom[nc]! }
      }
      if (need > 0) {
        // 6.1 lets a list and its pageblock's type disagree: place the rest on other blocks
        const any: number[] = []
        for (let i = 0; i < nPb; i++) if (touched[i] !== 2 && touched[i] !== 3 && P[i]! + wholeCnt[o * nPb + i]! - quota[o * nPb + i]! > 0) any.push(i)
        while (need > 0 && any.length > 0) {
          const j = rng.int(any.length)
          const i = any[j]!
          const q = o * nPb + i
          quota[q]! += 1
          const ov = overflow.get(i) ?? []
          ov.push([o, mt])
          overflow.set(i, ov)
          need--
          if (P[i]! + wholeCnt[q]! - quota[q]! <= 0) { any[j] = any[any.length - 1]!; any.pop() }
        }
        if (need > 0) notes.push(`${label}: ${need} free blocks of order ${o} (${mts.names[mt]}) did not fit and were left out`)
        else notes.push(`${label}: some ${mts.names[mt]} free blocks of order ${o} sit in pageblocks of another type (allowed since a 6.1 steal may leave list and block type different)`)
      }
    }
    // next order: P' = 2P + W − n
    for (let i = 0; i < nPb; i++) {
      if (touched[i] === 2 || touched[i] === 3) continue
      P[i] = 2 * P[i]! + wholeCnt[o * nPb + i]! - quota[o * nPb + i]!
    }
  }
  // layout inside each pageblock
  for (let i = 0; i < nPb; i++) {
    if (touched[i] === 2 || touched[i] === 3) continue
    let any = false
    for (let o = 0; o < lowOrders; o++) if (quota[o * nPb + i]) { any = true; break }
    if (!any) continue
    layoutPageblock(m, allocator, zone, rng, pbStart(i), pbo, quota, i, nPb, pbType[i]!, overflow.get(i) ?? NO_PAIRS, wholes.get(i) ?? NO_PAIRS, touched[i] === 0)
  }

  // 7. used pages: kinds by pageblock type, THPs in fully used Movable blocks, pcp pages
  fillUsed(m, zone, s, rng, firstPb, nPb, pbType, touched)
}

/** Put a free block on the lists (memMap head + list + counters) without merging. */
function placeFree(m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, pfn: number, order: number, mt: number): void {
  // (the head byte is written by addToFreeList; short tails without a fill() call)
  const a = pfn - m.basePfn
  const n = 1 << order
  if (n <= 16) {
    const map = m.memMap
    for (let k = 1; k < n; k++) map[a + k] = PageKind.BUDDY_TAIL
  } else m.memMap.fill(PageKind.BUDDY_TAIL, a, a + n)
  allocator.addToFreeList(zone, pfn, order, mt)
}

/** Maximal aligned nodes of [pfn, pfn + 2^order) whose pages are all UNDECIDED. */
function collectUntouched(map: Uint8Array, base: number, pfn: number, order: number, out: Array<[number, number]>): boolean {
  const a = pfn - base
  const n = 2 ** order
  let all = true
  for (let p = a; p < a + n; p++) if (map[p] !== UNDECIDED) { all = false; break }
  if (all) return true
  if (order === 0) return false
  const half = n / 2
  const l = collectUntouched(map, base, pfn, order - 1, out)
  const r = collectUntouched(map, base, pfn + half, order - 1, out)
  if (l) out.push([pfn, order - 1])
  if (r) out.push([pfn + half, order - 1])
  return false
}

/**
 * State of layoutPageblock (module-level, grown on demand, no closures on the hot path). The
 * hosts of one order are kept as runs instead of one entry per node: run r stands for the
 * parents runA[r], runA[r] + 2·2^o, … (runC[r] of them), in list order, runPre[r] entries before
 * it. Unchosen parents split into two halves, and the halves of a run of parents are again one
 * run, so a pageblock costs what its free blocks cost, not what its 2^pageblock_order nodes do.
 */
let runA = new Int32Array(0)
let runC = new Int32Array(0)
let runPre = new Int32Array(1)
let nextA = new Int32Array(0)
let nextC = new Int32Array(0)
let nRuns = 0
let nNext = 0
/** the order's whole-capable nodes (W = 1 entries, after the parents) */
let wholeP = new Int32Array(64)
let nParents = 0
/** entry stride of the runs (2^(o+1)) and the next order's (2^o) */
let runStride = 0
let nextStride = 0
/** positions the partial shuffle moved: value (pfn · 2 + W) valid where movedGen[i] === gen */
let movedVal = new Float64Array(0)
let movedGen = new Uint32Array(0)
let gen = 0
/** positions past the chosen ones that the shuffle moved */
let movedKeys = new Int32Array(0)

/** the entry at position i before the shuffle, as pfn · 2 + W */
function baseAt(i: number): number {
  if (i >= nParents) return wholeP[i - nParents]! * 2 + 1
  const r = runOf(i)
  return (runA[r]! + (i - runPre[r]!) * runStride) * 2
}

/** the run holding parent position i */
function runOf(i: number): number {
  let lo = 0, hi = nRuns - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (runPre[mid]! <= i) lo = mid
    else hi = mid - 1
  }
  return lo
}

function entryAt(i: number): number {
  return movedGen[i] === gen ? movedVal[i]! : baseAt(i)
}

/** append c next-order parents from pfn p on, merging with the last run where they continue it */
function pushNext(p: number, c: number): void {
  if (nNext > 0 && nextA[nNext - 1]! + nextC[nNext - 1]! * nextStride === p) nextC[nNext - 1]! += c
  else { nextA[nNext] = p; nextC[nNext] = c; nNext++ }
}

/** the unchosen entries at unmoved positions [lo, hi), split into the next order's parents */
function pushBase(lo: number, hi: number): void {
  if (lo >= hi) return
  if (lo < nParents) {
    let r = runOf(lo)
    const end = hi < nParents ? hi : nParents
    let i = lo
    while (i < end) {
      const runEnd = runPre[r + 1]! < end ? runPre[r + 1]! : end
      pushNext(runA[r]! + (i - runPre[r]!) * runStride, 2 * (runEnd - i))
      i = runEnd
      r++
    }
    lo = end
  }
  for (let i = lo; i < hi; i++) pushNext(wholeP[i - nParents]!, 1)
}

/**
 * Place one pageblock's quota of small free blocks, largest first, by the buddy-tree rule. Per
 * order: the hosts are the parents (untouched nodes of order o+1, one block in either half) and
 * then the whole-capable nodes of order o; the first n of a partial Fisher-Yates shuffle of them
 * get a block, in that order; the unchosen (and each chosen parent's other half) become the next
 * order's parents: the chosen ones' halves first, then the rest in their shuffled order.
 */
function layoutPageblock(
  m: MemoryModel, allocator: PageAllocator, zone: import('../mm/mmzone.ts').Zone, rng: Rng, start: number, pbo: number,
  quota: Uint16Array, pb: number, nPb: number, blockMt: number, overflow: Array<[number, number]>, wholes: Array<[number, number]>, untouched: boolean,
): void {
  const need = 2 * (1 << pbo) + wholes.length + 2
  if (runA.length < need) {
    runA = new Int32Array(need); runC = new Int32Array(need); runPre = new Int32Array(need + 1)
    nextA = new Int32Array(need); nextC = new Int32Array(need)
    movedVal = new Float64Array(need); movedGen = new Uint32Array(need); movedKeys = new Int32Array(need)
    gen = 0
  }
  if (wholeP.length < wholes.length + 1) wholeP = new Int32Array(wholes.length + 1)
  nRuns = 0
  if (untouched) { runA[0] = start; runC[0] = 1; nRuns = 1 }
  for (let o = pbo - 1; o >= 0; o--) {
    const n = quota[o * nPb + pb]!
    let nW = 0
    for (let w = 0; w < wholes.length; w++) if (wholes[w]![1] === o) wholeP[nW++] = wholes[w]![0]
    if (n === 0 && nW === 0) {
      // nothing placed, no whole-capable node: every parent splits in two, and so does each run
      if (o === 0) break
      for (let r = 0; r < nRuns; r++) runC[r]! *= 2
      continue
    }
    const half = 1 << o
    runStride = 2 * half
    nextStride = half
    // entries: the parents' runs, then this order's whole-capable nodes
    let nP = 0
    for (let r = 0; r < nRuns; r++) { runPre[r] = nP; nP += runC[r]! }
    runPre[nRuns] = nP
    nParents = nP
    const nH = nP + nW
    const chosen = n < nH ? n : nH
    if (gen === 0xffffffff) { movedGen.fill(0); gen = 0 }
    gen++
    let nKeys = 0
    for (let k = 0; k < chosen; k++) {
      const j = k + rng.int(nH - k)
      const vk = entryAt(k)
      if (movedGen[j] !== gen && j >= chosen) movedKeys[nKeys++] = j
      movedVal[k] = entryAt(j)
      movedGen[k] = gen
      movedVal[j] = vk
      movedGen[j] = gen
    }
    let types: number[] | null = null
    if (overflow.length > 0) {
      types = []
      for (let v = 0; v < overflow.length; v++) if (overflow[v]![0] === o) types.push(overflow[v]![1])
    }
    nNext = 0
    for (let k = 0; k < chosen; k++) {
      const v = movedVal[k]!
      const p = Math.floor(v / 2)
      const mt = types !== null && k < types.length ? types[k]! : blockMt
      if (v % 2 === 1) placeFree(m, allocator, zone, p, o, mt)
      else {
        const pick = rng.int(2)
        placeFree(m, allocator, zone, p + pick * half, o, mt)
        pushNext(p + (1 - pick) * half, 1)
      }
    }
    if (o === 0) break
    // the unchosen, in order: runs of unmoved positions, cut where the shuffle moved an entry
    // (few keys: an insertion sort)
    for (let a = 1; a < nKeys; a++) {
      const key = movedKeys[a]!
      let b = a - 1
      while (b >= 0 && movedKeys[b]! > key) { movedKeys[b + 1] = movedKeys[b]!; b-- }
      movedKeys[b + 1] = key
    }
    let pos = chosen
    for (let q = 0; q < nKeys; q++) {
      const at = movedKeys[q]!
      pushBase(pos, at)
      const v = movedVal[at]!
      pushNext(Math.floor(v / 2), v % 2 === 1 ? 1 : 2)
      pos = at + 1
    }
    pushBase(pos, nH)
    let t = runA; runA = nextA; nextA = t
    t = runC; runC = nextC; nextC = t
    nRuns = nNext
  }
}

/** Turn every still-undecided page into a used page of a kind that suits its pageblock. */
function fillUsed(m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, s: ZoneShape, rng: Rng, firstPb: number, nPb: number, pbType: Int8Array, touched: Uint8Array): void {
  const mts = m.migratetypes
  const map = m.memMap
  const base = m.basePfn
  const pbPages = m.pageblockNrPages
  const st = s.stats
  const anon = (st['nr_zone_inactive_anon'] ?? 0) + (st['nr_zone_active_anon'] ?? 0)
  const file = (st['nr_zone_inactive_file'] ?? 0) + (st['nr_zone_active_file'] ?? 0)
  const unevictable = st['nr_zone_unevictable'] ?? 0
  const lru = anon + file + unevictable
  const pAnon = lru > 0 ? anon / lru : 1
  const pUnevictable = lru > 0 ? unevictable / lru : 0
  const slabU = st['nr_slab_unreclaimable'] ?? st['nr_slab_unreclaimable_B'] ?? 0
  const pgtable = st['nr_page_table_pages'] ?? 0
  const kstack = st['nr_kernel_stack'] ?? 0
  const kernelish = slabU + pgtable + kstack
  const pSlab = kernelish > 0 ? slabU / (kernelish * 2) : 0.3
  const pPgtable = kernelish > 0 ? pgtable / (kernelish * 2) : 0.1
  // runs of one kind, 1..64 pages long, so neighbouring pages tend to share a kind
  // (pageblocks that are wholly free or a THP hold no undecided page; a free block is skipped whole)
  const UNEVICTABLE = PageKind.UNEVICTABLE, ANON = PageKind.ANON, FILE = PageKind.FILE, SLAB_RECLAIMABLE = PageKind.SLAB_RECLAIMABLE
  const SLAB = PageKind.SLAB, PAGETABLE = PageKind.PAGETABLE, KERNEL = PageKind.KERNEL
  let candidates = 0
  for (let i = 0; i < nPb; i++) {
    if (touched[i] === 2 || touched[i] === 3) continue
    const mt = pbType[i]!
    const lru = mt === mts.movable || mt === mts.cma
    const reclaimable = mt === mts.reclaimable
    const counted = mt === mts.movable || mt === mts.unmovable
    const start = Math.max((firstPb + i) * pbPages, zone.startPfn)
    const end = Math.min((firstPb + i + 1) * pbPages, zone.endPfn)
    let p = start - base
    const e = end - base
    while (p < e) {
      const b = map[p]!
      if (b !== UNDECIDED) { p += isFreeHead(b) ? 1 << headOrder(b) : 1; continue }
      const len = 1 + rng.int(64)
      const r = rng.next()
      let kind: number
      if (lru) kind = r < pUnevictable ? UNEVICTABLE : r < pUnevictable + (1 - pUnevictable) * pAnon ? ANON : FILE
      else if (reclaimable) kind = SLAB_RECLAIMABLE
      else kind = r < pSlab ? SLAB : r < pSlab + pPgtable ? PAGETABLE : KERNEL
      const lim = p + len < e ? p + len : e
      const from = p
      while (p < lim && map[p] === UNDECIDED) map[p++] = kind
      if (counted && kind !== UNEVICTABLE) candidates += p - from
    }
  }
  // pcp pages: free order-0 pages cached per cpu; taken from used pages of Movable/Unmovable blocks
  let pcp = Math.min(s.pcp, candidates)
  const z0 = zone.startPfn - base
  const zn = zone.endPfn - zone.startPfn
  while (pcp > 0) {
    const p = z0 + rng.int(zn)
    const b = map[p]!
    if (b !== PageKind.ANON && b !== PageKind.FILE && b !== PageKind.SLAB && b !== PageKind.PAGETABLE && b !== PageKind.KERNEL) continue
    const t = pbType[Math.floor((p + base) / pbPages) - firstPb]!
    if (t !== mts.movable && t !== mts.unmovable) continue
    map[p] = PageKind.PCP
    pcp--
  }
}

/** THP pages (in units of THPs) that belong in this zone: the node's count shared by managed pages. */
function thpPagesOfZone(c: Capture, m: MemoryModel, zone: import('../mm/mmzone.ts').Zone, s: ZoneShape): number {
  const nodeThp = s.stats['nr_anon_transparent_hugepages'] ?? c.nodeVmstat[zone.node]?.['nr_anon_transparent_hugepages'] ?? 0
  if (nodeThp <= 0 || c.machine.hpageOrder !== m.geometry.pageblockOrder) return 0
  // THPs are GFP_HIGHUSER_MOVABLE: they land in the node's highest zone first
  const highest = m.zones.filter((z) => z.node === zone.node).reduce((a, z) => (z.idx > a.idx ? z : a), zone)
  return highest === zone ? nodeThp : 0
}
