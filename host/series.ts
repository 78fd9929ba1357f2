/**
 * What a series of captures says about one of them: the steps that followed it (from the
 * harness's steps.log, the manifest's "steps" written by capture/buddyscope-capture, or a
 * manifest's "trigger" on the next capture), the next capture, and the workload log's pin count.
 * Lets a what-if be compared with what the real kernel produced.
 */
import { parseStepsLog, stepsBetween, compactionTrigger, pinnedPagesFromWorkloadLog, workloadCpuFromWorkloadLog, parseBuddyinfo, parseVmstat, parseZoneinfo, type CompactionTrigger, type StepsLogStep, type StepsLog, type Buddyinfo } from '../engine/index.ts'
import type { Manifest, SnapshotSeries, SnapshotSource } from './sources/snapshot_source.ts'
import { stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { OpenedPath, withOpened, type SnapshotRef } from './snapshot.ts'

export interface SeriesContext {
  /** labels in order */
  labels: string[]
  /** the capture this context is about */
  label: string
  next: string | null
  /** steps between this capture and the next (steps.log) */
  steps: StepsLogStep[]
  /** the compaction trigger among them, if any */
  trigger: CompactionTrigger | null
  /** the next capture's buddyinfo (what the real kernel produced) */
  nextBuddyinfo: Buddyinfo | null
  /** pages the workload pinned, from workload.log, if the harness logged it */
  workloadPinnedPages: number | null
  /** the series' steps.log, parsed, if it has one */
  stepsLog: StepsLog | null
  /** steps between this capture and the next besides the trigger that change memory (a hugetlb release, a sysctl …): the next capture is not the trigger's outcome alone */
  otherSteps: StepsLogStep[]
  /** where the trigger came from: steps.log, the manifest ("steps", or the next capture's "trigger"), or the folder names (deltas from the two captures' vmstat) */
  triggerSource: 'steps.log' | 'manifest' | 'folder names' | null
  /** seconds from this capture's uptime (or the trigger's start, steps.log) to the next capture's uptime, when known */
  secondsToNext: number | null
  /** the uptime secondsToNext start at (this capture's, or the trigger's start), when known: the decay ticks fall on whole seconds of it (vmstatTicks) */
  secondsFromUptime?: number | null
  /** the uptime the trigger ended at (steps.log's `[start -> end]`), when secondsToNext is known: the decay ticks up to it ran before or during the compaction */
  triggerEndUptime?: number | null
  /** the uptime the trigger started at (steps.log's `[start -> end]`), with triggerEndUptime: the decay ticks after it fell while the compaction ran */
  triggerStartUptime?: number | null
  /** the CPU the next capture's tools ran on (steps.log `cap N-label cpu=C`, harness runs with gt_capcpu), when logged */
  nextCaptureCpu?: number | null
  /** the CPU this capture's tools ran on (steps.log `cap N-label cpu=C`), when logged */
  captureCpu?: number | null
  /** the CPU the workload made its last frees on (workload.log `cpu phase4=C last=L`), when logged */
  workloadCpu?: number | null
  /** this capture's buddyinfo read again after its kpageflags and kpagecount (the harness's `after-kpage/buddyinfo`), when captured */
  rereadBuddyinfo?: Buddyinfo | null
  /**
   * seconds from that re-read to the next capture's uptime, when known: the re-read is the
   * capture's last read of the summaries, and steps.log's `cap N-label` line, written when the
   * capture ends, times it (a bound from above: the few small files read after it)
   */
  rereadSecondsToNext?: number | null
  /** the uptime rereadSecondsToNext start at (steps.log's `cap` line), when known */
  rereadFromUptime?: number | null
  /**
   * the CPU whose per-cpu lists grew most (summed over the zones) from this capture's zoneinfo to
   * its re-read after kpageflags and kpagecount (`after-kpage/zoneinfo`): the capture's tools
   * exited there and freed their pages to its lists; null when no list grew or two grew alike
   */
  rereadGrowthCpu?: number | null
  /** per zone, each CPU's pcp count and high in this capture's zoneinfo read again after kpageflags and kpagecount (`after-kpage/zoneinfo`), when captured */
  rereadPcp?: { node: number; zone: string; pagesets: { cpu: number; count: number; high: number }[] }[] | null
  /**
   * how many page-cache pages tmpfs gained from this capture's vmstat to its re-read after
   * kpageflags and kpagecount (`after-kpage/vmstat`: nr_shmem): the capture's own output written
   * while and after its page maps were read (kpageflags.gz, kpagecount.gz), when captured
   */
  rereadShmemGrowth?: number | null
  /**
   * what the counters of the two captures' vmstat say happened between them besides the steps:
   * the next capture's vmstat minus this capture's, minus the deltas steps.log (or the manifest)
   * gives every step between them, for the counters a step logs (compact_*, allocstall_*, …), the
   * non-zero ones: kcompactd's scans (compact_daemon_*), a direct reclaim (allocstall_*) or
   * compaction (compact_stall) by another task, made before the trigger started or after it ended.
   * Null when the series has no step deltas or a capture has no vmstat.
   */
  betweenCounters?: Record<string, number> | null
}

/** Per-cpu list pages per CPU, summed over the zones of a zoneinfo. */
function pcpPagesPerCpu(text: string, file: string): Map<number, number> {
  const per = new Map<number, number>()
  for (const z of parseZoneinfo(text, file).zones) for (const p of z.pagesets) per.set(p.cpu, (per.get(p.cpu) ?? 0) + p.count)
  return per
}

/** SeriesContext.rereadGrowthCpu: the CPU whose lists grew most from a capture's zoneinfo to its re-read. */
async function listGrowthCpu(src: SnapshotSource | undefined, reread: string | null, rereadFile: string): Promise<number | null> {
  if (!src?.has('zoneinfo') || reread === null) return null
  const a = pcpPagesPerCpu(await src.readText('zoneinfo'), src.describe('zoneinfo'))
  const b = pcpPagesPerCpu(reread, rereadFile)
  let best: number | null = null, bestGrowth = 0, tie = false
  for (const [cpu, n] of b) {
    const g = n - (a.get(cpu) ?? n)
    if (g > bestGrowth) { best = cpu; bestGrowth = g; tie = false } else if (g === bestGrowth && g > 0) tie = true
  }
  return tie ? null : best
}

/**
 * Steps that leave memory as it was: the harness's pauses, and its tracing toggles (`ctron` /
 * `ctroff`, `tron` / `troff`: writes to tracefs that enable or disable events whose ring buffer
 * was sized, and allocated, by the `ctrace` / `trace` step before the capture), so a capture
 * after a traced trigger is that compaction's outcome alone.
 */
export const QUIET_STEPS = /^(sleep|wait|note|ctron|ctroff|tron|troff)\b/

/** A compaction trigger from the next capture's folder name (`NN-after-compact-memory`, `NN-after-compact-node[N]`). */
export function triggerFromLabel(label: string): Pick<CompactionTrigger, 'file' | 'node'> | null {
  if (/^\d+-after-compact-memory(-\d+)?$/.test(label)) return { file: 'compact_memory', node: null }
  const n = /^\d+-after-compact-node(\d*)(-\d+)?$/.exec(label)
  return n ? { file: 'node_compact', node: n[1] ? Number(n[1]) : 0 } : null
}

/** vmstat counters that grew or shrank from one capture to the next. */
async function vmstatDeltas(a: SnapshotSource | undefined, b: SnapshotSource | undefined): Promise<Record<string, number>> {
  if (!a?.has('vmstat') || !b?.has('vmstat')) return {}
  const x = parseVmstat(await a.readText('vmstat'), a.describe('vmstat'))
  const y = parseVmstat(await b.readText('vmstat'), b.describe('vmstat'))
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(y)) {
    const d = v - (x[k] ?? 0)
    if (d !== 0 && /^(pgmigrate|compact_|nr_free_pages|htlb_|cma_|allocstall)/.test(k)) out[k] = d
  }
  return out
}

