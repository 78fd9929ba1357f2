/**
 * fixtures/host-24G-k618-a and -c, this machine's 6.18 (ext4 root, the captures written to disk):
 * dirty large folios written after the capture, the capture's own output files among them, end the
 * compaction (docs/fidelity.md (o)).
 *
 * test/harness/capture-host.sh writes kpageflags.gz and kpagecount.gz into the capture folder
 * after /proc/kpageflags was read. On ext4 each write() of the gzip output becomes page-cache
 * folios (large folios on 6.18), dirty with buffer heads attached (PG_private) until writeback, 30 s
 * later. The compaction, started 0.04 s after the capture, met them: a dirty folio is migrated whole
 * (ext4's migrate_folio, buffer_migrate_folio, under compact_node's synchronous mode) when
 * compaction_alloc() finds a free target of its order; when none is left, migrate_pages_batch()
 * tries to split it (try_split_folio), the split of a dirty folio with buffers fails
 * (filemap_release_folio cannot drop dirty buffers) and the zone ends COMPACT_CONTENDED
 * (engine/mm/compaction.ts migrateFolios; test/fidelity/compaction_trace_k618f.test.ts).
 *
 * The before-capture cannot hold these folios (their PFNs are free there); the after-capture does.
 * Placed in the model as the after-capture shows them, they end the what-if where the kernel
 * ended, with the kernel's counters; without them the model runs until the scanners meet, 5 %
 * further. In -c (traced) the kernel's last batch ends at the end of such a folio, and placed
 * so the model ends at the kernel's PFN. Where the writer's pages come from is not modelled: the
 * exact layout's free lists hand the same orders out low in the boot-initialised part, where -a's
 * writer took pageblocks 303–410; the order of a free list is in no capture. The placement is this
 * test's: with the split failure off for the placed folios both placed cases fail.
 *
 * -a's steps.log does not say which CPU ran the trigger, and the model runs it on CPU 1, the one
 * holding the most pages in the capture. The re-read after kpageflags has CPU 1's high raised
 * (6807 → 24738, the capture's tools' refills), but the after-capture shows CPU 0 took the
 * compaction's frees (4967 / 6933) and CPU 1's list none of them (5617 → 5562 under 24738): the
 * re-read's raised high is taken only for a CPU the series names (host/whatif/compact.ts); taken
 * for the guessed CPU 1 it moved compact_free_scanned 140787 → 138823 (kernel 141347).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { readFileSync, statSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import type { CompactWhatIfResult, CompactionEvent } from '../../engine/index.ts'
import { FOLIO_HEAD, PageKind, isFreeHead, headOrder, freeHeadMt } from '../../engine/mm/page.ts'
import { FIXTURES, readKpageRaw, kpfBit } from '../helpers/fixtures.ts'
import { capturedTriggerWhatIf, normalEnd, type Snapshot } from '../helpers/captured_trigger.ts'

const NORMAL = 0x100000
const KPF = { DIRTY: 4, LRU: 5, BUDDY: 10, ANON: 12, HEAD: 15, TAIL: 16, PRIVATE: 35 }
const bit = kpfBit
const hex = (n: number): string => `0x${n.toString(16)}`

const kpageflags = (run: string, cap: string): BigUint64Array => readKpageRaw(join(FIXTURES, run), cap, 'kpageflags')

/** dirty, fs-private, non-anonymous large folios of zone Normal: [head pfn, order] */
function dirtyFsFolios(f: BigUint64Array): [number, number][] {
  const out: [number, number][] = []
  for (let p = NORMAL; p < f.length; p++) {
    const h = f[p]!
    if (!bit(h, KPF.HEAD) || !bit(h, KPF.DIRTY) || !bit(h, KPF.PRIVATE) || bit(h, KPF.ANON)) continue
    let n = 1
    while (p + n < f.length && bit(f[p + n]!, KPF.TAIL)) n++
    out.push([p, Math.log2(n)])
    p += n - 1
  }
  return out
}


/**
 * Put a folio over free memory of the model (buddy blocks, or per-cpu pages before the lists are
 * built): the blocks it covers leave their free lists and what lies outside it goes back.
 */
