/**
 * The fleet view's columns and the histogram drawn above each numeric one (pure). A column's
 * value is what it sorts by and what its histogram counts; `text` is what its cell shows.
 * Rows with an error, or without the column (a summary-only capture has no clean ranges), are
 * left out of a histogram and sort last.
 */
import type { FleetRowDto } from '../../api/types.ts'
import type { ChartTheme } from '../palette.ts'
import { axisCommon, escapeHtml, tooltipBase, type ChartOption } from './common.ts'
import { formatBytes, formatCount } from '../../format.ts'

export type FleetColumnId =
  | 'host' | 'kernel' | 'uptime' | 'freeGe2MiB' | 'clean2MiB' | 'clean1GiB' | 'score' | 'mixed' | 'unmovable' | 'findings' | 'error'

export interface FleetColumn {
  id: FleetColumnId
  label: string
  /** what the header's tooltip says */
  title: string
  numeric: boolean
  value: (r: FleetRowDto) => number | string | null
  text: (r: FleetRowDto) => string
  /** how a histogram bin's bounds read */
  unit?: (v: number) => string
}

/** the last part of a path (a row's name when the capture does not give its hostname) */
export const pathName = (p: string): string => p.split('/').filter(Boolean).pop() ?? p

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)
const dash = (x: number | null, f: (v: number) => string = String): string => (x === null ? '—' : f(x))

export function formatUptime(s: number): string {
  if (s < 120) return `${Math.round(s)} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`
  return `${(s / 86400).toFixed(1)} d`
}

export const FLEET_COLUMNS: readonly FleetColumn[] = [
  { id: 'host', label: 'Host', title: 'hostname (the capture\'s file or folder name when unknown)', numeric: false, value: (r) => r.host ?? pathName(r.path), text: (r) => r.host ?? pathName(r.path) },
  { id: 'kernel', label: 'Kernel', title: 'kernel release', numeric: false, value: (r) => r.kernel, text: (r) => r.kernel ?? '—' },
  { id: 'uptime', label: 'Uptime', title: '/proc/uptime at capture', numeric: true, value: (r) => r.uptimeSeconds, text: (r) => dash(r.uptimeSeconds, formatUptime), unit: formatUptime },
  {
    id: 'freeGe2MiB', label: 'Free ≥ 2 MiB', title: 'free memory in buddy blocks of 2 MiB or more (of all free memory)', numeric: true,
    value: (r) => r.freeGe2MiBBytes, text: (r) => (r.freeGe2MiBBytes === null ? '—' : `${formatBytes(r.freeGe2MiBBytes)} of ${formatBytes(r.freeBytes ?? 0)}`), unit: formatBytes,
  },
  {
    id: 'clean2MiB', label: 'Clean 2 MiB', title: 'naturally aligned 2 MiB ranges holding only free or movable pages / all (kpageflags captures only)', numeric: true,
    value: (r) => r.clean2MiB, text: (r) => (r.clean2MiB === null ? '—' : `${formatCount(r.clean2MiB)} / ${formatCount(r.ranges2MiB ?? 0)}`), unit: formatCount,
  },
  {
    id: 'clean1GiB', label: 'Clean 1 GiB', title: 'naturally aligned 1 GiB ranges holding only free or movable pages / all (kpageflags captures only)', numeric: true,
    value: (r) => r.clean1GiB, text: (r) => (r.clean1GiB === null ? '—' : `${formatCount(r.clean1GiB)} / ${formatCount(r.ranges1GiB ?? 0)}`), unit: formatCount,
  },
  { id: 'score', label: 'Frag. score', title: 'the worst node\'s proactive-compaction fragmentation score (0..100)', numeric: true, value: (r) => r.fragmentationScore, text: (r) => dash(r.fragmentationScore), unit: (v) => String(+v.toFixed(1)) },
  { id: 'mixed', label: 'Mixed blocks', title: 'pageblocks holding a page of another mobility than the block\'s type / all pageblocks (kpageflags captures only)', numeric: true, value: (r) => r.mixedBlockShare, text: (r) => pct(r.mixedBlockShare), unit: (v) => pct(v) },
  {
    id: 'unmovable', label: 'Unmovable spread', title: 'pageblocks holding an unmovable page / all (kpageflags); else pageblocks typed Unmovable (pagetypeinfo)', numeric: true,
    value: (r) => r.unmovableBlockShare,
    text: (r) => (r.unmovableBlockShare === null ? '—' : r.unmovableMemoryShare === null ? `${pct(r.unmovableBlockShare)} typed` : `${pct(r.unmovableMemoryShare)} of memory in ${pct(r.unmovableBlockShare)} of blocks`),
    unit: (v) => pct(v),
  },
  { id: 'findings', label: 'Findings', title: 'consistency findings (of which warnings)', numeric: true, value: (r) => r.findings, text: (r) => (r.findings === null ? '—' : `${r.findings} (${r.warnings ?? 0} warn.)`), unit: (v) => String(Math.round(v)) },
  { id: 'error', label: 'Error', title: 'why the capture could not be read', numeric: false, value: (r) => r.error, text: (r) => r.error ?? '' },
]

