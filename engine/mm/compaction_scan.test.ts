/**
 * The free scanner's word-at-a-time search (nextFreeHead over MapWords) against the plain
 * byte-by-byte scan it replaces: the same index for every start, end and alignment of the map.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { MapWords, nextFreeHead, nextPageMarked, plainNextPageMarked } from './compaction.ts'

function plain(map: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) if (map[i]! & 0x80) return i
  return end
}

describe('nextFreeHead (isolate_freepages_block, stride 1)', () => {
  it('finds the first free head as a byte-by-byte scan does, at every alignment of the map', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.constantFrom(0, 2, 4, 5, 10, 18, 0x41), fc.constantFrom(0x80, 0x93, 0xa0, 0x89)), { minLength: 0, maxLength: 200 }),
      fc.integer({ min: 0, max: 3 }), fc.nat(), fc.nat(),
      (bytes, offset, a, b) => {
        const buf = new Uint8Array(bytes.length + offset)
        buf.set(bytes, offset)
        const map = buf.subarray(offset)
        const w = new MapWords(map)
        const n = map.length
        const i = n ? a % (n + 1) : 0
        const end = n ? i + (b % (n - i + 1)) : 0
        expect(nextFreeHead(map, w, i, end)).toBe(plain(map, i, end))
      },
    ), { numRuns: 3000 })
  })

  it('skips long runs of used pages word by word and stops inside a word', () => {
    const map = new Uint8Array(4096).fill(4)
    const w = new MapWords(map)
    expect(nextFreeHead(map, w, 0, 4096)).toBe(4096)
    for (const at of [0, 1, 2, 3, 4, 1021, 2047, 4095]) {
      map[at] = 0x80
      expect(nextFreeHead(map, w, 0, 4096)).toBe(at)
      expect(nextFreeHead(map, w, at + 1, 4096)).toBe(4096)
      expect(nextFreeHead(map, w, 0, at)).toBe(at)
      map[at] = 4
    }
  })
})

describe('nextPageMarked (the free scanner before 6.4 stops at free and compound heads)', () => {
  it('finds the first byte with a bit of the mask as the byte-by-byte scan does, for mask 0x80 and 0xc0', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.constantFrom(0, 2, 4, 5, 10, 16, 18), fc.constantFrom(0x41, 0x49, 0x52, 0x60, 0x80, 0x93, 0xa0)), { minLength: 0, maxLength: 200 }),
      fc.integer({ min: 0, max: 3 }), fc.nat(), fc.nat(), fc.constantFrom(0x80, 0xc0),
      (bytes, offset, a, b, mask) => {
        const buf = new Uint8Array(bytes.length + offset)
        buf.set(bytes, offset)
        const map = buf.subarray(offset)
        const w = new MapWords(map)
        const n = map.length
        const i = n ? a % (n + 1) : 0
        const end = n ? i + (b % (n - i + 1)) : 0
        expect(nextPageMarked(map, w, i, end, mask)).toBe(plainNextPageMarked(map, i, end, mask))
      },
    ), { numRuns: 3000 })
  })

  it('finds the same byte in long sparse maps (the four-words-a-step search), for mask 0x80 and 0xc0', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 3000 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x41, 0x52, 0x80, 0x93)), { maxLength: 6 }),
      fc.integer({ min: 0, max: 3 }), fc.nat(), fc.nat(), fc.constantFrom(0x80, 0xc0),
      (n, marks, offset, a, b, mask) => {
        const buf = new Uint8Array(n + offset).fill(4)
        const map = buf.subarray(offset)
        for (const [at, v] of marks) if (n) map[at % n] = v
        const w = new MapWords(map)
        const i = n ? a % (n + 1) : 0
        const end = n ? i + (b % (n - i + 1)) : 0
        expect(nextPageMarked(map, w, i, end, mask)).toBe(plainNextPageMarked(map, i, end, mask))
      },
    ), { numRuns: 3000 })
  })
})
