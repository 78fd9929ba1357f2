/**
 * ZONE_MOVABLE what-if: the layout a snapshot would have had with kernelcore= / movablecore=
 * moving the top part of each node into ZONE_MOVABLE. Zone split as 6.1
 * `find_zone_movable_pfns_for_nodes` (mm/page_alloc.c) and `adjust_zone_range_for_zone_movable`,
 * watermarks as `__setup_per_zone_wmarks` (6.1: ZONE_MOVABLE gets a proportional share of
 * min_free_kbytes) and `setup_per_zone_lowmem_reserve` (mm/page_alloc.c, `find_zone_movable_pfns_for_nodes`).
 *
 *  - kernelcore=N|N% is spread evenly over the nodes with memory; memory below the start of the
 *    highest populated zone type counts towards it; the kernel part of a node is its lowest PFNs
 *    and ZONE_MOVABLE runs from there to the node's end; movablecore=N|N% is rounded up to a
 *    MAX_ORDER block and turns into kernelcore = max(kernelcore, total − movablecore); the start
 *    of ZONE_MOVABLE is rounded up to MAX_ORDER_NR_PAGES. `kernelcore=mirror` is not modelled.
 *  - The simplest honest re-run of the layout: pages stay where they are, except the
 *    non-movable ones (slab, page tables, other kernel pages) that now lie in ZONE_MOVABLE,
 *    which could never have been allocated there: each is moved to a free page of the same
 *    node's kernel part (Unmovable/Reclaimable pageblocks first, lowest PFN first), or, when none
 *    is free, swapped with a movable page of the kernel part. Pages that find no place at all
 *    are conflicts ("kernelcore too small"): they stay and are reported. Reserved pages stay
 *    (memblock allocations can land in ZONE_MOVABLE; has_unmovable_pages still refuses them).
 *    Pageblocks of ZONE_MOVABLE become Movable (CMA blocks stay CMA).
 */
import { MemoryModel, Zone, ZONE_NAMES } from '../mm/mmzone.ts'
import { PageAllocator, setupPerZoneWmarks } from '../mm/page_alloc.ts'
import { PageKind } from '../mm/page.ts'
import { unlistZone, relistZone } from '../mm/cma.ts'
import type { Blocker } from '../mm/page_isolation.ts'

/** A kernelcore=/movablecore= value: pages, or a percentage of all memory. */
export type CoreSize = { pages: number } | { percent: number }

export interface MovableSpec {
  kernelcore?: CoreSize
  movablecore?: CoreSize
  /** vm.min_free_kbytes (kept as captured) */
  minFreeKbytes: number
  watermarkScaleFactor: number
  /** vm.lowmem_reserve_ratio by kernel zone index (DMA, DMA32, Normal, …) */
  lowmemReserveRatio: number[]
}

export interface MovableResult {
  model: MemoryModel
  allocator: PageAllocator
  /** per node: first PFN of ZONE_MOVABLE (absent = none on that node) */
  movableStart: Record<number, number>
  /** pages moved out of ZONE_MOVABLE into the kernel part */
  relocated: number
  /** of which swapped with a movable page */
  swapped: number
  /** non-movable pages that found no place in the kernel part */
  conflicts: Blocker[]
  conflictsTotal: number
  /** reserved pages left inside ZONE_MOVABLE */
  reservedInMovable: number
  says: string[]
}

const NONMOVABLE = new Uint8Array(256)
for (const k of [PageKind.SLAB, PageKind.SLAB_RECLAIMABLE, PageKind.PAGETABLE, PageKind.KERNEL, PageKind.ZERO]) NONMOVABLE[k] = 1
const MOVABLE_SMALL = new Uint8Array(256)
for (const k of [PageKind.ANON, PageKind.FILE, PageKind.UNEVICTABLE, PageKind.WRITEBACK, PageKind.MOVABLE_OPS, PageKind.PINNED]) MOVABLE_SMALL[k] = 1

