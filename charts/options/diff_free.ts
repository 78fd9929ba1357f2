/**
 * A diff's free areas of one zone: after − before per order, stacked by migratetype free list
 * (pagetypeinfo's, or the model's when a capture lacks it; gains above the axis, losses below),
 * with the total per order (buddyinfo's) as a marker, in blocks or pages. Pure.
 */
import type { ZoneDiffDto } from '../../contract/dto.ts'
import { formatCount, orderLabel } from '../format.ts'
import { migratetypeColor, type ChartTheme } from '../palette.ts'
import { axisCommon, compactNumber, escapeHtml, orderAxis, tooltipBase, type ChartOption } from './common.ts'

export type DiffUnit = 'blocks' | 'pages'

export interface DiffFreeInput {
  zone: ZoneDiffDto
  /** migratetype names in the kernel's order */
  migratetypes: string[]
  pageSize: number
  nrOrders: number
  unit: DiffUnit
  theme: ChartTheme
  /** a small multiple: title, smaller margins */
  compact?: boolean
}

export const TOTAL_SERIES = 'all lists'

const signed = (n: number): string => (n > 0 ? `+${formatCount(n)}` : n < 0 ? `−${formatCount(-n)}` : '0')

/** The per-migratetype rows of a zone's delta that are not all zero, in the kernel's order. */
export function deltaRows(zone: ZoneDiffDto, migratetypes: string[], nrOrders: number): Array<{ name: string; index: number; delta: number[] }> {
  const names = [...migratetypes, ...Object.keys(zone.freeBlocksByMigratetypeDelta).filter((m) => !migratetypes.includes(m))]
  return names
    .map((name, index) => ({ name, index, delta: Array.from({ length: nrOrders }, (_, o) => zone.freeBlocksByMigratetypeDelta[name]?.[o] ?? 0) }))
    .filter((r) => zone.freeBlocksByMigratetypeDelta[r.name] !== undefined && r.delta.some((v) => v !== 0))
}

export function diffFreeOption(input: DiffFreeInput): ChartOption {
  const { zone, pageSize, nrOrders, unit, theme: t, compact } = input
  const orders = Array.from({ length: nrOrders }, (_, o) => o)
  const k = (o: number): number => (unit === 'pages' ? 2 ** o : 1)
  const rows = deltaRows(zone, input.migratetypes, nrOrders)
  const ax = axisCommon(t)
  const src = zone.sources
  const bars = rows.map((r) => ({
    type: 'bar' as const,
    name: r.name,
    stack: 'delta',
    barMaxWidth: 40,
    itemStyle: { color: migratetypeColor(r.name, r.index) },
    emphasis: { focus: 'series' as const },
    data: orders.map((o) => (r.delta[o] ? r.delta[o]! * k(o) : null)),
  }))
  const total = {
    type: 'scatter' as const,
    name: TOTAL_SERIES,
    symbol: 'diamond',
    symbolSize: 11,
    z: 5,
    itemStyle: { color: t.text, borderColor: t.background, borderWidth: 1.5 },
    data: orders.map((o) => zone.freeBlocksDelta[o]! * k(o)),
  }
  const tooltipFormatter = (params: unknown): string => {
    const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex: number }>
    const o = list[0]?.dataIndex ?? 0
    const lines = rows.filter((r) => r.delta[o]).map((r) =>
      `<tr><td><span class="bs-tt-dot" style="background:${migratetypeColor(r.name, r.index)}"></span>${escapeHtml(r.name)}</td><td class="bs-tt-num">${signed(r.delta[o]!)}</td><td class="bs-tt-num">${signed(r.delta[o]! * 2 ** o)} pages</td></tr>`)
    const d = zone.freeBlocksDelta[o]!
    return `<div class="bs-tt"><div class="bs-tt-title">${escapeHtml(orderLabel(o, pageSize))}</div>` +
      `<table>${lines.join('')}<tr class="bs-tt-total"><td>${escapeHtml(`${TOTAL_SERIES} (${src.freeBlocks})`)}</td><td class="bs-tt-num">${signed(d)}</td><td class="bs-tt-num">${signed(d * 2 ** o)} pages</td></tr></table>` +
      `<div class="bs-tt-foot">${formatCount(zone.freeBlocksBefore[o] ?? 0)} → ${formatCount(zone.freeBlocksAfter[o] ?? 0)} free blocks</div></div>`
  }
  const unitName = unit === 'blocks' ? 'free blocks, after − before' : 'pages in free blocks, after − before'
  return {
    animation: false,
    title: compact ? { text: `Node ${zone.node}, zone ${zone.zone}`, left: 8, top: 4, textStyle: { color: t.text, fontSize: 12, fontWeight: 600 } } : undefined,
    grid: compact ? { left: 56, right: 12, top: 34, bottom: 40 } : { left: 68, right: 20, top: 44, bottom: 50 },
    legend: {
      top: compact ? 4 : 8, right: 8, itemWidth: 12, itemHeight: 10, textStyle: { color: t.text, fontSize: 11 },
      data: [...rows.map((r) => r.name), TOTAL_SERIES],
    },
    tooltip: { ...tooltipBase(t), trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: tooltipFormatter },
    xAxis: orderAxis(t, orders, pageSize, compact ?? false),
    yAxis: {
      type: 'value',
      name: compact ? '' : unitName,
      nameLocation: 'end',
      nameGap: 12,
      ...ax,
      axisLabel: { color: t.textMuted, fontSize: 11, formatter: (v: number) => compactNumber(v) },
    },
    series: [...bars, total],
  }
}
