/**
 * What-if contiguous allocations on a copy of a snapshot's model: a CMA allocation (cma_alloc),
 * hugetlb pool growth (2 MiB-class pages through the buddy allocator, gigantic pages through
 * hugetlb_cma / alloc_contig_pages), an N-page contiguous buffer anywhere (alloc_contig_pages)
 * and a THP fault under each defrag mode — each with the pages that block it, /proc/vmstat-named
 * counters and the assumptions the verdict rests on. Optionally on a layout with ZONE_MOVABLE
 * carved out (movable.ts). Rules: kernel 6.1 (mm/cma.ts, mm/migrate.ts, mm/page_isolation.ts,
 * mm/hugetlb.ts, mm/slowpath.ts, each naming the kernel functions it follows).
 */
import type { MemoryModel } from '../mm/mmzone.ts'
import type { PageAllocator } from '../mm/page_alloc.ts'
import { cloneModel } from '../mm/serialize.ts'
import { Compactor } from '../mm/compaction.ts'
import { SlowPath, ReclaimModel, padProtection, ZONE_IDX_MOVABLE, ZONE_IDX_NORMAL, type SlowOutcome } from '../mm/slowpath.ts'
import { cmaAlloc, applyCmaAreas, type CmaArea } from '../mm/cma.ts'
import { allocContigPages, CONTIG_RESULT_TEXT, type ContigWindow } from '../mm/migrate.ts'
import { growHugetlbPool, type HugetlbGrowResult } from '../mm/hugetlb.ts'
import type { Blocker, BlockerKind } from '../mm/page_isolation.ts'
import { PageKind, THP_HEAD, compoundHead } from '../mm/page.ts'
import { summarizeZones, type ZoneSummary } from '../metrics/summary.ts'
import { computePageblockMap, type PageblockMap } from '../metrics/pageblock_map.ts'
import { diffPageblocks } from '../metrics/diff.ts'
import { placePins, type PinPlacement } from './pins.ts'
import { carveZoneMovable, relocateOutOfRange, type MovableSpec } from './movable.ts'
import type { PinnedAssumption } from './assumptions.ts'

/** Reclaimable page cache: every FILE page, none, or per zone label (e.g. from zoneinfo's file LRU counts). */
export type ReclaimSpec = { kind: 'all-file' } | { kind: 'none' } | { kind: 'per-zone'; pages: Record<string, number>; source: string }

export interface ContigCommonOptions {
  pinned?: PinnedAssumption
  /** long-term pins migrate out of CMA / ZONE_MOVABLE first (default true: the kernel's behaviour since ~5.7) */
  migrateBeforePin?: boolean
  /** where pins go: uniform, or first where a full compaction left pages behind (captures taken after one) */
  pinPlacement?: PinPlacement
  reclaim?: ReclaimSpec
  unevictableAllowed?: boolean
  extfragThreshold?: number
  /** ZONE_MOVABLE carve-out (kernelcore= / movablecore=) applied before anything else */
  movable?: MovableSpec
  /** CMA areas of the capture (their pageblocks are made CMA) */
  cmaAreas?: CmaArea[]
  /** blockers listed per window (default 64) */
  blockerCap?: number
  /** windows listed (default 64; all are tried) */
  windowCap?: number
}

export interface WindowJson {
  startPfn: number
  endPfn: number
  result: string
  /** the kernel's words for the result */
  why: string
  /** owner: who allocated the page, filled in by the host where the capture has page_owner */
  blockers: Array<{ pfn: number; kind: BlockerKind; owner?: { comm: string | null; pid: number | null; site: string; migratetype: string; order: number; gfp: string } }>
  blockersTotal: number
  blockerCounts: Partial<Record<BlockerKind, number>>
  migrated: number
}

export interface Prepared {
  model: MemoryModel
  allocator: PageAllocator
  assumptions: string[]
  reclaim: ReclaimModel
  compactor: Compactor
  /** before the what-if ran (after carve-out and pins) */
  before: ZoneSummary[]
  mapBefore: PageblockMap
  movable: { start: Record<number, number>; relocated: number; conflicts: Blocker[]; conflictsTotal: number } | null
  startCounters: Record<string, number>
}

function windowJson(w: ContigWindow): WindowJson {
  return { startPfn: w.startPfn, endPfn: w.endPfn, result: w.result, why: CONTIG_RESULT_TEXT[w.result], blockers: w.blockers, blockersTotal: w.blockersTotal, blockerCounts: w.blockerCounts, migrated: w.migrated }
}

