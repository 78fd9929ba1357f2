import { describe, expect, it } from 'vitest'
import type { PageblockMapDto } from '../api/types.ts'
import { makeGrid, visibleRange, fitViewport, pageGrid } from './pageblock_layout.ts'
import { buildLut, buildPageLut, cellLevel, countByMigratetype, fillCells, fillPages, NONE_SLOT, packRgba, slotOf, unpackRgba } from './pageblock_render.ts'
import { MIGRATETYPE_COLORS, noZoneColor, pageClassColor, parseHex } from './palette.ts'

const MTS = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']

function map(mt: number[], extra: Partial<Record<'free' | 'pinned' | 'unmovable' | 'mixed', number[]>> = {}): PageblockMapDto {
  const n = mt.length
  const u16 = (a?: number[]) => Uint16Array.from(a ?? new Array(n).fill(0))
  return {
    id: 's1', mt: Uint8Array.from(mt), free: u16(extra.free), movable: u16(), unmovable: u16(extra.unmovable), reclaimable: u16(), pinned: u16(extra.pinned),
    mixed: Uint8Array.from(extra.mixed ?? new Array(n).fill(0)),
  }
}

describe('pageblock colouring', () => {
  it('packs RGBA for ImageData on either endianness', () => {
    expect(unpackRgba(packRgba(1, 2, 3, 4, true), true)).toEqual([1, 2, 3, 4])
    expect(unpackRgba(packRgba(1, 2, 3, 4, false), false)).toEqual([1, 2, 3, 4])
    const le = new Uint8Array(new Uint32Array([packRgba(10, 20, 30, 255, true)]).buffer)
    if (le[0] === 10) expect([...le]).toEqual([10, 20, 30, 255])
  })

  it('colours each migratetype with the fixed palette; mt 255 is "not in a zone"', () => {
    const lut = buildLut(MTS, 'migratetype', 'dark')
    const rgb = (slot: number) => unpackRgba(lut[(slot << 8) | 255]!).slice(0, 3)
    expect(rgb(0)).toEqual(parseHex(MIGRATETYPE_COLORS.Unmovable!))
    expect(rgb(1)).toEqual(parseHex(MIGRATETYPE_COLORS.Movable!))
    expect(rgb(4)).toEqual(parseHex(MIGRATETYPE_COLORS.CMA!))
    expect(slotOf(255)).toBe(NONE_SLOT)
    expect(rgb(NONE_SLOT)).toEqual(parseHex(noZoneColor('dark')))
  })

  it('fills one pixel per visible cell, transparent past the end', () => {
    const m = map([0, 1, 1, 255, 2])
    const g = { count: 5, cols: 4, rows: 2 }
    const lut = buildLut(MTS, 'migratetype', 'light')
    const out = new Uint32Array(8)
    fillCells(out, m, g, { c0: 0, c1: 4, r0: 0, r1: 2 }, lut, 'migratetype', 512)
    expect(out[0]).toBe(lut[(0 << 8) | 255])
    expect(out[1]).toBe(lut[(1 << 8) | 255])
    expect(out[3]).toBe(lut[(NONE_SLOT << 8) | 255])
    expect(out[4]).toBe(lut[(2 << 8) | 255])
    expect([...out.slice(5)]).toEqual([0, 0, 0])
    // a sub-range: columns 1..2 of row 0
    const sub = new Uint32Array(2)
    fillCells(sub, m, g, { c0: 1, c1: 3, r0: 0, r1: 1 }, lut, 'migratetype', 512)
    expect([...sub]).toEqual([out[1], out[2]])
  })

  it('overlay levels: free fraction, mixed, pinned and unmovable pages', () => {
    const m = map([1, 1, 1, 0], { free: [0, 256, 512, 0], mixed: [0, 1, 0, 0], pinned: [0, 1, 0, 512], unmovable: [0, 3, 0, 512] })
    expect([0, 1, 2].map((i) => cellLevel(m, i, 'free', 512))).toEqual([0, 128, 255])
    expect([0, 1].map((i) => cellLevel(m, i, 'mixed', 512))).toEqual([0, 255])
    expect(cellLevel(m, 0, 'pinned', 512)).toBe(0)
    expect(cellLevel(m, 1, 'pinned', 512)).toBeGreaterThan(64) // one pinned page is visible
    expect(cellLevel(m, 3, 'pinned', 512)).toBe(255)
    expect(cellLevel(m, 1, 'unmovable', 512)).toBeLessThan(cellLevel(m, 3, 'unmovable', 512))
    // in an overlay, flagged cells differ from unflagged ones
    const lut = buildLut(MTS, 'pinned', 'dark')
    const out = new Uint32Array(4)
    fillCells(out, m, { count: 4, cols: 4, rows: 1 }, { c0: 0, c1: 4, r0: 0, r1: 1 }, lut, 'pinned', 512)
    expect(out[0]).not.toBe(out[1])
  })

  it('fills a 1 TiB map (524,288 pageblocks) quickly', () => {
    const n = 524_288
    const mt = new Uint8Array(n)
    for (let i = 0; i < n; i++) mt[i] = i % 7 === 0 ? 0 : 1
    const m: PageblockMapDto = { ...map([]), mt, free: new Uint16Array(n), pinned: new Uint16Array(n), unmovable: new Uint16Array(n), mixed: new Uint8Array(n), movable: new Uint16Array(n), reclaimable: new Uint16Array(n) }
    const g = makeGrid(n, 940, 700)
    const r = visibleRange(fitViewport(g, 940, 700), g, 940, 700)
    const out = new Uint32Array((r.c1 - r.c0) * (r.r1 - r.r0))
    const lut = buildLut(MTS, 'free', 'dark')
    const t0 = performance.now()
    fillCells(out, m, g, r, lut, 'free', 512)
    const ms = performance.now() - t0
    expect(out[0]).toBe(lut[(0 << 8) | 0])
    expect(ms).toBeLessThan(1000) // typically ~5 ms; loose bound for slow CI
  })

  it('counts pageblocks per migratetype name (data-counts)', () => {
    const r = countByMigratetype(Uint8Array.from([0, 1, 1, 4, 255, 255]), MTS)
    expect(r.counts).toEqual({ Unmovable: 1, Movable: 2, Reclaimable: 0, HighAtomic: 0, CMA: 1, Isolate: 0 })
    expect(r.outside).toBe(2)
  })
})

