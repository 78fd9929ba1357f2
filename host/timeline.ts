/**
 * A series opened as a timeline: every capture's summary files (buddyinfo, pagetypeinfo,
 * zoneinfo, vmstat, uptime …) parsed, the series' steps.log or manifest triggers, and the mixed
 * pageblocks counted on an exact layout where a capture has kpageflags (and its pagetypeinfo has
 * no "Number of mixed blocks" table) unless `summaryOnly`. The numbers are the engine's
 * (engine/metrics/timeline.ts).
 *
 * A series is: a directory or bundle of numbered captures (01-boot/, 02-before/ …), a bundle whose
 * manifest.json lists a "series", several bundles (or captures) of one machine given together,
 * or a directory holding several such bundles.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { computeTimeline, parseCapture, parseStepsLog, parseUptime, type StepsLog, type Timeline, type TimelineCaptureInput, type TimelinePoint } from '../engine/index.ts'
import { BINARY_FILES, SnapshotError, type SnapshotSource } from './sources/snapshot_source.ts'
import { OpenedPath } from './snapshot.ts'
import { loadSnapshot } from './load.ts'
import type { SharedExtraction } from './sources/snapshot_source.ts'
import { parseManifest } from './sources/snapshot_manifest.ts'
import type { TimelineDto } from '../contract/dto.ts'

/** Which capture to open for a point: the path given and the capture's label in it (null: the path is one capture). */
export interface CaptureRef {
  path: string
  capture: string | null
}

export type MixedZones = Array<{ node: number; zone: string; mixed: Record<string, number> }>

/** Counts a capture's mixed pageblocks on its exact layout (the service runs it on the worker pool). */
export type MixedCounter = (ref: CaptureRef, shared: SharedExtraction[], opened: OpenedPath) => Promise<MixedZones>

export interface TimelineOptions {
  /** only the summary files: no exact layout, so no mixed pageblocks unless pagetypeinfo prints them */
  summaryOnly?: boolean
  countMixed?: MixedCounter
}

export type TimelineJson = Omit<Timeline, 'points'> & {
  /** what was opened */
  paths: string[]
  points: Array<TimelinePoint & { open: CaptureRef }>
}

const BUNDLE_NAME = /\.(tar\.gz|tgz|tar)$/i

/** The mixed pageblocks of a capture's exact layout, in this thread. */
export const countMixedHere: MixedCounter = async (ref, _shared, opened) => {
  const s = await loadSnapshot(opened, { layout: 'exact', ...(ref.capture !== null ? { capture: ref.capture } : {}) })
  return s.zones.map((z) => ({ node: z.node, zone: z.zone, mixed: { ...z.mixedPageblocks } }))
}

interface Member {
  ref: CaptureRef
  label: string
  source: SnapshotSource
  opened: OpenedPath
  /** what the series' manifest.json says was done before this capture */
  trigger: Record<string, unknown> | null
  /** the capture time the series' manifest.json gives this capture (a "captureTime" in its series entry), if any */
  seriesTime: string | null
}

/** `series[].captureTime` of a manifest (a key the format allows but does not define): label → ISO time. */
function seriesEntryTimes(text: string): Map<string, string> {
  const out = new Map<string, string>()
  let raw: unknown
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch {
    return out
  }
  const series = (raw as { series?: unknown }).series
  if (!Array.isArray(series)) return out
  for (const e of series as Array<{ label?: unknown; captureTime?: unknown }>) {
    if (typeof e?.label === 'string' && typeof e.captureTime === 'string' && Number.isFinite(Date.parse(e.captureTime))) out.set(e.label, e.captureTime)
  }
  return out
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}

const NOT_A_SERIES = 'a timeline needs several captures of one machine: a folder of numbered captures (01-boot/, 02-before/, …), a bundle whose manifest.json lists a series, several bundles given together, or a folder of bundles'

