/**
 * The exact layout (kpageflags) puts free blocks on the lists pagetypeinfo has them on, as far
 * as kpageflags' own free blocks allow (engine/reconstruct/migratetype_assign.ts).
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { summarizeZone } from '../../engine/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'


/** Σ over (zone, migratetype, order) of 2^order·|model − pagetypeinfo| free pages, and the same for the per-order totals (what no type assignment can fix) */
async function listDistance(run: string, capture: string) {
  const s0 = await loadSnapshot(join(FIXTURES, run, capture), { layout: 'exact' })
  const c = s0.capture
  const model = s0.model
  let dist = 0
  let floor = 0
  const blocks: string[] = []
  for (const z of model.zones) {
    const s = summarizeZone(model, z, c.machine.hpageOrder)
    const rows = c.pagetypeinfo!.free.filter((r) => r.node === z.node && r.zone === z.name)
    for (let o = 0; o < s.freeBlocks.length; o++) {
      let cap = 0
      for (const r of rows) {
        dist += Math.abs(s.freeBlocksByMigratetype[r.migratetype]![o]! - r.counts[o]!) * 2 ** o
        cap += r.counts[o]!
      }
      floor += Math.abs(s.freeBlocks[o]! - cap) * 2 ** o
    }
    const pb = c.pagetypeinfo!.blocks.find((r) => r.node === z.node && r.zone === z.name)!
    c.pagetypeinfo!.migratetypes.forEach((mt, i) => { if (s.pageblocks[mt] !== pb.counts[i]) blocks.push(`${z.name} ${mt}: ${s.pageblocks[mt]} vs ${pb.counts[i]}`) })
  }
  return { dist, floor, blocks, model, c }
}

describe('exact layouts reproduce the captured free lists per migratetype (real captures)', () => {
  // captures whose kpageflags shows the same free blocks per order as buddyinfo (not torn): every
  // list must come out as pagetypeinfo has it. The content-only assignment missed by 2364, 1300,
  // 1690 and 2556 free pages on these.
  for (const [run, cap] of [
    ['x86-1G-s15-k612-nopin', '02-before', undefined], // 6.12
    ['x86-512M-s1-compact', '04-after-compact-memory', undefined], // 6.1, after a full compaction
    ['x86-2G-s13-fewpin', '03-after-compact-memory', undefined],
    // its partly reserved pageblocks above the deferred start whose first page is not reserved
    // are left to the type search (28 free pages fell on other lists while the boot-time rule
    // typed them Movable: engine/reconstruct/exact.ts inferPageblockTypes)
    ['x86-512M-s11-nopin', '04-after-compact-node-2'],
  ] as const) {
    it(`${run}/${cap}: every free list and every pageblock count as pagetypeinfo has them`, async () => {
      const r = await listDistance(run, cap)
      expect(r.floor).toBe(0)
      expect(r.blocks).toEqual([])
      expect(r.dist).toBe(0)
    })
  }

  it('this machine (6.18, torn capture): the lists come within the per-order difference kpageflags shows, pageblock counts exact', async () => {
    const r = await listDistance('host-24G-k618-a', '01-before')
    expect(r.blocks).toEqual([])
    // the content-only assignment was 19136 pages off, against 464 that kpageflags' own free blocks differ by
    expect(r.dist).toBeLessThanOrEqual(Math.round(1.5 * r.floor))
    const z = r.model.zones.find((x) => x.name === 'Normal')!
    const s = summarizeZone(r.model, z, 9)
    const file = (mt: string) => r.c.pagetypeinfo!.free.find((x) => x.zone === 'Normal' && x.migratetype === mt)!.counts
    expect(s.freeBlocksByMigratetype['Reclaimable']).toEqual(file('Reclaimable'))
    expect(s.freeBlocksByMigratetype['Unmovable']!.slice(3)).toEqual(file('Unmovable').slice(3))
  })
})
