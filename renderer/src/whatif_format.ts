/**
 * What a what-if compaction run says, in words and table rows (pure): the one-sentence verdict,
 * the captured trigger, tracepoint events as the kernel names them, the counters next to their
 * band and the real kernel's deltas, and predicted vs real per zone and order.
 */
import type { WhatifCompactView, ZoneSummary } from './api/types.ts'
import { formatBytes, formatCount, zoneLabel } from './format.ts'

export type CompactionEventDto = WhatifCompactView['events'][number]

/** What was asked for (the target part of the request), to name it in the verdict. */
export interface WhatifTarget {
  node?: number
  zone?: string
}

/** Free pages held in blocks of order ≥ minOrder. */
export function highOrderPages(freeBlocks: readonly number[], minOrder: number): number {
  let s = 0
  for (let o = Math.max(0, minOrder); o < freeBlocks.length; o++) s += (freeBlocks[o] ?? 0) * 2 ** o
  return s
}

/** Sum of highOrderPages over zones. */
export function zonesHighOrderPages(zones: readonly ZoneSummary[], minOrder: number): number {
  return zones.reduce((s, z) => s + highOrderPages(z.freeBlocks, minOrder), 0)
}

/** The kernel's compact_result as a verb phrase. */
export function resultPhrase(result: string): string {
  switch (result) {
    case 'complete': return 'completes'
    case 'success': return 'succeeds'
    case 'partial_skipped': return 'stops early (partial_skipped: some pageblocks were skipped)'
    case 'skipped': return 'is skipped (compaction_suitable: too little free memory to compact)'
    case 'deferred': return 'is deferred (recent compaction failures in this zone)'
    case 'contended': return 'is cut short (contended)'
    case 'no_suitable_page': return 'ends with no_suitable_page'
    case 'not_suitable_zone': return 'finds no suitable zone'
    case 'continue': return 'stops while it could still continue'
    default: return `ends with ${result}`
  }
}

function targetName(t: WhatifTarget | undefined): string {
  if (t?.zone !== undefined) return ` of ${zoneLabel({ node: t.node ?? 0, zone: t.zone })}`
  if (t?.node !== undefined) return ` of node ${t.node}`
  return ''
}

/**
 * The verdict in one sentence, e.g. "Full compaction completes: 16,477 pages migrated (64.4 MiB
 * copied); free memory in ≥ 2 MiB blocks goes from 14,848 to 14,848 pages".
 */
export function whatifVerdict(v: WhatifCompactView, ctx: { pageSize: number; pageblockOrder: number }, target?: WhatifTarget): string {
  const migrated = `${formatCount(v.pagesMigrated)} page${v.pagesMigrated === 1 ? '' : 's'} migrated (${formatBytes(v.bytesCopied)} copied)`
  if (v.kind === 'full') {
    const o = ctx.pageblockOrder
    const before = zonesHighOrderPages(v.before, o)
    const after = zonesHighOrderPages(v.after, o)
    return `Full compaction${targetName(target)} ${resultPhrase(v.result)}: ${migrated}; free memory in ≥ ${formatBytes(2 ** o * ctx.pageSize)} blocks goes from ${formatCount(before)} to ${formatCount(after)} pages`
  }
  const size = formatBytes(2 ** v.order * ctx.pageSize)
  const before = zonesHighOrderPages(v.before, v.order)
  const after = zonesHighOrderPages(v.after, v.order)
  if (v.pagesMigrated === 0 && v.allocationWouldSucceed && before > 0) {
    return `Compaction for order ${v.order}${targetName(target)} ${resultPhrase(v.result)} without moving a page: free ≥ ${size} blocks already exist (${formatCount(before)} pages), so an order-${v.order} allocation would succeed now`
  }
  const alloc = v.allocationWouldSucceed === null ? ''
    : v.allocationWouldSucceed ? `an order-${v.order} (${size}) allocation would now succeed; `
      : `an order-${v.order} (${size}) allocation would still fail; `
  return `Compaction for order ${v.order}${targetName(target)} ${resultPhrase(v.result)}: ${alloc}${migrated}; free memory in ≥ ${size} blocks goes from ${formatCount(before)} to ${formatCount(after)} pages`
}

