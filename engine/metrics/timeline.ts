/**
 * The timeline of a series of captures of one machine: per capture and zone, the free pages per
 * order (free_area[].nr_free × 2^order, as buddyinfo has them), the fragmentation indices and the
 * proactive-compaction score computed from those as mm/vmstat.c and mm/compaction.c do
 * (unusable_free_index, __fragmentation_index, extfrag_for_order, fragmentation_score_node;
 * kernel 6.1), the pageblocks per migratetype (pagetypeinfo_showblockcount_print) and the mixed
 * pageblocks (pagetypeinfo_showmixedcount_print where the kernel printed them, else counted on an
 * exact layout from kpageflags), then the /proc/vmstat event counters (vm_event_item) as deltas
 * and rates between consecutive captures, and a marker for every step or trigger between them
 * (the harness's steps.log, a manifest's trigger, or a folder name such as 04-after-compact-memory).
 *
 * Pure: parsed captures in, numbers out. Only summary files are read; no layout is built here.
 */
import type { Capture } from '../snapshot.ts'
import type { StepsLog, StepsLogStep } from '../procfs/steps_log.ts'
import { unusableFreeIndex, fragmentationIndex, extfragForOrder, fragmentationScoreNode, largestFreeOrder } from './fragmentation.ts'

/** /proc/vmstat counters a timeline follows (compaction, migration, THP, hugetlb, CMA, direct reclaim stalls, kswapd). */
export const TIMELINE_COUNTERS = /^(compact_|pgmigrate_|thp_|htlb_|cma_|allocstall_|kswapd|pgsteal_|pgscan_kswapd|pgscan_direct$|pageoutrun$)/

/** Families in the order a reader scans them. */
const COUNTER_FAMILIES = ['compact_', 'pgmigrate_', 'thp_', 'htlb_', 'cma_', 'allocstall_', 'kswapd', 'pgscan_', 'pgsteal_', 'pageoutrun']

export interface TimelineCaptureInput {
  label: string
  capture: Capture
  /** mixed pageblocks per zone counted on an exact layout (kpageflags), or null when not counted */
  mixedFromLayout: Array<{ node: number; zone: string; mixed: Record<string, number> }> | null
  /** this capture's own capture time (ISO 8601, from its manifest), or null */
  captureTime: string | null
  /** seconds since boot (/proc/uptime captured with it), or null */
  uptime: number | null
  /** what was done before this capture, as a manifest records it (free-form), or null */
  trigger: Record<string, unknown> | null
}

export interface TimelineInput {
  captures: TimelineCaptureInput[]
  /** the series' steps.log, parsed, or null */
  stepsLog: StepsLog | null
}

export type TimelineAxis = 'capture time' | 'steps.log' | 'uptime' | 'capture order'

/** `note`: a timestamped line of steps.log that is no step (the harness's "workload ready after 6s") */
export type MarkerKind = 'compaction' | 'hugetlb' | 'sysctl' | 'pause' | 'note' | 'other'

export interface TimelineMarker {
  /** the step's name as logged (`cm`, `huge:2048:128`) or the trigger's */
  name: string
  kind: MarkerKind
  /** in words: "compact_memory", "hugetlb 2048 kB pool → 128 (obtained 115)" */
  text: string
  detail: string
  /** label of the capture before it (null: before the first) and after it (null: after the last) */
  after: string | null
  before: string | null
  /** position on the axis (seconds from the first capture, or a capture index ± 0.5 on the capture-order axis) */
  x: number
  /** the step's own start and end in its log's clock, when logged */
  start: number | null
  end: number | null
  rc: number | null
  /** the /proc/vmstat deltas logged for the step */
  deltas: Record<string, number>
  source: 'steps.log' | 'manifest' | 'folder name'
}

export interface TimelineZone {
  node: number
  zone: string
  /** free blocks per order (buddyinfo) */
  freeBlocks: number[]
  /** free pages per order: freeBlocks[o] × 2^o */
  freePagesByOrder: number[]
  freePages: number
  /** free pages in blocks of at least a pageblock */
  highOrderFreePages: number
  largestFreeOrder: number
  /** ×1000 per order */
  unusableIndex: number[]
  /** ×1000 per order */
  extfragIndex: number[]
  /** extfrag_for_order at the THP order, 0..100 */
  fragmentationScore: number
  /** pageblocks per migratetype (pagetypeinfo), or null without pagetypeinfo */
  pageblocks: Record<string, number> | null
  /** mixed pageblocks per migratetype, or null when neither pagetypeinfo nor kpageflags says */
  mixedPageblocks: Record<string, number> | null
  mixedSource: 'pagetypeinfo' | 'kpageflags' | null
  freeSource: 'buddyinfo' | 'pagetypeinfo'
}

