/**
 * The compaction what-if as every host runs it: load the snapshot, run compaction on its model
 * (engine/whatif/compact.ts), and report the after-state, the counters and the result — with a
 * median and 90 % band over seeds for synthesized layouts (or for the choice of pinned pages),
 * and predicted vs real when the capture is followed by a compaction trigger in its series.
 * The seeds of an ensemble run on the host's worker pool (`runSeeds`).
 */
import { availableParallelism } from 'node:os'
import { basename, dirname } from 'node:path'
import {
  runCompactWhatIf, runCompactSeed, StragglerMemo, comparePredictedVsReal, sysctlInt, computePageblockMap, cloneModel, exportModel, modelTemplate, instantiateModel, type PageblockMap,
  type CompactWhatIfOptions, type CompactWhatIfResult, type CompactSeedOutcome, type ZoneSummary, type PredictedVsReal,
} from '../../engine/index.ts'
import type { WhatifCompactRequest } from '../../contract/schemas.ts'
import { formatBytes } from '../../charts/format.ts'
import { loadSnapshot, openForSynthesis } from '../load.ts'
import { seriesContext } from '../series.ts'
import { OpenedPath } from '../snapshot.ts'
import { followsFullCompaction, lastFullCompactionCpu, resolvePinned, triggerShellOnCpu } from './pinned.ts'
import { drawUnmovableDemand, medianUnmovableDemand, unmovableDemandDrawn } from './unmovable_demand.ts'
import type { SeedDone, SeedJob, Target } from '../workers/jobs.ts'

/** A request the snapshot cannot answer (a CPU it has no lists for): a usage error in the CLI. */
export class WhatifRequestError extends Error {}

export interface Stat {
  median: number
  p5: number
  p95: number
  /**
   * The 90 % prediction interval of one more run (the real outcome, where the model is right):
   * the k-th smallest and k-th largest of the N runs, k = max(1, ⌊0.05 (N + 1)⌋). A further run
   * falls between the k-th smallest and largest of N exchangeable runs with probability
   * (N + 1 − 2k) / (N + 1): 90 % at N = 19 (k = 1), 88 % at N = 16. p5–p95, interpolated
   * between order statistics, estimates the runs' own quantiles and holds a further run less
   * often (about 79 % at N = 16).
   */
  lo: number
  hi: number
}

export interface Band {
  seeds: number[]
  /** per zone label: free blocks per order after, median / 5th / 95th percentile */
  zones: Record<string, { median: number[]; p5: number[]; p95: number[]; highOrderPages: Stat }>
  counters: Record<string, Stat>
  /** free pages in blocks ≥ pageblock order over every zone compacted, per seed's total */
  highOrderPages?: Stat
}

export interface WhatifCompactJson {
  before: { zones: ZoneSummary[] }
  /** the after-state of the run with the first seed */
  after: { zones: ZoneSummary[] }
  /** /proc/vmstat deltas: a number, or over an ensemble its median and 90 % band */
  counters: Record<string, number | Stat>
  result: string
  kind: 'full' | 'direct' | 'proactive'
  order: number
  mode: string
  layout: 'exact' | 'synthesized'
  seed: number
  band: Band | null
  zonesCompacted: CompactWhatIfResult['zones']
  /** pages migrated: the run's, or an ensemble's median */
  pagesMigrated: number
  bytesCopied: number
  allocationWouldSucceed: boolean | null
  assumptions: string[]
  /** why a trigger that follows the capture is not compared with (another step came between), or null */
  notCompared: string | null
  /** when the capture is followed by a compaction trigger in its series, and nothing else */
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
  /** per pageblock: the diff model's change bits (engine/metrics/diff.ts) from before to after */
  pageblockChanges?: Uint16Array
  pageSize: number
  /**
   * The same compaction run on another CPU, when the one it runs on is a guess: no --cpu, no CPU in
   * steps.log, one seed, a full compaction, two or more CPUs with per-cpu lists. Null otherwise.
   */
  cpuAlternative: CpuAlternative | null
}

/**
 * A full compaction's outcome on the CPU holding the next most per-cpu pages. The main run takes
 * the CPU holding the most (PageAllocator.busiestCpu); the running CPU's lists take the pages the
 * compaction frees and push their captured pages back to the buddy allocator, while the other
 * CPUs' lists keep theirs, so which CPU the writer ran on can decide whether the vacated
 * pageblocks merge. A capture does not say (docs/fidelity.md, which CPU ran the trigger).
 */
export interface CpuAlternative {
  /** the CPU the main run ran on */
  ranOn: number
  /** the CPU this run ran on */
  cpu: number
  result: string
  pagesMigrated: number
  after: { zones: ZoneSummary[] }
  /** free pages in blocks of at least pageblock order after the main run and after this one, summed over every zone */
  highOrderPages: { main: number; alternative: number }
  /** the outcome in one sentence, for the CLI, the report and the app */
  summary: string
}

