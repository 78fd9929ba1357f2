/** `buddyscope trace <file>`: the summary of a page-allocator/compaction trace, as text. */
import { migratetypeName } from '../../engine/index.ts'
import type { TraceJson } from '../../host/trace.ts'

const hex = (n: number): string => `0x${n.toString(16)}`

export function traceText(t: TraceJson, top = 10): string {
  const out: string[] = []
  const span = t.firstTs !== null && t.lastTs !== null ? `${t.firstTs.toFixed(6)} … ${t.lastTs.toFixed(6)} s (${(t.lastTs - t.firstTs).toFixed(3)} s)` : '—'
  out.push(`Trace      ${t.path} (${t.format} text)`)
  out.push(`Events     ${t.events}${t.skipped ? ` (${t.skipped} other lines skipped)` : ''}, ${span}`)
  for (const [e, n] of Object.entries(t.counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) out.push(`  ${e.padEnd(38)} ${n}`)
  const f = t.fallbacks
  out.push('')
  out.push(`Fallbacks (mm_page_alloc_extfrag)  ${f.total}: ${f.fragmenting} fragmenting (fallback order < pageblock order), ${f.claimed} claimed the whole pageblock`)
  if (f.total) {
    out.push('  allocation <- stolen from        count')
    for (const [pair, n] of Object.entries(f.byPair).sort((a, b) => b[1] - a[1])) out.push(`  ${pair.replace('<-', ' <- ').padEnd(30)} ${n}`)
    out.push('  alloc order / fallback order     count')
    for (const [k, n] of Object.entries(f.byOrder).sort((a, b) => b[1] - a[1])) out.push(`  ${k.padEnd(30)} ${n}`)
    out.push(`  by task: ${f.byTask.slice(0, top).map((x) => `${x.task} ${x.count}`).join(', ')}`)
  }
  if (t.blocks.length) {
    out.push('')
    out.push(`Pageblocks stolen (${t.blocks.length} with a PFN; most stolen first)`)
    for (const b of t.blocks.slice(0, top)) {
      const first = b.events[0]!
      const last = b.events[b.events.length - 1]!
      const who = [...new Set(b.events.map((e) => e.task))].slice(0, 3).join(', ')
      out.push(`  pfn ${hex(b.pfn).padEnd(12)} ${String(b.events.length).padStart(4)}×  first ${first.ts.toFixed(6)} ${first.to} <- ${first.from}${first.claimed ? ' (claimed)' : ''}` +
        `${b.events.length > 1 ? `, last ${last.ts.toFixed(6)} ${last.to} <- ${last.from}` : ''}  by ${who}`)
    }
  }
  const c = t.compaction
  if (c.runs || Object.keys(c.endStatus).length || c.migrated) {
    out.push('')
    out.push(`Compaction  ${c.runs} runs (mm_compaction_begin); end status ${Object.entries(c.endStatus).map(([s, n]) => `${s} ${n}`).join(', ') || '—'}; pages migrated ${c.migrated}, failed ${c.failed}`)
  }
  if (t.pageAlloc.allocs || t.pageAlloc.frees) {
    out.push(`Pages       mm_page_alloc ${t.pageAlloc.allocs} (by order: ${Object.entries(t.pageAlloc.byOrder).sort((a, b) => Number(a[0]) - Number(b[0])).map(([o, n]) => `${o}:${n}`).join(' ')}), mm_page_free ${t.pageAlloc.frees}`)
  }
  if (t.cma.allocs) out.push(`CMA         ${t.cma.allocs} allocations, ${t.cma.failed} failed, ${t.cma.pages} pages`)
  out.push('')
  out.push(`Migratetype numbers are enum migratetype of a CONFIG_CMA kernel (0 ${migratetypeName(0)}, 1 ${migratetypeName(1)}, 2 ${migratetypeName(2)}, 3 ${migratetypeName(3)}, 4 ${migratetypeName(4)}).`)
  return out.join('\n') + '\n'
}
