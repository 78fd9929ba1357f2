/**
 * A capture of the developers' own 24 GiB machine (6.18, deferred_init=lazy: most of zone Normal
 * not yet initialised, a PCI hole in DMA32) in the app: the map holds pagetypeinfo's pageblock
 * counts, with the uninitialised memory and the hole outside the buddy allocator's view.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { startE2E, SHOTS, mapBlockCounts, pagetypeinfoBlockCounts, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const CAPTURE = join(FIXTURES, 'host-24G-k618-a', '01-before')
let e: E2E

beforeAll(async () => {
  e = await startE2E(CAPTURE)
  await e.page.getByTestId('view-overview').waitFor({ timeout: 60000 })
}, 120000)

afterAll(async () => {
  await e?.close()
})

describe('a capture of this machine (6.18, memory not yet initialised) in Chromium', () => {
  it('counts pageblocks per migratetype as pagetypeinfo does', async () => {
    const counts = await mapBlockCounts(e.page)
    const want = pagetypeinfoBlockCounts(CAPTURE)
    expect(want['Movable']).toBe(4139)
    for (const [mt, n] of Object.entries(want)) expect(counts[mt] ?? 0, mt).toBe(n)
    await e.page.screenshot({ path: join(SHOTS, 'host-6.18-pageblocks.png') })
    expect(e.errors).toEqual([])
  })
})
