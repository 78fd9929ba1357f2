/**
 * Consistency findings of a capture and its model: the files of one capture are read at
 * slightly different moments (a "torn" capture), pcp pages are free but invisible to buddyinfo,
 * pagetypeinfo caps list counts at 100000, and inferred layouts may not match every count.
 * Each finding names the zone and says what disagrees, by how much, and why that is expected.
 */
import type { Capture } from './snapshot.ts'
import type { MemoryModel } from './mm/mmzone.ts'
import { fragmentationIndex, unusableFreeIndex } from './metrics/fragmentation.ts'
import { summarizeZone, type ZoneSummary } from './metrics/summary.ts'

export interface Finding {
  severity: 'info' | 'warning' | 'error'
  /** stable identifier, e.g. 'torn-capture', 'pcp-pages' */
  code: string
  /** "Node 0, zone DMA32" or null for the whole capture */
  zone: string | null
  message: string
}

const zl = (node: number, zone: string): string => `Node ${node}, zone ${zone}`

function diffOrders(a: number[], b: number[]): string {
  const parts: string[] = []
  for (let o = 0; o < Math.max(a.length, b.length); o++) {
    if (a[o] !== b[o]) parts.push(`order ${o}: ${a[o] ?? '-'} vs ${b[o] ?? '-'}`)
  }
  return parts.join(', ')
}

/** Findings from the captured files alone. */
export function captureFindings(c: Capture): Finding[] {
  const out: Finding[] = []
  const nrOrders = c.machine.nrOrders
  for (const u of c.unknown) out.push({ severity: 'info', code: 'unknown', zone: null, message: u })
  // buddyinfo vs Σ pagetypeinfo
  if (c.buddyinfo && c.pagetypeinfo) {
    for (const r of c.buddyinfo.rows) {
      const rows = c.pagetypeinfo.free.filter((f) => f.node === r.node && f.zone === r.zone)
      if (rows.length === 0) {
        out.push({ severity: 'warning', code: 'zone-missing', zone: zl(r.node, r.zone), message: 'zone is in buddyinfo but not in pagetypeinfo' })
        continue
      }
      const capped = rows.some((x) => x.capped.some(Boolean))
      const sum = Array.from({ length: nrOrders }, (_, o) => rows.reduce((s, x) => s + (x.counts[o] ?? 0), 0))
      if (capped) out.push({ severity: 'info', code: 'pagetypeinfo-cap', zone: zl(r.node, r.zone), message: 'pagetypeinfo prints ">100000" for lists of 100000 blocks or more; the exact count was recovered from buddyinfo' })
      else if (diffOrders(sum, r.nrFree)) {
        out.push({ severity: 'warning', code: 'torn-capture', zone: zl(r.node, r.zone), message: `buddyinfo and the sum of pagetypeinfo's free lists disagree (${diffOrders(r.nrFree, sum)}; buddyinfo vs pagetypeinfo): the two files were read at different moments` })
      }
    }
  }
  // buddyinfo vs zoneinfo nr_free_pages, and pcp pages
  if (c.buddyinfo && c.zoneinfo) {
    for (const r of c.buddyinfo.rows) {
      const z = c.zoneinfo.zones.find((x) => x.node === r.node && x.zone === r.zone)
      if (!z) continue
      const pages = r.nrFree.reduce((s, n, o) => s + n * 2 ** o, 0)
      const nrFree = z.stats['nr_free_pages'] ?? z.pagesFree
      const pcp = z.pagesets.reduce((s, p) => s + p.count, 0)
      if (pages !== nrFree) {
        out.push({ severity: 'info', code: 'torn-capture', zone: zl(r.node, r.zone), message: `buddyinfo holds ${pages} free pages, zoneinfo nr_free_pages says ${nrFree} (${pages - nrFree > 0 ? '+' : ''}${pages - nrFree}): read at different moments, or pages on the Isolate lists` })
      }
      if (pcp > 0) out.push({ severity: 'info', code: 'pcp-pages', zone: zl(r.node, r.zone), message: `${pcp} free pages sit on per-cpu lists: free, but neither in buddyinfo nor in nr_free_pages; a drain (compaction, alloc_contig_range) returns them to the buddy allocator` })
    }
  }
  // captured debugfs indices vs the kernel formula on captured buddyinfo
  for (const [which, file, f] of [['extfrag', c.extfragIndex, fragmentationIndex], ['unusable', c.unusableIndex, unusableFreeIndex]] as const) {
    if (!file || !c.buddyinfo) continue
    for (const row of file.rows) {
      const b = c.buddyinfo.rows.find((x) => x.node === row.node && x.zone === row.zone)
      if (!b) continue
      const computed = b.nrFree.map((_, o) => f(b.nrFree, o))
      const d = diffOrders(row.values, computed)
      if (d) {
        out.push({ severity: 'info', code: 'torn-capture', zone: zl(row.node, row.zone), message: `${which}_index from debugfs differs from the kernel formula applied to the captured buddyinfo (${d.replace(/(-?\d+) vs (-?\d+)/g, (_, a: string, b2: string) => `${(Number(a) / 1000).toFixed(3)} vs ${(Number(b2) / 1000).toFixed(3)}`)}; captured vs computed): debugfs was read after buddyinfo` })
      }
    }
  }
  return out
}