export interface TimelinePoint {
  index: number
  label: string
  /** seconds from the first capture on the axis, or null on the capture-order axis */
  time: number | null
  /** position on the axis: time, or the index */
  x: number
  captureTime: string | null
  uptime: number | null
  hostname: string | null
  kernelRelease: string | null
  /** the steps or triggers between the previous capture and this one */
  steps: Array<{ name: string; kind: MarkerKind; text: string }>
  zones: TimelineZone[]
  /** fragmentation_score_node per node (needs zoneinfo's present pages), else empty */
  nodes: Array<{ node: number; fragmentationScore: number }>
  /** the followed counters' values */
  counters: Record<string, number>
  /** counter differences from the previous capture (null: first capture, no vmstat, or counters went back) */
  deltas: Record<string, number> | null
  /** deltas per second (null where the time between the captures is unknown or zero) */
  rates: Record<string, number> | null
}

export interface Timeline {
  axis: TimelineAxis
  /** why this axis, in words */
  axisNote: string
  pageSize: number
  nrOrders: number
  pageblockOrder: number
  hpageOrder: number
  migratetypes: string[]
  zones: Array<{ node: number; zone: string }>
  /** the followed counters present in the captures, in family order */
  counters: string[]
  /** of them, those that changed somewhere in the series */
  changedCounters: string[]
  points: TimelinePoint[]
  markers: TimelineMarker[]
  notes: string[]
}

const NUMBER = /^(\d+)/
const numberOf = (label: string): number | null => {
  const m = NUMBER.exec(label.replace(/^.*:/, ''))
  return m ? Number(m[1]) : null
}

function counterRank(name: string): number {
  const i = COUNTER_FAMILIES.findIndex((f) => name.startsWith(f))
  return i < 0 ? COUNTER_FAMILIES.length : i
}

/**
 * A step of steps.log in words. The log writes `step NAME: …` where NAME carries its arguments
 * after colons (`huge:2048:128: size=2048kB …`, `vm:compaction_proactiveness:0: …`).
 */
export function describeStep(name: string, detail: string): { id: string; kind: MarkerKind; text: string } {
  const full = `${name}:${detail}`
  if (name === 'cm') return { id: name, kind: 'compaction', text: 'compact_memory' }
  const cn = /^cn(\d*)$/.exec(name)
  if (cn) return { id: name, kind: 'compaction', text: `node${cn[1] || '0'} compact` }
  const huge = /^huge:(\d+):(\d+)(?::|$)/.exec(full)
  if (huge) {
    const kb = Number(huge[1])
    const size = kb >= 1024 * 1024 ? `${kb / 1024 / 1024} GiB` : kb >= 1024 ? `${kb / 1024} MiB` : `${kb} kB`
    const got = /\bobtained=(\d+)/.exec(detail)
    const target = Number(huge[2])
    const verb = target === 0 ? `hugetlb ${size} release` : `hugetlb ${size} × ${target}`
    return { id: `huge:${huge[1]}:${huge[2]}`, kind: 'hugetlb', text: got && target > 0 ? `${verb} (got ${got[1]})` : verb }
  }
  const vm = /^vm:([a-z_]+):([^:\s]*)/.exec(full)
  if (vm) return { id: `vm:${vm[1]}:${vm[2]}`, kind: 'sysctl', text: `vm.${vm[1]} = ${vm[2]}` }
  if (/^(sleep|wait|note)\b/.test(name)) return { id: name, kind: 'pause', text: name }
  return { id: name, kind: 'other', text: name }
}

function kindFromWords(s: string): MarkerKind {
  if (/compact/i.test(s)) return 'compaction'
  if (/huge|htlb/i.test(s)) return 'hugetlb'
  if (/sysctl|vm\./i.test(s)) return 'sysctl'
  if (/sleep|wait|interval/i.test(s)) return 'pause'
  return 'other'
}

