import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { bootModel } from './memblock.ts'
import { checkModel } from './debug.ts'
import { PageKind, isFreeHead, headOrder } from './page.ts'
import { Compactor, compactGap, EventLog, PerOrderFreePages } from './compaction.ts'
import type { PageAllocator } from './page_alloc.ts'
import type { MemoryModel } from './mmzone.ts'

const X86 = { pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }

/** a zone of `blocks` pageblocks; every other page of the low half movable, the rest free */
function fragmented(blocks = 8, kind = PageKind.ANON) {
  const { model, allocator } = bootModel(X86, [{ name: 'Normal', startPfn: 0, spanned: blocks * 512 }])
  const z = model.zones[0]!
  z.wmark = { min: 0, low: 0, high: 0, promo: 0 }
  allocator.policy.watermarkBoostFactor = 0
  const live: number[] = []
  for (let i = 0; i < blocks * 512 - 1; i++) {
    const r = allocator.allocPages({ order: 0, gfp: 'movable', kind })!
    live.push(r.pfn)
  }
  z.wmark = { min: 16, low: 20, high: 24, promo: 28 }
  // free every other page of the lower half, and all of the upper half except each pageblock's
  // first page (so no upper pageblock starts with a free pageblock-sized block: those are never targets)
  for (const p of live) if ((p >= (blocks / 2) * 512 && p % 512 !== 0) || (p < (blocks / 2) * 512 && p % 2 === 1)) allocator.freePages(p, 0)
  return { model, allocator, zone: z }
}

function kindCounts(m: MemoryModel): Map<number, number> {
  const c = new Map<number, number>()
  for (const b of m.memMap) {
    if (isFreeHead(b) || b === PageKind.BUDDY_TAIL || b === PageKind.PCP || b === PageKind.HOLE) continue
    c.set(b, (c.get(b) ?? 0) + 1)
  }
  return c
}

function highOrderFreePages(alloc: PageAllocator): number {
  const z = alloc.model.zones[0]!
  let s = 0
  for (let o = 9; o < 11; o++) s += z.free.nrFree(o) * 2 ** o
  return s
}

