/**
 * Timelines of series: loaded per series path (first the summary files only, so the charts show
 * at once, then again with the mixed pageblocks counted from kpageflags), the zone and spacing
 * shown, opening the capture of a point, and the pair of captures a range selection picks.
 *
 * A selected pair is announced to every listener of `onPairSelected` (the diff view connects
 * there: `useTimelineStore().onPairSelected((p) => openDiff(p.a.open, p.b.open))`); until one
 * does, the view shows the differences between the two captures itself.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type CaptureRefDto, type HostError, type TimelineDto, type TimelineTraceDto } from '../api/types.ts'
import { defaultTimelineZone, type TimelineSpacing } from '../timeline_format.ts'
import { useSnapshotStore } from './snapshots.ts'

export interface TimelineEntry {
  status: 'loading' | 'ready' | 'failed'
  timeline: TimelineDto | null
  /** true once the mixed pageblocks (kpageflags) are in */
  detailed: boolean
  error: HostError | null
}

/** One end of a selected pair: the capture's label on the timeline and what opens it. */
export interface TimelinePairEnd {
  label: string
  open: CaptureRefDto
}

/** Two captures of one series picked on its timeline, in time order (a before b). */
export interface TimelinePair {
  /** the series the timeline is of (what was opened) */
  paths: string[]
  a: TimelinePairEnd
  b: TimelinePairEnd
}

/** A trace opened on a series' timeline: its fallbacks per interval between the captures. */
export interface TimelineTraceEntry {
  path: string
  status: 'loading' | 'ready' | 'failed'
  trace: TimelineTraceDto | null
  error: HostError | null
}

export type PairListener = (pair: TimelinePair) => void

