/**
 * Pinned pages where kpageflags shows them: get_user_pages marks every page it takes referenced
 * (gup_pte_range → SetPageReferenced on the fast path, FOLL_TOUCH → mark_page_accessed on the slow
 * one), so the harness workload's vmsplice pins are the anonymous LRU pages with KPF_REFERENCED
 * (MemoryModel.referencedAnon, engine/reconstruct/exact.ts), and engine/whatif/pins.ts places the
 * pins there first; before, after a full compaction it placed them on the anonymous pages a full
 * compaction would still move, the rest at random.
 *
 * Held to the traced 6.1 trigger (fixtures/arm64-1G-s6-cma-compact-ctrace-cpu1, ctrace.txt.gz):
 * in its second compaction the scanners meet in pageblock 0x5b200, where the migrate scanner's
 * second pass is a rescan (cc->rescan: the pageblock of the last migration) and takes the whole
 * rest of the pageblock at once; the free scanner ran out of targets, so the pages it took beyond
 * the targets were put back, counted in compact_isolated all the same. The kernel took 32 + 198
 * there; the model took 32 + 176 with pins on 26 of that pageblock's anonymous pages (those a full
 * compaction would still move), and takes 229 with the pins on its 4 referenced ones (and one of
 * the 3 pins beyond the 1021 referenced pages).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { runCompactWhatIf } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions, setPagesWrittenBeforeTrigger } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const ARM = 'arm64-1G-s6-cma-compact-ctrace-cpu1'

/** nr_taken of the mm_compaction_isolate_migratepages events of trigger `n` in pageblock `pb` (PFN of its start) */
function kernelTaken(run: string, n: number, pb: number): number {
  const lines = gunzipSync(readFileSync(join(FIXTURES, run, 'ctrace.txt.gz'))).toString('utf8').split('\n')
  const from = lines.findIndex((l) => l.includes(`gt ctron ${n}`))
  const to = lines.findIndex((l) => l.includes(`gt ctroff ${n}`))
  expect(to > from && from >= 0, `trace markers of trigger ${n}`).toBe(true)
  let t = 0
  for (const l of lines.slice(from, to)) {
    const m = /mm_compaction_isolate_migratepages: range=\((0x[0-9a-f]+) ~ 0x[0-9a-f]+\) nr_scanned=\d+ nr_taken=(\d+)/.exec(l)
    if (m && (parseInt(m[1]!, 16) & ~511) === pb) t += Number(m[2])
  }
  return t
}

/** the what-if as the CLI runs it on the exact layout (pins from workload.log, seed 1), with the referenced pages listed or not */
async function run(runName: string, cap: string, referenced = true): Promise<{ counters: Record<string, number>; takenIn: (pb: number) => number; listed: number }> {
  const path = join(FIXTURES, runName)
  const ctx = (await seriesContext(path, cap))!
  const snap = await loadSnapshot(join(path, cap), { layout: 'exact', seed: 1 })
  const listed = snap.model.referencedAnon.size
  if (!referenced) snap.model.referencedAnon.clear()
  const opts = { ...(await compactOptions(snap, ctx, { pinned: 'auto' }, 1).options(1)), eventLimit: 1_000_000 }
  const r = runCompactWhatIf(snap.model, snap.allocator, opts, snap.capture.machine.hpageOrder)
  const takenIn = (pb: number): number => r.events.reduce((t, e) => t + (e.name === 'mm_compaction_isolate_migratepages' && (e.startPfn & ~511) === pb ? e.nrTaken : 0), 0)
  return { counters: r.counters, takenIn, listed }
}

const err = (a: number, b: number): number => a / b - 1

describe('pins on the pages get_user_pages marked referenced', () => {
  // the pins' rule alone: without the pages written between the capture and the trigger (another
  // rule of second compactions, host/whatif/compact.ts setPagesWrittenBeforeTrigger). With both,
  // x86-2G-s23-k612-cpu0/03 overshoots (214 against 118) while each alone holds it, and the traced
  // arm64 run's rescanned pageblock gives 237 (docs/fidelity-causes.json)
  beforeAll(() => { setPagesWrittenBeforeTrigger(false) })
  afterAll(() => { setPagesWrittenBeforeTrigger(true) })

  it('the exact layout lists the workload\'s vmsplice pins: 1021 of 1024 (arm64), 259 of 256 (x86 6.12), 4 without pins', async () => {
    for (const [runName, cap, lo, hi] of [[ARM, '03-after-compact-node', 1018, 1028], ['x86-2G-s23-k612-cpu0', '03-after-compact-memory-cpu0', 250, 260], ['x86-1G-s12-wl0-ctrace-cpu0', '03-after-compact-memory', 0, 4]] as const) {
      const snap = await loadSnapshot(join(FIXTURES, runName, cap), { layout: 'exact', seed: 1 })
      expect(snap.model.referencedAnon.size, runName).toBeGreaterThanOrEqual(lo)
      expect(snap.model.referencedAnon.size, runName).toBeLessThanOrEqual(hi)
    }
  }, 120_000)

  it('traced arm64, second compaction: the rescanned pageblock where the scanners meet gives 229 pages, the kernel 230; compact_isolated within 5 % (−9 % with the old placement)', async () => {
    const k = kernelTaken(ARM, 4, 0x5b200)
    expect(k).toBe(230)
    const on = await run(ARM, '03-after-compact-node')
    const off = await run(ARM, '03-after-compact-node', false)
    expect(on.listed).toBeGreaterThan(1000)
    // (the 3 pins beyond the 1021 referenced pages go to the stragglers: one of them is in this pageblock)
    expect(on.takenIn(0x5b200)).toBeGreaterThanOrEqual(k - 2)
    expect(on.takenIn(0x5b200)).toBeLessThanOrEqual(k)
    expect(off.takenIn(0x5b200)).toBeLessThan(k - 15)
    expect(on.counters['pgmigrate_success']).toBe(126)
    expect(Math.abs(err(on.counters['compact_isolated']!, 369)), `${on.counters['compact_isolated']} against 369`).toBeLessThan(0.05)
    expect(err(off.counters['compact_isolated']!, 369), `${off.counters['compact_isolated']} against 369`).toBeLessThan(-0.08)
  }, 120_000)

  it('traced arm64, first compaction: pgmigrate_success and compact_isolated within 0.05 % (−0.3 % and −0.4 % with pins at random)', async () => {
    const on = await run(ARM, '02-before')
    const off = await run(ARM, '02-before', false)
    expect(Math.abs(err(on.counters['pgmigrate_success']!, 41824))).toBeLessThan(0.0005)
    expect(Math.abs(err(on.counters['compact_isolated']!, 83865))).toBeLessThan(0.0005)
    expect(err(off.counters['pgmigrate_success']!, 41824)).toBeLessThan(-0.002)
    expect(err(off.counters['compact_isolated']!, 83865)).toBeLessThan(-0.003)
  }, 120_000)

  it('x86-2G-s23-k612-cpu0 (6.12), second compaction: compact_isolated within 10 % of the kernel\'s 118 (+75 % with the old placement), the pins\' rule alone', async () => {
    const on = await run('x86-2G-s23-k612-cpu0', '03-after-compact-memory-cpu0')
    const off = await run('x86-2G-s23-k612-cpu0', '03-after-compact-memory-cpu0', false)
    expect(Math.abs(err(on.counters['compact_isolated']!, 118)), `${on.counters['compact_isolated']}`).toBeLessThan(0.1)
    expect(err(off.counters['compact_isolated']!, 118), `${off.counters['compact_isolated']}`).toBeGreaterThan(0.5)
  }, 120_000)
})
