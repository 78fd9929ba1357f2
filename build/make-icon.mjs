// Writes build/icon.png (512×512 RGBA): a grid of pageblocks coloured by migratetype under a
// lens, on a dark rounded square. No dependencies: the PNG is assembled with node:zlib.
//   node build/make-icon.mjs [out.png]
import { Buffer } from 'node:buffer'
import { deflateSync } from 'node:zlib'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const SIZE = 512

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'ascii')
  data.copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

export function encodePng(width, height, rgba) {
  const raw = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0 // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const hex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16))
const BG = hex('#15181e')
const MT = {
  movable: hex('#2bb3a3'),
  unmovable: hex('#e8645a'),
  reclaimable: hex('#f2b84b'),
  free: hex('#2c3440'),
}
// 8×8 pageblocks: mostly movable, an unmovable cluster, reclaimable specks, a few free holes
const GRID = [
  'MMMMMMUU',
  'MMMRMMUU',
  'MMMMMMMU',
  'FMMMMRMM',
  'MMUMMMMM',
  'MMMMFFMM',
  'RMMMMMMR',
  'MMMUMMMM',
]
const KIND = { M: MT.movable, U: MT.unmovable, R: MT.reclaimable, F: MT.free }

/** coverage of a rounded rectangle at pixel centre (x, y), with a 1 px soft edge */
function roundRect(x, y, x0, y0, x1, y1, r) {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  const d = Math.hypot(x - cx, y - cy) - r
  return Math.min(1, Math.max(0, 0.5 - d))
}

export function drawIcon() {
  const px = Buffer.alloc(SIZE * SIZE * 4)
  const blend = (i, [r, g, b], a) => {
    const o = px[i + 3] / 255
    const outA = a + o * (1 - a)
    if (outA === 0) return
    px[i] = Math.round((r * a + px[i] * o * (1 - a)) / outA)
    px[i + 1] = Math.round((g * a + px[i + 1] * o * (1 - a)) / outA)
    px[i + 2] = Math.round((b * a + px[i + 2] * o * (1 - a)) / outA)
    px[i + 3] = Math.round(outA * 255)
  }
  const margin = 24
  const gridX0 = 59, gridY0 = 59, cell = 44, gap = 6
  const lensX = 286, lensY = 286, lensR = 120, ring = 16
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = (y * SIZE + x) * 4
      const fx = x + 0.5, fy = y + 0.5
      const bg = roundRect(fx, fy, margin, margin, SIZE - margin, SIZE - margin, 96)
      if (bg === 0) continue
      blend(i, BG, bg)
      const inLens = Math.hypot(fx - lensX, fy - lensY) < lensR - ring / 2
      for (let row = 0; row < 8; row++) {
        for (let col = 0; col < 8; col++) {
          const x0 = gridX0 + col * (cell + gap), y0 = gridY0 + row * (cell + gap)
          if (fx < x0 - 1 || fx > x0 + cell + 1 || fy < y0 - 1 || fy > y0 + cell + 1) continue
          const a = roundRect(fx, fy, x0, y0, x0 + cell, y0 + cell, 8) * bg
          const colour = KIND[GRID[row][col]]
          // under the lens the blocks are seen brighter
          blend(i, inLens ? colour.map((c) => Math.min(255, Math.round(c * 1.18 + 18))) : colour, inLens ? a : a * 0.55)
        }
      }
      // lens ring and handle
      const dRing = Math.abs(Math.hypot(fx - lensX, fy - lensY) - lensR)
      const ringA = Math.min(1, Math.max(0, ring / 2 + 0.5 - dRing))
      if (ringA > 0) blend(i, [240, 244, 248], ringA * bg)
      const t = Math.max(0, Math.min(1, ((fx - lensX) + (fy - lensY) - lensR * Math.SQRT2) / (2 * 90)))
      const hx = lensX + lensR / Math.SQRT2 + t * 90, hy = lensY + lensR / Math.SQRT2 + t * 90
      const dHandle = Math.hypot(fx - hx, fy - hy) - 14
      const handleA = Math.min(1, Math.max(0, 0.5 - dHandle))
      if (handleA > 0) blend(i, [240, 244, 248], handleA * bg)
    }
  }
  return encodePng(SIZE, SIZE, px)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? fileURLToPath(new URL('./icon.png', import.meta.url))
  writeFileSync(out, drawIcon())
  console.log(`wrote ${out}`)
}