/** The common preparation of every contiguous what-if: carve-out, CMA areas, pins, reclaim model. */
export function prepare(model: MemoryModel, allocator: PageAllocator, o: ContigCommonOptions, hpageOrder: number): Prepared {
  const assumptions: string[] = []
  let movable: Prepared['movable'] = null
  if (o.movable) {
    const r = carveZoneMovable(model, allocator, o.movable, o.blockerCap ?? 64)
    model = r.model
    allocator = r.allocator
    assumptions.push(...r.says)
    movable = { start: r.movableStart, relocated: r.relocated, conflicts: r.conflicts, conflictsTotal: r.conflictsTotal }
  }
  padProtection(model)
  if (o.cmaAreas?.length) {
    const note = applyCmaAreas(allocator, o.cmaAreas)
    if (note) assumptions.push(note)
    for (const a of o.cmaAreas) {
      if (!a.source.startsWith('user')) continue
      // a moved or grown area: what a boot with the area there would have put elsewhere
      const r = relocateOutOfRange(model, allocator, a.basePfn, a.basePfn + a.count)
      assumptions.push(`user-defined area ${a.name}: its pageblocks are CMA; the ${r.relocated} non-movable pages (slab, page tables, kernel) the capture has there were moved to free pages outside it${r.swapped ? ` (${r.swapped} by swapping with a movable page)` : ''}, as a boot with the area there would have allocated them elsewhere${r.stuck ? `; ${r.stuck} found no place and stay` : ''}${r.reserved ? `; ${r.reserved} reserved pages stay` : ''}`)
    }
  }
  const migrateBeforePin = o.migrateBeforePin ?? true
  const pins = placePins(model, allocator, o.pinned ?? { kind: 'none' }, { migrateBeforePin, placement: o.pinPlacement ?? 'uniform' })
  assumptions.push(...pins.says)
  const rs = o.reclaim ?? { kind: 'all-file' }
  const reclaim = rs.kind === 'per-zone' ? new ReclaimModel(model, new Map(Object.entries(rs.pages)), rs.source) : new ReclaimModel(model, rs.kind)
  assumptions.push(reclaim.says)
  const unevictableAllowed = o.unevictableAllowed ?? true
  assumptions.push(`compact_unevictable_allowed=${unevictableAllowed ? 1 : 0}; alloc_contig_range always migrates mlocked pages`)
  const compactor = new Compactor(allocator, { unevictableAllowed, extfragThreshold: o.extfragThreshold ?? 500 })
  assumptions.push('kswapd is modelled as reclaim towards the high watermark when woken; kcompactd and proactive compaction do not run during the what-if; no other allocations race with it')
  if (model.lruAddPages.size > 0) assumptions.push(`${model.lruAddPages.size} anonymous pages were not yet on an LRU list when kpageflags was read (the capture's tools' fresh faults, in a CPU's lru_add batch): kept as read, kernel pages the migrate scanner skips (direct compaction drains only the running CPU's batch, compact_zone → lru_add_drain, and alloc_contig_range every CPU's, lru_cache_disable; their tools' exit, which drains and frees them, is not modelled here)`)
  const m = computePageblockMap(model)
  return {
    model, allocator, assumptions, reclaim, compactor, before: summarizeZones(model, hpageOrder), mapBefore: m, movable,
    startCounters: allocator.events.toJSON(),
  }
}

function countersSince(p: Prepared, keys: string[]): Record<string, number> {
  const end = p.allocator.events.toJSON()
  const out: Record<string, number> = {}
  for (const k of keys) out[k] = (end[k] ?? 0) - (p.startCounters[k] ?? 0)
  return out
}

function changedPageblocks(p: Prepared): number[] {
  return diffPageblocks(p.mapBefore, computePageblockMap(p.model)).changed
}

const mib = (pages: number, pageSize: number): string => {
  const b = pages * pageSize
  return b >= 1 << 30 && b % (1 << 30) === 0 ? `${b / 2 ** 30} GiB` : b >= 1 << 20 ? `${+(b / 2 ** 20).toFixed(1)} MiB` : `${b / 1024} KiB`
}

/** Per blocker kind over the windows tried: in how many windows it blocked, and at most how many pages in one. */
export type BlockerSummary = Partial<Record<BlockerKind, { windows: number; maxPerWindow: number }>>

const KIND_WORDS: Record<BlockerKind, string> = {
  pinned: 'pages assumed pinned (the pinned-page assumption: kpageflags cannot show pins)', unmovable: 'unmovable kernel pages', reserved: 'reserved pages', slab: 'slab pages', pagetable: 'page-table pages',
  compound: 'compound pages that cannot move', 'no-target': 'pages with no room for a migration target', writeback: 'pages under writeback', hole: 'missing pages', isolated: 'isolated pageblocks',
  uninit: 'memory not initialised yet (deferred_init: the kernel initialises it on demand, so these windows may become usable)',
  own: 'huge pages this what-if allocated earlier in the same run',
}

