/**
 * Synthesized layouts after a full compaction (issue #8, item 5; the rows marked "(2nd)" in
 * docs/fidelity.md): the wholly free pageblocks of the capture before the compaction, the memory
 * no allocation had touched since boot, stay where they were (engine/reconstruct/synthesize.ts
 * untouchedRunFirst; host/load.ts untouchedBeforeCompaction). A full compaction's free scanner
 * takes no free block of pageblock order (isolate_freepages → suitable_migration_target) and its
 * migrate scanner stops where the scanners meet (compact_scanners_met), below that run: in the
 * kpageflags of every harness capture that follows a full compaction and precedes a second one,
 * each wholly free pageblock of the capture before is still wholly free and lies above where the
 * scanners met (scripts/measure-packed.ts; x86-2G-s23-k612-cpu0: 19 of the 19).
 *
 * fixtures/x86-2G-s23-k612-cpu0, 6.12: placed low with the pageblocks the migrate scanner emptied,
 * they were pageblocks the second compaction's migrate scanner walked before the scanners met:
 * compact_migrate_scanned 306315 against a band of 314751–371199.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { synthBandRow } from '../../host/fidelity.ts'
import { loadSnapshot, setUntouchedRunRule } from '../../host/load.ts'
import { isFreeHead } from '../../engine/index.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setUntouchedRunRule(true))

const RUN = 'x86-2G-s23-k612-cpu0'
const CAP = '03-after-compact-memory-cpu0'

/** zone DMA32: the wholly free Movable pageblocks above the highest Movable one holding half or more free pages without being wholly free (the top of the part the migrate scanner vacated) */
async function wholeAboveVacated(seed: number): Promise<{ above: number; whole: number; notes: string }> {
  const s = await loadSnapshot(join(FIXTURES, RUN), { capture: CAP, layout: 'synthesized', seed })
  const m = s.model
  const pb = m.pageblockNrPages
  const z = m.zones.find((x) => x.name === 'DMA32')!
  const free = new Map<number, number>()
  for (let p = z.startPfn; p < z.endPfn;) {
    const v = m.memMap[p - m.basePfn]!
    if (isFreeHead(v)) {
      const n = 2 ** (v & 0xf)
      for (let q = p; q < p + n; q += Math.min(n, pb)) free.set(Math.floor(q / pb), (free.get(Math.floor(q / pb)) ?? 0) + Math.min(n, pb))
      p += n
    } else p++
  }
  let topVacated = -1
  const wholes: number[] = []
  for (let st = Math.ceil(z.startPfn / pb) * pb; st + pb <= z.endPfn; st += pb) {
    if (m.getPageblockMigratetype(st) !== m.migratetypes.movable) continue
    const f = free.get(st / pb) ?? 0
    if (f === pb) wholes.push(st / pb)
    else if (f >= pb / 2) topVacated = st / pb
  }
  return { above: wholes.filter((i) => i > topVacated).length, whole: wholes.length, notes: m.build.notes.join('\n') }
}

describe('synthesized layouts after a full compaction: the untouched run of the capture before stays where it was', () => {
  it('x86-2G-s23-k612-cpu0/03: 20 wholly free pageblocks (02-before\'s pagetypeinfo) above the vacated part in every seed', async () => {
    setUntouchedRunRule(true)
    for (const seed of [1, 2, 3, 4]) {
      const r = await wholeAboveVacated(seed)
      expect(r.notes).toMatch(/20 wholly free pageblocks kept as the run of memory untouched since boot/)
      expect(r.above, `seed ${seed}: ${r.above} of ${r.whole}`).toBeGreaterThanOrEqual(20)
    }
  }, 120_000)

  it('x86-2G-s23-k612-cpu0 second compaction: compact_migrate_scanned (306315) lies in its band', async () => {
    const c = await bandCell(RUN, CAP, 'compact_migrate_scanned', { set: setUntouchedRunRule, on: true })
    expect(c.real).toBe(306315)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)

  it('switched off, the run lies low with the vacated pageblocks and the band lies above the real value', async () => {
    setUntouchedRunRule(false)
    try {
      for (const seed of [1, 2]) {
        const r = await wholeAboveVacated(seed)
        expect(r.above, `seed ${seed}: ${r.above} of ${r.whole}`).toBeLessThan(10)
      }
      const c = (await synthBandRow(FIXTURES, RUN, CAP))!.cells['compact_migrate_scanned']
      expect(c.p5).toBeGreaterThan(c.real)
    } finally {
      setUntouchedRunRule(true)
    }
  }, 300_000)
})
