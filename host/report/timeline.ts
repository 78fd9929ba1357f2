/**
 * The report's timeline part (`report SERIES --timeline`, the app's export of a capture of a
 * series): the timeline of the series as `buddyscope timeline --json` has it (host/timeline.ts;
 * that object is the JSON report's `timeline`). The one-line verdict (where contiguity fell most
 * and which step brought it back most), the captures and the steps between them, the
 * /proc/vmstat deltas per capture, and per zone the app's timeline chart, what each step changed
 * and the free blocks per order of every capture.
 */
import { timelineOption } from '../../charts/options/timeline.ts'
import { chartTheme } from '../../charts/palette.ts'
import { formatBytes } from '../../charts/format.ts'
import { contiguityVerdict, defaultTimelineZone, stepEffects, tzKey, zoneAt } from '../../charts/timeline_format.ts'
import type { TimelineJson } from '../timeline.ts'
import type { ReportExtra } from './build.ts'
import type { Cell, ReportBlock, ReportSection } from './model.ts'

const zl = (z: { node: number; zone: string }): string => `Node ${z.node}, zone ${z.zone}`
const zid = (z: { node: number; zone: string }): string => `n${z.node}-${z.zone.toLowerCase()}`
const num = (n: number): string => (n > 0 ? `+${n}` : String(n))
/** pages as signed memory, with the ASCII sign the other tables use (CSV readers take it) */
const bytes = (pages: number, pageSize: number): string => (pages === 0 ? '0' : `${pages > 0 ? '+' : '-'}${formatBytes(Math.abs(pages) * pageSize)}`)

function zoneSection(t: TimelineJson, z: { node: number; zone: string }, main: string): ReportSection {
  const key = tzKey(z)
  const pb = formatBytes(2 ** t.pageblockOrder * t.pageSize)
  const blocks: ReportBlock[] = []
  if (key !== main) blocks.push({ kind: 'text', text: contiguityVerdict(t, key) })
  blocks.push({
    kind: 'chart', title: `${zl(z)}: free memory per order (stacked; greens: blocks ≥ ${pb}, the contiguous memory), fragmentation, pageblocks, /proc/vmstat deltas; a line per step`,
    width: 960, height: 740, option: timelineOption({ timeline: t, zone: key, spacing: 'even', theme: chartTheme('light'), pair: null, pending: null }),
  })
  blocks.push({ kind: 'text', role: 'note', text: `The captures evenly spaced, a step drawn half-way between the two captures around it: compaction solid, hugetlb pool changes, sysctls and other steps dashed, notes (the workload) dotted. Indices: unusable at order 3, extfrag at order ${t.pageblockOrder}, the score at order ${t.hpageOrder}.` })
  const effects = stepEffects(t, key)
  if (effects.length) {
    blocks.push({
      kind: 'table', table: {
        id: `timeline-${zid(z)}-steps`, caption: `${zl(z)}: what each step changed`, source: 'captured',
        columns: ['step', 'between', `Δ free in blocks ≥ ${pb}`, 'Δ score', 'logged /proc/vmstat deltas'],
        rows: effects.map((f) => [
          f.text, `${f.after ?? 'start'} → ${f.before ?? 'end'}${f.with.length ? ` (with ${f.with.join(', ')})` : ''}`,
          f.highOrderFreePages === null ? '—' : bytes(f.highOrderFreePages, t.pageSize), f.fragmentationScore === null ? '—' : num(f.fragmentationScore),
          f.deltas.map(([k, v]) => `${k} ${num(v)}`).join(', '),
        ]),
        note: 'From the capture before the step to the capture after it (steps between the same two captures cannot be told apart); the logged deltas are those the series\' steps.log recorded around the step.',
      },
    })
  }
  const n = t.nrOrders
  blocks.push({
    kind: 'table', table: {
      id: `timeline-${zid(z)}-free`, caption: `${zl(z)}: free blocks per order at each capture`, source: 'captured', perOrder: true,
      columns: ['capture', ...Array.from({ length: n }, (_, o) => String(o)), 'free', `in ≥ ${pb}`, 'score'],
      rows: t.points.flatMap((p) => {
        const x = zoneAt(p, key)
        return x ? [[p.label, ...Array.from({ length: n }, (_, o) => x.freeBlocks[o] ?? 0), formatBytes(x.freePages * t.pageSize), formatBytes(x.highOrderFreePages * t.pageSize), x.fragmentationScore] as Cell[]] : []
      }),
      note: `Free blocks per order as each capture's ${t.points.some((p) => zoneAt(p, key)?.freeSource === 'pagetypeinfo') ? 'buddyinfo (or pagetypeinfo where it has none)' : 'buddyinfo'} has them; the score is extfrag_for_order at order ${t.hpageOrder} (0..100).`,
    },
  })
  return { id: `timeline-${zid(z)}`, title: `Timeline: ${zl(z)}`, level: 3, blocks }
}

/** The timeline's sections and JSON for a report; `flags` are the CLI's (`--timeline`) for the regenerate command. */
export function timelineExtra(t: TimelineJson, flags: string[]): ReportExtra {
  const main = defaultTimelineZone(t)
  const times = t.points.some((p) => p.captureTime !== null)
  const blocks: ReportBlock[] = [
    { kind: 'text', text: contiguityVerdict(t, main), role: 'verdict' },
    { kind: 'text', role: 'note', text: `${t.points.length} captures of ${t.paths.join(', ')}, ${t.markers.length} step${t.markers.length === 1 ? '' : 's'} between them. Time axis: ${t.axis} (${t.axisNote}). The numbers are each capture's own buddyinfo, pagetypeinfo and /proc/vmstat (captured); the indices and the score are computed from them as the kernel computes them. The verdict is for ${main}, the zone with the most free memory.` },
    {
      kind: 'table', table: {
        id: 'timeline-captures', caption: 'The captures', source: 'captured',
        columns: ['#', 'capture', 'time (s)', ...(times ? ['capture time'] : []), 'steps before it'],
        rows: t.points.map((p) => [p.index + 1, p.label, p.time === null ? '—' : p.time.toFixed(2), ...(times ? [p.captureTime ?? '—'] : []), p.steps.map((s) => s.text).join('; ')]),
      },
    },
  ]
  const counters = t.changedCounters
  const later = t.points.slice(1)
  if (counters.length && later.length) {
    blocks.push({
      kind: 'table', table: {
        id: 'timeline-counters', caption: '/proc/vmstat deltas from the previous capture', source: 'captured',
        columns: ['counter', ...later.map((p) => p.label)],
        rows: counters.map((c) => [c, ...later.map((p) => (p.deltas === null ? '—' : num(p.deltas[c] ?? 0)))]),
        note: `The followed counters that changed somewhere in the series (${counters.length} of ${t.counters.length}); "—": not known (no vmstat, or the counters went back, as after a reboot). Rates per second are in the JSON report.`,
      },
    })
  } else blocks.push({ kind: 'text', role: 'note', text: 'No followed /proc/vmstat counter changed between the captures.' })
  if (t.notes.length) blocks.push({ kind: 'list', title: 'Notes', items: t.notes })
  const zones = [...t.zones]
  return { sections: [{ id: 'timeline', title: 'Timeline of the series', level: 2, blocks }, ...zones.map((z) => zoneSection(t, z, main))], json: t, flags }
}
