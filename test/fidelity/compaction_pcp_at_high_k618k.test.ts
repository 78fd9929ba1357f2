/**
 * fixtures/host-24G-k618-k, this machine's 6.18, compact_memory from a shell pinned to CPU 1, run
 * to the end (317 512 pages migrated): why the kernel's free memory ends in blocks of orders 5–8
 * where the model made whole pageblocks.
 *
 * The pageblocks the model alone made wholly free were held in the kernel by one to a few pages
 * each, and those were mostly pages that were flagless and unmapped in the capture (per-cpu free
 * pages, the last frees of the machine's processes, a few in each pageblock among LRU pages) and
 * still so after the trigger: they sat on CPU 0's list, which a compaction on CPU 1 does not churn
 * (CPU 1's list took 317 512 freed pages; free_pcppages_bulk gives back the oldest first, so every
 * page it held at the trigger went to the buddy allocator). The model dealt them to the CPU holding
 * the most pages, CPU 1 (10 094 against 8 057), whose bulk frees merged them. On 6.7+ a CPU that
 * allocates has its high raised by its refills (nr_pcp_alloc) and its list lies far below it (CPU 1:
 * 10 094 of 43 717), while a CPU that frees keeps its list at its high (CPU 0: 8 057 of 8 122,
 * high_min): the sparsest-spread pages now go first to a CPU whose list stands within an eighth of
 * its high (engine/mm/page_alloc.ts buildPcpLists, PageAllocator.pcpAtHighFirst).
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { runCompactWhatIf } from '../../engine/index.ts'
import { loadSnapshot } from '../../host/load.ts'
import { seriesContext } from '../../host/series.ts'
import { compactOptions } from '../../host/whatif/compact.ts'
import { BOUNDS } from '../../host/fidelity.ts'
import { FIXTURES, readKpageRaw, kpfBit } from '../helpers/fixtures.ts'

const RUN = join(FIXTURES, 'host-24G-k618-k')
const ZONE_START = 0x100000
const PB = 512
const KPF = { LRU: 5, SLAB: 7, BUDDY: 10, HEAD: 15, TAIL: 16, NOPAGE: 20 }

const kpage = (cap: string, name: 'kpageflags' | 'kpagecount'): BigUint64Array => readKpageRaw(RUN, cap, name)
const bit = kpfBit

/** the what-if as `whatif compact` runs it, with the dealing rule on or off: ≥ 2 MiB error, shape error, pages CPU 0 keeps */
async function whatIf(atHighFirst: boolean): Promise<{ hiError: number; shape: number; mid: number; migrated: number }> {
  const ctx = (await seriesContext(RUN, '01-before'))!
  const s = await loadSnapshot(join(RUN, '01-before'), { layout: 'exact', seed: 1 })
  s.allocator.pcpAtHighFirst = atHighFirst
  const r = runCompactWhatIf(s.model, s.allocator, { ...(await compactOptions(s, ctx, { pinned: 'auto' }, 1).options(1)) }, s.capture.machine.hpageOrder)
  const hp = s.capture.machine.hpageOrder
  const real = ctx.nextBuddyinfo!.rows
  let diff = 0, total = 0, hiPred = 0, hiReal = 0, mid = 0
  for (const z of s.model.zones) {
    const rr = real.find((x) => x.node === z.node && x.zone === z.name)?.nrFree ?? []
    for (let o = 0; o < s.model.geometry.nrOrders; o++) {
      diff += Math.abs(z.free.nrFree(o) - (rr[o] ?? 0)) * 2 ** o
      total += (rr[o] ?? 0) * 2 ** o
      if (o >= hp) { hiPred += z.free.nrFree(o) * 2 ** o; hiReal += (rr[o] ?? 0) * 2 ** o }
    }
    if (z.name === 'Normal') for (let o = 5; o <= 8; o++) mid += z.free.nrFree(o)
  }
  return { hiError: hiPred / hiReal - 1, shape: diff / total, mid, migrated: r.counters['pgmigrate_success']! }
}

describe('host-24G-k618-k: the sparsest per-cpu pages sit on the list at its high, not on the fuller one (6.18)', () => {
  it('the captures: the flagless unmapped pages spread a few to a pageblock among LRU pages mostly stayed so through a compaction on CPU 1', () => {
    const bf = kpage('01-before', 'kpageflags'), bc = kpage('01-before', 'kpagecount')
    const af = kpage('02-after-compact-memory', 'kpageflags'), ac = kpage('02-after-compact-memory', 'kpagecount')
    const flagless = (f: BigUint64Array, c: BigUint64Array, p: number): boolean => f[p] === 0n && c[p] === 0n
    const n = Math.min(bf.length, af.length)
    let stayed = 0, buddy = 0, sparse = 0
    for (let s = ZONE_START; s + PB <= n; s += PB) {
      let nz = 0, lru = 0
      for (let p = s; p < s + PB; p++) {
        if (flagless(bf, bc, p)) nz++
        else if (!bit(bf[p]!, KPF.NOPAGE) && !bit(bf[p]!, KPF.BUDDY) && !bit(bf[p]!, KPF.SLAB) && (bit(bf[p]!, KPF.LRU) || bit(bf[p]!, KPF.HEAD) || bit(bf[p]!, KPF.TAIL))) lru++
      }
      if (nz === 0 || nz > 8 || lru === 0) continue
      for (let p = s; p < s + PB; p++) {
        if (!flagless(bf, bc, p)) continue
        sparse++
        if (flagless(af, ac, p)) stayed++
        else if (bit(af[p]!, KPF.BUDDY)) buddy++
      }
    }
    expect(sparse).toBe(5767)
    // 69 % still on a per-cpu list (CPU 0's: CPU 1's list gave back every page it held), 18 % merged
    expect(stayed / sparse).toBeGreaterThan(0.65)
    expect(buddy / sparse).toBeLessThan(0.2)
    // CPU 0's list stood at its high, CPU 1's far below its raised high (zoneinfo, zone Normal)
    const t = readFileSync(join(RUN, '01-before', 'zoneinfo'), 'utf8')
    const normal = t.slice(t.indexOf('zone   Normal'), t.indexOf('start_pfn', t.indexOf('zone   Normal')))
    const lists = [...normal.matchAll(/count:\s+(\d+)\s+high:\s+(\d+)/g)].map((m) => ({ count: Number(m[1]), high: Number(m[2]) }))
    expect(lists).toEqual([{ count: 8057, high: 8122 }, { count: 10094, high: 43717 }])
  })

  it('the what-if deals them to CPU 0 and holds ≥ 2 MiB and the shape; dealt to CPU 1 (the CPU holding the most) it frees too many pageblocks', async () => {
    const on = await whatIf(true)
    const off = await whatIf(false)
    expect(Math.abs(on.hiError), `≥ 2 MiB error ${on.hiError}`).toBeLessThanOrEqual(BOUNDS.hi)
    expect(on.shape).toBeLessThanOrEqual(BOUNDS.shape)
    expect(Math.abs(on.migrated / 317512 - 1)).toBeLessThanOrEqual(BOUNDS.counter)
    expect(off.hiError).toBeGreaterThan(BOUNDS.hi)
    expect(off.shape).toBeGreaterThan(BOUNDS.shape)
    // zone Normal's free blocks of orders 5–8: the kernel's 1841 + 1218 + 730 + 438 = 4227
    expect(Math.abs(on.mid - 4227)).toBeLessThan(Math.abs(off.mid - 4227) / 2)
  }, 300_000)
})
