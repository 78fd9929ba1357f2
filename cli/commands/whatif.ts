/**
 * `buddyscope whatif compact`: run compaction on a snapshot's model and report the after-state,
 * the counters, the result — with a median and 90 % band over seeds for synthesized layouts (or
 * for the choice of pinned pages), and predicted vs real when the capture is followed by a
 * compaction trigger in its series.
 */
import { availableParallelism } from 'node:os'
import { readFile } from 'node:fs/promises'
import {
  runCompactWhatIf, comparePredictedVsReal, sysctlInt, computePageblockMap, type PageblockMap,
  type CompactWhatIfOptions, type CompactWhatIfResult, type PinnedAssumption, type MigrateMode, type CompactStrategy, type ZoneSummary, type PredictedVsReal,
} from '../../engine/index.ts'
import { loadSnapshot, type LayoutChoice } from '../host/load.ts'
import { seriesContext, type SeriesContext } from '../host/series.ts'
import { inspectJson } from './inspect.ts'
import type { CompactJob } from '../../electron/main/host/engine_worker.ts'
import type { Worker } from 'node:worker_threads'
import { cloneModel } from '../../engine/index.ts'

export class WhatifUsageError extends Error {}

export interface WhatifCompactArgs {
  path: string
  capture?: string
  layout: LayoutChoice
  seed: number
  seeds: number
  node?: number
  zone?: string
  order?: number
  mode?: MigrateMode
  strategy: Partial<CompactStrategy>
  pinned: PinnedSpec
  /** run proactive compaction (kcompactd) with this compaction_proactiveness instead ('capture' = the capture's sysctl) */
  proactive?: number | 'capture'
  /** the CPU the compaction runs on (its per-cpu lists take the frees); default: the one holding the most pcp pages */
  cpu?: number
  /** also return the pageblock map after the run and the pageblocks that changed (the app) */
  withMaps?: boolean
}

export type PinnedSpec = { kind: 'auto' } | { kind: 'none' } | { kind: 'pages'; count: number } | { kind: 'fraction'; fraction: number } | { kind: 'pfns'; file: string }

/** --strategy words: fast-free/no-fast-free, fast-migrate/no-fast-migrate, skip-bits/ignore-skip-bits, scan-unmovable/no-scan-unmovable */
export function parseStrategy(text: string | undefined): Partial<CompactStrategy> {
  const out: Partial<CompactStrategy> = {}
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

export function parsePinned(value: string | undefined): PinnedSpec {
  if (value === undefined || value === 'auto') return { kind: 'auto' }
  if (value === 'none' || value === '0') return { kind: 'none' }
  if (/^\d+$/.test(value)) return { kind: 'pages', count: Number(value) }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value)
  if (pct && Number(pct[1]) <= 100) return { kind: 'fraction', fraction: Number(pct[1]) / 100 }
  if (value.startsWith('@')) return { kind: 'pfns', file: value.slice(1) }
  throw new WhatifUsageError(`--pinned takes auto, none, a page count (2048), a share of anonymous pages (4.5%) or @FILE with one PFN per line; not "${value}"`)
}

