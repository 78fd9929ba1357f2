import { describe, it, expect } from 'vitest'
import { ExactLayoutBuilder } from '../reconstruct/exact.ts'
import { KpageDecoder } from '../procfs/kpageflags.ts'
import { computePageblockMap, pageblockDetail, type PageblockMap } from './pageblock_map.ts'
import { summarizeZones } from './summary.ts'
import {
  compareMachines, diffFreeArea, diffFreeAreas, diffPageblocks, changedPageblocks, diffPagesOfBlock, pageblockChangeBits, mainChange, changeBit,
  pagesAtOrAbove, type MachineShape,
} from './diff.ts'
import { comparePredictedVsReal } from '../whatif/compact.ts'
import { loadCapture, readKpage } from '../../test/helpers/fixtures.ts'
import type { MemoryModel } from '../mm/mmzone.ts'
import type { Capture } from '../snapshot.ts'

const RUN = 'x86-2G-s13-fewpin'

function exact(capture: string): { c: Capture; model: MemoryModel } {
  const c = loadCapture(RUN, capture)
  const b = new ExactLayoutBuilder(c)
  for (const [name, sink] of [['kpageflags', b.flagsSink], ['kpagecount', b.countSink]] as const) {
    const d = new KpageDecoder(sink)
    d.push(readKpage(RUN, capture, name))
    d.end()
  }
  return { c, model: b.finish().model }
}

const before = exact('02-before')
const after = exact('03-after-compact-memory')
const shape = (x: { c: Capture; model: MemoryModel }): MachineShape => ({
  ...x.c.machine, zones: x.model.zones.map((z) => ({ node: z.node, zone: z.name, startPfn: z.startPfn, spanned: z.spanned, present: z.present })),
})
const zoneBlocks = (m: MemoryModel) => m.zones.map((z) => ({ node: z.node, zone: z.name, firstPb: m.pbIndex(z.startPfn), lastPb: m.pbIndex(z.endPfn - 1) }))

