/**
 * Prints the hugetlb / CMA fidelity table (predicted vs real for every hugetlb pool growth step
 * in fixtures/) as Markdown, exactly as test/fidelity/contig.test.ts computes it:
 * `node --import tsx scripts/contig-fidelity-report.ts`.
 */
import { join } from 'node:path'
import { readdirSync } from 'node:fs'
import { whatifContig } from '../host/whatif/contig.ts'
import { seriesContext } from '../host/series.ts'

const FIX = join(import.meta.dirname, '..', 'fixtures')
const SEEDS = 8
const out: string[] = []
out.push('| capture → after | step | pins (placement) | obtained: predicted (per seed) | real | error |')
out.push('|---|---|---|---|---|---|')
const ctr: string[] = []
for (const run of readdirSync(FIX).filter((d) => /^(x86|arm64)-/.test(d)).sort()) {
  for (const cap of readdirSync(join(FIX, run)).filter((d) => /^\d\d-/.test(d)).sort()) {
    const ctx = await seriesContext(join(FIX, run), cap)
    const st = ctx?.steps.find((s) => s.name === 'huge' || s.name.startsWith('huge:'))
    const m = st ? (st.name === 'huge' ? /^(\d+):(\d+)/.exec(st.detail) : /^huge:(\d+):(\d+)/.exec(st.name)) : null
    const d = st ? /requested=(\d+) before=(\d+) obtained=(\d+)/.exec(st.detail) : null
    if (!st || !m || !d || Number(d[1]) <= Number(d[2])) continue
    const j = await whatifContig({ path: join(FIX, run), capture: cap, layout: 'exact', seed: 1 }, {
      kind: 'hugetlb', seeds: SEEDS, pinned: 'auto', count: Number(d[1]) - Number(d[2]), hugeSizeBytes: Number(m[1]) * 1024,
    })
    const real = Number(d[3]) - Number(d[2])
    const p = j.real!.predicted
    const placement = j.result.assumptions.some((a) => /follows a full compaction/.test(a)) ? 'after-compaction' : 'uniform'
    out.push(`| ${run}/${cap} → ${ctx!.next} | huge:${m[1]}:${d[1]} | ${ctx!.workloadPinnedPages ?? 0} (${placement}) | ${p} (${j.perSeed.join(', ')}) | ${real} | ${(((p - real) / real) * 100).toFixed(1)} % |`)
    for (const k of ['htlb_buddy_alloc_success', 'htlb_buddy_alloc_fail', 'cma_alloc_success', 'cma_alloc_fail', 'compact_stall', 'compact_fail', 'compact_success', 'pgmigrate_success', 'compact_migrate_scanned', 'compact_free_scanned', 'allocstall_movable']) {
      const pv = j.result.counters[k] ?? 0
      const rv = st.deltas[k] ?? 0
      if (pv || rv) ctr.push(`| ${run}/${cap} | ${k} | ${pv} | ${rv} |`)
    }
  }
}
out.push('', '| capture | counter (run shown: the median seed) | predicted | real |', '|---|---|---|---|', ...ctr)
console.log(out.join('\n'))