/** "30 pinned pages" for one window; "pinned pages (in 65 windows, up to 30 per window), …" for several */
export function describeBlockers(s: BlockerSummary): string {
  const parts = (Object.entries(s) as Array<[BlockerKind, { windows: number; maxPerWindow: number }]>).sort((a, b) => b[1].windows - a[1].windows || b[1].maxPerWindow - a[1].maxPerWindow)
  if (!parts.length) return 'nothing'
  return parts.map(([k, v]) => (v.windows === 1 ? `${v.maxPerWindow} ${KIND_WORDS[k]}${v.maxPerWindow === 1 ? '' : ''}` : `${KIND_WORDS[k]} (in ${v.windows} windows, up to ${v.maxPerWindow} per window)`)).join(', ')
}

/**
 * A window that overlaps a huge page this same run allocated is blocked by that page: count it
 * as the run's own ('own'), never as a captured compound page that cannot move.
 */
export function ownPagesInWindows(ws: ContigWindow[], ownPfns: readonly number[], pages: number): ContigWindow[] {
  if (!ownPfns.length) return ws
  const own = (pfn: number): boolean => ownPfns.some((p) => pfn >= p && pfn < p + pages)
  return ws.map((w) => {
    let overlap = 0
    for (const p of ownPfns) overlap += Math.max(0, Math.min(w.endPfn, p + pages) - Math.max(w.startPfn, p))
    if (!overlap) return w
    const counts = { ...w.blockerCounts }
    const fromCompound = Math.min(counts.compound ?? 0, overlap)
    if (fromCompound) counts.compound = counts.compound! - fromCompound
    if (!counts.compound) delete counts.compound
    counts.own = (counts.own ?? 0) + overlap
    return { ...w, blockerCounts: counts, blockers: w.blockers.map((b) => (own(b.pfn) ? { ...b, kind: 'own' as const } : b)), blockersTotal: w.blockersTotal - fromCompound + overlap }
  })
}

export function summarizeBlockers(ws: ContigWindow[]): BlockerSummary {
  const out: BlockerSummary = {}
  for (const w of ws) {
    for (const [k, n] of Object.entries(w.blockerCounts) as Array<[BlockerKind, number]>) {
      if (!n) continue
      const e = (out[k] ??= { windows: 0, maxPerWindow: 0 })
      e.windows++
      e.maxPerWindow = Math.max(e.maxPerWindow, n)
    }
  }
  return out
}

export const CONTIG_COUNTERS = ['cma_alloc_success', 'cma_alloc_fail', 'pgmigrate_success', 'pgmigrate_fail', 'thp_split_page', 'pgsteal_direct', 'pgsteal_kswapd', 'allocstall_movable', 'allocstall_normal', 'compact_stall', 'compact_fail', 'compact_success', 'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated', 'htlb_buddy_alloc_success', 'htlb_buddy_alloc_fail', 'thp_fault_alloc', 'thp_fault_fallback']

// ---------------------------------------------------------------------------------- CMA

export interface CmaWhatIfOptions extends ContigCommonOptions {
  /** the area to allocate from */
  area: CmaArea
  /** pages */
  count: number
  /** alignment order (default: min(get_order(count), CONFIG_CMA_ALIGNMENT = 8), as dma_alloc_from_contiguous) */
  align?: number
}

/** What every contiguous-allocation what-if reports besides its own figures. */
export interface WhatIfOutcome {
  /** sentences saying what the verdict rests on */
  assumptions: string[]
  before: ZoneSummary[]
  after: ZoneSummary[]
  /** pageblock indices whose migratetype or free pages changed */
  changedPageblocks: number[]
  /** first PFN of ZONE_MOVABLE per node when a carve-out was asked for */
  movableStart: Record<number, number> | null
  pageSize: number
}

export interface CmaWhatIfResult extends WhatIfOutcome {
  verdict: string
  success: boolean
  pfn: number | null
  count: number
  align: number
  area: { name: string; basePfn: number; count: number; orderPerBit: number; source: string }
  windows: WindowJson[]
  windowsTried: number
  /** why the search stopped */
  reason: string
  migrated: number
  counters: Record<string, number>
  blockerSummary: BlockerSummary
}

