/**
 * fixtures/host-24G-k618-f, this machine's 6.18, a fresh compact_memory with its compaction
 * tracepoints (trace/01-cm@1.txt.gz): why the what-if migrates about 197 k pages where the kernel
 * migrated 139 794.
 *
 * The trace's last batch in zone Normal took one 64-page folio from 0x1c1c00–0x1c1cc0 and migrated
 * none of it (mm_compaction_migratepages nr_failed=64, no free scan after it), then
 * mm_compaction_end status=contended: 6.18's early end for a large folio that finds no free block
 * of its order among the targets left over and whose split fails (migrate_pages_batch ->
 * try_split_folio, -ENOMEM; steps.log: mthp_split_failed_256kb +1; engine/mm/compaction.ts
 * migrateFolios). That folio is not in the before-capture: its PFNs are a free order-6 buddy block
 * there, and the after-capture has a dirty order-6 page-cache folio with fs-private data at
 * 0x1c1c80. The workload wrote it there in the 2.3 s between the capture and the scanner's
 * arrival, which a capture cannot show (docs/fidelity-causes.json).
 *
 * The rest of the model is held to the trace: with that folio placed in the model as the
 * after-capture shows it, the what-if ends at the kernel's PFN, contended, with the kernel's
 * counters (±2 %); without it, it goes on to the first such folio the capture does hold.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import type { CompactWhatIfResult } from '../../engine/index.ts'
import { FOLIO_HEAD, isFreeHead, headOrder, freeHeadMt } from '../../engine/mm/page.ts'
import { FIXTURES, readKpageRaw, kpfBit } from '../helpers/fixtures.ts'
import { capturedTriggerWhatIf, normalEnd, type Snapshot } from '../helpers/captured_trigger.ts'

const RUN = join(FIXTURES, 'host-24G-k618-f')
const FOLIO = 0x1c1c80
const FOLIO_ORDER = 6

/** kpageflags/kpagecount entries of one capture */
const kpage = (cap: string, name: 'kpageflags' | 'kpagecount'): BigUint64Array => readKpageRaw(RUN, cap, name)
const bit = kpfBit
const KPF = { DIRTY: 4, LRU: 5, BUDDY: 10, ANON: 12, HEAD: 15, TAIL: 16, PRIVATE: 35 }

/** the kernel's trace of zone Normal: batches, counter sums and the end event */
function kernelTrace(): { batches: string[]; sums: Record<string, number>; end: string; lastMigrate: string } {
  const text = gunzipSync(readFileSync(join(RUN, 'trace', '01-cm@1.txt.gz'))).toString('utf8')
  const sums: Record<string, number> = { compact_migrate_scanned: 0, compact_free_scanned: 0, compact_isolated: 0, pgmigrate_success: 0 }
  const batches: string[] = []
  let end = '', lastMigrate = ''
  let normal = false
  for (const line of text.split('\n')) {
    let m = /mm_compaction_begin: zone_start=(0x[0-9a-f]+)/.exec(line)
    if (m) normal = m[1] === '0x100000'
    m = /mm_compaction_isolate_migratepages: range=\((0x[0-9a-f]+) ~ (0x[0-9a-f]+)\) nr_scanned=(\d+) nr_taken=(\d+)/.exec(line)
    if (m) {
      sums['compact_migrate_scanned']! += Number(m[3])
      sums['compact_isolated']! += Number(m[4])
      if (normal) batches.push(`${m[1]}~${m[2]} ${m[3]} ${m[4]}`)
    }
    m = /mm_compaction_isolate_freepages: .* nr_scanned=(\d+) nr_taken=(\d+)/.exec(line)
    if (m) {
      sums['compact_free_scanned']! += Number(m[1])
      sums['compact_isolated']! += Number(m[2])
    }
    m = /mm_compaction_migratepages: (nr_migrated=(\d+) nr_failed=\d+)/.exec(line)
    if (m) {
      sums['pgmigrate_success']! += Number(m[2])
      lastMigrate = m[1]!
    }
    if (normal && line.includes('mm_compaction_end:')) end = line.slice(line.indexOf('zone_start='))
  }
  return { batches, sums, end, lastMigrate }
}

const hex = (n: number): string => `0x${n.toString(16)}`

/** `whatif compact` on 01-before as host/whatif/compact.ts runs the captured trigger; `place` changes the model first */
const whatIf = (place?: (s: Snapshot) => void): Promise<CompactWhatIfResult> => capturedTriggerWhatIf(RUN, '01-before', place)

