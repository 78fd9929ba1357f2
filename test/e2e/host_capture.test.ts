/**
 * A capture of the developers' own 24 GiB machine (6.18, deferred_init=lazy: most of zone Normal
 * not yet initialised, a PCI hole in DMA32) in the app: the map holds pagetypeinfo's pageblock
 * counts, with the uninitialised memory and the hole outside the buddy allocator's view.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { parsePagetypeinfo } from '../../engine/index.ts'

interface Win {
  document: { querySelector(s: string): { getAttribute(n: string): string | null } | null }
}

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
    await e.page.getByTestId('tab-pageblocks').click()
    const canvas = e.page.getByTestId('pageblock-canvas')
    await canvas.waitFor()
    await e.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('[data-testid="pageblock-canvas"]')?.getAttribute('data-cols') !== null)
    const counts = JSON.parse((await canvas.getAttribute('data-counts'))!) as Record<string, number>
    const pti = parsePagetypeinfo(readFileSync(join(CAPTURE, 'pagetypeinfo'), 'utf8'))
    const want: Record<string, number> = {}
    for (const r of pti.blocks) pti.migratetypes.forEach((mt, i) => { want[mt] = (want[mt] ?? 0) + r.counts[i]! })
    expect(want['Movable']).toBe(4139)
    for (const [mt, n] of Object.entries(want)) expect(counts[mt] ?? 0, mt).toBe(n)
    await e.page.screenshot({ path: join(SHOTS, 'host-6.18-pageblocks.png') })
    expect(e.errors).toEqual([])
  })
})