/** The counters of the first seed's run (what the app's charts plot), or the medians of an ensemble. */
export function counterValue(v: number | Stat): number {
  return typeof v === 'number' ? v : v.median
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** How many runs from each end the 90 % prediction interval of N runs leaves out, less one (see Stat). */
export function predictionRank(n: number): number {
  return Math.max(1, Math.floor(0.05 * (n + 1)))
}

/** How often one more run falls inside the lo–hi band of N runs: (N + 1 − 2k) / (N + 1). */
export function predictionCoverage(n: number): number {
  return n < 2 ? 0 : (n + 1 - 2 * predictionRank(n)) / (n + 1)
}

export function stats(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b)
  const k = Math.min(predictionRank(s.length), Math.ceil(s.length / 2))
  return {
    median: quantile(s, 0.5), p5: quantile(s, 0.05), p95: quantile(s, 0.95),
    lo: s.length ? s[k - 1]! : 0, hi: s.length ? s[s.length - k]! : 0,
  }
}

export function band(results: CompactSeedOutcome[], seeds: number[], pageblockOrder: number): Band {
  const zones: Band['zones'] = {}
  const first = results[0]!
  first.after.forEach((z, zi) => {
    const label = `Node ${z.node}, zone ${z.zone}`
    const per = z.freeBlocks.map((_, o) => stats(results.map((r) => r.after[zi]!.freeBlocks[o]!)))
    const hi = stats(results.map((r) => r.after[zi]!.freeBlocks.reduce((s, n, o) => s + (o >= pageblockOrder ? n * 2 ** o : 0), 0)))
    zones[label] = { median: per.map((p) => p.median), p5: per.map((p) => p.p5), p95: per.map((p) => p.p95), highOrderPages: hi }
  })
  const counters: Band['counters'] = {}
  for (const k of Object.keys(first.counters)) counters[k] = stats(results.map((r) => r.counters[k] ?? 0))
  const highOrderPages = stats(results.map((r) => r.after.reduce((t, z) => t + z.freeBlocks.reduce((s, n, o) => s + (o >= pageblockOrder ? n * 2 ** o : 0), 0), 0)))
  return { seeds, zones, counters, highOrderPages }
}

/** Runs the seeds of an ensemble on the worker pool: each job's answer, in the order of the jobs. */
export type SeedRunner = (jobs: SeedJob[]) => Promise<SeedDone[]>

export interface CompactRunEnv {
  runSeeds?: SeedRunner
  /** also return the pageblock map after the run and the pageblocks that changed (the app) */
  withMaps?: boolean
  /** the snapshot, already opened (its bundle unpacked) */
  opened?: OpenedPath
  /** threads the pool runs side by side (default: the CPUs) */
  parallel?: number
  /**
   * run the compaction a second time on the CPU holding the next most per-cpu pages when neither
   * --cpu nor steps.log says which CPU runs it (WhatifCompactJson.cpuAlternative); default on,
   * off where only the main run is read (the fidelity table, which runs every CPU itself)
   */
  cpuAlternative?: boolean
}

/** A steps.log step in the log's own words: `huge:2048:0 (size=2048kB …)`, `sysctl:… ` */
export function stepText(st: { name: string; detail: string }): string {
  // "step huge:2048:0: size=…" parses as name "huge", detail "2048:0: size=…"
  const args = /^(\d+(?::\d+)*):\s*(.*)$/.exec(st.detail)
  const name = args ? `${st.name}:${args[1]}` : st.name
  const rest = (args ? args[2]! : st.detail).replace(/\s*rc=-?\d+\s*$/, '').trim()
  return rest ? `${name} (${rest})` : name
}

type Built = { model: LoadedModel['model']; allocator: LoadedModel['allocator'] }

/**
 * A seed job, as a worker runs it: it takes its ensemble's runs one at a time from the shared
 * queue until none is left, each on a fresh model: a copy of the exact layout (the host's, in
 * shared memory; else loaded here once), or the synthesized layout of the run's seed (the capture
 * read and parsed once). It reports what the band reads (runCompactSeed). Pins placed after a
 * compaction on an exact layout find the pages that compaction would still move once per job.
 */
export async function runSeedJob(job: SeedJob, opened: OpenedPath): Promise<SeedDone> {
  const queue = new Int32Array(job.queue)
  const out: SeedDone = []
  let i = Atomics.add(queue, 0, 1)
  if (i >= job.runs.length) return out
  const t = job.target
  const capture = t.capture ? { capture: t.capture } : {}
  let make: (seed: number) => Built
  let hpageOrder: number
  // every run on a copy of one exact layout: pins placed after a compaction need its stragglers found once
  let memo: StragglerMemo | undefined
  if (job.exact || t.layout === 'exact') {
    memo = new StragglerMemo()
    let exact = job.exact
    if (!exact) {
      const s = await loadSnapshot(opened, { ...capture, layout: 'exact', seed: t.seed })
      exact = { model: exportModel(s.model, s.allocator.policy), hpageOrder: s.capture.machine.hpageOrder }
    }
    const template = modelTemplate(exact.model)
    make = () => instantiateModel(template)
    hpageOrder = exact.hpageOrder
  } else {
    const src = await openForSynthesis(opened, capture)
    make = (seed) => src.layout(seed)
    hpageOrder = src.capture.machine.hpageOrder
  }
  for (; i < job.runs.length; i = Atomics.add(queue, 0, 1)) {
    const run = job.runs[i]!
    const { model, allocator } = make(run.seed)
    out.push({ index: i, outcome: runCompactSeed(model, allocator, run.options, hpageOrder, memo) })
  }
  return out
}

type LoadedModel = Awaited<ReturnType<typeof loadSnapshot>>