/** The counter families a steps.log line gives deltas of (the harness's vmsnap): a change outside the steps is the kernel's own. */
const STEP_COUNTERS = /^(compact_|pgmigrate_|allocstall_|kswapd_|pgsteal_|pgscan_|thp_|htlb_|cma_)/

/** SeriesContext.betweenCounters: the two captures' vmstat difference less the steps' deltas, the non-zero ones. */
async function countersBetween(a: SnapshotSource | undefined, b: SnapshotSource | undefined, steps: readonly StepsLogStep[]): Promise<Record<string, number> | null> {
  if (!a?.has('vmstat') || !b?.has('vmstat')) return null
  const x = parseVmstat(await a.readText('vmstat'), a.describe('vmstat'))
  const y = parseVmstat(await b.readText('vmstat'), b.describe('vmstat'))
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(y)) {
    if (!STEP_COUNTERS.test(k) || x[k] === undefined) continue
    const d = v - x[k]! - steps.reduce((t, st) => t + (st.deltas[k] ?? 0), 0)
    if (d !== 0) out[k] = d
  }
  return out
}

const numberOf = (label: string): number | null => {
  const m = /^(\d+)/.exec(label)
  return m ? Number(m[1]) : null
}

/**
 * A manifest's "steps" (docs/bundle-format.md) as a steps.log: each capture of "series" at its
 * folder number, each step after the capture it names, with the harness's detail text
 * (`size=2048kB requested=64 before=0 obtained=51 rc=0` for a hugetlb pool change).
 */
