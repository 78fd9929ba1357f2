/**
 * Colouring of the pageblock map (pure, no DOM): a lookup table from (migratetype, level) to a
 * packed RGBA pixel, the per-cell level an overlay reads from the map (free fraction, mixed,
 * pinned or unmovable pages), and the fill of one pixel per visible cell into a Uint32 buffer that
 * the canvas puts with putImageData and scales with drawImage.
 */
import type { PageblockMapDto } from '../contract/dto.ts'
import { MT_NONE, PAGE_CLASSES } from '../contract/names.ts'
import { migratetypeColor, noZoneColor, pageClassColor, parseHex, mix, type ThemeName } from './palette.ts'
import type { CellRange, Grid, PageGrid } from './pageblock_layout.ts'

export type MapOverlay = 'migratetype' | 'free' | 'mixed' | 'pinned' | 'unmovable'

export const OVERLAYS: Array<{ id: MapOverlay; label: string; help: string }> = [
  { id: 'migratetype', label: 'Migratetype', help: 'each pageblock in the colour of its migratetype' },
  { id: 'free', label: 'Free fraction', help: 'brightness = share of the pageblock that is free' },
  { id: 'mixed', label: 'Mixed', help: 'pageblocks holding a page whose mobility differs from the block type' },
  { id: 'pinned', label: 'Pinned', help: 'pageblocks holding long-term pinned pages (compaction cannot empty them)' },
  { id: 'unmovable', label: 'Unmovable pages', help: 'pageblocks holding unmovable pages: they pin the block for contiguous allocations' },
]

/** LUT slots: one per migratetype index 0..15, slot 16 = not in a zone */
export const NONE_SLOT = 16
export const LUT_SLOTS = 17

export const PINNED_COLOR = '#ff2e93'
export const UNMOVABLE_HOT_COLOR = '#ff6a1f'

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** Pack RGBA so that a Uint32Array over ImageData bytes holds it correctly on this machine. */
export function packRgba(r: number, g: number, b: number, a = 255, littleEndian = LITTLE_ENDIAN): number {
  return littleEndian ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0
}

export function unpackRgba(v: number, littleEndian = LITTLE_ENDIAN): [number, number, number, number] {
  return littleEndian ? [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24] : [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]
}

function background(theme: ThemeName): [number, number, number] {
  return parseHex(theme === 'dark' ? '#16181d' : '#ffffff')
}

/** The colour of migratetype `mt` at overlay level 0..255. */
export function overlayColor(overlay: MapOverlay, mtColor: [number, number, number], level: number, theme: ThemeName): [number, number, number] {
  const bg = background(theme)
  const dim = mix(bg, mtColor, theme === 'dark' ? 0.22 : 0.2)
  const t = level / 255
  switch (overlay) {
    case 'migratetype':
      return mtColor
    case 'free':
      return mix(dim, mtColor, t)
    case 'mixed':
      return level > 0 ? mtColor : dim
    case 'pinned':
      return level > 0 ? mix(dim, parseHex(PINNED_COLOR), 0.35 + 0.65 * t) : dim
    case 'unmovable':
      return level > 0 ? mix(dim, parseHex(UNMOVABLE_HOT_COLOR), 0.3 + 0.7 * t) : dim
  }
}

/** (slot << 8 | level) → packed RGBA, for the map's migratetypes, overlay and theme. */
export function buildLut(migratetypes: string[], overlay: MapOverlay, theme: ThemeName): Uint32Array {
  const lut = new Uint32Array(LUT_SLOTS * 256)
  const none = parseHex(noZoneColor(theme))
  for (let slot = 0; slot < LUT_SLOTS; slot++) {
    const name = migratetypes[slot]
    for (let level = 0; level < 256; level++) {
      const [r, g, b] = slot === NONE_SLOT || name === undefined ? none : overlayColor(overlay, parseHex(migratetypeColor(name, slot)), level, theme)
      lut[(slot << 8) | level] = packRgba(r, g, b)
    }
  }
  return lut
}

export function slotOf(mt: number): number {
  return mt === MT_NONE || mt >= NONE_SLOT ? NONE_SLOT : mt
}

/** The overlay's level 0..255 of pageblock i. */
export function cellLevel(map: PageblockMapDto, i: number, overlay: MapOverlay, pagesPerBlock: number): number {
  switch (overlay) {
    case 'migratetype':
      return 255
    case 'free':
      return Math.min(255, Math.round(((map.free[i] ?? 0) * 255) / pagesPerBlock))
    case 'mixed':
      return map.mixed[i] ? 255 : 0
    case 'pinned': {
      const p = map.pinned[i] ?? 0
      return p === 0 ? 0 : Math.min(255, 64 + Math.round((191 * Math.log2(1 + p)) / Math.log2(1 + pagesPerBlock)))
    }
    case 'unmovable': {
      const u = map.unmovable[i] ?? 0
      return u === 0 ? 0 : Math.min(255, 64 + Math.round((191 * Math.log2(1 + u)) / Math.log2(1 + pagesPerBlock)))
    }
  }
}