/** An exact layout for the seed jobs, in shared memory: one copy, made before this thread's own run changes the model, read by every job. */
function sharedExact(model: LoadedModel['model'], policy: LoadedModel['allocator']['policy'], hpageOrder: number): NonNullable<SeedJob['exact']> {
  const shared = (a: Uint8Array): Uint8Array => {
    const b = new Uint8Array(new SharedArrayBuffer(a.length))
    b.set(a)
    return b
  }
  const t = exportModel(model, policy)
  const tails = t.kernelCompoundTails ? new Uint32Array(new SharedArrayBuffer(t.kernelCompoundTails.byteLength)) : null
  if (tails) tails.set(t.kernelCompoundTails!)
  return { model: { ...t, memMap: shared(t.memMap), pageblockMt: shared(t.pageblockMt), pageblockFlags: shared(t.pageblockFlags), kernelCompoundTails: tails }, hpageOrder }
}

/** What the band reads of a full run. */
function outcomeOf(r: CompactWhatIfResult): CompactSeedOutcome {
  return { after: r.after.map((z) => ({ node: z.node, zone: z.zone, freeBlocks: z.freeBlocks })), counters: r.counters }
}

/**
 * The seeds of an ensemble, one after the other in this thread, as plainly as possible: each
 * exact run on a copy of a copy of the layout made before the main run, each synthesized run on
 * a layout loaded for its seed; every run the full what-if. The pool's answer is checked against
 * this one (test/host/ensemble.test.ts).
 */
async function seedsSerially(o: OpenedPath, s: LoadedModel, pristine: Built | null, runs: Array<{ seed: number; options: CompactWhatIfOptions }>): Promise<CompactWhatIfResult[]> {
  const hpageOrder = s.capture.machine.hpageOrder
  const results: CompactWhatIfResult[] = []
  for (const run of runs) {
    const { model, allocator } = pristine
      ? cloneModel(pristine.model, pristine.allocator.policy)
      : await loadSnapshot(o, { ...(s.label ? { capture: s.label } : {}), layout: 'synthesized', seed: run.seed })
    results.push(runCompactWhatIf(model, allocator, run.options, hpageOrder))
  }
  return results
}

/**
 * The CPU with per-cpu lists holding the next most pages after the busiest (summed over the zones;
 * ties: the lower-numbered), or null when fewer than two CPUs hold any: the CPU a compaction whose
 * CPU is a guess is run on a second time (CpuAlternative).
 */
export function nextBusiestCpu(model: { zones: ReadonlyArray<{ pcpCpus: ReadonlyArray<{ cpu: number; count: number }> }> }): number | null {
  const per = new Map<number, number>()
  for (const z of model.zones) for (const c of z.pcpCpus) per.set(c.cpu, (per.get(c.cpu) ?? 0) + c.count)
  const ranked = [...per].sort((a, b) => b[1] - a[1] || a[0] - b[0])
  return ranked.length >= 2 && ranked[0]![1] > 0 ? ranked[1]![0] : null
}

function cpuAlternativeSummary(ranOn: number, cpu: number, migrated: number, altMigrated: number, hi: CpuAlternative['highOrderPages'], blockBytes: number): string {
  const n = (v: number): string => v.toLocaleString('en-US')
  const size = formatBytes(blockBytes)
  const head = `Which CPU runs the compaction is not in the capture: this run took CPU ${ranOn}, whose per-cpu lists held the most pages (--cpu picks one).`
  if (hi.alternative === hi.main) return `${head} On CPU ${cpu} it ends with the same ${n(hi.main)} free pages in ≥ ${size} blocks (${n(altMigrated)} pages migrated).`
  const why = hi.alternative < hi.main
    ? `CPU ${ranOn}'s per-cpu pages stay on its list and keep the pageblocks they sit in from merging`
    : `CPU ${cpu}'s own list then takes the compaction's frees and gives its captured pages back to the buddy allocator`
  return `${head} On CPU ${cpu} it would end with ${n(hi.alternative)} free pages in ≥ ${size} blocks instead of ${n(hi.main)} (${n(altMigrated)} pages migrated against ${n(migrated)}): ${why}.`
}

export async function whatifCompact(target: Target, req: WhatifCompactRequest, env: CompactRunEnv = {}): Promise<WhatifCompactJson> {
  if (env.opened) return run(env.opened, target, req, env)
  const o = new OpenedPath(target.path, target.shared ?? [])
  try {
    return await run(o, target, req, env)
  } finally {
    await o.close()
  }
}

/** what compactOptions needs of a loaded snapshot */
type LoadedSnapshot = Awaited<ReturnType<typeof loadSnapshot>>

export interface CompactOptionsPlan {
  /** the engine's options for one seed */
  options: (seed: number) => Promise<CompactWhatIfOptions>
  /** the CPUs the seeds run the compaction on in turn, when neither --cpu nor steps.log says which */
  cpusInTurn: number[] | null
  /** the CPU steps.log says the captured trigger ran on, when the what-if runs there */
  triggerCpu: number | undefined
}

/** Whether a capture's buddyinfo re-read after kpageflags and kpagecount lists fewer free pages in blocks of at least pageblock order than its first read, in some zone. */
function rereadLostPageblockOrder(s: LoadedSnapshot, ctx: Awaited<ReturnType<typeof seriesContext>>): boolean {
  const first = s.capture.buddyinfo
  const again = ctx?.rereadBuddyinfo
  if (!first || !again) return false
  const pbo = s.capture.machine.pageblockOrder
  const big = (nr: readonly number[]): number => nr.reduce((t, n, o) => t + (o >= pbo ? n * 2 ** o : 0), 0)
  return again.rows.some((r) => {
    const f = first.rows.find((x) => x.node === r.node && x.zone === r.zone)
    return f !== undefined && big(r.nrFree) < big(f.nrFree)
  })
}