export function stepsLogFromManifest(m: Manifest | null): StepsLog | null {
  if (!m?.series || !m.steps) return null
  const captures = m.series.map((c, i) => ({ label: c.label, index: numberOf(c.label) ?? i + 1, time: c.uptime ?? 0 }))
  const steps: StepsLogStep[] = m.steps.map((st) => {
    const rc = typeof st.rc === 'number' ? st.rc : null
    const num = (k: string): number | null => (typeof st[k] === 'number' ? (st[k] as number) : null)
    const pool = [num('sizeKb'), num('requested'), num('before'), num('obtained')]
    const detail = pool.every((x) => x !== null)
      ? `size=${pool[0]}kB requested=${pool[1]} before=${pool[2]} obtained=${pool[3]}${rc === null ? '' : ` rc=${rc}`}`
      : rc === null ? '' : `rc=${rc}`
    const at = captures.findIndex((c) => c.label === st.after)
    return { name: st.name, detail, start: st.start ?? 0, end: st.end ?? st.start ?? 0, rc, deltas: { ...(st.deltas ?? {}) }, afterCapture: at < 0 ? null : at }
  })
  return { captures, steps }
}

/**
 * The series' context of a capture: the labels, the steps up to the next capture, the compaction
 * trigger among them and what the series records around it. `label` null: the series' default
 * capture; a capture folder opened on its own (no series) gets its enclosing series' context
 * (withEnclosingSeries).
 */
export function seriesContext(ref: SnapshotRef, label: string | null): Promise<SeriesContext | null> {
  return withOpened(ref, async (o) => {
    const series = await o.series().catch(() => null)
    if (!series) return label === null ? enclosingSeriesContext(o.path) : null
    try {
      return await contextInSeries(o, series, label)
    } finally {
      await series.close()
    }
  })
}

