/**
 * Compaction bands for synthesized layouts (issue #8, item 5): every compaction trigger in
 * fixtures/, its before-capture opened without kpageflags, `whatif compact --seeds N` as a user
 * runs it (host/fidelity.ts synthBandTable), the real outcome against the 90 % band. The figures
 * are the second table of docs/fidelity.md (npm run fidelity).
 *
 * Issue #8 asks for 9 values in 10 inside their band; the model is not there yet (see the
 * table), so this holds the table's figures and the count in band as a floor that may only rise.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { synthBandTable, bandCellText, BAND_METRICS, type SynthBandRow } from '../../host/fidelity.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const doc = readFileSync(join(FIXTURES, '..', 'docs', 'fidelity.md'), 'utf8')
const synth = doc.slice(doc.indexOf('## Synthesized layouts: 90 % bands'))
let rows: SynthBandRow[] = []

/** values in band when this floor was last raised (docs/fidelity.md's second table) */
const FLOOR_VALUES_IN_BAND = 75

beforeAll(async () => {
  rows = await synthBandTable(FIXTURES)
}, 600000)

describe('synthesized layouts: real outcomes against the 90 % band over seeds', () => {
  it('covers every compaction trigger of the exact table, first and second compactions', () => {
    expect(rows.length).toBeGreaterThanOrEqual(25)
    expect(rows.some((r) => r.second)).toBe(true)
    for (const r of rows) for (const k of BAND_METRICS) expect(r.cells[k].p5).toBeLessThanOrEqual(r.cells[k].p95)
  })

  it('every row is in docs/fidelity.md with the figures it has now (npm run fidelity)', () => {
    expect(synth.length, 'docs/fidelity.md has no "Synthesized layouts" section').toBeGreaterThan(40)
    for (const r of rows) {
      const line = synth.split('\n').find((l) => l.startsWith(`| ${r.run}/${r.capture} → `))
      expect(line, `${r.run}/${r.capture} missing from the synthesized table`).toBeDefined()
      for (const k of BAND_METRICS) expect(line, `${r.run}/${r.capture} ${k}: stale, run npm run fidelity`).toContain(bandCellText(r.cells[k]))
    }
  })

  it(`at least ${FLOOR_VALUES_IN_BAND} values lie inside their band (the floor; the issue asks 9 in 10)`, () => {
    const cells = rows.flatMap((r) => Object.values(r.cells))
    expect(cells.filter((c) => c.inBand).length).toBeGreaterThanOrEqual(FLOOR_VALUES_IN_BAND)
  })
})
