/**
 * End-to-end harness: `buddyscope serve` in this process (127.0.0.1, random port, fixed token)
 * and Debian's Chromium driven by playwright-core. Chromium is found through CHROMIUM_PATH,
 * /usr/bin/chromium, or Playwright's own browser cache; without one the tests stop with a
 * message saying how to get it. Screenshots go to test-results/e2e/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { serve, type RunningServer } from '../../serve/server.ts'
import { parsePagetypeinfo } from '../../engine/index.ts'

export const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'e2e')

export function findChromium(): string {
  const env = process.env['CHROMIUM_PATH']
  if (env) {
    if (!existsSync(env)) throw new Error(`CHROMIUM_PATH=${env} does not exist`)
    return env
  }
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p
  const cache = process.env['PLAYWRIGHT_BROWSERS_PATH'] ?? join(homedir(), '.cache', 'ms-playwright')
  if (existsSync(cache)) {
    for (const d of readdirSync(cache).filter((x) => x.startsWith('chromium')).sort().reverse()) {
      for (const rel of ['chrome-linux/chrome', 'chrome-linux64/chrome']) {
        const p = join(cache, d, rel)
        if (existsSync(p)) return p
      }
    }
  }
  throw new Error('No Chromium for the browser tests. Install one: `apt install chromium` (Debian/Ubuntu), or `npx playwright install chromium` on a machine with internet, or set CHROMIUM_PATH to a Chromium/Chrome binary.')
}

export interface E2E {
  server: RunningServer
  browser: Browser
  page: Page
  /** console errors and page errors seen so far */
  errors: string[]
  close(): Promise<void>
}

export async function startE2E(snapshot: string | null): Promise<E2E> {
  const executablePath = findChromium()
  mkdirSync(SHOTS, { recursive: true })
  const server = await serve({ snapshot, port: 0, log: () => {}, token: 'e2e'.padEnd(48, '0') })
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  await page.goto(server.url)
  return {
    server, browser, page, errors,
    close: async () => {
      await browser.close()
      await server.close()
    },
  }
}

/** the browser globals the page-side predicates use (tests are checked without the DOM lib) */
export interface Win {
  document: { querySelector(s: string): { getAttribute(n: string): string | null } | null }
}

/** Open the pageblock map and return its pageblock counts per migratetype (the legend's numbers). */
export async function mapBlockCounts(page: Page): Promise<Record<string, number>> {
  await page.getByTestId('tab-pageblocks').click()
  await page.getByTestId('view-pageblocks').waitFor()
  const canvas = page.getByTestId('pageblock-canvas')
  await canvas.waitFor()
  await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('[data-testid="pageblock-canvas"]')?.getAttribute('data-cols') !== null)
  return JSON.parse((await canvas.getAttribute('data-counts'))!) as Record<string, number>
}

/** Pageblocks per migratetype as a capture's pagetypeinfo counts them, over all zones. */
export function pagetypeinfoBlockCounts(captureDir: string): Record<string, number> {
  const pti = parsePagetypeinfo(readFileSync(join(captureDir, 'pagetypeinfo'), 'utf8'))
  const want: Record<string, number> = {}
  for (const r of pti.blocks) pti.migratetypes.forEach((mt, i) => { want[mt] = (want[mt] ?? 0) + r.counts[i]! })
  return want
}

/** The geometry a pageblock canvas publishes on itself (data-cols, -scale, -ox, -oy, -gutter; CSS px). */
export interface MapGeometry {
  cols: number
  scale: number
  ox: number
  oy: number
  gutter: number
}

export async function mapGeometry(canvas: Locator): Promise<MapGeometry> {
  const a = async (n: string): Promise<number> => Number(await canvas.getAttribute(`data-${n}`))
  return { cols: await a('cols'), scale: await a('scale'), ox: await a('ox'), oy: await a('oy'), gutter: await a('gutter') }
}

/** The centre of pageblock `pb`'s cell, in CSS px from the canvas's top left (a `position` for hover or click). */
export function cellCentre(g: MapGeometry, pb: number): { x: number; y: number } {
  return { x: g.gutter + g.ox + (pb % g.cols) * g.scale + g.scale / 2, y: g.oy + Math.floor(pb / g.cols) * g.scale + g.scale / 2 }
}

/** Click pageblock `pb`'s cell with the mouse where the canvas is on screen now (nothing scrolls). */
export async function clickCell(page: Page, canvas: Locator, g: MapGeometry, pb: number): Promise<void> {
  const box = (await canvas.boundingBox())!
  const c = cellCentre(g, pb)
  await page.mouse.click(box.x + c.x, box.y + c.y)
}

type Rgb = [number, number, number]

/** How many device pixels of pageblock `pb`'s cell have (within 40, summed over R, G and B) the colour `rgb` gives for the page's theme. */
export function cellPixelsOf(canvas: Locator, g: MapGeometry, pb: number, rgb: { light: Rgb; dark: Rgb }): Promise<number> {
  return canvas.evaluate((el, { pb, g, rgb }) => {
    const d = (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document
    const cv = el as unknown as { getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }; width: number; clientWidth: number }
    const dpr = cv.width / cv.clientWidth
    const x = g.gutter + g.ox + (pb % g.cols) * g.scale
    const y = g.oy + Math.floor(pb / g.cols) * g.scale
    const img = cv.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), Math.round(g.scale * dpr), Math.round(g.scale * dpr)).data
    const want = d.documentElement.dataset['theme'] === 'dark' ? rgb.dark : rgb.light
    let n = 0
    for (let k = 0; k < img.length; k += 4) if (Math.abs(img[k]! - want[0]) + Math.abs(img[k + 1]! - want[1]) + Math.abs(img[k + 2]! - want[2]) < 40) n++
    return n
  }, { pb, g, rgb })
}
