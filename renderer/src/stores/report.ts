/**
 * Export Report (File › Export Report… in the desktop app, the header's Export button in both):
 * the panel's choices (format, which of the session's what-ifs, a diff against another open
 * snapshot, the timeline of the snapshot's series), the export call and its answer. The report holds what the user ran: the requests of
 * the what-if results this session keeps (compaction and contiguous allocations, oldest first),
 * which the host runs again for the report. In browser mode the answer carries the bytes and
 * the panel downloads them; the desktop app saved the file through its own dialog.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { getApi } from '../api/client.ts'
import { asHostError, type ExportReportResult, type ReportFormatName, type ReportWhatifRequestDto } from '../api/types.ts'
import { useWhatifStore } from './whatif.ts'
import { useContigStore } from './contig.ts'

export interface SessionWhatif {
  /** the run it came from */
  runId: string
  title: string
  request: ReportWhatifRequestDto
}

/** The what-ifs a snapshot's session ran, oldest first, each request once. */
export function sessionWhatifs(compact: ReadonlyArray<{ runId: string; title: string; args: { id: string } & Record<string, unknown> }>, contig: ReadonlyArray<{ runId: string; title: string; args: { id: string } & Record<string, unknown> }>): SessionWhatif[] {
  const all: Array<SessionWhatif & { order: number }> = []
  const strip = (args: { id: string } & Record<string, unknown>): Record<string, unknown> => {
    const { id: _id, ...rest } = args
    return rest
  }
  for (const e of compact) all.push({ runId: e.runId, title: e.title, request: { kind: 'compact', request: strip(e.args) } as ReportWhatifRequestDto, order: Number(e.runId.replace(/\D/g, '')) || 0 })
  for (const e of contig) all.push({ runId: e.runId, title: e.title, request: { kind: 'contig', request: strip(e.args) } as ReportWhatifRequestDto, order: Number(e.runId.replace(/\D/g, '')) || 0 })
  all.sort((a, b) => a.order - b.order)
  const seen = new Set<string>()
  return all.filter((w) => {
    const k = JSON.stringify(w.request)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  }).map(({ order: _o, ...w }) => w)
}

export const useReportStore = defineStore('report', () => {
  const open = ref(false)
  const format = ref<ReportFormatName>('html')
  /** runIds left out of the report (everything the session ran is in by default) */
  const excluded = ref<Record<string, boolean>>({})
  const diffWith = ref<string>('')
  /** include the timeline of the series (asked only of a capture of a series) */
  const timeline = ref(true)
  const busy = ref(false)
  const error = ref<string | null>(null)
  const done = ref<ExportReportResult | null>(null)

  function whatifsOf(snapshotId: string): SessionWhatif[] {
    const w = useWhatifStore()
    const c = useContigStore()
    return sessionWhatifs([...w.resultsOf(snapshotId)].reverse(), [...c.resultsOf(snapshotId)].reverse())
  }

  /** Export the snapshot's report (with its series' timeline when `inSeries` and asked); the answer (bytes in browser mode) or null when it failed or was cancelled. */
  async function exportReport(snapshotId: string, inSeries = false): Promise<ExportReportResult | null> {
    busy.value = true
    error.value = null
    done.value = null
    try {
      const api = await getApi()
      const whatifs = whatifsOf(snapshotId).filter((w) => !excluded.value[w.runId]).map((w) => w.request)
      const r = await api.exportReport({ id: snapshotId, format: format.value, whatifs, ...(diffWith.value && diffWith.value !== snapshotId ? { diffWith: diffWith.value } : {}), ...(inSeries && timeline.value ? { timeline: true } : {}) })
      if (r.cancelled) return null
      done.value = { ...r, data: null }
      return r
    } catch (e) {
      error.value = asHostError(e).message
      return null
    } finally {
      busy.value = false
    }
  }

  return { open, format, excluded, diffWith, timeline, busy, error, done, whatifsOf, exportReport }
})
