/**
 * A capture folder opened on its own inside a series (the run folder holds steps.log) gets the
 * layout the series gives it: after a full compaction the synthesized layout is packed and holds
 * the pages that compaction left behind, and the exact layout types the pageblocks above the
 * meeting point as after one (host/series.ts withEnclosingSeries, host/load.ts
 * compactionsBeforeOpened, packedInEnclosingSeries). Opened both ways, the models are the same
 * page for page.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { loadSnapshot } from '../../host/load.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0

describe.each([
  { run: 'x86-512M-s1-compact', label: '03-after-compact-node' },
  { run: 'x86-1G-s15-k612-nopin', label: '03-after-compact-node' },
])('$run/$label opened by its folder and through its series', ({ run, label }) => {
  for (const layout of ['synthesized', 'exact'] as const) {
    it(`${layout} layout: the same model`, async () => {
      const viaSeries = await loadSnapshot(join(FIXTURES, run), { capture: label, layout, seed: 3 })
      const viaFolder = await loadSnapshot(join(FIXTURES, run, label), { layout, seed: 3 })
      const a = viaSeries.model
      const b = viaFolder.model
      expect(same(a.memMap, b.memMap)).toBe(true)
      expect(same(a.pageblockMt, b.pageblockMt)).toBe(true)
      expect(b.build.notes).toEqual(a.build.notes)
    }, 120000)
  }
  it('synthesized: the layout follows the full compaction before it (not the one of a capture without a series)', async () => {
    const m = (await loadSnapshot(join(FIXTURES, run, label), { layout: 'synthesized', seed: 3 })).model
    expect(m.build.notes.join('\n')).toMatch(/compaction/i)
  }, 120000)
})
