/**
 * What-if compaction runs: the form of each open snapshot, starting a run on the host
 * (startWhatifCompact), its progress and cancel, the results per snapshot (the latest and a short
 * history) and failures in plain words. A failed or cancelled what-if never touches the open
 * snapshot or the results already shown.
 */
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type BuddyscopeApi, type EventPayloads, type HostError, type MethodArgs, type SnapshotView, type WhatifCompactView } from '../api/types.ts'
import { zoneLabel } from '../format.ts'

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
  switch (d.pinned) {
    case 'auto': args.pinned = 'auto'; break
    case 'none': args.pinned = 'none'; break
    case 'pages':
      if (!Number.isInteger(d.pinnedValue) || d.pinnedValue < 0) return { ok: false, error: 'pinned pages must be a whole number, 0 or more' }
      args.pinned = { pages: d.pinnedValue }
      break
    case 'percent':
      if (!Number.isFinite(d.pinnedValue) || d.pinnedValue < 0 || d.pinnedValue > 100) return { ok: false, error: 'the pinned share must be between 0 and 100 %' }
      args.pinned = { fraction: d.pinnedValue / 100 }
      break
  }
  if (!Number.isInteger(d.seeds) || d.seeds < 1 || d.seeds > MAX_SEEDS) return { ok: false, error: `seeds must be a whole number from 1 to ${MAX_SEEDS}` }
  args.seeds = d.seeds
  return { ok: true, args }
}

export interface WhatifRun {
  /** local id (the host's runId is null until startWhatifCompact answers) */
  key: number
  runId: string | null
  snapshotId: string
  title: string
  args: WhatifArgs
  phase: string
  done: number
  total: number
  cancelling: boolean
  /** Cancel was pressed before the run had an id */
  cancelRequested: boolean
  startedAt: number
}

export interface WhatifEntry {
  runId: string
  snapshotId: string
  title: string
  args: WhatifArgs
  view: WhatifCompactView
  /** ms the run took, as seen here */
  ms: number
}

export interface WhatifError {
  title: string
  message: string
  code: HostError['code']
}

type Early = { progress?: EventPayloads['run:progress']; done?: EventPayloads['whatif:done']; failed?: EventPayloads['run:failed'] }

export const useWhatifStore = defineStore('whatif', () => {
  const runs = ref<WhatifRun[]>([])
  /** snapshot id → results, newest first (at most HISTORY) */
  const results = shallowRef<Record<string, WhatifEntry[]>>({})
  /** snapshot id → runId of the result shown */
  const shownRun = ref<Record<string, string>>({})
  const errors = ref<Record<string, WhatifError>>({})
  const notices = ref<Record<string, string>>({})
  const drafts = ref<Record<string, WhatifDraft>>({})

  let api: BuddyscopeApi | null = null
  let subscribing: Promise<BuddyscopeApi> | null = null
  const unsubscribe: Array<() => void> = []
  let seq = 0
  /** events of runs whose start call has not answered yet */
  const early = new Map<string, Early>()
  /** runs that settled */
  const ended = new Set<string>()

  function subscribed(): Promise<BuddyscopeApi> {
    subscribing ??= (async () => {
      const a = await getApi()
      api = a
      unsubscribe.push(a.on('run:progress', onProgress), a.on('whatif:done', onDone), a.on('run:failed', onFailed))
      return a
    })().catch((e: unknown) => {
      subscribing = null
      throw e
    })
    return subscribing
  }

  // ---------------------------------------------------------------- lookups

  function runOf(snapshotId: string): WhatifRun | null {
    return runs.value.find((r) => r.snapshotId === snapshotId) ?? null
  }
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

  // ---------------------------------------------------------------- events

  function remember(runId: string, e: Early): void {
    if (ended.has(runId)) return
    early.set(runId, { ...early.get(runId), ...e })
    if (early.size > 64) early.delete(early.keys().next().value!)
  }

  function settle(runId: string): WhatifRun | null {
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

  function onDone(p: EventPayloads['whatif:done']): void {
    if (ended.has(p.runId)) return
    const r = runs.value.find((x) => x.runId === p.runId)
    if (!r) {
      remember(p.runId, { done: p })
      return
    }
    settle(p.runId)
    const entry: WhatifEntry = {
      runId: p.runId, snapshotId: r.snapshotId, title: r.title, args: r.args, view: markRaw(p.whatif), ms: Date.now() - r.startedAt,
    }
    results.value = { ...results.value, [r.snapshotId]: [entry, ...resultsOf(r.snapshotId)].slice(0, HISTORY) }
    const shown = { ...shownRun.value }
    delete shown[r.snapshotId]
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
      notices.value = { ...notices.value, [r.snapshotId]: `Cancelled ${r.title}.${resultsOf(r.snapshotId).length ? ' The results shown are from an earlier run.' : ''}` }
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

  /** Start a what-if on a snapshot with the draft (or the snapshot's draft). One run per snapshot at a time. */
  async function start(snap: Pick<SnapshotView, 'id' | 'machine' | 'zones'>, draft: WhatifDraft = draftOf(snap)): Promise<string | null> {
    if (runOf(snap.id)) return null
    clearMessages(snap.id)
    const built = draftToArgs(snap, draft)
    if (!built.ok) {
      errors.value = { ...errors.value, [snap.id]: { title: 'Cannot run this what-if', message: built.error, code: 'bad-argument' } }
      return null
    }
    const key = ++seq
    const title = requestTitle(built.args)
    runs.value = [...runs.value, {
      key, runId: null, snapshotId: snap.id, title, args: built.args, phase: 'starting', done: 0, total: 0, cancelling: false, cancelRequested: false, startedAt: Date.now(),
    }]
    const mine = (): WhatifRun | undefined => runs.value.find((x) => x.key === key)
    let runId: string
    try {
      const a = await subscribed()
      runId = (await a.startWhatifCompact(built.args)).runId
    } catch (e) {
      runs.value = runs.value.filter((x) => x.key !== key)
      const err = asHostError(e)
      errors.value = { ...errors.value, [snap.id]: { title: `Could not start the what-if (${title})`, message: err.message, code: err.code } }
      return null
    }
    const r = mine()
    if (!r) {
      // forgotten while starting (the snapshot was closed): stop it
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
      // not cancelled = it had already finished; its whatif:done / run:failed settles it
      if (!res.cancelled) r.cancelling = false
    } catch (e) {
      r.cancelling = false
      const err = asHostError(e)
      errors.value = { ...errors.value, [snapshotId]: { title: 'Could not cancel the what-if', message: err.message, code: err.code } }
    }
  }

  /** Show an earlier result of the history. */
  function select(snapshotId: string, runId: string): void {
    if (resultsOf(snapshotId).some((e) => e.runId === runId)) shownRun.value = { ...shownRun.value, [snapshotId]: runId }
  }

  function dismissError(snapshotId: string): void {
    clearMessages(snapshotId)
  }

  /** Drop what belongs to a closed snapshot (and stop its run). */
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
    shownRun.value = drop(shownRun.value)
    errors.value = drop(errors.value)
    notices.value = drop(notices.value)
    drafts.value = drop(drafts.value)
  }

  function dispose(): void {
    for (const u of unsubscribe.splice(0)) u()
    subscribing = null
    api = null
  }

  return {
    runs, results, shownRun, errors, notices, drafts,
    runOf, resultsOf, shownOf, draftOf, start, cancel, select, dismissError, forget, dispose,
  }
})
