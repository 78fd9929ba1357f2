import { describe, it, expect } from 'vitest'
import { bootModel } from './memblock.ts'
import { checkModel } from './debug.ts'
import { PageKind, freeHead } from './page.ts'
import fc from 'fast-check'
import { calculateMinFreeKbytes, setupPerZoneWmarks, fallbackRuleFor, releaseRules, PageAllocator, nextPageOfKind, mapWords, rankByBlockCount, sortBySpreadKey } from './page_alloc.ts'

const X86 = { pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }

function small(pages = 4096) {
  return bootModel(X86, [{ name: 'Normal', startPfn: 0, spanned: pages }])
}

/** A 16384-page 6.1 zone with two CPUs' per-cpu lists (high 3000, batch 63), running on CPU 1. */
function twoCpuZone(): ReturnType<typeof small> {
  const m = small(16384)
  const z = m.model.zones[0]!
  z.pcpHigh = 3000
  z.pcpBatch = 63
  z.pcpCpus = [{ cpu: 0, count: 0, high: 3000, batch: 63 }, { cpu: 1, count: 0, high: 3000, batch: 63 }]
  m.allocator.policy.kernel = 6001
  m.allocator.setRunningCpu(1)
  return m
}

describe('buddy allocator: split and merge', () => {
  it('boots a zone into max-order blocks', () => {
    const { model } = small(4096)
    const z = model.zones[0]!
    expect(z.free.nrFree(10)).toBe(4)
    expect(z.nrFreePages).toBe(4096)
    expect(checkModel(model)).toEqual([])
  })

  it('an order-0 allocation takes the lowest PFN of the block found and returns upper halves', () => {
    const { model, allocator } = small(1024)
    const r = allocator.allocPages({ order: 0, gfp: 'movable' })!
    expect(r.pfn).toBe(0)
    const z = model.zones[0]!
    // 1024 = 1 + 1 + 2 + 4 + ... + 512: one free block of each order 0..9
    for (let o = 0; o <= 9; o++) expect(z.free.nrFree(o)).toBe(1)
    expect(z.free.nrFree(10)).toBe(0)
    expect(model.page(1)).toBe(freeHead(model.migratetypes.movable, 0))
    expect(model.page(512)).toBe(freeHead(model.migratetypes.movable, 9))
    expect(model.page(0)).toBe(PageKind.ANON)
    expect(checkModel(model)).toEqual([])
  })

  it('freeing merges with the buddy all the way up', () => {
    const { model, allocator } = small(1024)
    const a = allocator.allocPages({ order: 0, gfp: 'movable' })!
    const b = allocator.allocPages({ order: 3, gfp: 'movable' })!
    expect(b.pfn).toBe(8)
    allocator.freePages(a.pfn, 0)
    allocator.freePages(b.pfn, 3)
    const z = model.zones[0]!
    expect(z.free.nrFree(10)).toBe(1)
    expect(z.nrFreePages).toBe(1024)
    expect(checkModel(model)).toEqual([])
  })

  it('refuses to merge across pageblocks of a non-mergeable type (CMA vs Movable)', () => {
    const { model, allocator } = small(1024)
    const mts = model.migratetypes
    const r = allocator.allocPages({ order: 10, gfp: 'movable' })!
    model.setPageblockMigratetype(512, mts.cma)
    allocator.freePages(r.pfn + 512, 9)
    allocator.freePages(r.pfn, 9)
    const z = model.zones[0]!
    expect(z.free.nrFree(9)).toBe(2)
    expect(z.free.count(9, mts.cma)).toBe(1)
    expect(z.nrFreeCmaPages).toBe(512)
    expect(checkModel(model)).toEqual([])
  })

  it('detects double free', () => {
    const { allocator } = small(1024)
    const r = allocator.allocPages({ order: 2, gfp: 'unmovable' })!
    allocator.freePages(r.pfn, 2)
    expect(() => allocator.freePages(r.pfn, 2)).toThrow(/double free/)
  })
})

