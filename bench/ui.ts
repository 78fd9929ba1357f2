/**
 * The app in headless Chromium (browser mode, the real host):
 *  - open a 64 GiB summary snapshot (synthesized layout) → time until the first chart is painted
 *    with its data (the open's summary stage), and until the model is built (the snapshot's tab);
 *  - the same two for a 1 TiB machine;
 *  - the pageblock map of a 1 TiB machine (524,288 pageblocks): first paint and a zoom frame, as
 *    the canvas reports them (data-draw-ms), next to a bare LUT fill + putImageData of a grid of
 *    the same size in the same page.
 * Targets: map frames ≤ 3 × the bare draw; first chart ≤ 1 s.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { serve } from '../serve/server.ts'
import { findChromium } from '../test/e2e/browser.ts'
import { syntheticMachine } from './capture.ts'
import { MACHINE_SEED } from './synth.ts'
import { median, now } from './util.ts'

/** the few browser globals the page-side functions use (this file is checked without the DOM lib) */
interface Win {
  document: {
    querySelector(s: string): { getAttribute(n: string): string | null; width?: number } | null
    querySelectorAll(s: string): { length: number }
  }
  requestAnimationFrame(f: () => void): number
}

export interface UiBench {
  /** 64 GiB: open → the free-area chart painted with its data (the summary stage) */
  openToChartMs: number
  /** 64 GiB: open → the model built (the snapshot's tab, every view) */
  openToModelMs: number
  /** 1 TiB: open → the free-area chart painted with its data */
  openRunChartMs: number
  /** 1 TiB: open → the model built */
  openRunMs: number
  mapPageblocks: number
  firstPaintMs: number
  zoomMs: number[]
  bareMs: number[]
  /** the bare draw's first (cold) run, and the median of its warm runs */
  bareColdMs: number
  bareWarmMs: number
  /** first paint / bare first run; zoom frame / bare warm run */
  firstPaintRatio: number
  zoomRatio: number
}

function writeCapture(bytes: number, dir: string): string {
  const m = syntheticMachine(bytes, MACHINE_SEED)
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(m.texts)) writeFileSync(join(dir, name), text)
  return dir
}

/**
 * Until the free-area chart shows another capture's data than `before` (a zone "Normal", which the
 * 512 MiB start-up capture lacks) on a drawn canvas, then one animation frame so it is on screen.
 */
async function chartPainted(page: Page, before: string | null): Promise<void> {
  await page.waitForFunction((b) => {
    const d = (globalThis as unknown as Win).document
    const chart = d.querySelector('[data-testid="free-area-chart"]')
    const c = d.querySelector('[data-testid="free-area-chart"] canvas')
    const series = chart?.getAttribute('data-series') ?? ''
    return series !== b && series.includes('"Normal"') && c !== null && (c.width ?? 0) > 0
  }, before, { timeout: 120000 })
  await page.evaluate(() => new Promise((r) => (globalThis as unknown as Win).requestAnimationFrame(() => r(null))))
}

