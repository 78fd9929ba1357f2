/**
 * End to end: reports exported from the CLI and from browser mode, then opened in Chromium with
 * the network off. They render with no console error and no request, and their free-area tables
 * hold the capture's own buddyinfo numbers; the diff and the timeline sections show their charts
 * and the diff's map with its outlines. The PDF is turned into PNGs with pdftoppm (poppler)
 * for a person to look at; the screenshots go to test-results/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { parseBuddyinfo } from '../../engine/index.ts'
import { findChromium, SHOTS, startE2E, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { runCli } from '../helpers/cli_harness.ts'

const X86 = join(FIXTURES, 'x86-512M-s1-compact')
const HOST = join(FIXTURES, 'host-24G-k618-a')
const FEWPIN = join(FIXTURES, 'x86-2G-s13-fewpin')

let work: string
let browser: Browser
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-report-e2e-'))
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu'] })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  rmSync(work, { recursive: true, force: true })
})

/** buddyinfo rows of a capture, by "node:zone" */
function buddyinfoOf(captureDir: string): Record<string, number[]> {
  const out: Record<string, number[]> = {}
  for (const r of parseBuddyinfo(readFileSync(join(captureDir, 'buddyinfo'), 'utf8')).rows) out[`${r.node}:${r.zone}`] = r.nrFree
  return out
}

/** Open a report offline; its console errors, the requests it made, and each free-area table's buddyinfo row. */
async function openReport(file: string, shot: string, sections: Record<string, string> = {}): Promise<{ errors: string[]; requests: string[]; rows: Record<string, number[]>; headings: string[]; page: { charts: Record<string, number>; maps: Record<string, number>; marks: Record<string, string[]> } }> {
  const ctx = await browser.newContext({ offline: true, javaScriptEnabled: false, viewport: { width: 1200, height: 900 } })
  const page = await ctx.newPage()
  const errors: string[] = []
  const requests: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()) })
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`))
  await page.goto(pathToFileURL(file).href)
  const rows: Record<string, number[]> = {}
  for (const t of await page.locator('table[id^="t-free-n"]').all()) {
    const id = (await t.getAttribute('id'))!
    const row = t.locator('tbody tr').filter({ hasText: 'all (buddyinfo, captured)' })
    if (await row.count() === 0) continue
    const cells = await row.locator('td').allInnerTexts()
    const [, node, zone] = /^t-free-n(\d+)-(.+)$/.exec(id)!
    rows[`${node}:${zone}`] = cells.map(Number)
  }
  const headings = await page.locator('h2').allInnerTexts()
  // per section (the diff's and the timeline's, by id prefix): its charts, its maps, the legend of a map's outlines
  const charts: Record<string, number> = {}
  const maps: Record<string, number> = {}
  const marks: Record<string, string[]> = {}
  for (const sec of await page.locator('section').all()) {
    const id = (await sec.getAttribute('id'))!
    charts[id] = await sec.locator('figure.chart svg').count()
    maps[id] = await sec.locator('figure.map img').count()
    marks[id] = await sec.locator('ul.legend.marks li').allInnerTexts()
  }
  // images decoded (the pageblock maps) and charts present
  const widths = await page.locator('figure.map img').evaluateAll((imgs) => imgs.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
  expect(widths.length).toBeGreaterThan(0)
  for (const w of widths) expect(w).toBeGreaterThan(0)
  expect(await page.locator('figure.chart svg').count()).toBeGreaterThan(0)
  await page.screenshot({ path: join(SHOTS, shot), fullPage: false })
  for (const [id, name] of Object.entries(sections)) {
    await page.locator(`section#${id}`).scrollIntoViewIfNeeded()
    await page.locator(`section#${id}`).screenshot({ path: join(SHOTS, name) })
  }
  await ctx.close()
  return { errors, requests, rows, headings, page: { charts, maps, marks } }
}

function expectBuddyinfo(rows: Record<string, number[]>, captureDir: string): void {
  const want = buddyinfoOf(captureDir)
  const got: Record<string, number[]> = {}
  for (const [k, v] of Object.entries(rows)) got[k.replace(/:(.*)$/, (_, z: string) => `:${z}`)] = v
  expect(Object.keys(got).length).toBe(Object.keys(want).length)
  for (const [k, v] of Object.entries(want)) expect(got[`${k.split(':')[0]}:${k.split(':')[1]!.toLowerCase()}`], k).toEqual(v)
}

