import { describe, it, expect } from 'vitest'
import { unusableFreeIndex, fragmentationIndex, extfragForOrder, fragmentationScoreNode, fragmentationScoreWmark61 } from './fragmentation.ts'

// x86-512M-s1-compact/02-before buddyinfo, DMA32 row, and the captured debugfs values
const DMA32 = [18267, 6284, 592, 14, 2, 0, 1, 1, 2, 1, 11]

describe('fragmentation indices (kernel integer formulas)', () => {
  it('unusable index matches hand arithmetic', () => {
    // free pages = 18267 + 12568 + 2368 + 112 + 32 + 64 + 128 + 512 + 512 + 11264 = 45827
    expect(unusableFreeIndex(DMA32, 0)).toBe(0)
    // order 1: suitable pages = 45827 - 18267 = 27560 → (18267*1000)/45827 = 398
    expect(unusableFreeIndex(DMA32, 1)).toBe(398)
    expect(unusableFreeIndex([0, 0, 0], 1)).toBe(1000)
  })

  it('fragmentation index: -1000 when a block exists, 0 when nothing is free, formula otherwise', () => {
    expect(fragmentationIndex(DMA32, 10)).toBe(-1000)
    expect(fragmentationIndex([0, 0, 0, 0], 2)).toBe(0)
    // 100 order-0 blocks, order 2 requested: 1000 - (1000 + 100*1000/4)/100 = 1000 - 260 = 740
    expect(fragmentationIndex([100, 0, 0, 0], 2)).toBe(740)
    // 10 order-1 blocks, request order 3: free 20 pages → 1000 - (1000 + 2500)/10 = 650
    expect(fragmentationIndex([0, 10, 0, 0], 3)).toBe(650)
  })

  it('extfrag_for_order and the node score', () => {
    expect(extfragForOrder([0, 0, 0], 1)).toBe(0)
    expect(extfragForOrder([512, 0, 0, 0, 0, 0, 0, 0, 0, 1], 9)).toBe(50)
    const score = fragmentationScoreNode([
      { node: 0, present: 1000, nrFree: [512, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
      { node: 0, present: 3000, nrFree: [0, 0, 0, 0, 0, 0, 0, 0, 0, 2] },
    ], 0, 9)
    // 50 × 1000 / 4001 = 12; 0 × 3000 / 4001 = 0
    expect(score).toBe(12)
    expect(fragmentationScoreWmark61(20)).toEqual({ low: 80, high: 90 })
    expect(fragmentationScoreWmark61(100)).toEqual({ low: 5, high: 15 })
  })
})
