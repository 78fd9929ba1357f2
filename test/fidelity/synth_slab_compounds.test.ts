/**
 * Synthesized layouts: the slabs of more than one page as compound pages (engine/reconstruct/
 * synthesize.ts markSlabCompounds), from /proc/slabinfo (<pagesperslab>, <num_slabs>).
 *
 * 6.1's migrate scanner steps over a compound page from its head without counting its tail
 * pages (isolate_migratepages_block, PageCompound; counted from 6.4), and a first full compaction
 * scans every slab page of the zone below where the scanners meet. The synthesized layouts took
 * every slab page as a single page, so their compact_migrate_scanned band lay just above the real
 * value on x86-1G-s12-nopin-cm (64719 against 64799–117794) and -wl1-cpu1 (66049 against
 * 66080–…). slabinfo gives the compound slabs (x86-1G-s12: 1445 of order 1–3, 2691 tail pages of
 * 6016 slab pages) and the layout's slab pages take that share of tails.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { synthBandRow } from '../../host/fidelity.ts'
import { loadSnapshot } from '../../host/load.ts'
import { setSlabCompoundsRule } from '../../engine/reconstruct/synthesize.ts'
import { countBits } from '../../engine/mm/compaction.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

afterAll(() => setSlabCompoundsRule(true))

describe('synthesized layouts: slabs of more than one page are compound pages (6.1 does not count their tails)', () => {
  it('x86-1G-s12-nopin-cm, seed 1: slabinfo\'s tail pages are marked among the layout\'s slab pages', async () => {
    const s = await loadSnapshot(join(FIXTURES, 'x86-1G-s12-nopin-cm', '02-before'), { layout: 'synthesized', seed: 1 })
    const t = s.model.kernelCompoundTails
    expect(t).not.toBeNull()
    const marked = countBits(t!, 0, s.model.memMap.length)
    expect(marked).toBeGreaterThan(1000)
    expect(s.model.build.notes.some((n) => n.startsWith('slabs of more than one page'))).toBe(true)
  }, 60_000)

  it('first compactions of x86-1G-s12-nopin-cm and -wl1-cpu1: the compact_migrate_scanned band holds the real value, and not without the rule', async () => {
    for (const run of ['x86-1G-s12-nopin-cm', 'x86-1G-s12-wl1-cpu1']) {
      setSlabCompoundsRule(true)
      const on = (await synthBandRow(FIXTURES, run, '02-before'))!.cells.compact_migrate_scanned
      expect(on.inBand, `${run}: ${on.real} against ${on.lo}–${on.hi}`).toBe(true)
      setSlabCompoundsRule(false)
      try {
        const off = (await synthBandRow(FIXTURES, run, '02-before'))!.cells.compact_migrate_scanned
        expect(off.p5, `${run} without the rule: the seeds' 5th percentile`).toBeGreaterThan(off.real)
      } finally {
        setSlabCompoundsRule(true)
      }
    }
  }, 600_000)
})
