/**
 * A capture of the developers' own 24 GiB machine (6.18, deferred_init=lazy: most of zone Normal
 * not yet initialised, a PCI hole in DMA32) in the app: the map holds pagetypeinfo's pageblock
 * counts, with the uninitialised memory and the hole outside the buddy allocator's view.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
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

describe('free areas of this machine: captured is captured, the model beside it', () => {
  it('shows buddyinfo\'s and pagetypeinfo\'s numbers, and the model\'s rows where they differ, with the reason', async () => {
    const buddy = readFileSync(join(CAPTURE, 'buddyinfo'), 'utf8').split('\n').find((l) => /zone\s+Normal/.test(l))!.trim().split(/\s+/).slice(4).map(Number)
    await e.page.getByTestId('tab-free-areas').click()
    const card = e.page.locator('.table-card', { hasText: 'Node 0, zone Normal' })
    await card.waitFor()
    const total = card.locator('tr.total td.num')
    const shown = (await total.allInnerTexts()).map((t) => Number(t.replace(/[^\d]/g, '')))
    expect(shown).toEqual(buddy)
    expect(await card.locator('tr.total td').first().innerText()).toBe('all (buddyinfo)')
    // pagetypeinfo puts 708 free blocks on the Unmovable list at order 2: shown as captured
    const unmovable = card.locator('tr', { hasText: 'Unmovable' }).first().locator('td.num')
    expect(Number((await unmovable.nth(2).innerText()).replace(/[^\d]/g, ''))).toBe(708)
    await expect.poll(() => card.getByTestId('free-model-note').count()).toBe(1)
    expect(await card.getByTestId('free-model-note').innerText()).toMatch(/kpageflags, read moments after these files/)
    await e.page.screenshot({ path: join(SHOTS, 'host-6.18-free-areas.png'), fullPage: true })
  })
})
