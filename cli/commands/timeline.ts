/**
 * `buddyscope timeline` as text: per capture, the steps that led to it, and per zone the free
 * memory, the free memory in blocks of at least a pageblock, the largest free order and the
 * fragmentation score; then the counters that changed, per step. --json and --csv print the
 * host's TimelineJson (host/timeline.ts) whole.
 */
import type { TimelineJson } from '../../host/timeline.ts'
import type { TimelineTraceJson } from '../../host/trace.ts'

function mib(pages: number, pageSize: number): string {
  const m = (pages * pageSize) / (1 << 20)
  return m >= 100 ? `${Math.round(m)} MiB` : `${m.toFixed(1)} MiB`
}

export function timelineText(t: TimelineJson): string {
  const out: string[] = []
  const pbKib = (2 ** t.pageblockOrder * t.pageSize) / 1024
  const pb = pbKib >= 1024 ? `${pbKib / 1024} MiB` : `${pbKib} KiB`
  out.push(`Timeline of ${t.paths.join(', ')}: ${t.points.length} captures`)
  out.push(`Time axis: ${t.axis} (${t.axisNote})`)
  out.push('')
  const head = ['capture', 'time', 'zone', 'free', `in ≥${pb} blocks`, 'largest order', 'score']
  const rows: string[][] = []
  for (const p of t.points) {
    for (const s of p.steps) rows.push([`  ↳ ${s.text}`, '', '', '', '', '', ''])
    p.zones.forEach((z, i) => {
      rows.push([
        i === 0 ? p.label : '', i === 0 ? (p.time === null ? `#${p.index + 1}` : `${p.time.toFixed(2)} s`) : '', `${z.node}:${z.zone}`,
        mib(z.freePages, t.pageSize), mib(z.highOrderFreePages, t.pageSize), String(z.largestFreeOrder), String(z.fragmentationScore),
      ])
    })
  }
  const widths = head.map((h, c) => Math.max(h.length, ...rows.filter((r) => !r[0]!.startsWith('  ↳')).map((r) => r[c]!.length)))
  const fmt = (r: string[]): string => (r[0]!.startsWith('  ↳') ? r[0]! : r.map((v, c) => (c < 3 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd())
  out.push(fmt(head))
  for (const r of rows) out.push(fmt(r))
  if (t.changedCounters.length) {
    out.push('')
    out.push('/proc/vmstat deltas from the previous capture (counters that changed):')
    for (const p of t.points) {
      if (!p.deltas) continue
      const changed = t.changedCounters.filter((c) => (p.deltas![c] ?? 0) !== 0)
      if (!changed.length) continue
      out.push(`  ${p.label}${p.steps.length ? ` (${p.steps.map((s) => s.text).join('; ')})` : ''}`)
      for (const c of changed) {
        const r = p.rates?.[c]
        out.push(`    ${c.padEnd(32)} ${String(p.deltas[c]! > 0 ? `+${p.deltas[c]}` : p.deltas[c]).padStart(10)}${r !== undefined ? `  (${Math.round(r)}/s)` : ''}`)
      }
    }
  }
  if (t.notes.length) {
    out.push('')
    for (const n of t.notes) out.push(`Note: ${n}`)
  }
  return out.join('\n') + '\n'
}

/** `timeline --trace FILE` as text: per interval between captures, the fallbacks and the pageblocks stolen (who, when). */
export function timelineTraceText(tt: TimelineTraceJson, pageSize: number, maxBlocks = 8): string {
  const out: string[] = ['', `Fallbacks from ${tt.path} (${tt.format}, ${tt.fallbacks} mm_page_alloc_extfrag events) between the captures, by /proc/uptime:`]
  const hex = (n: number): string => `0x${n.toString(16)}`
  for (const iv of tt.intervals) {
    const edge = iv.after === null || iv.before === null
    if (edge && iv.fallbacks === 0) continue
    const where = iv.after === null ? `before ${iv.before}` : iv.before === null ? `after ${iv.after}` : `${iv.after} → ${iv.before}`
    if (iv.fallbacks === 0) {
      out.push(`  ${where}: no fallbacks`)
      continue
    }
    const pairs = Object.entries(iv.byPair).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')
    out.push(`  ${where}: ${iv.fallbacks} fallback${iv.fallbacks === 1 ? '' : 's'} (${iv.fragmenting} fragmenting, ${iv.claimed} claimed the whole pageblock): ${pairs}`)
    const blocks = new Set(iv.stolen.map((s) => s.pfn))
    if (blocks.size) out.push(`    ${blocks.size} pageblock${blocks.size === 1 ? '' : 's'} stolen from:`)
    for (const s of iv.stolen.slice(0, maxBlocks)) {
      out.push(`    pfn ${hex(s.pfn)} (${((s.pfn * pageSize) / 2 ** 20).toFixed(0)} MiB)  ${s.from} → ${s.to}  order ${s.order}${s.claimed ? '  claimed' : ''}  by ${s.task} at ${s.ts.toFixed(3)} s`)
    }
    if (iv.stolen.length > maxBlocks) out.push(`    … ${iv.stolen.length - maxBlocks} more (--json lists them all)`)
  }
  for (const n of tt.notes) out.push(`Note: ${n}`)
  return out.join('\n') + '\n'
}
