/**
 * Synthesized layouts after a full compaction: the free pages that compaction left in the used
 * top (docs/fidelity.md, synthesized (aa); host/load.ts leftBehindByCompaction,
 * engine/reconstruct/synthesize.ts placeLeftBehind).
 *
 * fixtures/host-24G-k618-p: two compact_memory 1.1 s apart (CPU 1). In 02-after-compact-memory's
 * kpageflags 56 of the topmost 100 used Movable pageblocks of zone Normal and 126 of the next 200
 * hold free pages (2930 and 5043 pages, most above order 0): the first compaction's free scanner
 * passed them at a stride above 1 (isolate_freepages doubles it after a pageblock that gave
 * nothing), and the second compaction's free scanner, finding free pages in them, kept falling
 * back to stride 1: compact_free_scanned 122676. The synthesis drew a few order-0 pages in the
 * topmost pageblocks only (sparseFreeShape: 1–36 of those 300), its second free scanner's stride
 * climbed to 32, and the band lay below the real value (15858–86802). Run on a synthesized layout of
 * 01-before, the what-if of the first compaction leaves free pages there as the kernel did, and the
 * layout of 02 takes them over rank for rank.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot, setLeftBehindRule } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setLeftBehindRule(true))

const RUN = 'host-24G-k618-p'
const CAP = '02-after-compact-memory'

describe('after a full compaction: the free pages it left in the used top, from a run of it on the capture before', () => {
  it('the layout says where they came from', async () => {
    const s = await loadSnapshot(join(FIXTURES, RUN), { capture: CAP, layout: 'synthesized', seed: 1 })
    expect(s.model.build.notes.join('\n')).toMatch(/zone Normal: \d+ free pages below pageblock order in \d+ of the \d+ topmost used Movable pageblocks, where the full compaction before this capture, run on a layout of the capture before it, left them/)
  }, 120_000)

  it('host-24G-k618-p second compaction: the compact_free_scanned band holds the real value (122676)', async () => {
    const c = await bandCell(RUN, CAP, 'compact_free_scanned', { set: setLeftBehindRule, on: true })
    expect(c.real).toBe(122676)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 600_000)

  it('switched off (drawn: sparseFreeShape alone), the band lies below the real value', async () => {
    const c = await bandCell(RUN, CAP, 'compact_free_scanned', { set: setLeftBehindRule, on: false })
    expect(c.hi, bandText(c)).toBeLessThan(c.real)
  }, 600_000)
})