/** seriesContext's work on a series already open (the caller closes it) */
async function contextInSeries(o: OpenedPath, series: SnapshotSeries, label: string | null): Promise<SeriesContext | null> {
  const labels = series.captures.map((c) => c.label)
  const me = label ?? labels[series.defaultIndex]!
  const i = labels.indexOf(me)
  if (i < 0) return null
  const next = labels[i + 1] ?? null
  let steps: StepsLogStep[] = []
  let trigger: CompactionTrigger | null = null
  let triggerSource: SeriesContext['triggerSource'] = null
  const stepsText = await series.readFile('steps.log')
  const fromManifest = stepsText === null ? stepsLogFromManifest(series.captures[i]?.source.manifest ?? null) : null
  const stepsLog = stepsText === null ? fromManifest : parseStepsLog(stepsText, `${o.path} (steps.log)`)
  if (stepsLog && next) {
    const a = numberOf(me)
    const b = numberOf(next)
    if (a !== null && b !== null) steps = stepsBetween(stepsLog, a, b)
    for (const s of steps) trigger ??= compactionTrigger(s)
    if (trigger) triggerSource = fromManifest ? 'manifest' : 'steps.log'
  }
  const nextSource = series.captures[i + 1]?.source
  if (!trigger && next) {
    const t = nextSource?.manifest?.series?.find((c) => c.label === next)?.trigger
    if (t && (t['file'] === 'compact_memory' || t['file'] === 'node_compact')) {
      trigger = { file: t['file'], node: typeof t['node'] === 'number' ? t['node'] : null, deltas: (t['deltas'] as Record<string, number>) ?? {}, cpu: typeof t['cpu'] === 'number' ? t['cpu'] : null }
      triggerSource = 'manifest'
    }
  }
  // no steps.log: the folder names say what was done between the two captures
  if (!trigger && !stepsLog && next) {
    const byName = triggerFromLabel(next)
    if (byName) {
      trigger = { ...byName, deltas: await vmstatDeltas(series.captures[i]?.source, nextSource), cpu: null }
      triggerSource = 'folder names'
    }
  }
  const triggerStep = steps.find((s) => compactionTrigger(s) !== null)
  // seconds from this capture's uptime (read first, with zoneinfo's per-cpu counts) to the next
  // capture's: how long the lists had to change; the trigger's start when this one has none
  let secondsToNext: number | null = null
  let secondsFromUptime: number | null = null
  let triggerEndUptime: number | null = null
  let triggerStartUptime: number | null = null
  const uptimeOf = async (src: typeof nextSource): Promise<number | null> => {
    if (!src?.has('uptime')) return null
    const v = Number.parseFloat((await src.readText('uptime')).trim().split(/\s+/)[0] ?? '')
    return Number.isFinite(v) ? v : null
  }
  if (triggerStep) {
    const upNext = await uptimeOf(nextSource)
    const from = (await uptimeOf(series.captures[i]?.source)) ?? triggerStep.start
    if (upNext !== null && upNext >= from) {
      secondsToNext = upNext - from
      secondsFromUptime = from
      if (stepsLog && triggerStep.end >= from && triggerStep.end <= upNext) {
        triggerEndUptime = triggerStep.end
        triggerStartUptime = triggerStep.start
      }
    }
  }
  const otherSteps = steps.filter((s) => s !== triggerStep && !QUIET_STEPS.test(s.name))
  const na = numberOf(me)
  const capEnd = na !== null && stepsText !== null ? (stepsLog?.captures.find((c) => c.index === na)?.time ?? null) : null
  let nextBuddyinfo: Buddyinfo | null = null
  if (nextSource?.has('buddyinfo')) nextBuddyinfo = parseBuddyinfo(await nextSource.readText('buddyinfo'), nextSource.describe('buddyinfo'))
  // the harness re-reads buddyinfo right after kpageflags/kpagecount (what moved while they were read)
  const rereadName = `${me}/after-kpage/buddyinfo`
  const rereadText = await series.readFile(rereadName)
  const rereadBuddyinfo = rereadText === null ? null : parseBuddyinfo(rereadText, `${o.path} (${rereadName})`)
  let rereadSecondsToNext: number | null = null
  let rereadFromUptime: number | null = null
  if (rereadBuddyinfo && secondsToNext !== null && capEnd !== null) {
    const upNext = await uptimeOf(nextSource)
    if (upNext !== null && upNext >= capEnd && upNext - capEnd <= secondsToNext) {
      rereadSecondsToNext = upNext - capEnd
      rereadFromUptime = capEnd
    }
  }
  const rereadZoneinfo = await series.readFile(`${me}/after-kpage/zoneinfo`)
  const rereadGrowthCpu = await listGrowthCpu(series.captures[i]?.source, rereadZoneinfo, `${o.path} (${me}/after-kpage/zoneinfo)`)
  const rereadPcp = rereadZoneinfo === null ? null : parseZoneinfo(rereadZoneinfo, `${o.path} (${me}/after-kpage/zoneinfo)`).zones
    .filter((z) => z.pagesets.length > 0)
    .map((z) => ({ node: z.node, zone: z.zone, pagesets: z.pagesets.map((p) => ({ cpu: p.cpu, count: p.count, high: p.high })) }))
  const rereadVmstat = await series.readFile(`${me}/after-kpage/vmstat`)
  const src = series.captures[i]?.source
  let rereadShmemGrowth: number | null = null
  if (rereadVmstat !== null && src?.has('vmstat')) {
    const a = parseVmstat(await src.readText('vmstat'), src.describe('vmstat')).nr_shmem
    const b = parseVmstat(rereadVmstat, `${o.path} (${me}/after-kpage/vmstat)`).nr_shmem
    if (a !== undefined && b !== undefined) rereadShmemGrowth = b - a
  }
  const betweenCounters = stepsLog && next ? await countersBetween(series.captures[i]?.source, nextSource, steps) : null
  const workloadLog = await series.readFile('workload.log')
  const workloadPinnedPages = workloadLog === null ? null : pinnedPagesFromWorkloadLog(workloadLog)
  const workloadCpu = workloadLog === null ? null : workloadCpuFromWorkloadLog(workloadLog)
  const nb = next !== null ? numberOf(next) : null
  const nextCaptureCpu = nb !== null ? (stepsLog?.captures.find((c) => c.index === nb)?.cpu ?? null) : null
  const captureCpu = na !== null ? (stepsLog?.captures.find((c) => c.index === na)?.cpu ?? null) : null
  return { labels, label: me, next, steps, trigger, nextBuddyinfo, workloadPinnedPages, stepsLog, otherSteps, triggerSource, secondsToNext, secondsFromUptime, triggerEndUptime, triggerStartUptime, nextCaptureCpu, captureCpu, workloadCpu, rereadBuddyinfo, rereadSecondsToNext, rereadFromUptime, rereadGrowthCpu, rereadPcp, rereadShmemGrowth, betweenCounters }
}

