/**
 * What a report says, in this order: the machine and the capture, free areas per zone and
 * migratetype, the indices and fragmentation score, the pageblock map, each what-if (parameters,
 * assumptions, verdict, before/after, predicted vs real, blockers), then a diff or a timeline
 * when one was asked for, and the provenance. Captured numbers are labelled captured (with the
 * file), the model's are labelled model, a what-if's are predicted (docs: issue 10's rule).
 *
 * Everything here is built from what the app and `inspect --json` show: the InspectJson of the
 * snapshot, its pageblock map and the what-ifs' JSON answers; the chart blocks carry the app's
 * own ECharts options (charts/options).
 */
import { kernelVersionCode, releaseRules, type PageblockMap } from '../../engine/index.ts'
import type { ZoneSummaryDto } from '../../contract/dto.ts'
import { freeAreaOption } from '../../charts/options/free_areas.ts'
import { indicesOption } from '../../charts/options/indices.ts'
import { whatifFreeDatasets, whatifFreeOption } from '../../charts/options/whatif_free.ts'
import { yieldOption } from '../../charts/options/contig_yield.ts'
import { chartTheme } from '../../charts/palette.ts'
import { formatBytes } from '../../charts/format.ts'
import type { InspectJson } from '../summary.ts'
import { counterValue, predictionCoverage, type WhatifCompactJson } from '../whatif/compact.ts'
import { contigJsonOut, type ContigJson } from '../whatif/contig.ts'
import { shellQuote, whatifWords } from './flags.ts'
import type { Cell, Report, ReportBlock, ReportProvenance, ReportSection, ReportTable, ReportWhatifRequest, ProvenanceFile } from './model.ts'

/** A what-if of the report with its answer (the same JSON `buddyscope whatif … --json` prints). */
export type ReportWhatif =
  | { req: Extract<ReportWhatifRequest, { kind: 'compact' }>; result: WhatifCompactJson }
  | { req: Extract<ReportWhatifRequest, { kind: 'contig' }>; result: ContigJson }

/**
 * An optional part (a diff against another capture, a series timeline): its sections, its JSON,
 * and the CLI flags that asked for it (for the regenerate command). diff.ts builds the diff's,
 * timeline.ts the timeline's.
 */
export interface ReportExtra {
  sections: ReportSection[]
  json: unknown
  flags: string[]
}

export interface ReportInput {
  inspect: InspectJson
  map: PageblockMap
  /** extfrag_threshold (sysctl) the indices chart draws */
  extfragThreshold: number
  /** the allocator's fallback rule (engine fallbackRuleFor) */
  fallbackRule: string
  files: ProvenanceFile[]
  bundle: ReportProvenance['bundle']
  whatifs: ReportWhatif[]
  version: string
  /** ISO time the report is made (a fixed one in golden tests) */
  generatedAt: string
  /** how the snapshot was opened: for the regenerate command */
  open: { layout: 'auto' | 'exact' | 'synthesized'; seed: number; capture: string | null }
  diff?: ReportExtra | null
  timeline?: ReportExtra | null
  /** the output file the regenerate command names */
  output?: string
}

const zl = (z: { node: number; zone: string }): string => `Node ${z.node}, zone ${z.zone}`
const zid = (z: { node: number; zone: string }): string => `n${z.node}-${z.zone.toLowerCase()}`
const orders = (n: number): string[] => Array.from({ length: n }, (_, o) => String(o))
const pad = (row: readonly number[] | undefined, n: number): number[] => Array.from({ length: n }, (_, o) => row?.[o] ?? 0)
const idx = (v: number): string => (v / 1000).toFixed(3)
const theme = chartTheme('light')
/** how much of a what-if's window and blocker lists the tables show (the JSON has all) */
const MAX_WINDOWS = 64
const BLOCKERS_PER_WINDOW = 8
const MAX_BLOCKER_ROWS = 128

function table(t: ReportTable): ReportBlock {
  return { kind: 'table', table: t }
}

