/**
 * Synthesized layouts (issue #8, item 5): the non-Movable pageblocks cluster at the ends of the
 * zone's memory, not of its span (engine/reconstruct/synthesize.ts assignPageblockTypes,
 * setPresentEndsRule).
 *
 * On an x86 guest of 4 GiB zone DMA32 spans 0x1000–0x100000 but its memory ends at 0xc0000 (the
 * PCI hole below 4 GiB): 1528 pageblocks of memory, 512 of hole at the top. The kpageflags of the
 * eight 4 GiB captures in fixtures/ hold 94–98 % of DMA32's 186–196 non-Movable pageblocks in the
 * upper half of its memory, just below the hole. The synthesis draws each seed's share at the top
 * (clusterShape, 5–95 %) and placed the pageblocks by their distance from the ends of the span,
 * whose top end lies in the hole: a seed drawing 94 % at the top put 35 of 196 at the bottom and
 * one drawing 50 % put all of them there. A full compaction's migrate scanner scans the
 * pageblocks below the meeting point whatever their type and finds nothing to move in the
 * non-Movable ones, so each such pageblock at the bottom moves the meeting point up: every seed
 * met above the kernel (DMA32 792–943 pageblocks against the exact layout's 762) and
 * compact_migrate_scanned lay below the band in three of the five x86-4G-s34 rows
 * (x86-4G-s34-k612-ftrace-tools0: 481791 against 483839–589823).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { setPresentEndsRule } from '../../engine/reconstruct/synthesize.ts'
import { clusterShape } from '../../engine/reconstruct/synthesize.ts'
import { loadSnapshot } from '../../host/load.ts'
import { OpenedPath } from '../../host/snapshot.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { join } from 'node:path'

const RUN = 'x86-4G-s34-k612-ftrace-tools0'
const REAL = 481791

afterAll(() => setPresentEndsRule(true))

/** the share of zone DMA32's non-Movable pageblocks in the upper half of its memory (below the hole), synthesized with `seed` */
async function topHalfShare(seed: number): Promise<number> {
  const o = new OpenedPath(join(FIXTURES, RUN), [])
  try {
    const s = await loadSnapshot(o, { capture: '02-before', layout: 'synthesized', seed })
    const m = s.model
    const pb = m.pageblockNrPages
    const z = m.zones.find((zz) => zz.name === 'DMA32')!
    const first = Math.ceil(z.startPfn / pb)
    const memEnd = 0xc0000 / pb
    let top = 0, all = 0
    for (let i = first; i < memEnd; i++) {
      if (m.getPageblockMigratetype(i * pb) === m.migratetypes.movable) continue
      all++
      if (i >= (first + memEnd) / 2) top++
    }
    return top / all
  } finally {
    await o.close()
  }
}

describe('synthesized layouts: the non-Movable pageblocks cluster at the ends of the zone\'s memory, below a hole at its top', () => {
  it('a seed drawing most of them at the top puts most in the upper half of DMA32\'s memory', async () => {
    // seed 2 draws 94 % at the top (clusterShape)
    expect(clusterShape(2).topShare).toBeGreaterThan(0.9)
    setPresentEndsRule(true)
    expect(await topHalfShare(2)).toBeGreaterThan(0.85)
    setPresentEndsRule(false)
    try {
      expect(await topHalfShare(2)).toBeLessThan(0.85)
    } finally {
      setPresentEndsRule(true)
    }
  }, 120_000)

  it(`${RUN}/02-before: the compact_migrate_scanned band holds the real value (${REAL})`, async () => {
    const c = await bandCell(RUN, '02-before', 'compact_migrate_scanned', { set: setPresentEndsRule, on: true })
    expect(c.real).toBe(REAL)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)

  it('with the ends taken as the span\'s (the mechanism switched off), the real value lies below the band', async () => {
    const c = await bandCell(RUN, '02-before', 'compact_migrate_scanned', { set: setPresentEndsRule, on: false })
    expect(c.lo, bandText(c)).toBeGreaterThan(REAL)
  }, 300_000)
})
