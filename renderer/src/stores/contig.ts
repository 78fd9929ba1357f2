/**
 * Contiguous-allocation what-ifs (startWhatifContig: a CMA allocation, hugetlb pool growth, a
 * physically contiguous buffer, a THP fault): which kind the What-if tab shows per snapshot, the
 * panel's draft per snapshot, one run per snapshot with progress and cancel, results per snapshot
 * (a short history), failures in plain words. Same shape as the what-if compaction store
 * (whatif.ts); the draft → startWhatifContig arguments are pure and tested.
 */
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import {
  asHostError, type BuddyscopeApi, type ContigWhatifView, type EventPayloads, type HostError, type MethodArgs, type SnapshotView,
} from '../api/types.ts'
import { formatBytes } from '../format.ts'
import { MAX_SEEDS, type PinnedChoice } from './whatif.ts'

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
    defrag: 'madvise', madvised: true, faults: 1,
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
      args.defrag = d.defrag
      args.madvised = d.madvised
      if (!whole(d.faults, 1) || d.faults > 100000) return { ok: false, error: 'faults must be a whole number from 1 to 100,000' }
      if (d.faults > 1) args.faults = d.faults
      break
  }
  switch (d.pinned) {
    case 'auto': args.pinned = 'auto'; break
    case 'none': args.pinned = 'none'; break
    case 'pages':
      if (!whole(d.pinnedValue, 0)) return { ok: false, error: 'pinned pages must be a whole number, 0 or more' }
      args.pinned = { pages: d.pinnedValue }
      break
    case 'percent':
      if (!Number.isFinite(d.pinnedValue) || d.pinnedValue < 0 || d.pinnedValue > 100) return { ok: false, error: 'the pinned share must be between 0 and 100 %' }
      args.pinned = { fraction: d.pinnedValue / 100 }
      break
  }
  if (d.movable === 'size') {
    const b = parseSize(d.movableSize)
    if (b === null) return { ok: false, error: `movablecore: "${d.movableSize}" is not a size (e.g. 1G)` }
    args.movablecore = { bytes: b }
  } else if (d.movable === 'percent') {
    if (!Number.isFinite(d.movablePercent) || d.movablePercent < 0 || d.movablePercent > 100) return { ok: false, error: 'movablecore must be between 0 and 100 %' }
    args.movablecore = { percent: d.movablePercent }
  }
  if (!whole(d.seeds, 1) || d.seeds > MAX_SEEDS) return { ok: false, error: `seeds must be a whole number from 1 to ${MAX_SEEDS}` }
  args.seeds = d.seeds
  return { ok: true, args }
}

export interface ContigRun {
  key: number
  runId: string | null
  snapshotId: string
  kind: ContigKind
  title: string
  args: ContigArgs
  phase: string
  done: number
  total: number
  cancelling: boolean
  cancelRequested: boolean
  startedAt: number
}

export interface ContigEntry {
  runId: string
  snapshotId: string
  kind: ContigKind
  title: string
  args: ContigArgs
  view: ContigWhatifView
  ms: number
}

export interface ContigError {
  title: string
  message: string
  code: HostError['code']
}

type Early = { progress?: EventPayloads['run:progress']; done?: EventPayloads['whatif:contig-done']; failed?: EventPayloads['run:failed'] }

