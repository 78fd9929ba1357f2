/**
 * Synthesized layouts after a full compaction (issue #8, item 5; the rows marked "(2nd)" in
 * docs/fidelity.md): the pages decay_pcp_high gave back between a capture's first read and its
 * re-read after kpageflags (after-kpage/), which the synthesized layout is made from.
 *
 * fixtures/x86-2G-s23-k612-cpu1, 6.12, two compact_memory writes in a row on CPU 1. The re-read's
 * zoneinfo has CPU 0's list at 10500 pages, high 10607, against 11777 and 12050 first read: only
 * decay_pcp_high lowers pcp->high, so 1277 of its oldest pages went back to the buddy allocator in
 * between (free_pcppages_bulk), and the re-read's buddyinfo counts them free. That list held the
 * workload's freed pages a few in every pageblock of the used top the first compaction's free
 * scanner filled; the kernel's second free scanner found them there and kept its stride at 1
 * (isolate_freepages doubles it after a pageblock that gave nothing): compact_free_scanned 168103,
 * and the exact layout, which decays that list itself (test/fidelity/compaction_decay_s23.test.ts),
 * gives 173324. The synthesis placed those pages low with the zone's other free pages: its used
 * top held free pages only where the seed drew the few left by the first compaction (most seeds:
 * none), its free scanner's stride climbed to 32 there, and the band lay far below (8164–77028).
 * Spread over the used top (engine/reconstruct/synthesize.ts spreadDecayedPcpPages) the band holds
 * the real value.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setDecayedPcpSpread } from '../../engine/reconstruct/synthesize.ts'
import { pcpDecayedBetweenReads } from '../../engine/reconstruct/reread.ts'
import { parseZoneinfo } from '../../engine/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setDecayedPcpSpread(true))

const zoneinfo = (run: string, cap: string, reread: boolean) => {
  const p = join(FIXTURES, run, cap, ...(reread ? ['after-kpage'] : []), 'zoneinfo')
  return parseZoneinfo(readFileSync(p, 'utf8'), p)
}

describe('pcpDecayedBetweenReads: the pages the lists whose high fell gave back between the reads', () => {
  it('counts CPU 0 of x86-2G-s23-k612-cpu1 (high 12050 → 10607: the pages above the new high), not CPU 1 (count fell, high unchanged: its own allocations)', () => {
    const run = 'x86-2G-s23-k612-cpu1', cap = '03-after-compact-memory-cpu1'
    expect(pcpDecayedBetweenReads(zoneinfo(run, cap, false), zoneinfo(run, cap, true))).toEqual([{ node: 0, zone: 'DMA32', pages: 11777 - 10607 }])
  })
  it('counts nothing where both lists grew (x86-2G-s16-k612-fewpin) or on 6.1, whose high does not decay (x86-1G-s22-cpu0)', () => {
    expect(pcpDecayedBetweenReads(zoneinfo('x86-2G-s16-k612-fewpin', '03-after-compact-memory', false), zoneinfo('x86-2G-s16-k612-fewpin', '03-after-compact-memory', true))).toEqual([])
    expect(pcpDecayedBetweenReads(zoneinfo('x86-1G-s22-cpu0', '03-after-compact-node-cpu0', false), zoneinfo('x86-1G-s22-cpu0', '03-after-compact-node-cpu0', true))).toEqual([])
  })
})

describe('synthesized layouts after a full compaction: the pages decayed between the reads lie in the used top', () => {
  it('x86-2G-s23-k612-cpu1 second compaction: the compact_free_scanned band holds the real value (168103)', async () => {
    const c = await bandCell('x86-2G-s23-k612-cpu1', '03-after-compact-memory-cpu1', 'compact_free_scanned', { set: setDecayedPcpSpread, on: true })
    expect(c.real).toBe(168103)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)

  it('switched off (placed with the other free pages), the band lies below the real value', async () => {
    const c = await bandCell('x86-2G-s23-k612-cpu1', '03-after-compact-memory-cpu1', 'compact_free_scanned', { set: setDecayedPcpSpread, on: false })
    expect(c.hi, bandText(c)).toBeLessThan(c.real)
  }, 300_000)
})
