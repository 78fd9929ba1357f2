/**
 * debugfs extfrag/extfrag_index and extfrag/unusable_index (formats.md §6, printers
 * mm/vmstat.c extfrag_show_print / unusable_show_print): `Node %d, zone %8s ` then one value
 * per order, the index ×1000 printed as `%2d.%03d ` (extfrag) or `%d.%03d ` (unusable) from
 * C's truncating `index / 1000` and `index % 1000`. Values are kept as integers ×1000.
 */
import { ParseError, type FragIndexFile, type FragIndexRow } from './types.ts'
import { padLeft, parseUint, zoneOrderRows } from './text.ts'

const VALUE = /^(-?)(\d+)\.(\d{3})$/

/** Parse either index file ("-1.000" → -1000, "0.987" → 987, "1.000" → 1000). */
export function parseFragIndex(text: string, file = 'extfrag_index'): FragIndexFile {
  const rows: FragIndexRow[] = []
  for (const { no, node, zone, cols } of zoneOrderRows(text, file, 'index values', 'index values')) {
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
