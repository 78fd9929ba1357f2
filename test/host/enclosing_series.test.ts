/**
 * A capture folder opened on its own, inside the series folder it belongs to (a harness run, or
 * `test/harness/capture-host.sh OUTDIR cm@1`: OUTDIR/steps.log beside OUTDIR/01-before), gets the
 * series' context: the trigger that followed it, its CPU and its logged deltas, so `whatif compact
 * DIR/01-before` answers as `whatif compact DIR --capture 01-before` does.
 */
import { describe, expect, it, vi } from 'vitest'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seriesContext } from '../../host/series.ts'
import { OpenedPath } from '../../host/snapshot.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const RUN = join(FIXTURES, 'x86-1G-s27-tools1')

describe('a capture folder inside its series folder', () => {
  it('has the series\' context: the trigger after it (cm@1, CPU 1) and the CPU its tools ran on', async () => {
    const alone = await seriesContext(join(RUN, '02-before'), null)
    const chosen = await seriesContext(RUN, '02-before')
    expect(alone).not.toBeNull()
    expect(alone!.trigger?.cpu).toBe(1)
    expect(alone!.captureCpu).toBe(1)
    expect(alone).toEqual(chosen)
  })

  it('opens the enclosing series once', async () => {
    const spy = vi.spyOn(OpenedPath.prototype, 'series')
    try {
      await seriesContext(join(RUN, '02-before'), null)
      const paths = spy.mock.contexts.map((o) => (o as OpenedPath).path)
      expect(paths.filter((p) => p === RUN)).toHaveLength(1)
    } finally {
      spy.mockRestore()
    }
  })

  it('none when the folder is alone (no steps.log beside it)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bs-alone-'))
    try {
      cpSync(join(RUN, '02-before'), join(tmp, '02-before'), { recursive: true })
      expect(await seriesContext(join(tmp, '02-before'), null)).toBeNull()
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('whatif compact on the capture folder gives the series\' answer, the trigger\'s CPU and the real outcome beside it', async () => {
    const alone = await whatifCompact({ path: join(RUN, '02-before'), layout: 'exact', seed: 1 }, {})
    const chosen = await whatifCompact({ path: RUN, capture: '02-before', layout: 'exact', seed: 1 }, {})
    expect(alone.assumptions.some((a) => a.startsWith('CPU 1 runs the compaction: the series\' steps.log'))).toBe(true)
    expect(alone.counters).toEqual(chosen.counters)
    expect(alone.after).toEqual(chosen.after)
  }, 120000)
})