/** find_zone_movable_pfns_for_nodes() (6.1): the first PFN of ZONE_MOVABLE per node (0 = none). */
export function findZoneMovablePfns(m: MemoryModel, spec: Pick<MovableSpec, 'kernelcore' | 'movablecore'>): Map<number, number> {
  const maxOrderPages = 2 ** m.maxOrder
  const nodes = [...new Set(m.zones.filter((z) => z.present > 0 && z.name !== 'Movable').map((z) => z.node))].sort((a, b) => a - b)
  const ranges = new Map<number, Array<[number, number]>>()
  for (const n of nodes) ranges.set(n, m.zones.filter((z) => z.node === n && z.name !== 'Movable').map((z) => [z.startPfn, z.endPfn] as [number, number]).sort((a, b) => a[0] - b[0]))
  const totalpages = m.zones.reduce((s, z) => s + z.present, 0)
  const pagesOf = (c: CoreSize | undefined): number => (c === undefined ? 0 : 'pages' in c ? c.pages : Math.floor((totalpages * c.percent) / 100))
  let requiredKernelcore = pagesOf(spec.kernelcore)
  let requiredMovablecore = pagesOf(spec.movablecore)
  const zmp = new Map<number, number>(nodes.map((n) => [n, 0]))
  if (requiredMovablecore) {
    requiredMovablecore = Math.ceil(requiredMovablecore / maxOrderPages) * maxOrderPages
    requiredMovablecore = Math.min(totalpages, requiredMovablecore)
    requiredKernelcore = Math.max(requiredKernelcore, totalpages - requiredMovablecore)
  }
  if (!requiredKernelcore || requiredKernelcore >= totalpages) return new Map()
  // movable_zone: the highest populated zone type below ZONE_MOVABLE; its lowest start over all nodes
  const populated = m.zones.filter((z) => z.present > 0 && z.name !== 'Movable')
  const topIdx = Math.max(...populated.map((z) => z.idx))
  const usableStartpfn = Math.min(...populated.filter((z) => z.idx === topIdx).map((z) => z.startPfn))
  let usableNodes = nodes.length
  for (;;) {
    let kernelcoreNode = Math.floor(requiredKernelcore / usableNodes)
    for (const nid of nodes) {
      if (requiredKernelcore < kernelcoreNode) kernelcoreNode = Math.floor(requiredKernelcore / usableNodes)
      let remaining = kernelcoreNode
      for (const [s0, end] of ranges.get(nid)!) {
        let start = Math.max(s0, zmp.get(nid)!)
        if (start >= end) continue
        if (start < usableStartpfn) {
          const kernelPages = Math.min(end, usableStartpfn) - start
          remaining -= Math.min(kernelPages, remaining)
          requiredKernelcore -= Math.min(kernelPages, requiredKernelcore)
          if (end <= usableStartpfn) {
            zmp.set(nid, end)
            continue
          }
          start = usableStartpfn
        }
        let size = end - start
        if (size > remaining) size = remaining
        zmp.set(nid, start + size)
        requiredKernelcore -= Math.min(requiredKernelcore, size)
        remaining -= size
        if (!remaining) break
      }
    }
    usableNodes--
    if (usableNodes && requiredKernelcore > usableNodes) continue
    break
  }
  const out = new Map<number, number>()
  for (const nid of nodes) {
    const v = Math.ceil(zmp.get(nid)! / maxOrderPages) * maxOrderPages
    const nodeEnd = Math.max(...ranges.get(nid)!.map((r) => r[1]))
    if (v > 0 && v < nodeEnd) out.set(nid, v)
  }
  return out
}

/** setup_per_zone_lowmem_reserve() (6.1), written in the model's zone numbering (protection[model idx]). */
export function setupLowmemReserve(m: MemoryModel, ratio: number[]): void {
  const nodes = [...new Set(m.zones.map((z) => z.node))]
  for (const n of nodes) {
    const zones = m.zones.filter((z) => z.node === n)
    for (const z of zones) {
      // kernel index of the zone: DMA 0, DMA32 1, Normal 2 (64-bit), Movable after them
      const r = z.name === 'Movable' ? 0 : (ratio[Math.min(z.idx, 2)] ?? 0)
      const prot: number[] = []
      for (let j = 0; j < ZONE_NAMES.length - 1; j++) {
        if (j <= z.idx || !r || !z.managed) {
          prot.push(0)
          continue
        }
        const above = zones.filter((u) => u.idx > z.idx && u.idx <= j).reduce((s, u) => s + u.managed, 0)
        prot.push(Math.floor(above / r))
      }
      z.protection = prot
    }
  }
}