/** get_order(count) capped at CONFIG_CMA_ALIGNMENT (8), the alignment dma_alloc_from_contiguous passes. */
export function defaultCmaAlign(count: number): number {
  return Math.min(Math.ceil(Math.log2(Math.max(1, count))), 8)
}

export function runCmaWhatIf(model: MemoryModel, allocator: PageAllocator, o: CmaWhatIfOptions, hpageOrder: number): CmaWhatIfResult {
  const areas = o.cmaAreas ?? [o.area]
  const p = prepare(model, allocator, { ...o, cmaAreas: areas.includes(o.area) ? areas : [...areas, o.area] }, hpageOrder)
  const align = o.align ?? defaultCmaAlign(o.count)
  const area = { ...o.area, bitmap: o.area.bitmap.slice() }
  p.assumptions.push(`cma_alloc(${o.count} pages, align order ${align}) on area ${area.name} (PFN ${area.basePfn}..${area.basePfn + area.count - 1}, order_per_bit ${area.orderPerBit}, from ${area.source}): bitmap search from the start, windows slide by the alignment on -EBUSY (6.1 mm/cma.c)`)
  p.assumptions.push('migration targets come from free memory outside the window (low, then min watermark) and reclaimable page cache; no compaction is run to make room for them; a THP without a 2 MiB target is split')
  const r = cmaAlloc(p.allocator, area, o.count, align, { reclaim: p.reclaim, kind: PageKind.KERNEL, blockerCap: o.blockerCap ?? 64 })
  const ps = p.model.geometry.pageSize
  const counts = summarizeBlockers(r.windows)
  let verdict: string
  if (r.success) verdict = `A ${mib(o.count, ps)} CMA allocation from area ${area.name} would succeed at PFN ${r.pfn} (0x${r.pfn.toString(16)})${r.windowsTried > 1 ? ` on window ${r.windowsTried} of those tried` : ' on the first window'}, after migrating ${r.migrated} pages out of the way.`
  else if (r.reason === 'too-large') verdict = `A ${mib(o.count, ps)} CMA allocation cannot fit in area ${area.name} (${mib(area.count, ps)}).`
  else if (r.reason === 'enomem') verdict = `A ${mib(o.count, ps)} CMA allocation from area ${area.name} would fail: there is not enough free memory outside the window to migrate its pages to (-ENOMEM after ${r.windowsTried} window${r.windowsTried === 1 ? '' : 's'}).`
  else verdict = `A ${mib(o.count, ps)} CMA allocation from area ${area.name} would fail: ${r.windowsTried ? `all ${r.windowsTried} window${r.windowsTried === 1 ? '' : 's'} tried ${r.windowsTried === 1 ? 'was' : 'were'} blocked, by ${describeBlockers(counts)}` : 'no free, aligned range is left in the area bitmap'}.`
  return {
    verdict, success: r.success, pfn: r.success ? r.pfn : null, count: o.count, align,
    area: { name: area.name, basePfn: area.basePfn, count: area.count, orderPerBit: area.orderPerBit, source: area.source },
    windows: r.windows.slice(0, o.windowCap ?? 64).map(windowJson), windowsTried: r.windowsTried, reason: r.reason, migrated: r.migrated,
    counters: countersSince(p, CONTIG_COUNTERS), blockerSummary: counts, assumptions: p.assumptions, before: p.before, after: summarizeZones(p.model, hpageOrder),
    changedPageblocks: changedPageblocks(p), movableStart: p.movable?.start ?? null, pageSize: ps,
  }
}

// ---------------------------------------------------------------------------------- contig

export interface ContigWhatIfOptions extends ContigCommonOptions {
  /** pages */
  nrPages: number
  /** GFP of the caller: 'kernel' (GFP_KERNEL, zones up to Normal: a driver's buffer) or 'movable' (up to ZONE_MOVABLE) */
  gfp?: 'kernel' | 'movable'
  node?: number
}

export interface ContigWhatIfResult extends WhatIfOutcome {
  verdict: string
  success: boolean
  pfn: number | null
  nrPages: number
  windows: WindowJson[]
  windowsTried: number
  windowsSkipped: number
  migrated: number
  counters: Record<string, number>
  blockerSummary: BlockerSummary
}

