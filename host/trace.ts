/**
 * A trace of page-allocator and compaction events (ftrace text, trace-cmd report, perf script;
 * gzip-compressed or not) read and summarized by the engine's trace importer
 * (engine/importers/trace_events.ts): `buddyscope trace`.
 */
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { summarizeTrace, migratetypeName, type TraceSummary, type FallbackEvent } from '../engine/index.ts'
import { SnapshotError, ioReason } from './sources/snapshot_error.ts'

export type TraceJson = TraceSummary & { path: string; fallbackEvents: FallbackEvent[] }

export async function loadTrace(path: string, opts: { maxBlocks?: number } = {}): Promise<TraceJson> {
  let raw: Buffer
  try {
    raw = await readFile(path)
  } catch (err) {
    throw new SnapshotError(path, `${path}: cannot read (${ioReason(err)})`)
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: 1 << 30 })
    } catch (err) {
      throw new SnapshotError(path, `${path}: the gzip data is corrupt (${err instanceof Error ? err.message : String(err)})`)
    }
  }
  if (raw.subarray(0, 10).toString('latin1').includes('tracing')) {
    throw new SnapshotError(path, `${path}: is a binary trace-cmd trace.dat; print it as text first: trace-cmd report -i ${path} > trace.txt`)
  }
  if (raw.subarray(0, 8).toString('latin1') === 'PERFILE2') {
    throw new SnapshotError(path, `${path}: is a binary perf.data; print it as text first: perf script -i ${path} > trace.txt`)
  }
  const s = summarizeTrace(raw.toString('utf8'), path, opts)
  return { path, ...s }
}

// ---------------------------------------------------------------------------------------------
// Fallbacks between the captures of a series (`buddyscope timeline --trace FILE`)

/** A pageblock a fallback took pages from: who, when (trace seconds), which migratetypes. */
export interface StolenBlock {
  /** first PFN of the pageblock */
  pfn: number
  ts: number
  task: string
  /** the free list's migratetype the pages came from, and the allocation's */
  from: string
  to: string
  /** the order of the free block taken */
  order: number
  /** the whole pageblock was claimed for the allocation's migratetype (change_ownership) */
  claimed: boolean
}

/** The fallbacks between two captures of a series (after: the earlier one, null before the first; before: the later one, null after the last). */
export interface TraceInterval {
  after: string | null
  before: string | null
  fallbacks: number
  /** fallback order below the pageblock order: the block ends up holding two mobilities */
  fragmenting: number
  claimed: number
  /** "Unmovable<-Movable" → count (as `buddyscope trace` counts them) */
  byPair: Record<string, number>
  /** where the events give a PFN: every fallback's pageblock, oldest first */
  stolen: StolenBlock[]
}

export interface TimelineTraceJson {
  path: string
  format: TraceJson['format']
  fallbacks: number
  /** the intervals, in time order: before the first capture, between each pair, after the last */
  intervals: TraceInterval[]
  /** e.g. that no fallback lies within the series' time span (another boot or machine?) */
  notes: string[]
}

/**
 * Place a trace's fallbacks (mm_page_alloc_extfrag) between the captures of a series by time:
 * the trace's timestamps are seconds since boot (ftrace's default local clock, perf script), as
 * the /proc/uptime captured with each capture is; a capture without uptime cannot be placed.
 */
export function traceOnTimeline(points: ReadonlyArray<{ label: string; uptime: number | null }>, trace: TraceJson): TimelineTraceJson {
  const missing = points.filter((p) => p.uptime === null).map((p) => p.label)
  if (missing.length) {
    throw new SnapshotError(trace.path, `${trace.path}: the trace's timestamps (seconds since boot) cannot be placed between the captures: ${missing.join(', ')} captured no /proc/uptime`)
  }
  const ups = points.map((p) => p.uptime as number)
  const intervals: TraceInterval[] = [null, ...points.map((p) => p.label)].map((after, i) => ({
    after, before: points[i]?.label ?? null, fallbacks: 0, fragmenting: 0, claimed: 0, byPair: {}, stolen: [],
  }))
  // the interval of a time: the number of captures taken at or before it
  const at = (ts: number): TraceInterval => {
    let k = 0
    while (k < ups.length && (ups[k] as number) <= ts) k++
    return intervals[k] as TraceInterval
  }
  for (const f of trace.fallbackEvents) {
    const iv = at(f.ts)
    iv.fallbacks++
    if (f.fragmenting) iv.fragmenting++
    if (f.changeOwnership) iv.claimed++
    const to = migratetypeName(f.allocMigratetype)
    const from = migratetypeName(f.fallbackMigratetype)
    iv.byPair[`${to}<-${from}`] = (iv.byPair[`${to}<-${from}`] ?? 0) + 1
    if (f.pfn !== null) {
      iv.stolen.push({ pfn: f.pfn - (f.pfn % 2 ** f.pageblockOrder), ts: f.ts, task: f.task, from, to, order: f.fallbackOrder, claimed: f.changeOwnership })
    }
  }
  const notes: string[] = []
  const inside = intervals.slice(1, -1).reduce((s, iv) => s + iv.fallbacks, 0)
  const ts = trace.fallbackEvents.map((f) => f.ts)
  if (ts.length > 0 && inside === 0 && ups.length > 1) {
    notes.push(`none of the trace's ${ts.length} fallbacks lies between the captures (taken at ${ups[0]}…${ups[ups.length - 1]} s since boot; the fallbacks at ` +
      `${Math.min(...ts)}…${Math.max(...ts)} s): is the trace of this machine and this boot?`)
  }
  return { path: trace.path, format: trace.format, fallbacks: trace.fallbackEvents.length, intervals, notes }
}
