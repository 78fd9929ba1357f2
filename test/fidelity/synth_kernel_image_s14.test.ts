/**
 * Synthesized layouts (issue #8, item 5): the kernel image where /proc/iomem places it, its
 * reserved sections apart (engine/reconstruct/synthesize.ts kernelImageRuns, kernelImageTypes).
 *
 * fixtures/x86-4G-s14-nopin-cpu0, 6.1, 4 GiB (DMA32 + Normal): KASLR put the kernel image in zone
 * DMA32 (iomem: Kernel code 6ca00000, bss ends 6fdfffff). memmap_init_range typed its pageblocks
 * Movable (DMA32 is not the node's last zone, so no deferred init there), and the gaps
 * free_kernel_image_pages() and free_initmem() freed between its sections hold free pages. A full
 * compaction's free scanner walks down through it: each run of wholly reserved pageblocks after a
 * pageblock it took from costs 512 + 256 + 128 + … pages (isolate_freepages doubles the stride
 * after a pageblock without a target, and resets it after one with). The exact layout's walk
 * (scripts/free-scan-walk.ts --zones) restarts 6 times in DMA32 (6576 pages scanned in 74
 * pageblocks without a target), the synthesized one, which drew the image as one run of
 * Unmovable pageblocks, 1–2 times (2112–3168): the real compact_free_scanned (374923) lay above
 * the band (368072–372171). With the image placed, the band holds it.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { setKernelImageRule } from '../../engine/reconstruct/synthesize.ts'
import { bandCell, bandText } from '../helpers/synth_band.ts'

const RUN = 'x86-4G-s14-nopin-cpu0'
const REAL = 374923

afterAll(() => setKernelImageRule(true))

describe('synthesized layouts: the kernel image\'s reserved sections where iomem places them, the gaps freed between them', () => {
  it(`${RUN}/02-before: the compact_free_scanned band holds the real value (${REAL})`, async () => {
    const c = await bandCell(RUN, '02-before', 'compact_free_scanned', { set: setKernelImageRule, on: true })
    expect(c.real).toBe(REAL)
    expect(c.inBand, bandText(c)).toBe(true)
  }, 300_000)

  it('with the image drawn as one run (the mechanism switched off), the real value lies above the band', async () => {
    const c = await bandCell(RUN, '02-before', 'compact_free_scanned', { set: setKernelImageRule, on: false })
    expect(c.hi, bandText(c)).toBeLessThan(REAL)
  }, 300_000)
})
