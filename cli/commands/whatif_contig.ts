/**
 * `buddyscope whatif cma | hugetlb | contig | thp`: contiguous allocations on a copy of a
 * snapshot's model (engine/whatif/contig.ts, kernel 6.1 rules), with the pages that block them,
 * the counters and the assumptions; `--movablecore/--kernelcore` re-run the layout with
 * ZONE_MOVABLE first (and report the layout without it beside). For a capture followed in its
 * series by a real hugetlb step, predicted vs real.
 */
import { readFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  cloneModel, sysctlInt, parseMemSize, parseStepsLog, compactionTrigger,
  runCmaWhatIf, runHugetlbWhatIf, withCmaMigratetype, runContigWhatIf, runThpWhatIf, discoverCmaAreas, newCmaArea, DEFRAG_MODES, BLOCKER_KIND_TEXT,
  type CmaArea, type PinnedAssumption, type ContigCommonOptions, type MovableSpec, type ReclaimSpec, type DefragMode, type CoreSize,
  type CmaWhatIfResult, type HugetlbWhatIfResult, type ContigWhatIfResult, type ThpWhatIfResult, type WindowJson, type PinPlacement,
} from '../../engine/index.ts'
import { loadSnapshot, type LayoutChoice, type LoadedSnapshot } from '../host/load.ts'
import { seriesContext, type SeriesContext } from '../host/series.ts'
import { openSnapshot } from '../host/snapshot_source.ts'
import { parsePinned, resolvePinned, type PinnedSpec } from './whatif.ts'

export class ContigUsageError extends Error {}

export type CoreArg = { bytes: number } | { percent: number }

export type ContigKind = 'cma' | 'hugetlb' | 'contig' | 'thp'

export interface ContigArgs {
  kind: ContigKind
  path: string
  capture?: string
  layout: LayoutChoice
  seed: number
  /** pin seeds to run (median reported) */
  seeds: number
  pinned: PinnedSpec
  migrateBeforePin?: boolean
  pinPlacement?: PinPlacement
  /** --movablecore / --kernelcore: bytes or a percentage of memory */
  movablecore?: CoreArg
  kernelcore?: CoreArg
  // cma
  pages?: number
  sizeBytes?: number
  align?: number
  area?: string
  basePfn?: number
  areaCount?: number
  orderPerBit?: number
  // hugetlb
  count?: number
  hugeSizeBytes?: number
  compaction?: boolean
  // contig
  gfp?: 'kernel' | 'movable'
  node?: number
  // thp
  defrag?: DefragMode
  madvised?: boolean
  faults?: number
}

export function parseSizeArg(v: string, name: string): number {
  try {
    return parseMemSize(v, `--${name}`, null)
  } catch {
    throw new ContigUsageError(`--${name} takes a size like 64K, 2M, 256M or 2G, not "${v}"`)
  }
}

// ------------------------------------------------------------------ capture context

async function readIf(p: string): Promise<string | null> {
  try {
    return existsSync(p) && statSync(p).isFile() ? await readFile(p, 'utf8') : null
  } catch {
    return null
  }
}

/** The boot log: dmesg in the capture, in a series folder, or beside a single capture. */
async function bootLog(path: string, label: string | null): Promise<string | null> {
  let dir: string
  try {
    dir = statSync(path).isDirectory() ? path : dirname(path)
  } catch {
    return null
  }
  for (const f of [join(dir, 'dmesg'), join(dir, 'dmesg.txt'), ...(label ? [join(dir, label, 'dmesg.txt')] : []), join(dirname(dir), 'dmesg.txt')]) {
    const t = await readIf(f)
    if (t && /cma: Reserved/.test(t)) return t
  }
  return null
}

/** CMA debugfs texts of the capture, as { "<area>/<file>": text }. */
async function cmaDebugfs(path: string, capture: string | undefined): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const src = await openSnapshot(path, capture ? { capture } : undefined)
  try {
    for (const f of src.files) if (f.startsWith('cma/')) out[f.slice(4)] = await src.readText(f)
  } finally {
    await src.close()
  }
  return out
}

