/**
 * Contiguous-allocation what-ifs (startWhatifContig: a CMA allocation, hugetlb pool growth, a
 * physically contiguous buffer, a THP fault): which kind the What-if tab shows per snapshot, the
 * panel's draft per snapshot, one run per snapshot with progress and cancel, results per snapshot
 * (a short history), failures in plain words. Same shape as the what-if compaction store
 * (whatif.ts); the draft → startWhatifContig arguments are pure and tested.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ContigWhatifView, MethodArgs, SnapshotView } from '../api/types.ts'
import { formatBytes } from '../format.ts'
import { runEntry, useRunTracker, without, type RunEntry, type RunError, type TrackedRun } from './run_tracker.ts'
import { pinnedArg, seedsError, type PinnedChoice } from './whatif.ts'

export type ContigArgs = MethodArgs<'startWhatifContig'>
export type ContigKind = ContigArgs['kind']
/** what the What-if tab shows: compaction (whatif.ts) or one of the contiguous allocations */
export type WhatifWhat = 'compact' | ContigKind
export type DefragMode = NonNullable<ContigArgs['defrag']>

export const WHATIF_WHATS: ReadonlyArray<{ value: WhatifWhat; label: string; help: string }> = [
  { value: 'compact', label: 'Compaction', help: 'compact_memory, nodeN/compact or direct compaction for an order' },
  { value: 'cma', label: 'CMA allocation', help: 'cma_alloc → alloc_contig_range from a CMA area (a camera or DMA buffer)' },
  { value: 'hugetlb', label: 'hugetlb pool', help: 'grow the hugetlb pool (nr_hugepages += N), with and without compaction' },
  { value: 'contig', label: 'Contiguous buffer', help: 'alloc_contig_pages: N physically contiguous pages anywhere (an RDMA buffer)' },
  { value: 'thp', label: 'THP at fault', help: 'a transparent huge page fault under a defrag mode: a huge page or the 4 KiB fallback' },
]

export const DEFRAG_MODES: ReadonlyArray<{ value: DefragMode; help: string }> = [
  { value: 'always', help: 'direct reclaim and compaction (only __GFP_NORETRY outside MADV_HUGEPAGE regions)' },
  { value: 'defer', help: 'wake kswapd and kcompactd, never stall the fault' },
  { value: 'defer+madvise', help: 'direct reclaim/compaction in MADV_HUGEPAGE regions, defer elsewhere' },
  { value: 'madvise', help: 'direct reclaim/compaction in MADV_HUGEPAGE regions only; no background work elsewhere' },
  { value: 'never', help: 'never reclaim or compact for a THP: take one only if a free block is there' },
]

export type MovableChoice = 'none' | 'size' | 'percent'

/** What the contiguous what-if panel holds for one snapshot. */
export interface ContigDraft {
  kind: ContigKind
  // CMA
  cmaAmount: 'size' | 'pages'
  cmaSize: string
  cmaPages: number
  /** alignment order, or null = the kernel's (min(get_order(count), CONFIG_CMA_ALIGNMENT)) */
  cmaAlign: number | null
  /** the capture's area (the first one), an area by name, or one defined by base PFN + count */
  cmaArea: 'capture' | 'name' | 'range'
  cmaAreaName: string
  cmaBasePfn: number
  cmaAreaCount: number
  /** long-term pins migrate out of CMA first: auto = the CLI's (not for the workload log's vmsplice pins, else yes) */
  migrateBeforePin: 'auto' | 'on' | 'off'
  // hugetlb
  hugeCount: number
  hugeSizeBytes: number
  compaction: boolean
  // contig
  contigSize: string
  gfp: 'kernel' | 'movable'
  /** 'auto' or a node number */
  node: string
  // THP
  /** transparent_hugepage/enabled: 'capture' = as the capture says */
  enabled: 'capture' | 'always' | 'madvise' | 'never'
  defrag: DefragMode
  madvised: boolean
  faults: number
  // common
  pinned: PinnedChoice
  pinnedValue: number
  seeds: number
  movable: MovableChoice
  movableSize: string
  movablePercent: number
}

export const HISTORY = 8

/** Huge page sizes of the machine: the PMD size and 1 GiB; on arm64 with 4 KiB pages also the contiguous-PTE 64 KiB and contiguous-PMD 32 MiB. */
export function hugePageSizes(snap: Pick<SnapshotView, 'machine' | 'pageSize'>): number[] {
  const pmd = 2 ** snap.machine.hpageOrder * snap.pageSize
  const arm = /^(arm64|aarch64)$/.test(snap.machine.arch ?? '')
  const sizes = arm && snap.pageSize === 4096 ? [64 << 10, pmd, 32 << 20, 1 << 30] : [pmd, 1 << 30]
  return [...new Set(sizes)].sort((a, b) => a - b)
}

