/**
 * The diff of two captures: which two open snapshots are compared (a before, b after), the
 * host's answer (free-area deltas per zone, the change of every pageblock), the clicked
 * pageblock and its page-level changes. `openDiff` is the entry point for other parts of the
 * app (a range selected on a timeline): it takes two captures by snapshot and series label,
 * opens the ones not open yet, and shows the diff view.
 */
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef, watch } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type CaptureDiffDto, type PagesDiffDto, type SnapshotView } from '../api/types.ts'
import { useSnapshotStore, type OpenOptions } from './snapshots.ts'
import { useUiStore } from './ui.ts'

/** One end of a diff: an open snapshot, or another capture of its series (by label, label without number, or number). */
export interface DiffEnd {
  snapshotId: string
  capture?: string
}

/** The label of `series` that `capture` names: itself, its number ("3") or its name without the number ("after-compact-memory"). */
export function matchCapture(series: readonly string[] | null, capture: string): string | null {
  if (!series) return null
  if (series.includes(capture)) return capture
  if (/^\d+$/.test(capture)) return series.find((l) => Number(/^(\d+)/.exec(l)?.[1] ?? NaN) === Number(capture)) ?? null
  return series.find((l) => l.replace(/^\d+-/, '') === capture) ?? null
}

/**
 * The default pair of the diff view for the current snapshot: it as B, and as A the capture of
 * its series just before it that is open, else another open snapshot of the same path, else the
 * other open snapshot opened last.
 */
export function defaultPair(current: SnapshotView, open: readonly SnapshotView[]): { a: string; b: string } | null {
  const others = open.filter((s) => s.id !== current.id)
  if (!others.length) return null
  const same = others.filter((s) => s.path === current.path)
  if (current.series && current.label) {
    const i = current.series.indexOf(current.label)
    for (let k = i - 1; k >= 0; k--) {
      const prev = same.find((s) => s.label === current.series![k])
      if (prev) return { a: prev.id, b: current.id }
    }
  }
  const pick = same[same.length - 1] ?? others[others.length - 1]!
  return { a: pick.id, b: current.id }
}

export const useDiffStore = defineStore('diff', () => {
  /** the two snapshots compared: a before, b after */
  const pair = ref<{ a: string; b: string } | null>(null)
  const result = shallowRef<CaptureDiffDto | null>(null)
  const loading = ref(false)
  /** why the last diff failed, in plain words (shown in the view, not the window's banner) */
  const error = ref<string | null>(null)
  /** what openDiff is opening, in words */
  const opening = ref<string | null>(null)
  const selected = ref<number | null>(null)
  const pages = shallowRef<PagesDiffDto | null>(null)
  const pagesLoading = ref(false)
  const pagesError = ref<string | null>(null)
  let seq = 0
  let pseq = 0

  /** Compare two open snapshots (a before, b after). Resolves to whether the diff came. */
  async function compare(a: string, b: string): Promise<boolean> {
    pair.value = { a, b }
    clearSelection()
    if (a === b) {
      result.value = null
      error.value = 'Choose two different captures: both sides are the same one.'
      return false
    }
    const my = ++seq
    loading.value = true
    error.value = null
    try {
      const api = await getApi()
      const d = await api.getDiff({ a, b })
      if (my !== seq) return false
      result.value = markRaw(d)
      return true
    } catch (e) {
      if (my !== seq) return false
      result.value = null
      error.value = asHostError(e).message
      return false
    } finally {
      if (my === seq) loading.value = false
    }
  }

  function swap(): Promise<boolean> | null {
    const p = pair.value
    return p ? compare(p.b, p.a) : null
  }

  /** Wait until the open run `runId` of (path, label) ends: the snapshot's id, or null when it failed. */
  function opened(path: string, label: string, runId: string): Promise<string | null> {
    const snaps = useSnapshotStore()
    return new Promise((resolve) => {
      let stop: (() => void) | null = null
      const check = (): boolean => {
        const s = snaps.snapshots.find((x) => x.path === path && x.label === label)
        if (s) return resolve(s.id), true
        if (!snaps.runs.some((r) => r.runId === runId)) return resolve(null), true
        return false
      }
      if (check()) return
      stop = watch([() => snaps.snapshots, () => snaps.runs.length], () => {
        if (check()) stop?.()
      })
    })
  }

  /** The open snapshot an end names, opening that capture of the series first when it is not open. */
  async function resolve(end: DiffEnd): Promise<string | null> {
    const snaps = useSnapshotStore()
    const s = snaps.snapshots.find((x) => x.id === end.snapshotId)
    if (!s) throw new Error(`no open snapshot "${end.snapshotId}"`)
    if (end.capture === undefined || end.capture === s.label) return s.id
    const label = matchCapture(s.series, end.capture)
    if (!label) throw new Error(`${s.path} has no capture "${end.capture}"${s.series ? ` (its captures: ${s.series.join(', ')})` : ' (it is not a series)'}`)
    const open = snaps.snapshots.find((x) => x.path === s.path && x.label === label)
    if (open) return open.id
    const opts: OpenOptions = { capture: label }
    if (s.layout.method === 'synthesized') {
      opts.layout = 'synthesized'
      if (s.layout.seed !== null) opts.seed = s.layout.seed
    }
    opening.value = `Opening ${label}…`
    const runId = await snaps.openPath(s.path, opts)
    return runId ? opened(s.path, label, runId) : null
  }

  /**
   * Show the diff of two captures: each an open snapshot, or another capture of its series
   * (opened when needed, with the same layout). Switches to the diff view; b becomes current.
   */
  async function openDiff(a: DiffEnd, b: DiffEnd): Promise<boolean> {
    const ui = useUiStore()
    ui.setView('diff')
    error.value = null
    try {
      const ia = await resolve(a)
      const ib = await resolve(b)
      if (!ia || !ib) {
        error.value = 'A capture to compare could not be opened (the window\'s banner says why).'
        return false
      }
      useSnapshotStore().select(ib)
      ui.setView('diff')
      return await compare(ia, ib)
    } catch (e) {
      error.value = asHostError(e).message
      return false
    } finally {
      opening.value = null
    }
  }

  /** Click on a pageblock: its page-level changes (both layouts exact), the latest click wins. */
  async function selectPageblock(pb: number): Promise<void> {
    selected.value = pb
    const p = pair.value
    const d = result.value
    if (!p || !d || !d.pageblocksCompared) return
    const my = ++pseq
    pagesLoading.value = true
    pagesError.value = null
    try {
      const api = await getApi()
      const r = await api.getDiffPageblock({ a: p.a, b: p.b, pageblock: pb })
      if (my === pseq) pages.value = markRaw(r)
    } catch (e) {
      if (my === pseq) {
        pages.value = null
        pagesError.value = `Could not compare the pages of pageblock ${pb}: ${asHostError(e).message}`
      }
    } finally {
      if (my === pseq) pagesLoading.value = false
    }
  }

  function clearSelection(): void {
    pseq++
    selected.value = null
    pages.value = null
    pagesLoading.value = false
    pagesError.value = null
  }

  /** A snapshot was closed: a diff that used it goes. */
  function forget(id: string): void {
    const p = pair.value
    if (p && (p.a === id || p.b === id)) {
      seq++
      pair.value = null
      result.value = null
      loading.value = false
      error.value = null
      clearSelection()
    }
  }

  return { pair, result, loading, error, opening, selected, pages, pagesLoading, pagesError, compare, swap, openDiff, selectPageblock, clearSelection, forget }
})
