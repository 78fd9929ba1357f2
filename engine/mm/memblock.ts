/**
 * Boot-time hand-over of memory to the buddy allocator, as memblock_free_all() and
 * __free_pages_core() do (kernel 6.1): every usable page of every zone is freed in the largest
 * naturally aligned blocks that fit, lowest PFN first, so lists start in ascending PFN order.
 * Used to build synthetic machines and test models.
 */
import { MemoryModel, Zone, MigratetypeTable, type Geometry } from './mmzone.ts'
import { PageKind } from './page.ts'
import { PageAllocator } from './page_alloc.ts'

export interface ZoneSpec {
  node?: number
  name: string
  startPfn: number
  spanned: number
  /** pages at the start of the zone that are PG_reserved (present − managed) */
  reserved?: number
  /** holes: [startPfn, endPfn) ranges inside the span with no memory */
  holes?: Array<[number, number]>
  cmaPages?: number
}

/** Build a model whose zones are entirely free except for the reserved pages and holes. */
export function bootModel(geometry: Geometry, specs: ZoneSpec[], migratetypes = MigratetypeTable.standard()): { model: MemoryModel; allocator: PageAllocator } {
  const zoneIdx = (n: string): number => ['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device'].indexOf(n)
  const zones = specs.map((s) => {
    const holes = (s.holes ?? []).reduce((a, [lo, hi]) => a + (hi - lo), 0)
    const present = s.spanned - holes
    return new Zone({
      node: s.node ?? 0, name: s.name, idx: zoneIdx(s.name), startPfn: s.startPfn, spanned: s.spanned,
      present, managed: present - (s.reserved ?? 0), cmaPages: s.cmaPages ?? 0,
      nrOrders: geometry.nrOrders, nrTypes: migratetypes.count,
    })
  })
  const model = new MemoryModel(geometry, migratetypes, zones, { method: 'synthesized', seed: 0, notes: ['booted: every managed page free'] })
  const allocator = new PageAllocator(model)
  specs.forEach((s) => {
    const z = model.findZone(s.node ?? 0, s.name)!
    const map = model.memMap
    const b = model.basePfn
    map.fill(PageKind.BUDDY_TAIL, z.startPfn - b, z.endPfn - b)
    for (const [lo, hi] of s.holes ?? []) map.fill(PageKind.HOLE, lo - b, hi - b)
    let r = s.reserved ?? 0
    for (let p = z.startPfn; r > 0 && p < z.endPfn; p++) {
      if (map[p - b] === PageKind.BUDDY_TAIL) {
        map[p - b] = PageKind.RESERVED
        r--
      }
    }
  })
  for (const z of model.zones) freeAllInZone(allocator, z)
  return { model, allocator }
}

/**
 * Hand every page of a zone that is marked BUDDY_TAIL (free, not yet on a list) to the buddy
 * allocator in maximal aligned blocks, in ascending PFN order; each goes on the list of its
 * pageblock's migratetype.
 */
export function freeAllInZone(allocator: PageAllocator, z: Zone): void {
  const model = allocator.model
  const map = model.memMap
  const b = model.basePfn
  const maxOrder = model.maxOrder
  const pending: Array<[number, number]> = []
  let p = z.startPfn
  while (p < z.endPfn) {
    if (map[p - b] !== PageKind.BUDDY_TAIL) {
      p++
      continue
    }
    let order = 0
    while (order < maxOrder) {
      const size = 2 ** (order + 1)
      if (p % size !== 0 || p + size > z.endPfn) break
      let ok = true
      for (let q = p + 2 ** order; q < p + size; q++) if (map[q - b] !== PageKind.BUDDY_TAIL) { ok = false; break }
      if (!ok) break
      order++
    }
    pending.push([p, order])
    p += 2 ** order
  }
  // push highest PFN first so the lowest PFN ends at the head of each list (FPI_TO_TAIL at boot)
  for (let i = pending.length - 1; i >= 0; i--) {
    const [pfn, order] = pending[i]!
    allocator.freeOnePage(z, pfn, order, model.getPageblockMigratetype(pfn))
  }
}
