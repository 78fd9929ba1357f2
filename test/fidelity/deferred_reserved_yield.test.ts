/**
 * The boot-time types of memblock-reserved pageblocks under deferred struct page init
 * (engine/reconstruct/exact.ts deferredReservedTypes) yield where the captured free lists
 * contradict them. The guess the rule is least sure of, a partly reserved pageblock above the
 * deferred start whose first page is not reserved and that holds no free page (taken as Movable:
 * its first page free at boot rather than freed late, which nothing in the capture shows), holds
 * no free page to contradict it itself; but it takes one of pagetypeinfo's Movable counts, and the
 * type search must then make Unmovable a pageblock whose free pages pagetypeinfo has on the
 * Movable list. Where the search without the guess puts every free page on pagetypeinfo's lists
 * and the search with it does not, the guess yields (inferPageblockTypes).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { fidelityRow, type FidelityRow } from '../../host/fidelity.ts'
import { loadSnapshot } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let row: FidelityRow

beforeAll(async () => {
  row = (await fidelityRow(FIXTURES, 'x86-1G-s12-wl0-cpu0', '02-before'))!
}, 300000)

async function notesOf(run: string, cap: string): Promise<string[]> {
  const s = await loadSnapshot(join(FIXTURES, run, cap), { layout: 'exact' })
  return s.model.build.notes
}

describe('the boot-time pageblock types yield to the captured free lists', () => {
  it('x86-1G-s12-wl0-cpu0/02 and x86-512M-s11-nopin/03: the guess yields, and every free page lies on pagetypeinfo\'s list (452 and 488 free pages on other lists with it)', async () => {
    for (const [run, cap] of [['x86-1G-s12-wl0-cpu0', '02-before'], ['x86-512M-s11-nopin', '03-after-compact-node']] as const) {
      const notes = await notesOf(run, cap)
      expect(notes.some((n) => /partly reserved pageblocks above the deferred start .* left to the type search/.test(n)), `${run}/${cap}\n${notes.join('\n')}`).toBe(true)
      expect(notes.find((n) => /zone DMA32: pageblock migratetypes inferred/.test(n))).toMatch(/: 0 free pages on other lists than pagetypeinfo's/)
    }
  })

  it('the traced arm64 boot keeps its partly reserved pageblock Movable (torn lists: both searches leave some)', async () => {
    const notes = await notesOf('arm64-1G-s6-cma-compact-ctrace-cpu1', '03-after-compact-node')
    expect(notes.some((n) => /left to the type search/.test(n))).toBe(false)
  })

  it('x86-1G-s12-wl0-cpu0 first compaction: within ±3 % on ≥ 2 MiB and the shape within 5 % (−5.0 %, 9.3 % with the guess)', () => {
    expect(row.hiReal).toBe(102912)
    expect(Math.abs(row.hiError!), `predicted ${row.hiPredicted}`).toBeLessThanOrEqual(0.03)
    expect(row.shapeError).toBeLessThanOrEqual(0.05)
  })
})
