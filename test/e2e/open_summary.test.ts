/**
 * End to end, in Chromium against browser mode: opening a big machine draws its free areas from
 * the capture's pagetypeinfo (and buddyinfo) while the model is still being built (run:summary),
 * then the snapshot arrives with every view and the same chart. A generated 1 TiB capture (no
 * kpageflags: the host synthesizes its layout, which takes seconds) makes the two stages apart.
 * Screenshots: test-results/e2e/opening-summary.png, opening-done.png.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E, type Win } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { syntheticMachine } from '../../bench/capture.ts'
import { parseBuddyinfo, parsePagetypeinfo } from '../../engine/index.ts'

let e: E2E
let tmp: string
let big: string
let pagetypeinfo: string
let buddyinfo: string

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'bs-e2e-summary-'))
  big = join(tmp, 'synthetic-1T')
  mkdirSync(big)
  const m = syntheticMachine(1024 * 2 ** 30, 3)
  for (const [name, text] of Object.entries(m.texts)) writeFileSync(join(big, name), text)
  pagetypeinfo = m.texts['pagetypeinfo']!
  buddyinfo = m.texts['buddyinfo']!
  e = await startE2E(join(FIXTURES, 'x86-512M-s1-compact', '02-before'))
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 60000 })
}, 120000)

afterAll(async () => {
  await e?.close()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

const seriesOf = (): Promise<string | null> => e.page.getByTestId('free-area-chart').getAttribute('data-series')

describe('opening a 1 TiB machine in the app', () => {
  it('draws its free areas while the model is built, then every view with the same numbers', async () => {
    await e.page.getByTestId('tab-free-areas').click()
    await e.page.getByTestId('free-area-chart').waitFor()
    await e.page.getByTestId('open-button').click()
    await e.page.getByTestId('open-path-input').fill(big)
    await e.page.getByTestId('open-path-button').click()

    // the summary stage: the chart of the capture's numbers, the model still building
    const preview = e.page.getByTestId('opening-preview')
    await preview.waitFor({ timeout: 30000 })
    await e.page.waitForFunction(() => {
      const d = (globalThis as unknown as Win).document
      return (d.querySelector('[data-testid="free-area-chart"]')?.getAttribute('data-series') ?? '').includes('"Normal"') && d.querySelector('[data-testid="free-area-chart"] canvas') !== null
    }, undefined, { timeout: 10000 })
    const early = await seriesOf()
    expect(await e.page.getByTestId('model-building').isVisible()).toBe(true)
    expect(await e.page.getByTestId('snapshot-tab').count()).toBe(1)
    // the zone shown: its free lists per migratetype and order are pagetypeinfo's, a list printed
    // ">100000" (the kernel's print cap) resolved from buddyinfo's total for the order
    const shown = JSON.parse(early!) as Array<{ node: number; zone: string; blocks: Record<string, Record<string, number>> }>
    expect(shown.length).toBeGreaterThan(0)
    const pti = parsePagetypeinfo(pagetypeinfo)
    const bi = parseBuddyinfo(buddyinfo)
    let resolved = 0
    for (const z of shown) {
      const rows = pti.free.filter((x) => x.node === z.node && x.zone === z.zone)
      for (const r of rows) {
        const got = r.counts.map((_, o) => z.blocks[String(o)]?.[r.migratetype] ?? 0)
        expect(got.filter((_, o) => !r.capped[o]), `${z.zone} ${r.migratetype}`).toEqual(r.counts.filter((_, o) => !r.capped[o]))
        for (let o = 0; o < r.counts.length; o++) {
          if (!r.capped[o]) continue
          resolved++
          const total = bi.rows.find((x) => x.node === z.node && x.zone === z.zone)!.nrFree[o]!
          expect(got[o]!, `${z.zone} ${r.migratetype} order ${o}`).toBeGreaterThan(100000)
          expect(rows.reduce((sum, x) => sum + (z.blocks[String(o)]?.[x.migratetype] ?? 0), 0), `${z.zone} order ${o}`).toBe(total)
        }
      }
    }
    expect(resolved).toBeGreaterThan(0) // the 1 TiB machine's big lists are printed ">100000"
    await e.page.screenshot({ path: join(SHOTS, 'opening-summary.png') })
    // still building when the screenshot was taken
    expect(await e.page.getByTestId('snapshot-tab').count()).toBe(1)

    // the model: the snapshot's tab and views, the same chart
    await expect.poll(() => e.page.getByTestId('snapshot-tab').count(), { timeout: 120000 }).toBe(2)
    expect(await preview.count()).toBe(0)
    expect(await e.page.getByTestId('layout-badge').getAttribute('data-layout')).toBe('synthesized')
    await e.page.getByTestId('free-area-chart').waitFor()
    expect(await seriesOf()).toBe(early)
    await e.page.screenshot({ path: join(SHOTS, 'opening-done.png') })
    expect(e.errors).toEqual([])
  }, 180000)
})
