/**
 * `buddyscope inspect` as text: machine, kernel, geometry and per-zone free areas, pageblocks,
 * indices and fragmentation score of a snapshot's model, then the consistency findings.
 */
import { inspectJson } from '../../host/summary.ts'
import type { LoadedSnapshot } from '../../host/load.ts'

const pad = (v: string | number, w: number): string => String(v).padStart(w)
const idx = (v: number): string => (v / 1000).toFixed(3)

function kib(pages: number, pageSize: number): string {
  const kb = (pages * pageSize) / 1024
  if (kb >= 1024 * 1024) return `${(kb / 1024 / 1024).toFixed(2)} GiB`
  if (kb >= 1024) return `${(kb / 1024).toFixed(1)} MiB`
  return `${kb} KiB`
}

export function inspectText(s: LoadedSnapshot): string {
  const j = inspectJson(s)
  const m = j.machine
  const L: string[] = []
  L.push(`Snapshot   ${j.snapshot.path}${j.snapshot.label ? ` [${j.snapshot.label}]` : ''}`)
  if (j.snapshot.series) L.push(`Series     ${j.snapshot.series.join(', ')}`)
  L.push(`Kernel     ${m.kernelRelease ?? 'unknown'}${m.arch ? ` (${m.arch})` : ''}${m.hostname ? `  host ${m.hostname}` : ''}`)
  L.push(`Geometry   page size ${m.pageSize / 1024} KiB (${m.pageSizeSource}), pageblock order ${m.pageblockOrder} (${m.pagesPerBlock} pages = ${kib(m.pagesPerBlock, m.pageSize)}), ${m.nrOrders} orders`)
  L.push(`Layout     ${j.layout.method === 'exact' ? `exact, from ${j.layout.source}` : `synthesized from summaries, seed ${j.layout.seed}`}`)
  for (const n of j.nodes) L.push(`Node ${n.node}     fragmentation score ${n.fragmentationScore} (proactive compaction, 0..100)`)
  const orders = Array.from({ length: m.nrOrders }, (_, o) => o)
  for (const z of j.zones) {
    L.push('')
    L.push(`Node ${z.node}, zone ${z.zone}: pfn ${z.startPfn}..${z.startPfn + z.spanned - 1}  spanned ${z.spanned}  present ${z.present}  managed ${z.managed} (${kib(z.managed, m.pageSize)})`)
    L.push(`  free ${z.freePages} pages (${kib(z.freePages, m.pageSize)})${z.pcpPages ? ` + ${z.pcpPages} on per-cpu lists` : ''}; watermarks min ${z.watermarks.min} low ${z.watermarks.low} high ${z.watermarks.high}${z.watermarks.boost ? ` boost ${z.watermarks.boost}` : ''}; largest free order ${z.largestFreeOrder}; score ${z.fragmentationScore}`)
    L.push(`  ${'order'.padEnd(12)}${orders.map((o) => pad(o, 7)).join('')}`)
    const md = z.model
    const src = md?.captured ?? { freeBlocks: 'buddyinfo', freeBlocksByMigratetype: 'pagetypeinfo', pageblocks: 'pagetypeinfo' }
    L.push(`  ${'free blocks'.padEnd(12)}${z.freeBlocks.map((v) => pad(v, 7)).join('')}   (${src.freeBlocks})`)
    if (md && md.freeBlocks.join() !== z.freeBlocks.join()) L.push(`  ${'  model'.padEnd(12)}${md.freeBlocks.map((v) => pad(v, 7)).join('')}`)
    for (const [mt, row] of Object.entries(z.freeBlocksByMigratetype)) {
      // a captured free list is shown even when empty; the model's lists only when it has pages
      if (src.freeBlocksByMigratetype === 'model' && row.every((v) => v === 0)) continue
      L.push(`  ${('  ' + mt).padEnd(12)}${row.map((v) => pad(v, 7)).join('')}${src.freeBlocksByMigratetype === 'model' ? '   (model)' : ''}`)
      const m = md?.freeBlocksByMigratetype[mt]
      if (m && src.freeBlocksByMigratetype !== 'model' && m.join() !== row.join()) L.push(`  ${('    model').padEnd(12)}${m.map((v) => pad(v, 7)).join('')}`)
    }
    L.push(`  ${'unusable'.padEnd(12)}${z.unusableIndex.map((v) => pad(idx(v), 7)).join('')}`)
    L.push(`  ${'extfrag'.padEnd(12)}${z.extfragIndex.map((v) => pad(idx(v), 7)).join('')}`)
    L.push(`  pageblocks (${src.pageblocks}): ${Object.entries(z.pageblocks).filter(([, n]) => n > 0).map(([mt, n]) => `${mt} ${n}`).join(', ')}`)
    if (md && JSON.stringify(md.pageblocks) !== JSON.stringify(z.pageblocks)) L.push(`  pageblocks (model): ${Object.entries(md.pageblocks).filter(([, n]) => n > 0).map(([mt, n]) => `${mt} ${n}`).join(', ')}`)
    if (md) L.push(`  model differs: ${md.reason}`)
    const mixed = Object.entries(z.mixedPageblocks).filter(([, n]) => n > 0)
    if (mixed.length) L.push(`  mixed pageblocks (from page kinds): ${mixed.map(([mt, n]) => `${mt} ${n}`).join(', ')}`)
  }
  if (j.findings.length) {
    L.push('')
    L.push('Findings')
    for (const f of j.findings) L.push(`  [${f.severity}] ${f.zone ? f.zone + ': ' : ''}${f.message}`)
  }
  return L.join('\n') + '\n'
}