describe('reports opened in a real browser, offline', () => {
  it('CLI: HTML of the x86 capture with a compaction what-if', async () => {
    const file = join(work, 'cli.html')
    const r = await runCli(['report', X86, '--whatif', 'compact', '--whatif', 'hugetlb --count 64', '-o', file])
    expect(r.code, r.err).toBe(0)
    const o = await openReport(file, 'report-cli.png')
    expect(o.errors).toEqual([])
    expect(o.requests).toEqual([])
    expectBuddyinfo(o.rows, join(X86, '02-before'))
    expect(o.headings).toEqual(expect.arrayContaining(['The machine and the capture', 'Free areas per zone and migratetype', 'Indices and fragmentation score', 'The pageblock map', 'What-if 1: compact', 'What-if 2: hugetlb --count 64', 'Provenance']))
  }, 180_000)

  it('CLI: HTML with the diff of a real compaction and the series\' timeline', async () => {
    const file = join(work, 'diff-timeline.html')
    const r = await runCli(['report', FEWPIN, '--capture', '02-before', '--diff', '03-after-compact-memory', '--timeline', '-o', file])
    expect(r.code, r.err).toBe(0)
    const o = await openReport(file, 'report-diff-timeline.png', { 'diff': 'report-diff.png', 'timeline-n0-dma32': 'report-timeline.png' })
    expect(o.errors).toEqual([])
    expect(o.requests).toEqual([])
    expectBuddyinfo(o.rows, join(FEWPIN, '02-before'))
    expect(o.headings).toEqual(expect.arrayContaining([`Diff: ${FEWPIN} [03-after-compact-memory] against this capture`, 'Timeline of the series']))
    // the diff: its map with the changed pageblocks outlined, and a chart per zone that changed
    expect(o.page.maps['diff']).toBe(1)
    expect(o.page.marks['diff']!.find((m) => m.startsWith('became wholly free'))).toMatch(/became wholly free \d{3}/)
    expect(o.page.charts['diff-n0-dma32']).toBe(1)
    expect(o.page.charts['diff-n0-dma']).toBe(0)
    // the timeline: the app's chart for each zone
    expect(o.page.charts['timeline-n0-dma32']).toBe(1)
    expect(o.page.charts['timeline-n0-dma']).toBe(1)
    const html = readFileSync(file, 'utf8')
    expect(html).toContain('fell most at 02-before')
    // what the text says the map outlines is what the diff counted as its main change
    const d = JSON.parse((await runCli(['diff', FEWPIN, '--capture', '02-before', '--to', '03-after-compact-memory', '--json'])).out) as { zones: Array<{ pageblocks: Array<{ changes: string[] }> }> }
    const free = d.zones.flatMap((z) => z.pageblocks).filter((b) => b.changes[0] === 'became-free').length
    expect(o.page.marks['diff']).toContain(`became wholly free ${free}`)
  }, 180_000)

  it('CLI: PDF of this machine\'s 24 GiB capture, pages as PNG', async () => {
    const file = join(work, 'host.pdf')
    const r = await runCli(['report', HOST, '--whatif', 'contig --size 2G', '-o', file])
    expect(r.code, r.err).toBe(0)
    const pdf = readFileSync(file)
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const pages = Number(/\/Type\s*\/Pages[^>]*\/Count (\d+)/.exec(pdf.toString('latin1'))?.[1] ?? 0)
    expect(pages).toBeGreaterThan(3)
    if (existsSync('/usr/bin/pdftoppm')) {
      execFileSync('pdftoppm', ['-r', '60', '-png', '-f', '1', '-l', '8', file, join(SHOTS, 'report-pdf')])
      expect(existsSync(join(SHOTS, 'report-pdf-1.png')) || existsSync(join(SHOTS, 'report-pdf-01.png'))).toBe(true)
    }
  }, 240_000)
})

describe('Export Report in browser mode', () => {
  let e: E2E
  afterAll(async () => {
    await e?.close()
  })

  it('exports the session\'s what-if as HTML, downloads it, and it opens offline', async () => {
    e = await startE2E(X86)
    const page = e.page
    await page.getByTestId('layout-badge').waitFor({ timeout: 60_000 })
    await page.getByTestId('tab-whatif').click()
    await page.getByTestId('whatif-run').click()
    await page.getByTestId('whatif-result').waitFor({ timeout: 90_000 })
    await page.getByTestId('export-button').click()
    await page.getByTestId('export-panel').waitFor()
    expect(await page.getByTestId('export-whatif').count()).toBe(1)
    // a capture of a series: the timeline is in, unless unticked
    expect(await page.getByTestId('export-timeline').isChecked()).toBe(true)
    await page.getByTestId('export-format').selectOption('html')
    await page.screenshot({ path: join(SHOTS, 'report-export-panel.png') })
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-run').click()])
    const file = join(work, download.suggestedFilename())
    await download.saveAs(file)
    expect(download.suggestedFilename()).toMatch(/^buddyscope-report-.*\.html$/)
    await page.getByTestId('export-done').waitFor()
    expect(e.errors).toEqual([])
    const o = await openReport(file, 'report-browser.png')
    expect(o.errors).toEqual([])
    expect(o.requests).toEqual([])
    expectBuddyinfo(o.rows, join(X86, '02-before'))
    expect(o.headings.find((h) => h.startsWith('What-if 1: compact')), o.headings.join(' | ')).toBeDefined()
    expect(o.headings).toContain('Timeline of the series')
    expect(o.page.charts['timeline-n0-dma32']).toBe(1)
    const html = readFileSync(file, 'utf8')
    expect(html).toContain('buddyscope whatif compact')

    // the same as Markdown: the before/after table per order in a fixed-width block
    await page.getByTestId('export-format').selectOption('md')
    const [md] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-run').click()])
    const mdFile = join(work, md.suggestedFilename())
    await md.saveAs(mdFile)
    expect(readFileSync(mdFile, 'utf8')).toMatch(/```text\n +0 +1 +2 .*\nbefore \(model\)/)

    // PDF: the host prints it with headless Chromium (browser mode has no printToPDF of its own)
    await page.getByTestId('export-format').selectOption('pdf')
    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 180_000 }), page.getByTestId('export-run').click()])
    const pdfFile = join(work, pdf.suggestedFilename())
    await pdf.saveAs(pdfFile)
    expect(pdf.suggestedFilename()).toMatch(/\.pdf$/)
    expect(readFileSync(pdfFile).subarray(0, 5).toString('latin1')).toBe('%PDF-')
    if (existsSync('/usr/bin/pdftoppm')) execFileSync('pdftoppm', ['-r', '60', '-png', '-f', '1', '-l', '1', pdfFile, join(SHOTS, 'report-browser-pdf')])
    expect(e.errors).toEqual([])
  }, 300_000)
})
