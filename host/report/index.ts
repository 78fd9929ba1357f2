/**
 * Reports, as every host makes them: `reportFromSnapshot` (the CLI: load, run the what-ifs,
 * hash the files), `buildReport` (build.ts; the service calls it with what it already holds),
 * `renderReport` to a format's bytes and `writeRendered` to disk, atomically.
 */
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
import { buddyinfoDiff } from './diff.ts'
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
  /** another snapshot: the minimal buddyinfo diff (diff.ts) */
  diff?: string
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
      const b = await loadSnapshot(o.diff, { layout: 'synthesized', seed: o.seed })
      diff = buddyinfoDiff(inspect, inspectJson(b), o.diff)
    }
    const { files, bundle } = await captureFiles(opened, s.label)
    const report = buildReport({
      inspect, map: computePageblockMap(s.model), extfragThreshold: sysctlInt(s.capture, 'extfrag_threshold', 500),
      fallbackRule: s.allocator.policy.fallback ?? fallbackRuleFor(s.capture.machine.kernelRelease), files, bundle, whatifs,
      version: o.version, generatedAt: o.generatedAt, open: { layout: o.layout, seed: o.seed, capture: o.capture ?? null }, diff,
      ...(o.output ? { output: o.output } : {}),
    })
    const inputs = [...files.filter((f) => f.hashOf === 'file').map((f) => f.source), ...(bundle ? [bundle.path] : [])]
    return { report, inputs }
  } finally {
    await opened.close()
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
