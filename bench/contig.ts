/**
 * Contiguous allocations on a fragmented synthetic 64 GiB machine (seeded, bench/capture.ts +
 * synthesizeModel), timed next to the full compaction of the same machine in the same run:
 *
 *  - full compaction: compact_memory (every zone, order −1, MIGRATE_SYNC);
 *  - a 256 MiB cma_alloc (65536 pages) from a 512 MiB CMA area made by retyping a contiguous run
 *    of pageblocks high in the Normal zone to MIGRATE_CMA (the non-movable pages the synthesizer
 *    put there become anonymous pages: a CMA area only ever holds movable allocations); no pins,
 *    then 0.01 % of anonymous pages pinned (pins may sit in CMA: the window slides);
 *  - hugetlb pool growth by 512 × 2 MiB pages (6.1 slow path with direct compaction), once on
 *    the machine as synthesized (free 2 MiB blocks serve it) and once after every free block of
 *    pageblock order or more was taken (so each page needs direct compaction).
 *
 * Each measurement runs on its own copy of the synthesized model (copying is not timed).
 * Exported for bench/run.ts: `await benchContig(log)`; figures come back for the summary table.
 */
import {
  Compactor, SlowPath, ReclaimModel, cloneModel, synthesizeModel, cmaAlloc, newCmaArea, applyCmaAreas, growHugetlbPool, padProtection, placePins, checkModel,
  PageKind, isFreeHead, headOrder, withCmaMigratetype, type MemoryModel, type PageAllocator,
} from '../engine/index.ts'
import { captureOf, syntheticMachine, sizeLabel } from './capture.ts'
import { MACHINE_SEED, SYNTH_SEED } from './synth.ts'
import { fmtCount, fmtMs, median, now } from './util.ts'

const GiB = 2 ** 30

export interface ContigBench {
  bytes: number
  machine: string
  compactMs: number[]
  compactMigrated: number
  cmaMs: number[]
  cma: { success: boolean; windowsTried: number; migrated: number }
  cmaPinnedMs: number[]
  cmaPinned: { success: boolean; windowsTried: number; migrated: number; pins: number }
  hugetlbMs: number[]
  hugetlb: { obtained: number; viaCompaction: number; migrated: number }
  hugetlbCompactMs: number[]
  hugetlbCompact: { obtained: number; viaCompaction: number; migrated: number; freeBlocksTaken: number }
  checks: string[]
  rows: Array<[string, string, string, string]>
}

/** Non-movable in-use pages of a range become anonymous pages (what a CMA area could hold). */
function onlyMovable(m: MemoryModel, start: number, end: number): void {
  for (let p = start; p < end; p++) {
    const b = m.memMap[p - m.basePfn]!
    if (b === PageKind.KERNEL || b === PageKind.SLAB || b === PageKind.SLAB_RECLAIMABLE || b === PageKind.PAGETABLE || b === PageKind.ZERO) m.memMap[p - m.basePfn] = PageKind.ANON
  }
}

/**
 * Where the bench's CMA area goes: the highest pageblock-aligned run of `pages` in `zone`, at least
 * 64 pageblocks below its end, holding no reserved, hole or uninitialised page (memblock reserves a
 * CMA area at boot, so none of those can lie inside one; the synthesizer puts reserved runs at the
 * zone top).
 */
function cmaAreaBase(m: MemoryModel, zone: { startPfn: number; endPfn: number }, pages: number): number {
  const pb = m.pageblockNrPages
  const outside = (b: number): boolean => b === PageKind.RESERVED || b === PageKind.HOLE || b === PageKind.UNINIT
  let end = Math.floor((zone.endPfn - 64 * pb) / pb) * pb
  while (end - pages >= zone.startPfn) {
    let bad = -1
    for (let p = end - 1; p >= end - pages; p--) if (outside(m.memMap[p - m.basePfn]!)) { bad = p; break }
    if (bad < 0) return end - pages
    end = Math.floor(bad / pb) * pb
  }
  throw new Error(`bench: no ${pages}-page run without reserved pages in zone ${zone.startPfn}–${zone.endPfn}`)
}

/** Take every free block of order ≥ pageblock order off the free lists (as hugetlb pages). */
function takeFreePageblocks(alloc: PageAllocator): number {
  const m = alloc.model
  let n = 0
  for (const z of m.zones) {
    for (let p = z.startPfn; p < z.endPfn;) {
      const b = m.memMap[p - m.basePfn]!
      if (isFreeHead(b) && headOrder(b) >= m.geometry.pageblockOrder) {
        const o = headOrder(b)
        alloc.delFromFreeList(z, p, o, (b >> 4) & 7)
        alloc.prepNewPage(p, o, 0x50 | o)
        n += 2 ** (o - m.geometry.pageblockOrder)
        p += 2 ** o
      } else p++
    }
  }
  return n
}

