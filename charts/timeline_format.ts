/**
 * What the timeline view computes from a TimelineDto: the zone to show, positions on the x axis
 * (by time, or evenly by capture), the difference between two selected captures, and the words
 * for steps and counters. Pure; unit-tested.
 */
import type { TimelineDto, TimelineMarkerDto, TimelinePointDto, TimelineZoneDto } from '../contract/dto.ts'
import { formatBytes } from './format.ts'

export type TimelineSpacing = 'time' | 'even'

/** "node:zone" of a timeline zone */
export const tzKey = (z: { node: number; zone: string }): string => `${z.node}:${z.zone}`

/** The zone a timeline opens on: the one with the most free memory at any capture. */
export function defaultTimelineZone(t: TimelineDto): string {
  let best = ''
  let most = -1
  for (const p of t.points) {
    for (const z of p.zones) {
      if (z.freePages > most) {
        most = z.freePages
        best = tzKey(z)
      }
    }
  }
  return best || (t.zones[0] ? tzKey(t.zones[0]) : '')
}

export function zoneAt(p: TimelinePointDto, key: string): TimelineZoneDto | null {
  return p.zones.find((z) => tzKey(z) === key) ?? null
}

/** x of each point: its time (when the axis has times and spacing is by time), else its index. */
export function pointXs(t: TimelineDto, spacing: TimelineSpacing): number[] {
  const byTime = spacing === 'time' && t.axis !== 'capture order'
  return t.points.map((p) => (byTime ? p.x : p.index))
}

/** x of each marker on the same axis: its own x by time, else half-way before the capture it led to. */
export function markerXs(t: TimelineDto, spacing: TimelineSpacing): number[] {
  const byTime = spacing === 'time' && t.axis !== 'capture order'
  // several markers between the same two captures sit side by side
  const seen = new Map<string, number>()
  return t.markers.map((m) => {
    if (byTime) return m.x
    const i = m.before === null ? t.points.length : t.points.findIndex((p) => p.label === m.before)
    const groupKey = String(i)
    const k = seen.get(groupKey) ?? 0
    seen.set(groupKey, k + 1)
    const same = t.markers.filter((x) => (x.before === null ? t.points.length : t.points.findIndex((p) => p.label === x.before)) === i).length
    return i - 0.5 + (same > 1 ? (k - (same - 1) / 2) * (0.5 / same) : 0)
  })
}

/** Markers a chart draws: pauses are left out (they change nothing in memory). */
export function drawnMarkers(t: TimelineDto): TimelineMarkerDto[] {
  return t.markers.filter((m) => m.kind !== 'pause')
}

export interface PairDelta {
  a: string
  b: string
  seconds: number | null
  zones: Array<{
    key: string
    freePagesByOrder: number[]
    freePages: number
    highOrderFreePages: number
    fragmentationScore: number
    pageblocks: Record<string, number> | null
    mixedPageblocks: Record<string, number> | null
  }>
  counters: Record<string, number> | null
  steps: string[]
}

function recordDelta(a: Record<string, number> | null, b: Record<string, number> | null): Record<string, number> | null {
  if (!a || !b) return null
  const out: Record<string, number> = {}
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = (b[k] ?? 0) - (a[k] ?? 0)
  return out
}

/** What changed from capture `a` to capture `b` (labels; b may come before a). */
export function pairDelta(t: TimelineDto, a: string, b: string): PairDelta | null {
  const pa = t.points.find((p) => p.label === a)
  const pb = t.points.find((p) => p.label === b)
  if (!pa || !pb) return null
  const zones = pb.zones.flatMap((zb) => {
    const za = pa.zones.find((z) => tzKey(z) === tzKey(zb))
    if (!za) return []
    return [{
      key: tzKey(zb),
      freePagesByOrder: zb.freePagesByOrder.map((v, o) => v - (za.freePagesByOrder[o] ?? 0)),
      freePages: zb.freePages - za.freePages,
      highOrderFreePages: zb.highOrderFreePages - za.highOrderFreePages,
      fragmentationScore: zb.fragmentationScore - za.fragmentationScore,
      pageblocks: recordDelta(za.pageblocks, zb.pageblocks),
      mixedPageblocks: recordDelta(za.mixedPageblocks, zb.mixedPageblocks),
    }]
  })
  const [lo, hi] = pa.index <= pb.index ? [pa, pb] : [pb, pa]
  const span = t.points.slice(lo.index + 1, hi.index + 1)
  let counters: Record<string, number> | null = null
  if (span.every((p) => p.deltas !== null)) {
    const sign = pa.index <= pb.index ? 1 : -1
    counters = {}
    for (const p of span) for (const [k, v] of Object.entries(p.deltas!)) counters[k] = (counters[k] ?? 0) + sign * v
  }
  return {
    a, b, seconds: pa.time !== null && pb.time !== null ? pb.time - pa.time : null, zones, counters,
    steps: span.flatMap((p) => p.steps.map((s) => s.text)),
  }
}

