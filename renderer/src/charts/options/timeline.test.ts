import { describe, expect, it } from 'vitest'
import type { TimelineDto } from '../../api/types.ts'
import sample from '../../test-utils/timeline_sample.json'
import { chartTheme } from '../palette.ts'
import { timelineOption, timelineXRange, orderColor, drawnCounters, fallbackIntervals, fallbackText, FALLBACK_SERIES } from './timeline.ts'
import type { TimelineTraceDto, TimelineTraceIntervalDto } from '../../api/types.ts'
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

describe('a trace\'s fallbacks on the timeline', () => {
  const labels = t.points.map((p) => p.label)
  const iv = (after: string | null, before: string | null, byPair: Record<string, number>, claimed = 0, pfns: number[] = []): TimelineTraceIntervalDto => {
    const n = Object.values(byPair).reduce((a, b) => a + b, 0)
    return { after, before, fallbacks: n, fragmenting: n - claimed, claimed, byPair, stolen: pfns.map((pfn, i) => ({ pfn, ts: i, task: 'a', from: 'Movable', to: 'Unmovable', order: 3, claimed: false })) }
  }
  // before the first capture, between each pair of the six, after the last
  const trace: TimelineTraceDto = {
    path: '/t/trace.txt', format: 'ftrace', fallbacks: 9, notes: [],
    intervals: [
      iv(null, labels[0]!, { 'Unmovable<-Movable': 1 }),
      ...labels.slice(1).map((b, i) => (i === 1 ? iv(labels[i]!, b, { 'Unmovable<-Movable': 3, 'Reclaimable<-Movable': 4, 'Movable<-Unmovable': 1 }, 2, [512, 512, 1024]) : iv(labels[i]!, b, {}))),
      iv(labels[5]!, null, {}),
    ],
  }
  const opt = (spacing: 'even' | 'time', tr: TimelineTraceDto | null) =>
    timelineOption({ timeline: t, zone: '0:DMA32', spacing, theme: chartTheme('light'), pair: null, pending: null, trace: tr }) as unknown as { series: S[]; legend: Array<{ data: string[] }> }

  it('places each interval between its captures, before the first and after the last to the axis\' ends', () => {
    const f = fallbackIntervals(t, trace, 'even')
    expect(f).toHaveLength(7)
    const [lo, hi] = timelineXRange(t, 'even')
    expect(f[0]).toMatchObject({ x0: lo, x1: 0, x: lo / 2, fallbacks: 1 })
    expect(f[2]).toMatchObject({ after: labels[1], before: labels[2], x0: 1, x1: 2, x: 1.5, fallbacks: 8, steals: 6, claimed: 2, stolenBlocks: 2 })
    expect(f[2]!.pairs).toEqual([['Reclaimable<-Movable', 4], ['Unmovable<-Movable', 3], ['Movable<-Unmovable', 1]])
    expect(f[6]).toMatchObject({ x0: 5, x1: hi })
    expect(fallbackText(f[2]!, 2)).toBe('8 fallbacks (6 steals, 2 claims) · Reclaimable<-Movable 4 · Unmovable<-Movable 3 · … 1 more')
    expect(fallbackText(f[3]!)).toBe('no fallbacks')
    // by time: half-way between the captures' seconds
    const byTime = fallbackIntervals(t, trace, 'time')
    expect(byTime[2]!.x).toBe((t.points[1]!.x + t.points[2]!.x) / 2)
    // an interval of captures this timeline lacks (a trace placed on another series) is left out
    expect(fallbackIntervals(t, { ...trace, intervals: [iv('nope', labels[0]!, { 'Unmovable<-Movable': 2 })] }, 'even')).toEqual([])
  })

  it('draws the counts on the counters\' grid, shades the intervals with any, and only with a trace', () => {
    expect(opt('even', null).series.find((s) => s.name === FALLBACK_SERIES)).toBeUndefined()
    const o = opt('even', trace)
    const s = o.series.find((x) => x.name === FALLBACK_SERIES)!
    expect(s.xAxisIndex).toBe(3)
    expect(s.data).toEqual([[-0.5, 1], [0.5, null], [1.5, 8], [2.5, null], [3.5, null], [4.5, null], [5.25, null]])
    expect(s.markArea!.data.map((d) => d.map((e) => e.xAxis))).toEqual([[-1, 0], [1, 2]])
    expect(o.legend[3]!.data).toContain(FALLBACK_SERIES)
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