export function fleetColumn(id: FleetColumnId): FleetColumn {
  return FLEET_COLUMNS.find((c) => c.id === id)!
}

/** Rows sorted by a column (stable; missing values last whatever the direction). */
export function sortFleetRows(rows: readonly FleetRowDto[], id: FleetColumnId, dir: 'asc' | 'desc'): FleetRowDto[] {
  const col = fleetColumn(id)
  const s = dir === 'asc' ? 1 : -1
  return rows.map((r, i) => ({ r, i, v: col.value(r) })).sort((a, b) => {
    const an = a.v === null || a.v === ''
    const bn = b.v === null || b.v === ''
    if (an || bn) return an && bn ? a.i - b.i : an ? 1 : -1
    const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), undefined, { numeric: true })
    return c !== 0 ? c * s : a.i - b.i
  }).map((x) => x.r)
}

export interface HistogramBin {
  lo: number
  hi: number
  count: number
}

/** Equal-width bins over [min, max] of the values (√n of them, 1..12); one bin when all are equal. */
export function histogramBins(values: readonly number[], maxBins = 12): HistogramBin[] {
  const v = values.filter((x) => Number.isFinite(x))
  if (v.length === 0) return []
  const lo = Math.min(...v)
  const hi = Math.max(...v)
  if (lo === hi) return [{ lo, hi, count: v.length }]
  const n = Math.max(2, Math.min(maxBins, Math.ceil(Math.sqrt(v.length))))
  const w = (hi - lo) / n
  const bins = Array.from({ length: n }, (_, k) => ({ lo: lo + k * w, hi: k === n - 1 ? hi : lo + (k + 1) * w, count: 0 }))
  for (const x of v) bins[Math.min(n - 1, Math.floor((x - lo) / w))]!.count++
  return bins
}

/** The numbers of a column the histogram counts: rows without an error that have it. */
export function columnValues(rows: readonly FleetRowDto[], id: FleetColumnId): number[] {
  const col = fleetColumn(id)
  return rows.flatMap((r) => {
    const v = r.error ? null : col.value(r)
    return typeof v === 'number' ? [v] : []
  })
}

/** A small bar chart of a column's distribution (no axes' labels: it sits above the column's header). */
export function fleetHistogramOption(input: { rows: readonly FleetRowDto[]; column: FleetColumnId; theme: ChartTheme; highlight?: readonly FleetRowDto[] }): ChartOption {
  const col = fleetColumn(input.column)
  const bins = histogramBins(columnValues(input.rows, input.column))
  const unit = col.unit ?? String
  const hv = (input.highlight ?? []).flatMap((r) => {
    const v = r.error ? null : col.value(r)
    return typeof v === 'number' ? [v] : []
  })
  const inBin = (b: HistogramBin, k: number, x: number): boolean => x >= b.lo && (x < b.hi || (k === bins.length - 1 && x <= b.hi))
  const a = axisCommon(input.theme)
  return {
    animation: false,
    grid: { left: 2, right: 2, top: 4, bottom: 2, containLabel: false },
    xAxis: { type: 'category', data: bins.map((b) => (b.lo === b.hi ? unit(b.lo) : `${unit(b.lo)} – ${unit(b.hi)}`)), show: false },
    yAxis: { type: 'value', show: false, minInterval: 1, ...{ splitLine: a.splitLine } },
    tooltip: {
      ...tooltipBase(input.theme),
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (p: unknown) => {
        const ps = p as Array<{ dataIndex: number }>
        const b = bins[ps[0]?.dataIndex ?? -1]
        if (!b) return ''
        const range = b.lo === b.hi ? unit(b.lo) : `${unit(b.lo)} – ${unit(b.hi)}`
        return `${escapeHtml(col.label)}: <b>${escapeHtml(range)}</b><br/>${b.count} capture${b.count === 1 ? '' : 's'}`
      },
    },
    series: [{
      type: 'bar',
      name: col.label,
      barCategoryGap: '8%',
      data: bins.map((b, k) => ({
        value: b.count,
        itemStyle: { color: hv.some((x) => inBin(b, k, x)) ? input.theme.threshold : input.theme.accent, opacity: 0.85 },
      })),
    }],
  }
}
