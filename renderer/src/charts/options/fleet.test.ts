import { describe, expect, it } from 'vitest'
import { chartTheme } from '../palette.ts'
import type { FleetRowDto } from '../../api/types.ts'
import { columnValues, fleetHistogramOption, histogramBins, sortFleetRows, FLEET_COLUMNS } from './fleet.ts'

function row(path: string, o: Partial<FleetRowDto> = {}): FleetRowDto {
  return {
    path, label: null, host: null, kernel: null, arch: null, captureTime: null, uptimeSeconds: null, layout: 'exact', memoryBytes: null, freeBytes: null,
    freeGe2MiBBytes: null, clean2MiB: null, ranges2MiB: null, clean1GiB: null, ranges1GiB: null, fragmentationScore: null, mixedBlockShare: null,
    unmovableMemoryShare: null, unmovableBlockShare: null, topPolluter: null, findings: null, warnings: null, error: null, ...o,
  }
}

const rows = [
  row('/f/a', { host: 'web-2', fragmentationScore: 40, clean2MiB: 10, ranges2MiB: 256 }),
  row('/f/b', { host: 'web-10', fragmentationScore: 5, clean2MiB: null }),
  row('/f/c', { error: 'cannot tell which capture file this is' }),
  row('/f/d', { host: 'db-1', fragmentationScore: 90, clean2MiB: 3, ranges2MiB: 512 }),
]

describe('fleet table', () => {
  it('sorts by a column either way, numbers as numbers and names naturally; missing values last', () => {
    expect(sortFleetRows(rows, 'score', 'asc').map((r) => r.path)).toEqual(['/f/b', '/f/a', '/f/d', '/f/c'])
    expect(sortFleetRows(rows, 'score', 'desc').map((r) => r.path)).toEqual(['/f/d', '/f/a', '/f/b', '/f/c'])
    expect(sortFleetRows(rows, 'clean2MiB', 'desc').map((r) => r.path)).toEqual(['/f/a', '/f/d', '/f/b', '/f/c'])
    // web-2 before web-10; the error row has no host: its path sorts it
    expect(sortFleetRows(rows, 'host', 'asc').map((r) => r.path)).toEqual(['/f/c', '/f/d', '/f/a', '/f/b'])
    expect(sortFleetRows(rows, 'error', 'asc').map((r) => r.path)).toEqual(['/f/c', '/f/a', '/f/b', '/f/d'])
  })

  it('cells say what a row has', () => {
    const col = (id: string) => FLEET_COLUMNS.find((c) => c.id === id)!
    expect(col('clean2MiB').text(rows[0]!)).toBe('10 / 256')
    expect(col('clean2MiB').text(rows[1]!)).toBe('—')
    expect(col('uptime').text(row('/x', { uptimeSeconds: 90000 }))).toBe('25.0 h')
    expect(col('unmovable').text(row('/x', { unmovableBlockShare: 0.5, unmovableMemoryShare: 0.02 }))).toBe('2.0 % of memory in 50.0 % of blocks')
  })
})

describe('fleet histograms', () => {
  it('equal-width bins over the range, √n of them; one bin when all values are equal; none without values', () => {
    expect(histogramBins([])).toEqual([])
    expect(histogramBins([7, 7, 7])).toEqual([{ lo: 7, hi: 7, count: 3 }])
    const b = histogramBins([0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
    expect(b).toHaveLength(4)
    expect(b.map((x) => x.count)).toEqual([3, 2, 3, 2])
    expect(b[0]!.lo).toBe(0)
    expect(b[3]!.hi).toBe(10)
    expect(b.reduce((s, x) => s + x.count, 0)).toBe(10)
    expect(histogramBins(Array.from({ length: 1000 }, (_, i) => i))).toHaveLength(12)
  })

  it('counts the rows that have the column, not the error rows', () => {
    expect(columnValues(rows, 'score')).toEqual([40, 5, 90])
    expect(columnValues(rows, 'clean2MiB')).toEqual([10, 3])
  })

  it('a bar per bin, the selected hosts\' bins in the highlight colour, a tooltip naming the range', () => {
    const th = chartTheme('light')
    const o = fleetHistogramOption({ rows, column: 'score', theme: th, highlight: [rows[3]!] })
    const s = (o.series as Array<{ type: string; data: Array<{ value: number; itemStyle: { color: string } }> }>)[0]!
    expect(s.type).toBe('bar')
    expect(s.data.map((d) => d.value)).toEqual([2, 1])
    expect(s.data.map((d) => d.itemStyle.color)).toEqual([th.accent, th.threshold])
    const tip = (o.tooltip as { formatter: (p: unknown) => string }).formatter([{ dataIndex: 1 }])
    expect(tip).toContain('Frag. score')
    expect(tip).toContain('47.5 – 90')
    expect(tip).toContain('1 capture')
  })
})
