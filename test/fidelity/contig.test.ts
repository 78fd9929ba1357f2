/**
 * Fidelity of the contiguous-allocation what-ifs against the real kernel (Debian 6.1 and 6.12 under QEMU):
 * every capture in fixtures/ that its series follows with a hugetlb pool change (`huge:KB:N` in
 * steps.log) is loaded (exact layout from kpageflags), the pool growth is simulated exactly as
 * `buddyscope whatif hugetlb` does (pins: the workload log's count, placed by seed — after a full
 * compaction first where that compaction left pages behind; CMA areas from the boot log) and the
 * pages obtained are compared with the real step's. Target: within ±10 % (median over seeds).
 * The arm64 hugetlb_cma run's 32 MiB pages are gigantic: each is a cma_alloc, so it also holds
 * the CMA verdicts (cma_alloc_success / cma_alloc_fail as the real kernel counted them).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { join } from 'node:path'
import { readdirSync } from 'node:fs'
import { whatifContig, type ContigJson } from '../../host/whatif/contig.ts'
import { seriesContext } from '../../host/series.ts'
import { FIXTURES } from '../helpers/fixtures.ts'

interface Row {
  capture: string
  step: string
  requested: number
  real: number
  predicted: number
  perSeed: number[]
  error: number
  counters: Record<string, number>
  realCounters: Record<string, number>
}

const rows: Row[] = []
/** growth steps the model misses by more than 10 %, with what was found (docs/contig.md) */
const KNOWN_MISSES: Record<string, string> = {
  'arm64-1G-s6-cma-compact/04-after-compact-memory': 'predicts 64 of 64, real 54 (57 when every captured pcp page stayed on its list): the running CPU\'s captured pcp pages now return to buddy and complete blocks',
  'x86-1G-s2-hugetlb/02-before': 'predicts 128, real 115 on a fragmented box with one pinned MiB',
  'x86-1G-s2-hugetlb-cpu0/02-before': 'another boot of x86-1G-s2-hugetlb/02-before: predicts 98, real 70. Eight boots of this config obtained 70, 87, 91, 96, 97, 97, 115 and 128 huge pages; on the five kept the model predicts 90–128 per seed: the direct compactions of the growth (their CPUs not recorded) vary between boots more than the captures show; not found',
  'x86-1G-s2-hugetlb-cpu1/02-before': 'another boot of x86-1G-s2-hugetlb/02-before: predicts 110, real 87 (see x86-1G-s2-hugetlb-cpu0/02-before)',
  'x86-1G-s2-hugetlb-cpu0/05-after-compact-memory': 'predicts 108, real 122 (−11.5 %; within 10 % while the pins were drawn at random). Not the pins: 258 of the 260 referenced pages are in place and referenced after the growth too (the pins last until fragwork\'s SIGUSR1, which this series never sends). The kernel migrated nothing (steps.log: no pgmigrate_success, 19 compact_stall all compact_fail, allocstall_movable +18): 106 of its 122 huge pages are pageblocks wholly free in the capture and 16 are pageblocks holding 1–3 pages there (14 flagless with a map count, 7 anonymous, 4 flagless without: the capture\'s own tools\' pages and per-cpu pages), freed after it (the tools\' exit, and drain_all_pages after a direct reclaim with progress); the model\'s reclaim finds nothing to reclaim, so it never drains, and it migrates 755 pages for 108. The two re-runs x86-1G-s2-hugetlb-cpu0-r2 and -r3 got 128 of 128 from that capture, as predicted',
  'x86-1G-s2-hugetlb-cpu0-r2/02-before': 'another boot of x86-1G-s2-hugetlb/02-before: predicts 116 with 3 seeds (128 with 8), real 96 (see x86-1G-s2-hugetlb-cpu0/02-before; eight boots of this config now: 70, 87, 91, 96, 97, 97, 115, 128)',
  'x86-2G-s13-fewpin/03-after-compact-memory': 'predicts 400, real 362: after the compaction the real blocks keep single LRU pages and pages taken after the trigger (docs/fidelity.md)',
  'x86-512M-s17-k612-hugetlb-ctrace/02-before': '6.12, traced: predicts 73, real 65 (87 before the capture and 6.5+ skip rules). Left: (1) the growth\'s CPU: the shell wrote nr_hugepages on CPU 1 while the workload\'s freed pages (the sparse per-cpu pages, 2384 on CPU 0 against 739) sat on CPU 0\'s lists, which the growth\'s own drains (drain_local_pages) never return: its first compactions take 32 pages from each pageblock and pass on (async skip on failure at such a page) over the whole zone, skip-marking every pageblock they touch; the model runs on the CPU holding the most per-cpu pages (CPU 0, here the workload\'s): with CPU 1 it gives 74. (2) kswapd going to sleep resets the skip bits where a direct compaction\'s scanners met (kswapd_try_to_sleep → reset_isolation_suitable; the third compaction of the trace begins at free_pfn 0x1ffdc, zone end − 1, which only __reset_isolation_suitable sets), racing with the growth; not modelled (reset at each allocation\'s slow-path entry: 75 with CPU 1)',
  'x86-1G-s40-gen-hugetlb/02-before': 'a generality boot (session 18, 6.1, no pins): predicts 198, real 113. The growth stopped at its first failed allocation (htlb_buddy_alloc_fail 1) after 105 direct compactions, 20 of them failed, and 19 direct reclaims; compact_free_scanned 1133882 against the model\'s 51909. Two more boots of the same configuration (x86-1G-s40-gen-hugetlb-r2, -r3) obtained 161 and 192 with as many failed compactions (24, 21) and reclaims (23, 20) and 446019 and 406247 pages free-scanned, and the model on their own before-captures predicts 147 and 190 (−8.7 %, −1.0 %): where the growth meets its failure varies from boot to boot more than the before-capture shows, as in the x86-1G-s2-hugetlb boots (docs/contig.md)',
  'x86-1G-s20-k612-hugetlb-ctrace/02-before': '6.12, traced: predicts 140, real 121 (204 before the capture and 6.5+ skip rules; the same workload on 6.1, x86-1G-s20-nopin-hugetlb, obtained 190). Left as in x86-512M-s17-k612-hugetlb-ctrace: with the growth on CPU 1 (the shell\'s) and CPU 0\'s sparse pages left on its lists the model gives 71, with kswapd\'s reset at each slow-path entry too 151: the reset\'s timing decides between them, and no count records it',
}
const SEEDS: Record<string, number> = { default: 3, 'x86-1G-s2-hugetlb/02-before': 5 }