export function defaultContigDraft(snap: Pick<SnapshotView, 'machine' | 'pageSize'>, kind: ContigKind = 'cma'): ContigDraft {
  return {
    kind,
    cmaAmount: 'size', cmaSize: '64M', cmaPages: 16384, cmaAlign: null, cmaArea: 'capture', cmaAreaName: '', cmaBasePfn: 0, cmaAreaCount: 65536,
    migrateBeforePin: 'auto',
    hugeCount: 64, hugeSizeBytes: 2 ** snap.machine.hpageOrder * snap.pageSize, compaction: true,
    contigSize: '256M', gfp: 'kernel', node: 'auto',
    enabled: 'capture', defrag: 'madvise', madvised: true, faults: 1,
    pinned: 'auto', pinnedValue: 0, seeds: 1, movable: 'none', movableSize: '1G', movablePercent: 25,
  }
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }

/** "64M", "1.5 GiB", "262144k", "4096" (bytes) → bytes; null when it is not a size. */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(s)
  if (!m) return null
  const v = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!
  return Number.isFinite(v) && v >= 1 ? Math.round(v) : null
}

function sizeWords(bytes: number): string {
  return formatBytes(bytes)
}

/** The run's title in words. */
export function contigTitle(args: ContigArgs, pageSize: number): string {
  switch (args.kind) {
    case 'cma': {
      const bytes = args.sizeBytes ?? (args.pages ?? 0) * pageSize
      const where = args.area ? ` from area ${args.area}` : args.basePfn !== undefined ? ` from PFN ${args.basePfn}` : ''
      return `a ${sizeWords(bytes)} CMA allocation${where}`
    }
    case 'hugetlb':
      return `growing the ${sizeWords(args.hugeSizeBytes ?? 0)} hugetlb pool by ${args.count ?? 0}${args.compaction === false ? ' (no compaction)' : ''}`
    case 'contig':
      return `a ${sizeWords(args.sizeBytes ?? 0)} contiguous buffer${args.gfp === 'movable' ? ' (movable)' : ''}${args.node !== undefined ? ` on node ${args.node}` : ''}`
    case 'thp':
      return `${args.faults && args.faults > 1 ? `${args.faults} THP faults` : 'a THP fault'} (defrag=${args.defrag ?? 'madvise'}${args.madvised ? ', madvised' : ''})`
  }
}

type Built = { ok: true; args: ContigArgs } | { ok: false; error: string }

/** The panel's draft as startWhatifContig arguments, or what is wrong with it. */
export function contigDraftToArgs(snap: Pick<SnapshotView, 'id' | 'machine' | 'pageSize'>, d: ContigDraft): Built {
  const args: ContigArgs = { id: snap.id, kind: d.kind }
  const whole = (n: number, min: number): boolean => Number.isInteger(n) && n >= min
  switch (d.kind) {
    case 'cma': {
      if (d.cmaAmount === 'size') {
        const b = parseSize(d.cmaSize)
        if (b === null) return { ok: false, error: `"${d.cmaSize}" is not a size (e.g. 64M, 256M, 1G)` }
        if (b < snap.pageSize) return { ok: false, error: `the size must be at least one page (${formatBytes(snap.pageSize)})` }
        args.sizeBytes = b
      } else {
        if (!whole(d.cmaPages, 1)) return { ok: false, error: 'pages must be a whole number, 1 or more' }
        args.pages = d.cmaPages
      }
      if (d.cmaAlign !== null) {
        if (!whole(d.cmaAlign, 0) || d.cmaAlign > 30) return { ok: false, error: 'the alignment order must be a whole number from 0 to 30' }
        args.align = d.cmaAlign
      }
      if (d.cmaArea === 'name') {
        const name = d.cmaAreaName.trim()
        if (!name) return { ok: false, error: 'name the CMA area (e.g. reserved)' }
        args.area = name
      } else if (d.cmaArea === 'range') {
        if (!whole(d.cmaBasePfn, 0)) return { ok: false, error: 'the base PFN must be a whole number, 0 or more' }
        if (!whole(d.cmaAreaCount, 1)) return { ok: false, error: 'the area’s page count must be a whole number, 1 or more' }
        args.basePfn = d.cmaBasePfn
        args.areaCount = d.cmaAreaCount
      }
      if (d.migrateBeforePin !== 'auto') args.migrateBeforePin = d.migrateBeforePin === 'on'
      break
    }
    case 'hugetlb':
      if (!whole(d.hugeCount, 1) || d.hugeCount > 1_000_000) return { ok: false, error: 'the page count must be a whole number from 1 to 1,000,000' }
      args.count = d.hugeCount
      args.hugeSizeBytes = d.hugeSizeBytes
      args.compaction = d.compaction
      break
    case 'contig': {
      const b = parseSize(d.contigSize)
      if (b === null) return { ok: false, error: `"${d.contigSize}" is not a size (e.g. 256M, 2G)` }
      if (b < snap.pageSize) return { ok: false, error: `the size must be at least one page (${formatBytes(snap.pageSize)})` }
      args.sizeBytes = b
      args.gfp = d.gfp
      if (d.node !== 'auto') {
        const n = Number(d.node)
        if (!snap.machine.nodes.includes(n)) return { ok: false, error: `the snapshot has no node ${d.node}` }
        args.node = n
      }
      break
    }
    case 'thp':
      if (d.enabled !== 'capture') args.enabled = d.enabled
      args.defrag = d.defrag
      args.madvised = d.madvised
      if (!whole(d.faults, 1) || d.faults > 100000) return { ok: false, error: 'faults must be a whole number from 1 to 100,000' }
      if (d.faults > 1) args.faults = d.faults
      break
  }
  const pinned = pinnedArg(d)
  if (!pinned.ok) return pinned
  args.pinned = pinned.pinned
  if (d.movable === 'size') {
    const b = parseSize(d.movableSize)
    if (b === null) return { ok: false, error: `movablecore: "${d.movableSize}" is not a size (e.g. 1G)` }
    args.movablecore = { bytes: b }
  } else if (d.movable === 'percent') {
    if (!Number.isFinite(d.movablePercent) || d.movablePercent < 0 || d.movablePercent > 100) return { ok: false, error: 'movablecore must be between 0 and 100 %' }
    args.movablecore = { percent: d.movablePercent }
  }
  const seeds = seedsError(d.seeds)
  if (seeds !== null) return { ok: false, error: seeds }
  args.seeds = d.seeds
  return { ok: true, args }
}