/** A manifest's free-form trigger in words. */
function describeTrigger(t: Record<string, unknown>): { name: string; kind: MarkerKind; text: string; detail: string; deltas: Record<string, number> } {
  const str = (k: string): string | null => (typeof t[k] === 'string' ? (t[k] as string) : typeof t[k] === 'number' ? String(t[k]) : null)
  const file = str('file')
  let name = str('name') ?? str('action') ?? str('kind') ?? str('type') ?? file ?? 'trigger'
  let text = name
  if (file === 'compact_memory') text = 'compact_memory'
  else if (file === 'node_compact') text = `node${str('node') ?? '0'} compact`
  else if (str('node') !== null && /compact/.test(name)) text = `${name} node ${str('node')}`
  if (name === 'trigger' && file) name = file
  const detail = Object.entries(t)
    .filter(([k, v]) => k !== 'deltas' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
  const deltas: Record<string, number> = {}
  const d = t['deltas']
  if (d && typeof d === 'object' && !Array.isArray(d)) {
    for (const [k, v] of Object.entries(d as Record<string, unknown>)) if (typeof v === 'number' && Number.isFinite(v)) deltas[k] = v
  }
  return { name, kind: kindFromWords(`${name} ${file ?? ''}`), text, detail, deltas }
}

function zoneOf(c: Capture, node: number, zone: string, pageblockOrder: number, hpageOrder: number, mixedFromLayout: TimelineCaptureInput['mixedFromLayout']): TimelineZone | null {
  const bi = c.buddyinfo?.rows.find((r) => r.node === node && r.zone === zone)
  const pti = c.pagetypeinfo
  let freeBlocks: number[]
  let freeSource: TimelineZone['freeSource'] = 'buddyinfo'
  if (bi) {
    freeBlocks = [...bi.nrFree]
  } else {
    const rows = pti?.free.filter((r) => r.node === node && r.zone === zone) ?? []
    if (!rows.length) return null
    freeBlocks = Array.from({ length: pti!.nrOrders }, (_, o) => rows.reduce((s, r) => s + (r.counts[o] ?? 0), 0))
    freeSource = 'pagetypeinfo'
  }
  const freePagesByOrder = freeBlocks.map((n, o) => n * 2 ** o)
  const freePages = freePagesByOrder.reduce((s, n) => s + n, 0)
  const highOrderFreePages = freePagesByOrder.reduce((s, n, o) => s + (o >= pageblockOrder ? n : 0), 0)
  let pageblocks: Record<string, number> | null = null
  const blocks = pti?.blocks.find((r) => r.node === node && r.zone === zone)
  if (pti && blocks) pageblocks = Object.fromEntries(pti.migratetypes.map((mt, i) => [mt, blocks.counts[i] ?? 0]))
  let mixedPageblocks: Record<string, number> | null = null
  let mixedSource: TimelineZone['mixedSource'] = null
  const printed = pti?.mixed?.find((r) => r.node === node && r.zone === zone)
  if (pti && printed) {
    mixedPageblocks = Object.fromEntries(pti.migratetypes.map((mt, i) => [mt, printed.counts[i] ?? 0]))
    mixedSource = 'pagetypeinfo'
  } else {
    const counted = mixedFromLayout?.find((z) => z.node === node && z.zone === zone)
    if (counted) {
      mixedPageblocks = { ...counted.mixed }
      mixedSource = 'kpageflags'
    }
  }
  return {
    node, zone, freeBlocks, freePagesByOrder, freePages, highOrderFreePages, largestFreeOrder: largestFreeOrder(freeBlocks),
    unusableIndex: freeBlocks.map((_, o) => unusableFreeIndex(freeBlocks, o)),
    extfragIndex: freeBlocks.map((_, o) => fragmentationIndex(freeBlocks, o)),
    fragmentationScore: extfragForOrder(freeBlocks, Math.min(hpageOrder, freeBlocks.length - 1)),
    pageblocks, mixedPageblocks, mixedSource, freeSource,
  }
}

/** Which clock places the captures: their recorded times, the steps log, uptime, else their order. */
function chooseAxis(input: TimelineInput): { axis: TimelineAxis; times: Array<number | null>; note: string; logTime0: number | null } {
  const caps = input.captures
  const n = caps.length
  const parsed = caps.map((c) => (c.captureTime ? Date.parse(c.captureTime) : NaN))
  if (parsed.every((t) => Number.isFinite(t)) && new Set(parsed).size === n) {
    const sorted = parsed.every((t, i) => i === 0 || t >= parsed[i - 1]!)
    if (sorted) return { axis: 'capture time', times: parsed.map((t) => (t - parsed[0]!) / 1000), note: 'seconds from the first capture, by each capture\'s recorded capture time (manifest)', logTime0: null }
  }
  const log = input.stepsLog
  if (log) {
    const logged = caps.map((c) => {
      const k = numberOf(c.label)
      return k === null ? undefined : log.captures.find((x) => x.index === k)?.time
    })
    if (logged.every((t): t is number => t !== undefined) && logged.every((t, i) => i === 0 || t >= logged[i - 1]!)) {
      return { axis: 'steps.log', times: logged.map((t) => t - logged[0]!), note: 'seconds from the first capture, by the capture times steps.log records', logTime0: logged[0]! }
    }
  }
  const up = caps.map((c) => c.uptime)
  if (up.every((t): t is number => t !== null) && up.every((t, i) => i === 0 || t > up[i - 1]!)) {
    return { axis: 'uptime', times: up.map((t) => t - up[0]!), note: 'seconds from the first capture, by each capture\'s /proc/uptime (one boot)', logTime0: null }
  }
  return { axis: 'capture order', times: caps.map(() => null), note: 'the captures in order, evenly spaced: their capture times are not all known', logTime0: null }
}

/** The timeline of a series (captures in the series' order). */
export function computeTimeline(input: TimelineInput): Timeline {
  const caps = input.captures
  if (caps.length === 0) throw new Error('a timeline needs at least one capture')
  const notes: string[] = []
  // one machine
  const hosts = new Map<string, string>()
  for (const c of caps) if (c.capture.machine.hostname) hosts.set(c.capture.machine.hostname, c.label)
  if (hosts.size > 1) {
    const [[h1, l1], [h2, l2]] = [...hosts.entries()] as [[string, string], [string, string]]
    throw new Error(`these captures come from different machines: ${l1} from host "${h1}", ${l2} from host "${h2}"; a timeline is of one machine`)
  }
  const first = caps[0]!.capture.machine
  for (const c of caps) {
    const m = c.capture.machine
    if (m.pageSize !== first.pageSize) throw new Error(`${c.label}: page size ${m.pageSize} differs from ${caps[0]!.label}'s ${first.pageSize}; a timeline is of one machine`)
  }
  const kernels = [...new Set(caps.map((c) => c.capture.machine.kernelRelease).filter((k): k is string => !!k))]
  if (kernels.length > 1) notes.push(`the series spans kernels ${kernels.join(', ')} (rebooted in between)`)
  const nrOrders = Math.max(...caps.map((c) => c.capture.machine.nrOrders))
  const pageblockOrder = first.pageblockOrder
  const hpageOrder = first.hpageOrder
  const migratetypes: string[] = []
  for (const c of caps) for (const mt of c.capture.pagetypeinfo?.migratetypes ?? []) if (!migratetypes.includes(mt)) migratetypes.push(mt)

  const zoneKeys: Array<{ node: number; zone: string }> = []
  const seen = new Set<string>()
  for (const c of caps) {
    const rows = c.capture.buddyinfo?.rows ?? c.capture.pagetypeinfo?.blocks ?? []
    for (const r of rows) {
      const k = `${r.node}:${r.zone}`
      if (!seen.has(k)) {
        seen.add(k)
        zoneKeys.push({ node: r.node, zone: r.zone })
      }
    }
  }

  const { axis, times, note, logTime0 } = chooseAxis(input)
  const xs = times.map((t, i) => t ?? i)

  // the followed counters
  const counterSet = new Set<string>()
  for (const c of caps) for (const k of Object.keys(c.capture.vmstat ?? {})) if (TIMELINE_COUNTERS.test(k)) counterSet.add(k)
  const counters = [...counterSet].sort((a, b) => counterRank(a) - counterRank(b) || (a < b ? -1 : a > b ? 1 : 0))

  // markers
  const markers: TimelineMarker[] = []
  const log = input.stepsLog
  const pointOfLogged = (logIdx: number | null): number => {
    if (logIdx === null || !log) return -1
    const k = log.captures[logIdx]?.index
    return k === undefined ? -1 : caps.findIndex((c) => numberOf(c.label) === k)
  }
  const between = (i: number): number => {
    // axis position between point i-1 and point i (i = 0: before the first; i = n: after the last)
    if (i <= 0) return xs[0]! - (axis === 'capture order' ? 0.5 : 0)
    if (i >= caps.length) return xs[caps.length - 1]! + (axis === 'capture order' ? 0.5 : 0)
    return (xs[i - 1]! + xs[i]!) / 2
  }
  if (log) {
    for (const s of log.steps) {
      const prev = pointOfLogged(s.afterCapture)
      if (s.afterCapture !== null && prev < 0) continue // after a capture this series does not hold
      // the capture after it: the next logged capture that is in the series
      let next = -1
      for (let j = (s.afterCapture ?? -1) + 1; j < log.captures.length && next < 0; j++) next = pointOfLogged(j)
      const { id, kind, text } = describeStep(s.name, s.detail)
      // in the middle of the step on the log's clock, else between its two captures
      const x = axis === 'steps.log' && logTime0 !== null ? (s.start + s.end) / 2 - logTime0 : between(next < 0 ? caps.length : next)
      markers.push(markerOf(s, id, kind, text, prev < 0 ? null : caps[prev]!.label, next < 0 ? null : caps[next]!.label, x))
    }
    for (const n of log.notes ?? []) {
      const prev = pointOfLogged(n.afterCapture)
      if (n.afterCapture !== null && prev < 0) continue
      let next = -1
      for (let j = (n.afterCapture ?? -1) + 1; j < log.captures.length && next < 0; j++) next = pointOfLogged(j)
      const x = axis === 'steps.log' && logTime0 !== null ? n.time - logTime0 : between(next < 0 ? caps.length : next)
      const workload = /^workload ready after (\S+)$/.exec(n.text)
      markers.push({
        name: 'note', kind: 'note', text: workload ? `workload (${workload[1]})` : n.text, detail: n.text, after: prev < 0 ? null : caps[prev]!.label, before: next < 0 ? null : caps[next]!.label,
        x, start: n.time, end: n.time, rc: null, deltas: {}, source: 'steps.log',
      })
    }
  }
  caps.forEach((c, i) => {
    if (markers.some((m) => m.before === c.label && m.kind !== 'note')) return
    if (c.trigger) {
      const t = describeTrigger(c.trigger)
      markers.push({ name: t.name, kind: t.kind, text: t.text, detail: t.detail, after: caps[i - 1]?.label ?? null, before: c.label, x: between(i), start: null, end: null, rc: null, deltas: t.deltas, source: 'manifest' })
      return
    }
    const m = /^\d+[-_. ]*after[-_ ](.+)$/.exec(c.label.replace(/^.*:/, ''))
    if (m && i > 0 && !log) {
      const words = m[1]!.replace(/[-_]+/g, ' ')
      const what = /^compact memory/.test(words) ? 'compact_memory' : /^compact node ?(\d*)/.test(words) ? `node${/^compact node ?(\d*)/.exec(words)![1] || '0'} compact` : words
      markers.push({ name: m[1]!, kind: kindFromWords(words), text: what, detail: `from the folder name ${c.label}`, after: caps[i - 1]!.label, before: c.label, x: between(i), start: null, end: null, rc: null, deltas: {}, source: 'folder name' })
    }
  })
  markers.sort((a, b) => a.x - b.x || (a.start ?? 0) - (b.start ?? 0))

  const points: TimelinePoint[] = caps.map((c, i) => {
    const cap = c.capture
    const zones: TimelineZone[] = []
    for (const z of zoneKeys) {
      const tz = zoneOf(cap, z.node, z.zone, pageblockOrder, hpageOrder, c.mixedFromLayout)
      if (tz) zones.push(tz)
    }
    const nodes: TimelinePoint['nodes'] = []
    if (cap.zoneinfo) {
      const scoreZones = zones.map((z) => ({ node: z.node, present: cap.zoneinfo!.zones.find((x) => x.node === z.node && x.zone === z.zone)?.present ?? 0, nrFree: z.freeBlocks }))
      for (const node of [...new Set(zones.map((z) => z.node))]) nodes.push({ node, fragmentationScore: fragmentationScoreNode(scoreZones, node, Math.min(hpageOrder, nrOrders - 1)) })
    }
    const values: Record<string, number> = {}
    for (const k of counters) {
      const v = cap.vmstat?.[k]
      if (v !== undefined) values[k] = v
    }
    let deltas: Record<string, number> | null = null
    let rates: Record<string, number> | null = null
    const prev = caps[i - 1]?.capture.vmstat
    if (i > 0 && prev && cap.vmstat) {
      const d: Record<string, number> = {}
      let back = false
      for (const k of counters) {
        const a = prev[k]
        const b = cap.vmstat[k]
        if (a === undefined || b === undefined) continue
        if (b < a) back = true
        d[k] = b - a
      }
      if (back) {
        notes.push(`event counters went back between ${caps[i - 1]!.label} and ${c.label} (a reboot?): no deltas there`)
      } else {
        deltas = d
        const dt = times[i] !== null && times[i - 1] !== null ? times[i]! - times[i - 1]! : null
        if (dt !== null && dt > 0) rates = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v / dt]))
      }
    }
    const steps = markers.filter((m) => m.before === c.label).map((m) => ({ name: m.name, kind: m.kind, text: m.text }))
    return {
      index: i, label: c.label, time: times[i]!, x: xs[i]!, captureTime: c.captureTime, uptime: c.uptime,
      hostname: cap.machine.hostname, kernelRelease: cap.machine.kernelRelease, steps, zones, nodes, counters: values, deltas, rates,
    }
  })
  const changedCounters = counters.filter((k) => points.some((p) => (p.deltas?.[k] ?? 0) !== 0))
  if (caps.some((c) => !c.capture.buddyinfo)) notes.push('captures without buddyinfo: free blocks summed from pagetypeinfo (whose counts stop at 100000)')
  return { axis, axisNote: note, pageSize: first.pageSize, nrOrders, pageblockOrder, hpageOrder, migratetypes, zones: zoneKeys, counters, changedCounters, points, markers, notes }
}

