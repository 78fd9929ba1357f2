import { describe, expect, it } from 'vitest'
import { chartTheme } from '../palette.ts'
import { SERIES_IDEAL, SERIES_REAL, SERIES_WITH, SERIES_WITHOUT, yieldOption, yieldSeriesData } from './contig_yield.ts'

const points = [
  { requested: 32, obtainedWithCompaction: 28, obtainedWithoutCompaction: 20 },
  { requested: 8, obtainedWithCompaction: 8, obtainedWithoutCompaction: 8 },
  { requested: 64, obtainedWithCompaction: 28, obtainedWithoutCompaction: 20 },
]

describe('hugetlb yield curve', () => {
  it('sorts the points and starts at the origin', () => {
    const d = yieldSeriesData(points)
    expect(d.with).toEqual([[0, 0], [8, 8], [32, 28], [64, 28]])
    expect(d.without).toEqual([[0, 0], [8, 8], [32, 20], [64, 20]])
    expect(d.max).toBe(64)
    expect(yieldSeriesData([{ requested: 4, obtainedWithCompaction: 2, obtainedWithoutCompaction: null }]).without).toEqual([])
  })

  it('series: the diagonal, with and without compaction, the real kernel', () => {
    const o = yieldOption({ points, hugeBytes: 2 << 20, theme: chartTheme('light'), real: { requested: 64, obtained: 28, label: '05' } })
    const series = o.series as Array<{ name: string; type: string; data: unknown }>
    expect(series.map((s) => s.name)).toEqual([SERIES_IDEAL, SERIES_WITH, SERIES_WITHOUT, SERIES_REAL])
    expect(series[0]!.data).toEqual([[0, 0], [64, 64]])
    expect(series[3]!.data).toEqual([[64, 28]])
    expect((o.xAxis as { max: number; name: string }).max).toBe(64)
    expect((o.xAxis as { name: string }).name).toContain('2 MiB')
    const tip = (o.tooltip as { formatter: (p: unknown) => string }).formatter([{ seriesName: SERIES_WITH, value: [32, 28] }])
    expect(tip).toContain('32 × 2 MiB requested')
    expect(tip).toContain('56 MiB')
  })

  it('no real series without a captured step', () => {
    const o = yieldOption({ points, hugeBytes: 2 << 20, theme: chartTheme('dark') })
    expect((o.series as Array<{ name: string }>).map((s) => s.name)).not.toContain(SERIES_REAL)
  })
})
