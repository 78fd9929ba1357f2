import { describe, expect, it } from 'vitest'
import {
  boundarySegments, cellAt, cellRect, centerOn, chooseColumns, clampViewport, fitScale, fitViewport, labelRows, makeGrid, MAX_SCALE, panBy,
  visibleRange, zoomAt,
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
