/**
 * The CPU the workload made its last frees on: fragwork logs it (workload.log `cpu phase4=C
 * last=L`), and `whatif compact` deals the sparsest-spread captured pcp pages to that CPU's list
 * (fixtures/x86-1G-s12-wl0-cpu0: workload and trigger on CPU 0, which held fewer pcp pages than
 * CPU 1; dealt to the CPU holding the most, the model kept the workload's last frees off the
 * buddy allocator and predicted 17920 free pages in ≥ 2 MiB blocks where the kernel made 102912).
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { seriesContext } from '../../host/series.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const hi = (rows: Array<{ freeBlocks: number[] }>): number => rows.reduce((s, z) => s + z.freeBlocks.reduce((t, n, o) => t + (o >= 9 ? n * 2 ** o : 0), 0), 0)

describe('the CPU the workload made its last frees on', () => {
  it('is read from workload.log (`cpu phase4=C last=L`), null where the run does not log it', async () => {
    expect((await seriesContext(join(FIXTURES, 'x86-1G-s12-wl0-cpu0'), '02-before'))!.workloadCpu).toBe(0)
    expect((await seriesContext(join(FIXTURES, 'x86-1G-s12-wl1-cpu1'), '02-before'))!.workloadCpu).toBe(1)
    expect((await seriesContext(join(FIXTURES, 'x86-1G-s22-cpu0'), '02-before'))!.workloadCpu).toBeNull()
  })

  it('whatif compact deals the sparse pcp pages to its list: the trigger on that CPU frees them and their pageblocks merge', async () => {
    const j = await whatifCompact({ path: join(FIXTURES, 'x86-1G-s12-wl0-cpu0'), capture: '02-before', layout: 'exact', seed: 1 }, {})
    expect(j.assumptions.some((a) => /sparsest-spread ones are dealt to CPU 0, where the workload log says/.test(a))).toBe(true)
    const predicted = hi(j.after.zones)
    // real: 102912 (03-after-compact-memory); dealt to the CPU holding the most: 17920
    expect(Math.abs(predicted - 102912) / 102912).toBeLessThanOrEqual(0.10)
  }, 120000)
})