let pagesWritten = true
/**
 * Switches off the pages written between the capture and the trigger (CompactWhatIfOptions
 * pagesWrittenBeforeTrigger; tests: the rows without them); on by default.
 */
export function setPagesWrittenBeforeTrigger(on: boolean): void {
  pagesWritten = on
}

let drainBetweenOn = true
/** Switches off the drain_all_pages the series' counters show between the captures (drainBetweenOf; tests: the rows without it); on by default. */
export function setDrainBetween(on: boolean): void {
  drainBetweenOn = on
}

/**
 * A drain_all_pages between a capture and the next one, as the two captures' vmstat show it
 * beyond the steps' own deltas (SeriesContext.betweenCounters: what a user comparing two captures
 * has, in the shared harness's format too; a what-if on one capture has no next capture and no
 * such input): the sentence saying why, or null.
 * - kcompactd's scanned counters risen (compact_daemon_migrate_scanned / _free_scanned) by at
 *   least half the pages the zones manage: kcompactd_do_work counts them when compact_zone
 *   returns, right after it drained the zone's per-cpu lists on COMPACT_COMPLETE or
 *   COMPACT_PARTIAL_SKIPPED (drain_all_pages(zone)), and not on COMPACT_SUCCESS, which no counter
 *   names: a pass that ends COMPACT_COMPLETE runs until its two scanners meet, so between them
 *   they walk the zone (a full compaction's scanners walk 80 % of arm64-1G-s18's 247889 pages),
 *   while one that stops at COMPACT_SUCCESS as soon as a block of the wanted order is free walks
 *   a few per cent (the 6.1 arm64 rows arm64-1G-s18-nopin, arm64-1G-s35-gen, arm64-2G-s19-fewpin:
 *   5348, 18109 and 6735 pages, and a drain there took their ≥ 2 MiB values from −0.5, +13.8 and
 *   −1.0 % to +10.9, +16.3 and +0.1 %). A wake alone (compact_daemon_wake) is a run that found no
 *   zone suitable or had not returned yet: no drain.
 * - a direct reclaim (allocstall_*): __alloc_pages_direct_reclaim drains every zone's lists
 *   (drain_all_pages(NULL)) when its reclaim made progress and the retry found no page.
 * fixtures/arm64-1G-s18-k612-wl0-ftrace-cpu1 (`drain_all_pages <- kcompactd_do_work` in its
 * function trace) and arm64-1G-s18-k612-nopin-cpu1 (allocstall_normal +1, compact_stall +1).
 */
export function drainBetweenOf(ctx: Awaited<ReturnType<typeof seriesContext>>, managedPages: number): string | null {
  const b = ctx?.betweenCounters
  if (!drainBetweenOn || !b) return null
  const ms = b['compact_daemon_migrate_scanned'] ?? 0
  const fs = b['compact_daemon_free_scanned'] ?? 0
  const stalls = Object.entries(b).filter(([k, v]) => k.startsWith('allocstall_') && v > 0)
  const why: string[] = []
  if (ms + fs >= managedPages / 2) why.push(`kcompactd compacted the zones through (the next capture's vmstat has compact_daemon_migrate_scanned +${ms}, compact_daemon_free_scanned +${fs} beyond the steps' deltas, at least half the ${managedPages} pages the zones manage: a pass whose scanners met, COMPACT_COMPLETE, not one stopped early by COMPACT_SUCCESS), and kcompactd_do_work drains a zone's lists when compact_zone returns COMPACT_COMPLETE or COMPACT_PARTIAL_SKIPPED`)
  if (stalls.length) why.push(`a task's allocation went into direct reclaim (${stalls.map(([k, v]) => `${k} +${v}`).join(', ')} beyond the steps' deltas), and __alloc_pages_direct_reclaim drains every zone's lists when its reclaim made progress and the retry found no page`)
  return why.length ? why.join('; ') : null
}

/**
 * The CPU whose per-cpu lists took the capture's own tools' pages when the tools exited
 * (MemoryModel.captureToolPages; exit_mmap → free_unref_page_list onto the exiting CPU's list).
 * steps.log's `cap N-label cpu=C` is the CPU of the harness's shell at the capture's end; where the
 * tools are not pinned with it (gt_capcpu) the scheduler puts each forked tool on the idlest CPU.
 * On 6.1, whose lists change between two reads only by frees, bulk frees at high, refills and
 * allocations, the CPU whose lists grew from the capture's zoneinfo to its re-read after
 * kpageflags and kpagecount (SeriesContext.rereadGrowthCpu) is the one those tools' exits freed
 * to: fixtures/x86-1G-s2-hugetlb-cpu0-r2 (`cap … cpu=0`, CPU 1's list 306 → 1279 while CPU 0's
 * fell, and in the after-capture 22 pageblocks the compaction on CPU 0 vacated keep 1–4 of the
 * tools' pages on CPU 1's list) and x86-4G-s14-nopin-cpu1. On 6.7+ decay_pcp_high lowers the
 * lists between the reads, so growth names no CPU there (x86-1G-s15-k612-nopin-cpu1 and -cpu1-b:
 * taken so, −26 % each): steps.log's CPU is kept. Where steps.log does not record the capture's CPU
 * (the older runs) the what-if's default stays (the lowest-numbered CPU; taken from the growth
 * there, x86-2G-s13-fewpin fell −2.4 → −10.0 % and x86-512M-s11-nopin's second compaction
 * +0.0 → +42.4 %): null.
 */
