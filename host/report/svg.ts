/**
 * The app's ECharts options drawn to SVG in the host, by ECharts' server-side renderer (no DOM,
 * no canvas): the report's charts are the app's charts.
 */
import * as echarts from 'echarts'
import type { ChartOption } from '../../charts/options/common.ts'

export function chartSvg(option: ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption({ ...option, animation: false, backgroundColor: '#ffffff' })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}
