/**
 * Synthesized layouts made from a capture's re-read (after-kpage/): which CPU's per-cpu list holds
 * the workload's scattered frees is decided by the first read's counts and highs, not the re-read's
 * (docs/fidelity.md, synthesized (ag); PageAllocator.setPcpDealingRead, host/load.ts
 * synthesizedLayout).
 *
 * fixtures/host-24G-k618-o (this machine, 6.18, compact_memory on CPU 0): zoneinfo first read
 * CPU 0 6438 / high 9067, CPU 1 8283 / high 42268; re-read after kpageflags and kpagecount CPU 0
 * 12356 / high 13162, CPU 1 6844. Between the two reads the capture's own tools ran on CPU 0
 * (their pcp refills raise its high, nr_pcp_alloc), so the re-read shows CPU 0's list at its
 * high, and the dealing (buildPcpLists) gave it the sparsest-spread pages: the compaction on
 * CPU 0 pushed them out and every pageblock it vacated merged. The exact layout (dealt by the
 * first read, whose counts match its kpageflags) has CPU 1's list holding 6992 pages in 669
 * Movable pageblocks of LRU pages, which keep 331 of the 604 pageblocks its compaction vacates
 * broken; the synthesized seeds kept 0 of CPU 1's pages there and broke 7–31.
 * host-24G-k618-k (CPU 1): first read CPU 0 at its high (8057 / 8122), re-read CPU 1 the larger
 * (12886 against 7025): the same turn.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { setPcpDealingFirstReadRule } from '../../host/load.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setPcpDealingFirstReadRule(true))

describe('synthesized layouts from a re-read: the per-cpu lists dealt in the first read\'s order', () => {
  it('host-24G-k618-o first compaction: the ≥ 2 MiB band holds the real value (2660864)', async () => {
    const c = await bandCell('host-24G-k618-o', '01-before', '≥2MiB', { set: setPcpDealingFirstReadRule, on: true })
    expect(c.real).toBe(2660864)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 600_000)

  it('switched off (dealt by the re-read\'s counts), the band lies above the real value', async () => {
    const c = await bandCell('host-24G-k618-o', '01-before', '≥2MiB', { set: setPcpDealingFirstReadRule, on: false })
    expect(c.lo, bandText(c)).toBeGreaterThan(c.real)
  }, 600_000)

  it('host-24G-k618-k first compaction: in band with the rule, above it without', async () => {
    const on = await bandCell('host-24G-k618-k', '01-before', '≥2MiB', { set: setPcpDealingFirstReadRule, on: true })
    expect(on.inBand, bandText(on)).toBe(true)
    const off = await bandCell('host-24G-k618-k', '01-before', '≥2MiB', { set: setPcpDealingFirstReadRule, on: false })
    expect(off.lo, bandText(off)).toBeGreaterThan(off.real)
  }, 900_000)
})
