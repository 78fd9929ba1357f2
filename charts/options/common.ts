/** Shared pieces of the ECharts option builders (pure). */
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption, ScatterSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TitleComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ChartTheme } from '../palette.ts'
import { formatShortSize } from '../format.ts'

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | ScatterSeriesOption | GridComponentOption | LegendComponentOption | TitleComponentOption | TooltipComponentOption
>

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** Tooltip box styled for the theme (ECharts renders it as an HTML element). */
export function tooltipBase(t: ChartTheme): TooltipComponentOption {
  return {
    backgroundColor: t.tooltipBg,
    borderColor: t.tooltipBorder,
    borderWidth: 1,
    padding: [6, 8],
    textStyle: { color: t.tooltipText, fontSize: 12, fontFamily: 'inherit' },
    extraCssText: 'box-shadow: 0 4px 14px rgba(0,0,0,.18); border-radius: 4px;',
    confine: true,
  }
}

export function axisCommon(t: ChartTheme): { axisLine: object; axisTick: object; axisLabel: object; splitLine: object; nameTextStyle: object } {
  return {
    axisLine: { lineStyle: { color: t.axisLine } },
    axisTick: { lineStyle: { color: t.axisLine } },
    axisLabel: { color: t.textMuted, fontSize: 11 },
    splitLine: { lineStyle: { color: t.splitLine } },
    nameTextStyle: { color: t.textMuted, fontSize: 11 },
  }
}

/** The category axis of the free-area charts: one bar group per order, labelled with the order and its block size. */
export function orderAxis(t: ChartTheme, orders: number[], pageSize: number, compact = false): object {
  return {
    type: 'category',
    data: orders.map((o) => `${o}\n${formatShortSize(2 ** o * pageSize)}`),
    name: compact ? '' : 'order',
    nameLocation: 'middle',
    nameGap: 34,
    ...axisCommon(t),
    splitLine: { show: false },
    axisLabel: { color: t.textMuted, fontSize: 11, lineHeight: 13 },
  }
}

/** 12345 → "12.3k", 2500000 → "2.5M" */
export function compactNumber(v: number): string {
  const a = Math.abs(v)
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`
  return String(+v.toFixed(2))
}
