/**
 * The pageblock map as a PNG, drawn with the app's own colour table (charts/pageblock_render.ts
 * buildLut + fillCells, charts/pageblock_layout.ts for the grid), encoded here (8-bit RGBA,
 * zlib from node:zlib; no canvas).
 */
import { deflateSync } from 'node:zlib'
import { makeGrid } from '../../charts/pageblock_layout.ts'
import { buildLut, fillCells, packRgba, type MapOverlay } from '../../charts/pageblock_render.ts'
import { parseHex } from '../../charts/palette.ts'
import type { PageblockMap } from '../../engine/index.ts'
import { crc32 } from './zip.ts'

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** An 8-bit RGBA image as PNG bytes (rows top to bottom, filter 0). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for ${width}×${height}`)
  const raw = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]))
}

export interface MapImage {
  png: Uint8Array
  width: number
  height: number
  cols: number
  rows: number
  /** pixels per pageblock */
  scale: number
}

/** Pageblocks drawn over the map in one colour: outlined (a tint where cells are too small for an outline). */
export interface MapMark {
  cells: readonly number[]
  color: string
}

export interface MapPngOptions {
  /** how cells are coloured (charts/pageblock_render.ts overlays): 'migratetype' (default) or 'free' (brighter = more of it free) */
  overlay?: MapOverlay
  /** groups of cells to outline, drawn in order (the last on top) */
  marks?: readonly MapMark[]
}

/** Cells of at least this many pixels get an outline; smaller ones are tinted whole. */
export const OUTLINE_MIN_SCALE = 5

/**
 * The map at a legible scale: power-of-two columns chosen as the app does for a 1000 × 500 area,
 * each pageblock a square of `scale` pixels (at most 16) with a one-pixel gap from 6 pixels up.
 * Marked cells get an outline inside their square (1 px, 2 px from 10 px up) in the mark's
 * colour, or are filled with it when the squares are smaller than OUTLINE_MIN_SCALE.
 */
export function pageblockMapPng(map: PageblockMap, migratetypes: string[], pagesPerBlock: number, opts: MapPngOptions = {}): MapImage {
  const overlay = opts.overlay ?? 'migratetype'
  const grid = makeGrid(map.mt.length, 1000, 500)
  const scale = Math.max(1, Math.min(16, Math.floor(Math.min(1000 / grid.cols, 500 / grid.rows))))
  const gap = scale >= 6 ? 1 : 0
  const cells = new Uint32Array(grid.cols * grid.rows)
  const lut = buildLut(migratetypes, overlay, 'light')
  fillCells(cells, { id: 'report', ...map }, grid, { c0: 0, c1: grid.cols, r0: 0, r1: grid.rows }, lut, overlay, pagesPerBlock)
  const width = grid.cols * scale
  const height = grid.rows * scale
  const px = new Uint32Array(width * height)
  const side = scale - gap
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const v = cells[r * grid.cols + c]!
      for (let y = 0; y < side; y++) px.fill(v, (r * scale + y) * width + c * scale, (r * scale + y) * width + c * scale + side)
    }
  }
  const thick = scale >= 10 ? 2 : 1
  for (const m of opts.marks ?? []) {
    const [cr, cg, cb] = parseHex(m.color)
    const v = packRgba(cr, cg, cb)
    for (const i of m.cells) {
      if (i < 0 || i >= grid.count) continue
      const x0 = (i % grid.cols) * scale
      const y0 = Math.floor(i / grid.cols) * scale
      for (let y = 0; y < side; y++) {
        const row = (y0 + y) * width + x0
        if (scale < OUTLINE_MIN_SCALE || y < thick || y >= side - thick) px.fill(v, row, row + side)
        else {
          px.fill(v, row, row + thick)
          px.fill(v, row + side - thick, row + side)
        }
      }
    }
  }
  // the LUT packs RGBA for this machine's byte order, so the bytes are R, G, B, A in memory
  return { png: encodePng(width, height, new Uint8Array(px.buffer)), width, height, cols: grid.cols, rows: grid.rows, scale }
}
