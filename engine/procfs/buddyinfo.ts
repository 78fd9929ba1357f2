/**
 * /proc/buddyinfo (formats.md §1, printer mm/vmstat.c frag_show_print):
 * `Node %d, zone %8s ` then `%6lu ` per order, one line per populated zone.
 */
import { ParseError, type Buddyinfo, type BuddyinfoRow } from './types.ts'
import { padLeft, parseUint, zoneOrderRows } from './text.ts'

/** Parse /proc/buddyinfo. All rows must have the same number of orders. */
export function parseBuddyinfo(text: string, file = 'buddyinfo'): Buddyinfo {
  const rows: BuddyinfoRow[] = []
  let nrOrders = -1
  const seen = new Map<string, number>()
  for (const { no, raw, node, zone, cols } of zoneOrderRows(text, file, 'free-block counts', 'numeric columns')) {
    nrOrders = cols.length
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