// ------------------------------------------------------------------ the capture

/** which compaction the report's what-ifs ran: Linux 6.1's, with the later releases' changes the model follows (Provenance lists them: engine releaseRules) */
function compactionRulesText(release: string | null): string {
  const k = kernelVersionCode(release)
  return k > 6001 ? `Linux 6.1 compaction (mm/compaction.c) with the changes up to kernel ${Math.floor(k / 1000)}.${k % 1000} listed under Kernel rules` : 'Linux 6.1 compaction (mm/compaction.c)'
}

function machineSection(j: InspectJson): ReportSection {
  const m = j.machine
  const l = j.layout
  const rows: Cell[][] = [
    ['Snapshot', j.snapshot.path],
    ['Capture', j.snapshot.label ?? '(single capture)'],
    ...(j.snapshot.series ? [['Series', j.snapshot.series.join(', ')] as Cell[]] : []),
    ['Kernel', m.kernelRelease ?? 'unknown'],
    ['Architecture', m.arch ?? 'unknown'],
    ['Host', m.hostname ?? 'unknown'],
    ['Capture time', m.captureTime ?? 'unknown'],
    ['Page size', `${formatBytes(m.pageSize)} (${m.pageSizeSource})`],
    ['Pageblock order', `${m.pageblockOrder} (${m.pagesPerBlock} pages = ${formatBytes(m.pagesPerBlock * m.pageSize)}; ${m.pageblockOrderSource})`],
    ['Orders', String(m.nrOrders)],
    ['Migratetypes', m.migratetypes.join(', ')],
    ['Nodes', m.nodes.join(', ')],
    ['Layout', l.method === 'exact' ? `exact, from ${l.source}` : `synthesized from the summaries, seed ${l.seed}`],
  ]
  const zones: Cell[][] = j.zones.map((z) => [z.node, z.zone, z.startPfn, z.spanned, z.present, z.managed, z.freePages, z.pcpPages, z.watermarks.min, z.watermarks.low, z.watermarks.high, z.largestFreeOrder])
  const blocks: ReportBlock[] = [
    table({ id: 'machine', caption: 'Machine and capture', columns: ['', ''], rows, source: 'captured', kv: true, note: 'From the capture\'s files (uname, zoneinfo, pagetypeinfo, manifest); the layout line says how the model was built.' }),
    table({
      id: 'zones', caption: 'Zones', columns: ['node', 'zone', 'start PFN', 'spanned', 'present', 'managed', 'free pages', 'per-cpu pages', 'min', 'low', 'high', 'largest free order'], rows: zones, source: 'model',
      note: 'Model: sizes and watermarks as zoneinfo gives them; free pages as the model counts them.',
    }),
  ]
  if (j.findings.length) {
    blocks.push(table({ id: 'findings', caption: 'Findings', columns: ['severity', 'code', 'zone', 'finding'], rows: j.findings.map((f) => [f.severity, f.code, f.zone ?? '', f.message]), source: 'mixed' }))
  } else blocks.push({ kind: 'text', text: 'Findings: none (the capture\'s files agree with each other and with the model).', role: 'note' })
  return { id: 'capture', title: 'The machine and the capture', level: 2, blocks }
}

