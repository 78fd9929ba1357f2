/**
 * The scanners' fast paths (the free scanner's isolateFreepagesChunks: the map read 32 pages at a
 * time into a mask of the pages that stop the scan; the migrate scanner's word steps) against the
 * plain path (CompactOptions.plain: page by page), on random zones of free blocks, anonymous,
 * page-cache, unevictable, pinned, writeback, movable_ops and kernel pages and compound pages of
 * every order (THPs, large folios, hugetlb: before 6.4 the free scan stops at a compound head and
 * steps over its tail pages uncounted), in pageblocks of every type, with the zone's start and the
 * map's words at every alignment, with and without __GFP_FS and compact_unevictable_allowed
 * (fast-check): the same page map, free lists in list order, counts, per-cpu lists, /proc/vmstat
 * counters, tracepoint events and results after a sync and a sync-light full compaction and a
 * sync-light direct compaction, before 6.4 and from 6.4.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { bootModel } from '../../engine/mm/memblock.ts'
import { Compactor, EventLog } from '../../engine/mm/compaction.ts'
import { PageKind, THP_HEAD, FOLIO_HEAD, HUGETLB_HEAD } from '../../engine/mm/page.ts'
import { Rng } from '../../engine/sim/rng.ts'
import type { MemoryModel } from '../../engine/mm/mmzone.ts'
import type { PageAllocator } from '../../engine/mm/page_alloc.ts'

const PB = 512
const NR_PB = 24

interface Case {
  seed: number
  /** pages before the zone (the zone's start against the map's words) */
  offset: number
  /** the map's byte offset in its buffer (MapWords.shift: the bytes before its first word) */
  mapShift: number
  /** share of the pages freed */
  free: number
  /** share of the pages in compound pages */
  compound: number
  kernel: number
  high: number
  batch: number
  /** vm.compact_unevictable_allowed */
  unevictable: boolean
  /** __GFP_FS in the full compactions' request (without it page-cache pages are not isolated) */
  gfpFs: boolean
}

function setUp(c: Case): { model: MemoryModel; allocator: PageAllocator } {
  const pages = NR_PB * PB
  const { model, allocator } = bootModel({ pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }, [{ name: 'Normal', startPfn: c.offset, spanned: pages }])
  const z = model.zones[0]!
  z.pcpHigh = c.high
  z.pcpBatch = c.batch
  allocator.policy.kernel = c.kernel
  const mts = model.migratetypes
  const rng = new Rng(c.seed)
  for (let pb = 0; pb < model.pageblockMt.length; pb++) {
    const r = rng.next()
    if (r < 0.1) model.pageblockMt[pb] = mts.unmovable
    else if (r < 0.15) model.pageblockMt[pb] = mts.reclaimable
  }
  // every page allocated, one at a time
  z.wmark = { min: 0, low: 0, high: 0, promo: 0 }
  while (allocator.allocPages({ order: 0, gfp: 'movable', kind: PageKind.ANON })) { /* next */ }
  // kinds written over the allocated pages: compound pages at aligned pfns, the rest one by one
  const map = model.memMap
  const base = model.basePfn
  const singles: number[] = []
  for (let p = z.startPfn; p < z.endPfn;) {
    if (map[p - base] !== PageKind.ANON) {
      p++
      continue
    }
    if (rng.next() < c.compound) {
      const order = 1 + rng.int(9)
      if (p % 2 ** order === 0 && p + 2 ** order <= z.endPfn) {
        let all = true
        for (let q = p; q < p + 2 ** order; q++) if (map[q - base] !== PageKind.ANON) all = false
        if (all) {
          const kind = [THP_HEAD, FOLIO_HEAD, HUGETLB_HEAD][rng.int(3)]!
          map.fill(PageKind.COMPOUND_TAIL, p - base, p - base + 2 ** order)
          map[p - base] = kind | order
          p += 2 ** order
          continue
        }
      }
    }
    const r = rng.next()
    map[p - base] = r < 0.55 ? PageKind.ANON : r < 0.75 ? PageKind.FILE : r < 0.85 ? PageKind.KERNEL : r < 0.9 ? PageKind.SLAB
      : [PageKind.WRITEBACK, PageKind.UNEVICTABLE, PageKind.PINNED, PageKind.MOVABLE_OPS][rng.int(4)]!
    singles.push(p)
    p++
  }
  for (const p of singles) if (rng.next() < c.free) allocator.freePages(p, 0)
  z.wmark = { min: 16, low: 32, high: 48, promo: 64 }
  if (c.mapShift) {
    const moved = new Uint8Array(map.length + 4).subarray(c.mapShift, c.mapShift + map.length)
    moved.set(map)
    Object.defineProperty(model, 'memMap', { value: moved })
  }
  return { model, allocator }
}

function state(model: MemoryModel, alloc: PageAllocator, log: EventLog, result: unknown): unknown {
  const z = model.zones[0]!
  const lists: number[][] = []
  for (let o = 0; o < z.free.nrOrders; o++) for (let mt = 0; mt < z.free.nrTypes; mt++) lists.push(z.free.validEntries(o, mt, model.memMap, model.basePfn))
  return {
    result, counters: alloc.events.toJSON(), events: log.events, memMap: Buffer.from(model.memMap).toString('base64'),
    pageblockMt: [...model.pageblockMt], pageblockFlags: [...model.pageblockFlags], nrFreeMt: [...z.free.nrFreeMt], lists,
    nrFreePages: z.nrFreePages, pcp: alloc.pcpLists(z).map((l) => [...l]),
  }
}

function run(c: Case, plain: boolean): unknown {
  const { model, allocator } = setUp(c)
  const log = new EventLog(10_000_000)
  const comp = new Compactor(allocator, { events: log, plain, unevictableAllowed: c.unevictable })
  const z = model.zones[0]!
  const full = (mode: 'sync' | 'sync-light'): unknown => comp.compactZone(comp.control(z, -1, mode, { wholeZone: true, ignoreSkipHint: true, gfpFs: c.gfpFs }))
  const result = [full('sync'), comp.tryToCompactPages(4, 'sync-light'), full('sync-light')]
  return state(model, allocator, log, result)
}

describe('compaction: the scanners\' fast paths give what the plain path gives', () => {
  it('on random zones with compound pages, before 6.4 and from 6.4, at every alignment of the map', () => {
    fc.assert(fc.property(
      fc.record({
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
        offset: fc.constantFrom(0, 1, 2, 3, 5, 8, 13, 31, 33, 512),
        mapShift: fc.integer({ min: 0, max: 3 }),
        free: fc.double({ min: 0.02, max: 0.6, noNaN: true }),
        compound: fc.double({ min: 0, max: 0.3, noNaN: true }),
        kernel: fc.constantFrom(6001, 6012),
        high: fc.integer({ min: 0, max: 400 }),
        batch: fc.integer({ min: 1, max: 63 }),
        unevictable: fc.boolean(),
        gfpFs: fc.boolean(),
      }),
      (c) => {
        const fast = run(c, false)
        const plain = run(c, true)
        expect(fast).toEqual(plain)
        expect((fast as { counters: Record<string, number> }).counters['compact_free_scanned'], 'the free scanner ran').toBeGreaterThan(0)
      },
    ), { numRuns: 40 })
  }, 300_000)
})
