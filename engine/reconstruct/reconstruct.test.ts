import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { bootModel } from '../mm/memblock.ts'
import { checkModel } from '../mm/debug.ts'
import { PageKind, THP_HEAD, HUGETLB_HEAD } from '../mm/page.ts'
import { modelBuddyinfo, modelPagetypeinfo } from '../metrics/summary.ts'
import { synthesizeModel } from './synthesize.ts'
import { ExactLayoutBuilder, classifyKpageflags, cmaBaseFromDmesg } from './exact.ts'
import { KpageDecoder } from '../procfs/kpageflags.ts'
import { captureOfModel } from '../../test/helpers/model_capture.ts'
import type { GfpIntent } from '../mm/page_alloc.ts'

const X86 = { pageSize: 4096, pageblockOrder: 9, nrOrders: 11 }

/** a fragmented model: boot, then a seeded random alloc/free sequence */
function fragmented(ops: Array<{ alloc: boolean; order: number; gfp: GfpIntent; pick: number }>) {
  const { model, allocator } = bootModel(X86, [
    { name: 'DMA', startPfn: 1, spanned: 4095, reserved: 158, holes: [[159, 256]] },
    { name: 'DMA32', startPfn: 4096, spanned: 16384, reserved: 700 },
  ])
  for (const z of model.zones) z.wmark = { min: 8, low: 16, high: 24, promo: 32 }
  const live: Array<[number, number]> = []
  for (const op of ops) {
    if (op.alloc) {
      const r = allocator.allocPages({ order: op.order, gfp: op.gfp })
      if (r) live.push([r.pfn, r.order])
    } else if (live.length) {
      const [p, o] = live.splice(op.pick % live.length, 1)[0]!
      allocator.freePages(p, o)
    }
  }
  return model
}

const opsArb = fc.array(fc.record({ alloc: fc.boolean(), order: fc.nat({ max: 4 }), gfp: fc.constantFrom<GfpIntent>('movable', 'movable', 'movable', 'unmovable', 'reclaimable'), pick: fc.nat() }), { minLength: 50, maxLength: 400 })

describe('synthesized layout', () => {
  it('reproduces buddyinfo, pagetypeinfo and the buddy invariants for any model it is given the summaries of', () => {
    fc.assert(fc.property(opsArb, fc.nat(), (ops, seed) => {
      const original = fragmented(ops)
      const capture = captureOfModel(original)
      const { model } = synthesizeModel(capture, { seed })
      expect(checkModel(model)).toEqual([])
      expect(modelBuddyinfo(model)).toEqual(modelBuddyinfo(original))
      const a = modelPagetypeinfo(model)
      const b = modelPagetypeinfo(original)
      expect(a.free).toEqual(b.free)
      expect(a.blocks).toEqual(b.blocks)
      for (const z of model.zones) {
        const o = original.findZone(z.node, z.name)!
        expect([z.spanned, z.present, z.managed, z.startPfn]).toEqual([o.spanned, o.present, o.managed, o.startPfn])
      }
    }), { numRuns: 25, seed: 7 })
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const original = fragmented(Array.from({ length: 300 }, (_, i) => ({ alloc: i % 3 !== 2, order: i % 4, gfp: 'movable' as GfpIntent, pick: i * 7 })))
    const capture = captureOfModel(original)
    const a = synthesizeModel(capture, { seed: 5 }).model
    const b = synthesizeModel(capture, { seed: 5 }).model
    const c = synthesizeModel(capture, { seed: 6 }).model
    expect(Buffer.from(a.memMap).equals(Buffer.from(b.memMap))).toBe(true)
    expect(Buffer.from(a.memMap).equals(Buffer.from(c.memMap))).toBe(false)
    expect(a.build).toMatchObject({ method: 'synthesized', seed: 5 })
  })
})

function kpageFile(entries: Array<[number, number]>): Uint8Array {
  const buf = new Uint8Array(entries.length * 8)
  const dv = new DataView(buf.buffer)
  entries.forEach(([lo, hi], i) => {
    dv.setUint32(i * 8, lo >>> 0, true)
    dv.setUint32(i * 8 + 4, hi >>> 0, true)
  })
  return buf
}

