import { describe, it, expect } from 'vitest'
import { PageKind, THP_HEAD, HUGETLB_HEAD, compoundHead } from './page.ts'
import { allocContigRange, allocContigPages } from './migrate.ts'
import { ReclaimModel } from './slowpath.ts'
import { checkModel } from './debug.ts'
import { machine, layout, pageCensus } from '../../test/helpers/layout.ts'

const count = (m: import('./mmzone.ts').MemoryModel, kind: number, from = m.basePfn, to = m.endPfn): number => {
  let n = 0
  for (let p = from; p < to; p++) if (m.page(p) === kind) n++
  return n
}

describe('alloc_contig_range (6.1)', () => {
  it('migrates the movable pages out of the range, then takes it', () => {
    const t = machine(16384)
    layout(t, (p) => (p < 8192 && p % 3 === 0 ? PageKind.ANON : p < 8192 && p % 3 === 1 ? PageKind.FILE : null))
    const anon = count(t.model, PageKind.ANON)
    const file = count(t.model, PageKind.FILE)
    const w = allocContigRange(t.allocator, 1024, 2048, { user: 'other', restoreMt: t.model.migratetypes.movable, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
    expect(w.result).toBe('success')
    expect(w.migrated).toBe(683)
    expect(count(t.model, PageKind.KERNEL, 1024, 2048)).toBe(1024)
    // nothing was lost: the pages now live outside the range
    expect(count(t.model, PageKind.ANON)).toBe(anon)
    expect(count(t.model, PageKind.FILE)).toBe(file)
    expect(t.allocator.events.get('pgmigrate_success')).toBe(683)
    expect(checkModel(t.model)).toEqual([])
  })

  it('drops clean page cache instead of migrating it when reclaim allows', () => {
    const t = machine(16384)
    layout(t, (p) => (p >= 1024 && p < 2048 && p % 2 ? PageKind.FILE : null))
    const w = allocContigRange(t.allocator, 1024, 2048, { user: 'other', restoreMt: t.model.migratetypes.movable, reclaim: new ReclaimModel(t.model, 'all-file'), kind: PageKind.KERNEL })
    expect(w.result).toBe('success')
    expect(w.reclaimed).toBe(512)
    expect(w.migrated).toBe(0)
    expect(checkModel(t.model)).toEqual([])
  })

  it('fails with -ENOMEM when no free memory is left outside the range', () => {
    const t = machine(8192)
    layout(t, (p) => (p < 1024 ? PageKind.ANON : p < 8192 - 64 ? PageKind.KERNEL : null))
    const w = allocContigRange(t.allocator, 0, 1024, { user: 'other', restoreMt: t.model.migratetypes.movable, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
    expect(w.result).toBe('no-migration-target')
    expect(w.blockerCounts['no-target']).toBeGreaterThan(900)
    expect(checkModel(t.model)).toEqual([])
    expect(t.model.getPageblockMigratetype(0)).toBe(t.model.migratetypes.movable)
  })

  it('splits a THP that finds no 2 MiB target and migrates its pages one by one', () => {
    const t = machine(16384)
    // a THP in the range; outside, every pageblock has one used page: no free order-9 block
    layout(t, (p) => (p === 1024 ? compoundHead(THP_HEAD, 9) : (p < 1024 || p >= 1536) && p % 512 === 7 ? PageKind.KERNEL : null))
    const before = pageCensus(t.model)
    const w = allocContigRange(t.allocator, 1024, 1536, { user: 'other', restoreMt: t.model.migratetypes.movable, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
    expect(w.result).toBe('success')
    expect(w.migrated).toBe(512)
    expect(t.allocator.events.get('thp_split_page')).toBe(1)
    expect(count(t.model, PageKind.ANON)).toBe(512)
    expect(pageCensus(t.model).free).toBe(before.free - 512)
    expect(checkModel(t.model)).toEqual([])
  })

  it('replaces a hugetlb page in the range by one allocated elsewhere', () => {
    const t = machine(16384)
    layout(t, (p) => (p === 1024 ? compoundHead(HUGETLB_HEAD, 9) : null))
    const w = allocContigRange(t.allocator, 1024, 1536, { user: 'other', restoreMt: t.model.migratetypes.movable, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
    expect(w.result).toBe('success')
    let heads = 0
    for (let p = 0; p < 16384; p++) if ((t.model.page(p) & 0xf0) === HUGETLB_HEAD) heads++
    expect(heads).toBe(1)
    expect(checkModel(t.model)).toEqual([])
  })
})

describe('alloc_contig_pages (6.1)', () => {
  it('steps size-aligned windows, skipping invalid ones, and stops at the first success', () => {
    const t = machine(16384)
    layout(t, (p) => (p === 100 ? PageKind.RESERVED : p === 4200 ? PageKind.SLAB : p % 11 === 0 ? PageKind.ANON : null))
    const r = allocContigPages(t.allocator, 4096, { node: 0, highestZoneIdx: 4, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
    expect(r.windows.map((w) => [w.startPfn, w.result])).toEqual([[0, 'invalid-range'], [4096, 'isolation-failed'], [8192, 'success']])
    expect(r.windowsSkipped).toBe(1)
    expect(r.windowsTried).toBe(2)
    expect(r.windows[0]!.blockers).toEqual([{ pfn: 100, kind: 'reserved' }])
    expect(r.pfn).toBe(8192)
    expect(checkModel(t.model)).toEqual([])
  })

  it('never uses CMA pageblocks', () => {
    const t = machine(8192)
    const mts = t.model.migratetypes
    layout(t, () => null, () => mts.cma)
    const r = allocContigPages(t.allocator, 2048, { node: 0, highestZoneIdx: 4, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
    expect(r.success).toBe(false)
    expect(r.windows.every((w) => w.result === 'isolation-failed')).toBe(true)
    expect(checkModel(t.model)).toEqual([])
  })
})
