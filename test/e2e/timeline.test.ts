/**
 * End to end: a harness series (x86-1G-s2-hugetlb, six captures with a hugetlb pool grown on a
 * fragmented box, released, compact_memory, grown again) opened as a timeline: every capture is
 * on it with the numbers of its buddyinfo, every step of steps.log is a marker, a click on a
 * capture opens it, two clicks in compare mode pick a pair whose differences show.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E, type Win } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { parseBuddyinfo } from '../../engine/index.ts'

const RUN = join(FIXTURES, 'x86-1G-s2-hugetlb')
const LABELS = ['01-boot', '02-before', '03-after-hugetlb-2M-fragmented', '04-after-hugetlb-release', '05-after-compact-memory', '06-after-hugetlb-2M-compacted']

let e: E2E

beforeAll(async () => {
  e = await startE2E(RUN)
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
}, 90000)

afterAll(async () => {
  await e?.close()
})

interface PointAttr { label: string; time: number | null; x: number; steps: string[]; highOrderFreePages: number | null }

describe('the timeline of a series', () => {
  it('shows every capture of the series, with its buddyinfo numbers and the steps between them', async () => {
    const page = e.page
    await page.getByTestId('tab-timeline').click()
    await page.getByTestId('view-timeline').waitFor()
    const chart = page.getByTestId('timeline-chart')
    await chart.waitFor({ timeout: 30000 })
    const points = JSON.parse((await chart.getAttribute('data-points'))!) as PointAttr[]
    expect(points.map((p) => p.label)).toEqual(LABELS)
    expect(await chart.getAttribute('data-zone')).toBe('0:DMA32')
    for (const p of points) {
      const row = parseBuddyinfo(readFileSync(join(RUN, p.label, 'buddyinfo'), 'utf8')).rows.find((r) => r.zone === 'DMA32')!
      expect(p.highOrderFreePages).toBe(row.nrFree.reduce((s, n, o) => s + (o >= 9 ? n * 2 ** o : 0), 0))
    }
    expect(points[4]!.steps).toEqual(['compact_memory'])
    const markers = JSON.parse((await chart.getAttribute('data-markers'))!) as Array<{ text: string; x: number }>
    expect(markers.map((m) => m.text)).toEqual(['vm.compaction_proactiveness = 0', 'workload (6s)', 'hugetlb 2 MiB × 128 (got 115)', 'hugetlb 2 MiB release', 'compact_memory', 'hugetlb 2 MiB × 128 (got 128)'])
    expect(await page.getByTestId('timeline-axis').getAttribute('data-axis')).toBe('steps.log')
    expect(await page.getByTestId('timeline-point').count()).toBe(LABELS.length)
    // the mixed pageblocks from kpageflags arrive after the summary
    await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('[data-testid="timeline-detail-loading"]') === null, undefined, { timeout: 60000 })
    const story = await page.getByTestId('timeline-story').innerText()
    expect(story).toMatch(/fell most at 02-before \(−890 MiB, after workload \(6s\)\)/)
    expect(story).toMatch(/came back most at 04-after-hugetlb-release/)
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(SHOTS, 'timeline.png'), fullPage: true })
  }, 90000)

  it('a click on a capture opens it', async () => {
    const page = e.page
    expect(await page.getByTestId('series-select').inputValue()).toBe('02-before')
    await page.locator('[data-testid="timeline-point"][data-label="05-after-compact-memory"]').click()
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('[data-testid="series-select"]')?.value === '05-after-compact-memory', undefined, { timeout: 30000 })
    // still on the timeline, the opened capture marked
    await page.getByTestId('view-timeline').waitFor()
    expect(await page.locator('[data-testid="timeline-point"][data-label="05-after-compact-memory"]').getAttribute('class')).toContain('current')
  }, 60000)

  it('two clicks in compare mode pick a pair and show what changed between them', async () => {
    const page = e.page
    await page.locator('[data-testid="seg-timeline-click"] [data-value="compare"]').click()
    await page.locator('[data-testid="timeline-point"][data-label="04-after-hugetlb-release"]').click()
    await page.locator('[data-testid="timeline-point"][data-label="05-after-compact-memory"]').click()
    const pair = page.getByTestId('timeline-pair')
    await pair.waitFor()
    expect(await pair.getAttribute('data-a')).toBe('04-after-hugetlb-release')
    expect(await pair.getAttribute('data-b')).toBe('05-after-compact-memory')
    const d = JSON.parse((await pair.getAttribute('data-delta'))!) as { steps: string[]; counters: Record<string, number>; zones: Array<{ key: string; highOrderFreePages: number }> }
    expect(d.steps).toEqual(['compact_memory'])
    const vm = (label: string) => Object.fromEntries(readFileSync(join(RUN, label, 'vmstat'), 'utf8').trim().split('\n').map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]))
    expect(d.counters['pgmigrate_success']).toBe(vm('05-after-compact-memory')['pgmigrate_success']! - vm('04-after-hugetlb-release')['pgmigrate_success']!)
    expect(d.zones.find((z) => z.key === '0:DMA32')!.highOrderFreePages).toBe(53248 - 50176)
    await page.getByTestId('timeline-steps').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS, 'timeline-pair.png') })
    expect(e.errors).toEqual([])
  }, 60000)

  it('the picked pair opens in the Diff view, pageblock by pageblock', async () => {
    const page = e.page
    await page.getByTestId('timeline-pair-diff').click()
    await page.getByTestId('view-diff').waitFor()
    const map = page.getByTestId('diff-map')
    await map.waitFor({ timeout: 60000 })
    const label = (sel: string) => page.getByTestId(sel).evaluate((el) => (el as unknown as { selectedOptions: Array<{ textContent: string }> }).selectedOptions[0]?.textContent ?? '')
    expect(await label('diff-a')).toContain('04-after-hugetlb-release')
    expect(await label('diff-b')).toContain('05-after-compact-memory')
    // both captures have kpageflags: the blocks compact_memory changed are compared
    expect(await map.getAttribute('data-compared')).toBe('true')
    expect(Number(await map.getAttribute('data-changed'))).toBeGreaterThan(0)
    await page.screenshot({ path: join(SHOTS, 'timeline-diff.png') })
    expect(e.errors).toEqual([])
  }, 90000)
})
