import { describe, it, expect } from 'vitest'
import { PageKind } from './page.ts'
import { startIsolatePageRange, undoIsolatePageRange, testPagesIsolated, IsolatedRange, hasUnmovablePages, unmovablePagesIn } from './page_isolation.ts'
import { checkModel } from './debug.ts'
import { machine, layout } from '../../test/helpers/layout.ts'

describe('start_isolate_page_range (6.1)', () => {
  it('refuses a pageblock holding an unmovable page and leaves nothing isolated', () => {
    const t = machine(8192)
    const mts = t.model.migratetypes
    layout(t, (p) => (p === 1300 ? PageKind.SLAB : p === 1400 ? PageKind.KERNEL : p % 7 === 0 ? PageKind.ANON : null))
    const freeBefore = t.model.zones[0]!.nrFreePages
    const r = startIsolatePageRange(t.allocator, 512, 2048, mts.movable, 'other')
    expect(r).not.toBeInstanceOf(IsolatedRange)
    expect(r).toEqual({ blockPfn: 1024, pfn: 1300, kind: 'slab' })
    for (let pb = 0; pb < 8192; pb += 512) expect(t.model.getPageblockMigratetype(pb)).toBe(mts.movable)
    expect(t.model.zones[0]!.nrFreePages).toBe(freeBefore)
    expect(checkModel(t.model)).toEqual([])
    // the report lists every unmovable page of the window, not only the first
    expect(unmovablePagesIn(t.model, 512, 2048, 'other', 64).blockers).toEqual([{ pfn: 1300, kind: 'slab' }, { pfn: 1400, kind: 'unmovable' }])
  })

  it('accepts a CMA pageblock for cma_alloc without looking at its pages, and refuses it to others', () => {
    const t = machine(8192)
    const mts = t.model.migratetypes
    layout(t, (p) => (p === 1300 ? PageKind.KERNEL : null), (pb) => (pb >= 1024 && pb < 2048 ? mts.cma : undefined))
    expect(hasUnmovablePages(t.model, 1024, 1536, 'cma')).toBeNull()
    expect(hasUnmovablePages(t.model, 1024, 1536, 'other')).toEqual({ pfn: 1024, kind: 'unmovable' })
    const r = startIsolatePageRange(t.allocator, 1024, 2048, mts.cma, 'cma')
    expect(r).toBeInstanceOf(IsolatedRange)
    expect(t.model.getPageblockMigratetype(1024)).toBe(mts.isolate)
    // free pages on the Isolate lists are not counted as free
    expect(checkModel(t.model)).toEqual([])
    // the kernel page is what test_pages_isolated then finds
    expect(testPagesIsolated(t.model, 1024, 2048, 10)).toEqual({ blockers: [{ pfn: 1300, kind: 'unmovable' }], total: 1 })
    undoIsolatePageRange(t.allocator, r as IsolatedRange)
    expect(t.model.getPageblockMigratetype(1024)).toBe(mts.cma)
    expect(checkModel(t.model)).toEqual([])
  })

  it('takes every non-reserved page of ZONE_MOVABLE as movable', () => {
    const t = machine(0, [{ name: 'DMA32', startPfn: 0, spanned: 4096 }, { name: 'Movable', startPfn: 4096, spanned: 4096 }])
    layout(t, (p) => (p === 5000 ? PageKind.KERNEL : p === 6000 ? PageKind.RESERVED : null))
    expect(hasUnmovablePages(t.model, 4608, 5120, 'other')).toBeNull()
    expect(hasUnmovablePages(t.model, 5632, 6144, 'other')).toEqual({ pfn: 6000, kind: 'reserved' })
  })

  it('undo gives the blocks the caller\'s migratetype and merges their free pages back', () => {
    const t = machine(8192)
    const mts = t.model.migratetypes
    layout(t, () => null, (pb) => (pb === 2048 ? mts.unmovable : undefined))
    const z = t.model.zones[0]!
    const free = z.nrFreePages
    const r = startIsolatePageRange(t.allocator, 2048, 3072, mts.movable, 'other') as IsolatedRange
    expect(z.nrFreePages).toBe(free - 1024)
    expect(testPagesIsolated(t.model, 2048, 3072, 10).total).toBe(0)
    undoIsolatePageRange(t.allocator, r)
    expect(z.nrFreePages).toBe(free)
    // 6.1: the Unmovable block comes back Movable (no record of the old type), and merges
    expect(t.model.getPageblockMigratetype(2048)).toBe(mts.movable)
    expect(z.free.nrFree(10)).toBe(8)
    expect(checkModel(t.model)).toEqual([])
  })

  it('splits a free block that straddles the isolated range\'s edge', () => {
    const t = machine(8192)
    layout(t, () => null)
    const r = startIsolatePageRange(t.allocator, 512, 1024, t.model.migratetypes.movable, 'other') as IsolatedRange
    // the order-10 block [0, 1024) became two order-9 blocks, the upper one isolated
    expect(t.model.findFreeBlock(0)).toEqual({ pfn: 0, order: 9, mt: t.model.migratetypes.movable })
    expect(t.model.findFreeBlock(600)).toEqual({ pfn: 512, order: 9, mt: t.model.migratetypes.isolate })
    expect(checkModel(t.model)).toEqual([])
    undoIsolatePageRange(t.allocator, r)
    expect(t.model.findFreeBlock(600)).toEqual({ pfn: 0, order: 10, mt: t.model.migratetypes.movable })
    expect(checkModel(t.model)).toEqual([])
  })

  it('test_pages_isolated names pinned pages and compound pages left in the range', () => {
    const t = machine(8192)
    layout(t, (p) => (p === 700 ? PageKind.PINNED : p === 1024 ? 0x40 | 9 : null))
    const r = startIsolatePageRange(t.allocator, 512, 2048, t.model.migratetypes.movable, 'other') as IsolatedRange
    expect(r).toBeInstanceOf(IsolatedRange)
    expect(testPagesIsolated(t.model, 512, 2048, 10)).toEqual({ blockers: [{ pfn: 700, kind: 'pinned' }, { pfn: 1024, kind: 'compound' }], total: 2 })
    undoIsolatePageRange(t.allocator, r)
    expect(checkModel(t.model)).toEqual([])
  })
})
