/**
 * Synthesized layouts (issue #8, item 5): the huge pages a hugetlb pool's shrink left whole on a
 * per-cpu list (engine/reconstruct/synthesize.ts placeHugePcpBlocks; the count from steps.log and
 * zoneinfo, host/whatif/pinned.ts hugetlbPagesOnPcp and hugePcpBlocksByZone).
 *
 * On 6.1 update_and_free_page frees a surplus 2 MiB page with __free_pages at pageblock order,
 * and free_the_page sends it through free_unref_page to the freeing CPU's pcp list
 * (pcp_allowed_order: pageblock_order with THP built in), where it stays whole until the list
 * reaches its high, a drain or free_high. nr_free_pages counts no per-cpu page, so the shrink's
 * vmstat delta falls short by those pages. fixtures/x86-1G-s2-hugetlb-cpu0 (6.1): the pool of 70
 * pages shrank to 0 with nr_free_pages +30208 of 35840 (11 short), CPU 1's list held 6430 pages
 * (6581 in the re-read), and 04's kpageflags hold 11 pageblocks wholly flagless with count 0.
 * Placed page by page over the Movable pageblocks (placeMovablePcpByPageblock), those pages kept
 * every pageblock the compaction on CPU 0 vacated from merging: ≥ 2 MiB band 31232–35328 against
 * the kernel's 55296. -cpu1's list went back whole before its re-read (6526 → 138), which its
 * layout is made from: none there.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { hugetlbPagesOnPcp } from '../../host/whatif/pinned.ts'
import { setHugePcpRule } from '../../engine/reconstruct/synthesize.ts'
import { PageKind } from '../../engine/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

const CAP = '04-after-hugetlb-release'
const REAL_HI = 55296

afterAll(() => setHugePcpRule(false))

/** Movable pageblocks wholly of per-cpu pages in a synthesized layout */
async function wholePcpBlocks(run: string, seed: number): Promise<number> {
  const s = await loadSnapshot(join(FIXTURES, run), { capture: CAP, layout: 'synthesized', seed })
  const m = s.model
  const pb = m.pageblockNrPages
  let n = 0
  for (let st = m.basePfn; st + pb <= m.basePfn + m.memMap.length; st += pb) {
    if (m.getPageblockMigratetype(st) !== m.migratetypes.movable) continue
    let all = true
    for (let p = st; p < st + pb && all; p++) all = m.memMap[p - m.basePfn] === PageKind.PCP
    if (all) n++
  }
  return n
}

describe('hugetlbPagesOnPcp: the shrink\'s nr_free_pages delta short of the pages it freed', () => {
  it('11, 12 and 12 huge pages in the three x86-1G-s2 runs; none before a capture no shrink precedes', async () => {
    const held = async (run: string, cap: string): Promise<number> => hugetlbPagesOnPcp(await seriesContext(join(FIXTURES, run), cap), 4096, 9)
    expect(await held('x86-1G-s2-hugetlb-cpu0', CAP)).toBe(11)
    expect(await held('x86-1G-s2-hugetlb', CAP)).toBe(12)
    expect(await held('x86-1G-s2-hugetlb-cpu1', CAP)).toBe(12)
    expect(await held('x86-1G-s2-hugetlb-cpu0', '03-after-hugetlb-2M-fragmented')).toBe(0)
    expect(await held('x86-1G-s2-hugetlb-cpu0', '05-after-compact-memory')).toBe(0)
  })
})

describe('synthesized layouts: huge pages whole on a per-cpu list after a hugetlb pool\'s shrink', () => {
  it('x86-1G-s2-hugetlb-cpu0/04 holds 11 Movable pageblocks wholly of per-cpu pages; -cpu1/04, made from its re-read, none', async () => {
    expect(await wholePcpBlocks('x86-1G-s2-hugetlb-cpu0', 1)).toBe(11)
    expect(await wholePcpBlocks('x86-1G-s2-hugetlb-cpu1', 1)).toBe(0)
    setHugePcpRule(false)
    try {
      expect(await wholePcpBlocks('x86-1G-s2-hugetlb-cpu0', 1)).toBe(0)
    } finally {
      setHugePcpRule(true)
    }
  }, 120_000)

  it(`x86-1G-s2-hugetlb-cpu0/${CAP}: the ≥ 2 MiB band holds the kernel's ${REAL_HI}`, async () => {
    const c = await bandCell('x86-1G-s2-hugetlb-cpu0', CAP, '≥2MiB', { set: setHugePcpRule, on: true })
    expect(c.real).toBe(REAL_HI)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)

  it('without the rule (every per-cpu page placed one by one) the band lies below it', async () => {
    const c = await bandCell('x86-1G-s2-hugetlb-cpu0', CAP, '≥2MiB', { set: setHugePcpRule, on: false })
    expect(c.p95, bandText(c)).toBeLessThan(REAL_HI)
  }, 300_000)
})
