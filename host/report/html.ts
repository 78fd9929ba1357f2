/**
 * The report as one self-contained HTML file: inline CSS, charts as inline SVG (the app's
 * ECharts options, server-side rendered), the pageblock map as an embedded PNG with its legend,
 * real <table>s, and print CSS. No script, nothing fetched: a Content-Security-Policy of
 * default-src 'none' makes sure of it.
 */
import { migratetypeColor, noZoneColor } from '../../charts/palette.ts'
import { MT_NONE } from '../../contract/names.ts'
import type { Cell, Report, ReportBlock, ReportTable } from './model.ts'
import { pageblockMapPng } from './png.ts'
import { chartSvg } from './svg.ts'

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const SOURCE_TEXT: Record<ReportTable['source'], string> = { captured: 'captured', model: 'model', predicted: 'predicted', mixed: 'mixed: each row says' }

const isNum = (c: Cell): boolean => typeof c === 'number' || (typeof c === 'string' && (/^[+−-]?\d[\d.,]*( %| [KMGT]?i?B)?$/.test(c) || /^0x[0-9a-f]+$/.test(c)))

function tableHtml(t: ReportTable): string {
  const head = t.columns.every((c) => c === '') ? '' : `<thead><tr>${t.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`
  const cls = (c: Cell, col: string | undefined): string => (col === 'SHA-256' ? ' class="hash"' : !t.kv && isNum(c) ? ' class="num"' : '')
  const body = t.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c === null ? '' : String(c))}</th>` : `<td${cls(c, t.columns[i])}>${esc(c === null ? '' : String(c))}</td>`)).join('')}</tr>`).join('\n')
  return `<div class="table-wrap"><table id="t-${esc(t.id)}" data-source="${t.source}"${t.perOrder ? ' class="per-order"' : t.kv ? ' class="kv"' : ''}>
<caption>${esc(t.caption)} <span class="src src-${t.source}">${esc(SOURCE_TEXT[t.source])}</span></caption>
${head}<tbody>
${body}
</tbody></table>${t.note ? `<p class="note">${esc(t.note)}</p>` : ''}</div>`
}

function blockHtml(b: ReportBlock): string {
  switch (b.kind) {
    case 'text':
      return `<p class="${b.role ?? 'text'}">${b.role === 'verdict' ? '<strong>Verdict:</strong> ' : b.role === 'warning' ? '<strong>Note:</strong> ' : ''}${esc(b.text)}</p>`
    case 'list':
      return `<div class="list">${b.title ? `<h4>${esc(b.title)}</h4>` : ''}<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul></div>`
    case 'table':
      return tableHtml(b.table)
    case 'chart':
      return `<figure class="chart" role="img" aria-label="${esc(b.title)}">${chartSvg(b.option, b.width, b.height)}<figcaption>${esc(b.title)}</figcaption></figure>`
    case 'map': {
      const marks = b.marks ?? []
      const img = pageblockMapPng(b.map, b.migratetypes, b.pagesPerBlock, { overlay: b.overlay ?? 'migratetype', marks: marks.filter((m) => m.drawn && m.cells.length) })
      const counts = new Map<number, number>()
      for (const v of b.map.mt) counts.set(v, (counts.get(v) ?? 0) + 1)
      const legend = b.migratetypes.map((mt, i) => ({ color: migratetypeColor(mt, i), label: mt, n: counts.get(i) ?? 0 })).filter((x) => x.n > 0)
      if (counts.get(MT_NONE)) legend.push({ color: noZoneColor('light'), label: 'hole or not initialised (outside the buddy allocator)', n: counts.get(MT_NONE)! })
      const pbBytes = b.pagesPerBlock * b.pageSize
      const rowBytes = pbBytes * img.cols
      const rowText = rowBytes >= 2 ** 30 ? `${rowBytes / 2 ** 30} GiB` : `${rowBytes / 2 ** 20} MiB`
      const zones = b.zones.map((z) => `<tr><th scope="row">${esc(z.label)}</th><td class="num">${z.firstPb}</td><td class="num">${z.lastPb}</td><td class="num">${Math.floor(z.firstPb / img.cols)}</td><td class="num">${Math.floor(z.lastPb / img.cols)}</td></tr>`).join('')
      return `<figure class="map"><img src="data:image/png;base64,${Buffer.from(img.png).toString('base64')}" width="${img.width}" height="${img.height}" alt="${esc(b.title)}: ${b.map.mt.length} pageblocks, ${img.cols} per row">
<figcaption>${esc(b.title)}: ${img.cols} pageblocks (${rowText}) per row, ${img.rows} rows, ${img.scale} px per pageblock.</figcaption>
<ul class="legend">${legend.map((l) => `<li><span class="swatch" style="background:${l.color}"></span>${esc(l.label)} <span class="count">${l.n}</span></li>`).join('')}${b.overlay === 'free' ? '<li class="count">full colour: the whole pageblock free; paler: less of it free</li>' : ''}</ul>
${marks.length ? `<ul class="legend marks">${marks.filter((m) => m.cells.length).map((m) => `<li><span class="swatch outline" style="border-color:${m.color}"></span>${esc(m.label)} <span class="count">${m.cells.length}${m.drawn ? '' : ' (not outlined)'}</span></li>`).join('')}</ul>` : ''}
<div class="table-wrap"><table class="zones-map"><caption>Where each zone lies on the map</caption><thead><tr><th scope="col">zone</th><th scope="col">first pageblock</th><th scope="col">last pageblock</th><th scope="col">first row</th><th scope="col">last row</th></tr></thead><tbody>${zones}</tbody></table></div></figure>`
    }
  }
}

