/**
 * Compaction fidelity against real kernels (6.1, 6.12, 6.18): every compaction trigger in
 * fixtures/, run through the same `whatif compact` users run (host/fidelity.ts), compared
 * with the capture taken after the trigger. docs/fidelity.md is this table; rows that miss the
 * bounds are listed there with their cause (docs/fidelity-causes.json), and every other row must
 * hold the bounds.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { fidelityTable, misses, type FidelityRow } from '../../host/fidelity.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const causes = JSON.parse(readFileSync(join(FIXTURES, '..', 'docs', 'fidelity-causes.json'), 'utf8')) as Record<string, string>
const doc = readFileSync(join(FIXTURES, '..', 'docs', 'fidelity.md'), 'utf8')
let rows: FidelityRow[] = []
const key = (r: FidelityRow): string => `${r.run}/${r.capture}`
/**
 * Counts, not shares: a share would reward leaving out a new capture that misses. Each floor is the
 * count when it was last raised (docs/fidelity.md regenerated); raise it when rows come in, never
 * lower it, and add every new capture whatever its row gives.
 */
/** rows whose real ≥ 2 MiB pages lie within the predictions with the trigger on each CPU (±10 %) */
const FLOOR_IN_CPU_RANGE = 146
/** rows whose trigger CPU steps.log records and whose ≥ 2 MiB pages hold ±10 % there */
const FLOOR_KNOWN_CPU_HELD = 114

beforeAll(async () => {
  rows = await fidelityTable(FIXTURES)
}, 600000)

describe('compaction fidelity (real kernels under QEMU and this machine)', () => {
  it('covers real outcomes that differ from their before state, on 6.1, 6.12 and 6.18', () => {
    const changed = rows.filter((r) => !r.second && r.hiReal > 1.5 * r.hiBefore)
    expect(changed.length).toBeGreaterThanOrEqual(8)
    for (const k of ['6.1.', '6.12.', '6.18.']) expect(rows.some((r) => r.kernel.startsWith(k)), k).toBe(true)
    expect(rows.some((r) => r.second)).toBe(true)
  })

  it('every row is in docs/fidelity.md with the figures it has now (npm run fidelity)', () => {
    for (const r of rows) {
      const line = doc.split('\n').find((l) => l.startsWith(`| ${key(r)} → `))
      expect(line, `${key(r)} missing from docs/fidelity.md`).toBeDefined()
      expect(line, `${key(r)}: docs/fidelity.md is stale, run npm run fidelity`).toContain(`| ${r.hiReal} | ${r.hiPredicted} |`)
    }
  })

  it('rows without a recorded cause hold the bounds (±10 % ≥ 2 MiB, shape ≤ 15 %, counters ±25 %)', () => {
    for (const r of rows) {
      const m = misses(r)
      if (m.length) expect(causes[key(r)], `${key(r)} misses ${m.join(', ')} and has no cause in docs/fidelity-causes.json`).toBeDefined()
    }
  })

  it('the real outcome lies within the predictions with the trigger on each CPU on at least as many rows as when the floor was last raised', () => {
    const inside = rows.filter((r) => r.realInCpuRange).length
    expect(inside, rows.filter((r) => !r.realInCpuRange).map(key).join(', ')).toBeGreaterThanOrEqual(FLOOR_IN_CPU_RANGE)
  })

  it('where steps.log records the CPU the trigger ran on, the prediction runs there and the ≥ 2 MiB pages hold ±10 % on at least as many rows as when the floor was last raised, every miss with its cause (the x86-1G-s22 pair: 2 pageblocks freed on one CPU, 172 on the other)', () => {
    const known = rows.filter((r) => r.triggerCpu !== null)
    expect(known.length).toBeGreaterThanOrEqual(4)
    expect(new Set(known.map((r) => r.triggerCpu)).size).toBe(2)
    for (const k of ['x86-1G-s22-cpu0/02-before', 'x86-1G-s22-cpu1/02-before']) {
      const r = known.find((x) => key(x) === k)!
      expect(Math.abs(r.hiError!), `${k}: predicted ${r.hiPredicted}, real ${r.hiReal}`).toBeLessThanOrEqual(0.10)
    }
    let held = 0
    for (const r of known) {
      if (Math.abs(r.hiError!) <= 0.10) { held++; continue }
      // a miss with the CPU known is explained in docs/fidelity-causes.json (a 6.18 compaction the
      // kernel ended early, COMPACT_CONTENDED; the re-runs of older configurations with the trigger pinned)
      expect(causes[key(r)], `${key(r)} (trigger on CPU ${r.triggerCpu}): predicted ${r.hiPredicted}, real ${r.hiReal}, and no cause recorded`).toBeDefined()
    }
    expect(held, known.filter((r) => Math.abs(r.hiError!) > 0.10).map(key).join(', ')).toBeGreaterThanOrEqual(FLOOR_KNOWN_CPU_HELD)
  })

  it('the headline cases hold: no-pin compactions on 6.1, 6.12 and this machine\'s 6.18', () => {
    const hold = ['x86-2G-s13-fewpin/02-before', 'arm64-2G-s19-fewpin/02-before', 'x86-1G-s21-k612-pcp/04-after-sleep', 'host-24G-k618-a/01-before', 'x86-512M-s1-compact/02-before']
    for (const k of hold) {
      const r = rows.find((x) => key(x) === k)!
      expect(Math.abs(r.hiError!), `${k}: predicted ${r.hiPredicted}, real ${r.hiReal}`).toBeLessThanOrEqual(0.10)
    }
  })
})