describe('exact layout from kpageflags', () => {
  it('classifies flags as the kernel sets them', () => {
    expect(classifyKpageflags(1 << 10, 0)).toBe(PageKind.BUDDY_TAIL)
    expect(classifyKpageflags(1 << 20, 0)).toBe(PageKind.HOLE)
    expect(classifyKpageflags(0, 1)).toBe(PageKind.RESERVED)
    expect(classifyKpageflags((1 << 5) | (1 << 12), 0)).toBe(PageKind.ANON)
    expect(classifyKpageflags(1 << 5, 0)).toBe(PageKind.FILE)
    expect(classifyKpageflags((1 << 5) | (1 << 18), 0)).toBe(PageKind.UNEVICTABLE)
    expect(classifyKpageflags(1 << 7, 0)).toBe(PageKind.SLAB)
    expect(classifyKpageflags(1 << 26, 0)).toBe(PageKind.PAGETABLE)
    expect(classifyKpageflags((1 << 22) | (1 << 15) | (1 << 5), 0)).toBe(THP_HEAD)
    expect(classifyKpageflags((1 << 22) | (1 << 16), 0)).toBe(PageKind.COMPOUND_TAIL)
    expect(classifyKpageflags((1 << 17) | (1 << 15), 0)).toBe(HUGETLB_HEAD)
    expect(classifyKpageflags(0, 0)).toBe(PageKind.PCP)
    expect(classifyKpageflags(1 << 3, 0)).toBe(PageKind.KERNEL)
  })

  it('rebuilds free blocks from BUDDY runs and settles pcp pages from map counts', () => {
    const original = fragmented(Array.from({ length: 200 }, (_, i) => ({ alloc: i % 4 !== 3, order: i % 3, gfp: (i % 5 === 0 ? 'unmovable' : 'movable') as GfpIntent, pick: i * 13 })))
    const capture = captureOfModel(original)
    // kpageflags of the original: BUDDY for free pages, ANON|LRU for movable pages, SLAB etc.
    const n = original.endPfn
    const flags: Array<[number, number]> = []
    const counts: Array<[number, number]> = []
    for (let pfn = 0; pfn < n; pfn++) {
      const b = pfn >= original.basePfn ? original.page(pfn) : PageKind.HOLE
      const z = original.zoneOf(pfn)
      let lo = 0
      let hi = 0
      if (!z || b === PageKind.HOLE) lo = z ? 0 : 1 << 20
      else if (b === PageKind.BUDDY_TAIL || b >= 0x80) lo = 1 << 10
      else if (b === PageKind.RESERVED) hi = 1
      else if (b === PageKind.ANON) lo = (1 << 5) | (1 << 12)
      else if (b === PageKind.SLAB_RECLAIMABLE) lo = 1 << 7
      else lo = 1 << 3
      flags.push([lo, hi])
      counts.push([b === PageKind.ANON ? 1 : 0, 0])
    }
    const builder = new ExactLayoutBuilder(capture)
    const d = new KpageDecoder(builder.flagsSink)
    const bytes = kpageFile(flags)
    // feed in odd-sized chunks to exercise the carry path
    for (let off = 0; off < bytes.length; off += 4093) d.push(bytes.subarray(off, Math.min(bytes.length, off + 4093)))
    expect(d.end()).toBe(n)
    const d2 = new KpageDecoder(builder.countSink)
    d2.push(kpageFile(counts))
    d2.end()
    const { model } = builder.finish()
    expect(checkModel(model)).toEqual([])
    expect(modelBuddyinfo(model)).toEqual(modelBuddyinfo(original))
    expect(modelPagetypeinfo(model).blocks).toEqual(modelPagetypeinfo(original).blocks)
    expect(model.build.method).toBe('exact')
  })

  it('takes a page that is free in kpageflags but mapped in kpagecount as allocated between the reads', () => {
    const original = fragmented(Array.from({ length: 200 }, (_, i) => ({ alloc: i % 4 !== 3, order: i % 3, gfp: 'movable' as GfpIntent, pick: i * 13 })))
    const capture = captureOfModel(original)
    const n = original.endPfn
    const flags: Array<[number, number]> = []
    const counts: Array<[number, number]> = []
    let torn = -1
    for (let pfn = 0; pfn < n; pfn++) {
      const b = pfn >= original.basePfn ? original.page(pfn) : PageKind.HOLE
      const z = original.zoneOf(pfn)
      const free = !!z && (b === PageKind.BUDDY_TAIL || b >= 0x80)
      flags.push(!z ? [1 << 20, 0] : free ? [1 << 10, 0] : b === PageKind.RESERVED ? [0, 1] : b === PageKind.ANON ? [(1 << 5) | (1 << 12), 0] : [1 << 3, 0])
      // the first free page of an order ≥ 1 block gets a map count: allocated after kpageflags was read
      if (torn < 0 && b >= 0x80 && (b & 0x0f) >= 1) torn = pfn
      counts.push([b === PageKind.ANON || pfn === torn ? 1 : 0, 0])
    }
    expect(torn).toBeGreaterThan(0)
    const build = (withCounts: boolean) => {
      const builder = new ExactLayoutBuilder(capture)
      const d = new KpageDecoder(builder.flagsSink)
      d.push(kpageFile(flags))
      d.end()
      if (withCounts) {
        const d2 = new KpageDecoder(builder.countSink)
        d2.push(kpageFile(counts))
        d2.end()
      }
      return builder.finish().model
    }
    const plain = build(false)
    const model = build(true)
    expect(plain.page(torn) >= 0x80 || plain.page(torn) === PageKind.BUDDY_TAIL).toBe(true)
    expect(model.page(torn)).toBe(PageKind.PINNED)
    expect(checkModel(model)).toEqual([])
    const freePages = (m: typeof model) => modelBuddyinfo(m).rows.reduce((s, z) => s + z.nrFree.reduce((t, c, o) => t + c * 2 ** o, 0), 0)
    expect(freePages(model)).toBe(freePages(plain) - 1)
    expect(model.build.notes.some((x) => /1 pages free \(KPF_BUDDY\) in kpageflags have a map count/.test(x))).toBe(true)
  })

  it('lists the capture\'s tools\' pages: anonymous pages unmapped by the kpagecount read, flagless pages mapped by it', () => {
    const original = fragmented(Array.from({ length: 200 }, (_, i) => ({ alloc: i % 4 !== 3, order: i % 3, gfp: 'movable' as GfpIntent, pick: i * 13 })))
    const capture = captureOfModel(original)
    const n = original.endPfn
    const flags: Array<[number, number]> = []
    const counts: Array<[number, number]> = []
    const anon: number[] = []
    for (let pfn = 0; pfn < n; pfn++) {
      const b = pfn >= original.basePfn ? original.page(pfn) : PageKind.HOLE
      const z = original.zoneOf(pfn)
      const free = !!z && (b === PageKind.BUDDY_TAIL || b >= 0x80)
      if (z && b === PageKind.ANON) anon.push(pfn)
      flags.push(!z ? [1 << 20, 0] : free ? [1 << 10, 0] : b === PageKind.RESERVED ? [0, 1] : b === PageKind.ANON ? [(1 << 5) | (1 << 12) | (1 << 11), 0] : [1 << 3, 0])
      counts.push([b === PageKind.ANON ? 1 : 0, 0])
    }
    // three mapped anonymous pages have map count 0 (unmapped between the reads), one of them at
    // an odd PFN; one anonymous page becomes flagless in kpageflags and keeps its map count
    const gone = [anon[5]!, anon[6]!, anon[41]!]
    const flagless = anon[77]!
    for (const p of gone) counts[p] = [0, 0]
    flags[flagless] = [0, 0]
    const builder = new ExactLayoutBuilder(capture)
    const d = new KpageDecoder(builder.flagsSink)
    d.push(kpageFile(flags))
    d.end()
    const d2 = new KpageDecoder(builder.countSink)
    d2.push(kpageFile(counts))
    d2.end()
    const { model } = builder.finish()
    expect([...model.captureToolPages].sort((a, b) => a - b)).toEqual([...gone, flagless].sort((a, b) => a - b))
    // the layout keeps them as it read them
    expect(gone.map((p) => model.page(p))).toEqual([PageKind.ANON, PageKind.ANON, PageKind.ANON])
    expect(model.page(flagless)).toBe(PageKind.KERNEL)
    expect(checkModel(model)).toEqual([])
  })

  it('rejects a kpageflags whose length is not whole entries', () => {
    const d = new KpageDecoder(() => {}, 'x/kpageflags')
    d.push(new Uint8Array(13))
    expect(() => d.end()).toThrow(/x\/kpageflags: length is not a multiple of 8/)
  })

  it('reads the CMA base from a boot log', () => {
    expect(cmaBaseFromDmesg('[    0.000000] cma: Reserved 128 MiB at 0x0000000076c00000\n', 4096)).toBe(0x76c00)
    expect(cmaBaseFromDmesg('nothing here', 4096)).toBeNull()
  })
})
