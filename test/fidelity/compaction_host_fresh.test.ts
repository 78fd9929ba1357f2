/**
 * fixtures/host-24G-k618-h: a fresh capture of this machine's 6.18 kernel (the developers' VM,
 * 24 GiB, deferred_init=lazy), then `compact_memory` from a shell pinned to CPU 1, then a capture,
 * made by hand (test/harness/capture-host.sh; tests never write to /proc). Issue #8 is done when
 * `whatif compact` on such a capture gives the kernel's outcome within the table's bounds: free
 * pages in ≥ 2 MiB blocks within ±10 %, the per-order shape within 15 %, and pgmigrate_success,
 * compact_migrate_scanned, compact_free_scanned and compact_isolated within ±25 %. The kernel's
 * compaction ran to the end here (COMPACT_COMPLETE in every zone, trace/01-cm@1.txt.gz) and
 * changed the layout: 141 731 pages migrated, order-9 blocks in zone Normal 14 → 86.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { BOUNDS, fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { whatifCompact, type WhatifCompactJson } from '../../host/whatif/compact.ts'
import { parseZoneinfo } from '../../engine/procfs/zoneinfo.ts'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const COUNTERS = ['pgmigrate_success', 'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated'] as const

/** each counter of the row within the table's bound, and above half the real value (a model that migrated nothing would be 100 % off) */
function expectCountersHold(row: FidelityRow): void {
  for (const c of COUNTERS) {
    const x = row.counters[c]!
    expect(Math.abs(x.error!), `${c}: ${x.predicted} against ${x.real}`).toBeLessThanOrEqual(BOUNDS.counter)
    expect(x.predicted).toBeGreaterThan(x.real / 2)
  }
}

/** the row holds every bound of the fidelity table: ≥ 2 MiB, the per-order shape and the four counters */
function expectEveryBoundHolds(row: FidelityRow): void {
  expect(Math.abs(row.hiError!), `≥ 2 MiB predicted ${row.hiPredicted}`).toBeLessThanOrEqual(BOUNDS.hi)
  expect(row.shapeError).toBeLessThanOrEqual(BOUNDS.shape)
  expectCountersHold(row)
}

let row: FidelityRow

beforeAll(async () => {
  row = (await fidelityRow(FIXTURES, 'host-24G-k618-h', '01-before'))!
}, 300000)

describe('host-24G-k618-h: a fresh capture of this machine, compact_memory on CPU 1 (6.18)', () => {
  it('is a run whose outcome differs from its before state', () => {
    expect(row.hiReal).toBe(3123200)
    expect(row.hiBefore).toBeLessThan(row.hiReal * 0.98)
    expect(row.counters['pgmigrate_success']!.real).toBe(141731)
  })

  it('the prediction holds every bound of the fidelity table', () => {
    expectEveryBoundHolds(row)
  })
})

/**
 * fixtures/host-24G-k618-i: the same made again 5 h later (sync first, output on tmpfs). This
 * compaction moved 93 247 pages and freed no pageblock (≥ 2 MiB pages 3 057 664 → 3 058 176), so
 * its counters are what a model that did nothing would get wrong; the scanners met at 0x23a400
 * in zone Normal (trace/01-cm@1.txt.gz).
 */
describe('host-24G-k618-i: a second fresh capture of this machine, compact_memory on CPU 1 (6.18)', () => {
  let rowI: FidelityRow
  beforeAll(async () => {
    rowI = (await fidelityRow(FIXTURES, 'host-24G-k618-i', '01-before'))!
  }, 300000)

  it('migrated pages, and the prediction holds every bound of the fidelity table', () => {
    expect(rowI.counters['pgmigrate_success']!.real).toBe(93247)
    expectEveryBoundHolds(rowI)
  })
})

/**
 * fixtures/host-24G-k618-k: a fourth fresh capture (quiet machine, traced), compact_memory on
 * CPU 1 from uptime 4452.82 to 4453.30 s, run to the end. It held the counters' bounds but not
 * ≥ 2 MiB (+15.5 %, shape 29 %) while the sparsest-spread per-cpu pages were dealt to CPU 1, the
 * CPU holding the most; they sat on CPU 0's list, which stood at its high
 * (test/fidelity/compaction_pcp_at_high_k618k.test.ts, docs/fidelity.md: the per-cpu list at its
 * high).
 */
describe('host-24G-k618-k: a fourth fresh capture, compact_memory on CPU 1 (6.18)', () => {
  let rowK: FidelityRow
  beforeAll(async () => {
    rowK = (await fidelityRow(FIXTURES, 'host-24G-k618-k', '01-before'))!
  }, 300000)

  it('the prediction holds every bound of the fidelity table', () => {
    expect(rowK.counters['pgmigrate_success']!.real).toBe(317512)
    expectEveryBoundHolds(rowK)
  })
})