export const useTimelineStore = defineStore('timeline', () => {
  /** by series key (the paths joined) */
  const entries = shallowRef<Record<string, TimelineEntry>>({})
  /** "node:zone" shown, per series key */
  const zoneBySeries = ref<Record<string, string>>({})
  /** evenly by default: the steps between captures read at a glance; 'time' places captures at their times */
  const spacing = ref<TimelineSpacing>('even')
  /** what a click on a point does */
  const clickMode = ref<'open' | 'compare'>('open')
  /** the first capture of a pair being picked (compare mode), then the pair */
  const pending = ref<string | null>(null)
  const pair = shallowRef<TimelinePair | null>(null)
  const listeners = new Set<PairListener>()
  /** the trace shown on each series' timeline, by series key */
  const traces = shallowRef<Record<string, TimelineTraceEntry>>({})

  const keyOf = (paths: string[]): string => paths.join('\n')

  function set(key: string, e: TimelineEntry): void {
    entries.value = { ...entries.value, [key]: e }
  }

  /** Load (once) the timeline of a series: summary first, then with the mixed pageblocks. */
  async function load(paths: string[], force = false): Promise<void> {
    const key = keyOf(paths)
    const have = entries.value[key]
    if (have && !force && have.status !== 'failed') return
    set(key, { status: 'loading', timeline: null, detailed: false, error: null })
    let api
    try {
      api = await getApi()
      const quick = await api.getTimeline({ paths, summaryOnly: true })
      set(key, { status: 'ready', timeline: quick, detailed: false, error: null })
      if (!zoneBySeries.value[key]) zoneBySeries.value = { ...zoneBySeries.value, [key]: defaultTimelineZone(quick) }
    } catch (e) {
      set(key, { status: 'failed', timeline: null, detailed: false, error: asHostError(e) })
      return
    }
    try {
      const full = await api.getTimeline({ paths })
      set(key, { status: 'ready', timeline: full, detailed: true, error: null })
    } catch {
      // the summary stays; only the mixed pageblocks are missing
      const cur = entries.value[key]
      if (cur) set(key, { ...cur, detailed: true })
    }
  }

  /** Place a trace's fallbacks between the captures of a series (getTimeline with trace; summary files only, the uptimes are all it needs). */
  async function loadTrace(paths: string[], path: string): Promise<void> {
    const key = keyOf(paths)
    const p = path.trim()
    const put = (e: TimelineTraceEntry): void => {
      traces.value = { ...traces.value, [key]: e }
    }
    if (!p) {
      put({ path: p, status: 'failed', trace: null, error: { code: 'bad-argument', message: 'enter the path of a trace (ftrace, trace-cmd report or perf script text with mm_page_alloc_extfrag events)' } })
      return
    }
    put({ path: p, status: 'loading', trace: null, error: null })
    try {
      const t = await (await getApi()).getTimeline({ paths, summaryOnly: true, trace: p })
      if (traces.value[key]?.path !== p) return // another trace was asked for meanwhile
      put({ path: p, status: 'ready', trace: t.trace ?? null, error: null })
    } catch (e) {
      if (traces.value[key]?.path === p) put({ path: p, status: 'failed', trace: null, error: asHostError(e) })
    }
  }
  function traceOf(paths: string[]): TimelineTraceEntry | null {
    return traces.value[keyOf(paths)] ?? null
  }
  function clearTrace(paths: string[]): void {
    const next = { ...traces.value }
    delete next[keyOf(paths)]
    traces.value = next
  }

  function entry(paths: string[]): TimelineEntry | null {
    return entries.value[keyOf(paths)] ?? null
  }

  function setZone(paths: string[], zone: string): void {
    zoneBySeries.value = { ...zoneBySeries.value, [keyOf(paths)]: zone }
  }
  function zoneOf(paths: string[]): string {
    return zoneBySeries.value[keyOf(paths)] ?? ''
  }

  /** Open the capture of a point: switch the current tab to it (same series), or open it. */
  function openPoint(t: TimelineDto, label: string): Promise<string | null> {
    const p = t.points.find((x) => x.label === label)
    if (!p) return Promise.resolve(null)
    const snaps = useSnapshotStore()
    const cur = snaps.current
    if (cur && cur.path === p.open.path && p.open.capture !== null) return snaps.openCapture(p.open.capture)
    return snaps.openPath(p.open.path, p.open.capture !== null ? { capture: p.open.capture } : {})
  }

  /** Select two captures of a timeline (labels, either order): the pair every listener hears of. */
  function selectPair(t: TimelineDto, a: string, b: string): TimelinePair | null {
    const pa = t.points.find((x) => x.label === a)
    const pb = t.points.find((x) => x.label === b)
    if (!pa || !pb || pa === pb) return null
    const [lo, hi] = pa.index < pb.index ? [pa, pb] : [pb, pa]
    const p: TimelinePair = { paths: [...t.paths], a: { label: lo.label, open: lo.open }, b: { label: hi.label, open: hi.open } }
    pair.value = p
    pending.value = null
    for (const l of listeners) {
      try {
        l(p)
      } catch (e) {
        useSnapshotStore().reportError('Could not compare the two captures', e)
      }
    }
    return p
  }

  /** A click on a point: opens it, or (compare mode, or with Shift) picks one end of a pair. */
  function clickPoint(t: TimelineDto, label: string, compare = false): void {
    if (clickMode.value === 'open' && !compare) {
      void openPoint(t, label)
      return
    }
    if (pending.value === null || pending.value === label) {
      pending.value = label
      pair.value = null
      return
    }
    selectPair(t, pending.value, label)
  }

  function clearPair(): void {
    pair.value = null
    pending.value = null
  }

  /** Be told of every pair selected on a timeline; returns the unsubscribe. */
  function onPairSelected(listener: PairListener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  /** Whether anything (the diff view) listens for pairs. */
  function hasPairListener(): boolean {
    return listeners.size > 0
  }

  return {
    entries, spacing, clickMode, pending, pair, load, entry, traces, loadTrace, traceOf, clearTrace, setZone, zoneOf, openPoint, selectPair, clickPoint, clearPair, onPairSelected, hasPairListener,
  }
})