/** The pinned-page assumption of a --pinned value (auto: the capture's workload log, else none). */
export async function resolvePinned(spec: PinnedSpec, ctx: SeriesContext | null, seed: number): Promise<PinnedAssumption> {
  switch (spec.kind) {
    case 'none': return { kind: 'none' }
    case 'pages': return { kind: 'pages', count: spec.count, seed, source: '--pinned' }
    case 'fraction': return { kind: 'fraction', fraction: spec.fraction, seed, source: '--pinned' }
    case 'pfns': {
      let text: string
      try {
        text = await readFile(spec.file, 'utf8')
      } catch (e) {
        throw new Error(`${spec.file}: cannot read the PFN list (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e })
      }
      const pfns: number[] = []
      text.split('\n').forEach((l, i) => {
        const t = l.trim()
        if (!t || t.startsWith('#')) return
        const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN
        if (!Number.isSafeInteger(v)) throw new Error(`${spec.file}:${i + 1}: expected a PFN (decimal or 0x hex), found "${t}"`)
        pfns.push(v)
      })
      return { kind: 'pfns', pfns, source: spec.file }
    }
    case 'auto':
      if (ctx?.workloadPinnedPages) return { kind: 'pages', count: ctx.workloadPinnedPages, seed, source: 'the capture\'s workload.log (vmsplice_pinned_pages)' }
      return { kind: 'none' }
  }
}

export interface Band {
  seeds: number[]
  /** per zone label: free blocks per order after, median / 5th / 95th percentile */
  zones: Record<string, { median: number[]; p5: number[]; p95: number[]; highOrderPages: { median: number; p5: number; p95: number } }>
  counters: Record<string, { median: number; p5: number; p95: number }>
}

export interface WhatifCompactJson {
  before: ZoneSummary[]
  after: ZoneSummary[]
  counters: Record<string, number>
  result: string
  kind: 'full' | 'direct' | 'proactive'
  order: number
  mode: string
  layout: 'exact' | 'synthesized'
  seed: number
  band: Band | null
  zonesCompacted: CompactWhatIfResult['zones']
  pagesMigrated: number
  bytesCopied: number
  allocationWouldSucceed: boolean | null
  assumptions: string[]
  /** when the capture is followed by a compaction trigger in its series */
  real: {
    capture: string
    trigger: { file: string; node: number | null }
    counters: Record<string, number>
    predictedVsReal: PredictedVsReal[]
  } | null
  timeline: number[]
  events: CompactWhatIfResult['events']
  eventsDropped: number
  afterMap?: PageblockMap
  changedPageblocks?: number[]
  pageSize: number
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

function stats(values: number[]): { median: number; p5: number; p95: number } {
  const s = [...values].sort((a, b) => a - b)
  return { median: quantile(s, 0.5), p5: quantile(s, 0.05), p95: quantile(s, 0.95) }
}

export function band(results: CompactWhatIfResult[], seeds: number[], pageblockOrder: number): Band {
  const zones: Band['zones'] = {}
  const first = results[0]!
  first.after.forEach((z, zi) => {
    const label = `Node ${z.node}, zone ${z.zone}`
    const orders = z.freeBlocks.length
    const per = Array.from({ length: orders }, (_, o) => stats(results.map((r) => r.after[zi]!.freeBlocks[o]!)))
    const hi = stats(results.map((r) => r.after[zi]!.freeBlocks.reduce((s, n, o) => s + (o >= pageblockOrder ? n * 2 ** o : 0), 0)))
    zones[label] = { median: per.map((p) => p.median), p5: per.map((p) => p.p5), p95: per.map((p) => p.p95), highOrderPages: hi }
  })
  const counters: Band['counters'] = {}
  for (const k of Object.keys(first.counters)) counters[k] = stats(results.map((r) => r.counters[k] ?? 0))
  return { seeds, zones, counters }
}

/** Run jobs on worker threads, at most `parallel` at once. */
async function runPool(jobs: CompactJob[], parallel: number, tsxWorker: (data: unknown) => Worker): Promise<CompactWhatIfResult[]> {
  const out: CompactWhatIfResult[] = new Array(jobs.length)
  let next = 0
  const one = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await new Promise<CompactWhatIfResult>((ok, fail) => {
        const w = tsxWorker(jobs[i])
        w.once('message', (m: { type: string; result?: CompactWhatIfResult; error?: { message: string } }) => {
          if (m.type === 'done' && m.result) ok(m.result)
          else fail(new Error(m.error?.message ?? 'the what-if worker failed'))
          void w.terminate()
        })
        w.once('error', fail)
      })
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, one))
  return out
}

/**
 * Run the what-if. With `createWorker`, an ensemble (seeds > 1) runs on worker threads; without
 * (already inside a worker), the seeds run one after another on copies of the loaded model
 * (pin seeds) or on freshly synthesized layouts.
 */
export async function whatifCompact(a: WhatifCompactArgs, createWorker?: (data: unknown) => Worker): Promise<WhatifCompactJson> {
  const s = await loadSnapshot(a.path, { ...(a.capture ? { capture: a.capture } : {}), layout: a.layout, seed: a.seed })
  const ctx = await seriesContext(a.path, s.label)
  const layout = s.model.build.method
  if (a.cpu !== undefined) {
    const cpus = [...new Set(s.model.zones.flatMap((z) => z.pcpCpus.map((c) => c.cpu)))].sort((x, y) => x - y)
    if (!cpus.includes(a.cpu)) {
      throw new WhatifUsageError(cpus.length ? `--cpu ${a.cpu}: the capture's zoneinfo has per-cpu lists for CPU ${cpus.join(', ')} only` : `--cpu ${a.cpu}: the capture has no per-cpu lists (no zoneinfo pagesets)`)
    }
  }
  const options = async (seed: number): Promise<CompactWhatIfOptions> => ({
    ...(a.node !== undefined ? { node: a.node } : {}),
    ...(a.zone !== undefined ? { zone: a.zone } : {}),
    ...(a.order !== undefined ? { order: a.order } : {}),
    ...(a.mode !== undefined ? { mode: a.mode } : {}),
    strategy: a.strategy,
    pinned: await resolvePinned(a.pinned, ctx, seed),
    // the workload's vmsplice pins are not FOLL_LONGTERM: they may sit anywhere
    pinOptions: { placement, migrateBeforePin: a.pinned.kind !== 'auto' },
    unevictableAllowed: sysctlInt(s.capture, 'compact_unevictable_allowed', 1) !== 0,
    extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500),
    ...(a.cpu !== undefined ? { pcpCpu: a.cpu } : {}),
    ...(a.proactive !== undefined ? { proactiveness: a.proactive === 'capture' ? sysctlInt(s.capture, 'compaction_proactiveness', 20) : a.proactive } : {}),
  })
  const { followsFullCompaction } = await import('./whatif_contig.ts')
  const placement = (await followsFullCompaction(a.path, s.label)) ? 'after-compaction' as const : 'uniform' as const
  const before = inspectJson(s).zones
  const pristine = a.seeds > 1 && !createWorker && layout === 'exact' ? cloneModel(s.model, s.allocator.policy) : null
  const main = runCompactWhatIf(s.model, s.allocator, await options(a.seed), s.capture.machine.hpageOrder)
  let bandOut: Band | null = null
  if (a.seeds > 1) {
    const seeds = Array.from({ length: a.seeds }, (_, i) => a.seed + i)
    const jobs: CompactJob[] = []
    for (const seed of seeds) {
      jobs.push({
        kind: 'whatif-compact', path: a.path, ...(s.label ? { capture: s.label } : {}), layout: layout === 'exact' ? 'exact' : 'synthesized',
        seed, options: await options(seed), noEvents: true,
      })
    }
    let results: CompactWhatIfResult[]
    if (createWorker) results = await runPool(jobs, Math.min(2, availableParallelism()), createWorker)
    else {
      results = []
      for (const job of jobs) {
        if (pristine) {
          const c = cloneModel(pristine.model, pristine.allocator.policy)
          results.push(runCompactWhatIf(c.model, c.allocator, job.options, s.capture.machine.hpageOrder))
        } else {
          const again = await loadSnapshot(a.path, { ...(a.capture ? { capture: a.capture } : {}), layout: job.layout ?? 'auto', seed: job.seed ?? 1 })
          results.push(runCompactWhatIf(again.model, again.allocator, job.options, s.capture.machine.hpageOrder))
        }
      }
    }
    bandOut = band(results, seeds, s.capture.machine.pageblockOrder)
  }
  let real: WhatifCompactJson['real'] = null
  // a captured trigger is a full compaction: compare only a full-compaction what-if with it
  if (ctx?.trigger && ctx.nextBuddyinfo && ctx.next && main.kind === 'full') {
    real = {
      capture: ctx.next,
      trigger: { file: ctx.trigger.file, node: ctx.trigger.node },
      counters: ctx.trigger.deltas,
      predictedVsReal: comparePredictedVsReal(main.after, ctx.nextBuddyinfo.rows, s.capture.machine.pageblockOrder),
    }
  }
  return {
    before, after: main.after, counters: main.counters, result: main.result, kind: main.kind, order: main.order, mode: main.mode,
    layout, seed: a.seed, band: bandOut, zonesCompacted: main.zones, pagesMigrated: main.pagesMigrated, bytesCopied: main.bytesCopied,
    allocationWouldSucceed: main.allocationWouldSucceed, assumptions: main.assumptions, real, timeline: main.timeline, events: main.events, eventsDropped: main.eventsDropped,
    pageSize: s.model.geometry.pageSize,
    ...(a.withMaps ? { afterMap: computePageblockMap(s.model), changedPageblocks: main.changedPageblocks } : {}),
  }
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
  L.push(`Migrated ${j.pagesMigrated} pages (${fmtPages(j.pagesMigrated, pageSize)} copied)`)
  L.push('Counters (as /proc/vmstat deltas):')
  for (const [k, v] of Object.entries(j.counters)) {
    const realV = j.real?.counters[k]
    const b = j.band?.counters[k]
    L.push(`  ${k.padEnd(26)}${String(v).padStart(9)}${b ? `   band ${b.p5.toFixed(0)}..${b.p95.toFixed(0)} (median ${b.median.toFixed(0)})` : ''}${realV !== undefined ? `   real ${realV > 0 ? '+' : ''}${realV}` : ''}`)
  }
  const orders = j.after[0]?.freeBlocks.length ?? 11
  for (const [zi, z] of j.after.entries()) {
    const b = j.before[zi]!
    L.push('')
    L.push(`Node ${z.node}, zone ${z.zone}`)
    L.push(`  ${'order'.padEnd(12)}${Array.from({ length: orders }, (_, o) => String(o).padStart(7)).join('')}`)
    L.push(`  ${'before'.padEnd(12)}${b.freeBlocks.map((v) => String(v).padStart(7)).join('')}`)
    L.push(`  ${'after'.padEnd(12)}${z.freeBlocks.map((v) => String(v).padStart(7)).join('')}`)
    const bz = j.band?.zones[`Node ${z.node}, zone ${z.zone}`]
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
  if (j.real) L.push('', `Compared with the real kernel: capture ${j.real.capture} was taken after a write to ${j.real.trigger.file === 'compact_memory' ? '/proc/sys/vm/compact_memory' : `/sys/devices/system/node/node${j.real.trigger.node ?? 0}/compact`}.`)
  L.push('', 'Assumptions:')
  for (const s of j.assumptions) L.push(`  - ${s}`)
  return L.join('\n') + '\n'
}