/** Was there a full compaction (node compact or compact_memory) between the workload and this capture? */
export async function followsFullCompaction(path: string, label: string | null): Promise<boolean> {
  if (!label) return false
  let dir: string
  try {
    dir = statSync(path).isDirectory() ? path : dirname(path)
  } catch {
    return false
  }
  const text = await readIf(join(dir, 'steps.log'))
  if (!text) return false
  const log = parseStepsLog(text, join(dir, 'steps.log'))
  const me = Number(/^(\d+)/.exec(label)?.[1] ?? NaN)
  const at = log.captures.findIndex((c) => c.index === me)
  if (at < 0) return false
  return log.steps.some((s) => s.afterCapture !== null && s.afterCapture < at && compactionTrigger(s) !== null)
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

async function resolvePins(spec: PinnedSpec, ctx: SeriesContext | null, seed: number): Promise<{ a: PinnedAssumption; fromWorkload: boolean }> {
  const a = await resolvePinned(spec, ctx, seed)
  return { a, fromWorkload: spec.kind === 'auto' && a.kind !== 'none' }
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

export async function whatifContig(a: ContigArgs): Promise<ContigJson & Record<string, unknown>> {
  const s = await loadSnapshot(a.path, { ...(a.capture ? { capture: a.capture } : {}), layout: a.layout, seed: a.seed })
  const ctx = await seriesContext(a.path, s.label)
  const ps = s.model.geometry.pageSize
  const hp = s.capture.machine.hpageOrder
  // CMA areas
  const debugfs = await cmaDebugfs(a.path, a.capture ?? s.label ?? undefined).catch(() => ({}))
  const disc = discoverCmaAreas(s.model, {
    debugfs, bootLog: await bootLog(a.path, s.label),
    cmdlineCma: s.capture.cmdline?.cma ? { bytes: s.capture.cmdline.cma.bytes, base: s.capture.cmdline.cma.base } : null,
    cmaTotalKb: s.capture.meminfo?.values['CmaTotal'] ?? null,
  })
  let areas: CmaArea[] = disc.areas
  let area: CmaArea | null = null
  if (a.kind === 'cma') {
    if (a.basePfn !== undefined) {
      if (a.areaCount === undefined) throw new ContigUsageError('--base needs --count PAGES (the size of the area)')
      area = newCmaArea(a.area ?? 'user', a.basePfn, a.areaCount, a.orderPerBit ?? 0, 'user-defined (--base/--count)')
      // moving the area: it replaces an area of the same name, or the default one
      const replaced = areas.find((x) => x.name === area!.name) ?? (a.area === undefined ? areas.find((x) => x.hugetlbNode === null) : undefined)
      areas = [...areas.filter((x) => x !== replaced), area]
    } else {
      area = (a.area ? areas.find((x) => x.name === a.area) : areas.find((x) => x.hugetlbNode === null) ?? areas[0]) ?? null
      if (!area) {
        if (a.area) throw new ContigUsageError(`no CMA area "${a.area}" in the capture (areas: ${areas.map((x) => x.name).join(', ') || 'none'})`)
        throw new ContigUsageError('the capture has no CMA area (no CMA pageblocks, no debugfs, no cma= in the boot log): define one with --base PFN --count PAGES')
      }
    }
  }
  const placement: PinPlacement = a.pinPlacement ?? ((await followsFullCompaction(a.path, s.label)) ? 'after-compaction' : 'uniform')
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
  const seeds = Array.from({ length: Math.max(1, a.seeds) }, (_, i) => a.seed + i)
  const run = async (seed: number, withMovable: boolean): Promise<{ r: ContigJson['result']; figure: number }> => {
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
        const r = runThpWhatIf(model, allocator, { ...common, defrag, madvised: a.madvised ?? false, faults: a.faults ?? 1, order: hp }, hp)
        if (!a.defrag) r.assumptions.push(`defrag=${defrag} ${captured ? 'as captured (transparent_hugepage/defrag)' : '(the kernel default; the capture has no transparent_hugepage/defrag)'}`)
        return { r, figure: r.succeeded }
      }
    }
  }
  if (a.kind === 'hugetlb') {
    const order = Math.round(Math.log2((a.hugeSizeBytes ?? 2 ** hp * ps) / ps))
    if (!Number.isInteger(order) || 2 ** order * ps !== (a.hugeSizeBytes ?? 2 ** hp * ps)) throw new ContigUsageError('--size of a huge page must be a power of two pages (64K, 2M, 32M, 1G)')
    if (order < 1) throw new ContigUsageError('--size of a huge page must be larger than a page')
  }
  if ((a.kind === 'cma' || a.kind === 'contig') && !(a.pages ?? a.sizeBytes)) throw new ContigUsageError(`whatif ${a.kind} needs ${a.kind === 'cma' ? '--pages N or ' : ''}--size SIZE`)
  const results = [] as Array<{ r: ContigJson['result']; figure: number }>
  for (const seed of seeds) results.push(await run(seed, true))
  const perSeed = results.map((x) => x.figure)
  // the reported run: the seed whose figure is the median (the first such)
  const med = median(perSeed)
  const pick = results.reduce((best, x) => (Math.abs(x.figure - med) < Math.abs(best.figure - med) ? x : best), results[0]!)
  const result = pick.r
  if (disc.notes.length && (a.kind === 'cma' || (a.kind === 'hugetlb' && (result as HugetlbWhatIfResult).gigantic))) result.assumptions.unshift(...disc.notes)
  if (seeds.length > 1) result.assumptions.push(`${seeds.length} pin seeds (${seeds[0]}..${seeds[seeds.length - 1]}): figures ${perSeed.join(', ')}; the run shown is the one at the median`)
  let baseline: ContigJson['baseline'] = null
  if (movable) {
    const b = await run(a.seed, false)
    baseline = { verdict: b.r.verdict, figure: b.figure }
  }
  let real: ContigJson['real'] = null
  if (a.kind === 'hugetlb') {
    const st = realHugetlbStep(ctx)
    const h = result as HugetlbWhatIfResult
    if (st && st.sizeKb * 1024 === h.pageSizeBytes && st.requested - st.before === h.requested) {
      const predicted = median(perSeed)
      const got = st.obtained - st.before
      real = { ...st, predicted, error: got ? (predicted - got) / got : null }
    }
  }
  return { kind: a.kind, capture: s.label, layout: s.model.build.method, seeds, result, perSeed, baseline, real, ...result }
}

