/**
 * The timeline of a series as one ECharts option with four aligned grids sharing the x axis:
 *  1. free memory per order, stacked (the orders of a pageblock and above at the bottom, in
 *     greens: the contiguous memory; the small orders above, in greys), with a marker line for
 *     every step or trigger between captures, labelled;
 *  2. the fragmentation score (extfrag_for_order at the THP order) and the unusable / extfrag
 *     indices at the pageblock order, 0–100 %;
 *  3. pageblocks per migratetype (solid) and mixed pageblocks (dashed), log scale;
 *  4. the /proc/vmstat counter deltas from the previous capture, log scale; with a trace, its
 *     fallbacks (mm_page_alloc_extfrag: steal or claim) per interval between captures, shaded and
 *     counted half-way between the two captures.
 * A selected pair shades its range on every grid. Every series' data is in point order, so a
 * click's dataIndex is the capture's index. Pure.
 */
import type { TimelineDto, TimelineTraceDto } from '../../contract/dto.ts'
import { formatBytes, formatCount } from '../format.ts'
import { migratetypeColor, type ChartTheme } from '../palette.ts'
import { axisCommon, compactNumber, escapeHtml, tooltipBase, type ChartOption } from './common.ts'
import { markerXs, pointXs, zoneAt, signed, type TimelineSpacing } from '../timeline_format.ts'

export interface TimelineChartInput {
  timeline: TimelineDto
  zone: string
  spacing: TimelineSpacing
  theme: ChartTheme
  /** the selected pair (labels), or the first capture picked */
  pair: { a: string; b: string } | null
  pending: string | null
  /** a trace's fallbacks per interval (getTimeline with trace), drawn on the counters' grid */
  trace?: TimelineTraceDto | null
}

/** Layout of the grids in px (the view aligns its capture rail with LEFT/RIGHT). */
export const TIMELINE_LAYOUT = { left: 64, right: 196, grids: [{ top: 34, height: 250 }, { top: 322, height: 96 }, { top: 456, height: 96 }, { top: 590, height: 96 }], height: 740 }

export const MARKER_COLORS: Record<string, string> = { compaction: '#1f6feb', hugetlb: '#9a4fd6', sysctl: '#8b93a1', pause: '#b0b6bf', note: '#c0620b', other: '#8b93a1' }
const MARKER_COLORS_DARK: Record<string, string> = { compaction: '#5aa9ff', hugetlb: '#c08cf0', sysctl: '#9aa3b2', pause: '#6b7280', note: '#f0a04b', other: '#9aa3b2' }

/** A marker's colour in a theme. */
export function markerColor(kind: string, dark: boolean): string {
  const table = dark ? MARKER_COLORS_DARK : MARKER_COLORS
  return table[kind] ?? table['other']!
}
export const SCORE_COLOR = '#e0408a'
/** PAGE_ALLOC_COSTLY_ORDER: the unusable index drawn is of this order (the score already is the THP order's) */
export const COSTLY_ORDER = 3
export const UNUSABLE_COLOR = '#5b8def'
export const EXTFRAG_COLOR = '#e9a23b'

function hexMix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16))
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16))
  return `#${pa.map((v, i) => Math.round(v + (pb[i]! - v) * t).toString(16).padStart(2, '0')).join('')}`
}

/** Colour of an order: greys below the pageblock order, greens from it up (darker = larger). */
export function orderColor(order: number, pageblockOrder: number, nrOrders: number, dark: boolean): string {
  if (order >= pageblockOrder) {
    const span = Math.max(1, nrOrders - 1 - pageblockOrder)
    return hexMix('#5cc48a', '#146b3a', (order - pageblockOrder) / span)
  }
  const t = order / Math.max(1, pageblockOrder - 1)
  return dark ? hexMix('#3b4250', '#9aa3b2', t) : hexMix('#e4e7ec', '#8f99a8', t)
}