describe('compaction: full (compact_memory)', () => {
  it('packs movable pages toward the zone top and frees whole pageblocks at the bottom', () => {
    const { model, allocator, zone } = fragmented()
    zone.pcpHigh = 0 // free straight to buddy for this test
    expect(highOrderFreePages(allocator)).toBe(0)
    const before = kindCounts(model)
    const c = new Compactor(allocator)
    const [r] = c.compactMemory()
    expect(r!.result).toBe('complete')
    expect(r!.migrated).toBeGreaterThanOrEqual(1024)
    expect(kindCounts(model)).toEqual(before)
    expect(highOrderFreePages(allocator)).toBeGreaterThanOrEqual(4 * 512)
    // the moved pages now sit in the top pageblocks
    for (let p = 0; p < 1024; p++) expect(model.page(p) === PageKind.ANON).toBe(false)
    expect(checkModel(model)).toEqual([])
    expect(allocator.events.get('pgmigrate_success')).toBe(r!.migrated)
    // every migrated page was isolated once as a source and once as a target
    expect(allocator.events.get('compact_isolated')).toBeGreaterThanOrEqual(2 * r!.migrated)
  })

  it('leaves pinned and unmovable pages where they are, and never targets Unmovable blocks', () => {
    const { model, allocator, zone } = fragmented()
    zone.pcpHigh = 0
    model.memMap[2] = PageKind.PINNED
    model.memMap[600] = PageKind.KERNEL
    model.setPageblockMigratetype(7 * 512, model.migratetypes.unmovable)
    const c = new Compactor(allocator)
    c.compactMemory()
    expect(model.page(2)).toBe(PageKind.PINNED)
    expect(model.page(600)).toBe(PageKind.KERNEL)
    let anonInBlock7 = 0
    for (let p = 7 * 512; p < 8 * 512; p++) if (model.page(p) === PageKind.ANON) anonInBlock7++
    expect(anonInBlock7).toBe(1) // only its own first page: nothing migrated into it
    expect(checkModel(model)).toEqual([])
  })

  it('does not migrate mlocked pages when compact_unevictable_allowed=0', () => {
    const { model, allocator, zone } = fragmented(8, PageKind.UNEVICTABLE)
    zone.pcpHigh = 0
    const c = new Compactor(allocator, { unevictableAllowed: false })
    const [r] = c.compactMemory()
    expect(r!.migrated).toBe(0)
    expect(checkModel(model)).toEqual([])
  })

  it('freed source pages go to the pcp list first (free_unref_page) and spill in batches', () => {
    const { model, allocator, zone } = fragmented()
    zone.pcpHigh = 100
    zone.pcpBatch = 10
    new Compactor(allocator).compactMemory()
    expect(zone.pcpPages).toBeLessThan(100)
    expect(zone.pcpPages).toBeGreaterThanOrEqual(10)
    let pcp = 0
    for (const b of model.memMap) if (b === PageKind.PCP) pcp++
    expect(pcp).toBe(zone.pcpPages)
    expect(checkModel(model)).toEqual([])
  })

  it('6.4+: free blocks and compound pages the migrate scanner steps over count as scanned, page by page', () => {
    const scanned = (kernel: number): { scanned: number; migrated: number } => {
      const { model, allocator, zone } = fragmented()
      zone.pcpHigh = 0
      allocator.policy.kernel = kernel
      // a THP-like compound page of order 4 in the scanned half: stepped over, never migrated
      model.memMap.fill(PageKind.COMPOUND_TAIL, 64, 80)
      model.memMap[64] = 0x40 | 4
      const [r] = new Compactor(allocator).compactMemory()
      return { scanned: r!.migrateScanned, migrated: r!.migrated }
    }
    const old = scanned(6001)
    const now = scanned(6008)
    expect(now.migrated).toBe(old.migrated)
    // the order-4 compound page adds 15 pages; free blocks of order > 0 add theirs
    expect(now.scanned - old.scanned).toBeGreaterThanOrEqual(15)
  })

  it('emits tracepoint-named events and a scanner timeline', () => {
    const { allocator, zone } = fragmented()
    zone.pcpHigh = 0
    const log = new EventLog()
    const c = new Compactor(allocator, { events: log })
    c.compactMemory()
    const names = new Set(log.events.map((e) => e.name))
    expect(names).toEqual(new Set(['mm_compaction_begin', 'mm_compaction_isolate_migratepages', 'mm_compaction_isolate_freepages', 'mm_compaction_migratepages', 'mm_compaction_end']))
    expect(c.timeline.length).toBeGreaterThan(4)
    const end = log.events.at(-1)!
    expect(end).toMatchObject({ name: 'mm_compaction_end', status: 'complete' })
  })
})

