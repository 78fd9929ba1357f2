/**
 * The compaction fast path's frees (PageAllocator.freeUnrefPages: its bulk frees merge each run of
 * consecutive pages an aligned block at a time and push only the blocks still free at the end)
 * against free_unref_page one page at a time (freeUnrefPage: each bulk-freed page through
 * __free_one_page), over random runs of frees, pcp limits, releases and pageblock types (fast-check):
 * the same page map, counts, free lists in list order, per-cpu lists, counters and free run
 * (free_factor / free_count), and the same blocks for the allocations that follow.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { bootModel } from '../../engine/mm/memblock.ts'
import { checkModel } from '../../engine/mm/debug.ts'
import { PageKind } from '../../engine/mm/page.ts'
import type { MemoryModel } from '../../engine/mm/mmzone.ts'
import type { PageAllocator } from '../../engine/mm/page_alloc.ts'

const PAGES = 16384
const PB = 512

interface Case {
  kernel: number
  high: number
  batch: number
  /** pageblock index → type name, set before anything is allocated */
  types: Array<[number, 'unmovable' | 'reclaimable' | 'cma' | 'highatomic']>
  /** pages freed straight to the buddy allocator first (free blocks the runs merge with) */
  early: number[]
  /** runs of frees: first pfn and length (consecutive pfns, in increasing order) */
  runs: Array<[number, number]>
  /** sizes of the freeUnrefPages calls the sequence is cut into */
  cuts: number[]
  /** after this many frees, a pageblock becomes Isolate (start_isolate_page_range: its pcp pages go back on the Isolate list) */
  isolateAt: [number, number] | null
  /** allocations afterwards: order and intent */
  after: Array<[number, 'movable' | 'unmovable']>
}

function setUp(c: Case): { model: MemoryModel; allocator: PageAllocator } {
  const { model, allocator } = bootModel({ pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }, [{ name: 'Normal', startPfn: 0, spanned: PAGES }])
  const z = model.zones[0]!
  z.wmark = { min: 8, low: 16, high: 24, promo: 32 }
  z.pcpHigh = c.high
  z.pcpBatch = c.batch
  allocator.policy.kernel = c.kernel
  const mts = model.migratetypes
  for (const [pb, t] of c.types) model.pageblockMt[pb % (PAGES / PB)] = mts[t]
  // every page allocated, one at a time
  while (allocator.allocPages({ order: 0, gfp: 'movable', kind: PageKind.ANON })) { /* next */ }
  for (const z2 of model.zones) z2.wmark = { min: 0, low: 0, high: 0, promo: 0 }
  while (allocator.allocPages({ order: 0, gfp: 'movable', kind: PageKind.ANON })) { /* next */ }
  for (const p of c.early) if (model.memMap[p % PAGES] === PageKind.ANON) allocator.freePages(p % PAGES, 0)
  return { model, allocator }
}

/** the frees in order: each run's pages still allocated, each page once */
function sequence(model: MemoryModel, c: Case): number[] {
  const seen = new Set<number>()
  const out: number[] = []
  for (const [start, len] of c.runs) {
    for (let p = start % PAGES; p < Math.min(PAGES, (start % PAGES) + len); p++) {
      if (seen.has(p) || model.memMap[p] !== PageKind.ANON) continue
      seen.add(p)
      out.push(p)
    }
  }
  return out
}

function state(model: MemoryModel, allocator: PageAllocator): unknown {
  const z = model.zones[0]!
  const lists: number[][] = []
  for (let o = 0; o < z.free.nrOrders; o++) for (let mt = 0; mt < z.free.nrTypes; mt++) lists.push(z.free.validEntries(o, mt, model.memMap, model.basePfn))
  return {
    memMap: Buffer.from(model.memMap).toString('base64'), nrFreeMt: [...z.free.nrFreeMt], lists, nrFreePages: z.nrFreePages, nrFreeCmaPages: z.nrFreeCmaPages,
    pcpPages: z.pcpPages, pcp: allocator.pcpLists(z).map((l) => [...l]), counters: allocator.events.toJSON(),
    // nr_pcp_free()'s run of frees (free_factor, free_count): it sets the size of the bulk frees to
    // come (made on first use: the batched frees before 6.7 make it at the first bulk free only)
    freeRun: { factor: 0, count: 0, ...(allocator as unknown as { pcpFreeRun: Map<unknown, object> }).pcpFreeRun.get(z) },
  }
}

