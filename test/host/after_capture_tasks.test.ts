/**
 * What ran between a capture's page-flags read and the trigger, as the series records it: the
 * harness's buddyinfo re-read after kpageflags and kpagecount (after-kpage/), whose missing
 * order-0 blocks the capture's tools' pcp refills took (fixtures/x86-512M-s11-nopin: 32 more than
 * kpageflags' torn reads say; the kernel kept one such page in each of 17 pageblocks it nearly
 * vacated).
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { seriesContext } from '../../host/series.ts'
import { whatifCompact } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

describe('after the page-flags read', () => {
  it('reads the buddyinfo re-read (after-kpage/), null where the capture has none', async () => {
    const s11 = await seriesContext(join(FIXTURES, 'x86-512M-s11-nopin'), '02-before')
    expect(s11!.rereadBuddyinfo!.rows.find((r) => r.zone === 'DMA32')!.nrFree.slice(0, 3)).toEqual([18288, 6325, 559])
    expect((await seriesContext(join(FIXTURES, 'x86-512M-s1-compact'), '02-before'))!.rereadBuddyinfo ?? null).toBeNull()
  })

  it('whatif compact on x86-512M-s11-nopin takes the refilled order-0 blocks off the buddy allocator and keeps them off through the trigger: the ≥ 2 MiB free pages come within 10 % of the real 30720', async () => {
    const j = await whatifCompact({ path: join(FIXTURES, 'x86-512M-s11-nopin'), capture: '02-before', layout: 'exact', seed: 1 }, { node: 0 })
    expect(j.assumptions.find((a) => a.startsWith('buddyinfo read again'))).toMatch(/^buddyinfo read again after kpageflags and kpagecount lists 32 fewer order-0 free blocks/)
    const hi = j.after.zones.reduce((s, z) => s + z.freeBlocks.reduce((t, n, o) => t + (o >= 9 ? n * 2 ** o : 0), 0), 0)
    expect(Math.abs(hi - 30720) / 30720).toBeLessThanOrEqual(0.1)
  }, 120000)

  it('a malformed zoneinfo re-read is an error naming the series, the file and the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bs-reread-'))
    try {
      cpSync(join(FIXTURES, 'x86-512M-s11-nopin'), dir, { recursive: true })
      writeFileSync(join(dir, '02-before', 'after-kpage', 'zoneinfo'), 'Node 0, zone  Normal\n  pages free garbage\n')
      await expect(seriesContext(dir, '02-before')).rejects.toThrow(`${dir} (02-before/after-kpage/zoneinfo):2: expected the 'pages free' value as a non-negative decimal integer, found "garbage"`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
