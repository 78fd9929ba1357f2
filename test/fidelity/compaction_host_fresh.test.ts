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
    expect(jsonK.assumptions.some((a) => /one of vmstat_update's runs falls while the trigger ran/.test(a))).toBe(true)
  })
})

/**
 * The fresh captures made after -h, each by hand as -h was (sync first, output on tmpfs, traced),
 * compact_memory from a shell pinned to one CPU (CPU 1 but for -o), run to the end in every zone, and what each shows:
 *  - -i, 5 h after -h: 93 247 pages moved and no pageblock freed (≥ 2 MiB pages 3 057 664 →
 *    3 058 176), so its counters are what a model that did nothing would get wrong; the scanners
 *    met at 0x23a400 in zone Normal.
 *  - -k (a later boot, uptime 1.2 h): it held the counters' bounds but not ≥ 2 MiB (+15.5 %, shape
 *    29 %) while the sparsest-spread per-cpu pages were dealt to CPU 1, the CPU holding the most;
 *    they sat on CPU 0's list, which stood at its high (test/fidelity/compaction_pcp_at_high_k618k
 *    .test.ts, docs/fidelity.md: the per-cpu list at its high).
 *  - -l, 1.5 h after -k: ≥ 2 MiB pages 2 544 640 → 2 601 984; a model that did nothing would be
 *    −2.2 % there, inside the ±10 % bound, so the counters are what this row checks.
 *  - -m, 2 h after -l: 92 031 pages moved and no pageblock freed (2 457 088 → 2 457 600): the
 *    counters again.
 *  - -n, 1.3 h after -m: 147 568 pages moved, 171 pageblocks freed.
 *  - -o, minutes after -n, the first from a shell pinned to CPU 0 (`cm@0`): 76 800 pages moved,
 *    285 pageblocks freed; the what-if runs the trigger on CPU 0 from steps.log's `cpu=0`.
 *  - -p, 2.7 h after -o, the first of two compactions in a row: 145 066 pages moved, 182
 *    pageblocks freed.
 *  - -q, 3 h after -p, two compactions from CPUs 0 and 1: 144 533 pages moved.
 *  - -r, 3 h after -q, with the harness's fragmenting workload held on CPU 0 (built natively):
 *    709 614 pages moved, ≥ 2 MiB free pages 1 011 712 → 1 962 496.
 *  - -s, 4 h after -r, the workload held on CPU 1 with 2048 pages pinned, the trigger unpinned
 *    (steps.log `cpu=1..0`): 525 197 pages moved and ≥ 2 MiB free pages unchanged
 *    (1 413 632 → 1 411 584), the workload's last frees held on CPU 1's per-cpu list.
 *  - -t, a new boot 5 min old, the workload unpinned (all its phases on CPU 0) with 2048 pages
 *    pinned, the trigger unpinned (`cpu=1..0`, traced on CPU 0): 673 221 pages moved, ≥ 2 MiB free
 *    pages 914 432 → 1 559 552.
 *  - -v, 7.3 h of uptime after -u, measured before any model change (session 21): the workload
 *    unpinned with a seed never used before (all its phases after the first on CPU 0, 1024 pages
 *    pinned), both triggers unpinned as the shared harness makes them (`cpu=1..0`, traced on CPU 0):
 *    751 194 pages moved, ≥ 2 MiB free pages 780 800 → 1 677 312.
 *  - -w, 3.9 h of uptime after -v, measured before any model change (session 22): a new seed, 1536
 *    pages pinned, both per-cpu lists of zone Normal near 200 000 pages (6.18's autotuned high): 751 427
 *    pages moved and not one pageblock freed (≥ 2 MiB 803 840 → 805 888), order 0 723 007 → 139 301.
 *  - -x, 31 min of uptime after -w, measured before any model change (session 22): a new seed, every
 *    phase of the workload on CPU 1, 1024 pages pinned, the zone's top traced page by page: 621 850
 *    pages moved, one pageblock freed, order 0 647 022 → 55 107.
 *  - -y, a new boot 3 min old, measured before any model change (session 24): a new seed, every
 *    phase of the workload on CPU 1, 1536 pages pinned, both triggers unpinned (`cpu=0..1`, traced
 *    on CPU 1): 714 302 pages moved, 1231 pageblocks freed (≥ 2 MiB 1 063 936 → 1 694 208).
 *  - -z, 5 min after -y, measured before any model change (session 24): every phase of the
 *    workload on CPU 0, the compaction pinned to CPU 1 (`cm@1`): 798 357 pages moved and 6
 *    pageblocks freed (≥ 2 MiB 785 408 → 785 920; on CPU 0 the model frees 1814 more), order 0
 *    820 712 → 70 170: CPU 0's list kept the workload's last frees.
 *  - -aa, the mirror of -z on the same boot 5.6 h in, measured before any model change (session
 *    26): a new seed, every phase of the workload on CPU 1, nothing pinned, the compaction pinned
 *    to CPU 0 (`cm@0`): 621 257 pages moved and 7 pageblocks freed (≥ 2 MiB 958 464 → 962 048; on
 *    CPU 1 the model frees 1508 more), order 0 608 409 → 59 251.
 * (-u, the workload held on CPU 1 and the trigger on CPU 0, is not here: its first compaction holds
 * ≥ 2 MiB and the counters but misses the shape, 16.5 %, by which CPU's list held which per-cpu
 * page; docs/fidelity-causes.json.)
 * (-j, taken while five test runs were going, is not here: other processes freed 19 150 pages
 * during its compaction, which no capture before the trigger shows; docs/fidelity-causes.json.)
 */
