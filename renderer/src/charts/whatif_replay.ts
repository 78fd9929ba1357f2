/**
 * Replay of the two compaction scanners over the pageblock map (pure): the steps of a run from
 * its tracepoint events (or, where those were cut off, its [migratePfn, freePfn] timeline), the
 * scanners' state at a step (per zone: not started, scanning, met), and what the map draws for it
 * (shaded scanned ranges, markers, the meeting point) in fractional pageblock units. The
 * migrate scanner walks up from the zone start, the free scanner down from the zone end.
 */
import type { WhatifCompactView, ZoneBoundary } from '../api/types.ts'
import { fitScale, makeGrid, type Grid } from './pageblock_layout.ts'

export type ReplayEvent = WhatifCompactView['events'][number]

export interface ReplayZone {
  label: string
  node: number
  zone: string
  startPfn: number
  endPfn: number
}

export interface ReplayFrame {
  /** index into the replay's zones, −1 before any zone began */
  zone: number
  migratePfn: number
  freePfn: number
  /** index into view.events, or −1 for a step from the timeline */
  event: number
  /** PFN range the step's event worked on (isolate events) */
  range: [number, number] | null
  /** the scanners met (or the zone finished) at this step */
  met: boolean
}

export interface Replay {
  zones: ReplayZone[]
  frames: ReplayFrame[]
  /** where the steps come from */
  source: 'events' | 'timeline' | 'events+timeline' | 'none'
}

export function zoneLabelOf(z: { node: number; zone: string }): string {
  return `Node ${z.node}, zone ${z.zone}`
}

/** Fractional pageblock index of a PFN on the map. */
export function pfnToPageblock(pfn: number, basePfn: number, pagesPerBlock: number): number {
  return (pfn - basePfn) / pagesPerBlock
}

/** The zone a timeline pair belongs to: the one holding the migrate scanner (ends count, for a finished zone). */
export function zoneOfPair(zones: readonly ReplayZone[], migratePfn: number, freePfn: number): number {
  // scanners that met at a zone's end: that zone finished (not the next one, which starts there)
  if (freePfn <= migratePfn) {
    const done = zones.findIndex((z) => migratePfn === z.endPfn && freePfn >= z.startPfn)
    if (done >= 0) return done
  }
  for (let i = 0; i < zones.length; i++) {
    const z = zones[i]!
    if (migratePfn >= z.startPfn && migratePfn < z.endPfn && freePfn <= z.endPfn) return i
  }
  for (let i = 0; i < zones.length; i++) if (migratePfn >= zones[i]!.startPfn && migratePfn <= zones[i]!.endPfn) return i
  return -1
}

/**
 * The steps of a run. Every event is a step; isolate_migratepages moves the migrate scanner to
 * the event's end, migratepages / begin / end carry both positions exactly, isolate_freepages
 * marks the range the free scanner took pages from (its position follows at the next migration).
 * When the events were cut off (eventsDropped > 0) or absent, the timeline supplies the rest.
 */
export function buildReplay(view: Pick<WhatifCompactView, 'events' | 'timeline' | 'eventsDropped'>, boundaries: readonly ZoneBoundary[]): Replay {
  const zones: ReplayZone[] = boundaries.map((b) => ({ label: zoneLabelOf(b), node: b.node, zone: b.zone, startPfn: b.startPfn, endPfn: b.endPfn }))
  const byLabel = new Map(zones.map((z, i) => [z.label, i]))
  const frames: ReplayFrame[] = []
  let zone = -1
  let mig = 0
  let free = 0
  const findZone = (label: string, start: number): number => {
    const i = byLabel.get(label)
    if (i !== undefined) return i
    const k = zones.findIndex((z) => z.startPfn <= start && start < z.endPfn)
    if (k >= 0) return k
    // a zone the snapshot view does not list: add it so the replay can still show it
    zones.push({ label, node: 0, zone: label, startPfn: start, endPfn: start })
    return zones.length - 1
  }
  view.events.forEach((e, i) => {
    switch (e.name) {
      case 'mm_compaction_begin': {
        zone = findZone(e.zone, e.zoneStart)
        const z = zones[zone]!
        if (z.endPfn === z.startPfn) z.endPfn = e.zoneEnd
        mig = e.migratePfn
        free = e.freePfn
        frames.push({ zone, migratePfn: mig, freePfn: free, event: i, range: null, met: false })
        return
      }
      case 'mm_compaction_end':
        zone = findZone(e.zone, e.zoneStart)
        mig = e.migratePfn
        free = e.freePfn
        frames.push({ zone, migratePfn: mig, freePfn: free, event: i, range: null, met: true })
        return
      case 'mm_compaction_isolate_migratepages':
        mig = Math.max(mig, e.endPfn)
        frames.push({ zone, migratePfn: mig, freePfn: free, event: i, range: [e.startPfn, e.endPfn], met: false })
        return
      case 'mm_compaction_isolate_freepages':
        frames.push({ zone, migratePfn: mig, freePfn: free, event: i, range: [e.startPfn, Math.max(e.endPfn, e.startPfn)], met: false })
        return
      case 'mm_compaction_migratepages':
        mig = e.migratePfn
        free = e.freePfn
        frames.push({ zone, migratePfn: mig, freePfn: free, event: i, range: null, met: false })
        return
      case 'mm_compaction_suitable':
      case 'mm_compaction_deferred': {
        const zi = findZone(e.zone, -1)
        frames.push({ zone: zi, migratePfn: zone === zi ? mig : zones[zi]!.startPfn, freePfn: zone === zi ? free : zones[zi]!.endPfn, event: i, range: null, met: false })
        return
      }
    }
  })
  const fromEvents = frames.length
  const tl = view.timeline
  const pairs = Math.floor(tl.length / 2)
  if (pairs > 0 && (fromEvents === 0 || view.eventsDropped > 0)) {
    // the timeline after the last step the events reached
    let start = 0
    if (fromEvents > 0) {
      const last = frames[fromEvents - 1]!
      start = pairs
      for (let k = pairs - 1; k >= 0; k--) {
        const zi = zoneOfPair(zones, tl[2 * k]!, tl[2 * k + 1]!)
        if (zi < last.zone || (zi === last.zone && tl[2 * k]! <= last.migratePfn && tl[2 * k + 1]! >= last.freePfn)) break
        start = k
      }
    }
    for (let k = start; k < pairs; k++) {
      const m = tl[2 * k]!
      const f = tl[2 * k + 1]!
      const zi = zoneOfPair(zones, m, f)
      // a zone ends where the next pair is in another zone, or at the last pair
      const nextZone = k + 1 < pairs ? zoneOfPair(zones, tl[2 * k + 2]!, tl[2 * k + 3]!) : -2
      frames.push({ zone: zi, migratePfn: m, freePfn: f, event: -1, range: null, met: m >= f || nextZone !== zi })
    }
  }
  const source = frames.length === 0 ? 'none' : fromEvents === 0 ? 'timeline' : frames.length > fromEvents ? 'events+timeline' : 'events'
  return { zones, frames, source }
}