/** Open a timeline of `paths` (one series, or several captures/bundles of one machine). */
export async function loadTimeline(paths: string[], opts: TimelineOptions = {}): Promise<TimelineJson> {
  if (paths.length === 0) throw new Error(`no series given: ${NOT_A_SERIES}`)
  const inputs = [...paths]
  // a folder that is no series but holds bundles: those bundles
  if (inputs.length === 1 && (await isDir(inputs[0]!))) {
    const o = new OpenedPath(inputs[0]!)
    const s = await o.series().catch(() => null)
    await s?.close()
    await o.close()
    if (!s) {
      const bundles = (await readdir(inputs[0]!)).filter((n) => BUNDLE_NAME.test(n)).sort()
      if (bundles.length >= 2) inputs.splice(0, 1, ...bundles.map((n) => join(inputs[0]!, n)))
    }
  }
  const openedPaths: OpenedPath[] = []
  const members: Member[] = []
  let stepsLog: StepsLog | null = null
  let stepsNote: string | null = null
  try {
    for (const p of inputs) {
      const o = new OpenedPath(p)
      openedPaths.push(o)
      const series = await o.series()
      const prefix = inputs.length > 1 ? `${basename(p)}:` : ''
      if (series) {
        const manifestText = await series.readFile('manifest.json')
        const manifest = manifestText === null ? null : parseManifest(manifestText, `${p} (manifest.json)`)
        const times = manifestText === null ? new Map<string, string>() : seriesEntryTimes(manifestText)
        for (const c of series.captures) {
          const trigger = manifest?.series?.find((x) => x.label === c.label)?.trigger ?? null
          members.push({ ref: { path: p, capture: c.label }, label: prefix + c.label, source: c.source, opened: o, trigger, seriesTime: times.get(c.label) ?? null })
        }
        const text = await series.readFile('steps.log')
        if (text !== null) {
          if (inputs.length === 1) stepsLog = parseStepsLog(text, `${p} (steps.log)`)
          else stepsNote = `${p}: its steps.log is not used when several inputs are given together (their step numbers would clash)`
        }
      } else {
        members.push({ ref: { path: p, capture: null }, label: inputs.length > 1 ? basename(p) : p, source: await o.capture(), opened: o, trigger: null, seriesTime: null })
      }
    }
    if (members.length < 2) {
      const what = paths.length === 1 ? `${paths[0]}: is a single capture, not a series` : 'only one capture was given'
      throw new SnapshotError(paths[0]!, `${what}; ${NOT_A_SERIES}`)
    }
    const inputsOf: TimelineCaptureInput[] = []
    for (const m of members) {
      const src = m.source
      const texts: Record<string, string> = {}
      const binaries: string[] = []
      for (const name of src.files) {
        if (BINARY_FILES.has(name)) binaries.push(name)
        else if (name !== 'slabinfo') texts[name] = await src.readText(name)
      }
      const capture = parseCapture({
        source: m.ref.path, label: m.ref.capture, texts, binaries, describe: (n) => src.describe(n),
        manifest: src.manifest ? { hostname: src.manifest.hostname, kernelRelease: src.manifest.kernelRelease, arch: src.manifest.arch, pageSize: src.manifest.pageSize, captureTime: src.manifest.captureTime } : null,
      })
      const uptime = texts['uptime'] !== undefined ? parseUptime(texts['uptime'], src.describe('uptime')) : null
      inputsOf.push({ label: m.label, capture, mixedFromLayout: null, captureTime: m.seriesTime ?? src.manifest?.captureTime ?? null, uptime, trigger: m.trigger })
    }
    // the mixed pageblocks: printed by the kernel, else counted on the exact layout of kpageflags
    if (!opts.summaryOnly) {
      const count = opts.countMixed ?? countMixedHere
      const jobs = members.map(async (m, i) => {
        const c = inputsOf[i]!.capture
        if (c.pagetypeinfo?.mixed || !c.files.includes('kpageflags') || !c.pagetypeinfo) return
        inputsOf[i]!.mixedFromLayout = await count(m.ref, m.opened.shared(), m.opened)
      })
      await Promise.all(jobs)
    }
    // several inputs: in capture-time order when every one has a time
    let order = members.map((_, i) => i)
    if (inputs.length > 1) {
      const t = inputsOf.map((c) => (c.captureTime ? Date.parse(c.captureTime) : NaN))
      if (t.every((x) => Number.isFinite(x))) order = order.sort((a, b) => t[a]! - t[b]! || a - b)
    }
    const timeline = computeTimeline({ captures: order.map((i) => inputsOf[i]!), stepsLog })
    if (stepsNote) timeline.notes.push(stepsNote)
    if (opts.summaryOnly) timeline.notes.push('summary only: mixed pageblocks only where pagetypeinfo prints them (kpageflags not read)')
    return { ...timeline, paths: [...inputs], points: timeline.points.map((p, k) => ({ ...p, open: members[order[k]!]!.ref })) }
  } finally {
    for (const m of members) await m.source.close()
    for (const o of openedPaths) await o.close()
  }
}

// ---------------------------------------------------------------------------------------------
// CSV: one row per capture × zone

/** The CSV's columns, documented in the CLI usage and the README. */
export function timelineCsvHeader(t: TimelineJson): string[] {
  const orders = Array.from({ length: t.nrOrders }, (_, o) => o)
  return [
    'index', 'label', 'time_s', 'capture_time', 'steps', 'node', 'zone', 'free_pages', 'high_order_free_pages', 'largest_free_order',
    'fragmentation_score', 'node_fragmentation_score',
    ...orders.map((o) => `free_pages_o${o}`),
    ...orders.map((o) => `unusable_o${o}`),
    ...orders.map((o) => `extfrag_o${o}`),
    ...t.migratetypes.map((mt) => `pageblocks_${mt}`),
    ...t.migratetypes.map((mt) => `mixed_${mt}`),
    ...t.counters.map((c) => `delta_${c}`),
  ]
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function timelineCsv(t: TimelineJson): string {
  const lines = [timelineCsvHeader(t).join(',')]
  for (const p of t.points) {
    for (const z of p.zones) {
      const row: Array<string | number | null | undefined> = [
        p.index, p.label, p.time, p.captureTime, p.steps.map((s) => s.text).join('; '), z.node, z.zone, z.freePages, z.highOrderFreePages, z.largestFreeOrder,
        z.fragmentationScore, p.nodes.find((n) => n.node === z.node)?.fragmentationScore,
        ...Array.from({ length: t.nrOrders }, (_, o) => z.freePagesByOrder[o]),
        ...Array.from({ length: t.nrOrders }, (_, o) => z.unusableIndex[o]),
        ...Array.from({ length: t.nrOrders }, (_, o) => z.extfragIndex[o]),
        ...t.migratetypes.map((mt) => z.pageblocks?.[mt]),
        ...t.migratetypes.map((mt) => z.mixedPageblocks?.[mt]),
        ...t.counters.map((c) => p.deltas?.[c]),
      ]
      lines.push(row.map(csvCell).join(','))
    }
  }
  return lines.join('\n') + '\n'
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** the contract's TimelineDto is this JSON (its optional trace is checked in host/dto.ts), or this does not compile */
export const TIMELINE_DTO_MATCHES: Same<TimelineJson, Omit<TimelineDto, 'trace'>> = true
