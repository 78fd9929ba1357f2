/**
 * Page-allocator and compaction trace events in text form: ftrace's `trace`/`trace_pipe`,
 * `trace-cmd report` and `perf script`. The event formats are those of
 * include/trace/events/kmem.h (mm_page_alloc, mm_page_free, mm_page_alloc_extfrag, the latter
 * emitted by try_to_steal_block()/steal_suitable_fallback() in mm/page_alloc.c),
 * include/trace/events/compaction.h (mm_compaction_*) and include/trace/events/cma.h
 * (cma_alloc_start, cma_alloc_finish, cma_release, cma_alloc_busy_retry).
 *
 * mm_page_alloc_extfrag is the fallback: an allocation of `alloc_migratetype` found its free
 * list empty and took a block of order `fallback_order` from `fallback_migratetype`'s list. It
 * "fragments" when fallback_order < pageblock_order (recomputed here: perf 6.1 prints the
 * kernel's expression wrongly) and claims the pageblock when change_ownership=1.
 */
import { ParseError } from '../procfs/types.ts'
import { requireText, splitLines } from '../procfs/text.ts'

export interface TraceEvent {
  /** seconds (the trace clock: uptime for the default local clock) */
  ts: number
  cpu: number
  task: string
  pid: number | null
  /** without the `kmem:` / `compaction:` subsystem prefix perf adds */
  event: string
  fields: Record<string, string>
  line: number
}

/** One fallback (mm_page_alloc_extfrag). */
export interface FallbackEvent {
  ts: number
  task: string
  pfn: number | null
  allocOrder: number
  fallbackOrder: number
  pageblockOrder: number
  allocMigratetype: number
  fallbackMigratetype: number
  /** fallback_order < pageblock_order: the block is split between two migratetypes */
  fragmenting: boolean
  /** the whole pageblock was claimed for alloc_migratetype */
  changeOwnership: boolean
  line: number
}

export interface BlockSteal {
  /** first PFN of the pageblock */
  pfn: number
  /** every fallback that took pages from this block, oldest first */
  events: Array<{ ts: number; task: string; from: string; to: string; order: number; claimed: boolean }>
}

export interface TraceSummary {
  format: 'ftrace' | 'trace-cmd' | 'perf'
  events: number
  firstTs: number | null
  lastTs: number | null
  /** event name → count */
  counts: Record<string, number>
  fallbacks: {
    total: number
    fragmenting: number
    claimed: number
    /** "Unmovable<-Movable" → count */
    byPair: Record<string, number>
    /** "alloc order/fallback order" → count */
    byOrder: Record<string, number>
    /** tasks by number of fallbacks, most first */
    byTask: Array<{ task: string; count: number }>
  }
  /** per pageblock, who stole it and when (only where the events give a PFN) */
  blocks: BlockSteal[]
  compaction: {
    runs: number
    /** status of mm_compaction_end → count */
    endStatus: Record<string, number>
    migrated: number
    failed: number
  }
  pageAlloc: { allocs: number; frees: number; byOrder: Record<string, number> }
  cma: { allocs: number; failed: number; pages: number }
  /** lines that were neither events nor comments (e.g. other tracers' output), skipped */
  skipped: number
}

/** enum migratetype as in include/linux/mmzone.h with CONFIG_CMA (6.x); HighAtomic after the PCP types. */
const MIGRATETYPES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']

export function migratetypeName(n: number): string {
  return MIGRATETYPES[n] ?? `type ${n}`
}

// ftrace / trace-cmd:  task-pid [cpu] (flags)? ts: event: fields
const FTRACE = /^\s*(.+?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:[.\w]{4,6}\s+)?(\d+\.\d+):\s+([\w:]+):\s?(.*)$/
// perf script:  task pid [cpu] ts: subsys:event: fields
const PERF = /^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(?:\d+\s+)?([\w]+:[\w]+):\s?(.*)$/

function parseFields(s: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of s.matchAll(/(\w+)=("[^"]*"|\S+?)(?=,?\s|,?$)/g)) out[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '')
  return out
}

export function looksLikeTrace(head: string): boolean {
  return /\b(mm_page_alloc_extfrag|mm_compaction_\w+|mm_page_alloc|mm_page_free|cma_alloc_\w+):\s/.test(head)
}

/** Parse the text of a trace. Lines that are not events are counted in `skipped`; a file with no event at all is an error. */
export function parseTraceText(text: string, file: string): { format: TraceSummary['format']; events: TraceEvent[]; skipped: number } {
  requireText(text, file)
  const lines = splitLines(text)
  const events: TraceEvent[] = []
  let format: TraceSummary['format'] | null = null
  let skipped = 0
  let cpusHeader = false
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const t = raw.trim()
    if (t === '' || t.startsWith('#')) continue
    if (/^cpus=\d+$/.test(t) || /^version = /.test(t)) {
      cpusHeader = true
      continue
    }
    let m = PERF.exec(raw)
    let fmt: TraceSummary['format'] = 'perf'
    if (m === null || !(m[5] as string).includes(':')) {
      m = FTRACE.exec(raw)
      fmt = cpusHeader ? 'trace-cmd' : 'ftrace'
    }
    if (m === null) {
      skipped++
      continue
    }
    const full = m[5] as string
    const event = full.includes(':') ? full.slice(full.indexOf(':') + 1) : full
    format ??= fmt
    events.push({ task: (m[1] as string).trim(), pid: Number(m[2]), cpu: Number(m[3]), ts: Number(m[4]), event, fields: parseFields(m[6] as string), line: i + 1 })
  }
  if (events.length === 0) {
    throw new ParseError(file, null, 'trace events as ftrace, trace-cmd report or perf script print them (e.g. "task-123 [000] .... 12.345678: mm_page_alloc_extfrag: page=… pfn=0x… alloc_order=…")', lines.find((l) => l.trim() !== '' && !l.startsWith('#')) ?? 'no event line')
  }
  return { format: format ?? 'ftrace', events, skipped }
}

