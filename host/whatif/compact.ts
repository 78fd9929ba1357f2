/**
 * The compaction what-if as every host runs it: load the snapshot, run compaction on its model
 * (engine/whatif/compact.ts), and report the after-state, the counters and the result — with a
 * median and 90 % band over seeds for synthesized layouts (or for the choice of pinned pages),
 * and predicted vs real when the capture is followed by a compaction trigger in its series.
 * The seeds of an ensemble run on the host's worker pool (`runSeeds`).
 */
import { availableParallelism } from 'node:os'
import {
  runCompactWhatIf, comparePredictedVsReal, sysctlInt, computePageblockMap, cloneModel, exportModel, importModel, type PageblockMap,
  type CompactWhatIfOptions, type CompactWhatIfResult, type ZoneSummary, type PredictedVsReal,
} from '../../engine/index.ts'
import type { WhatifCompactRequest } from '../../contract/schemas.ts'
import { loadSnapshot } from '../load.ts'
import { seriesContext } from '../series.ts'
import { OpenedPath } from '../snapshot.ts'
import { followsFullCompaction, resolvePinned } from './pinned.ts'
import type { SeedJob, Target } from '../workers/jobs.ts'

/** A request the snapshot cannot answer (a CPU it has no lists for): a usage error in the CLI. */
export class WhatifRequestError extends Error {}

export interface Stat {
  median: number
  p5: number
  p95: number
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

export function stats(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b)
  return { median: quantile(s, 0.5), p5: quantile(s, 0.05), p95: quantile(s, 0.95) }
}