/** The counters the delta chart draws (the tooltip lists them all): most telling first. */
const COUNTER_PRIORITY = [
  'pgmigrate_success', 'compact_isolated', 'compact_stall', 'compact_fail', 'compact_success', 'htlb_buddy_alloc_success', 'htlb_buddy_alloc_fail',
  'cma_alloc_success', 'cma_alloc_fail', 'thp_fault_alloc', 'thp_fault_fallback', 'allocstall_normal', 'allocstall_movable', 'allocstall_dma32',
  'pgsteal_kswapd', 'pgsteal_direct', 'pgmigrate_fail',
]
export function drawnCounters(t: TimelineDto, max = 6): string[] {
  const changed = t.changedCounters
  const first = COUNTER_PRIORITY.filter((c) => changed.includes(c))
  const rest = changed.filter((c) => !first.includes(c) && !/scanned$/.test(c))
  return [...first, ...rest].slice(0, max)
}
const COUNTER_COLORS = ['#1f6feb', '#3ba272', '#e5534b', '#e9a23b', '#9a4fd6', '#22b5d1', '#c77dbb', '#7f8fd6']

export function pointTooltip(t: TimelineDto, index: number, zone: string): string {
  const p = t.points[index]
  if (!p) return ''
  const z = zoneAt(p, zone)
  const mib = (pages: number) => formatBytes(pages * t.pageSize)
  const lines = [`<b>${escapeHtml(p.label)}</b>${p.time !== null ? ` · +${p.time.toFixed(2)} s` : ''}`]
  for (const s of p.steps) lines.push(`after <b>${escapeHtml(s.text)}</b>`)
  if (z) {
    lines.push(`${escapeHtml(zone)}: free ${mib(z.freePages)}, in ≥ pageblock blocks <b>${mib(z.highOrderFreePages)}</b>`)
    const ef = z.extfragIndex[t.pageblockOrder] ?? 0
    lines.push(`score ${z.fragmentationScore} · unusable@${COSTLY_ORDER} ${(z.unusableIndex[COSTLY_ORDER]! / 1000).toFixed(3)} · extfrag@${t.pageblockOrder} ${ef < 0 ? '−1' : (ef / 1000).toFixed(3)} · largest order ${z.largestFreeOrder}`)
  }
  const d = p.deltas
  if (d) {
    const changed = t.changedCounters.filter((c) => (d[c] ?? 0) !== 0)
    for (const c of changed.slice(0, 10)) lines.push(`<span class="mono">${escapeHtml(c)}</span> ${signed(d[c]!)}`)
    if (changed.length > 10) lines.push(`… ${changed.length - 10} more`)
  }
  lines.push('<i>click: open this capture</i>')
  return lines.join('<br/>')
}

/** The x axis' range: every capture and every drawn marker, with a margin. */
export function timelineXRange(t: TimelineDto, spacing: TimelineSpacing): [number, number] {
  const xs = pointXs(t, spacing)
  const all = markerXs(t, spacing)
  const mx = t.markers.flatMap((m, i) => (m.kind === 'pause' ? [] : [all[i]!]))
  const lo = Math.min(...xs, ...mx)
  const hi = Math.max(...xs, ...mx)
  const even = spacing === 'even' || t.axis === 'capture order'
  // evenly spaced: the ticks are the captures themselves (customValues)
  if (even) return [lo - 0.5, hi + 0.5]
  const pad = Math.max((hi - lo) * 0.04, 0.05)
  return [lo - pad, hi + pad]
}

/** The name of the fallbacks' series (a click on it opens no capture). */
export const FALLBACK_SERIES = 'fallbacks (steal/claim)'
export const FALLBACK_COLOR = { light: '#c8188a', dark: '#ff5cc6' } as const

/** One interval of a trace on a timeline, placed on the x axis, its migratetype pairs most frequent first. */
export interface FallbackInterval {
  after: string | null
  before: string | null
  /** from, to and half-way on the x axis (before the first capture / after the last: to the axis' end) */
  x0: number
  x1: number
  x: number
  fallbacks: number
  /** the pageblock claimed for the allocation's migratetype (change_ownership) */
  claimed: number
  /** pages taken, the block kept its migratetype */
  steals: number
  fragmenting: number
  /** "Unmovable<-Movable", count */
  pairs: Array<[string, number]>
  /** distinct pageblocks the events name (where they give a PFN) */
  stolenBlocks: number
}

