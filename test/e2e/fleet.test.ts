/**
 * End to end: a folder of captures (two exact kpageflags captures, a sosreport, a broken file)
 * opened as a fleet from the Open panel: one row per capture and the error row, a histogram
 * above the numeric columns, sorting by the fragmentation score, two hosts compared, and a click
 * on a row opening its capture; the header's Fleet button brings the fleet back.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let e: E2E
let work: string
let dir: string

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bs-e2e-fleet-'))
  dir = join(work, 'fleet')
  mkdirSync(dir)
  cpSync(join(FIXTURES, 'x86-512M-s1-compact', '02-before'), join(dir, 'a-x86'), { recursive: true })
  cpSync(join(FIXTURES, 'arm64-1G-s18-nopin', '02-before'), join(dir, 'b-arm64'), { recursive: true })
  cpSync(join(FIXTURES, 'imports', 'sosreport-vm-k618'), join(dir, 'c-sos'), { recursive: true })
  writeFileSync(join(dir, 'd-broken.txt'), 'not a capture\n')
  e = await startE2E(null)
  // the host opens its bundled capture first
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
}, 90000)

afterAll(async () => {
  await e?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('a fleet of captures in the app', () => {
  it('opens a folder as a fleet, sorts it, compares two hosts and opens a row', async () => {
    const p = e.page
    try {
      await run(p)
    } catch (err) {
      await p.screenshot({ path: join(SHOTS, 'fleet-failed.png') })
      throw err
    }
  }, 120000)

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})

async function run(p: E2E['page']): Promise<void> {
  await p.getByTestId('open-button').click()
  await p.getByTestId('open-fleet-toggle').click()
  await p.getByTestId('open-fleet-input').fill(dir)
  await p.getByTestId('open-fleet-button').click()
  await p.getByTestId('fleet-table').waitFor({ timeout: 60000 })
  const rows = p.getByTestId('fleet-row')
  expect(await rows.count()).toBe(4)
  expect((await p.getByTestId('fleet-count').textContent())?.replace(/\s+/g, ' ').trim()).toBe('4 captures, 1 unreadable')
  const paths = async (): Promise<string[]> => (await rows.evaluateAll((els) => els.map((x) => x.getAttribute('data-path') ?? '')))
  expect((await paths()).sort()).toEqual(['a-x86', 'b-arm64', 'c-sos', 'd-broken.txt'].map((n) => join(dir, n)))
  const broken = p.locator(`[data-testid="fleet-row"][data-error="yes"]`)
  expect(await broken.count()).toBe(1)
  expect(await broken.getAttribute('data-path')).toBe(join(dir, 'd-broken.txt'))
  expect(await broken.locator('[data-col="error"]').textContent()).toContain('cannot tell which capture file this is')
  // the exact captures have clean 2 MiB ranges; the sosreport (summaries only) has none
  const cellOf = (name: string, col: string) => p.locator(`[data-testid="fleet-row"][data-path="${join(dir, name)}"] [data-col="${col}"]`)
  expect(await cellOf('a-x86', 'clean2MiB').textContent()).toMatch(/\d+ \/ \d+/)
  expect((await cellOf('c-sos', 'clean2MiB').textContent())?.trim()).toBe('—')
  expect((await cellOf('c-sos', 'host').textContent())?.trim()).toBe('vm')
  // a histogram above each numeric column that has values
  for (const c of ['uptime', 'freeGe2MiB', 'clean2MiB', 'score', 'findings']) await p.getByTestId(`fleet-hist-${c}`).locator('canvas').first().waitFor()

  // sorted by the fragmentation score, then the other way round; the error row stays last
  const scores = async (): Promise<number[]> => (await p.locator('[data-testid="fleet-row"] [data-col="score"]').allTextContents()).map((t) => t.trim()).filter((t) => t !== '').map(Number)
  await p.getByTestId('fleet-sort-score').click()
  expect(await p.getByTestId('fleet-table').getAttribute('data-sort')).toBe('score:asc')
  const up = await scores()
  expect(up).toHaveLength(3)
  expect(up).toEqual([...up].sort((a, b) => a - b))
  await p.getByTestId('fleet-sort-score').click()
  expect(await p.getByTestId('fleet-table').getAttribute('data-sort')).toBe('score:desc')
  expect(await scores()).toEqual([...up].reverse())
  expect((await paths())[3]).toBe(join(dir, 'd-broken.txt'))

  // two hosts compared
  await p.locator(`[data-testid="fleet-row"][data-path="${join(dir, 'a-x86')}"] [data-testid="fleet-select"]`).check()
  await p.locator(`[data-testid="fleet-row"][data-path="${join(dir, 'b-arm64')}"] [data-testid="fleet-select"]`).check()
  const cmp = p.getByTestId('fleet-compare')
  await cmp.waitFor()
  expect(await cmp.locator('thead th').count()).toBe(3)
  // in the table's order (score, descending)
  expect((await cmp.locator('tr[data-col="kernel"] td').allTextContents()).sort()).toEqual(['6.1.0-56-amd64', '6.1.0-56-arm64'])
  expect((await cellOf('a-x86', 'kernel').textContent())!.trim()).toBe('6.1.0-56-amd64')
  await p.waitForTimeout(300)
  await p.screenshot({ path: join(SHOTS, 'fleet.png'), fullPage: true })

  // a click on the error row opens nothing; a click on a row opens its capture
  await broken.click()
  expect(await p.getByTestId('fleet-view').count()).toBe(1)
  await cellOf('a-x86', 'kernel').click()
  await p.locator('[data-testid="snapshot-tab"][aria-selected="true"][title*="a-x86"]').waitFor({ timeout: 60000 })
  await p.getByTestId('layout-badge').waitFor()
  expect(await p.getByTestId('fleet-view').count()).toBe(0)
  expect(await p.getByTestId('snapshot-tab').count()).toBe(2)
  await p.screenshot({ path: join(SHOTS, 'fleet-opened.png') })
  // the fleet is kept: the header brings it back, with the hosts still checked
  await p.getByTestId('fleet-button').click()
  await p.getByTestId('fleet-table').waitFor()
  expect(await p.getByTestId('fleet-compare').count()).toBe(1)
}