export function band(results: CompactWhatIfResult[], seeds: number[], pageblockOrder: number): Band {
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

/** Runs the seeds of an ensemble (on the worker pool; in one thread when absent). */
export type SeedRunner = (jobs: SeedJob[]) => Promise<CompactWhatIfResult[][]>

export interface CompactRunEnv {
  runSeeds?: SeedRunner
  /** also return the pageblock map after the run and the pageblocks that changed (the app) */
  withMaps?: boolean
  /** the snapshot, already opened (its bundle unpacked) */
  opened?: OpenedPath
  /** threads the pool runs side by side (default: the CPUs) */
  parallel?: number
}

/** A steps.log step in the log's own words: `huge:2048:0 (size=2048kB …)`, `sysctl:… ` */
export function stepText(st: { name: string; detail: string }): string {
  // "step huge:2048:0: size=…" parses as name "huge", detail "2048:0: size=…"
  const args = /^(\d+(?::\d+)*):\s*(.*)$/.exec(st.detail)
  const name = args ? `${st.name}:${args[1]}` : st.name
  const rest = (args ? args[2]! : st.detail).replace(/\s*rc=-?\d+\s*$/, '').trim()
  return rest ? `${name} (${rest})` : name
}

/**
 * A batch of seeds, as a worker runs it: an exact layout (the host's copy, else loaded once) and
 * copied per seed; a synthesized one made per seed.
 */
export async function runSeedJob(job: SeedJob, opened: OpenedPath): Promise<CompactWhatIfResult[]> {
  const t = job.target
  const load = (seed: number) => loadSnapshot(opened, { ...(t.capture ? { capture: t.capture } : {}), layout: t.layout, seed })
  const out: CompactWhatIfResult[] = []
  let exact: { model: LoadedModel['model']; allocator: LoadedModel['allocator']; hpageOrder: number } | null = null
  if (job.exact) exact = { ...importModel(job.exact.model), hpageOrder: job.exact.hpageOrder }
  else if (t.layout === 'exact') {
    const s = await load(t.seed)
    exact = { model: s.model, allocator: s.allocator, hpageOrder: s.capture.machine.hpageOrder }
  }
  for (const run of job.runs) {
    const s = exact ? null : await load(run.seed)
    const { model, allocator } = exact ? cloneModel(exact.model, exact.allocator.policy) : s!
    const r = runCompactWhatIf(model, allocator, run.options, exact ? exact.hpageOrder : s!.capture.machine.hpageOrder)
    r.events = []
    r.timeline = []
    out.push(r)
  }
  return out
}

/**
 * How many batches an ensemble is cut into: for an exact layout one per core but the one this
 * thread's main seed runs on (each batch loads the layout once); one per seed when synthesized.
 */
function batches(seeds: number, layout: 'exact' | 'synthesized', parallel: number): number {
  return layout === 'exact' ? Math.max(1, Math.min(seeds, parallel - 1)) : seeds
}

type LoadedModel = Awaited<ReturnType<typeof loadSnapshot>>

/** An exact layout for the seed jobs: its arrays copied (a job may be posted after this thread's own run began). */
function exactCopy(model: LoadedModel['model'], policy: LoadedModel['allocator']['policy'], hpageOrder: number): NonNullable<SeedJob['exact']> {
  const t = exportModel(model, policy)
  return { model: { ...t, memMap: t.memMap.slice(), pageblockMt: t.pageblockMt.slice(), pageblockFlags: t.pageblockFlags.slice() }, hpageOrder }
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

async function run(o: OpenedPath, target: Target, req: WhatifCompactRequest, env: CompactRunEnv): Promise<WhatifCompactJson> {
  const s = await loadSnapshot(o, { ...(target.capture ? { capture: target.capture } : {}), layout: target.layout, seed: target.seed })
  const ctx = await seriesContext(o, s.label)
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
  const triggerCpu = req.cpu === undefined && req.order === undefined && req.proactive === undefined && ctx?.trigger?.cpu != null && cpusCaptured.has(ctx.trigger.cpu) ? ctx.trigger.cpu : undefined
  const cpu = req.cpu ?? triggerCpu
  // a synthesized ensemble draws every unknown per seed: when neither --cpu nor steps.log says
  // which CPU ran a full compaction, each seed runs it on one of the capture's CPUs in turn
  const cpuList = [...cpusCaptured].sort((x, y) => x - y)
  const drawCpu = cpu === undefined && layout === 'synthesized' && seedCount > 1 && req.order === undefined && req.proactive === undefined && cpuList.length > 1
  const cpuOf = (seed: number): number | undefined => (drawCpu ? cpuList[(seed - target.seed) % cpuList.length] : cpu)
  // a full compaction compared with the captured trigger is read when that capture was taken
  const settle = req.order === undefined && req.proactive === undefined && ctx?.trigger && !ctx.otherSteps.length && ctx.secondsToNext !== null ? ctx.secondsToNext : undefined
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
      ...(settle !== undefined ? { settleSeconds: settle } : {}),
      // a capture taken right after a full compaction: that compaction's frees left the CPU's free run at its maximum
      ...(placement === 'after-compaction' ? { pcpLongFreeRun: true } : {}),
      ...(req.proactive !== undefined ? { proactiveness: req.proactive === 'capture' ? sysctlInt(s.capture, 'compaction_proactiveness', 20) : req.proactive } : {}),
    }
  }
  // the model's own before-state: the after-state is the model's, so the two compare like with like
  const before = s.zones
  const pristine = seedCount > 1 && !env.runSeeds && layout === 'exact' ? cloneModel(s.model, s.allocator.policy) : null
  // an ensemble's seeds start on the pool first, so they run while this thread runs the main seed
  const seeds = Array.from({ length: seedCount }, (_, i) => target.seed + i)
  const runs = seedCount > 1 ? await Promise.all(seeds.map(async (seed) => ({ seed, options: await options(seed) }))) : []
  const n = batches(seeds.length, layout, env.parallel ?? availableParallelism())
  // the pool's workers start from a copy of this exact layout, made before this thread's run changes it
  const shared = runs.length && env.runSeeds && layout === 'exact' ? exactCopy(s.model, s.allocator.policy, s.capture.machine.hpageOrder) : null
  const jobs: SeedJob[] = runs.length ? Array.from({ length: n }, (_, b) => ({
    kind: 'compact-seeds' as const,
    target: { path: o.path, shared: o.shared(), ...(s.label ? { capture: s.label } : {}), layout, seed: target.seed },
    runs: runs.filter((_, i) => i % n === b),
    ...(shared ? { exact: shared } : {}),
  })) : []
  const pending = jobs.length && env.runSeeds ? env.runSeeds(jobs) : null
  pending?.catch(() => undefined)
  const main = runCompactWhatIf(s.model, s.allocator, await options(target.seed), s.capture.machine.hpageOrder)
  if (drawCpu) main.assumptions.push(`which CPU runs the compaction is not known (no --cpu, steps.log does not say): the ${seedCount} seeds run it on CPU ${cpuList.join(', ')} in turn`)
  if (triggerCpu !== undefined) main.assumptions.push(`CPU ${triggerCpu} runs the compaction: the series' steps.log says the trigger that follows this capture ran there`)
  let bandOut: Band | null = null
  if (runs.length) {
    let results: CompactWhatIfResult[]
    if (pending) {
      const per = await pending
      // back in seed order: run i went to batch i % n
      results = runs.map((_, i) => per[i % n]![Math.floor(i / n)]!)
    } else if (pristine) {
      results = runs.map((r) => {
        const c = cloneModel(pristine.model, pristine.allocator.policy)
        return runCompactWhatIf(c.model, c.allocator, r.options, s.capture.machine.hpageOrder)
      })
    } else {
      results = []
      for (const job of jobs) results.push(...(await runSeedJob(job, o)))
    }
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
  const counters: WhatifCompactJson['counters'] = bandOut ? { ...bandOut.counters } : main.counters
  // the headline of an ensemble is its median, inside its own band
  const pagesMigrated = bandOut?.counters['pgmigrate_success'] ? Math.round(bandOut.counters['pgmigrate_success'].median) : main.pagesMigrated
  return {
    before: { zones: before }, after: { zones: main.after }, counters, result: main.result, kind: main.kind, order: main.order, mode: main.mode,
    layout, seed: target.seed, band: bandOut, zonesCompacted: main.zones, pagesMigrated, bytesCopied: pagesMigrated * s.model.geometry.pageSize,
    allocationWouldSucceed: main.allocationWouldSucceed, assumptions: main.assumptions, notCompared, real, timeline: main.timeline, events: main.events, eventsDropped: main.eventsDropped,
    pageSize: s.model.geometry.pageSize,
    ...(env.withMaps ? { afterMap: computePageblockMap(s.model), changedPageblocks: main.changedPageblocks, pageblockChanges: main.pageblockChanges } : {}),
  }
}
