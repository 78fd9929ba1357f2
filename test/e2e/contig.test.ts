/**
 * End to end: open the arm64 CMA capture (cma=128M), run the CMA what-if for 64 MiB in the app,
 * and see the verdict, the windows tried and the blocking pages, with a link to their pages.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let e: E2E

beforeAll(async () => {
  e = await startE2E(join(FIXTURES, 'arm64-1G-s6-cma-compact'))
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
}, 90000)

afterAll(async () => {
  await e?.close()
})

describe('CMA what-if in the app', () => {
  it('shows the verdict, the windows tried and the pages that block them', async () => {
    await e.page.getByTestId('tab-whatif').click()
    await e.page.getByTestId('whatif-what').selectOption('cma')
    await e.page.getByTestId('contig-panel').waitFor()
    await e.page.getByTestId('contig-cma-size').fill('64M')
    await e.page.getByTestId('contig-run').click()
    const verdict = e.page.getByTestId('contig-verdict')
    await verdict.waitFor({ timeout: 60000 })
    expect(await verdict.getAttribute('data-success')).toBe('true')
    const text = await verdict.innerText()
    expect(text).toContain('64 MiB')
    expect(text).toMatch(/window 3/)
    const map = e.page.getByTestId('contig-map')
    const windows = JSON.parse((await map.getAttribute('data-windows'))!) as Array<{ startPfn: number; result: string; ok: boolean }>
    expect(windows.length).toBe(3)
    expect(windows.map((w) => w.ok)).toEqual([false, false, true])
    expect(windows[2]!.startPfn).toBe(487424)
    const rows = e.page.getByTestId('contig-blocker-row')
    expect(await rows.count()).toBeGreaterThan(0)
    expect(await rows.first().getAttribute('data-kind')).toBe('pinned')
    const pb = await rows.first().getAttribute('data-pageblock')
    await rows.first().click()
    const detail = e.page.getByTestId('page-detail')
    await detail.waitFor()
    expect(await detail.getAttribute('data-pageblock')).toBe(pb)
    await e.page.screenshot({ path: join(SHOTS, 'whatif-cma.png'), fullPage: true })
  })

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})
