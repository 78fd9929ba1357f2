/**
 * Synthesized layouts of captures taken after full compactions earlier in the same boot, none
 * just before (docs/fidelity.md synthesized (t)): the migrate scanners of those compactions
 * emptied the zone's bottom of LRU pages and the refill since came from the last meeting point
 * down, so the kernel's next scanners meet higher than in a layout whose LRU pages lie over the
 * whole zone (engine/reconstruct/synthesize.ts earlierCompactionReach, emptiedBottomDraw). Whether
 * any of that bottom is left, and how much, is in no count: each seed draws it, within the reach
 * the capture's compact_migrate_scanned allows.
 *
 * fixtures/host-24G-k618-m (6.18, compact_memory on CPU 1; its before-capture's vmstat:
 * compact_migrate_scanned 5 922 813 from compactions earlier in its boot, compact_stall and
 * compact_daemon_* 0): the kernel's migrate scanner counted 2 819 071 pages, above the band of
 * layouts without the emptied bottom (1572863–2342911).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { synthBandRow } from '../../host/fidelity.ts'
import { setEmptiedBottomRule, earlierCompactionReach, emptiedBottomDraw } from '../../engine/reconstruct/synthesize.ts'
import { zoneShapes } from '../../engine/reconstruct/zones.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

afterAll(() => setEmptiedBottomRule(true))

const RUN = 'host-24G-k618-m'
const CAP = '01-before'

describe('synthesized layouts after full compactions earlier in the boot: the emptied bottom, drawn', () => {
  it('the reach the vmstat allows: none without compact_migrate_scanned, none with direct or kcompactd compaction counted', async () => {
    const s = await loadSnapshot(join(FIXTURES, RUN), { capture: CAP, layout: 'synthesized', seed: 1 })
    const c = s.capture
    const shapes = zoneShapes(c, [])
    const normal = shapes.find((z) => z.name === 'Normal')!
    const scanned = c.vmstat!['compact_migrate_scanned']!
    expect(scanned).toBeGreaterThan(0)
    // DMA and DMA32, at least 90 % free, are crossed whole by each pass first
    const lower = shapes.filter((z) => z.startPfn < normal.startPfn).reduce((t, z) => t + z.spanned, 0)
    expect(earlierCompactionReach(c, shapes, normal)).toBeCloseTo((scanned - lower) / 0.85, 0)
    expect(earlierCompactionReach({ ...c, vmstat: { ...c.vmstat!, compact_migrate_scanned: 0 } }, shapes, normal)).toBe(0)
    expect(earlierCompactionReach({ ...c, vmstat: { ...c.vmstat!, compact_stall: 3 } }, shapes, normal)).toBe(0)
    expect(earlierCompactionReach({ ...c, vmstat: { ...c.vmstat!, compact_daemon_migrate_scanned: 512 } }, shapes, normal)).toBe(0)
  }, 120_000)

  it('some seeds draw no emptied bottom, the others a share of the reach', () => {
    const draws = Array.from({ length: 19 }, (_, i) => emptiedBottomDraw(i + 1, 2, 1000))
    expect(draws.filter((d) => d === 0).length).toBeGreaterThan(5)
    expect(draws.filter((d) => d > 0).length).toBeGreaterThan(5)
    expect(Math.max(...draws)).toBeLessThanOrEqual(1000)
  })

  it('a harness first capture (compact_migrate_scanned 0) draws none: its layout says nothing of it', async () => {
    const drawn: boolean[] = []
    for (const seed of [1, 3]) {
      const s = await loadSnapshot(join(FIXTURES, RUN), { capture: CAP, layout: 'synthesized', seed })
      drawn.push(s.model.build.notes.some((n) => /zone Normal: full compactions earlier in the boot/.test(n)))
    }
    expect(drawn).toEqual([false, true])
    for (const seed of [1, 3, 6, 7]) {
      const s = await loadSnapshot(join(FIXTURES, 'x86-1G-s12-nopin-cm'), { capture: '02-before', layout: 'synthesized', seed })
      expect(s.capture.vmstat!['compact_migrate_scanned'] ?? 0).toBe(0)
      expect(s.model.build.notes.join('\n')).not.toMatch(/full compactions earlier in the boot/)
    }
  }, 120_000)

  it(`${RUN}: compact_migrate_scanned (2819071) lies in its band`, async () => {
    const c = await bandCell(RUN, CAP, 'compact_migrate_scanned', { set: setEmptiedBottomRule, on: true })
    expect(c.real).toBe(2819071)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)

  it('switched off, the band lies below the real value', async () => {
    setEmptiedBottomRule(false)
    try {
      const c = (await synthBandRow(FIXTURES, RUN, CAP))!.cells['compact_migrate_scanned']
      expect(c.hi, bandText(c)).toBeLessThan(c.real)
    } finally {
      setEmptiedBottomRule(true)
    }
  }, 300_000)
})
