/**
 * A report as every format writes it: an ordered list of sections, each a list of blocks
 * (paragraphs, lists, tables, charts, the pageblock map), plus the provenance and the CLI's JSON.
 * The formats (html.ts, markdown.ts, csv.ts, pdf.ts) only render blocks; what a report says is
 * decided once, in build.ts. Optional parts (a diff against another capture, a series timeline)
 * are sections too: a function builds them and the formats need no change to show them.
 */
import type { ChartOption } from '../../charts/options/common.ts'
import type { PageblockMap } from '../../engine/index.ts'
import type { InspectJson } from '../summary.ts'
import type { ReportWhatifRequestDto, WhatifCompactRequest, WhatifContigRequest } from '../../contract/schemas.ts'
import { REPORT_FORMATS as FORMATS, type ReportFormatName } from '../../contract/names.ts'

export type Cell = string | number | null

/** Where a table's numbers come from: a captured file, the model, or a what-if's prediction. */
export type Provenance = 'captured' | 'model' | 'predicted' | 'mixed'

export interface ReportTable {
  /** stable id: the CSV file name (without .csv) and the HTML id */
  id: string
  caption: string
  columns: string[]
  rows: Cell[][]
  /** what the numbers are: captured (a /proc file's own), model, predicted, or mixed (each row says) */
  source: Provenance
  /** one line under the table */
  note?: string
  /** a per-order table: Markdown writes it as a fixed-width block (for cover letters) */
  perOrder?: boolean
  /** a two-column list of names and values (no numeric alignment) */
  kv?: boolean
}

export type ReportBlock =
  | { kind: 'text'; text: string; role?: 'verdict' | 'note' | 'warning' }
  | { kind: 'list'; title?: string; items: string[] }
  | { kind: 'table'; table: ReportTable }
  | { kind: 'chart'; title: string; option: ChartOption; width: number; height: number }
  | {
    kind: 'map'; title: string; map: PageblockMap; migratetypes: string[]; pagesPerBlock: number; basePfn: number; pageSize: number; zones: Array<{ label: string; firstPb: number; lastPb: number }>
    /** how the cells are coloured: by migratetype (default), or by migratetype with the free share as brightness */
    overlay?: 'migratetype' | 'free'
    /** pageblocks outlined over the map, one group per kind (a diff's changes), with their legend */
    marks?: ReportMapMark[]
  }

/** Pageblocks marked on a map: outlined in `color` (drawn), or only counted in the legend. */
export interface ReportMapMark {
  label: string
  color: string
  cells: number[]
  drawn: boolean
}

export interface ReportSection {
  /** stable id (HTML anchor, CSV name prefix) */
  id: string
  title: string
  /** 2 = a top section, 3 = a part of one (per zone, per what-if) */
  level: 2 | 3
  blocks: ReportBlock[]
}

/** One file of the capture as read, with its SHA-256 (of the bytes as stored) */
export interface ProvenanceFile {
  name: string
  /** where it was read from (a path, or bundle:member) */
  source: string
  bytes: number
  sha256: string
  /** 'file': the file's bytes as stored (sha256sum gives the same); 'content': a bundle member's content */
  hashOf: 'file' | 'content'
}

export interface ReportProvenance {
  tool: 'buddyscope'
  version: string
  generatedAt: string
  snapshot: { path: string; capture: string | null; series: string[] | null }
  /** a bundle or single file opened: its own SHA-256 */
  bundle: { path: string; bytes: number; sha256: string } | null
  files: ProvenanceFile[]
  layout: { method: 'exact' | 'synthesized'; seed: number | null; source: string | null }
  /** the kernel rules the model followed */
  kernelRules: string[]
  /** every seed used: the layout's and each what-if's */
  seeds: Array<{ what: string; seeds: number[] }>
  /** the command that regenerates this report */
  command: string
}

/** A what-if the report holds: its request as the app and the CLI send it (the contract's reportWhatifSchema). */
export type ReportWhatifRequest = ReportWhatifRequestDto

/** The JSON format: the CLI's own JSON (inspect --json, each whatif --json), with the provenance. */
export interface ReportJson {
  report: { format: 'buddyscope-report'; version: 1 }
  provenance: ReportProvenance
  inspect: InspectJson
  whatifs: Array<{ command: string; request: WhatifCompactRequest | WhatifContigRequest; result: Record<string, unknown> }>
  /** `buddyscope diff --json`'s object (diff.ts), or null */
  diff: unknown
  /** `buddyscope timeline --json`'s object (timeline.ts), or null */
  timeline: unknown
}

export interface Report {
  title: string
  subtitle: string
  provenance: ReportProvenance
  sections: ReportSection[]
  json: ReportJson
}

export type ReportFormat = ReportFormatName
export const REPORT_FORMATS: readonly ReportFormat[] = FORMATS