/**
 * With seeds > 1: how much the ≥ pageblock-order free memory after the run varies across the
 * ensemble, per zone that has any, as its band: the interval one more run falls in, and how often
 * (bandCoverage: "Across 4 seeds, … 60 % band: Node 0, zone Normal 2,030,000–2,040,000 pages").
 */
/**
 * How often one more run falls inside the band of N runs (their k-th smallest to k-th largest,
 * k = max(1, ⌊0.05 (N + 1)⌋), as the host computes it): (N + 1 − 2k) / (N + 1); 90 % from 19.
 */
export function bandCoverage(n: number): number {
  return n < 2 ? 0 : (n + 1 - 2 * Math.max(1, Math.floor(0.05 * (n + 1)))) / (n + 1)
}

export function bandSentence(v: WhatifCompactView, ctx: { pageSize: number; pageblockOrder: number }): string | null {
  if (!v.band) return null
  const parts = Object.entries(v.band.zones)
    .filter(([, z]) => z.highOrderPages.hi > 0)
    .map(([label, z]) => `${label} ${formatCount(z.highOrderPages.lo)}–${formatCount(z.highOrderPages.hi)} pages (median ${formatCount(z.highOrderPages.median)})`)
  if (parts.length === 0) return null
  return `Across ${v.band.seeds.length} seeds, free memory in ≥ ${formatBytes(2 ** ctx.pageblockOrder * ctx.pageSize)} blocks after the run, ${Math.round(100 * bandCoverage(v.band.seeds.length))} % band: ${parts.join('; ')}`
}

/** The file the capture's trigger wrote to. */
export function triggerPath(trigger: { file: string; node: number | null }): string {
  if (trigger.file === 'compact_memory') return '/proc/sys/vm/compact_memory'
  if (trigger.file === 'node_compact') return `/sys/devices/system/node/node${trigger.node ?? 0}/compact`
  return trigger.file
}

/** "capture 03-after-compact-node was taken after a write to /sys/devices/system/node/node0/compact" */
export function triggerSentence(real: NonNullable<WhatifCompactView['real']>): string {
  return `capture ${real.capture} was taken after a write to ${triggerPath(real.trigger)}`
}

/** A tracepoint event as one line: "mm_compaction_isolate_migratepages 2048..2080 scanned 32 taken 32". */
export function eventText(e: CompactionEventDto): string {
  switch (e.name) {
    case 'mm_compaction_begin':
      return `${e.name} ${e.zone}: zone ${e.zoneStart}..${e.zoneEnd}, migrate ${e.migratePfn}, free ${e.freePfn}${e.sync ? ', sync' : ', async'}`
    case 'mm_compaction_end':
      return `${e.name} ${e.zone}: migrate ${e.migratePfn}, free ${e.freePfn}, status ${e.status}`
    case 'mm_compaction_isolate_migratepages':
    case 'mm_compaction_isolate_freepages':
      return `${e.name} ${e.startPfn}..${e.endPfn} scanned ${e.nrScanned} taken ${e.nrTaken}`
    case 'mm_compaction_migratepages':
      return `${e.name} migrated ${e.nrMigrated} failed ${e.nrFailed}`
    case 'mm_compaction_deferred':
      return `${e.name} ${e.zone}: order ${e.order}, considered ${e.considered}, defer_shift ${e.deferShift}`
    case 'mm_compaction_suitable':
      return `${e.name} ${e.zone}: order ${e.order}, ret ${e.ret}`
  }
}

/** (predicted − real) / real, or null when real is 0 */
export function relError(predicted: number, real: number): number | null {
  return real === 0 ? null : (predicted - real) / real
}

