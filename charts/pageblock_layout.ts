/**
 * Geometry of the pageblock map (pure): pageblocks in PFN order wrapped into rows of a power-of-two
 * number of columns (so a row is a round amount of physical memory and buddy-aligned runs stay
 * rectangular), a zoom/pan viewport over that grid, the visible cell range (only that is drawn),
 * hit-testing, and the stair-shaped outline of a boundary between two pageblocks. Zoomed far in
 * (semantic zoom), each visible pageblock shows its pages: a grid of a power-of-two number of
 * columns inside its cell (so buddy-aligned blocks stay rectangles), one page per grid cell.
 */

export interface Grid {
  count: number
  cols: number
  rows: number
}

/** scale = CSS px per cell; (ox, oy) = where cell (0, 0)'s top-left corner is, in CSS px */
export interface Viewport {
  scale: number
  ox: number
  oy: number
}

export interface CellRange {
  /** half-open ranges of visible columns and rows */
  c0: number
  c1: number
  r0: number
  r1: number
}

export const MAX_SCALE = 96

/**
 * The power-of-two column count that gives the biggest square cells when the whole map fits
 * into width × height. Ties go to the wider layout.
 */
export function chooseColumns(count: number, width: number, height: number): number {
  if (count <= 1) return 1
  let best = 1
  let bestCell = -1
  for (let cols = 1; cols <= 2 ** 24; cols *= 2) {
    const rows = Math.ceil(count / cols)
    const cell = Math.min(width / cols, height / rows)
    if (cell >= bestCell) {
      best = cols
      bestCell = cell
    }
    if (cols >= count) break
  }
  return best
}

export function makeGrid(count: number, width: number, height: number): Grid {
  const cols = chooseColumns(count, Math.max(1, width), Math.max(1, height))
  return { count, cols, rows: Math.max(1, Math.ceil(count / cols)) }
}

/** Scale at which the whole grid fits (the minimum zoom). */
export function fitScale(grid: Grid, width: number, height: number): number {
  return Math.max(1e-6, Math.min(width / grid.cols, height / grid.rows))
}

/** The viewport that shows the whole grid, anchored top-left (like a hex dump). */
export function fitViewport(grid: Grid, width: number, height: number): Viewport {
  const scale = fitScale(grid, width, height)
  return { scale, ox: 0, oy: 0 }
}

/** Keep the grid on screen: when it is smaller than the view, pin it top-left; else no empty margins. */
export function clampViewport(vp: Viewport, grid: Grid, width: number, height: number, maxScale = MAX_SCALE): Viewport {
  const minScale = fitScale(grid, width, height)
  const scale = Math.min(maxScale, Math.max(minScale, vp.scale))
  const gw = grid.cols * scale
  const gh = grid.rows * scale
  const clampAxis = (o: number, content: number, view: number): number => (content <= view ? 0 : Math.min(0, Math.max(view - content, o)))
  return { scale, ox: clampAxis(vp.ox, gw, width), oy: clampAxis(vp.oy, gh, height) }
}

/** Zoom by `factor` keeping the point (cx, cy) fixed on screen. */
export function zoomAt(vp: Viewport, grid: Grid, width: number, height: number, factor: number, cx: number, cy: number, maxScale = MAX_SCALE): Viewport {
  const minScale = fitScale(grid, width, height)
  const scale = Math.min(maxScale, Math.max(minScale, vp.scale * factor))
  const k = scale / vp.scale
  return clampViewport({ scale, ox: cx - (cx - vp.ox) * k, oy: cy - (cy - vp.oy) * k }, grid, width, height, maxScale)
}

export function panBy(vp: Viewport, grid: Grid, width: number, height: number, dx: number, dy: number, maxScale = MAX_SCALE): Viewport {
  return clampViewport({ scale: vp.scale, ox: vp.ox + dx, oy: vp.oy + dy }, grid, width, height, maxScale)
}

/** Viewport that centres cell `index` at the given scale. */
export function centerOn(grid: Grid, width: number, height: number, index: number, scale: number, maxScale = MAX_SCALE): Viewport {
  const c = index % grid.cols
  const r = Math.floor(index / grid.cols)
  return clampViewport({ scale, ox: width / 2 - (c + 0.5) * scale, oy: height / 2 - (r + 0.5) * scale }, grid, width, height, maxScale)
}

/** The cells that intersect the view (at most the whole grid). */
export function visibleRange(vp: Viewport, grid: Grid, width: number, height: number): CellRange {
  const c0 = Math.max(0, Math.floor(-vp.ox / vp.scale))
  const c1 = Math.min(grid.cols, Math.ceil((width - vp.ox) / vp.scale))
  const r0 = Math.max(0, Math.floor(-vp.oy / vp.scale))
  const r1 = Math.min(grid.rows, Math.ceil((height - vp.oy) / vp.scale))
  return { c0, c1: Math.max(c0, c1), r0, r1: Math.max(r0, r1) }
}