const FRESH = [
  { run: 'host-24G-k618-i', migrated: 93247, cpu: 1 },
  { run: 'host-24G-k618-k', migrated: 317512, cpu: 1 },
  { run: 'host-24G-k618-l', migrated: 118802, cpu: 1 },
  { run: 'host-24G-k618-m', migrated: 92031, cpu: 1 },
  { run: 'host-24G-k618-n', migrated: 147568, cpu: 1 },
  { run: 'host-24G-k618-o', migrated: 76800, cpu: 0 },
  { run: 'host-24G-k618-p', migrated: 145066, cpu: 1 },
  { run: 'host-24G-k618-q', migrated: 144533, cpu: 0 },
  { run: 'host-24G-k618-r', migrated: 709614, cpu: 0 },
  { run: 'host-24G-k618-s', migrated: 525197, cpu: 0 },
  { run: 'host-24G-k618-t', migrated: 673221, cpu: 0 },
  { run: 'host-24G-k618-v', migrated: 751194, cpu: 0 },
  { run: 'host-24G-k618-w', migrated: 751427, cpu: 0 },
  { run: 'host-24G-k618-x', migrated: 621850, cpu: 0 },
  { run: 'host-24G-k618-y', migrated: 714302, cpu: 1 },
  { run: 'host-24G-k618-z', migrated: 798357, cpu: 1 },
  { run: 'host-24G-k618-aa', migrated: 621257, cpu: 0 },
] as const

describe.each(FRESH)('$run: a fresh capture of this machine, compact_memory on CPU $cpu (6.18)', ({ run, migrated, cpu }) => {
  let fresh: FidelityRow
  beforeAll(async () => {
    fresh = (await fidelityRow(FIXTURES, run, '01-before'))!
  }, 300000)

  it('migrated pages, and the prediction holds every bound of the fidelity table', () => {
    expect(fresh.counters['pgmigrate_success']!.real).toBe(migrated)
    expect(fresh.triggerCpu).toBe(cpu)
    expectEveryBoundHolds(fresh)
  })
})

/**
 * The second of two compact_memory on this machine, where the decay runs between the capture and
 * the trigger decide the free scanner's targets: another CPU's list gives its pages back in
 * free_pcppages_bulk's pindex order, the Unmovable list first, then Movable (the page trace of
 * host-24G-k618-x: each of CPU 1's drains in the traced range gave back its Unmovable pages before
 * its Movable ones, e.g. 113 then 25 at uptime 44377.145). Taken oldest first from all lists alike,
 * the model gave back Movable pages the kernel kept, and -r/02 missed compact_isolated (+27.0 %)
 * and -v/02 pgmigrate_success (+49.3 %) and compact_isolated (+47.2 %).
 */
const SECOND = [
  { run: 'host-24G-k618-r', migrated: 1007 },
  { run: 'host-24G-k618-s', migrated: 1393 },
  { run: 'host-24G-k618-v', migrated: 682 },
  { run: 'host-24G-k618-w', migrated: 17226 },
  { run: 'host-24G-k618-y', migrated: 16036 },
  { run: 'host-24G-k618-z', migrated: 707 },
  { run: 'host-24G-k618-aa', migrated: 1589 },
] as const

describe.each(SECOND)('$run/02: the second compact_memory of a fresh capture (6.18)', ({ run, migrated }) => {
  let second: FidelityRow
  beforeAll(async () => {
    second = (await fidelityRow(FIXTURES, run, '02-after-compact-memory'))!
  }, 300000)

  it('migrated pages, and the prediction holds every bound of the fidelity table', () => {
    expect(second.counters['pgmigrate_success']!.real).toBe(migrated)
    expectEveryBoundHolds(second)
  })
})
