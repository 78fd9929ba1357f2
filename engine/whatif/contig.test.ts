import { describe, it, expect } from 'vitest'
import { PageKind } from '../mm/page.ts'
import { checkModel } from '../mm/debug.ts'
import { cloneModel } from '../mm/serialize.ts'
import { newCmaArea } from '../mm/cma.ts'
import { runThpWhatIf, runHugetlbWhatIf, runCmaWhatIf, runContigWhatIf, thpGfp, type DefragMode } from './contig.ts'
import { findZoneMovablePfns, carveZoneMovable, type MovableSpec } from './movable.ts'
import { placePins, compactionStragglers } from './pins.ts'
import { machine, layout, type TestMachine } from '../../test/helpers/layout.ts'

const count = (m: import('../mm/mmzone.ts').MemoryModel, kind: number, from = m.basePfn, to = m.endPfn): number => {
  let n = 0
  for (let p = from; p < to; p++) if (m.page(p) === kind) n++
  return n
}

function fragmented(): TestMachine {
  const t = machine(16384)
  layout(t, (p) => (p % 5 === 0 ? PageKind.ANON : null))
  return t
}

describe('THP at fault per defrag mode (6.1 vma_thp_gfp_mask)', () => {
  const run = (defrag: DefragMode, madvised: boolean) => {
    const t = fragmented()
    return runThpWhatIf(t.model, t.allocator, { defrag, madvised, order: 9, table: false, reclaim: { kind: 'none' } }, 9)
  }

  it('maps the modes to the GFP masks of §6.1', () => {
    expect(thpGfp('always', true)).toMatchObject({ directReclaim: true, noretry: false })
    expect(thpGfp('always', false)).toMatchObject({ directReclaim: true, noretry: true })
    expect(thpGfp('defer', true)).toMatchObject({ directReclaim: false, kswapd: true })
    expect(thpGfp('defer+madvise', false)).toMatchObject({ directReclaim: false, kswapd: true })
    expect(thpGfp('defer+madvise', true)).toMatchObject({ directReclaim: true })
    expect(thpGfp('madvise', false)).toMatchObject({ directReclaim: false, kswapd: false })
    expect(thpGfp('never', true)).toMatchObject({ directReclaim: false, kswapd: false })
  })

  it('falls back without any compaction under never, madvise (plain) and defer', () => {
    for (const [d, mad] of [['never', true], ['madvise', false], ['defer', false]] as Array<[DefragMode, boolean]>) {
      const r = run(d, mad)
      expect(r.succeeded, `${d} ${mad}`).toBe(0)
      expect(r.counters['compact_stall']).toBe(0)
      expect(r.counters['thp_fault_fallback']).toBe(1)
      expect(r.results[0]!.wokeKswapd).toBe(d === 'defer')
    }
  })

  it('compacts for a huge page under always and madvise (madvised), and reports the work', () => {
    for (const [d, mad] of [['always', true], ['always', false], ['madvise', true], ['defer+madvise', true]] as Array<[DefragMode, boolean]>) {
      const r = run(d, mad)
      expect(r.succeeded, `${d} ${mad}`).toBe(1)
      expect(r.results[0]!.via).toBe('compaction')
      expect(r.counters['compact_stall']).toBeGreaterThan(0)
      expect(r.counters['pgmigrate_success']).toBeGreaterThan(0)
      expect(r.verdict).toMatch(/would get a huge page \(after compaction/)
    }
  })

  it('takes a free pageblock without compaction in every mode, and tabulates the modes', () => {
    const t = machine(16384)
    layout(t, (p) => (p >= 8192 && p % 5 === 0 ? PageKind.ANON : null))
    const r = runThpWhatIf(t.model, t.allocator, { defrag: 'never', madvised: false, order: 9, reclaim: { kind: 'none' } }, 9)
    expect(r.succeeded).toBe(1)
    expect(r.table).toHaveLength(10)
    expect(r.table.every((x) => x.success && x.via === 'fast')).toBe(true)
  })
})

describe('hugetlb what-if', () => {
  it('reports obtained with and without compaction and a yield curve', () => {
    const t = fragmented()
    const r = runHugetlbWhatIf(t.model, t.allocator, { order: 9, count: 12, reclaim: { kind: 'none' } }, 9)
    expect(r.obtained).toBe(12)
    expect(r.obtainedWithCompaction).toBe(12)
    expect(r.obtainedWithoutCompaction).toBe(0)
    expect(r.yield.at(-1)).toEqual({ requested: 12, obtainedWithCompaction: 12, obtainedWithoutCompaction: 0 })
    expect(r.counters['htlb_buddy_alloc_success']).toBe(12)
    expect(r.verdict).toMatch(/would succeed .*Without compaction: 0/)
    expect(checkModel(t.model)).toEqual([])
  })
})

describe('ZONE_MOVABLE (6.1 find_zone_movable_pfns_for_nodes)', () => {
  const twoZones = (): TestMachine => machine(0, [{ name: 'DMA32', startPfn: 0, spanned: 16384 }, { name: 'Normal', startPfn: 16384, spanned: 49152 }])
  const spec = (o: Partial<MovableSpec>): MovableSpec => ({ minFreeKbytes: 1024, watermarkScaleFactor: 10, lowmemReserveRatio: [256, 256, 32, 0, 0], ...o })

  it('puts ZONE_MOVABLE at the top of the node, counting lower zones towards kernelcore', () => {
    const t = twoZones()
    expect(findZoneMovablePfns(t.model, { movablecore: { percent: 25 } }).get(0)).toBe(49152)
    expect(findZoneMovablePfns(t.model, { kernelcore: { pages: 32768 } }).get(0)).toBe(32768)
    // kernelcore smaller than DMA32: the movable part starts where Normal does
    expect(findZoneMovablePfns(t.model, { kernelcore: { pages: 1000 } }).get(0)).toBe(16384)
    // movablecore rounds up to a MAX_ORDER block
    expect(findZoneMovablePfns(t.model, { movablecore: { pages: 100 } }).get(0)).toBe(65536 - 1024)
    expect(findZoneMovablePfns(t.model, { kernelcore: { pages: 1 << 20 } }).size).toBe(0)
  })

  it('re-runs the layout: non-movable pages in ZONE_MOVABLE move to the kernel part, nothing is lost', () => {
    const t = twoZones()
    layout(t, (p) => (p % 97 === 0 ? PageKind.KERNEL : p % 101 === 0 ? PageKind.SLAB : p % 3 === 0 ? PageKind.ANON : null))
    const kinds = [PageKind.KERNEL, PageKind.SLAB, PageKind.ANON].map((k) => count(t.model, k))
    const r = carveZoneMovable(t.model, t.allocator, spec({ movablecore: { percent: 25 } }))
    expect(r.model.zones.map((z) => [z.name, z.startPfn, z.spanned])).toEqual([['DMA32', 0, 16384], ['Normal', 16384, 32768], ['Movable', 49152, 16384]])
    expect(count(r.model, PageKind.KERNEL, 49152) + count(r.model, PageKind.SLAB, 49152)).toBe(0)
    expect([PageKind.KERNEL, PageKind.SLAB, PageKind.ANON].map((k) => count(r.model, k))).toEqual(kinds)
    expect(r.relocated).toBeGreaterThan(250)
    expect(r.conflictsTotal).toBe(0)
    expect(checkModel(r.model)).toEqual([])
    // lowmem_reserve: DMA32 protects itself against Normal and Movable requests
    const dma32 = r.model.zones[0]!
    expect(dma32.protection[2]).toBe(Math.floor(32768 / 256))
    expect(dma32.protection[4]).toBe(Math.floor((32768 + 16384) / 256))
    expect(r.says.join(' ')).toMatch(/ZONE_MOVABLE of 64 MiB/)
  })

  it('reports the non-movable pages that cannot fit in the kernel part', () => {
    const t = twoZones()
    layout(t, (p) => (p < 49152 ? PageKind.KERNEL : p % 2 ? PageKind.SLAB : null))
    const r = carveZoneMovable(t.model, t.allocator, spec({ movablecore: { percent: 25 } }))
    expect(r.conflictsTotal).toBe(8192)
    expect(r.conflicts[0]).toEqual({ pfn: 49153, kind: 'slab' })
    expect(checkModel(r.model)).toEqual([])
  })

  it('changes what a contiguous allocation finds (has_unmovable_pages trusts ZONE_MOVABLE)', () => {
    const t = twoZones()
    layout(t, (p) => (p % 500 === 0 ? PageKind.KERNEL : p % 3 === 0 ? PageKind.ANON : null))
    const base = cloneModel(t.model, t.allocator.policy)
    const without = runContigWhatIf(base.model, base.allocator, { nrPages: 8192, gfp: 'movable', reclaim: { kind: 'none' } }, 9)
    const withM = runContigWhatIf(t.model, t.allocator, { nrPages: 8192, gfp: 'movable', reclaim: { kind: 'none' }, movable: spec({ movablecore: { percent: 25 } }) }, 9)
    expect(without.success).toBe(false)
    expect(withM.success).toBe(true)
    expect(withM.pfn).toBeGreaterThanOrEqual(49152)
    expect(withM.movableStart).toEqual({ 0: 49152 })
  })
})

describe('pinned assumption for contiguous what-ifs', () => {
  it('keeps long-term pins out of CMA blocks when they migrate before pinning', () => {
    const mk = (): TestMachine => {
      const t = machine(16384)
      const mts = t.model.migratetypes
      layout(t, (p) => (p % 2 ? PageKind.ANON : null), (pb) => (pb >= 8192 ? mts.cma : undefined))
      return t
    }
    const a = mk()
    placePins(a.model, a.allocator, { kind: 'pages', count: 400, seed: 3, source: 't' }, { migrateBeforePin: true, placement: 'uniform' })
    expect(count(a.model, PageKind.PINNED, 8192)).toBe(0)
    expect(count(a.model, PageKind.PINNED)).toBe(400)
    const b = mk()
    placePins(b.model, b.allocator, { kind: 'pages', count: 400, seed: 3, source: 't' }, { migrateBeforePin: false, placement: 'uniform' })
    expect(count(b.model, PageKind.PINNED, 8192)).toBeGreaterThan(100)
  })

  it('after a full compaction, places pins first where compaction left pages behind', () => {
    // 4 sparse blocks low in the zone (stragglers), dense anon blocks at the top
    const t = machine(16384)
    layout(t, (p) => (p < 2048 ? (p % 64 === 0 ? PageKind.ANON : null) : p >= 12288 ? PageKind.ANON : null))
    const strag = compactionStragglers(t.model, t.allocator)
    expect(strag.size).toBeGreaterThan(16)
    expect(strag.size).toBeLessThan(32)
    const r = placePins(t.model, t.allocator, { kind: 'pages', count: 32, seed: 1, source: 't' }, { migrateBeforePin: true, placement: 'after-compaction' })
    expect(r.pinned).toBe(32)
    // every straggler is pinned, the rest land at random among the other anonymous pages
    for (const i of strag) expect(t.model.memMap[i]).toBe(PageKind.PINNED)
    expect(r.says.join(' ')).toMatch(/follows a full compaction/)
  })

  it('a CMA verdict follows the switch: pins in the area block it only when they may sit there', () => {
    const mk = (): TestMachine => {
      const t = machine(16384)
      const mts = t.model.migratetypes
      layout(t, (p) => (p % 4 === 0 ? PageKind.ANON : null), (pb) => (pb >= 8192 && pb < 12288 ? mts.cma : undefined))
      return t
    }
    const area = newCmaArea('reserved', 8192, 4096)
    const on = mk()
    const r1 = runCmaWhatIf(on.model, on.allocator, { area, count: 4096, align: 12, pinned: { kind: 'fraction', fraction: 0.05, seed: 1, source: 't' }, migrateBeforePin: true, reclaim: { kind: 'none' } }, 9)
    expect(r1.success).toBe(true)
    const off = mk()
    const r2 = runCmaWhatIf(off.model, off.allocator, { area, count: 4096, align: 12, pinned: { kind: 'fraction', fraction: 0.05, seed: 1, source: 't' }, migrateBeforePin: false, reclaim: { kind: 'none' } }, 9)
    expect(r2.success).toBe(false)
    expect(r2.blockerSummary.pinned!.maxPerWindow).toBeGreaterThan(0)
    expect(r2.verdict).toMatch(/would fail: all 1 window tried was blocked, by \d+ pages assumed pinned/)
    expect(r2.assumptions.join(' ')).toMatch(/pins may sit in CMA/)
  })
})

describe('a user-defined (moved or grown) CMA area', () => {
  it('moves the non-movable pages a boot would have put elsewhere, then allocates', () => {
    const t = machine(16384)
    layout(t, (p) => (p >= 8192 && p < 12288 && p % 97 === 0 ? PageKind.SLAB : p % 3 === 0 ? PageKind.ANON : null))
    const slab = count(t.model, PageKind.SLAB)
    const area = newCmaArea('user', 8192, 4096, 0, 'user-defined (--base/--count)')
    const r = runCmaWhatIf(t.model, t.allocator, { area, count: 2048, reclaim: { kind: 'none' } }, 9)
    expect(r.success).toBe(true)
    expect(r.assumptions.join(' ')).toMatch(/user-defined area user: its pageblocks are CMA; the 42 non-movable pages .* were moved to free pages outside it/)
    expect(count(t.model, PageKind.SLAB)).toBe(slab)
    expect(count(t.model, PageKind.SLAB, 8192, 12288)).toBe(0)
    expect(checkModel(t.model)).toEqual([])
  })
})