function run(c: Case, batched: boolean): { state: unknown; after: unknown; problems: string[] } {
  const { model, allocator } = setUp(c)
  const z = model.zones[0]!
  const seq = sequence(model, c)
  // the pcp lists are made before the first free
  allocator.pcpLists(z)
  let i = 0
  let cut = 0
  while (i < seq.length) {
    let n = Math.max(1, c.cuts.length ? c.cuts[cut++ % c.cuts.length]! : seq.length)
    if (c.isolateAt && i < c.isolateAt[0] && i + n > c.isolateAt[0]) n = c.isolateAt[0] - i
    n = Math.min(n, seq.length - i)
    if (batched) allocator.freeUnrefPages(z, Int32Array.from(seq.slice(i, i + n)), n)
    else for (const p of seq.slice(i, i + n)) allocator.freeUnrefPage(p, z)
    i += n
    if (c.isolateAt && i === c.isolateAt[0]) model.pageblockMt[c.isolateAt[1] % (PAGES / PB)] = model.migratetypes.isolate
  }
  const s = state(model, allocator)
  const problems = checkModel(model)
  const after = c.after.map(([order, gfp]) => allocator.allocPages({ order, gfp })?.pfn ?? -1)
  return { state: s, after: [after, state(model, allocator)], problems }
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  kernel: fc.constantFrom(6001, 6012),
  high: fc.integer({ min: 8, max: 600 }),
  batch: fc.integer({ min: 1, max: 63 }),
  types: fc.array(fc.tuple(fc.nat(), fc.constantFrom('unmovable' as const, 'reclaimable' as const, 'cma' as const, 'highatomic' as const)), { maxLength: 8 }),
  early: fc.array(fc.nat(), { maxLength: 300 }),
  runs: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 1100 })), { minLength: 1, maxLength: 40 }),
  cuts: fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 6 }),
  isolateAt: fc.option(fc.tuple(fc.nat({ max: 4000 }), fc.nat()), { nil: null }),
  after: fc.array(fc.tuple(fc.nat({ max: 10 }), fc.constantFrom('movable' as const, 'unmovable' as const)), { maxLength: 40 }),
})

describe('per-cpu lists: a bulk free of a run of pages at once gives what freeing them one at a time gives', () => {
  it('page map, counts, free lists in list order, pcp lists and counters, then the same allocations', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const one = run(c, false)
      const batched = run(c, true)
      expect(one.problems).toEqual([])
      expect(batched.state).toEqual(one.state)
      expect(batched.after).toEqual(one.after)
    }), { numRuns: 120 })
  }, 300_000)

  it('a long run of consecutive pages merges into pageblock-sized blocks as one by one (and the pcp list is bulk-freed)', () => {
    const c: Case = { kernel: 6001, high: 300, batch: 31, types: [[3, 'unmovable'], [4, 'cma']], early: [1, 700, 2049], runs: [[0, 9000], [10001, 3000]], cuts: [257, 1000, 3], isolateAt: [5000, 20], after: [[9, 'movable'], [10, 'movable'], [0, 'unmovable']] }
    const one = run(c, false)
    const batched = run(c, true)
    expect(one.problems).toEqual([])
    expect(batched.state).toEqual(one.state)
    expect(batched.after).toEqual(one.after)
    expect((one.state as { counters: Record<string, number> }).counters['pgfree']).toBeGreaterThan(9000)
  })
})