export function runContigWhatIf(model: MemoryModel, allocator: PageAllocator, o: ContigWhatIfOptions, hpageOrder: number): ContigWhatIfResult {
  const p = prepare(model, allocator, o, hpageOrder)
  const gfp = o.gfp ?? 'kernel'
  const node = o.node ?? p.model.zones[0]!.node
  p.assumptions.push(`alloc_contig_pages(${o.nrPages} pages, ${gfp === 'kernel' ? 'GFP_KERNEL: zones up to Normal' : 'movable GFP: zones up to ZONE_MOVABLE'}, node ${node}): windows aligned to the size, each zone highest first; CMA pageblocks are never used (6.1)`)
  p.assumptions.push('migration targets come from free memory outside the window (low, then min watermark) and reclaimable page cache; no compaction is run to make room for them; a THP without a 2 MiB target is split')
  const r = allocContigPages(p.allocator, o.nrPages, {
    node, highestZoneIdx: gfp === 'kernel' ? ZONE_IDX_NORMAL : ZONE_IDX_MOVABLE, reclaim: p.reclaim, kind: PageKind.KERNEL,
    blockerCap: o.blockerCap ?? 64,
  })
  const ps = p.model.geometry.pageSize
  const counts = summarizeBlockers(r.windows)
  const migrated = r.windows.reduce((s, w) => s + w.migrated, 0)
  const total = r.windowsTried + r.windowsSkipped
  const verdict = r.success
    ? `A ${mib(o.nrPages, ps)} physically contiguous buffer would be allocated at PFN ${r.pfn} (0x${r.pfn.toString(16)}) after migrating ${migrated} pages${r.windowsTried > 1 ? `; ${r.windowsTried - 1} earlier window${r.windowsTried > 2 ? 's' : ''} failed` : ''}.`
    : total === 0
      ? `A ${mib(o.nrPages, ps)} physically contiguous buffer cannot be allocated: no zone the request may use is that large.`
      : `A ${mib(o.nrPages, ps)} physically contiguous buffer would not be allocated: ${r.windowsSkipped} of ${total} aligned windows are not usable at all and the ${r.windowsTried} tried were blocked, by ${describeBlockers(counts)}.`
  return {
    verdict, success: r.success, pfn: r.success ? r.pfn : null, nrPages: o.nrPages, windows: r.windows.slice(0, o.windowCap ?? 64).map(windowJson), windowsTried: r.windowsTried, windowsSkipped: r.windowsSkipped,
    migrated, counters: countersSince(p, CONTIG_COUNTERS), blockerSummary: counts, assumptions: p.assumptions, before: p.before, after: summarizeZones(p.model, hpageOrder),
    changedPageblocks: changedPageblocks(p), movableStart: p.movable?.start ?? null, pageSize: ps,
  }
}

// ---------------------------------------------------------------------------------- hugetlb

export interface HugetlbWhatIfOptions extends ContigCommonOptions {
  /** huge page order */
  order: number
  /** pages to add to the pool */
  count: number
  /** run direct compaction (false = --no-compact) */
  compaction?: boolean
  /** also run the other variant (with/without compaction) for the yield curve (default true) */
  yieldCurve?: boolean
  /** points on the yield curve (default 8) */
  yieldPoints?: number
  nodes?: number[]
}

export interface HugetlbWhatIfResult extends WhatIfOutcome {
  verdict: string
  requested: number
  obtained: number
  order: number
  pageSizeBytes: number
  gigantic: boolean
  compaction: boolean
  obtainedWithCompaction: number | null
  obtainedWithoutCompaction: number | null
  /** pages obtained vs requested (a growth to r is the first r attempts of a growth to N, so min(r, obtained)) */
  yield: Array<{ requested: number; obtainedWithCompaction: number | null; obtainedWithoutCompaction: number | null }>
  /** how each page was found: fast path, compaction, … */
  via: Record<string, number>
  pfns: number[]
  counters: Record<string, number>
  /** gigantic pages: the last attempt's windows */
  windows: WindowJson[]
  blockerSummary: BlockerSummary
}

function runGrowth(p: Prepared, o: HugetlbWhatIfOptions, compaction: boolean): HugetlbGrowResult {
  const slow = new SlowPath(p.allocator, p.compactor, { compaction, reclaim: p.reclaim })
  const hugetlbCma = new Map<number, CmaArea>()
  for (const a of o.cmaAreas ?? []) if (a.hugetlbNode !== null) hugetlbCma.set(a.hugetlbNode, { ...a, bitmap: a.bitmap.slice() })
  return growHugetlbPool(p.allocator, slow, {
    order: o.order, count: o.count, reclaim: p.reclaim, hugetlbCma, ...(o.nodes ? { nodes: o.nodes } : {}),
    blockerCap: o.blockerCap ?? 64, windowCap: o.windowCap ?? 16,
  })
}

