/**
 * What a contiguous-allocation what-if says, as rows and shapes the result view draws (pure):
 * the result narrowed by kind, success, the blocker table (one row per blocking page, with its
 * physical address and pageblock), the map decoration (windows, the CMA area, obtained huge
 * pages, blocking pageblocks), free-area datasets, counter rows and predicted vs real.
 */
import type {
  BlockerKindDto, CmaWhatIfResult, ContigWhatIfResult, ContigWhatifResult, HugetlbWhatIfResult, SnapshotView, ThpWhatIfResult, WindowJson, ZoneSummary,
} from './api/types.ts'
import type { WhatifFreeDataset } from './charts/options/whatif_free.ts'
import type { MapDecor, MapSpan } from './charts/whatif_replay.ts'
import { hex } from './format.ts'
import { relError } from './whatif_format.ts'

type Ctx = Pick<ContigWhatifResult, 'kind' | 'capture' | 'layout' | 'seeds' | 'perSeed' | 'baseline' | 'real'>
export type CmaR = CmaWhatIfResult & Ctx
export type HugetlbR = HugetlbWhatIfResult & Ctx
export type ContigR = ContigWhatIfResult & Ctx
export type ThpR = ThpWhatIfResult & Ctx

export const asCma = (r: ContigWhatifResult): CmaR | null => (r.kind === 'cma' ? (r as CmaR) : null)
export const asHugetlb = (r: ContigWhatifResult): HugetlbR | null => (r.kind === 'hugetlb' ? (r as HugetlbR) : null)
export const asContig = (r: ContigWhatifResult): ContigR | null => (r.kind === 'contig' ? (r as ContigR) : null)
export const asThp = (r: ContigWhatifResult): ThpR | null => (r.kind === 'thp' ? (r as ThpR) : null)

export const KIND_TITLES: Record<ContigWhatifResult['kind'], string> = {
  cma: 'CMA allocation', hugetlb: 'hugetlb pool growth', contig: 'Contiguous buffer', thp: 'THP at fault',
}

/** The blocker kinds in words (engine BLOCKER_KIND_TEXT, shorter). */
export const BLOCKER_WORDS: Record<string, string> = {
  pinned: 'assumed pinned (the pinned-page assumption)',
  unmovable: 'unmovable kernel page',
  reserved: 'reserved (PG_reserved)',
  slab: 'slab page',
  pagetable: 'page-table page',
  compound: 'compound page that cannot move',
  'no-target': 'no room for a migration target',
  writeback: 'under writeback',
  hole: 'missing page (hole)',
  isolated: 'isolated pageblock',
  uninit: 'not initialised yet (deferred_init; initialised on demand)',
  own: 'a huge page this what-if allocated (not in the capture)',
} satisfies Record<BlockerKindDto, string>

/** Did the allocation succeed: CMA/contig as said, hugetlb all requested pages, THP no fallback. */
export function contigSuccess(r: ContigWhatifResult): boolean {
  const c = asCma(r) ?? asContig(r)
  if (c) return c.success
  const h = asHugetlb(r)
  if (h) return h.obtained >= h.requested
  const t = asThp(r)
  return !!t && t.fallbacks === 0 && t.succeeded > 0
}

/** The windows a result tried (none for THP and for buddy-allocated hugetlb pages). */
export function windowsOf(r: ContigWhatifResult): WindowJson[] {
  return (asCma(r) ?? asContig(r) ?? asHugetlb(r))?.windows ?? []
}

/** The window that succeeded (its start is the allocation's PFN). */
export function successWindow(r: ContigWhatifResult): number {
  const c = asCma(r) ?? asContig(r)
  if (!c || !c.success || c.pfn === null) return -1
  return c.windows.findIndex((w) => w.startPfn === c.pfn && w.result === 'success')
}

export type Geo = Pick<SnapshotView, 'basePfn' | 'pagesPerBlock' | 'pageSize' | 'pageblockCount'>

export function pageblockOf(pfn: number, g: Pick<Geo, 'basePfn' | 'pagesPerBlock'>): number {
  return Math.floor((pfn - g.basePfn) / g.pagesPerBlock)
}

export interface BlockerRow {
  pfn: number
  /** physical address, hex */
  addr: string
  kind: string
  pageblock: number
  /** the windows (1-based, in the order tried) it blocked */
  windows: number[]
  /** who allocated it (page_owner), e.g. "pipe_write (fragwork)", or null */
  owner: string | null
}

/** One row per blocking page (a page blocking several overlapping windows is one row), in PFN order. */
export function blockerRows(r: ContigWhatifResult, g: Geo): BlockerRow[] {
  const by = new Map<number, BlockerRow>()
  windowsOf(r).forEach((w, wi) => {
    for (const b of w.blockers) {
      const have = by.get(b.pfn)
      if (have) {
        if (!have.windows.includes(wi + 1)) have.windows.push(wi + 1)
      } else {
        const o = b.owner
        by.set(b.pfn, { pfn: b.pfn, addr: hex(b.pfn * g.pageSize), kind: b.kind, pageblock: pageblockOf(b.pfn, g), windows: [wi + 1], owner: o ? `${o.site} (${o.comm ?? (o.pid !== null ? `pid ${o.pid}` : '?')})` : null })
      }
    }
  })
  return [...by.values()].sort((a, b) => a.pfn - b.pfn)
}