function freeAreaSections(j: InspectJson): ReportSection[] {
  const m = j.machine
  const n = m.nrOrders
  const out: ReportSection[] = [{
    id: 'free-areas', title: 'Free areas per zone and migratetype', level: 2,
    blocks: [{ kind: 'text', text: 'Free blocks per order as the capture\'s buddyinfo and pagetypeinfo have them (captured). Where the model\'s own free lists differ, they are given beside, labelled model, with the reason.', role: 'note' }],
  }]
  for (const z of j.zones) {
    const src = z.model?.captured ?? { freeBlocks: 'buddyinfo', freeBlocksByMigratetype: 'pagetypeinfo', pageblocks: 'pagetypeinfo' }
    const rows: Cell[][] = [[`all (${src.freeBlocks === 'model' ? 'model' : 'buddyinfo, captured'})`, ...pad(z.freeBlocks, n)]]
    for (const [mt, row] of Object.entries(z.freeBlocksByMigratetype)) {
      if (src.freeBlocksByMigratetype === 'model' && row.every((v) => v === 0)) continue
      rows.push([`${mt} (${src.freeBlocksByMigratetype === 'model' ? 'model' : 'pagetypeinfo, captured'})`, ...pad(row, n)])
    }
    const md = z.model
    if (md) {
      if (md.freeBlocks.join() !== z.freeBlocks.join()) rows.push(['all (model)', ...pad(md.freeBlocks, n)])
      if (src.freeBlocksByMigratetype !== 'model') {
        for (const [mt, row] of Object.entries(md.freeBlocksByMigratetype)) {
          if (row.join() !== (z.freeBlocksByMigratetype[mt] ?? []).join() && row.some((v) => v > 0)) rows.push([`${mt} (model)`, ...pad(row, n)])
        }
      }
    }
    const blocks: ReportBlock[] = [
      table({ id: `free-${zid(z)}`, caption: `${zl(z)}: free blocks per order`, columns: ['free list', ...orders(n)], rows, source: md ? 'mixed' : (src.freeBlocks === 'model' ? 'model' : 'captured'), perOrder: true, ...(md ? { note: `The model differs: ${md.reason}.` } : {}) }),
      { kind: 'chart', title: `${zl(z)}: free blocks per order by migratetype (captured, log scale)`, width: 720, height: 260, option: freeAreaOption({ zone: z, migratetypes: m.migratetypes, pageSize: m.pageSize, nrOrders: n, unit: 'blocks', scale: 'log', theme }) },
    ]
    out.push({ id: `free-${zid(z)}`, title: zl(z), level: 3, blocks })
  }
  return out
}

function indicesSection(j: InspectJson, extfragThreshold: number): ReportSection[] {
  const m = j.machine
  const n = m.nrOrders
  const out: ReportSection[] = [{
    id: 'indices', title: 'Indices and fragmentation score', level: 2,
    blocks: [
      { kind: 'text', text: `Computed from the model's free areas as the kernel computes them (unusable_index and extfrag_index in debugfs, fragmentation_score_node for proactive compaction at order ${m.hpageOrder}). extfrag_threshold ${extfragThreshold}.`, role: 'note' },
      table({ id: 'scores', caption: 'Fragmentation score (0..100)', columns: ['node', 'zone', 'score'], rows: [...j.nodes.map((x) => [x.node, 'all', x.fragmentationScore] as Cell[]), ...j.zones.map((z) => [z.node, z.zone, z.fragmentationScore] as Cell[])], source: 'model' }),
    ],
  }]
  for (const z of j.zones) {
    out.push({
      id: `indices-${zid(z)}`, title: zl(z), level: 3,
      blocks: [
        table({ id: `indices-${zid(z)}`, caption: `${zl(z)}: unusable and extfrag index per order`, columns: ['index', ...orders(n)], rows: [['unusable', ...pad(z.unusableIndex, n).map(idx)], ['extfrag', ...pad(z.extfragIndex, n).map(idx)]], source: 'model', perOrder: true, note: 'extfrag −1.000: a free block of that order exists.' }),
        { kind: 'chart', title: `${zl(z)}: unusable and extfrag index`, width: 720, height: 240, option: indicesOption({ zone: z, pageSize: m.pageSize, nrOrders: n, extfragThreshold, theme }) },
      ],
    })
  }
  return out
}