beforeAll(async () => {
  for (const run of readdirSync(FIXTURES).filter((d) => /^(x86|arm64)-/.test(d)).sort()) {
    for (const cap of readdirSync(join(FIXTURES, run)).filter((d) => /^\d\d-/.test(d)).sort()) {
      const ctx = await seriesContext(join(FIXTURES, run), cap)
      const st = ctx?.steps.find((s) => s.name === 'huge' || s.name.startsWith('huge:'))
      // steps.log "step huge:2048:64: …" parses as name "huge", detail "2048:64: …"
      const m = st ? (st.name === 'huge' ? /^(\d+):(\d+)/.exec(st.detail) : /^huge:(\d+):(\d+)/.exec(st.name)) : null
      const d = st ? /requested=(\d+) before=(\d+) obtained=(\d+)/.exec(st.detail) : null
      if (!st || !m || !d || Number(d[1]) <= Number(d[2])) continue
      const sizeKb = Number(m[1])
      const j: ContigJson = await whatifContig({ path: join(FIXTURES, run), capture: cap, layout: 'exact', seed: 1 }, {
        kind: 'hugetlb', seeds: SEEDS[`${run}/${cap}`] ?? SEEDS['default']!, pinned: 'auto', count: Number(d[1]) - Number(d[2]), hugeSizeBytes: sizeKb * 1024,
      })
      expect(j.real, `${run}/${cap}: the real step was not matched`).not.toBeNull()
      const real = Number(d[3]) - Number(d[2])
      rows.push({
        capture: `${run}/${cap}`, step: `huge:${sizeKb}:${d[1]}`, requested: Number(d[1]) - Number(d[2]), real, predicted: j.real!.predicted, perSeed: j.perSeed,
        error: (j.real!.predicted - real) / real, counters: j.result.counters, realCounters: st.deltas,
      })
    }
  }
}, 120000)

