import { describe, expect, it } from 'vitest'
import { blockerRows, blockerTotals, contigCounterRows, contigDecor, contigFreeDatasets, contigSuccess, contigVsReal, successWindow } from './contig_format.ts'
import { sampleView } from './test-utils/scripted_api.ts'
import { sampleCma, sampleHugetlb, sampleThp } from './test-utils/contig_sample.ts'

const snap = sampleView('s1')

describe('contig_format', () => {
  it('success per kind', () => {
    expect(contigSuccess(sampleCma())).toBe(true)
    expect(contigSuccess(sampleCma({ success: false, pfn: null }))).toBe(false)
    expect(contigSuccess(sampleHugetlb())).toBe(false)
    expect(contigSuccess(sampleHugetlb({ obtained: 4 }))).toBe(true)
    expect(contigSuccess(sampleThp())).toBe(true)
  })

  it('blocker rows: one per page, address = pfn × page size, pageblock, windows it blocked', () => {
    const rows = blockerRows(sampleCma(), snap)
    expect(rows).toEqual([
      { pfn: 1030, addr: '0x406000', kind: 'pinned', pageblock: 2, windows: [1], owner: null },
      { pfn: 1600, addr: '0x640000', kind: 'pinned', pageblock: 3, windows: [1, 2], owner: null },
      { pfn: 2100, addr: '0x834000', kind: 'slab', pageblock: 4, windows: [2], owner: null },
    ])
    // where the capture has page_owner, the row names the allocation's site and comm
    const owned = sampleCma()
    const w = (owned as unknown as { windows: Array<{ blockers: Array<{ pfn: number; owner?: unknown }> }> }).windows
    for (const x of w) for (const b of x.blockers) if (b.pfn === 2100) b.owner = { comm: 'kworker/0:1', pid: 9, site: 'allocate_slab', migratetype: 'Unmovable', order: 0, gfp: 'GFP_KERNEL' }
    expect(blockerRows(owned, snap).find((r) => r.pfn === 2100)?.owner).toBe('allocate_slab (kworker/0:1)')
    expect(blockerRows(sampleHugetlb(), snap)).toEqual([])
    expect(blockerTotals(sampleCma())).toEqual([{ kind: 'pinned', maxPerWindow: 2, windows: 2 }, { kind: 'slab', maxPerWindow: 1, windows: 1 }])
  })

  it('the map decoration: area, windows (the allocated one green), blocking pageblocks', () => {
    expect(successWindow(sampleCma())).toBe(2)
    const d = contigDecor(sampleCma(), snap, 'light')
    expect(d.spans!.map((s) => [s.from, s.to])).toEqual([[2, 8], [2, 4], [2.5, 4.5], [4, 6]])
    expect(d.spans![3]!.color).toBe('#1a8f3c')
    expect(d.spans![1]!.color).toBe('#d0342c')
    expect(Array.from(d.outlines!.cells)).toEqual([2, 3, 4])
    expect(contigDecor(sampleCma(), snap, 'light', { windows: false, blockers: false }).outlines).toBeNull()
    // hugetlb: the pages obtained; THP: the pageblocks changed
    expect(contigDecor(sampleHugetlb(), snap, 'dark').spans!.map((s) => [s.from, s.to])).toEqual([[6, 7], [7, 8]])
    expect(Array.from(contigDecor(sampleThp(), snap, 'dark').outlines!.cells)).toEqual([7])
  })

  it('free datasets: the zones that changed', () => {
    const ds = contigFreeDatasets(sampleCma().before, sampleCma().after, 11)
    expect(ds).toHaveLength(1)
    expect(ds[0]!.before[10]).toBe(1)
    expect(ds[0]!.after[10]).toBe(0)
  })

  it('counters and predicted vs real', () => {
    const rows = contigCounterRows(sampleHugetlb())
    expect(rows.find((r) => r.name === 'htlb_buddy_alloc_success')).toEqual({ name: 'htlb_buddy_alloc_success', predicted: 2, real: 2, error: 0 })
    expect(rows.some((r) => r.name === 'compact_stall')).toBe(false)
    expect(contigCounterRows(sampleCma()).every((r) => r.real === null)).toBe(true)
    expect(contigVsReal(sampleHugetlb())).toEqual({ capture: '05-after-hugetlb-2M-x64', step: 'huge:2048:4', requested: 4, predicted: 2, real: 2, error: 0 })
    expect(contigVsReal(sampleCma())).toBeNull()
  })
})