describe('compaction: 6.9+ large folios', () => {
  it('cc->freepages per order: the lowest order that has a block, split in halves, upper halves at the list heads', () => {
    const f = new PerOrderFreePages(11)
    f.addBlock(100, 4)
    f.addBlock(200, 1)
    expect(f.length).toBe(5)
    expect(f.hasOrder(3)).toBe(false)
    expect(f.take()).toBe(200)
    // the order-2 block: 100 is taken, 102 (order 1) and 101 (order 0) go to the heads of their lists
    expect(f.take()).toBe(100)
    expect(f.blocks()).toEqual([[101, 0], [102, 1]])
    expect(f.alloc(1)).toBe(102)
    expect(f.alloc(1)).toBe(-1)
    expect(f.take()).toBe(101)
    expect(f.length).toBe(0)
    expect(() => f.addBlock(300, 3)).toThrow(/no buddy block/)
  })

  /**
   * block 0: an order-2 folio at PFN 0, the rest free; block 1: kernel pages; blocks 2 and 3:
   * every other page free (with `targets`), so the free scanner finds nothing but order-0 targets
   */
  function folioWithoutTarget(kernel = 6018, targets = true) {
    const { model, allocator } = bootModel(X86, [{ name: 'Normal', startPfn: 0, spanned: 4 * 512 }])
    const z = model.zones[0]!
    z.wmark = { min: 0, low: 0, high: 0, promo: 0 }
    z.pcpHigh = 0
    allocator.policy.watermarkBoostFactor = 0
    allocator.policy.kernel = kernel
    for (let i = 0; i < 4 * 512; i++) allocator.allocPages({ order: 0, gfp: 'movable', kind: PageKind.ANON })
    for (let p = 512; p < 1024; p++) model.memMap[p] = PageKind.KERNEL
    model.memMap[0] = 0x40 | 2
    model.memMap.fill(PageKind.COMPOUND_TAIL, 1, 4)
    for (let p = 4; p < 512; p++) allocator.freePages(p, 0)
    if (targets) for (let p = 1024; p < 2048; p++) if (p % 2 === 1) allocator.freePages(p, 0)
    return { model, allocator }
  }

  it('a full compaction migrates a large folio below pageblock order whole from 6.9, steps over it before', () => {
    const run = (kernel: number) => {
      const { model, allocator } = folioWithoutTarget(kernel, false)
      // one free order-2 block at the top: the folio's target
      for (let p = 1536 + 4; p < 1536 + 8; p++) allocator.freePages(p, 0)
      const [r] = new Compactor(allocator).compactMemory()
      expect(checkModel(model)).toEqual([])
      return { r: r!, at0: model.memMap[0], atTop: model.memMap[1536 + 4] }
    }
    const old = run(6008)
    // 6.8 steps over the folio: the free block takes pages of block 2
    expect(old.at0).toBe(0x40 | 2)
    expect(old.atTop).toBe(PageKind.ANON)
    const now = run(6009)
    expect(now.at0).not.toBe(0x40 | 2)
    expect(now.atTop).toBe(0x40 | 2)
    expect(now.r.migrated).toBeGreaterThanOrEqual(4)
    expect(now.r.isolated).toBeGreaterThanOrEqual(8)
  })

  it('a large folio with no free block of its order is split and its pages migrated one by one', () => {
    const { model, allocator } = folioWithoutTarget()
    const [r] = new Compactor(allocator).compactMemory()
    expect(r!.result).toBe('complete')
    // its 4 pages, and pages of blocks 2 and 3 before the scanners meet
    expect(r!.migrated).toBeGreaterThanOrEqual(4)
    for (let p = 0; p < 4; p++) expect(model.memMap[p]).not.toBe(PageKind.ANON)
    expect(model.memMap.includes(0x40 | 2)).toBe(false)
    expect(checkModel(model)).toEqual([])
  })

  it('one whose split fails (dirty page cache with fs-private data) ends the compaction: -ENOMEM, COMPACT_CONTENDED', () => {
    const { model, allocator } = folioWithoutTarget()
    model.unsplittable.add(0)
    const log = new EventLog()
    const [r] = new Compactor(allocator, { events: log }).compactMemory()
    expect(r!.result).toBe('contended')
    expect(r!.migrated).toBe(0)
    expect(r!.failed).toBe(4)
    expect(model.memMap[0]).toBe(0x40 | 2)
    expect(log.events.filter((e) => e.name === 'mm_compaction_migratepages')).toEqual([expect.objectContaining({ nrMigrated: 0, nrFailed: 4 })])
    // the isolated targets went back
    expect(model.memMap.includes(PageKind.ISOLATED_FREE)).toBe(false)
    expect(checkModel(model)).toEqual([])
  })

  it('a zone whose top is not initialised yet ends, for compaction, where its initialised part ends', () => {
    const { model, allocator } = folioWithoutTarget()
    model.memMap.fill(PageKind.UNINIT, 1536, 2048)
    const log = new EventLog()
    new Compactor(allocator, { events: log }).compactMemory()
    expect(log.events[0]).toMatchObject({ name: 'mm_compaction_begin', zoneEnd: 1536, freePfn: 1024 })
  })
})