export function toolsExitCpu(s: LoadedSnapshot, ctx: Awaited<ReturnType<typeof seriesContext>>, cpus: ReadonlySet<number>): number | null {
  if (ctx?.captureCpu == null || !cpus.has(ctx.captureCpu)) return null
  if (s.allocator.policy.kernel < 6007 && ctx.rereadGrowthCpu != null && cpus.has(ctx.rereadGrowthCpu)) return ctx.rereadGrowthCpu
  return ctx.captureCpu
}

/**
 * The order of the page-global directory a process frees when its mm is dropped (pgd_free), by
 * the capture's architecture: on x86-64 PGD_ALLOCATION_ORDER is 1 wherever the kernel is built
 * with CONFIG_PAGE_TABLE_ISOLATION (Debian's amd64 kernels: the kernel-mode and user-mode
 * directories side by side), while arm64's pgd_alloc takes a single page (__get_free_page where
 * PGD_SIZE is PAGE_SIZE, as with 4 KiB pages and 39- or 48-bit addresses) or a pgd_cache object,
 * never an order-1 block. 6.1's free_unref_page_commit returns a CPU's whole per-cpu list only on
 * a free of order 1 to PAGE_ALLOC_COSTLY_ORDER while free_factor is above 0 (free_high), so the
 * exited trigger shell's mm empties that list on x86 and leaves it on arm64: in
 * fixtures/arm64-1G-s6-cma-compact-cpu0 (`cn@0`, the next capture's tools on CPU 0) CPU 0's list
 * holds 3194 of its high 3520 in the after-capture, the compaction's last-freed pages among them,
 * where the x86 runs' lists went back (x86-1G-s27-tools1: 288 left). Unknown architectures are taken
 * as x86-64, the runs this rule was found on.
 */
export function pgdFreeOrder(arch: string | null): number {
  return arch === 'arm64' ? 0 : 1
}

/**
 * The options `whatif compact` runs the engine with, per seed, for a request on a loaded snapshot
 * and its series context (steps.log, workload.log, the re-read after kpageflags): the trigger's
 * CPU, the per-cpu lists' settling up to the next capture, the pins. Throws WhatifRequestError
 * for a --cpu the capture has no lists for. Exported so that tests run the engine on a model
 * they changed with exactly the options the command uses.
 */