/** The captures where contiguity went and came back: the biggest fall and the biggest rise of the ≥ pageblock free memory of a zone, with the steps before them. */
export function contiguityStory(t: TimelineDto, key: string): { lost: { label: string; steps: string[]; pages: number } | null; regained: { label: string; steps: string[]; pages: number } | null } {
  let lost: { label: string; steps: string[]; pages: number } | null = null
  let regained: { label: string; steps: string[]; pages: number } | null = null
  for (let i = 1; i < t.points.length; i++) {
    const a = zoneAt(t.points[i - 1]!, key)
    const b = zoneAt(t.points[i]!, key)
    if (!a || !b) continue
    const d = b.highOrderFreePages - a.highOrderFreePages
    const steps = t.points[i]!.steps.map((s) => s.text)
    if (d < 0 && (!lost || d < lost.pages)) lost = { label: t.points[i]!.label, steps, pages: d }
    if (d > 0 && (!regained || d > regained.pages)) regained = { label: t.points[i]!.label, steps, pages: d }
  }
  return { lost, regained }
}

/** Pages as signed memory: +196 MiB / −14 MiB / 0 */
export function signedBytes(pages: number, pageSize: number): string {
  if (pages === 0) return '0'
  return `${pages > 0 ? '+' : '−'}${formatBytes(Math.abs(pages) * pageSize)}`
}

/**
 * The timeline's one-line verdict for a zone, in words (the view's headline, the report's
 * verdict): where the free memory in blocks of at least a pageblock fell most and where it came
 * back most, with the steps before them.
 */
export function contiguityVerdict(t: TimelineDto, key: string): string {
  const { lost, regained } = contiguityStory(t, key)
  const pb = formatBytes(2 ** t.pageblockOrder * t.pageSize)
  const after = (steps: string[]): string => (steps.length ? `, after ${steps.join(', ')}` : '')
  const what = `Contiguity (free memory in blocks ≥ ${pb}, ${key})`
  if (!lost && !regained) return `${what} did not change across the ${t.points.length} captures.`
  const fell = lost ? `${what} fell most at ${lost.label} (${signedBytes(lost.pages, t.pageSize)}${after(lost.steps)})` : ''
  const rose = regained ? `${lost ? 'it came back most' : `${what} rose most`} at ${regained.label} (${signedBytes(regained.pages, t.pageSize)}${after(regained.steps)})` : ''
  return `${[fell, rose].filter(Boolean).join('; ')}.`
}

/** Signed count: +1,234 / −56 / 0 */
export function signed(n: number): string {
  if (n === 0) return '0'
  const s = Math.abs(n).toLocaleString('en-US')
  return n > 0 ? `+${s}` : `−${s}`
}

/** What each step did: the captures around it and the change of the zone's ≥ pageblock free memory and score across them. */
export interface StepEffect {
  text: string
  kind: string
  after: string | null
  before: string | null
  /** other steps between the same two captures (their effects cannot be told apart) */
  with: string[]
  highOrderFreePages: number | null
  fragmentationScore: number | null
  /** the step's own logged /proc/vmstat deltas, the largest first */
  deltas: Array<[string, number]>
}

export function stepEffects(t: TimelineDto, key: string): StepEffect[] {
  return t.markers.filter((m) => m.kind !== 'pause').map((m) => {
    const a = m.after ? t.points.find((p) => p.label === m.after) : undefined
    const b = m.before ? t.points.find((p) => p.label === m.before) : undefined
    const za = a ? zoneAt(a, key) : null
    const zb = b ? zoneAt(b, key) : null
    const others = t.markers.filter((x) => x !== m && x.kind !== 'pause' && x.after === m.after && x.before === m.before).map((x) => x.text)
    return {
      text: m.text, kind: m.kind, after: m.after, before: m.before, with: others,
      highOrderFreePages: za && zb ? zb.highOrderFreePages - za.highOrderFreePages : null,
      fragmentationScore: za && zb ? zb.fragmentationScore - za.fragmentationScore : null,
      deltas: Object.entries(m.deltas).filter(([k]) => k !== 'nr_free_pages').sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, 4),
    }
  })
}
