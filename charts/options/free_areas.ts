/**
 * Free areas of one zone: free blocks per order stacked by migratetype (the pagetypeinfo "Free
 * pages count per migrate type at order" table), in blocks, pages or bytes, linear or log. Pure.
 */
import type { FreeAreaZoneDto as ZoneSummary } from '../../contract/dto.ts'
import { formatBytes, formatCount, formatShortSize, orderLabel, zoneLabel } from '../format.ts'
import { migratetypeColor, type ChartTheme } from '../palette.ts'
import { axisCommon, compactNumber, escapeHtml, orderAxis, tooltipBase, type ChartOption } from './common.ts'

export type FreeAreaUnit = 'blocks' | 'pages' | 'bytes'
export type AxisScale = 'linear' | 'log'

export interface FreeAreaInput {
  zone: ZoneSummary
  /** kernel migratetype names in the kernel's order */
  migratetypes: string[]
  pageSize: number
  nrOrders: number
  unit: FreeAreaUnit
  scale: AxisScale
  theme: ChartTheme
  /** a small multiple: title, smaller margins, no legend */
  compact?: boolean
}

/** A count of free blocks of `order` expressed in `unit`. */
export function unitValue(blocks: number, order: number, pageSize: number, unit: FreeAreaUnit): number {
  if (unit === 'blocks') return blocks
  const pages = blocks * 2 ** order
  return unit === 'pages' ? pages : pages * pageSize
}

/** Free blocks of a zone: per migratetype list when known, else the buddyinfo totals as one "all" row. */
export function blocksByMigratetype(zone: ZoneSummary, migratetypes: string[], nrOrders: number): Array<{ name: string; counts: number[] }> {
  const rows = migratetypes
    .filter((mt) => zone.freeBlocksByMigratetype[mt] !== undefined)
    .map((mt) => ({ name: mt, counts: Array.from({ length: nrOrders }, (_, o) => zone.freeBlocksByMigratetype[mt]![o] ?? 0) }))
  if (rows.length === 0) return [{ name: 'all', counts: Array.from({ length: nrOrders }, (_, o) => zone.freeBlocks[o] ?? 0) }]
  return rows
}

/**
 * The value axis of a what-if free-area chart. A log scale is drawn as a linear axis of
 * log10(value / one unit) + 1, so a count of one block (or one page, or one page of bytes) is a
 * bar one decade high instead of vanishing on the axis line, as it does on an ECharts log axis,
 * whose bars start at 1; the labels read the values back (1, 10, 100 …).
 */
export function freeAreaValueAxis(unit: FreeAreaUnit, scale: AxisScale, pageSize: number): {
  toAxis: (v: number) => number | null
  min: number
  interval: number | undefined
  axisLabelFormatter: (y: number) => string
} {
  const log = scale === 'log'
  const one = unit === 'bytes' ? pageSize : 1
  const label = (v: number): string => (unit === 'bytes' ? formatShortSize(v) : compactNumber(v))
  return {
    toAxis: (v) => (v <= 0 ? null : log ? Math.log10(v / one) + 1 : v),
    min: 0,
    interval: log ? 1 : undefined,
    axisLabelFormatter: (y) => (!log ? label(y) : y < 1 ? '' : label(Math.round(one * 10 ** (y - 1)))),
  }
}

