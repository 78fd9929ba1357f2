/**
 * exportReport as the service answers it: the report of an open snapshot with the what-ifs the
 * user ran in the session (their requests, run again on the worker pool: the same seeds give the
 * same answers), optionally a diff against another open snapshot and the timeline of the
 * snapshot's series, in one format. The desktop app saves it through its save dialog
 * (atomically, here); browser mode gets the bytes and the browser downloads them.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fallbackRuleFor, type PageblockMap } from '../../engine/index.ts'
import type { ExportReportRequest, ExportReportResult, ReportFormatName } from '../../contract/index.ts'
import type { OpenedPath } from '../snapshot.ts'
import type { InspectJson } from '../summary.ts'
import type { EngineRunner } from '../workers/pool.ts'
import type { CompactJob, ContigJob, Target } from '../workers/jobs.ts'
import { buildReport, type ReportWhatif } from './build.ts'
import { diffExtra, reportDiff } from './diff.ts'
import { timelineExtra } from './timeline.ts'
import type { DiffSide } from '../diff.ts'
import type { TimelineJson } from '../timeline.ts'
import { renderReport, reportFileName, writeRendered } from './index.ts'
import { captureFiles } from './provenance.ts'

/** What the service holds of an open snapshot. */
export interface ExportSource {
  inspect: InspectJson
  map: PageblockMap
  extfragThreshold: number
  opened: OpenedPath
  target: Target
  /** how it was opened (for the regenerate command) */
  open: { layout: 'auto' | 'exact' | 'synthesized'; seed: number; capture: string | null }
}

export interface ExportEnv {
  pool: EngineRunner
  version: string
  /** HTML → PDF (Electron's printToPDF); absent: headless Chromium */
  printPdf?: (html: string) => Promise<Uint8Array>
  /** the desktop app's save dialog: a path, or null when the user cancels; absent: return the bytes */
  saveReportPath?: (fileName: string, format: ReportFormatName) => Promise<string | null>
  signal?: AbortSignal
}

/** The optional parts the request asked for, as the service has them. */
export interface ExportParts {
  /** `diffWith`: this snapshot (before) and the other one (after), as sides of a diff */
  diff: { before: DiffSide; after: DiffSide } | null
  /** `timeline`: the timeline of this snapshot's series */
  timeline: (() => Promise<TimelineJson>) | null
}

/** How `buddyscope report` names the other capture: its label when it is of this series, its folder when a series folder holds it, else its path. */
function diffArg(path: string, other: { path: string; label: string | null }): string {
  if (!other.label) return other.path
  if (other.path === path) return other.label
  const dir = join(other.path, other.label)
  return existsSync(dir) ? dir : other.path
}

export async function exportReport(req: ExportReportRequest, src: ExportSource, parts: ExportParts, env: ExportEnv): Promise<ExportReportResult> {
  const whatifs: ReportWhatif[] = []
  for (const w of req.whatifs) {
    const opts = env.signal ? { signal: env.signal } : {}
    if (w.kind === 'compact') {
      const job: CompactJob = { kind: 'whatif-compact', target: src.target, request: w.request, withMaps: false }
      whatifs.push({ req: w, result: await env.pool.run(job, opts) })
    } else {
      const job: ContigJob = { kind: 'whatif-contig', target: src.target, request: w.request }
      whatifs.push({ req: w, result: await env.pool.run(job, opts) })
    }
  }
  const { files, bundle } = await captureFiles(src.opened, src.inspect.snapshot.label)
  const ext = req.format === 'csv' ? 'zip' : req.format
  const other = parts.diff?.after
  const diff = parts.diff && other ? diffExtra(await reportDiff(parts.diff.before, other), ['--diff', diffArg(src.inspect.snapshot.path, other)]) : null
  const timeline = parts.timeline ? timelineExtra(await parts.timeline(), ['--timeline']) : null
  const base = { inspect: src.inspect, map: src.map, extfragThreshold: src.extfragThreshold, fallbackRule: fallbackRuleFor(src.inspect.machine.kernelRelease), files, bundle, whatifs, version: env.version, open: src.open, diff, timeline }
  const name = reportFileName(src.inspect, ext)
  const report = buildReport({ ...base, generatedAt: new Date().toISOString(), output: name })
  const rendered = await renderReport(report, req.format, env.printPdf ? { pdf: env.printPdf } : {})
  if (rendered.kind !== 'file') throw new Error('exportReport: a report for the app is one file')
  const out = { fileName: name, mime: rendered.mime, bytes: rendered.data.length }
  if (!env.saveReportPath) return { ...out, data: rendered.data, savedTo: null, cancelled: false }
  const path = await env.saveReportPath(name, req.format)
  if (!path) return { ...out, data: null, savedTo: null, cancelled: true }
  const inputs = [...files.filter((f) => f.hashOf === 'file').map((f) => f.source), ...(bundle ? [bundle.path] : [])]
  await writeRendered(path, rendered, inputs)
  return { ...out, data: null, savedTo: path, cancelled: false }
}
