/**
 * Synthesized layouts after a full compaction (issue #8, item 5): the per-cpu pages that no
 * vacated pageblock holds lie mostly in the Unmovable pageblocks, a drawn share of them in the
 * used top, and so do the pages a list's decay gave back (engine/reconstruct/synthesize.ts
 * pcpUsedTopShare, setPcpUsedTopRule; measured with scripts/measure-pcp-top.ts).
 *
 * In the kpageflags of the 49 captures after a full compaction run to its end, the flagless pages
 * in the used top's Movable pageblocks are 0–4 % of zoneinfo's per-cpu count in 29 of them and at
 * most 64 %. host-24G-k618-u/02 holds 1462 there against a count of 46417, and its second
 * compaction scanned 115981 pages for free targets; the synthesized layouts had put most of the
 * lists' pages and all 1560 pages CPU 1's decay gave back in the used top, where the free scanner
 * found targets in every few pageblocks, and its band lay above the kernel's value.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { setPcpUsedTopRule, pcpUsedTopShare } from '../../engine/reconstruct/synthesize.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setPcpUsedTopRule(true))

describe('pcpUsedTopShare: one of the measured shares per seed', () => {
  it('draws shares from 0 to 64 %, the same for the same seed and zone', () => {
    const xs = Array.from({ length: 200 }, (_, i) => pcpUsedTopShare(i + 1, 2))
    expect(Math.min(...xs)).toBe(0)
    expect(Math.max(...xs)).toBeLessThanOrEqual(0.64)
    expect(xs.filter((x) => x <= 0.04).length).toBeGreaterThan(100)
    expect(pcpUsedTopShare(7, 2)).toBe(pcpUsedTopShare(7, 2))
  })
})

describe('host-24G-k618-u/02: the second compaction\'s free scanner', () => {
  it('the compact_free_scanned band holds the kernel\'s 115981; with the lists\' pages over the used top it lies above', async () => {
    const on = await bandCell('host-24G-k618-u', '02-after-compact-memory', 'compact_free_scanned', { set: setPcpUsedTopRule, on: true })
    expect(on.real).toBe(115981)
    expect(on.inBand, bandText(on)).toBe(true)
    const off = await bandCell('host-24G-k618-u', '02-after-compact-memory', 'compact_free_scanned', { set: setPcpUsedTopRule, on: false })
    expect(off.lo, bandText(off)).toBeGreaterThan(115981)
  }, 300_000)
})
