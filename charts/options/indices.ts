/**
 * Fragmentation indices of one zone per order: the unusable free space index and the extfrag
 * index (debugfs extfrag/unusable_index; ×1000 integers in ZoneSummary, shown 0.000–1.000), with
 * vm.extfrag_threshold as a line. An extfrag index of −1 means a free block of that order exists,
 * so an allocation would not fail for fragmentation: drawn as a marker just under the axis. Pure.
 */
import type { ZoneSummaryDto as ZoneSummary } from '../../contract/dto.ts'
import { formatExtfrag, formatIndex, orderLabel, formatShortSize, zoneLabel } from '../format.ts'
import type { ChartTheme } from '../palette.ts'
import { axisCommon, escapeHtml, tooltipBase, type ChartOption } from './common.ts'

export interface IndicesInput {
  zone: ZoneSummary
  pageSize: number
  nrOrders: number
  /** vm.extfrag_threshold, ×1000 */
  extfragThreshold: number
  theme: ChartTheme
  compact?: boolean
}

export const UNUSABLE_COLOR = '#5b8def'
export const EXTFRAG_COLOR = '#e0408a'
/** "−1: a block exists" markers sit at y = 0, drawn this many px under the axis line */
export const BLOCK_EXISTS_OFFSET_PX = 10

/** ×1000 → 0..1, or null for the extfrag "−1" */
export function indexValue(x1000: number | undefined, extfrag: boolean): number | null {
  if (x1000 === undefined) return null
  if (extfrag && x1000 < 0) return null
  return x1000 / 1000
}

export function indicesOption(input: IndicesInput): ChartOption {
  const { zone, pageSize, nrOrders, extfragThreshold, theme: t, compact } = input
  const orders = Array.from({ length: nrOrders }, (_, o) => o)
  const ax = axisCommon(t)
  const threshold = extfragThreshold / 1000
  const unusable = orders.map((o) => indexValue(zone.unusableIndex[o], false))
  const extfrag = orders.map((o) => indexValue(zone.extfragIndex[o], true))
  const exists = orders.map((o) => ((zone.extfragIndex[o] ?? 0) < 0 ? 0 : null))

  return {
    animation: false,
    title: compact ? { text: zoneLabel(zone), left: 8, top: 4, textStyle: { color: t.text, fontSize: 12, fontWeight: 600 } } : undefined,
    grid: compact ? { left: 44, right: 12, top: 30, bottom: 36 } : { left: 56, right: 24, top: 40, bottom: 48 },
    legend: compact ? undefined : { top: 6, left: 'center', itemWidth: 14, itemHeight: 8, textStyle: { color: t.text, fontSize: 12 } },
    tooltip: {
      ...tooltipBase(t),
      trigger: 'axis',
      axisPointer: { type: 'line', lineStyle: { color: t.axisLine } },
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex: number }>
        return indicesTooltip(zone, list[0]?.dataIndex ?? 0, pageSize, extfragThreshold)
      },
    },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: orders.map((o) => `${o}\n${formatShortSize(2 ** o * pageSize)}`),
      name: compact ? '' : 'order',
      nameLocation: 'middle',
      nameGap: 42,
      ...ax,
      splitLine: { show: true, lineStyle: { color: t.splitLine } },
      axisLabel: { color: t.textMuted, fontSize: 11, lineHeight: 13, margin: 20 },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: 1,
      interval: 0.2,
      name: compact ? '' : 'index',
      ...ax,
      axisLabel: { color: t.textMuted, fontSize: 11, formatter: (v: number) => v.toFixed(1) },
    },
    series: [
      {
        type: 'line', name: 'unusable free space index', data: unusable, symbol: 'circle', symbolSize: 6,
        lineStyle: { width: 2, color: UNUSABLE_COLOR }, itemStyle: { color: UNUSABLE_COLOR },
      },
      {
        type: 'line', name: 'extfrag index', data: extfrag, symbol: 'rect', symbolSize: 6, connectNulls: false,
        lineStyle: { width: 2, color: EXTFRAG_COLOR }, itemStyle: { color: EXTFRAG_COLOR },
      },
      {
        type: 'scatter', name: 'extfrag −1 (a free block of this order exists)', data: exists, symbol: 'diamond', symbolSize: 8,
        symbolOffset: [0, BLOCK_EXISTS_OFFSET_PX], clip: false, z: 3,
        itemStyle: { color: 'transparent', borderColor: EXTFRAG_COLOR, borderWidth: 1.5 },
      },
      {
        type: 'line', name: `extfrag_threshold ${formatIndex(extfragThreshold)}`, data: orders.map(() => threshold), symbol: 'none',
        lineStyle: { width: 1.5, type: 'dashed', color: t.threshold }, itemStyle: { color: t.threshold }, silent: true,
      },
    ],
  }
}

export function indicesTooltip(zone: ZoneSummary, order: number, pageSize: number, thresholdX1000: number): string {
  const u = zone.unusableIndex[order]
  const e = zone.extfragIndex[order]
  let verdict = ''
  if (e !== undefined) {
    if (e < 0) verdict = 'a free block of this order exists: an allocation would not fail'
    else if (e > thresholdX1000) verdict = `above extfrag_threshold: a failure here is fragmentation, compaction is worth it`
    else verdict = `at or below extfrag_threshold: a failure here is lack of memory (reclaim, not compaction)`
  }
  return `<div class="bs-tt"><div class="bs-tt-title">${escapeHtml(orderLabel(order, pageSize))}</div><table>` +
    `<tr><td><span class="bs-tt-dot" style="background:${UNUSABLE_COLOR}"></span>unusable</td><td class="bs-tt-num">${u === undefined ? '—' : formatIndex(u)}</td></tr>` +
    `<tr><td><span class="bs-tt-dot" style="background:${EXTFRAG_COLOR}"></span>extfrag</td><td class="bs-tt-num">${e === undefined ? '—' : formatExtfrag(e)}</td></tr>` +
    `<tr class="bs-tt-dim"><td>extfrag_threshold</td><td class="bs-tt-num">${formatIndex(thresholdX1000)}</td></tr></table>` +
    (verdict ? `<div class="bs-tt-foot">${escapeHtml(verdict)}</div>` : '') + '</div>'
}
