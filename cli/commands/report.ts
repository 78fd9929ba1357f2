/**
 * `buddyscope report <snapshot> [--whatif "KIND FLAGS"]… [--diff B] [--timeline] -o FILE [--format F]`:
 * the report of a snapshot with the what-ifs asked for (and the diff against B, the timeline of
 * the series), written atomically as HTML, PDF, Markdown, JSON or CSV (a zip, or one file per
 * table with `-o DIR/`). Each `--whatif` takes the words of a `buddyscope whatif` command without
 * the snapshot (`--whatif "cma --size 64M"`), parsed by the same flag parsers and schemas; repeat
 * it for several.
 */
import { parseArgs } from 'node:util'
import { readFileSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import { whatifCompactSchema, whatifContigSchema, type WhatifCompactRequest } from '../../contract/schemas.ts'
import { reportFromSnapshot, renderReport, writeRendered, REPORT_FORMATS, type ReportFormat, type ReportWhatifRequest } from '../../host/report/index.ts'
import type { LayoutChoice } from '../../host/load.ts'
import { COMMAND_FLAGS } from '../usage.ts'
import { WhatifUsageError } from './whatif.ts'
import { contigRequest } from './whatif_contig.ts'

type Flags = Record<string, string | boolean | string[] | undefined>

const KINDS = ['compact', 'cma', 'hugetlb', 'contig', 'thp'] as const
const BOOLEAN_FLAGS = new Set(['full', 'no-compact', 'madvised'])

/** "cma --size '64 M'" → ['cma', '--size', '64 M'] (whitespace separates; single or double quotes group). */
export function splitWords(text: string): string[] {
  const out: string[] = []
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]!)
  return out
}

/** One `--whatif` value as the contract's request. */
export function parseWhatifWords(text: string, compactRequest: (values: Flags) => WhatifCompactRequest): ReportWhatifRequest {
  const [kind, ...args] = splitWords(text)
  if (!kind || !(KINDS as readonly string[]).includes(kind)) throw new WhatifUsageError(`--whatif "${text}": starts with the kind of what-if: ${KINDS.join(', ')}`)
  const k = kind as (typeof KINDS)[number]
  const allowed = COMMAND_FLAGS[`whatif ${k}`].filter((f) => f !== 'json')
  const options = Object.fromEntries(allowed.map((f) => [f, { type: BOOLEAN_FLAGS.has(f) ? 'boolean' as const : 'string' as const }]))
  let values: Flags
  try {
    const p = parseArgs({ args, options, strict: true, allowPositionals: false })
    values = p.values as Flags
  } catch (e) {
    throw new WhatifUsageError(`--whatif "${text}": ${(e as Error).message.split('\n')[0]} (whatif ${k} takes ${allowed.map((f) => `--${f}`).join(', ')})`)
  }
  const first = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string => `--whatif "${text}": ${issues[0] ? `${String(issues[0].path[0] ?? 'arguments')}: ${issues[0].message}` : 'invalid'}`
  if (k === 'compact') {
    const r = whatifCompactSchema.safeParse(compactRequest(values))
    if (!r.success) throw new WhatifUsageError(first(r.error.issues))
    return { kind: 'compact', request: r.data }
  }
  const r = whatifContigSchema.safeParse(contigRequest(k, values))
  if (!r.success) throw new WhatifUsageError(first(r.error.issues))
  return { kind: 'contig', request: r.data }
}

const EXT: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.pdf': 'pdf', '.md': 'md', '.markdown': 'md', '.json': 'json', '.zip': 'csv' }

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** The format: --format, else the extension (.zip and DIR/ are CSV). */
export function reportFormat(output: string, format: string | undefined): { format: ReportFormat; csvDir: boolean } {
  const dir = output.endsWith('/') || isDir(output)
  if (format !== undefined) {
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new WhatifUsageError(`--format takes ${REPORT_FORMATS.join(', ')}, not "${format}"`)
    if (dir && format !== 'csv') throw new WhatifUsageError(`-o ${output} is a directory: only a CSV report (one file per table) goes into a directory`)
    if (format === 'csv' && !dir && extname(output).toLowerCase() === '.csv') throw new WhatifUsageError(`a CSV report is one file per table: -o NAME.zip (one zip of them) or -o DIR/ (a directory of .csv files), not ${output}`)
    return { format: format as ReportFormat, csvDir: dir }
  }
  if (dir) return { format: 'csv', csvDir: true }
  const ext = extname(output).toLowerCase()
  if (ext === '.csv') throw new WhatifUsageError(`a CSV report is one file per table: -o NAME.zip (one zip of them) or -o DIR/ (a directory of .csv files), not ${output}`)
  const f = EXT[ext]
  if (!f) throw new WhatifUsageError(`-o ${output}: the format comes from the extension (.html, .pdf, .md, .json, .zip for CSV, or DIR/), or from --format`)
  return { format: f, csvDir: false }
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export interface ReportArgs {
  snapshot: string
  values: Flags
  layout: LayoutChoice
  seed: number
  compactRequest: (values: Flags) => WhatifCompactRequest
  out: (s: string) => void
}

export async function reportCommand(a: ReportArgs): Promise<number> {
  const output = a.values['output']
  if (typeof output !== 'string' || !output) throw new WhatifUsageError('report needs -o FILE (.html, .pdf, .md, .json, .zip) or -o DIR/ (CSV files)')
  const { format, csvDir } = reportFormat(output, typeof a.values['format'] === 'string' ? a.values['format'] : undefined)
  const whatifs = (Array.isArray(a.values['whatif']) ? a.values['whatif'] : []).map((w) => parseWhatifWords(w, a.compactRequest))
  const capture = typeof a.values['capture'] === 'string' ? a.values['capture'] : undefined
  const diff = typeof a.values['diff'] === 'string' ? a.values['diff'] : undefined
  const timeline = a.values['timeline'] === true
  const seeds = whatifs.some((w) => w.kind === 'compact' && (w.request.seeds ?? 1) > 1)
  const pool = seeds ? new (await import('../../host/workers/pool.ts')).EnginePool() : null
  try {
    const { report, inputs } = await reportFromSnapshot({
      path: a.snapshot, layout: a.layout, seed: a.seed, ...(capture ? { capture } : {}), whatifs, ...(diff ? { diff } : {}), ...(timeline ? { timeline } : {}),
      version: version(), generatedAt: new Date().toISOString(), output, ...(pool ? { runSeeds: (jobs) => pool.runSeeds(jobs) } : {}),
    })
    const rendered = await renderReport(report, format, { csvFiles: csvDir })
    const written = await writeRendered(output, rendered, inputs)
    a.out(`${written.length === 1 ? `wrote ${written[0]}` : `wrote ${written.length} files into ${output}`} (${format}${whatifs.length ? `, ${whatifs.length} what-if${whatifs.length === 1 ? '' : 's'}` : ''}${diff ? ', diff' : ''}${timeline ? ', timeline' : ''})\n`)
    return 0
  } finally {
    await pool?.destroy()
  }
}
