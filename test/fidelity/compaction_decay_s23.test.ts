/**
 * fixtures/x86-2G-s23-k612-cpu1, 6.12, two compact_memory writes in a row pinned to CPU 1: the
 * second one's free scanner. The first compaction packed the zone's top; CPU 0's per-cpu list
 * kept a few of the workload's freed pages in every pageblock there (flagless, map count 0). In
 * the seconds between the capture's zoneinfo read and the trigger, decay_pcp_high (6.7+, from
 * vmstat_update once a second) lowered CPU 0's high and trimmed its list: the capture's zoneinfo
 * read again after kpageflags (after-kpage/zoneinfo) has CPU 0 at count 10500, high 10607 against
 * 11777, 12050. Those oldest pages went back to the buddy allocator one or two in a pageblock, and
 * the kernel's free scanner took them as targets (1613 pages flagless before the trigger are
 * migrated-to anonymous pages after it), keeping its stride at 1 pageblock after pageblock
 * (isolate_freepages doubles it after a pageblock that gave nothing): compact_free_scanned
 * 168103. With CPU 0's list kept whole the model's free scanner met pageblocks without a free page,
 * its stride reached 32, and it passed the sparse targets of 300 pageblocks (18239 pages scanned,
 * 399 migrated against 2891).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { whatifCompact, type WhatifCompactJson } from '../../host/whatif/compact.ts'
import { join } from 'node:path'
import { FIXTURES } from '../helpers/fixtures.ts'

let second: FidelityRow
let json: WhatifCompactJson

beforeAll(async () => {
  second = (await fidelityRow(FIXTURES, 'x86-2G-s23-k612-cpu1', '03-after-compact-memory-cpu1'))!
  json = await whatifCompact({ path: join(FIXTURES, 'x86-2G-s23-k612-cpu1'), capture: '03-after-compact-memory-cpu1', layout: 'exact', seed: 1 }, { seeds: 1, pinned: 'auto' }, {})
}, 300000)

describe('x86-2G-s23-k612-cpu1, the second compaction: the other CPU\'s list decayed before the trigger (6.12)', () => {
  it('the free scanner finds the pages decay_pcp_high gave back and scans as far as the kernel did (±25 %)', () => {
    const c = second.counters['compact_free_scanned']!
    expect(c.real).toBe(168103)
    expect(Math.abs(c.error!), `compact_free_scanned ${c.predicted}`).toBeLessThanOrEqual(0.25)
    // and migrates several times what it did with the list kept whole (399; the kernel 2891)
    expect(second.counters['pgmigrate_success']!.predicted).toBeGreaterThan(1000)
    expect(Math.abs(second.counters['compact_migrate_scanned']!.error!)).toBeLessThanOrEqual(0.25)
  })

  it('says so in the what-if\'s assumptions, with the pages given back', () => {
    const a = json.assumptions.find((s) => s.includes('decay_pcp_high') && s.includes('before the trigger'))
    expect(a, json.assumptions.join('\n')).toBeDefined()
    expect(a).toMatch(/Node 0, zone DMA32: 1170\b/)
  })
})
