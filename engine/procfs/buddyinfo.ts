/**
 * /proc/buddyinfo (formats.md §1, printer mm/vmstat.c frag_show_print):
 * `Node %d, zone %8s ` then `%6lu ` per order, one line per populated zone.
 */
import { ParseError, type Buddyinfo, type BuddyinfoRow } from './types.ts'
import { fields, padLeft, parseUint, requireNonEmpty, requireText, splitLines } from './text.ts'

const ROW = /^Node\s+([^\s,]+),\s+zone\s+([^\s,]+)(?:\s+(.*))?$/

/** Parse /proc/buddyinfo. All rows must have the same number of orders. */
export function parseBuddyinfo(text: string, file = 'buddyinfo'): Buddyinfo {
  requireText(text, file)
  requireNonEmpty(text, file)
  const rows: BuddyinfoRow[] = []
  let nrOrders = -1
  let firstLine = 0
  const seen = new Map<string, number>()
  const lines = splitLines(text)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string
    const no = i + 1
    if (raw.trim() === '') continue
    const m = ROW.exec(raw.trim())
    if (m === null) throw new ParseError(file, no, "a 'Node N, zone NAME' row followed by free-block counts", raw)
    const node = parseUint(m[1] as string, file, no, 'a node number')
    const zone = m[2] as string
    const cols = fields(m[3] ?? '')
    if (cols.length === 0) throw new ParseError(file, no, 'free-block counts (one per order) after the zone name', raw)
    if (nrOrders < 0) {
      nrOrders = cols.length
      firstLine = no
    } else if (cols.length !== nrOrders) {
      throw new ParseError(file, no, `${nrOrders} numeric columns after the zone name (as on line ${firstLine})`, raw)
    }
    const key = `${node}/${zone}`
    const prev = seen.get(key)
    if (prev !== undefined) throw new ParseError(file, no, `each zone once (node ${node} zone ${zone} is already on line ${prev})`, raw)
    seen.set(key, no)
    const nrFree = cols.map((c, o) => parseUint(c, file, no, `the free-block count of order ${o}`))
    rows.push({ node, zone, nrFree })
  }
  return { rows, nrOrders }
}

/** Re-create the kernel's exact bytes (trailing space before each newline included). */
export function formatBuddyinfo(b: Buddyinfo): string {
  let out = ''
  for (const r of b.rows) {
    out += `Node ${r.node}, zone ${padLeft(r.zone, 8)} `
    for (const n of r.nrFree) out += `${padLeft(n, 6)} `
    out += '\n'
  }
  return out
}
