/**
 * The app's ECharts options drawn to SVG in the host, by ECharts' server-side renderer (no DOM,
 * no canvas): the report's charts are the app's charts.
 */
import * as echarts from 'echarts'
import type { ChartOption } from '../../charts/options/common.ts'

/** Arial and its metric twins (Liberation Sans on Linux): ECharts' server-side text measurement assumes these widths. */
export const CHART_FONT = 'Arial, Liberation Sans, Helvetica, sans-serif'

export function chartSvg(option: ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    // a font with the metrics the server-side renderer measures text by (Arial's), so legends and labels fit where it put them
    chart.setOption({ ...option, animation: false, backgroundColor: '#ffffff', textStyle: { ...(option.textStyle as object | undefined), fontFamily: CHART_FONT } })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}