// ------------------------------------------------------------------ text

const hex = (p: number): string => `0x${p.toString(16)}`

function windowsText(ws: WindowJson[], pageSize: number, tried: number): string[] {
  const L: string[] = []
  if (!ws.length) return L
  L.push(`Windows tried (${tried}${ws.length < tried ? `, first ${ws.length} listed` : ''}):`)
  for (const w of ws) {
    const kinds = Object.entries(w.blockerCounts).map(([k, n]) => `${k} ${n}`).join(', ')
    L.push(`  PFN ${w.startPfn}..${w.endPfn - 1} (${hex(w.startPfn * pageSize)}): ${w.result}${w.blockersTotal ? ` — ${w.blockersTotal} blocking page${w.blockersTotal === 1 ? '' : 's'} (${kinds})` : ''}${w.migrated ? `; ${w.migrated} pages migrated` : ''}`)
    const show = w.blockers.slice(0, 8)
    if (show.length) L.push(`      ${show.map((b) => `${b.pfn} ${b.kind}`).join(', ')}${w.blockersTotal > show.length ? ', …' : ''}`)
  }
  return L
}

export function whatifContigText(j: Awaited<ReturnType<typeof whatifContig>>): string {
  const r = j.result
  const L: string[] = [r.verdict, '']
  const ps = r.pageSize
  L.push(`Capture ${j.capture ?? '(single)'}; layout ${j.layout}${j.seeds.length > 1 ? `; ${j.seeds.length} seeds: ${j.perSeed.join(', ')}` : ''}`)
  if (j.kind === 'cma') {
    const c = r as CmaWhatIfResult
    L.push(`Area ${c.area.name}: PFN ${c.area.basePfn}..${c.area.basePfn + c.area.count - 1} (${c.area.count} pages, order_per_bit ${c.area.orderPerBit}, from ${c.area.source}); request ${c.count} pages, align order ${c.align}`)
    L.push(...windowsText(c.windows, ps, c.windowsTried))
  } else if (j.kind === 'contig') {
    const c = r as ContigWhatIfResult
    L.push(`Request ${c.nrPages} pages; ${c.windowsTried} windows tried, ${c.windowsSkipped} not usable`)
    L.push(...windowsText(c.windows.filter((w) => w.result !== 'invalid-range').concat(c.windows.filter((w) => w.result === 'invalid-range').slice(0, 4)), ps, c.windowsTried + c.windowsSkipped))
  } else if (j.kind === 'hugetlb') {
    const h = r as HugetlbWhatIfResult
    L.push(`Huge page ${h.pageSizeBytes / 1024} kB (order ${h.order}${h.gigantic ? ', gigantic' : ''}): requested ${h.requested}, obtained ${h.obtained}${h.obtainedWithoutCompaction !== null && h.compaction ? `; without compaction ${h.obtainedWithoutCompaction}` : ''}`)
    L.push(`How: ${Object.entries(h.via).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`)
    L.push(`Yield (requested → with / without compaction): ${h.yield.map((y) => `${y.requested}→${y.obtainedWithCompaction ?? '-'}/${y.obtainedWithoutCompaction ?? '-'}`).join('  ')}`)
    if (h.windows.length) L.push(...windowsText(h.windows, ps, h.windows.length))
  } else {
    const t = r as ThpWhatIfResult
    L.push(`GFP: ${t.gfp}; ${t.succeeded} of ${t.faults} faults got a huge page`)
    if (t.table.length) {
      L.push('Every mode, one fault:')
      for (const row of t.table) L.push(`  ${row.defrag.padEnd(14)}${row.madvised ? 'madvised ' : 'plain    '}${row.success ? 'huge page' : 'fallback '}  via ${row.via.padEnd(14)} compact_stall ${row.compactStall}, migrated ${row.pagesMigrated}, scanned ${row.migrateScanned}+${row.freeScanned}`)
    }
  }
  if (j.baseline) L.push('', `Without the ZONE_MOVABLE carve-out: ${j.baseline.verdict}`)
  if (j.real) L.push('', `Compared with the real kernel (${j.real.step} before capture ${j.real.capture}): predicted ${j.real.predicted}, real ${j.real.obtained - j.real.before}${j.real.error === null ? '' : ` (${(j.real.error * 100).toFixed(1)}%)`}`)
  L.push('', 'Counters (as /proc/vmstat deltas):')
  for (const [k, v] of Object.entries(r.counters)) {
    const rv = j.real?.counters[k]
    if (v || rv) L.push(`  ${k.padEnd(26)}${String(v).padStart(9)}${rv !== undefined ? `   real ${rv > 0 ? '+' : ''}${rv}` : ''}`)
  }
  const kinds = Object.keys((r as { blockerSummary?: Record<string, unknown> }).blockerSummary ?? {})
  if (kinds.length) {
    L.push('', 'Blocker kinds:')
    for (const k of kinds) L.push(`  ${k}: ${BLOCKER_KIND_TEXT[k as keyof typeof BLOCKER_KIND_TEXT]}`)
  }
  L.push('', 'Assumptions:')
  for (const x of r.assumptions) L.push(`  - ${x}`)
  return L.join('\n') + '\n'
}

