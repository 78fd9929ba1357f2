/**
 * Synthesized layouts: the Unmovable allocations between a capture and the trigger (issue #8,
 * item 5). On 6.1, when an Unmovable allocation finds the Unmovable free lists empty,
 * __rmqueue_fallback looks for a fallback block from the largest order down
 * (find_suitable_fallback), takes a whole free Movable block of MAX_ORDER − 1 and retypes its
 * pageblocks (steal_suitable_fallback → change_pageblock_range). In fixtures/x86-512M-s11-nopin the
 * capture after the first node compaction holds 110 Unmovable free pages in zone DMA32
 * (pagetypeinfo); by the next capture DMA32 counts 2 Unmovable pageblocks more and 2 Movable fewer,
 * buddyinfo one order-10 block fewer and one order-9 block more, and the second compaction's
 * after-capture 30208 pages in ≥ 2 MiB blocks against the 30720 before. arm64-1G-s6-cma-compact-cpu0
 * does the same over its second compaction (348 Unmovable free pages; Unmovable +2, 29184 → 28672). The packed
 * synthesis can only keep or raise that value, so the band collapsed at the before value; with the
 * demand drawn per seed (host/whatif/unmovable_demand.ts, never the row's own measure) it reaches
 * below it.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { synthBandRow, fidelityRow } from '../../host/fidelity.ts'
import { setUnmovableDemandDrawn, UNMOVABLE_DEMAND_MEASURED, drawUnmovableDemand, medianUnmovableDemand } from '../../host/whatif/unmovable_demand.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

afterAll(() => setUnmovableDemandDrawn(true))

const ROWS: Array<[string, string, number, number]> = [
  // run, capture, real ≥ 2 MiB after the trigger, ≥ 2 MiB before (the layout's own)
  ['x86-512M-s11-nopin', '03-after-compact-node', 30208, 30720],
  ['arm64-1G-s6-cma-compact-cpu0', '03-after-compact-node', 28672, 29184],
]

describe('the draw', () => {
  it('never takes the row\'s own measure, and is never negative', () => {
    const own = 'x86-512M-s11-nopin/03-after-compact-node'
    expect(UNMOVABLE_DEMAND_MEASURED[own]).toBe(306)
    const others = new Set(Object.entries(UNMOVABLE_DEMAND_MEASURED).filter(([k]) => k !== own).map(([, v]) => Math.max(0, v)))
    expect(medianUnmovableDemand(own)).toBe(251)
    for (let seed = 1; seed <= 200; seed++) {
      const d = drawUnmovableDemand(seed, own)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(others.has(d)).toBe(true)
    }
  })
})

describe('second compactions whose next capture lost a pageblock to an Unmovable steal (6.1)', () => {
  for (const [run, cap, real, before] of ROWS) {
    it(`${run}/${cap}: the ≥ 2 MiB band reaches the real ${real}, below the ${before} before`, async () => {
      const row = (await synthBandRow(FIXTURES, run, cap))!
      expect(row.hiBefore).toBe(before)
      const c = row.cells['≥2MiB']
      expect(c.real).toBe(real)
      expect(c.inBand, JSON.stringify(c)).toBe(true)
    }, 300_000)
  }

  it('without the demand the band stays at the before value, and the real value lies below it', async () => {
    setUnmovableDemandDrawn(false)
    try {
      for (const [run, cap, real, before] of ROWS) {
        const c = (await synthBandRow(FIXTURES, run, cap))!.cells['≥2MiB']
        expect(c.p5).toBeGreaterThanOrEqual(before)
        expect(c.inBand, `${run} ${JSON.stringify(c)}`).toBe(false)
        expect(c.real).toBe(real)
      }
    } finally {
      setUnmovableDemandDrawn(true)
    }
  }, 600_000)

  it('a seed that steals says so in its assumptions: the fallback took a Movable block whole and retyped its pageblocks', async () => {
    let found: string | undefined
    for (let seed = 1; seed <= 8 && !found; seed++) {
      const j = await whatifCompact({ path: join(FIXTURES, 'x86-512M-s11-nopin'), capture: '03-after-compact-node', layout: 'synthesized', seed }, { seeds: 1, pinned: 'auto', node: 0 }, {})
      found = j.assumptions.find((a) => /Unmovable pages were allocated between the capture and the trigger/.test(a) && /took 1 free Movable block whole and retyped 2 pageblocks Unmovable/.test(a))
    }
    expect(found).toBeDefined()
  }, 300_000)
})

describe('the exact layout: one run with the median of the other pairs\' measure (251 pages here)', () => {
  it('x86-512M-s11-nopin/03: the stolen block makes the ≥ 2 MiB prediction the kernel\'s 30208; without it 30720', async () => {
    const on = (await fidelityRow(FIXTURES, 'x86-512M-s11-nopin', '03-after-compact-node'))!
    expect(on.hiReal).toBe(30208)
    expect(on.hiPredicted).toBe(30208)
    setUnmovableDemandDrawn(false)
    try {
      const off = (await fidelityRow(FIXTURES, 'x86-512M-s11-nopin', '03-after-compact-node'))!
      expect(off.hiPredicted).toBe(30720)
    } finally {
      setUnmovableDemandDrawn(true)
    }
  }, 300_000)
})
