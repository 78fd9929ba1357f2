/**
 * The report's pageblock map PNG (host/report/png.ts): decoded here with node:zlib, each
 * pageblock a square in its migratetype's colour (the app's colour table), the marked ones (a
 * diff's changes) outlined in the mark's colour with the inside kept, or filled whole where the
 * squares are too small for an outline.
 */
import { describe, expect, it } from 'vitest'
import { inflateSync } from 'node:zlib'
import { pageblockMapPng, OUTLINE_MIN_SCALE } from '../../host/report/png.ts'
import { migratetypeColor, parseHex } from '../../charts/palette.ts'
import type { PageblockMap } from '../../engine/index.ts'

/** RGBA pixels of an 8-bit RGBA PNG written with filter 0 (as encodePng writes it). */
function decode(png: Uint8Array): { width: number; height: number; px: (x: number, y: number) => [number, number, number, number] } {
  const b = Buffer.from(png)
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG')
  const width = b.readUInt32BE(16)
  const height = b.readUInt32BE(20)
  const idat: Buffer[] = []
  for (let p = 8; p < b.length;) {
    const len = b.readUInt32BE(p)
    if (b.subarray(p + 4, p + 8).toString('latin1') === 'IDAT') idat.push(b.subarray(p + 8, p + 8 + len))
    p += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  return {
    width, height,
    px: (x, y) => {
      const o = y * (width * 4 + 1) + 1 + x * 4
      return [raw[o]!, raw[o + 1]!, raw[o + 2]!, raw[o + 3]!]
    },
  }
}

function map(n: number, mt: (i: number) => number): PageblockMap {
  const z = () => new Uint16Array(n)
  return { mt: Uint8Array.from({ length: n }, (_, i) => mt(i)), free: z(), movable: z(), unmovable: z(), reclaimable: z(), pinned: z(), mixed: new Uint8Array(n) }
}

const MTS = ['Unmovable', 'Movable', 'Reclaimable']
const rgba = (hex: string): number[] => [...parseHex(hex), 255]

describe('the report\'s pageblock map PNG', () => {
  it('outlines the marked pageblocks, keeping their inside in the migratetype\'s colour', () => {
    const m = map(64, (i) => (i < 32 ? 1 : 0))
    const img = pageblockMapPng(m, MTS, 512, { marks: [{ cells: [3], color: '#0b63d8' }] })
    expect(img.scale).toBeGreaterThanOrEqual(10)
    const d = decode(img.png)
    expect([d.width, d.height]).toEqual([img.width, img.height])
    const s = img.scale
    const x0 = (3 % img.cols) * s
    const y0 = Math.floor(3 / img.cols) * s
    const mark = rgba('#0b63d8')
    const movable = rgba(migratetypeColor('Movable', 1))
    expect(d.px(x0, y0)).toEqual(mark)
    expect(d.px(x0 + 1, y0 + Math.floor(s / 2))).toEqual(mark)
    expect(d.px(x0 + s - 2, y0 + Math.floor(s / 2))).toEqual(mark)
    expect(d.px(x0 + Math.floor(s / 2), y0 + Math.floor(s / 2))).toEqual(movable)
    // an unmarked neighbour keeps its colour to the edge; an Unmovable block is red
    expect(d.px(x0 + s, y0)).toEqual(movable)
    const x40 = (40 % img.cols) * s
    const y40 = Math.floor(40 / img.cols) * s
    expect(d.px(x40 + 1, y40 + 1)).toEqual(rgba(migratetypeColor('Unmovable', 0)))
  })

  it('fills marked squares too small for an outline', () => {
    const m = map(2 ** 16, () => 1)
    const img = pageblockMapPng(m, MTS, 512, { marks: [{ cells: [5], color: '#c8188a' }] })
    expect(img.scale).toBeLessThan(OUTLINE_MIN_SCALE)
    const d = decode(img.png)
    const x0 = (5 % img.cols) * img.scale
    const y0 = Math.floor(5 / img.cols) * img.scale
    for (let y = 0; y < img.scale; y++) for (let x = 0; x < img.scale; x++) expect(d.px(x0 + x, y0 + y)).toEqual(rgba('#c8188a'))
    expect(d.px(x0 + img.scale, y0)).toEqual(rgba(migratetypeColor('Movable', 1)))
  })
})