function placeFolio(s: Snapshot, pfn: number, order: number): void {
  const m = s.model
  const zone = m.zones.find((z) => pfn >= z.startPfn && pfn < z.endPfn)!
  const end = pfn + 2 ** order
  const blocks: [number, number, number][] = []
  for (let q = pfn; q < end;) {
    let found = false
    for (let o = 0; o < m.geometry.nrOrders && !found; o++) {
      const b0 = q - (q % 2 ** o)
      const b = m.memMap[b0 - m.basePfn]!
      if (isFreeHead(b) && headOrder(b) === o && b0 + 2 ** o > q) {
        blocks.push([b0, o, freeHeadMt(b)])
        q = b0 + 2 ** o
        found = true
      }
    }
    if (found) continue
    expect(m.memMap[q - m.basePfn], `${hex(q)} of the folio at ${hex(pfn)} is free memory in the model`).toBe(PageKind.PCP)
    q++
  }
  const giveBack = (a: number, e: number, mt: number): void => {
    while (a < e) {
      let o = 0
      while (o + 1 < m.geometry.nrOrders && a % 2 ** (o + 1) === 0 && a + 2 ** (o + 1) <= e) o++
      s.allocator.addToFreeList(zone, a, o, mt)
      a += 2 ** o
    }
  }
  for (const [b0, o, mt] of blocks) {
    s.allocator.delFromFreeList(zone, b0, o, mt)
    giveBack(b0, Math.min(pfn, b0 + 2 ** o), mt)
    giveBack(Math.max(end, b0), b0 + 2 ** o, mt)
  }
  s.allocator.prepNewPage(pfn, order, FOLIO_HEAD)
  m.unsplittable.add(pfn)
}

/** `whatif compact` on the run's 01-before as the command runs the captured trigger; `place` changes the model first */
const whatIf = (run: string, place?: (s: Snapshot) => void): Promise<CompactWhatIfResult> => capturedTriggerWhatIf(join(FIXTURES, run), '01-before', place)

function realDeltas(run: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of readFileSync(join(FIXTURES, run, 'steps.log'), 'utf8').matchAll(/^\s+(\w+) ([+-]\d+)$/gm)) out[m[1]!] ??= Number(m[2])
  return out
}

describe('host-24G-k618-a: the capture\'s own output files end the 6.18 compaction', () => {
  const run = 'host-24G-k618-a'
  const before = kpageflags(run, '01-before')
  const after = kpageflags(run, '02-after-compact-memory')
  const folios = dirtyFsFolios(after)
  const real = realDeltas(run)
  let placed: CompactWhatIfResult
  let plain: CompactWhatIfResult
  beforeAll(async () => {
    placed = await whatIf(run, (s) => { for (const [pfn, order] of folios) placeFolio(s, pfn, order) })
    plain = await whatIf(run)
  }, 120_000)

  it('the after-capture\'s dirty fs-private large folios are as many pages as the capture\'s own files, over memory free in the before-capture', () => {
    expect(dirtyFsFolios(before)).toEqual([])
    expect(folios.map(([p, o]) => `${hex(p)}/${o}`)).toEqual(['0x125e00/6', '0x125f38/3', '0x125f40/3', '0x1260a0/5', '0x1263c0/4', '0x129c80/5', '0x133574/2'])
    const pages = folios.reduce((n, [, o]) => n + 2 ** o, 0)
    const files = ['kpageflags.gz', 'kpagecount.gz'].reduce((n, f) => n + Math.ceil(statSync(join(FIXTURES, run, '01-before', f)).size / 4096), 0)
    expect(pages).toBe(164)
    expect(files).toBe(168)
    for (const [pfn, order] of folios) {
      expect(bit(after[pfn]!, KPF.LRU), hex(pfn)).toBe(true)
      for (let p = pfn; p < pfn + 2 ** order; p++) expect(bit(before[p]!, KPF.BUDDY) || before[p] === 0n, hex(p)).toBe(true)
    }
  })

  it('placed as the after-capture shows them, the model ends contended on the lowest one, with the kernel\'s counters', () => {
    const end = normalEnd(placed)
    expect(end.status).toBe('contended')
    expect(end.migratePfn).toBeGreaterThan(0x125e00)
    expect(end.migratePfn).toBeLessThanOrEqual(0x125e40)
    for (const name of ['pgmigrate_success', 'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated']) {
      expect(Math.abs(placed.counters[name]! / real[name]! - 1), `${name}: model ${placed.counters[name]}, kernel ${real[name]}`).toBeLessThan(0.01)
    }
  })

  it('without them, the model runs until the scanners meet, 5 % further', () => {
    const end = normalEnd(plain)
    expect(end.status).toBe('complete')
    expect(plain.counters['pgmigrate_success']! / real['pgmigrate_success']!).toBeGreaterThan(1.04)
  })
})

