/**
 * decodeKpageflags (one table load per page, the high word folded into the key) gives the kind
 * classifyKpageflags gives each entry, and the same unsplittable large-folio heads, for any flag
 * words, at any offset and with PFNs clipped to [basePfn, endPfn).
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { decodeKpageflags } from './exact.ts'
import { kpageWords, plainDecode } from '../../test/helpers/kpage_reference.ts'

describe('decodeKpageflags', () => {
  it('equals the plain entry-by-entry classification', () => {
    let heads = 0
    fc.assert(fc.property(kpageWords(300), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), (words, firstPfn, base, span) => {
      const endPfn = base + span
      const got = new Uint8Array(span).fill(0xee)
      const want = new Uint8Array(span).fill(0xee)
      const wantHeads = plainDecode(words, firstPfn, want, base, endPfn)
      heads += wantHeads.length
      expect(decodeKpageflags(words, firstPfn, got, base, endPfn) ?? []).toEqual(wantHeads)
      expect(Array.from(got)).toEqual(Array.from(want))
    }), { numRuns: 2000, seed: 16 })
    // the words include unsplittable folio heads
    expect(heads).toBeGreaterThan(50)
  })
})