const CSS = `
:root { color-scheme: light; --fg: #1f242b; --muted: #5f6875; --line: #d9dde3; --head: #f3f5f7; --accent: #1f6feb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: #fff; margin: 0; }
header, main, nav { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 2px solid var(--fg); }
h1 { font-size: 22px; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 0 0 12px; word-break: break-all; }
nav ol { columns: 2; font-size: 13px; padding-left: 20px; }
nav a { color: var(--accent); text-decoration: none; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
h4 { font-size: 13px; margin: 8px 0 4px; }
p.note { color: var(--muted); font-size: 13px; }
p.verdict { font-size: 15px; padding: 8px 12px; background: #eef4ff; border-left: 4px solid var(--accent); }
p.warning { padding: 8px 12px; background: #fff6e5; border-left: 4px solid #c27c00; }
.table-wrap { overflow-x: auto; margin: 8px 0 14px; }
table { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; caption-side: top; }
th, td { border: 1px solid var(--line); padding: 3px 7px; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; text-align: right; }
thead th:first-child { text-align: left; }
tbody th { text-align: left; font-weight: 500; background: #fafbfc; }
td.num { text-align: right; white-space: nowrap; }
td.hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 11px; word-break: break-all; }
table.kv thead th { text-align: left; }
td { overflow-wrap: anywhere; }
.src { white-space: nowrap; font-weight: 400; font-size: 11px; padding: 1px 6px; border-radius: 8px; margin-left: 6px; background: #eceff3; color: var(--muted); }
.src-captured { background: #e3f4ea; color: #1d6b40; }
.src-model { background: #eceaf8; color: #4b3f99; }
.src-predicted { background: #e6effc; color: #1b4f9c; }
figure { margin: 10px 0 16px; break-inside: avoid; }
figure.map { break-inside: auto; }
figure.map img, ul.legend { break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
figure.map img { image-rendering: pixelated; max-width: 100%; height: auto; border: 1px solid var(--line); display: block; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.2); }
.swatch.outline { background: #fff; border: 2px solid; width: 13px; height: 13px; border-radius: 1px; }
.count { color: var(--muted); }
footer { max-width: 1100px; margin: 24px auto; padding: 8px 24px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10.5pt; }
  header, main, nav, footer { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  h3, h4, caption { break-after: avoid; }
  table { font-size: 8pt; }
  .table-wrap { overflow: visible; }
  tr, figure, p.verdict { break-inside: avoid; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.level-2 { break-before: auto; }
}
`

export function reportHtml(r: Report): string {
  const toc = r.sections.filter((s) => s.level === 2).map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join('')
  const body = r.sections.map((s) => `<section id="${esc(s.id)}" class="level-${s.level}">
<h${s.level}>${esc(s.title)}</h${s.level}>
${s.blocks.map(blockHtml).join('\n')}
</section>`).join('\n')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="buddyscope ${esc(r.provenance.version)}">
<title>${esc(r.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(r.title)}</h1><p class="sub">${esc(r.subtitle)}</p></header>
<nav aria-label="Contents"><ol>${toc}</ol></nav>
<main>
${body}
</main>
<footer>Made by Buddyscope ${esc(r.provenance.version)} on ${esc(r.provenance.generatedAt)}. Regenerate: <code>${esc(r.provenance.command)}</code></footer>
</body>
</html>
`
}