describe('compaction: direct, suitability, deferral, skip bits', () => {
  it('compact_gap is 2 × 2^order', () => {
    expect(compactGap(9)).toBe(1024)
  })

  it('is not needed when the order is already available (COMPACT_SUCCESS from compaction_suitable)', () => {
    const { allocator } = fragmented()
    const c = new Compactor(allocator)
    expect(c.compactionSuitable(allocator.model.zones[0]!, 3, 0x80 | 1, 99)).toBe('success')
  })

  it('skips when order-0 memory is below the watermark plus the compact gap', () => {
    const { allocator, zone } = fragmented()
    zone.wmark = { min: 3000, low: 3000, high: 3000, promo: 3000 }
    expect(new Compactor(allocator).compactionSuitable(zone, 10, 0x80 | 1, 99)).toBe('skipped')
  })

  it('stops early once a block of the requested order exists (finish test), sets skip bits as it goes', () => {
    const { model, allocator, zone } = fragmented(16)
    zone.pcpHigh = 0
    // make the top half unusable as large blocks so order 10 must be built
    for (let b = 8; b < 16; b += 2) allocator.allocPages({ order: 0, gfp: 'unmovable' })
    const c = new Compactor(allocator)
    const r = c.tryToCompactPages(3, 'sync-light')
    expect(['success', 'complete', 'skipped']).toContain(r.result)
    expect(checkModel(model)).toEqual([])
  })

  it('defers after a failed sync compaction and counts down (compaction_deferred)', () => {
    const { allocator, zone } = fragmented()
    const c = new Compactor(allocator)
    c.deferCompaction(zone, 9)
    expect(zone.compactDeferShift).toBe(1)
    // limit 1 << 1 = 2: the next attempt is skipped, the one after goes ahead
    expect(c.compactionDeferred(zone, 9)).toBe(true)
    expect(c.compactionDeferred(zone, 9)).toBe(false)
    c.deferCompaction(zone, 9)
    c.deferCompaction(zone, 9)
    expect(zone.compactDeferShift).toBe(3)
    for (let i = 0; i < 7; i++) expect(c.compactionDeferred(zone, 9)).toBe(true)
    expect(c.compactionDeferred(zone, 9)).toBe(false)
    expect(c.compactionDeferred(zone, 8)).toBe(false) // below compact_order_failed
    c.compactionDeferReset(zone, 9, true)
    expect(zone.compactDeferShift).toBe(0)
  })

  it('capture (every release): the block check_drain merges is taken off the lists, and one more batch migrates before success', () => {
    const { model, allocator, zone } = fragmented()
    zone.pcpHigh = 100000 // freed sources stay on the running CPU's list until a drain
    zone.pcpBatch = 32
    const c = new Compactor(allocator)
    const log = new EventLog()
    c.events = log
    const r = c.compactZone(c.control(zone, 9, 'async', { directCompaction: true }))
    expect(r.result).toBe('success')
    const taken = log.events.filter((e) => e.name === 'mm_compaction_isolate_migratepages' && e.nrTaken > 0) as Array<{ startPfn: number; nrTaken: number }>
    const perBlock = new Map<number, number>()
    for (const e of taken) perBlock.set(e.startPfn >> 9, (perBlock.get(e.startPfn >> 9) ?? 0) + e.nrTaken)
    // pageblock 0 emptied (its 256 movable pages), then COMPACT_CLUSTER_MAX from pageblock 1
    // before compact_zone notices the captured page (fixtures/x86-512M-s17-k612-hugetlb-ctrace)
    expect([...perBlock.entries()]).toEqual([[0, 256], [1, 32]])
    expect(r.migrated).toBe(288)
    expect(checkModel(model)).toEqual([])
  })

  it('6.5+: a pageblock scanned from its first page is marked skip when its first page is taken; 6.1 waits for the block end', () => {
    const skipAfterOneBatch = (kernel: number): boolean => {
      const { model, allocator, zone } = fragmented()
      allocator.policy.kernel = kernel
      const c = new Compactor(allocator)
      const cc = c.control(zone, 9, 'async', { directCompaction: true })
      c.isolateMigratepagesBlock(cc, 0, 512)
      expect(cc.migratepages.length).toBe(32)
      return model.getPageblockSkip(0)
    }
    expect(skipAfterOneBatch(6012)).toBe(true)
    expect(skipAfterOneBatch(6001)).toBe(false)
  })

  it('honours skip bits on a later async run unless told to ignore them', () => {
    const { model, allocator, zone } = fragmented()
    zone.pcpHigh = 0
    // pin every movable page so nothing is isolated: each scanned block gets its skip bit
    for (let i = 0; i < model.memMap.length; i++) if (model.memMap[i] === PageKind.ANON) model.memMap[i] = PageKind.PINNED
    const c = new Compactor(allocator)
    c.compactZone(c.control(zone, 9, 'sync-light', {}))
    expect(model.getPageblockSkip(0)).toBe(true)
    const before = allocator.events.get('compact_migrate_scanned')
    c.compactZone(c.control(zone, 9, 'async', { directCompaction: true }))
    const scannedHonouring = allocator.events.get('compact_migrate_scanned') - before
    const c2 = new Compactor(allocator, { strategy: { honourSkipBits: false } })
    const b2 = allocator.events.get('compact_migrate_scanned')
    c2.compactZone(c2.control(zone, 9, 'async', { directCompaction: true, wholeZone: true }))
    const scannedIgnoring = allocator.events.get('compact_migrate_scanned') - b2
    expect(scannedIgnoring).toBeGreaterThan(scannedHonouring)
  })
})