export function runHugetlbWhatIf(model: MemoryModel, allocator: PageAllocator, o: HugetlbWhatIfOptions, hpageOrder: number): HugetlbWhatIfResult {
  const compaction = o.compaction ?? true
  const gigantic = o.order > model.maxOrder
  const wantOther = (o.yieldCurve ?? true) && !gigantic
  const other = wantOther ? cloneModel(model, allocator.policy) : null
  const p = prepare(model, allocator, o, hpageOrder)
  const ps = p.model.geometry.pageSize
  const size = mib(2 ** o.order, ps)
  if (gigantic) p.assumptions.push(`${size} pages are gigantic (order ${o.order} > max order ${p.model.maxOrder}): cma_alloc on the node's hugetlb_cma area if there is one, then alloc_contig_pages (6.1 alloc_gigantic_page)`)
  else p.assumptions.push(`${size} pages come from the buddy allocator with GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_RETRY_MAYFAIL: fast path, then ${compaction ? 'async compaction, then rounds of reclaim and sync-light compaction (costly orders stop at sync-light)' : 'reclaim only (--no-compact)'}, stopping at the first page no node can give (6.1 set_max_huge_pages)`)
  const r = runGrowth(p, o, compaction)
  let otherObtained: number | null = null
  if (other) {
    const q = prepare(other.model, other.allocator, o, hpageOrder)
    otherObtained = runGrowth(q, o, !compaction).obtained
  }
  const withC = compaction ? r.obtained : otherObtained
  const withoutC = compaction ? otherObtained : r.obtained
  const n = Math.max(1, o.yieldPoints ?? 8)
  const pts = [...new Set(Array.from({ length: n }, (_, i) => Math.round(((i + 1) * o.count) / n)).filter((x) => x > 0))]
  const yieldCurve = pts.map((req) => ({ requested: req, obtainedWithCompaction: withC === null ? null : Math.min(req, withC), obtainedWithoutCompaction: withoutC === null ? null : Math.min(req, withoutC) }))
  const via: Record<string, number> = {}
  for (const a of r.attempts) if (a.pfn >= 0) via[a.via] = (via[a.via] ?? 0) + 1
  const last = r.attempts[r.attempts.length - 1]
  const windows = ownPagesInWindows([...(last?.cma?.windows ?? []), ...(last?.contigWindows ?? [])], r.pfns, 2 ** o.order)
  const counts = summarizeBlockers(windows)
  const fromFree = (via['fast'] ?? 0) + (via['min-watermark'] ?? 0) + (via['retry'] ?? 0) + (via['reclaim'] ?? 0)
  const parts = gigantic
    ? `${via['cma'] ?? 0} from the hugetlb_cma area, ${via['alloc_contig_pages'] ?? 0} by alloc_contig_pages`
    : `${fromFree} from free blocks, ${via['compaction'] ?? 0} after direct compaction`
  const why = gigantic
    ? windows.length ? `: every window tried was blocked, by ${describeBlockers(counts)}` : `: no ${size}-aligned range of the node lies within one zone${(o.cmaAreas ?? []).some((a) => a.hugetlbNode !== null) ? ' or the hugetlb_cma area' : ''}`
    : compaction ? ' even after reclaim and compaction' : ' (no compaction)'
  let verdict = r.obtained >= o.count
    ? `Growing the ${size} hugetlb pool by ${o.count} pages would succeed (${parts}).`
    : `Growing the ${size} hugetlb pool by ${o.count} pages would stop at ${r.obtained} (${parts}); page ${r.obtained + 1} fails${why}.`
  if (otherObtained !== null) verdict += ` ${compaction ? 'Without' : 'With'} compaction: ${otherObtained}.`
  return {
    verdict, requested: o.count, obtained: r.obtained, order: o.order, pageSizeBytes: 2 ** o.order * ps, gigantic, compaction,
    obtainedWithCompaction: withC, obtainedWithoutCompaction: withoutC, yield: yieldCurve, via, pfns: r.pfns,
    counters: countersSince(p, CONTIG_COUNTERS), windows: windows.map(windowJson), blockerSummary: counts, assumptions: p.assumptions, before: p.before, after: summarizeZones(p.model, hpageOrder),
    changedPageblocks: changedPageblocks(p), movableStart: p.movable?.start ?? null, pageSize: ps,
  }
}

// ---------------------------------------------------------------------------------- THP

export type DefragMode = 'always' | 'defer' | 'defer+madvise' | 'madvise' | 'never'
export const DEFRAG_MODES: DefragMode[] = ['always', 'defer', 'defer+madvise', 'madvise', 'never']

