import { describe, expect, it } from 'vitest'
import { PAGE_CLASSES } from '../api/types.ts'
import { classCounts, pageAt, pageColumns, pageSpans, spanRects } from './page_layout.ts'

const FREE = PAGE_CLASSES.indexOf('free')
const MOVABLE = PAGE_CLASSES.indexOf('movable')
const THP = PAGE_CLASSES.indexOf('thp')

describe('page-level view layout', () => {
  it('uses power-of-two columns about twice as wide as tall', () => {
    expect(pageColumns(512)).toBe(32)
    expect(pageColumns(1024)).toBe(64)
    expect(pageColumns(8192)).toBe(128)
  })

  it('finds free blocks and compound pages from the heads, and free tails without a head', () => {
    const n = 32
    const classes = new Uint8Array(n).fill(MOVABLE)
    const orders = new Int8Array(n).fill(-1)
    // tail of a free block whose head is in the previous pageblock: pages 0..3
    for (let i = 0; i < 4; i++) classes[i] = FREE
    // an order-3 free block at 8
    for (let i = 8; i < 16; i++) classes[i] = FREE
    orders[8] = 3
    // an order-2 compound page at 16
    for (let i = 16; i < 20; i++) classes[i] = THP
    orders[16] = 2
    // an order-0 free page at 31
    classes[31] = FREE
    orders[31] = 0
    const { spans, spanOf } = pageSpans(classes, orders)
    expect(spans).toContainEqual({ start: 8, len: 8, order: 3, kind: 'free' })
    expect(spans).toContainEqual({ start: 16, len: 4, order: 2, kind: 'compound' })
    expect(spans).toContainEqual({ start: 31, len: 1, order: 0, kind: 'free' })
    expect(spans).toContainEqual({ start: 0, len: 4, order: -1, kind: 'free-tail' })
    expect(spans[spanOf[12]!]).toMatchObject({ start: 8, order: 3 })
    expect(spanOf[5]).toBe(-1)
  })

  it('a buddy-aligned block is one rectangle', () => {
    expect(spanRects(8, 8, 32)).toEqual([{ x: 8, y: 0, w: 8, h: 1 }])
    expect(spanRects(64, 128, 32)).toEqual([{ x: 0, y: 2, w: 32, h: 4 }])
    // an unaligned run splits by rows
    expect(spanRects(30, 5, 32)).toEqual([{ x: 30, y: 0, w: 2, h: 1 }, { x: 0, y: 1, w: 3, h: 1 }])
  })

  it('hit-tests pages and counts classes', () => {
    expect(pageAt(1, 1, 1, 1, 10, 32, 512)).toBe(0)
    expect(pageAt(1 + 10 * 31 + 5, 1 + 10 * 2 + 5, 1, 1, 10, 32, 512)).toBe(95)
    expect(pageAt(1 + 10 * 32 + 1, 5, 1, 1, 10, 32, 512)).toBe(-1)
    expect(pageAt(5, 1 + 10 * 16 + 1, 1, 1, 10, 32, 512)).toBe(-1)
    const c = classCounts(Uint8Array.from([FREE, FREE, MOVABLE]))
    expect(c.free).toBe(2)
    expect(c.movable).toBe(1)
    expect(c.hole).toBe(0)
  })
})