export type ZoneScanStatus = 'pending' | 'scanning' | 'met'

export interface ZoneScan {
  status: ZoneScanStatus
  migratePfn: number
  freePfn: number
}

/** Each zone's scanners after step `step` (inclusive): the latest step of the zone decides. */
export function scannerState(replay: Replay, step: number): ZoneScan[] {
  const out: ZoneScan[] = replay.zones.map((z) => ({ status: 'pending', migratePfn: z.startPfn, freePfn: z.endPfn }))
  const seen = new Set<number>()
  const last = Math.min(step, replay.frames.length - 1)
  for (let i = last; i >= 0 && seen.size < out.length; i--) {
    const f = replay.frames[i]!
    if (f.zone < 0 || seen.has(f.zone)) continue
    seen.add(f.zone)
    out[f.zone] = { status: f.met ? 'met' : 'scanning', migratePfn: f.migratePfn, freePfn: f.freePfn }
  }
  return out
}

/** Where the scanners met in a zone: the free scanner's position once it is at or below the migrate scanner's. */
export function meetingPfn(s: ZoneScan): number {
  return s.freePfn <= s.migratePfn ? s.freePfn : Math.round((s.migratePfn + s.freePfn) / 2)
}

// ------------------------------------------------------------------ what the map draws

export interface MapSpan {
  /** fractional pageblock indices, half-open */
  from: number
  to: number
  color: string
  /** opacity of the fill over the cells */
  alpha: number
  /** outline the range (its staircase contour) in the colour */
  outline?: boolean
}

export interface MapMarker {
  /** fractional pageblock index */
  at: number
  color: string
  kind: 'migrate' | 'free' | 'meet'
}

/** Extra drawing over the pageblock map (PageblockCanvas `decor`). */
export interface MapDecor {
  /** pageblocks to outline (changed blocks) */
  outlines?: { cells: ArrayLike<number>; color: string } | null
  /** more groups of pageblocks to outline, each in its own colour (a diff's changes by kind) */
  marks?: Array<{ cells: ArrayLike<number>; color: string; width?: number }>
  spans?: MapSpan[]
  /** a bracket under the pageblocks an event worked on */
  range?: { from: number; to: number; color: string } | null
  markers?: MapMarker[]
}

export const SCANNER_COLORS = {
  light: { migrate: '#0b63d8', free: '#c8188a', range: '#111418' },
  dark: { migrate: '#4aa8ff', free: '#ff5cc6', range: '#ffffff' },
} as const