/** +12, −3, 0 */
export function formatSigned(n: number): string {
  if (n === 0) return '0'
  return `${n > 0 ? '+' : '−'}${formatCount(Math.abs(n))}`
}

/** 0.0123 → "+1.2 %"; null → "—" */
export function formatRelError(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return '—'
  const s = (Math.abs(x) * 100).toFixed(digits)
  if (Number(s) === 0) return `${(0).toFixed(digits)} %`
  return `${x > 0 ? '+' : '−'}${s} %`
}

/** /proc/vmstat counters a what-if reports, with what they count. */
export const COUNTER_HELP: Record<string, string> = {
  compact_migrate_scanned: 'pages the migrate scanner looked at',
  compact_free_scanned: 'pages the free scanner looked at',
  compact_isolated: 'pages isolated (migration sources and free targets)',
  pgmigrate_success: 'pages migrated',
  pgmigrate_fail: 'pages that failed to migrate',
  compact_stall: 'direct compaction stalls (allocations that compacted)',
  compact_fail: 'direct compactions after which the allocation still failed',
  compact_success: 'direct compactions after which the allocation succeeded',
  nr_free_pages: 'change of free pages (predicted: buddy free pages after − before)',
}

export interface CounterRow {
  name: string
  help: string
  predicted: number | null
  /** the ensemble's median and 90 % band (lo–hi: the interval one more run falls in 9 times in 10) */
  band: { lo: number; median: number; hi: number } | null
  real: number | null
  /** (predicted − real) / real */
  error: number | null
}

/**
 * One row per counter: the predicted counters in the engine's order, then the real-only ones
 * (nr_free_pages: predicted as the change of the zones' free pages).
 */
export function counterRows(v: WhatifCompactView): CounterRow[] {
  const names = Object.keys(v.counters)
  for (const k of Object.keys(v.real?.counters ?? {})) if (!names.includes(k)) names.push(k)
  return names.map((name) => {
    let predicted: number | null = v.counters[name] ?? null
    if (predicted === null && name === 'nr_free_pages') predicted = v.after.reduce((s, z) => s + z.freePages, 0) - v.before.reduce((s, z) => s + z.freePages, 0)
    const b = v.band?.counters[name]
    const real = v.real?.counters[name] ?? null
    return {
      name, help: COUNTER_HELP[name] ?? '', predicted,
      band: b ? { lo: b.lo, median: b.median, hi: b.hi } : null,
      real, error: predicted !== null && real !== null ? relError(predicted, real) : null,
    }
  })
}

export interface VsRealZone {
  zone: string
  predicted: number[]
  real: number[]
  error: number[]
  highOrderPredicted: number
  highOrderReal: number
  highOrderError: number | null
  /** the ensemble's 90 % band of the ≥ pageblock-order free pages, when seeds > 1 */
  highOrderBand: { lo: number; hi: number } | null
}

export function vsRealRows(v: WhatifCompactView): VsRealZone[] {
  if (!v.real) return []
  return v.real.predictedVsReal.map((r) => {
    const hb = v.band?.zones[r.zone]?.highOrderPages
    return {
      zone: r.zone, predicted: r.predicted, real: r.real, error: r.error,
      highOrderPredicted: r.highOrderPagesPredicted, highOrderReal: r.highOrderPagesReal, highOrderError: r.highOrderError,
      highOrderBand: hb ? { lo: hb.lo, hi: hb.hi } : null,
    }
  })
}

/** "async" / "sync-light" / "sync" with the priority it stands for. */
export function modeLabel(mode: string): string {
  switch (mode) {
    case 'async': return 'async (COMPACT_PRIO_ASYNC)'
    case 'sync-light': return 'sync-light (COMPACT_PRIO_SYNC_LIGHT)'
    case 'sync': return 'sync (COMPACT_PRIO_SYNC_FULL)'
    default: return mode
  }
}
