/**
 * debugfs extfrag/extfrag_index and extfrag/unusable_index (formats.md §6, printers
 * mm/vmstat.c extfrag_show_print / unusable_show_print): `Node %d, zone %8s ` then one value
 * per order, the index ×1000 printed as `%2d.%03d ` (extfrag) or `%d.%03d ` (unusable) from
 * C's truncating `index / 1000` and `index % 1000`. Values are kept as integers ×1000.
 */
import { ParseError, type FragIndexFile, type FragIndexRow } from './types.ts'
import { fields, padLeft, parseUint, requireNonEmpty, requireText, splitLines } from './text.ts'

const ROW = /^Node\s+([^\s,]+),\s+zone\s+([^\s,]+)(?:\s+(.*))?$/
const VALUE = /^(-?)(\d+)\.(\d{3})$/

/** Parse either index file ("-1.000" → -1000, "0.987" → 987, "1.000" → 1000). */
export function parseFragIndex(text: string, file = 'extfrag_index'): FragIndexFile {
  requireText(text, file)
  requireNonEmpty(text, file)
  const rows: FragIndexRow[] = []
  let nrOrders = -1
  let firstLine = 0
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    if (raw.trim() === '') continue
    const m = ROW.exec(raw.trim())
    if (m === null) throw new ParseError(file, no, "a 'Node N, zone NAME' row followed by index values", raw)
    const node = parseUint(m[1] as string, file, no, 'a node number')
    const zone = m[2] as string
    const cols = fields(m[3] ?? '')
    if (cols.length === 0) throw new ParseError(file, no, 'index values (one per order) after the zone name', raw)
    if (nrOrders < 0) {
      nrOrders = cols.length
      firstLine = no
    } else if (cols.length !== nrOrders) {
      throw new ParseError(file, no, `${nrOrders} index values after the zone name (as on line ${firstLine})`, raw)
    }
    const values = cols.map((c, o) => {
      const v = VALUE.exec(c)
      if (v === null) throw new ParseError(file, no, `the index of order ${o} as a decimal with 3 digits after the point, like 0.987 or -1.000`, c)
      const whole = parseUint(v[2] as string, file, no, `the index of order ${o}`)
      const milli = whole * 1000 + Number(v[3])
      if (!Number.isSafeInteger(milli)) {
        throw new ParseError(file, no, `the index of order ${o} no larger than ${Math.floor(Number.MAX_SAFE_INTEGER / 1000)}.999`, c)
      }
      return v[1] === '-' && milli !== 0 ? -milli : milli
    })
    rows.push({ node, zone, values })
  }
  return { rows }
}

/** C `%0Nd`: zero padding after the sign, the sign counting in the width. */
function zeroPad(v: number, width: number): string {
  return v < 0 ? `-${String(-v).padStart(width - 1, '0')}` : String(v).padStart(width, '0')
}

/** C `%Wd.%03d` of (v / 1000, v % 1000) with truncating division, as the kernel prints it. */
function milli(v: number, intWidth: number): string {
  const whole = Math.trunc(v / 1000)
  const frac = v % 1000
  return `${padLeft(whole === 0 ? 0 : whole, intWidth)}.${zeroPad(frac === 0 ? 0 : frac, 3)}`
}

function format(rows: readonly FragIndexRow[], intWidth: number): string {
  let out = ''
  for (const r of rows) {
    out += `Node ${r.node}, zone ${padLeft(r.zone, 8)} `
    for (const v of r.values) out += `${milli(v, intWidth)} `
    out += '\n'
  }
  return out
}

/** extfrag_index bytes: values as `%2d.%03d ` (so ` 0.987`, `-1.000`). */
export function formatExtfragIndex(rows: readonly FragIndexRow[]): string {
  return format(rows, 2)
}

/** unusable_index bytes: values as `%d.%03d ` (so `0.987`). */
export function formatUnusableIndex(rows: readonly FragIndexRow[]): string {
  return format(rows, 1)
}
