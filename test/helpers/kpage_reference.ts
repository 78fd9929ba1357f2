/**
 * The plain kpageflags decode, entry by entry through classifyKpageflags: the reference the
 * table-driven decoders (engine decodeKpageflags, host/workers/kpage_wasm.ts) are compared with,
 * and flag words that exercise every bit the classification reads.
 */
import fc from 'fast-check'
import { classifyKpageflags } from '../../engine/index.ts'
import { THP_HEAD, FOLIO_HEAD } from '../../engine/mm/page.ts'

const WRITEBACK = 1 << 8, DIRTY = 1 << 4, ANON = 1 << 12, PRIVATE_HI = 1 << 3

/** kinds into map[pfn − basePfn] for PFNs in [basePfn, endPfn), and the unsplittable folio heads */
export function plainDecode(words: Uint32Array, firstPfn: number, map: Uint8Array, basePfn: number, endPfn: number): number[] {
  const heads: number[] = []
  for (let j = 0; j < words.length / 2; j++) {
    const pfn = firstPfn + j
    if (pfn < basePfn || pfn >= endPfn) continue
    const lo = words[2 * j]!
    const hi = words[2 * j + 1]!
    const kind = classifyKpageflags(lo, hi)
    map[pfn - basePfn] = kind
    if ((kind === THP_HEAD || kind === FOLIO_HEAD) && ((lo & WRITEBACK) !== 0 || ((lo & DIRTY) !== 0 && (hi & PRIVATE_HI) !== 0 && (lo & ANON) === 0))) heads.push(pfn)
  }
  return heads
}

const bitsOf = (bs: number[]): number => bs.reduce((a, b) => (a | (1 << b)) >>> 0, 0)
/**
 * low words: any u32, the bits the classification reads in any mix (plus any others), none, an
 * LRU page with or without anon, writeback, unevictable, or a large folio's head (LRU or THP)
 * with or without writeback, dirty, anon
 */
const BITS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 31]
export const loWord = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.subarray(BITS).map(bitsOf),
  fc.subarray([2, 3, 4, 6, 8, 11, 12, 13, 14, 18, 21, 25]).map((bs) => (bitsOf(bs) | (1 << 5)) >>> 0),
  fc.tuple(fc.constantFrom(5, 22), fc.subarray([2, 3, 4, 5, 6, 8, 11, 12, 14, 18, 22])).map(([b, bs]) => (bitsOf(bs) | (1 << 15) | (1 << b)) >>> 0),
)
/** high words: 0 most often, KPF_RESERVED / KPF_MLOCKED / KPF_PRIVATE / KPF_MAPPEDTODISK, or any */
export const hiWord = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.subarray([0, 1, 2, 3, 6, 8]).map((bs) => bs.reduce((a, b) => a | (1 << b), 0)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
)
/** kpageflags entries as (lo, hi) words; lengths spread over the whole range (fast-check's default keeps arrays short) */
export const kpageWords = (maxEntries: number, minEntries = 0) => fc.array(fc.tuple(loWord, hiWord), { minLength: minEntries, maxLength: maxEntries, size: 'max' }).map((es) => Uint32Array.from(es.flat()))
