/**
 * What a series of captures says about one of them: the steps that followed it (from the
 * harness's steps.log, or a manifest's "trigger" on the next capture), the next capture, and the
 * workload log's pin count. Lets a what-if be compared with what the real kernel produced.
 */
import { readFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseStepsLog, stepsBetween, compactionTrigger, pinnedPagesFromWorkloadLog, parseBuddyinfo, type CompactionTrigger, type StepsLogStep, type Buddyinfo } from '../../engine/index.ts'
import { openSeries, openSnapshot } from './snapshot_source.ts'

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
}

const numberOf = (label: string): number | null => {
  const m = /^(\d+)/.exec(label)
  return m ? Number(m[1]) : null
}

export async function seriesContext(path: string, label: string | null): Promise<SeriesContext | null> {
  const series = await openSeries(path).catch(() => null)
  if (!series) return null
  try {
    const labels = series.captures.map((c) => c.label)
    const me = label ?? labels[series.defaultIndex]!
    const i = labels.indexOf(me)
    if (i < 0) return null
    const next = labels[i + 1] ?? null
    let steps: StepsLogStep[] = []
    let trigger: CompactionTrigger | null = null
    const dir = existsSync(path) && statSync(path).isDirectory() ? path : null
    if (dir && existsSync(join(dir, 'steps.log')) && next) {
      const log = parseStepsLog(await readFile(join(dir, 'steps.log'), 'utf8'), join(dir, 'steps.log'))
      const a = numberOf(me)
      const b = numberOf(next)
      if (a !== null && b !== null) steps = stepsBetween(log, a, b)
      for (const s of steps) trigger ??= compactionTrigger(s)
    }
    if (!trigger && next) {
      const t = series.captures[i + 1]?.source.manifest?.series?.find((c) => c.label === next)?.trigger
      if (t && (t['file'] === 'compact_memory' || t['file'] === 'node_compact')) {
        trigger = { file: t['file'], node: typeof t['node'] === 'number' ? t['node'] : null, deltas: (t['deltas'] as Record<string, number>) ?? {} }
      }
    }
    let nextBuddyinfo: Buddyinfo | null = null
    if (next) {
      const src = await openSnapshot(path, { capture: next })
      try {
        if (src.has('buddyinfo')) nextBuddyinfo = parseBuddyinfo(await src.readText('buddyinfo'), src.describe('buddyinfo'))
      } finally {
        await src.close()
      }
    }
    let workloadPinnedPages: number | null = null
    if (dir && existsSync(join(dir, 'workload.log'))) workloadPinnedPages = pinnedPagesFromWorkloadLog(await readFile(join(dir, 'workload.log'), 'utf8'))
    return { labels, label: me, next, steps, trigger, nextBuddyinfo, workloadPinnedPages }
  } finally {
    await series.close()
  }
}