describe('semantic zoom: pages in the page-level palette', () => {
  it('fills one pixel per page of each visible pageblock, and the block colour where the pages are not loaded', () => {
    const m = map([1, 0, 1])
    const grid = { count: 3, cols: 2, rows: 2 }
    const pg = pageGrid(8) // 4 × 2 pages
    const lut = buildLut(MTS, 'migratetype', 'light')
    const pageLut = buildPageLut('light')
    // pageblock 0: pages free, free, movable, file, slab (unmovable), pagetable, reserved, thp
    const cls0 = Uint8Array.from([1, 1, 3, 4, 8, 9, 10, 11])
    const out = new Uint32Array(2 * 4 * 2 * 2)
    const drawn = fillPages(out, m, grid, { c0: 0, c1: 2, r0: 0, r1: 2 }, pg, (i) => (i === 0 ? cls0 : undefined), pageLut, lut, 'migratetype', 8)
    expect(drawn).toBe(1)
    const rgb = (x: number, y: number) => unpackRgba(out[y * 8 + x]!).slice(0, 3)
    expect(rgb(0, 0)).toEqual(parseHex(pageClassColor('free', 'light')))
    expect(rgb(2, 0)).toEqual(parseHex(pageClassColor('movable', 'light')))
    expect(rgb(3, 0)).toEqual(parseHex(pageClassColor('file', 'light')))
    expect(rgb(0, 1)).toEqual(parseHex(pageClassColor('unmovable', 'light')))
    expect(rgb(3, 1)).toEqual(parseHex(pageClassColor('thp', 'light')))
    // pageblock 1 (Unmovable) not loaded: its block colour over all its pages
    for (let x = 4; x < 8; x++) for (let y = 0; y < 2; y++) expect(rgb(x, y)).toEqual(parseHex(MIGRATETYPE_COLORS.Unmovable!))
    // past the last pageblock: transparent
    expect(out[3 * 8 + 6]).toBe(0)
  })
})
