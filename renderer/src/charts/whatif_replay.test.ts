import { describe, expect, it } from 'vitest'
import { sampleView } from '../test-utils/scripted_api.ts'
import { sampleWhatif } from '../test-utils/whatif_sample.ts'
import {
  buildReplay, fittedHeight, meetingPfn, pfnToPageblock, playStride, pointAt, rangeOutline, replayDecor, scannerState, SCANNER_COLORS, spanRects, zoneOfPair,
} from './whatif_replay.ts'

const snap = sampleView('s1')
const twoZones = [
  { node: 0, zone: 'DMA', firstPb: 0, lastPb: 7, startPfn: 1, endPfn: 4096 },
  { node: 0, zone: 'DMA32', firstPb: 8, lastPb: 255, startPfn: 4096, endPfn: 131037 },
]

describe('scanner replay steps', () => {
  it('one step per event; isolate_migratepages moves the migrate scanner, migratepages both, end meets', () => {
    const r = buildReplay(sampleWhatif(), snap.zoneBoundaries)
    expect(r.source).toBe('events')
    expect(r.zones).toEqual([{ label: 'Node 0, zone DMA32', node: 0, zone: 'DMA32', startPfn: 0, endPfn: 4096 }])
    expect(r.frames.map((f) => [f.migratePfn, f.freePfn])).toEqual([[0, 3584], [512, 3584], [512, 3584], [512, 3584], [1024, 3584], [1024, 3072], [2048, 2048]])
    expect(r.frames.map((f) => f.event)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(r.frames[1]!.range).toEqual([0, 512])
    expect(r.frames[2]!.range).toEqual([3584, 3616])
    expect(r.frames.map((f) => f.met)).toEqual([false, false, false, false, false, false, true])
    expect(r.frames.every((f) => f.zone === 0)).toBe(true)
  })

  it('without events: the timeline pairs, split into zones, each zone ending where the next begins', () => {
    const r = buildReplay({ events: [], eventsDropped: 0, timeline: [1, 3584, 3584, 3584, 4096, 130560, 10272, 127594, 53760, 53782] }, twoZones)
    expect(r.source).toBe('timeline')
    expect(r.frames.map((f) => f.zone)).toEqual([0, 0, 1, 1, 1])
    expect(r.frames.map((f) => f.met)).toEqual([false, true, false, false, true])
    expect(r.frames.every((f) => f.event === -1)).toBe(true)
  })

  it('events cut off: the timeline continues after the last step the events reached', () => {
    const v = sampleWhatif()
    const r = buildReplay({ events: v.events.slice(0, 4), eventsDropped: 3, timeline: v.timeline }, snap.zoneBoundaries)
    expect(r.source).toBe('events+timeline')
    expect(r.frames.slice(4).map((f) => [f.migratePfn, f.freePfn])).toEqual([[1024, 3072], [2048, 2048]])
    expect(r.frames.at(-1)!.met).toBe(true)
  })

  it('no events, no timeline: nothing to replay', () => {
    expect(buildReplay({ events: [], eventsDropped: 0, timeline: [] }, snap.zoneBoundaries)).toMatchObject({ frames: [], source: 'none' })
  })

  it('a zone the snapshot view does not list still gets replayed', () => {
    const r = buildReplay({ events: [{ name: 'mm_compaction_begin', zone: 'Node 1, zone Normal', zoneStart: 9000, migratePfn: 9000, freePfn: 9500, zoneEnd: 10000, sync: true }], eventsDropped: 0, timeline: [] }, snap.zoneBoundaries)
    expect(r.zones[1]).toMatchObject({ label: 'Node 1, zone Normal', startPfn: 9000, endPfn: 10000 })
  })

  it('finds the zone of a timeline pair, a finished zone by its end', () => {
    const zones = buildReplay({ events: [], eventsDropped: 0, timeline: [] }, twoZones).zones
    expect(zoneOfPair(zones, 10, 3584)).toBe(0)
    expect(zoneOfPair(zones, 4096, 4096)).toBe(0)
    expect(zoneOfPair(zones, 4096, 130560)).toBe(1)
    expect(zoneOfPair(zones, 999999, 0)).toBe(-1)
  })
})

describe('scanner state and drawing', () => {
  const r = buildReplay(sampleWhatif(), snap.zoneBoundaries)

  it('state per zone at a step: pending, scanning, met', () => {
    expect(scannerState(r, -1)).toEqual([{ status: 'pending', migratePfn: 0, freePfn: 4096 }])
    expect(scannerState(r, 5)).toEqual([{ status: 'scanning', migratePfn: 1024, freePfn: 3072 }])
    expect(scannerState(r, 6)).toEqual([{ status: 'met', migratePfn: 2048, freePfn: 2048 }])
    expect(scannerState(r, 99)[0]!.status).toBe('met')
    expect(meetingPfn({ status: 'met', migratePfn: 2048, freePfn: 2048 })).toBe(2048)
    // met within a pageblock (the kernel compares pageblocks): between the two
    expect(meetingPfn({ status: 'met', migratePfn: 53760, freePfn: 53782 })).toBe(53771)
  })

  it('PFN → fractional pageblock', () => {
    expect(pfnToPageblock(1536, 0, 512)).toBe(3)
    expect(pfnToPageblock(4096 + 256, 4096, 512)).toBe(0.5)
  })

  it('decor while scanning: each scanner shades what it scanned and has a marker; the event range is bracketed', () => {
    const d = replayDecor(r, 5, snap, 'dark')
    const c = SCANNER_COLORS.dark
    expect(d.spans).toEqual([
      { from: 0, to: 2, color: c.migrate, alpha: 0.16, outline: true },
      { from: 6, to: 8, color: c.free, alpha: 0.16, outline: true },
    ])
    expect(d.markers).toEqual([{ at: 2, color: c.migrate, kind: 'migrate' }, { at: 6, color: c.free, kind: 'free' }])
    expect(d.range).toBeNull()
    expect(replayDecor(r, 1, snap, 'light').range).toEqual({ from: 0, to: 1, color: SCANNER_COLORS.light.range })
  })

  it('decor at the end: the zone split at the meeting point, one meeting marker', () => {
    const d = replayDecor(r, 6, snap, 'light')
    expect(d.spans!.map((s) => [s.from, s.to])).toEqual([[0, 4], [4, 8]])
    expect(d.markers).toEqual([{ at: 4, color: SCANNER_COLORS.light.range, kind: 'meet' }])
  })

  it('decor before a zone begins: nothing', () => {
    const d = replayDecor({ ...r, frames: [] }, 0, snap, 'dark')
    expect(d.spans).toEqual([])
    expect(d.markers).toEqual([])
  })
})

describe('replay geometry on the wrapped grid', () => {
  const grid = { count: 30, cols: 8, rows: 4 }

  it('spanRects: the partial first row, whole rows between, the partial last row', () => {
    expect(spanRects(grid, 2, 5)).toEqual([{ x: 2, y: 0, w: 3, h: 1 }])
    expect(spanRects(grid, 2.5, 21)).toEqual([{ x: 2.5, y: 0, w: 5.5, h: 1 }, { x: 0, y: 1, w: 8, h: 1 }, { x: 0, y: 2, w: 5, h: 1 }])
    expect(spanRects(grid, 0, 16)).toEqual([{ x: 0, y: 0, w: 8, h: 1 }, { x: 0, y: 1, w: 8, h: 1 }])
    expect(spanRects(grid, 6, 10)).toEqual([{ x: 6, y: 0, w: 2, h: 1 }, { x: 0, y: 1, w: 2, h: 1 }])
    expect(spanRects(grid, 25, 99)).toEqual([{ x: 1, y: 3, w: 5, h: 1 }])
    expect(spanRects(grid, 5, 5)).toEqual([])
  })

  it('rangeOutline: a staircase polygon, or two rectangles when the rows do not overlap', () => {
    expect(rangeOutline(grid, 2, 5)).toEqual([[[2, 0], [5, 0], [5, 1], [2, 1]]])
    expect(rangeOutline(grid, 2, 21)).toEqual([[[2, 0], [8, 0], [8, 2], [5, 2], [5, 3], [0, 3], [0, 1], [2, 1]]])
    expect(rangeOutline(grid, 6, 10)).toEqual([[[6, 0], [8, 0], [8, 1], [6, 1]], [[0, 1], [2, 1], [2, 2], [0, 2]]])
    // from column 0: no zero-length edge
    expect(rangeOutline(grid, 0, 12)).toEqual([[[0, 0], [8, 0], [8, 1], [4, 1], [4, 2], [0, 2], [0, 1]]])
    expect(rangeOutline(grid, 3, 3)).toEqual([])
  })

  it('pointAt: a position at a row end stays on that row', () => {
    expect(pointAt(grid, 0)).toEqual({ x: 0, y: 0 })
    expect(pointAt(grid, 3.5)).toEqual({ x: 3.5, y: 0 })
    expect(pointAt(grid, 8)).toEqual({ x: 8, y: 0 })
    expect(pointAt(grid, 9)).toEqual({ x: 1, y: 1 })
    expect(pointAt(grid, 99)).toEqual({ x: 6, y: 3 })
  })

  it('fittedHeight: as tall as the whole map at its biggest cells, within limits', () => {
    // 256 pageblocks in 1000 px (minus a 100 px gutter) under 440 px: 32 columns of 28.125 px, 8 rows
    expect(fittedHeight(256, 1000, 440, 100)).toBe(Math.ceil(8 * 28.125) + 2)
    expect(fittedHeight(524288, 1000, 440, 100)).toBe(440)
    expect(fittedHeight(1, 1000, 440, 100)).toBe(440)
    // 64 in 900 × 440: 16 columns of 56.25 px, 4 rows
    expect(fittedHeight(64, 1000, 440, 100)).toBe(227)
    expect(fittedHeight(64, 1000, 440, 100, 300)).toBe(300)
  })

  it('playStride: a long replay advances several steps per frame', () => {
    expect(playStride(100)).toBe(1)
    expect(playStride(20000, 10, 30)).toBe(67)
  })
})
