/**
 * Synthesized layouts (issue #8, item 5): the top of a zone packed by an allocation's direct
 * compaction before the capture (engine/reconstruct/synthesize.ts, directCompactedTop; the pages
 * it migrated from steps.log, host/whatif/pinned.ts directCompactionMigrated).
 *
 * fixtures/x86-1G-s2-hugetlb, -cpu0 and -cpu1, 6.1: a hugetlb pool grew (2 MiB pages, its
 * allocations compacting directly: pgmigrate_success +30737, +20164, +23024), was released, and
 * compact_memory ran on 04-after-hugetlb-release. The pool's direct compactions had filled the top
 * of the zone (their free scanner walks down from the zone end), and its released pages lie where
 * their migrate scanner emptied pageblocks; the real compaction's free scanner, meeting full
 * pageblocks there, counted 64866, 73845 and 51566 (exact layouts 62212, 74344, 50368). Unpacked,
 * the synthesized bands started at about 75k in all three.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { synthBandRow, type SynthBandRow } from '../../host/fidelity.ts'
import { setPackDirectCompactedTop } from '../../engine/reconstruct/synthesize.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const CAP = '04-after-hugetlb-release'
const ROWS = [['x86-1G-s2-hugetlb-cpu0', 73845], ['x86-1G-s2-hugetlb-cpu1', 51566]] as const

afterAll(() => setPackDirectCompactedTop(true))

describe('synthesized layouts: a hugetlb pool\'s direct compactions packed the top of the zone before the capture', () => {
  for (const [run, real] of ROWS) {
    it(`${run}/${CAP}: compact_free_scanned's band holds the real value (${real})`, async () => {
      setPackDirectCompactedTop(true)
      const r = (await synthBandRow(FIXTURES, run, CAP)) as SynthBandRow
      const c = r.cells['compact_free_scanned']
      expect(c.real).toBe(real)
      expect(c.inBand, `${c.real} against ${c.p5}–${c.p95}`).toBe(true)
    }, 300_000)
  }

  it('unpacked (the mechanism switched off), every band starts above the real value', async () => {
    setPackDirectCompactedTop(false)
    try {
      for (const [run, real] of ROWS) {
        const c = (await synthBandRow(FIXTURES, run, CAP))!.cells['compact_free_scanned']
        expect(c.p5, run).toBeGreaterThan(real)
      }
    } finally {
      setPackDirectCompactedTop(true)
    }
  }, 300_000)
})