describe('hugetlb pool growth and CMA fidelity (real 6.1 and 6.12 kernels under QEMU)', () => {
  it('finds every hugetlb growth step of the fixtures', () => {
    expect(rows.map((r) => `${r.capture} ${r.step}`).sort()).toEqual([
      'arm64-1G-s6-cma-compact-cpu0/04-after-compact-memory huge:2048:64',
      'arm64-1G-s6-cma-compact-cpu1/04-after-compact-memory huge:2048:64',
      'arm64-1G-s6-cma-compact/04-after-compact-memory huge:2048:64',
      'arm64-1G-s6-k612-cma-compact-cpu1/04-after-compact-memory huge:2048:64',
      'arm64-2G-s19-fewpin/03-after-compact-memory huge:2048:500',
      'arm64-2G-s19-k612-fewpin-cpu0/03-after-compact-memory huge:2048:500',
      'arm64-2G-s7-hugetlb-cma/02-before huge:32768:24',
      'x86-1G-s2-hugetlb-cpu0-r2/02-before huge:2048:128',
      'x86-1G-s2-hugetlb-cpu0-r2/05-after-compact-memory huge:2048:128',
      'x86-1G-s2-hugetlb-cpu0-r3/02-before huge:2048:128',
      'x86-1G-s2-hugetlb-cpu0-r3/05-after-compact-memory huge:2048:128',
      'x86-1G-s2-hugetlb-cpu0/02-before huge:2048:128',
      'x86-1G-s2-hugetlb-cpu0/05-after-compact-memory huge:2048:128',
      'x86-1G-s2-hugetlb-cpu1/02-before huge:2048:128',
      'x86-1G-s2-hugetlb-cpu1/05-after-compact-memory huge:2048:128',
      'x86-1G-s2-hugetlb/02-before huge:2048:128',
      'x86-1G-s2-hugetlb/05-after-compact-memory huge:2048:128',
      'x86-1G-s20-k612-hugetlb-ctrace/02-before huge:2048:250',
      'x86-1G-s20-nopin-hugetlb/02-before huge:2048:250',
      'x86-1G-s40-gen-hugetlb-r2/02-before huge:2048:260',
      'x86-1G-s40-gen-hugetlb-r3/02-before huge:2048:260',
      'x86-1G-s40-gen-hugetlb/02-before huge:2048:260',
      'x86-2G-s13-fewpin/03-after-compact-memory huge:2048:400',
      'x86-2G-s32-gen-fewpin/03-after-compact-memory huge:2048:420',
      'x86-512M-s1-compact/04-after-compact-memory huge:2048:64',
      'x86-512M-s17-k612-hugetlb-ctrace/02-before huge:2048:120',
      'x86-512M-s17-k612-hugetlb/02-before huge:2048:120',
    ])
  })

  it('predicts the pages obtained within ±10 % of the real kernel (median over pin seeds)', () => {
    if (process.env.FIDELITY_PRINT) for (const r of rows) console.log(`${r.capture} ${r.step}: predicted ${r.predicted} (${r.perSeed.join(', ')}), real ${r.real}`)
    for (const r of rows) if (!(r.capture in KNOWN_MISSES)) expect(Math.abs(r.error), `${r.capture} ${r.step}: predicted ${r.predicted} (${r.perSeed.join(', ')}), real ${r.real}`).toBeLessThanOrEqual(0.10)
  })

  it('gives the CMA verdicts the real kernel gave (gigantic pages through cma_alloc on hugetlb_cma)', () => {
    const r = rows.find((x) => x.step === 'huge:32768:24')!
    expect(r.counters['cma_alloc_success']).toBe(r.realCounters['cma_alloc_success'])
    expect(r.counters['cma_alloc_fail']).toBe(r.realCounters['cma_alloc_fail'])
  })

  it('counts one htlb_buddy_alloc_fail where the real growth stopped short', () => {
    for (const r of rows) {
      if (r.step.startsWith('huge:32768')) continue
      if ((r.realCounters['htlb_buddy_alloc_fail'] ?? 0) > 0 && r.predicted < r.requested) expect(r.counters['htlb_buddy_alloc_fail'], r.capture).toBe(1)
    }
  })
})
