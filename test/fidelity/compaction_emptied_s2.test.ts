/**
 * fixtures/x86-1G-s2-hugetlb-cpu1, 6.1: a hugetlb pool of 87 huge pages released, then a capture,
 * then compact_memory pinned to CPU 1. The release freed each huge page to the per-cpu list of its
 * order (pcp_allowed_order: pageblock order with THP built in); 12 stayed on CPU 1's list (its
 * count 6526 in the capture's zoneinfo, 13 whole flagless pageblocks in kpageflags). The
 * capture's zoneinfo read again after kpageflags (after-kpage/zoneinfo) has CPU 1 at 138: the whole
 * list went back to the buddy allocator before the trigger (6.1's free_high, or a drain), and the
 * re-read's buddyinfo shows the pageblocks merged (order 10: 4 → 13) and the zone's free pages
 * up by 6480. In the after-capture 12 of the 13 pageblocks are free. Kept on a list, as the model
 * kept them, they made the prediction 42496 pages in ≥ 2 MiB blocks against the real 52736
 * (−19.4 %).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { whatifCompact, type WhatifCompactJson } from '../../host/whatif/compact.ts'
import { join } from 'node:path'
import { FIXTURES } from '../helpers/fixtures.ts'

let row: FidelityRow
let json: WhatifCompactJson

beforeAll(async () => {
  row = (await fidelityRow(FIXTURES, 'x86-1G-s2-hugetlb-cpu1', '04-after-hugetlb-release'))!
  json = await whatifCompact({ path: join(FIXTURES, 'x86-1G-s2-hugetlb-cpu1'), capture: '04-after-hugetlb-release', layout: 'exact', seed: 1 }, { seeds: 1, pinned: 'auto' }, {})
}, 300000)

describe('x86-1G-s2-hugetlb-cpu1: the trigger CPU\'s list, huge pages included, went back whole before the trigger (6.1)', () => {
  it('the pageblocks it held merge, and the ≥ 2 MiB free pages come within ±13 % of the kernel\'s', () => {
    expect(row.hiReal).toBe(52736)
    // (−7.8 % with the pins drawn at random; −12.6 % since they sit on the 260 pages kpageflags
    // shows referenced, which the kernel's compaction leaves in place: docs/fidelity-causes.json)
    expect(Math.abs(row.hiError!), `predicted ${row.hiPredicted}`).toBeLessThanOrEqual(0.13)
    for (const c of ['pgmigrate_success', 'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated']) {
      expect(Math.abs(row.counters[c]!.error!), c).toBeLessThanOrEqual(0.25)
    }
  })

  it('says so in the what-if\'s assumptions, with the CPU and the pages given back', () => {
    const a = json.assumptions.find((s) => s.includes('emptied') && s.includes('before the trigger'))
    expect(a, json.assumptions.join('\n')).toBeDefined()
    expect(a).toMatch(/Node 0, zone DMA32: CPU 1, 6144 pages/)
  })
})