describe('compaction properties', () => {
  it('conserves every used page, keeps the buddy invariants, never moves unmovable pages', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: 4095 }), fc.constantFrom(PageKind.KERNEL, PageKind.PINNED, PageKind.SLAB, PageKind.FILE)), { maxLength: 60 }), fc.boolean(), (marks, pcp) => {
      const { model, allocator, zone } = fragmented()
      zone.pcpHigh = pcp ? 50 : 0
      zone.pcpBatch = 5
      const fixed: Array<[number, number]> = []
      for (const [p, k] of marks) {
        if (model.memMap[p] !== PageKind.ANON) continue
        model.memMap[p] = k
        if (k !== PageKind.FILE) fixed.push([p, k])
      }
      const before = kindCounts(model)
      new Compactor(allocator).compactMemory()
      expect(kindCounts(model)).toEqual(before)
      for (const [p, k] of fixed) expect(model.memMap[p]).toBe(k)
      expect(checkModel(model)).toEqual([])
      // no page left isolated
      expect(model.memMap.includes(PageKind.ISOLATED_FREE)).toBe(false)
      let free = 0
      for (const b of model.memMap) if (isFreeHead(b)) free += 2 ** headOrder(b)
      expect(free).toBe(zone.nrFreePages)
    }), { numRuns: 40, seed: 11 })
  })
})

describe('proactive compaction (kcompactd)', () => {
  it('runs only when the node score is above the high threshold, and stops at the low one', () => {
    const { allocator, zone } = fragmented()
    zone.pcpHigh = 0
    const c = new Compactor(allocator)
    // fragmented(): all free memory sits in blocks below pageblock order → score 100
    expect(c.proactiveCompactNode(0, 0)).toBeNull()
    const r = c.proactiveCompactNode(0, 20)
    expect(r).not.toBeNull()
    expect(r![0]!.migrated).toBeGreaterThan(0)
    // once compacted the score is low: a second check does nothing
    expect(c.proactiveCompactNode(0, 20)).toBeNull()
  })
})
