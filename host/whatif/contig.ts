/**
 * The contiguous-allocation what-ifs (cma, hugetlb, contig, thp) as every host runs them: on a
 * copy of a snapshot's model (engine/whatif/contig.ts, kernel 6.1 rules), with the pages that
 * block them, the counters and the assumptions; a movablecore/kernelcore request re-runs the
 * layout with ZONE_MOVABLE first (and reports the layout without it beside). For a capture
 * followed in its series by a real hugetlb step, predicted vs real.
 */
import { attachBlockerOwners } from '../polluters.ts'
import {
  cloneModel, sysctlInt,
  runCmaWhatIf, runHugetlbWhatIf, withCmaMigratetype, runContigWhatIf, runThpWhatIf, discoverCmaAreas, newCmaArea, DEFRAG_MODES,
  type CmaArea, type PinnedAssumption, type ContigCommonOptions, type MovableSpec, type ReclaimSpec, type DefragMode, type CoreSize,
  type CmaWhatIfResult, type HugetlbWhatIfResult, type ContigWhatIfResult, type ThpWhatIfResult, type PinPlacement,
} from '../../engine/index.ts'
import type { WhatifContigRequest } from '../../contract/schemas.ts'
import { findDmesg, loadSnapshot, type LoadedSnapshot } from '../load.ts'
import { QUIET_STEPS, seriesContext, type SeriesContext } from '../series.ts'
import { OpenedPath } from '../snapshot.ts'
import type { Target } from '../workers/jobs.ts'
import { followsFullCompaction, pinsFromWorkload, resolvePinned } from './pinned.ts'
import { WhatifRequestError, stepText } from './compact.ts'

export type CoreArg = { bytes: number } | { percent: number }

export type ContigKind = WhatifContigRequest['kind']

// ------------------------------------------------------------------ capture context

/** The boot log, when it has the `cma: Reserved` lines. */
async function bootLog(o: OpenedPath, s: LoadedSnapshot): Promise<string | null> {
  const series = await o.series().catch(() => null)
  try {
    const src = await o.capture(s.label ?? undefined)
    try {
      const t = await findDmesg(o.path, src, series)
      return t && /cma: Reserved/.test(t) ? t : null
    } finally {
      await src.close()
    }
  } finally {
    await series?.close()
  }
}

/** CMA debugfs texts of the capture, as { "<area>/<file>": text }. */
async function cmaDebugfs(o: OpenedPath, label: string | null): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const src = await o.capture(label ?? undefined)
  try {
    for (const f of src.files) if (f.startsWith('cma/')) out[f.slice(4)] = await src.readText(f)
  } finally {
    await src.close()
  }
  return out
}

function reclaimSpec(s: LoadedSnapshot): ReclaimSpec {
  const zi = s.capture.zoneinfo
  if (!zi) return { kind: 'all-file' }
  const pages: Record<string, number> = {}
  for (const z of zi.zones) {
    const f = (z.stats['nr_zone_inactive_file'] ?? 0) + (z.stats['nr_zone_active_file'] ?? 0)
    pages[`Node ${z.node}, zone ${z.zone}`] = f
  }
  return { kind: 'per-zone', pages, source: 'from zoneinfo nr_zone_{in,}active_file' }
}

async function resolvePins(spec: WhatifContigRequest['pinned'], ctx: SeriesContext | null, seed: number): Promise<{ a: PinnedAssumption; fromWorkload: boolean }> {
  const a = await resolvePinned(spec, ctx, seed)
  return { a, fromWorkload: pinsFromWorkload(spec, a) }
}

// ------------------------------------------------------------------ real steps

export interface RealHugetlbStep {
  capture: string
  step: string
  sizeKb: number
  requested: number
  before: number
  obtained: number
  counters: Record<string, number>
}