function mapSection(j: InspectJson, map: PageblockMap): ReportSection {
  const m = j.machine
  const pb = m.pagesPerBlock
  const basePfn = Math.floor(Math.min(...j.zones.map((z) => z.startPfn)) / pb) * pb
  const idxOf = (pfn: number): number => Math.floor(pfn / pb) - basePfn / pb
  const zones = j.zones.map((z) => ({ label: zl(z), firstPb: idxOf(z.startPfn), lastPb: idxOf(z.startPfn + z.spanned - 1) }))
  const counts = new Map<number, number>()
  for (const v of map.mt) counts.set(v, (counts.get(v) ?? 0) + 1)
  const rows: Cell[][] = j.zones.flatMap((z) => m.migratetypes
    .filter((mt) => (z.pageblocks[mt] ?? 0) + (z.model?.pageblocks[mt] ?? 0) + (z.mixedPageblocks[mt] ?? 0) > 0)
    .map((mt) => [z.node, z.zone, mt, z.pageblocks[mt] ?? 0, z.model ? (z.model.pageblocks[mt] ?? 0) : (z.pageblocks[mt] ?? 0), z.mixedPageblocks[mt] ?? 0] as Cell[]))
  const columns = ['node', 'zone', 'migratetype', 'pagetypeinfo (captured)', 'model', 'mixed (model)']
  const src = j.zones[0]?.model?.captured.pageblocks ?? 'pagetypeinfo'
  return {
    id: 'pageblocks', title: 'The pageblock map', level: 2,
    blocks: [
      { kind: 'text', text: `Every pageblock (${pb} pages, ${formatBytes(pb * m.pageSize)}) in PFN order from PFN ${basePfn}, left to right and top to bottom, in the colour of its migratetype in the model (${j.layout.method} layout). ${map.mt.length} pageblocks.`, role: 'note' },
      { kind: 'map', title: 'Pageblocks by migratetype (model)', map, migratetypes: m.migratetypes, pagesPerBlock: pb, basePfn, pageSize: m.pageSize, zones },
      table({ id: 'pageblocks', caption: 'Pageblocks per migratetype', columns, rows, source: 'mixed', note: `"pagetypeinfo" is the capture's "Number of blocks type" count${src === 'model' ? ' (this capture has none: the model\'s)' : ''}; "model" counts the map above; "mixed" are pageblocks holding a page whose mobility differs from the block's type. Migratetypes with no pageblock are left out.` }),
    ],
  }
}

// ------------------------------------------------------------------ what-ifs

function perOrderRows(before: ZoneSummaryDto[], after: ZoneSummaryDto[], n: number, extra: (z: ZoneSummaryDto) => Cell[][]): Array<{ z: ZoneSummaryDto; rows: Cell[][] }> {
  return after.map((z) => {
    const b = before.find((x) => x.node === z.node && x.zone === z.zone)
    return { z, rows: [['before (model)', ...pad(b?.freeBlocks, n)], ['after (predicted)', ...pad(z.freeBlocks, n)], ...extra(z)] }
  })
}

function compactVerdict(j: WhatifCompactJson): string {
  const what = j.kind === 'full' ? 'Full compaction (as a write to compact_memory, or to a node\'s compact)' : j.kind === 'proactive' ? 'Proactive compaction (kcompactd)' : `Direct compaction for order ${j.order}`
  const alloc = j.allocationWouldSucceed === null ? '' : j.allocationWouldSucceed ? `; an order-${j.order} allocation would now succeed` : `; an order-${j.order} allocation would still fail`
  return `${what}, mode ${j.mode}: ${j.result}${alloc}. ${j.pagesMigrated} pages migrated (${formatBytes(j.bytesCopied)} copied)${j.band ? `, the median of ${j.band.seeds.length} seeds` : ''}.`
}

