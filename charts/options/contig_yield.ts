/**
 * The hugetlb yield curve (pure): huge pages obtained against pages requested, with and without
 * direct compaction, the "every page obtained" diagonal and, for a captured step, the real
 * kernel's point.
 */
import type { LineSeriesOption, ScatterSeriesOption } from 'echarts/charts'
import { formatBytes, formatCount } from '../format.ts'
import type { ChartTheme } from '../palette.ts'
import { axisCommon, escapeHtml, tooltipBase, type ChartOption } from './common.ts'

export interface YieldPoint {
  requested: number
  obtainedWithCompaction: number | null
  obtainedWithoutCompaction: number | null
}

export interface YieldInput {
  points: readonly YieldPoint[]
  /** bytes per huge page */
  hugeBytes: number
  /** the real kernel's growth (captured step) */
  real?: { requested: number; obtained: number; label: string } | null
  theme: ChartTheme
}

export const SERIES_WITH = 'with compaction'
export const SERIES_WITHOUT = 'without compaction'
export const SERIES_IDEAL = 'all requested'
export const SERIES_REAL = 'real kernel'

export function yieldColors(t: ChartTheme): { with: string; without: string; ideal: string; real: string } {
  return t.name === 'dark'
    ? { with: '#4aa8ff', without: '#f0b429', ideal: '#6b7382', real: '#ff5cc6' }
    : { with: '#0b63d8', without: '#b06f00', ideal: '#aab1bc', real: '#c8188a' }
}

/** The curve's points with (0, 0) first and sorted by requested. */
export function yieldSeriesData(points: readonly YieldPoint[]): { with: Array<[number, number]>; without: Array<[number, number]>; max: number } {
  const sorted = [...points].sort((a, b) => a.requested - b.requested)
  const withC: Array<[number, number]> = [[0, 0]]
  const without: Array<[number, number]> = [[0, 0]]
  for (const p of sorted) {
    if (p.obtainedWithCompaction !== null) withC.push([p.requested, p.obtainedWithCompaction])
    if (p.obtainedWithoutCompaction !== null) without.push([p.requested, p.obtainedWithoutCompaction])
  }
  const max = sorted.length ? sorted[sorted.length - 1]!.requested : 0
  return { with: withC, without: without.length > 1 ? without : [], max }
}

export function yieldOption(input: YieldInput): ChartOption {
  const { points, hugeBytes, real, theme: t } = input
  const c = yieldColors(t)
  const ax = axisCommon(t)
  const d = yieldSeriesData(points)
  const max = Math.max(d.max, real?.requested ?? 0, 1)
  const series: Array<LineSeriesOption | ScatterSeriesOption> = [
    { type: 'line', name: SERIES_IDEAL, data: [[0, 0], [max, max]], symbol: 'none', lineStyle: { color: c.ideal, type: 'dashed', width: 1 }, itemStyle: { color: c.ideal }, silent: true },
    { type: 'line', name: SERIES_WITH, data: d.with, symbol: 'circle', symbolSize: 6, lineStyle: { color: c.with, width: 2 }, itemStyle: { color: c.with } },
  ]
  if (d.without.length) {
    series.push({ type: 'line', name: SERIES_WITHOUT, data: d.without, symbol: 'diamond', symbolSize: 7, lineStyle: { color: c.without, width: 2, type: [6, 3] }, itemStyle: { color: c.without } })
  }
  if (real) {
    series.push({ type: 'scatter', name: SERIES_REAL, data: [[real.requested, real.obtained]], symbol: 'triangle', symbolSize: 13, itemStyle: { color: c.real } })
  }
  const size = formatBytes(hugeBytes)
  return {
    animation: false,
    grid: { left: 56, right: 20, top: 36, bottom: 44 },
    legend: { top: 4, right: 8, itemWidth: 14, itemHeight: 10, textStyle: { color: t.text, fontSize: 11 }, data: series.map((s) => s.name as string) },
    tooltip: {
      ...tooltipBase(t), trigger: 'axis',
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ seriesName: string; value: [number, number] }>
        const req = list[0]?.value[0] ?? 0
        const rows = list.filter((p) => p.seriesName !== SERIES_IDEAL)
          .map((p) => `<tr><td>${escapeHtml(p.seriesName)}</td><td class="bs-tt-num">${formatCount(p.value[1])}</td><td class="bs-tt-num">${formatBytes(p.value[1] * hugeBytes)}</td></tr>`)
        return `<div class="bs-tt"><div class="bs-tt-title">${formatCount(req)} × ${escapeHtml(size)} requested</div><table>${rows.join('')}</table></div>`
      },
    },
    xAxis: { type: 'value', name: `requested (${size} pages)`, nameLocation: 'middle', nameGap: 26, min: 0, max, ...ax, splitLine: { show: false } },
    yAxis: { type: 'value', name: 'obtained', nameLocation: 'end', min: 0, ...ax },
    series,
  }
}
