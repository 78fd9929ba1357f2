/**
 * What-if compaction runs: the form of each open snapshot, starting a run on the host
 * (startWhatifCompact), its progress and cancel, the results per snapshot (the latest and a short
 * history) and failures in plain words. A failed or cancelled what-if never touches the open
 * snapshot or the results already shown.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { MethodArgs, PinnedRequest, SnapshotView, WhatifCompactView } from '../api/types.ts'
import { zoneLabel } from '../format.ts'
import { runEntry, useRunTracker, without, type RunEntry, type RunError, type TrackedRun } from './run_tracker.ts'

export type WhatifArgs = MethodArgs<'startWhatifCompact'>
export type WhatifMode = 'async' | 'sync-light' | 'sync'
export type StrategyKey = 'fastIsolateFreepages' | 'fastFindMigrateblock' | 'honourSkipBits' | 'scanUnmovableForSmallOrders'

/** The strategy switches, their words and the kernel's (6.1) setting. */
export const STRATEGIES: ReadonlyArray<{ key: StrategyKey; label: string; help: string; kernel: boolean }> = [
  { key: 'fastIsolateFreepages', label: 'Fast free-list targets', help: 'fast_isolate_freepages: take free targets straight from the free lists before the linear free scan', kernel: true },
  { key: 'fastFindMigrateblock', label: 'Fast migrate-block start', help: 'fast_find_migrateblock: start the migrate scanner at a block found on the free lists', kernel: true },
  { key: 'honourSkipBits', label: 'Honour skip bits', help: 'skip pageblocks marked as recently unsuitable (full-priority compaction ignores them anyway)', kernel: true },
  { key: 'scanUnmovableForSmallOrders', label: 'Scan unmovable for small orders', help: 'let async compaction for small orders take pages from Unmovable and Reclaimable blocks', kernel: false },
]

export const MODES: ReadonlyArray<{ value: WhatifMode; label: string; help: string }> = [
  { value: 'async', label: 'async', help: 'MIGRATE_ASYNC / COMPACT_PRIO_ASYNC: never waits, gives up on contended or busy pages' },
  { value: 'sync-light', label: 'sync-light', help: 'MIGRATE_SYNC_LIGHT / COMPACT_PRIO_SYNC_LIGHT: waits for most things, not for writeback' },
  { value: 'sync', label: 'sync', help: 'MIGRATE_SYNC / COMPACT_PRIO_SYNC_FULL: waits, whole zone, ignores skip bits (what compact_memory does)' },
]

export type PinnedChoice = 'auto' | 'none' | 'pages' | 'percent'

/** What the What-if panel holds for one snapshot. */
export interface WhatifDraft {
  /** 'all' | 'node:N' | 'zone:N:NAME' */
  target: string
  kind: 'full' | 'order'
  order: number
  mode: WhatifMode
  strategy: Record<StrategyKey, boolean>
  pinned: PinnedChoice
  /** pages (pinned = 'pages') or percent of anonymous pages (pinned = 'percent') */
  pinnedValue: number
  seeds: number
}

export const MAX_SEEDS = 32
export const HISTORY = 5

export function defaultDraft(snap: Pick<SnapshotView, 'machine'>): WhatifDraft {
  const orders = snap.machine.nrOrders
  return {
    target: 'all',
    kind: 'full',
    order: Math.max(1, Math.min(orders - 1, snap.machine.pageblockOrder)),
    mode: 'sync',
    strategy: Object.fromEntries(STRATEGIES.map((s) => [s.key, s.kernel])) as Record<StrategyKey, boolean>,
    pinned: 'auto',
    pinnedValue: 0,
    seeds: 1,
  }
}

/** The mode the kernel uses for each kind: compact_memory is sync; direct compaction's final retry is sync-light. */
export function defaultMode(kind: WhatifDraft['kind']): WhatifMode {
  return kind === 'full' ? 'sync' : 'sync-light'
}

export interface TargetOption {
  value: string
  label: string
  disabled: boolean
}

/** Targets: all nodes, each node, each zone (zones only for full compaction: direct compaction walks a node's zonelist). */
export function targetOptions(snap: Pick<SnapshotView, 'machine' | 'zones'>, kind: WhatifDraft['kind']): TargetOption[] {
  const out: TargetOption[] = [{ value: 'all', label: kind === 'full' ? 'All nodes (compact_memory)' : 'All nodes', disabled: false }]
  for (const n of snap.machine.nodes) out.push({ value: `node:${n}`, label: kind === 'full' ? `Node ${n} (node${n}/compact)` : `Node ${n}`, disabled: false })
  for (const z of snap.zones) out.push({ value: `zone:${z.node}:${z.zone}`, label: zoneLabel(z), disabled: kind !== 'full' })
  return out
}

export function parseTarget(target: string): { node?: number; zone?: string } {
  const m = /^zone:(\d+):(.+)$/.exec(target)
  if (m) return { node: Number(m[1]), zone: m[2]! }
  const n = /^node:(\d+)$/.exec(target)
  if (n) return { node: Number(n[1]) }
  return {}
}

/** The run's title in words: "full compaction of node 0", "compaction for order 9". */
export function requestTitle(args: WhatifArgs): string {
  const what = args.order === undefined ? 'full compaction' : `compaction for order ${args.order}`
  if (args.zone !== undefined) return `${what} of ${zoneLabel({ node: args.node ?? 0, zone: args.zone })}`
  if (args.node !== undefined) return `${what} of node ${args.node}`
  return args.order === undefined ? `${what} (compact_memory)` : what
}

