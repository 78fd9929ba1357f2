/**
 * The emptied bottom of a synthesized layout (emptiedBottomDraw) keeps the non-Movable pageblocks
 * the type assignment puts there (engine/reconstruct/synthesize.ts emptiedBottomKeepTypes): a full
 * compaction's migrate scanner isolates no kernel page, and its free scanner takes no free page of
 * a non-Movable pageblock, so those pageblocks stay where they were. fixtures/host-24G-k618-o/
 * 01-before's kpageflags keep 276 of zone Normal's 332 non-Movable pageblocks below -n's meeting
 * point (0x277800); a layout drawing the emptied bottom without this rule kept only the reserved and wholly free
 * ones there (seed 3: 30 of 3512 emptied pageblocks; with it 250).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { setEmptiedKeepTypesRule } from '../../engine/reconstruct/synthesize.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

afterAll(() => setEmptiedKeepTypesRule(true))

const RUN = 'host-24G-k618-o'
const CAP = '01-before'

/** zone Normal's emptied pageblocks (from the layout's note) and the non-Movable pageblocks among them and in the zone */
async function nonMovableBelow(seed: number): Promise<{ emptied: number; below: number; total: number }> {
  const s = await loadSnapshot(join(FIXTURES, RUN), { capture: CAP, layout: 'synthesized', seed })
  const m = s.model
  const note = m.build.notes.find((n) => /zone Normal: full compactions earlier in the boot .*the lowest (\d+) pageblocks/.test(n))
  const emptied = note ? Number(/the lowest (\d+) pageblocks/.exec(note)![1]) : 0
  const z = m.zones.find((x) => x.name === 'Normal')!
  const pbPages = m.pageblockNrPages
  const first = Math.floor(z.startPfn / pbPages)
  const last = Math.ceil(z.endPfn / pbPages)
  let below = 0, total = 0
  for (let pb = first; pb < last; pb++) {
    const mt = m.pageblockMt[pb - m.pbBase]!
    if (mt === m.migratetypes.movable || mt === m.migratetypes.cma) continue
    total++
    if (pb - first < emptied) below++
  }
  return { emptied, below, total }
}

describe('the emptied bottom keeps its non-Movable pageblocks', () => {
  it(`${RUN}/${CAP}: a seed drawing the emptied bottom keeps most non-Movable pageblocks in it, as the kpageflags do; switched off, few`, async () => {
    // seed 3 draws the emptied bottom of zone Normal
    const on = await nonMovableBelow(3)
    expect(on.emptied).toBeGreaterThan(100)
    setEmptiedKeepTypesRule(false)
    try {
      const off = await nonMovableBelow(3)
      expect(off.emptied).toBe(on.emptied)
      // off: only the reserved pageblocks' and the wholly free non-Movable blocks' (30 of 332 for seed 3); on: 250
      expect(on.below).toBeGreaterThan(4 * off.below)
      // the zone's count of non-Movable pageblocks is pagetypeinfo's either way
      expect(off.total).toBe(on.total)
    } finally {
      setEmptiedKeepTypesRule(true)
    }
  }, 300_000)
})
