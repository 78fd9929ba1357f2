/**
 * Compaction bands for synthesized layouts (issue #8, item 5): every compaction trigger in
 * fixtures/, its before-capture opened without kpageflags, `whatif compact --seeds N` as a user
 * runs it (host/fidelity.ts synthBandTable), the real outcome against the 90 % band. The figures
 * are the second table of docs/fidelity.md (npm run fidelity).
 *
 * The whole table takes minutes (16 layouts and compactions per row), too long for `npm test`:
 * this recomputes a fixed sample of its rows, named below (kernels 6.1, 6.12 and 6.18; arm64 and
 * x86; 512 MiB to 24 GiB; first and second compactions; with and without pins, CMA, a trigger
 * CPU steps.log does not give), with the table's seeds, and checks that the doc prints exactly
 * those rows. The rest of the doc is checked for consistency: one row per compaction trigger in
 * fixtures/, and a totals line that is the count of its rows' cells.
 *
 * Issue #8 asks for 9 values in 10 inside their band; the model is not there yet (see the
 * table), so the doc's count in band is held as a floor that may only rise.
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { synthBandCaptures, synthBandRow, synthBandLine, synthBandTotalsLine, BAND_METRICS, type SynthBandTotals } from '../../host/fidelity.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const doc = readFileSync(join(FIXTURES, '..', 'docs', 'fidelity.md'), 'utf8')
const synth = doc.slice(doc.indexOf('## Synthesized layouts: 90 % bands'))
/** the table's rows as the doc prints them */
const docRows = synth.split('\n').filter((l) => /^\| [^ ]+\/\d\d-[^ ]+ → /.test(l))

/**
 * values in band when this floor was last raised (docs/fidelity.md's second table). Lowered once,
 * 659 → 658 (session 23), with a mechanism the page trace of host-24G-k618-x shows
 * (PageAllocator.giveBackOldest: another CPU's list gives back in free_pcppages_bulk's pindex
 * order, the Unmovable list first): two exact rows came within every bound, and one synthesized
 * value left its band by one pageblock, x86-1G-s33-k612-gen/03's ≥ 2 MiB (85504 against
 * 80896–84992; its one seed at 85504, seed 7, now frees one pageblock fewer, its migrations
 * unchanged). Raised to 674 of 750 (session 24) with host-24G-k618-y and -z, 16 of whose 20 values
 * lie in band: below 9 in 10 by one value (docs/fidelity.md, session 24's paragraph). Raised to
 * 679 (session 25, 90.5 %): no run of kernel pageblocks below a lazily initialised zone's top
 * (setLazyKernelBlocksRule) brought six host first compactions' compact_free_scanned into their
 * bands and took -w's out. Raised to 688 of 760 (session 26, 90.5 %) with host-24G-k618-aa, 9 of
 * whose 10 values lie in band (its second compaction's compact_migrate_scanned below).
 */
const FLOOR_VALUES_IN_BAND = 688

/**
 * The rows recomputed, chosen by what they cover, not by whether they are in band: x86 512 MiB
 * on 6.1, a first compaction with the workload's pins and a packed second compaction; arm64 on
 * 6.1 with a CMA area, first and second; x86 1 GiB on 6.12 whose trigger CPU steps.log does not
 * give (the seeds take the CPUs in turn); x86 2 GiB on 6.12, a second compaction on a known CPU;
 * 24 GiB 6.18 hosts (memory partly not yet initialised, a hole at the top), first and second.
 */
const SAMPLE = [
  'x86-512M-s1-compact/02-before',
  'x86-512M-s11-nopin/03-after-compact-node',
  'arm64-1G-s6-cma-compact/02-before',
  'arm64-1G-s6-cma-compact/03-after-compact-node',
  'x86-1G-s15-k612-nopin/02-before',
  'x86-2G-s23-k612-cpu1/03-after-compact-memory-cpu1',
  'host-24G-k618-a/01-before',
  'host-24G-k618-d/02-after-compact-memory',
]

/** the first cell of a row: `run/capture → next[ (2nd)]` */
const rowKey = (line: string): string => line.split(' | ')[0]!.slice(2).split(' → ')[0]!

describe('synthesized layouts: real outcomes against the 90 % band over seeds (docs/fidelity.md)', () => {
  it('the doc has one row per compaction trigger in fixtures/, first and second compactions', async () => {
    expect(synth.length, 'docs/fidelity.md has no "Synthesized layouts" section').toBeGreaterThan(40)
    const captures = await synthBandCaptures(FIXTURES)
    expect(captures.length).toBeGreaterThanOrEqual(25)
    expect(docRows.map(rowKey), 'the synthesized table\'s rows are not the fixtures\' triggers: run npm run fidelity').toEqual(captures)
    expect(docRows.some((l) => l.includes(' (2nd) |'))).toBe(true)
  }, 60_000)

  for (const key of SAMPLE) {
    it(`${key}: recomputed, the row is the doc's`, async () => {
      const [run, cap] = key.split('/') as [string, string]
      const r = await synthBandRow(FIXTURES, run, cap)
      expect(r, `${key} has no compaction trigger after it`).not.toBeNull()
      for (const k of BAND_METRICS) expect(r!.cells[k].lo).toBeLessThanOrEqual(r!.cells[k].hi)
      const line = docRows.find((l) => rowKey(l) === key)
      expect(line, `${key} missing from the synthesized table`).toBeDefined()
      expect(line, `${key}: stale, run npm run fidelity`).toBe(synthBandLine(r!))
    }, 120_000)
  }

  const inBand = (c: string): boolean => /^-?\d+ in /.test(c)
  /** the totals of the doc's rows, counted from their cells */
  const counted = (): SynthBandTotals => {
    const cells = docRows.map((l) => l.split(' | ').slice(4, 4 + BAND_METRICS.length))
    for (const row of cells) for (const c of row) expect(c, 'a cell reads "real in|**out of** lo–hi (median)"').toMatch(/^-?\d+ (in|\*\*out of\*\*) -?\d+–-?\d+ \(-?\d+\)$/)
    return {
      valuesInBand: cells.flat().filter(inBand).length, values: cells.flat().length,
      rowsInBand: cells.filter((row) => row.every(inBand)).length, rows: cells.length,
      hiInBand: cells.filter((row) => inBand(row[0]!)).length,
    }
  }

  it('the totals line is the count of the rows\' cells, and each row\'s last column says whether all are in band', () => {
    const t = counted()
    expect(synth.split('\n'), 'the totals line disagrees with the rows: run npm run fidelity').toContain(synthBandTotalsLine(t))
    for (const l of docRows) {
      const cells = l.split(' | ').slice(4, 4 + BAND_METRICS.length)
      expect(l.endsWith(cells.every(inBand) ? '| yes |' : '| no |'), l).toBe(true)
    }
  })

  it(`at least ${FLOOR_VALUES_IN_BAND} values lie inside their band (the floor; the issue asks 9 in 10)`, () => {
    expect(counted().valuesInBand).toBeGreaterThanOrEqual(FLOOR_VALUES_IN_BAND)
  })

  it('9 in every 10 values lie inside their band (issue #8, deliverable 5)', () => {
    const t = counted()
    expect(t.valuesInBand * 10, `${t.valuesInBand} of ${t.values}`).toBeGreaterThanOrEqual(t.values * 9)
  })
})
