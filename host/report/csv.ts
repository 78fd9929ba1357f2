/**
 * The report's tables as CSV, one file per table (RFC 4180: CRLF, quotes doubled), plus
 * `index.csv` naming each file, its caption, where its numbers come from and its note.
 */
import type { Cell, Report, ReportTable } from './model.ts'

function field(c: Cell): string {
  const s = c === null ? '' : String(c)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function tableCsv(t: ReportTable): string {
  return [t.columns, ...t.rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n'
}

export function reportTables(r: Report): ReportTable[] {
  return r.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'table' ? [b.table] : [])))
}

/** file name → CSV text, index.csv first */
export function reportCsvFiles(r: Report): Array<{ name: string; text: string }> {
  const tables = reportTables(r)
  const seen = new Set<string>()
  for (const t of tables) {
    if (seen.has(t.id)) throw new Error(`report: two tables are named ${t.id}`)
    seen.add(t.id)
  }
  const index: ReportTable = {
    id: 'index', caption: 'Tables', columns: ['file', 'caption', 'source', 'note'], source: 'mixed',
    rows: tables.map((t) => [`${t.id}.csv`, t.caption, t.source, t.note ?? '']),
  }
  return [index, ...tables].map((t) => ({ name: `${t.id}.csv`, text: tableCsv(t) }))
}
