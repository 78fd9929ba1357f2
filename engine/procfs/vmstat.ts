/**
 * /proc/vmstat and /sys/devices/system/node/nodeN/vmstat (formats.md §4): one `name value`
 * pair per line. Look counters up by name; which ones exist depends on version and config.
 */
import type { Vmstat } from './types.ts'
import { matchLines, parseInt10 } from './text.ts'

const LINE = /^([A-Za-z_][\w.-]*)\s+(\S+)$/

/** Parse a vmstat file (global or per node). A repeated name keeps its last value. */
export function parseVmstat(text: string, file = 'vmstat'): Vmstat {
  const out: Vmstat = {}
  for (const { no, m } of matchLines(text, file, LINE, "a 'name value' line (a counter name, one space, a decimal value)")) {
    const name = m[1] as string
    out[name] = parseInt10(m[2] as string, file, no, `the value of ${name}`)
  }
  return out
}
