/** ECharts, registered on demand: only the chart types and components the views use. */
import { use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { BarChart, LineChart, ScatterChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components'
import { MarkLineComponent, MarkAreaComponent } from 'echarts/components'

let done = false

export function registerCharts(): void {
  if (done) return
  done = true
  use([CanvasRenderer, BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent])
  // the timeline's step markers and selected range
  use([MarkLineComponent, MarkAreaComponent])
}
