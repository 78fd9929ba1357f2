/**
 * The ensemble's band (host/whatif/compact.ts stats): median and p5–p95 interpolated between
 * order statistics, and lo–hi, the 90 % prediction interval of one more run: the k-th smallest
 * to the k-th largest of N runs, k = max(1, ⌊0.05 (N + 1)⌋), which a further exchangeable run
 * falls inside with probability (N + 1 − 2k) / (N + 1).
 */
import { describe, expect, it } from 'vitest'
import { predictionCoverage, predictionRank, stats } from '../../host/whatif/compact.ts'

describe('ensemble band', () => {
  it('19 runs: lo–hi is the smallest to the largest, p5–p95 lies inside it', () => {
    const v = Array.from({ length: 19 }, (_, i) => (i * 7) % 19) // 0..18 shuffled
    const s = stats(v)
    expect([s.lo, s.hi]).toEqual([0, 18])
    expect(s.median).toBe(9)
    expect(s.p5).toBeCloseTo(0.9)
    expect(s.p95).toBeCloseTo(17.1)
  })

  it('k grows with N so that the interval stays a 90 % one', () => {
    expect([1, 3, 16, 19, 38, 39, 59].map(predictionRank)).toEqual([1, 1, 1, 1, 1, 2, 3])
    for (const n of [19, 39, 59, 99]) {
      const k = predictionRank(n)
      expect((n + 1 - 2 * k) / (n + 1)).toBeGreaterThanOrEqual(0.9)
      expect((n + 1 - 2 * (k + 1)) / (n + 1)).toBeLessThan(0.9)
    }
    expect(predictionCoverage(19)).toBeCloseTo(0.9)
    expect(predictionCoverage(16)).toBeCloseTo(15 / 17)
    expect(predictionCoverage(1)).toBe(0)
    const s = stats(Array.from({ length: 39 }, (_, i) => i))
    expect([s.lo, s.hi]).toEqual([1, 37])
  })

  it('one run and none', () => {
    expect(stats([5])).toEqual({ median: 5, p5: 5, p95: 5, lo: 5, hi: 5 })
    expect(stats([])).toEqual({ median: 0, p5: 0, p95: 0, lo: 0, hi: 0 })
  })
})