/** The hugetlb pool change right after this capture in its series (steps.log `huge:KB:N`), if any. */
function realHugetlbStep(ctx: SeriesContext | null): RealHugetlbStep | null {
  if (!ctx?.next) return null
  for (const st of ctx.steps) {
    // steps.log "step huge:2048:64: size=…" parses as name "huge", detail "2048:64: size=…"
    const m = /^huge:(\d+):(\d+)$/.exec(st.name) ?? (st.name === 'huge' ? /^(\d+):(\d+)\b/.exec(st.detail) : null)
    if (!m) continue
    const d = /requested=(\d+) before=(\d+) obtained=(\d+)/.exec(st.detail)
    if (!d) continue
    return { capture: ctx.next, step: `huge:${m[1]}:${m[2]}`, sizeKb: Number(m[1]), requested: Number(d[1]), before: Number(d[2]), obtained: Number(d[3]), counters: st.deltas }
  }
  return null
}

// ------------------------------------------------------------------ run

export interface ContigJson {
  kind: ContigKind
  capture: string | null
  layout: 'exact' | 'synthesized'
  seeds: number[]
  result: CmaWhatIfResult | HugetlbWhatIfResult | ContigWhatIfResult | ThpWhatIfResult
  /** per seed: the headline figure (obtained pages, or success as 1/0) */
  perSeed: number[]
  /** when --movablecore/--kernelcore: the same what-if on the layout as captured */
  baseline: { verdict: string; figure: number } | null
  real: (RealHugetlbStep & { predicted: number; error: number | null }) | null
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b)
  const h = Math.floor(s.length / 2)
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2
}

export async function whatifContig(target: Target, a: WhatifContigRequest, opened?: OpenedPath): Promise<ContigJson & Record<string, unknown>> {
  if (opened) return run(opened, target, a)
  const o = new OpenedPath(target.path, target.shared ?? [])
  try {
    return await run(o, target, a)
  } finally {
    await o.close()
  }
}