describe('migratetype fallback', () => {
  it('6.1: an unmovable request steals a whole movable pageblock (claims its type)', () => {
    const { model, allocator } = small(2048)
    const mts = model.migratetypes
    const r = allocator.allocPages({ order: 0, gfp: 'unmovable' })!
    expect(r.pfn).toBeGreaterThanOrEqual(0)
    // block of order 10 found first (max order down): whole range retyped
    expect(model.getPageblockMigratetype(r.pfn)).toBe(mts.unmovable)
    expect(checkModel(model)).toEqual([])
  })

  // a 1024-page zone, all Reclaimable and allocated, with free blocks at pfn 1 (order 0)
  // and 16..31 (order 4) on the Reclaimable lists
  function fragmentedReclaimable(rule: '6.1' | '6.15') {
    const { model, allocator } = small(1024)
    allocator.policy.fallback = rule
    const mts = model.migratetypes
    model.setPageblockMigratetype(0, mts.reclaimable)
    model.setPageblockMigratetype(512, mts.reclaimable)
    const all = allocator.allocPages({ order: 10, gfp: 'reclaimable' })!
    expect(all.pfn).toBe(0)
    allocator.freePages(1, 0)
    allocator.freePages(16, 4)
    return { model, allocator, mts, z: model.zones[0]! }
  }

  it('6.1: a movable request that can steal moves every free page of the block to its lists (block keeps its type when mostly used)', () => {
    const { model, allocator, mts, z } = fragmentedReclaimable('6.1')
    const r = allocator.allocPages({ order: 0, gfp: 'movable' })!
    // move_freepages_block moved pfn 1 and 16..31 to Movable; __rmqueue_smallest then takes order 0
    expect(r.pfn).toBe(1)
    expect(model.getPageblockMigratetype(16)).toBe(mts.reclaimable)
    expect(z.free.count(4, mts.movable)).toBe(1)
    expect(z.free.count(0, mts.reclaimable) + z.free.count(4, mts.reclaimable)).toBe(0)
    expect(checkModel(model)).toEqual([])
  })

  it('6.1: with only small blocks, a movable request takes the smallest one', () => {
    const { model, allocator, mts, z } = fragmentedReclaimable('6.1')
    allocator.allocPages({ order: 4, gfp: 'reclaimable' })
    allocator.freePages(4, 2)
    const r = allocator.allocPages({ order: 0, gfp: 'movable' })!
    expect(r.pfn).toBe(1)
    expect(z.free.count(2, mts.reclaimable)).toBe(1)
    expect(checkModel(model)).toEqual([])
  })

  it('6.15: a failed claim falls through to stealing the smallest block, remainder stays on the fallback lists', () => {
    const { model, allocator, mts, z } = fragmentedReclaimable('6.15')
    const r = allocator.allocPages({ order: 0, gfp: 'movable' })!
    expect(r.pfn).toBe(1)
    expect(z.free.count(4, mts.reclaimable)).toBe(1)
    expect(z.free.count(0, mts.movable) + z.free.count(4, mts.movable)).toBe(0)
    expect(checkModel(model)).toEqual([])
  })

  it('picks the fallback rule from the kernel release', () => {
    expect(fallbackRuleFor('6.1.0-56-amd64')).toBe('6.1')
    expect(fallbackRuleFor('6.12.7')).toBe('6.1')
    expect(fallbackRuleFor('6.15.0')).toBe('6.15')
    expect(fallbackRuleFor('7.2.13')).toBe('6.15')
    expect(fallbackRuleFor(null)).toBe('6.1')
  })

  it('names the rules the model follows for a release: 6.1 alone, then each later change the policy turns on', () => {
    const r61 = releaseRules('6.1.0-56-amd64')
    expect(r61).toHaveLength(1)
    expect(r61[0]).toMatch(/^page allocator and compaction: Linux 6\.1/)
    expect(releaseRules(null)).toEqual(r61)
    const r612 = releaseRules('6.12.117+deb12-amd64')
    expect(r612[0]).toContain('with the changes up to kernel 6.12:')
    expect(r612.slice(1).map((l) => l.split(':')[0])).toEqual(['6.4', '6.5', '6.7', '6.9', '6.10'])
    expect(r612.find((l) => l.startsWith('6.10'))).toContain('not modelled')
    const r618 = releaseRules('6.18.44-fc-v1272')
    expect(r618.slice(1).map((l) => l.split(':')[0])).toEqual(['6.4', '6.5', '6.7', '6.9', '6.10', '6.15'])
    expect(releaseRules('6.18.44', { fallback: false }).some((l) => l.startsWith('6.15'))).toBe(false)
  })
})

describe('watermarks', () => {
  it('min_free_kbytes follows int_sqrt(16 × lowmem kB)', () => {
    // 1 GiB lowmem = 1048576 kB → sqrt(16777216) = 4096
    const { model } = bootModel(X86, [{ name: 'Normal', startPfn: 0, spanned: 262144 }])
    expect(calculateMinFreeKbytes(model)).toBe(4096)
  })

  it('reproduces the x86-512M capture zoneinfo watermarks from min_free_kbytes 23204', () => {
    // captured: DMA managed 3840 min 190 low 237 high 284; DMA32 managed 113199 min 5610 low 7012 high 8414
    const { model } = bootModel(X86, [
      { name: 'DMA', startPfn: 1, spanned: 4095, reserved: 158, holes: [[3999, 4096]] },
      { name: 'DMA32', startPfn: 4096, spanned: 126941, reserved: 126941 - 113199 },
    ])
    setupPerZoneWmarks(model, 23204, 10)
    const [dma, dma32] = model.zones
    expect(dma!.managed).toBe(3840)
    expect(dma!.wmark).toMatchObject({ min: 190, low: 237, high: 284 })
    expect(dma32!.wmark).toMatchObject({ min: 5610, low: 7012, high: 8414 })
  })

  it('an allocation fails when it would go below the min watermark', () => {
    const { model, allocator } = small(1024)
    const z = model.zones[0]!
    z.wmark = { min: 1009, low: 1009, high: 1020, promo: 1030 }
    expect(allocator.allocPages({ order: 4, gfp: 'movable' })).toBeNull()
    z.wmark = { min: 10, low: 20, high: 30, promo: 40 }
    expect(allocator.allocPages({ order: 4, gfp: 'movable' })).not.toBeNull()
  })

  it('zonelist walks the highest allowed zone first and respects the zone limit', () => {
    const { model, allocator } = bootModel(X86, [
      { name: 'DMA32', startPfn: 0, spanned: 2048 },
      { name: 'Normal', startPfn: 2048, spanned: 2048 },
    ])
    const a = allocator.allocPages({ order: 0, gfp: 'movable' })!
    expect(a.zone.name).toBe('Normal')
    const b = allocator.allocPages({ order: 0, gfp: 'movable', highestZone: 'DMA32' })!
    expect(b.zone.name).toBe('DMA32')
    expect(checkModel(model)).toEqual([])
  })

  it('highatomic: an atomic order-1 allocation reserves its pageblock', () => {
    const { model, allocator } = small(4096)
    const r = allocator.allocPages({ order: 1, gfp: 'unmovable', atomic: true })!
    expect(model.getPageblockMigratetype(r.pfn)).toBe(model.migratetypes.highatomic)
    expect(model.zones[0]!.nrReservedHighatomic).toBe(512)
    expect(checkModel(model)).toEqual([])
  })

  it('boost: a fragmenting fallback boosts the watermark', () => {
    const { model } = small(8192)
    const allocator = new PageAllocator(model)
    const z = model.zones[0]!
    z.wmark = { min: 8, low: 10, high: 12, promo: 14 }
    // make a small movable block, then an unmovable request that falls back to it
    allocator.allocPages({ order: 0, gfp: 'movable' })
    expect(allocator.boostWatermark(z)).toBe(true)
    expect(z.boost).toBe(512)
  })
})