/**
 * One pixel per visible cell, row-major over range (width c1−c0). Cells past the last pageblock
 * are transparent. `out` must hold at least (c1−c0)·(r1−r0) pixels.
 */
export function fillCells(out: Uint32Array, map: PageblockMapDto, grid: Grid, range: CellRange, lut: Uint32Array, overlay: MapOverlay, pagesPerBlock: number): void {
  const w = range.c1 - range.c0
  const mt = map.mt
  let p = 0
  for (let r = range.r0; r < range.r1; r++) {
    let i = r * grid.cols + range.c0
    for (let c = 0; c < w; c++, i++, p++) {
      if (i >= grid.count) {
        out[p] = 0
        continue
      }
      const slot = slotOf(mt[i]!)
      out[p] = lut[(slot << 8) | (overlay === 'migratetype' ? 255 : cellLevel(map, i, overlay, pagesPerBlock))]!
    }
  }
}

/** Page class index (PAGE_CLASSES) → packed RGBA, in the page-level view's palette. */
export function buildPageLut(theme: ThemeName): Uint32Array {
  return Uint32Array.from(PAGE_CLASSES, (c) => {
    const [r, g, b] = parseHex(pageClassColor(c, theme))
    return packRgba(r, g, b)
  })
}

/**
 * Semantic zoom: one pixel per page over the visible cells, (c1−c0)·pg.cols wide and
 * (r1−r0)·pg.rows high; the canvas scales it so that a cell covers its pageblock. A pageblock
 * whose classes are not there (yet) is filled with its block colour, as fillCells would.
 * Returns how many pageblocks were drawn page by page.
 */
export function fillPages(
  out: Uint32Array, map: PageblockMapDto, grid: Grid, range: CellRange, pg: PageGrid,
  classesOf: (pageblock: number) => Uint8Array | undefined, pageLut: Uint32Array, lut: Uint32Array, overlay: MapOverlay, pagesPerBlock: number,
): number {
  const w = (range.c1 - range.c0) * pg.cols
  const other = pageLut[pageLut.length - 1]!
  let drawn = 0
  for (let r = range.r0; r < range.r1; r++) {
    for (let c = range.c0; c < range.c1; c++) {
      const i = r * grid.cols + c
      const x0 = (c - range.c0) * pg.cols
      const y0 = (r - range.r0) * pg.rows
      const cls = i < grid.count ? classesOf(i) : undefined
      if (cls) drawn++
      const block = i >= grid.count ? 0 : lut[(slotOf(map.mt[i]!) << 8) | (overlay === 'migratetype' ? 255 : cellLevel(map, i, overlay, pagesPerBlock))]!
      for (let pr = 0; pr < pg.rows; pr++) {
        let p = (y0 + pr) * w + x0
        for (let pc = 0; pc < pg.cols; pc++, p++) {
          const k = pr * pg.cols + pc
          out[p] = !cls ? block : k < cls.length ? (pageLut[cls[k]!] ?? other) : 0
        }
      }
    }
  }
  return drawn
}

/** Pageblocks per migratetype name over the whole map (mt 255 counted apart as outside). */
export function countByMigratetype(mtArr: Uint8Array, migratetypes: string[]): { counts: Record<string, number>; outside: number } {
  const raw = new Uint32Array(256)
  for (let i = 0; i < mtArr.length; i++) {
    const v = mtArr[i]!
    raw[v] = raw[v]! + 1
  }
  const counts: Record<string, number> = {}
  migratetypes.forEach((name, i) => (counts[name] = raw[i]!))
  return { counts, outside: raw[MT_NONE]! }
}

let warmed = false

/**
 * Run the pixel loop once on a synthetic 256 × 256 map so that the first real frame does not
 * pay for compiling it (the map's first paint is what the user waits for). Idempotent.
 */
export function warmUpFillCells(): void {
  if (warmed) return
  warmed = true
  const n = 1 << 16
  const mt = new Uint8Array(n)
  const counts = new Uint16Array(n)
  for (let i = 0; i < n; i++) {
    mt[i] = i % 5
    counts[i] = i & 511
  }
  const map = { id: 'warm-up', mt, free: counts, movable: counts, unmovable: counts, reclaimable: counts, pinned: counts, mixed: mt } as PageblockMapDto
  const lut = new Uint32Array(256 * 256)
  const out = new Uint32Array(n)
  const grid = { count: n, cols: 256, rows: 256 }
  const range = { c0: 0, c1: 256, r0: 0, r1: 256 }
  for (let k = 0; k < 4; k++) fillCells(out, map, grid, range, lut, k % 2 ? 'migratetype' : 'free', 512)
}
