/**
 * The capture's own tools' pages go on the list of the CPU the tools ran on: steps.log records it
 * in harness runs with gt_capcpu (`cap 2-before cpu=C`), and `whatif compact` on such a capture
 * puts them there (fixtures/x86-1G-s27-tools1: tools and trigger on CPU 1, their pageblocks merge);
 * a capture that does not record it says the default in its assumptions.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { seriesContext } from '../../host/series.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

describe('the CPU the capture\'s tools ran on', () => {
  it('is read from steps.log (`cap N-label cpu=C`), null where the run does not log it', async () => {
    expect((await seriesContext(join(FIXTURES, 'x86-1G-s27-tools1'), '02-before'))!.captureCpu).toBe(1)
    expect((await seriesContext(join(FIXTURES, 'x86-1G-s27-tools0'), '02-before'))!.captureCpu).toBe(0)
    expect((await seriesContext(join(FIXTURES, 'x86-1G-s22-cpu0'), '02-before'))!.captureCpu).toBeNull()
  })

  it('whatif compact frees the tools\' pages to that CPU\'s list; the default is stated where it is not recorded', async () => {
    const tools1 = await whatifCompact({ path: join(FIXTURES, 'x86-1G-s27-tools1'), capture: '02-before', layout: 'exact', seed: 1 }, {})
    expect(tools1.assumptions.find((a) => a.startsWith('the capture\'s own tools'))).toMatch(/CPU 1, as the series records/)
    const s22 = await whatifCompact({ path: join(FIXTURES, 'x86-1G-s22-cpu0'), capture: '02-before', layout: 'exact', seed: 1 }, {})
    expect(s22.assumptions.find((a) => a.startsWith('the capture\'s own tools'))).toMatch(/not recorded in this capture: taken as the lowest-numbered CPU/)
  }, 120000)
})