async function run(o: OpenedPath, target: Target, a: WhatifContigRequest): Promise<ContigJson & Record<string, unknown>> {
  const s = await loadSnapshot(o, { ...(target.capture ? { capture: target.capture } : {}), layout: target.layout, seed: target.seed })
  const ctx = await seriesContext(o, s.label)
  const ps = s.model.geometry.pageSize
  const hp = s.capture.machine.hpageOrder
  // CMA areas
  const debugfs = await cmaDebugfs(o, s.label).catch(() => ({}))
  const disc = discoverCmaAreas(s.model, {
    debugfs, bootLog: await bootLog(o, s).catch(() => null),
    cmdlineCma: s.capture.cmdline?.cma ? { bytes: s.capture.cmdline.cma.bytes, base: s.capture.cmdline.cma.base } : null,
    cmaTotalKb: s.capture.meminfo?.values['CmaTotal'] ?? null,
  })
  let areas: CmaArea[] = disc.areas
  let area: CmaArea | null = null
  if (a.kind === 'cma') {
    if (a.basePfn !== undefined) {
      if (a.areaCount === undefined) throw new WhatifRequestError('--base needs --count PAGES (the size of the area)')
      area = newCmaArea(a.area ?? 'user', a.basePfn, a.areaCount, a.orderPerBit ?? 0, 'user-defined (--base/--count)')
      // moving the area: it replaces an area of the same name, or the default one
      const replaced = areas.find((x) => x.name === area!.name) ?? (a.area === undefined ? areas.find((x) => x.hugetlbNode === null) : undefined)
      areas = [...areas.filter((x) => x !== replaced), area]
    } else {
      area = (a.area ? areas.find((x) => x.name === a.area) : areas.find((x) => x.hugetlbNode === null) ?? areas[0]) ?? null
      if (!area) {
        if (a.area) throw new WhatifRequestError(`no CMA area "${a.area}" in the capture (areas: ${areas.map((x) => x.name).join(', ') || 'none'})`)
        throw new WhatifRequestError('the capture has no CMA area (no CMA pageblocks, no debugfs, no cma= in the boot log): define one with --base PFN --count PAGES')
      }
    }
  }
  const placement: PinPlacement = a.pinPlacement ?? (followsFullCompaction(ctx) ? 'after-compaction' : 'uniform')
  const core = (c: CoreArg | undefined): CoreSize | undefined => (c === undefined ? undefined : 'bytes' in c ? { pages: Math.floor(c.bytes / ps) } : c)
  const mcore = core(a.movablecore)
  const kcore = core(a.kernelcore)
  const movable: MovableSpec | undefined = mcore || kcore
    ? {
        ...(mcore ? { movablecore: mcore } : {}), ...(kcore ? { kernelcore: kcore } : {}),
        minFreeKbytes: sysctlInt(s.capture, 'min_free_kbytes', 0) || Math.round((s.model.zones.reduce((x, z) => x + z.wmark.min, 0) * ps) / 1024),
        watermarkScaleFactor: sysctlInt(s.capture, 'watermark_scale_factor', 10),
        lowmemReserveRatio: (s.capture.sysctl?.['lowmem_reserve_ratio'] ?? '256 256 32 0 0').trim().split(/\s+/).map(Number),
      }
    : undefined
  const seeds = Array.from({ length: Math.max(1, a.seeds ?? 1) }, (_, i) => target.seed + i)
  const runOne = async (seed: number, withMovable: boolean): Promise<{ r: ContigJson['result']; figure: number }> => {
    const pins = await resolvePins(a.pinned, ctx, seed)
    const common: ContigCommonOptions = {
      pinned: pins.a, migrateBeforePin: a.migrateBeforePin ?? !pins.fromWorkload, pinPlacement: placement, reclaim: reclaimSpec(s),
      unevictableAllowed: sysctlInt(s.capture, 'compact_unevictable_allowed', 1) !== 0, extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500),
      cmaAreas: areas, ...(withMovable && movable ? { movable } : {}),
    }
    // a user-defined CMA area on a kernel without CONFIG_CMA: the model gains the CMA type
    const noCma = a.kind === 'cma' && s.model.migratetypes.cma < 0
    const { model, allocator } = noCma ? withCmaMigratetype(s.model, s.allocator.policy) : cloneModel(s.model, s.allocator.policy)
    switch (a.kind) {
      case 'cma': {
        const count = a.pages ?? Math.ceil((a.sizeBytes ?? 0) / ps)
        const r = runCmaWhatIf(model, allocator, { ...common, area: area!, count, ...(a.align !== undefined ? { align: a.align } : {}) }, hp)
        if (noCma) r.assumptions.unshift('the captured kernel has no CMA (no CMA migratetype in pagetypeinfo): the what-if adds the area as a kernel with cma= would have it')
        if (pins.fromWorkload && a.migrateBeforePin === undefined) r.assumptions.push('the workload log\'s pins are vmsplice references, not FOLL_LONGTERM pins: they are not migrated out of CMA first (--migrate-before-pin on to change)')
        return { r, figure: r.success ? 1 : 0 }
      }
      case 'hugetlb': {
        const order = Math.round(Math.log2((a.hugeSizeBytes ?? 2 ** hp * ps) / ps))
        const r = runHugetlbWhatIf(model, allocator, { ...common, order, count: a.count ?? 1, compaction: a.compaction ?? true }, hp)
        return { r, figure: r.obtained }
      }
      case 'contig': {
        const nrPages = Math.ceil((a.sizeBytes ?? 0) / ps)
        const r = runContigWhatIf(model, allocator, { ...common, nrPages, gfp: a.gfp ?? 'kernel', ...(a.node !== undefined ? { node: a.node } : {}) }, hp)
        return { r, figure: r.success ? 1 : 0 }
      }
      case 'thp': {
        // the capture's own defrag setting unless --defrag says (the kernel default is madvise)
        const captured = s.capture.thp?.['defrag']
        const defrag = a.defrag ?? ((DEFRAG_MODES as string[]).includes(captured ?? '') ? captured as DefragMode : 'madvise')
        const capturedEnabled = s.capture.thp?.['enabled']
        const enabled = a.enabled ?? (capturedEnabled === 'always' || capturedEnabled === 'madvise' || capturedEnabled === 'never' ? capturedEnabled : 'always')
        const r = runThpWhatIf(model, allocator, { ...common, enabled, defrag, madvised: a.madvised ?? false, faults: a.faults ?? 1, order: hp }, hp)
        if (!a.enabled) r.assumptions.push(`enabled=${enabled} ${capturedEnabled ? 'as captured (transparent_hugepage/enabled)' : '(assumed; the capture has no transparent_hugepage/enabled)'}`)
        if (!a.defrag) r.assumptions.push(`defrag=${defrag} ${captured ? 'as captured (transparent_hugepage/defrag)' : '(the kernel default; the capture has no transparent_hugepage/defrag)'}`)
        return { r, figure: r.succeeded }
      }
    }
  }
  if (a.kind === 'hugetlb') {
    const order = Math.round(Math.log2((a.hugeSizeBytes ?? 2 ** hp * ps) / ps))
    if (!Number.isInteger(order) || 2 ** order * ps !== (a.hugeSizeBytes ?? 2 ** hp * ps)) throw new WhatifRequestError('--size of a huge page must be a power of two pages (64K, 2M, 32M, 1G)')
    if (order < 1) throw new WhatifRequestError('--size of a huge page must be larger than a page')
  }
  if ((a.kind === 'cma' || a.kind === 'contig') && !(a.pages ?? a.sizeBytes)) throw new WhatifRequestError(`whatif ${a.kind} needs ${a.kind === 'cma' ? '--pages N or ' : ''}--size SIZE`)
  const results = [] as Array<{ r: ContigJson['result']; figure: number }>
  for (const seed of seeds) results.push(await runOne(seed, true))
  const perSeed = results.map((x) => x.figure)
  // the reported run: the seed whose figure is the median (the first such)
  const med = median(perSeed)
  const pick = results.reduce((best, x) => (Math.abs(x.figure - med) < Math.abs(best.figure - med) ? x : best), results[0]!)
  const result = pick.r
  if (disc.notes.length && (a.kind === 'cma' || (a.kind === 'hugetlb' && (result as HugetlbWhatIfResult).gigantic))) result.assumptions.unshift(...disc.notes)
  if (seeds.length > 1) result.assumptions.push(`${seeds.length} pin seeds (${seeds[0]}..${seeds[seeds.length - 1]}): figures ${perSeed.join(', ')}; the run shown is the one at the median`)
  let baseline: ContigJson['baseline'] = null
  if (movable) {
    const b = await runOne(target.seed, false)
    baseline = { verdict: b.r.verdict, figure: b.figure }
  }
  let real: ContigJson['real'] = null
  if (a.kind === 'hugetlb') {
    const st = realHugetlbStep(ctx)
    const h = result as HugetlbWhatIfResult
    const others = st ? (ctx?.steps ?? []).filter((x) => !/^huge\b/.test(x.name) && !QUIET_STEPS.test(x.name)) : []
    if (st && others.length) {
      result.assumptions.push(`not compared with capture ${st.capture}: between this capture and it the run also did ${others.map(stepText).join(', ')} besides ${st.step}, so that capture is not the pool growth's outcome alone`)
    } else if (st && st.sizeKb * 1024 === h.pageSizeBytes && st.requested - st.before === h.requested) {
      const predicted = median(perSeed)
      const got = st.obtained - st.before
      real = { ...st, predicted, error: got ? (predicted - got) / got : null }
    }
  }
  // where page_owner was captured, each blocking page says who allocated it
  const src = await o.capture(s.label ?? undefined)
  try {
    await attachBlockerOwners(result, src)
  } finally {
    await src.close()
  }
  return { kind: a.kind, capture: s.label, layout: s.model.build.method, seeds, result, perSeed, baseline, real, ...result }
}

/** The --json shape: the what-if's result at the top level with the run's context beside it. */
export function contigJsonOut(j: Awaited<ReturnType<typeof whatifContig>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...j }
  delete out['result']
  return out
}