/** A trace's intervals placed on a timeline's x axis; an interval whose captures the timeline does not have is left out. */
export function fallbackIntervals(t: TimelineDto, trace: TimelineTraceDto, spacing: TimelineSpacing): FallbackInterval[] {
  const xs = pointXs(t, spacing)
  const [xMin, xMax] = timelineXRange(t, spacing)
  const at = (label: string | null): number | null => {
    if (label === null) return null
    const i = t.points.findIndex((p) => p.label === label)
    return i < 0 ? NaN : xs[i]!
  }
  const out: FallbackInterval[] = []
  for (const iv of trace.intervals) {
    const a = at(iv.after)
    const b = at(iv.before)
    if (Number.isNaN(a) || Number.isNaN(b) || (a === null && b === null)) continue
    const x0 = a ?? xMin
    const x1 = b ?? xMax
    out.push({
      after: iv.after, before: iv.before, x0, x1, x: (x0 + x1) / 2,
      fallbacks: iv.fallbacks, claimed: iv.claimed, steals: iv.fallbacks - iv.claimed, fragmenting: iv.fragmenting,
      pairs: Object.entries(iv.byPair).sort((p, q) => q[1] - p[1] || p[0].localeCompare(q[0])),
      stolenBlocks: new Set(iv.stolen.map((s) => s.pfn)).size,
    })
  }
  return out
}

/** An interval's fallbacks in words: "3 fallbacks (2 steals, 1 claim) · Unmovable<-Movable 2, …". */
export function fallbackText(f: FallbackInterval, maxPairs = 3): string {
  if (!f.fallbacks) return 'no fallbacks'
  const head = `${formatCount(f.fallbacks)} fallback${f.fallbacks === 1 ? '' : 's'} (${formatCount(f.steals)} steal${f.steals === 1 ? '' : 's'}, ${formatCount(f.claimed)} claim${f.claimed === 1 ? '' : 's'})`
  const pairs = f.pairs.slice(0, maxPairs).map(([k, v]) => `${k} ${formatCount(v)}`)
  return [head, ...pairs, ...(f.pairs.length > maxPairs ? [`… ${f.pairs.length - maxPairs} more`] : [])].join(' · ')
}