/**
 * A capture folder opened on its own whose parent folder is the series it belongs to (a harness
 * run, or `test/harness/capture-host.sh OUTDIR cm@1`: OUTDIR/steps.log beside OUTDIR/01-before):
 * `f` run on that series opened with the folder's label, so what is read from the series is the
 * same however the capture was opened. Null when the folder is not a member of a series with a
 * steps.log.
 */
export async function withEnclosingSeries<T>(path: string, f: (o: OpenedPath, series: SnapshotSeries, label: string) => Promise<T>): Promise<T | null> {
  const dir = resolve(path)
  const parent = dirname(dir)
  if (parent === dir) return null
  const isDir = await stat(dir).then((st) => st.isDirectory(), () => false)
  const hasSteps = await stat(join(parent, 'steps.log')).then((st) => st.isFile(), () => false)
  if (!isDir || !hasSteps) return null
  const o = new OpenedPath(parent)
  try {
    const series = await o.series().catch(() => null)
    if (!series) return null
    try {
      const label = basename(dir)
      return series.captures.some((c) => c.label === label) ? await f(o, series, label) : null
    } finally {
      await series.close()
    }
  } finally {
    await o.close()
  }
}

/** The series' context for a capture folder opened on its own (withEnclosingSeries), as if the series had been opened with that capture chosen, so the what-if knows the trigger that followed (its CPU, its vmstat deltas) either way. */
function enclosingSeriesContext(path: string): Promise<SeriesContext | null> {
  return withEnclosingSeries(path, (o, series, label) => contextInSeries(o, series, label))
}