export function compactOptions(s: LoadedSnapshot, ctx: Awaited<ReturnType<typeof seriesContext>>, req: WhatifCompactRequest, baseSeed: number): CompactOptionsPlan {
  const layout = s.model.build.method
  const seedCount = req.seeds ?? 1
  if (req.cpu !== undefined) {
    const cpus = [...new Set(s.model.zones.flatMap((z) => z.pcpCpus.map((c) => c.cpu)))].sort((x, y) => x - y)
    if (!cpus.includes(req.cpu)) {
      throw new WhatifRequestError(cpus.length ? `--cpu ${req.cpu}: the capture's zoneinfo has per-cpu lists for CPU ${cpus.join(', ')} only` : `--cpu ${req.cpu}: the capture has no per-cpu lists (no zoneinfo pagesets)`)
    }
  }
  const placement = followsFullCompaction(ctx) ? 'after-compaction' as const : 'uniform' as const
  // the CPU the captured trigger ran on (steps.log `cm@1`, `cpu=1`): its lists take the freed
  // pages, so a full-compaction what-if runs there unless --cpu says otherwise
  const cpusCaptured = new Set(s.model.zones.flatMap((z) => z.pcpCpus.map((c) => c.cpu)))
  const toolsCpu = toolsExitCpu(s, ctx, cpusCaptured)
  const compactedCpu = lastFullCompactionCpu(ctx)
  const triggerCpu = req.cpu === undefined && req.order === undefined && req.proactive === undefined && ctx?.trigger?.cpu != null && cpusCaptured.has(ctx.trigger.cpu) ? ctx.trigger.cpu : undefined
  const cpu = req.cpu ?? triggerCpu
  // a synthesized ensemble draws every unknown per seed: when neither --cpu nor steps.log says
  // which CPU ran a full compaction, each seed runs it on one of the capture's CPUs in turn
  const cpuList = [...cpusCaptured].sort((x, y) => x - y)
  const drawCpu = cpu === undefined && layout === 'synthesized' && seedCount > 1 && req.order === undefined && req.proactive === undefined && cpuList.length > 1
  const cpuOf = (seed: number): number | undefined => (drawCpu ? cpuList[(seed - baseSeed) % cpuList.length] : cpu)
  // a full compaction compared with the captured trigger is read when that capture was taken
  // (a synthesized layout made from the capture's re-read after kpageflags holds the per-cpu
  // counts of that re-read: from there, seconds before the next capture, when steps.log times it)
  const fromReread = layout === 'synthesized' && s.reread !== undefined && ctx?.rereadSecondsToNext != null
  const settle = req.order === undefined && req.proactive === undefined && ctx?.trigger && !ctx.otherSteps.length && ctx.secondsToNext !== null ? (fromReread ? ctx.rereadSecondsToNext! : ctx.secondsToNext) : undefined
  const settleFrom = settle === undefined ? undefined : fromReread ? ctx?.rereadFromUptime : ctx?.secondsFromUptime
  // a synthesized layout of a capture followed by a captured full compaction: the Unmovable pages
  // allocated before the trigger, drawn per seed from the harness runs' measure (never this row's
  // own); not where the layout is made from a re-read after kpageflags that already lacks blocks of
  // pageblock order the first read had (the capture itself shows its steal: in the 7 harness pairs
  // whose re-read lost such a block, no further one was lost before the next capture)
  const demandKey = s.label !== null ? `${basename(s.path.endsWith(s.label) ? dirname(s.path) : s.path)}/${s.label}` : null
  const withDemand = unmovableDemandDrawn() && settle !== undefined && req.order === undefined && req.proactive === undefined
  const drawDemand = withDemand && layout === 'synthesized' && !(s.reread !== undefined && rereadLostPageblockOrder(s, ctx))
  // the exact layout (kpageflags, read after buddyinfo) runs once: the measured median, where its re-read lost no such block
  const exactDemand = withDemand && layout === 'exact' && !rereadLostPageblockOrder(s, ctx) ? medianUnmovableDemand(demandKey) : 0
  const drain = settle !== undefined ? drainBetweenOf(ctx, s.model.zones.reduce((t, z) => t + (z.pcpCpus.length ? z.managed : 0), 0)) : null
  const options = async (seed: number): Promise<CompactWhatIfOptions> => {
    const pinned = await resolvePinned(req.pinned, ctx, seed)
    return {
      ...(req.node !== undefined ? { node: req.node } : {}),
      ...(req.zone !== undefined ? { zone: req.zone } : {}),
      ...(req.order !== undefined ? { order: req.order } : {}),
      ...(req.mode !== undefined ? { mode: req.mode } : {}),
      strategy: req.strategy ?? {},
      pinned,
      // the workload's vmsplice pins are not FOLL_LONGTERM: they may sit anywhere
      pinOptions: { placement, migrateBeforePin: req.pinned !== undefined && req.pinned !== 'auto' },
      unevictableAllowed: sysctlInt(s.capture, 'compact_unevictable_allowed', 1) !== 0,
      extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500),
      ...(cpuOf(seed) !== undefined ? { pcpCpu: cpuOf(seed)! } : {}),
      // the CPU this capture's tools ran on, which took their pages when they exited (gt_capcpu runs);
      // on 6.1 the CPU whose lists grew from the capture's zoneinfo to its re-read after kpageflags and
      // kpagecount, where those tools had exited, when it is known (toolsExitCpu)
      ...(toolsCpu !== null ? { captureCpu: toolsCpu } : {}),
      // the CPU the workload made its last frees on (workload.log), whose list holds the sparse
      // pcp pages, while no compaction has churned the lists since
      ...(ctx?.workloadCpu != null && cpusCaptured.has(ctx.workloadCpu) && placement !== 'after-compaction' ? { workloadCpu: ctx.workloadCpu } : {}),
      // the CPU the full compaction before this capture ran on, where steps.log says: its list
      // holds that compaction's frees, not a workload's scattered ones (PageAllocator.setCompactedCpu)
      ...(compactedCpu !== null && cpusCaptured.has(compactedCpu) ? { compactedCpu } : {}),
      ...(settle !== undefined ? { settleSeconds: settle } : {}),
      ...(settleFrom != null ? { settleFromUptime: settleFrom } : {}),
      // exact layouts only: on synthesized ones (whose lists are dealt per seed) it took host-24G-k618-c's
      // band off the real counters (pgmigrate_success band 93563–403513 → 190409–430078); not looked into yet
      ...(layout === 'exact' && settleFrom != null && ctx?.triggerEndUptime != null && ctx.triggerEndUptime >= settleFrom ? { settleTriggerEndUptime: ctx.triggerEndUptime } : {}),
      ...(layout === 'exact' && settleFrom != null && ctx?.triggerEndUptime != null && ctx.triggerEndUptime >= settleFrom && ctx.triggerStartUptime != null && ctx.triggerStartUptime >= settleFrom ? { settleTriggerStartUptime: ctx.triggerStartUptime } : {}),
      // the exact layout of a capture whose buddyinfo was read again after kpageflags/kpagecount
      // (harness runs' after-kpage/): the order-0 blocks the capture's tools' pcp refills took since
      ...(settle !== undefined && layout === 'exact' && ctx?.rereadBuddyinfo ? { rereadFree: ctx.rereadBuddyinfo.rows.map((r) => ({ node: r.node, zone: r.zone, nrFree: r.nrFree })) } : {}),
      ...(settle !== undefined && layout === 'exact' && ctx?.rereadBuddyinfo && ctx.rereadGrowthCpu != null && cpusCaptured.has(ctx.rereadGrowthCpu) ? { rereadCpu: ctx.rereadGrowthCpu } : {}),
      // and its zoneinfo read again then: the other CPUs' lists decay_pcp_high trimmed since (6.7+)
      ...(settle !== undefined && layout === 'exact' && ctx?.rereadPcp ? { rereadPcp: ctx.rereadPcp } : {}),
      // and the uptime of that re-read: a running CPU's high risen by then is the high its compaction
      // starts under, where the CPU is known (steps.log's cpu=, or --cpu). Where it is not, the
      // running CPU is a guess (the one holding the most pages), and the CPU whose high the capture's
      // tools raised need not be the compaction's: host-24G-k618-a's re-read has CPU 1 at 5617 / 24738
      // (6807 in the capture), and its after-capture 5562 / 24738, a list that took none of the
      // 26273 migrated pages, while CPU 0 (4967 / 6933) took them
      ...(settle !== undefined && layout === 'exact' && cpu !== undefined && ctx?.rereadPcp && ctx.rereadFromUptime != null ? { rereadUptime: ctx.rereadFromUptime } : {}),
      // and its vmstat read again then: the page-cache pages its own output took after the page maps
      // were read, off the newest end of its tools' CPU's per-cpu list, LRU pages by the trigger;
      // where a full compaction came before (second compactions, whose traces show them), not in a
      // first compaction (docs/fidelity.md: there they took tools' pages the kernel kept off the
      // buddy allocator, and four rows left their bounds)
      ...(pagesWritten && settle !== undefined && layout === 'exact' && placement === 'after-compaction' && ctx?.rereadShmemGrowth != null && ctx.rereadShmemGrowth > 0 ? { pagesWrittenBeforeTrigger: ctx.rereadShmemGrowth } : {}),
      // a trigger written by a shell started for it (`cm@C`, which exits), and the CPU the next
      // capture's tools ran on, when steps.log says (gt_capcpu runs), where the shell's exit frees
      // an order-1 page-global directory (pgdFreeOrder: x86-64, not arm64)
      ...(settle !== undefined && ctx?.nextCaptureCpu != null && pgdFreeOrder(s.capture.machine.arch) >= 1 && ctx.steps.some((st) => /^c[nm]@\d+$/.test(st.name)) ? { readerCpu: ctx.nextCaptureCpu } : {}),
      // a capture taken right after a full compaction: that compaction's frees left the CPU's free run at its maximum,
      // unless the trigger is a shell started on that CPU (`cm@C`): its fork and exec allocate there, and each
      // allocation from the list halves free_count / free_factor (rmqueue_pcplist), so the compaction's first bulk
      // frees are small again (traced on 6.12, docs/fidelity.md, and 6.1, fixtures/x86-1G-s27-trace: the first bulk frees grow from batch size)
      ...(placement === 'after-compaction' && !triggerShellOnCpu(ctx) ? { pcpLongFreeRun: true } : {}),
      ...(req.proactive !== undefined ? { proactiveness: req.proactive === 'capture' ? sysctlInt(s.capture, 'compaction_proactiveness', 20) : req.proactive } : {}),
      ...(drawDemand ? { unmovableDemand: drawUnmovableDemand(seed, demandKey) } : exactDemand > 0 ? { unmovableDemand: exactDemand } : {}),
      // a full compaction compared with the next capture: a drain_all_pages the two captures' vmstat show between them
      ...(drain !== null ? { drainBetween: { why: drain } } : {}),
    }
  }
  return { options, cpusInTurn: drawCpu ? cpuList : null, triggerCpu }
}