export function timelineOption(input: TimelineChartInput): ChartOption {
  const { timeline: t, zone, spacing, theme: th, pair, pending } = input
  const dark = th.name === 'dark'
  const L = TIMELINE_LAYOUT
  const xs = pointXs(t, spacing)
  const allMx = markerXs(t, spacing)
  const mxs = t.markers.map((m, i) => ({ m, x: allMx[i]! })).filter(({ m }) => m.kind !== 'pause')
  const even = spacing === 'even' || t.axis === 'capture order'
  const [xMin, xMax] = timelineXRange(t, spacing)
  const ax = axisCommon(th)
  const toMiB = (pages: number) => (pages * t.pageSize) / (1 << 20)
  const zones = t.points.map((p) => zoneAt(p, zone))
  const orders = Array.from({ length: t.nrOrders }, (_, o) => t.nrOrders - 1 - o) // large orders at the bottom of the stack

  const xAxes = L.grids.map((_, g) => ({
    type: 'value' as const, gridIndex: g, min: xMin, max: xMax, ...ax,
    splitLine: { show: false },
    axisTick: { show: g === 3, lineStyle: { color: th.axisLine }, ...(even ? { customValues: t.points.map((p) => p.index) } : {}) },
    axisLabel: {
      show: g === 3, color: th.textMuted, fontSize: 11, ...(even ? { customValues: t.points.map((p) => p.index) } : {}),
      formatter: (v: number) => {
        if (!even) return `${+v.toFixed(1)} s`
        const p = Number.isInteger(v) ? t.points[v] : undefined
        return p ? `#${v + 1}${p.time !== null ? ` · ${+p.time.toFixed(1)} s` : ''}` : ''
      },
    },
    name: g === 3 ? (even ? `capture, evenly spaced${t.axis !== 'capture order' ? ` (seconds from the first: ${t.axis})` : ''}` : `seconds from the first capture (${t.axis})`) : '',
    nameLocation: 'middle' as const, nameGap: 26,
  }))

  const yAxes = [
    { type: 'value' as const, gridIndex: 0, ...ax, axisLabel: { color: th.textMuted, fontSize: 11, formatter: (v: number) => compactNumber(v) } },
    { type: 'value' as const, gridIndex: 1, min: 0, max: 100, interval: 50, ...ax },
    { type: 'log' as const, gridIndex: 2, min: 1, logBase: 10, ...ax, axisLabel: { color: th.textMuted, fontSize: 11, formatter: (v: number) => compactNumber(v) } },
    { type: 'log' as const, gridIndex: 3, min: 1, logBase: 10, ...ax, axisLabel: { color: th.textMuted, fontSize: 11, formatter: (v: number) => compactNumber(v) } },
  ]

  // shading of the selected pair, the dashed line of a first pick
  const ia = pair ? t.points.findIndex((p) => p.label === pair.a) : -1
  const ib = pair ? t.points.findIndex((p) => p.label === pair.b) : -1
  const area = ia >= 0 && ib >= 0
    ? { silent: true, itemStyle: { color: dark ? 'rgba(90,169,255,0.12)' : 'rgba(31,111,235,0.08)' }, data: [[{ xAxis: Math.min(xs[ia]!, xs[ib]!) }, { xAxis: Math.max(xs[ia]!, xs[ib]!) }] as [{ xAxis: number }, { xAxis: number }]] }
    : undefined
  const ip = pending ? t.points.findIndex((p) => p.label === pending) : -1
  const markLineFor = (g: number) => ({
    silent: true, symbol: ['none', 'none'], animation: false,
    data: [
      ...mxs.map(({ m, x }) => ({
        xAxis: x, name: m.text,
        lineStyle: { color: markerColor(m.kind, dark), width: g === 0 ? 1.6 : 1, type: m.kind === 'compaction' ? ('solid' as const) : m.kind === 'note' ? ('dotted' as const) : ('dashed' as const), opacity: g === 0 ? 0.95 : 0.55 },
        label: g === 0
          ? { show: true, formatter: m.text, position: 'insideEndTop' as const, color: markerColor(m.kind, dark), fontSize: 11, fontWeight: m.kind === 'compaction' ? ('bold' as const) : ('normal' as const), backgroundColor: dark ? 'rgba(22,24,29,0.8)' : 'rgba(255,255,255,0.85)', padding: [1, 3] }
          : { show: false },
      })),
      ...(ip >= 0 ? [{ xAxis: xs[ip]!, name: 'picked', lineStyle: { color: th.accent, type: 'dotted' as const, width: 2 }, label: { show: g === 0, formatter: 'first of pair', color: th.accent, position: 'end' as const } }] : []),
    ],
  })
  const decor = (g: number) => ({ markLine: markLineFor(g), ...(area ? { markArea: area } : {}) })

  const series: NonNullable<ChartOption['series']> = []
  // 1. free memory per order, stacked
  orders.forEach((o, k) => {
    const color = orderColor(o, t.pageblockOrder, t.nrOrders, dark)
    series.push({
      // evenly spaced, a change shows as a step at the marker half-way between two captures
      type: 'line', name: `order ${o} (${formatBytes(2 ** o * t.pageSize)})`, xAxisIndex: 0, yAxisIndex: 0, stack: 'free', symbol: 'none', step: even ? 'middle' : false,
      lineStyle: { width: 0 }, areaStyle: { color, opacity: 0.95 }, itemStyle: { color }, emphasis: { disabled: true },
      data: zones.map((z, i) => [xs[i]!, z ? toMiB(z.freePagesByOrder[o] ?? 0) : null]),
      ...(k === 0 ? decor(0) : {}),
    })
  })
  series.push({
    type: 'line', name: 'captures', xAxisIndex: 0, yAxisIndex: 0, symbol: 'circle', symbolSize: 10, z: 5, step: even ? 'middle' : false,
    lineStyle: { width: 1.5, color: th.text, opacity: 0.5 }, itemStyle: { color: th.background, borderColor: th.text, borderWidth: 2 },
    data: zones.map((z, i) => [xs[i]!, z ? toMiB(z.freePages) : null]),
    cursor: 'pointer',
  })
  // 2. fragmentation
  series.push(
    { type: 'line', name: `fragmentation score (order ${t.hpageOrder})`, xAxisIndex: 1, yAxisIndex: 1, symbol: 'circle', symbolSize: 6, lineStyle: { width: 2.5, color: SCORE_COLOR }, itemStyle: { color: SCORE_COLOR }, data: zones.map((z, i) => [xs[i]!, z ? z.fragmentationScore : null]), ...decor(1) },
    { type: 'line', name: `unusable index (order ${COSTLY_ORDER})`, xAxisIndex: 1, yAxisIndex: 1, symbol: 'circle', symbolSize: 5, lineStyle: { width: 1.5, color: UNUSABLE_COLOR }, itemStyle: { color: UNUSABLE_COLOR }, data: zones.map((z, i) => [xs[i]!, z ? (z.unusableIndex[COSTLY_ORDER] ?? 0) / 10 : null]) },
    { type: 'line', name: `extfrag index (order ${t.pageblockOrder})`, xAxisIndex: 1, yAxisIndex: 1, symbol: 'diamond', symbolSize: 6, lineStyle: { width: 1.5, color: EXTFRAG_COLOR, type: 'dashed' }, itemStyle: { color: EXTFRAG_COLOR }, data: zones.map((z, i) => [xs[i]!, z && (z.extfragIndex[t.pageblockOrder] ?? -1) >= 0 ? z.extfragIndex[t.pageblockOrder]! / 10 : null]) },
  )
  // 3. pageblocks per migratetype, mixed ones dashed
  const mts = t.migratetypes.filter((mt) => zones.some((z) => (z?.pageblocks?.[mt] ?? 0) > 0))
  mts.forEach((mt, k) => {
    const color = migratetypeColor(mt, k)
    series.push({
      type: 'line', name: `${mt} pageblocks`, xAxisIndex: 2, yAxisIndex: 2, symbol: 'circle', symbolSize: 5, lineStyle: { width: 2, color }, itemStyle: { color },
      data: zones.map((z, i) => [xs[i]!, z?.pageblocks?.[mt] ? z.pageblocks[mt]! : null]), ...(k === 0 ? decor(2) : {}),
    })
  })
  const mixedMts = t.migratetypes.filter((mt) => zones.some((z) => (z?.mixedPageblocks?.[mt] ?? 0) > 0))
  mixedMts.forEach((mt, k) => {
    const color = migratetypeColor(mt, k)
    series.push({
      type: 'line', name: `mixed ${mt}`, xAxisIndex: 2, yAxisIndex: 2, symbol: 'emptyCircle', symbolSize: 5, lineStyle: { width: 1.5, color, type: 'dashed' }, itemStyle: { color },
      data: zones.map((z, i) => [xs[i]!, z?.mixedPageblocks?.[mt] ? z.mixedPageblocks[mt]! : null]),
    })
  })
  // 4. counter deltas
  const counters = drawnCounters(t)
  // (points, not bars: bars on a value axis widen its extent, and the grids would no longer line up)
  const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'roundRect', 'pin', 'arrow'] as const
  counters.forEach((c, k) => {
    series.push({
      type: 'scatter', name: c, xAxisIndex: 3, yAxisIndex: 3, symbol: SYMBOLS[k % SYMBOLS.length], symbolSize: 9, itemStyle: { color: COUNTER_COLORS[k % COUNTER_COLORS.length], opacity: 0.9 },
      data: t.points.map((p, i) => [xs[i]!, p.deltas && (p.deltas[c] ?? 0) > 0 ? p.deltas[c]! : null]), ...(k === 0 ? decor(3) : {}),
    })
  })
  const fbs = input.trace ? fallbackIntervals(t, input.trace, spacing) : []
  if (!counters.length && !fbs.length) {
    series.push({ type: 'line', name: 'no counter changed', xAxisIndex: 3, yAxisIndex: 3, symbol: 'none', data: [], ...decor(3) })
  }
  if (fbs.length) {
    // a trace's fallbacks: each interval with any shaded (darker: more), its count half-way between its captures
    const color = FALLBACK_COLOR[dark ? 'dark' : 'light']
    const most = Math.max(1, ...fbs.map((f) => f.fallbacks))
    series.push({
      type: 'scatter', name: FALLBACK_SERIES, xAxisIndex: 3, yAxisIndex: 3, symbol: 'rect', symbolSize: [14, 9], z: 4, itemStyle: { color },
      label: { show: true, position: 'top', color, fontSize: 11, fontWeight: 'bold', formatter: (p: { data?: unknown }) => { const v = (p.data as [number, number | null] | undefined)?.[1]; return v ? formatCount(v) : '' } },
      data: fbs.map((f) => [f.x, f.fallbacks > 0 ? f.fallbacks : null]),
      markArea: {
        silent: true,
        data: fbs.filter((f) => f.fallbacks > 0).map((f) => [
          { xAxis: f.x0, itemStyle: { color, opacity: 0.05 + 0.15 * (Math.log1p(f.fallbacks) / Math.log1p(most)) } }, { xAxis: f.x1 },
        ] as [{ xAxis: number; itemStyle: { color: string; opacity: number } }, { xAxis: number }]),
      },
      ...(counters.length ? {} : { markLine: markLineFor(3) }),
    })
  }

  const legendBase = { orient: 'vertical' as const, right: 4, itemWidth: 12, itemHeight: 8, itemGap: 4, textStyle: { color: th.text, fontSize: 11 }, type: 'scroll' as const }
  const freeNames = orders.filter((o) => zones.some((z) => (z?.freePagesByOrder[o] ?? 0) > 0)).map((o) => `order ${o} (${formatBytes(2 ** o * t.pageSize)})`)
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    title: [
      { text: `Free memory per order, MiB · ${zone}`, left: L.left - 56, top: 6, textStyle: { color: th.text, fontSize: 13, fontWeight: 600 } },
      { text: `Fragmentation, % (extfrag index: gap = a free block of order ${t.pageblockOrder} exists)`, left: L.left - 56, top: L.grids[1]!.top - 24, textStyle: { color: th.text, fontSize: 12, fontWeight: 600 } },
      { text: 'Pageblocks per migratetype (dashed: mixed), log scale', left: L.left - 56, top: L.grids[2]!.top - 24, textStyle: { color: th.text, fontSize: 12, fontWeight: 600 } },
      { text: `/proc/vmstat deltas since the previous capture${fbs.length ? ', and the trace\'s fallbacks between captures' : ''}, log scale`, left: L.left - 56, top: L.grids[3]!.top - 24, textStyle: { color: th.text, fontSize: 12, fontWeight: 600 } },
    ],
    grid: L.grids.map((g) => ({ left: L.left, right: L.right, top: g.top, height: g.height })),
    xAxis: xAxes,
    yAxis: yAxes,
    legend: [
      { ...legendBase, top: L.grids[0]!.top, height: L.grids[0]!.height, data: [...freeNames, 'captures'] },
      { ...legendBase, top: L.grids[1]!.top, data: series.filter((s) => s.xAxisIndex === 1).map((s) => String(s.name)) },
      { ...legendBase, top: L.grids[2]!.top, height: L.grids[2]!.height, data: [...mts.map((m) => `${m} pageblocks`), ...mixedMts.map((m) => `mixed ${m}`)] },
      { ...legendBase, top: L.grids[3]!.top, height: L.grids[3]!.height, data: [...counters, ...(fbs.length ? [FALLBACK_SERIES] : [])] },
    ],
    tooltip: {
      ...tooltipBase(th),
      trigger: 'axis',
      axisPointer: { type: 'line', lineStyle: { color: th.axisLine } },
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex: number; seriesName?: string }>
        const point = list.find((p) => p.seriesName !== FALLBACK_SERIES)
        const fb = list.find((p) => p.seriesName === FALLBACK_SERIES)
        const f = fb ? fbs[fb.dataIndex] : undefined
        const fText = f ? `<b>${escapeHtml(f.after ?? 'start')} → ${escapeHtml(f.before ?? 'end')}</b>: ${escapeHtml(fallbackText(f))}` : ''
        if (!point) return fText
        return pointTooltip(t, point.dataIndex, zone) + (fText ? `<br/>${fText}` : '')
      },
    },
    series,
  } as ChartOption
}

/** Free memory in words for the headline ("196 MiB"). */
export function pagesText(pages: number, pageSize: number): string {
  return formatBytes(pages * pageSize)
}

export { formatCount }