function markerOf(s: StepsLogStep, id: string, kind: MarkerKind, text: string, after: string | null, before: string | null, x: number): TimelineMarker {
  return { name: id, kind, text, detail: s.detail, after, before, x, start: s.start, end: s.end, rc: s.rc, deltas: { ...s.deltas }, source: 'steps.log' }
}

/** The differences between two points of a timeline: per zone and order, pageblocks, counters. */
export interface TimelinePairDelta {
  a: string
  b: string
  seconds: number | null
  zones: Array<{
    node: number
    zone: string
    freePagesByOrder: number[]
    freePages: number
    highOrderFreePages: number
    fragmentationScore: number
    pageblocks: Record<string, number> | null
    mixedPageblocks: Record<string, number> | null
  }>
  /** counter differences b − a (null where either capture has no vmstat or the counters went back) */
  counters: Record<string, number> | null
  /** the steps between the two */
  steps: Array<{ name: string; kind: MarkerKind; text: string }>
}

function recordDelta(a: Record<string, number> | null, b: Record<string, number> | null): Record<string, number> | null {
  if (!a || !b) return null
  const out: Record<string, number> = {}
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = (b[k] ?? 0) - (a[k] ?? 0)
  return out
}

/** What changed from point `a` to point `b` (labels) of a timeline. */
export function timelinePairDelta(t: Timeline, a: string, b: string): TimelinePairDelta {
  const pa = t.points.find((p) => p.label === a)
  const pb = t.points.find((p) => p.label === b)
  if (!pa || !pb) throw new Error(`no capture ${JSON.stringify(pa ? b : a)} in this timeline (captures: ${t.points.map((p) => p.label).join(', ')})`)
  const zones = pb.zones.flatMap((zb) => {
    const za = pa.zones.find((z) => z.node === zb.node && z.zone === zb.zone)
    if (!za) return []
    return [{
      node: zb.node, zone: zb.zone,
      freePagesByOrder: zb.freePagesByOrder.map((v, o) => v - (za.freePagesByOrder[o] ?? 0)),
      freePages: zb.freePages - za.freePages,
      highOrderFreePages: zb.highOrderFreePages - za.highOrderFreePages,
      fragmentationScore: zb.fragmentationScore - za.fragmentationScore,
      pageblocks: recordDelta(za.pageblocks, zb.pageblocks),
      mixedPageblocks: recordDelta(za.mixedPageblocks, zb.mixedPageblocks),
    }]
  })
  let counters: Record<string, number> | null = null
  const [lo, hi] = pa.index <= pb.index ? [pa, pb] : [pb, pa]
  const span = t.points.slice(lo.index + 1, hi.index + 1)
  if (span.every((p) => p.deltas !== null)) {
    const sum: Record<string, number> = {}
    for (const p of span) for (const [k, v] of Object.entries(p.deltas!)) sum[k] = (sum[k] ?? 0) + v
    counters = pa.index <= pb.index ? sum : Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, -v]))
  }
  const steps = span.flatMap((p) => p.steps)
  const seconds = pa.time !== null && pb.time !== null ? pb.time - pa.time : null
  return { a, b, seconds, zones, counters, steps }
}