/**
 * Build the model with ZONE_MOVABLE carved out (a new model; the input is left untouched
 * except that its free lists are taken apart and rebuilt, so pass a copy).
 */
export function carveZoneMovable(src: MemoryModel, srcAlloc: PageAllocator, spec: MovableSpec, blockerCap = 64): MovableResult {
  const starts = findZoneMovablePfns(src, spec)
  const says: string[] = []
  const what = [spec.kernelcore ? `kernelcore=${'pages' in spec.kernelcore ? `${spec.kernelcore.pages} pages` : `${spec.kernelcore.percent}%`}` : '', spec.movablecore ? `movablecore=${'pages' in spec.movablecore ? `${spec.movablecore.pages} pages` : `${spec.movablecore.percent}%`}` : ''].filter(Boolean).join(' ')
  if (starts.size === 0) {
    says.push(`${what}: no ZONE_MOVABLE results (kernelcore covers all memory, or nothing asked), layout unchanged`)
    return { model: src, allocator: srcAlloc, movableStart: {}, relocated: 0, swapped: 0, conflicts: [], conflictsTotal: 0, reservedInMovable: 0, says }
  }
  // 1. every free block off its list: pages become BUDDY_TAIL
  src.zones.forEach((_, zi) => unlistZone(srcAlloc, zi))
  const map = src.memMap
  const base = src.basePfn
  const mts = src.migratetypes
  let relocated = 0
  let swapped = 0
  const conflicts: Blocker[] = []
  let conflictsTotal = 0
  let reservedInMovable = 0
  for (const [nid, mstart] of starts) {
    const nodeZones = src.zones.filter((z) => z.node === nid)
    const nodeStart = Math.min(...nodeZones.map((z) => z.startPfn))
    const nodeEnd = Math.max(...nodeZones.map((z) => z.endPfn))
    // destinations in the kernel part: free pages of Unmovable/Reclaimable blocks, then any free page, then movable pages
    const prefer = (pfn: number, k: number): boolean => {
      const mt = src.getPageblockMigratetype(pfn)
      return k === PageKind.SLAB_RECLAIMABLE ? mt === mts.reclaimable : mt === mts.unmovable
    }
    const inZone = (p: number): boolean => src.zoneOf(p) !== null
    const cursors = { pref: nodeStart, any: nodeStart, swap: nodeStart }
    const nextFree = (pred: (p: number) => boolean, key: 'pref' | 'any'): number => {
      for (let p = cursors[key]; p < mstart; p++) {
        if (map[p - base] === PageKind.BUDDY_TAIL && inZone(p) && pred(p)) {
          cursors[key] = p + 1
          return p
        }
      }
      cursors[key] = mstart
      return -1
    }
    const nextMovable = (): number => {
      for (let p = cursors.swap; p < mstart; p++) {
        if (MOVABLE_SMALL[map[p - base]!] && inZone(p)) {
          cursors.swap = p + 1
          return p
        }
      }
      cursors.swap = mstart
      return -1
    }
    for (let p = mstart; p < nodeEnd; p++) {
      const k = map[p - base]!
      if (k === PageKind.RESERVED) {
        reservedInMovable++
        continue
      }
      if (!NONMOVABLE[k]) continue
      let dst = nextFree((q) => prefer(q, k), 'pref')
      if (dst < 0) dst = nextFree(() => true, 'any')
      if (dst >= 0) {
        map[dst - base] = k
        map[p - base] = PageKind.BUDDY_TAIL
        relocated++
        continue
      }
      const mv = nextMovable()
      if (mv >= 0) {
        map[p - base] = map[mv - base]!
        map[mv - base] = k
        relocated++
        swapped++
        continue
      }
      conflictsTotal++
      if (conflicts.length < blockerCap) conflicts.push({ pfn: p, kind: k === PageKind.PAGETABLE ? 'pagetable' : k === PageKind.SLAB || k === PageKind.SLAB_RECLAIMABLE ? 'slab' : 'unmovable' })
    }
  }
  // 2. the new zones
  const newZones: Zone[] = []
  const countIn = (s: number, e: number, pred: (b: number) => boolean): number => {
    let n = 0
    for (let p = s; p < e; p++) if (pred(map[p - base]!)) n++
    return n
  }
  const mkZone = (old: Zone, name: string, idx: number, s: number, e: number): Zone => {
    const present = countIn(s, e, (b) => b !== PageKind.HOLE)
    const reserved = countIn(s, e, (b) => b === PageKind.RESERVED)
    const z = new Zone({ node: old.node, name, idx, startPfn: s, spanned: e - s, present, managed: Math.max(0, present - reserved), nrOrders: src.geometry.nrOrders, nrTypes: mts.count })
    z.pcpHigh = old.pcpHigh
    z.pcpBatch = old.pcpBatch
    z.nrReservedHighatomic = 0
    return z
  }
  for (const z of src.zones) {
    const ms = starts.get(z.node)
    if (ms === undefined || z.endPfn <= ms) {
      const nz = new Zone({ node: z.node, name: z.name, idx: z.idx, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed, cmaPages: 0, nrOrders: src.geometry.nrOrders, nrTypes: mts.count })
      nz.pcpHigh = z.pcpHigh
      nz.pcpBatch = z.pcpBatch
      nz.nrReservedHighatomic = z.nrReservedHighatomic
      newZones.push(nz)
    } else if (z.startPfn < ms) newZones.push(mkZone(z, z.name, z.idx, z.startPfn, ms))
  }
  for (const [nid, ms] of starts) {
    const nodeZones = src.zones.filter((z) => z.node === nid)
    const end = Math.max(...nodeZones.map((z) => z.endPfn))
    const donor = nodeZones.reduce((a, z) => (z.endPfn > a.endPfn ? z : a))
    newZones.push(mkZone(donor, 'Movable', ZONE_NAMES.indexOf('Movable'), ms, end))
  }
  const model = new MemoryModel(src.geometry, mts, newZones, { ...src.build, notes: [...src.build.notes] } as typeof src.build)
  if (model.basePfn !== src.basePfn || model.memMap.length !== src.memMap.length) throw new Error('ZONE_MOVABLE carve-out changed the PFN range')
  model.memMap.set(map)
  // (kernelCompoundTails stays null: the carve-out moves kernel pages one by one, not as compound pages)
  model.pageblockMt.set(src.pageblockMt)
  model.pageblockFlags.fill(0)
  for (const [, ms] of starts) {
    for (let i = model.pbIndex(ms); i < model.nrPageblocks; i++) {
      const z = model.zones[model.zoneIndexOfPageblock(i)]
      if (z?.name === 'Movable' && model.pageblockMt[i] !== mts.cma) model.pageblockMt[i] = mts.movable
    }
  }
  const allocator = new PageAllocator(model, srcAlloc.policy)
  model.zones.forEach((z, zi) => {
    relistZone(allocator, zi)
    let cma = 0
    for (let p = z.startPfn - (z.startPfn % model.pageblockNrPages); p < z.endPfn; p += model.pageblockNrPages) if (p >= z.startPfn && model.getPageblockMigratetype(p) === mts.cma) cma += model.pageblockNrPages
    z.cmaPages = cma
    let pcp = 0
    for (let p = z.startPfn; p < z.endPfn; p++) if (map[p - base] === PageKind.PCP) pcp++
    z.pcpPages = pcp
  })
  setupPerZoneWmarks(model, spec.minFreeKbytes, spec.watermarkScaleFactor, false)
  setupLowmemReserve(model, spec.lowmemReserveRatio)
  model.build.notes.push(`ZONE_MOVABLE carved out (${what}) from PFN ${[...starts].map(([n, s]) => `${s} on node ${n}`).join(', ')}`)
  const mib = (p: number): string => `${((p * src.geometry.pageSize) / 1048576).toFixed(0)} MiB`
  const movPages = model.zones.filter((z) => z.name === 'Movable').reduce((s, z) => s + z.present, 0)
  says.push(`${what}: ZONE_MOVABLE of ${mib(movPages)} from PFN ${[...starts].map(([n, s]) => `${s} (0x${s.toString(16)}) on node ${n}`).join(', ')} to the end of each node (6.1 find_zone_movable_pfns_for_nodes)`)
  says.push(`layout re-run: pages keep their PFNs except the ${relocated} non-movable pages (slab, page tables, kernel) that lay in ZONE_MOVABLE and could never have been allocated there; they were placed in free pages of the kernel part${swapped ? ` (${swapped} by swapping with a movable page there)` : ''}`)
  if (conflictsTotal) says.push(`${conflictsTotal} non-movable pages found no room in the kernel part (kernelcore too small for this workload): they stay in ZONE_MOVABLE and show as blockers`)
  if (reservedInMovable) says.push(`${reservedInMovable} reserved (memblock) pages lie in ZONE_MOVABLE and stay there`)
  says.push(`watermarks recomputed from min_free_kbytes=${spec.minFreeKbytes} (6.1: ZONE_MOVABLE takes a proportional share) and lowmem_reserve_ratio ${spec.lowmemReserveRatio.join(' ')}`)
  return { model, allocator, movableStart: Object.fromEntries(starts), relocated, swapped, conflicts, conflictsTotal, reservedInMovable, says }
}