export interface ContigRun extends TrackedRun<ContigArgs> {
  kind: ContigKind
}

export interface ContigEntry extends RunEntry<ContigArgs, ContigWhatifView> {
  kind: ContigKind
}

export type ContigError = RunError

export const useContigStore = defineStore('contig', () => {
  /** snapshot id → what the What-if tab shows (default: compaction) */
  const what = ref<Record<string, WhatifWhat>>({})
  const drafts = ref<Record<string, ContigDraft>>({})

  /** results: snapshot id → results of every kind, newest first (at most HISTORY); shownRun: `${id}:${kind}` → runId of the result shown */
  const tracker = useRunTracker<ContigArgs, ContigRun, 'whatif:contig-done', ContigEntry>({
    doneEvent: 'whatif:contig-done',
    startCall: (a, args) => a.startWhatifContig(args),
    history: HISTORY,
    entry: (r, p) => ({ ...runEntry(r, p), kind: p.whatif.kind }),
    shownKey: (e) => `${e.snapshotId}:${e.kind}`,
    hasEarlier: (r) => resultsOf(r.snapshotId, r.kind).length > 0,
  })
  const { runs, results, shownRun, errors, notices, runOf, cancel, dismissError, dispose } = tracker

  // ---------------------------------------------------------------- lookups

  function whatOf(snapshotId: string): WhatifWhat {
    return what.value[snapshotId] ?? 'compact'
  }
  function setWhat(snapshotId: string, w: WhatifWhat): void {
    what.value = { ...what.value, [snapshotId]: w }
    const d = drafts.value[snapshotId]
    if (d && w !== 'compact') d.kind = w
  }
  function resultsOf(snapshotId: string, kind?: ContigKind): ContigEntry[] {
    const all = results.value[snapshotId] ?? []
    return kind ? all.filter((e) => e.kind === kind) : all
  }
  function shownOf(snapshotId: string, kind: ContigKind): ContigEntry | null {
    const list = resultsOf(snapshotId, kind)
    const id = shownRun.value[`${snapshotId}:${kind}`]
    return list.find((e) => e.runId === id) ?? list[0] ?? null
  }
  function draftOf(snap: Pick<SnapshotView, 'id' | 'machine' | 'pageSize'>): ContigDraft {
    let d = drafts.value[snap.id]
    if (!d) {
      const w = whatOf(snap.id)
      drafts.value = { ...drafts.value, [snap.id]: defaultContigDraft(snap, w === 'compact' ? 'cma' : w) }
      d = drafts.value[snap.id]!
    }
    return d
  }

  // ---------------------------------------------------------------- actions

  /** Start a contiguous what-if on a snapshot with the draft (or the snapshot's draft). One run per snapshot at a time. */
  function start(snap: Pick<SnapshotView, 'id' | 'machine' | 'pageSize'>, draft: ContigDraft = draftOf(snap)): Promise<string | null> {
    return tracker.start(snap.id, () => contigDraftToArgs(snap, draft), (args) => ({ kind: args.kind, title: contigTitle(args, snap.pageSize) }))
  }

  function select(snapshotId: string, kind: ContigKind, runId: string): void {
    if (resultsOf(snapshotId, kind).some((e) => e.runId === runId)) shownRun.value = { ...shownRun.value, [`${snapshotId}:${kind}`]: runId }
  }

  function forget(snapshotId: string): void {
    tracker.forget(snapshotId)
    shownRun.value = Object.fromEntries(Object.entries(shownRun.value).filter(([k]) => !k.startsWith(`${snapshotId}:`)))
    drafts.value = without(drafts.value, snapshotId)
    what.value = without(what.value, snapshotId)
  }

  return {
    what, runs, results, shownRun, errors, notices, drafts,
    whatOf, setWhat, runOf, resultsOf, shownOf, draftOf, start, cancel, select, dismissError, forget, dispose,
  }
})