/** The decoration of one replay step: scanned ranges shaded, scanner markers, meeting points. */
export function replayDecor(
  replay: Replay, step: number, geo: { basePfn: number; pagesPerBlock: number }, theme: 'light' | 'dark',
): MapDecor {
  const c = SCANNER_COLORS[theme]
  const pb = (pfn: number): number => pfnToPageblock(pfn, geo.basePfn, geo.pagesPerBlock)
  const spans: MapSpan[] = []
  const markers: MapMarker[] = []
  const states = scannerState(replay, step)
  states.forEach((s, zi) => {
    if (s.status === 'pending') return
    const z = replay.zones[zi]!
    const meet = s.status === 'met' || s.freePfn <= s.migratePfn
    const mig = meet ? Math.min(s.migratePfn, Math.max(s.freePfn, z.startPfn)) : s.migratePfn
    const mEnd = Math.max(z.startPfn, Math.min(mig, z.endPfn))
    const fStart = meet ? mEnd : Math.min(z.endPfn, Math.max(s.freePfn, mEnd))
    if (mEnd > z.startPfn) spans.push({ from: pb(z.startPfn), to: pb(mEnd), color: c.migrate, alpha: 0.16, outline: true })
    if (z.endPfn > fStart) spans.push({ from: pb(fStart), to: pb(z.endPfn), color: c.free, alpha: 0.16, outline: true })
    if (meet) markers.push({ at: pb(meetingPfn(s)), color: c.range, kind: 'meet' })
    else {
      markers.push({ at: pb(mEnd), color: c.migrate, kind: 'migrate' })
      markers.push({ at: pb(fStart), color: c.free, kind: 'free' })
    }
  })
  const f = replay.frames[step]
  const range = f?.range ? { from: pb(f.range[0]), to: pb(Math.max(f.range[1], f.range[0] + 1)), color: c.range } : null
  return { spans, markers, range }
}

/**
 * A half-open range of fractional pageblock indices as rectangles in cell units on the wrapped
 * grid ({x, y, w, h}: x in columns, y in rows): the partial first row, the whole rows between
 * (one rectangle), the partial last row.
 */
export function spanRects(grid: Grid, from: number, to: number): Array<{ x: number; y: number; w: number; h: number }> {
  const a = Math.max(0, from)
  const b = Math.min(grid.count, to)
  if (!(b > a)) return []
  const cols = grid.cols
  const r0 = Math.floor(a / cols)
  const r1 = Math.ceil(b / cols) - 1
  const x0 = a - r0 * cols
  const x1 = b - r1 * cols
  if (r0 === r1) return [{ x: x0, y: r0, w: x1 - x0, h: 1 }]
  const out = [{ x: x0, y: r0, w: cols - x0, h: 1 }]
  if (r1 > r0 + 1) out.push({ x: 0, y: r0 + 1, w: cols, h: r1 - r0 - 1 })
  out.push({ x: 0, y: r1, w: x1, h: 1 })
  return out.filter((r) => r.w > 0)
}

/**
 * The contour of a range of fractional pageblock indices on the wrapped grid, as closed polygons
 * in cell units: one staircase polygon, or two rectangles when the range covers the end of one
 * row and the start of the next without overlapping columns.
 */
export function rangeOutline(grid: Grid, from: number, to: number): Array<Array<[number, number]>> {
  const a = Math.max(0, from)
  const b = Math.min(grid.count, to)
  if (!(b > a)) return []
  const cols = grid.cols
  const r0 = Math.floor(a / cols)
  const r1 = Math.ceil(b / cols) - 1
  const x0 = a - r0 * cols
  const x1 = b - r1 * cols
  const rect = (x: number, y: number, w: number, h: number): Array<[number, number]> => [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
  if (r0 === r1) return [rect(x0, r0, x1 - x0, 1)]
  if (r1 === r0 + 1 && x1 <= x0) return [rect(x0, r0, cols - x0, 1), rect(0, r1, x1, 1)]
  const poly: Array<[number, number]> = [[x0, r0], [cols, r0], [cols, r1], [x1, r1], [x1, r1 + 1], [0, r1 + 1], [0, r0 + 1], [x0, r0 + 1]]
  // drop corners that collapse (a range starting at column 0 or ending at the last column)
  return [poly.filter((p, i) => {
    const q = poly[(i + poly.length - 1) % poly.length]!
    return p[0] !== q[0] || p[1] !== q[1]
  })]
}

/** A fractional pageblock index as a point in cell units (x in columns, y = top of its row). A position at a row's end stays on that row. */
export function pointAt(grid: Grid, at: number): { x: number; y: number } {
  const p = Math.max(0, Math.min(grid.count, at))
  let r = Math.floor(p / grid.cols)
  if (r > 0 && p === r * grid.cols) r-- // the end of the previous row, not the start of the next
  return { x: p - r * grid.cols, y: r }
}

/**
 * The height (CSS px) a map box needs to show the whole map at the biggest square cells that fit
 * width × maxHeight (the gutter of row labels included in width), so small maps leave no empty band.
 */
export function fittedHeight(count: number, width: number, maxHeight: number, gutter: number, minHeight = 120): number {
  const w = Math.max(1, width - gutter)
  const g = makeGrid(count, w, maxHeight)
  const cell = fitScale(g, w, maxHeight)
  return Math.max(minHeight, Math.min(maxHeight, Math.ceil(g.rows * cell) + 2))
}

/** How many steps to advance per animation frame so that a replay lasts about `seconds`. */
export function playStride(frames: number, seconds = 12, fps = 30): number {
  return Math.max(1, Math.ceil(frames / (seconds * fps)))
}
