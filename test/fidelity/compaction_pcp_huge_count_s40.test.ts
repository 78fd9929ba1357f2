/**
 * fixtures/x86-1G-s40-gen-hugetlb (6.1, a generality boot of session 18, trigger unpinned): a
 * hugetlb pool of 113 huge pages shrank to 0 on CPU 0 (the shell's), and 10 of them stayed on
 * CPU 0's pageblock-order per-cpu list (04-after-hugetlb-release: 10 wholly flagless pageblocks,
 * CPU 0's count 6212 of high 6928 = 10 × 512 + 1092). `cm` then ran on CPU 0 (steps.log cpu=0..0).
 * The after-capture holds 7 of those 10 pageblocks still wholly flagless (CPU 0's count 5560 =
 * 7 × 512 + 1976): the compaction's order-0 frees pushed out 3 huge pages and kept the rest.
 *
 * free_unref_page_commit() adds 1 << order to pcp->count, so a list holding huge pages reaches its
 * high with that many fewer order-0 pages on it; free_pcppages_bulk() empties the freed page's list
 * first and goes on round robin (order 0–3 lists, then the THP pindex) only while its count
 * outlasts them: a bulk free bigger than the order-0 Movable list takes a huge page. The model kept
 * the entries outside the count: its order-0 list filled to the whole high (the compaction's last
 * 6928 frees, a few in each of the last pageblocks it vacated) and no huge page went back.
 * PageAllocator.pcpCountsHugeEntries.
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { runCompactWhatIf, PageKind } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions } from '../../host/whatif/compact.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

const RUN = join(FIXTURES, 'x86-1G-s40-gen-hugetlb')
const CAP = '04-after-hugetlb-release'
const PB = 512

function kpage(cap: string, name: string): BigUint64Array {
  const b = gunzipSync(readFileSync(join(RUN, cap, `${name}.gz`)))
  return new BigUint64Array(b.buffer, b.byteOffset, b.byteLength / 8)
}

/** pageblocks whose every page has no flag and no mapping (a pageblock-order pcp entry) */
function whollyFlagless(cap: string): number[] {
  const f = kpage(cap, 'kpageflags'), c = kpage(cap, 'kpagecount')
  const out: number[] = []
  for (let b = 0; (b + 1) * PB <= f.length; b++) {
    let all = true
    for (let i = b * PB; i < (b + 1) * PB && all; i++) if (f[i] !== 0n || c[i] !== 0n) all = false
    if (all) out.push(b * PB)
  }
  return out
}

async function whatIf(counts: boolean): Promise<{ hugeLeft: number; hi: number; real: number }> {
  const ctx = (await seriesContext(RUN, CAP))!
  const s = await loadSnapshot(join(RUN, CAP), { layout: 'exact', seed: 1 })
  s.allocator.pcpCountsHugeEntries = counts
  const opts = await compactOptions(s, ctx, { pinned: 'auto' }, 1).options(1)
  const m = s.model
  const huge = whollyFlagless(CAP)
  runCompactWhatIf(m, s.allocator, opts, s.capture.machine.hpageOrder)
  let hugeLeft = 0
  for (const p of huge) {
    let all = true
    for (let i = p; i < p + PB && all; i++) if (m.memMap[i - m.basePfn] !== PageKind.PCP) all = false
    if (all) hugeLeft++
  }
  const hp = s.capture.machine.hpageOrder
  let hi = 0, real = 0
  for (const z of m.zones) {
    const rr = ctx.nextBuddyinfo!.rows.find((x) => x.node === z.node && x.zone === z.name)?.nrFree ?? []
    for (let o = hp; o < m.geometry.nrOrders; o++) { hi += z.free.nrFree(o) * 2 ** o; real += (rr[o] ?? 0) * 2 ** o }
  }
  return { hugeLeft, hi, real }
}

describe('x86-1G-s40-gen-hugetlb: huge pages on the compacting CPU\'s list count in its count (6.1)', () => {
  it('the captures: 10 huge pages on the list before the compaction, 7 after', () => {
    expect(whollyFlagless(CAP).length).toBe(10)
    expect(whollyFlagless('05-after-compact-memory').length).toBe(7)
  })

  it('counted, the compaction pushes 3 of them out as the kernel did and frees more pageblocks; uncounted, none and fewer', async () => {
    const on = await whatIf(true)
    const off = await whatIf(false)
    expect(on.hugeLeft).toBe(7)
    expect(off.hugeLeft).toBe(10)
    expect(Math.abs(on.hi / on.real - 1)).toBeLessThan(Math.abs(off.hi / off.real - 1) - 0.03)
  }, 60000)
})
