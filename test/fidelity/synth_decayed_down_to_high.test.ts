/**
 * Synthesized layouts after a full compaction (issue #8, item 5): how many pages a per-cpu list
 * whose high fell between the capture's first read and its re-read gave back to the buddy
 * allocator (engine/reconstruct/reread.ts pcpDecayedBetweenReads, decayedDownToHigh), which the
 * synthesis spreads over the used top (engine/reconstruct/synthesize.ts spreadDecayedPcpPages).
 *
 * decay_pcp_high frees count − high and no more (to_drain); what the list lost below its new high
 * was allocated from it (rmqueue_pcplist), pages in use at the re-read. Counting the whole fall of
 * the count as given back put thousands of free pages into the used top where the kernel had none:
 *  - host-24G-k618-u/02 (this machine, 6.18): CPU 1's list 15791 under a high of 16035, then 4842
 *    under 14231: 1560 given back, not 10949 (kpageflags hold 1045 flagless pages in the whole
 *    used top);
 *  - host-24G-k618-t/02: CPU 1's list 17088 under 21252, then 15761 under 17335: none given back;
 *  - x86-2G-s36-k612-gen-ptrace-2nd/03 (6.12, traced): CPU 1's list 2253 under 9098, then 2037 under
 *    7961: none; the trace (pcp-owners.txt.gz) has 1767 of that list's 2195 pages among slab at
 *    the zone's top, 128 in its 320 pageblocks of LRU pages.
 * x86-2G-s23-k612-cpu1/03, where the spread was found (test/fidelity/synth_decayed_top.test.ts),
 * keeps 1170 of its 1277.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pcpDecayedBetweenReads, setDecayedDownToHigh } from '../../engine/reconstruct/reread.ts'
import { parseZoneinfo } from '../../engine/index.ts'
import { setPcpUsedTopRule } from '../../engine/reconstruct/synthesize.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => { setDecayedDownToHigh(true); setPcpUsedTopRule(true) })

const zoneinfo = (run: string, cap: string, reread: boolean) => {
  const p = join(FIXTURES, run, cap, ...(reread ? ['after-kpage'] : []), 'zoneinfo')
  return parseZoneinfo(readFileSync(p, 'utf8'), p)
}
const decayed = (run: string, cap: string) => pcpDecayedBetweenReads(zoneinfo(run, cap, false), zoneinfo(run, cap, true))

describe('pcpDecayedBetweenReads: the pages above the re-read\'s high', () => {
  it('host-24G-k618-u/02: 1560 of CPU 1\'s (15791 → 4842, high 16035 → 14231)', () => {
    expect(decayed('host-24G-k618-u', '02-after-compact-memory')).toEqual([{ node: 0, zone: 'Normal', pages: 15791 - 14231 }])
  })
  it('none where the list stayed under its new high: host-24G-k618-t/02, x86-2G-s36-k612-gen-ptrace-2nd/03', () => {
    expect(decayed('host-24G-k618-t', '02-after-compact-memory')).toEqual([])
    expect(decayed('x86-2G-s36-k612-gen-ptrace-2nd', '03-after-compact-node')).toEqual([])
  })
  it('switched off, the whole fall of the count (host-24G-k618-u/02: 10949)', () => {
    setDecayedDownToHigh(false)
    try {
      expect(decayed('host-24G-k618-u', '02-after-compact-memory')).toEqual([{ node: 0, zone: 'Normal', pages: 15791 - 4842 }])
    } finally {
      setDecayedDownToHigh(true)
    }
  })
})

describe('synthesized second compactions with the pages above the new high alone', () => {
  it('x86-2G-s36-k612-gen-ptrace-2nd/03: the compact_free_scanned band holds the kernel\'s (21914); with the whole fall in the used top it lies above', async () => {
    const on = await bandCell('x86-2G-s36-k612-gen-ptrace-2nd', '03-after-compact-node', 'compact_free_scanned', { set: setDecayedDownToHigh, on: true })
    expect(on.real).toBe(21914)
    expect(on.inBand, bandText(on)).toBe(true)
    // with the whole fall given back and every given-back page in the used top, as (q) had it: with
    // only the drawn share of them there (pcpUsedTopShare) the band holds 21914 either way (7627–62646)
    const both = (on: boolean): void => { setDecayedDownToHigh(on); setPcpUsedTopRule(on) }
    const off = await bandCell('x86-2G-s36-k612-gen-ptrace-2nd', '03-after-compact-node', 'compact_free_scanned', { set: both, on: false })
    expect(off.lo, bandText(off)).toBeGreaterThan(21914)
  }, 300_000)

  it('host-24G-k618-t/02: the pgmigrate_success band holds the kernel\'s (558; with the whole fall 1027–20492)', async () => {
    const c = await bandCell('host-24G-k618-t', '02-after-compact-memory', 'pgmigrate_success', { set: setDecayedDownToHigh, on: true })
    expect(c.real).toBe(558)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)
})
