/**
 * Properties (fast-check) of the contiguous allocators over random layouts: cma_alloc,
 * alloc_contig_pages and hugetlb pool growth (with and without compaction) keep checkModel clean,
 * give back every pageblock they isolated, and conserve pages — movable pages are moved, never
 * lost; what is allocated comes out of free memory exactly.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { PageKind, THP_HEAD, HUGETLB_HEAD, compoundHead, isBuddyPage } from './page.ts'
import type { MemoryModel } from './mmzone.ts'
import { checkModel } from './debug.ts'
import { cmaAlloc, newCmaArea } from './cma.ts'
import { allocContigPages } from './migrate.ts'
import { growHugetlbPool } from './hugetlb.ts'
import { Compactor } from './compaction.ts'
import { SlowPath, ReclaimModel } from './slowpath.ts'
import { machine, layout } from '../../test/helpers/layout.ts'

const PB = 512
const NPB = 32
type Profile = 'free' | 'sparse' | 'dense' | 'kernel' | 'thp' | 'pinned'
const profileArb = fc.constantFrom<Profile>('free', 'free', 'sparse', 'sparse', 'dense', 'kernel', 'thp', 'pinned')

interface Census {
  free: number
  movable: number
  kernel: number
  hugetlb: number
  other: number
}

function census(m: MemoryModel): Census {
  const c: Census = { free: 0, movable: 0, kernel: 0, hugetlb: 0, other: 0 }
  for (let p = m.basePfn; p < m.endPfn; p++) {
    const b = m.memMap[p - m.basePfn]!
    if (b >= 0x40 && !(b & 0x80)) {
      const n = 2 ** (b & 0x0f)
      if ((b & 0xf0) === HUGETLB_HEAD) c.hugetlb += n
      else c.movable += n
      p += n - 1
      continue
    }
    if (isBuddyPage(b)) c.free++
    else if (b === PageKind.KERNEL) c.kernel++
    else if (b === PageKind.ANON || b === PageKind.FILE || b === PageKind.PINNED || b === PageKind.UNEVICTABLE) c.movable++
    else if (b !== PageKind.HOLE) c.other++
  }
  return c
}

function build(profiles: Profile[], cmaFrom: number, seedBits: number) {
  const t = machine(NPB * PB)
  const mts = t.model.migratetypes
  layout(t, (p) => {
    const prof = profiles[Math.floor(p / PB)]!
    const off = p % PB
    const h = (p * 2654435761 + seedBits) >>> 0
    switch (prof) {
      case 'free': return null
      case 'sparse': return h % 9 === 0 ? PageKind.ANON : null
      case 'dense': return h % 3 ? PageKind.ANON : h % 2 ? PageKind.FILE : null
      case 'kernel': return h % 4 === 0 ? PageKind.KERNEL : h % 4 === 1 ? PageKind.SLAB : null
      case 'thp': return off === 0 ? compoundHead(THP_HEAD, 9) : null
      case 'pinned': return h % 50 === 0 ? PageKind.PINNED : h % 3 === 0 ? PageKind.ANON : null
    }
  }, (pb) => (pb >= cmaFrom * PB && pb < (cmaFrom + 8) * PB ? mts.cma : mts.movable))
  return t
}

const setup = fc.record({
  profiles: fc.array(profileArb, { minLength: NPB, maxLength: NPB }),
  cmaFrom: fc.integer({ min: 0, max: NPB - 8 }),
  bits: fc.nat(),
})

describe('contiguous allocations: properties', () => {
  it('cma_alloc conserves pages and keeps the model consistent', () => {
    fc.assert(fc.property(setup, fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 0, max: 11 }), (s, count, align) => {
      const t = build(s.profiles, s.cmaFrom, s.bits)
      const before = census(t.model)
      const area = newCmaArea('reserved', s.cmaFrom * PB, 8 * PB)
      const r = cmaAlloc(t.allocator, area, count, align, { reclaim: new ReclaimModel(t.model, 'none') })
      const after = census(t.model)
      expect(checkModel(t.model)).toEqual([])
      const got = r.success ? count : 0
      expect(after.kernel).toBe(before.kernel + got)
      expect(after.free).toBe(before.free - got)
      expect(after.movable).toBe(before.movable)
      expect(after.other).toBe(before.other)
      for (let pb = 0; pb < NPB; pb++) expect(t.model.pageblockMt[pb]).not.toBe(t.model.migratetypes.isolate)
      if (r.success) for (let p = r.pfn; p < r.pfn + count; p++) expect(t.model.page(p)).toBe(PageKind.KERNEL)
    }), { numRuns: 40, seed: 20260601 })
  })

  it('alloc_contig_pages conserves pages and never takes CMA blocks', () => {
    fc.assert(fc.property(setup, fc.constantFrom(512, 1024, 2048, 4096), (s, nr) => {
      const t = build(s.profiles, s.cmaFrom, s.bits)
      const before = census(t.model)
      const r = allocContigPages(t.allocator, nr, { node: 0, highestZoneIdx: 4, reclaim: new ReclaimModel(t.model, 'none'), kind: PageKind.KERNEL })
      const after = census(t.model)
      expect(checkModel(t.model)).toEqual([])
      const got = r.success ? nr : 0
      expect(after.kernel).toBe(before.kernel + got)
      expect(after.free).toBe(before.free - got)
      expect(after.movable).toBe(before.movable)
      if (r.success) for (let p = r.pfn; p < r.pfn + nr; p += PB) expect(t.model.getPageblockMigratetype(p)).not.toBe(t.model.migratetypes.cma)
    }), { numRuns: 40, seed: 20260602 })
  })

  it('hugetlb growth conserves pages with and without compaction', () => {
    fc.assert(fc.property(setup, fc.integer({ min: 1, max: 10 }), fc.boolean(), (s, count, compaction) => {
      const t = build(s.profiles, s.cmaFrom, s.bits)
      const before = census(t.model)
      const reclaim = new ReclaimModel(t.model, 'none')
      const r = growHugetlbPool(t.allocator, new SlowPath(t.allocator, new Compactor(t.allocator), { compaction, reclaim }), { order: 9, count, reclaim })
      const after = census(t.model)
      expect(checkModel(t.model)).toEqual([])
      expect(after.hugetlb).toBe(before.hugetlb + r.obtained * PB)
      expect(after.movable).toBe(before.movable)
      expect(after.kernel).toBe(before.kernel)
      // per-cpu pages freed by compaction's migrations may still sit on the pcp list (neither free nor used)
      expect(after.free + (after.other - before.other)).toBe(before.free - r.obtained * PB)
      expect(r.obtained).toBeLessThanOrEqual(count)
    }), { numRuns: 40, seed: 20260603 })
  })
})
