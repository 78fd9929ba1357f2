/**
 * Synthesized layouts (issue #8, item 5): the top of a zone packed by an allocation's direct
 * compaction before the capture (engine/reconstruct/synthesize.ts, directCompactedTop and
 * directCompactedSharpness; the pages it migrated from steps.log, host/whatif/pinned.ts
 * directCompactionMigrated).
 *
 * fixtures/x86-1G-s2-hugetlb, -cpu0 and -cpu1, 6.1: a hugetlb pool grew (2 MiB pages, its
 * allocations compacting directly: pgmigrate_success +30737, +20164, +23024), was released, and
 * compact_memory ran on 04-after-hugetlb-release. The pool's direct compactions had filled the top
 * of the zone (their free scanner walks down from the zone end), and its released pages lie where
 * their migrate scanner emptied pageblocks; the real compaction's free scanner, meeting fuller
 * pageblocks there, counted 64866, 73845 and 51566 (exact layouts 62212, 74344, 50368), and its
 * migrate scanner stopped at 43144 in x86-1G-s2-hugetlb. Unpacked, the synthesized bands of
 * compact_free_scanned started at about 75k in all three, and compact_migrate_scanned's at 44036.
 *
 * Also holds the rejection draws' rescale (synthesize.ts, REFUSALS_BEFORE_RESCALE): the packed
 * top's weights fall below what a 32-bit draw can take, and without it the synthesis of
 * x86-1G-s2-hugetlb/04 never ends for seed 4 (so the packed rows here time out).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { synthBandRow, type SynthBandRow } from '../../host/fidelity.ts'
import { directCompactedSharpness, setPackDirectCompactedTop } from '../../engine/reconstruct/synthesize.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const CAP = '04-after-hugetlb-release'
/** run, counter, real value */
const CELLS = [
  ['x86-1G-s2-hugetlb', 'compact_free_scanned', 64866],
  ['x86-1G-s2-hugetlb', 'compact_migrate_scanned', 43144],
  ['x86-1G-s2-hugetlb-cpu0', 'compact_free_scanned', 73845],
] as const

afterAll(() => setPackDirectCompactedTop(true))

describe('synthesized layouts: a hugetlb pool\'s direct compactions packed the top of the zone before the capture', () => {
  it('the packed top keeps 0.5–42 % of its free pages, the weight averaging that share over it', () => {
    for (let seed = 1; seed <= 64; seed++) {
      const { kept, sharpness } = directCompactedSharpness(seed, 0.36)
      expect(kept).toBeGreaterThanOrEqual(0.005)
      expect(kept).toBeLessThanOrEqual(0.42)
      expect((1 - Math.exp(-sharpness * 0.36)) / (sharpness * 0.36)).toBeCloseTo(kept, 6)
    }
  })

  const packed = new Map<string, SynthBandRow>()
  for (const [run, counter, real] of CELLS) {
    it(`${run}/${CAP}: ${counter}'s band holds the real value (${real})`, async () => {
      setPackDirectCompactedTop(true)
      const r = packed.get(run) ?? (await synthBandRow(FIXTURES, run, CAP))!
      packed.set(run, r)
      const c = r.cells[counter]
      expect(c.real).toBe(real)
      expect(c.inBand, `${c.real} against ${c.lo}–${c.hi}`).toBe(true)
    }, 300_000)
  }

  it('unpacked (the mechanism switched off), the seeds\' 5th percentile of each lies above the real value', async () => {
    setPackDirectCompactedTop(false)
    try {
      const rows = new Map<string, SynthBandRow>()
      for (const [run, counter, real] of CELLS) {
        const r = rows.get(run) ?? (await synthBandRow(FIXTURES, run, CAP))!
        rows.set(run, r)
        expect(r.cells[counter].p5, `${run} ${counter}`).toBeGreaterThan(real)
      }
    } finally {
      setPackDirectCompactedTop(true)
    }
  }, 300_000)
})
