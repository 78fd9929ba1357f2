/**
 * Synthesized layouts after a full compaction in a zone the kernel initialises on demand
 * (deferred_init=lazy: this machine's 6.18 zone Normal; docs/fidelity.md synthesized (z)). A full
 * compaction leaves the wholly free pageblocks of the capture before it where they were (its free
 * scanner takes no free block of pageblock order: isolate_freepages → suitable_migration_target),
 * and in such a zone those lie in runs over the whole initialised part, not in one run at its top
 * (lazyWholeFreeKeys), with the bottom the compactions earlier in the boot emptied taken first
 * where that capture's vmstat counts them (emptiedBottomDraw). Placed as one run, they took the
 * upper half of the initialised part, the used pages were packed below it, and the second
 * compaction's scanners met far below the kernel's.
 *
 * fixtures/host-24G-k618-p (two compact_memory 1.1 s apart, CPU 1): the kernel's second pass met
 * at 0x2a9600 in zone Normal (trace/02-cm@1.txt.gz, as its first at 0x2a8e00) and counted
 * compact_migrate_scanned 3 567 615; with one run the band was 1694207–1833471 (met near
 * 0x172e00–0x193c00).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { synthBandRow } from '../../host/fidelity.ts'
import { setLazyUntouchedRule } from '../../engine/reconstruct/synthesize.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setLazyUntouchedRule(true))

const RUN = 'host-24G-k618-p'
const CAP = '02-after-compact-memory'

describe('after a full compaction in a zone initialised on demand: the untouched pageblocks where they lay', () => {
  it('the layout says so, with the emptied bottom drawn from the vmstat of the capture before the compaction', async () => {
    const notes: string[] = []
    for (const seed of [1, 3]) {
      const s = await loadSnapshot(join(FIXTURES, RUN), { capture: CAP, layout: 'synthesized', seed })
      notes.push(s.model.build.notes.join('\n'))
    }
    for (const n of notes) expect(n).toMatch(/zone Normal: 3072 wholly free pageblocks kept where the capture before the full compaction held them .* in runs over the initialised part/)
    // seed 3 draws an emptied bottom (01-before's vmstat: compact_migrate_scanned 15358970), seed 1 none
    expect(notes[0]).not.toMatch(/earlier in the boot than the capture before the last full compaction/)
    expect(notes[1]).toMatch(/earlier in the boot than the capture before the last full compaction \(its vmstat compact_migrate_scanned 15358970\)/)
  }, 180_000)

  it('a zone initialised at boot keeps one run (x86-2G-s23-k612-cpu0, 6.12 harness guest)', async () => {
    const s = await loadSnapshot(join(FIXTURES, 'x86-2G-s23-k612-cpu0'), { capture: '03-after-compact-memory-cpu0', layout: 'synthesized', seed: 1 })
    const n = s.model.build.notes.join('\n')
    expect(n).toMatch(/kept as the run of memory untouched since boot/)
    expect(n).not.toMatch(/in runs over the initialised part/)
  }, 120_000)

  it(`${RUN}/${CAP}: the second compaction's compact_migrate_scanned (3567615) lies in its band`, async () => {
    const c = await bandCell(RUN, CAP, 'compact_migrate_scanned', { set: setLazyUntouchedRule, on: true })
    expect(c.real).toBe(3567615)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 600_000)

  it('switched off (one run, as in a zone initialised at boot), the band lies below the real value', async () => {
    setLazyUntouchedRule(false)
    try {
      const c = (await synthBandRow(FIXTURES, RUN, CAP))!.cells['compact_migrate_scanned']
      expect(c.hi, bandText(c)).toBeLessThan(c.real)
    } finally {
      setLazyUntouchedRule(true)
    }
  }, 600_000)
})
