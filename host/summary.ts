/**
 * The summary of a loaded snapshot: machine, kernel, geometry and per-zone free areas,
 * pageblocks, indices and fragmentation score of its model, then the consistency findings.
 * `inspect --json` prints it; the app's snapshot view is made from it.
 */
import { summarizeZones, nodeScores, type MachineInfo, type ZoneSummary } from '../engine/index.ts'
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
  zones: ZoneSummary[]
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
    zones: s.zones ?? summarizeZones(s.model, m.hpageOrder),
    nodes: Object.entries(scores).map(([node, score]) => ({ node: Number(node), fragmentationScore: score })),
    findings: s.findings.map((f) => ({ ...f })),
  }
}