function compactSection(i: number, w: Extract<ReportWhatif, { req: { kind: 'compact' } }>, n: number, pageSize: number, cmd: string, rules: string): ReportSection {
  const j = w.result
  const id = `whatif-${i + 1}`
  const blocks: ReportBlock[] = [
    { kind: 'text', text: compactVerdict(j), role: 'verdict' },
    table({ id: `${id}-parameters`, caption: 'Parameters', kv: true, columns: ['parameter', 'value'], rows: [['command', cmd], ['kind', j.kind], ['order', j.kind === 'full' ? '−1 (full)' : j.order], ['mode', j.mode], ['layout', j.layout], ['seeds', j.band ? j.band.seeds.join(', ') : String(j.seed)], ['kernel rules', rules]], source: 'mixed' }),
  ]
  if (j.notCompared) blocks.push({ kind: 'text', text: j.notCompared, role: 'warning' })
  const label = (z: { node: number; zone: string }): string => zl(z)
  for (const { z, rows } of perOrderRows(j.before.zones, j.after.zones, n, (z) => {
    const extra: Cell[][] = []
    const bz = j.band?.zones[label(z)]
    if (bz) extra.push(['after median (predicted)', ...pad(bz.median, n).map((v) => Math.round(v))], ['band p5', ...pad(bz.p5, n).map((v) => Math.round(v))], ['band p95', ...pad(bz.p95, n).map((v) => Math.round(v))])
    const pr = j.real?.predictedVsReal.find((p) => p.zone === label(z))
    if (pr) extra.push([`real (captured, ${j.real!.capture} buddyinfo)`, ...pad(pr.real, n)], ['error (predicted − real)', ...pad(pr.error, n)])
    return extra
  })) {
    const pr = j.real?.predictedVsReal.find((p) => p.zone === label(z))
    blocks.push(table({
      id: `${id}-${zid(z)}`, caption: `${zl(z)}: free blocks per order, before and after`, columns: ['', ...orders(n)], rows, source: 'mixed', perOrder: true,
      ...(pr ? { note: `Free pages in blocks ≥ pageblock order: predicted ${pr.highOrderPagesPredicted}, real ${pr.highOrderPagesReal}${pr.highOrderError === null ? '' : ` (${(pr.highOrderError * 100).toFixed(1)} %)`}.` } : {}),
    }))
  }
  const view = { before: j.before.zones, after: j.after.zones, zonesCompacted: j.zonesCompacted, real: j.real, band: j.band }
  for (const ds of whatifFreeDatasets(view, n)) {
    blocks.push({ kind: 'chart', title: `${zl(ds)}: before, after${ds.real ? ', real' : ''} (log scale)`, width: 720, height: 260, option: whatifFreeOption({ data: ds, pageSize, nrOrders: n, unit: 'blocks', scale: 'log', theme }) })
  }
  const counterRows: Cell[][] = Object.entries(j.counters).map(([k, v]) => {
    const b = typeof v === 'number' ? null : v
    return [k, Math.round(counterValue(v)), ...(j.band ? [b ? `${Math.round(b.lo)}..${Math.round(b.hi)}` : ''] : []), ...(j.real ? [j.real.counters[k] ?? ''] : [])]
  })
  const counterCols = ['counter', j.band ? 'predicted (median)' : 'predicted', ...(j.band ? [`${Math.round(100 * predictionCoverage(j.band.seeds.length))} % band`] : []), ...(j.real ? ['real (captured)'] : [])]
  blocks.push(table({ id: `${id}-counters`, caption: 'Counters (as /proc/vmstat deltas)', columns: counterCols, rows: counterRows, source: j.real ? 'mixed' : 'predicted' }))
  if (j.real) blocks.push({ kind: 'text', text: `Predicted vs real: capture ${j.real.capture} was taken after a write to ${j.real.trigger.file === 'compact_memory' ? '/proc/sys/vm/compact_memory' : `/sys/devices/system/node/node${j.real.trigger.node ?? 0}/compact`}; its buddyinfo and vmstat deltas are the real rows above.`, role: 'note' })
  if (j.cpuAlternative) blocks.push({ kind: 'text', text: j.cpuAlternative.summary, role: 'note' })
  blocks.push({ kind: 'list', title: 'Assumptions', items: j.assumptions })
  return { id, title: `What-if ${i + 1}: ${whatifWords(w.req)}`, level: 2, blocks }
}