async function run(o: OpenedPath, target: Target, req: WhatifCompactRequest, env: CompactRunEnv): Promise<WhatifCompactJson> {
  const s = await loadSnapshot(o, { ...(target.capture ? { capture: target.capture } : {}), layout: target.layout, seed: target.seed })
  const ctx = await seriesContext(o, s.label)
  const layout = s.model.build.method
  const seedCount = req.seeds ?? 1
  const { options, cpusInTurn, triggerCpu } = compactOptions(s, ctx, req, target.seed)
  // the model's own before-state: the after-state is the model's, so the two compare like with like
  const before = s.zones
  const pristine = seedCount > 1 && !env.runSeeds && layout === 'exact' ? cloneModel(s.model, s.allocator.policy) : null
  const seeds = Array.from({ length: seedCount }, (_, i) => target.seed + i)
  const runs = seedCount > 1 ? await Promise.all(seeds.map(async (seed) => ({ seed, options: await options(seed) }))) : []
  // On the pool, runs that cannot differ are run once: an exact layout's runs whose options are
  // the same (no seed in them: no pins, or pins at listed PFNs), and a synthesized layout's run of
  // this thread's own seed with the main run's options, which is the main run below (the same
  // layout, loaded the same way, and the same options).
  const key = (r: { seed: number; options: CompactWhatIfOptions }): string => (layout === 'exact' ? '' : `seed ${r.seed} `) + JSON.stringify(r.options)
  const mainOptions = await options(target.seed)
  const mainKey = layout === 'synthesized' ? key({ seed: target.seed, options: mainOptions }) : null
  const todo: typeof runs = []
  const slot = new Map<string, number>()
  for (const r of runs) {
    const k = key(r)
    if (k !== mainKey && !slot.has(k)) {
      slot.set(k, todo.length)
      todo.push(r)
    }
  }
  // the seeds start on the pool first (one job per thread, sharing one queue), so they run while this thread runs the main seed
  const n = Math.min(todo.length, env.parallel ?? availableParallelism())
  const exact = n && env.runSeeds && layout === 'exact' ? sharedExact(s.model, s.allocator.policy, s.capture.machine.hpageOrder) : null
  const queue = new SharedArrayBuffer(4)
  const jobs: SeedJob[] = Array.from({ length: env.runSeeds ? n : 0 }, () => ({
    kind: 'compact-seeds' as const,
    target: { path: o.path, shared: o.shared(), ...(s.label ? { capture: s.label } : {}), layout, seed: target.seed },
    runs: todo,
    queue,
    ...(exact ? { exact } : {}),
  }))
  const pending = jobs.length && env.runSeeds ? env.runSeeds(jobs) : null
  pending?.catch(() => undefined)
  const altCpu = env.cpuAlternative === false || seedCount > 1 || cpusInTurn || mainOptions.pcpCpu !== undefined || req.order !== undefined || req.proactive !== undefined ? null : nextBusiestCpu(s.model)
  const altBase = altCpu !== null ? cloneModel(s.model, s.allocator.policy) : null
  const ranOn = s.allocator.busiestCpu()
  const main = runCompactWhatIf(s.model, s.allocator, mainOptions, s.capture.machine.hpageOrder)
  if (cpusInTurn) main.assumptions.push(`which CPU runs the compaction is not known (no --cpu, steps.log does not say): the ${seedCount} seeds run it on CPU ${cpusInTurn.join(', ')} in turn`)
  if (triggerCpu !== undefined) main.assumptions.push(`CPU ${triggerCpu} runs the compaction: the series' steps.log says the trigger that follows this capture ran there`)
  // the synthesized layout of a capture read again after kpageflags (after-kpage/) starts from that newest read (host/load.ts)
  if (s.reread) main.assumptions.push(s.reread)
  let bandOut: Band | null = null
  if (runs.length) {
    let results: CompactSeedOutcome[]
    if (env.runSeeds) {
      const done: CompactSeedOutcome[] = []
      for (const part of pending ? await pending : []) for (const d of part) done[d.index] = d.outcome
      const mainOutcome = outcomeOf(main)
      results = runs.map((r) => {
        const k = key(r)
        return k === mainKey ? mainOutcome : done[slot.get(k)!]!
      })
    } else results = await seedsSerially(o, s, pristine, runs)
    bandOut = band(results, seeds, s.capture.machine.pageblockOrder)
  }
  let real: WhatifCompactJson['real'] = null
  let notCompared: string | null = null
  if (ctx?.trigger && ctx.next && main.kind === 'full' && ctx.otherSteps.length) {
    notCompared = `not compared with capture ${ctx.next}: between this capture and it the run also did ${ctx.otherSteps.map(stepText).join(', ')}, so that capture is not the compaction's outcome alone`
    main.assumptions.push(notCompared)
  } else if (ctx?.trigger && ctx.nextBuddyinfo && ctx.next && main.kind === 'full') {
    // a captured trigger is a full compaction: compare only a full-compaction what-if with it
    if (ctx.triggerSource === 'folder names') main.assumptions.push(`capture ${ctx.next} is taken as the outcome of ${ctx.trigger.file === 'compact_memory' ? 'a write to compact_memory' : `node${ctx.trigger.node ?? 0}/compact`}, by its folder name (the series has no steps.log); the real counters are the two captures' vmstat differences`)
    real = {
      capture: ctx.next,
      trigger: { file: ctx.trigger.file, node: ctx.trigger.node },
      counters: ctx.trigger.deltas,
      predictedVsReal: comparePredictedVsReal(main.after, ctx.nextBuddyinfo.rows, s.capture.machine.pageblockOrder),
    }
  }
  let cpuAlternative: CpuAlternative | null = null
  if (altBase && altCpu !== null && main.kind === 'full') {
    const alt = runCompactWhatIf(altBase.model, altBase.allocator, { ...mainOptions, pcpCpu: altCpu }, s.capture.machine.hpageOrder)
    const pbo = s.capture.machine.pageblockOrder
    const hi = (zones: ZoneSummary[]): number => zones.reduce((t, z) => t + z.freeBlocks.reduce((a, n, o) => a + (o >= pbo ? n * 2 ** o : 0), 0), 0)
    const highOrderPages = { main: hi(main.after), alternative: hi(alt.after) }
    cpuAlternative = { ranOn, cpu: altCpu, result: alt.result, pagesMigrated: alt.pagesMigrated, after: { zones: alt.after }, highOrderPages, summary: cpuAlternativeSummary(ranOn, altCpu, main.pagesMigrated, alt.pagesMigrated, highOrderPages, 2 ** pbo * s.model.geometry.pageSize) }
  }
  const counters: WhatifCompactJson['counters'] = bandOut ? { ...bandOut.counters } : main.counters
  // the headline of an ensemble is its median, inside its own band
  const pagesMigrated = bandOut?.counters['pgmigrate_success'] ? Math.round(bandOut.counters['pgmigrate_success'].median) : main.pagesMigrated
  return {
    before: { zones: before }, after: { zones: main.after }, counters, result: main.result, kind: main.kind, order: main.order, mode: main.mode,
    layout, seed: target.seed, band: bandOut, zonesCompacted: main.zones, pagesMigrated, bytesCopied: pagesMigrated * s.model.geometry.pageSize,
    allocationWouldSucceed: main.allocationWouldSucceed, assumptions: main.assumptions, notCompared, real, timeline: main.timeline, events: main.events, eventsDropped: main.eventsDropped,
    pageSize: s.model.geometry.pageSize, cpuAlternative,
    ...(env.withMaps ? { afterMap: computePageblockMap(s.model), changedPageblocks: main.changedPageblocks, pageblockChanges: main.pageblockChanges } : {}),
  }
}

