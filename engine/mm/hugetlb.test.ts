import { describe, it, expect } from 'vitest'
import { PageKind, HUGETLB_HEAD } from './page.ts'
import { Compactor } from './compaction.ts'
import { SlowPath, ReclaimModel } from './slowpath.ts'
import { growHugetlbPool, countHugetlbPages } from './hugetlb.ts'
import { newCmaArea } from './cma.ts'
import { checkModel } from './debug.ts'
import { machine, layout, type TestMachine } from '../../test/helpers/layout.ts'

const count = (m: import('./mmzone.ts').MemoryModel, kind: number): number => {
  let n = 0
  for (let p = m.basePfn; p < m.endPfn; p++) if (m.page(p) === kind) n++
  return n
}

/** 32 pageblocks, each with a movable page every 5 PFNs (about 100 per block) and free pages between: no free pageblock. */
function fragmented(): TestMachine {
  const t = machine(16384)
  layout(t, (p) => (p % 5 === 0 ? PageKind.ANON : null))
  return t
}

function grow(t: TestMachine, count: number, compaction: boolean, reclaim = new ReclaimModel(t.model, 'none')) {
  const slow = new SlowPath(t.allocator, new Compactor(t.allocator), { compaction, reclaim })
  return growHugetlbPool(t.allocator, slow, { order: 9, count, reclaim })
}

describe('hugetlb pool growth, 2 MiB pages (6.1 alloc_buddy_huge_page with __GFP_RETRY_MAYFAIL)', () => {
  it('gets nothing without compaction when no pageblock is free, and pages with it', () => {
    const a = fragmented()
    const r0 = grow(a, 8, false)
    expect(r0.obtained).toBe(0)
    expect(a.allocator.events.get('htlb_buddy_alloc_fail')).toBe(1)
    expect(a.allocator.events.get('compact_stall')).toBe(0)

    const b = fragmented()
    const anon = count(b.model, PageKind.ANON)
    const r = grow(b, 8, true)
    expect(r.obtained).toBe(8)
    expect(r.attempts.every((x) => x.via === 'compaction')).toBe(true)
    expect(b.allocator.events.get('htlb_buddy_alloc_success')).toBe(8)
    expect(b.allocator.events.get('compact_success')).toBe(8)
    expect(b.allocator.events.get('pgmigrate_success')).toBeGreaterThan(0)
    expect(countHugetlbPages(b.model).get(9)).toBe(8)
    expect(count(b.model, PageKind.ANON)).toBe(anon)
    for (const pfn of r.pfns) expect(b.model.page(pfn)).toBe(HUGETLB_HEAD | 9)
    expect(checkModel(b.model)).toEqual([])
  })

  it('stops at the first page no node can give, leaving the watermarks intact', () => {
    const t = machine(16384)
    layout(t, () => null)
    const r = grow(t, 64, true)
    expect(r.obtained).toBeLessThan(32)
    expect(r.obtained).toBeGreaterThan(25)
    expect(t.model.zones[0]!.nrFreePages).toBeGreaterThan(t.model.zones[0]!.wmark.min)
    expect(t.allocator.events.get('htlb_buddy_alloc_fail')).toBe(1)
    expect(checkModel(t.model)).toEqual([])
  })

  it('reclaims page cache when free memory is short, then uses the freed pageblocks', () => {
    // free pages only in 2 pageblocks; the rest page cache
    const t = machine(16384)
    layout(t, (p) => (p < 1024 ? null : PageKind.FILE))
    const u = machine(16384)
    layout(u, (p) => (p < 1024 ? null : PageKind.FILE))
    expect(grow(u, 4, true).obtained).toBe(1) // the watermark leaves room for one page only
    const r = grow(t, 4, true, new ReclaimModel(t.model, 'all-file'))
    expect(r.obtained).toBe(4)
    expect(t.allocator.events.get('pgsteal_kswapd') + t.allocator.events.get('pgsteal_direct')).toBeGreaterThan(0)
    expect(checkModel(t.model)).toEqual([])
  })
})

describe('gigantic pages (order > max order)', () => {
  it('come from alloc_contig_pages when there is no hugetlb_cma area', () => {
    const t = machine(32768)
    layout(t, (p) => (p === 300 ? PageKind.SLAB : p % 9 === 0 ? PageKind.ANON : null))
    const r = growHugetlbPool(t.allocator, null, { order: 13, count: 2, reclaim: new ReclaimModel(t.model, 'none') })
    expect(r.gigantic).toBe(true)
    expect(r.obtained).toBe(2)
    expect(r.attempts.map((a) => [a.via, a.pfn])).toEqual([['alloc_contig_pages', 8192], ['alloc_contig_pages', 16384]])
    expect(r.attempts[0]!.contigWindows!.map((w) => w.result)).toEqual(['isolation-failed', 'success'])
    expect(t.model.page(8192)).toBe(HUGETLB_HEAD | 13)
    expect(checkModel(t.model)).toEqual([])
  })

  it('come from the node\'s hugetlb_cma area first (cma_alloc), never from CMA blocks otherwise', () => {
    const t = machine(32768)
    const mts = t.model.migratetypes
    layout(t, (p) => (p < 16384 && p % 512 === 3 ? PageKind.KERNEL : p % 4 === 0 ? PageKind.ANON : null), (pb) => (pb >= 16384 ? mts.cma : undefined))
    const area = newCmaArea('hugetlb0', 16384, 16384, 0, 'test', 0)
    const r = growHugetlbPool(t.allocator, null, { order: 13, count: 3, reclaim: new ReclaimModel(t.model, 'none'), hugetlbCma: new Map([[0, area]]) })
    expect(r.attempts.map((a) => a.via)).toEqual(['cma', 'cma', 'failed'])
    expect(r.obtained).toBe(2)
    expect(t.allocator.events.get('cma_alloc_success')).toBe(2)
    expect(t.allocator.events.get('cma_alloc_fail')).toBe(1)
    // the fallback tried alloc_contig_pages outside the area and was refused everywhere
    expect(r.attempts[2]!.contigWindows!.every((w) => w.result !== 'success')).toBe(true)
    expect(checkModel(t.model)).toEqual([])
  })
})