/**
 * A CMA area moved or grown by the user: CMA pageblocks only ever hold movable allocations, so
 * the non-movable pages (slab, page tables, kernel) the layout has inside [start, end) would have
 * been allocated elsewhere. Move each to a free page of the same zone outside the range
 * (Unmovable/Reclaimable pageblocks first, lowest PFN first), else swap it with a movable page
 * outside; what finds no place stays and is counted. Reserved pages stay.
 */
export function relocateOutOfRange(m: MemoryModel, alloc: PageAllocator, start: number, end: number): { relocated: number; swapped: number; stuck: number; reserved: number } {
  const zis = new Set<number>()
  for (let p = start; p < end; p += m.pageblockNrPages) {
    const z = m.zoneOf(p)
    if (z) zis.add(m.zones.indexOf(z))
  }
  for (const zi of zis) unlistZone(alloc, zi)
  const map = m.memMap
  const base = m.basePfn
  const mts = m.migratetypes
  let relocated = 0
  let swapped = 0
  let stuck = 0
  let reserved = 0
  for (const zi of zis) {
    const z = m.zones[zi]!
    const outside = (p: number): boolean => p < start || p >= end
    const cur = { pref: z.startPfn, any: z.startPfn, swap: z.startPfn }
    const next = (key: 'pref' | 'any' | 'swap', ok: (p: number) => boolean): number => {
      for (let p = cur[key]; p < z.endPfn; p++) {
        if (outside(p) && ok(p)) {
          cur[key] = p + 1
          return p
        }
      }
      cur[key] = z.endPfn
      return -1
    }
    for (let p = Math.max(start, z.startPfn); p < Math.min(end, z.endPfn); p++) {
      const k = map[p - base]!
      if (k === PageKind.RESERVED) {
        reserved++
        continue
      }
      if (!NONMOVABLE[k]) continue
      const want = k === PageKind.SLAB_RECLAIMABLE ? mts.reclaimable : mts.unmovable
      let dst = next('pref', (q) => map[q - base] === PageKind.BUDDY_TAIL && m.getPageblockMigratetype(q) === want)
      if (dst < 0) dst = next('any', (q) => map[q - base] === PageKind.BUDDY_TAIL)
      if (dst >= 0) {
        map[dst - base] = k
        map[p - base] = PageKind.BUDDY_TAIL
        relocated++
        continue
      }
      const mv = next('swap', (q) => MOVABLE_SMALL[map[q - base]!] === 1)
      if (mv >= 0) {
        map[p - base] = map[mv - base]!
        map[mv - base] = k
        relocated++
        swapped++
        continue
      }
      stuck++
    }
  }
  for (const zi of zis) relistZone(alloc, zi)
  return { relocated, swapped, stuck, reserved }
}
