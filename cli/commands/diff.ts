/**
 * `buddyscope diff` as text: per zone the free areas before, after and their delta per order
 * (and per migratetype list), the pageblocks per migratetype, and the pageblocks that changed,
 * with what changed. The JSON is host/diff.ts's CaptureDiffJson.
 */
import { PAGEBLOCK_CHANGES, PAGEBLOCK_CHANGE_TEXT } from '../../engine/index.ts'
import { sideName, type CaptureDiffJson } from '../../host/diff.ts'

const pad = (v: string | number, w: number): string => String(v).padStart(w)
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n))
const hexPfn = (n: number): string => `0x${n.toString(16)}`

function size(pages: number, pageSize: number): string {
  const b = Math.abs(pages) * pageSize
  const s = b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${b / 1024} KiB`
  return pages < 0 ? `-${s}` : s
}

/** At most this many changed pageblocks per zone in the text (the JSON lists all). */
export const TEXT_BLOCKS = 40

export function diffText(d: CaptureDiffJson): string {
  const L: string[] = []
  const side = (s: CaptureDiffJson['before']): string =>
    `${sideName(s)}  kernel ${s.kernelRelease ?? 'unknown'}${s.hostname ? `  host ${s.hostname}` : ''}${s.captureTime ? `  at ${s.captureTime}` : ''}  ${s.layout} layout`
  L.push(`Before     ${side(d.before)}`)
  L.push(`After      ${side(d.after)}`)
  for (const n of d.notes) L.push(`Note       ${n}`)
  if (d.pageblocksNote) L.push(`Note       ${d.pageblocksNote}`)
  const orders = Array.from({ length: d.nrOrders }, (_, o) => o)
  const W = 8
  const row = (label: string, values: number[], fmt: (n: number) => string = String, tail = ''): string =>
    `  ${label.padEnd(16)}${values.map((v) => pad(fmt(v), W)).join('')}${tail}`
  const pbBytes = size(d.pagesPerBlock, d.pageSize)
  for (const z of d.zones) {
    L.push('')
    L.push(`Node ${z.node}, zone ${z.zone}: PFN ${hexPfn(z.startPfn)}..${hexPfn(z.endPfn - 1)}`)
    L.push(row('order', orders))
    L.push(row(`before`, z.freeBlocksBefore, String, `   (${z.sources.freeBlocks})`))
    L.push(row(`after`, z.freeBlocksAfter))
    L.push(row(`delta`, z.freeBlocksDelta, signed))
    for (const [mt, r] of Object.entries(z.freeBlocksByMigratetypeDelta)) {
      if (z.sources.freeBlocksByMigratetype === 'model' && r.every((v) => v === 0)) continue
      L.push(row(`  ${mt}`, r, signed, mt === Object.keys(z.freeBlocksByMigratetypeDelta)[0] ? `   (${z.sources.freeBlocksByMigratetype}, delta)` : ''))
    }
    if (z.model && z.model.freeBlocksDelta.join() !== z.freeBlocksDelta.join()) L.push(row('model delta', z.model.freeBlocksDelta, signed))
    L.push(`  free pages ${signed(z.freePagesDelta)} (${size(z.freePagesDelta, d.pageSize)}); in whole free pageblocks (≥ ${pbBytes}): ${z.highOrderPagesBefore} → ${z.highOrderPagesAfter} pages`)
    const pbs = Object.keys({ ...z.pageblocksBefore, ...z.pageblocksAfter })
      .filter((mt) => (z.pageblocksBefore[mt] ?? 0) || (z.pageblocksAfter[mt] ?? 0))
      .map((mt) => `${mt} ${z.pageblocksBefore[mt] ?? 0} → ${z.pageblocksAfter[mt] ?? 0}${z.pageblocksDelta[mt] ? ` (${signed(z.pageblocksDelta[mt]!)})` : ''}`)
    L.push(`  pageblocks (${z.sources.pageblocks}): ${pbs.join(', ')}`)
    const mixed = Object.entries(z.mixedPageblocksDelta).filter(([, n]) => n !== 0)
    if (mixed.length) L.push(`  mixed pageblocks (from page kinds): ${mixed.map(([mt, n]) => `${mt} ${signed(n)}`).join(', ')}`)
    if (z.model) L.push(`  model differs: ${z.model.reason}`)
    if (!z.changeCounts) continue
    const span = z.lastPb - z.firstPb + 1
    const kinds = PAGEBLOCK_CHANGES.filter((c) => z.changeCounts![c] > 0).map((c) => `${PAGEBLOCK_CHANGE_TEXT[c]} ${z.changeCounts![c]}`)
    L.push(`  changed pageblocks: ${z.changedPageblocks} of ${span}${kinds.length ? `: ${kinds.join('; ')}` : ''}`)
    if (!z.pageblocks.length) continue
    const C = 36
    L.push(`    ${'pageblock'.padEnd(10)}${'pfn'.padEnd(11)}${'before (free pages)'.padEnd(C)}${'after (free pages)'.padEnd(C)}change`)
    const desc = (s: CaptureDiffJson['zones'][number]['pageblocks'][number]['before']): string =>
      s.migratetype === null ? 'outside buddy' : `${s.migratetype} ${s.kind}${s.mixed ? ' mixed' : ''} ${s.freePages}`
    for (const b of z.pageblocks.slice(0, TEXT_BLOCKS)) {
      L.push(`    ${String(b.pageblock).padEnd(10)}${hexPfn(b.pfn).padEnd(11)}${desc(b.before).padEnd(C)}${desc(b.after).padEnd(C)}${b.changes.join(', ')}`)
    }
    if (z.pageblocks.length > TEXT_BLOCKS) L.push(`    … and ${z.pageblocks.length - TEXT_BLOCKS} more (--json lists all)`)
  }
  return L.join('\n') + '\n'
}