/** Index of the cell under (x, y), or −1 (outside the grid or past the last pageblock). */
export function cellAt(vp: Viewport, grid: Grid, x: number, y: number): number {
  const c = Math.floor((x - vp.ox) / vp.scale)
  const r = Math.floor((y - vp.oy) / vp.scale)
  if (c < 0 || r < 0 || c >= grid.cols || r >= grid.rows) return -1
  const i = r * grid.cols + c
  return i < grid.count ? i : -1
}

/** Screen rectangle of cell `index`. */
export function cellRect(vp: Viewport, grid: Grid, index: number): { x: number; y: number; w: number; h: number } {
  const c = index % grid.cols
  const r = Math.floor(index / grid.cols)
  return { x: vp.ox + c * vp.scale, y: vp.oy + r * vp.scale, w: vp.scale, h: vp.scale }
}

/**
 * The outline separating cells < index from cells ≥ index, as line segments in cell units
 * ([x1, y1, x2, y2]). Wrapped rows make it a staircase: along the top of the row from the
 * column to the right edge, down one row, and along the bottom from the left edge.
 */
export function boundarySegments(grid: Grid, index: number): Array<[number, number, number, number]> {
  if (index <= 0 || index >= grid.count) return []
  const r = Math.floor(index / grid.cols)
  const c = index % grid.cols
  if (c === 0) return [[0, r, grid.cols, r]]
  return [
    [c, r, grid.cols, r],
    [c, r, c, r + 1],
    [0, r + 1, c, r + 1],
  ]
}

/** Rows whose start addresses get a label: at most one per `minGapPx`, on round row numbers. */
export function labelRows(range: CellRange, scale: number, minGapPx: number): number[] {
  let step = 1
  while (step * scale < minGapPx) step *= 2
  const out: number[] = []
  for (let r = Math.ceil(range.r0 / step) * step; r < range.r1; r += step) out.push(r)
  return out
}

// ------------------------------------------------------------------ semantic zoom: pages

/** Pages are drawn once one page is at least this many CSS px wide. */
export const PAGE_MIN_PX = 3
/** With pages drawn, the map zooms in until one page is this many CSS px wide. */
export const PAGE_MAX_PX = 16

/** The pages of one pageblock inside its cell. */
export interface PageGrid {
  /** pages per pageblock */
  n: number
  /** a power of two, at least rows and at most twice rows */
  cols: number
  rows: number
}

export function pageGrid(pagesPerBlock: number): PageGrid {
  const n = Math.max(1, pagesPerBlock)
  const cols = 2 ** Math.ceil(Math.log2(n) / 2)
  return { n, cols, rows: Math.max(1, Math.ceil(n / cols)) }
}

/** The cell size (CSS px) from which pages are drawn. */
export function pageZoomScale(pg: PageGrid): number {
  return PAGE_MIN_PX * pg.cols
}

/** The largest zoom: MAX_SCALE, or with pages drawn, until a page is PAGE_MAX_PX wide. */
export function maxScaleFor(pg: PageGrid | null): number {
  return pg ? Math.max(MAX_SCALE, PAGE_MAX_PX * pg.cols) : MAX_SCALE
}

/** Whether cells are big enough to show their pages. */
export function showsPages(scale: number, pg: PageGrid | null): boolean {
  return pg !== null && scale >= pageZoomScale(pg)
}

/** The pageblocks in a cell range, row by row (cells past the last pageblock left out). */
export function cellsIn(range: CellRange, grid: Grid): number[] {
  const out: number[] = []
  for (let r = range.r0; r < range.r1; r++) {
    for (let c = range.c0; c < range.c1; c++) {
      const i = r * grid.cols + c
      if (i < grid.count) out.push(i)
    }
  }
  return out
}

/** The pageblock and the page (index inside it) under (x, y), or null. */
export function pageAtPoint(vp: Viewport, grid: Grid, pg: PageGrid, x: number, y: number): { pageblock: number; page: number } | null {
  const pageblock = cellAt(vp, grid, x, y)
  if (pageblock < 0) return null
  const r = cellRect(vp, grid, pageblock)
  const pc = Math.min(pg.cols - 1, Math.floor(((x - r.x) / vp.scale) * pg.cols))
  const pr = Math.min(pg.rows - 1, Math.floor(((y - r.y) / vp.scale) * pg.rows))
  const page = pr * pg.cols + pc
  return page < pg.n ? { pageblock, page } : null
}
