/**
 * sortedByKey (synthesize.ts) sorts positions by a radix sort of the keys' 64-bit images; it must
 * give the order of the stable merge sort it replaced (the synthesized layouts depend on it, see
 * test/host/synthesized_layout.test.ts): ties in position order, −∞, −0 = +0, both directions.
 */
import { describe, expect, it } from 'vitest'
import { Rng } from '../sim/rng.ts'
import { sortedByKey } from './synthesize.ts'

/** the reference: a stable sort of the positions by key (a right entry goes first only when its key strictly precedes) */
function plainOrder(keys: Float64Array, descending: boolean): number[] {
  return Array.from(keys, (_, i) => i).sort((i, j) => {
    const a = keys[i]!, b = keys[j]!
    if (descending ? b > a : b < a) return 1
    if (descending ? a > b : a < b) return -1
    return i - j
  })
}

describe('sortedByKey equals a stable sort of the keys', () => {
  const rng = new Rng(5)
  const cases: Array<[string, Float64Array]> = [
    ['weighted-order keys (log u / w, some −∞)', Float64Array.from({ length: 5000 }, (_, i) => i % 97 === 0 ? -Infinity : Math.log(rng.next() || Number.MIN_VALUE) / (0.001 + rng.next()))],
    ['positive keys with many ties', Float64Array.from({ length: 4000 }, () => Math.floor(rng.next() * 50) / 7)],
    ['mixed signs, zeros of both signs, subnormals, infinities', Float64Array.from({ length: 3000 }, (_, i) => [0, -0, 5e-324, -5e-324, Infinity, -Infinity, 1, -1][i % 8]! * (i % 16 < 8 ? 1 : rng.next() * 1e6 - 5e5))],
    ['short list (the merge sort)', Float64Array.from({ length: 100 }, () => rng.next() - 0.5)],
  ]
  for (const [name, keys] of cases) {
    for (const descending of [false, true]) {
      it(`${name}, ${descending ? 'descending' : 'ascending'}`, () => {
        expect(Array.from(sortedByKey(keys, descending))).toEqual(plainOrder(keys, descending))
      })
    }
  }
})
