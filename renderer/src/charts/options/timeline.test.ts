import { describe, expect, it } from 'vitest'
import type { TimelineDto } from '../../api/types.ts'
import sample from '../../test-utils/timeline_sample.json'
import { chartTheme } from '../palette.ts'
import { timelineOption, timelineXRange, orderColor, drawnCounters } from './timeline.ts'
import { pairDelta, pointXs, markerXs, contiguityStory, contiguityVerdict, stepEffects, defaultTimelineZone } from '../../timeline_format.ts'

// `buddyscope timeline fixtures/x86-1G-s2-hugetlb --json`, its counters trimmed to those that changed
const t = sample as unknown as TimelineDto

type S = { name: string; type: string; xAxisIndex: number; data: Array<[number, number | null]>; markLine?: { data: Array<{ xAxis: number; name: string }> }; markArea?: { data: Array<Array<{ xAxis: number }>> } }

describe('timeline option', () => {
  const opt = (spacing: 'even' | 'time', pair: { a: string; b: string } | null = null) =>
    timelineOption({ timeline: t, zone: '0:DMA32', spacing, theme: chartTheme('light'), pair, pending: null }) as unknown as { series: S[]; xAxis: Array<{ min: number; max: number }> }

  it('stacks free pages per order in MiB, the largest orders first, every series in capture order', () => {
    const o = opt('even')
    const free = o.series.filter((s) => s.xAxisIndex === 0 && s.name.startsWith('order '))
    expect(free.map((s) => s.name.split(' ')[1])).toEqual(['10', '9', '8', '7', '6', '5', '4', '3', '2', '1', '0'])
    // order 9 of 05-after-compact-memory: buddyinfo's count × 512 pages × 4 KiB
    const z = t.points[4]!.zones.find((x) => x.zone === 'DMA32')!
    expect(free[1]!.data[4]).toEqual([4, (z.freeBlocks[9]! * 512 * 4096) / (1 << 20)])
    expect(free.every((s) => s.data.length === t.points.length)).toBe(true)
  })

  it('draws one marker per step on every grid, at the same x, pauses left out', () => {
    const o = opt('even')
    const lines = o.series.filter((s) => s.markLine).map((s) => s.markLine!.data.map((d) => d.xAxis))
    expect(lines).toHaveLength(4)
    for (const l of lines) expect(l).toEqual(lines[0])
    expect(o.series.find((s) => s.markLine)!.markLine!.data.map((d) => d.name)).toEqual(t.markers.map((m) => m.text))
    // evenly spaced: the compact_memory step sits half-way between captures #4 and #5
    const i = t.markers.findIndex((m) => m.text === 'compact_memory')
    expect(markerXs(t, 'even')[i]).toBe(3.5)
    // the axes are the same on every grid; evenly spaced, the ticks are the captures
    expect(new Set(o.xAxis.map((a) => `${a.min}..${a.max}`)).size).toBe(1)
    expect(o.xAxis[0]).toMatchObject({ min: -1, max: 5.5, axisLabel: { customValues: [0, 1, 2, 3, 4, 5] } })
  })

  it('by time, captures and markers sit at their seconds', () => {
    expect(pointXs(t, 'time')).toEqual(t.points.map((p) => p.x))
    expect(markerXs(t, 'time')).toEqual(t.markers.map((m) => m.x))
    const [lo, hi] = timelineXRange(t, 'time')
    expect(lo).toBeLessThan(Math.min(...t.markers.map((m) => m.x)))
    expect(hi).toBeGreaterThan(t.points.at(-1)!.x)
  })

  it('shades a selected pair on every grid', () => {
    const o = opt('even', { a: '04-after-hugetlb-release', b: '05-after-compact-memory' })
    const areas = o.series.filter((s) => s.markArea).map((s) => s.markArea!.data[0]!.map((d) => d.xAxis))
    expect(areas).toEqual([[3, 4], [3, 4], [3, 4], [3, 4]])
  })

  it('colours the orders of a pageblock and up green, the small ones grey', () => {
    expect(orderColor(10, 9, 11, false)).toBe('#146b3a')
    expect(orderColor(9, 9, 11, false)).toBe('#5cc48a')
    expect(orderColor(0, 9, 11, false)).toBe('#e4e7ec')
    expect(drawnCounters(t)[0]).toBe('pgmigrate_success')
    expect(drawnCounters(t).length).toBeLessThanOrEqual(6)
  })
})

describe('timeline words and differences', () => {
  it('the default zone is the one with the most free memory', () => {
    expect(defaultTimelineZone(t)).toBe('0:DMA32')
  })

  it('tells when contiguity went and which step brought it back', () => {
    const s = contiguityStory(t, '0:DMA32')
    expect(s.lost).toMatchObject({ label: '02-before', steps: ['workload (6s)'] })
    expect(s.regained).toMatchObject({ label: '04-after-hugetlb-release', steps: ['hugetlb 2 MiB release'] })
    const eff = stepEffects(t, '0:DMA32')
    const cm = eff.find((e) => e.text === 'compact_memory')!
    const z = (label: string) => t.points.find((p) => p.label === label)!.zones.find((x) => x.zone === 'DMA32')!
    expect(cm.highOrderFreePages).toBe(z('05-after-compact-memory').highOrderFreePages - z('04-after-hugetlb-release').highOrderFreePages)
    expect(cm.deltas[0]![0]).toBe('compact_free_scanned')
    // the verdict in words (the report's)
    expect(contiguityVerdict(t, '0:DMA32')).toBe('Contiguity (free memory in blocks ≥ 2 MiB, 0:DMA32) fell most at 02-before (−890 MiB, after workload (6s)); it came back most at 04-after-hugetlb-release (+196 MiB, after hugetlb 2 MiB release).')
    const flat = { ...t, points: t.points.map((p) => ({ ...p, zones: p.zones.map((z) => ({ ...z, highOrderFreePages: 7 })) })) }
    expect(contiguityVerdict(flat, '0:DMA32')).toBe(`Contiguity (free memory in blocks ≥ 2 MiB, 0:DMA32) did not change across the ${t.points.length} captures.`)
  })

  it('the difference of a pair sums the deltas between them, in either order', () => {
    const d = pairDelta(t, '02-before', '05-after-compact-memory')!
    const sum = t.points.slice(2, 5).reduce((s, p) => s + p.deltas!['pgmigrate_success']!, 0)
    expect(d.counters!['pgmigrate_success']).toBe(sum)
    expect(d.steps).toEqual(['hugetlb 2 MiB × 128 (got 115)', 'hugetlb 2 MiB release', 'compact_memory'])
    const back = pairDelta(t, '05-after-compact-memory', '02-before')!
    expect(back.counters!['pgmigrate_success']).toBe(-sum)
    expect(back.zones[1]!.highOrderFreePages).toBe(-d.zones[1]!.highOrderFreePages)
    expect(pairDelta(t, '02-before', 'nope')).toBeNull()
  })
})