describe('diff of two real captures: before and after a write to compact_memory (x86 2 GiB, 6.1)', () => {
  const mapA = computePageblockMap(before.model)
  const mapB = computePageblockMap(after.model)
  const d = diffPageblocks(mapA, mapB, zoneBlocks(before.model))

  it('finds them one machine, one kernel', () => {
    expect(compareMachines(shape(before), shape(after))).toEqual({ mismatches: [], notes: [] })
  })

  it('freeBlocksDelta of the captured buddyinfo: the orders 9 and 10 gained what the files say', () => {
    const row = (c: Capture) => c.buddyinfo!.rows.find((r) => r.zone === 'DMA32')!
    const counts = (c: Capture) => ({ node: 0, zone: 'DMA32', freeBlocks: row(c).nrFree, freeBlocksByMigratetype: {}, pageblocks: {} })
    const z = diffFreeArea(counts(before.c), counts(after.c), 9)
    // buddyinfo: order 9: 2 → 100, order 10: 11 → 112
    expect(z.freeBlocksDelta[9]).toBe(100 - 2)
    expect(z.freeBlocksDelta[10]).toBe(112 - 11)
    expect(z.freeBlocksDelta[0]).toBe(1867 - 72584)
    expect(z.highOrderPagesAfter - z.highOrderPagesBefore).toBe(98 * 512 + 101 * 1024)
    expect(z.freePagesDelta).toBe(z.freeBlocksDelta.reduce((s, n, o) => s + n * 2 ** o, 0))
  })

  it('per migratetype: the deltas of the pagetypeinfo lists add up to the buddyinfo delta', () => {
    const pti = (c: Capture) => {
      const byMt: Record<string, number[]> = {}
      for (const r of c.pagetypeinfo!.free.filter((x) => x.zone === 'DMA32')) byMt[r.migratetype] = r.counts
      const blocks = c.pagetypeinfo!.blocks.find((x) => x.zone === 'DMA32')!
      return { node: 0, zone: 'DMA32', freeBlocks: c.buddyinfo!.rows[1]!.nrFree, freeBlocksByMigratetype: byMt, pageblocks: Object.fromEntries(c.pagetypeinfo!.migratetypes.map((m, i) => [m, blocks.counts[i]!])) }
    }
    const z = diffFreeArea(pti(before.c), pti(after.c), 9)
    expect(Object.keys(z.freeBlocksByMigratetypeDelta)).toContain('Movable')
    // both files were read back to back: the per-list deltas sum to the order deltas at the high orders
    for (const o of [9, 10]) expect(Object.values(z.freeBlocksByMigratetypeDelta).reduce((s, r) => s + r[o]!, 0)).toBe(z.freeBlocksDelta[o])
    expect(Object.values(z.pageblocksDelta).reduce((s, n) => s + n, 0)).toBe(0)
  })

  it('lists the pageblocks the real compaction made wholly free: as many as the layouts\' whole free pageblocks grew', () => {
    expect(d.counts['became-free']).toBeGreaterThan(250)
    // a wholly free pageblock is one a free buddy block of order >= 9 covers (pcp pages aside):
    // blocks that became free minus those no longer free = the model's growth in whole free pageblocks
    const whole = (m: MemoryModel) => m.zones.reduce((s, z) => s + pagesAtOrAbove(Array.from({ length: 11 }, (_, o) => z.free.nrFree(o)), 9) / 512, 0)
    let lost = 0
    for (const i of d.changed) if (mapA.movable[i]! + mapA.unmovable[i]! + mapA.reclaimable[i]! === 0 && mapA.free[i]! > 0 && mapB.movable[i]! + mapB.unmovable[i]! + mapB.reclaimable[i]! > 0) lost++
    const pcpOnly = (m: PageblockMap, model: MemoryModel) => {
      let n = 0
      for (let i = 0; i < m.mt.length; i++) {
        if (m.mt[i] === 255 || m.movable[i]! + m.unmovable[i]! + m.reclaimable[i]! > 0 || m.free[i] === 0) continue
        const start = i * 512
        if (!model.memMap.subarray(start, start + 512).every((b) => b & 0x80 || b === 2)) n++
      }
      return n
    }
    expect(d.counts['became-free'] - lost - (pcpOnly(mapB, after.model) - pcpOnly(mapA, before.model))).toBe(whole(after.model) - whole(before.model))
    const list = changedPageblocks(d, mapA, mapB, { basePfn: before.model.basePfn, pagesPerBlock: 512, migratetypes: before.model.migratetypes.names })
    const freed = list.filter((b) => b.changes[0] === 'became-free')
    expect(freed.length).toBe(d.counts['became-free'])
    for (const b of freed.slice(0, 20)) {
      expect(b.after.kind).toBe('free')
      expect(b.before.kind).not.toBe('free')
      expect(b.after.freePages).toBe(512)
      expect(b.pfn).toBe(before.model.basePfn + b.pageblock * 512)
    }
    // the migrate scanner empties the low end of the zone, the free scanner fills the high end
    const dma32 = d.zones.find((z) => z.zone === 'DMA32')!
    expect(dma32.counts['became-free']).toBe(d.counts['became-free'])
    const mid = (dma32.firstPb + dma32.lastPb) / 2
    expect(freed.filter((b) => b.pageblock < mid).length).toBeGreaterThan(freed.length * 0.6)
    expect(d.counts['filled']).toBeGreaterThan(0)
  })

  it('page by page: a block that became free had its used pages freed, none allocated', () => {
    const i = d.changed.find((k) => d.kinds[k]! & changeBit('became-free') && mapA.movable[k]! > 50)!
    const p = diffPagesOfBlock(pageblockDetail(before.model, i), pageblockDetail(after.model, i))
    expect(p.counts.freed).toBe(mapA.movable[i]! + mapA.unmovable[i]! + mapA.reclaimable[i]! - mapA.pinned[i]!)
    expect(p.counts.allocated).toBe(0)
    expect(p.pages.every((x) => x.change === 'freed' && x.after <= 2)).toBe(true)
    const same = diffPagesOfBlock(pageblockDetail(before.model, i), pageblockDetail(before.model, i))
    expect(same.pages).toEqual([])
  })
})

