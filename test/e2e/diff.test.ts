/**
 * End to end: open a harness series (x86 2 GiB, 6.1), diff its capture before a write to
 * compact_memory with the one after it, and see the pageblock map mark the blocks the real
 * compaction made wholly free; click one for its pages.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { cellPixelsOf, clickCell, mapGeometry, startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { diffPaths, type CaptureDiffJson } from '../../host/diff.ts'

const SERIES = join(FIXTURES, 'x86-2G-s13-fewpin')
let e: E2E
let cli: CaptureDiffJson

beforeAll(async () => {
  e = await startE2E(SERIES)
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
  cli = await diffPaths([SERIES], { layout: 'auto', seed: 1 })
}, 90000)

afterAll(async () => {
  await e?.close()
})

interface Doc {
  document: {
    querySelector(s: string): { getAttribute(n: string): string | null } | null
    documentElement: { dataset: Record<string, string | undefined> }
  }
}

describe('diff of two captures in the app', () => {
  it('diffs before with after-compaction and marks the blocks the real compaction freed', async () => {
    const p = e.page
    try {
      await run(p)
    } catch (err) {
      await p.screenshot({ path: join(SHOTS, 'diff-failed.png') })
      throw err
    }
  }, 120000)

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})

async function run(p: E2E['page']): Promise<void> {
  {
    await p.getByTestId('tab-diff').click()
    await p.getByTestId('view-diff').waitFor()
    await p.getByTestId('diff-empty').waitFor()
    await p.getByTestId('diff-with-03-after-compact-memory').click()
    const map = p.locator('[data-testid="diff-map"][data-compared="true"]')
    await map.waitFor({ timeout: 60000 })
    await p.waitForFunction(() => (globalThis as unknown as Doc).document.querySelector('[data-testid="diff-map-canvas"]')?.getAttribute('data-cols') != null, undefined, { timeout: 30000 })
    expect(await p.getByTestId('snapshot-tab').count()).toBe(2)
    expect(await p.getByTestId('diff-a').inputValue()).not.toBe(await p.getByTestId('diff-b').inputValue())

    // the free areas are the captured buddyinfo's: order 9 +98, order 10 +101 in DMA32
    const zones = JSON.parse((await p.getByTestId('diff-free-chart').getAttribute('data-zones'))!) as Array<{ zone: string; freeBlocksDelta: number[]; source: string }>
    const dma32 = zones.find((z) => z.zone === 'DMA32')!
    expect(dma32.source).toBe('buddyinfo')
    expect(dma32.freeBlocksDelta[9]).toBe(98)
    expect(dma32.freeBlocksDelta[10]).toBe(101)

    // the same pageblocks as `buddyscope diff` lists
    const freedCli = cli.zones.flatMap((z) => z.pageblocks).filter((b) => b.changes[0] === 'became-free')
    const counts = JSON.parse((await map.getAttribute('data-counts'))!) as Record<string, number>
    expect(counts['became-free']).toBe(cli.zones.reduce((s, z) => s + (z.changeCounts?.['became-free'] ?? 0), 0))
    expect(Number(await p.getByTestId('diff-change-became-free').getAttribute('data-main'))).toBe(freedCli.length)
    expect(freedCli.length).toBeGreaterThanOrEqual(300)
    expect(Number(await map.getAttribute('data-marked'))).toBeGreaterThanOrEqual(freedCli.length)

    // the canvas draws the became-free outline colour over such a block, and not over an unchanged one
    const canvas = p.getByTestId('diff-map-canvas')
    await canvas.scrollIntoViewIfNeeded()
    const g = await mapGeometry(canvas)
    expect(g.scale).toBeGreaterThanOrEqual(5)
    const block = freedCli[Math.floor(freedCli.length / 2)]!.pageblock
    const unchanged = Array.from({ length: 1024 }, (_, i) => i).find((i) => i > 8 && !cli.zones.some((z) => z.pageblocks.some((b) => b.pageblock === i)))!
    // the became-free outline colour
    const colourAt = (i: number) => cellPixelsOf(canvas, g, i, { light: [0x0b, 0x63, 0xd8], dark: [0xff, 0xd4, 0x3b] })
    expect(await colourAt(block)).toBeGreaterThan(0)
    expect(await colourAt(unchanged)).toBe(0)
    await p.getByTestId('diff-pick').scrollIntoViewIfNeeded()
    await p.screenshot({ path: join(SHOTS, 'diff.png') })

    // click the block: its pages were freed, none allocated
    await p.getByTestId('diff-block').scrollIntoViewIfNeeded()
    await clickCell(p, canvas, g, block)
    await p.locator(`[data-testid="diff-block"][data-pageblock="${block}"]`).waitFor()
    expect(await p.getByTestId('diff-block-changes').innerText()).toMatch(/^became wholly free/)
    const pages = p.locator(`[data-testid="diff-pages"][data-pageblock="${block}"]`)
    await pages.waitFor({ timeout: 30000 })
    expect(Number(await pages.getAttribute('data-freed'))).toBeGreaterThan(0)
    expect(Number(await pages.getAttribute('data-allocated'))).toBe(0)
    expect(await pages.locator('tbody tr').first().getAttribute('data-change')).toBe('freed')
    await p.getByTestId('diff-map').scrollIntoViewIfNeeded()
    await p.screenshot({ path: join(SHOTS, 'diff-map.png') })
    await pages.scrollIntoViewIfNeeded()
    await p.screenshot({ path: join(SHOTS, 'diff-pages.png') })
    await p.getByTestId('theme-toggle').click()
    await p.getByTestId('diff-map').scrollIntoViewIfNeeded()
    await p.screenshot({ path: join(SHOTS, 'diff-map-other-theme.png') })
    expect(await p.getByTestId('error-banner').count()).toBe(0)
  }
}