export async function benchContig(log: (line: string) => void = console.log, bytes = 64 * GiB, runs = 3): Promise<ContigBench> {
  const machine = syntheticMachine(bytes, MACHINE_SEED)
  const capture = captureOf(machine)
  const t0 = now()
  const synth = synthesizeModel(capture, { seed: SYNTH_SEED })
  // the synthetic capture's pagetypeinfo has no CMA type: add it so that pageblocks can be MIGRATE_CMA
  const base = withCmaMigratetype(synth.model, synth.allocator.policy)
  log(`  ${sizeLabel(bytes)} machine synthesized in ${fmtMs(now() - t0)} (${fmtCount(base.model.memMap.length)} PFNs; zones ${base.model.zones.map((z) => `${z.name} ${fmtCount(z.spanned)}`).join(', ')})`)
  const top = base.model.zones.reduce((a, z) => (z.spanned > a.spanned ? z : a))
  // a 512 MiB CMA area high in the largest zone (pageblock aligned)
  const areaPages = (512 * 2 ** 20) / base.model.geometry.pageSize
  const areaBase = cmaAreaBase(base.model, top, areaPages)
  const checks: string[] = []
  const copy = (withCma: boolean): { model: MemoryModel; allocator: PageAllocator } => {
    const c = cloneModel(base.model, base.allocator.policy)
    padProtection(c.model)
    if (withCma) {
      onlyMovable(c.model, areaBase, areaBase + areaPages)
      applyCmaAreas(c.allocator, [newCmaArea('reserved', areaBase, areaPages)])
    }
    return c
  }
  const res: ContigBench = {
    bytes, machine: sizeLabel(bytes), compactMs: [], compactMigrated: 0, cmaMs: [], cma: { success: false, windowsTried: 0, migrated: 0 },
    cmaPinnedMs: [], cmaPinned: { success: false, windowsTried: 0, migrated: 0, pins: 0 }, hugetlbMs: [], hugetlb: { obtained: 0, viaCompaction: 0, migrated: 0 },
    hugetlbCompactMs: [], hugetlbCompact: { obtained: 0, viaCompaction: 0, migrated: 0, freeBlocksTaken: 0 }, checks, rows: [],
  }
  for (let r = 0; r < runs; r++) {
    // full compaction of the same machine
    {
      const c = copy(true)
      const k = new Compactor(c.allocator)
      const t = now()
      const z = k.compactMemory('sync')
      res.compactMs.push(now() - t)
      res.compactMigrated = z.reduce((s, x) => s + x.migrated, 0)
    }
    // 256 MiB cma_alloc, no pins
    {
      const c = copy(true)
      const area = newCmaArea('reserved', areaBase, areaPages)
      const t = now()
      const a = cmaAlloc(c.allocator, area, areaPages / 2, 8, { reclaim: new ReclaimModel(c.model, 'none') })
      res.cmaMs.push(now() - t)
      res.cma = { success: a.success, windowsTried: a.windowsTried, migrated: a.migrated }
      if (r === 0) checks.push(...checkModel(c.model).map((x) => `cma: ${x}`))
    }
    // 256 MiB cma_alloc with 0.01 % of anonymous pages pinned, some in the area
    {
      const c = copy(true)
      const pins = placePins(c.model, c.allocator, { kind: 'fraction', fraction: 0.0001, seed: 7, source: 'bench' }, { migrateBeforePin: false, placement: 'uniform' })
      const area = newCmaArea('reserved', areaBase, areaPages)
      const t = now()
      const a = cmaAlloc(c.allocator, area, areaPages / 2, 8, { reclaim: new ReclaimModel(c.model, 'none') })
      res.cmaPinnedMs.push(now() - t)
      res.cmaPinned = { success: a.success, windowsTried: a.windowsTried, migrated: a.migrated, pins: pins.pinned }
    }
    // hugetlb growth by 512 pages as synthesized
    {
      const c = copy(true)
      const reclaim = new ReclaimModel(c.model, 'none')
      const slow = new SlowPath(c.allocator, new Compactor(c.allocator), { compaction: true, reclaim })
      const t = now()
      const g = growHugetlbPool(c.allocator, slow, { order: 9, count: 512, reclaim })
      res.hugetlbMs.push(now() - t)
      res.hugetlb = { obtained: g.obtained, viaCompaction: g.attempts.filter((a) => a.via === 'compaction').length, migrated: c.allocator.events.get('pgmigrate_success') }
    }
    // hugetlb growth by 512 pages once every free 2 MiB block is gone
    {
      const c = copy(true)
      const taken = takeFreePageblocks(c.allocator)
      const reclaim = new ReclaimModel(c.model, 'none')
      const slow = new SlowPath(c.allocator, new Compactor(c.allocator), { compaction: true, reclaim })
      const t = now()
      const g = growHugetlbPool(c.allocator, slow, { order: 9, count: 512, reclaim })
      res.hugetlbCompactMs.push(now() - t)
      res.hugetlbCompact = { obtained: g.obtained, viaCompaction: g.attempts.filter((a) => a.via === 'compaction').length, migrated: c.allocator.events.get('pgmigrate_success'), freeBlocksTaken: taken }
      if (r === 0) checks.push(...checkModel(c.model).map((x) => `hugetlb: ${x}`))
    }
  }
  const L = res.machine
  const rel = (ms: number[]): string => `${(median(ms) / median(res.compactMs)).toFixed(2)}× compaction`
  log(`  full compaction (compact_memory): median ${fmtMs(median(res.compactMs))} (${res.compactMs.map((x) => x.toFixed(0)).join(', ')} ms), ${fmtCount(res.compactMigrated)} pages migrated`)
  log(`  256 MiB cma_alloc from a 512 MiB area at PFN ${areaBase}: median ${fmtMs(median(res.cmaMs))} (${rel(res.cmaMs)}); ${res.cma.success ? 'allocated' : 'FAILED'} after ${res.cma.windowsTried} window(s), ${fmtCount(res.cma.migrated)} pages migrated`)
  log(`  same with ${res.cmaPinned.pins} pinned pages: median ${fmtMs(median(res.cmaPinnedMs))} (${rel(res.cmaPinnedMs)}); ${res.cmaPinned.success ? 'allocated' : 'failed'} after ${res.cmaPinned.windowsTried} window(s), ${fmtCount(res.cmaPinned.migrated)} pages migrated`)
  log(`  hugetlb +512 × 2 MiB: median ${fmtMs(median(res.hugetlbMs))} (${rel(res.hugetlbMs)}); obtained ${res.hugetlb.obtained} (${res.hugetlb.viaCompaction} after direct compaction)`)
  log(`  hugetlb +512 × 2 MiB after the ${fmtCount(res.hugetlbCompact.freeBlocksTaken)} free 2 MiB blocks were taken: median ${fmtMs(median(res.hugetlbCompactMs))} (${rel(res.hugetlbCompactMs)}); obtained ${res.hugetlbCompact.obtained} (${res.hugetlbCompact.viaCompaction} after direct compaction, ${fmtCount(res.hugetlbCompact.migrated)} pages migrated)`)
  if (checks.length) log(`  checkModel: ${checks.slice(0, 3).join('; ')}`)
  res.rows = [
    [`${L} full compaction, compact_memory (median of ${runs})`, fmtMs(median(res.compactMs)), '', ''],
    [`${L} 256 MiB cma_alloc (median of ${runs})`, `${fmtMs(median(res.cmaMs))} = ${rel(res.cmaMs)}`, '', res.cma.success ? '' : 'FAIL'],
    [`${L} 256 MiB cma_alloc, 0.01 % pinned (median)`, `${fmtMs(median(res.cmaPinnedMs))} = ${rel(res.cmaPinnedMs)}`, '', ''],
    [`${L} hugetlb +512 × 2 MiB (median)`, `${fmtMs(median(res.hugetlbMs))} = ${rel(res.hugetlbMs)}`, '', ''],
    [`${L} hugetlb +512 × 2 MiB, all by compaction (median)`, `${fmtMs(median(res.hugetlbCompactMs))} = ${rel(res.hugetlbCompactMs)}`, '', ''],
    [`${L} contig what-ifs leave checkModel clean`, String(checks.length === 0), 'true', checks.length === 0 ? 'ok' : 'FAIL'],
  ]
  return res
}

// `node --import tsx bench/contig.ts` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  void benchContig(console.log).then((r) => {
    for (const row of r.rows) console.log(row.filter(Boolean).join('  '))
  })
}