/** vma_thp_gfp_mask() (6.1) as the slow path's switches. */
export function thpGfp(defrag: DefragMode, madvised: boolean): { directReclaim: boolean; kswapd: boolean; noretry: boolean; name: string } {
  switch (defrag) {
    case 'always': return { directReclaim: true, kswapd: false, noretry: !madvised, name: madvised ? 'GFP_TRANSHUGE' : 'GFP_TRANSHUGE | __GFP_NORETRY' }
    case 'defer': return { directReclaim: false, kswapd: true, noretry: false, name: 'GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM' }
    case 'defer+madvise': return madvised ? { directReclaim: true, kswapd: false, noretry: false, name: 'GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM' } : { directReclaim: false, kswapd: true, noretry: false, name: 'GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM' }
    case 'madvise': return madvised ? { directReclaim: true, kswapd: false, noretry: false, name: 'GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM' } : { directReclaim: false, kswapd: false, noretry: false, name: 'GFP_TRANSHUGE_LIGHT' }
    case 'never': return { directReclaim: false, kswapd: false, noretry: false, name: 'GFP_TRANSHUGE_LIGHT' }
  }
}

export type ThpEnabled = 'always' | 'madvise' | 'never'

/**
 * Would an anonymous fault try a huge page at all: transparent_hugepage/enabled against the
 * VMA's MADV_HUGEPAGE (6.1 hugepage_vma_check / transparent_hugepage_active, anonymous VMAs).
 */
export function thpEligible(enabled: ThpEnabled, madvised: boolean): boolean {
  return enabled === 'always' || (enabled === 'madvise' && madvised)
}

export interface ThpWhatIfOptions extends ContigCommonOptions {
  /** transparent_hugepage/enabled (default always) */
  enabled?: ThpEnabled
  defrag: DefragMode
  madvised: boolean
  /** consecutive THP faults (default 1) */
  faults?: number
  /** THP order (HPAGE_PMD_ORDER) */
  order: number
  node?: number
  /** also evaluate one fault under every mode, madvised or not (default true) */
  table?: boolean
}

export interface ThpFault {
  success: boolean
  via: SlowOutcome['via']
  compactions: Array<{ priority: string; result: string; success: boolean }>
  reclaimRounds: number
  wokeKswapd: boolean
}

export interface ThpWhatIfResult extends WhatIfOutcome {
  verdict: string
  /** transparent_hugepage/enabled the fault ran under, and whether it tried a huge page at all */
  enabled: ThpEnabled
  eligible: boolean
  defrag: DefragMode
  madvised: boolean
  gfp: string
  faults: number
  succeeded: number
  fallbacks: number
  results: ThpFault[]
  /** compaction work of the run (counters) */
  counters: Record<string, number>
  table: Array<{ defrag: DefragMode; madvised: boolean; gfp: string; success: boolean; via: string; compactStall: number; pagesMigrated: number; migrateScanned: number; freeScanned: number }>
}

/**
 * THP faults (6.1 do_huge_pmd_anonymous_page → vma_alloc_folio(hugepage)): a first try on the
 * local node with __GFP_THISNODE | __GFP_NORETRY (compaction, no reclaim loop), then, if the
 * mask allows direct reclaim, a normal try; on failure the fault falls back to 4 KiB pages.
 */
function thpFault(p: Prepared, defrag: DefragMode, madvised: boolean, order: number, node: number): ThpFault {
  const g = thpGfp(defrag, madvised)
  const slow = new SlowPath(p.allocator, p.compactor, { compaction: true, reclaim: p.reclaim })
  const base = { order, mt: p.model.migratetypes.movable, highestZoneIdx: ZONE_IDX_MOVABLE, node, directReclaim: g.directReclaim, kswapd: g.kswapd, retryMayfail: false, kind: compoundHead(THP_HEAD, order) }
  const first = slow.allocate({ ...base, thisnode: true, noretry: true })
  let r = first
  const compactions = [...first.compactions]
  let reclaimRounds = first.reclaimRounds
  if (first.pfn < 0 && g.directReclaim) {
    r = slow.allocate({ ...base, thisnode: false, noretry: g.noretry })
    compactions.push(...r.compactions)
    reclaimRounds += r.reclaimRounds
  }
  const ok = r.pfn >= 0
  p.allocator.events.count(ok ? 'thp_fault_alloc' : 'thp_fault_fallback')
  return { success: ok, via: r.via, compactions, reclaimRounds, wokeKswapd: first.wokeKswapd || r.wokeKswapd }
}

