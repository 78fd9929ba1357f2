/**
 * Semantic zoom on a real capture with kpageflags (x86 512 MiB, 6.1): zoomed far in, the
 * pageblock map draws the pages of the visible pageblocks in the page-level view's palette
 * (fetched for the visible blocks only); the page under the pointer is drawn in the colour of
 * its class, and that class agrees with the capture's own kpageflags. Zoomed out, blocks again.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E, type Win } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const CAPTURE = join(FIXTURES, 'x86-512M-s1-compact', '02-before')
const KPF_BUDDY = 1 << 10
const KPF_LRU = 1 << 5
let e: E2E

beforeAll(async () => {
  e = await startE2E(CAPTURE)
  await e.page.getByTestId('view-overview').waitFor({ timeout: 60000 })
}, 120000)

afterAll(async () => {
  await e?.close()
})

async function canvasData(): Promise<Record<string, string>> {
  return e.page.getByTestId('pageblock-canvas').evaluate((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset }))
}

describe('semantic zoom of the pageblock map (real capture with kpageflags)', () => {
  it('zoomed far in draws the pages of the visible pageblocks, each in the colour of its class; zoomed out, blocks', async () => {
    const p = e.page
    await p.getByTestId('tab-pageblocks').click()
    const canvas = p.getByTestId('pageblock-canvas')
    await canvas.waitFor()
    await p.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('[data-testid="pageblock-canvas"]')?.getAttribute('data-cols') !== null)
    expect((await canvasData())['pageMode']).toBe('0')
    let box = (await canvas.boundingBox())!
    // zoom at a point inside the map, in wheel steps, until the pages show
    await p.mouse.move(box.x + 92 + (box.width - 92) * 0.3, box.y + box.height * 0.4)
    for (let k = 0; k < 40 && (await canvasData())['pageMode'] !== '1'; k++) {
      await p.mouse.wheel(0, -400)
      await p.waitForTimeout(40)
    }
    await expect.poll(async () => Number((await canvasData())['pagesDrawn']) > 0, { timeout: 20000 }).toBe(true)
    await p.waitForTimeout(100)
    await p.screenshot({ path: join(SHOTS, 'semantic-zoom-threshold.png') })
    for (let k = 0; k < 6; k++) await p.mouse.wheel(0, -400)
    await expect.poll(async () => (await canvasData())['pageMode']).toBe('1')
    // every visible pageblock's pages arrive
    await expect.poll(async () => {
      const d = await canvasData()
      return Number(d['pagesDrawn']) > 0 && Number(d['pagesDrawn']) >= Number(d['visibleCells']) - 2
    }, { timeout: 20000 }).toBe(true)
    await expect(p.getByTestId('page-legend').count()).resolves.toBe(1)

    // hover pages along a row of the first visible pageblock: the tooltip names the page's class,
    // the canvas pixel there has its colour, and kpageflags says the same (free ⇔ KPF_BUDDY)
    box = (await canvas.boundingBox())!
    const d = await canvasData()
    const s = Number(d['scale']), ox = Number(d['ox']), oy = Number(d['oy']), cols = Number(d['cols']), gutter = Number(d['gutter'])
    const pw = s / 32
    const ph = s / 16
    const c0 = Math.max(0, Math.floor(-ox / s))
    const r0 = Math.max(0, Math.floor(-oy / s))
    // the first pageblock fully on screen
    const col = -ox > c0 * s ? c0 + 1 : c0
    const row = -oy > r0 * s ? r0 + 1 : r0
    const pb = row * cols + col
    const flags = readFileSync(join(CAPTURE, 'kpageflags'))
    const view = new DataView(flags.buffer, flags.byteOffset, flags.byteLength)
    const seen = new Map<string, number>()
    for (let page = 0; page < 512; page += 37) {
      const pc = page % 32
      const pr = Math.floor(page / 32)
      const x = gutter + ox + col * s + (pc + 0.5) * pw
      const y = oy + row * s + (pr + 0.5) * ph
      if (x > box.width - 4 || y > box.height - 4) continue
      await p.mouse.move(box.x + x, box.y + y)
      const tipPage = p.getByTestId('pageblock-tooltip-page')
      await tipPage.waitFor()
      const cls = (await tipPage.getAttribute('data-class'))!
      const text = await tipPage.innerText()
      const pfn = parseInt(/0x[0-9a-f]+/.exec(text)![0], 16)
      expect(pfn, JSON.stringify({ d, box, x, y })).toBe(pb * 512 + page)
      const lo = view.getUint32(pfn * 8, true)
      expect(cls === 'free', `PFN ${pfn}: ${cls}, kpageflags 0x${lo.toString(16)}`).toBe((lo & KPF_BUDDY) !== 0)
      if (lo & KPF_LRU) expect(['movable', 'file', 'unevictable', 'thp', 'pinned'], `PFN ${pfn}`).toContain(cls)
      seen.set(cls, (seen.get(cls) ?? 0) + 1)
      // the pixel under the pointer has the class's colour (the swatch beside the page's name)
      const swatch = await tipPage.locator('.swatch').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor)
      const px = await canvas.evaluate((el, at) => {
        const cv = el as unknown as { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
        return [...cv.getContext('2d').getImageData(at.x, at.y, 1, 1).data].slice(0, 3)
      }, { x: Math.round(x), y: Math.round(y) })
      expect(`rgb(${px.join(', ')})`, `PFN ${pfn} (${cls})`).toBe(swatch)
    }
    expect(seen.size, JSON.stringify([...seen])).toBeGreaterThanOrEqual(2)
    await p.screenshot({ path: join(SHOTS, 'semantic-zoom-pages.png') })

    // back out: block colours again
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await canvas.focus()
    await p.keyboard.press('0')
    await expect.poll(async () => (await canvasData())['pageMode']).toBe('0')
    expect(await p.getByTestId('page-legend').count()).toBe(0)
    expect(e.errors).toEqual([])
  }, 120000)
})