describe('pageblock change kinds', () => {
  const map = (rows: Array<[mt: number, free: number, movable: number, unmovable: number, mixed: number]>): PageblockMap => ({
    mt: Uint8Array.from(rows.map((r) => r[0])), free: Uint16Array.from(rows.map((r) => r[1])), movable: Uint16Array.from(rows.map((r) => r[2])),
    unmovable: Uint16Array.from(rows.map((r) => r[3])), reclaimable: new Uint16Array(rows.length), pinned: new Uint16Array(rows.length), mixed: Uint8Array.from(rows.map((r) => r[4])),
  })
  const a = map([[1, 10, 502, 0, 0], [1, 100, 412, 0, 0], [0, 0, 500, 12, 0], [1, 512, 0, 0, 0], [255, 0, 0, 0, 0], [1, 20, 492, 0, 0], [1, 20, 492, 0, 0], [1, 20, 492, 0, 0]])
  const b = map([[1, 512, 0, 0, 0], [1, 0, 512, 0, 0], [1, 0, 500, 12, 1], [1, 400, 112, 0, 0], [1, 512, 0, 0, 0], [1, 20, 491, 1, 1], [1, 20, 492, 0, 0], [1, 20, 480, 12, 0]])
  it('names each change, the weightiest first', () => {
    const kinds = Array.from({ length: 8 }, (_, i) => mainChange(pageblockChangeBits(a, b, i)))
    expect(kinds).toEqual(['became-free', 'filled', 'retyped', 'allocated-pages', 'entered', 'became-mixed', null, 'pages-changed'])
    expect(pageblockChangeBits(a, b, 2) & changeBit('became-mixed')).toBeTruthy()
    expect(mainChange(pageblockChangeBits(b, a, 2))).toBe('retyped')
    expect(mainChange(pageblockChangeBits(b, a, 4))).toBe('left')
  })
  it('refuses maps of two machines', () => {
    expect(() => diffPageblocks(a, map([[1, 0, 0, 0, 0]]))).toThrow(/differ in length/)
  })
  it('machines: other zone spans are a mismatch, another kernel a note', () => {
    const m: MachineShape = { hostname: 'h', kernelRelease: '6.1.0', arch: 'x86_64', pageSize: 4096, pageblockOrder: 9, nrOrders: 11, zones: [{ node: 0, zone: 'DMA32', startPfn: 4096, spanned: 1000, present: 1000 }] }
    const r = compareMachines(m, { ...m, kernelRelease: '6.12.0', zones: [{ node: 0, zone: 'DMA32', startPfn: 4096, spanned: 2000, present: 2000 }] })
    expect(r.mismatches).toEqual([{ what: 'zone span', file: 'zoneinfo', zone: { node: 0, zone: 'DMA32' }, before: 'PFN 4096..5095 (1000 pages)', after: 'PFN 4096..6095 (2000 pages)' }])
    expect(r.notes[0]).toMatch(/kernels differ: 6\.1\.0 → 6\.12\.0/)
    expect(compareMachines(m, { ...m, hostname: 'other' }).mismatches[0]!.what).toBe('hostname')
  })
})

describe('the what-if shares the diff: predicted vs real is the diff from the real capture to the prediction', () => {
  it('errors per order and the high-order error as before', () => {
    const pred = summarizeZones(after.model, 9)
    const real = before.c.buddyinfo!.rows
    const r = comparePredictedVsReal(pred, real, 9)
    const z = r.find((x) => x.zone === 'Node 0, zone DMA32')!
    const p = pred.find((x) => x.zone === 'DMA32')!.freeBlocks
    expect(z.error).toEqual(p.map((v, o) => v - real[1]!.nrFree[o]!))
    const hp = pagesAtOrAbove(p, 9)
    const hr = pagesAtOrAbove(real[1]!.nrFree, 9)
    expect(z.highOrderPagesPredicted).toBe(hp)
    expect(z.highOrderError).toBeCloseTo((hp - hr) / hr)
    expect(diffFreeAreas([], [{ node: 0, zone: 'X', freeBlocks: [1], freeBlocksByMigratetype: {}, pageblocks: {} }], 0)[0]!.freeBlocksDelta).toEqual([1])
  })
})
