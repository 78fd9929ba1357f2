import { describe, expect, it } from 'vitest'
import { chartTheme, MIGRATETYPE_COLORS } from '../palette.ts'
import { blocksByMigratetype, freeAreaDatasets, freeAreaOption, freeAreaTooltip, unitValue } from './free_areas.ts'
import { dma32, MTS } from './fixtures.test-helpers.ts'

type Bar = { name: string; stack: string; data: Array<number | null>; itemStyle: { color: string } }
const base = { migratetypes: MTS, pageSize: 4096, nrOrders: 11, theme: chartTheme('dark') }

describe('free-area chart options', () => {
  it('stacks one bar series per migratetype, in the kernel order, with the fixed palette', () => {
    const opt = freeAreaOption({ ...base, zone: dma32(), unit: 'blocks', scale: 'linear' })
    const series = opt.series as Bar[]
    expect(series.map((s) => s.name)).toEqual(MTS)
    expect(new Set(series.map((s) => s.stack)).size).toBe(1)
    expect(series[0]!.itemStyle.color).toBe(MIGRATETYPE_COLORS.Unmovable)
    expect(series[1]!.itemStyle.color).toBe(MIGRATETYPE_COLORS.Movable)
    expect(series[1]!.data).toEqual([18235, 6268, 591, 15, 2, 1, 2, 2, 3, 2, 10])
    // per order, the stack adds up to buddyinfo
    for (let o = 0; o < 11; o++) expect(series.reduce((s, x) => s + (x.data[o] ?? 0), 0)).toBe(dma32().freeBlocks[o])
  })

  it('converts blocks to pages and bytes', () => {
    expect(unitValue(3, 9, 4096, 'blocks')).toBe(3)
    expect(unitValue(3, 9, 4096, 'pages')).toBe(3 * 512)
    expect(unitValue(3, 9, 4096, 'bytes')).toBe(3 * 512 * 4096)
    const pages = freeAreaOption({ ...base, zone: dma32(), unit: 'pages', scale: 'linear' })
    expect((pages.series as Bar[])[1]!.data[10]).toBe(10 * 1024)
    const bytes = freeAreaOption({ ...base, zone: dma32(), unit: 'bytes', scale: 'linear' })
    expect((bytes.series as Bar[])[1]!.data[10]).toBe(10 * 1024 * 4096)
  })

  it('log scale: log axis, zeros left out', () => {
    const opt = freeAreaOption({ ...base, zone: dma32(), unit: 'blocks', scale: 'log' })
    expect((opt.yAxis as { type: string }).type).toBe('log')
    const unmovable = (opt.series as Bar[])[0]!
    expect(unmovable.data[0]).toBe(32)
    expect(unmovable.data[2]).toBeNull()
    const lin = freeAreaOption({ ...base, zone: dma32(), unit: 'blocks', scale: 'linear' })
    expect((lin.yAxis as { type: string }).type).toBe('value')
    expect((lin.series as Bar[])[0]!.data[2]).toBe(0)
  })

  it('labels each order with its block size', () => {
    const opt = freeAreaOption({ ...base, zone: dma32(), unit: 'blocks', scale: 'linear' })
    const cats = (opt.xAxis as { data: string[] }).data
    expect(cats).toHaveLength(11)
    expect(cats[0]).toBe('0\n4K')
    expect(cats[9]).toBe('9\n2M')
  })

  it('tooltip: order, block size, count and pages per migratetype', () => {
    const rows = blocksByMigratetype(dma32(), MTS, 11)
    const html = freeAreaTooltip(rows, 9, 4096)
    expect(html).toContain('order 9 = 2 MiB')
    expect(html).toContain('Movable')
    expect(html).toContain('1,024 pages') // 2 blocks × 512
    const opt = freeAreaOption({ ...base, zone: dma32(), unit: 'blocks', scale: 'linear' })
    const fmt = (opt.tooltip as { formatter: (p: unknown) => string }).formatter
    expect(fmt([{ dataIndex: 9 }])).toBe(html)
  })

  it('falls back to buddyinfo totals when no migratetype lists are known', () => {
    const z = { ...dma32(), freeBlocksByMigratetype: {} }
    const rows = blocksByMigratetype(z, MTS, 11)
    expect(rows).toEqual([{ name: 'all', counts: z.freeBlocks }])
  })

  it('exposes the counts per zone, order and migratetype (data-series), always in blocks', () => {
    const ds = freeAreaDatasets([dma32()], MTS, 11)
    expect(ds).toHaveLength(1)
    expect(ds[0]!.zone).toBe('DMA32')
    expect(ds[0]!.node).toBe(0)
    expect(ds[0]!.blocks['0']).toEqual({ Unmovable: 32, Movable: 18235, Reclaimable: 0, HighAtomic: 0, Isolate: 0 })
    expect(Object.keys(ds[0]!.blocks)).toHaveLength(11)
    expect(JSON.parse(JSON.stringify(ds))).toEqual(ds)
  })

  it('small multiples get a title and no legend', () => {
    const opt = freeAreaOption({ ...base, zone: dma32(), unit: 'blocks', scale: 'linear', compact: true })
    expect((opt.title as { text: string }).text).toBe('Node 0, zone DMA32')
    expect(opt.legend).toBeUndefined()
  })
})
