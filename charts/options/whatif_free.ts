/**
 * Free areas before and after a what-if compaction, one chart per zone (pure): free blocks per
 * order as grouped bars (before, predicted after and, for a captured trigger, the real after),
 * in blocks, pages or bytes, linear or log. The tooltip adds the seed band when there is one.
 */
import type { BarSeriesOption } from 'echarts/charts'
import type { WhatifCompactView, ZoneSummaryDto as ZoneSummary } from '../../contract/dto.ts'
import { formatBytes, formatCount, formatShortSize, orderLabel } from '../format.ts'
import type { ChartTheme } from '../palette.ts'
import { axisCommon, escapeHtml, tooltipBase, type ChartOption } from './common.ts'
import { freeAreaValueAxis, unitValue, type AxisScale, type FreeAreaUnit } from './free_areas.ts'

/** One zone of the chart: free blocks per order. */
export interface WhatifFreeDataset {
  node: number
  zone: string
  before: number[]
  after: number[]
  /** the real after-capture's buddyinfo row (captured triggers only) */
  real?: number[]
  /** the seed ensemble's p5 / median / p95 per order (seeds > 1 only) */
  band?: { p5: number[]; median: number[]; p95: number[] }
}

export function whatifColors(t: ChartTheme): { before: string; after: string; real: string; realBorder: string } {
  return t.name === 'dark'
    ? { before: '#6b7382', after: '#4aa8ff', real: 'rgba(240,180,41,0.28)', realBorder: '#f0b429' }
    : { before: '#aab1bc', after: '#0b63d8', real: 'rgba(194,124,0,0.22)', realBorder: '#b06f00' }
}

/**
 * The zones a result shows: those the run compacted (by label), else every zone whose free
 * areas changed, else all. Each with its before row and the real row when captured.
 */
export function whatifFreeDatasets(v: Pick<WhatifCompactView, 'before' | 'after' | 'zonesCompacted' | 'real' | 'band'>, nrOrders: number): WhatifFreeDataset[] {
  const label = (z: { node: number; zone: string }): string => `Node ${z.node}, zone ${z.zone}`
  const compacted = new Set(v.zonesCompacted.map((z) => z.zone))
  const pad = (row: readonly number[] | undefined): number[] => Array.from({ length: nrOrders }, (_, o) => row?.[o] ?? 0)
  const changed = (a: ZoneSummary): boolean => {
    const b = v.before.find((x) => x.node === a.node && x.zone === a.zone)
    return !b || b.freeBlocks.some((n, o) => n !== a.freeBlocks[o])
  }
  let zones = v.after.filter((z) => compacted.has(label(z)))
  if (zones.length === 0) zones = v.after.filter(changed)
  if (zones.length === 0) zones = v.after
  return zones.map((z) => {
    const b = v.before.find((x) => x.node === z.node && x.zone === z.zone)
    const ds: WhatifFreeDataset = { node: z.node, zone: z.zone, before: pad(b?.freeBlocks), after: pad(z.freeBlocks) }
    const real = v.real?.predictedVsReal.find((r) => r.zone === label(z))
    if (real && real.real.length > 0) ds.real = pad(real.real)
    const band = v.band?.zones[label(z)]
    if (band) ds.band = { p5: pad(band.p5), median: pad(band.median), p95: pad(band.p95) }
    return ds
  })
}

export interface WhatifFreeInput {
  data: WhatifFreeDataset
  pageSize: number
  nrOrders: number
  unit: FreeAreaUnit
  scale: AxisScale
  theme: ChartTheme
  /** label of the real series (the after-capture's name) */
  realLabel?: string
  /** a small multiple: title, smaller margins */
  compact?: boolean
}

export const SERIES_BEFORE = 'before'
export const SERIES_AFTER = 'after (predicted)'
export const SERIES_REAL = 'after (real)'