export function runThpWhatIf(model: MemoryModel, allocator: PageAllocator, o: ThpWhatIfOptions, hpageOrder: number): ThpWhatIfResult {
  const faults = Math.max(1, o.faults ?? 1)
  const tableModels = (o.table ?? true) ? DEFRAG_MODES.flatMap((d) => [false, true].map((mad) => ({ d, mad, c: cloneModel(model, allocator.policy) }))) : []
  const p = prepare(model, allocator, o, hpageOrder)
  const node = o.node ?? p.model.zones[0]!.node
  const g = thpGfp(o.defrag, o.madvised)
  p.assumptions.push(`THP fault at order ${o.order}, defrag=${o.defrag}, ${o.madvised ? 'MADV_HUGEPAGE' : 'not madvised'}: ${g.name} (6.1 vma_thp_gfp_mask); first try local node with __GFP_THISNODE | __GFP_NORETRY, then${g.directReclaim ? '' : ' no'} second try; fallback to 4 KiB pages on failure`)
  const enabled = o.enabled ?? 'always'
  const eligible = thpEligible(enabled, o.madvised)
  const results: ThpFault[] = []
  // an ineligible fault never asks for a huge page: a 4 KiB page, no compaction, no thp_fault_fallback
  if (eligible) for (let i = 0; i < faults; i++) results.push(thpFault(p, o.defrag, o.madvised, o.order, node))
  const succeeded = results.filter((r) => r.success).length
  const counters = countersSince(p, CONTIG_COUNTERS)
  const table: ThpWhatIfResult['table'] = []
  for (const t of tableModels) {
    if (!thpEligible(enabled, t.mad)) {
      table.push({ defrag: t.d, madvised: t.mad, gfp: thpGfp(t.d, t.mad).name, success: false, via: `not eligible (enabled=${enabled})`, compactStall: 0, pagesMigrated: 0, migrateScanned: 0, freeScanned: 0 })
      continue
    }
    const q = prepare(t.c.model, t.c.allocator, o, hpageOrder)
    const r = thpFault(q, t.d, t.mad, o.order, node)
    const c = countersSince(q, CONTIG_COUNTERS)
    table.push({ defrag: t.d, madvised: t.mad, gfp: thpGfp(t.d, t.mad).name, success: r.success, via: r.via, compactStall: c['compact_stall'] ?? 0, pagesMigrated: c['pgmigrate_success'] ?? 0, migrateScanned: c['compact_migrate_scanned'] ?? 0, freeScanned: c['compact_free_scanned'] ?? 0 })
  }
  const ps = p.model.geometry.pageSize
  const first = results[0]
  const work = `${counters['compact_stall'] ?? 0} direct compaction${(counters['compact_stall'] ?? 0) === 1 ? '' : 's'}, ${counters['pgmigrate_success'] ?? 0} pages migrated, ${counters['compact_migrate_scanned'] ?? 0} + ${counters['compact_free_scanned'] ?? 0} pages scanned`
  const verdict = !eligible
    ? `A fault would not use a transparent huge page at all: enabled=${enabled}${enabled === 'madvise' ? ' and the region is not madvised (MADV_HUGEPAGE)' : ''}, so ${faults === 1 ? 'it takes' : `all ${faults} take`} 4 KiB pages, with no huge page attempt and no compaction.`
    : faults === 1 && first
    ? first.success
      ? `A THP fault (${mib(2 ** o.order, ps)}) under defrag=${o.defrag}${o.madvised ? ' in a MADV_HUGEPAGE region' : ''} would get a huge page (${first.via === 'compaction' ? `after compaction: ${work}` : 'from a free block'}).`
      : `A THP fault under defrag=${o.defrag}${o.madvised ? ' in a MADV_HUGEPAGE region' : ''} would fall back to 4 KiB pages${g.directReclaim ? ` after ${work}` : first.wokeKswapd ? ' (kswapd/kcompactd woken, no direct compaction)' : ' (no reclaim, no compaction allowed)'}.`
    : `${succeeded} of ${faults} THP faults under defrag=${o.defrag}${o.madvised ? ' (madvised)' : ''} would get a huge page, ${faults - succeeded} would fall back to 4 KiB pages; compaction work: ${work}.`
  p.assumptions.unshift(`transparent_hugepage/enabled=${enabled}: ${eligible ? 'the fault tries a huge page' : 'the fault never tries a huge page'} (${o.madvised ? 'madvised' : 'not madvised'} region)`)
  return {
    verdict, enabled, eligible, defrag: o.defrag, madvised: o.madvised, gfp: g.name, faults, succeeded, fallbacks: faults - succeeded, results, counters, table, assumptions: p.assumptions,
    before: p.before, after: summarizeZones(p.model, hpageOrder), changedPageblocks: changedPageblocks(p), movableStart: p.movable?.start ?? null, pageSize: ps,
  }
}
