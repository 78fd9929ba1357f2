/**
 * End to end: a harness series (x86-1G-s12-nopin-cm: boot, before, compact_memory twice) opened as
 * a timeline, and a trace given in its Trace… row: the fallbacks land in the intervals between the
 * captures, counted per interval in the Fallbacks table, in the steps table and on the chart.
 *
 * No fixture pairs a series with a trace of the same boot (recording one writes to tracefs), so
 * the trace is real lines of fixtures/imports/trace/vm-k618-extfrag.ftrace.txt with their
 * timestamps moved into the series' time span, as test/cli/timeline_trace.test.ts makes it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startE2E, SHOTS, type E2E } from './browser.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const SERIES = join(FIXTURES, 'x86-1G-s12-nopin-cm')
const TRACE = join(FIXTURES, 'imports', 'trace', 'vm-k618-extfrag.ftrace.txt')
// the series' captures at 3.90, 10.72, 12.82 and 13.61 s since boot (their uptime files)
const TIMES = [3.0, 11.0, 11.5, 13.0, 20.0]
const MT = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']

let e: E2E
let work: string
let trace: string
let lines: string[]

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-e2e-timeline-trace-'))
  const all = readFileSync(TRACE, 'utf8').split('\n').filter((l) => l.includes('mm_page_alloc_extfrag:'))
  lines = [1, 39, 69, 99, 129].map((i, k) => all[i]!.replace(/ (\d+\.\d+): mm_page_alloc_extfrag:/, ` ${TIMES[k]!.toFixed(6)}: mm_page_alloc_extfrag:`))
  trace = join(work, 'trace.txt')
  writeFileSync(trace, `# tracer: nop\n#\n${lines.join('\n')}\n`)
  e = await startE2E(SERIES)
  await e.page.getByTestId('layout-badge').waitFor({ timeout: 30000 })
}, 90000)

afterAll(async () => {
  await e?.close()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** "Unmovable<-Movable" of a trace line, as the host counts it */
function pair(l: string): string {
  const n = (k: string) => Number(new RegExp(` ${k}=(\\S+)`).exec(l)![1])
  return `${MT[n('alloc_migratetype')]}<-${MT[n('fallback_migratetype')]}`
}

describe('a trace on the timeline', () => {
  it('counts the trace\'s fallbacks per interval between the captures', async () => {
    const p = e.page
    try {
      await p.getByTestId('tab-timeline').click()
      const chart = p.getByTestId('timeline-chart')
      await chart.waitFor({ timeout: 30000 })
      await p.getByTestId('trace-toggle').click()
      // a trace that is not there: the error names it, the timeline stays
      await p.getByTestId('trace-path').fill(join(work, 'nope.txt'))
      await p.getByTestId('trace-open').click()
      const err = p.getByTestId('timeline-trace-error')
      await err.waitFor({ timeout: 30000 })
      expect(await err.innerText()).toContain('nope.txt: cannot read')
      await chart.waitFor()

      await p.getByTestId('trace-path').fill(trace)
      await p.getByTestId('trace-open').click()
      const table = p.getByTestId('timeline-fallbacks')
      await table.waitFor({ timeout: 30000 })
      const rows = p.getByTestId('timeline-fallback')
      const got = await rows.evaluateAll((els) => els.map((el) => [el.getAttribute('data-after'), el.getAttribute('data-before'), Number(el.getAttribute('data-fallbacks'))]))
      expect(got).toEqual([
        ['', '01-boot', 1], ['01-boot', '02-before', 0], ['02-before', '03-after-compact-memory', 2], ['03-after-compact-memory', '04-after-compact-memory-2', 1], ['04-after-compact-memory-2', '', 1],
      ])
      // the interval with two: both lines' migratetype pairs are named in its row
      const two = await rows.nth(2).innerText()
      for (const l of lines.slice(1, 3)) expect(two).toContain(pair(l))
      // the chart draws the same counts, half-way between the captures
      const drawn = JSON.parse((await chart.getAttribute('data-fallbacks'))!) as Array<{ fallbacks: number; x: number }>
      expect(drawn.map((f) => f.fallbacks)).toEqual([1, 0, 2, 1, 1])
      expect(drawn[2]!.x).toBe(1.5)
      expect(await p.getByTestId('timeline-trace-legend').innerText()).toContain('fallbacks of the trace (5, ftrace)')
      // the steps table: the compact_memory between 02-before and 03 had two fallbacks around it
      const steps = await p.getByTestId('timeline-step-fallbacks').allInnerTexts()
      expect(steps.some((s) => s.startsWith('2 fallbacks'))).toBe(true)
      // the view scrolls inside the window: the counters' grid and the tables below it
      await table.scrollIntoViewIfNeeded()
      await p.waitForTimeout(300)
      await p.screenshot({ path: join(SHOTS, 'timeline-trace.png') })
    } catch (err) {
      await p.screenshot({ path: join(SHOTS, 'timeline-trace-failed.png'), fullPage: true })
      throw err
    }
  }, 120000)

  it('logged no page errors', () => {
    expect(e.errors.filter((x) => !/favicon/.test(x) && !/nope\.txt/.test(x))).toEqual([])
  })
})