describe('host-24G-k618-f: the kernel ended on a folio written after the capture (6.18 split failure)', () => {
  const k = kernelTrace()
  const deltas = (): Record<string, number> => {
    const out: Record<string, number> = {}
    for (const m of readFileSync(join(RUN, 'steps.log'), 'utf8').matchAll(/^\s+(\w+) ([+-]\d+)$/gm)) out[m[1]!] = Number(m[2])
    return out
  }
  let placed: CompactWhatIfResult
  let plain: CompactWhatIfResult
  beforeAll(async () => {
    placed = await whatIf((s) => {
      const m = s.model
      const b = m.memMap[FOLIO - m.basePfn]!
      expect(isFreeHead(b) && headOrder(b) === FOLIO_ORDER, 'the folio\'s PFNs are a free order-6 block in the model').toBe(true)
      const zone = m.zones.find((z) => FOLIO >= z.startPfn && FOLIO < z.endPfn)!
      s.allocator.delFromFreeList(zone, FOLIO, FOLIO_ORDER, freeHeadMt(b))
      s.allocator.prepNewPage(FOLIO, FOLIO_ORDER, FOLIO_HEAD)
      m.unsplittable.add(FOLIO)
    })
    plain = await whatIf()
  }, 120_000)

  it('the trace is whole: its sums are the step\'s /proc/vmstat deltas', () => {
    const d = deltas()
    for (const [name, v] of Object.entries(k.sums)) expect(v, name).toBe(d[name])
    expect(d['mthp_split_failed_256kb']).toBe(1)
    expect(k.end).toMatch(/migrate_pfn=0x1c1cc0 .*status=contended/)
    expect(k.batches.at(-1)).toBe('0x1c1c00~0x1c1cc0 192 64')
    expect(k.lastMigrate).toBe('nr_migrated=0 nr_failed=64')
  })

  it('the folio is free memory in the before-capture and a dirty page-cache folio with fs-private data in the after-capture', () => {
    const bf = kpage('01-before', 'kpageflags')
    const af = kpage('02-after-compact-memory', 'kpageflags')
    for (let p = FOLIO; p < FOLIO + 2 ** FOLIO_ORDER; p++) expect(bit(bf[p]!, KPF.BUDDY), hex(p)).toBe(true)
    const head = af[FOLIO]!
    for (const f of [KPF.HEAD, KPF.LRU, KPF.DIRTY, KPF.PRIVATE]) expect(bit(head, f), `flag ${f}`).toBe(true)
    expect(bit(head, KPF.ANON)).toBe(false)
    for (let p = FOLIO + 1; p < FOLIO + 2 ** FOLIO_ORDER; p++) expect(bit(af[p]!, KPF.TAIL), hex(p)).toBe(true)
  })

  it('placed as the after-capture shows it, the folio ends the model where it ended the kernel, with the kernel\'s counters', () => {
    const end = normalEnd(placed)
    expect(end.status).toBe('contended')
    expect(hex(end.migratePfn)).toBe('0x1c1cc0')
    const batches = placed.events.filter((e) => e.name === 'mm_compaction_isolate_migratepages' && e.startPfn >= 0x100000)
    expect(batches.at(-1)).toMatchObject({ startPfn: 0x1c1c00, endPfn: 0x1c1cc0, nrScanned: 192, nrTaken: 64 })
    // batch for batch: the model's migrate scanner took the kernel's batches, all but a few
    const model = new Set(batches.map((e) => e.name === 'mm_compaction_isolate_migratepages' ? `${hex(e.startPfn)}~${hex(e.endPfn)} ${e.nrScanned} ${e.nrTaken}` : ''))
    const same = k.batches.filter((b) => model.has(b)).length
    expect(same / k.batches.length).toBeGreaterThan(0.95)
    for (const [name, v] of Object.entries(k.sums)) expect(Math.abs(placed.counters[name]! / v - 1), `${name}: model ${placed.counters[name]}, kernel ${v}`).toBeLessThan(0.02)
  })

  it('without it, the model goes on past the kernel\'s end to a folio that is dirty in the capture', () => {
    const end = normalEnd(plain)
    expect(end.migratePfn).toBeGreaterThan(0x1c1cc0)
    expect(plain.counters['pgmigrate_success']!).toBeGreaterThan(1.25 * k.sums['pgmigrate_success']!)
  })
})