export function whatifFreeOption(input: WhatifFreeInput): ChartOption {
  const { data, pageSize, nrOrders, unit, scale, theme: t, compact } = input
  const c = whatifColors(t)
  const va = freeAreaValueAxis(unit, scale, pageSize)
  const ax = axisCommon(t)
  const orders = Array.from({ length: nrOrders }, (_, o) => o)
  // a zero has no bar (and no outline on the axis); on a log scale a value is drawn as its decade
  const values = (row: number[]): Array<number | null> => orders.map((o) => va.toAxis(unitValue(row[o] ?? 0, o, pageSize, unit)))
  const series: BarSeriesOption[] = [
    { type: 'bar', name: SERIES_BEFORE, barMaxWidth: 18, barGap: '15%', itemStyle: { color: c.before }, data: values(data.before) },
    { type: 'bar', name: SERIES_AFTER, barMaxWidth: 18, itemStyle: { color: c.after }, data: values(data.after) },
  ]
  if (data.real) {
    series.push({ type: 'bar', name: SERIES_REAL, barMaxWidth: 18, itemStyle: { color: c.real, borderColor: c.realBorder, borderWidth: 1.5 }, data: values(data.real) })
  }
  const title = `Node ${data.node}, zone ${data.zone}`
  return {
    animation: false,
    title: { text: title, left: 8, top: 4, textStyle: { color: t.text, fontSize: 12, fontWeight: 600 } },
    grid: compact ? { left: 52, right: 12, top: 34, bottom: 40 } : { left: 60, right: 20, top: 34, bottom: 40 },
    legend: {
      top: 4, right: 8, itemWidth: 12, itemHeight: 10, textStyle: { color: t.text, fontSize: 11 },
      data: series.map((s) => s.name as string),
    },
    tooltip: {
      ...tooltipBase(t), trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex: number }>
        return whatifFreeTooltip(data, list[0]?.dataIndex ?? 0, pageSize, input.realLabel)
      },
    },
    xAxis: {
      type: 'category',
      data: orders.map((o) => `${o}\n${formatShortSize(2 ** o * pageSize)}`),
      ...ax,
      splitLine: { show: false },
      axisLabel: { color: t.textMuted, fontSize: 11, lineHeight: 13 },
    },
    yAxis: {
      type: 'value',
      ...ax,
      min: va.min,
      ...(va.interval !== undefined ? { interval: va.interval } : {}),
      axisLabel: { color: t.textMuted, fontSize: 11, formatter: va.axisLabelFormatter },
    },
    series,
  }
}

/** One order: before, after (with the band), real, in blocks and pages. */
export function whatifFreeTooltip(data: WhatifFreeDataset, order: number, pageSize: number, realLabel?: string): string {
  const per = 2 ** order
  const row = (name: string, n: number, extra = ''): string =>
    `<tr><td>${escapeHtml(name)}</td><td class="bs-tt-num">${formatCount(n)}</td><td class="bs-tt-num">${formatCount(n * per)} pages</td>${extra ? `<td class="bs-tt-num">${extra}</td>` : ''}</tr>`
  const lines = [row('before', data.before[order] ?? 0), row('after (predicted)', data.after[order] ?? 0)]
  if (data.band) lines.push(row('band p5…p95', data.band.p5[order] ?? 0, `…&nbsp;${formatCount(data.band.p95[order] ?? 0)}`))
  if (data.real) lines.push(row(realLabel ? `real (${realLabel})` : 'after (real)', data.real[order] ?? 0))
  const delta = (data.after[order] ?? 0) - (data.before[order] ?? 0)
  return `<div class="bs-tt"><div class="bs-tt-title">${escapeHtml(orderLabel(order, pageSize))} · Node ${data.node}, zone ${escapeHtml(data.zone)}</div>` +
    `<table>${lines.join('')}</table>` +
    `<div class="bs-tt-foot">${delta === 0 ? 'no change' : `${delta > 0 ? '+' : '−'}${formatCount(Math.abs(delta))} blocks (${formatBytes(Math.abs(delta) * per * pageSize)})`} predicted</div></div>`
}
