/**
 * 6.1's migrate_pages() on -ENOMEM (compaction_alloc found no target: the scanners met): the page
 * that met it counts in nr_failed_pages (pgmigrate_fail +1) and the rest of the batch is not
 * tried, but put back (putback_movable_pages); the compaction tracepoint's nr_failed is
 * cc->nr_migratepages − nr_succeeded, every page of the batch not migrated. The harness's 6.1
 * triggers show pgmigrate_fail +1 (9 of the 10 traced and x86-512M-s1-compact triggers below); the
 * model's 6.1 path counted 0 and gave the tracepoint only the failed pages.
 *
 * fixtures/arm64-1G-s6-cma-compact-ctrace-cpu1, second compaction: the last batch took 198
 * pages of the pageblock where the scanners meet (a rescan: the whole rest of it), 81 migrated,
 * nr_failed=117.
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { runCompactWhatIf, type CompactionEvent } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

async function whatIf(run: string, cap: string): Promise<{ counters: Record<string, number>; events: CompactionEvent[]; real: Record<string, number> }> {
  const path = join(FIXTURES, run)
  const ctx = (await seriesContext(path, cap))!
  const snap = await loadSnapshot(join(path, cap), { layout: 'exact', seed: 1 })
  const opts = { ...(await compactOptions(snap, ctx, { pinned: 'auto' }, 1).options(1)), eventLimit: 1_000_000 }
  const r = runCompactWhatIf(snap.model, snap.allocator, opts, snap.capture.machine.hpageOrder)
  return { counters: r.counters, events: r.events, real: ctx.trigger!.deltas }
}

describe('6.1: the page that meets -ENOMEM counts in pgmigrate_fail', () => {
  it('traced arm64, second compaction: pgmigrate_fail 1 as the kernel\'s; the last batch\'s nr_failed is what it took less what migrated (kernel 198 − 81 = 117)', async () => {
    const lines = gunzipSync(readFileSync(join(FIXTURES, 'arm64-1G-s6-cma-compact-ctrace-cpu1', 'ctrace.txt.gz'))).toString('utf8').split('\n')
    const from = lines.findIndex((l) => l.includes('gt ctron 4'))
    const to = lines.findIndex((l) => l.includes('gt ctroff 4'))
    const mig = lines.slice(from, to).filter((l) => l.includes('mm_compaction_migratepages:'))
    expect(mig[mig.length - 1]).toContain('nr_migrated=81 nr_failed=117')
    const m = await whatIf('arm64-1G-s6-cma-compact-ctrace-cpu1', '03-after-compact-node')
    expect(m.real['pgmigrate_fail']).toBe(1)
    expect(m.counters['pgmigrate_fail']).toBe(1)
    let lastTaken = 0
    let last: Extract<CompactionEvent, { name: 'mm_compaction_migratepages' }> | null = null
    let taken = 0
    for (const e of m.events) {
      if (e.name === 'mm_compaction_isolate_migratepages') taken += e.nrTaken
      if (e.name === 'mm_compaction_migratepages') { last = e; lastTaken = taken; taken = 0 }
    }
    expect(last!.nrFailed).toBe(lastTaken - last!.nrMigrated)
    expect(last!.nrFailed).toBeGreaterThan(100)
  }, 120_000)

  it('the 6.1 triggers whose scanners met: pgmigrate_fail +1 in the model as in the kernel', async () => {
    for (const [run, cap] of [['arm64-1G-s6-cma-compact-ctrace-cpu1', '02-before'], ['x86-1G-s12-wl0-ctrace-sleep-cpu0', '02-before'], ['x86-1G-s12-wl0-ctrace-sleep-cpu0', '03-after-compact-memory'], ['x86-512M-s1-compact', '03-after-compact-node']] as const) {
      const m = await whatIf(run, cap)
      expect(m.real['pgmigrate_fail'], `${run}/${cap}: kernel`).toBe(1)
      expect(m.counters['pgmigrate_fail'], `${run}/${cap}`).toBe(1)
    }
  }, 240_000)
})
