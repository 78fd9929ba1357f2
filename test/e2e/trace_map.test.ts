/**
 * End to end: the developers' 6.18 VM's sosreport opened, its Pageblock map shown, and a real
 * trace of that VM (mm_page_alloc_extfrag) opened alongside: the stolen pageblocks are outlined,
 * and a click on one says who stole it, when, from which migratetype.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { cellCentre, mapGeometry, startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'
import { loadTrace } from '../../host/trace.ts'

const SOS = join(FIXTURES, 'imports', 'sosreport-vm-k618')
const TRACE = join(FIXTURES, 'imports', 'trace', 'vm-k618-extfrag.ftrace.txt')
let e: E2E

beforeAll(async () => {
  e = await startE2E(SOS)
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
}, 90000)

afterAll(async () => {
  await e?.close()
})

describe('a trace on the pageblock map', () => {
  it('outlines the pageblocks the trace\'s fallbacks stole from and names who stole one, when', async () => {
    const p = e.page
    try {
      const t = await loadTrace(TRACE, { maxBlocks: 1e9 })
      await p.getByTestId('tab-pageblocks').click()
      const canvas = p.getByTestId('pageblock-canvas')
      await canvas.waitFor({ timeout: 30000 })
      await p.getByTestId('trace-toggle').click()
      await p.getByTestId('trace-path').fill(TRACE)
      await p.getByTestId('trace-open').click()
      const legend = p.getByTestId('trace-legend')
      await legend.waitFor({ timeout: 30000 })
      const stolen = Number(await legend.getAttribute('data-stolen'))
      const outside = Number(await legend.getAttribute('data-outside'))
      expect(stolen).toBeGreaterThan(0)
      expect(stolen + outside).toBe(t.blocks.length)
      const blocks = JSON.parse((await legend.getAttribute('data-blocks'))!) as Array<[number, number]>
      const [pb, n] = blocks[0]!
      await canvas.click({ position: cellCentre(await mapGeometry(canvas), pb) })
      const side = p.getByTestId('pageblock-stolen')
      await side.waitFor()
      expect(Number(await side.getAttribute('data-events'))).toBe(n)
      const text = await side.innerText()
      expect(text).toMatch(/at \d+\.\d{3} s: an order-\d+ block of (Movable|Unmovable|Reclaimable) taken for/)
      await p.waitForTimeout(300)
      await p.screenshot({ path: join(SHOTS, 'trace-map.png') })
    } catch (err) {
      await p.screenshot({ path: join(SHOTS, 'trace-map-failed.png') })
      throw err
    }
  }, 120000)

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x))).toEqual([])
  })
})
