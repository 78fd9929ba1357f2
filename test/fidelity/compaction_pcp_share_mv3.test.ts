/**
 * fixtures/x86-1G-s33-k612-mv3-ptrace (6.12): a workload that moved CPU between its phases (fragwork
 * mv0=0,mv3=1: its phase-2 frees on CPU 0, its phase-3 refill and phase-4 frees on CPU 1), every
 * page's per-cpu list traced up to the capture (the harness's `ptrace` step; the capture's
 * pcp-owners.txt.gz, scripts/pcp-owners.ts). CPU 0's list stood at its high (8930 of 9009 in
 * zoneinfo) with the phase-2 frees the workload left there: 8740 traced pages in 329 pageblocks, the
 * same pageblocks as CPU 1's 8780 (336): the earlier phase's scattered frees lie where the later
 * phase's do. The compaction on CPU 1 churned CPU 1's list and CPU 0's kept every pageblock broken:
 * the kernel freed one (8192 → 10240 pages in free blocks of ≥ 2 MiB).
 *
 * The earlier dealing gave CPU 1 (the workload's last CPU) the sparsest-spread pages and CPU 0 the
 * ones ranked after them, in 73 pageblocks: the model freed 150 pageblocks (85504, +735 %). 6.7+:
 * every list standing within an eighth of its high besides the first served shares the
 * sparsest-spread pages with it, page by page in proportion to the counts (engine/mm/page_alloc.ts
 * buildPcpLists, PageAllocator.pcpShareAtHigh).
 *
 * And fixtures/x86-2G-s23-k612-cpu1's second compaction: both lists stand at their high after the
 * first compaction (pinned to CPU 1), CPU 1's with that compaction's own frees (the frames it
 * migrated from), not a workload's scattered ones: where steps.log names that CPU it takes no
 * share (PageAllocator.setCompactedCpu), and the row holds every bound; sharing there takes a
 * third off pgmigrate_success.
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { runCompactWhatIf } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions } from '../../host/whatif/compact.ts'
import { BOUNDS } from '../../host/fidelity.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const MV3 = join(FIXTURES, 'x86-1G-s33-k612-mv3-ptrace')
const S23 = join(FIXTURES, 'x86-2G-s23-k612-cpu1')

/** the what-if as `whatif compact` runs it; `share`: the shared dealing on or off; `compacted`: keep steps.log's compacted CPU */
async function whatIf(run: string, cap: string, share: boolean, compacted = true): Promise<{ hiError: number; migrated: number; real: number }> {
  const ctx = (await seriesContext(run, cap))!
  const s = await loadSnapshot(join(run, cap), { layout: 'exact', seed: 1 })
  s.allocator.pcpShareAtHigh = share
  const opts = { ...(await compactOptions(s, ctx, { pinned: 'auto' }, 1).options(1)) }
  if (!compacted) delete opts.compactedCpu
  const m = s.model
  const r = runCompactWhatIf(m, s.allocator, opts, s.capture.machine.hpageOrder)
  const hp = s.capture.machine.hpageOrder
  let hiPred = 0, hiReal = 0
  for (const z of m.zones) {
    const rr = ctx.nextBuddyinfo!.rows.find((x) => x.node === z.node && x.zone === z.name)?.nrFree ?? []
    for (let o = hp; o < m.geometry.nrOrders; o++) { hiPred += z.free.nrFree(o) * 2 ** o; hiReal += (rr[o] ?? 0) * 2 ** o }
  }
  return { hiError: hiPred / hiReal - 1, migrated: r.counters['pgmigrate_success']!, real: ctx.trigger!.deltas['pgmigrate_success']! }
}

/** the traced owners of the capture's per-cpu pages (pcp-owners.txt.gz: `pfn cpu`) */
function traced(run: string, cap: string): Map<number, number> {
  const m = new Map<number, number>()
  for (const l of gunzipSync(readFileSync(join(run, cap, 'pcp-owners.txt.gz'))).toString().split('\n')) {
    const w = l.split(' ')
    if (w.length === 2 && w[0] !== 'u') m.set(Number(w[0]), Number(w[1]))
  }
  return m
}

describe('x86-1G-s33-k612-mv3-ptrace: a list left at its high by a workload that moved CPU holds scattered frees too (6.12)', () => {
  it('the trace: both lists held pages spread over the same few hundred pageblocks', () => {
    const t = traced(MV3, '02-before')
    const blocks = [new Set<number>(), new Set<number>()]
    const pages = [0, 0]
    for (const [p, c] of t) if (c === 0 || c === 1) { blocks[c]!.add(Math.floor(p / 512)); pages[c]!++ }
    expect(pages[0]).toBeGreaterThan(8000)
    expect(pages[1]).toBeGreaterThan(8000)
    let both = 0
    for (const b of blocks[0]!) if (blocks[1]!.has(b)) both++
    expect(blocks[0]!.size).toBeGreaterThan(300)
    expect(both / blocks[0]!.size).toBeGreaterThan(0.9)
  })

  it('shared out, the list at its high keeps the pageblocks broken and the ≥ 2 MiB value holds; dealt after the first CPU\'s it does not', async () => {
    const on = await whatIf(MV3, '02-before', true)
    const off = await whatIf(MV3, '02-before', false)
    expect(Math.abs(on.hiError)).toBeLessThanOrEqual(BOUNDS.hi)
    expect(off.hiError).toBeGreaterThan(5)
    expect(on.migrated / on.real - 1).toBeLessThan(BOUNDS.counter)
  }, 60_000)
})

describe('x86-2G-s23-k612-cpu1 second compaction: the list a logged compaction just filled takes no share', () => {
  it('with steps.log\'s compacted CPU the row holds pgmigrate_success; sharing that list too takes a third off it', async () => {
    const kept = await whatIf(S23, '03-after-compact-memory-cpu1', true, true)
    const shared = await whatIf(S23, '03-after-compact-memory-cpu1', true, false)
    expect(Math.abs(kept.hiError)).toBeLessThanOrEqual(BOUNDS.hi)
    expect(Math.abs(kept.migrated / kept.real - 1)).toBeLessThanOrEqual(BOUNDS.counter)
    expect(shared.migrated / shared.real - 1).toBeLessThan(-BOUNDS.counter)
  }, 60_000)
})