describe('host-24G-k618-c: the kernel\'s last batch ended on a dirty folio written after the capture', () => {
  const run = 'host-24G-k618-c'
  const beforeSet = new Set(dirtyFsFolios(kpageflags(run, '01-before')).map(([p]) => p))
  const before = kpageflags(run, '01-before')
  // the folios dirty in the after-capture that were not in the before-capture: the capture's own
  // files (238 pages) and what the host wrote in the 4.4 s of the compaction
  const written = dirtyFsFolios(kpageflags(run, '02-after-compact-memory')).filter(([p]) => !beforeSet.has(p))
  const real = realDeltas(run)
  let placed: CompactWhatIfResult
  let plain: CompactWhatIfResult
  beforeAll(async () => {
    // those over memory the model holds free (one sits over pages the model holds used)
    const free = written.filter(([p, o]) => { for (let q = p; q < p + 2 ** o; q++) if (!bit(before[q]!, KPF.BUDDY) && before[q] !== 0n) return false; return true })
    placed = await whatIf(run, (s) => { for (const [pfn, order] of free) placeFolio(s, pfn, order) })
    plain = await whatIf(run)
  }, 180_000)

  it('the folio that ends the kernel\'s last batch (trace: 0x148426–0x148600) is one of them', () => {
    expect(written.some(([p, o]) => p === 0x1485c0 && o === 6)).toBe(true)
  })

  it('the kernel met it first in its last batch (the batch\'s head: the highest PFN), with targets left from the batch before (34 taken for 33) and none of its order: no free scan, nothing migrated', () => {
    const lines = gunzipSync(readFileSync(join(FIXTURES, run, 'trace', '01-cm@1.txt.gz'))).toString('utf8').split('\n').filter((l) => /mm_compaction_(isolate_|migratepages|end)/.test(l))
    const end = lines.findIndex((l) => /mm_compaction_end: zone_start=0x100000/.test(l))
    expect(lines[end - 4]).toMatch(/isolate_freepages: range=\(0x2cc7b0 ~ 0x2cc7d8\) nr_scanned=40 nr_taken=34/)
    expect(lines[end - 3]).toMatch(/migratepages: nr_migrated=33 nr_failed=0/)
    expect(lines[end - 2]).toMatch(/isolate_migratepages: range=\(0x148426 ~ 0x148600\) nr_scanned=474 nr_taken=372/)
    expect(lines[end - 1]).toMatch(/migratepages: nr_migrated=0 nr_failed=372/)
    expect(lines[end]).toMatch(/migrate_pfn=0x148600 free_pfn=0x2cc7d8 .*status=contended/)
  })

  /*
   * Placed, the model ended at the kernel's PFN under the per-cpu high it took before 6.18's rules
   * (the running CPU's high decayed by eighths before the frees: CPU 1 at 22152 at its end, kernel
   * 29770), with its free scanner at 0x2d78a0 when the migrate scanner reached the folio, 88
   * pageblocks above the kernel's 0x2cc7d8, and targets left of orders 0 and 2 (0x2d789b, 0x2d789c).
   * Under the decays as the kernel makes them (decay_pcp_high during the compaction's frees, the
   * high 29725 at its end) the free scanner stands at 0x2d4a00 there, 65 pageblocks above the
   * kernel's, and the targets left of its batch before are 0x2d4dac/2, 0x2d4db0/4 and 0x2d4dc0/6: a
   * block of order 6 free in the capture (the kernel's scanner took it long before: LRU pages in
   * the after-capture), not one the decay gave back; the folio migrates and the model ends on a
   * later placed folio, at 0x1c6a00. Whether the folio finds a target is decided by the blocks
   * where the model's free scanner stands, which is not where the kernel's stood in either: the
   * kernel migrated 3144 pages more below 0x148600 (1–73 more in each of 287 pageblocks, none of
   * them per-cpu pages in the layout) and found 3442 free pages fewer in the 1407 pageblocks both
   * free scanners visited (docs/fidelity.md). So the model's end is not checked against the
   * kernel's here; the lag is, so that this test is looked at again when the lag is found.
   */
  it('placed as the after-capture shows them, the model\'s free scanner stands more than 32 pageblocks above the kernel\'s (0x2cc7d8) when the migrate scanner reaches the folio: which targets are left there is not the kernel\'s', () => {
    const batches = placed.events.filter((e): e is Extract<CompactionEvent, { name: 'mm_compaction_migratepages' }> => e.name === 'mm_compaction_migratepages' && e.migratePfn >= NORMAL)
    const last = batches.filter((e) => e.migratePfn < 0x1485c0).at(-1)!
    expect((last.freePfn - 0x2cc7d8) / 512, `free scanner at ${hex(last.freePfn)}`).toBeGreaterThan(32)
    expect(normalEnd(placed).status).toBe('contended')
  })

  it('without them, the model runs on to the scanners\' meeting, three times as far', () => {
    expect(normalEnd(plain).status).toBe('complete')
    expect(plain.counters['pgmigrate_success']! / real['pgmigrate_success']!).toBeGreaterThan(2.5)
  })
})
