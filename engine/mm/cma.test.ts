import { describe, it, expect } from 'vitest'
import { PageKind } from './page.ts'
import {
  findNextZeroAreaOff, bitmapAlignedMask, bitmapAlignedOffset, pagesToBits, newCmaArea, cmaAlloc, cmaAreasFromBootLog,
  cmaAreasFromDebugfs, applyCmaAreas, discoverCmaAreas, inferCmaBitmap,
} from './cma.ts'
import { ReclaimModel } from './slowpath.ts'
import { checkModel } from './debug.ts'
import { machine, layout, pageCensus } from '../../test/helpers/layout.ts'

describe('CMA bitmap (6.1 bitmap_find_next_zero_area_off, cma_bitmap_aligned_*)', () => {
  it('finds the first aligned zero run and skips set bits', () => {
    const map = new Uint8Array(64)
    expect(findNextZeroAreaOff(map, 64, 0, 8, 7, 0)).toBe(0)
    map[3] = 1
    expect(findNextZeroAreaOff(map, 64, 0, 8, 7, 0)).toBe(8)
    // an offset makes (index + offset) aligned
    expect(findNextZeroAreaOff(new Uint8Array(64), 64, 0, 8, 7, 3)).toBe(5)
    // no room: an index past the end
    map.fill(1, 8, 64)
    expect(findNextZeroAreaOff(map, 64, 0, 8, 7, 0)).toBeGreaterThanOrEqual(64)
  })

  it('derives mask and offset from the alignment and order_per_bit', () => {
    const a = newCmaArea('reserved', 486400, 32768, 0)
    expect(bitmapAlignedMask(a, 8)).toBe(255)
    expect(bitmapAlignedOffset(a, 8)).toBe(0)
    // the 6.1 hugetlb_cma area of the s7 fixture is only 2 MiB aligned
    const h = newCmaArea('hugetlb0', 0x7fa00, 0x40000, 0)
    expect(bitmapAlignedOffset(h, 13)).toBe(0x7fa00 % 8192)
    const c = newCmaArea('coarse', 4096, 4096, 2)
    expect(bitmapAlignedMask(c, 1)).toBe(0)
    expect(bitmapAlignedMask(c, 5)).toBe(7)
    expect(pagesToBits(c, 5)).toBe(2)
  })
})

/** 16384 pages; CMA pageblocks [4096, 8192); the rest Movable. */
function cmaMachine(kindOf: (pfn: number) => number | null = () => null) {
  const t = machine(16384)
  const mts = t.model.migratetypes
  layout(t, kindOf, (pb) => (pb >= 4096 && pb < 8192 ? mts.cma : mts.movable))
  return t
}

describe('cma_alloc (6.1)', () => {
  it('migrates movable pages out of the window and allocates it', () => {
    const t = cmaMachine((p) => (p >= 4096 && p < 8192 && p % 2 ? PageKind.ANON : null))
    const before = pageCensus(t.model)
    const area = newCmaArea('reserved', 4096, 4096)
    const r = cmaAlloc(t.allocator, area, 1024, 8, { reclaim: new ReclaimModel(t.model, 'none') })
    expect(r.success).toBe(true)
    expect(r.pfn).toBe(4096)
    expect(r.windowsTried).toBe(1)
    expect(r.migrated).toBe(512)
    for (let p = 4096; p < 5120; p++) expect(t.model.page(p)).toBe(PageKind.KERNEL)
    expect(t.allocator.events.get('cma_alloc_success')).toBe(1)
    expect(t.allocator.events.get('pgmigrate_success')).toBe(512)
    expect(checkModel(t.model)).toEqual([])
    expect(pageCensus(t.model).free).toBe(before.free - 1024)
    // the bitmap keeps the allocation
    expect(area.bitmap.slice(0, 1024).every((b) => b === 1)).toBe(true)
  })

  it('slides the window by the alignment on -EBUSY (start = bitmap_no + mask + 1) and lists the blocker', () => {
    const t = cmaMachine((p) => (p === 4106 ? PageKind.PINNED : p >= 4096 && p < 8192 && p % 5 === 0 ? PageKind.ANON : null))
    const area = newCmaArea('reserved', 4096, 4096)
    const r = cmaAlloc(t.allocator, area, 1024, 8, { reclaim: new ReclaimModel(t.model, 'none') })
    expect(r.windows.map((w) => [w.startPfn, w.result])).toEqual([[4096, 'busy'], [4352, 'success']])
    expect(r.windows[0]!.blockers).toEqual([{ pfn: 4106, kind: 'pinned' }])
    expect(r.windows[0]!.blockerCounts).toEqual({ pinned: 1 })
    // the failed window's bits were cleared again
    expect(area.bitmap.slice(0, 256).every((b) => b === 0)).toBe(true)
    expect(t.model.page(4106)).toBe(PageKind.PINNED)
    expect(checkModel(t.model)).toEqual([])
  })

  it('fails when every window is blocked, counting one cma_alloc_fail', () => {
    // a pin every 512 pages: no 1024-page window is clean
    const t = cmaMachine((p) => (p >= 4096 && p < 8192 && p % 512 === 100 ? PageKind.PINNED : null))
    const r = cmaAlloc(t.allocator, newCmaArea('reserved', 4096, 4096), 1024, 8, { reclaim: new ReclaimModel(t.model, 'none') })
    expect(r.success).toBe(false)
    expect(r.reason).toBe('no-free-range')
    expect(r.windowsTried).toBe(13) // windows at 4096 + 256·k, k = 0..12
    expect(t.allocator.events.get('cma_alloc_fail')).toBe(1)
    expect(t.allocator.events.get('cma_alloc_success')).toBe(0)
    expect(checkModel(t.model)).toEqual([])
    // every CMA pageblock is CMA again after the undone isolations
    for (let pb = 4096; pb < 8192; pb += 512) expect(t.model.getPageblockMigratetype(pb)).toBe(t.model.migratetypes.cma)
  })

  it('stops with -ENOMEM when nothing outside the window can take the migrated pages', () => {
    const t = cmaMachine((p) => (p >= 4096 && p < 8192 ? PageKind.ANON : PageKind.KERNEL))
    const r = cmaAlloc(t.allocator, newCmaArea('reserved', 4096, 4096), 1024, 8, { reclaim: new ReclaimModel(t.model, 'none') })
    expect(r.success).toBe(false)
    expect(r.reason).toBe('enomem')
    expect(r.windowsTried).toBe(1)
    expect(r.windows[0]!.result).toBe('no-migration-target')
    expect(r.windows[0]!.blockerCounts['no-target']).toBeGreaterThan(0)
    expect(checkModel(t.model)).toEqual([])
  })

  it('reports too-large requests without trying', () => {
    const t = cmaMachine()
    const r = cmaAlloc(t.allocator, newCmaArea('reserved', 4096, 4096), 8192, 8, { reclaim: new ReclaimModel(t.model, 'none') })
    expect(r.reason).toBe('too-large')
    expect(r.windowsTried).toBe(0)
  })
})