describe('per-cpu lists: how many pages a bulk free returns (nr_pcp_free by release)', () => {
  /** list length after each of `n` consecutive frees on a list of `high` (3000), batch 63 */
  function lengths(kernel: number, n = 9000, high = 3000): number[] {
    const { model, allocator } = small(16384)
    const z = model.zones[0]!
    z.pcpHigh = high
    z.pcpBatch = 63
    allocator.policy.kernel = kernel
    const pages: number[] = []
    for (let i = 0; i < n; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    const out: number[] = []
    for (const p of pages) {
      allocator.freeUnrefPage(p)
      out.push(z.pcpPages)
    }
    expect(checkModel(model)).toEqual([])
    return out
  }

  it('6.1: batch << free_factor, doubling with every bulk free up to CONFIG_PCP_BATCH_SCALE_MAX (the stable backport), so the list stays within batch << 5 of high', () => {
    // what the 6.1.192 trace shows (fixtures/x86-1G-s27-trace): 63, 126, 252, 504, 1008, then 2016 every time
    const drops = (high: number): number[] => {
      const l = lengths(6001, 9000, high)
      const d: number[] = []
      for (let i = 1; i < l.length; i++) if (l[i]! < l[i - 1]!) d.push(l[i - 1]! + 1 - l[i]!)
      return d
    }
    expect(drops(3000).slice(0, 8)).toEqual([63, 126, 252, 504, 1008, 2016, 2016, 2016])
    // a list whose high − batch is below batch << 5 is clamped to high − batch
    expect(drops(1500).slice(0, 7)).toEqual([63, 126, 252, 504, 1008, 1437, 1437])
  })

  it('6.1: an order-1 free after a run of frees (free_high) returns the whole list; 6.7+ and a CPU with no free run keep theirs', () => {
    const run = (kernel: number, frees: number): { before: number; back: number; after: number } => {
      const { model, allocator } = small(16384)
      const z = model.zones[0]!
      z.pcpHigh = 3000
      z.pcpBatch = 63
      allocator.policy.kernel = kernel
      const pages: number[] = []
      for (let i = 0; i < frees; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
      for (const p of pages) allocator.freeUnrefPage(p)
      const before = allocator.pcpCount(z)
      const back = allocator.freeHighOrderAfterFreeRun(z)
      expect(checkModel(model)).toEqual([])
      return { before, back, after: allocator.pcpCount(z) }
    }
    const r61 = run(6001, 5000)
    expect(r61.before).toBeGreaterThan(900)
    expect(r61).toEqual({ before: r61.before, back: r61.before, after: 0 })
    // below high no bulk free ran yet: free_factor is still 0
    expect(run(6001, 2000).back).toBe(0)
    expect(run(6012, 5000).back).toBe(0)
  })

  it('6.1: free_high\'s whole-list return takes the running CPU\'s pageblock-order entries (huge pages a pool shrink freed to it) too; another CPU\'s stay', () => {
    // pageblocks 0 and 1 wholly per-cpu (two pageblock-order entries), CPU 1 running; `holder`:
    // the CPU whose captured count holds them (the entries are dealt to the CPU holding the most)
    const run = (holder: number): { back: number; o10: number; hugeLeft: number } => {
      const { model, allocator } = twoCpuZone()
      const z = model.zones[0]!
      for (let i = 0; i < 8192; i++) allocator.allocPages({ order: 0, gfp: 'movable' })
      for (let p = 0; p < 1024; p++) model.memMap[p - model.basePfn] = PageKind.PCP
      z.pcpCpus = [{ cpu: 0, count: holder === 0 ? 1100 : 10, high: 3000, batch: 63 }, { cpu: 1, count: holder === 1 ? 1100 : 10, high: 3000, batch: 63 }]
      const o10 = z.free.nrFree(10)
      // a run of frees on CPU 1 past its high: free_factor above 0
      for (let p = 2048; p < 2048 + 3200; p++) allocator.freeUnrefPage(p)
      const back = allocator.freeHighOrderAfterFreeRun(z)
      let hugeLeft = 0
      for (let i = 0; i < 1024; i++) if (model.memMap[i] === PageKind.PCP) hugeLeft++
      expect(checkModel(model)).toEqual([])
      return { back, o10: z.free.nrFree(10) - o10, hugeLeft }
    }
    const own = run(1)
    expect(own.hugeLeft).toBe(0)
    expect(own.o10).toBeGreaterThanOrEqual(1)
    const other = run(0)
    expect(other.hugeLeft).toBe(1024)
    expect(own.back - other.back).toBe(1024)
  })

  it('6.7+: free_count consecutive frees, capped at batch << CONFIG_PCP_BATCH_SCALE_MAX, so the list stays near high', () => {
    const l = lengths(6012)
    expect(Math.max(...l)).toBe(2999)
    // once free_count has reached 63 << 5 = 2016 every bulk free returns 2016 pages
    expect(Math.min(...l.slice(6000))).toBe(3000 - 2016)
  })
})

describe('per-cpu lists: one per pcp migratetype, the freed page\'s list drained first (free_pcppages_bulk)', () => {
  it('pages on the Unmovable list stay while a run of frees from Movable blocks pushes out the oldest Movable pages', () => {
    const { model, allocator } = small(16384)
    const z = model.zones[0]!
    z.pcpHigh = 3000
    z.pcpBatch = 63
    allocator.policy.kernel = 6012
    const mts = model.migratetypes
    const pages: number[] = []
    for (let i = 0; i < 9000; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    // the pageblock of the first allocated page becomes Unmovable (a fallback claimed it)
    const pb = model.pageblockNrPages
    const ublock = Math.floor(pages[0]! / pb)
    model.pageblockMt[ublock - model.pbBase] = mts.unmovable
    const inU = pages.filter((p) => Math.floor(p / pb) === ublock)
    const rest = pages.filter((p) => Math.floor(p / pb) !== ublock)
    expect(inU.length).toBeGreaterThan(100)
    // the Unmovable block's pages are freed first: the oldest pages on the CPU's lists
    for (const p of inU) allocator.freeUnrefPage(p)
    for (const p of rest) allocator.freeUnrefPage(p)
    expect(checkModel(model)).toEqual([])
    expect(z.pcpPages).toBeLessThan(3000)
    // every bulk free was triggered by a Movable page and found enough on the Movable list
    expect(inU.every((p) => model.memMap[p - model.basePfn] === PageKind.PCP)).toBe(true)
    const st = allocator.pcpState(z)
    expect(st.own).toBe(z.pcpPages)
    // a drain empties every list
    allocator.drainPages(z)
    expect(z.pcpPages).toBe(0)
    expect(inU.some((p) => model.memMap[p - model.basePfn] === PageKind.PCP)).toBe(false)
    expect(checkModel(model)).toEqual([])
  })
})

describe('per-cpu lists of orders 1–3 (5.13+; what 6.9+ compaction frees its large folios to)', () => {
  /**
   * One CPU (high 3000, batch 63, high_min as given) on 6.18: 20 order-2 pages are freed first,
   * then 9000 order-0 pages from Movable pageblocks, then order-2 pages one at a time until one
   * triggers a bulk free.
   */
  function run(highMin: number) {
    const { model, allocator } = small(65536)
    const z = model.zones[0]!
    z.pcpHigh = 3000
    z.pcpBatch = 63
    z.pcpCpus = [{ cpu: 0, count: 0, high: 3000, batch: 63, highMin }]
    allocator.policy.kernel = 6018
    const pcp = (p: number): boolean => model.memMap[p - model.basePfn] === PageKind.PCP
    const order2: number[] = []
    for (let i = 0; i < 600; i++) order2.push(allocator.allocPages({ order: 2, gfp: 'movable' })!.pfn)
    const order0: number[] = []
    for (let i = 0; i < 9000; i++) order0.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    const early = order2.slice(0, 20)
    for (const p of early) allocator.freeUnrefPage(p, z, 2)
    const afterEarly = allocator.pcpCount(z)
    for (const p of order0) allocator.freeUnrefPage(p, z)
    const earlyKeptThroughOrder0 = early.every((p) => [0, 1, 2, 3].every((k) => pcp(p + k)))
    let trigger = -1
    let before = 0
    for (let i = 20; i < order2.length; i++) {
      before = allocator.pcpCount(z)
      allocator.freeUnrefPage(order2[i]!, z, 2)
      if (allocator.pcpCount(z) < before) { trigger = i; break }
    }
    expect(checkModel(model)).toEqual([])
    expect(z.pcpPages).toBe(allocator.pcpCount(z))
    return { model, allocator, z, early, afterEarly, earlyKeptThroughOrder0, trigger, before, pcp, order2 }
  }

  it('an order-2 page waits on its own list, which the order-0 frees\' bulk frees leave alone; the order-2 free that triggers one drains that list first, oldest first', () => {
    const r = run(8000)
    expect(r.afterEarly).toBe(80)
    expect(r.earlyKeptThroughOrder0).toBe(true)
    expect(r.trigger).toBeGreaterThan(20)
    // the bulk started on the order-2 Movable list and took its oldest pages: the early ones, then
    // on in the order they were freed (a prefix of the order-2 pages freed so far)
    const gone = r.order2.slice(0, r.trigger + 1).map((p) => !r.pcp(p))
    const k = gone.indexOf(false) < 0 ? gone.length : gone.indexOf(false)
    expect(k).toBeGreaterThanOrEqual(20)
    expect(gone.slice(k).some((g) => g)).toBe(false)
    expect(k * 4).toBeGreaterThanOrEqual(Math.min(2016, (r.trigger + 1) * 4))
  })

  it('6.7+ free_high: two order 1–3 frees in a row with free_count at batch + high_min / 2 lower high by batch << 5 (to high_min at least) and return up to that many pages; with high_min above 2 × (batch << 5) it never happens (this machine\'s 6.18)', () => {
    const lowMin = run(1000)
    // the first order-2 free after the order-0 run only sets PCPF_PREV_FREE_HIGH_ORDER; the second frees
    expect(lowMin.trigger).toBe(21)
    expect(lowMin.before + 4 - lowMin.allocator.pcpCount(lowMin.z)).toBe(Math.min(lowMin.before + 4, 2016))
    expect(lowMin.allocator.pcpState(lowMin.z).high).toBe(1000)
    const highMin = run(8000)
    expect(highMin.trigger).toBeGreaterThan(21)
    expect(highMin.allocator.pcpState(highMin.z).high).toBe(3000)
  })
})

describe('per-cpu lists: the capture\'s tools\' pages go on the list of the CPU the tools ran on', () => {
  /**
   * Two captured CPUs; the simulation runs on CPU 1 and frees a long run of pages (as a compaction
   * does). Three pages the capture's tools had mapped (two anonymous, one flagless kernel page)
   * were freed by the exiting tools on `toolCpu`'s list. Returns whether they are free buddy pages
   * at the end (the running CPU's churn pushed them out) or still per-cpu pages.
   */
  function run(toolCpu: number): { tools: number[]; kinds: number[]; freedSo: number } {
    const { model, allocator } = twoCpuZone()
    const pages: number[] = []
    for (let i = 0; i < 9000; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    const tools = [pages[10]!, pages[600]!, pages[1200]!]
    model.memMap[tools[2]! - model.basePfn] = PageKind.KERNEL
    for (const p of tools) model.captureToolPages.add(p)
    const freedSo = allocator.captureToolPagesFreed(toolCpu)
    for (const p of pages) if (!tools.includes(p)) allocator.freeUnrefPage(p)
    expect(checkModel(model)).toEqual([])
    return { tools, kinds: tools.map((p) => model.memMap[p - model.basePfn]!), freedSo }
  }

  it('on the running CPU\'s list they are the newest pages and a long run of frees pushes them out to the buddy allocator', () => {
    const r = run(1)
    expect(r.freedSo).toBe(3)
    expect(r.kinds.some((k) => k === PageKind.PCP || k === PageKind.ANON || k === PageKind.KERNEL)).toBe(false)
  })

  it('on another CPU\'s list they stay through the run of frees; -1 (not recorded) takes the lowest-numbered CPU', () => {
    expect(run(0).kinds).toEqual([PageKind.PCP, PageKind.PCP, PageKind.PCP])
    expect(run(-1).kinds).toEqual([PageKind.PCP, PageKind.PCP, PageKind.PCP])
  })

  it('a page the layout no longer holds as it was read (a pin placed on it) is left alone', () => {
    const { model, allocator } = small(4096)
    const p = allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn
    model.memMap[p - model.basePfn] = PageKind.PINNED
    model.captureToolPages.add(p)
    expect(allocator.captureToolPagesFreed(0)).toBe(0)
    expect(model.memMap[p - model.basePfn]).toBe(PageKind.PINNED)
  })
})

describe('per-cpu lists: pcp refills between the page-flags read and the trigger (rmqueue_bulk)', () => {
  /**
   * A pageblock-sized zone region with every other page allocated leaves order-0 free blocks; a
   * buddyinfo re-read lists `taken` fewer of them. The simulation runs on CPU 1, the capture's
   * tools ran on CPU 0; then every allocated page is freed on CPU 1 (as a compaction frees the
   * pages it migrated).
   */
  function run(taken: number, churn = false): { model: ReturnType<typeof small>['model']; took: number; refilled: number[] } {
    const { model, allocator } = twoCpuZone()
    const z = model.zones[0]!
    const pages: number[] = []
    for (let i = 0; i < 8192; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    // every odd page back to the buddy allocator: 4096 order-0 free blocks
    for (const p of pages) if (p % 2 === 1) allocator.freePages(p, 0)
    const o0 = z.free.nrFree(0)
    expect(o0).toBe(4096)
    allocator.captureToolPagesFreed(0)
    const took = allocator.pcpRefilledAfterCapture([{ node: 0, zone: 'Normal', nrFree: [o0 - taken, ...Array.from({ length: 10 }, (_, o) => z.free.nrFree(o + 1) + (churn && o === 1 ? -20 : 0))] }], 0)
    const refilled: number[] = []
    for (let i = 0; i < 16384; i++) if (model.memMap[i] === PageKind.PCP) refilled.push(i + model.basePfn)
    expect(z.free.nrFree(0)).toBe(o0 - took)
    for (const p of pages) if (p % 2 === 0) allocator.freeUnrefPage(p)
    expect(checkModel(model)).toEqual([])
    return { model, took, refilled }
  }

  it('takes as many order-0 blocks as the re-read lacks, spread over the zone, onto the tools\' CPU list, where they keep their pageblocks broken through the running CPU\'s frees', () => {
    const { model, took, refilled } = run(63)
    expect(took).toBe(63)
    expect(refilled).toHaveLength(63)
    // spread: not the lowest 63 PFNs, and in more than a few pageblocks
    expect(new Set(refilled.map((p) => p >> 9)).size).toBeGreaterThan(8)
    // still on CPU 0's list after CPU 1's run of frees: their blocks do not merge
    for (const p of refilled) expect(model.memMap[p - model.basePfn]).toBe(PageKind.PCP)
    const z = model.zones[0]!
    expect(z.free.nrFree(10) * 1024 + z.free.nrFree(9) * 512).toBeLessThanOrEqual(16384 - 512 * new Set(refilled.map((p) => p >> 9)).size)
  })

  it('a re-read with as many order-0 blocks or more takes none', () => {
    expect(run(0).took).toBe(0)
    expect(run(-5).took).toBe(0)
  })

  it('a zone churned in between (its order 1–3 blocks moved by more pages than order 0 lost) is left alone', () => {
    expect(run(63, true).took).toBe(0)
  })
})

describe('per-cpu lists: decay_pcp_high between the capture and the trigger, as a zoneinfo re-read shows it (6.7+)', () => {
  /**
   * 8192 pages allocated, every odd one a captured per-cpu page (4096, one in every other page of
   * 16 pageblocks) on CPU 0's list (captured count 4096, high 5000); the simulation runs on CPU 1.
   * Returns what pcpDecayedBeforeTrigger gave back for the re-read of CPU 0's list.
   */
  function run(kernel: number, reread: { cpu: number; count: number; high: number }): { back: number; pcp: number; free0: number; blocks: number } {
    const { model, allocator } = twoCpuZone()
    allocator.policy.kernel = kernel
    const z = model.zones[0]!
    for (let i = 0; i < 8192; i++) {
      const p = allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn
      if (p % 2 === 1) model.memMap[p - model.basePfn] = PageKind.PCP
    }
    z.pcpCpus = [{ cpu: 0, count: 4096, high: 5000, batch: 63 }, { cpu: 1, count: 0, high: 5000, batch: 63 }]
    const free0 = z.free.nrFree(0)
    const back = allocator.pcpDecayedBeforeTrigger(z, [reread, { cpu: 1, count: 0, high: 5000 }])
    let pcp = 0
    const blocks = new Set<number>()
    for (let i = 0; i < 16384; i++) {
      if (model.memMap[i] === PageKind.PCP) pcp++
      else if (i % 2 === 1 && i < 8192) blocks.add(i >> 9)
    }
    expect(checkModel(model)).toEqual([])
    return { back, pcp, free0: z.free.nrFree(0) - free0, blocks: blocks.size }
  }

  it('a CPU whose high fell gave back its captured count less the re-read high (or count, if higher), oldest first, to the buddy allocator', () => {
    // high 5000 → 3000, count 4096 → 2900: decay trimmed to 3000, the CPU's own allocations took 100 more
    const r = run(6012, { cpu: 0, count: 2900, high: 3000 })
    expect(r.back).toBe(1096)
    expect(r.pcp).toBe(4096 - 1096)
    // each given-back page sits between two allocated pages: an order-0 free block
    expect(r.free0).toBe(1096)
    // spread over the list's pageblocks, not the lowest PFNs first (the age order is not captured)
    const few = run(6012, { cpu: 0, count: 3500, high: 3500 })
    expect(few.back).toBe(596)
    expect(few.blocks).toBe(16)
  })

  it('gives back in free_pcppages_bulk\'s pindex order: the Unmovable list\'s pages first, then Movable, then Reclaimable', () => {
    const { model, allocator } = twoCpuZone()
    allocator.policy.kernel = 6012
    const z = model.zones[0]!
    const mts = model.migratetypes
    for (let i = 0; i < 8192; i++) {
      const p = allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn
      if (p % 2 === 1) model.memMap[p - model.basePfn] = PageKind.PCP
    }
    // pageblocks 3 and 9 Unmovable (256 pcp pages each), 12 Reclaimable: after the allocations, so
    // the pages stay where they are
    for (const pb of [3, 9]) model.setPageblockMigratetype(pb * 512 + model.basePfn, mts.unmovable)
    model.setPageblockMigratetype(12 * 512 + model.basePfn, mts.reclaimable)
    z.pcpCpus = [{ cpu: 0, count: 4096, high: 5000, batch: 63 }, { cpu: 1, count: 0, high: 5000, batch: 63 }]
    const typeOfFreed = (n: number): number[] => {
      const got = [0, 0, 0]
      for (let i = 1; i < 8192; i += 2) if (model.memMap[i] !== PageKind.PCP) got[i >> 9 === 3 || i >> 9 === 9 ? 0 : i >> 9 === 12 ? 2 : 1]!++
      expect(got.reduce((a, b) => a + b, 0)).toBe(n)
      return got
    }
    // 600 back: the 512 Unmovable-block pages, then 88 Movable ones; none of the Reclaimable block
    expect(allocator.pcpDecayedBeforeTrigger(z, [{ cpu: 0, count: 3496, high: 3496 }, { cpu: 1, count: 0, high: 5000 }])).toBe(600)
    expect(typeOfFreed(600)).toEqual([512, 88, 0])
    expect(checkModel(model)).toEqual([])
  })

  it('the decay after the compaction goes on from the re-read\'s high, the ticks before it not counted twice', () => {
    const { model, allocator } = twoCpuZone()
    allocator.policy.kernel = 6012
    const z = model.zones[0]!
    for (let i = 0; i < 8192; i++) {
      const p = allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn
      if (p % 2 === 1) model.memMap[p - model.basePfn] = PageKind.PCP
    }
    // high 5000, batch 63: decay_pcp_high takes it to 4375, then 3828 (high − high / 8 each tick)
    z.pcpCpus = [{ cpu: 0, count: 4096, high: 5000, batch: 63, highMin: 1000 }, { cpu: 1, count: 0, high: 5000, batch: 63, highMin: 1000 }]
    // the re-read after two ticks: 3828 (the count trimmed to it)
    expect(allocator.pcpDecayedBeforeTrigger(z, [{ cpu: 0, count: 3828, high: 3828 }])).toBe(4096 - 3828)
    // two ticks counted from the capture are the two the re-read already shows: nothing more
    expect(allocator.decayPcpHigh(z, 2)).toBe(0)
    // a third goes on from 3828: high max(3828 − 63 × 32, 3828 − 478) = 3350
    expect(allocator.decayPcpHigh(z, 3)).toBe(3828 - 3350)
  })

  it('a count that fell under an unchanged high is the CPU\'s own allocations: nothing given back; nor before 6.7, nor for a grown list', () => {
    expect(run(6012, { cpu: 0, count: 3000, high: 5000 }).back).toBe(0)
    expect(run(6001, { cpu: 0, count: 2900, high: 3000 }).back).toBe(0)
    expect(run(6012, { cpu: 0, count: 4200, high: 4500 }).back).toBe(0)
  })
})

describe('per-cpu lists: a whole list returned between the capture and the trigger (a drain, 6.1 free_high), as a zoneinfo re-read shows it', () => {
  /**
   * 8192 pages allocated (16 pageblocks); pageblocks 0 and 1 wholly per-cpu pages (two
   * pageblock-order pcp entries, 1024 pages) and every odd page of pageblocks 2 to 7 an order-0
   * per-cpu page (1536); the simulation runs on CPU 1 (high 3000, batch 63). `counts`: the
   * captured counts of CPU 0 and CPU 1; `reread`: their counts in the re-read.
   */
  function run(counts: [number, number], reread: [number, number]) {
    const { model, allocator } = twoCpuZone()
    const z = model.zones[0]!
    for (let i = 0; i < 8192; i++) allocator.allocPages({ order: 0, gfp: 'movable' })
    for (let p = 0; p < 1024; p++) model.memMap[p - model.basePfn] = PageKind.PCP
    for (let p = 1025; p < 4096; p += 2) model.memMap[p - model.basePfn] = PageKind.PCP
    z.pcpCpus = [{ cpu: 0, count: counts[0], high: 3000, batch: 63 }, { cpu: 1, count: counts[1], high: 3000, batch: 63 }]
    const o10 = z.free.nrFree(10)
    const free0 = z.free.nrFree(0)
    const e = allocator.pcpEmptiedBeforeTrigger(z, [{ cpu: 0, count: reread[0], high: 3000 }, { cpu: 1, count: reread[1], high: 3000 }])
    let pcp = 0
    for (let i = 0; i < 16384; i++) if (model.memMap[i] === PageKind.PCP) pcp++
    expect(checkModel(model)).toEqual([])
    return { ...e, pcp, o10: z.free.nrFree(10) - o10, free0: z.free.nrFree(0) - free0, zonePcp: z.pcpPages }
  }

  it('the running CPU\'s list emptied: its pageblock-order entries and, for the rest of its count, its oldest order-0 pages go back and merge', () => {
    // CPU 1 held 2000 (within batch << 5 = 2016 of high 3000), the re-read finds 50 (under 4 × 63)
    const r = run([100, 2000], [100, 50])
    expect(r.cpus).toEqual([1])
    expect(r.pages).toBe(2000)
    // the two pageblock-order entries (CPU 1's count holds three) merge into one order-10 block
    expect(r.o10).toBe(1)
    // and 2000 − 1024 = 976 order-0 pages, each between two allocated ones
    expect(r.free0).toBe(976)
    expect(r.pcp).toBe(1024 + 1536 - 2000)
    expect(r.zonePcp).toBe(r.pcp)
  })

  it('another CPU\'s list emptied goes back the same way, its oldest order-0 pages first', () => {
    const r = run([2000, 100], [10, 100])
    expect(r.cpus).toEqual([0])
    expect(r.pages).toBe(2000)
    expect(r.o10).toBe(1)
    expect(r.free0).toBe(976)
  })

  it('a list that kept 4 batches or more, or that the capture found further below its high than one capped bulk free, is left alone', () => {
    // 252 = 4 × batch: a bulk free or the CPU's own allocations may leave that
    expect(run([100, 2000], [100, 252]).pages).toBe(0)
    // 900 < 3000 − 2016: the CPU's own allocations may have taken it (rmqueue_pcplist)
    const low = run([100, 900], [100, 50])
    expect(low.pages).toBe(0)
    expect(low.pcp).toBe(1024 + 1536)
    // a count that rose is no return
    expect(run([100, 2000], [100, 2100]).pages).toBe(0)
  })
})

describe('per-cpu lists as dealt: the search and sorts give what the plain ones give', () => {
  const spread = (p: number): number => Math.imul(p, 0x9e3779b1) >>> 0

  it('nextPageOfKind finds the first PCP byte as a byte-by-byte scan does, at every alignment of the map', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 600 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(PageKind.PCP, 0x83, 0x13, 7, 0)), { maxLength: 12 }),
      fc.integer({ min: 0, max: 3 }), fc.nat(), fc.nat(),
      (n, marks, offset, a, b) => {
        const buf = new Uint8Array(n + offset).fill(PageKind.ANON)
        const map = buf.subarray(offset)
        for (const [at, v] of marks) if (n) map[at % n] = v
        const i = n ? a % (n + 1) : 0
        const end = n ? i + (b % (n - i + 1)) : 0
        let want = i
        while (want < end && map[want] !== PageKind.PCP) want++
        expect(nextPageOfKind(map, mapWords(map), i, end, PageKind.PCP)).toBe(want)
      },
    ), { numRuns: 3000 })
  })

  it('rankByBlockCount orders by pages per pageblock then pfn, sortBySpreadKey by spreadKey then pfn', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.oneof(fc.nat({ max: 5000 }), fc.nat({ max: 2 ** 33 })), { maxLength: 400 }), (pfns) => {
      const per = new Map<number, number>()
      for (const p of pfns) per.set(Math.floor(p / 512), (per.get(Math.floor(p / 512)) ?? 0) + 1)
      expect(rankByBlockCount(pfns, 512)).toEqual([...pfns].sort((a, b) => per.get(Math.floor(a / 512))! - per.get(Math.floor(b / 512))! || a - b))
      const s = [...pfns]
      sortBySpreadKey(s)
      expect(s).toEqual([...pfns].sort((a, b) => spread(a) - spread(b) || a - b))
    }), { numRuns: 1000 })
  })
})