function num(e: TraceEvent, key: string, file: string, required: boolean): number | null {
  const v = e.fields[key]
  if (v === undefined) {
    if (required) throw new ParseError(file, e.line, `a ${key}= field in ${e.event}`, Object.keys(e.fields).join(' '))
    return null
  }
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^-?\d+$/.test(v) ? Number(v) : NaN
  if (!Number.isFinite(n)) throw new ParseError(file, e.line, `${key}= as a number (decimal or 0x…)`, v)
  return n
}

export function fallbackOf(e: TraceEvent, file: string): FallbackEvent {
  const allocOrder = num(e, 'alloc_order', file, true) as number
  const fallbackOrder = num(e, 'fallback_order', file, true) as number
  const pageblockOrder = num(e, 'pageblock_order', file, false) ?? 9
  return {
    ts: e.ts, task: e.task, pfn: num(e, 'pfn', file, false), line: e.line,
    allocOrder, fallbackOrder, pageblockOrder,
    allocMigratetype: num(e, 'alloc_migratetype', file, true) as number,
    fallbackMigratetype: num(e, 'fallback_migratetype', file, true) as number,
    fragmenting: fallbackOrder < pageblockOrder,
    changeOwnership: (num(e, 'change_ownership', file, false) ?? 0) === 1,
  }
}

/** Summarize a trace: fallbacks (and who stole which pageblock, when), compaction runs, page allocations, CMA. */
export function summarizeTrace(text: string, file: string, opts: { maxBlocks?: number } = {}): TraceSummary & { fallbackEvents: FallbackEvent[] } {
  const { format, events, skipped } = parseTraceText(text, file)
  const counts: Record<string, number> = {}
  const fb: FallbackEvent[] = []
  const byPair: Record<string, number> = {}
  const byOrder: Record<string, number> = {}
  const byTask = new Map<string, number>()
  const blocks = new Map<number, BlockSteal>()
  const endStatus: Record<string, number> = {}
  let runs = 0
  let migrated = 0
  let failed = 0
  const pageAlloc = { allocs: 0, frees: 0, byOrder: {} as Record<string, number> }
  const cma = { allocs: 0, failed: 0, pages: 0 }
  for (const e of events) {
    counts[e.event] = (counts[e.event] ?? 0) + 1
    switch (e.event) {
      case 'mm_page_alloc_extfrag': {
        const f = fallbackOf(e, file)
        fb.push(f)
        const to = migratetypeName(f.allocMigratetype)
        const from = migratetypeName(f.fallbackMigratetype)
        const pair = `${to}<-${from}`
        byPair[pair] = (byPair[pair] ?? 0) + 1
        byOrder[`${f.allocOrder}/${f.fallbackOrder}`] = (byOrder[`${f.allocOrder}/${f.fallbackOrder}`] ?? 0) + 1
        byTask.set(f.task, (byTask.get(f.task) ?? 0) + 1)
        if (f.pfn !== null) {
          const first = f.pfn - (f.pfn % 2 ** f.pageblockOrder)
          let b = blocks.get(first)
          if (!b) blocks.set(first, (b = { pfn: first, events: [] }))
          b.events.push({ ts: f.ts, task: f.task, from, to, order: f.fallbackOrder, claimed: f.changeOwnership })
        }
        break
      }
      case 'mm_compaction_begin':
        runs++
        break
      case 'mm_compaction_end': {
        const s = e.fields['status'] ?? 'unknown'
        endStatus[s] = (endStatus[s] ?? 0) + 1
        break
      }
      case 'mm_compaction_migratepages':
        migrated += num(e, 'nr_migrated', file, false) ?? 0
        failed += num(e, 'nr_failed', file, false) ?? 0
        break
      case 'mm_page_alloc': {
        pageAlloc.allocs++
        const o = e.fields['order'] ?? '?'
        pageAlloc.byOrder[o] = (pageAlloc.byOrder[o] ?? 0) + 1
        break
      }
      case 'mm_page_free':
        pageAlloc.frees++
        break
      case 'cma_alloc_finish':
      case 'cma_alloc': {
        cma.allocs++
        const err = num(e, 'errorno', file, false) ?? 0
        const pfn = e.fields['pfn']
        if (err !== 0 || pfn === '0xffffffffffffffff' || pfn === '-1') cma.failed++
        else cma.pages += num(e, 'count', file, false) ?? 0
        break
      }
    }
  }
  const list = [...blocks.values()].sort((a, b) => b.events.length - a.events.length || a.pfn - b.pfn)
  return {
    format, events: events.length, skipped,
    firstTs: events[0]?.ts ?? null, lastTs: events[events.length - 1]?.ts ?? null,
    counts,
    fallbacks: {
      total: fb.length, fragmenting: fb.filter((f) => f.fragmenting).length, claimed: fb.filter((f) => f.changeOwnership).length,
      byPair, byOrder, byTask: [...byTask].map(([task, count]) => ({ task, count })).sort((a, b) => b.count - a.count || (a.task < b.task ? -1 : 1)),
    },
    blocks: opts.maxBlocks === undefined ? list : list.slice(0, opts.maxBlocks),
    compaction: { runs, endStatus, migrated, failed },
    pageAlloc, cma,
    fallbackEvents: fb,
  }
}
