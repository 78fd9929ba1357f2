/**
 * Reports, as every host makes them: `reportFromSnapshot` (the CLI: load, run the what-ifs,
 * diff against another capture, read the series' timeline, hash the files), `buildReport`
 * (build.ts; the service calls it with what it already holds), `renderReport` to a format's bytes
 * and `writeRendered` to disk, atomically.
 */
import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import { computePageblockMap, fallbackRuleFor, sysctlInt } from '../../engine/index.ts'
import { loadSnapshot, type LayoutChoice } from '../load.ts'
import { OpenedPath } from '../snapshot.ts'
import { inspectJson, type InspectJson } from '../summary.ts'
import { whatifCompact, type SeedRunner } from '../whatif/compact.ts'
import { whatifContig } from '../whatif/contig.ts'
import type { Target } from '../workers/jobs.ts'
import { buildReport, type ReportExtra, type ReportWhatif } from './build.ts'
import { reportCsvFiles } from './csv.ts'
import { diffExtra, reportDiff } from './diff.ts'
import { timelineExtra } from './timeline.ts'
import { sideOf } from '../diff.ts'
import { loadTimeline } from '../timeline.ts'
import { reportHtml } from './html.ts'
import { reportMarkdown } from './markdown.ts'
import type { Report, ReportFormat, ReportWhatifRequest } from './model.ts'
import { htmlToPdf } from './pdf.ts'
import { captureFiles } from './provenance.ts'
import { writeReportDir, writeReportFile } from './write.ts'
import { zip } from './zip.ts'

export { buildReport, type ReportExtra, type ReportWhatif } from './build.ts'
export type { Report, ReportFormat, ReportWhatifRequest } from './model.ts'
export { REPORT_FORMATS } from './model.ts'

export interface SnapshotReportOptions {
  path: string
  layout: LayoutChoice
  seed: number
  capture?: string
  whatifs: ReportWhatifRequest[]
  /** another snapshot, or another capture of this series by its label: the diff of the two (diff.ts) */
  diff?: string
  /** the timeline of the series the snapshot is (timeline.ts) */
  timeline?: boolean
  version: string
  generatedAt: string
  output?: string
  /** the seeds of a compaction ensemble on the worker pool */
  runSeeds?: SeedRunner
}

/** Load a snapshot, run the report's what-ifs on it, hash its files and build the report. */
export async function reportFromSnapshot(o: SnapshotReportOptions): Promise<{ report: Report; inputs: string[] }> {
  const opened = new OpenedPath(o.path)
  try {
    const s = await loadSnapshot(opened, { layout: o.layout, seed: o.seed, ...(o.capture ? { capture: o.capture } : {}) })
    const inspect = inspectJson(s)
    const target: Target = { path: o.path, layout: o.layout, seed: o.seed, ...(s.label ? { capture: s.label } : {}) }
    const whatifs: ReportWhatif[] = []
    for (const req of o.whatifs) {
      if (req.kind === 'compact') whatifs.push({ req, result: await whatifCompact(target, req.request, { opened, ...(o.runSeeds ? { runSeeds: o.runSeeds } : {}) }) })
      else whatifs.push({ req, result: await whatifContig(target, req.request, opened) })
    }
    let diff: ReportExtra | null = null
    if (o.diff) {
      const ob = existsSync(o.diff) ? new OpenedPath(o.diff) : opened
      try {
        const capture = ob === opened ? await seriesCapture(opened, o.path, o.diff) : undefined
        const b = await loadSnapshot(ob, { layout: o.layout, seed: o.seed, ...(capture !== undefined ? { capture } : {}) })
        diff = diffExtra(await reportDiff(sideOf(s, opened), sideOf(b, ob)), ['--diff', o.diff])
      } finally {
        if (ob !== opened) await ob.close()
      }
    }
    const timeline = o.timeline ? timelineExtra(await loadTimeline([o.path]), ['--timeline']) : null
    const { files, bundle } = await captureFiles(opened, s.label)
    const report = buildReport({
      inspect, map: computePageblockMap(s.model), extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500),
      fallbackRule: s.allocator.policy.fallback ?? fallbackRuleFor(s.capture.machine.kernelRelease), files, bundle, whatifs,
      version: o.version, generatedAt: o.generatedAt, open: { layout: o.layout, seed: o.seed, capture: o.capture ?? null }, diff, timeline,
      ...(o.output ? { output: o.output } : {}),
    })
    const inputs = [...files.filter((f) => f.hashOf === 'file').map((f) => f.source), ...(bundle ? [bundle.path] : [])]
    return { report, inputs }
  } finally {
    await opened.close()
  }
}

/** `--diff LABEL` that is no path: a capture of the report's own series, by its label (as --capture takes it). */
async function seriesCapture(opened: OpenedPath, path: string, label: string): Promise<string> {
  const series = await opened.series()
  const labels = series?.captures.map((c) => c.label) ?? null
  await series?.close()
  if (!labels) throw new Error(`--diff ${label}: no such file or directory (and ${path} is a single capture, so it is no capture of its series either)`)
  try {
    const src = await opened.capture(label)
    const found = src.label!
    await src.close()
    return found
  } catch {
    throw new Error(`--diff ${label}: no such file or directory, and no capture of ${path} is called so (its captures: ${labels.join(', ')})`)
  }
}

export type Rendered = { kind: 'file'; data: Uint8Array; mime: string; ext: string } | { kind: 'files'; files: Array<{ name: string; data: Uint8Array }> }

export interface RenderOptions {
  /** HTML → PDF (Electron's printToPDF in the app; headless Chromium otherwise) */
  pdf?: (html: string) => Promise<Uint8Array>
  /** CSV: the tables as separate files (a directory) rather than one zip */
  csvFiles?: boolean
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'))

export async function renderReport(r: Report, format: ReportFormat, opts: RenderOptions = {}): Promise<Rendered> {
  switch (format) {
    case 'html':
      return { kind: 'file', data: utf8(reportHtml(r)), mime: 'text/html', ext: 'html' }
    case 'pdf':
      return { kind: 'file', data: await (opts.pdf ?? ((h: string) => htmlToPdf(h)))(reportHtml(r)), mime: 'application/pdf', ext: 'pdf' }
    case 'md':
      return { kind: 'file', data: utf8(reportMarkdown(r)), mime: 'text/markdown', ext: 'md' }
    case 'json':
      return { kind: 'file', data: utf8(JSON.stringify(r.json, null, 2) + '\n'), mime: 'application/json', ext: 'json' }
    case 'csv': {
      const files = reportCsvFiles(r).map((f) => ({ name: f.name, data: utf8(f.text) }))
      return opts.csvFiles ? { kind: 'files', files } : { kind: 'file', data: zip(files, new Date(r.provenance.generatedAt)), mime: 'application/zip', ext: 'zip' }
    }
  }
}

/** Write a rendered report to `out` (a file, or a directory for CSV files); returns the paths written. */
export function writeRendered(out: string, rendered: Rendered, inputs: readonly string[] = []): Promise<string[]> {
  return rendered.kind === 'file' ? writeReportFile(out, rendered.data, inputs) : writeReportDir(out, rendered.files, inputs)
}

/** A file name for a report: host, kernel and capture, then the format's extension. */
export function reportFileName(inspect: InspectJson, ext: string): string {
  const m = inspect.machine
  const parts = ['buddyscope-report', m.hostname, m.kernelRelease, inspect.snapshot.label ?? basename(inspect.snapshot.path.replace(/[/\\]+$/, ''))].filter((x): x is string => !!x)
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120)}.${ext}`
}
