import { describe, expect, it } from 'vitest'
import { chartTheme, MIGRATETYPE_COLORS } from '../palette.ts'
import type { ZoneDiffDto } from '../../api/types.ts'
import { deltaRows, diffFreeOption, TOTAL_SERIES } from './diff_free.ts'

const MTS = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']
const zone = (): ZoneDiffDto => ({
  node: 0, zone: 'DMA32', startPfn: 4096, endPfn: 524253, firstPb: 8, lastPb: 1023,
  freeBlocksBefore: [72584, 0, 0, 0, 0, 0, 0, 0, 0, 2, 11], freeBlocksAfter: [1867, 0, 0, 0, 0, 0, 0, 0, 0, 100, 112],
  freeBlocksDelta: [-70717, 0, 0, 0, 0, 0, 0, 0, 0, 98, 101], freePagesDelta: 0, highOrderPagesBefore: 0, highOrderPagesAfter: 0,
  freeBlocksByMigratetypeDelta: { Unmovable: [-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Movable: [-70716, 0, 0, 0, 0, 0, 0, 0, 0, 98, 101], Reclaimable: new Array(11).fill(0) },
  pageblocksBefore: {}, pageblocksAfter: {}, pageblocksDelta: {}, sources: { freeBlocks: 'buddyinfo', freeBlocksByMigratetype: 'pagetypeinfo', pageblocks: 'pagetypeinfo' },
  model: null, mixedPageblocksDelta: {}, changeCounts: null, changedPageblocks: 0,
})
type Series = { name: string; type: string; stack?: string; data: Array<number | null>; itemStyle: { color: string } }

describe('diff free-area chart options', () => {
  it('one stacked bar series per migratetype list that changed, and the total per order as a marker', () => {
    const opt = diffFreeOption({ zone: zone(), migratetypes: MTS, pageSize: 4096, nrOrders: 11, unit: 'blocks', theme: chartTheme('light') })
    const s = opt.series as Series[]
    expect(s.map((x) => x.name)).toEqual(['Unmovable', 'Movable', TOTAL_SERIES])
    expect(s[1]!.itemStyle.color).toBe(MIGRATETYPE_COLORS.Movable)
    expect(s[1]!.data[10]).toBe(101)
    expect(s[1]!.data[1]).toBeNull()
    expect(s[2]!.type).toBe('scatter')
    expect(s[2]!.data).toEqual(zone().freeBlocksDelta)
    // per order the stack adds up to the total
    for (let o = 0; o < 11; o++) expect(s.slice(0, 2).reduce((a, x) => a + (x.data[o] ?? 0), 0)).toBe(zone().freeBlocksDelta[o])
  })
  it('in pages, an order-10 block weighs 1024 pages', () => {
    const s = diffFreeOption({ zone: zone(), migratetypes: MTS, pageSize: 4096, nrOrders: 11, unit: 'pages', theme: chartTheme('dark') }).series as Series[]
    expect(s[1]!.data[10]).toBe(101 * 1024)
    expect(s[2]!.data[9]).toBe(98 * 512)
  })
  it('drops lists without change', () => {
    expect(deltaRows(zone(), MTS, 11).map((r) => r.name)).toEqual(['Unmovable', 'Movable'])
  })
})