function contigSection(i: number, w: Extract<ReportWhatif, { req: { kind: 'contig' } }>, n: number, cmd: string, rules: string): ReportSection {
  const j = w.result
  const r = j.result
  const id = `whatif-${i + 1}`
  const blocks: ReportBlock[] = [
    { kind: 'text', text: r.verdict, role: 'verdict' },
    table({ id: `${id}-parameters`, caption: 'Parameters', kv: true, columns: ['parameter', 'value'], rows: [['command', cmd], ['kind', j.kind], ['capture', j.capture ?? '(single)'], ['layout', j.layout], ['seeds', j.seeds.join(', ')], ...(j.seeds.length > 1 ? [['per seed', j.perSeed.join(', ')] as Cell[]] : []), ['kernel rules', rules]], source: 'mixed' }),
  ]
  if (j.baseline) blocks.push({ kind: 'text', text: `Without the ZONE_MOVABLE carve-out: ${j.baseline.verdict}`, role: 'note' })
  if (j.real) {
    blocks.push(table({ id: `${id}-vs-real`, caption: 'Predicted vs real', columns: ['step', 'capture', 'requested', 'predicted', 'real (captured)', 'error'], rows: [[j.real.step, j.real.capture, j.real.requested, j.real.predicted, j.real.obtained - j.real.before, j.real.error === null ? '' : `${(j.real.error * 100).toFixed(1)} %`]], source: 'mixed' }))
  }
  const changed = r.after.filter((z) => {
    const b = r.before.find((x) => x.node === z.node && x.zone === z.zone)
    return !b || b.freeBlocks.join() !== z.freeBlocks.join()
  })
  for (const { z, rows } of perOrderRows(r.before, changed.length ? changed : r.after, n, () => [])) {
    blocks.push(table({ id: `${id}-${zid(z)}`, caption: `${zl(z)}: free blocks per order, before and after`, columns: ['', ...orders(n)], rows, source: 'mixed', perOrder: true }))
  }
  if ('yield' in r && r.yield.length) {
    blocks.push({ kind: 'chart', title: 'Huge pages obtained against requested', width: 720, height: 280, option: yieldOption({ points: r.yield, hugeBytes: r.pageSizeBytes, theme, real: j.real ? { requested: j.real.requested, obtained: j.real.obtained - j.real.before, label: j.real.capture } : null }) })
    blocks.push(table({ id: `${id}-yield`, caption: 'Yield', columns: ['requested', 'with compaction', 'without compaction'], rows: r.yield.map((y) => [y.requested, y.obtainedWithCompaction, y.obtainedWithoutCompaction]), source: 'predicted' }))
  }
  if ('table' in r && r.table.length) {
    blocks.push(table({ id: `${id}-thp`, caption: 'Every defrag mode, one fault', columns: ['defrag', 'madvised', 'huge page', 'via', 'compact_stall', 'migrated', 'migrate scanned', 'free scanned'], rows: r.table.map((t) => [t.defrag, t.madvised ? 'yes' : 'no', t.success ? 'yes' : 'no (fallback)', t.via, t.compactStall, t.pagesMigrated, t.migrateScanned, t.freeScanned]), source: 'predicted' }))
  }
  if ('windows' in r && r.windows.length) {
    const shown = r.windows.slice(0, MAX_WINDOWS)
    blocks.push(table({
      id: `${id}-windows`, caption: 'Windows tried', columns: ['start PFN', 'end PFN', 'result', 'why', 'blocking pages', 'by kind', 'migrated'],
      rows: shown.map((x) => [x.startPfn, x.endPfn - 1, x.result, x.why, x.blockersTotal, Object.entries(x.blockerCounts).map(([k, c]) => `${k === 'pinned' ? 'assumed pinned' : k} ${c}`).join(', '), x.migrated]), source: 'predicted',
      ...(r.windows.length > shown.length ? { note: `The first ${shown.length} of ${r.windows.length} windows listed; the JSON report has them all.` } : {}),
    }))
    const all = r.windows.flatMap((x) => x.blockers.slice(0, BLOCKERS_PER_WINDOW).map((b) => [b.pfn, `0x${b.pfn.toString(16)}`, b.kind === 'pinned' ? 'assumed pinned' : b.kind, x.startPfn, b.pfn - x.startPfn] as Cell[]))
    const blockers = all.slice(0, MAX_BLOCKER_ROWS)
    if (blockers.length) blocks.push(table({ id: `${id}-blockers`, caption: `Blocking pages (up to ${BLOCKERS_PER_WINDOW} of each window)`, columns: ['PFN', 'PFN (hex)', 'kind', 'window start PFN', 'offset in window'], rows: blockers, source: 'predicted', note: `${all.length > blockers.length ? `The first ${blockers.length} of ${all.length} listed; the JSON report has every window's. ` : ''}"assumed pinned" pages come from the pinned-page assumption (see the assumptions), never from the capture.` }))
  }
  const counters = Object.entries(r.counters).filter(([k, v]) => v || j.real?.counters[k]).map(([k, v]) => [k, v, ...(j.real ? [j.real.counters[k] ?? ''] : [])] as Cell[])
  blocks.push(counters.length
    ? table({ id: `${id}-counters`, caption: 'Counters (as /proc/vmstat deltas)', columns: ['counter', 'predicted', ...(j.real ? ['real (captured)'] : [])], rows: counters, source: j.real ? 'mixed' : 'predicted' })
    : { kind: 'text', text: 'Counters: none changed (no compaction, migration or allocation counted).', role: 'note' })
  blocks.push({ kind: 'list', title: 'Assumptions', items: r.assumptions })
  return { id, title: `What-if ${i + 1}: ${whatifWords(w.req)}`, level: 2, blocks }
}

// ------------------------------------------------------------------ the whole

function openFlags(o: ReportInput['open']): string[] {
  return [...(o.capture ? ['--capture', o.capture] : []), ...(o.layout !== 'auto' ? ['--layout', o.layout] : []), ...(o.seed !== 1 ? ['--seed', String(o.seed)] : [])]
}

export function buildReport(input: ReportInput): Report {
  const j = input.inspect
  const m = j.machine
  const n = m.nrOrders
  const snap = j.snapshot.path
  const whatifCmd = (w: ReportWhatif): string => ['buddyscope', 'whatif', ...whatifWords(w.req).split(' ').slice(0, 1), snap, ...whatifWords(w.req).split(' ').slice(1), ...openFlags(input.open)].map(shellQuote).join(' ')
  const command = ['buddyscope', 'report', snap, ...openFlags(input.open), ...input.whatifs.flatMap((w) => ['--whatif', whatifWords(w.req)]), ...(input.diff?.flags ?? []), ...(input.timeline?.flags ?? []), '-o', input.output ?? 'report.html'].map(shellQuote).join(' ')
  const seeds: ReportProvenance['seeds'] = [{ what: j.layout.method === 'synthesized' ? 'layout (synthesized)' : 'layout (exact: no seed)', seeds: j.layout.seed !== null ? [j.layout.seed] : [] }]
  input.whatifs.forEach((w, i) => seeds.push({ what: `what-if ${i + 1} (${w.req.kind === 'compact' ? 'compact' : w.req.request.kind}): ${j.layout.method === 'exact' ? 'pin placement' : 'layout'} seeds`, seeds: w.req.kind === 'compact' ? ((w.result as WhatifCompactJson).band?.seeds ?? [(w.result as WhatifCompactJson).seed]) : (w.result as ContigJson).seeds }))
  const provenance: ReportProvenance = {
    tool: 'buddyscope', version: input.version, generatedAt: input.generatedAt,
    snapshot: { path: snap, capture: j.snapshot.label, series: j.snapshot.series },
    bundle: input.bundle, files: input.files, layout: j.layout,
    kernelRules: [
      ...releaseRules(m.kernelRelease, { fallback: false }),
      `migratetype fallback: the ${input.fallbackRule} rule (${input.fallbackRule === '6.15' ? 'claim/steal of kernels ≥ 6.15' : 'steal_suitable_fallback of kernels before 6.15'}), chosen from kernel ${m.kernelRelease ?? 'unknown'}`,
      'contiguous allocations (CMA, hugetlb, alloc_contig_pages, THP faults): Linux 6.1 rules (docs/contig.md)',
    ],
    seeds, command,
  }
  const sections: ReportSection[] = [machineSection(j), ...freeAreaSections(j), ...indicesSection(j, input.extfragThreshold), mapSection(j, input.map)]
  if (input.whatifs.length) {
    sections.push({ id: 'whatifs', title: 'What-ifs', level: 2, blocks: [{ kind: 'text', text: `${input.whatifs.length} what-if${input.whatifs.length === 1 ? '' : 's'}, each on the capture as it was (not one after another). Before-states are the model's, after-states predicted; "real" rows come from the capture taken after the matching trigger.`, role: 'note' }] })
    input.whatifs.forEach((w, i) => sections.push(w.req.kind === 'compact' ? compactSection(i, w as Extract<ReportWhatif, { req: { kind: 'compact' } }>, n, m.pageSize, whatifCmd(w), `${compactionRulesText(m.kernelRelease)}; migratetype fallback: the ${input.fallbackRule} rule`) : contigSection(i, w as Extract<ReportWhatif, { req: { kind: 'contig' } }>, n, whatifCmd(w), `Linux 6.1 contiguous allocations (docs/contig.md); migratetype fallback: the ${input.fallbackRule} rule`)))
  }
  if (input.diff) sections.push(...input.diff.sections)
  if (input.timeline) sections.push(...input.timeline.sections)
  sections.push(provenanceSection(provenance))
  const title = `Buddyscope report: ${m.hostname ? `${m.hostname}, ` : ''}kernel ${m.kernelRelease ?? 'unknown'}${m.arch ? ` (${m.arch})` : ''}`
  const subtitle = `${snap}${j.snapshot.label ? ` [${j.snapshot.label}]` : ''}${m.captureTime ? `, captured ${m.captureTime}` : ''}`
  return {
    title, subtitle, provenance, sections,
    json: {
      report: { format: 'buddyscope-report', version: 1 }, provenance, inspect: j,
      whatifs: input.whatifs.map((w) => ({ command: whatifCmd(w), request: w.req.request, result: w.req.kind === 'compact' ? { ...(w.result as WhatifCompactJson) } as unknown as Record<string, unknown> : contigJsonOut(w.result as ContigJson & Record<string, unknown>) })),
      diff: input.diff?.json ?? null, timeline: input.timeline?.json ?? null,
    },
  }
}

function provenanceSection(p: ReportProvenance): ReportSection {
  return {
    id: 'provenance', title: 'Provenance', level: 2,
    blocks: [
      table({ id: 'provenance', caption: 'How this report was made', columns: ['', ''], source: 'mixed', kv: true, rows: [
        ['Buddyscope', p.version], ['Generated', p.generatedAt], ['Snapshot', p.snapshot.path], ['Capture', p.snapshot.capture ?? '(single capture)'],
        ...(p.bundle ? [['Bundle SHA-256', `${p.bundle.sha256} (${p.bundle.bytes} bytes)`] as Cell[]] : []),
        ['Layout', p.layout.method === 'exact' ? `exact, from ${p.layout.source}` : `synthesized, seed ${p.layout.seed}`],
        ...p.kernelRules.map((r, i) => [i === 0 ? 'Kernel rules' : '', r] as Cell[]),
        ...p.seeds.map((s) => [`Seeds: ${s.what}`, s.seeds.join(', ') || '—'] as Cell[]),
        ['Regenerate', p.command],
      ] }),
      table({ id: 'files', caption: 'The capture\'s files', columns: ['file', 'read from', 'bytes', 'SHA-256', 'hash of'], rows: p.files.map((f) => [f.name, f.source, f.bytes, f.sha256, f.hashOf === 'file' ? 'the file as stored' : 'its content']), source: 'captured' }),
    ],
  }
}