export const useContigStore = defineStore('contig', () => {
  /** snapshot id → what the What-if tab shows (default: compaction) */
  const what = ref<Record<string, WhatifWhat>>({})
  const runs = ref<ContigRun[]>([])
  /** snapshot id → results of every kind, newest first (at most HISTORY) */
  const results = shallowRef<Record<string, ContigEntry[]>>({})
  /** snapshot id → runId of the result shown (per kind: `${id}:${kind}`) */
  const shownRun = ref<Record<string, string>>({})
  const errors = ref<Record<string, ContigError>>({})
  const notices = ref<Record<string, string>>({})
  const drafts = ref<Record<string, ContigDraft>>({})

  let api: BuddyscopeApi | null = null
  let subscribing: Promise<BuddyscopeApi> | null = null
  const unsubscribe: Array<() => void> = []
  let seq = 0
  const early = new Map<string, Early>()
  const ended = new Set<string>()

  function subscribed(): Promise<BuddyscopeApi> {
    subscribing ??= (async () => {
      const a = await getApi()
      api = a
      unsubscribe.push(a.on('run:progress', onProgress), a.on('whatif:contig-done', onDone), a.on('run:failed', onFailed))
      return a
    })().catch((e: unknown) => {
      subscribing = null
      throw e
    })
    return subscribing
  }

  // ---------------------------------------------------------------- lookups

  function whatOf(snapshotId: string): WhatifWhat {
    return what.value[snapshotId] ?? 'compact'
  }
  function setWhat(snapshotId: string, w: WhatifWhat): void {
    what.value = { ...what.value, [snapshotId]: w }
    const d = drafts.value[snapshotId]
    if (d && w !== 'compact') d.kind = w
  }
  function runOf(snapshotId: string): ContigRun | null {
    return runs.value.find((r) => r.snapshotId === snapshotId) ?? null
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

  // ---------------------------------------------------------------- events

  function remember(runId: string, e: Early): void {
    if (ended.has(runId)) return
    early.set(runId, { ...early.get(runId), ...e })
    if (early.size > 64) early.delete(early.keys().next().value!)
  }

  function settle(runId: string): ContigRun | null {
    ended.add(runId)
    if (ended.size > 256) ended.delete(ended.values().next().value!)
    const r = runs.value.find((x) => x.runId === runId) ?? null
    if (r) runs.value = runs.value.filter((x) => x !== r)
    return r
  }

  function onProgress(p: EventPayloads['run:progress']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (r) Object.assign(r, { phase: p.phase, done: p.done, total: p.total })
    else remember(p.runId, { progress: p })
  }

  function onDone(p: EventPayloads['whatif:contig-done']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (!r) {
      remember(p.runId, { done: p })
      return
    }
    settle(p.runId)
    const entry: ContigEntry = {
      runId: p.runId, snapshotId: r.snapshotId, kind: p.whatif.kind, title: r.title, args: r.args, view: markRaw(p.whatif), ms: Date.now() - r.startedAt,
    }
    results.value = { ...results.value, [r.snapshotId]: [entry, ...resultsOf(r.snapshotId)].slice(0, HISTORY) }
    const shown = { ...shownRun.value }
    delete shown[`${r.snapshotId}:${entry.kind}`]
    shownRun.value = shown
  }

  function onFailed(p: EventPayloads['run:failed']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (!r) {
      remember(p.runId, { failed: p })
      return
    }
    settle(p.runId)
    if (p.error.code === 'cancelled') {
      notices.value = { ...notices.value, [r.snapshotId]: `Cancelled ${r.title}.${resultsOf(r.snapshotId, r.kind).length ? ' The results shown are from an earlier run.' : ''}` }
    } else {
      errors.value = { ...errors.value, [r.snapshotId]: { title: `The what-if (${r.title}) failed`, message: p.error.message, code: p.error.code } }
    }
  }

  // ---------------------------------------------------------------- actions

  function clearMessages(snapshotId: string): void {
    if (errors.value[snapshotId]) {
      const e = { ...errors.value }
      delete e[snapshotId]
      errors.value = e
    }
    if (notices.value[snapshotId]) {
      const n = { ...notices.value }
      delete n[snapshotId]
      notices.value = n
    }
  }

  /** Start a contiguous what-if on a snapshot with the draft (or the snapshot's draft). One run per snapshot at a time. */
  async function start(snap: Pick<SnapshotView, 'id' | 'machine' | 'pageSize'>, draft: ContigDraft = draftOf(snap)): Promise<string | null> {
    if (runOf(snap.id)) return null
    clearMessages(snap.id)
    const built = contigDraftToArgs(snap, draft)
    if (!built.ok) {
      errors.value = { ...errors.value, [snap.id]: { title: 'Cannot run this what-if', message: built.error, code: 'bad-argument' } }
      return null
    }
    const key = ++seq
    const title = contigTitle(built.args, snap.pageSize)
    runs.value = [...runs.value, {
      key, runId: null, snapshotId: snap.id, kind: built.args.kind, title, args: built.args, phase: 'starting', done: 0, total: 0,
      cancelling: false, cancelRequested: false, startedAt: Date.now(),
    }]
    const mine = (): ContigRun | undefined => runs.value.find((x) => x.key === key)
    let runId: string
    try {
      const a = await subscribed()
      runId = (await a.startWhatifContig(built.args)).runId
    } catch (e) {
      runs.value = runs.value.filter((x) => x.key !== key)
      const err = asHostError(e)
      errors.value = { ...errors.value, [snap.id]: { title: `Could not start the what-if (${title})`, message: err.message, code: err.code } }
      return null
    }
    const r = mine()
    if (!r) {
      void api?.cancelRun({ runId }).catch(() => undefined)
      return null
    }
    r.runId = runId
    const e = early.get(runId)
    if (e) {
      early.delete(runId)
      if (e.progress) onProgress(e.progress)
      if (e.done) onDone(e.done)
      else if (e.failed) onFailed(e.failed)
    }
    if (r.cancelRequested && mine()) await cancel(snap.id)
    return runId
  }

  async function cancel(snapshotId: string): Promise<void> {
    const r = runOf(snapshotId)
    if (!r) return
    r.cancelling = true
    if (!r.runId) {
      r.cancelRequested = true
      return
    }
    try {
      const a = api ?? (await subscribed())
      const res = await a.cancelRun({ runId: r.runId })
      if (!res.cancelled) r.cancelling = false
    } catch (e) {
      r.cancelling = false
      const err = asHostError(e)
      errors.value = { ...errors.value, [snapshotId]: { title: 'Could not cancel the what-if', message: err.message, code: err.code } }
    }
  }

  function select(snapshotId: string, kind: ContigKind, runId: string): void {
    if (resultsOf(snapshotId, kind).some((e) => e.runId === runId)) shownRun.value = { ...shownRun.value, [`${snapshotId}:${kind}`]: runId }
  }

  function dismissError(snapshotId: string): void {
    clearMessages(snapshotId)
  }

  function forget(snapshotId: string): void {
    const r = runOf(snapshotId)
    if (r) {
      if (r.runId) {
        ended.add(r.runId)
        void api?.cancelRun({ runId: r.runId }).catch(() => undefined)
      }
      runs.value = runs.value.filter((x) => x !== r)
    }
    const drop = <T>(rec: Record<string, T>): Record<string, T> => {
      const n = { ...rec }
      delete n[snapshotId]
      return n
    }
    results.value = drop(results.value)
    shownRun.value = Object.fromEntries(Object.entries(shownRun.value).filter(([k]) => !k.startsWith(`${snapshotId}:`)))
    errors.value = drop(errors.value)
    notices.value = drop(notices.value)
    drafts.value = drop(drafts.value)
    what.value = drop(what.value)
  }

  function dispose(): void {
    for (const u of unsubscribe.splice(0)) u()
    subscribing = null
    api = null
  }

  return {
    what, runs, results, shownRun, errors, notices, drafts,
    whatOf, setWhat, runOf, resultsOf, shownOf, draftOf, start, cancel, select, dismissError, forget, dispose,
  }
})