/** Findings comparing a model with the capture it was built from. */
export function modelFindings(c: Capture, m: MemoryModel, summaries?: ZoneSummary[]): Finding[] {
  const out: Finding[] = []
  for (const n of m.build.notes) out.push({ severity: 'info', code: m.build.method === 'exact' ? 'layout-inference' : 'layout-synthesis', zone: null, message: n })
  for (const z of m.zones) {
    const s = summaries?.find((x) => x.node === z.node && x.zone === z.name) ?? summarizeZone(m, z, c.machine.hpageOrder)
    const b = c.buddyinfo?.rows.find((r) => r.node === z.node && r.zone === z.name)
    if (b && diffOrders(s.freeBlocks, b.nrFree)) {
      const sev = m.build.method === 'exact' ? 'info' : 'warning'
      const why = m.build.method === 'exact' ? 'kpageflags was read after buddyinfo (the kernel kept allocating), and pcp pages are not BUDDY' : 'the synthesized layout could not place every block'
      out.push({ severity: sev, code: m.build.method === 'exact' ? 'kpageflags-vs-buddyinfo' : 'synthesis-mismatch', zone: z.label, message: `free blocks in the model (${m.build.method}) differ from buddyinfo (${diffOrders(s.freeBlocks, b.nrFree)}; model vs buddyinfo): ${why}` })
    }
    const rows = c.pagetypeinfo?.blocks.find((r) => r.node === z.node && r.zone === z.name)
    if (rows) {
      const diffs: string[] = []
      c.pagetypeinfo!.migratetypes.forEach((name, i) => {
        if ((s.pageblocks[name] ?? 0) !== rows.counts[i]) diffs.push(`${name} ${s.pageblocks[name] ?? 0} vs ${rows.counts[i]}`)
      })
      if (diffs.length) out.push({ severity: 'warning', code: 'pageblock-count-mismatch', zone: z.label, message: `pageblocks per migratetype in the model differ from pagetypeinfo (${diffs.join(', ')}; model vs captured)` })
    }
    if (m.build.method === 'exact' && c.pagetypeinfo) {
      // how well do the inferred pageblock types put free blocks on the captured lists?
      let agree = 0
      let total = 0
      for (const f of c.pagetypeinfo.free.filter((r) => r.node === z.node && r.zone === z.name)) {
        const row = s.freeBlocksByMigratetype[f.migratetype]
        if (!row) continue
        f.counts.forEach((v, o) => {
          const pages = 2 ** o
          agree += Math.min(v, row[o] ?? 0) * pages
          total += v * pages
        })
      }
      if (total > 0) {
        const pct = Math.round((agree * 1000) / total) / 10
        out.push({ severity: pct < 90 ? 'warning' : 'info', code: 'inferred-migratetypes', zone: z.label, message: `inferred pageblock migratetypes put ${pct}% of the captured free pages on the same migratetype lists as pagetypeinfo` })
      }
    }
  }
  return out
}
