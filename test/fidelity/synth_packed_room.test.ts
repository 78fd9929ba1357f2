/**
 * Synthesized layouts after a full compaction: the used top of the zone (the topmost used Movable
 * pageblocks, which hold the sparse free pages, the pages the first compaction left behind and
 * the pages decay_pcp_high gave back, engine/reconstruct/synthesize.ts) starts above the
 * pageblocks the packed free blocks below pageblock order need, counted by the buddy tree's room
 * (no two free buddies in a pageblock: packedFreePageblocks), not by their pages over
 * 2^pageblock_order.
 *
 * fixtures/host-24G-k618-s, 6.18: after the first compaction zone Normal's free memory lies in
 * small blocks (buddyinfo 90801 62055 42905 27562 11426 2090 123 25 12 below order 9: 870 867
 * pages, 1701 pageblocks' worth, that need 1879 pageblocks), held apart by CPU 1's 192 209
 * per-cpu pages. Counted by pages, the used top reached ~180 pageblocks down into the packed free
 * memory: one in three of those pageblocks took a decayed per-cpu page and stayed LRU pages
 * (spreadDecayedPcpPages), the free fill went around them, and the second compaction's migrate
 * scanner found their LRU pages below the meeting point: 19989–39205 pages migrated where the
 * kernel migrated 1393. Since a list whose high fell counts only the pages above its new high as
 * given back (engine/reconstruct/reread.ts decayedDownToHigh: 269 of CPU 1's, not 1493), fewer of
 * those pageblocks take one, and with the rule off the band is 4140–32475: still above the kernel's.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { packedFreePageblocks, setPackedRoomRule, setPcpUsedTopRule } from '../../engine/reconstruct/synthesize.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => { setPackedRoomRule(true); setPcpUsedTopRule(true) })

describe('synthesized layouts after a full compaction: the used top starts above the room the packed free blocks need', () => {
  it('packedFreePageblocks counts the buddy tree, not the pages', () => {
    // host-24G-k618-s/02 zone Normal, orders 0–8
    expect(packedFreePageblocks([90801, 62055, 42905, 27562, 11426, 2090, 123, 25, 12], 9)).toBe(1879)
    // 256 order-0 pages fill one pageblock (every other page), 257 need two
    expect(packedFreePageblocks([256], 9)).toBe(1)
    expect(packedFreePageblocks([257], 9)).toBe(2)
    // one block of each order 0–8 (511 pages) fits one pageblock; two order-8 blocks would be buddies
    expect(packedFreePageblocks([1, 1, 1, 1, 1, 1, 1, 1, 1], 9)).toBe(1)
    expect(packedFreePageblocks([0, 0, 0, 0, 0, 0, 0, 0, 2], 9)).toBe(2)
    expect(packedFreePageblocks([], 9)).toBe(0)
  })

  it('host-24G-k618-s second compaction: pgmigrate_success and compact_isolated bands hold the kernel\'s (1393, 3081)', async () => {
    for (const k of ['pgmigrate_success', 'compact_isolated'] as const) {
      const c = await bandCell('host-24G-k618-s', '02-after-compact-memory', k)
      expect(c.inBand, `${k}: ${bandText(c)}`).toBe(true)
    }
  }, 600_000)

  // With the lists' pages placed by their measured share in the used top (pcpUsedTopShare), this
  // row's band holds the kernel's value with the rule off too (555–31094): the rule is held where
  // it was found, with that placement off as well (the lists' pages over every used page).
  it('switched off (the used top counted by pages), with the lists\' pages over every used page, the band lies above the kernel\'s migrations', async () => {
    const both = (on: boolean): void => { setPackedRoomRule(on); setPcpUsedTopRule(on) }
    const c = await bandCell('host-24G-k618-s', '02-after-compact-memory', 'pgmigrate_success', { set: both, on: false })
    expect(c.lo, bandText(c)).toBeGreaterThan(2 * c.real)
  }, 600_000)
})
