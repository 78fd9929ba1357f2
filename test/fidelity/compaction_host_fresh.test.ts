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

const COUNTERS = ['pgmigrate_success', 'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated'] as const

/** each counter of the row within the table's bound, and above half the real value (a model that migrated nothing would be 100 % off) */
function expectCountersHold(row: FidelityRow): void {
  for (const c of COUNTERS) {
    const x = row.counters[c]!
    expect(Math.abs(x.error!), `${c}: ${x.predicted} against ${x.real}`).toBeLessThanOrEqual(BOUNDS.counter)
    expect(x.predicted).toBeGreaterThan(x.real / 2)
  }
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
    expect(Math.abs(row.hiError!), `≥ 2 MiB predicted ${row.hiPredicted}`).toBeLessThanOrEqual(BOUNDS.hi)
    expect(row.shapeError).toBeLessThanOrEqual(BOUNDS.shape)
    expectCountersHold(row)
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
    expect(Math.abs(rowI.hiError!), `≥ 2 MiB predicted ${rowI.hiPredicted}`).toBeLessThanOrEqual(BOUNDS.hi)
    expect(rowI.shapeError).toBeLessThanOrEqual(BOUNDS.shape)
    expectCountersHold(rowI)
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
    expect(Math.abs(rowK.hiError!), `≥ 2 MiB predicted ${rowK.hiPredicted}`).toBeLessThanOrEqual(BOUNDS.hi)
    expect(rowK.shapeError).toBeLessThanOrEqual(BOUNDS.shape)
    expectCountersHold(rowK)
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
    expect(Math.abs(rowL.hiError!), `≥ 2 MiB predicted ${rowL.hiPredicted}`).toBeLessThanOrEqual(BOUNDS.hi)
    expect(rowL.shapeError).toBeLessThanOrEqual(BOUNDS.shape)
    expectCountersHold(rowL)
  })
})
