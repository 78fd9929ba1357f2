/**
 * The summary of a loaded snapshot: machine, kernel, geometry and per-zone free areas,
 * pageblocks, indices and fragmentation score of its model, then the consistency findings.
 * `inspect --json` prints it; the app's snapshot view is made from it.
 */
import { summarizeZones, nodeScores, zoneShapes, capturedFreeCounts, MigratetypeTable, type Capture, type MachineInfo, type ZoneSummary } from '../engine/index.ts'
import type { OpenSummaryDto } from '../contract/index.ts'
import type { LoadedSnapshot } from './load.ts'

export interface InspectJson {
  machine: {
    hostname: string | null
    kernelRelease: string | null
    arch: string | null
    pageSize: number
    pageSizeSource: MachineInfo['pageSizeSource']
    pageblockOrder: number
    /** pagetypeinfo's "Page block order", or assumed from the architecture */
    pageblockOrderSource: MachineInfo['pageblockOrderSource']
    pagesPerBlock: number
    /** HPAGE_PMD_ORDER (THP size) */
    hpageOrder: number
    nrOrders: number
    migratetypes: string[]
    nodes: number[]
    captureTime: string | null
  }
  snapshot: { path: string; label: string | null; series: string[] | null; files: string[] }
  layout: { method: 'exact' | 'synthesized'; seed: number | null; source: string | null }
  /** per zone; freeBlocks, freeBlocksByMigratetype and pageblocks are the captured files' numbers, the model's beside them under `model` where they differ */
  zones: CapturedZone[]
  nodes: Array<{ node: number; fragmentationScore: number }>
  findings: Array<{ severity: string; code: string; zone: string | null; message: string }>
}

export function inspectJson(s: LoadedSnapshot): InspectJson {
  const m = s.capture.machine
  const b = s.model.build
  const scores = nodeScores(s.model, m.hpageOrder)
  return {
    machine: {
      hostname: m.hostname, kernelRelease: m.kernelRelease, arch: m.arch, pageSize: m.pageSize, pageSizeSource: m.pageSizeSource,
      pageblockOrder: m.pageblockOrder, pageblockOrderSource: m.pageblockOrderSource, pagesPerBlock: 2 ** m.pageblockOrder, hpageOrder: m.hpageOrder, nrOrders: m.nrOrders, migratetypes: m.migratetypes,
      nodes: m.nodes, captureTime: m.captureTime,
    },
    snapshot: { path: s.path, label: s.label, series: s.series, files: s.capture.files },
    layout: { method: b.method, seed: b.method === 'synthesized' ? b.seed : null, source: b.method === 'exact' ? b.source : null },
    zones: capturedZones(s.capture, s.zones ?? summarizeZones(s.model, m.hpageOrder), b.method, s.reread),
    nodes: Object.entries(scores).map(([node, score]) => ({ node: Number(node), fragmentationScore: score })),
    findings: s.findings.map((f) => ({ ...f })),
  }
}


/** The model's own free areas and pageblock counts of a zone, where they differ from the captured ones. */
export interface ZoneModelNumbers {
  freeBlocks: number[]
  freeBlocksByMigratetype: Record<string, number[]>
  pageblocks: Record<string, number>
  /** why the model differs, in one line */
  reason: string
  /** which of the captured files each captured figure comes from */
  captured: { freeBlocks: 'buddyinfo' | 'model'; freeBlocksByMigratetype: 'pagetypeinfo' | 'model'; pageblocks: 'pagetypeinfo' | 'model' }
}