export function freeAreaOption(input: FreeAreaInput): ChartOption {
  const { zone, pageSize, nrOrders, unit, scale, theme: t, compact } = input
  const rows = blocksByMigratetype(zone, input.migratetypes, nrOrders)
  const orders = Array.from({ length: nrOrders }, (_, o) => o)
  const ax = axisCommon(t)
  const log = scale === 'log'
  const unitName = unit === 'blocks' ? 'free blocks' : unit === 'pages' ? 'free pages' : 'free bytes'

  const series = rows.map((r, i) => ({
    type: 'bar' as const,
    name: r.name,
    stack: 'free',
    barMaxWidth: 42,
    // on a log axis bars start at 1: a count of 1 keeps a visible sliver
    barMinHeight: log ? 3 : 0,
    itemStyle: { color: migratetypeColor(r.name, i) },
    emphasis: { focus: 'series' as const },
    // on a log axis a zero has no place: leave the bar out
    data: orders.map((o) => {
      const v = unitValue(r.counts[o] ?? 0, o, pageSize, unit)
      return log && v === 0 ? null : v
    }),
  }))

  const tooltipFormatter = (params: unknown): string => {
    const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex: number }>
    const o = list[0]?.dataIndex ?? 0
    return freeAreaTooltip(rows, o, pageSize)
  }

  return {
    animation: false,
    title: compact ? { text: zoneLabel(zone), left: 8, top: 4, textStyle: { color: t.text, fontSize: 12, fontWeight: 600 } } : undefined,
    grid: compact ? { left: 52, right: 12, top: 30, bottom: 36 } : { left: 64, right: 20, top: 40, bottom: 48 },
    legend: compact ? undefined : { top: 6, left: 'center', itemWidth: 12, itemHeight: 10, textStyle: { color: t.text, fontSize: 12 }, data: rows.map((r) => r.name) },
    tooltip: { ...tooltipBase(t), trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: tooltipFormatter },
    xAxis: orderAxis(t, orders, pageSize, compact ?? false),
    yAxis: {
      type: log ? 'log' : 'value',
      logBase: 10,
      name: compact ? '' : `${unitName}${log ? ' (log)' : ''}`,
      nameLocation: 'end',
      nameGap: 12,
      ...ax,
      min: log ? (unit === 'bytes' ? pageSize : 1) : 0,
      axisLabel: { color: t.textMuted, fontSize: 11, formatter: (v: number) => (unit === 'bytes' ? formatShortSize(v) : compactNumber(v)) },
    },
    series,
  }
}

/** The tooltip of one order: block size, then per migratetype count and pages, then the total. */
export function freeAreaTooltip(rows: Array<{ name: string; counts: number[] }>, order: number, pageSize: number): string {
  const pagesPer = 2 ** order
  let total = 0
  const lines = rows.map((r, i) => {
    const n = r.counts[order] ?? 0
    total += n
    const dim = n === 0 ? ' class="bs-tt-dim"' : ''
    return `<tr${dim}><td><span class="bs-tt-dot" style="background:${migratetypeColor(r.name, i)}"></span>${escapeHtml(r.name)}</td>` +
      `<td class="bs-tt-num">${formatCount(n)}</td><td class="bs-tt-num">${formatCount(n * pagesPer)} pages</td></tr>`
  })
  return `<div class="bs-tt"><div class="bs-tt-title">${escapeHtml(orderLabel(order, pageSize))}</div>` +
    `<table>${lines.join('')}<tr class="bs-tt-total"><td>total</td><td class="bs-tt-num">${formatCount(total)}</td>` +
    `<td class="bs-tt-num">${formatCount(total * pagesPer)} pages</td></tr></table>` +
    `<div class="bs-tt-foot">${formatBytes(total * pagesPer * pageSize)} free in order-${order} blocks</div></div>`
}

/**
 * The data behind the free-area chart for tests (data-series): per shown zone, order → migratetype
 * → free block count, always in blocks whatever the unit toggle says.
 */
export interface FreeAreaDataset {
  node: number
  zone: string
  blocks: Record<string, Record<string, number>>
}

export function freeAreaDatasets(zones: ZoneSummary[], migratetypes: string[], nrOrders: number): FreeAreaDataset[] {
  return zones.map((z) => {
    const rows = blocksByMigratetype(z, migratetypes, nrOrders)
    const blocks: Record<string, Record<string, number>> = {}
    for (let o = 0; o < nrOrders; o++) blocks[String(o)] = Object.fromEntries(rows.map((r) => [r.name, r.counts[o] ?? 0]))
    return { node: z.node, zone: z.zone, blocks }
  })
}