/**
 * Blocking pages per kind over the windows (their blockerCounts, which count past the listed
 * blockers): in how many windows, and at most how many in one (overlapping windows share pages,
 * so a sum would count a page twice).
 */
export function blockerTotals(r: ContigWhatifResult): Array<{ kind: string; maxPerWindow: number; windows: number }> {
  const out = new Map<string, { maxPerWindow: number; windows: number }>()
  for (const w of windowsOf(r)) {
    for (const [k, n] of Object.entries(w.blockerCounts)) {
      if (!n) continue
      const e = out.get(k) ?? { maxPerWindow: 0, windows: 0 }
      e.maxPerWindow = Math.max(e.maxPerWindow, n)
      e.windows++
      out.set(k, e)
    }
  }
  return [...out.entries()].map(([kind, v]) => ({ kind, ...v })).sort((a, b) => b.windows - a.windows || b.maxPerWindow - a.maxPerWindow)
}

export const CONTIG_MAP_COLORS = {
  light: { ok: '#1a8f3c', fail: '#d0342c', area: '#7048e8', blocker: '#111418', huge: '#0b63d8' },
  dark: { ok: '#3ddc84', fail: '#ff6b6b', area: '#b197fc', blocker: '#ffd43b', huge: '#4aa8ff' },
} as const

/**
 * What the map draws: the CMA area (faint), each window tried outlined (green the one that
 * succeeded, red the others), huge pages obtained (green), blocking pages' pageblocks outlined.
 */
export function contigDecor(r: ContigWhatifResult, g: Geo, theme: 'light' | 'dark', opts: { windows?: boolean; blockers?: boolean } = {}): MapDecor {
  const c = CONTIG_MAP_COLORS[theme]
  const pb = (pfn: number): number => (pfn - g.basePfn) / g.pagesPerBlock
  const spans: MapSpan[] = []
  const cma = asCma(r)
  if (cma) spans.push({ from: pb(cma.area.basePfn), to: pb(cma.area.basePfn + cma.area.count), color: c.area, alpha: 0.1, outline: true })
  if (opts.windows !== false) {
    const ok = successWindow(r)
    windowsOf(r).forEach((w, i) => {
      spans.push({ from: pb(w.startPfn), to: pb(w.endPfn), color: i === ok ? c.ok : c.fail, alpha: i === ok ? 0.22 : 0.08, outline: true })
    })
  }
  const h = asHugetlb(r)
  if (h && !h.gigantic) {
    const pages = 2 ** h.order
    for (const pfn of h.pfns) spans.push({ from: pb(pfn), to: pb(pfn + pages), color: c.huge, alpha: 0.55, outline: true })
  }
  let cells = opts.blockers === false ? [] : [...new Set(blockerRows(r, g).map((b) => b.pageblock))].filter((i) => i >= 0 && i < g.pageblockCount)
  // a THP fault has no windows: outline the pageblocks it changed
  if (r.kind === 'thp') cells = r.changedPageblocks.filter((i) => i >= 0 && i < g.pageblockCount)
  return { spans, outlines: cells.length ? { cells, color: c.blocker } : null }
}

/** Free areas per zone before/after: the zones whose free lists changed, else all. */
export function contigFreeDatasets(before: readonly ZoneSummary[], after: readonly ZoneSummary[], nrOrders: number): WhatifFreeDataset[] {
  const pad = (row: readonly number[] | undefined): number[] => Array.from({ length: nrOrders }, (_, o) => row?.[o] ?? 0)
  const pairs = after.map((a) => ({ a, b: before.find((x) => x.node === a.node && x.zone === a.zone) }))
  let shown = pairs.filter(({ a, b }) => !b || b.freeBlocks.some((n, o) => n !== a.freeBlocks[o]))
  if (shown.length === 0) shown = pairs
  return shown.map(({ a, b }) => ({ node: a.node, zone: a.zone, before: pad(b?.freeBlocks), after: pad(a.freeBlocks) }))
}

export interface ContigCounterRow {
  name: string
  predicted: number
  real: number | null
  error: number | null
}

/** Counters the run moved (or the real kernel did), predicted next to real when the step was captured. */
export function contigCounterRows(r: ContigWhatifResult): ContigCounterRow[] {
  const real = (r.real as { counters?: Record<string, number> } | null)?.counters ?? null
  const names = Object.keys(r.counters)
  return names
    .filter((n) => r.counters[n] !== 0 || (real && (real[n] ?? 0) !== 0))
    .map((name) => {
      const predicted = r.counters[name] ?? 0
      const rv = real ? real[name] ?? null : null
      return { name, predicted, real: rv, error: rv === null ? null : relError(predicted, rv) }
    })
}

/** Predicted vs the real kernel for a captured hugetlb step. */
export function contigVsReal(r: ContigWhatifResult): { capture: string; step: string; requested: number; predicted: number; real: number; error: number | null } | null {
  const x = r.real
  if (!x) return null
  return { capture: x.capture, step: x.step, requested: x.requested, predicted: x.predicted, real: x.obtained, error: x.error ?? relError(x.predicted, x.obtained) }
}