export async function benchUi(log: (l: string) => void): Promise<UiBench> {
  const tmp = mkdtempSync(join(tmpdir(), 'buddyscope-uibench-'))
  const cap64 = writeCapture(64 * 2 ** 30, join(tmp, 'synthetic-64G'))
  const cap1t = writeCapture(1024 * 2 ** 30, join(tmp, 'synthetic-1T'))
  const server = await serve({ snapshot: join(import.meta.dirname, '..', 'fixtures', 'x86-512M-s1-compact', '02-before'), port: 0, log: () => {} })
  const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    // 1. the app is up on a small capture, showing Free areas; open the 64 GiB summary snapshot
    //    (Open › path) and time until its free-area chart is painted
    const tLoad = now()
    await page.goto(server.url)
    await page.getByTestId('layout-badge').waitFor({ timeout: 60000 })
    const loadMs = now() - tLoad
    await page.getByTestId('tab-free-areas').click()
    await page.getByTestId('free-area-chart').waitFor()
    const before = await page.getByTestId('free-area-chart').getAttribute('data-series')
    await page.getByTestId('open-button').click()
    await page.getByTestId('open-path-input').fill(cap64)
    const t0 = now()
    await page.getByTestId('open-path-button').click()
    await chartPainted(page, before)
    const openToChartMs = now() - t0
    await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelectorAll('[data-testid="snapshot-tab"]').length >= 2, undefined, { timeout: 120000 })
    const openToModelMs = now() - t0
    log(`  app start on a 512 MiB capture: ${loadMs.toFixed(0)} ms; opening a 64 GiB summary snapshot → its first chart painted: ${openToChartMs.toFixed(0)} ms, → its model built (every view): ${openToModelMs.toFixed(0)} ms`)

    // 2. the 1 TiB map
    await page.getByTestId('open-button').click()
    await page.getByTestId('open-path-input').fill(cap1t)
    const before1t = await page.getByTestId('free-area-chart').getAttribute('data-series')
    const t1 = now()
    await page.getByTestId('open-path-button').click()
    await chartPainted(page, before1t)
    const openRunChartMs = now() - t1
    await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelectorAll('[data-testid="snapshot-tab"]').length >= 3, undefined, { timeout: 120000 })
    const openRunMs = now() - t1
    await page.getByTestId('tab-pageblocks').click()
    const canvas = page.getByTestId('pageblock-canvas')
    await canvas.waitFor()
    await page.getByTestId('open-button').click().catch(() => {})
    await page.keyboard.press('Escape')
    await page.waitForFunction(() => {
      const c = (globalThis as unknown as Win).document.querySelector('[data-testid="pageblock-canvas"]')
      return Number(c?.getAttribute('data-pageblocks') ?? 0) > 500000 && c?.getAttribute('data-draw-ms') !== null
    }, undefined, { timeout: 60000 })
    const firstPaintMs = Number(await canvas.getAttribute('data-draw-ms'))
    const mapPageblocks = Number(await canvas.getAttribute('data-pageblocks'))
    log(`  1 TiB machine (${mapPageblocks} pageblocks): first chart painted in ${openRunChartMs.toFixed(0)} ms, model built in ${openRunMs.toFixed(0)} ms; map first paint ${firstPaintMs.toFixed(1)} ms`)
    const box = (await canvas.boundingBox())!
    const zoomMs: number[] = []
    for (let i = 0; i < 6; i++) {
      const before = await canvas.getAttribute('data-scale')
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      await page.mouse.wheel(0, i % 2 === 0 ? -240 : 240)
      await page.waitForFunction((b) => (globalThis as unknown as Win).document.querySelector('[data-testid="pageblock-canvas"]')?.getAttribute('data-scale') !== b, before, { timeout: 10000 })
      zoomMs.push(Number(await canvas.getAttribute('data-draw-ms')))
    }
    // bare draw of a grid of the same size: LUT fill + putImageData, in the same page
    const cols = Number(await canvas.getAttribute('data-cols'))
    const box2 = (await canvas.boundingBox())!
    // the bare draw: LUT fill + putImageData of the grid, then one scaled drawImage onto a canvas
    // of the map's on-screen size (what any display of the grid must do)
    const bareMs = (await page.evaluate(new Function(`
      const n = ${mapPageblocks}, c = ${cols}, rows = Math.ceil(n / c)
      const off = document.createElement('canvas'); off.width = c; off.height = rows
      const octx = off.getContext('2d')
      const screen = document.createElement('canvas'); screen.width = ${Math.round(box2.width)}; screen.height = ${Math.round(box2.height)}
      document.body.appendChild(screen)
      const sctx = screen.getContext('2d')
      const mt = new Uint8Array(n)
      for (let i = 0; i < n; i++) mt[i] = (i * 2654435761) % 5
      const lut = new Uint32Array([0xff4c4ce6, 0xff6aa03a, 0xff3c9cf0, 0xffd9669b, 0xff8a8a8a])
      const out = []
      for (let r = 0; r < 7; r++) {
        const t = performance.now()
        const img = octx.createImageData(c, rows)
        const px = new Uint32Array(img.data.buffer)
        for (let i = 0; i < n; i++) px[i] = lut[mt[i]]
        octx.putImageData(img, 0, 0)
        sctx.imageSmoothingEnabled = false
        sctx.drawImage(off, 0, 0, screen.width, screen.height)
        sctx.getImageData(0, 0, 1, 1)
        out.push(performance.now() - t)
      }
      screen.remove()
      return out
    `) as () => number[]))
    const bareCold = bareMs[0]!
    const bare = median(bareMs.slice(2))
    log(`  map zoom frames ${zoomMs.map((x) => x.toFixed(1)).join(', ')} ms; bare LUT fill + putImageData + scaled drawImage of ${mapPageblocks} cells: first ${bareCold.toFixed(1)} ms, then ${bareMs.slice(1).map((x) => x.toFixed(1)).join(', ')} ms`)
    return { openToChartMs, openToModelMs, openRunChartMs, openRunMs, mapPageblocks, firstPaintMs, zoomMs, bareMs, bareColdMs: bareCold, bareWarmMs: bare, firstPaintRatio: firstPaintMs / bareCold, zoomRatio: median(zoomMs) / bare }
  } finally {
    await browser.close()
    await server.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
