/**
 * Exact layouts after a full compaction: the pageblocks above the meeting point that hold free
 * pages and no movable page are not Movable (engine/reconstruct/exact.ts packedAboveMeet).
 *
 * fixtures/host-24G-k618-r (this machine's 6.18 with a fragmenting workload, both compactions
 * traced): its second compaction's free scanner skipped seven pageblocks above its meeting point
 * 0x255a00 that hold free pages and no LRU page (0x34bc00, 0x37c800, 0x37ca00, 0x3e0c00,
 * 0x444a00, 0x4a0800, 0x4a0a00: 2313 free pages; trace/02-cm@1.txt.gz has no
 * mm_compaction_isolate_freepages there), where the type search from pagetypeinfo's free lists
 * alone made them Movable and the what-if's free scanner took 1939 pages from them: the second
 * compaction migrated 2976 pages against the kernel's 1007.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { fidelityRow } from '../../host/fidelity.ts'
import { setPackedAboveMeetRule, loadSnapshot } from '../../host/load.ts'
import { packedAboveMeet } from '../../engine/reconstruct/exact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

afterAll(() => setPackedAboveMeetRule(true))

describe('packedAboveMeet: where a full compaction\'s scanners met, and the pageblocks above it that are not Movable', () => {
  it('splits the pageblocks into mostly without movable pages below and mostly movable above, and marks the free ones without movable pages above', () => {
    const pb = 512
    // 0–3 vacated (free, a few kernel pages), 4 wholly free, 5–9 packed, 6 slab + free, 8 a wholly free one, 10 uninitialised
    const mov = Int32Array.from([0, 3, 0, 0, 0, 500, 0, 480, 0, 512, 0])
    const buddy = Int32Array.from([500, 400, 510, 300, 512, 10, 400, 20, 512, 0, 0])
    const kern = Int32Array.from([12, 9, 2, 212, 0, 2, 112, 12, 0, 0, 0])
    const pcp = new Int32Array(11)
    const hole = new Int32Array(11)
    const r = packedAboveMeet({ mov, buddy, hole, pcp, kern }, 11, pb)
    expect(r.meet).toBe(4)
    expect([...r.marked].map((x, i) => x ? i : -1).filter((i) => i >= 0)).toEqual([6])
  })

  it('finds the meeting points the traces of host-24G-k618-p, -q and -r name (mm_compaction_end of their first compactions)', async () => {
    for (const [run, pfn] of [['host-24G-k618-p', 0x2a8e00], ['host-24G-k618-q', 0x2bae00], ['host-24G-k618-r', 0x255a00]] as const) {
      const s = await loadSnapshot(join(FIXTURES, run), { capture: '02-after-compact-memory', layout: 'exact', seed: 1 })
      const note = s.model.build.notes.find((n) => /zone Normal: after a full compaction/.test(n))
      const at = Number(/PFN (0x[0-9a-f]+)\)/.exec(note ?? '')?.[1])
      expect(Math.abs(at - pfn), `${run}: ${note}`).toBeLessThanOrEqual(512)
    }
  }, 120_000)
})

describe('host-24G-k618-r/02: the second compaction with the pageblocks the first one packed around', () => {
  const skipped = [0x34bc00, 0x37c800, 0x37ca00, 0x3e0c00, 0x444a00, 0x4a0800, 0x4a0a00]

  it('types the pageblocks the kernel\'s free scanner skipped not Movable, and pgmigrate_success lies within 25 % of the kernel\'s 1007', async () => {
    const s = await loadSnapshot(join(FIXTURES, 'host-24G-k618-r'), { capture: '02-after-compact-memory', layout: 'exact', seed: 1 })
    const mv = s.model.migratetypes.movable
    expect(skipped.filter((p) => s.model.getPageblockMigratetype(p) === mv)).toEqual([])
    const row = (await fidelityRow(FIXTURES, 'host-24G-k618-r', '02-after-compact-memory'))!
    expect(row.counters['pgmigrate_success']!.real).toBe(1007)
    expect(Math.abs(row.counters['pgmigrate_success']!.error!)).toBeLessThan(0.25)
  }, 120_000)

  it('without the rule they are Movable, and the what-if migrates more than twice the kernel\'s pages', async () => {
    setPackedAboveMeetRule(false)
    try {
      const s = await loadSnapshot(join(FIXTURES, 'host-24G-k618-r'), { capture: '02-after-compact-memory', layout: 'exact', seed: 1 })
      const mv = s.model.migratetypes.movable
      expect(skipped.filter((p) => s.model.getPageblockMigratetype(p) === mv).length).toBeGreaterThanOrEqual(5)
      const row = (await fidelityRow(FIXTURES, 'host-24G-k618-r', '02-after-compact-memory'))!
      expect(row.counters['pgmigrate_success']!.predicted).toBeGreaterThan(2 * 1007)
    } finally {
      setPackedAboveMeetRule(true)
    }
  }, 120_000)
})