describe('CMA area discovery', () => {
  it('reads the boot log, naming hugetlb_cma areas by node', () => {
    const log = [
      '[    0.000000] hugetlb_cma: reserve 1024 MiB, up to 1024 MiB per node',
      '[    0.000000] cma: Reserved 1024 MiB at 0x000000007fa00000',
      '[    0.000000] hugetlb_cma: reserved 1024 MiB on node 0',
      '[    0.000000] cma: Reserved 64 MiB at 0x0000000079a00000',
    ].join('\n')
    expect(cmaAreasFromBootLog(log, 4096)).toEqual([
      { basePfn: 0x7fa00, count: 262144, hugetlbNode: 0 },
      { basePfn: 0x79a00, count: 16384, hugetlbNode: null },
    ])
  })

  it('reads CMA debugfs, bitmap words included', () => {
    const [a] = cmaAreasFromDebugfs({ 'reserved/base_pfn': '4096\n', 'reserved/count': '4096\n', 'reserved/order_per_bit': '0\n', 'reserved/bitmap': '5 0\n' })
    expect(a!.basePfn).toBe(4096)
    expect(Array.from(a!.bitmap.slice(0, 4))).toEqual([1, 0, 1, 0])
  })

  it('re-places CMA pageblocks to match the areas and keeps the model consistent', () => {
    const t = cmaMachine((p) => (p % 3 === 0 ? PageKind.ANON : null))
    const note = applyCmaAreas(t.allocator, [newCmaArea('reserved', 8192, 2048)])
    expect(note).toMatch(/4 pageblocks became CMA, 8 stopped/)
    expect(t.model.getPageblockMigratetype(8192)).toBe(t.model.migratetypes.cma)
    expect(t.model.getPageblockMigratetype(4096)).not.toBe(t.model.migratetypes.cma)
    expect(t.model.zones[0]!.cmaPages).toBe(2048)
    expect(checkModel(t.model)).toEqual([])
  })

  it('infers the bitmap from what cma_alloc handed out, and falls back to the model\'s CMA blocks', () => {
    const t = cmaMachine((p) => (p >= 4096 && p < 4100 ? PageKind.KERNEL : null))
    const { areas, notes } = discoverCmaAreas(t.model, {})
    expect(areas.map((a) => [a.basePfn, a.count])).toEqual([[4096, 4096]])
    expect(notes.join(' ')).toMatch(/model's CMA pageblocks/)
    expect(Array.from(areas[0]!.bitmap.slice(0, 5))).toEqual([1, 1, 1, 1, 0])
    const h = newCmaArea('hugetlb0', 4096, 4096, 0, 'test', 0)
    expect(inferCmaBitmap(t.model, h)).toBe(0) // kernel pages are not what a hugetlb area hands out
  })
})

describe('a CMA area on a kernel without CONFIG_CMA', () => {
  it('adds the CMA migratetype, renumbering pageblocks and free lists by name', async () => {
    const { bootModel } = await import('./memblock.ts')
    const { MigratetypeTable } = await import('./mmzone.ts')
    const { withCmaMigratetype } = await import('./cma.ts')
    const { model, allocator } = bootModel({ pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }, [{ name: 'DMA32', startPfn: 0, spanned: 8192 }], new MigratetypeTable(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']))
    model.setPageblockMigratetype(0, 4) // an isolated block keeps being Isolate
    const c = withCmaMigratetype(model, allocator.policy)
    expect(c.model.migratetypes.names).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate'])
    expect(c.model.getPageblockMigratetype(0)).toBe(c.model.migratetypes.isolate)
    expect(c.model.zones[0]!.nrFreePages + 512).toBe(model.zones[0]!.nrFreePages + 512)
    expect(checkModel(c.model)).toEqual([])
  })
})
