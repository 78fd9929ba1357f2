/**
 * `buddyscope timeline <series> --trace FILE`: a trace's fallbacks (mm_page_alloc_extfrag) placed
 * between the captures of a series by /proc/uptime, with who stole which pageblock, when.
 *
 * No fixture pairs a series with a trace of the same boot (recording one writes to tracefs), so
 * the trace here is real lines of fixtures/imports/trace/vm-k618-extfrag.ftrace.txt with their
 * timestamps moved into the series' time span; everything else of each line is as recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runCli } from '../helpers/cli_harness.ts'

const SERIES = resolve(__dirname, '../../fixtures/x86-1G-s12-nopin-cm')
const TRACE = resolve(__dirname, '../../fixtures/imports/trace/vm-k618-extfrag.ftrace.txt')
// the series' captures at 3.90, 10.72, 12.82 and 13.61 s since boot (their uptime files)
const TIMES = [3.0, 11.0, 11.5, 13.0, 20.0]

let work: string
let trace: string
let lines: string[]
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'buddyscope-timeline-trace-'))
  // lines 2, 40, 70, 100, 130 of the real trace (different tasks and migratetype pairs)
  const all = readFileSync(TRACE, 'utf8').split('\n').filter((l) => l.includes('mm_page_alloc_extfrag:'))
  lines = [1, 39, 69, 99, 129].map((i, k) => all[i]!.replace(/ (\d+\.\d+): mm_page_alloc_extfrag:/, ` ${TIMES[k]!.toFixed(6)}: mm_page_alloc_extfrag:`))
  trace = join(work, 'trace.txt')
  writeFileSync(trace, `# tracer: nop\n#\n${lines.join('\n')}\n`)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

const MT = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']
function fields(l: string): { pfn: number; to: string; from: string; task: string; claimed: boolean } {
  const n = (k: string) => Number(new RegExp(` ${k}=(\\S+)`).exec(l)![1])
  return { pfn: parseInt(/pfn=0x([0-9a-f]+)/.exec(l)![1]!, 16), to: MT[n('alloc_migratetype')]!, from: MT[n('fallback_migratetype')]!, task: /^\s*(\S+?)-\d+ /.exec(l)![1]!, claimed: n('change_ownership') === 1 }
}

describe('buddyscope timeline --trace', () => {
  it('places each fallback between the captures it happened between, with its pageblock, task and time', async () => {
    const r = await runCli(['timeline', SERIES, '--summary-only', '--trace', trace, '--json'])
    expect(r.err).toBe('')
    const t = JSON.parse(r.out)
    expect(t.points.map((p: { uptime: number }) => p.uptime)).toEqual([3.9, 10.72, 12.82, 13.61])
    const iv = t.trace.intervals as Array<{ after: string | null; before: string | null; fallbacks: number; byPair: Record<string, number>; stolen: Array<{ pfn: number; ts: number; task: string; from: string; to: string; claimed: boolean }> }>
    expect(iv.map((x) => [x.after, x.before, x.fallbacks])).toEqual([
      [null, '01-boot', 1], ['01-boot', '02-before', 0], ['02-before', '03-after-compact-memory', 2], ['03-after-compact-memory', '04-after-compact-memory-2', 1], ['04-after-compact-memory-2', null, 1],
    ])
    const f = lines.map(fields)
    expect(iv[2]!.stolen).toEqual([1, 2].map((k) => ({ pfn: f[k]!.pfn - (f[k]!.pfn % 512), ts: TIMES[k], task: f[k]!.task, from: f[k]!.from, to: f[k]!.to, order: expect.any(Number), claimed: f[k]!.claimed })))
    expect(Object.values(iv[2]!.byPair).reduce((a, b) => a + b, 0)).toBe(2)
    expect(t.trace.notes).toEqual([])
    const text = await runCli(['timeline', SERIES, '--summary-only', '--trace', trace])
    expect(text.out).toContain('02-before → 03-after-compact-memory: 2 fallbacks')
    expect(text.out).toContain(`pfn 0x${(f[3]!.pfn - (f[3]!.pfn % 512)).toString(16)} `)
    expect(text.out).toContain('01-boot → 02-before: no fallbacks')
  })

  it('says so when no fallback lies within the series (the real trace is of another machine)', async () => {
    const r = await runCli(['timeline', SERIES, '--summary-only', '--trace', TRACE])
    expect(r.out).toContain('after 04-after-compact-memory-2: 137 fallbacks')
    expect(r.out).toMatch(/Note: none of the trace's 137 fallbacks lies between the captures/)
  })

  it('a capture without /proc/uptime, --csv, or a missing trace is a clear error', async () => {
    const copy = join(work, 'series')
    cpSync(SERIES, copy, { recursive: true })
    rmSync(join(copy, '02-before', 'uptime'))
    const r = await runCli(['timeline', copy, '--summary-only', '--trace', trace])
    expect(r.code).not.toBe(0)
    expect(r.err).toContain('02-before captured no /proc/uptime')
    expect((await runCli(['timeline', SERIES, '--trace', trace, '--csv'])).code).toBe(2)
    const m = await runCli(['timeline', SERIES, '--summary-only', '--trace', join(work, 'nope.txt')])
    expect(m.err).toContain('nope.txt: cannot read')
  })
})
