/**
 * The report as Markdown, for tickets and cover letters: per-order tables (before/after, free
 * areas, indices) in fixed-width blocks that read the same in a plain-text mail, the verdicts,
 * the counters and every other table as a Markdown table. Charts and the pageblock map are in
 * the HTML and PDF reports only.
 */
import type { Cell, Report, ReportTable } from './model.ts'

const text = (c: Cell): string => (c === null ? '' : String(c))

const SOURCE: Record<ReportTable['source'], string> = { captured: 'captured', model: 'model', predicted: 'predicted', mixed: 'mixed: each row says' }

/** A table as aligned plain text: labels left, numbers right. */
export function fixedWidth(t: ReportTable): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(text))]
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells.map((r) => r.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]!) : (c ?? '').padStart(widths[i]!))).join('  ').trimEnd()).join('\n')
}

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function pipeTable(t: ReportTable): string {
  const head = t.columns.every((c) => c === '') ? t.columns.map((_, i) => (i === 0 ? 'item' : 'value')) : t.columns
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map((c) => esc(text(c))).join(' | ')} |`)].join('\n')
}

export function reportMarkdown(r: Report): string {
  const L: string[] = [`# ${r.title}`, '', r.subtitle, '']
  for (const s of r.sections) {
    L.push(`${s.level === 2 ? '##' : '###'} ${s.title}`, '')
    for (const b of s.blocks) {
      switch (b.kind) {
        case 'text':
          L.push(b.role === 'verdict' ? `**Verdict:** ${b.text}` : b.role === 'warning' ? `> **Note:** ${b.text}` : b.text, '')
          break
        case 'list':
          if (b.title) L.push(`${b.title}:`, '')
          for (const it of b.items) L.push(`- ${it}`)
          L.push('')
          break
        case 'table': {
          const t = b.table
          L.push(`**${t.caption}** (${SOURCE[t.source]})`, '')
          L.push(t.perOrder ? '```text\n' + fixedWidth(t) + '\n```' : pipeTable(t), '')
          if (t.note) L.push(`_${t.note}_`, '')
          break
        }
        case 'map':
          L.push(`_${b.title}: ${b.map.mt.length} pageblocks${b.marks?.length ? ` (outlined: ${b.marks.filter((m) => m.cells.length).map((m) => `${m.label} ${m.cells.length}${m.drawn ? '' : ', not outlined'}`).join('; ')})` : ''}; the map itself is in the HTML and PDF reports._`, '')
          break
        case 'chart':
          break
      }
    }
  }
  return L.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
}
