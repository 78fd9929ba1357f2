/**
 * End to end: open a compaction-trigger capture (x86-512M-s1-compact/02-before, followed in its
 * series by a write to node0/compact), run the what-if compaction in the app, and see the
 * prediction next to what the real kernel produced.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

let e: E2E

beforeAll(async () => {
  e = await startE2E(join(FIXTURES, 'x86-512M-s1-compact'))
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
}, 90000)

afterAll(async () => {
  await e?.close()
})

describe('what-if compaction in the app', () => {
  it('runs full compaction and shows predicted vs real for the captured trigger', async () => {
    await e.page.getByTestId('tab-whatif').click()
    await e.page.getByTestId('view-whatif').waitFor()
    await e.page.getByTestId('whatif-run').click()
    const result = e.page.getByTestId('whatif-result')
    await result.waitFor({ timeout: 60000 })
    expect(await result.getAttribute('data-result')).toBe('complete')
    const vsReal = e.page.getByTestId('whatif-vs-real')
    await vsReal.waitFor()
    const text = await vsReal.innerText()
    expect(text).toContain('node0/compact')
    expect(text).toContain('DMA32')
    const countersEl = e.page.getByTestId('whatif-counters')
    expect(await countersEl.innerText()).toContain('pgmigrate_success')
    const counters = JSON.parse((await countersEl.getAttribute('data-counters'))!) as Record<string, { real?: number; predicted?: number }>
    expect(counters['pgmigrate_success']!.real).toBe(16268) // the real kernel's delta for the step, from steps.log
    expect(counters['pgmigrate_success']!.predicted).toBeGreaterThan(14000)
    await e.page.getByTestId('whatif-replay').waitFor()
    const map = e.page.getByTestId('whatif-map')
    expect(Number(await map.getAttribute('data-changed'))).toBeGreaterThan(0)
    // steps.log of this shared-harness run does not log the trigger's CPU: the app says so, with the other CPU's outcome
    expect(await e.page.getByTestId('whatif-cpu-alternative').innerText()).toMatch(/^Which CPU runs the compaction is not in the capture: this run took CPU \d, whose per-cpu lists held the most pages \(--cpu picks one\)\. On CPU \d /)
    // the window and the host speak the same contract (a stale renderer build shows a banner)
    expect(await e.page.getByTestId('error-banner').count()).toBe(0)
    await e.page.screenshot({ path: join(SHOTS, 'whatif.png'), fullPage: true })
    // log scale: the DMA zone's single order-10 block (a count of 1) still has its bar
    await e.page.getByTestId('seg-whatif-scale').getByRole('radio', { name: 'Log' }).click()
    await e.page.locator('[data-testid="whatif-free-chart"][data-scale="log"]').waitFor()
    await e.page.getByTestId('whatif-free-chart').screenshot({ path: join(SHOTS, 'whatif-log.png') })
    // the Pinned overlay shows the what-if's own assumed pins, said to be assumed
    await e.page.getByTestId('seg-whatif-map-overlay').getByRole('radio', { name: 'Pinned (assumed)' }).click()
    const note = e.page.getByTestId('whatif-pins-note')
    await note.waitFor()
    expect(await note.innerText()).toMatch(/^2,048 pages assumed pinned by this what-if \(2048 pinned pages, chosen among \d+ anonymous pages with seed 1/)
    await note.scrollIntoViewIfNeeded()
    await e.page.screenshot({ path: join(SHOTS, 'whatif-pinned.png') })
  })

  it('an ensemble of seeds adds each counter\'s band, the interval one more run falls in, and says how often', async () => {
    await e.page.getByTestId('whatif-seeds').fill('3')
    const hint = e.page.getByText(/An ensemble of 3 runs/)
    await hint.waitFor()
    expect(await hint.innerText()).toContain('falls in 50 % of the time (90 % from 19 seeds)')
    await e.page.getByTestId('whatif-run').click()
    await expect.poll(async () => (await e.page.getByTestId('whatif-counters').innerText()).includes('50 % band'), { timeout: 120000 }).toBe(true)
    const counters = JSON.parse((await e.page.getByTestId('whatif-counters').getAttribute('data-counters'))!) as Record<string, { predicted: number; lo: number; median: number; hi: number; real?: number }>
    const c = counters['pgmigrate_success']!
    expect(c.lo).toBeLessThanOrEqual(c.median)
    expect(c.median).toBeLessThanOrEqual(c.hi)
    expect(c.hi).toBeGreaterThan(c.lo) // 3 pin seeds of 2048 pinned pages do not all migrate alike
    expect(c.real).toBe(16268)
    await e.page.getByTestId('whatif-counters').scrollIntoViewIfNeeded()
    await e.page.screenshot({ path: join(SHOTS, 'whatif-ensemble.png') })
    await e.page.getByTestId('whatif-seeds').fill('1')
  }, 180000)

  it('the capture selector switches the current tab to the other capture (no second tab)', async () => {
    expect(await e.page.getByTestId('snapshot-tab').count()).toBe(1)
    await e.page.getByTestId('series-select').selectOption('03-after-compact-node')
    await e.page.waitForFunction(() => {
      const d = (globalThis as unknown as { document: { querySelector(s: string): { value?: string } | null } }).document
      return d.querySelector('[data-testid="series-select"]')?.value === '03-after-compact-node'
    }, undefined, { timeout: 30000 })
    await expect.poll(() => e.page.getByTestId('snapshot-tab').allInnerTexts(), { timeout: 30000 }).toEqual([expect.stringContaining('03-after-compact-node')])
  })

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})