/** A draft's pinned-page assumption as the host's `pinned` argument (both what-if panels), or what is wrong with it. */
export function pinnedArg(d: { pinned: PinnedChoice; pinnedValue: number }): { ok: true; pinned: PinnedRequest } | { ok: false; error: string } {
  switch (d.pinned) {
    case 'auto': return { ok: true, pinned: 'auto' }
    case 'none': return { ok: true, pinned: 'none' }
    case 'pages':
      if (!Number.isInteger(d.pinnedValue) || d.pinnedValue < 0) return { ok: false, error: 'pinned pages must be a whole number, 0 or more' }
      return { ok: true, pinned: { pages: d.pinnedValue } }
    case 'percent':
      if (!Number.isFinite(d.pinnedValue) || d.pinnedValue < 0 || d.pinnedValue > 100) return { ok: false, error: 'the pinned share must be between 0 and 100 %' }
      return { ok: true, pinned: { fraction: d.pinnedValue / 100 } }
  }
}

/** What is wrong with a draft's seed count (both what-if panels), or null. */
export function seedsError(seeds: number): string | null {
  return Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_SEEDS ? null : `seeds must be a whole number from 1 to ${MAX_SEEDS}`
}

/** The panel's draft as startWhatifCompact arguments, or what is wrong with it. */
export function draftToArgs(snap: Pick<SnapshotView, 'id' | 'machine' | 'zones'>, d: WhatifDraft): { ok: true; args: WhatifArgs } | { ok: false; error: string } {
  const args: WhatifArgs = { id: snap.id }
  const t = parseTarget(d.target)
  if (t.zone !== undefined) {
    if (!snap.zones.some((z) => z.node === t.node && z.zone === t.zone)) return { ok: false, error: `the snapshot has no zone ${t.zone} on node ${t.node}` }
    args.node = t.node!
    if (d.kind === 'full') args.zone = t.zone
  } else if (t.node !== undefined) {
    if (!snap.machine.nodes.includes(t.node)) return { ok: false, error: `the snapshot has no node ${t.node}` }
    args.node = t.node
  }
  if (d.kind === 'order') {
    const max = snap.machine.nrOrders - 1
    if (!Number.isInteger(d.order) || d.order < 1 || d.order > max) return { ok: false, error: `the order must be a whole number from 1 to ${max}` }
    args.order = d.order
  }
  args.mode = d.mode
  args.strategy = { ...d.strategy }
  const pinned = pinnedArg(d)
  if (!pinned.ok) return pinned
  args.pinned = pinned.pinned
  const seeds = seedsError(d.seeds)
  if (seeds !== null) return { ok: false, error: seeds }
  args.seeds = d.seeds
  return { ok: true, args }
}

/** A what-if run on the host (the host's runId is null until startWhatifCompact answers). */
export type WhatifRun = TrackedRun<WhatifArgs>

export type WhatifEntry = RunEntry<WhatifArgs, WhatifCompactView>

export type WhatifError = RunError

export const useWhatifStore = defineStore('whatif', () => {
  const drafts = ref<Record<string, WhatifDraft>>({})

  /** results: snapshot id → results, newest first (at most HISTORY); shownRun: snapshot id → runId of the result shown */
  const tracker = useRunTracker<WhatifArgs, WhatifRun, 'whatif:done', WhatifEntry>({
    doneEvent: 'whatif:done',
    startCall: (a, args) => a.startWhatifCompact(args),
    history: HISTORY,
    entry: runEntry,
    shownKey: (e) => e.snapshotId,
    hasEarlier: (r) => resultsOf(r.snapshotId).length > 0,
  })
  const { runs, results, shownRun, errors, notices, runOf, cancel, dismissError, dispose } = tracker

  // ---------------------------------------------------------------- lookups

  function resultsOf(snapshotId: string): WhatifEntry[] {
    return results.value[snapshotId] ?? []
  }
  /** the result shown for a snapshot: the chosen one, else the latest */
  function shownOf(snapshotId: string): WhatifEntry | null {
    const list = resultsOf(snapshotId)
    const id = shownRun.value[snapshotId]
    return list.find((e) => e.runId === id) ?? list[0] ?? null
  }
  function draftOf(snap: Pick<SnapshotView, 'id' | 'machine'>): WhatifDraft {
    let d = drafts.value[snap.id]
    if (!d) {
      drafts.value = { ...drafts.value, [snap.id]: defaultDraft(snap) }
      d = drafts.value[snap.id]!
    }
    return d
  }

  // ---------------------------------------------------------------- actions

  /** Start a what-if on a snapshot with the draft (or the snapshot's draft). One run per snapshot at a time. */
  function start(snap: Pick<SnapshotView, 'id' | 'machine' | 'zones'>, draft: WhatifDraft = draftOf(snap)): Promise<string | null> {
    return tracker.start(snap.id, () => draftToArgs(snap, draft), (args) => ({ title: requestTitle(args) }))
  }

  /** Show an earlier result of the history. */
  function select(snapshotId: string, runId: string): void {
    if (resultsOf(snapshotId).some((e) => e.runId === runId)) shownRun.value = { ...shownRun.value, [snapshotId]: runId }
  }

  /** Drop what belongs to a closed snapshot (and stop its run). */
  function forget(snapshotId: string): void {
    tracker.forget(snapshotId)
    shownRun.value = without(shownRun.value, snapshotId)
    drafts.value = without(drafts.value, snapshotId)
  }

  return {
    runs, results, shownRun, errors, notices, drafts,
    runOf, resultsOf, shownOf, draftOf, start, cancel, select, dismissError, forget, dispose,
  }
})
