/**
 * Synthesized layouts (issue #8, item 5): the Movable per-cpu pages dealt a few to each Movable
 * pageblock holding free and used pages (engine/reconstruct/synthesize.ts,
 * placeMovablePcpByPageblock), as the kpageflags of the unpinned x86 harness runs have them,
 * instead of in proportion to a pageblock's used pages.
 *
 * fixtures/x86-1G-s12-wl0-cpu1 and x86-1G-s22-cpu1, 6.1: the workload made its last frees on CPU 0
 * (workload.log), compact_memory ran on CPU 1 (steps.log). The workload's last-freed pages stay
 * on CPU 0's list through the compaction and keep the pageblocks the compaction vacates from
 * merging: the real ≥ 2 MiB free pages hardly move (17920 and 16384; the exact layouts give 17408
 * and 16384). Drawn over the used pages, the pageblocks the synthesis makes mostly free held none
 * of them in some seeds and merged, and the 90 % band started above the real value
 * (20736–65408, 18944–59008). Dealt by pageblock, the band holds it.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { synthBandRow, type SynthBandRow } from '../../host/fidelity.ts'
import { setSpreadMovablePcp } from '../../engine/reconstruct/synthesize.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const ROWS = [['x86-1G-s12-wl0-cpu1', '02-before', 17920], ['x86-1G-s22-cpu1', '02-before', 16384]] as const

afterAll(() => setSpreadMovablePcp(true))

describe('synthesized layouts: the workload\'s last-freed per-cpu pages, a few in each of its pageblocks, keep them from merging when the trigger runs on another CPU', () => {
  for (const [run, cap, real] of ROWS) {
    it(`${run}/${cap}: the ≥ 2 MiB band holds the real value (${real})`, async () => {
      setSpreadMovablePcp(true)
      const r = (await synthBandRow(FIXTURES, run, cap)) as SynthBandRow
      const c = r.cells['≥2MiB']
      expect(c.real).toBe(real)
      expect(c.inBand, `${c.real} against ${c.lo}–${c.hi}`).toBe(true)
    }, 300_000)
  }

  // Only x86-1G-s22-cpu1 tells the rule apart now: since the Unmovable demand before the trigger
  // is drawn (docs/fidelity.md synthesized (w)), some seeds of x86-1G-s12-wl0-cpu1 lose a
  // pageblock to a steal either way (switched off: 5th percentile 17357 against the real 17920;
  // on: 16230), so the rule no longer decides its lower edge.
  it('drawn in proportion to the used pages instead, the seeds\' 5th percentile lies above the real value (the mechanism switched off)', async () => {
    setSpreadMovablePcp(false)
    try {
      for (const [run, cap, real] of ROWS.filter(([run]) => run === 'x86-1G-s22-cpu1')) {
        const c = (await synthBandRow(FIXTURES, run, cap))!.cells['≥2MiB']
        expect(c.p5, run).toBeGreaterThan(real)
      }
    } finally {
      setSpreadMovablePcp(true)
    }
  }, 300_000)
})