export type CapturedZone = ZoneSummary & { model?: ZoneModelNumbers }

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * pagetypeinfo's free lists of one zone by migratetype, each list's `>100000` (the kernel's print
 * cap) resolved from buddyinfo's order total as the model's build resolves it, so the numbers
 * shown before and after the model is built are the same; a migratetype only the file names
 * (not in the model's table) keeps its printed counts.
 */
function capturedFreeLists(c: Capture, node: number, zone: string): Record<string, number[]> {
  const rows = c.pagetypeinfo!.free.filter((r) => r.node === node && r.zone === zone)
  const out: Record<string, number[]> = {}
  for (const r of rows) out[r.migratetype] = [...r.counts]
  if (!rows.some((r) => r.capped.some(Boolean))) return out
  const mts = new MigratetypeTable(c.machine.migratetypes)
  capturedFreeCounts(c, node, zone, mts, []).forEach((counts, mt) => { if (out[mts.names[mt]!]) out[mts.names[mt]!] = counts })
  return out
}

/**
 * A zone as captured: buddyinfo's free blocks per order, pagetypeinfo's free lists per
 * migratetype and its pageblock counts, in place of the model's; the model's numbers go under
 * `model` (with the reason) wherever they differ. Everything else is the model's.
 */
export function capturedZones(c: Capture, zones: ZoneSummary[], layout: 'exact' | 'synthesized', reread?: string): CapturedZone[] {
  const exact = layout === 'exact'
  return zones.map((z) => {
    const bi = c.buddyinfo?.rows.find((r) => r.node === z.node && r.zone === z.zone)
    const pti = c.pagetypeinfo
    const free = pti?.free.filter((r) => r.node === z.node && r.zone === z.zone) ?? []
    const blocks = pti?.blocks.find((r) => r.node === z.node && r.zone === z.zone)
    const freeBlocks = bi ? [...bi.nrFree] : z.freeBlocks
    const freeBlocksByMigratetype = free.length ? capturedFreeLists(c, z.node, z.zone) : z.freeBlocksByMigratetype
    const pageblocks: Record<string, number> = {}
    if (blocks && pti) pti.migratetypes.forEach((mt, i) => { pageblocks[mt] = blocks.counts[i] ?? 0 })
    const pbs = blocks ? pageblocks : z.pageblocks
    const out: CapturedZone = { ...z, freeBlocks, freeBlocksByMigratetype, pageblocks: pbs }
    if (!same(freeBlocks, z.freeBlocks) || !same(freeBlocksByMigratetype, z.freeBlocksByMigratetype) || !same(pbs, z.pageblocks)) {
      out.model = {
        freeBlocks: z.freeBlocks, freeBlocksByMigratetype: z.freeBlocksByMigratetype, pageblocks: z.pageblocks,
        reason: exact ? exactReason(freeBlocks, z.freeBlocks, bi ? 'buddyinfo' : 'pagetypeinfo')
          : reread ? 'the model is a layout synthesized from buddyinfo and zoneinfo read again after kpageflags and kpagecount (after-kpage/), the state nearest a trigger that follows; these are the first read\'s numbers'
            : 'the model is a layout synthesized from these summaries; it keeps their totals, not every list',
        captured: { freeBlocks: bi ? 'buddyinfo' : 'model', freeBlocksByMigratetype: free.length ? 'pagetypeinfo' : 'model', pageblocks: blocks ? 'pagetypeinfo' : 'model' },
      }
    }
    return out
  })
}

/**
 * Why an exact layout's free lists differ from the captured ones: the free blocks kpageflags
 * shows per order differ from the file's (it was read moments later: a torn capture), or, where
 * they agree, the inferred pageblock migratetypes put some on another list.
 */
function exactReason(captured: number[], model: number[], file: string): string {
  const diffs: string[] = []
  for (let o = 0; o < Math.max(captured.length, model.length); o++) {
    if ((captured[o] ?? 0) !== (model[o] ?? 0)) diffs.push(`order ${o}: ${model[o] ?? 0} vs ${captured[o] ?? 0}`)
  }
  if (diffs.length) {
    const shown = diffs.length > 3 ? `${diffs.slice(0, 3).join(', ')}, …` : diffs.join(', ')
    return `torn capture: kpageflags, read moments after these files, shows other free blocks than ${file} (${shown}), so no pageblock migratetypes reproduce every list; the model's lists follow pageblock types inferred to come closest`
  }
  return `the free blocks per order agree with ${file}; the pageblock migratetypes are inferred (page_owner not captured) and the closest assignment that fits the page contents leaves some blocks on another list`
}

/**
 * An open's first stage (the service's run:summary): the machine and every zone's free areas
 * from the capture's buddyinfo and pagetypeinfo alone, before any layout is read or
 * synthesized. The zones are the ones the model will have (zoneShapes), in its order, and their
 * free areas the captured numbers capturedZones puts in the snapshot view. Null when a zone's
 * buddyinfo row or pagetypeinfo free lists are missing: there the view shows the model's own
 * numbers, which only the model can tell.
 */
export function openSummary(path: string, c: Capture, label: string | null): OpenSummaryDto | null {
  const pti = c.pagetypeinfo
  if (!c.buddyinfo || !pti) return null
  let shapes
  try {
    shapes = zoneShapes(c, [])
  } catch {
    return null // the model build reports it, with the file and line
  }
  const zones: OpenSummaryDto['zones'] = []
  for (const z of shapes) {
    const bi = c.buddyinfo.rows.find((r) => r.node === z.node && r.zone === z.name)
    const free = pti.free.filter((r) => r.node === z.node && r.zone === z.name)
    if (!bi || free.length === 0) return null
    zones.push({ node: z.node, zone: z.name, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed, freeBlocks: [...bi.nrFree], freeBlocksByMigratetype: capturedFreeLists(c, z.node, z.name) })
  }
  if (zones.length === 0) return null
  const m = c.machine
  return {
    path, label,
    machine: {
      hostname: m.hostname, kernelRelease: m.kernelRelease, arch: m.arch, pageSize: m.pageSize, pageSizeSource: m.pageSizeSource,
      pageblockOrder: m.pageblockOrder, pageblockOrderSource: m.pageblockOrderSource, nrOrders: m.nrOrders, migratetypes: [...m.migratetypes],
      nodes: [...m.nodes], hpageOrder: m.hpageOrder, captureTime: m.captureTime,
    },
    migratetypes: [...m.migratetypes], pageSize: m.pageSize, zones,
  }
}
