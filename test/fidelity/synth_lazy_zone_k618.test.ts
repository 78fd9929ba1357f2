/**
 * This machine's 6.18 (fixtures/host-24G-k618-g), opened without kpageflags: how far the
 * compaction's migrate scanner walks. compact_memory's migrate scanner walks every zone from its
 * bottom until it meets the free scanner (compact_zone); the real one walked DMA32 to its top
 * (the capture's trace, fixtures/host-24G-k618-g/trace: mm_compaction_end migrate_pfn=0xffe00)
 * and zone Normal to 0x29fc00, 3275775 pages scanned in all. The synthesized layouts stopped at
 * 1006555–2217087 (p5–p95), for two layout differences (engine/reconstruct/synthesize.ts):
 *
 * - DMA32 counts no LRU page (zoneinfo: every nr_zone_*_anon/file 0; its used pages are its
 *   present − managed reserved pages), but a free block that did not fit beside the reserved runs
 *   became anonymous pages there: the migrate scanner isolated them at the zone's bottom, the free
 *   scanner came down the whole zone for targets, and the scanners met near 0x1400 in some seeds.
 *   A zone whose LRU counters are all 0 now holds no LRU page (fillUsed).
 * - Zone Normal is initialised on demand (deferred_init=lazy): its wholly free pageblocks lie in
 *   runs of all lengths over its initialised part and its non-Movable pageblocks spread over it
 *   (lazyWholeFreeKeys, lazyTypeKeys), where the synthesis put the untouched run at the top and
 *   the non-Movable clusters at the bottom, the used memory all low: the scanners met at about a
 *   quarter of its initialised part, the kernel's near half of it.
 *
 * Held with the emptied bottom of the compactions earlier in its boot switched off
 * (setEmptiedBottomRule: drawn in some seeds, it puts their wholly free pageblocks low and takes
 * their migrate scanner further still; test/fidelity/synth_emptied_bottom_k618.test.ts): these
 * are the layouts of the seeds that draw none.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { join } from 'node:path'
import { synthBandRow } from '../../host/fidelity.ts'
import { openForSynthesis } from '../../host/load.ts'
import { setEmptiedBottomRule, setEmptyLruZoneRule, setLazyZoneRule } from '../../engine/reconstruct/synthesize.ts'
import { PageKind } from '../../engine/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

beforeAll(() => { setEmptiedBottomRule(false) })
afterAll(() => { setEmptyLruZoneRule(true); setLazyZoneRule(true); setEmptiedBottomRule(true) })

const REAL_MIGRATE_SCANNED = 3275775

function lruPagesIn(model: import('../../engine/index.ts').MemoryModel, zoneName: string): number {
  const z = model.zones.find((x) => x.name === zoneName)!
  let n = 0
  for (let p = z.startPfn; p < z.endPfn; p++) {
    const v = model.memMap[p - model.basePfn]!
    if (v === PageKind.ANON || v === PageKind.FILE || v === PageKind.UNEVICTABLE) n++
  }
  return n
}

/** pageblocks of the zone's initialised part that are wholly free, how many of them lie in runs of 16 or more, and how many in its lower half */
function wholeFreeRuns(model: import('../../engine/index.ts').MemoryModel, zoneName: string): { whole: number; inLongRuns: number; lowerHalf: number } {
  const z = model.zones.find((x) => x.name === zoneName)!
  const pbPages = model.pageblockNrPages
  const free: boolean[] = []
  for (let pb = z.startPfn; pb + pbPages <= z.endPfn; pb += pbPages) {
    if (model.memMap[pb - model.basePfn] === PageKind.UNINIT) break
    let f = true
    for (let p = pb; p < pb + pbPages && f; p++) {
      const v = model.memMap[p - model.basePfn]!
      f = (v & 0x80) !== 0 || v === PageKind.BUDDY_TAIL
    }
    free.push(f)
  }
  let whole = 0, inLongRuns = 0, run = 0, lowerHalf = 0
  free.forEach((f, i) => {
    if (f) { whole++; run++; if (i < free.length / 2) lowerHalf++ } else { if (run >= 16) inLongRuns += run; run = 0 }
  })
  if (run >= 16) inLongRuns += run
  return { whole, inLongRuns, lowerHalf }
}

describe('host-24G-k618-g (6.18), synthesized layouts: the migrate scanner walks as far as the kernel\'s', () => {
  it('DMA32, whose LRU counters are all 0, holds no LRU page (and did with the rule off)', async () => {
    const src = await openForSynthesis(join(FIXTURES, 'host-24G-k618-g'), { capture: '01-before' })
    try {
      setEmptyLruZoneRule(false)
      expect(lruPagesIn(src.layout(1).model, 'DMA32')).toBeGreaterThan(0)
      setEmptyLruZoneRule(true)
      for (const seed of [1, 2, 3]) expect(lruPagesIn(src.layout(seed).model, 'DMA32'), `seed ${seed}`).toBe(0)
    } finally { setEmptyLruZoneRule(true) }
  }, 120_000)

  it('zone Normal\'s wholly free pageblocks lie over its initialised part, mostly in runs of 16 or more, as kpageflags have them', async () => {
    // the exact layout: 40 % of its 4481 in the lower half of the initialised part (25–48 % in the
    // nine host captures before a compaction), 69 % in runs of 16 or more
    const src = await openForSynthesis(join(FIXTURES, 'host-24G-k618-g'), { capture: '01-before' })
    for (const seed of [1, 2, 3]) {
      const { whole, inLongRuns, lowerHalf } = wholeFreeRuns(src.layout(seed).model, 'Normal')
      expect(whole).toBe(4481)
      expect(inLongRuns / whole, `seed ${seed}`).toBeGreaterThan(0.4)
      expect(lowerHalf / whole, `seed ${seed}`).toBeGreaterThan(0.25)
    }
    // as one run near the top (the rule off): few in the lower half
    setLazyZoneRule(false)
    try {
      for (const seed of [1, 2, 3]) {
        const { whole, lowerHalf } = wholeFreeRuns(src.layout(seed).model, 'Normal')
        expect(lowerHalf / whole, `seed ${seed}`).toBeLessThan(0.25)
      }
    } finally { setLazyZoneRule(true) }
  }, 120_000)

  it('compact_migrate_scanned: the band holds the real value; with either rule off its p95 lies below it', async () => {
    const on = (await synthBandRow(FIXTURES, 'host-24G-k618-g', '01-before'))!.cells['compact_migrate_scanned']
    expect(on.real).toBe(REAL_MIGRATE_SCANNED)
    expect(on.inBand, `${on.real} against ${on.lo}–${on.hi}`).toBe(true)
    for (const off of [setEmptyLruZoneRule, setLazyZoneRule]) {
      off(false)
      try {
        const c = (await synthBandRow(FIXTURES, 'host-24G-k618-g', '01-before'))!.cells['compact_migrate_scanned']
        expect(c.hi, off.name).toBeLessThan(REAL_MIGRATE_SCANNED)
      } finally { off(true) }
    }
  }, 600_000)
})
