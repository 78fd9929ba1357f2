/**
 * What a series of captures says about one of them: the steps that followed it (from the
 * harness's steps.log, or a manifest's "trigger" on the next capture), the next capture, and the
 * workload log's pin count. Lets a what-if be compared with what the real kernel produced.
 */
import { parseStepsLog, stepsBetween, compactionTrigger, pinnedPagesFromWorkloadLog, parseBuddyinfo, type CompactionTrigger, type StepsLogStep, type StepsLog, type Buddyinfo } from '../engine/index.ts'
import { withOpened, type SnapshotRef } from './snapshot.ts'

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
}

const numberOf = (label: string): number | null => {
  const m = /^(\d+)/.exec(label)
  return m ? Number(m[1]) : null
}

export function seriesContext(ref: SnapshotRef, label: string | null): Promise<SeriesContext | null> {
  return withOpened(ref, async (o) => {
    const series = await o.series().catch(() => null)
    if (!series) return null
    try {
      const labels = series.captures.map((c) => c.label)
      const me = label ?? labels[series.defaultIndex]!
      const i = labels.indexOf(me)
      if (i < 0) return null
      const next = labels[i + 1] ?? null
      let steps: StepsLogStep[] = []
      let trigger: CompactionTrigger | null = null
      const stepsText = await series.readFile('steps.log')
      const stepsLog = stepsText === null ? null : parseStepsLog(stepsText, `${o.path} (steps.log)`)
      if (stepsLog && next) {
        const a = numberOf(me)
        const b = numberOf(next)
        if (a !== null && b !== null) steps = stepsBetween(stepsLog, a, b)
        for (const s of steps) trigger ??= compactionTrigger(s)
      }
      const nextSource = series.captures[i + 1]?.source
      if (!trigger && next) {
        const t = nextSource?.manifest?.series?.find((c) => c.label === next)?.trigger
        if (t && (t['file'] === 'compact_memory' || t['file'] === 'node_compact')) {
          trigger = { file: t['file'], node: typeof t['node'] === 'number' ? t['node'] : null, deltas: (t['deltas'] as Record<string, number>) ?? {} }
        }
      }
      let nextBuddyinfo: Buddyinfo | null = null
      if (nextSource?.has('buddyinfo')) nextBuddyinfo = parseBuddyinfo(await nextSource.readText('buddyinfo'), nextSource.describe('buddyinfo'))
      const workloadLog = await series.readFile('workload.log')
      const workloadPinnedPages = workloadLog === null ? null : pinnedPagesFromWorkloadLog(workloadLog)
      return { labels, label: me, next, steps, trigger, nextBuddyinfo, workloadPinnedPages, stepsLog }
    } finally {
      await series.close()
    }
  })
}
