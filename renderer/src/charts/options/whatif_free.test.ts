import { describe, expect, it } from 'vitest'
import { chartTheme } from '../palette.ts'
import { sampleWhatif } from '../../test-utils/whatif_sample.ts'
import { SERIES_AFTER, SERIES_BEFORE, SERIES_REAL, whatifColors, whatifFreeDatasets, whatifFreeOption, whatifFreeTooltip } from './whatif_free.ts'
import { freeAreaValueAxis, unitValue } from './free_areas.ts'

type Bar = { name: string; data: Array<number | null>; itemStyle: { color: string; borderColor?: string } }
const base = { pageSize: 4096, nrOrders: 11, theme: chartTheme('dark') }

describe('what-if free-area chart', () => {
  it('datasets: the compacted zones, before / after / real free blocks per order', () => {
    const ds = whatifFreeDatasets(sampleWhatif(), 11)
    expect(ds).toEqual([{
      node: 0, zone: 'DMA32',
      before: [10, 5, 0, 0, 0, 0, 0, 0, 0, 1, 1],
      after: [2, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1],
      real: [3, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1],
    }])
    expect(JSON.parse(JSON.stringify(ds))).toEqual(ds)
  })

  it('datasets: without a compacted-zone list, the zones that changed; pads short rows; adds the band', () => {
    const v = sampleWhatif({ zonesCompacted: [], real: null })
    const other = { ...v.before[0]!, zone: 'Normal', freeBlocks: [1, 2, 3] }
    const ds = whatifFreeDatasets({
      ...v, before: [...v.before, other], after: [...v.after, other],
      band: { seeds: [1, 2], zones: { 'Node 0, zone DMA32': { median: [2], p5: [1], p95: [3], highOrderPages: { median: 0, p5: 0, p95: 0, lo: 0, hi: 0 } } }, counters: {} },
    }, 11)
    expect(ds.map((d) => d.zone)).toEqual(['DMA32'])
    expect(ds[0]!.real).toBeUndefined()
    expect(ds[0]!.band!.p95).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(whatifFreeDatasets({ ...v, after: v.before }, 3)[0]!.after).toEqual([10, 5, 0])
  })

  it('bars: before, after (predicted), after (real) in fixed colours; zeros leave no bar', () => {
    const [data] = whatifFreeDatasets(sampleWhatif(), 11)
    const opt = whatifFreeOption({ ...base, data: data!, unit: 'blocks', scale: 'linear' })
    const series = opt.series as Bar[]
    expect(series.map((s) => s.name)).toEqual([SERIES_BEFORE, SERIES_AFTER, SERIES_REAL])
    expect(series[0]!.data).toEqual([10, 5, null, null, null, null, null, null, null, 1, 1])
    expect(series[1]!.data[9]).toBe(2)
    const c = whatifColors(base.theme)
    expect(series[0]!.itemStyle.color).toBe(c.before)
    expect(series[1]!.itemStyle.color).toBe(c.after)
    expect(series[2]!.itemStyle.borderColor).toBe(c.realBorder)
    expect((opt.title as { text: string }).text).toBe('Node 0, zone DMA32')
    const noReal = whatifFreeOption({ ...base, data: { ...data!, real: undefined }, unit: 'blocks', scale: 'linear' })
    expect((noReal.series as Bar[]).map((s) => s.name)).toEqual([SERIES_BEFORE, SERIES_AFTER])
  })

  it('units and scale', () => {
    const [data] = whatifFreeDatasets(sampleWhatif(), 11)
    const pages = whatifFreeOption({ ...base, data: data!, unit: 'pages', scale: 'log' })
    expect((pages.series as Bar[])[1]!.data[9]).toBeCloseTo(Math.log10(1024) + 1, 9) // 1024 pages, drawn as its decade
    expect((pages.yAxis as { type: string; interval?: number }).interval).toBe(1)
    const bytes = whatifFreeOption({ ...base, data: data!, unit: 'bytes', scale: 'linear' })
    expect((bytes.series as Bar[])[1]!.data[10]).toBe(1024 * 4096)
    expect((bytes.yAxis as { type: string }).type).toBe('value')
  })

  it('tooltip: one order, each series in blocks and pages, the band and the change', () => {
    const [data] = whatifFreeDatasets(sampleWhatif(), 11)
    const html = whatifFreeTooltip({ ...data!, band: { p5: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], median: [], p95: [0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0] } }, 9, 4096, '03-after')
    expect(html).toContain('order 9 = 2 MiB')
    expect(html).toContain('1,024 pages') // 2 blocks after
    expect(html).toContain('real (03-after)')
    expect(html).toContain('band p5…p95')
    expect(html).toContain('+1 blocks (2 MiB) predicted')
    const opt = whatifFreeOption({ ...base, data: data!, unit: 'blocks', scale: 'linear' })
    const fmt = (opt.tooltip as { formatter: (p: unknown) => string }).formatter
    expect(fmt([{ dataIndex: 0 }])).toContain('−8 blocks')
  })

  it('light theme has its own colours', () => {
    expect(whatifColors(chartTheme('light')).after).not.toBe(whatifColors(chartTheme('dark')).after)
  })
})

describe('log scale never hides a block', () => {
  it('a count of 1 (the DMA zone\'s single order-10 block) sits above the log axis floor, in every unit', () => {
    for (const unit of ['blocks', 'pages', 'bytes'] as const) {
      const va = freeAreaValueAxis(unit, 'log', 4096)
      const one = unitValue(1, unit === 'pages' ? 0 : 10, 4096, unit)
      // one block of order 10 in bytes is 4 MiB: its bar is above the axis floor
      expect(va.toAxis(one)!, unit).toBeGreaterThan(va.min)
      expect(va.toAxis(0), unit).toBeNull()
    }
    const blocks = freeAreaValueAxis('blocks', 'log', 4096)
    expect(blocks.toAxis(1)).toBe(1)
    expect(blocks.toAxis(1000)).toBe(4)
    expect(blocks.axisLabelFormatter(1)).toBe('1')
    expect(blocks.axisLabelFormatter(3)).toBe('100')
    expect(freeAreaValueAxis('blocks', 'linear', 4096).toAxis(7)).toBe(7)
  })
})
