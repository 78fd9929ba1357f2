/**
 * End to end, in Debian's Chromium against browser mode (`buddyscope serve`): open a real
 * capture, check the charts against the captured files, hover and click the pageblock map,
 * and open a malformed snapshot (clear error, the previous snapshot still usable).
 * Screenshots of every view go to test-results/e2e/ (look at them).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cellCentre, mapGeometry, startE2E, SHOTS, mapBlockCounts, pagetypeinfoBlockCounts, type E2E, type Win } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { kpageflagNames, parseBuddyinfo } from '../../engine/index.ts'

const CAPTURE = join(FIXTURES, 'x86-512M-s1-compact', '04-after-compact-memory')
let e: E2E

beforeAll(async () => {
  e = await startE2E(CAPTURE)
  await e.page.getByTestId('view-overview').waitFor({ timeout: 30000 })
  await e.page.getByTestId('layout-badge').waitFor()
}, 90000)

afterAll(async () => {
  await e?.close()
})

async function showView(name: 'overview' | 'free-areas' | 'indices' | 'pageblocks'): Promise<void> {
  await e.page.getByTestId(`tab-${name}`).click()
  await e.page.getByTestId(`view-${name}`).waitFor()
}

describe('the app in Chromium (browser mode)', () => {
  it('opens the real capture with its exact layout and says so', async () => {
    expect(await e.page.getByTestId('layout-badge').getAttribute('data-layout')).toBe('exact')
    await expect(e.page.getByTestId('zones-table').innerText()).resolves.toContain('DMA32')
    await e.page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true })
  })

  it('shows the captured buddyinfo numbers in the free-area chart', async () => {
    await showView('free-areas')
    await e.page.getByTestId('zone-select').selectOption('all')
    const chart = e.page.getByTestId('free-area-chart')
    await chart.waitFor()
    await e.page.waitForFunction(() => ((globalThis as unknown as Win).document.querySelector('[data-testid="free-area-chart"]')?.getAttribute('data-series') ?? '').length > 2)
    const series = JSON.parse((await chart.getAttribute('data-series'))!) as Array<{ node: number; zone: string; blocks: Record<string, Record<string, number>> }>
    const captured = parseBuddyinfo(readFileSync(join(CAPTURE, 'buddyinfo'), 'utf8'))
    for (const row of captured.rows) {
      const s = series.find((x) => x.node === row.node && x.zone === row.zone)
      expect(s, `${row.zone} in the chart`).toBeTruthy()
      const perOrder = row.nrFree.map((_, o) => Object.values(s!.blocks[String(o)] ?? {}).reduce((a, b) => a + b, 0))
      expect(perOrder).toEqual(row.nrFree)
    }
    await e.page.screenshot({ path: join(SHOTS, 'free-areas.png'), fullPage: true })
  })

  it('draws the fragmentation indices', async () => {
    await showView('indices')
    await e.page.getByTestId('indices-chart').waitFor()
    await e.page.screenshot({ path: join(SHOTS, 'indices.png'), fullPage: true })
  })

  it('holds the captured number of pageblocks per migratetype in the map, with a tooltip and the page-level view', async () => {
    const counts = await mapBlockCounts(e.page)
    const canvas = e.page.getByTestId('pageblock-canvas')
    for (const [mt, n] of Object.entries(pagetypeinfoBlockCounts(CAPTURE))) expect(counts[mt] ?? 0, mt).toBe(n)
    // hover the cell of pageblock 100 (geometry published by the canvas)
    const pb = 100
    const at = cellCentre(await mapGeometry(canvas), pb)
    await canvas.hover({ position: at })
    const tip = e.page.getByTestId('pageblock-tooltip')
    await tip.waitFor()
    expect(await tip.getAttribute('data-pageblock')).toBe(String(pb))
    const text = await tip.innerText()
    expect(text.toLowerCase()).toContain('0xc800') // pageblock 100 starts at PFN 100 × 512 = 0xc800
    expect(text.toLowerCase()).toContain('0xc800000') // physical address 0xc800 × 4096
    await e.page.screenshot({ path: join(SHOTS, 'pageblocks-hover.png') })
    await canvas.click({ position: at })
    const detail = e.page.getByTestId('page-detail')
    await detail.waitFor()
    expect(await detail.getAttribute('data-start-pfn')).toBe('51200')
    // hovering a page shows its kpageflags and kpagecount as the capture has them
    const grid = e.page.getByTestId('page-grid')
    await grid.hover({ position: { x: 3, y: 3 } })
    const flags = readFileSync(join(CAPTURE, 'kpageflags'))
    const lo = flags.readUInt32LE(51200 * 8)
    const hi = flags.readUInt32LE(51200 * 8 + 4)
    const count = readFileSync(join(CAPTURE, 'kpagecount')).readUInt32LE(51200 * 8)
    await e.page.getByTestId('page-kpageflags').waitFor()
    expect(await e.page.getByTestId('page-kpageflags').innerText()).toBe(`kpageflags ${kpageflagNames(lo, hi).join(' ') || 'no flags'}`)
    expect(await e.page.getByTestId('page-kpagecount').innerText()).toBe(`kpagecount ${count}`)
    await e.page.screenshot({ path: join(SHOTS, 'page-detail.png'), fullPage: true })
  })

  it('zooms the map from its toolbar (+, −, Fit)', async () => {
    await mapBlockCounts(e.page)
    const canvas = e.page.getByTestId('pageblock-canvas')
    const scale = async (): Promise<number> => Number(await canvas.getAttribute('data-scale'))
    // one step at a time: each waits for the canvas to publish its new scale
    const step = async (title: string, expectMore: boolean): Promise<void> => {
      const was = await scale()
      await e.page.getByTitle(title).click()
      if (expectMore) await expect.poll(scale).toBeGreaterThan(was)
      else await expect.poll(scale).toBeLessThan(was)
    }
    await step('Zoom in (+)', true)
    await step('Zoom out (−)', false)
    await step('Zoom in (+)', true)
    await step('Show the whole map (0)', false)
  })

  it('shows a clear error for a malformed snapshot and keeps the previous one usable', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'bs-e2e-bad-'))
    for (const f of ['zoneinfo', 'pagetypeinfo', 'meminfo']) copyFileSync(join(CAPTURE, f), join(bad, f))
    writeFileSync(join(bad, 'buddyinfo'), 'Node 0, zone      DMA      0      0\nNode 0, zone    DMA32  1 2 3\n')
    await e.page.getByTestId('open-button').click()
    await e.page.getByTestId('open-path-input').fill(bad)
    await e.page.getByTestId('open-path-button').click()
    const banner = e.page.getByTestId('error-banner')
    await banner.waitFor({ timeout: 30000 })
    const msg = await banner.innerText()
    expect(msg).toContain(join(bad, 'buddyinfo'))
    expect(msg).not.toContain('    at ')
    await e.page.screenshot({ path: join(SHOTS, 'error.png'), fullPage: true })
    // the previous snapshot still answers
    await e.page.keyboard.press('Escape')
    await showView('free-areas')
    const series = await e.page.getByTestId('free-area-chart').getAttribute('data-series')
    expect(JSON.parse(series!).length).toBeGreaterThan(0)
    expect(await e.page.getByTestId('layout-badge').getAttribute('data-layout')).toBe('exact')
  })

  it('at 1024 px, tabs that do not fit get a menu of every open snapshot', async () => {
    await e.page.setViewportSize({ width: 1024, height: 768 })
    const more = ['01-boot', '02-before', '03-after-compact-node', '05-after-hugetlb-2M-x64'].map((c) => join(FIXTURES, 'x86-512M-s1-compact', c))
      .concat(['02-before', '03-after-compact-node'].map((c) => join(FIXTURES, 'x86-512M-s11-nopin', c)))
    for (const p of more) {
      const before = await e.page.getByTestId('snapshot-tab').count()
      await e.page.getByTestId('open-button').click()
      await e.page.getByTestId('open-path-input').fill(p)
      await e.page.getByTestId('open-path-button').click()
      await expect.poll(() => e.page.getByTestId('snapshot-tab').count(), { timeout: 30000 }).toBe(before + 1)
    }
    const menu = e.page.getByTestId('tab-overflow')
    await menu.waitFor({ timeout: 10000 })
    const ids = await menu.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))
    expect(ids.length).toBe(await e.page.getByTestId('snapshot-tab').count())
    await menu.selectOption(ids[0]!)
    await expect.poll(() => e.page.locator('[data-testid="snapshot-tab"][aria-selected="true"]').innerText()).toContain('04-after-compact-memory')
    await e.page.screenshot({ path: join(SHOTS, 'tabs-1024.png') })
    // the later tests of this file see one snapshot again
    for (let n = await e.page.getByTestId('snapshot-tab').count(); n > 1; n--) {
      await e.page.locator('[data-testid="snapshot-tab"]').last().locator('.stab-close').click()
      await expect.poll(() => e.page.getByTestId('snapshot-tab').count()).toBe(n - 1)
    }
    await e.page.setViewportSize({ width: 1440, height: 900 })
  }, 120000)

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})
