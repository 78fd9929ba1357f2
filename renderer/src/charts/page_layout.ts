/**
 * Geometry of the page-level view of one pageblock (pure): pages in a grid of a power-of-two
 * number of columns, so every buddy-aligned block (free block or compound page) is one rectangle;
 * the blocks themselves from the heads' orders; hit-testing.
 */
import { PAGE_CLASSES } from '../api/types.ts'

const FREE_CLASS = PAGE_CLASSES.indexOf('free')

/** Columns for n pages: a power of two near √(2n), so the grid is about twice as wide as tall. */
export function pageColumns(n: number): number {
  if (n <= 1) return 1
  return 2 ** Math.ceil(Math.log2(Math.sqrt(2 * n)))
}

export interface PageSpan {
  /** first page (index into the pageblock) */
  start: number
  /** pages covered inside this pageblock */
  len: number
  /** buddy order, or −1 when the head lies in an earlier pageblock */
  order: number
  kind: 'free' | 'compound' | 'free-tail'
}

/**
 * Free blocks and compound pages of a pageblock, from the per-page orders of heads. Free pages
 * not covered by any head here belong to a block whose head is in an earlier pageblock
 * (order > pageblock order): they form 'free-tail' spans. `spanOf[i]` = index of page i's span or −1.
 */
export function pageSpans(classes: Uint8Array, orders: Int8Array): { spans: PageSpan[]; spanOf: Int32Array } {
  const n = classes.length
  const spanOf = new Int32Array(n).fill(-1)
  const spans: PageSpan[] = []
  for (let i = 0; i < n; i++) {
    const o = orders[i]!
    if (o < 0 || spanOf[i] !== -1) continue
    const len = Math.min(2 ** o, n - i)
    const kind = classes[i] === FREE_CLASS ? 'free' : 'compound'
    const idx = spans.length
    spans.push({ start: i, len, order: o, kind })
    for (let j = i; j < i + len; j++) if (spanOf[j] === -1) spanOf[j] = idx
  }
  let run = -1
  for (let i = 0; i <= n; i++) {
    const orphan = i < n && classes[i] === FREE_CLASS && spanOf[i] === -1
    if (orphan && run < 0) run = i
    if (!orphan && run >= 0) {
      const idx = spans.length
      spans.push({ start: run, len: i - run, order: -1, kind: 'free-tail' })
      for (let j = run; j < i; j++) spanOf[j] = idx
      run = -1
    }
  }
  return { spans, spanOf }
}

/** Rectangles (cell units) covering pages start..start+len−1 of a grid with `cols` columns. */
export function spanRects(start: number, len: number, cols: number): Array<{ x: number; y: number; w: number; h: number }> {
  const out: Array<{ x: number; y: number; w: number; h: number }> = []
  let i = start
  const end = start + len
  while (i < end) {
    const r = Math.floor(i / cols)
    const c = i % cols
    if (c === 0 && end - i >= cols) {
      // whole rows
      const rows = Math.floor((end - i) / cols)
      out.push({ x: 0, y: r, w: cols, h: rows })
      i += rows * cols
    } else {
      const w = Math.min(cols - c, end - i)
      out.push({ x: c, y: r, w, h: 1 })
      i += w
    }
  }
  return out
}

/** Page index under (x, y) for cells of `cell` px starting at (ox, oy), or −1. */
export function pageAt(x: number, y: number, ox: number, oy: number, cell: number, cols: number, n: number): number {
  const c = Math.floor((x - ox) / cell)
  const r = Math.floor((y - oy) / cell)
  if (c < 0 || c >= cols || r < 0) return -1
  const i = r * cols + c
  return i < n ? i : -1
}

/** Pages per class name (for the legend). */
export function classCounts(classes: Uint8Array): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(PAGE_CLASSES.map((c) => [c, 0]))
  for (let i = 0; i < classes.length; i++) {
    const name = PAGE_CLASSES[classes[i]!] ?? 'other'
    out[name] = (out[name] ?? 0) + 1
  }
  return out
}
