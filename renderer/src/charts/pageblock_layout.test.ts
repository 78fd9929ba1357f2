import { describe, expect, it } from 'vitest'
import {
  boundarySegments, cellAt, cellRect, cellsIn, centerOn, chooseColumns, clampViewport, fitScale, fitViewport, labelRows, makeGrid, MAX_SCALE, maxScaleFor, PAGE_MAX_PX,
  PAGE_MIN_PX, pageAtPoint, pageGrid, pageZoomScale, panBy, showsPages, visibleRange, zoomAt,
} from './pageblock_layout.ts'

const TIB_PAGEBLOCKS = 524_288 // 1 TiB of 2 MiB pageblocks

describe('pageblock grid layout', () => {
  it('picks the power-of-two column count with the biggest square cells', () => {
    expect(chooseColumns(256, 940, 700)).toBe(16)
    expect(chooseColumns(TIB_PAGEBLOCKS, 940, 700)).toBe(1024)
    expect(chooseColumns(TIB_PAGEBLOCKS, 700, 1400)).toBe(512)
    expect(chooseColumns(1, 100, 100)).toBe(1)
    for (const n of [3, 100, 4097, TIB_PAGEBLOCKS]) {
      const c = chooseColumns(n, 1200, 600)
      expect(Math.log2(c) % 1).toBe(0)
    }
  })

  it('fits the whole grid and anchors it top-left', () => {
    const g = makeGrid(TIB_PAGEBLOCKS, 940, 700)
    expect(g).toEqual({ count: TIB_PAGEBLOCKS, cols: 1024, rows: 512 })
    const vp = fitViewport(g, 940, 700)
    expect(vp.scale).toBeCloseTo(940 / 1024)
    expect(g.cols * vp.scale).toBeLessThanOrEqual(940 + 1e-9)
    expect(g.rows * vp.scale).toBeLessThanOrEqual(700 + 1e-9)
    expect(visibleRange(vp, g, 940, 700)).toEqual({ c0: 0, c1: 1024, r0: 0, r1: 512 })
  })

  it('draws only the visible range when zoomed: a handful of cells out of 524,288', () => {
    const g = makeGrid(TIB_PAGEBLOCKS, 940, 700)
    let vp = fitViewport(g, 940, 700)
    vp = zoomAt(vp, g, 940, 700, 40, 470, 350)
    const r = visibleRange(vp, g, 940, 700)
    const cells = (r.c1 - r.c0) * (r.r1 - r.r0)
    expect(cells).toBeGreaterThan(0)
    expect(cells).toBeLessThan(3000)
    // the visible range covers the view and no more than one partial cell on each side
    expect(vp.ox + r.c0 * vp.scale).toBeLessThanOrEqual(0)
    expect(vp.ox + r.c1 * vp.scale).toBeGreaterThanOrEqual(940)
    expect(vp.ox + (r.c1 - 1) * vp.scale).toBeLessThan(940)
  })

  it('zooms around the cursor: the cell under it stays under it', () => {
    const g = makeGrid(4096, 800, 600)
    const vp0 = fitViewport(g, 800, 600)
    const before = cellAt(vp0, g, 333, 222)
    const vp1 = zoomAt(vp0, g, 800, 600, 3, 333, 222)
    expect(vp1.scale).toBeCloseTo(vp0.scale * 3)
    expect(cellAt(vp1, g, 333, 222)).toBe(before)
  })

  it('clamps zoom between fit and MAX_SCALE, and pan so no empty margin appears', () => {
    const g = makeGrid(4096, 800, 600)
    const fit = fitScale(g, 800, 600)
    expect(zoomAt(fitViewport(g, 800, 600), g, 800, 600, 0.01, 10, 10).scale).toBeCloseTo(fit)
    expect(zoomAt(fitViewport(g, 800, 600), g, 800, 600, 1e6, 10, 10).scale).toBe(MAX_SCALE)
    let vp = zoomAt(fitViewport(g, 800, 600), g, 800, 600, 4, 0, 0)
    vp = panBy(vp, g, 800, 600, 10_000, 10_000)
    expect(vp.ox).toBe(0)
    expect(vp.oy).toBe(0)
    vp = panBy(vp, g, 800, 600, -1e9, -1e9)
    expect(vp.ox + g.cols * vp.scale).toBeCloseTo(800)
    expect(vp.oy + g.rows * vp.scale).toBeCloseTo(600)
    // a grid smaller than the view cannot be dragged away
    expect(clampViewport({ scale: fit, ox: 300, oy: 300 }, g, 800, 600)).toMatchObject({ ox: 0, oy: 0 })
  })

  it('hit-tests cells, and nothing past the last pageblock', () => {
    const g = { count: 10, cols: 4, rows: 3 }
    const vp = { scale: 10, ox: 5, oy: 0 }
    expect(cellAt(vp, g, 5, 0)).toBe(0)
    expect(cellAt(vp, g, 44, 9)).toBe(3)
    expect(cellAt(vp, g, 15, 10)).toBe(5)
    expect(cellAt(vp, g, 25, 25)).toBe(-1) // index 10 does not exist
    expect(cellAt(vp, g, 4, 5)).toBe(-1)
    expect(cellAt(vp, g, 46, 5)).toBe(-1)
    expect(cellRect(vp, g, 5)).toEqual({ x: 15, y: 10, w: 10, h: 10 })
  })

  it('outlines a boundary in a wrapped grid as a staircase', () => {
    const g = { count: 32, cols: 8, rows: 4 }
    expect(boundarySegments(g, 16)).toEqual([[0, 2, 8, 2]])
    expect(boundarySegments(g, 11)).toEqual([
      [3, 1, 8, 1],
      [3, 1, 3, 2],
      [0, 2, 3, 2],
    ])
    expect(boundarySegments(g, 0)).toEqual([])
    expect(boundarySegments(g, 32)).toEqual([])
  })

  it('centres a pageblock', () => {
    const g = makeGrid(TIB_PAGEBLOCKS, 940, 700)
    const vp = centerOn(g, 940, 700, 300_000, 20)
    const r = cellRect(vp, g, 300_000)
    expect(r.x + r.w / 2).toBeCloseTo(470)
    expect(r.y + r.h / 2).toBeCloseTo(350)
  })

  it('labels rows at most every minGap px, on round rows', () => {
    expect(labelRows({ c0: 0, c1: 4, r0: 0, r1: 10 }, 20, 14)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(labelRows({ c0: 0, c1: 4, r0: 0, r1: 512 }, 1, 14)).toEqual(Array.from({ length: 32 }, (_, i) => i * 16))
    expect(labelRows({ c0: 0, c1: 4, r0: 5, r1: 20 }, 5, 14)).toEqual([8, 12, 16])
  })
})

describe('semantic zoom: pages inside pageblocks', () => {
  it('lays the pages of a pageblock out in a power-of-two grid at most twice as wide as tall', () => {
    expect(pageGrid(512)).toEqual({ n: 512, cols: 32, rows: 16 })
    expect(pageGrid(1024)).toEqual({ n: 1024, cols: 32, rows: 32 })
    expect(pageGrid(8192)).toEqual({ n: 8192, cols: 128, rows: 64 })
    expect(pageGrid(1)).toEqual({ n: 1, cols: 1, rows: 1 })
  })

  it('shows pages once a page is PAGE_MIN_PX wide, and lets the map zoom on until a page is PAGE_MAX_PX wide', () => {
    const pg = pageGrid(512)
    expect(pageZoomScale(pg)).toBe(PAGE_MIN_PX * 32)
    expect(showsPages(pageZoomScale(pg) - 0.01, pg)).toBe(false)
    expect(showsPages(pageZoomScale(pg), pg)).toBe(true)
    expect(showsPages(1000, null)).toBe(false)
    expect(maxScaleFor(pg)).toBe(PAGE_MAX_PX * 32)
    expect(maxScaleFor(null)).toBe(MAX_SCALE)
    // zooming far in reaches page scale only when the map draws pages; zooming out returns to blocks
    const g = makeGrid(12_000, 900, 600)
    const far = zoomAt(fitViewport(g, 900, 600), g, 900, 600, 1e6, 450, 300, maxScaleFor(pg))
    expect(far.scale).toBe(maxScaleFor(pg))
    expect(showsPages(far.scale, pg)).toBe(true)
    expect(zoomAt(fitViewport(g, 900, 600), g, 900, 600, 1e6, 450, 300).scale).toBe(MAX_SCALE)
    expect(showsPages(zoomAt(far, g, 900, 600, 1 / 8, 450, 300, maxScaleFor(pg)).scale, pg)).toBe(false)
    expect(clampViewport(far, g, 900, 600).scale).toBe(MAX_SCALE)
  })

  it('lists the visible pageblocks and finds the page under the pointer', () => {
    const g = { count: 10, cols: 4, rows: 3 }
    expect(cellsIn({ c0: 1, c1: 3, r0: 1, r1: 3 }, g)).toEqual([5, 6, 9])
    const pg = pageGrid(512)
    const vp = { scale: 320, ox: -320, oy: 0 } // cell 1 at x 0..320: a page is 10 px wide, 20 px high
    expect(pageAtPoint(vp, g, pg, 5, 5)).toEqual({ pageblock: 1, page: 0 })
    expect(pageAtPoint(vp, g, pg, 315, 5)).toEqual({ pageblock: 1, page: 31 })
    expect(pageAtPoint(vp, g, pg, 15, 25)).toEqual({ pageblock: 1, page: 33 })
    expect(pageAtPoint(vp, g, pg, 319.9, 319.9)).toEqual({ pageblock: 1, page: 511 })
    expect(pageAtPoint(vp, g, pg, 330, 5)).toEqual({ pageblock: 2, page: 1 })
    expect(pageAtPoint(vp, g, pg, 5, 2000)).toBeNull()
  })
})
