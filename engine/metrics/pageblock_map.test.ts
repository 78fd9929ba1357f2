import { describe, it, expect } from 'vitest'
import { pageblockDetail } from './pageblock_map.ts'
import { HUGETLB_HEAD, THP_HEAD, PageKind } from '../mm/page.ts'
import { machine, layout, compoundHead } from '../../test/helpers/layout.ts'

// PAGE_CLASSES indices (contract/names.ts): free 1, movable 3, thp 11, hugetlb 12
describe('pageblockDetail', () => {
  it('classes the tails of a compound page whose head lies in an earlier pageblock by that head', () => {
    const t = machine(4096)
    // a 4 MiB hugetlb page over pageblocks 0–1, a THP in pageblock 2, free pages in pageblock 3
    layout(t, (p) => (p === 0 ? compoundHead(HUGETLB_HEAD, 10) : p < 1024 ? PageKind.COMPOUND_TAIL : p === 1024 ? compoundHead(THP_HEAD, 9) : p < 1536 ? PageKind.COMPOUND_TAIL : p < 2048 ? null : PageKind.ANON))
    const second = pageblockDetail(t.model, 1)
    expect(new Set(second.classes)).toEqual(new Set([12]))
    expect(second.orders.every((o) => o === -1)).toBe(true)
    expect(new Set(pageblockDetail(t.model, 2).classes)).toEqual(new Set([11]))
    expect(pageblockDetail(t.model, 2).orders[0]).toBe(9)
    expect(new Set(pageblockDetail(t.model, 3).classes)).toEqual(new Set([1]))
    expect(new Set(pageblockDetail(t.model, 4).classes)).toEqual(new Set([3]))
  })
})
