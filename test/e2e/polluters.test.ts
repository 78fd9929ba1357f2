/**
 * End to end: open the page_owner capture (x86 512 MiB, the harness's own 6.1 kernel with
 * CONFIG_PAGE_OWNER), open the Polluters view, pick the top polluter and see its pageblocks
 * marked on the map; click one of them and see who allocated its pages.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { cellPixelsOf, clickCell, mapGeometry, startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { loadPolluters, type PollutersResult } from '../../host/polluters.ts'

const RUN = join(FIXTURES, 'x86-512M-s25-k61-page-owner-mix')
let e: E2E
let cli: PollutersResult

beforeAll(async () => {
  e = await startE2E(RUN)
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 60000 })
  cli = await loadPolluters(RUN)
}, 120000)

afterAll(async () => {
  await e?.close()
})

describe('the Polluters view', () => {
  it('marks the top polluter\'s pageblocks on the map and names the owners of a block\'s pages', async () => {
    const p = e.page
    try {
      await p.getByTestId('tab-polluters').click()
      const head = p.getByTestId('polluters-headline')
      await head.waitFor({ timeout: 90000 })
      expect(Number(await head.getAttribute('data-mixed'))).toBe(cli.report.mixedPageblocks)
      expect(await head.innerText()).toContain(`Unmovable memory is ${cli.report.unmovablePercent.toFixed(1)} %`)
      const top = cli.report.polluters[0]!
      const row = p.getByTestId('polluter-row-0')
      expect(Number(await row.getAttribute('data-pageblocks'))).toBe(top.pageblocks)
      expect(await row.innerText()).toContain(top.site)
      await row.click()
      const map = p.locator('[data-testid="polluters-map"][data-picked="0"]')
      await map.waitFor()
      expect(Number(await map.getAttribute('data-marked'))).toBe(top.pageblocks)
      await p.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-testid="polluters-map-canvas"]')?.getAttribute('data-cols') != null, undefined, { timeout: 30000 })

      // the mark colour is drawn over a marked block and not over an unmarked one
      const canvas = p.getByTestId('polluters-map-canvas')
      await canvas.scrollIntoViewIfNeeded()
      const g = await mapGeometry(canvas)
      const marked = new Set(top.blocks)
      const block = top.blocks[Math.floor(top.blocks.length / 2)]!
      const plain = Array.from({ length: 256 }, (_, i) => i).find((i) => i > 4 && !marked.has(i) && !marked.has(i - 1) && !marked.has(i + 1) && !marked.has(i - g.cols) && !marked.has(i + g.cols))!
      // the mark colour
      const colourAt = (i: number) => cellPixelsOf(canvas, g, i, { light: [0xd0, 0x02, 0x1b], dark: [0xff, 0x4d, 0x6d] })
      expect(await colourAt(block)).toBeGreaterThan(0)
      expect(await colourAt(plain)).toBe(0)
      await p.screenshot({ path: join(SHOTS, 'polluters.png'), fullPage: true })

      // click a marked block: page_owner names its pages' owners, the polluting ones among them
      await clickCell(p, canvas, g, block)
      const owners = p.locator(`[data-testid="page-owners"][data-pageblock="${block}"]`)
      await owners.waitFor()
      await owners.getByTestId('page-owner-row').first().waitFor({ timeout: 60000 })
      expect(await owners.locator('tr.polluting').count()).toBeGreaterThan(0)
      expect(await owners.innerText()).toContain(top.site)
      await p.screenshot({ path: join(SHOTS, 'polluters-owners.png'), fullPage: true })

      // the Pageblock map's page-level view of the same block names its pages' owners too
      await p.getByTestId('tab-pageblocks').click()
      const pcanvas = p.getByTestId('pageblock-canvas')
      await p.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-testid="pageblock-canvas"]')?.getAttribute('data-cols') != null, undefined, { timeout: 30000 })
      await clickCell(p, pcanvas, await mapGeometry(pcanvas), block)
      const list = p.getByTestId('pageblock-owners').getByTestId('page-owners-list')
      await list.waitFor({ timeout: 60000 })
      expect(Number(await list.getAttribute('data-polluting'))).toBeGreaterThan(0)
      await p.screenshot({ path: join(SHOTS, 'pageblocks-owners.png'), fullPage: true })
      expect(await p.getByTestId('error-banner').count()).toBe(0)
    } catch (err) {
      await p.screenshot({ path: join(SHOTS, 'polluters-failed.png'), fullPage: true })
      throw err
    }
  }, 240000)

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})
