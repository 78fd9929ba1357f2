/**
 * `buddyscope whatif compact` in the terminal: its flags as the contract's request
 * (contract/schemas.ts whatifCompactSchema), and the answer as text.
 */
import { counterValue, predictionCoverage, type WhatifCompactJson } from '../../host/whatif/compact.ts'
import type { CompactStrategyRequest, PinnedRequest } from '../../contract/schemas.ts'

export class WhatifUsageError extends Error {}

/** --strategy words: fast-free/no-fast-free, fast-migrate/no-fast-migrate, skip-bits/ignore-skip-bits, scan-unmovable/no-scan-unmovable */
/** The band's name in the text: its coverage, and how to reach 90 % where fewer seeds ran. */
function bandWords(n: number): string {
  const c = predictionCoverage(n)
  return c >= 0.9 ? '90 % band: the interval one more run falls in 9 times in 10' : `band: the interval one more run falls in ${(100 * c).toFixed(0)} % of the time (19 seeds make it 90 %)`
}

export function parseStrategy(text: string | undefined): CompactStrategyRequest {
  const out: CompactStrategyRequest = {}
  if (!text) return out
  for (const w of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    switch (w) {
      case 'fast-free': out.fastIsolateFreepages = true; break
      case 'no-fast-free': out.fastIsolateFreepages = false; break
      case 'fast-migrate': out.fastFindMigrateblock = true; break
      case 'no-fast-migrate': out.fastFindMigrateblock = false; break
      case 'skip-bits': out.honourSkipBits = true; break
      case 'ignore-skip-bits': out.honourSkipBits = false; break
      case 'scan-unmovable': out.scanUnmovableForSmallOrders = true; break
      case 'no-scan-unmovable': out.scanUnmovableForSmallOrders = false; break
      default: throw new WhatifUsageError(`unknown --strategy word "${w}" (fast-free, no-fast-free, fast-migrate, no-fast-migrate, skip-bits, ignore-skip-bits, scan-unmovable, no-scan-unmovable)`)
    }
  }
  return out
}

/** --pinned: auto | none | N pages | F% of anonymous pages | @FILE of PFNs */
export function parsePinned(value: string | undefined): PinnedRequest {
  if (value === undefined || value === 'auto') return 'auto'
  if (value === 'none' || value === '0') return 'none'
  if (/^\d+$/.test(value)) return { pages: Number(value) }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value)
  if (pct && Number(pct[1]) <= 100) return { fraction: Number(pct[1]) / 100 }
  if (value.startsWith('@') && value.length > 1) return { pfnFile: value.slice(1) }
  throw new WhatifUsageError(`--pinned takes auto, none, a page count (2048), a share of anonymous pages (4.5%) or @FILE with one PFN per line; not "${value}"`)
}

const fmtPages = (p: number, pageSize: number): string => {
  const mib = (p * pageSize) / 1048576
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${(p * pageSize) / 1024} KiB`
}

export function whatifCompactText(j: WhatifCompactJson, pageSize = j.pageSize): string {
  const L: string[] = []
  const what = j.kind === 'full' ? 'full compaction (order −1, as compact_memory / node compact)' : j.kind === 'proactive' ? 'proactive compaction (kcompactd, compaction_proactiveness)' : `direct compaction for order ${j.order}`
  L.push(`What if: ${what}, mode ${j.mode}; layout ${j.layout}${j.layout === 'synthesized' ? ` (seed ${j.seed})` : ''}`)
  L.push(`Result: ${j.result}${j.allocationWouldSucceed === null ? '' : j.allocationWouldSucceed ? ` — an order-${j.order} allocation would now succeed` : ` — an order-${j.order} allocation would still fail`}`)
  L.push(`Migrated ${j.pagesMigrated} pages (${fmtPages(j.pagesMigrated, pageSize)} copied)${j.band ? `, the median of ${j.band.seeds.length} seeds` : ''}`)
  L.push('Counters (as /proc/vmstat deltas):')
  if (j.band) L.push(`  (median of ${j.band.seeds.length} seeds, and their ${bandWords(j.band.seeds.length)})`)
  for (const [k, v] of Object.entries(j.counters)) {
    const realV = j.real?.counters[k]
    const b = typeof v === 'number' ? null : v
    L.push(`  ${k.padEnd(26)}${counterValue(v).toFixed(0).padStart(9)}${b ? `   band ${b.lo.toFixed(0)}..${b.hi.toFixed(0)}` : ''}${realV !== undefined ? `   real ${realV > 0 ? '+' : ''}${realV}` : ''}`)
  }
  const after = j.after.zones
  const orders = after[0]?.freeBlocks.length ?? 11
  for (const [zi, z] of after.entries()) {
    const b = j.before.zones[zi]!
    L.push('')
    L.push(`Node ${z.node}, zone ${z.zone}`)
    L.push(`  ${'order'.padEnd(12)}${Array.from({ length: orders }, (_, o) => String(o).padStart(7)).join('')}`)
    L.push(`  ${'before'.padEnd(12)}${b.freeBlocks.map((v) => String(v).padStart(7)).join('')}`)
    const bz = j.band?.zones[`Node ${z.node}, zone ${z.zone}`]
    if (bz) L.push(`  ${'after median'.padEnd(12)}${bz.median.map((v) => v.toFixed(0).padStart(7)).join('')}`)
    else L.push(`  ${'after'.padEnd(12)}${z.freeBlocks.map((v) => String(v).padStart(7)).join('')}`)
    if (bz) {
      L.push(`  ${'band p5'.padEnd(12)}${bz.p5.map((v) => v.toFixed(0).padStart(7)).join('')}`)
      L.push(`  ${'band p95'.padEnd(12)}${bz.p95.map((v) => v.toFixed(0).padStart(7)).join('')}`)
    }
    const pr = j.real?.predictedVsReal.find((p) => p.zone === `Node ${z.node}, zone ${z.zone}`)
    if (pr) {
      L.push(`  ${'real'.padEnd(12)}${pr.real.map((v) => String(v).padStart(7)).join('')}`)
      L.push(`  ${'error'.padEnd(12)}${pr.error.map((v) => (v > 0 ? '+' + v : String(v)).padStart(7)).join('')}`)
      L.push(`  free pages in blocks ≥ pageblock order: predicted ${pr.highOrderPagesPredicted}, real ${pr.highOrderPagesReal}${pr.highOrderError === null ? '' : ` (${(pr.highOrderError * 100).toFixed(1)}%)`}`)
    }
  }
  if (j.cpuAlternative) L.push('', j.cpuAlternative.summary)
  if (j.real) L.push('', `Compared with the real kernel: capture ${j.real.capture} was taken after a write to ${j.real.trigger.file === 'compact_memory' ? '/proc/sys/vm/compact_memory' : `/sys/devices/system/node/node${j.real.trigger.node ?? 0}/compact`}.`)
  L.push('', 'Assumptions:')
  for (const s of j.assumptions) L.push(`  - ${s}`)
  return L.join('\n') + '\n'
}