/**
 * fixtures/host-24G-k618-l: a fifth fresh capture (quiet machine, traced, a later boot, uptime
 * 2.7 h), compact_memory on CPU 1, run to the end: 118 802 pages migrated, ≥ 2 MiB pages
 * 2 544 640 → 2 601 984. A model that did nothing would be −2.2 % there, inside the ±10 % bound,
 * so the counters are what this row checks; the shape error is held too.
 */
describe('host-24G-k618-l: a fifth fresh capture, compact_memory on CPU 1 (6.18)', () => {
  let rowL: FidelityRow
  beforeAll(async () => {
    rowL = (await fidelityRow(FIXTURES, 'host-24G-k618-l', '01-before'))!
  }, 300000)

  it('migrated pages, and the prediction holds every bound of the fidelity table', () => {
    expect(rowL.counters['pgmigrate_success']!.real).toBe(118802)
    expect(rowL.hiReal).toBe(2601984)
    expectEveryBoundHolds(rowL)
  })
})

/**
 * fixtures/host-24G-k618-k: a fourth fresh capture (quiet machine, traced), compact_memory on
 * CPU 1 from uptime 4452.82 to 4453.30 s. CPU 1's per-cpu high was 43717 in the capture's zoneinfo
 * and 52050 in its re-read after kpageflags and kpagecount (4452.76 s): only nr_pcp_alloc's refills
 * raise it, so the capture's tools took it there, and that is the high the compaction starts
 * under. The one vmstat_update run during the compaction (4453) met CPU 1's list filled by the
 * compaction's frees, and decay_pcp_high's count − (batch << 5) bound held the high: the after
 * capture has CPU 1 at 47787 / 48752 (48752 = 50768 − 2016), not the ⅞ of an idle list. Taking the
 * first read's high and both decays before the frees (43717 → 33472) left the model's lists at
 * 39769 pages against the kernel's 58174 (CPU 0 10387 + CPU 1 47787), and ≥ 2 MiB at +15.5 %;
 * with both (PageAllocator.pcpHighRaisedBeforeTrigger, pcpDecayDuringWork) 56193 and +11.9 %.
 */
describe('host-24G-k618-k: a fourth fresh capture, compact_memory on CPU 1 (6.18): the per-cpu high at and during the trigger', () => {
  let jsonK: WhatifCompactJson
  beforeAll(async () => {
    jsonK = await whatifCompact({ path: join(FIXTURES, 'host-24G-k618-k'), capture: '01-before', layout: 'exact', seed: 1 }, { seeds: 1, pinned: 'auto' }, {})
  }, 300000)

  it('the per-cpu lists end within 5 % of the kernel\'s (the re-read\'s high alone: −8 %, the decay during the frees alone: −25 %, neither: −32 %)', () => {
    const after = parseZoneinfo(readFileSync(join(FIXTURES, 'host-24G-k618-k', '02-after-compact-memory', 'zoneinfo'), 'utf8')).zones.find((z) => z.zone === 'Normal')!
    const real = after.pagesets!.reduce((n, p) => n + p.count, 0)
    expect(real).toBe(58174)
    const model = jsonK.after.zones.find((z) => z.zone === 'Normal')!.pcpPages
    expect(Math.abs(model / real - 1), `model's lists ${model}`).toBeLessThanOrEqual(0.05)
  })

  it('says so in the what-if\'s assumptions', () => {
    expect(jsonK.assumptions.some((a) => /running CPU's per-cpu high risen/.test(a) && /high 52050/.test(a))).toBe(true)
    expect(jsonK.assumptions.some((a) => /1 of vmstat_update's runs fall while the trigger ran/.test(a))).toBe(true)
  })
})

/**
 * fixtures/host-24G-k618-m: a sixth fresh capture (quiet machine, traced, 2 h after -l's
 * compaction in the same boot), compact_memory on CPU 1, run to the end: 92 031 pages migrated,
 * and no pageblock freed (≥ 2 MiB pages 2 457 088 → 2 457 600), so a model that did nothing would
 * hold ≥ 2 MiB and the shape: the counters are what this row checks.
 */
describe('host-24G-k618-m: a sixth fresh capture, compact_memory on CPU 1 (6.18)', () => {
  let rowM: FidelityRow
  beforeAll(async () => {
    rowM = (await fidelityRow(FIXTURES, 'host-24G-k618-m', '01-before'))!
  }, 300000)

  it('migrated pages, and the prediction holds every bound of the fidelity table', () => {
    expect(rowM.counters['pgmigrate_success']!.real).toBe(92031)
    expectEveryBoundHolds(rowM)
  })
})