describe('per-cpu lists: the sparsest-spread captured pcp pages go to the CPU the workload last freed on', () => {
  /**
   * Two captured CPUs, CPU 0 holding 30 pcp pages and CPU 1 10. The capture holds 10 sparse pcp
   * pages (one in each of ten pageblocks) and 30 dense ones (one pageblock). The simulation runs on
   * CPU 0 and frees a long run of pages: CPU 0's captured pages go back to the buddy allocator,
   * CPU 1's stay. Returns the kinds of the sparse pages at the end.
   */
  function run(sparseCpu: number | null): number[] {
    const { model, allocator } = small(16384)
    const z = model.zones[0]!
    z.pcpHigh = 3000
    z.pcpBatch = 63
    z.pcpCpus = [{ cpu: 0, count: 30, high: 3000, batch: 63 }, { cpu: 1, count: 10, high: 3000, batch: 63 }]
    allocator.policy.kernel = 6001
    allocator.setRunningCpu(0)
    const pages: number[] = []
    for (let i = 0; i < 9000; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    const held = new Set(pages)
    const sparse = Array.from({ length: 10 }, (_, b) => (b + 1) * 512 + 5)
    const dense = Array.from({ length: 30 }, (_, i) => 12 * 512 + 100 + i)
    for (const p of [...sparse, ...dense]) {
      expect(held.has(p)).toBe(true)
      model.memMap[p - model.basePfn] = PageKind.PCP
    }
    // the lists are dealt again from the PCP pages (no capture-tool pages here)
    expect(allocator.captureToolPagesFreed(-1)).toBe(0)
    if (sparseCpu !== null) allocator.setSparsePcpCpu(sparseCpu)
    for (const p of pages) if (!sparse.includes(p) && !dense.includes(p)) allocator.freeUnrefPage(p)
    expect(checkModel(model)).toEqual([])
    return sparse.map((p) => model.memMap[p - model.basePfn]!)
  }

  it('not known: dealt to the CPU holding the most (here the running one), whose frees push them out', () => {
    expect(run(null).some((k) => k === PageKind.PCP)).toBe(false)
    expect(run(-1).some((k) => k === PageKind.PCP)).toBe(false)
    expect(run(0).some((k) => k === PageKind.PCP)).toBe(false)
  })

  it('the workload\'s CPU is the other one: they are dealt to its list first and stay', () => {
    expect(run(1)).toEqual(Array(10).fill(PageKind.PCP))
  })
})

describe('per-cpu lists (6.7+): the sparsest-spread captured pcp pages go first to a list standing within an eighth of its high', () => {
  /**
   * As above: CPU 0 holds 30 captured pcp pages (far below its high of 3000, as a CPU whose refills
   * raised it), CPU 1 10 with high `high1`; 10 sparse pages and 30 dense ones; the simulation runs on
   * CPU 0 and frees a long run of pages. Returns the kinds of the sparse pages at the end.
   */
  function run(kernel: number, high1: number, atHighFirst = true): number[] {
    const { model, allocator } = small(16384)
    const z = model.zones[0]!
    z.pcpHigh = 3000
    z.pcpBatch = 63
    z.pcpCpus = [{ cpu: 0, count: 30, high: 3000, batch: 63 }, { cpu: 1, count: 10, high: high1, batch: 63 }]
    allocator.policy.kernel = kernel
    allocator.pcpAtHighFirst = atHighFirst
    allocator.setRunningCpu(0)
    const pages: number[] = []
    for (let i = 0; i < 9000; i++) pages.push(allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn)
    const sparse = Array.from({ length: 10 }, (_, b) => (b + 1) * 512 + 5)
    const dense = Array.from({ length: 30 }, (_, i) => 12 * 512 + 100 + i)
    for (const p of [...sparse, ...dense]) model.memMap[p - model.basePfn] = PageKind.PCP
    expect(allocator.captureToolPagesFreed(-1)).toBe(0)
    for (const p of pages) if (!sparse.includes(p) && !dense.includes(p)) allocator.freeUnrefPage(p)
    expect(checkModel(model)).toEqual([])
    return sparse.map((p) => model.memMap[p - model.basePfn]!)
  }

  it('6.18, CPU 1\'s list at its high (10 of 11): dealt to it first, and they stay', () => {
    expect(run(6018, 11)).toEqual(Array(10).fill(PageKind.PCP))
    // within an eighth: 10 of 11 is, 10 of 12 (12 − 1 = 11) is not
    expect(run(6018, 12).some((k) => k === PageKind.PCP)).toBe(false)
  })

  it('not before 6.7 (no auto-tuned high), nor with the rule off: dealt to the CPU holding the most, the running one', () => {
    expect(run(6001, 11).some((k) => k === PageKind.PCP)).toBe(false)
    expect(run(6018, 11, false).some((k) => k === PageKind.PCP)).toBe(false)
  })
})

describe('per-cpu lists: pages the harness wrote between the capture and the trigger (pcpWrittenBeforeTrigger)', () => {
  /**
   * 8192 pages allocated, every odd one a captured per-cpu page (4096) on CPU 0's list; three even
   * ones the capture's tools' pages (anonymous, freed by the exiting tools to `toolCpu`'s list). The
   * simulation runs on CPU 1. Returns the tools' pages, what became of them, and the per-cpu pages left.
   */
  function run(toolCpu: number, n: number, cpu = toolCpu) {
    const { model, allocator } = twoCpuZone()
    const z = model.zones[0]!
    const pages: number[] = []
    for (let i = 0; i < 8192; i++) {
      const p = allocator.allocPages({ order: 0, gfp: 'movable' })!.pfn
      pages.push(p)
      if (p % 2 === 1) model.memMap[p - model.basePfn] = PageKind.PCP
    }
    z.pcpCpus = [{ cpu: 0, count: 4096, high: 5000, batch: 63 }, { cpu: 1, count: 0, high: 5000, batch: 63 }]
    const tools = [pages[10]!, pages[600]!, pages[1200]!].map((p) => p - (p % 2))
    for (const p of tools) model.captureToolPages.add(p)
    expect(allocator.captureToolPagesFreed(toolCpu)).toBe(3)
    const took = allocator.pcpWrittenBeforeTrigger(z, cpu, n)
    let pcp = 0, file = 0
    for (let i = 0; i < 16384; i++) {
      if (model.memMap[i] === PageKind.PCP) pcp++
      else if (model.memMap[i] === PageKind.FILE) file++
    }
    expect(checkModel(model)).toEqual([])
    return { took, tools: tools.map((p) => model.memMap[p - model.basePfn]), pcp, file, state: allocator.pcpState(z) }
  }

  it('takes the newest pages of the writer\'s list, the capture\'s tools\' pages first, as LRU page-cache pages', () => {
    const two = run(0, 2)
    expect(two.took).toBe(2)
    expect(two.tools.filter((k) => k === PageKind.FILE)).toHaveLength(2)
    expect(two.tools.filter((k) => k === PageKind.PCP)).toHaveLength(1)
    const ten = run(0, 10)
    expect(ten.took).toBe(10)
    expect(ten.tools).toEqual([PageKind.FILE, PageKind.FILE, PageKind.FILE])
    expect(ten.file).toBe(10)
    expect(ten.pcp).toBe(4096 + 3 - 10)
    expect(ten.state.others).toBe(4096 + 3 - 10)
  })

  it('-1 (the tools\' CPU not recorded) takes the lowest-numbered CPU; on the running CPU its own list gives them', () => {
    expect(run(-1, 10, -1).tools).toEqual([PageKind.FILE, PageKind.FILE, PageKind.FILE])
    const own = run(1, 3)
    expect(own.tools).toEqual([PageKind.FILE, PageKind.FILE, PageKind.FILE])
    expect(own.state.own).toBe(0)
    expect(own.state.others).toBe(4096)
  })

  it('no more than the list holds, and none for n ≤ 0', () => {
    expect(run(1, 50).took).toBe(3)
    expect(run(0, 0).took).toBe(0)
  })
})

describe('the running CPU where none is given: one task compacts every zone', () => {
  // A node with DMA32 and Normal whose per-zone busiest lists are on different CPUs (the x86 4 GiB
  // guests: the workload's CPU holds most of DMA32's per-cpu pages, the other CPU most of Normal's).
  // compact_nodes runs every zone's compact_zone in the writer's task, on one CPU: the default is the
  // CPU holding the most over all zones, for Normal too.
  const twoZones = (): ReturnType<typeof small> => {
    const m = bootModel(X86, [{ name: 'DMA32', startPfn: 0, spanned: 8192 }, { name: 'Normal', startPfn: 8192, spanned: 8192 }])
    const [dma32, normal] = m.model.zones
    dma32!.pcpCpus = [{ cpu: 0, count: 25728, high: 25728, batch: 63 }, { cpu: 1, count: 2022, high: 3000, batch: 63 }]
    normal!.pcpCpus = [{ cpu: 0, count: 748, high: 3000, batch: 63 }, { cpu: 1, count: 2376, high: 3000, batch: 63 }]
    return m
  }

  it('runs every zone on the CPU holding the most per-cpu pages over the node', () => {
    const { model, allocator } = twoZones()
    expect(allocator.busiestCpu()).toBe(0)
    for (const z of model.zones) expect(z.pcpCpus[allocator.runningCpu(z)]!.cpu).toBe(0)
  })

  it('keeps a CPU the policy names, in every zone', () => {
    const { model, allocator } = twoZones()
    allocator.setRunningCpu(1)
    for (const z of model.zones) expect(z.pcpCpus[allocator.runningCpu(z)]!.cpu).toBe(1)
  })

  it('falls back to the zone\'s busiest list where the busiest CPU has none in that zone', () => {
    const { model, allocator } = twoZones()
    model.zones[1]!.pcpCpus = [{ cpu: 1, count: 10, high: 3000, batch: 63 }, { cpu: 2, count: 20, high: 3000, batch: 63 }]
    expect(model.zones[1]!.pcpCpus[allocator.runningCpu(model.zones[1]!)]!.cpu).toBe(2)
  })
})