/** The --json shape: the what-if's result at the top level with the run's context beside it. */
export function contigJsonOut(j: Awaited<ReturnType<typeof whatifContig>>): Record<string, unknown> {
  const { result: _r, ...rest } = j
  void _r
  return rest
}

/** The CLI entry for `whatif cma|hugetlb|contig|thp` (called from cli/main.ts). */
export async function runWhatifContigCli(
  kind: ContigKind, path: string, values: Record<string, string | boolean | undefined>, base: { layout: LayoutChoice; seed: number },
  out: (s: string) => void,
): Promise<number> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const int = (k: string, max = 2 ** 53 - 1): number | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN
    if (!Number.isSafeInteger(n) || n > max) throw new ContigUsageError(`--${k} must be an integer from 0 to ${max}, not "${v}"`)
    return n
  }
  const onOff = (k: string): boolean | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    if (v === 'on' || v === 'yes' || v === '1') return true
    if (v === 'off' || v === 'no' || v === '0') return false
    throw new ContigUsageError(`--${k} takes on or off, not "${v}"`)
  }
  const args: ContigArgs = {
    kind, path, layout: base.layout, seed: base.seed, seeds: int('seeds', 64) ?? 1, pinned: parsePinned(str('pinned')),
    ...(str('capture') ? { capture: str('capture')! } : {}),
  }
  const mbp = onOff('migrate-before-pin')
  if (mbp !== undefined) args.migrateBeforePin = mbp
  const pp = str('pin-placement')
  if (pp !== undefined) {
    if (pp !== 'uniform' && pp !== 'after-compaction') throw new ContigUsageError(`--pin-placement takes uniform or after-compaction, not "${pp}"`)
    args.pinPlacement = pp
  }
  const coreArg = (k: 'movablecore' | 'kernelcore'): CoreArg | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(v)
    if (pct) {
      if (Number(pct[1]) > 100) throw new ContigUsageError(`--${k} percentage must be at most 100, not "${v}"`)
      return { percent: Number(pct[1]) }
    }
    if (v === 'mirror') throw new ContigUsageError('--kernelcore=mirror (mirrored memory) is not modelled')
    return { bytes: parseSizeArg(v, k) }
  }
  const mc = coreArg('movablecore')
  const kc = coreArg('kernelcore')
  if (mc) args.movablecore = mc
  if (kc) args.kernelcore = kc
  if (kind === 'cma') {
    const pages = int('pages')
    const size = str('size')
    if ((pages === undefined) === (size === undefined)) throw new ContigUsageError('whatif cma takes --pages N or --size SIZE (one of them)')
    if (pages !== undefined) {
      if (pages < 1) throw new ContigUsageError('--pages must be at least 1')
      args.pages = pages
    } else args.sizeBytes = parseSizeArg(size!, 'size')
    const align = int('align', 40)
    if (align !== undefined) args.align = align
    if (str('area')) args.area = str('area')!
    const basePfn = int('base')
    const count = int('count')
    const opb = int('order-per-bit', 20)
    if (basePfn !== undefined) args.basePfn = basePfn
    if (count !== undefined) {
      if (basePfn === undefined) throw new ContigUsageError('--count (the area size in pages) goes with --base PFN')
      if (count < 1) throw new ContigUsageError('--count must be at least 1')
      args.areaCount = count
    }
    if (opb !== undefined) args.orderPerBit = opb
  } else if (kind === 'hugetlb') {
    const count = int('count', 1 << 24)
    if (count === undefined || count < 1) throw new ContigUsageError('whatif hugetlb needs --count N (pages to add to the pool, at least 1)')
    args.count = count
    if (str('size')) args.hugeSizeBytes = parseSizeArg(str('size')!, 'size')
    if (values['no-compact'] === true) args.compaction = false
  } else if (kind === 'contig') {
    if (!str('size')) throw new ContigUsageError('whatif contig needs --size SIZE (e.g. 2G)')
    args.sizeBytes = parseSizeArg(str('size')!, 'size')
    const gfp = str('gfp')
    if (gfp !== undefined) {
      if (gfp !== 'kernel' && gfp !== 'movable') throw new ContigUsageError(`--gfp takes kernel or movable, not "${gfp}"`)
      args.gfp = gfp
    }
    const node = int('node', 1023)
    if (node !== undefined) args.node = node
  } else {
    const d = str('defrag')
    if (d !== undefined) {
      if (!(DEFRAG_MODES as string[]).includes(d)) throw new ContigUsageError(`--defrag takes ${DEFRAG_MODES.join(', ')}, not "${d}"`)
      args.defrag = d as DefragMode
    }
    args.madvised = values['madvised'] === true
    const f = int('faults', 1 << 20)
    if (f !== undefined) {
      if (f < 1) throw new ContigUsageError('--faults must be at least 1')
      args.faults = f
    }
  }
  const j = await whatifContig(args)
  out(values['json'] === true ? JSON.stringify(contigJsonOut(j), null, 2) + '\n' : whatifContigText(j))
  return 0
}
